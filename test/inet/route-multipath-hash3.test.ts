// The multipath hash under fib_multipath_hash_policy 2 and 3, against the kernel
// (fib_multipath_hash() in net/ipv4/route.c with the flow dissector of
// net/core/flow_dissector.c):
// 1. net.ipv4.fib_multipath_hash_fields as proc_fib_multipath_hash_fields takes it
//    (1 to 0xfff, in any base strtoul reads) and reads it back;
// 2. `ip -j route get ... ipproto P sport A dport B` of many flows (forwarded, iif,
//    and sent from here; both hash the skb inet_rtm_getroute builds) over a route of
//    three nexthops, under policy 2 and policy 3 with a dozen field masks;
// 3. forwarded frames, plain and encapsulated (IPIP; GRE with and without checksum,
//    key and sequence number; GRE carrying Ethernet (TEB); nested IPIP; inner
//    fragments; headers cut short; GRE the dissector does not enter), leaving by the
//    kernel's gateway: policy 2 hashes the innermost addresses, policy 3 the outer
//    fields of the outer header and the inner fields of the innermost one, through
//    jhash_2words(); and echo replies the router sends itself, hashed by their flow
//    without a packet (fib_multipath_custom_hash_fl4: no jhash_2words).
// Recorded kernel answers are committed as fixtures; where namespaces can be made, the
// live kernel too. RECORD=1 with namespaces records them again.
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { Box } from '../../src/box.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words, MP_LINKS, type IpStep } from '../util/ip-script.js';
import { canMakeNamespace } from '../diff/kernel.js';
import { netnsAdd, netnsDel, run } from '../util/netns.js';
import { ETH_IP, PROTO, TCP, concat, echoRequest, eth, hex, ipv4, tcp, udp } from '../pktdiff/frames.js';
import type { Inject, PktScenario } from '../pktdiff/gen.js';
import { GW, GW_MAC, PORTS, dotted, frameDifferences, gatewayOf, intoP0, itLive, prng, recordedKernel, routerSteps } from '../pktdiff/multipath.js';

const can = canMakeNamespace();
const FIELDS = 'net.ipv4.fib_multipath_hash_fields';

// ---- 1. the sysctl ------------------------------------------------------------------------------

/** values written to fib_multipath_hash_fields, each read back after */
const FIELD_WRITES = ['0', '1', '7', '0x10', '0X30', '017', ' 12', '4095', '0xfff', '4096', '0x1000', '-1', '4294967296',
  'abc', '0x', '08', '+5', '0xfc0', '3 '];
const SYSCTL_FIXTURE = new URL('../fixtures/routing/route-multipath-hash-fields.json', import.meta.url);

interface FieldWrite { value: string; ok: boolean; read: string }

async function kernelFieldWrites(): Promise<FieldWrite[]> {
  const ns = await netnsAdd('np-mh');
  try {
    const path = `/proc/sys/${FIELDS.replaceAll('.', '/')}`;
    const out: FieldWrite[] = [];
    for (const value of FIELD_WRITES) {
      const w = await run('ip', ['netns', 'exec', ns, 'sh', '-c', `printf %s "$1" > ${path}`, 'sh', value]);
      const r = await run('ip', ['netns', 'exec', ns, 'cat', path]);
      out.push({ value, ok: w.status === 0, read: r.stdout.trim() });
    }
    return out;
  } finally { await netnsDel(ns); }
}

async function emulatedFieldWrites(): Promise<FieldWrite[]> {
  const box = await Box.create();
  return FIELD_WRITES.map((value) => {
    let ok = true;
    try { box.sysctl(FIELDS, value); } catch { ok = false; }
    return { value, ok, read: box.sysctl(FIELDS) };
  });
}

// ---- 2. ip route get ------------------------------------------------------------------------------

const w = words;

/** `ip -j route get` of n flows to 203.0.113.0/24 with protocol and ports: two of three forwarded in through ve */
function gets(n: number, seed: number): string[][] {
  const r = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const dst = dotted(0xcb007100 | (r() & 255)), src = dotted(0xc6130000 | (r() & 0xffff));
    const p = ['udp', 'tcp', 'icmp'][r() % 3], sport = r() & 0xffff, dport = r() & 0xffff;
    const from = i % 3 === 2 ? '' : ` from ${src} iif ve`;
    return w(`-j route get ${dst}${from} ipproto ${p} sport ${sport} dport ${dport}`);
  });
}

/** the field masks policy 3 runs with: each outer field alone, pairs, the inner ones (no encapsulation here), all */
const MASKS = ['0x1', '0x2', '0x4', '0x8', '0x10', '0x20', '0x30', '0x13', '0x3f', '0xfc0', '0xfff', '0x7'];
const N_GETS = 36;

