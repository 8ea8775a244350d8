// Seeded generator of packet scenarios for the packet-level differential test
// against the kernel (see README.md in this directory for the format).
//
// A scenario is a router ("DUT") configuration plus a list of Ethernet frames
// to inject, each on one of the DUT's ports. Every port is a veth pair whose
// other end sits in a tester namespace; the tester injects the frames and
// captures everything the DUT sends out of any port.
//
// The configuration is a list of steps run in order in the DUT:
//   { sysctl: ["net.ipv4.ip_forward", "1"] }      one sysctl write (must succeed)
//   { port: { name, mac, peerMac } }              a port: a veth end in the DUT, its peer in the tester
//   { ip: "route add 198.18.7.0/24 via 192.0.2.20 dev p0" }   one `ip -4` command (must succeed)
//
// Everything is drawn from one seeded PRNG, so a seed always yields the same
// scenario for a given PKT_GEN_VERSION; fixtures store the scenario itself.
import { Rng, ipToNum, numToIp } from '../diff/gen.js';
import {
  type Bytes, ETH_ARP, ETH_IP, PROTO, TCP, arp, concat, echoRequest, eth, fragment, hex, icmp, ipopt, ipv4, mcastMac, pattern, synOptions, tcp, udp,
  type Ip4Opts,
} from './frames.js';

export const PKT_GEN_VERSION = 3;

export interface PortDef { name: string; mac: string; peerMac: string }
/** an ip step runs under -4 unless `family: 'unspec'` (a nexthop group is AF_UNSPEC, which -4 would not let it be) */
export type Step = { ip: string; family?: 'unspec' } | { sysctl: [string, string] } | { port: PortDef };
export interface Inject {
  /** ingress port (a DUT device name) */
  port: string;
  /** the whole Ethernet frame */
  hex: string;
  /** case name, e.g. "fwd-udp", "ttl1", "arp-request-dut" */
  case: string;
  /** what the generator meant (not a prediction of the outcome) */
  note?: string;
}
export interface PktScenario { seed: number; gen: number; ports: PortDef[]; steps: Step[]; frames: Inject[] }

// ---------------------------------------------------------------- addresses
const maskOf = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
interface Net { net: number; len: number }
const fmt = (n: Net): string => `${numToIp(n.net)}/${n.len}`;
const inNet = (a: number, n: Net): boolean => ((a & maskOf(n.len)) >>> 0) === n.net;
const bcast = (n: Net): number => (n.net | ~maskOf(n.len)) >>> 0;
/** The only ranges addresses come from (RFC 5737, RFC 2544). */
export const ALLOWED: Net[] = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/15'].map((s) => {
  const [a, l] = s.split('/');
  return { net: ipToNum(a), len: Number(l) };
});
/** Addresses the martian/multicast/broadcast cases use on purpose, outside ALLOWED. */
export const SPECIAL = ['0.0.0.0', '127.0.0.1', '127.1.2.3', '224.0.0.1', '224.0.0.5', '224.0.0.251', '239.1.2.3', '255.255.255.255'];

interface Host { ip: string; mac: string }
interface Port {
  i: number;
  name: string;
  mac: string;
  peerMac: string;
  subnet: Net;
  addr: string;
  secondary?: string;
  /** a second subnet on the port (198.18.150+i.0/24): the DUT's address in it and a host there */
  second?: { addr: string; net: Net; host: Host };
  hosts: Host[]; // static neighbour entries (the first is the gateway)
  silent: string[]; // on-link addresses with no neighbour entry: forwarding to them makes the DUT ARP (0, 1), ARP requests for one (2), a sender the DUT answers (3), gratuitous ARP (4)
  silentMac: string; // the MAC the silent senders (3, 4) use
  remotes: Net[]; // networks routed via this port's gateway
  srcNet: Net; // remote sources behind this port's gateway (routed back via it)
  mtu: number;
  rr: number; // round robin over hosts
  srcNext: number; // next fresh remote source
}

const macOf = (a: number, b: number, c: number, d: number, e: number): string =>
  ['02', a, b, c, d, e].map((x) => (typeof x === 'string' ? x : (x & 255).toString(16).padStart(2, '0'))).join(':');

class Model {
  ports: Port[] = [];
  steps: Step[] = [];
  frames: Inject[] = [];
  errNets: { net: Net; type: string }[] = [];
  noRoute: Net = { net: ipToNum('198.19.254.0'), len: 24 };
  hasDefault = false;
  forwarding = true;
  ipId: number;
  policySrc?: Net;
  policyIif?: string;
  markNets: { net: Net; rule: string }[] = []; // networks a fwmark rule's table routes (policy-fwmark aims at them); rule: selector and route kind, K for the random mark
  silentUsed = 0;
  /** per-device conf the generator drew: key -> [all, default, { port: value }] */
  conf = new Map<string, { all: number; dflt: number; port: Map<string, number> }>();
  constructor(readonly r: Rng, readonly seed: number) { this.ipId = r.int(1, 60000); }

  ip(s: string) { this.steps.push({ ip: s }); }
  sysctl(k: string, v: string | number) { this.steps.push({ sysctl: [k, String(v)] }); }
  nextId(): number { this.ipId = (this.ipId + this.r.int(1, 97)) & 0xffff; return this.ipId; }

  other(p: Port): Port { const o = this.ports.filter((q) => q !== p); return this.r.pick(o); }
  host(p: Port): Host { const h = p.hosts[p.rr++ % p.hosts.length]; return h; }
  gw(p: Port): Host { return p.hosts[0]; }
  /** A fresh source address behind p's gateway (never reused in a scenario). */
  remoteSrc(p: Port): Host { const a = p.srcNet.net + 1 + (p.srcNext++ % 250); return { ip: numToIp(a), mac: this.gw(p).mac }; }
  /** A source on p: an on-link host, or (sometimes) a fresh remote one behind p's gateway. */
  src(p: Port, remote = 0.3): Host { return this.r.chance(remote) ? this.remoteSrc(p) : this.host(p); }
  /** A unicast destination the DUT can reach without ARP: a static host on q, or an address in one of q's remote networks. */
  dst(q: Port): string {
    if (this.r.chance(0.5)) return this.host(q).ip;
    const n = this.r.pick(q.remotes);
    return numToIp(n.net + this.r.int(1, Math.min(250, 2 ** (32 - n.len) - 2)));
  }
  emit(p: Port, frame: Bytes, kase: string, note?: string) {
    this.frames.push({ port: p.name, hex: hex(frame), case: kase, ...(note ? { note } : {}) });
  }
  /** Puts what the case drew in front of the last frame's note ("kind: src -> dst pA->pB"). */
  prefixNote(what: string) { const f = this.frames[this.frames.length - 1]; f.note = `${what}: ${f.note}`; }
  /** An IP frame from `s` (its MAC) into port p, to the DUT's MAC unless `l2dst`. */
  ipFrame(p: Port, s: Host, o: Omit<Ip4Opts, 'src'> & { src?: string }, payload: Bytes, l2dst?: string): Bytes {
    return eth(l2dst ?? p.mac, s.mac, ETH_IP, ipv4({ id: this.nextId(), ...o, src: o.src ?? s.ip }, payload));
  }
}

