// Bridge behaviour in a box, each rule on its own: learning and ageing on the
// virtual clock, flooding, forwarding to the learnt port, no hairpin, local
// delivery through br0 (ARP, echo), link-local groups with STP off, invalid
// sources, nomaster/del restoring the port, the rx_handler conflict, the
// counters and the path replay shows. The kernel's answers for the same
// rules are in the recorded fixtures (bridge-diff.test.ts).
import { describe, expect, it } from 'vitest';
import { Box } from '../../src/box.js';
import { ETH_ARP, ETH_IP, PROTO, arp, echoRequest, eth, hex, ipv4, pattern, udp } from '../pktdiff/frames.js';

const H0 = { mac: '02:a0:00:00:00:01', ip: '192.0.2.11' }, H1 = { mac: '02:a1:00:00:00:01', ip: '192.0.2.21' };
const H0b = { mac: '02:a0:00:00:00:02', ip: '192.0.2.12' };

async function bridgeBox(n = 3, addr = false): Promise<Box> {
  const box = await Box.create();
  // a snooping bridge reports its group 224.0.0.106 (IGMP, test/inet/igmp.test.ts); here only the traffic's frames count
  box.sysctl('net.ipv4.igmp_link_local_mcast_reports', '0');
  box.ip('link add br0 type bridge');
  for (let i = 0; i < n; i++) {
    box.ip(`link add t${i} address 02:ee:00:00:00:0${i} type veth peer name p${i} address 02:d0:00:00:00:0${i + 1}`);
    box.ip(`link set p${i} master br0`);
    box.ip(`link set p${i} up`);
    box.ip(`link set t${i} up`);
  }
  box.ip('link set br0 up');
  if (addr) box.ip('addr add 192.0.2.1/24 dev br0');
  return box;
}
const udpFrame = (src: { mac: string; ip: string }, dstMac: string, dstIp = '192.0.2.99') =>
  eth(dstMac, src.mac, ETH_IP, ipv4({ src: src.ip, dst: dstIp, proto: PROTO.UDP, id: 1 }, udp(src.ip, dstIp, 1000, 9, pattern(20))));
const who = (h: { mac: string; ip: string }, tpa: string) =>
  eth('ff:ff:ff:ff:ff:ff', h.mac, ETH_ARP, arp({ op: 1, sha: h.mac, spa: h.ip, tha: '00:00:00:00:00:00', tpa }));
const outDevs = (r: { out: { dev: string }[] }) => r.out.map((o) => o.dev).sort();

