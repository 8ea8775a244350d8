// The input-route cache of the receive path (assembly/ipv4/route.ts) is an
// accelerator Linux does not have: it must give exactly the uncached answer.
// In verify mode every cache hit is recomputed by the uncached decision and a
// difference is counted; these tests change what the decision reads between
// batches of the same frames and require the forwarding to follow at once and
// no difference ever to be seen.
import { describe, it, expect } from 'vitest';
import { Box } from '../src/box.js';
import { udpFrame, ethernet, ipv4, udp, inetChecksum, IPPROTO } from './util/frames.js';

const MS = 1_000_000;

interface CacheCore {
  routeCacheSet(enabled: boolean, verify: boolean): void;
  routeCacheCounter(which: number): number;
}

async function router() {
  const box = await Box.create();
  for (const c of [
    'link add eth0 address 02:00:00:00:00:10 type emac', 'link add eth1 address 02:00:00:00:00:11 type emac',
    'link set eth0 up', 'link set eth1 up', 'addr add 192.0.2.1/24 dev eth0', 'addr add 198.18.0.1/24 dev eth1',
    'neigh add 198.18.0.2 lladdr 02:00:00:00:00:99 dev eth1 nud permanent',
    'route add 203.0.113.0/24 via 198.18.0.2', 'route add 198.51.100.0/24 via 198.18.0.2',
  ]) expect(box.ip(c).stderr).toBe('');
  box.sysctl('net.ipv4.ip_forward', 1);
  const core = box.kernel.core as unknown as CacheCore;
  core.routeCacheSet(true, true);
  // 8 flows to 203.0.113.0/24 (4 of them in .128/25), 4 to 198.51.100.0/24, from two sources on eth0
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 8; i++) {
    frames.push(udpFrame({ src: `192.0.2.${10 + (i & 1)}`, dst: `203.0.113.${i * 32 + 1}`, dstMac: '02:00:00:00:00:10', srcMac: '02:00:00:00:00:20' }));
  }
  for (let i = 0; i < 4; i++) {
    frames.push(udpFrame({ src: '192.0.2.10', dst: `198.51.100.${i + 1}`, dstMac: '02:00:00:00:00:10', srcMac: '02:00:00:00:00:20' }));
  }
  const batch = box.link('eth0').wire.batch(frames);
  /** the batch through the router: how many frames left on eth1 */
  const send = (): number => {
    box.link('eth0').wire.inject(batch);
    box.run({ ns: 1 * MS });
    return box.link('eth1').wire.collectBatch().count;
  };
  return { box, core, send };
}

