// Replay: box.replay() (verdicts, drop reasons, the kernel path, frames out) and `netpath replay`
// (capture in, pcapng out with one interface per transmitting device, --json, corrupt input).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Box } from '../src/box.js';
import { runCli as run } from './util/cli.js';
import { PcapngWriter, readCapture, encodePcap } from '../src/pcap/index.js';
import { ETH_ARP, ETH_IP, PROTO, arp, decode, echoRequest, eth, ipopt, ipv4, udp } from './pktdiff/frames.js';

const P0 = '02:d0:00:00:00:00', P1 = '02:d0:00:00:00:01';
const H0 = { ip: '192.0.2.10', mac: '02:a0:00:00:00:10' }, H1 = { ip: '198.51.100.20', mac: '02:a1:00:00:00:20' };
const SETUP = [
  'link add tp0 type veth peer name p0', 'link add tp1 type veth peer name p1',
  `link set p0 address ${P0}`, `link set p1 address ${P1}`,
  'link set p0 up', 'link set tp0 up', 'link set p1 up', 'link set tp1 up',
  'addr add 192.0.2.1/24 dev p0', 'addr add 198.51.100.1/24 dev p1',
  `neigh add ${H0.ip} lladdr ${H0.mac} dev p0 nud permanent`, `neigh add ${H1.ip} lladdr ${H1.mac} dev p1 nud permanent`,
];
const fwd = eth(P0, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: H1.ip, proto: PROTO.UDP, id: 0x1234, ttl: 17 }, udp(H0.ip, H1.ip, 4000, 53, new Uint8Array([1, 2, 3]))));
const echo = eth(P0, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '192.0.2.1', proto: PROTO.ICMP, id: 7 }, echoRequest(1, 2, new Uint8Array([9, 9]))));
const arpReq = eth('ff:ff:ff:ff:ff:ff', H0.mac, ETH_ARP, arp({ op: 1, sha: H0.mac, spa: H0.ip, tha: '00:00:00:00:00:00', tpa: '192.0.2.1' }));
const badCsum = (() => { const f = fwd.slice(); f[24] ^= 0xff; return f; })();
const silent = eth(P0, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '198.51.100.77', proto: PROTO.UDP, id: 9 }, udp(H0.ip, '198.51.100.77', 1, 2, new Uint8Array(4))));

async function routerBox(): Promise<Box> {
  const box = await Box.create();
  for (const l of SETUP) expect(box.ip(l).status, l).toBe(0);
  box.sysctl('net.ipv4.ip_forward', '1');
  return box;
}

