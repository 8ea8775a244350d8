// Forwarded packets over a multipath route take the kernel's nexthop: frames sent
// into a router whose route to 203.0.113.0/24 has three weighted nexthops (on two
// ports) come out of the port, towards the gateway, the kernel sends them to, with
// fib_multipath_hash_seed set. Hash policy 0: UDP flows, and ICMP errors, which the
// kernel hashes by the addresses of the packet they quote (ip_multipath_l3_keys);
// policy 1: UDP and TCP flows by their ports; policy 2: UDP and ICMP errors, by their
// own addresses. Against recorded kernel frames and,
// where namespaces can be made, the live kernel (test/pktdiff's harness). And in
// netpath itself: the port a forwarded packet leaves by is the one `ip route get ...
// iif` names, the same decision.
// RECORD=1 with namespaces rewrites the recorded answers.
import { describe, it, expect } from 'vitest';
import { ETH_IP, PROTO, TCP, eth, icmp, ipv4, tcp, udp, hex } from '../pktdiff/frames.js';
import type { Inject, PktScenario } from '../pktdiff/gen.js';
import type { FrameResult } from '../pktdiff/kernel.js';
import { GW, GW_MAC, PORTS, expectOneDecision, flowFrames, frameDifferences, gatewayOf, itLive, prng, recordedKernel, routerSteps } from '../pktdiff/multipath.js';

function scenario(policy: 0 | 1 | 2, seed: number, n: number): PktScenario {
  const steps: PktScenario['steps'] = [
    ...routerSteps(policy, '2718281828'),
    ...['route add 198.19.0.0/16 via 198.18.0.2',
      `route add 203.0.113.0/24 nexthop via ${GW.g1} weight 2 nexthop via ${GW.g2} nexthop via ${GW.g3} weight 3`,
    ].map((ip) => ({ ip })),
  ];
  return { seed, gen: 0, ports: PORTS, steps, frames: flowFrames(policy, seed, n) };
}

// ---- the ports the flow dissector reads beyond TCP and UDP -------------------------------------
// __skb_flow_get_ports() takes "ports" at proto_ports_offset(): UDP-Lite's at 0, ESP's SPI at 0 and
// AH's SPI at 4 (its halves as source and destination port), none from a fragment or from a header cut
// short. They feed the rules' sport/dport (fib4_rules_early_flow_dissect) and hash policy 1.

/** ESP: SPI, sequence number, then opaque bytes (the router never decrypts) */
const esp = (spi: number, seq: number, n = 16): Uint8Array =>
  new Uint8Array([...be32(spi), ...be32(seq), ...Array.from({ length: n }, (_, i) => (i * 37 + seq) & 255)]);
/** AH: next header, length (in 32-bit words, minus 2: 4 for a 96-bit ICV), reserved, SPI, sequence, ICV */
const ah = (spi: number, seq: number): Uint8Array =>
  new Uint8Array([PROTO.UDP, 4, 0, 0, ...be32(spi), ...be32(seq), ...Array.from({ length: 12 }, (_, i) => (i * 11 + seq) & 255)]);
/** UDP-Lite: ports, checksum coverage 8 (the header), a checksum the router does not look at, data */
const udplite = (sport: number, dport: number, data: Uint8Array): Uint8Array =>
  new Uint8Array([sport >> 8, sport & 255, dport >> 8, dport & 255, 0, 8, 0x5a, 0x5a, ...data]);
function be32(v: number): number[] { return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]; }
const P = { ESP: 50, AH: 51, UDPLITE: 136 } as const;

/** the L4 frames of the dissector cases, each with a case name and a note */
function l4Frames(r: () => number, n: number, srcOf: () => string, dstOf: () => string): Inject[] {
  const frames: Inject[] = [];
  const into = (payload: Uint8Array, c: string, note: string) =>
    frames.push({ port: 'p0', hex: hex(eth(PORTS[0].mac, '02:00:00:00:30:00', ETH_IP, payload)), case: c, note });
  for (let i = 0; i < n; i++) {
    const src = srcOf(), dst = dstOf();
    const sport = r() & 0xffff, dport = r() & 0xffff, spi = ((sport << 16) | dport) >>> 0;
    switch (i % 5) {
      case 0: into(ipv4({ src, dst, proto: P.ESP, id: i }, esp(spi, i + 1)), 'l4-esp', `${src} > ${dst} spi 0x${spi.toString(16)}`); break;
      case 1: into(ipv4({ src, dst, proto: P.AH, id: i }, ah(spi, i + 1)), 'l4-ah', `${src} > ${dst} spi 0x${spi.toString(16)}`); break;
      case 2: into(ipv4({ src, dst, proto: P.UDPLITE, id: i }, udplite(sport, dport, new Uint8Array([i & 255, 1, 2, 3]))), 'l4-udplite', `${src}:${sport} > ${dst}:${dport}`); break;
      case 3: into(ipv4({ src, dst, proto: PROTO.TCP, id: i }, tcp(src, dst, { sport, dport, seq: r(), flags: TCP.SYN })), 'l4-tcp', `${src}:${sport} > ${dst}:${dport}`); break;
      default: into(ipv4({ src, dst, proto: PROTO.UDP, id: i }, udp(src, dst, sport, dport, new Uint8Array([i & 255]))), 'l4-udp', `${src}:${sport} > ${dst}:${dport}`);
    }
  }
  return frames;
}

