// What route metrics do to packets, frame by frame against Linux: a forwarded packet meets the
// route's mtu (ip_dst_mtu_maybe_forward: DF → fragmentation needed with that MTU, else fragments of
// it; a locked route without an mtu through a gateway: 576), and what the box itself sends back
// takes the route's hoplimit as its TTL (ip_select_ttl: echo replies, ICMP errors, TCP resets), is
// fragmented at the route's mtu (an echo reply), and an ICMP error quotes at most that MTU
// (icmp_send's room). A forwarded packet keeps its own TTL whatever the route's hoplimit.
// Recorded from Linux (RECORD=1) and, where namespaces can be made, compared live.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ETH_IP, PROTO, TCP, decode, echoRequest, eth, fromHex, hex, ipv4, pattern, tcp, udp } from '../pktdiff/frames.js';
import type { Inject, PktScenario, PortDef } from '../pktdiff/gen.js';
import { canRunPackets, runPacketsKernel, type FrameResult } from '../pktdiff/kernel.js';
import { runPacketsNetpath } from '../pktdiff/netpath.js';
import { sameOutcome } from '../pktdiff/compare.js';

const PORTS: PortDef[] = [
  { name: 'p0', mac: '02:00:00:00:12:00', peerMac: '02:00:00:00:22:00' },
  { name: 'p1', mac: '02:00:00:00:12:01', peerMac: '02:00:00:00:22:01' },
];
const H0 = '192.0.2.10', H1 = '198.51.100.2', LOCAL0 = '192.0.2.1';
const ROUTES = [
  'route add 203.0.113.0/24 via 198.51.100.2 mtu 1000',
  'route add 203.0.114.0/24 via 198.51.100.2 mtu lock 0',
  'route add 203.0.115.0/24 via 198.51.100.2 hoplimit 9 mtu lock 1200',
  // sources behind H0: the box's answers to them take these routes
  'route add 198.18.5.0/24 via 192.0.2.10 hoplimit 33 mtu 600',
  'route add 198.18.6.0/24 via 192.0.2.10 mtu 300',
  'route add 198.18.7.0/24 via 192.0.2.10 mtu lock 500 hoplimit 200',
];

const SC: PktScenario = (() => {
  const frames: Inject[] = [];
  const from0 = (payload: Uint8Array, c: string) => frames.push({ port: 'p0', case: c, hex: hex(eth(PORTS[0].mac, PORTS[0].peerMac, ETH_IP, payload)) });
  const from1 = (payload: Uint8Array, c: string) => frames.push({ port: 'p1', case: c, hex: hex(eth(PORTS[1].mac, PORTS[1].peerMac, ETH_IP, payload)) });
  const u = (src: string, dst: string, n: number, df: boolean, id: number) =>
    ipv4({ src, dst, proto: PROTO.UDP, id, df }, udp(src, dst, 4000 + id, 53, pattern(n, id)));
  // forwarded onto routes with metrics
  from0(u(H0, '203.0.113.9', 1200, true, 1), 'df-too-big: route mtu 1000');
  from0(u(H0, '203.0.113.9', 1200, false, 2), 'fragmented at the route mtu 1000');
  from0(u(H0, '203.0.113.9', 900, true, 3), 'fits the route mtu');
  from0(u(H0, '203.0.114.9', 800, true, 4), 'df-too-big: locked gateway route, 576');
  from0(u(H0, '203.0.114.9', 800, false, 5), 'fragmented at 576');
  from0(u(H0, '203.0.115.9', 1300, true, 6), 'df-too-big: locked mtu 1200');
  from0(u(H0, '203.0.115.9', 100, false, 7), 'forwarded: the hoplimit does not touch its TTL');
  from1(u(H1, '198.18.5.9', 100, false, 8), 'forwarded towards a hoplimit route');
  // answered by the box, back along routes with metrics
  for (const [src, k] of [['198.18.5.7', 10], ['198.18.6.7', 20], ['198.18.7.7', 30], [H0, 40]] as const) {
    from0(ipv4({ src, dst: LOCAL0, proto: PROTO.ICMP, id: k }, echoRequest(k, 1, pattern(40, k))), `echo from ${src}`);
    from0(ipv4({ src, dst: LOCAL0, proto: PROTO.ICMP, id: k + 1 }, echoRequest(k, 2, pattern(700, k))), `big echo from ${src}`);
    from0(ipv4({ src, dst: LOCAL0, proto: PROTO.TCP, id: k + 2 }, tcp(src, LOCAL0, { sport: 1000 + k, dport: 7, seq: 1000 * k, flags: TCP.SYN })), `syn to a closed port from ${src}`);
    from0(ipv4({ src, dst: LOCAL0, proto: PROTO.UDP, id: k + 3 }, udp(src, LOCAL0, 2000 + k, 9, pattern(700, k))), `udp to a closed port from ${src}`);
    from0(ipv4({ src, dst: '203.0.116.9', proto: PROTO.UDP, id: k + 4, ttl: 1 }, udp(src, '203.0.116.9', 3000 + k, 9, pattern(20, k))), `ttl 1 from ${src}`);
  }
  const steps: PktScenario['steps'] = [
    ...PORTS.map((port) => ({ port })),
    { sysctl: ['net.ipv4.ip_forward', '1'] }, { sysctl: ['net.ipv4.conf.all.rp_filter', '0'] },
    ...PORTS.map((p) => ({ sysctl: [`net.ipv4.conf.${p.name}.rp_filter`, '0'] as [string, string] })),
    { sysctl: ['net.ipv4.conf.all.send_redirects', '0'] }, { sysctl: ['net.ipv4.icmp_ratelimit', '0'] },
    ...['link set lo up', 'link set p0 up', 'link set p1 up', `addr add ${LOCAL0}/24 dev p0`, 'addr add 198.51.100.1/24 dev p1',
      `neigh add ${H0} lladdr 02:00:00:00:32:00 dev p0 nud permanent`, `neigh add ${H1} lladdr 02:00:00:00:32:01 dev p1 nud permanent`,
      'route add default via 198.51.100.2', ...ROUTES].map((ip) => ({ ip })),
  ];
  return { seed: 0, gen: 0, ports: PORTS, steps, frames };
})();