// ---------------------------------------------------------------- configuration
/** Per-device conf knobs drawn per scenario: key, values for conf/all, for conf/default, for a port's own, chance a port has its own. */
const CONF_KNOBS: [string, number[], number[], number[], number][] = [
  ['route_localnet', [0, 0, 0, 1], [0, 0, 1], [0, 1], 0.25],
  ['accept_source_route', [0, 1, 1, 1], [0, 1, 1], [0, 1, 1], 0.3],
  ['bc_forwarding', [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1], 0.3],
  ['proxy_arp', [0, 0, 1], [0, 0, 1], [0, 1, 1], 0.3],
  ['arp_ignore', [0, 0, 1, 2, 8, 8], [0, 1, 2, 8], [0, 1, 2, 8], 0.6],
  ['arp_announce', [0, 0, 1, 2], [0, 1, 2], [0, 1, 2], 0.3],
  ['arp_filter', [0, 0, 0, 1], [0, 0, 1], [0, 1], 0.25],
  ['arp_accept', [0, 0, 1, 2], [0, 1, 2], [0, 1, 2], 0.3],
  ['drop_gratuitous_arp', [0, 0, 0, 1], [0, 0, 1], [0, 1], 0.25],
  ['shared_media', [1, 1, 0], [1, 1, 0], [0, 1], 0.25],
];

