// Seeded generator of device scenarios for the device-level differential test
// against the kernel: macvlan, bridge and tun/tap topologies over veth ports,
// the `ip` commands that build and change them (including the ones the kernel
// refuses), frames into the ports and packets written into tun/tap queues,
// and queries of the resulting state. See README.md here for the format.
//
// Everything is drawn from one seeded PRNG; fixtures store the scenario itself.
import { Rng } from '../diff/gen.js';
import { type Bytes, ETH_ARP, ETH_IP, PROTO, arp, concat, echoRequest, eth, hex, ipv4, mcastMac, pattern, udp } from '../pktdiff/frames.js';
import type { PortDef } from '../pktdiff/gen.js';

export const DEV_GEN_VERSION = 4;

/** What an answer or frame is about: the device class whose behaviour decides it. */
export type DevClass = 'macvlan' | 'bridge' | 'tun' | 'conflict' | 'veth';
export const DEV_CLASSES: DevClass[] = ['macvlan', 'bridge', 'tun', 'conflict', 'veth'];

export interface TunDef { name: string; tap: boolean; pi: boolean }
export type DevStep =
  /** a sysctl in the DUT; must succeed */
  | { sysctl: [string, string] }
  /** a DUT port: veth end `name` (MAC `mac`), its peer "t"+name in the tester */
  | { port: PortDef }
  /** the host end of tun/tap `name` (made by an earlier `ip tuntap add`) is opened: frames to it are written, what it transmits is read */
  | { tun: TunDef }
  /** an `ip` command in the DUT. With `cls`, its answer (exit status, error text, frames sent) is compared; without, it is setup that must succeed */
  | { ip: string; cls?: DevClass; case?: string }
  /** a frame received on a port (sent by its tester peer), or a packet written into a tun/tap queue (`port` names the tun/tap) */
  | { frame: string; port: string; cls: DevClass; case: string; note?: string }
  /** `ip -j -d link show`, `ip -s -j link show` and `bridge -j fdb show`, reduced to the named devices (see compare.ts) */
  | { query: string[] };

export interface DevScenario {
  seed: number;
  gen: number;
  ports: PortDef[];
  tuns: TunDef[];
  /** every device the scenario creates or tries to, and the class its state answers count for */
  devices: { name: string; cls: DevClass }[];
  /** the MACs the scenario sets, by role name (for masking: any other unicast MAC is a random one) */
  macs: Record<string, string>;
  steps: DevStep[];
}

interface Host { ip: string; mac: string; name: string; /** the endpoint it sits behind: a tester port's DUT name, or a tap */ at: string }
/** An L3 device of the DUT with its own /24. */
interface Seg { dev: string; cls: DevClass; net: string; addr: string; mac: string; hosts: Host[]; ports: string[] }

const MODES = ['bridge', 'private', 'vepa'] as const;
const hx = (x: number) => (x & 255).toString(16).padStart(2, '0');

class Model {
  steps: DevStep[] = [];
  ports: PortDef[] = [];
  tuns: (TunDef & { attached: boolean; up: boolean; addr?: string; remote?: string; seg?: Seg })[] = [];
  devices: { name: string; cls: DevClass }[] = [];
  macs: Record<string, string> = {};
  segs: Seg[] = [];
  nets: number[] = [];
  id: number;
  sb: number;
  /** macvlan groups: lower -> its macvlans (name, mode, mac) */
  lowers = new Map<string, { name: string; mode: string; mac: string; seg: Seg }[]>();
  bridges = new Map<string, { ports: string[]; seg?: Seg; mac?: string; hosts: Host[] }>();
  /** where a bridge saw each source MAC last (what it learnt, as far as the generator knows) */
  learnt = new Map<string, string>();
  plain: string[] = [];
  /** routes whose next hop on a macvlan is another macvlan of the same lower */
  toSibling: { seg: Seg; mac: string; remote: string }[] = [];
  constructor(readonly r: Rng) { this.id = r.int(1, 60000); this.sb = r.int(0, 255); }