describe('box.replay', () => {
  it('forwards, answers, replies to ARP and drops with the kernel reason, with the path', async () => {
    const box = await routerBox();
    const r = box.replay([fwd, echo, arpReq, badCsum].map((data) => ({ dev: 'p0', data })));
    expect(r.map((x) => [x.verdict, x.reason])).toEqual([['forward', ''], ['local', ''], ['consumed', ''], ['drop', 'IP_CSUM']]);
    expect(r[0].out.map((o) => o.dev)).toEqual(['p1']);
    const d = decode(r[0].out[0].data);
    expect([d.dst, d.src, d.ip?.ttl]).toEqual([H1.mac, P1, 16]);
    expect(r[0].path).toContain('ip_forward: out p1 ttl 16');
    expect(r[0].path.some((p) => p.startsWith('ip_route_input_noref: unicast table main'))).toBe(true);
    expect(r[0].path.some((p) => p.startsWith('fib_table_lookup: route 198.51.100.0/24 dev p1'))).toBe(true);
    expect(r[2].out.map((o) => [o.dev, decode(o.data).arp?.op])).toEqual([['p0', 2]]);
    expect(r[3].out).toEqual([]);
  });

  it('the options of one packet (IPCB opt) are not those of the next: a plain packet after a record route goes out as alone', async () => {
    const rr = eth(P0, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: H1.ip, proto: PROTO.UDP, id: 0x55, options: ipopt.recordRoute(2) },
      udp(H0.ip, H1.ip, 4000, 53, new Uint8Array(8))));
    const alone = (await routerBox()).replay([{ dev: 'p0', data: fwd }]);
    const box = await routerBox();
    const [first, second] = box.replay([rr, fwd].map((data) => ({ dev: 'p0', data })));
    // the first got p1's address in its record route; the second has no options to write into
    expect(Array.from(first.out[0].data.subarray(14 + 23, 14 + 27))).toEqual([198, 51, 100, 1]);
    expect(second.verdict).toBe('forward');
    expect(Buffer.from(second.out[0].data)).toEqual(Buffer.from(alone[0].out[0].data));
  });

  it('a frame the veth peer\'s packet socket refuses never enters: a WIRE_ reason and the step that says why', async () => {
    const box = await routerBox();
    const big = new Uint8Array(1600);
    big.set(fwd.subarray(0, 14));
    box.ip('link set tp0 down');
    const [down] = box.replay([{ dev: 'p0', data: fwd }]);
    expect(down).toMatchObject({ verdict: 'drop', reason: 'WIRE_DOWN', path: ['packet_snd on tp0: ENETDOWN: tp0 is down: it never reached p0'], out: [] });
    box.ip('link set tp0 up');
    const [short, long, ok] = box.replay([fwd.slice(0, 10), big, fwd].map((data) => ({ dev: 'p0', data })));
    expect([short!.reason, short!.path]).toEqual(['WIRE_BAD_FRAME', ['packet_snd on tp0: EINVAL: shorter than an Ethernet header (dev_validate_header): it never reached p0']]);
    expect([long!.reason, long!.path]).toEqual(['WIRE_BAD_FRAME', ['packet_snd on tp0: EMSGSIZE: longer than tp0\'s MTU (1500) + 14: it never reached p0']]);
    expect(ok!.verdict).toBe('forward');
    expect(box.link('p0').stats().rxPackets).toBe(1);
  });

  it('UDP to a closed port of the router: port unreachable sent, and the datagram counted as the kernel does, a NO_SOCKET drop', async () => {
    const box = await routerBox();
    const closed = eth(P0, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '192.0.2.1', proto: PROTO.UDP, id: 11 }, udp(H0.ip, '192.0.2.1', 4000, 9, new Uint8Array(4))));
    const [r] = box.replay([{ dev: 'p0', data: closed }]);
    expect([r.verdict, r.reason]).toEqual(['drop', 'NO_SOCKET']);
    expect(r.out.map((o) => [o.dev, decode(o.data).icmp?.type, decode(o.data).icmp?.code])).toEqual([['p0', 3, 3]]);
  });

  it('an unresolved next hop: 3 ARP requests retrans_time apart, then ICMP host unreachable and NEIGH_FAILED', async () => {
    const box = await routerBox();
    box.sysctl('net.ipv4.neigh.p1.retrans_time_ms', '100');
    const r = box.replay([{ dev: 'p0', data: silent }]);
    expect(r[0].verdict).toBe('drop');
    expect(r[0].reason).toBe('NEIGH_FAILED');
    const kinds = r[0].out.map((o) => { const d = decode(o.data); return `${o.dev} ${d.arp ? 'arp' : `icmp ${d.icmp?.type}/${d.icmp?.code}`}`; });
    expect(kinds.filter((k) => k === 'p1 arp')).toHaveLength(3);
    expect(kinds).toContain('p0 icmp 3/1');
    expect(box.dropReasons().NEIGH_FAILED).toBe(1);
  });

  it('the verdict is about the input: an answer that dies waiting for its neighbour does not change it', async () => {
    const box = await routerBox();
    box.sysctl('net.ipv4.neigh.p0.retrans_time_ms', '100');
    // from an on-link sender with no neighbour entry: every answer waits for ARP, which nobody answers
    const src = '192.0.2.99';
    const closed = eth(P0, H0.mac, ETH_IP, ipv4({ src, dst: '192.0.2.1', proto: PROTO.UDP, id: 12 }, udp(src, '192.0.2.1', 4000, 9, new Uint8Array(4))));
    const ttl1 = eth(P0, H0.mac, ETH_IP, ipv4({ src, dst: H1.ip, proto: PROTO.UDP, id: 13, ttl: 1 }, udp(src, H1.ip, 4000, 53, new Uint8Array(4))));
    const ping = eth(P0, H0.mac, ETH_IP, ipv4({ src, dst: '192.0.2.1', proto: PROTO.ICMP, id: 14 }, echoRequest(1, 2, new Uint8Array([9]))));
    for (const [data, verdict, reason] of [[closed, 'drop', 'NO_SOCKET'], [ttl1, 'drop', 'IP_INHDR'], [ping, 'local', '']] as const) {
      const [r] = box.replay([{ dev: 'p0', data }], { gapNs: 1e9 });
      expect([r.verdict, r.reason]).toEqual([verdict, reason]);
      // the answer did die in this input's window, with the neighbour's failure in the path
      expect(r.path).toContain('kfree_skb_reason: NEIGH_FAILED');
    }
    expect(box.dropReasons().NEIGH_FAILED).toBe(3);
  });

  it('an input pushed out of a full arp_queue: the NEIGH_QUEUEFULL drop is in the path; the other input keeps its own verdict', async () => {
    const box = await routerBox();
    box.sysctl('net.ipv4.neigh.p1.retrans_time_ms', '100');
    box.sysctl('net.ipv4.neigh.p1.unres_qlen_bytes', '1000'); // room for one small packet
    const r = box.replay([{ dev: 'p0', data: silent, timeNs: 0 }, { dev: 'p0', data: silent, timeNs: 1e6 }]);
    expect([r[0].verdict, r[0].reason]).toEqual(['forward', '']);
    expect(r[1].path).toContain('kfree_skb_reason: NEIGH_QUEUEFULL');
    expect([r[1].verdict, r[1].reason]).toEqual(['drop', 'NEIGH_FAILED']); // its own skb, 3 probes later
    expect(box.dropReasons()).toMatchObject({ NEIGH_QUEUEFULL: 1, NEIGH_FAILED: 1 });
  });

  it('a forwarded input that later fails waiting for its neighbour in another input\'s window leaves that verdict alone', async () => {
    const box = await routerBox();
    box.sysctl('net.ipv4.neigh.p1.retrans_time_ms', '100');
    const r = box.replay([{ dev: 'p0', data: silent, timeNs: 0 }, { dev: 'p0', data: echo, timeNs: 150e6 }]);
    expect([r[0].verdict, r[0].reason]).toEqual(['forward', '']); // still waiting when its window ends
    expect([r[1].verdict, r[1].reason]).toEqual(['local', '']);
    expect(r[1].path).toContain('kfree_skb_reason: NEIGH_FAILED');
  });
});

