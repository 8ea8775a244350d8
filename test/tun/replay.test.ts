// Replay with tun devices: a pcapng interface of link type RAW (101) names a
// tun device; its packets are written by the host end (tun_get_user) and
// what the box routes to the device is read back and written out on a RAW
// interface of the output file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Box } from '../../src/index.js';
import { runCli as run } from '../util/cli.js';
import { LinkType, PcapngWriter, readCapture } from '../../src/pcap/index.js';
import { ipv4, udp, icmpEcho, ethernet, IPPROTO } from '../util/frames.js';

const SETUP = [
  'tuntap add tun0 mode tun', 'addr add 192.0.2.1/24 dev tun0', 'link set tun0 up',
  'link add tp1 type veth peer name p1', 'link set p1 address 02:00:00:00:00:01', 'link set p1 up', 'link set tp1 up',
  'addr add 198.51.100.1/24 dev p1', 'neigh add 198.51.100.20 lladdr 02:00:00:00:00:20 dev p1 nud permanent',
];
const echo = ipv4({ src: '192.0.2.7', dst: '192.0.2.1', proto: IPPROTO.ICMP, payload: icmpEcho({ id: 1, seq: 1 }) });
const toP1 = ipv4({ src: '192.0.2.7', dst: '198.51.100.20', proto: IPPROTO.UDP, payload: udp({ src: '192.0.2.7', dst: '198.51.100.20', sport: 1, dport: 2 }) });
const fromP1 = ethernet({ dst: '02:00:00:00:00:01', src: '02:00:00:00:00:20', payload:
  ipv4({ src: '198.51.100.20', dst: '192.0.2.7', proto: IPPROTO.UDP, payload: udp({ src: '198.51.100.20', dst: '192.0.2.7', sport: 2, dport: 1 }) }) });
const notIp = Uint8Array.of(0x70, 1, 2, 3);

async function tunRouter(): Promise<Box> {
  const box = await Box.create();
  for (const l of SETUP) expect(box.ip(l).status, l).toBe(0);
  box.sysctl('net.ipv4.ip_forward', '1');
  return box;
}

describe('replay through a tun device', () => {
  it('box.replay: IP packets in on tun0, answers and forwarded packets out on tun0 as IP packets', async () => {
    const box = await tunRouter();
    const r = box.replay([
      { dev: 'tun0', data: echo, linkType: LinkType.RAW },
      { dev: 'tun0', data: toP1, linkType: LinkType.RAW },
      { dev: 'p1', data: fromP1 },
      { dev: 'tun0', data: notIp, linkType: LinkType.RAW },
    ]);
    expect(r.map((x) => [x.verdict, x.reason])).toEqual([['local', ''], ['forward', ''], ['forward', ''], ['drop', 'INVALID_PROTO']]);
    expect(r[0].path[0]).toBe(`tun_get_user: tun0 len ${echo.length}`);
    expect(r[0].out.map((o) => [o.dev, o.data[0] >> 4, o.data[20]])).toEqual([['tun0', 4, 0]]);
    expect(r[1].out.map((o) => o.dev)).toEqual(['p1']);
    expect(r[2].out.map((o) => [o.dev, o.data.length])).toEqual([['tun0', fromP1.length - 14]]);
    expect(r[2].path).toContain('tun_net_xmit: tun0 ring 0');
    // nothing on this path takes time: each output was sent (queued on tun0's ring, or on p1) when its input came,
    // the inputs 2.5 s apart
    expect(r.map((x) => x.out.map((o) => o.timeNs))).toEqual([[0], [2.5e9], [5e9], []]);
    // the replay held tun0's file only while it ran: the persistent device is back without carrier
    expect(box.ip('link show tun0').stdout).toContain('NO-CARRIER');
  });

  it('a RAW packet for a device that takes Ethernet frames is refused with the reason', async () => {
    const box = await tunRouter();
    expect(() => box.replay([{ dev: 'p1', data: echo, linkType: LinkType.RAW }])).toThrow(/packet 0: a RAW \(IP\) packet for p1, a device taking Ethernet frames/);
    expect(() => box.replay([{ dev: 'tun0', data: fromP1, linkType: LinkType.ETHERNET }])).toThrow(/link type 1 for tun0, a tun device/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'netpath-tun-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('netpath replay: a RAW interface in names tun0; tun0 is a RAW interface of the output', async () => {
    const boxFile = join(dir, 'box.json');
    for (const l of SETUP) expect((await run(['--box', boxFile, 'ip', ...l.split(' ')])).status, l).toBe(0);
    expect((await run(['--box', boxFile, 'sysctl', '-w', 'net.ipv4.ip_forward=1'])).status).toBe(0);
    const w = new PcapngWriter();
    const iTun = w.interfaceFor('tun0', LinkType.RAW), iP1 = w.interfaceFor('p1');
    w.writePacket({ ifIndex: iTun, tsNs: 1_000_000_000n, data: echo });
    w.writePacket({ ifIndex: iP1, tsNs: 1_010_000_000n, data: fromP1 });
    const inPath = join(dir, 'in.pcapng'), outPath = join(dir, 'out.pcapng');
    writeFileSync(inPath, w.bytes());
    const r = await run(['--box', boxFile, 'replay', inPath, '-w', outPath]);
    expect([r.status, r.err]).toEqual([0, '']);
    const cap = readCapture(readFileSync(outPath));
    expect(cap.interfaces.map((x) => [x.name, x.linkType])).toEqual([['tun0', LinkType.RAW]]);
    expect(cap.packets.map((p) => [p.data[0] >> 4, p.data.length])).toEqual([[4, echo.length], [4, fromP1.length - 14]]);
  });
});