  ip(s: string, cls?: DevClass, kase?: string) { this.steps.push(cls ? { ip: s, cls, ...(kase ? { case: `${cls}/${kase}` } : {}) } : { ip: s }); }
  sysctl(k: string, v: string | number) { this.steps.push({ sysctl: [k, String(v)] }); }
  nextId(): number { this.id = (this.id + this.r.int(1, 97)) & 0xffff; return this.id; }
  mac(role: string, kind: number, i: number): string {
    const m = ['02', hx(kind), hx(this.sb), hx(this.r.int(0, 255)), hx(this.r.int(0, 255)), hx(i)].join(':');
    this.macs[role] = m;
    return m;
  }
  /** A fresh 198.18.X.0/24 (X < 200). */
  net(): string {
    let x;
    do x = this.r.int(0, 199); while (this.nets.includes(x));
    this.nets.push(x);
    return `198.18.${x}`;
  }
  seg(dev: string, cls: DevClass, mac: string, at: string[], nHosts: number): Seg {
    const net = this.net();
    const s: Seg = { dev, cls, net, addr: `${net}.1`, mac, hosts: [], ports: at };
    for (let h = 0; h < nHosts; h++) {
      const name = `h-${dev}-${h}`;
      s.hosts.push({ ip: `${net}.${10 + h}`, mac: this.mac(name, 0xa0, h), name, at: this.r.pick(at) });
    }
    this.segs.push(s);
    return s;
  }
  /** address, neighbour entries for the segment's hosts */
  l3(s: Seg) {
    // neighbour resolution in 300 ms (3 broadcast probes 100 ms apart): a bridge whose MAC changes flushes
    // even permanent entries (neigh_changeaddr), and the DUT then resolves its hosts again
    for (const [k, v] of [['retrans_time_ms', 100], ['mcast_solicit', 3], ['ucast_solicit', 3], ['app_solicit', 0], ['mcast_resolicit', 0]] as const) {
      this.sysctl(`net.ipv4.neigh.${s.dev}.${k}`, v);
    }
    this.ip(`addr add ${s.addr}/24 dev ${s.dev}`);
    for (const h of s.hosts) this.ip(`neigh add ${h.ip} lladdr ${h.mac} dev ${s.dev} nud permanent`);
  }
  frame(at: string, b: Bytes, cls: DevClass, kase: string, note?: string) {
    this.steps.push({ frame: hex(b), port: at, cls, case: `${cls}/${kase}`, ...(note ? { note } : {}) });
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) { const j = this.r.int(0, i); [xs[i], xs[j]] = [xs[j], xs[i]]; }
    return xs;
  }
}

// ---------------------------------------------------------------- frames
const BCAST = 'ff:ff:ff:ff:ff:ff';
function ipPkt(m: Model, src: string, dst: string, proto: number, payload: Bytes, ttl = 64): Bytes {
  return ipv4({ src, dst, proto, id: m.nextId(), ttl }, payload);
}
const echo = (m: Model, src: string, dst: string, ttl = 64) => ipPkt(m, src, dst, PROTO.ICMP, echoRequest(m.r.int(0, 65535), m.r.int(0, 65535), pattern(m.r.int(0, 40), m.r.int(0, 255))), ttl);
const udpPkt = (m: Model, src: string, dst: string, dport: number, ttl = 64) =>
  ipPkt(m, src, dst, PROTO.UDP, udp(src, dst, m.r.int(1024, 65000), dport, pattern(m.r.int(0, 40), m.r.int(0, 255))), ttl);
const closed = (m: Model) => m.r.pick([9, 7, 4321, 5000, 33434 + m.r.int(0, 30)]);
const arpReq = (h: Host, tpa: string, dst = BCAST) => eth(dst, h.mac, ETH_ARP, arp({ op: 1, sha: h.mac, spa: h.ip, tha: '00:00:00:00:00:00', tpa }));

/** A packet for a tun/tap queue: IP (with the 4-byte packet information header when pi) on a tun, Ethernet on a tap. */
function forTun(t: TunDef, ipPacket: Bytes, l2?: { dst: string; src: string; type?: number }): Bytes {
  if (t.tap) return withPi(t, eth(l2!.dst, l2!.src, l2!.type ?? ETH_IP, ipPacket), l2!.type ?? ETH_IP);
  return withPi(t, ipPacket, ETH_IP);
}
const withPi = (t: TunDef, b: Bytes, proto: number) => (t.pi ? concat(new Uint8Array([0, 0, proto >> 8, proto & 255]), b) : b);