export const HASH3_SCRIPT: string[][] = [
  ...MP_LINKS.map(w),
  ['sysctl', 'net.ipv4.ip_forward=1'], ['sysctl', 'net.ipv4.conf.all.rp_filter=0'], ['sysctl', 'net.ipv4.conf.ve.rp_filter=0'],
  ['sysctl', 'net.ipv4.fib_multipath_hash_seed=12345'],
  w('route add 203.0.113.0/24 nexthop via 192.0.2.2 nexthop via 198.51.100.3 nexthop via 198.51.100.4 weight 2'),
  // policy 2: the packet's addresses (no tunnel in what `ip route get` builds)
  ['sysctl', 'net.ipv4.fib_multipath_hash_policy=2'],
  ...gets(N_GETS, 1),
  // policy 3 with the default fields (source and destination address, protocol), then each mask
  ['sysctl', 'net.ipv4.fib_multipath_hash_policy=3'],
  ...gets(N_GETS, 2),
  ...MASKS.flatMap((m, k) => [['sysctl', `${FIELDS}=${m}`], ...gets(N_GETS, 3 + k)]),
];

/** the gateways the successful `route get` answers of steps [from, to) named */
function gatewaysTaken(steps: IpStep[], from: number, to: number): Set<string> {
  const gws = new Set<string>();
  for (const s of steps.slice(from, to)) if (s.argv[2] === 'get' && s.status === 0) gws.add(JSON.parse(s.stdout)[0].gateway);
  return gws;
}
/** the index of the script step that sets the mask */
const maskAt = (m: string): number => HASH3_SCRIPT.findIndex((a) => a[0] === 'sysctl' && a[1] === `${FIELDS}=${m}`);

const differences = (got: IpStep[], want: IpStep[]): string => ipStepDifferences(got, want).slice(0, 6000);

// ---- 3. forwarded frames ----------------------------------------------------------------------------

/** GRE (RFC 2784/2890): flags and version, protocol, then checksum + reserved, key, sequence number as flagged */
function gre(proto: number, payload: Uint8Array, o: { csum?: boolean; key?: number; seq?: number; flags?: number } = {}): Uint8Array {
  const flags = (o.flags ?? 0) | (o.csum ? 0x8000 : 0) | (o.key !== undefined ? 0x2000 : 0) | (o.seq !== undefined ? 0x1000 : 0);
  const h = [flags >> 8, flags & 255, proto >> 8, proto & 255];
  const be32 = (v: number) => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
  if (o.csum) h.push(0x5a, 0xa5, 0, 0);
  if (o.key !== undefined) h.push(...be32(o.key));
  if (o.seq !== undefined) h.push(...be32(o.seq));
  return concat(new Uint8Array(h), payload);
}
const P = { IPIP: 4, GRE: 47 } as const;
/** the PPP header PPTP puts before an IPv4 packet: address, control, PPP_IP */
const PPP_IP = new Uint8Array([0xff, 0x03, 0x00, 0x21]);

/**
 * n frames into p0 towards 203.0.113.0/24 over two outer address pairs only: encapsulated flows whose inner
 * addresses and ports vary (only an inner hash spreads them over the nexthops), plain UDP, and the edges;
 * then echo requests to the router from hosts behind the multipath route, whose replies it routes itself.
 */
