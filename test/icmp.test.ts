// Local delivery rules, one by one: when ICMP errors are never sent, what
// they carry, the rate limits and their sysctls, echo/timestamp, UDP sockets,
// TCP resets, reassembly. Packets are handed to local delivery directly and
// what the box would send is captured (test/inet/harness.ts).
import { describe, expect, it } from 'vitest';
import { Box } from '../src/box.js';
import { fragment, icmp, ipv4, pattern, tcp, udp } from './pktdiff/frames.js';
import {
  core, deliver, PACKET_BROADCAST, PACKET_MULTICAST, RTCF_BROADCAST, RTCF_LOCAL, RTN_BROADCAST, RTN_LOCAL,
} from './inet/harness.js';

const US = '192.0.2.1', PEER = '192.0.2.7', FAR = '203.0.113.9';

async function box(): Promise<Box> {
  const b = await Box.create();
  for (const c of ['link add p0 type veth peer name t0', 'link set t0 up', 'link set p0 up', 'addr add 192.0.2.1/24 dev p0',
    'route add 203.0.113.0/24 via 192.0.2.254']) {
    const r = b.ip(c);
    if (r.status !== 0) throw new Error(`${c}: ${r.stderr}`);
  }
  return b;
}
const rd16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const ipStr = (b: Uint8Array, o: number) => Array.from(b.subarray(o, o + 4)).join('.');
const udpTo = (port: number, data = pattern(20), src = PEER, dst = US, o: { tos?: number; id?: number } = {}) =>
  ipv4({ src, dst, proto: 17, id: o.id ?? 77, tos: o.tos }, udp(src, dst, 40000, port, data));
const sum16 = (b: Uint8Array) => {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
};