// ---------------------------------------------------------------- topology
function topology(m: Model) {
  const r = m.r;
  const n = r.weighted([[1, 2], [3, 3], [3, 4]] as const);
  const names = Array.from({ length: n }, (_, i) => `p${i}`);
  for (const [i, name] of names.entries()) {
    const p = { name, mac: m.mac(name, 0xd0, i), peerMac: m.mac(`t${name}`, 0xee, i) };
    m.ports.push(p);
    m.devices.push({ name, cls: 'veth' });
  }
  const free = m.shuffle([...names]);
  const wantBridge = n >= 2 && r.chance(0.75);
  const nLowers = r.weighted([[1, 0], [4, 1], [2, 2]] as const);
  const brPorts = wantBridge ? free.splice(0, Math.min(free.length - (nLowers && free.length > 2 ? 1 : 0), r.int(2, 3))) : [];
  const lowers = free.splice(0, Math.min(free.length, nLowers));
  m.plain = free;
  for (const p of brPorts) m.devices.find((d) => d.name === p)!.cls = 'bridge';
  for (const p of lowers) m.devices.find((d) => d.name === p)!.cls = 'macvlan';

  // baseline: forwarding on, no reverse-path filter, no redirects (their rate limit is init_net only), no ICMP rate limit
  m.sysctl('net.ipv4.ip_forward', 1);
  const fixed: [string, number][] = [
    ['forwarding', 1], ['rp_filter', 0], ['send_redirects', 0], ['accept_local', 0], ['accept_source_route', 0], ['arp_accept', 0], ['arp_announce', 0],
    ['arp_filter', 0], ['arp_ignore', 0], ['arp_notify', 0], ['bc_forwarding', 0], ['drop_gratuitous_arp', 0], ['drop_unicast_in_l2_multicast', 0],
    ['log_martians', 0], ['proxy_arp', 0], ['route_localnet', 0], ['shared_media', 1], ['src_valid_mark', 0],
  ];
  for (const scope of ['all', 'default']) for (const [k, v] of fixed) m.sysctl(`net.ipv4.conf.${scope}.${k}`, v);
  m.sysctl('net.ipv4.icmp_ratemask', 0);
  m.sysctl('net.ipv4.icmp_echo_ignore_broadcasts', 1);
  m.sysctl('net.ipv4.icmp_echo_ignore_all', 0);
  m.sysctl('net.ipv4.icmp_errors_use_inbound_ifaddr', 0);
  m.sysctl('net.ipv4.ip_default_ttl', 64);
  // a bridge with multicast snooping joins 224.0.0.106 (all snoopers) and would report it after a random delay
  m.sysctl('net.ipv4.igmp_link_local_mcast_reports', 0);
  m.ip('link set lo up');
  for (const p of m.ports) m.steps.push({ port: p });

  // plain ports: an address and hosts
  for (const p of m.plain) {
    m.ip(`link set ${p} up`);
    m.l3(m.seg(p, 'veth', m.macs[p], [p], r.int(2, 3)));
  }

  // macvlans: 1-3 per lower in bridge/private/vepa modes (mixed), or one passthru
  let mvN = 0;
  for (const low of lowers) {
    const group: { name: string; mode: string; mac: string; seg: Seg }[] = [];
    m.lowers.set(low, group);
    const passthru = r.chance(0.2);
    const k = passthru ? 1 : r.int(1, 3);
    const mode0 = r.pick(MODES);
    if (r.chance(0.5)) m.ip(`link set ${low} up`);
    if (r.chance(0.35)) {
      // the lower keeps an address of its own
      if (!m.steps.some((s) => 'ip' in s && s.ip === `link set ${low} up`)) m.ip(`link set ${low} up`);
      m.l3(m.seg(low, 'macvlan', m.macs[low], [low], 2));
    }
    for (let i = 0; i < k; i++) {
      const name = `mv${mvN++}`;
      const mode = passthru ? 'passthru' : r.chance(0.7) ? mode0 : r.pick(MODES);
      const mac = passthru ? m.macs[low] : m.mac(name, 0xc0, mvN);
      m.devices.push({ name, cls: 'macvlan' });
      m.ip(`link add ${name} link ${low}${passthru ? '' : ` address ${mac}`} type macvlan mode ${mode}`, 'macvlan', 'add');
      m.ip(`link set ${name} up`);
      const seg = m.seg(name, 'macvlan', mac, [low], r.int(1, 3));
      m.l3(seg);
      group.push({ name, mode, mac, seg });
    }
    if (!m.steps.some((s) => 'ip' in s && s.ip === `link set ${low} up`)) m.ip(`link set ${low} up`);
    if (group.length >= 2 && !passthru && r.chance(0.7)) {
      // a next hop on the first macvlan whose MAC is the second one's: what reaches it depends on both modes
      const [a, b] = group;
      const remote = `198.19.${r.int(100, 199)}`;
      m.ip(`neigh add ${a.seg.net}.200 lladdr ${b.mac} dev ${a.name} nud permanent`);
      m.ip(`route add ${remote}.0/24 via ${a.seg.net}.200 dev ${a.name}`);
      m.toSibling.push({ seg: a.seg, mac: a.mac, remote });
    }
  }

  // a bridge over 2-3 ports (maybe a tap too), with or without an address
  if (brPorts.length) {
    const withMac = r.chance(0.25);
    const mac = withMac ? m.mac('br0', 0xb0, 0) : undefined;
    m.devices.push({ name: 'br0', cls: 'bridge' });
    m.ip(`link add br0${mac ? ` address ${mac}` : ''} type bridge`, 'bridge', 'add');
    const br = { ports: [] as string[], mac, hosts: [] as Host[], seg: undefined as Seg | undefined };
    m.bridges.set('br0', br);
    const upFirst = r.chance(0.5);
    if (upFirst) m.ip('link set br0 up');
    for (const p of brPorts) {
      if (r.chance(0.15)) m.ip(`link set ${p} mtu ${r.pick([1280, 1400, 1450])}`);
      if (r.chance(0.5)) { m.ip(`link set ${p} master br0`, 'bridge', 'master'); m.ip(`link set ${p} up`); } else { m.ip(`link set ${p} up`); m.ip(`link set ${p} master br0`, 'bridge', 'master'); }
      br.ports.push(p);
    }
    if (!upFirst) m.ip('link set br0 up');
    // (gen 3) some link-local groups forwarded: 802.1X (…:03), LLDP (…:0e)
    if (r.chance(0.35)) m.ip(`link set br0 type bridge group_fwd_mask ${r.pick(['0x8', '0x4000', '0x4008'])}`);
    // (gen 4) port options that change what the bridge learns and floods, and where to (br_setport)
    for (const p of brPorts) {
      if (!r.chance(0.45)) continue;
      const opts: string[] = [];
      for (const [o, v] of [['learning', 'off'], ['flood', 'off'], ['mcast_flood', 'off'], ['bcast_flood', 'off'], ['hairpin', 'on'], ['isolated', 'on']]) {
        if (r.chance(0.3)) opts.push(`${o} ${v}`);
      }
      if (r.chance(0.2)) opts.push(`state ${r.pick([0, 1, 2, 4])}`);
      if (opts.length) m.ip(`link set ${p} type bridge_slave ${opts.join(' ')}`, 'bridge', 'brport');
    }
    // hosts behind the bridge ports; an address on br0 in ~60%
    const seg = m.seg('br0', 'bridge', mac ?? '', brPorts, r.int(3, 5));
    br.hosts = seg.hosts;
    if (r.chance(0.6)) { br.seg = seg; m.l3(seg); } else m.segs.splice(m.segs.indexOf(seg), 1);
    // (gen 2) a macvlan on the bridge: its uc address makes the bridge promiscuous, so frames for it from the
    // ports go up to br0, whose rx_handler is then the macvlan port's
    if (r.chance(0.4)) {
      const name = `mv${mvN++}`;
      const mode = r.pick(MODES);
      const mvMac = m.mac(name, 0xc0, mvN);
      m.devices.push({ name, cls: 'macvlan' });
      m.ip(`link add ${name} link br0 address ${mvMac} type macvlan mode ${mode}`, 'macvlan', 'add');
      m.ip(`link set ${name} up`);
      m.l3(m.seg(name, 'macvlan', mvMac, brPorts, r.int(1, 2)));
    }
  }

  // tun (an address, a routed network behind it) and tap (an address and hosts, or a bridge port)
  if (r.chance(0.7)) addTun(m, 'tun0', false);
  if (r.chance(0.5)) addTun(m, 'tap0', true);
}