function configure(m: Model) {
  const r = m.r;
  const n = r.int(2, 4);
  // subnets: the three /24 documentation nets and /24s of the benchmark /15 (198.18.0-99.x)
  const pool = ['192.0.2.0', '198.51.100.0', '203.0.113.0', ...Array.from({ length: 6 }, () => `198.18.${r.int(0, 99)}.0`)];
  const chosen: number[] = [];
  while (chosen.length < n) {
    const c = ipToNum(r.pick(pool));
    if (!chosen.includes(c)) chosen.push(c);
  }
  const sb = r.int(1, 250);
  let remoteNext = r.int(100, 180);
  const mtuPort = r.chance(0.75) ? r.int(0, n - 1) : -1;
  for (let i = 0; i < n; i++) {
    const len = r.weighted([[6, 24], [2, 25], [2, 26], [1, 27], [1, 28]] as const);
    const base = chosen[i];
    const subnet = { net: (base + (len > 24 ? r.int(0, 2 ** (len - 24) - 1) * 2 ** (32 - len) : 0)) >>> 0, len };
    const size = 2 ** (32 - len);
    const used = new Set<number>();
    const take = (): number => { let a; do a = subnet.net + r.int(1, size - 2); while (used.has(a)); used.add(a); return a; };
    const addr = r.chance(0.6) ? (used.add(subnet.net + 1), subnet.net + 1) : take();
    const hosts: Host[] = [];
    const nh = r.int(3, Math.min(6, size - 6));
    for (let h = 0; h < nh; h++) hosts.push({ ip: numToIp(take()), mac: macOf(0xa0 + i, sb, h, r.int(0, 255), r.int(0, 255)) });
    const silent = [numToIp(take()), numToIp(take()), numToIp(take()), numToIp(take()), numToIp(take())];
    const remotes: Net[] = [];
    for (let k = r.int(1, 2); k > 0; k--) remotes.push({ net: ipToNum(`198.19.${remoteNext++}.0`), len: 24 });
    const srcNet = { net: ipToNum(`198.19.${remoteNext++}.0`), len: 24 };
    m.ports.push({
      i, name: `p${i}`, mac: macOf(0xd0, sb, r.int(0, 255), r.int(0, 255), i), peerMac: macOf(0xee, sb, 0, 0, i),
      subnet, addr: numToIp(addr), hosts, silent, silentMac: macOf(0xb0 + i, sb, 9, r.int(0, 255), r.int(0, 255)), remotes, srcNet,
      secondary: r.chance(0.2) ? numToIp(take()) : undefined,
      mtu: i === mtuPort ? r.pick([576, 680, 900, 1000, 1280]) : 1500, rr: r.int(0, 5), srcNext: 0,
    });
    if (r.chance(0.35)) {
      const net = { net: ipToNum(`198.18.${150 + i}.0`), len: 24 };
      m.ports[i].second = { addr: numToIp(net.net + 1), net, host: { ip: numToIp(net.net + r.int(2, 250)), mac: macOf(0xc0 + i, sb, 7, r.int(0, 255), r.int(0, 255)) } };
    }
  }

  // baseline sysctls: conf/all and conf/default are inherited from the host's
  // namespace by a new one, so every key that changes the datapath is set
  m.forwarding = r.chance(0.88);
  m.sysctl('net.ipv4.ip_forward', m.forwarding ? 1 : 0);
  // pinned: arp_notify and drop_unicast_in_l2_multicast (the device differential varies them), martian
  // logging, src_valid_mark (no marks from the wire), and redirect acceptance (the DUT is never sent a
  // redirect: accept_redirects/secure_redirects only decide whether one would be taken)
  const fixed: [string, number][] = [
    ['arp_notify', 0], ['drop_unicast_in_l2_multicast', 0], ['log_martians', 0], ['src_valid_mark', 0],
    ['accept_redirects', 0], ['secure_redirects', 1],
  ];
  for (const scope of ['all', 'default']) for (const [k, v] of fixed) m.sysctl(`net.ipv4.conf.${scope}.${k}`, v);
  // drawn: conf/all, conf/default (what a new port starts with) and, below, some ports' own value
  for (const [k, all, dflt] of CONF_KNOBS) {
    const c = { all: r.pick(all), dflt: r.pick(dflt), port: new Map<string, number>() };
    m.conf.set(k, c);
    m.sysctl(`net.ipv4.conf.all.${k}`, c.all);
    m.sysctl(`net.ipv4.conf.default.${k}`, c.dflt);
  }
  const rp = r.weighted([[4, 0], [3, 1], [2, 2]] as const);
  m.sysctl('net.ipv4.conf.all.rp_filter', rp);
  m.sysctl('net.ipv4.conf.default.rp_filter', 0);
  m.sysctl('net.ipv4.conf.all.send_redirects', r.chance(0.7) ? 1 : 0);
  m.sysctl('net.ipv4.conf.default.send_redirects', 1);
  m.sysctl('net.ipv4.conf.all.accept_local', r.chance(0.2) ? 1 : 0);
  m.sysctl('net.ipv4.conf.default.accept_local', 0);
  // ICMP. Rate limits: icmp_ratemask 0 exempts every type from both the global and the per-destination
  // bucket. Otherwise only limits whose outcome does not depend on when, to the jiffy, frames arrive:
  // icmp_ratelimit 30 s or 60 s, whose bucket (6 tokens, a new peer starting with 60 s worth) lets
  // exactly 2 / 1 errors through to a destination and nothing more within a scenario; the global one
  // (50 credits refilled at 1000/s) never runs dry at one or two messages per frame 30 ms apart. Left
  // out: the default 1 s (a token comes back every 250 jiffies: whether the 7th error of frames 30 ms
  // apart passes depends on the exact jiffies between them) and 0 (a limited error in a later jiffy
  // empties the peer's tokens, which ip_error()'s bucket shares: whether a route error from that host
  // about a second later is answered then depends on the exact jiffies too).
  const mask = r.weighted([[5, 0], [2, 0x1818], [1, 0x0808], [1, 0x1800], [1, 0x0809]] as const);
  m.sysctl('net.ipv4.icmp_ratemask', mask);
  m.sysctl('net.ipv4.icmp_ratelimit', mask ? r.pick([30000, 60000]) : 1000);
  m.sysctl('net.ipv4.icmp_msgs_per_sec', 1000);
  m.sysctl('net.ipv4.icmp_msgs_burst', 50);
  m.sysctl('net.ipv4.icmp_echo_ignore_broadcasts', r.chance(0.65) ? 1 : 0);
  m.sysctl('net.ipv4.icmp_echo_ignore_all', r.chance(0.12) ? 1 : 0);
  m.sysctl('net.ipv4.icmp_errors_use_inbound_ifaddr', r.chance(0.35) ? 1 : 0);
  m.sysctl('net.ipv4.ip_default_ttl', r.pick([64, 64, 64, 1, 2, 30, 128, 255]));
  // no socket in the DUT learns a path MTU, so ip_no_pmtu_disc has nothing to change here (pinned)
  m.sysctl('net.ipv4.ip_no_pmtu_disc', 0);
  // incomplete reassembly queues never time out within a scenario
  m.sysctl('net.ipv4.ipfrag_time', 3600);

  m.ip('link set lo up');
  for (const p of m.ports) m.steps.push({ port: { name: p.name, mac: p.mac, peerMac: p.peerMac } });
  for (const p of m.ports) {
    // neighbour resolution: 3 broadcast probes 100 ms apart, then failure
    // proxy ARP answers at once (proxy_delay 0: otherwise a broadcast request waits a random time up to
    // 0.8 s); an entry learnt from an ARP packet and then used stays in DELAY for the whole scenario
    // (no unicast probes at a later, unpredictable moment)
    for (const [k, v] of [['retrans_time_ms', 100], ['mcast_solicit', 3], ['ucast_solicit', 3], ['app_solicit', 0], ['mcast_resolicit', 0], ['unres_qlen_bytes', 212992],
      ['proxy_delay', 0], ['delay_first_probe_time', 60]] as const) {
      m.sysctl(`net.ipv4.neigh.${p.name}.${k}`, v);
    }
    for (const [k, , , vals, chance] of CONF_KNOBS) {
      if (!r.chance(chance)) continue;
      const v = r.pick(vals);
      m.conf.get(k)!.port.set(p.name, v);
      m.sysctl(`net.ipv4.conf.${p.name}.${k}`, v);
    }
    if (r.chance(0.25)) m.sysctl(`net.ipv4.conf.${p.name}.rp_filter`, r.int(0, 2));
    if (r.chance(0.25)) m.sysctl(`net.ipv4.conf.${p.name}.send_redirects`, r.int(0, 1));
    if (r.chance(0.15)) m.sysctl(`net.ipv4.conf.${p.name}.accept_local`, 1);
    if (!m.forwarding && r.chance(0.3)) m.sysctl(`net.ipv4.conf.${p.name}.forwarding`, 1);
    if (p.mtu !== 1500) m.ip(`link set ${p.name} mtu ${p.mtu}`);
    m.ip(`link set ${p.name} up`);
    m.ip(`addr add ${p.addr}/${p.subnet.len} dev ${p.name}`);
    if (p.secondary) m.ip(`addr add ${p.secondary}/${p.subnet.len} dev ${p.name}`);
    if (p.second) m.ip(`addr add ${p.second.addr}/24 dev ${p.name}`);
    for (const h of p.hosts) m.ip(`neigh add ${h.ip} lladdr ${h.mac} dev ${p.name} nud permanent`);
    if (p.second) m.ip(`neigh add ${p.second.host.ip} lladdr ${p.second.host.mac} dev ${p.name} nud permanent`);
  }
  for (const p of m.ports) {
    for (const net of [...p.remotes, p.srcNet]) m.ip(`route add ${fmt(net)} via ${m.gw(p).ip} dev ${p.name}`);
    // error routes inside a remote network, and standalone ones
    for (const net of p.remotes) {
      if (r.chance(0.5)) {
        const type = r.pick(['blackhole', 'prohibit', 'unreachable']);
        const len = r.pick([25, 26, 28, 32]);
        const e = { net: (net.net + r.int(0, 2 ** (len - 24) - 1) * 2 ** (32 - len)) >>> 0, len };
        m.ip(`route add ${type} ${len === 32 ? numToIp(e.net) : fmt(e)}`);
        m.errNets.push({ net: e, type });
      }
    }
  }
  for (const type of ['blackhole', 'prohibit', 'unreachable']) {
    let e: Net;
    do e = { net: ipToNum(`198.19.${r.int(200, 249)}.0`), len: 24 }; while (m.errNets.some((x) => x.net.net === e.net));
    m.ip(`route add ${type} ${fmt(e)}`);
    m.errNets.push({ net: e, type });
  }
  if (r.chance(0.35)) { m.hasDefault = true; m.ip(`route add default via ${m.gw(r.pick(m.ports)).ip}`); }

  // policy routing: by source, by ingress device, and by fwmark (a mark cannot
  // come from the wire: those rules must never match forwarded traffic, and
  // `not fwmark` ones always do)
  if (r.chance(0.7)) {
    const p = r.pick(m.ports), q = m.other(p);
    m.policySrc = r.chance(0.5) ? p.srcNet : { net: ipToNum(p.hosts[1].ip), len: 32 };
    m.ip(`rule add pref ${r.int(100, 199)} from ${fmt(m.policySrc)} table 100`);
    const errNet = r.pick(q.remotes);
    for (const dnet of [...q.remotes, ...p.remotes]) {
      if (dnet !== errNet && r.chance(0.5)) m.ip(`route add ${fmt(dnet)} via ${m.gw(m.other(q)).ip} table 100`);
    }
    m.ip(`route add ${r.pick(['unreachable', 'prohibit', 'blackhole'])} ${fmt(errNet)} table 100`);
    if (r.chance(0.5)) m.ip(`route add default via ${m.gw(q).ip} table 100`);
  }
  if (r.chance(0.5)) {
    const p = r.pick(m.ports), q = m.other(p);
    m.policyIif = p.name;
    m.ip(`rule add pref ${r.int(200, 299)} iif ${p.name} table 101`);
    const how = r.pick(['prohibit', 'unreachable', 'via']);
    const net = fmt(r.pick(q.remotes));
    m.ip(how === 'via' ? `route add ${net} via ${m.gw(m.other(q)).ip} table 101` : `route add ${how} ${net} table 101`);
  }
  // fwmark: mark 0 matches a rule only through its mask (0/0xffffffff; a
  // mark with no bit inside its mask; mask 0; a bare 0, which has no mask and
  // matches every mark). One such rule, before the others, sends one remote
  // network to table 104; or a look-alike that mark 0 does not match.
  {
    const sel = r.pick(['fwmark 0/0xffffffff', 'fwmark 0', 'fwmark K00/0xff', 'fwmark K/0', 'fwmark K/0xff', 'fwmark K', 'not fwmark 0/0xffffffff', 'not fwmark K00/0xff']);
    const q = r.pick(m.ports), net = r.pick(q.remotes);
    const how = r.pick(['via', 'via', 'prohibit', 'unreachable', 'blackhole']);
    m.markNets.push({ net, rule: `${sel}, ${how}` });
    m.ip(`rule add pref ${r.int(50, 99)} ${sel.replace('K', `0x${r.int(1, 255).toString(16)}`)} table 104`);
    m.ip(how === 'via' ? `route add ${fmt(net)} via ${m.gw(m.other(q)).ip} table 104` : `route add ${how} ${fmt(net)} table 104`);
  }
  if (r.chance(0.5)) {
    m.ip(`rule add pref ${r.int(300, 399)} fwmark 0x${r.int(1, 255).toString(16)} table 102`);
    m.ip('route add blackhole default table 102');
  }
  if (r.chance(0.3)) {
    const q = r.pick(m.ports);
    m.ip(`rule add pref ${r.int(400, 499)} not fwmark 0x${r.int(1, 255).toString(16)} table 103`);
    const net = r.pick(q.remotes), how = r.pick(['prohibit', 'via']);
    m.markNets.push({ net, rule: `not fwmark K, ${how}` });
    m.ip(how === 'prohibit' ? `route add prohibit ${fmt(net)} table 103` : `route add ${fmt(net)} via ${m.gw(m.other(q)).ip} table 103`);
  }
  if (r.chance(0.3)) {
    const p = r.pick(m.ports);
    m.ip(`rule add pref ${r.int(500, 599)} from ${fmt({ net: p.srcNet.net + 128, len: 25 })} ${r.pick(['prohibit', 'unreachable', 'blackhole'])}`);
  }
}

