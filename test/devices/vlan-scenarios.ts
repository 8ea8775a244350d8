// The packet scenarios of test/devices/vlan-packets.test.ts and how the
// kernel's answers are taken.
//
// The oracle kernel of this project (6.18, CONFIG_VLAN_8021Q not set) has no
// VLAN devices: `ip link add ... type vlan` answers "Unknown device type".
// So the VLAN device's packets are checked against the kernel in two ways:
//  - TRANSPARENT: the kernel answers the scenario with the addresses on the
//    untagged port p0 itself (ARP, ICMP echo, forwarding both ways). A VLAN
//    device changes nothing above the link layer (vlan_do_receive hands the
//    frame to the VLAN device, vlan_dev_hard_start_xmit adds the tag, the
//    VLAN device has p0's address), so netpath, with the addresses on
//    p0.10, must answer the same frames with tag 10 added to each frame on p0
//    and to nothing else.
//  - UNKNOWN_VID: tagged frames to a port with no VLAN device of their id:
//    the kernel's own path (skb_vlan_untag, vlan_do_receive finds none,
//    check_vlan_id makes a VLAN id other than 0 PACKET_OTHERHOST, then ip_rcv
//    drops it and counts rx_otherhost_dropped; arp_rcv consumes it; VLAN 0,
//    a priority tag, is received on p0 itself). That path is the same with
//    or without 8021q, so the live kernel answers it exactly; netpath runs
//    it with a VLAN device of another id (10) on p0.
import { arp, echoRequest, eth, hex, ipv4, pattern, udp, PROTO, ETH_ARP, ETH_IP } from '../pktdiff/frames.js';
import type { PktScenario, Step } from '../pktdiff/gen.js';

export const P0 = { name: 'p0', mac: '02:00:00:00:00:01', peerMac: '02:00:00:00:00:02' };
export const P1 = { name: 'p1', mac: '02:00:00:00:01:01', peerMac: '02:00:00:00:01:02' };
export const VID = 10;

/** The frame with an 802.1Q (or 802.1ad) tag after its MAC addresses. */
export function tagged(frameHex: string, vid: number, tpid = 0x8100): string {
  return frameHex.slice(0, 24) + tpid.toString(16).padStart(4, '0') + vid.toString(16).padStart(4, '0') + frameHex.slice(24);
}

const HOST0 = '192.0.2.2', HOST1 = '198.51.100.2';
const setup = (dev0: string): Step[] => [
  { sysctl: ['net.ipv4.conf.all.forwarding', '1'] },
  { ip: `addr add 192.0.2.1/24 dev ${dev0}` },
  { ip: 'addr add 198.51.100.1/24 dev p1' },
  { ip: `neigh add ${HOST0} lladdr ${P0.peerMac} dev ${dev0} nud permanent` },
  { ip: `neigh add ${HOST1} lladdr ${P1.peerMac} dev p1 nud permanent` },
];
const up = (devs: string[]): Step[] => devs.map((d) => ({ ip: `link set ${d} up` }));

const f = {
  arpReq: hex(eth('ff:ff:ff:ff:ff:ff', P0.peerMac, ETH_ARP, arp({ op: 1, sha: P0.peerMac, spa: '192.0.2.3', tha: '00:00:00:00:00:00', tpa: '192.0.2.1' }))),
  echo: hex(eth(P0.mac, P0.peerMac, ETH_IP, ipv4({ src: HOST0, dst: '192.0.2.1', proto: PROTO.ICMP, id: 0x1111 }, echoRequest(0x77, 1, pattern(56))))),
  echoOther: hex(eth(P0.mac, P0.peerMac, ETH_IP, ipv4({ src: HOST0, dst: '198.51.100.1', proto: PROTO.ICMP, id: 0x2222 }, echoRequest(0x78, 2, pattern(24))))),
  fwdOut: hex(eth(P0.mac, P0.peerMac, ETH_IP, ipv4({ src: HOST0, dst: HOST1, proto: PROTO.UDP, id: 0x3333 }, udp(HOST0, HOST1, 4000, 5000, pattern(40))))),
  toUnresolved: hex(eth(P1.mac, P1.peerMac, ETH_IP, ipv4({ src: HOST1, dst: '192.0.2.5', proto: PROTO.UDP, id: 0x5555 }, udp(HOST1, '192.0.2.5', 5001, 4001, pattern(20))))),
  arpReply: hex(eth(P0.mac, '02:00:00:00:00:05', ETH_ARP, arp({ op: 2, sha: '02:00:00:00:00:05', spa: '192.0.2.5', tha: P0.mac, tpa: '192.0.2.1' }))),
  fwdIn: hex(eth(P1.mac, P1.peerMac, ETH_IP, ipv4({ src: HOST1, dst: HOST0, proto: PROTO.UDP, id: 0x4444 }, udp(HOST1, HOST0, 5000, 4000, pattern(33))))),
};