function addTun(m: Model, name: string, tap: boolean) {
  const r = m.r;
  const t = { name, tap, pi: r.chance(0.3), attached: false, up: false } as Model['tuns'][number];
  m.tuns.push(t);
  m.devices.push({ name, cls: 'tun' });
  m.ip(`tuntap add ${name} mode ${tap ? 'tap' : 'tun'}${t.pi ? ' pi' : ''}`, 'tun', 'add');
  const attach = () => { if (r.chance(0.9)) { m.steps.push({ tun: { name, tap, pi: t.pi } }); t.attached = true; } };
  const attachFirst = r.chance(0.5);
  if (attachFirst) attach();
  const br = m.bridges.get('br0');
  if (tap) {
    m.ip(`link set ${name} address ${m.mac(name, 0xe0, 0)}`);
    if (br && r.chance(0.4)) {
      m.ip(`link set ${name} master br0`, 'bridge', 'master');
      br.ports.push(name);
      // some of the bridge's hosts live behind the tap
      for (const h of br.hosts) if (r.chance(0.35)) h.at = name;
      m.devices.find((d) => d.name === name)!.cls = 'bridge';
    } else {
      t.seg = m.seg(name, 'tun', m.macs[name], [name], 2);
      m.ip(`link set ${name} up`);
      t.up = true;
      m.l3(t.seg);
    }
  } else {
    m.ip(`link set ${name} up`);
    t.up = true;
    const net = m.net();
    t.addr = `${net}.1`;
    m.ip(`addr add ${t.addr}/24 dev ${name}`);
    t.remote = `198.19.${r.int(200, 249)}`;
    m.ip(`route add ${t.remote}.0/24 dev ${name}`);
  }
  if (!t.up) { m.ip(`link set ${name} up`); t.up = true; }
  if (!attachFirst) attach();
}

// ---------------------------------------------------------------- conflicts
/** Commands the kernel refuses (or, surprisingly, accepts): macvlan on a bridge port, bridging a macvlan lower, passthru next to others, tun into a bridge... */
function conflicts(m: Model): string[] {
  const r = m.r;
  const out: string[] = [];
  const br = m.bridges.get('br0');
  const brPort = br?.ports.find((p) => p.startsWith('p'));
  const low = [...m.lowers.keys()][0];
  const group = low ? m.lowers.get(low)! : undefined;
  if (br && brPort) out.push(`link add mvx link ${brPort} type macvlan mode ${r.pick([...MODES, 'passthru'])}`);
  if (br && low) out.push(`link set ${low} master br0`);
  if (group?.[0]?.mode === 'passthru') out.push(`link add mvx link ${low} type macvlan mode ${r.pick(MODES)}`);
  else if (group) out.push(`link add mvx link ${low} type macvlan mode passthru`);
  const tun = m.tuns.find((t) => !t.tap);
  if (br && tun) out.push(`link set ${tun.name} master br0`);
  if (tun) out.push(`link add mvx link ${tun.name} type macvlan`);
  if (br) out.push('link add br0 type bridge');
  if (br && r.chance(0.5)) out.push(`link add br1 type bridge`, 'link set br1 master br0');
  if (m.plain.length) out.push(`link set ${m.plain[0]} nomaster`);
  out.push(`link add mvx link nosuch type macvlan`);
  const att = m.tuns.find((t) => t.attached);
  if (att) out.push(`tuntap add ${att.name} mode ${att.tap ? 'tap' : 'tun'}${att.pi ? ' pi' : ''}`);
  if (group && group[0].mode !== 'passthru') out.push(`link add ${group[0].name} link ${low} type macvlan`);
  return out.filter(() => r.chance(0.6));
}


