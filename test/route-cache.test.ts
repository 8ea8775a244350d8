// The input-route cache of the receive path (assembly/ipv4/route.ts) is an
// accelerator Linux does not have: it must give exactly the uncached answer.
// In verify mode every cache hit is recomputed by the uncached decision and a
// difference is counted; these tests change what the decision reads between
// batches of the same frames and require the forwarding to follow at once and
// no difference ever to be seen.
import { describe, it, expect } from 'vitest';
import { Box } from '../src/box.js';
import { udpFrame } from './util/frames.js';

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
