// Seeded generator of bridge scenarios for the differential test against the
// kernel. The format is the packet differential's (test/pktdiff/gen.ts): the
// DUT has 2-4 veth ports enslaved to br0, maybe an address on br0, and the
// frames come from hosts behind the ports (fixed MACs): broadcast ARP (the
// bridge learns), unknown and known unicast, a host on the ingress port
// (no hairpin), multicast, link-local 01:80:c2:00:00:0X, invalid sources,
// frames to a port's or the bridge's own address, ARP and echo for br0,
// oversize frames for a smaller-MTU port, a host moving between ports.
import { Rng } from '../diff/gen.js';
import { ETH_ARP, ETH_IP, PROTO, arp, concat, echoRequest, eth, hex, ipv4, pattern, udp } from '../pktdiff/frames.js';
import type { Inject, PktScenario, PortDef, Step } from '../pktdiff/gen.js';

export const BR_GEN_VERSION = 1;

/** The DUT's baseline: bridge netfilter and IGMP reports off, no IPv4 forwarding or redirects. */
export const BRIDGE_BASELINE: [string, string][] = [
  ['net.bridge.bridge-nf-call-iptables', '0'], ['net.bridge.bridge-nf-call-arptables', '0'],
  ['net.bridge.bridge-nf-call-ip6tables', '0'], ['net.ipv4.igmp_link_local_mcast_reports', '0'],
  ['net.ipv4.ip_forward', '0'], ['net.ipv4.icmp_ratemask', '0'],
  ...['all', 'default'].flatMap((c): [string, string][] => [
    [`net.ipv4.conf.${c}.rp_filter`, '0'], [`net.ipv4.conf.${c}.send_redirects`, '0'], [`net.ipv4.conf.${c}.accept_local`, '0'],
    [`net.ipv4.conf.${c}.arp_ignore`, '0'], [`net.ipv4.conf.${c}.arp_announce`, '0'], [`net.ipv4.conf.${c}.arp_filter`, '0'],
    [`net.ipv4.conf.${c}.arp_notify`, '0'], [`net.ipv4.conf.${c}.arp_accept`, '0'], [`net.ipv4.conf.${c}.proxy_arp`, '0'],
    [`net.ipv4.conf.${c}.drop_gratuitous_arp`, '0'], [`net.ipv4.conf.${c}.route_localnet`, '0'],
  ]),
];

interface Host { mac: string; ip: string; port: number }
const BR_IP = '192.0.2.1';

