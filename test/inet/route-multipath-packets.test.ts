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
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { ETH_IP, PROTO, TCP, eth, icmp, ipv4, tcp, udp, hex } from '../pktdiff/frames.js';
import type { Inject, PktScenario, PortDef } from '../pktdiff/gen.js';
import { canRunPackets, runPacketsKernel, type FrameResult } from '../pktdiff/kernel.js';
import { buildScenarioBox, runPacketsNetpath } from '../pktdiff/netpath.js';
import { sameOutcome } from '../pktdiff/compare.js';

const PORTS: PortDef[] = [
  { name: 'p0', mac: '02:00:00:00:10:00', peerMac: '02:00:00:00:20:00' },
  { name: 'p1', mac: '02:00:00:00:10:01', peerMac: '02:00:00:00:20:01' },
  { name: 'p2', mac: '02:00:00:00:10:02', peerMac: '02:00:00:00:20:02' },
];
const GW = { g1: '192.0.2.2', g2: '198.51.100.3', g3: '198.51.100.4' };
const GW_MAC: Record<string, string> = { [GW.g1]: '02:00:00:00:30:01', [GW.g2]: '02:00:00:00:30:02', [GW.g3]: '02:00:00:00:30:03' };

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
const dotted = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');

function scenario(policy: 0 | 1 | 2, seed: number, n: number): PktScenario {
  const steps: PktScenario['steps'] = [
    ...PORTS.map((port) => ({ port })),
    { sysctl: ['net.ipv4.ip_forward', '1'] }, { sysctl: ['net.ipv4.conf.all.rp_filter', '0'] },
    { sysctl: ['net.ipv4.conf.p0.rp_filter', '0'] }, { sysctl: ['net.ipv4.conf.all.send_redirects', '0'] },
    { sysctl: ['net.ipv4.fib_multipath_hash_seed', '2718281828'] },
    { sysctl: ['net.ipv4.fib_multipath_hash_policy', String(policy)] },
    ...['link set p0 up', 'link set p1 up', 'link set p2 up',
      'addr add 198.18.0.1/24 dev p0', 'addr add 192.0.2.1/24 dev p1', 'addr add 198.51.100.1/24 dev p2',
      ...Object.entries(GW_MAC).map(([ip, mac]) => `neigh add ${ip} lladdr ${mac} dev ${ip.startsWith('192') ? 'p1' : 'p2'} nud permanent`),
      'neigh add 198.18.0.2 lladdr 02:00:00:00:30:00 dev p0 nud permanent',
      'route add 198.19.0.0/16 via 198.18.0.2',
      `route add 203.0.113.0/24 nexthop via ${GW.g1} weight 2 nexthop via ${GW.g2} nexthop via ${GW.g3} weight 3`,
    ].map((ip) => ({ ip })),
  ];
  const r = prng(seed);
  const frames: Inject[] = [];
  const into = (payload: Uint8Array, c: string, note: string) =>
    frames.push({ port: 'p0', hex: hex(eth(PORTS[0].mac, '02:00:00:00:30:00', ETH_IP, payload)), case: c, note });
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
  return { seed, gen: 0, ports: PORTS, steps, frames };
}

const SCENARIOS = [scenario(0, 11, 90), scenario(1, 12, 60), scenario(2, 13, 45)];
const FIXTURE = new URL('../fixtures/routing/route-multipath-packets.json', import.meta.url);
const can = canRunPackets();

async function recorded(): Promise<FrameResult[][]> {
  if (process.env.RECORD && can.ok) {
    const kernel: FrameResult[][] = [];
    for (const sc of SCENARIOS) kernel.push(await runPacketsKernel(sc, { nsPrefix: 'np-mp' }));
    writeFileSync(FIXTURE, JSON.stringify({ frames: SCENARIOS.map((s) => s.frames.map((f) => f.hex)), kernel }, null, 1) + '\n');
  }
  const f = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { frames: string[][]; kernel: FrameResult[][] };
  expect(f.frames).toEqual(SCENARIOS.map((s) => s.frames.map((x) => x.hex)));
  return f.kernel;
}

/** the frames whose outcome differs, for the failure message */
async function differences(kernel: FrameResult[][]): Promise<string> {
  const out: string[] = [];
  for (const [k, sc] of SCENARIOS.entries()) {
    const np = await runPacketsNetpath(sc, kernel[k].map((r) => r.at));
    const order = sc.ports.map((p) => p.name);
    for (const [i, f] of sc.frames.entries()) {
      if (sameOutcome(f, kernel[k][i].out, np[i].out, order)) continue;
      out.push(`${f.case} ${f.note}: kernel ${JSON.stringify(kernel[k][i].out.map((o) => o.port))}, netpath ${JSON.stringify(np[i].out.map((o) => o.port))}`);
    }
  }
  return out.join('\n');
}

/** the gateway a forwarded frame went to, by its destination MAC */
const gatewayOf = (frameHex: string): string | undefined =>
  Object.keys(GW_MAC).find((ip) => GW_MAC[ip].replaceAll(':', '') === frameHex.slice(0, 12));

describe('forwarded packets over a multipath route', () => {
  it('leave by the port and towards the gateway the recorded kernel chose, for every frame', async () => {
    const kernel = await recorded();
    // the recording is about multipath: every frame forwarded once, over all three nexthops
    const gws = new Set(kernel.flat().map((r) => { expect(r.out.length).toBe(1); return gatewayOf(r.out[0].hex); }));
    expect([...gws].sort()).toEqual(Object.keys(GW_MAC).sort());
    expect(await differences(kernel)).toBe('');
  });
  it.skipIf(!can.ok)('leave as the live kernel sends them', async () => {
    const kernel: FrameResult[][] = [];
    for (const sc of SCENARIOS) kernel.push(await runPacketsKernel(sc, { nsPrefix: 'np-mp' }));
    expect(await differences(kernel)).toBe('');
  }, 120_000);
  it.skipIf(can.ok)(`live kernel: skipped (${can.reason})`, () => {});

  it('take the nexthop `ip route get ... iif` names in the same box (one decision)', async () => {
    for (const sc of SCENARIOS) {
      const box = await buildScenarioBox(sc);
      const res = box.replay(sc.frames.map((f) => ({ dev: f.port, data: new Uint8Array(Buffer.from(f.hex, 'hex')) })), { trace: false });
      for (const [i, f] of sc.frames.entries()) {
        if (f.case === 'mp-icmp-error') continue; // hashed by the quoted packet, which `ip route get` cannot describe
        const [src, dst] = f.note!.split(' > ').map((s) => s.split(':')[0]);
        const [sport, dport] = f.note!.split(' > ').map((s) => Number(s.split(':')[1]));
        const q = { dst, from: src, iif: 'p0', ipproto: f.case === 'mp-tcp' ? 'tcp' : 'udp', sport, dport } as const;
        const get = box.routeGet(q) as { dev: string; gateway: string };
        expect(res[i].out.map((o) => [o.dev, gatewayOf(hex(o.data))]), `${f.case} ${f.note}`).toEqual([[get.dev, get.gateway]]);
      }
    }
  });
});