// ---------------------------------------------------------------- cases
type CaseFn = (m: Model) => void;
const sport = (r: Rng) => r.int(1024, 65000);
const data = (r: Rng, lo = 0, hi = 48) => pattern(r.int(lo, hi), r.int(0, 255));
const closedPort = (r: Rng) => r.pick([9, 7, 33434 + r.int(0, 30), 4321, 5000]);
const dutAddr = (m: Model, p: Port): string => (p.secondary && m.r.chance(0.3) ? p.secondary : p.addr);

function l4(m: Model, proto: 'udp' | 'tcp' | 'icmp' | 'other', s: string, d: string, o: { bad?: boolean; big?: number } = {}): { proto: number; payload: Bytes } {
  const r = m.r;
  const body = o.big !== undefined ? pattern(o.big, r.int(0, 255)) : data(r);
  if (proto === 'udp') return { proto: PROTO.UDP, payload: udp(s, d, sport(r), r.int(1, 65535), body, o) };
  if (proto === 'tcp') {
    const syn = r.chance(0.5);
    return {
      proto: PROTO.TCP, payload: tcp(s, d, {
        sport: sport(r), dport: r.pick([22, 80, 443, r.int(1, 65535)]), seq: r.int(0, 2 ** 32 - 1), ack: syn ? 0 : r.int(0, 2 ** 32 - 1),
        flags: syn ? TCP.SYN : TCP.ACK | (r.chance(0.5) ? TCP.PSH : 0), options: syn ? synOptions() : undefined, data: syn ? undefined : body, bad: o.bad,
      }),
    };
  }
  if (proto === 'icmp') return { proto: PROTO.ICMP, payload: echoRequest(r.int(0, 65535), r.int(0, 65535), body, o) };
  return { proto: r.pick([253, 254, 143, 99]), payload: body };
}

/** A forwarded packet of any protocol from a host on p to a destination behind another port. */
function fwd(m: Model, kase: string, proto: 'udp' | 'tcp' | 'icmp' | 'other', extra: Partial<Ip4Opts> = {}, o: { bad?: boolean; big?: number; q?: Port; d?: string; s?: Host; p?: Port } = {}) {
  const r = m.r;
  const p = o.p ?? r.pick(m.ports);
  const q = o.q ?? m.other(p);
  const s = o.s ?? m.src(p);
  const d = o.d ?? m.dst(q);
  const x = l4(m, proto, s.ip, d, o);
  m.emit(p, m.ipFrame(p, s, { dst: d, proto: x.proto, ttl: r.int(2, 64), tos: r.pick([0, 0, 0, 0x10, 0xb8, 0x02]), ...extra }, x.payload), kase, `${s.ip} -> ${d} ${p.name}->${q.name}`);
}

function toDut(m: Model, kase: string, proto: 'udp' | 'tcp' | 'icmp' | 'other', extra: Partial<Ip4Opts> = {}, o: { bad?: boolean; anyPort?: boolean } = {}) {
  const r = m.r;
  const p = r.pick(m.ports);
  const target = o.anyPort && r.chance(0.5) ? m.other(p) : p;
  const s = m.src(p, 0.25);
  const d = dutAddr(m, target);
  const r2 = l4(m, proto, s.ip, d, o);
  let payload = r2.payload;
  if (proto === 'udp' || proto === 'tcp') {
    // aim at a closed port (nothing listens in the DUT)
    payload = proto === 'udp' ? udp(s.ip, d, sport(r), closedPort(r), data(r), o)
      : tcp(s.ip, d, { sport: sport(r), dport: closedPort(r), seq: r.int(0, 2 ** 32 - 1), ack: kase.includes('ack') ? r.int(1, 2 ** 32 - 1) : 0, flags: kase.includes('ack') ? TCP.ACK : TCP.SYN, options: kase.includes('ack') ? undefined : synOptions(), bad: o.bad });
  }
  m.emit(p, m.ipFrame(p, s, { dst: d, proto: r2.proto, ttl: r.int(1, 64), ...extra }, payload), kase, `${s.ip} -> DUT ${d} via ${p.name}`);
}