/** what the dissector must not read: a first fragment (MF), a later one, headers too short for the ports */
function l4EdgeFrames(spis: number[], src: string, dst: string): Inject[] {
  const frames: Inject[] = [];
  const into = (payload: Uint8Array, c: string, note: string) =>
    frames.push({ port: 'p0', hex: hex(eth(PORTS[0].mac, '02:00:00:00:30:00', ETH_IP, payload)), case: c, note });
  for (const [i, spi] of spis.entries()) {
    into(ipv4({ src, dst, proto: P.ESP, id: 100 + i, mf: true }, esp(spi, 1, 16)), 'l4-frag', `first fragment, esp spi 0x${spi.toString(16)}`);
    into(ipv4({ src, dst, proto: P.ESP, id: 100 + i, frag: 3 }, esp(spi, 2, 8)), 'l4-frag', `later fragment, esp spi 0x${spi.toString(16)} in its bytes`);
    into(ipv4({ src, dst, proto: P.ESP, id: 200 + i }, esp(spi, 3, 0).subarray(0, 3)), 'l4-short', `esp of 3 bytes, spi 0x${spi.toString(16)} cut`);
    into(ipv4({ src, dst, proto: P.AH, id: 300 + i }, ah(spi, 4).subarray(0, 7)), 'l4-short', `ah of 7 bytes, spi 0x${spi.toString(16)} cut`);
    into(ipv4({ src, dst, proto: P.AH, id: 400 + i }, ah(spi, 5).subarray(0, 8)), 'l4-short', `ah of 8 bytes: the whole spi 0x${spi.toString(16)}`);
  }
  return frames;
}

/** (a) hash policy 1 over the three weighted nexthops: ESP, AH, UDP-Lite, TCP and UDP flows, and the edges */
function dissectHashScenario(seed: number, n: number): PktScenario {
  const sc = scenario(1, seed, 0);
  const r = prng(seed);
  // few address pairs, many ports: only the ports can spread them over the nexthops
  const srcs = ['198.19.4.1', '198.19.9.77'], dsts = ['203.0.113.5', '203.0.113.200'];
  sc.frames = [...l4Frames(r, n, () => srcs[r() & 1], () => dsts[r() & 1]),
    ...l4EdgeFrames([0x12345678, 0x0badf00d, 0xfffe0001, 0x00010002, 0x7f00ff00, 0x5a5aa5a5], srcs[0], dsts[0])];
  return sc;
}

/** (b) rules with ipproto and sport/dport (hash policy 0): each frame's table by its ports; table 100 goes by p1, main by p2 */
function dissectRulesScenario(seed: number): PktScenario {
  const sc = scenario(0, seed, 0);
  sc.steps = sc.steps.filter((s) => !('ip' in s && s.ip.startsWith('route add 203.0.113.0/24')));
  sc.steps.push(...[
    `route add 203.0.113.0/24 via ${GW.g1} table 100`, `route add 203.0.113.0/24 via ${GW.g2}`,
    'rule add ipproto esp sport 4660 dport 22136 lookup 100',
    'rule add ipproto ah sport 2989 dport 1-4095 lookup 100',
    'rule add ipproto udplite dport 53 lookup 100',
    'rule add ipproto tcp sport 1000-1999 lookup 100',
    'rule add ipproto udp dport 53 lookup 100',
  ].map((ip) => ({ ip })));
  const src = '198.19.4.1', dst = '203.0.113.9';
  const frames: Inject[] = [];
  const into = (payload: Uint8Array, c: string, note: string) =>
    frames.push({ port: 'p0', hex: hex(eth(PORTS[0].mac, '02:00:00:00:30:00', ETH_IP, payload)), case: c, note });
  for (const spi of [0x12345678, 0x12345679, 0x56781234, 0x12340000]) {
    into(ipv4({ src, dst, proto: P.ESP, id: 1 }, esp(spi, 1)), 'rule-esp', `spi 0x${spi.toString(16)}`);
    into(ipv4({ src, dst, proto: P.AH, id: 2 }, ah(spi, 1)), 'rule-ah', `spi 0x${spi.toString(16)}`);
    into(ipv4({ src, dst, proto: P.UDPLITE, id: 3 }, udplite(spi >>> 16, spi & 0xffff, new Uint8Array([1]))), 'rule-udplite', `${spi >>> 16} > ${spi & 0xffff}`);
  }
  for (const spi of [0x0bad0000, 0x0bad0001, 0x0bad0fff, 0x0bad1000, 0x0bae0001]) {
    into(ipv4({ src, dst, proto: P.AH, id: 4 }, ah(spi, 2)), 'rule-ah', `spi 0x${spi.toString(16)}`);
    into(ipv4({ src, dst, proto: P.ESP, id: 5 }, esp(spi, 2)), 'rule-esp', `spi 0x${spi.toString(16)}`);
  }
  for (const [sport, dport] of [[1, 53], [53, 1], [1500, 80], [2500, 80], [7, 53]]) {
    into(ipv4({ src, dst, proto: P.UDPLITE, id: 6 }, udplite(sport, dport, new Uint8Array([2]))), 'rule-udplite', `${sport} > ${dport}`);
    into(ipv4({ src, dst, proto: PROTO.TCP, id: 7 }, tcp(src, dst, { sport, dport, seq: 1, flags: TCP.SYN })), 'rule-tcp', `${sport} > ${dport}`);
    into(ipv4({ src, dst, proto: PROTO.UDP, id: 8 }, udp(src, dst, sport, dport, new Uint8Array([3]))), 'rule-udp', `${sport} > ${dport}`);
  }
  // the ports of a fragment or of a header cut short are 0: no rule above matches them
  into(ipv4({ src, dst, proto: P.ESP, id: 9, mf: true }, esp(0x12345678, 3)), 'rule-frag', 'first fragment, spi 0x12345678');
  into(ipv4({ src, dst, proto: P.ESP, id: 9, frag: 4 }, esp(0x12345678, 4)), 'rule-frag', 'later fragment, spi 0x12345678 in its bytes');
  into(ipv4({ src, dst, proto: P.ESP, id: 10 }, esp(0x12345678, 5).subarray(0, 3)), 'rule-short', 'esp of 3 bytes');
  into(ipv4({ src, dst, proto: P.AH, id: 11 }, ah(0x0bad0001, 6).subarray(0, 7)), 'rule-short', 'ah of 7 bytes');
  into(ipv4({ src, dst, proto: P.UDPLITE, id: 12 }, new Uint8Array([0, 1, 0])), 'rule-short', 'udplite of 3 bytes');
  sc.frames = frames;
  return sc;
}

