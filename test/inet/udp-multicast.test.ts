// A UDP socket of the box in a multicast group (setsockopt IP_ADD_MEMBERSHIP /
// IP_DROP_MEMBERSHIP, ip_mc_join_group / ip_mc_leave_group): the group is joined on
// the device named by ifindex, by one of its addresses or by the route to the group,
// reported by IGMP, delivered to the socket, and left again on leave or close. The
// refusals are the kernel's (net/ipv4/igmp.c): EINVAL for a unicast group, ENODEV
// without a device, EADDRINUSE for a group joined twice on one device, ENOBUFS past
// igmp_max_memberships. The IGMP frames themselves are compared with the kernel's in
// igmp.test.ts, the socket options of sending (IP_MULTICAST_*, SO_BROADCAST) in udp-mcast-sockopts.test.ts.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { ETH_IP, PROTO, eth, ipv4, udp } from '../pktdiff/frames.js';
import { Rng } from '../diff/gen.js';
import { hostBox } from '../util/host-box.js';

async function multicastHost() {
  const { box, p0, cap } = await hostBox();
  const inject = box.packet('tp0');
  /** the IGMP reports p0 sent: [type of each group record, group] */
  const reports = () => cap.recv().filter((r) => r.direction === 'out' && r.data[23] === PROTO.IGMP).flatMap((r) => {
    // Ethernet, IP with the router alert option (24), the report header (8), then 8-byte records
    const d = Buffer.from(r.data), n = d.readUInt16BE(44), recs: string[] = [];
    for (let i = 0; i < n; i++) recs.push(`${d[46 + 8 * i]} ${[...d.subarray(50 + 8 * i, 54 + 8 * i)].join('.')}`);
    return recs;
  });
  const toGroup = (group: string, port = 5000) => inject.send([eth(`01:00:5e:${group.split('.').slice(1).map((x, i) => (i === 0 ? Number(x) & 0x7f : Number(x)).toString(16).padStart(2, '0')).join(':')}`,
    '02:00:00:00:00:02', ETH_IP, ipv4({ src: '192.0.2.9', dst: group, proto: PROTO.UDP, id: 1, ttl: 1 }, udp('192.0.2.9', group, 4000, port, new Uint8Array([1, 2, 3]))))]);
  const groups = () => box.ip('maddr show dev p0').stdout.split('\n').filter((l) => l.startsWith('\tinet ')).map((l) => l.trim().split(/\s+/)[1]);
  return { box, p0, reports, toGroup, groups };
}