const CASES: Record<string, CaseFn> = {
  'fwd-udp': (m) => fwd(m, 'fwd-udp', 'udp'),
  'fwd-tcp': (m) => fwd(m, 'fwd-tcp', 'tcp'),
  'fwd-icmp': (m) => fwd(m, 'fwd-icmp', 'icmp'),
  'fwd-unknown-proto': (m) => fwd(m, 'fwd-unknown-proto', 'other'),
  'fwd-remote-src': (m) => { const p = m.r.pick(m.ports); fwd(m, 'fwd-remote-src', m.r.pick(['udp', 'icmp'] as const), {}, { p, s: m.remoteSrc(p) }); },
  'ttl1': (m) => fwd(m, 'ttl1', m.r.pick(['udp', 'tcp', 'icmp'] as const), { ttl: 1 }),
  'ttl0': (m) => fwd(m, 'ttl0', 'udp', { ttl: 0 }),
  'ttl2': (m) => fwd(m, 'ttl2', m.r.pick(['udp', 'tcp', 'icmp'] as const), { ttl: 2 }),
  'ttl1-local': (m) => toDut(m, 'ttl1-local', 'icmp', { ttl: 1 }),
  'bad-ip-checksum': (m) => (m.r.chance(0.5) ? fwd(m, 'bad-ip-checksum', 'udp', { checksum: 'bad' }) : toDut(m, 'bad-ip-checksum', 'icmp', { checksum: 'bad' })),
  'bad-l4-checksum-fwd': (m) => fwd(m, 'bad-l4-checksum-fwd', m.r.pick(['udp', 'tcp', 'icmp'] as const), {}, { bad: true }),
  'bad-l4-checksum-local': (m) => toDut(m, 'bad-l4-checksum-local', m.r.pick(['udp', 'tcp', 'icmp'] as const), {}, { bad: true }),
  'truncated': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p), d = m.dst(m.other(p));
    const f = m.ipFrame(p, s, { dst: d, proto: PROTO.UDP, ttl: 64 }, udp(s.ip, d, sport(r), r.int(1, 65535), data(r, 8, 48)));
    const cut = r.pick([14, 14 + r.int(1, 19), 14 + 20 + r.int(0, 7), f.length - r.int(1, 8)]);
    m.emit(p, f.subarray(0, Math.max(14, Math.min(cut, f.length - 1))), 'truncated', `cut at ${cut} of ${f.length}`);
  },
  'bad-version': (m) => fwd(m, 'bad-version', 'udp', { version: m.r.pick([0, 5, 6, 15]) }),
  'bad-ihl': (m) => {
    const ihl = m.r.pick([0, 3, 4, 6, 15]);
    (m.r.chance(0.6) ? fwd : toDut)(m, 'bad-ihl', 'udp', { ihl });
  },
  'total-length-short': (m) => {
    // tot_len smaller than the frame: trailing bytes (padding) are trimmed; or smaller than the header
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p), toLocal = r.chance(0.4), d = toLocal ? p.addr : m.dst(m.other(p));
    const isIcmp = r.chance(0.5);
    const body = isIcmp ? echoRequest(r.int(0, 65535), 1, data(r, 0, 16)) : udp(s.ip, d, sport(r), toLocal ? closedPort(r) : 53, data(r, 0, 16));
    const kind = r.pick(['padding', 'padding', 'cuts-payload', 'below-header'] as const);
    const real = 20 + body.length;
    const tl = kind === 'padding' ? real : kind === 'cuts-payload' ? real - r.int(1, 4) : r.int(0, 19);
    const f = concat(m.ipFrame(p, s, { dst: d, proto: isIcmp ? PROTO.ICMP : PROTO.UDP, ttl: 64, totalLength: tl }, body), kind === 'padding' ? new Uint8Array(r.int(1, 30)) : new Uint8Array(0));
    m.emit(p, f, 'total-length-short', `${kind}: tot_len ${tl}, ${toLocal ? 'to DUT' : 'forwarded'}`);
  },
  'total-length-long': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p), d = r.chance(0.5) ? p.addr : m.dst(m.other(p));
    const body = udp(s.ip, d, sport(r), 53, data(r, 0, 16));
    m.emit(p, m.ipFrame(p, s, { dst: d, proto: PROTO.UDP, totalLength: 20 + body.length + r.pick([1, 4, 100]) }, body), 'total-length-long');
  },
  'udp-closed-port': (m) => toDut(m, 'udp-closed-port', 'udp', {}, { anyPort: true }),
  'tcp-syn-closed-port': (m) => toDut(m, 'tcp-syn-closed-port', 'tcp', {}, { anyPort: true }),
  'tcp-ack-closed-port': (m) => toDut(m, 'tcp-ack-closed-port', 'tcp', {}, { anyPort: true }),
  'echo': (m) => toDut(m, 'echo', 'icmp', {}, { anyPort: true }),
  'unknown-proto-local': (m) => toDut(m, 'unknown-proto-local', 'other', {}, { anyPort: true }),
  'route-blackhole': (m) => errorRoute(m, 'blackhole'),
  'route-prohibit': (m) => errorRoute(m, 'prohibit'),
  'route-unreachable': (m) => errorRoute(m, 'unreachable'),
  'no-route': (m) => {
    const p = m.r.pick(m.ports);
    fwd(m, 'no-route', m.r.pick(['udp', 'icmp'] as const), {}, { p, d: numToIp(m.noRoute.net + m.r.int(1, 254)), s: m.remoteSrc(p) });
  },
  'df-too-big': (m) => mtuCase(m, true),
  'fragment-onto-smaller-mtu': (m) => mtuCase(m, false),
  'martian-source': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p);
    const kind = r.pick(['zero', 'loopback', 'multicast', 'limited-bcast', 'own-address', 'other-port-subnet', 'subnet-broadcast', 'rpf-wrong-port'] as const);
    const srcIp = {
      'zero': '0.0.0.0', 'loopback': '127.0.0.1', 'multicast': '224.0.0.5', 'limited-bcast': '255.255.255.255',
      'own-address': r.chance(0.5) ? p.addr : q.addr, 'other-port-subnet': m.host(q).ip, 'subnet-broadcast': numToIp(bcast(p.subnet)),
      'rpf-wrong-port': numToIp(q.srcNet.net + 200 + r.int(0, 50)),
    }[kind];
    const toLocal = r.chance(0.3);
    fwd(m, 'martian-source', toLocal ? 'icmp' : 'udp', {}, { p, q, s: { ip: srcIp, mac: m.host(p).mac }, d: toLocal ? p.addr : m.dst(q) });
    m.prefixNote(kind);
  },
  'broadcast': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p);
    const kind = r.pick(['limited-udp', 'limited-echo', 'subnet-udp', 'subnet-echo', 'other-subnet-bcast', 'bcast-mac-unicast-ip', 'bcast-mac-to-dut'] as const);
    let d: string, l2 = 'ff:ff:ff:ff:ff:ff', proto: 'udp' | 'icmp' = kind.endsWith('echo') ? 'icmp' : 'udp';
    if (kind.startsWith('limited')) d = '255.255.255.255';
    else if (kind.startsWith('subnet')) { d = numToIp(bcast(p.subnet)); if (r.chance(0.4)) l2 = p.mac; }
    else if (kind === 'other-subnet-bcast') { d = numToIp(bcast(m.other(p).subnet)); l2 = p.mac; }
    else if (kind === 'bcast-mac-unicast-ip') d = m.dst(m.other(p));
    else { d = p.addr; proto = r.pick(['udp', 'icmp']); }
    const x = l4(m, proto, s.ip, d);
    let payload = x.payload;
    if (proto === 'udp') payload = udp(s.ip, d, sport(r), closedPort(r), data(r));
    m.emit(p, m.ipFrame(p, s, { dst: d, proto: x.proto, ttl: r.int(1, 64) }, payload, l2), 'broadcast', kind);
  },
  'multicast': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p);
    const kind = r.pick(['all-hosts-udp', 'all-hosts-echo', 'mdns', 'admin-scope', 'mcast-mac-unicast-ip', 'mcast-mac-to-dut'] as const);
    let d: string, l2: string, proto: 'udp' | 'icmp' = kind.endsWith('echo') ? 'icmp' : 'udp';
    if (kind.startsWith('all-hosts')) { d = '224.0.0.1'; l2 = mcastMac(d); }
    else if (kind === 'mdns') { d = '224.0.0.251'; l2 = mcastMac(d); }
    else if (kind === 'admin-scope') { d = '239.1.2.3'; l2 = mcastMac(d); }
    else if (kind === 'mcast-mac-unicast-ip') { d = m.dst(m.other(p)); l2 = '01:00:5e:00:00:01'; }
    else { d = p.addr; l2 = '01:00:5e:00:00:01'; proto = r.pick(['udp', 'icmp']); }
    const x = l4(m, proto, s.ip, d);
    const payload = proto === 'udp' ? udp(s.ip, d, sport(r), kind === 'mdns' ? 5353 : closedPort(r), data(r)) : x.payload;
    m.emit(p, m.ipFrame(p, s, { dst: d, proto: x.proto, ttl: r.pick([1, 1, 64]) }, payload, l2), 'multicast', kind);
  },
  'ip-options': (m) => {
    const r = m.r;
    const kind = r.pick(['rr-fwd', 'rr-echo', 'rr-nop-fwd', 'router-alert-fwd', 'router-alert-local', 'lsrr-fwd', 'bad-option-length', 'timestamp-full-fwd', 'eol-padding'] as const);
    const opt = {
      'rr-fwd': () => ipopt.recordRoute(r.int(1, 9)), 'rr-echo': () => ipopt.recordRoute(r.int(2, 9)),
      'rr-nop-fwd': () => concat(ipopt.nop(), ipopt.recordRoute(3)), 'router-alert-fwd': () => ipopt.routerAlert(), 'router-alert-local': () => ipopt.routerAlert(),
      'lsrr-fwd': () => ipopt.lsrr(['198.19.77.1', '198.19.77.2']), 'bad-option-length': () => ipopt.badLength(),
      'timestamp-full-fwd': () => ipopt.timestampFull(r.int(1, 3), r.int(0, 3)), 'eol-padding': () => concat(ipopt.nop(), ipopt.eol()),
    }[kind]();
    if (kind === 'rr-echo' || kind === 'router-alert-local' || (kind === 'bad-option-length' && r.chance(0.5))) toDut(m, 'ip-options', kind === 'router-alert-local' ? 'udp' : 'icmp', { options: opt });
    else fwd(m, 'ip-options', r.pick(['udp', 'icmp'] as const), { options: opt });
    m.frames[m.frames.length - 1].note = kind;
  },
  'policy-source': (m) => {
    const r = m.r;
    if (!m.policySrc) return fwd(m, 'policy-source', 'udp');
    const p = m.ports.find((x) => x.srcNet.net === m.policySrc!.net || x.hosts.some((h) => h.ip === numToIp(m.policySrc!.net)))!;
    const s = m.policySrc.len === 32 ? p.hosts[1] : m.remoteSrc(p);
    fwd(m, 'policy-source', r.pick(['udp', 'tcp', 'icmp'] as const), {}, { p, s, q: m.other(p) });
  },
  'policy-fwmark': (m) => {
    // to a network a fwmark rule's table routes, from a port other than the one it is behind in main
    const r = m.r;
    const { net, rule } = r.pick(m.markNets), q = m.ports.find((x) => x.remotes.includes(net))!;
    fwd(m, 'policy-fwmark', r.pick(['udp', 'tcp', 'icmp'] as const), {}, { p: m.other(q), q, d: numToIp(net.net + r.int(1, 250)) });
    m.prefixNote(rule);
  },
  'policy-iif': (m) => {
    const p = m.ports.find((x) => x.name === m.policyIif) ?? m.r.pick(m.ports);
    fwd(m, 'policy-iif', 'udp', {}, { p });
  },
  'arp-request': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p);
    const kind = r.pick(['dut-address', 'dut-address', 'dut-address-other-port', 'other-host', 'silent-host', 'probe-sender-zero', 'unicast-to-dut', 'gratuitous', 'foreign-sender', 'reply-unsolicited'] as const);
    let tpa = p.addr, spa = s.ip, l2 = 'ff:ff:ff:ff:ff:ff', op: 1 | 2 = 1, tha = '00:00:00:00:00:00';
    if (kind === 'dut-address-other-port') tpa = m.other(p).addr;
    else if (kind === 'other-host') tpa = m.host(p).ip;
    else if (kind === 'silent-host') tpa = p.silent[2];
    else if (kind === 'probe-sender-zero') spa = '0.0.0.0';
    else if (kind === 'unicast-to-dut') l2 = p.mac;
    else if (kind === 'gratuitous') tpa = spa;
    else if (kind === 'foreign-sender') spa = m.host(m.other(p)).ip;
    else if (kind === 'reply-unsolicited') { op = 2; l2 = p.mac; tha = p.mac; }
    m.emit(p, eth(l2, s.mac, ETH_ARP, arp({ op, sha: s.mac, spa, tha, tpa })), 'arp-request', kind);
  },
  'arp-resolve': (m) => {
    // forwarding to an on-link address without a neighbour entry: the DUT ARPs (3 probes) and then gives up
    const r = m.r;
    const q = r.pick(m.ports), p = m.other(q);
    const d = q.silent[m.silentUsed++ % 2];
    fwd(m, 'arp-resolve', r.pick(['udp', 'icmp'] as const), {}, { p, q, d, s: m.host(p) });
  },
  'fragments-local': (m) => {
    // an echo request in two or three fragments to the DUT: reassembled, answered
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p), d = p.addr;
    const body = echoRequest(r.int(0, 65535), r.int(0, 65535), pattern(r.int(24, 120), r.int(0, 255)));
    const first = 8 * r.int(1, Math.floor((body.length - 1) / 8));
    const o: Ip4Opts = { src: s.ip, dst: d, proto: PROTO.ICMP, id: m.nextId(), ttl: 64 };
    const frags = fragment(o, body, [first, body.length - first]);
    if (r.chance(0.3)) frags.reverse();
    for (const f of frags) m.emit(p, eth(p.mac, s.mac, ETH_IP, f), 'fragments-local', `${frags.length} fragments, id ${o.id}`);
  },
  'fragment-incomplete': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p), d = r.chance(0.5) ? p.addr : m.dst(m.other(p));
    const body = udp(s.ip, d, sport(r), closedPort(r), pattern(r.int(16, 64), 3));
    const frags = fragment({ src: s.ip, dst: d, proto: PROTO.UDP, id: m.nextId(), ttl: 64 }, body, [8, body.length - 8]);
    const which = r.int(0, 1);
    m.emit(p, eth(p.mac, s.mac, ETH_IP, frags[which]), 'fragment-incomplete', `${which ? 'last' : 'first'} fragment only, ${d === p.addr ? 'to DUT' : 'forwarded'}`);
  },
  'fragments-fwd': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p), s = m.host(p), d = m.dst(q);
    const body = udp(s.ip, d, sport(r), 53, pattern(r.int(16, 64), 5));
    const frags = fragment({ src: s.ip, dst: d, proto: PROTO.UDP, id: m.nextId(), ttl: r.int(1, 64) }, body, [8, body.length - 8]);
    for (const f of frags) m.emit(p, eth(p.mac, s.mac, ETH_IP, f), 'fragments-fwd');
  },
  'foreign-dst-mac': (m) => {
    const r = m.r;
    const p = r.pick(m.ports), s = m.host(p);
    const toLocal = r.chance(0.4);
    const d = toLocal ? p.addr : m.dst(m.other(p));
    const x = l4(m, 'icmp', s.ip, d);
    m.emit(p, m.ipFrame(p, s, { dst: d, proto: x.proto }, x.payload, r.pick(['02:00:00:00:00:99', m.other(p).mac, m.host(p).mac])), 'foreign-dst-mac', toLocal ? 'to DUT address' : 'forwardable');
  },
  'redirect': (m) => {
    // source and next hop on the same port: forwarded back out of it, with an ICMP redirect. A source
    // on the port's second subnet (directly connected, but not in a subnet with the gateway) gets one
    // only with shared_media; one behind the port's gateway (not directly connected) never
    const r = m.r;
    const p = r.pick(m.ports);
    const kind = r.weighted([[5, 'on-link source'], [2, 'remote source'], [p.second ? 4 : 0, 'second-subnet source']] as const);
    const s = kind === 'remote source' ? m.remoteSrc(p) : kind === 'second-subnet source' ? p.second!.host
      : p.hosts[1 + (m.frames.filter((f) => f.case === 'redirect').length % (p.hosts.length - 1))];
    const n = r.pick(p.remotes);
    fwd(m, 'redirect', r.pick(['udp', 'icmp', 'tcp'] as const), {}, { p, q: p, s, d: numToIp(n.net + r.int(1, 250)) });
    m.prefixNote(kind);
  },
  'dut-other-addr': (m) => {
    // packets to the DUT's address on another port, to its subnet broadcast and network address
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p);
    const d = r.pick([q.addr, numToIp(q.subnet.net), numToIp(bcast(q.subnet))]);
    fwd(m, 'dut-other-addr', r.pick(['udp', 'icmp'] as const), {}, { p, q, d, s: m.host(p) });
  },
  'localnet': (m) => {
    // 127/8 to and from the wire: martian unless route_localnet (ip_route_input_slow), then lo's local 127.0.0.0/8
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p), s = m.host(p);
    const lo = r.pick(['127.0.0.1', '127.1.2.3']);
    const kind = r.pick(['echo-to-loopback', 'udp-to-loopback', 'from-loopback-to-dut', 'fwd-from-loopback', 'arp-for-loopback'] as const);
    if (kind === 'arp-for-loopback') {
      m.emit(p, eth(r.chance(0.7) ? 'ff:ff:ff:ff:ff:ff' : p.mac, s.mac, ETH_ARP, arp({ op: 1, sha: s.mac, spa: s.ip, tha: '00:00:00:00:00:00', tpa: lo })), 'localnet', kind);
      return;
    }
    const src = kind === 'from-loopback-to-dut' || kind === 'fwd-from-loopback' ? lo : s.ip;
    const d = kind === 'from-loopback-to-dut' ? p.addr : kind === 'fwd-from-loopback' ? m.dst(q) : lo;
    const proto = kind === 'udp-to-loopback' ? 'udp' : 'icmp';
    const x = l4(m, proto, src, d);
    const payload = proto === 'udp' ? udp(src, d, sport(r), closedPort(r), data(r)) : x.payload;
    m.emit(p, m.ipFrame(p, s, { src, dst: d, proto: x.proto, ttl: r.int(2, 64) }, payload), 'localnet', `${kind}: ${src} -> ${d} ${p.name}->${q.name}`);
  },
  'source-route': (m) => {
    // LSRR/SSRR (accept_source_route): through the DUT to someone else (loose: forwarded as it is; strict:
    // parameter problem), naming the DUT as the next hop (the destination becomes the listed hop, whose
    // slot gets the DUT's outgoing address; strict and not on-link: source route failed), with a hop
    // that is the DUT again, or used up at the DUT (delivered; the answer carries the route reversed)
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p), s = m.host(p);
    const strict = r.chance(0.4);
    const kind = r.pick(['through', 'via-dut', 'via-dut', 'via-dut-local-hop', 'used-up-local'] as const);
    let d: string, hops: string[], next = 0;
    const far = () => numToIp(ipToNum('198.19.77.0') + r.int(1, 250));
    if (kind === 'through') { d = m.dst(q); hops = [far(), far()]; }
    else if (kind === 'via-dut') { d = dutAddr(m, p); hops = r.chance(0.5) ? [m.dst(q)] : [m.dst(q), far()]; }
    else if (kind === 'via-dut-local-hop') { d = p.addr; hops = [q.addr, m.dst(q)]; }
    else { d = dutAddr(m, p); hops = [far(), m.host(p).ip]; next = 2; }
    const proto = kind === 'used-up-local' ? r.pick(['icmp', 'icmp', 'udp', 'tcp'] as const) : r.pick(['udp', 'icmp', 'tcp'] as const);
    const x = l4(m, proto, s.ip, d);
    let payload = x.payload;
    if (kind === 'used-up-local' && proto === 'udp') payload = udp(s.ip, d, sport(r), closedPort(r), data(r));
    if (kind === 'used-up-local' && proto === 'tcp') payload = tcp(s.ip, d, { sport: sport(r), dport: closedPort(r), seq: r.int(0, 2 ** 32 - 1), ack: 0, flags: TCP.SYN, options: synOptions() });
    const opt = ipopt.sourceRoute(strict, hops, next);
    m.emit(p, m.ipFrame(p, s, { dst: d, proto: x.proto, ttl: r.int(2, 64), options: concat(opt, ipopt.nop()) }, payload), 'source-route',
      `${strict ? 'ssrr' : 'lsrr'} ${kind}: ${s.ip} -> ${d} [${hops.join(' ')}] ${p.name}->${q.name}`);
  },
  'bc-forward': (m) => {
    // to another port's subnet broadcast, in a frame to the DUT's MAC: forwarded as a broadcast with
    // bc_forwarding on the ingress port, else delivered locally
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p);
    fwd(m, 'bc-forward', r.pick(['udp', 'icmp'] as const), {}, { p, q, d: numToIp(bcast(q.subnet)), s: m.src(p) });
  },
  'proxy-arp': (m) => {
    // an ARP request for an address the DUT routes: answered with the DUT's MAC (proxy_arp, forwarding)
    // when the route leaves by another port and is unicast
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p), s = m.host(p);
    const kind = r.pick(['remote-other-port', 'remote-other-port', 'host-other-port', 'silent-other-port', 'remote-same-port', 'error-route', 'no-route'] as const);
    const inNetOf = (n: Net) => numToIp(n.net + (n.len === 32 ? 0 : r.int(1, Math.min(250, 2 ** (32 - n.len) - 2))));
    const tpa = {
      'remote-other-port': () => inNetOf(r.pick(q.remotes)), 'host-other-port': () => m.host(q).ip, 'silent-other-port': () => q.silent[2],
      'remote-same-port': () => inNetOf(r.pick(p.remotes)), 'error-route': () => inNetOf(r.pick(m.errNets).net), 'no-route': () => numToIp(m.noRoute.net + r.int(1, 254)),
    }[kind]();
    const l2 = r.chance(0.6) ? 'ff:ff:ff:ff:ff:ff' : p.mac;
    m.emit(p, eth(l2, s.mac, ETH_ARP, arp({ op: 1, sha: s.mac, spa: s.ip, tha: '00:00:00:00:00:00', tpa })), 'proxy-arp', `${kind}: ${s.ip} asks for ${tpa} on ${p.name}`);
  },
  'arp-dut': (m) => {
    // ARP requests for the DUT's addresses that arp_ignore (1: only the ingress port's addresses, 2: and
    // the sender in their subnet, 8: never) and arp_filter (only when the route back to the sender leaves
    // by the ingress port) may leave unanswered
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p), s = m.host(p);
    const kind = r.pick(['own', 'own', 'other-port', 'foreign-sender-own', 'foreign-sender-other-port', 'probe-own', 'probe-other-port'] as const);
    const tpa = kind.endsWith('own') ? dutAddr(m, p) : q.addr;
    const spa = kind.startsWith('foreign') ? m.host(q).ip : kind.startsWith('probe') ? '0.0.0.0' : s.ip;
    const l2 = r.chance(0.75) ? 'ff:ff:ff:ff:ff:ff' : p.mac;
    m.emit(p, eth(l2, s.mac, ETH_ARP, arp({ op: 1, sha: s.mac, spa, tha: '00:00:00:00:00:00', tpa })), 'arp-dut', `${kind}: ${spa} asks for ${tpa} on ${p.name}`);
  },
  'garp': (m) => {
    // gratuitous ARP from an address the DUT has no entry for (arp_accept: learnt; drop_gratuitous_arp:
    // dropped), then a packet forwarded to that address: sent at once to the announced MAC, or the DUT ARPs
    const r = m.r;
    const p = r.pick(m.ports), o = m.other(p);
    const ip = p.silent[4], mac = p.silentMac;
    const kind = r.pick(['request', 'reply', 'reply-to-dut'] as const);
    const a = kind === 'request' ? arp({ op: 1, sha: mac, spa: ip, tha: '00:00:00:00:00:00', tpa: ip })
      : kind === 'reply' ? arp({ op: 2, sha: mac, spa: ip, tha: mac, tpa: ip })
      : arp({ op: 2, sha: mac, spa: ip, tha: p.mac, tpa: p.addr });
    m.emit(p, eth(kind === 'reply-to-dut' ? p.mac : 'ff:ff:ff:ff:ff:ff', mac, ETH_ARP, a), 'garp', `${kind}: ${ip} is ${mac} on ${p.name}`);
    fwd(m, 'garp', 'udp', {}, { p: o, q: p, d: ip, s: m.host(o) });
    m.prefixNote('then forwarded to it');
  },
  'arp-announce': (m) => {
    // an echo (or UDP to a closed port) from an on-link address the DUT has no entry for: the DUT ARPs
    // for it, from the reply's source or the port's address as arp_announce says
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p);
    const s = { ip: p.silent[3], mac: p.silentMac };
    const d = p.secondary && r.chance(0.4) ? p.secondary : r.chance(0.5) ? q.addr : p.addr;
    const proto = r.chance(0.7) ? 'icmp' : 'udp';
    const x = l4(m, proto, s.ip, d);
    const payload = proto === 'udp' ? udp(s.ip, d, sport(r), closedPort(r), data(r)) : x.payload;
    m.emit(p, m.ipFrame(p, s, { dst: d, proto: x.proto, ttl: 64 }, payload), 'arp-announce', `${s.ip} -> DUT ${d} via ${p.name}`);
  },
  'errors-inbound': (m) => {
    // an ICMP error about a packet whose source is routed back by another port: from that port's address,
    // or from the ingress port's with icmp_errors_use_inbound_ifaddr (rp_filter 1 drops it first)
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p);
    const kind = r.pick(['ttl1', 'ttl1', 'route-error', 'df-too-big'] as const);
    const s = kind === 'route-error' ? m.remoteSrc(q) : r.chance(0.5) ? m.host(q) : m.remoteSrc(q);
    const src = { ip: s.ip, mac: m.host(p).mac };
    if (kind === 'route-error') {
      const e = r.pick(m.errNets.filter((x) => x.type !== 'blackhole'));
      fwd(m, 'errors-inbound', 'udp', {}, { p, s: src, d: numToIp(e.net.net + (e.net.len === 32 ? 0 : r.int(1, Math.min(250, 2 ** (32 - e.net.len) - 2)))) });
    } else if (kind === 'df-too-big') {
      const small = m.ports.find((x) => x.mtu < 1500 && x !== p);
      if (!small) return fwd(m, 'errors-inbound', 'udp', { ttl: 1 }, { p, s: src });
      fwd(m, 'errors-inbound', 'udp', { df: true }, { p, q: small, s: src, d: m.host(small).ip, big: small.mtu + r.int(1, 100) - 28 });
    } else fwd(m, 'errors-inbound', r.pick(['udp', 'icmp'] as const), { ttl: 1 }, { p, s: src });
    m.prefixNote(kind);
  },
  'icmp-burst': (m) => {
    // several ICMP errors (and echo replies) in a row to one new destination: icmp_ratelimit/icmp_ratemask
    const r = m.r;
    const p = r.pick(m.ports), q = m.other(p), s = m.remoteSrc(p);
    const n = r.int(5, 9);
    for (let i = 0; i < n; i++) {
      const kind = r.pick(['udp-closed', 'udp-closed', 'proto-unreachable', 'ttl1', 'ttl1', 'bad-option', 'echo'] as const);
      const d = kind === 'ttl1' ? m.dst(q) : p.addr;
      if (kind === 'udp-closed') m.emit(p, m.ipFrame(p, s, { dst: d, proto: PROTO.UDP, ttl: 64 }, udp(s.ip, d, sport(r), closedPort(r), data(r))), 'icmp-burst', `${kind} ${i + 1}/${n}: ${s.ip}`);
      else if (kind === 'proto-unreachable') m.emit(p, m.ipFrame(p, s, { dst: d, proto: r.pick([253, 254, 143]), ttl: 64 }, data(r)), 'icmp-burst', `${kind} ${i + 1}/${n}: ${s.ip}`);
      else {
        const x = l4(m, kind === 'ttl1' ? 'udp' : 'icmp', s.ip, d);
        m.emit(p, m.ipFrame(p, s, { dst: d, proto: x.proto, ttl: kind === 'ttl1' ? 1 : 64, ...(kind === 'bad-option' ? { options: ipopt.badLength() } : {}) }, x.payload), 'icmp-burst', `${kind} ${i + 1}/${n}: ${s.ip}`);
      }
    }
  },
};

