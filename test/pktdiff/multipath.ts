// What the tests that forward frames over multipath routes share (test/inet/route-multipath-packets.test.ts,
// test/nexthop-packets.test.ts): their flows' random numbers, the recorded kernel answers, the frames whose
// outcome differs from the kernel's, and the check that a forwarded frame leaves as `ip route get ... iif` says.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ETH_IP, PROTO, TCP, eth, hex, icmp, ipv4, tcp, udp } from './frames.js';
import type { Inject, PktScenario, PortDef } from './gen.js';
import { canRunPackets, runPacketsKernel, type FrameResult } from './kernel.js';
import { buildScenarioBox, runPacketsNetpath } from './netpath.js';
import { sameOutcome } from './compare.js';

/** the router: frames come in on p0, gateways sit behind p1 (g1) and p2 (g2, g3), their MACs known */
export const PORTS: PortDef[] = [
  { name: 'p0', mac: '02:00:00:00:10:00', peerMac: '02:00:00:00:20:00' },
  { name: 'p1', mac: '02:00:00:00:10:01', peerMac: '02:00:00:00:20:01' },
  { name: 'p2', mac: '02:00:00:00:10:02', peerMac: '02:00:00:00:20:02' },
];
export const GW = { g1: '192.0.2.2', g2: '198.51.100.3', g3: '198.51.100.4' };
export const GW_MAC: Record<string, string> = { [GW.g1]: '02:00:00:00:30:01', [GW.g2]: '02:00:00:00:30:02', [GW.g3]: '02:00:00:00:30:03' };

/** the router's set-up before its multipath route: forwarding, no rp_filter or redirects, the hash, ports, neighbours */
export function routerSteps(policy: number, hashSeed: string): PktScenario['steps'] {
  return [
    ...PORTS.map((port) => ({ port })),
    { sysctl: ['net.ipv4.ip_forward', '1'] }, { sysctl: ['net.ipv4.conf.all.rp_filter', '0'] },
    { sysctl: ['net.ipv4.conf.p0.rp_filter', '0'] }, { sysctl: ['net.ipv4.conf.all.send_redirects', '0'] },
    { sysctl: ['net.ipv4.fib_multipath_hash_seed', hashSeed] },
    { sysctl: ['net.ipv4.fib_multipath_hash_policy', String(policy)] },
    ...['link set p0 up', 'link set p1 up', 'link set p2 up',
      'addr add 198.18.0.1/24 dev p0', 'addr add 192.0.2.1/24 dev p1', 'addr add 198.51.100.1/24 dev p2',
      ...Object.entries(GW_MAC).map(([ip, mac]) => `neigh add ${ip} lladdr ${mac} dev ${ip.startsWith('192') ? 'p1' : 'p2'} nud permanent`),
      'neigh add 198.18.0.2 lladdr 02:00:00:00:30:00 dev p0 nud permanent',
    ].map((ip) => ({ ip })),
  ];
}

/** xorshift32: the flows' addresses and ports */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
export const dotted = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');

/** a function that adds an IPv4 packet, framed as coming from p0's peer into p0, to frames, with its case and note */
export const intoP0 = (frames: Inject[]) => (payload: Uint8Array, c: string, note: string): void => {
  frames.push({ port: 'p0', hex: hex(eth(PORTS[0].mac, '02:00:00:00:30:00', ETH_IP, payload)), case: c, note });
};

/**
 * n frames into p0 towards 203.0.113.0/24 from 198.19.0.0/16: UDP flows; under hash policy 1 every other one
 * TCP, else every third an ICMP error (hashed by the addresses of the packet it quotes). Each noted
 * "src:sport > dst:dport" (an ICMP error: "src > dst quoting ...").
 */
export function flowFrames(policy: number, seed: number, n: number): Inject[] {
  const r = prng(seed);
  const frames: Inject[] = [];
  const into = intoP0(frames);
  for (let i = 0; i < n; i++) {
    const src = dotted(0xc6130000 | (r() & 0xffff)), dst = dotted(0xcb007100 | (r() & 255));
    const sport = 1024 + (r() % 60000), dport = 1 + (r() % 65535);
    if (policy === 1 && i % 2) {
      into(ipv4({ src, dst, proto: PROTO.TCP, id: i }, tcp(src, dst, { sport, dport, seq: r(), flags: TCP.SYN })), 'mp-tcp', `${src}:${sport} > ${dst}:${dport}`);
    } else if (policy !== 1 && i % 3 === 2) {
      // an ICMP error about a packet from dst to a host elsewhere: hashed by that packet's addresses
      const q = dotted(0xcb007100 | (r() & 255)), qs = dotted(0xc6130000 | (r() & 0xffff));
      const quoted = ipv4({ src: q, dst: qs, proto: PROTO.UDP, id: 7 }, udp(q, qs, sport, dport, new Uint8Array(0)));
      into(ipv4({ src, dst, proto: PROTO.ICMP, id: i }, icmp(3, 1, 0, quoted)), 'mp-icmp-error', `${src} > ${dst} quoting ${q} > ${qs}`);
    } else {
      into(ipv4({ src, dst, proto: PROTO.UDP, id: i }, udp(src, dst, sport, dport, new Uint8Array([i & 255]))), 'mp-udp', `${src}:${sport} > ${dst}:${dport}`);
    }
  }
  return frames;
}