describe('ICMP errors (__icmp_send)', () => {
  it('port unreachable: from the address written to, TOS 0xc0 | tos, TTL 64, the packet quoted, checksums right', async () => {
    const b = await box();
    const pkt = udpTo(9, pattern(30), PEER, US, { tos: 0x10 });
    const [e, ...rest] = deliver(b, pkt, 'p0');
    expect(rest).toEqual([]);
    expect(e[1]).toBe(0xd0);
    expect(e[8]).toBe(64);
    expect(ipStr(e, 12)).toBe(US);
    expect(ipStr(e, 16)).toBe(PEER);
    expect([e[20], e[21]]).toEqual([3, 3]);
    expect(Buffer.from(e.subarray(28))).toEqual(Buffer.from(pkt));
    expect(sum16(e.subarray(0, 20))).toBe(0xffff);
    expect(sum16(e.subarray(20))).toBe(0xffff);
    expect(b.snmp()).toMatchObject({ UdpNoPorts: 1, IcmpOutMsgs: 1, IcmpOutDestUnreachs: 1, IcmpMsgOutType3: 1, IpInDelivers: 1 });
    expect(b.dropReasons()).toMatchObject({ NO_SOCKET: 1 });
  });

  it('never about link-level broadcast/multicast, broadcast routes, non-first fragments, ICMP errors', async () => {
    const b = await box();
    expect(deliver(b, udpTo(9), 'p0', { pktType: PACKET_BROADCAST })).toEqual([]);
    expect(deliver(b, udpTo(9), 'p0', { pktType: PACKET_MULTICAST })).toEqual([]);
    expect(deliver(b, udpTo(9, pattern(8), PEER, '192.0.2.255'), 'p0', { rtType: RTN_BROADCAST, rtFlags: RTCF_BROADCAST | RTCF_LOCAL })).toEqual([]);
    // an unknown protocol inside a non-first fragment that completes nothing: no 3/2 either
    const err = ipv4({ src: PEER, dst: US, proto: 1 }, icmp(3, 3, 0, udpTo(9)));
    expect(deliver(b, ipv4({ src: PEER, dst: US, proto: 253 }, pattern(10)), 'p0').length).toBe(1);
    expect(deliver(b, err, 'p0')).toEqual([]);
    // broadcast UDP without a socket: UdpIgnoredMulti
    expect(b.snmp().UdpIgnoredMulti).toBe(1);
  });

  it('protocol unreachable (3/2) and InUnknownProtos; payload cut so the error is at most 576 bytes', async () => {
    const b = await box();
    const big = ipv4({ src: PEER, dst: US, proto: 200 }, pattern(1000));
    const [e] = deliver(b, big, 'p0');
    expect([e[20], e[21]]).toEqual([3, 2]);
    expect(e.length).toBe(576);
    expect(rd16(e, 2)).toBe(576);
    expect(Buffer.from(e.subarray(28))).toEqual(Buffer.from(big.subarray(0, 548)));
    expect(b.snmp()).toMatchObject({ IpInUnknownProtos: 1, IcmpOutDestUnreachs: 1 });
    expect(b.dropReasons()).toMatchObject({ IP_NOPROTO: 1 });
  });

  it('rate limits: per destination 6 at once then one per icmp_ratelimit; icmp_ratemask 0 lifts them', async () => {
    const b = await box();
    const n = () => { let k = 0; for (let i = 0; i < 10; i++) k += deliver(b, udpTo(9), 'p0').length; return k; };
    expect(n()).toBe(6);
    expect(b.snmp().IcmpOutRateLimitHost).toBe(4);
    b.run({ ns: 1e9 });
    expect(n()).toBe(1);
    b.sysctl('net.ipv4.icmp_ratelimit', '100');
    expect(b.sysctl('net.ipv4.icmp_ratelimit')).toBe('100');
    b.run({ ns: 300e6 });
    expect(n()).toBe(3);
    b.sysctl('net.ipv4.icmp_ratemask', '0');
    expect(n()).toBe(10);
    // a type outside the mask (echo reply) was never limited
    b.sysctl('net.ipv4.icmp_ratemask', '6168');
    let replies = 0;
    for (let i = 0; i < 20; i++) replies += deliver(b, ipv4({ src: PEER, dst: US, proto: 1 }, icmp(8, 0, i, pattern(8))), 'p0').length;
    expect(replies).toBe(20);
  });

  it('the global bucket: icmp_msgs_burst credits, refilled at icmp_msgs_per_sec', async () => {
    const b = await box();
    b.sysctl('net.ipv4.icmp_msgs_burst', '4');
    b.sysctl('net.ipv4.icmp_ratelimit', '0'); // per-destination bucket always allows
    let sent = 0;
    for (let i = 0; i < 40; i++) sent += deliver(b, udpTo(9), 'p0').length;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThan(40);
    expect(b.snmp().IcmpOutRateLimitGlobal).toBe(40 - sent);
  });
});