// ---------------------------------------------------------------- cases
type Case = (m: Model) => void;
const other = (m: Model, s: Seg) => m.r.pick(m.segs.filter((x) => x !== s && x.hosts.length)) as Seg | undefined;

/** A host of some segment sends something that leaves through another segment (routed between devices). */
function routed(m: Model, from: Seg, cls: DevClass, kase: string) {
  const to = other(m, from);
  const h = m.r.pick(from.hosts);
  if (!to) return;
  const d = m.r.pick(to.hosts);
  const pkt = m.r.chance(0.5) ? echo(m, h.ip, d.ip, m.r.int(2, 64)) : udpPkt(m, h.ip, d.ip, m.r.int(1, 65535), m.r.int(2, 64));
  send(m, h, from.mac || bridgeMac(m), pkt, cls, kase, `${h.ip} -> ${d.ip} (${from.dev} -> ${to.dev})`);
}
/** br0's MAC: its own if set, else the smallest port MAC, all zeros once the last port left (br_stp_recalculate_bridge_id). */
function bridgeMac(m: Model): string {
  const br = m.bridges.get('br0')!;
  return br.mac ?? br.ports.map((p) => m.macs[p]).sort()[0] ?? '00:00:00:00:00:00';
}
/** A frame from host h: through its tester port, or written into its tap. */
function send(m: Model, h: Host, dstMac: string, pkt: Bytes, cls: DevClass, kase: string, note?: string, type = ETH_IP) {
  const t = m.tuns.find((x) => x.name === h.at);
  if (t && !t.attached) return;
  for (const br of m.bridges.values()) if (br.ports.includes(h.at)) m.learnt.set(h.mac, h.at);
  m.frame(h.at, t ? forTun(t, pkt, { dst: dstMac, src: h.mac, type }) : eth(dstMac, h.mac, type, pkt), cls, kase, note);
}

const macvlanCases: Record<string, Case> = {
  echo: (m) => { const g = pickMv(m); if (g) { const h = m.r.pick(g.seg.hosts); send(m, h, g.mac, echo(m, h.ip, g.seg.addr), 'macvlan', 'echo'); } },
  'udp-closed': (m) => { const g = pickMv(m); if (g) { const h = m.r.pick(g.seg.hosts); send(m, h, g.mac, udpPkt(m, h.ip, g.seg.addr, closed(m)), 'macvlan', 'udp-closed'); } },
  'arp-broadcast': (m) => { const g = pickMv(m); if (g) { const h = m.r.pick(g.seg.hosts); m.frame(h.at, arpReq(h, g.seg.addr), 'macvlan', 'arp-broadcast', `who-has ${g.seg.addr} (${g.name})`); } },
  'arp-unicast': (m) => { const g = pickMv(m); if (g) { const h = m.r.pick(g.seg.hosts); m.frame(h.at, arpReq(h, g.seg.addr, g.mac), 'macvlan', 'arp-unicast'); } },
  'arp-other-macvlan': (m) => {
    // a request for one macvlan's address heard by all of them (ARP flux: arp_ignore 0)
    const g = pickMv(m), o = g && m.r.pick(m.segs.filter((s) => s !== g.seg));
    if (g && o) { const h = m.r.pick(g.seg.hosts); m.frame(h.at, arpReq(h, o.addr), 'macvlan', 'arp-other-address', `who-has ${o.addr} (${o.dev}) on ${g.name}'s lower`); }
  },
  'foreign-mac': (m) => { const g = pickMv(m); if (g) { const h = m.r.pick(g.seg.hosts); send(m, h, `02:99:${hx(m.sb)}:00:00:${hx(m.r.int(0, 255))}`, echo(m, h.ip, g.seg.addr), 'macvlan', 'foreign-mac'); } },
  'lower-mac': (m) => { const g = pickMv(m); if (g) { const h = m.r.pick(g.seg.hosts); send(m, h, m.macs[h.at], echo(m, h.ip, g.seg.addr), 'macvlan', 'to-lower-mac', 'echo to the macvlan address, sent to the lower device MAC'); } },
  broadcast: (m) => { const g = pickMv(m); if (g) { const h = m.r.pick(g.seg.hosts); send(m, h, BCAST, udpPkt(m, h.ip, '255.255.255.255', closed(m)), 'macvlan', 'broadcast'); } },
  multicast: (m) => { const g = pickMv(m); if (g) { const h = m.r.pick(g.seg.hosts); send(m, h, mcastMac('224.0.0.251'), udpPkt(m, h.ip, '224.0.0.251', 5353), 'macvlan', 'multicast'); } },
  routed: (m) => { const g = pickMv(m); if (g) routed(m, g.seg, 'macvlan', 'routed'); },
  'to-sibling': (m) => {
    if (!m.toSibling.length) return;
    const x = m.r.pick(m.toSibling), h = m.r.pick(x.seg.hosts);
    send(m, h, x.mac, udpPkt(m, h.ip, `${x.remote}.${m.r.int(1, 254)}`, m.r.int(1, 65535), m.r.int(2, 6)), 'macvlan', 'to-sibling-macvlan', 'forwarded to a next hop whose MAC is another macvlan on the same lower');
  },
};
function pickMv(m: Model) {
  const all = [...m.lowers.values()].flat();
  return all.length ? m.r.pick(all) : undefined;
}