describe('the path names the policy rule, the table and the route, in the kernel order', () => {
  it('input and output decisions: the deciding rule as `ip rule` prints it, its table, the route with its gateway', async () => {
    const box = await routerBox();
    for (const c of ['route add 203.0.113.0/24 via 198.51.100.20 dev p1 table 100', 'rule add from 192.0.2.0/25 lookup 100 pref 1000']) expect(box.ip(c).status, c).toBe(0);
    const toNet = eth(P0, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '203.0.113.5', proto: PROTO.UDP, id: 3 }, udp(H0.ip, '203.0.113.5', 4000, 53, new Uint8Array(2))));
    const [f, e] = box.replay([toNet, echo].map((data) => ({ dev: 'p0', data })));
    expect(f.verdict).toBe('forward');
    const at = (r: typeof f, s: string) => r.path.findIndex((p) => p.startsWith(s));
    const steps = ['ip_rcv: p0', 'ip_route_input_noref: unicast table 100', 'fib_rules_lookup: 1000: from 192.0.2.0/25 lookup 100',
      'fib_table_lookup: route 203.0.113.0/24 via 198.51.100.20 dev p1', 'ip_forward: out p1', 'dev_queue_xmit: p1'];
    const idx = steps.map((s) => at(f, s));
    expect(idx.every((i) => i >= 0), f.path.join('\n')).toBe(true);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    // the echo reply: the input route (rule 0, table local), then the output route back (rule 32766, main) before ip_local_out
    expect(e.verdict).toBe('local');
    const eSteps = ['ip_rcv_finish', 'ip_route_input_noref: local table local', 'fib_rules_lookup: 0: from all lookup local',
      'fib_table_lookup: route 192.0.2.1/32 dev lo', 'ip_local_deliver: protocol 1', 'nf_hook: INPUT', 'ip_protocol_deliver_rcu: protocol 1 (icmp_rcv)',
      'ip_route_output_key_hash: unicast table main', 'fib_rules_lookup: 32766: from all lookup main',
      'fib_table_lookup: route 192.0.2.0/24 dev p0', 'ip_local_out: to 192.0.2.10'];
    const eIdx = eSteps.map((s) => at(e, s));
    expect(eIdx.every((i) => i >= 0), e.path.join('\n')).toBe(true);
    expect([...eIdx].sort((a, b) => a - b)).toEqual(eIdx);
    // one output route decision: the one icmp_reply takes goes with the packet to ip_local_out
    expect(e.path.filter((p) => p.startsWith('ip_route_output_key_hash')).length).toBe(1);
  });

  it('without custom rules the kernel does not walk the rules: fib_lookup looks in main (holding local), then default', async () => {
    const box = await routerBox();
    const [r] = box.replay([{ dev: 'p0', data: fwd }]);
    expect(r.path).toContain('fib_lookup: no custom rules: table main (local merged into it), then default');
    expect(r.path.some((p) => p.startsWith('fib_rules_lookup'))).toBe(false);
  });

  it('a rule with an action decides without a table: unreachable', async () => {
    const box = await routerBox();
    expect(box.ip('rule add to 198.51.100.128/25 unreachable pref 500').status).toBe(0);
    const f = eth(P0, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '198.51.100.200', proto: PROTO.UDP, id: 4 }, udp(H0.ip, '198.51.100.200', 1, 2, new Uint8Array(2))));
    const [r] = box.replay([{ dev: 'p0', data: f }]);
    expect(r.verdict).toBe('drop');
    expect(r.path).toContain('fib_rules_lookup: 500: from all to 198.51.100.128/25 unreachable');
  });
});

