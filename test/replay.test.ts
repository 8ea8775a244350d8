// Replay: box.replay() (verdicts, drop reasons, the kernel path, frames out) and `netpath replay`
// (capture in, pcapng out with one interface per transmitting device, --json, corrupt input).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Box } from '../src/box.js';
import { main } from '../src/cli.js';
import { PcapngWriter, readCapture, encodePcap } from '../src/pcap/index.js';
import { ETH_ARP, ETH_IP, PROTO, arp, decode, echoRequest, eth, ipv4, udp } from './pktdiff/frames.js';

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
    expect(r[0].path.some((p) => p.startsWith('ip_route_input_noref: unicast table 254'))).toBe(true);
    expect(r[0].path.some((p) => p.startsWith('fib_table_lookup: route 198.51.100.0/24 dev p1'))).toBe(true);
    expect(r[2].out.map((o) => [o.dev, decode(o.data).arp?.op])).toEqual([['p0', 2]]);
    expect(r[3].out).toEqual([]);
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
});

describe('box.replay on an EMAC port', () => {
  it('frames enter on the wire and the answer is collected from it', async () => {
    const b = await Box.create();
    b.emac('eth0');
    for (const c of ['link set eth0 up', 'addr add 192.0.2.1/24 dev eth0', `neigh add ${H0.ip} lladdr ${H0.mac} dev eth0 nud permanent`]) expect(b.ip(c).status).toBe(0);
    b.run({ ns: 3e9 }); // autonegotiation
    const mac = Array.from(b.kernel.links().find((l) => l.name === 'eth0')!.address, (x) => x.toString(16).padStart(2, '0')).join(':');
    const f = eth(mac, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '192.0.2.1', proto: PROTO.ICMP, id: 7 }, echoRequest(1, 2, new Uint8Array([9, 9]))));
    const r = b.replay([{ dev: 'eth0', data: f }], { gapNs: 1e7 });
    expect(r[0].verdict).toBe('local');
    expect(r[0].out.map((o) => [o.dev, decode(o.data).icmp?.type])).toEqual([['eth0', 0]]);
  });
});

describe('netpath replay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'np-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const boxFile = join(dir, 'box.json');
  writeFileSync(boxFile, JSON.stringify({ netpath: 'box', version: 1, log: [...SETUP.map((l) => ({ ip: l.split(' ') })), { sysctl: ['net.ipv4.ip_forward', '1'] }] }));

  async function run(args: string[]): Promise<{ status: number; out: string; err: string }> {
    let out = '', err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
    try { return { status: await main(args), out, err }; } finally { o.mockRestore(); e.mockRestore(); }
  }

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