/** A forwarded packet into an error route of that type (each has a standalone /24, some also one inside a remote network), from a fresh remote source. */
function errorRoute(m: Model, type: string) {
  const r = m.r;
  const e = r.pick(m.errNets.filter((x) => x.type === type));
  const d = numToIp(e.net.net + (e.net.len === 32 ? 0 : r.int(1, Math.min(250, 2 ** (32 - e.net.len) - 2))));
  const p = r.pick(m.ports);
  fwd(m, `route-${type}`, r.pick(['udp', 'tcp', 'icmp'] as const), {}, { p, d, s: m.remoteSrc(p) });
}

function mtuCase(m: Model, df: boolean) {
  const r = m.r;
  const small = m.ports.find((x) => x.mtu < 1500);
  const kase = df ? 'df-too-big' : 'fragment-onto-smaller-mtu';
  if (!small) {
    // no small-MTU port: a packet just at the MTU, forwarded whole
    return fwd(m, kase, 'udp', { df }, { big: r.int(200, 600) });
  }
  const p = m.other(small);
  const size = small.mtu + r.int(1, Math.min(1500 - small.mtu, 200));
  fwd(m, kase, r.pick(['udp', 'icmp'] as const), { df }, { p, q: small, big: size - 28, d: m.host(small).ip });
}