function encapFrames(seed: number, n: number): Inject[] {
  const r = prng(seed);
  const frames: Inject[] = [];
  const into = intoP0(frames);
  const outer = [['198.19.4.1', '203.0.113.5'], ['198.19.9.77', '203.0.113.200']];
  for (let i = 0; i < n; i++) {
    const [os, od] = outer[i & 1];
    const is = dotted(0xc6120000 | (r() & 0xffff)), id = dotted(0xc0000200 | (r() & 255));
    const sport = 1024 + (r() % 60000), dport = 1 + (r() % 65535);
    const iu = ipv4({ src: is, dst: id, proto: PROTO.UDP, id: i }, udp(is, id, sport, dport, new Uint8Array([i & 255])));
    const it = ipv4({ src: is, dst: id, proto: PROTO.TCP, id: i }, tcp(is, id, { sport, dport, seq: r(), flags: TCP.SYN }));
    const inner = `${is}:${sport} > ${id}:${dport}`;
    const o = (proto: number, payload: Uint8Array, extra: Partial<Parameters<typeof ipv4>[0]> = {}) =>
      ipv4({ src: os, dst: od, proto, id: 1000 + i, ...extra }, payload);
    switch (i % 8) {
      case 0: into(o(P.IPIP, iu), 'ipip', `${os} > ${od} ipip udp ${inner}`); break;
      case 1: into(o(P.IPIP, it), 'ipip', `${os} > ${od} ipip tcp ${inner}`); break;
      case 2: into(o(P.GRE, gre(ETH_IP, iu)), 'gre', `${os} > ${od} gre udp ${inner}`); break;
      case 3: into(o(P.GRE, gre(ETH_IP, iu, { key: r() })), 'gre', `${os} > ${od} gre key udp ${inner}`); break;
      case 4: into(o(P.GRE, gre(ETH_IP, it, { csum: true, key: r(), seq: i })), 'gre', `${os} > ${od} gre csum key seq tcp ${inner}`); break;
      case 5: into(o(P.GRE, gre(0x6558, eth('02:00:00:00:44:01', '02:00:00:00:44:02', ETH_IP, iu))), 'gre', `${os} > ${od} gre teb udp ${inner}`); break;
      case 6: into(o(PROTO.UDP, udp(os, od, sport, dport, new Uint8Array([i & 255]))), 'plain', `${os}:${sport} > ${od}:${dport}`); break;
      default: {
        // the edges, in turn: what the dissector stops at, and where it goes on
        const k = (i >> 3) % 11;
        const edges: [Uint8Array, string][] = [
          [o(P.GRE, gre(0x1234, iu)), 'gre of an unknown protocol'],
          [o(P.GRE, gre(ETH_IP, iu, { flags: 0x4000 })), 'gre with routing'],
          [o(P.GRE, gre(0x880b, iu, { key: r(), flags: 1 })), 'pptp of what ppp does not know'],
          [o(P.IPIP, ipv4({ src: is, dst: id, proto: PROTO.UDP, id: i, mf: true }, udp(is, id, sport, dport, new Uint8Array(8)))), 'ipip of a first fragment'],
          [o(P.IPIP, o(P.IPIP, iu)), 'ipip in ipip'],
          [o(P.IPIP, iu.subarray(0, 12)), 'ipip cut short'],
          [o(P.GRE, gre(0x6558, eth('02:00:00:00:44:01', '02:00:00:00:44:02', 0x0806, new Uint8Array(28)))), 'gre teb of arp'],
          [o(P.IPIP, iu, { mf: true }), 'an ipip first fragment'],
          [o(P.GRE, gre(ETH_IP, iu, { key: 7 }).subarray(0, 6)), 'gre key cut short'],
          [o(P.GRE, gre(0x880b, concat(PPP_IP, iu), { key: (iu.length << 16) | i, flags: 1 })), 'pptp of ipv4'],
          [o(P.GRE, gre(0x880b, concat(new Uint8Array([0, 0, 0, 9]), PPP_IP, it), { key: (it.length << 16) | i, seq: i, flags: 0x81 })), 'pptp with an ack, of ipv4'],
        ];
        into(edges[k][0], 'edge', `${os} > ${od} ${edges[k][1]}: ${inner}`);
      }
    }
  }
  // echo requests to the router's p0 address from behind the multipath route: each reply takes its flow's hash
  for (let i = 0; i < 12; i++) {
    const src = dotted(0xcb007100 | (r() & 255));
    into(ipv4({ src, dst: '198.18.0.1', proto: PROTO.ICMP, id: 2000 + i }, echoRequest(0x4000 + i, i, new Uint8Array([i]))), 'echo', `${src} > 198.18.0.1 echo`);
  }
  return frames;
}

function scenario(policy: 2 | 3, fields: string | undefined, seed: number, n: number): PktScenario {
  const steps: PktScenario['steps'] = [
    ...routerSteps(policy, '2718281828'),
    ...(fields ? [{ sysctl: [FIELDS, fields] as [string, string] }] : []),
    ...['route add 198.19.0.0/16 via 198.18.0.2',
      `route add 203.0.113.0/24 nexthop via ${GW.g1} weight 2 nexthop via ${GW.g2} nexthop via ${GW.g3} weight 3`,
    ].map((ip) => ({ ip })),
  ];
  return { seed, gen: 0, ports: PORTS, steps, frames: encapFrames(seed, n) };
}

/** policy 2; policy 3 by default fields, the outer 5-tuple, the inner addresses, inner source address and port, inner protocol and destination port, all, the inner ones */
const PKT_SCENARIOS = [
  scenario(2, undefined, 31, 88), scenario(3, undefined, 32, 88), scenario(3, '0x37', 33, 88), scenario(3, '0xc0', 34, 88),
  scenario(3, '0x440', 35, 88), scenario(3, '0x900', 36, 88), scenario(3, '0xfff', 37, 88), scenario(3, '0xfc0', 38, 88),
];
const PKT_FIXTURE = new URL('../fixtures/routing/route-multipath-hash3-packets.json', import.meta.url);