describe('ICMP input (icmp_rcv)', () => {
  it('echo → reply from the destination with the same id, seq, data and TOS; icmp_echo_ignore_all', async () => {
    const b = await box();
    const req = ipv4({ src: PEER, dst: US, proto: 1, tos: 0x20, ttl: 1 }, icmp(8, 0, 0x12340005, pattern(40)));
    const [r] = deliver(b, req, 'p0');
    expect(r[1]).toBe(0x20);
    expect(ipStr(r, 12)).toBe(US);
    expect([r[20], r[21]]).toEqual([0, 0]);
    expect(Buffer.from(r.subarray(24))).toEqual(Buffer.from(req.subarray(24)));
    expect(b.snmp()).toMatchObject({ IcmpInMsgs: 1, IcmpInEchos: 1, IcmpOutEchoReps: 1, IcmpMsgInType8: 1, IcmpMsgOutType0: 1, IpInDelivers: 1 });
    b.sysctl('net.ipv4.icmp_echo_ignore_all', '1');
    expect(deliver(b, req, 'p0')).toEqual([]);
  });

  it('echo to broadcast ignored (icmp_echo_ignore_broadcasts), answered when it is 0', async () => {
    const b = await box();
    const req = ipv4({ src: PEER, dst: '192.0.2.255', proto: 1 }, icmp(8, 0, 1, pattern(8)));
    const bc = { rtType: RTN_BROADCAST, rtFlags: RTCF_BROADCAST | RTCF_LOCAL, pktType: PACKET_BROADCAST };
    expect(deliver(b, req, 'p0', bc)).toEqual([]);
    expect(b.dropReasons()).toMatchObject({ INVALID_PROTO: 1 });
    b.sysctl('net.ipv4.icmp_echo_ignore_broadcasts', '0');
    const [r] = deliver(b, req, 'p0', bc);
    expect(ipStr(r, 12)).toBe(US);
  });

  it('timestamp → reply with originate copied and the virtual time of day; bad checksum counted', async () => {
    const b = await box();
    b.run({ ns: 1234e6 });
    const req = ipv4({ src: PEER, dst: US, proto: 1 }, icmp(13, 0, 0x00010002, new Uint8Array([0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0])));
    const [r] = deliver(b, req, 'p0');
    expect(r[20]).toBe(14);
    expect(r.length).toBe(40);
    expect(Array.from(r.subarray(28, 32))).toEqual([0, 0, 0, 9]);
    expect(new DataView(r.buffer, r.byteOffset).getUint32(32)).toBe(1234);
    const bad = req.slice(); bad[22] ^= 1;
    expect(deliver(b, bad, 'p0')).toEqual([]);
    expect(b.snmp()).toMatchObject({ IcmpInCsumErrors: 1, IcmpInErrors: 1 });
    expect(b.dropReasons()).toMatchObject({ ICMP_CSUM: 1 });
  });
});

describe('UDP sockets (box.udp)', () => {
  it('bind, receive through the iterator, send; checksum errors; rcvbuf', async () => {
    const b = await box();
    const s = b.udp.bind({ port: 5353, address: US });
    expect(() => b.udp.bind({ port: 5353 })).toThrow(/EADDRINUSE/);
    expect(() => b.udp.bind({ port: 1, address: '198.51.100.1' })).toThrow(/EADDRNOTAVAIL/);
    expect(deliver(b, udpTo(5353, new TextEncoder().encode('hello')), 'p0')).toEqual([]);
    const it = s[Symbol.asyncIterator]();
    const d = await it.next();
    expect(new TextDecoder().decode(d.value!.data)).toBe('hello');
    expect(d.value).toMatchObject({ from: PEER, port: 40000, to: US, toPort: 5353 });
    const bad = udpTo(5353); bad[27] ^= 0xff;
    deliver(b, bad, 'p0');
    expect(s.recv()).toEqual([]);
    expect(b.snmp()).toMatchObject({ UdpInDatagrams: 1, UdpInCsumErrors: 1, UdpInErrors: 1 });
    // a waiting iterator wakes when the box delivers
    const waiting = it.next();
    deliver(b, udpTo(5353, pattern(3)), 'p0');
    b.run({ ns: 1 });
    expect((await waiting).value!.data.length).toBe(3);
    // send: what goes to ip_local_out
    core(b).xmitCaptureOn(true);
    const r = s.send(new TextEncoder().encode('answer'), { address: FAR, port: 53 });
    expect(r).toEqual({ sent: 1, errors: [0] });
    const out = (await import('./inet/harness.js')).captured(b);
    expect(out.length).toBe(1);
    const p = out[0];
    expect(ipStr(p, 12)).toBe(US);
    expect(ipStr(p, 16)).toBe(FAR);
    expect(rd16(p, 20)).toBe(5353);
    expect(rd16(p, 22)).toBe(53);
    const ph = new Uint8Array([...p.subarray(12, 20), 0, 17, 0, p.length - 20]);
    expect(sum16(new Uint8Array([...ph, ...p.subarray(20)]))).toBe(0xffff);
    expect(b.snmp().UdpOutDatagrams).toBe(1);
    s.close();
    expect((await it.next()).done).toBe(true);
  });

  it('a full receive buffer drops with SOCKET_RCVBUFF and counts UdpRcvbufErrors', async () => {
    const b = await box();
    const s = b.udp.bind({ port: 7 });
    for (let i = 0; i < 300; i++) deliver(b, udpTo(7, pattern(1400, i)), 'p0');
    const got = s.recv().length;
    expect(got).toBeGreaterThan(100);
    expect(got).toBeLessThan(300);
    expect(b.snmp().UdpRcvbufErrors).toBe(300 - got);
    expect(b.dropReasons().SOCKET_RCVBUFF).toBe(300 - got);
    deliver(b, udpTo(7, pattern(5)), 'p0');
    expect(s.recv().length).toBe(1);
  });
});