/** TRANSPARENT, as the kernel runs it: everything on the untagged p0. */
export const TRANSPARENT_KERNEL: PktScenario = {
  seed: 0, gen: 0, ports: [P0, P1],
  steps: [{ port: P0 }, { port: P1 }, ...setup('p0'), ...up(['lo', 'p0', 'p1'])],
  frames: [
    { port: 'p0', hex: f.arpReq, case: 'arp request for the address' },
    { port: 'p0', hex: f.echo, case: 'icmp echo to the address' },
    { port: 'p0', hex: f.echoOther, case: 'icmp echo to the other port\'s address' },
    { port: 'p0', hex: f.fwdOut, case: 'forwarded to the untagged port' },
    { port: 'p1', hex: f.fwdIn, case: 'forwarded from the untagged port' },
    { port: 'p1', hex: f.toUnresolved, case: 'forwarded to an unresolved host: the ARP request' },
    { port: 'p0', hex: f.arpReply, case: 'the ARP reply: the queued packet goes out' },
  ],
};

/** TRANSPARENT, as netpath runs it: the addresses on p0.10, the frames on p0 tagged. */
export function transparentVlan(tpid = 0x8100): PktScenario {
  const proto = tpid === 0x88a8 ? ' protocol 802.1ad' : '';
  return {
    ...TRANSPARENT_KERNEL,
    steps: [{ port: P0 }, { port: P1 }, { ip: `link add link p0 name p0.${VID} type vlan${proto} id ${VID}` }, ...setup(`p0.${VID}`),
      ...up(['lo', 'p0', 'p1', `p0.${VID}`])],
    frames: TRANSPARENT_KERNEL.frames.map((x) => (x.port === 'p0' ? { ...x, hex: tagged(x.hex, VID, tpid) } : x)),
  };
}

/** UNKNOWN_VID frames: tagged 20 (no such VLAN device), and 0 (a priority tag: p0 itself). */
export const UNKNOWN_VID_FRAMES = [
  { port: 'p0', hex: tagged(f.arpReq, 20), case: 'arp request, unknown vid' },
  { port: 'p0', hex: tagged(f.echo, 20), case: 'icmp echo, unknown vid' },
  { port: 'p0', hex: tagged(f.fwdOut, 20), case: 'to forward, unknown vid' },
  { port: 'p0', hex: tagged(f.arpReq, 0), case: 'arp request, priority tag (vid 0)' },
  { port: 'p0', hex: tagged(f.echo, 0), case: 'icmp echo, priority tag (vid 0)' },
];
export const UNKNOWN_VID_KERNEL: PktScenario = { ...TRANSPARENT_KERNEL, frames: UNKNOWN_VID_FRAMES };
export const UNKNOWN_VID_NETPATH: PktScenario = {
  ...TRANSPARENT_KERNEL,
  steps: [...TRANSPARENT_KERNEL.steps, { ip: `link add link p0 name p0.${VID} type vlan id ${VID}` }, { ip: `link set p0.${VID} up` }],
  frames: UNKNOWN_VID_FRAMES,
};

import { netnsAdd, netnsDel } from '../util/netns.js';
import { addPort, ipBatch, must, sysctls, Helper, QUIET_MS, ARP_QUIET_MS, MAX_MS } from '../pktdiff/kernel.js';

/** `ip -s -s -j link show DEV`'s stats64 of each port, after the scenario's frames (the kernel: a fresh run). */
export type PortStats = Record<string, unknown>;
export async function kernelPortStats(sc: PktScenario): Promise<PortStats> {
  const dut = await netnsAdd('np-vlan');
  let tester: string | undefined;
  let h: Helper | undefined;
  try {
    tester = await netnsAdd('np-vlan');
    for (const ns of [dut, tester]) await sysctls(ns, [['net.ipv6.conf.all.disable_ipv6', '1'], ['net.ipv6.conf.default.disable_ipv6', '1']]);
    await sysctls(tester, [['net.ipv4.conf.all.forwarding', '0'], ['net.ipv4.conf.default.forwarding', '0']]);
    for (const s of sc.steps) {
      if ('port' in s) await addPort(dut, tester, s.port);
      else if ('sysctl' in s) await sysctls(dut, [s.sysctl]);
      else await ipBatch(dut, [s.ip]);
    }
    const names = sc.ports.map((p) => p.name);
    h = await Helper.start(tester, names.map((n) => `t${n}`));
    for (const f of sc.frames) {
      await h.ask({ op: 'send', port: names.indexOf(f.port), hex: f.hex, quiet: QUIET_MS, arpQuiet: ARP_QUIET_MS, max: MAX_MS }, MAX_MS + 10_000);
    }
    const out: PortStats = {};
    for (const n of names) out[n] = (JSON.parse(await must('ip', ['-n', dut, '-s', '-s', '-j', 'link', 'show', n])) as { stats64: unknown }[])[0].stats64;
    return out;
  } finally {
    await h?.stop();
    if (tester) await netnsDel(tester);
    await netnsDel(dut);
  }
}