const bridgeCases: Record<string, Case> = {
  'unicast-known': (m) => l2(m, 'known'),
  'unicast-unknown': (m) => l2(m, 'unknown'),
  'no-hairpin': (m) => l2(m, 'hairpin'),
  broadcast: (m) => { const h = brHost(m); if (h) send(m, h, BCAST, udpPkt(m, h.ip, '255.255.255.255', closed(m)), 'bridge', 'broadcast'); },
  multicast: (m) => { const h = brHost(m); if (h) send(m, h, mcastMac('224.0.0.251'), udpPkt(m, h.ip, '224.0.0.251', 5353), 'bridge', 'multicast'); },
  'link-local': (m) => {
    const h = brHost(m);
    if (!h) return;
    const [suffix, what] = m.r.pick([['00', 'stp'], ['01', 'pause'], ['02', 'slow-protocols'], ['0e', 'lldp'], ['03', '802.1x']] as const);
    const payload = concat(new Uint8Array([0x42, 0x42, 0x03]), pattern(m.r.int(35, 46), m.r.int(0, 255)));
    const t = m.tuns.find((x) => x.name === h.at);
    const type = what === 'pause' ? 0x8808 : what === 'slow-protocols' ? 0x8809 : what === 'lldp' ? 0x88cc : what === '802.1x' ? 0x888e : payload.length;
    const f = eth(`01:80:c2:00:00:${suffix}`, h.mac, type, payload);
    if (t) { if (t.attached) m.frame(h.at, withPi(t, f, type), 'bridge', `link-local-${what}`); } else m.frame(h.at, f, 'bridge', `link-local-${what}`);
  },
  echo: (m) => { const br = m.bridges.get('br0'); const h = brHost(m); if (br?.seg && h) send(m, h, bridgeMac(m), echo(m, h.ip, br.seg.addr), 'bridge', 'echo'); },
  'echo-no-address': (m) => { const br = m.bridges.get('br0'); const h = brHost(m); if (br && !br.seg && h) send(m, h, bridgeMac(m), echo(m, h.ip, `${h.ip.split('.').slice(0, 3).join('.')}.1`), 'bridge', 'to-bridge-mac-no-address'); },
  'to-port-mac': (m) => {
    const br = m.bridges.get('br0'), h = brHost(m);
    if (!br || !h) return;
    const p = m.r.pick(br.ports);
    send(m, h, m.macs[p], br.seg ? echo(m, h.ip, br.seg.addr) : udpPkt(m, h.ip, '198.18.250.1', closed(m)), 'bridge', 'to-port-mac', `to ${p}'s MAC`);
  },
  arp: (m) => { const br = m.bridges.get('br0'); const h = brHost(m); if (br?.seg && h) send(m, h, BCAST, arp({ op: 1, sha: h.mac, spa: h.ip, tha: '00:00:00:00:00:00', tpa: br.seg.addr }), 'bridge', 'arp-request', undefined, ETH_ARP); },
  'src-own-mac': (m) => { const br = m.bridges.get('br0'); const h = brHost(m); if (br && h) send(m, { ...h, mac: bridgeMac(m) }, BCAST, udpPkt(m, h.ip, '255.255.255.255', closed(m)), 'bridge', 'source-is-bridge-mac'); },
  'src-multicast': (m) => { const h = brHost(m); if (h) send(m, { ...h, mac: '03:00:00:00:00:01' }, BCAST, udpPkt(m, h.ip, '255.255.255.255', closed(m)), 'bridge', 'multicast-source'); },
  roam: (m) => {
    // a host shows up behind another port: the bridge moves its fdb entry
    const br = m.bridges.get('br0'), h = brHost(m);
    if (!br || !h) return;
    const to = m.r.pick(br.ports.filter((p) => p !== h.at && (!m.tuns.find((t) => t.name === p) || m.tuns.find((t) => t.name === p)!.attached)));
    if (!to) return;
    h.at = to;
    send(m, h, BCAST, arp({ op: 1, sha: h.mac, spa: h.ip, tha: '00:00:00:00:00:00', tpa: h.ip }), 'bridge', 'roam', `gratuitous ARP from ${h.name} now behind ${to}`, ETH_ARP);
  },
  routed: (m) => { const br = m.bridges.get('br0'); if (br?.seg) routed(m, br.seg, 'bridge', 'routed'); },
};
function brHost(m: Model): Host | undefined {
  const br = m.bridges.get('br0');
  const hs = br?.hosts.filter((h) => br.ports.includes(h.at) && (!m.tuns.find((t) => t.name === h.at) || m.tuns.find((t) => t.name === h.at)!.attached));
  return hs?.length ? m.r.pick(hs) : undefined;
}
/** Host to host across the bridge: to a MAC the bridge learnt, one it has not seen, or one behind the ingress port. */
function l2(m: Model, kind: 'known' | 'unknown' | 'hairpin') {
  const br = m.bridges.get('br0');
  const h = brHost(m);
  if (!br || !h) return;
  let dst: { mac: string; ip: string } | undefined;
  if (kind === 'known') dst = br.hosts.find((x) => x !== h && m.learnt.get(x.mac) && m.learnt.get(x.mac) !== h.at);
  else if (kind === 'unknown') dst = br.hosts.find((x) => x !== h && !m.learnt.has(x.mac)) ?? { mac: `02:98:${hx(m.sb)}:00:00:${hx(m.r.int(0, 255))}`, ip: `${h.ip.split('.').slice(0, 3).join('.')}.200` };
  else dst = br.hosts.find((x) => x !== h && m.learnt.get(x.mac) === h.at);
  if (!dst) return;
  send(m, h, dst.mac, m.r.chance(0.5) ? udpPkt(m, h.ip, dst.ip, m.r.int(1, 65535)) : echo(m, h.ip, dst.ip), 'bridge', kind === 'hairpin' ? 'no-hairpin' : `unicast-${kind}`);
}