/** the kernel's answers to the scenarios from the fixture (RECORD=1 with namespaces records them first) */
export async function recordedKernel(scenarios: PktScenario[], fixture: URL, nsPrefix: string): Promise<FrameResult[][]> {
  if (process.env.RECORD && canRunPackets().ok) {
    const kernel: FrameResult[][] = [];
    for (const sc of scenarios) kernel.push(await runPacketsKernel(sc, { nsPrefix }));
    writeFileSync(fixture, JSON.stringify({ frames: scenarios.map((s) => s.frames.map((f) => f.hex)), kernel }, null, 1) + '\n');
  }
  const f = JSON.parse(readFileSync(fixture, 'utf8')) as { frames: string[][]; kernel: FrameResult[][] };
  expect(f.frames).toEqual(scenarios.map((s) => s.frames.map((x) => x.hex)));
  return f.kernel;
}

/** the frames whose outcome differs, for the failure message */
export async function frameDifferences(kernel: FrameResult[][], scenarios: PktScenario[]): Promise<string> {
  const out: string[] = [];
  for (const [k, sc] of scenarios.entries()) {
    const np = await runPacketsNetpath(sc, kernel[k].map((r) => r.at));
    const order = sc.ports.map((p) => p.name);
    for (const [i, f] of sc.frames.entries()) {
      if (sameOutcome(f, kernel[k][i].out, np[i].out, order)) continue;
      out.push(`${f.case} ${f.note}: kernel ${JSON.stringify(kernel[k][i].out.map((o) => o.port))}, netpath ${JSON.stringify(np[i].out.map((o) => o.port))}`);
    }
  }
  return out.join('\n');
}

/**
 * The test that every frame leaves as the live kernel sends it (scenarios run in namespaces named
 * nsPrefix-*); where no namespace can be made, the same test skipped, with the reason in its name.
 */
export function itLive(name: string, scenarios: PktScenario[], nsPrefix: string): void {
  const can = canRunPackets();
  if (!can.ok) {
    it.skip(`${name}: skipped, ${can.reason}`, () => {});
    return;
  }
  it(name, async () => {
    const kernel: FrameResult[][] = [];
    for (const sc of scenarios) kernel.push(await runPacketsKernel(sc, { nsPrefix }));
    expect(await frameDifferences(kernel, scenarios)).toBe('');
  }, 120_000);
}

/** the gateway a forwarded frame went to, by its destination MAC */
export const gatewayOf = (frameHex: string): string | undefined =>
  Object.keys(GW_MAC).find((ip) => GW_MAC[ip].replaceAll(':', '') === frameHex.slice(0, 12));

/**
 * Every frame of a flow noted "src:sport > dst:dport" leaves by the port, towards the gateway, that
 * `ip route get dst from src iif PORT ipproto ...` names in the same box: one decision. `tcp` says which
 * frames are TCP; `skip` leaves out those the query cannot describe.
 */
export async function expectOneDecision(scenarios: PktScenario[], tcp: (f: Inject) => boolean, skip: (f: Inject) => boolean = () => false): Promise<void> {
  for (const sc of scenarios) {
    const box = await buildScenarioBox(sc);
    const res = box.replay(sc.frames.map((f) => ({ dev: f.port, data: new Uint8Array(Buffer.from(f.hex, 'hex')) })), { trace: false });
    for (const [i, f] of sc.frames.entries()) {
      if (skip(f)) continue;
      const [src, dst] = f.note!.split(' > ').map((s) => s.split(':')[0]);
      const [sport, dport] = f.note!.split(' > ').map((s) => Number(s.split(':')[1]));
      const q = { dst, from: src, iif: f.port, ipproto: tcp(f) ? 'tcp' : 'udp', sport, dport } as const;
      const get = box.routeGet(q) as { dev: string; gateway: string };
      expect(res[i].out.map((o) => [o.dev, gatewayOf(hex(o.data))]), `${f.case} ${f.note}`).toEqual([[get.dev, get.gateway]]);
    }
  }
}