describe('box.replay on an EMAC port', () => {
  async function emacBox(): Promise<{ b: Box; mac: string }> {
    const b = await Box.create();
    b.emac('eth0');
    for (const c of ['link set eth0 up', 'addr add 192.0.2.1/24 dev eth0', `neigh add ${H0.ip} lladdr ${H0.mac} dev eth0 nud permanent`]) expect(b.ip(c).status).toBe(0);
    b.run({ ns: 3e9 }); // autonegotiation
    const mac = Array.from(b.kernel.links().find((l) => l.name === 'eth0')!.address, (x) => x.toString(16).padStart(2, '0')).join(':');
    return { b, mac };
  }
  const ping = (mac: string) => eth(mac, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '192.0.2.1', proto: PROTO.ICMP, id: 7 }, echoRequest(1, 2, new Uint8Array([9, 9]))));

  it('frames enter on the wire and the answer is collected from it; the path starts and ends in the driver', async () => {
    const { b, mac } = await emacBox();
    const r = b.replay([{ dev: 'eth0', data: ping(mac) }], { gapNs: 1e7 });
    expect(r[0].verdict).toBe('local');
    expect(r[0].out.map((o) => [o.dev, decode(o.data).icmp?.type])).toEqual([['eth0', 0]]);
    expect(r[0].path.slice(0, 3)).toEqual(['emac_napi_rtx: eth0', 'emac_mac_rx_process: len 60', 'netif_receive_skb: eth0 len 46']);
    const x = r[0].path.findIndex((p) => p.startsWith('dev_queue_xmit: eth0 len '));
    expect(x).toBeGreaterThan(0);
    expect(r[0].path[x + 1]).toBe(r[0].path[x].replace('dev_queue_xmit', 'emac_mac_tx_buf_send'));
  });

  it('inputs closer than the EMAC\'s interrupt moderation (250 us) still get their own path and answer', async () => {
    const { b, mac } = await emacBox();
    const t0 = b.now;
    const pings = [1, 2, 3].map((seq) => eth(mac, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '192.0.2.1', proto: PROTO.ICMP, id: 7 + seq }, echoRequest(1, seq, new Uint8Array([seq])))));
    const r = b.replay(pings.map((data) => ({ dev: 'eth0', data })), { gapNs: 20_000 });
    expect(r.map((x) => x.verdict)).toEqual(['local', 'local', 'local']);
    // each reply answers its own request (sequence numbers 1, 2, 3), each path starts in the driver
    expect(r.map((x) => x.out.map((o) => (decode(o.data).icmp?.rest ?? -1) & 0xffff))).toEqual([[1], [2], [3]]);
    for (const x of r) expect(x.path[0]).toBe('emac_napi_rtx: eth0');
    // the second input waited until the first was handled: at least the moderation time per input
    expect(b.now - t0).toBeGreaterThanOrEqual(3 * 250_000);
  });

  it('a frame the address filter drops never becomes an skb: a NIC_ reason, the hardware step, counted where the driver counts it', async () => {
    const { b } = await emacBox();
    const before = b.link('eth0').stats();
    const drops0 = b.dropReasons();
    const [r] = b.replay([{ dev: 'eth0', data: ping('02:00:00:00:7e:7e') }], { gapNs: 1e7 });
    expect([r.verdict, r.reason, r.out]).toEqual(['drop', 'NIC_ADDR_FILTER', []]);
    expect(r.path).toHaveLength(1);
    expect(r.path[0]).toMatch(/^EMAC MAC: address filter/);
    // emac_get_stats64 leaves rx_err_addr out: ip -s link sees nothing; the kernel's drop counters neither
    const after = b.link('eth0').stats();
    expect([after.rxPackets, after.rxErrors]).toEqual([before.rxPackets, before.rxErrors]);
    expect(b.dropReasons()).toEqual(drops0);
    expect(b.emac('eth0').counters.rxDropFilter).toBe(1);
  });

  it('a frame longer than the MAC accepts: NIC_OVERSIZE, an RX error in ip -s link (rx_sz_ov)', async () => {
    const { b, mac } = await emacBox();
    const big = eth(mac, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '192.0.2.1', proto: PROTO.UDP, id: 8 }, udp(H0.ip, '192.0.2.1', 1, 9, new Uint8Array(1600))));
    const before = b.link('eth0').stats();
    const [r] = b.replay([{ dev: 'eth0', data: big }], { gapNs: 1e7 });
    expect([r.verdict, r.reason]).toEqual(['drop', 'NIC_OVERSIZE']);
    expect(b.link('eth0').stats().rxErrors).toBe(before.rxErrors + 1);
  });

  it('an RRD error (bad IP header checksum, RRD_IPF): emac_mac_rx_process frees it with dev_kfree_skb, a consume without drop reason', async () => {
    const { b, mac } = await emacBox();
    const f = ping(mac);
    f[24] ^= 0xff; // the IP header checksum
    const before = b.link('eth0').stats();
    const drops0 = b.dropReasons();
    const [r] = b.replay([{ dev: 'eth0', data: f }], { gapNs: 1e7 });
    expect([r.verdict, r.reason, r.out]).toEqual(['consumed', '', []]);
    expect(r.path).toEqual(['emac_napi_rtx: eth0', 'emac_mac_rx_process: RRD error IPF (bad IP header checksum), len 60: dev_kfree_skb (consume_skb)']);
    // the MAC counted it as received (RX_OK), the kernel saw no drop
    expect(b.link('eth0').stats().rxPackets).toBe(before.rxPackets + 1);
    expect(b.dropReasons()).toEqual(drops0);
  });
});