describe('UDP sockets in multicast groups', () => {
  it('join by ifindex: reported, delivered; leave: reported, no longer delivered', async () => {
    const { box, p0, reports, toGroup, groups } = await multicastHost();
    const sock = box.udp.bind({ port: 5000 });
    sock.join('239.1.2.3', { ifindex: p0 });
    expect(groups()).toEqual(['239.1.2.3', '224.0.0.1']);
    box.run({ ns: 1.5e9 });
    // IGMPv3 CHANGE_TO_EXCLUDE, robustness 2
    expect(reports()).toEqual(['4 239.1.2.3', '4 239.1.2.3']);
    toGroup('239.1.2.3');
    box.run({ ns: 1e6 });
    expect(sock.recv().map((d) => [d.to, d.toPort, d.from, [...d.data]])).toEqual([['239.1.2.3', 5000, '192.0.2.9', [1, 2, 3]]]);
    sock.leave('239.1.2.3', { ifindex: p0 });
    expect(groups()).toEqual(['224.0.0.1']);
    box.run({ ns: 1.5e9 });
    expect(reports()).toEqual(['3 239.1.2.3', '3 239.1.2.3']);
    const before = box.snmp();
    toGroup('239.1.2.3');
    box.run({ ns: 1e6 });
    expect(sock.recv()).toEqual([]);
    expect(box.snmp().IpInReceives - before.IpInReceives).toBe(1);
    expect(box.snmp().UdpInDatagrams).toBe(before.UdpInDatagrams);
  });

  it('join by address and by route; close leaves every group', async () => {
    const { box, reports, groups } = await multicastHost();
    const sock = box.udp.bind({ port: 5000 });
    sock.join('239.1.2.3', { address: '192.0.2.1' });
    // no route to the group: no device
    expect(() => sock.join('239.4.5.6')).toThrow(/ENODEV/);
    expect(box.ip('route add 224.0.0.0/4 dev p0').status).toBe(0);
    sock.join('239.4.5.6');
    expect(groups()).toEqual(['239.4.5.6', '239.1.2.3', '224.0.0.1']);
    box.run({ ns: 1.5e9 });
    reports();
    sock.close();
    expect(groups()).toEqual(['224.0.0.1']);
    box.run({ ns: 1.5e9 });
    // both leaves in each report: the newest tombstone first
    expect(reports()).toEqual(['3 239.1.2.3', '3 239.4.5.6', '3 239.1.2.3', '3 239.4.5.6']);
  });

  it('two sockets share a group: it stays until the last leaves', async () => {
    const { box, p0, groups } = await multicastHost();
    const a = box.udp.bind({ port: 5000 }), b = box.udp.bind({ port: 5001 });
    a.join('239.1.2.3', { ifindex: p0 });
    b.join('239.1.2.3', { ifindex: p0 });
    expect(box.ip('maddr show dev p0').stdout).toContain('inet  239.1.2.3 users 2\n');
    a.close();
    expect(groups()).toEqual(['239.1.2.3', '224.0.0.1']);
    // without a device named and no route to the group there is none to leave on
    expect(() => b.leave('239.1.2.3')).toThrow(/ENODEV/);
    b.leave('239.1.2.3', { ifindex: p0 });
    expect(groups()).toEqual(['224.0.0.1']);
  });

  it('on an EMAC port the driver programs the multicast hash from the device list (emac_set_rx_mode)', async () => {
    const box = await Box.create();
    for (const l of ['link add eth0 address 02:00:00:00:00:01 type emac', 'link set eth0 up', 'addr add 192.0.2.1/24 dev eth0']) {
      expect(box.ip(l).status).toBe(0);
    }
    box.run({ ns: 3e9 });
    const sock = box.udp.bind({ port: 5000 });
    sock.join('239.1.2.3', { ifindex: box.rtnl.links().find((l) => l.name === 'eth0')!.ifindex });
    const frame = (group: string, mac: string) => eth(mac, '02:00:00:00:00:09', ETH_IP,
      ipv4({ src: '192.0.2.9', dst: group, proto: PROTO.UDP, id: 1, ttl: 1 }, udp('192.0.2.9', group, 4000, 5000, new Uint8Array([1]))));
    const r = box.replay([
      { dev: 'eth0', data: frame('239.1.2.3', '01:00:5e:01:02:03') }, { dev: 'eth0', data: frame('239.9.9.9', '01:00:5e:09:09:09') },
      { dev: 'eth0', data: frame('224.0.0.1', '01:00:5e:00:00:01') },
    ]);
    // a group nobody joined stops at the MAC's address filter; all-hosts and the joined group reach the socket
    expect(r.map((x) => [x.verdict, x.reason])).toEqual([['local', ''], ['drop', 'NIC_ADDR_FILTER'], ['local', '']]);
    expect(sock.recv().map((d) => d.to)).toEqual(['239.1.2.3', '224.0.0.1']);
  });

  it('what the box sends to a joined group or a broadcast address comes back to its sockets (ip_mc_output)', async () => {
    // as the kernel answered (Python sockets in a namespace): the copies of 239.1.2.3 and 192.0.2.255 reach the
    // bound socket, 239.9.9.9 (not joined) only the wire; multicast leaves with TTL 1 (IP_MULTICAST_TTL), broadcast 64
    const { box, p0 } = await multicastHost();
    const cap = box.packet('p0');
    expect(box.ip('route add 224.0.0.0/4 dev p0').status).toBe(0);
    const a = box.udp.bind({ port: 5000 });
    a.join('239.1.2.3', { ifindex: p0 });
    box.run({ ns: 1.5e9 });
    cap.recv();
    const before = box.snmp();
    const b = box.udp.bind({ port: 0 });
    // without SO_BROADCAST a broadcast fails (EACCES, 13), as it did for the kernel
    expect(b.send([new Uint8Array([9])], { address: '192.0.2.255', port: 5000 }).errors).toEqual([13]);
    b.setBroadcast(true);
    for (const [to, x] of [['239.1.2.3', 1], ['239.9.9.9', 2], ['192.0.2.255', 3]] as const) {
      expect(b.send([new Uint8Array([x])], { address: to, port: 5000 }).errors).toEqual([0]);
    }
    box.run({ ns: 1e6 });
    expect(a.recv().map((d) => [d.to, d.from, d.data[0], d.ifindex])).toEqual([['239.1.2.3', '192.0.2.1', 1, p0], ['192.0.2.255', '192.0.2.1', 3, p0]]);
    const wire = cap.recv().filter((r) => r.direction === 'out').map((r) => [[...r.data.subarray(30, 34)].join('.'), r.data[22]]);
    expect(wire).toEqual([['239.1.2.3', 1], ['239.9.9.9', 1], ['192.0.2.255', 64]]);
    const d = (k: string) => box.snmp()[k] - before[k];
    // IpInReceives: the two copies, and the three frames arriving at tp0, the tester's end in the same box
    expect([d('IpInReceives') - 3, d('IpExtInMcastPkts'), d('IpExtInBcastPkts'), d('UdpInDatagrams'), d('IpExtOutMcastPkts'), d('IpExtOutBcastPkts')])
      .toEqual([2, 1, 1, 2, 2, 1]);
  });

  it('refuses what the kernel refuses', async () => {
    const { box, p0 } = await multicastHost();
    const sock = box.udp.bind({ port: 5000 });
    expect(() => sock.join('192.0.2.7', { ifindex: p0 })).toThrow(/EINVAL/);
    expect(() => sock.join('239.1.2.3', { ifindex: 99 })).toThrow(/ENODEV/);
    expect(() => sock.join('239.1.2.3', { address: '198.51.100.1' })).toThrow(/ENODEV/);
    sock.join('239.1.2.3', { ifindex: p0 });
    expect(() => sock.join('239.1.2.3', { ifindex: p0 })).toThrow(/EADDRINUSE/);
    expect(() => sock.leave('239.9.9.9', { ifindex: p0 })).toThrow(/EADDRNOTAVAIL/);
    for (let i = 1; i < 20; i++) sock.join(`239.0.0.${i}`, { ifindex: p0 });
    expect(() => sock.join('239.0.0.20', { ifindex: p0 })).toThrow(/ENOBUFS/);
    box.sysctl('net.ipv4.igmp_max_memberships', '21');
    sock.join('239.0.0.20', { ifindex: p0 });
    sock.close();
    expect(() => sock.join('239.0.0.21', { ifindex: p0 })).toThrow(/closed/);
  });
});