const tunCases: Record<string, Case> = {
  'write-echo': (m) => tunWrite(m, (t, src) => echo(m, src, t.addr!), 'write-echo'),
  'write-echo-other': (m) => { const s = m.segs.find((x) => x.cls !== 'tun'); if (s) tunWrite(m, (_t, src) => echo(m, src, s.addr), 'write-echo-other-device'); },
  'write-udp-closed': (m) => tunWrite(m, (t, src) => udpPkt(m, src, t.addr!, closed(m)), 'write-udp-closed'),
  'write-routed': (m) => { const s = m.r.pick(m.segs.filter((x) => x.hosts.length && x.cls !== 'tun')); if (s) tunWrite(m, (_t, src) => udpPkt(m, src, m.r.pick(s.hosts).ip, m.r.int(1, 65535), m.r.int(2, 64)), 'write-routed'); },
  'write-bad': (m) => {
    const t = m.tuns.find((x) => !x.tap && x.attached);
    if (!t) return;
    const bad = m.r.pick(['version', 'short', 'pi-proto'] as const);
    const src = `${t.remote}.${m.r.int(2, 250)}`;
    let b: Bytes;
    if (bad === 'version') { const p = echo(m, src, t.addr!); p[0] = 0x55; b = withPi(t, p, ETH_IP); } else if (bad === 'short') b = t.pi ? new Uint8Array([0, 0]) : new Uint8Array([0x45]);
    else b = concat(new Uint8Array([0, 0, 0x86, 0xdd]), echo(m, src, t.addr!));
    if (bad === 'pi-proto' && !t.pi) return;
    m.frame(t.name, b, 'tun', `write-bad-${bad}`);
  },
  'read-routed': (m) => {
    // traffic from a port's host to the network behind the tun: read from the tun queue
    const t = m.r.pick(m.tuns.filter((x) => !x.tap));
    const s = m.r.pick(m.segs.filter((x) => x.hosts.length && x.cls !== 'tun'));
    if (!t || !s) return;
    const h = m.r.pick(s.hosts);
    send(m, h, s.mac || bridgeMac(m), m.r.chance(0.5) ? echo(m, h.ip, `${t.remote}.${m.r.int(2, 250)}`, m.r.int(2, 64)) : udpPkt(m, h.ip, `${t.remote}.${m.r.int(2, 250)}`, m.r.int(1, 65535)), 'tun', 'read-routed');
  },
  'tap-echo': (m) => { const t = tapSeg(m); if (t) { const h = m.r.pick(t.seg!.hosts); m.frame(t.name, forTun(t, echo(m, h.ip, t.seg!.addr), { dst: t.seg!.mac, src: h.mac }), 'tun', 'tap-echo'); } },
  'tap-arp': (m) => { const t = tapSeg(m); if (t) { const h = m.r.pick(t.seg!.hosts); m.frame(t.name, withPi(t, arpReq(h, t.seg!.addr), ETH_ARP), 'tun', 'tap-arp'); } },
  'tap-foreign-mac': (m) => { const t = tapSeg(m); if (t) { const h = m.r.pick(t.seg!.hosts); m.frame(t.name, forTun(t, echo(m, h.ip, t.seg!.addr), { dst: `02:97:${hx(m.sb)}:00:00:01`, src: h.mac }), 'tun', 'tap-foreign-mac'); } },
  'tap-short': (m) => { const t = tapSeg(m); if (t) m.frame(t.name, withPi(t, new Uint8Array(m.r.int(1, 13)), ETH_IP), 'tun', 'tap-write-short'); },
  'tap-read-routed': (m) => {
    const t = tapSeg(m), s = m.r.pick(m.segs.filter((x) => x.hosts.length && x.cls !== 'tun'));
    if (t && s) { const h = m.r.pick(s.hosts); send(m, h, s.mac || bridgeMac(m), echo(m, h.ip, m.r.pick(t.seg!.hosts).ip, m.r.int(2, 64)), 'tun', 'tap-read-routed'); }
  },
};
function tapSeg(m: Model) { const ts = m.tuns.filter((x) => x.tap && x.seg && x.attached); return ts.length ? m.r.pick(ts) : undefined; }
function tunWrite(m: Model, mk: (t: Model['tuns'][number], src: string) => Bytes, kase: string) {
  const ts = m.tuns.filter((x) => !x.tap && x.attached);
  if (!ts.length) return;
  const t = m.r.pick(ts);
  m.frame(t.name, withPi(t, mk(t, `${t.remote}.${m.r.int(2, 250)}`), ETH_IP), 'tun', kase);
}