describe('input-route cache', () => {
  it('every configuration change a decision reads takes effect on the next packet; hits equal the uncached answer', async () => {
    const { box, core, send } = await router();
    expect(send()).toBe(12);
    expect(send()).toBe(12);
    expect(core.routeCacheCounter(0)).toBeGreaterThanOrEqual(12); // the second round hit
    const ip = (cmd: string): void => { expect(box.ip(cmd).stderr, cmd).toBe(''); };
    const steps: Array<[string, () => void, number]> = [
      ['blackhole a more specific prefix', () => ip('route add blackhole 203.0.113.128/25'), 8],
      ['delete it again', () => ip('route del blackhole 203.0.113.128/25'), 12],
      ['a rule that prohibits one source', () => ip('rule add from 192.0.2.11 prohibit'), 8],
      ['a rule by mark that matches nothing', () => ip('rule add fwmark 7 lookup 100'), 8],
      ['the prohibit rule goes', () => ip('rule del from 192.0.2.11 prohibit'), 12],
      ['a rule for one source into an empty table', () => ip('rule add from 192.0.2.10 lookup 100'), 12],
      ['that table gets an unreachable default', () => ip('route add unreachable default table 100'), 4],
      ['that table loses it', () => ip('route del unreachable default table 100'), 12],
      ['a suppressor: main answers with prefix length 24 or less are refused', () => ip('rule add lookup main suppress_prefixlength 24 pref 10'), 12],
      ['the gateway route moves to a blackhole', () => ip('route replace blackhole 198.51.100.0/24'), 8],
      ['and back', () => ip('route replace 198.51.100.0/24 via 198.18.0.2'), 12],
      ['forwarding off', () => box.sysctl('net.ipv4.ip_forward', 0), 0],
      ['forwarding on', () => box.sysctl('net.ipv4.ip_forward', 1), 12],
      ['strict reverse path filter: the sources are on eth0, still fine', () => box.sysctl('net.ipv4.conf.all.rp_filter', 1), 12],
      ['the source subnet leaves eth0: rp_filter refuses', () => ip('addr del 192.0.2.1/24 dev eth0'), 0],
      ['it comes back', () => ip('addr add 192.0.2.1/24 dev eth0'), 12],
      ['eth1 down: the routes through it go', () => ip('link set eth1 down'), 0],
      ['eth1 up: the neighbour and the gateway routes must be added again', () => {
        ip('link set eth1 up'); ip('neigh add 198.18.0.2 lladdr 02:00:00:00:00:99 dev eth1 nud permanent'); ip('route add 203.0.113.0/24 via 198.18.0.2'); ip('route add 198.51.100.0/24 via 198.18.0.2');
      }, 12],
      ['eth1 in group 5 and a rule suppressing answers through group 5', () => { ip('link set eth1 group 5'); ip('rule add lookup main suppress_ifgroup 5 pref 5'); }, 12],
    ];
    for (const [what, change, expected] of steps) {
      change();
      expect(send(), what).toBe(expected);
      expect(send(), `${what} (again)`).toBe(expected);
    }
    // the link partner goes away: phylib sees it during run() and the FIB marks the routes linkdown
    box.link('eth1').wire.carrier = false;
    box.run({ ns: 1500 * MS });
    box.link('eth1').wire.carrier = true;
    box.run({ ns: 2500 * MS });
    expect(send()).toBe(12);
    expect(core.routeCacheCounter(2)).toBe(0); // no hit ever differed from the uncached decision
    expect(core.routeCacheCounter(0)).toBeGreaterThan(12 * steps.length);
  });

  it('off: every packet takes the uncached decision, with the same results', async () => {
    const { core, send } = await router();
    core.routeCacheSet(false, false);
    expect(send()).toBe(12);
    expect(send()).toBe(12);
    expect(core.routeCacheCounter(0)).toBe(0);
    expect(core.routeCacheCounter(1)).toBe(0);
  });
});

/** ICMP host unreachable from src to dst, quoting a UDP packet inner.src -> inner.dst (8 bytes of it) */
function icmpErrorFrame(src: string, dst: string, inner: { src: string; dst: string }): Uint8Array {
  const quoted = ipv4({ src: inner.src, dst: inner.dst, proto: IPPROTO.UDP, payload: udp({ ...inner, sport: 53, dport: 40000 }) });
  const m = new Uint8Array(8 + quoted.length);
  m[0] = 3; m[1] = 1;
  m.set(quoted, 8);
  new DataView(m.buffer).setUint16(2, inetChecksum(m));
  return ethernet({ dst: '02:00:00:00:00:10', src: '02:00:00:00:00:20', payload: ipv4({ src, dst, proto: IPPROTO.ICMP, payload: m }) });
}

/** A router whose 203.0.113.0/24 is a two-way multipath route (eth1, eth2); the cache on (verify) or off */
async function multipathRouter(cache: boolean) {
  const box = await Box.create();
  for (const c of [
    'link add eth0 address 02:00:00:00:00:10 type emac', 'link add eth1 address 02:00:00:00:00:11 type emac',
    'link add eth2 address 02:00:00:00:00:12 type emac',
    'link set eth0 up', 'link set eth1 up', 'link set eth2 up',
    'addr add 192.0.2.1/24 dev eth0', 'addr add 198.18.0.1/24 dev eth1', 'addr add 198.18.1.1/24 dev eth2',
    'neigh add 198.18.0.2 lladdr 02:00:00:00:00:99 dev eth1 nud permanent',
    'neigh add 198.18.1.2 lladdr 02:00:00:00:00:98 dev eth2 nud permanent',
    'route add 203.0.113.0/24 nexthop via 198.18.0.2 dev eth1 nexthop via 198.18.1.2 dev eth2',
  ]) expect(box.ip(c).stderr).toBe('');
  box.sysctl('net.ipv4.ip_forward', 1);
  box.sysctl('net.ipv4.fib_multipath_hash_seed', 1);
  const core = box.kernel.core as unknown as CacheCore;
  core.routeCacheSet(cache, cache);
  // UDP flows first, then ICMP errors between the same addresses that quote other packets: a hit on
  // a flow's entry would send an error where the flow went, not where its quote hashes to
  const frames: Uint8Array[] = [];
  for (let s = 0; s < 4; s++) {
    for (let d = 1; d <= 8; d++) {
      for (const sport of [40000, 40001]) {
        frames.push(udpFrame({ src: `192.0.2.${10 + s}`, dst: `203.0.113.${d}`, sport, dstMac: '02:00:00:00:00:10', srcMac: '02:00:00:00:00:20' }));
      }
    }
  }
  for (let d = 1; d <= 8; d++) {
    for (let q = 0; q < 4; q++) frames.push(icmpErrorFrame('192.0.2.10', `203.0.113.${d}`, { src: `203.0.113.${d}`, dst: `192.0.2.${100 + q}` }));
  }
  const batch = box.link('eth0').wire.batch(frames);
  /** the batch through the router: the frames each port sent, as hex */
  const send = (): string[][] => {
    box.link('eth0').wire.inject(batch);
    box.run({ ns: 1 * MS });
    return ['eth1', 'eth2'].map((d) => box.link(d).wire.collect().map((f) => Buffer.from(f).toString('hex')));
  };
  return { box, core, send, flows: 64 };
}