describe('TCP without listeners (tcp_v4_send_reset)', () => {
  it('SYN → RST|ACK with ack = seq + 1 + data; ACK → RST with seq = ack; never about a RST; bad checksum', async () => {
    const b = await box();
    const syn = ipv4({ src: PEER, dst: US, proto: 6 }, tcp(PEER, US, { sport: 1000, dport: 80, seq: 100, flags: 0x02, data: pattern(5) }));
    const [r] = deliver(b, syn, 'p0');
    expect(r.length).toBe(40);
    expect(rd16(r, 6)).toBe(0x4000);
    expect(r[33]).toBe(0x14);
    expect(new DataView(r.buffer, r.byteOffset).getUint32(28)).toBe(106);
    expect(rd16(r, 34)).toBe(0);
    const ack = ipv4({ src: PEER, dst: US, proto: 6 }, tcp(PEER, US, { sport: 1000, dport: 80, seq: 1, ack: 0xdeadbeef, flags: 0x10 }));
    const [r2] = deliver(b, ack, 'p0');
    expect(r2[33]).toBe(0x04);
    expect(new DataView(r2.buffer, r2.byteOffset).getUint32(24)).toBe(0xdeadbeef);
    expect(deliver(b, ipv4({ src: PEER, dst: US, proto: 6 }, tcp(PEER, US, { sport: 1, dport: 2, seq: 0, flags: 0x04 })), 'p0')).toEqual([]);
    const bad = ack.slice(); bad[36] ^= 1;
    expect(deliver(b, bad, 'p0')).toEqual([]);
    expect(b.snmp()).toMatchObject({ TcpInSegs: 4, TcpOutRsts: 2, TcpOutSegs: 2, TcpInCsumErrors: 1, TcpInErrs: 1 });
  });
});