/** Changes in the middle of the traffic: a port leaves the bridge, a port moves to a second bridge, a tun goes down and up. */
function changes(m: Model): (() => void)[] {
  const r = m.r;
  const out: (() => void)[] = [];
  const br = m.bridges.get('br0');
  const vethPorts = br?.ports.filter((p) => p.startsWith('p')) ?? [];
  if (br && vethPorts.length >= 2 && r.chance(0.4)) {
    out.push(() => {
      const p = r.pick(vethPorts);
      m.ip(`link set ${p} nomaster`, 'bridge', 'nomaster');
      br.ports.splice(br.ports.indexOf(p), 1);
      for (const [mac, at] of m.learnt) if (at === p) m.learnt.delete(mac);
    });
  }
  if (br && vethPorts.length >= 2 && r.chance(0.3)) {
    out.push(() => {
      const p = br.ports.find((x) => x.startsWith('p'))!;
      if (!m.devices.some((d) => d.name === 'br1')) { m.devices.push({ name: 'br1', cls: 'bridge' }); m.ip('link add br1 type bridge', 'bridge', 'add'); m.ip('link set br1 up'); }
      m.ip(`link set ${p} master br1`, 'conflict', 'second-bridge');
      br.ports.splice(br.ports.indexOf(p), 1);
      for (const [mac, at] of m.learnt) if (at === p) m.learnt.delete(mac);
    });
  }
  const t = m.tuns.find((x) => x.attached && !x.tap);
  if (t && r.chance(0.35)) {
    out.push(() => {
      m.ip(`link set ${t.name} down`, 'tun', 'down');
      tunCases['write-echo'](m);
      tunCases['read-routed'](m);
      m.ip(`link set ${t.name} up`, 'tun', 'up');
    });
  }
  return out;
}

export function generateDevices(seed: number): DevScenario {
  const r = new Rng(seed * 6007 + 29);
  const m = new Model(r);
  topology(m);
  // a device a refused command would have made is asked about too (it must not exist)
  m.devices.push({ name: 'mvx', cls: 'conflict' });
  for (const c of conflicts(m)) {
    if (c === 'link add br1 type bridge') m.devices.push({ name: 'br1', cls: 'bridge' });
    m.ip(c, 'conflict', conflictName(c));
  }
  // the traffic: every applicable case about twice, in random order; state changes at random points in between
  const cases: Case[] = [];
  const all = [...(m.lowers.size ? Object.values(macvlanCases) : []), ...(m.bridges.size ? Object.values(bridgeCases) : []), ...(m.tuns.length ? Object.values(tunCases) : [])];
  for (const c of all) { cases.push(c); if (r.chance(0.7)) cases.push(c); }
  if (m.bridges.size) for (let i = r.int(2, 5); i > 0; i--) cases.push(r.pick([bridgeCases['unicast-known'], bridgeCases['unicast-unknown'], bridgeCases['no-hairpin'], bridgeCases.roam]));
  m.shuffle(cases);
  const ch = changes(m);
  const at = ch.map(() => r.int(Math.floor(cases.length / 3), cases.length));
  const devs = () => m.devices.map((d) => d.name);
  cases.forEach((c, i) => {
    ch.forEach((f, k) => { if (at[k] === i) f(); });
    if (i === Math.floor(cases.length / 2) && r.chance(0.3)) m.steps.push({ query: devs() });
    c(m);
  });
  ch.forEach((f, k) => { if (at[k] === cases.length) f(); });
  m.steps.push({ query: devs() });
  return { seed, gen: DEV_GEN_VERSION, ports: m.ports, tuns: m.tuns.map(({ name, tap, pi }) => ({ name, tap, pi })), devices: m.devices, macs: m.macs, steps: m.steps };
}

function conflictName(c: string): string {
  if (/link add mvx link p\d+ type macvlan mode passthru/.test(c)) return 'passthru-beside-others-or-bridge-port';
  if (/link add mvx link nosuch/.test(c)) return 'no-such-lower';
  if (/link add mvx link tun/.test(c)) return 'macvlan-on-tun';
  if (/link add mvx link/.test(c)) return 'macvlan-on-busy-lower';
  if (/master br0/.test(c) && /br1/.test(c)) return 'bridge-in-bridge';
  if (/tun\d master/.test(c)) return 'tun-into-bridge';
  if (/master br0/.test(c)) return 'macvlan-lower-into-bridge';
  if (/nomaster/.test(c)) return 'nomaster-not-enslaved';
  if (/tuntap add/.test(c)) return 'tuntap-attached';
  if (/link add br1/.test(c)) return 'second-bridge';
  return 'exists';
}

/** Every IPv4 address in a scenario's commands (for the address-range rule). */
export const devAddresses = (sc: DevScenario): string[] =>
  [...new Set(sc.steps.flatMap((s) => ('ip' in s ? s.ip.match(/\b\d+\.\d+\.\d+\.\d+\b/g) ?? [] : [])))];