describe('multipath hash policies 2 and 3: as Linux chooses', () => {
  it('fib_multipath_hash_fields: every write accepted or refused, and read back, as the recorded kernel did', async () => {
    if (process.env.RECORD && can.ok) writeFileSync(SYSCTL_FIXTURE, JSON.stringify(await kernelFieldWrites(), null, 1) + '\n');
    const recorded = JSON.parse(readFileSync(SYSCTL_FIXTURE, 'utf8')) as FieldWrite[];
    expect(recorded.map((x) => x.value)).toEqual(FIELD_WRITES);
    // the recording covers refusals (0, beyond the mask, signs, junk) and the bases strtoul reads
    expect(recorded.filter((x) => !x.ok).length).toBeGreaterThanOrEqual(6);
    expect(recorded.find((x) => x.value === '017')?.read).toBe('15');
    expect(await emulatedFieldWrites()).toEqual(recorded);
  });
  it.skipIf(!can.ok)('fib_multipath_hash_fields: the live kernel answers the same', async () => {
    expect(await emulatedFieldWrites()).toEqual(await kernelFieldWrites());
  });

  it('ip route get with ipproto, sport and dport: every answer as the recorded kernel gave it', async () => {
    const recorded = await recordedIpSteps(new URL('../fixtures/routing/route-multipath-hash3.json', import.meta.url), 'np-mh', HASH3_SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(HASH3_SCRIPT);
    expect(recorded.filter((s) => s.argv[0] === 'sysctl').every((s) => s.status === 0)).toBe(true);
    // the recording is about the fields: a varying one spreads the flows over all three gateways, the IPv6
    // flow label alone (nothing of IPv4) and the inner fields alone (no encapsulation) send all by one
    const all = [GW.g1, GW.g2, GW.g3].sort();
    for (const m of ['0x2', '0x10', '0x3f']) expect([...gatewaysTaken(recorded, maskAt(m), maskAt(m) + N_GETS + 1)].sort(), m).toEqual(all);
    // the protocol alone: one gateway per protocol
    for (const p of ['udp', 'tcp', 'icmp']) {
      const steps = recorded.slice(maskAt('0x4'), maskAt('0x4') + N_GETS + 1).filter((s) => s.argv.includes(p));
      expect(gatewaysTaken(steps, 0, steps.length).size, p).toBe(1);
    }
    for (const m of ['0x8', '0xfc0']) expect(gatewaysTaken(recorded, maskAt(m), maskAt(m) + N_GETS + 1).size, m).toBe(1);
    expect(differences(await emulatedIpSteps(HASH3_SCRIPT), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('ip route get with ipproto, sport and dport: the live kernel answers the same', async () => {
    expect(differences(await emulatedIpSteps(HASH3_SCRIPT), await kernelIpSteps('np-mh', HASH3_SCRIPT))).toBe('');
  });

  it('forwarded frames, plain and in IPIP and GRE, and echo replies leave towards the gateway the recorded kernel chose', async () => {
    const kernel = await recordedKernel(PKT_SCENARIOS, PKT_FIXTURE, 'np-mh');
    for (const r of kernel.flat()) expect(r.out.length).toBe(1);
    // the recording is about the inner hash: under policy 2 and under the inner addresses (0xc0) the
    // tunnelled flows of two outer address pairs still take all three gateways; under the outer default
    // fields, the IPIP ones only as many as there are outer pairs
    const gwsOf = (k: number, c: string) => new Set(PKT_SCENARIOS[k].frames.flatMap((f, i) => f.case === c ? [gatewayOf(kernel[k][i].out[0].hex)] : []));
    for (const k of [0, 3]) for (const c of ['ipip', 'gre']) expect(gwsOf(k, c).size, `${k} ${c}`).toBe(3);
    expect(gwsOf(1, 'ipip').size).toBeLessThanOrEqual(2);
    expect(gwsOf(1, 'echo').size).toBeGreaterThanOrEqual(2);
    expect(Object.keys(GW_MAC)).toContain([...gwsOf(0, 'echo')][0]);
    expect(await frameDifferences(kernel, PKT_SCENARIOS)).toBe('');
  }, 60_000);
  itLive('forwarded frames, plain and in IPIP and GRE, and echo replies leave as the live kernel sends them', PKT_SCENARIOS, 'np-mh');

  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