describe('box.replay without the path (trace: false)', () => {
  it('gives the same verdicts, reasons and frames out, with every path empty', async () => {
    const martian = eth(P0, H0.mac, ETH_IP, ipv4({ src: '127.0.0.9', dst: H1.ip, proto: PROTO.UDP, id: 3 }, udp('127.0.0.9', H1.ip, 1, 2, new Uint8Array(2))));
    const inputs = [fwd, echo, arpReq, badCsum, silent, martian].map((data) => ({ dev: 'p0', data }));
    const full = (await routerBox()).replay(inputs);
    const bare = (await routerBox()).replay(inputs, { trace: false });
    // forwards, a local, a consumed, a drop by ip_rcv and one by the route decision (a martian source)
    expect(full.map((r) => [r.verdict, r.reason])).toEqual([['forward', ''], ['local', ''], ['consumed', ''], ['drop', 'IP_CSUM'],
      ['forward', ''], ['drop', 'IP_LOCALNET']]);
    expect(bare).toEqual(full.map((r) => ({ ...r, path: [] })));
  });

  it('on an EMAC port too: the hardware drops and the driver\'s frees keep their verdicts', async () => {
    const box = async () => {
      const b = await Box.create();
      for (const c of ['link add eth0 address 02:d0:00:00:00:10 type emac', 'link set eth0 up', 'addr add 192.0.2.1/24 dev eth0',
        `neigh add ${H0.ip} lladdr ${H0.mac} dev eth0 nud permanent`]) expect(b.ip(c).status).toBe(0);
      b.run({ ns: 3e9 });
      return b;
    };
    const ping = eth('02:d0:00:00:00:10', H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '192.0.2.1', proto: PROTO.ICMP, id: 7 }, echoRequest(1, 2, new Uint8Array([9, 9]))));
    const badIp = ping.slice();
    badIp[24] ^= 0xff;
    const inputs = [ping, badIp, ping.slice()].map((data) => ({ dev: 'eth0', data }));
    inputs[2].data[5] = 0x7e; // not the port's address
    const full = (await box()).replay(inputs, { gapNs: 1e7 });
    expect(full.map((r) => [r.verdict, r.reason])).toEqual([['local', ''], ['consumed', ''], ['drop', 'NIC_ADDR_FILTER']]);
    // the echo reply leaves after the request arrived and the reply crossed the wire (60-byte frames: 84 bytes of
    // wire time each at 8 ns a byte), delayed at most by the RX interrupt moderation (250 us)
    const sent = full[0]!.out[0]!.timeNs;
    expect(sent).toBeGreaterThanOrEqual(2 * 84 * 8);
    expect(sent).toBeLessThanOrEqual(2 * 84 * 8 + 250_000);
    expect((await box()).replay(inputs, { gapNs: 1e7, trace: false })).toEqual(full.map((r) => ({ ...r, path: [] })));
  });
});