describe('input-route cache: multipath routes', () => {
  it('a flow keeps the nexthop its hash picks; ICMP errors, seed and policy changes give the uncached answer', async () => {
    const cached = await multipathRouter(true);
    const plain = await multipathRouter(false);
    const ip = (box: Box, cmd: string): void => { expect(box.ip(cmd).stderr, cmd).toBe(''); };
    const steps: Array<[string, (box: Box) => void]> = [
      ['as configured', () => {}],
      ['another hash seed', (box) => box.sysctl('net.ipv4.fib_multipath_hash_seed', 7)],
      ['policy 1 (ports too): not cached', (box) => box.sysctl('net.ipv4.fib_multipath_hash_policy', 1)],
      ['policy 3, the source port alone: not cached', (box) => {
        box.sysctl('net.ipv4.fib_multipath_hash_policy', 3); box.sysctl('net.ipv4.fib_multipath_hash_fields', '0x10');
      }],
      ['back to policy 0, use_neigh on: not cached', (box) => { box.sysctl('net.ipv4.fib_multipath_hash_policy', 0); box.sysctl('net.ipv4.fib_multipath_use_neigh', 1); }],
      ["eth2's neighbour goes (no route flush): use_neigh avoids it", (box) => ip(box, 'neigh del 198.18.1.2 dev eth2')],
      ['it comes back, use_neigh off', (box) => {
        ip(box, 'neigh replace 198.18.1.2 lladdr 02:00:00:00:00:98 dev eth2 nud permanent');
        box.sysctl('net.ipv4.fib_multipath_use_neigh', 0);
      }],
      ['eth2 loses its carrier, ignore_routes_with_linkdown', (box) => {
        box.sysctl('net.ipv4.conf.all.ignore_routes_with_linkdown', 1);
        box.link('eth2').wire.carrier = false;
        box.run({ ns: 1500 * MS });
      }],
      ['and gets it back', (box) => { box.link('eth2').wire.carrier = true; box.run({ ns: 2500 * MS }); }],
      ['a nexthop goes: eth2 down', (box) => ip(box, 'link set eth2 down')],
    ];
    let errorsSplit = false;
    for (const [what, change] of steps) {
      change(cached.box);
      change(plain.box);
      for (let round = 0; round < 2; round++) {
        const got = cached.send(), want = plain.send();
        expect(got, `${what}, round ${round}`).toEqual(want);
        if (what !== 'as configured') continue;
        // frames as hex: the IP protocol at 46, the source at 52, the destination at 60
        for (let d = 1; d <= 8; d++) {
          const dst = `cb0071${d.toString(16).padStart(2, '0')}`;
          const sent = (proto: string) => [0, 1].filter((p) => want[p]!.some((f) => f.slice(46, 48) === proto && f.slice(52, 60) === 'c000020a' && f.slice(60, 68) === dst));
          const [flowPort] = sent('11');
          if (sent('01').some((p) => p !== flowPort)) errorsSplit = true;
        }
      }
    }
    // the test means something: errors and flows between the same addresses went different ways,
    // both ports carried traffic, and the cache answered (with nothing differing from the slow path)
    expect(errorsSplit).toBe(true);
    expect(cached.core.routeCacheCounter(2)).toBe(0);
    expect(cached.core.routeCacheCounter(0)).toBeGreaterThan(cached.flows * 4);
  });
});