export const CASE_NAMES = Object.keys(CASES);

// ---------------------------------------------------------------- scenario
export function generatePackets(seed: number): PktScenario {
  const r = new Rng(seed * 7919 + 17);
  const m = new Model(r, seed);
  configure(m);
  // every case once, in random order, then extras
  const order = [...CASE_NAMES];
  for (let i = order.length - 1; i > 0; i--) { const j = r.int(0, i); [order[i], order[j]] = [order[j], order[i]]; }
  const extra = r.int(6, 14);
  const common = ['fwd-udp', 'fwd-tcp', 'fwd-icmp', 'echo', 'udp-closed-port', 'route-blackhole', 'route-prohibit', 'route-unreachable', 'martian-source', 'broadcast', 'multicast', 'ip-options', 'arp-request', 'ttl1', 'redirect', 'policy-source', 'policy-fwmark', 'policy-iif', 'fwd-remote-src'];
  // the cases of the knobs generator 3 draws, a second time each, source-route, bc-forward, proxy-arp and arp-dut a
  // third (not garp and arp-announce: one address each, used once; not icmp-burst: already several frames)
  for (const c of ['localnet', 'source-route', 'source-route', 'bc-forward', 'bc-forward', 'proxy-arp', 'proxy-arp', 'arp-dut', 'arp-dut', 'errors-inbound']) order.splice(r.int(0, order.length), 0, c);
  for (let i = 0; i < extra; i++) order.splice(r.int(0, order.length), 0, r.pick(common));
  for (const c of order) CASES[c](m);
  return { seed, gen: PKT_GEN_VERSION, ports: m.ports.map((p) => ({ name: p.name, mac: p.mac, peerMac: p.peerMac })), steps: m.steps, frames: m.frames };
}

/** Every IPv4 address a scenario's frames or config mention, for checking the address-range rule. */
export function addressesOf(sc: PktScenario): string[] {
  const out = new Set<string>();
  for (const s of sc.steps) if ('ip' in s) for (const a of s.ip.match(/\b\d+\.\d+\.\d+\.\d+\b/g) ?? []) out.add(a);
  return [...out];
}
export const allowedAddress = (a: string): boolean => ALLOWED.some((n) => inNet(ipToNum(a), n)) || SPECIAL.includes(a);