describe('netpath replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'np-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const boxFile = join(dir, 'box.json');
  writeFileSync(boxFile, JSON.stringify({ netpath: 'box', version: 1, log: [...SETUP.map((l) => ({ ip: l.split(' ') })), { sysctl: ['net.ipv4.ip_forward', '1'] }] }));

  it('pcapng in (device from if_name), pcapng out with one interface per transmitting device, --json per input', async () => {
    const w = new PcapngWriter();
    const i0 = w.interfaceFor('p0');
    [fwd, echo, arpReq, badCsum].forEach((data, k) => w.writePacket({ ifIndex: i0, tsNs: 1_000_000_000n + BigInt(k) * 10_000_000n, data }));
    const inPath = join(dir, 'in.pcapng'), outPath = join(dir, 'out.pcapng');
    writeFileSync(inPath, w.bytes());
    const r = await run(['--box', boxFile, 'replay', inPath, '-w', outPath, '--json']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.in, l.verdict, l.reason])).toEqual([[0, 'forward', ''], [1, 'local', ''], [2, 'consumed', ''], [3, 'drop', 'IP_CSUM']]);
    expect(lines[0].out.map((o: { dev: string }) => o.dev)).toEqual(['p1']);
    expect(lines[0].path[0]).toBe('netif_receive_skb: p0 len 31');
    const cap = readCapture(readFileSync(outPath));
    expect(cap.interfaces.map((x) => x.name).sort()).toEqual(['p0', 'p1']);
    expect(cap.packets).toHaveLength(3);
    // on the input capture's clock: the answers to inputs 0, 1 and 2 (forwarded, echo reply, ARP reply)
    expect(cap.packets.map((p) => p.tsNs)).toEqual([1_000_000_000n, 1_010_000_000n, 1_020_000_000n]);
  });

  it('-w stamps each frame with when its device sent it: ARP retransmits a second apart, as the kernel sends them', async () => {
    // the kernel (veth in a namespace, tcpdump -tt on the peer): requests at 0, 1.003 and 2.027 s (jiffies), then none
    const w = new PcapngWriter();
    const i0 = w.interfaceFor('p0');
    w.writePacket({ ifIndex: i0, tsNs: 5_000_000_000n, data: silent }); // forwarded to a neighbour that never answers
    w.writePacket({ ifIndex: i0, tsNs: 5_500_000_000n, data: echo });
    const inPath = join(dir, 'arp-in.pcapng'), outPath = join(dir, 'arp-out.pcapng');
    writeFileSync(inPath, w.bytes());
    const r = await run(['--box', boxFile, 'replay', inPath, '-w', outPath]);
    expect(r.status).toBe(0);
    const cap = readCapture(readFileSync(outPath));
    const times = (type: number) => cap.packets.filter((p) => ((p.data[12]! << 8) | p.data[13]!) === type).map((p) => p.tsNs);
    expect(times(ETH_ARP)).toEqual([5_000_000_000n, 6_000_000_000n, 7_000_000_000n]);
    expect(times(ETH_IP)[0]).toBe(5_500_000_000n); // the echo reply, at once
    // in the order they were sent, whichever input's time slot they fell in
    expect(cap.packets.map((p) => p.tsNs)).toEqual([...cap.packets.map((p) => p.tsNs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('a reader that stops early (| head) ends the command quietly, with the status SIGPIPE gives ip', async () => {
    const w = new PcapngWriter();
    const i0 = w.interfaceFor('p0');
    for (let k = 0; k < 400; k++) w.writePacket({ ifIndex: i0, tsNs: BigInt(k) * 1_000_000n, data: fwd });
    const inPath = join(dir, 'many.pcapng');
    writeFileSync(inPath, w.bytes());
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--box', boxFile, 'replay', inPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += String(d); });
    // read the first chunk, then close the pipe as head does
    await new Promise<void>((done) => child.stdout.once('data', () => { child.stdout.destroy(); done(); }));
    const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    expect(err).toBe('');
    expect(status).toBe(141);
  });

  it('classic pcap needs --dev; a corrupt capture names the byte offset and leaves no output', async () => {
    const pcap = encodePcap([{ tsNs: 0n, data: fwd }], {});
    const inPath = join(dir, 'in.pcap'), outPath = join(dir, 'never.pcapng');
    writeFileSync(inPath, pcap);
    const a = await run(['--box', boxFile, 'replay', inPath]);
    expect(a.status).toBe(1);
    expect(a.err).toMatch(/byte \d+/);
    const b = await run(['--box', boxFile, 'replay', inPath, '--dev', 'p0']);
    expect([b.status, b.out]).toEqual([0, '0 forward -> p1\n']);
    const broken = pcap.slice(0, pcap.length - 5);
    writeFileSync(inPath, broken);
    const c = await run(['--box', boxFile, 'replay', inPath, '--dev', 'p0', '-w', outPath]);
    expect(c.status).toBe(1);
    expect(c.err).toMatch(/at byte \d+/);
    expect(existsSync(outPath)).toBe(false);
  });

  it('netpath trace prints the path and verdict of each packet for people; numbers pick packets', async () => {
    const w = new PcapngWriter();
    const i0 = w.interfaceFor('p0');
    [fwd, badCsum].forEach((data, k) => w.writePacket({ ifIndex: i0, tsNs: 1_000_000_000n + BigInt(k) * 10_000_000n, data }));
    const inPath = join(dir, 'trace.pcapng');
    writeFileSync(inPath, w.bytes());
    const all = await run(['--box', boxFile, 'trace', inPath]);
    expect([all.status, all.err]).toEqual([0, '']);
    const blocks = all.out.split(/^(?=packet )/m);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^packet 0: in on p0, \d+ bytes\n  netif_receive_skb: p0 len \d+\n/);
    expect(blocks[0]).toMatch(/\n  => forward, out: p1 \(\d+ bytes\)\n$/);
    expect(blocks[1]).toMatch(/\n  => drop IP_CSUM\n$/);
    const one = await run(['--box', boxFile, 'trace', inPath, '1']);
    expect(one.out).toBe(blocks[1]);
    const bad = await run(['--box', boxFile, 'trace']);
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/no capture file given/);
  });
});