export function generateBridge(seed: number): PktScenario {
  const rng = new Rng(seed);
  const n = rng.int(2, 4);
  const order = [1, 2, 3, 4].sort(() => rng.next() - 0.5);
  const ports: PortDef[] = [];
  for (let i = 0; i < n; i++) {
    ports.push({ name: `p${i}`, mac: `02:d0:00:00:00:0${order[i]}`, peerMac: `02:ee:00:00:00:0${i}` });
  }
  const steps: Step[] = BRIDGE_BASELINE.map(([k, v]) => ({ sysctl: [k, v] }));
  const brMac = rng.chance(0.2) ? '02:b0:00:00:00:09' : undefined;
  steps.push({ ip: brMac ? `link add br0 address ${brMac} type bridge` : 'link add br0 type bridge' });
  for (const p of ports) steps.push({ port: p });
  const small = rng.chance(0.4) ? rng.int(0, n - 1) : -1;
  const down = rng.chance(0.15) ? rng.int(0, n - 1) : -1;
  for (let i = 0; i < n; i++) {
    if (i === small) steps.push({ ip: `link set p${i} mtu ${rng.pick([1280, 1400])}` });
    steps.push({ ip: `link set p${i} master br0` });
    if (i !== down) steps.push({ ip: `link set p${i} up` });
  }
  steps.push({ ip: 'link set br0 up' });
  const hosts: Host[] = [];
  // hosts behind a port that is down cannot send (veth drops, the tester's send fails)
  for (let i = 0; i < n; i++) {
    if (i === down) continue;
    for (let k = 1; k <= rng.int(1, 3); k++) hosts.push({ mac: `02:a${i}:00:00:00:0${k}`, ip: `192.0.2.${10 + 10 * i + k}`, port: i });
  }
  const addressed = rng.chance(0.7);
  if (addressed) {
    steps.push({ ip: `addr add ${BR_IP}/24 dev br0` });
    for (const h of hosts) steps.push({ ip: `neigh add ${h.ip} lladdr ${h.mac} dev br0 nud permanent` });
  }
  const lowest = [...ports].sort((a, b) => a.mac.localeCompare(b.mac))[0].mac;
  const bridgeMac = brMac ?? lowest;

  const frames: Inject[] = [];
  let id = 1;
  const at = (h: Host) => `p${h.port}`;
  const udpTo = (src: Host, dstMac: string, dstIp: string, size = 18) =>
    eth(dstMac, src.mac, ETH_IP, ipv4({ src: src.ip, dst: dstIp, proto: PROTO.UDP, id: id++ }, udp(src.ip, dstIp, 40000 + id, 9, pattern(size, id))));
  const add = (port: string, b: Uint8Array, c: string) => frames.push({ port, hex: hex(b), case: c });
  const who = (h: Host, tpa: string) => eth('ff:ff:ff:ff:ff:ff', h.mac, ETH_ARP, arp({ op: 1, sha: h.mac, spa: h.ip, tha: '00:00:00:00:00:00', tpa }));
  const known = new Set<Host>();
  const learn = (h: Host) => { add(at(h), who(h, `192.0.2.${200 + rng.int(0, 50)}`), 'bcast-arp'); known.add(h); };
  // a few hosts introduce themselves first
  for (const h of hosts) if (rng.chance(0.6)) learn(h);
  const cases = 26 + rng.int(0, 10);
  for (let c = 0; c < cases; c++) {
    const h = rng.pick(hosts);
    const kind = rng.weighted<string>([
      [3, 'bcast-arp'], [4, 'ucast-unknown'], [6, 'ucast-known'], [2, 'ucast-same-port'], [2, 'mcast'], [1, 'mdns'],
      [1, 'stp-bpdu'], [1, 'pause'], [1, 'lldp'], [1, 'bad-src-mcast'], [1, 'bad-src-zero'], [1, 'to-other-port-mac'],
      [1, 'to-own-port-mac'], [3, 'arp-for-br'], [3, 'echo-br'], [1, 'br-mac-unknown-type'], [2, 'oversize'], [1, 'moved-host'],
    ]);
    const others = hosts.filter((x) => x.port !== h.port && known.has(x));
    const same = hosts.filter((x) => x !== h && x.port === h.port && known.has(x));
    switch (kind) {
      case 'bcast-arp': learn(h); break;
      case 'ucast-unknown': add(at(h), udpTo(h, `02:cc:00:00:00:${(10 + rng.int(0, 80)).toString(16)}`, '192.0.2.250'), kind); known.add(h); break;
      case 'ucast-known': {
        if (!others.length) { learn(h); break; }
        const d = rng.pick(others);
        add(at(h), udpTo(h, d.mac, d.ip), kind); known.add(h); break;
      }
      case 'ucast-same-port': {
        if (!same.length) { learn(h); break; }
        const d = rng.pick(same);
        add(at(h), udpTo(h, d.mac, d.ip), kind); known.add(h); break;
      }
      case 'mcast': add(at(h), udpTo(h, '01:00:5e:01:02:03', '239.1.2.3'), kind); known.add(h); break;
      case 'mdns': add(at(h), udpTo(h, '01:00:5e:00:00:fb', '224.0.0.251'), kind); known.add(h); break;
      case 'stp-bpdu': {
        // an 802.3 frame with an LLC header (DSAP/SSAP 0x42) and a config BPDU body
        const body = concat(new Uint8Array([0x42, 0x42, 0x03]), pattern(35, id++));
        add(at(h), concat(new Uint8Array(Buffer.from('0180c2000000' + h.mac.replace(/:/g, ''), 'hex')), new Uint8Array([0, body.length]), body), kind);
        known.add(h); break;
      }
      case 'pause': add(at(h), eth('01:80:c2:00:00:01', h.mac, 0x8808, concat(new Uint8Array([0, 1, 0, 0xff]), new Uint8Array(42))), kind); break;
      case 'lldp': add(at(h), eth('01:80:c2:00:00:0e', h.mac, 0x88cc, pattern(40, id++)), kind); known.add(h); break;
      case 'bad-src-mcast': add(at(h), udpTo({ ...h, mac: '03:00:00:00:00:01' }, 'ff:ff:ff:ff:ff:ff', '192.0.2.255'), kind); break;
      case 'bad-src-zero': add(at(h), udpTo({ ...h, mac: '00:00:00:00:00:00' }, 'ff:ff:ff:ff:ff:ff', '192.0.2.255'), kind); break;
      case 'to-other-port-mac': {
        const p = ports[(h.port + 1) % n]; // a port's address, even a port that is down
        add(at(h), eth(p.mac, h.mac, ETH_IP, ipv4({ src: h.ip, dst: BR_IP, proto: PROTO.ICMP, id: id++ }, echoRequest(7, id, pattern(16, id)))), kind);
        known.add(h); break;
      }
      case 'to-own-port-mac':
        add(at(h), eth(ports[h.port].mac, h.mac, ETH_IP, ipv4({ src: h.ip, dst: BR_IP, proto: PROTO.ICMP, id: id++ }, echoRequest(7, id, pattern(16, id)))), kind);
        known.add(h); break;
      case 'arp-for-br': add(at(h), who(h, BR_IP), kind); known.add(h); break;
      case 'echo-br':
        add(at(h), eth(bridgeMac, h.mac, ETH_IP, ipv4({ src: h.ip, dst: BR_IP, proto: PROTO.ICMP, id: id++ }, echoRequest(9, id, pattern(24, id)))), kind);
        known.add(h); break;
      case 'br-mac-unknown-type': add(at(h), eth(bridgeMac, h.mac, 0x88b5, pattern(46, id++)), kind); known.add(h); break;
      case 'oversize':
        // from a port with MTU 1500 (the smaller port's veth would refuse it on the way in)
        if (h.port === small) { learn(h); break; }
        add(at(h), udpTo(h, 'ff:ff:ff:ff:ff:ff', '192.0.2.255', 1340), kind); known.add(h); break;
      case 'moved-host': {
        let to = (h.port + 1) % n;
        if (to === down) to = (to + 1) % n;
        if (to === h.port) { learn(h); break; }
        const moved = { ...h, port: to };
        add(`p${to}`, who(moved, `192.0.2.${200 + rng.int(0, 50)}`), kind);
        h.port = to; known.add(h); break;
      }
    }
  }
  return { seed, gen: BR_GEN_VERSION, ports, steps, frames };
}