describe('bridge', () => {
  it('floods unknown unicast, then forwards to the learnt port only', async () => {
    const box = await bridgeBox();
    const [a, b, c] = box.replay([
      { dev: 'p0', data: udpFrame(H0, H1.mac) },
      { dev: 'p1', data: udpFrame(H1, H0.mac) },
      { dev: 'p0', data: udpFrame(H0, H1.mac) },
    ]);
    expect(outDevs(a)).toEqual(['p1', 'p2']);
    expect(a.path).toContain('br_fdb_find: miss or group address, flood');
    expect(outDevs(b)).toEqual(['p0']);
    expect(b.path).toContain('br_fdb_find: forward to p0');
    expect(outDevs(c)).toEqual(['p1']);
    expect(c.verdict).toBe('forward');
    expect(box.bridge('fdb show br br0').stdout).toContain(`${H0.mac} dev p0 master br0 \n`);
  });

  it('never sends a frame back out of its ingress port (no hairpin)', async () => {
    const box = await bridgeBox();
    const [, r] = box.replay([{ dev: 'p0', data: who(H0b, '192.0.2.200') }, { dev: 'p0', data: udpFrame(H0, H0b.mac) }]);
    expect(r.out).toEqual([]);
    expect(r.verdict).toBe('drop');
  });

  it('forgets an address ageing_time (300 s) after it was last seen, on the virtual clock', async () => {
    const box = await bridgeBox();
    const s = 1e9;
    const [, before, after] = box.replay([
      { dev: 'p1', data: who(H1, '192.0.2.200'), timeNs: 0 },
      { dev: 'p0', data: udpFrame(H0, H1.mac), timeNs: 299 * s },
      { dev: 'p0', data: udpFrame(H0, H1.mac), timeNs: 301 * s },
    ]);
    expect(outDevs(before)).toEqual(['p1']);
    expect(outDevs(after)).toEqual(['p1', 'p2']);
    expect(box.bridge('fdb show brport p1').stdout).not.toContain(H1.mac);
  });

  it('floods broadcast and multicast to every other port and up to br0 (counted there)', async () => {
    const box = await bridgeBox();
    const [bc, mc] = box.replay([
      { dev: 'p0', data: who(H0, '192.0.2.200') },
      { dev: 'p2', data: udpFrame(H0b, '01:00:5e:01:02:03', '239.1.2.3') },
    ]);
    expect(outDevs(bc)).toEqual(['p1', 'p2']);
    expect(bc.path.some((p) => p.startsWith('br_pass_frame_up: br0'))).toBe(true);
    expect(outDevs(mc)).toEqual(['p0', 'p1']);
    const st = box.link('br0').stats();
    expect(st.rxPackets).toBe(2);
    expect(st.rxMcast).toBe(1);
  });

  it('answers ARP and echo for an address on br0, out of the port the asker is behind', async () => {
    const box = await bridgeBox(3, true);
    const brMac = box.link('br0').info().address;
    const m = Array.from(brMac, (x) => x.toString(16).padStart(2, '0')).join(':');
    expect(m).toBe('02:d0:00:00:00:01'); // the lowest port address
    const [arpR, echo] = box.replay([
      { dev: 'p1', data: who(H1, '192.0.2.1') },
      { dev: 'p1', data: eth(m, H1.mac, ETH_IP, ipv4({ src: H1.ip, dst: '192.0.2.1', proto: PROTO.ICMP, id: 5 }, echoRequest(1, 1, pattern(8)))) },
    ]);
    // the request is flooded (broadcast) and the reply goes back to p1 only
    expect(arpR.out.filter((o) => o.dev === 'p1').map((o) => hex(o.data).slice(24, 28))).toEqual(['0806']);
    expect(outDevs(echo)).toEqual(['p1']);
    expect(echo.verdict).toBe('local');
    expect(echo.path.some((p) => p.startsWith('br_fdb_find: local (p0)'))).toBe(true);
    expect(box.link('br0').stats().txPackets).toBe(2);
  });

  it('forwards STP BPDUs with STP off, drops PAUSE, keeps LLDP on the port, drops invalid sources', async () => {
    const box = await bridgeBox();
    const bpdu = new Uint8Array([...Buffer.from('0180c2000000' + H0.mac.replace(/:/g, '') + '0026424203', 'hex'), ...pattern(35)]);
    const [stp, pause, lldp, bad] = box.replay([
      { dev: 'p0', data: bpdu },
      { dev: 'p0', data: eth('01:80:c2:00:00:01', H0.mac, 0x8808, pattern(46)) },
      { dev: 'p0', data: eth('01:80:c2:00:00:0e', H0.mac, 0x88cc, pattern(46)) },
      { dev: 'p0', data: udpFrame({ ...H0, mac: '03:00:00:00:00:01' }, 'ff:ff:ff:ff:ff:ff') },
    ]);
    expect(outDevs(stp)).toEqual(['p1', 'p2']);
    // its copy up br0 is counted received there, then freed by llc_rcv without an rx_dropped (as on Linux 6.18)
    expect([box.link('br0').stats().rxPackets, box.link('br0').stats().rxDropped]).toEqual([1, 0]);
    expect(pause.out).toEqual([]);
    expect(pause.reason).toBe('MAC_IEEE_MAC_CONTROL');
    expect(lldp.out).toEqual([]);
    expect(lldp.path.some((p) => p.includes('up the port'))).toBe(true);
    expect(bad.reason).toBe('MAC_INVALID_SOURCE');
  });

  it('nomaster and deleting the bridge give the port back to the stack', async () => {
    const box = await bridgeBox(2);
    box.ip('link set p0 nomaster');
    box.ip('addr add 192.0.2.1/24 dev p0');
    const [r] = box.replay([{ dev: 'p0', data: who(H0, '192.0.2.1') }]);
    expect(outDevs(r)).toEqual(['p0']); // p0 answers ARP itself, nothing bridged
    expect(box.ip('-d link show p0').stdout).toContain('promiscuity 0  allmulti 0');
    expect(box.ip('-d link show p1').stdout).toContain('promiscuity 1  allmulti 1');
    expect(box.ip('link del br0').status).toBe(0);
    expect(box.ip('link show p1').stdout).not.toContain('master');
    expect(box.bridge('link show').stdout).toBe('');
  });

  it('enslaving a device that already has an rx_handler fails with EBUSY, as Linux does', async () => {
    const box = await bridgeBox(1);
    box.ip('link add t9 type veth peer name p9');
    const core = box.kernel.core as unknown as { replaySink(i: number, on: number): number };
    const p9 = box.link('p9').ifindex;
    expect(core.replaySink(p9, 1)).toBe(0);
    // the kernel's answer with a macvlan on the port (recorded: ip link add mv0 link p0 type macvlan; ip link set p0 master br0)
    expect(box.ip('link set p9 master br0')).toEqual({ status: 2, stdout: '', stderr: 'RTNETLINK answers: Device or resource busy\n' });
    core.replaySink(p9, 0);
    expect(box.ip('link set p9 master br0').status).toBe(0);
    // and a port's rx_handler is taken: nothing else can register one
    expect(core.replaySink(p9, 1)).toBe(-16);
  });

  it('a change of the bridge address (a port leaves) flushes its neighbours, permanent ones too', async () => {
    // recorded on Linux 6.18: the echo reply then waits for ARP (3 requests), as for any NETDEV_CHANGEADDR
    const box = await bridgeBox(2, true);
    box.ip(`neigh add ${H1.ip} lladdr ${H1.mac} dev br0 nud permanent`);
    expect(box.ip('neigh show dev br0').stdout).toContain(H1.mac);
    box.ip('link set p0 nomaster'); // br0 took p0's address (the lowest): now p1's
    expect(box.ip('neigh show dev br0').stdout).toBe('');
    const [echo] = box.replay([{ dev: 'p1', data: eth('02:d0:00:00:00:02', H1.mac, ETH_IP, ipv4({ src: H1.ip, dst: '192.0.2.1', proto: PROTO.ICMP, id: 5 }, echoRequest(1, 1, pattern(8)))) }]);
    expect(echo.out.map((o) => hex(o.data).slice(24, 28))).toEqual(['0806', '0806', '0806']);
  });

  it('only Ethernet devices become ports: a tun (ARPHRD_NONE) is refused with EINVAL, as Linux does', async () => {
    const box = await bridgeBox(1);
    box.ip('tuntap add tun0 mode tun');
    expect(box.ip('link set tun0 master br0')).toEqual({ status: 2, stdout: '', stderr: 'RTNETLINK answers: Invalid argument\n' });
    expect(box.ip('link show tun0').stdout).not.toContain('master');
  });

  it('ip -d link shows the bridge and bridge_slave details as iproute2 6.1 on Linux 6.18', async () => {
    // recorded: ip link add br0 address 02:00:00:00:00:01 type bridge; ip link add p0 address 02:00:00:00:00:0a
    // type veth peer name q0; ip link set p0 master br0; ip link set p0 up; ip -d link show br0; ip -d link show p0
    const box = await Box.create();
    for (const c of ['link add br0 address 02:00:00:00:00:01 type bridge', 'link add p0 address 02:00:00:00:00:0a type veth peer name q0',
      'link set p0 master br0', 'link set p0 up']) expect(box.ip(c).status).toBe(0);
    const tail = 'addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n';
    expect(box.ip('-d link show br0').stdout).toBe(
      '2: br0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
      '    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 \n' +
      '    bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 ' +
      'bridge_id 8000.2:0:0:0:0:1 designated_root 8000.2:0:0:0:0:1 root_port 0 root_path_cost 0 topology_change 0 ' +
      'topology_change_detected 0 hello_timer    0.00 tcn_timer    0.00 topology_change_timer    0.00 gc_timer    0.00 ' +
      'group_fwd_mask 0 group_address 01:80:c2:00:00:00 mcast_snooping 1 no_linklocal_learn 0 mcast_vlan_snooping 0 mcast_router 1 ' +
      'mcast_query_use_ifaddr 0 mcast_querier 0 mcast_hash_elasticity 16 mcast_hash_max 4096 mcast_last_member_count 2 ' +
      'mcast_startup_query_count 2 mcast_last_member_interval 100 mcast_membership_interval 26000 mcast_querier_interval 25500 ' +
      'mcast_query_interval 12500 mcast_query_response_interval 1000 mcast_startup_query_interval 3124 mcast_stats_enabled 0 ' +
      'mcast_igmp_version 2 mcast_mld_version 1 nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 ' + tail);
    expect(box.ip('-j -d link show p0').stdout).toBe(
      '[{"ifindex":4,"link":"q0","ifname":"p0","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"],"mtu":1500,' +
      '"qdisc":"noqueue","master":"br0","operstate":"LOWERLAYERDOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,' +
      '"link_type":"ether","address":"02:00:00:00:00:0a","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":1,"allmulti":1,' +
      '"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"veth","info_slave_kind":"bridge","info_slave_data":{' +
      '"state":"disabled","priority":32,"cost":2,"hairpin":false,"guard":false,"root_block":false,"fastleave":false,' +
      '"learning":true,"flood":true,"id":"0x8001","no":"0x1","designated_port":32769,"designated_cost":0,' +
      '"bridge_id":"8000.2:0:0:0:0:1","root_id":"8000.2:0:0:0:0:1","hold_timer":0.00,"message_age_timer":0.00,' +
      '"forward_delay_timer":0.00,"topology_change_ack":0,"config_pending":0,"proxy_arp":false,"proxy_arp_wifi":false,' +
      '"multicast_router":1,"mcast_flood":true,"bcast_flood":true,"mcast_to_unicast":false,"neigh_suppress":false,' +
      '"group_fwd_mask":"0","group_fwd_mask_str":"0x0","vlan_tunnel":false,"isolated":false,"locked":false}},' +
      '"inet6_addr_gen_mode":"eui64","num_tx_queues":2,"num_rx_queues":2,"gso_max_size":65536,"gso_max_segs":65535,' +
      '"tso_max_size":524280,"tso_max_segs":65535,"gro_max_size":65536}]\n');
    // the fdb gc work: 100 ms after the bridge opens, then every ageing_time (recorded right after up: 0.09)
    box.ip('link set br0 up');
    const gc = () => box.ip('-d link show br0').stdout.match(/gc_timer +([\d.]+)/)![1];
    box.run({ ns: 10e6 });
    expect(gc()).toBe('0.09');
    box.run({ ns: 1000e6 });
    expect(gc()).toBe('299.09'); // next run at 300.1 s
    box.ip('link set br0 down');
    expect(gc()).toBe('0.00');
  });

  it('counts on the ports and on br0 what ip -s link shows', async () => {
    const box = await bridgeBox(2, true);
    box.replay([{ dev: 'p0', data: who(H0, '192.0.2.200') }, { dev: 'p0', data: udpFrame(H0, '02:cc:00:00:00:01') }]);
    const p1 = box.link('p1').stats(), br = box.link('br0').stats();
    expect([p1.txPackets, p1.txBytes]).toEqual([2, 42 + 62]);
    expect([br.rxPackets, br.rxBytes]).toEqual([1, 28]);
    expect(box.ip('-s link show br0').stdout).toContain('            28       1      0       0       0       0 \n');
  });
});

describe('bridge with EMAC ports', () => {
  it('puts the NICs in promiscuous mode and bridges frames wire to wire', async () => {
    const box = await Box.create();
    box.ip('link add br0 type bridge');
    for (const [n, m] of [['eth0', '02:00:00:00:00:10'], ['eth1', '02:00:00:00:00:11']]) {
      box.ip(`link add ${n} address ${m} type emac`);
      box.ip(`link set ${n} master br0`);
      box.ip(`link set ${n} up`);
    }
    box.ip('link set br0 up');
    box.run({ ns: 5e9 });
    expect(box.ip('-d link show eth0').stdout).toContain('promiscuity 1  allmulti 1');
    const f = udpFrame(H0, H1.mac);
    const [r] = box.replay([{ dev: 'eth0', data: f }]);
    expect(r.out.map((o) => [o.dev, hex(o.data)])).toEqual([['eth1', hex(f)]]);
    expect(box.bridge('fdb show brport eth0').stdout).toContain(`${H0.mac} master br0 \n`);
  });
});