describe('reassembly (ip_defrag)', () => {
  const echo = (id: number, n = 100) => icmp(8, 0, id, pattern(n, id));

  it('fragments in any order give one datagram; duplicates are dropped; overlaps kill the queue', async () => {
    const b = await box();
    const o = { src: PEER, dst: US, proto: 1, id: 4242 };
    const fr = fragment(o, echo(1), [48, 48, 12]);
    expect(deliver(b, fr[2], 'p0')).toEqual([]);
    expect(deliver(b, fr[0], 'p0')).toEqual([]);
    expect(deliver(b, fr[0], 'p0')).toEqual([]);
    const [r] = deliver(b, fr[1], 'p0');
    expect(rd16(r, 2)).toBe(20 + 108);
    expect(b.snmp()).toMatchObject({ IpReasmReqds: 4, IpReasmOKs: 1 });
    expect(b.dropReasons()).toMatchObject({ DUP_FRAG: 1 });
    const f2 = fragment({ ...o, id: 4243 }, echo(2), [48, 60]);
    const overlap = fragment({ ...o, id: 4243 }, echo(2), [40, 68]);
    deliver(b, f2[0], 'p0');
    expect(deliver(b, overlap[1], 'p0')).toEqual([]);
    expect(deliver(b, f2[1], 'p0')).toEqual([]);
    expect(b.snmp()).toMatchObject({ IpExtReasmOverlaps: 1, IpReasmFails: 1 });
    expect(core(b).ipfragCounter(1)).toBe(1);
  });

  it('ipfrag_time: the queue times out on the virtual clock, 11/1 about the first fragment', async () => {
    const b = await box();
    b.sysctl('net.ipv4.ipfrag_time', '2');
    const fr = fragment({ src: PEER, dst: US, proto: 1, id: 9 }, echo(3), [48, 60]);
    deliver(b, fr[0], 'p0');
    b.run({ ns: 1.5e9 });
    expect(deliver(b, ipv4({ src: FAR, dst: US, proto: 1, id: 10, mf: true }, pattern(16)), 'p0')).toEqual([]);
    b.run({ ns: 1e9 }); // box.run fires the reassembly timer (the capture deliver() turned on is still on)
    const c = core(b);
    const out = (await import('./inet/harness.js')).captured(b);
    expect(out.length).toBe(1);
    expect([out[0][20], out[0][21]]).toEqual([11, 1]);
    expect(Buffer.from(out[0].subarray(28))).toEqual(Buffer.from(fr[0]));
    expect(b.snmp()).toMatchObject({ IpReasmTimeout: 1, IpReasmFails: 1, IcmpOutTimeExcds: 1 });
    expect(c.ipfragCounter(1)).toBe(1);
  });

  it('bounded: queues beyond the table or the pool share fail with ReasmFails, nothing leaks', async () => {
    const b = await box();
    const c = core(b);
    const free = c.inetSkbFree();
    for (let i = 0; i < 400; i++) deliver(b, ipv4({ src: PEER, dst: US, proto: 17, id: i, mf: true }, pattern(64)), 'p0');
    expect(c.ipfragCounter(2)).toBe(64);
    expect(b.snmp().IpReasmFails).toBe(400 - 64);
    expect(c.inetSkbFree() + c.ipfragCounter(1)).toBe(free);
  });
});

describe('netpath nstat', () => {
  it('prints like nstat -az: #kernel, name in 32 columns, value in 16, rate', async () => {
    const b = await box();
    deliver(b, udpTo(9), 'p0');
    const t = b.nstat();
    const lines = t.split('\n');
    expect(lines[0]).toBe('#kernel');
    expect(lines[1]).toBe('IpInReceives                    0                  0.0');
    expect(t).toContain('\nIcmpOutAddrMaskReps             0                  0.0\nIcmpMsgOutType3                 1                  0.0\nTcpActiveOpens ');
    expect(t).toContain('\nUdpNoPorts                      1                  0.0\n');
    expect(t).toContain('\nUdpLiteMemErrors                0                  0.0\nIpExtInNoRoutes ');
    expect(t).toContain('\n#drop_reason\n');
    expect(t).toContain('\nNO_SOCKET                       1                  0.0\n');
    expect(b.nstat({ zeros: false, drops: false })).toBe(
      '#kernel\nIpInDelivers                    1                  0.0\nIcmpOutMsgs                     1                  0.0\nIcmpOutDestUnreachs             1                  0.0\n' +
      'IcmpMsgOutType3                 1                  0.0\nUdpNoPorts                      1                  0.0\n');
    // patterns as nstat takes them: the drop section only where a reason matches
    expect(b.nstat({ patterns: ['UdpNo*', 'IpInReceives'] })).toBe(
      '#kernel\nIpInReceives                    0                  0.0\nUdpNoPorts                      1                  0.0\n');
    expect(b.nstat({ patterns: ['NO_SOCK*'] })).toBe('#kernel\n#drop_reason\nNO_SOCKET                       1                  0.0\n');
  });
});