describe('IGMP under hostile input', () => {
  it('random IGMP messages (any type, code, length, source count) neither crash nor leave a group; every frame is accounted', async () => {
    const { box, p0, toGroup, groups } = await multicastHost();
    const sock = box.udp.bind({ port: 5000 });
    sock.join('239.1.2.3', { ifindex: p0 });
    const r = new Rng(20261123);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const len = r.pick([0, 1, 4, 7, 8, 9, 11, 12, 13, 16, 20, r.int(0, 64)]);
      const igmp = new Uint8Array(len);
      for (let k = 0; k < len; k++) igmp[k] = r.int(0, 255);
      if (len > 0) igmp[0] = r.pick([0x11, 0x12, 0x16, 0x17, 0x22, r.int(0, 255)]);
      if (len >= 12 && r.chance(0.5)) { igmp[10] = 0; igmp[11] = r.int(0, 3); }
      if (len >= 4 && r.chance(0.8)) {
        // a valid checksum most of the time, so the message is parsed
        igmp[2] = 0; igmp[3] = 0;
        let s = 0;
        for (let k = 0; k < len; k += 2) s += (igmp[k] << 8) | (igmp[k + 1] ?? 0);
        while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
        igmp[2] = (~s >>> 8) & 0xff; igmp[3] = ~s & 0xff;
      }
      const dst = r.pick(['224.0.0.1', '239.1.2.3', '192.0.2.1']);
      const mac = dst === '192.0.2.1' ? '02:00:00:00:00:01' : dst === '224.0.0.1' ? '01:00:5e:00:00:01' : '01:00:5e:01:02:03';
      frames.push(eth(mac, '02:00:00:00:00:02', ETH_IP, ipv4({ src: '192.0.2.9', dst, proto: PROTO.IGMP, id: i, ttl: 1 }, igmp)));
    }
    const t0 = box.now;
    const res = box.replay(frames.map((data, i) => ({ dev: 'p0', data, timeNs: t0 + (i + 1) * 3e6 })), { trace: false });
    // each delivered (igmp_rcv consumes what it reads) or dropped with a reason
    for (const x of res) {
      expect(['local', 'drop']).toContain(x.verdict);
      if (x.verdict === 'drop') expect(x.reason).not.toBe('');
    }
    expect(res.filter((x) => x.verdict === 'local').length).toBeGreaterThan(1000);
    box.run({ ns: 20e9 });
    // the membership stands, and the group still receives
    expect(groups()).toEqual(['239.1.2.3', '224.0.0.1']);
    toGroup('239.1.2.3');
    box.run({ ns: 1e6 });
    expect(sock.recv().length).toBe(1);
  });
});