const FIXTURE = new URL('../fixtures/routing/route-metrics-frames.json', import.meta.url);
const can = canRunPackets();

async function recorded(): Promise<FrameResult[]> {
  if (process.env.RECORD && can.ok) {
    const kernel = await runPacketsKernel(SC, { nsPrefix: 'np-mxfr' });
    writeFileSync(FIXTURE, JSON.stringify({ frames: SC.frames.map((f) => f.hex), kernel }, null, 1) + '\n');
  }
  const f = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { frames: string[]; kernel: FrameResult[] };
  expect(f.frames).toEqual(SC.frames.map((x) => x.hex));
  return f.kernel;
}

function differences(kernel: FrameResult[], netpath: FrameResult[]): string[] {
  const order = PORTS.map((p) => p.name);
  const out: string[] = [];
  for (const [i, f] of SC.frames.entries()) {
    if (sameOutcome(f, kernel[i].out, netpath[i].out, order)) continue;
    out.push(`${f.case}: kernel ${JSON.stringify(kernel[i].out)}\n  netpath ${JSON.stringify(netpath[i].out)}`);
  }
  return out;
}

describe('route metrics on the wire', () => {
  it('the recording shows the metrics at work', async () => {
    const k = await recorded();
    const first = (i: number) => decode(fromHex(k[i].out[0].hex));
    // DF too big on the mtu 1000 route: fragmentation needed, next-hop MTU 1000
    expect(first(0).icmp?.type).toBe(3);
    expect(first(0).icmp!.rest & 0xffff).toBe(1000);
    expect(k[1].out.length).toBe(2);
    expect(first(3).icmp!.rest & 0xffff).toBe(576);
    // the echo reply to 198.18.5.7 has TTL 33; the one to H0 the default 64
    const echo = SC.frames.findIndex((f) => f.case === 'echo from 198.18.5.7');
    expect(first(echo).ip!.ttl).toBe(33);
    expect(first(SC.frames.findIndex((f) => f.case === `echo from ${H0}`)).ip!.ttl).toBe(64);
  });

  it('netpath sends what Linux sent, frame by frame', async () => {
    const kernel = await recorded();
    expect(differences(kernel, await runPacketsNetpath(SC, kernel.map((r) => r.at))).join('\n')).toBe('');
  });

  it.skipIf(!can.ok)(`the live kernel still sends what was recorded${can.ok ? '' : ` (skipped: ${can.reason})`}`, async () => {
    const kernel = await recorded();
    const live = await runPacketsKernel(SC, { nsPrefix: 'np-mxfr' });
    expect(differences(kernel, live).join('\n')).toBe('');
  });
});