const SCENARIOS = [scenario(0, 11, 90), scenario(1, 12, 60), scenario(2, 13, 45)];
const FIXTURE = new URL('../fixtures/routing/route-multipath-packets.json', import.meta.url);
const DISSECT_SCENARIOS = [dissectHashScenario(21, 100), dissectRulesScenario(22)];
const DISSECT_FIXTURE = new URL('../fixtures/routing/route-l4-dissect-packets.json', import.meta.url);

const recorded = (scenarios = SCENARIOS, fixture = FIXTURE, nsPrefix = 'np-mp') => recordedKernel(scenarios, fixture, nsPrefix);
const differences = (kernel: FrameResult[][], scenarios = SCENARIOS) => frameDifferences(kernel, scenarios);

describe('forwarded packets over a multipath route', () => {
  it('leave by the port and towards the gateway the recorded kernel chose, for every frame', async () => {
    const kernel = await recorded();
    // the recording is about multipath: every frame forwarded once, over all three nexthops
    const gws = new Set(kernel.flat().map((r) => { expect(r.out.length).toBe(1); return gatewayOf(r.out[0].hex); }));
    expect([...gws].sort()).toEqual(Object.keys(GW_MAC).sort());
    expect(await differences(kernel)).toBe('');
  });
  itLive('leave as the live kernel sends them', SCENARIOS, 'np-mp');

  it('ESP, AH and UDP-Lite: hashed (policy 1) and matched by rules on the ports the flow dissector reads, as the recorded kernel did', async () => {
    const kernel = await recorded(DISSECT_SCENARIOS, DISSECT_FIXTURE, 'np-ds');
    // the recording is about those ports: every frame forwarded once; under policy 1 every nexthop
    // taken by ESP, AH and UDP-Lite alike, under the rules both tables
    for (const r of kernel.flat()) expect(r.out.length).toBe(1);
    const hash = DISSECT_SCENARIOS[0].frames.map((f, i) => [f.case, gatewayOf(kernel[0][i].out[0].hex)]);
    for (const c of ['l4-esp', 'l4-ah', 'l4-udplite']) {
      expect(new Set(hash.filter(([k]) => k === c).map(([, g]) => g)).size, c).toBe(3);
    }
    const rules = DISSECT_SCENARIOS[1].frames.map((f, i) => [f.case, kernel[1][i].out[0].port]);
    for (const c of ['rule-esp', 'rule-ah', 'rule-udplite', 'rule-tcp', 'rule-udp']) {
      expect(new Set(rules.filter(([k]) => k === c).map(([, p]) => p)), c).toEqual(new Set(['p1', 'p2']));
    }
    expect(await differences(kernel, DISSECT_SCENARIOS)).toBe('');
  });
  itLive('ESP, AH and UDP-Lite: leave as the live kernel sends them', DISSECT_SCENARIOS, 'np-ds');

  it('take the nexthop `ip route get ... iif` names in the same box (one decision)', async () => {
    // an ICMP error is hashed by the packet it quotes, which `ip route get` cannot describe
    await expectOneDecision(SCENARIOS, (f) => f.case === 'mp-tcp', (f) => f.case === 'mp-icmp-error');
  });
});
