// Deterministic generator of random routing scenarios for the differential
// test against the real kernel (see test/diff/README.md for the format).
//
// A scenario is a list of steps, run in order in a fresh network namespace:
//   { ip: "route add 192.0.2.0/24 dev v0" }   one `ip -4 -force -j` command (a batch line)
//   { ip: "nexthop add id 9 group 1/2", family: 'unspec' }   the same without -4 (a group's family is AF_UNSPEC)
//   { sysctl: ["net.ipv4.ip_forward", "1"] }   one sysctl write
// Consecutive ip steps form one batch file (`groups()`); sysctl steps sit
// between batches, so per-device keys can be set once the device exists.
//
// Everything is drawn from one seeded PRNG (mulberry32), so a seed always
// yields the same scenario for a given GEN_VERSION. Bump GEN_VERSION whenever
// the output for an existing seed changes; fixtures record the version they
// were made with, and are replayed from their stored steps, not regenerated.

// Version 2: per-seed profiles (rules-heavy, input-path-heavy, dense overlapping
// routes, device churn), late link add/del/rename, more show filters, flush.
// Version 3: nexthop objects (single, blackhole, onlink, groups with weights; add, replace, del,
// flush, show, get), routes using them (nhid), a fixed fib_multipath_hash_seed where they are used.
export const GEN_VERSION = 3;

/** `family: 'unspec'`: the line runs without -4 (iproute2's preferred family left unspecified) */
export type Step = { ip: string; family?: 'unspec' } | { sysctl: [string, string] };
export interface Scenario { seed: number; gen: number; steps: Step[] }

/** mulberry32: small, fast, good enough for test generation. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed ^ 0x9e3779b9) >>> 0; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]; }
  /** pick by weight: [[weight, value], ...] */
  weighted<T>(xs: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of xs) total += w;
    let r = this.next() * total;
    for (const [w, v] of xs) { if ((r -= w) < 0) return v; }
    return xs[xs.length - 1][1];
  }
}

// ---------------------------------------------------------------- addresses
export const ipToNum = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0) >>> 0;
export const numToIp = (n: number): string => [24, 16, 8, 0].map((b) => (n >>> b) & 255).join('.');
const maskOf = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
export interface Prefix { net: number; len: number }
const pfx = (s: string): Prefix => { const [a, l] = s.split('/'); return { net: ipToNum(a), len: Number(l ?? 32) }; };
const fmtPrefix = (p: Prefix): string => (p.len === 0 ? 'default' : p.len === 32 ? numToIp(p.net) : `${numToIp(p.net)}/${p.len}`);
const bcastOf = (p: Prefix): number => (p.net | ~maskOf(p.len)) >>> 0;

/** The only ranges a packet address is drawn from (RFC 5737 documentation, RFC 2544 benchmarking). */
const ANCHORS: Prefix[] = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/15'].map(pfx);
/** Route/rule prefixes around the anchors (never used as a packet address). */
const SUPERNETS: Prefix[] = ['128.0.0.0/1', '192.0.0.0/16', '198.0.0.0/8', '198.16.0.0/13', '203.0.112.0/22', '192.0.2.0/23'].map(pfx);
const MCAST_NETS: Prefix[] = ['224.0.0.0/4', '239.0.0.0/8', '224.0.0.0/24'].map(pfx);
const SPECIAL_DST = ['0.0.0.0', '127.0.0.1', '127.0.0.5', '224.0.0.1', '224.0.0.251', '239.1.2.3', '255.255.255.255'];
const SPECIAL_SRC = ['0.0.0.0', '127.0.0.1', '224.0.0.5', '255.255.255.255'];

const TABLES = ['main', 'local', 'default', '10', '100', '1000', '70000', '4294967295'] as const;
const USER_TABLES = ['10', '100', '1000', '70000', '4294967295'];

// ---------------------------------------------------------------- the world model
interface Dev { name: string; peer: string; up: boolean }
interface Addr { dev: string; local: number; prefix: Prefix; peer?: number }
interface RouteRec { table: string; dst: string; tos?: string; metric?: string; type: string; dev?: string; via?: string; nhid?: number }

export type Profile = 'balanced' | 'rules' | 'input' | 'dense' | 'churn';

class World {
  devs: Dev[] = [];
  pairs = 0;
  profile: Profile = 'balanced';
  addrs: Addr[] = [];
  routes: RouteRec[] = [];
  rulePrefs: number[] = [];
  prefixes: Prefix[] = []; // every prefix configured anywhere, for query targeting
  gateways: number[] = [];
  /** nexthop object ids this scenario made (or tried to), the groups among them */
  nhIds: number[] = [];
  nhGroups: number[] = [];
  constructor(readonly r: Rng) {}

  devNames(): string[] { return this.devs.map((d) => d.name); }
  upDevs(): Dev[] { return this.devs.filter((d) => d.up); }
  dev(opts: { up?: boolean; missing?: number; lo?: number } = {}): string {
    const r = this.r;
    if (opts.missing && r.chance(opts.missing)) return r.pick(['nosuch0', 'v9', 'veth9']);
    if (opts.lo && r.chance(opts.lo)) return 'lo';
    const pool = opts.up ? this.upDevs() : this.devs;
    return r.pick(pool.length ? pool : this.devs).name;
  }

  /** A random sub-prefix of an anchor (or around it). */
  prefix(): Prefix {
    const r = this.r;
    const k = r.weighted([[6, 'anchor'], [this.profile === 'dense' ? 12 : 3, 'known'], [1, 'super'], [0.6, 'default'], [0.4, 'mcast']] as const);
    if (k === 'known' && this.prefixes.length) {
      const p = r.pick(this.prefixes);
      // same, or a more/less specific neighbour of a known prefix
      const len = Math.max(0, Math.min(32, p.len + r.pick([0, 0, 0, 1, 2, 4, -1, -4, 8])));
      return { net: (p.net & maskOf(len)) >>> 0, len };
    }
    if (k === 'super') return r.pick(SUPERNETS);
    if (k === 'default') return { net: 0, len: 0 };
    if (k === 'mcast') return r.pick(MCAST_NETS);
    const a = r.pick(ANCHORS);
    const len = r.weighted([[2, a.len], [3, 24], [2, 25], [2, 26], [3, 28], [1, 29], [1, 30], [1, 31], [3, 32], [1, 16], [1, 20], [1, 27]] as const);
    const L = Math.max(len, a.len);
    const host = r.int(0, 2 ** (32 - a.len) - 1);
    return { net: ((a.net + host) & maskOf(L)) >>> 0, len: L };
  }

  /** A host address inside a prefix (sometimes its network or broadcast address). */
  hostIn(p: Prefix, edges = 1): number {
    const r = this.r;
    const size = 2 ** (32 - p.len);
    if (size <= 2) return (p.net + r.int(0, size - 1)) >>> 0;
    const k = r.weighted([[8, 'host'], [edges, 'net'], [edges, 'bcast']] as const);
    if (k === 'net') return p.net;
    if (k === 'bcast') return bcastOf(p);
    return (p.net + r.int(1, Math.min(size - 2, 300))) >>> 0;
  }

  /**
   * A prefix to draw a packet address from: p itself when it lies inside an
   * anchor range, the anchor when p covers one, else none (undefined).
   */
  docPart(p: Prefix): Prefix | undefined {
    for (const a of ANCHORS) {
      if (p.len >= a.len && ((p.net & maskOf(a.len)) >>> 0) === a.net) return p;
      if (p.len < a.len && ((a.net & maskOf(p.len)) >>> 0) === p.net) return a;
    }
    return undefined;
  }

  /** A random address from the documentation/benchmark ranges. */
  docAddr(): number { const a = this.r.pick(ANCHORS); return this.hostIn(a); }

  /** A destination worth asking about. */
  dst(special = 2): string {
    const r = this.r;
    const k = r.weighted([[7, 'known'], [3, 'local'], [2, 'bcast'], [2, 'gw'], [special, 'special'], [3, 'doc']] as const);
    if (k === 'known' && this.prefixes.length) {
      const p = r.pick(this.prefixes);
      if (p.net >>> 28 === 14) return r.pick(['224.0.0.1', '239.1.2.3', '224.0.0.251']);
      const d = this.docPart(p);
      return numToIp(d ? this.hostIn(d) : this.docAddr());
    }
    if (k === 'local' && this.addrs.length) return numToIp(r.pick(this.addrs).local);
    if (k === 'bcast' && this.addrs.length) {
      const a = r.pick(this.addrs);
      return numToIp(r.chance(0.7) ? bcastOf(a.prefix) : a.prefix.net);
    }
    if (k === 'gw' && this.gateways.length) return numToIp(r.pick(this.gateways));
    if (k === 'special') return r.pick(SPECIAL_DST);
    return numToIp(this.docAddr());
  }

  /** A source for an input-path query: a neighbour in a connected subnet, a local address, a martian, anything. */
  src(): string {
    const r = this.r;
    const k = r.weighted([[10, 'neigh'], [1, 'local'], [0.6, 'special'], [3, 'doc'], [0.4, 'bcast']] as const);
    if (k === 'neigh' && this.addrs.length) {
      const a = r.pick(this.addrs);
      if (a.peer !== undefined && r.chance(0.5)) return numToIp(a.peer);
      return numToIp(this.hostIn(a.prefix, 0.1));
    }
    if (k === 'local' && this.addrs.length) return numToIp(r.pick(this.addrs).local);
    if (k === 'bcast' && this.addrs.length) return numToIp(bcastOf(r.pick(this.addrs).prefix));
    if (k === 'special') return r.pick(SPECIAL_SRC);
    return numToIp(this.docAddr());
  }

  /** A gateway (and the device it is on, when known): mostly inside a connected subnet, so adds succeed. */
  gatewayOn(): { gw: string; dev?: string } {
    const r = this.r;
    const onUp = this.addrs.filter((a) => this.devs.find((d) => d.name === a.dev)?.up && a.prefix.len < 31);
    const k = r.weighted([[10, 'connected'], [1, 'local'], [1, 'random'], [1, 'known']] as const);
    let g: number, dev: string | undefined;
    if (k === 'connected' && onUp.length) {
      const a = r.pick(onUp);
      dev = a.dev;
      do g = this.hostIn(a.prefix, 0.2); while (g === a.local && r.chance(0.8));
    } else if (k === 'local' && this.addrs.length) { const a = r.pick(this.addrs); g = a.local; dev = a.dev; }
    else if (k === 'known' && this.gateways.length) g = r.pick(this.gateways);
    else g = this.docAddr();
    if (!this.gateways.includes(g)) this.gateways.push(g);
    return { gw: numToIp(g), dev };
  }
  gateway(): string { return this.gatewayOn().gw; }

  localAddr(): string { return this.addrs.length ? numToIp(this.r.pick(this.addrs).local) : numToIp(this.docAddr()); }
}

// ---------------------------------------------------------------- command builders
function linkCreate(w: World, i: number): string {
  const r = w.r;
  w.pairs = Math.max(w.pairs, i + 1);
  const a = `v${2 * i}`, b = `v${2 * i + 1}`;
  const mac = (n: number) => `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
  if (!w.devs.some((d) => d.name === a || d.name === b)) w.devs.push({ name: a, peer: b, up: false }, { name: b, peer: a, up: false });
  const mtuA = r.chance(0.15) ? ` mtu ${r.pick([1280, 1400, 9000])}` : '';
  const mtuB = r.chance(0.1) ? ` mtu ${r.pick([1280, 1400, 9000])}` : '';
  return `link add ${a} address ${mac(2 * i + 1)}${mtuA} type veth peer name ${b} address ${mac(2 * i + 2)}${mtuB}`;
}

function linkOp(w: World): string {
  const r = w.r;
  const d = r.pick(w.devs);
  const k = r.weighted([[5, 'up'], [3, 'down'], [1, 'mtu'], [1, 'group'], [0.3, 'bad'],
    [w.pairs < 5 ? 0.6 : 0, 'add'], [w.devs.length > 2 ? 0.3 : 0, 'del'], [0.4, 'rename']] as const);
  if (k === 'add') return linkCreate(w, w.pairs);
  if (k === 'del') {
    w.devs = w.devs.filter((x) => x.name !== d.name && x.name !== d.peer);
    w.addrs = w.addrs.filter((a) => a.dev !== d.name && a.dev !== d.peer);
    return `link del ${d.name}`;
  }
  if (k === 'rename') {
    // to a name that rules may already refer to (re-attaching them). Since Linux 6.2 an
    // up device can be renamed too (its IFF_UP no longer gives EBUSY).
    const to = r.pick(['v9', 'nosuch0', 'veth9', `w${r.int(0, 3)}`]);
    const old = d.name;
    if (!w.devs.some((x) => x.name === to)) {
      for (const x of w.devs) if (x.peer === old) x.peer = to;
      for (const a of w.addrs) if (a.dev === old) a.dev = to;
      d.name = to;
    }
    return `link set ${old} name ${to}`;
  }
  if (k === 'up') { d.up = true; return `link set ${d.name} up`; }
  if (k === 'down') { d.up = false; return `link set ${d.name} down`; }
  if (k === 'mtu') return `link set ${d.name} mtu ${r.pick([68, 576, 1280, 1500, 9000, 67, 70000])}`;
  if (k === 'group') return `link set ${d.name} group ${r.pick([0, 1, 3, 7])}`;
  return r.pick([`link set nosuch0 up`, `link set ${d.name} mtu abc`]);
}

function addrAdd(w: World): string {
  const r = w.r;
  const dev = w.dev({ lo: 0.08 });
  const anchor = r.pick(ANCHORS);
  const len = r.weighted([[10, 24], [2, 25], [2, 26], [3, 28], [1, 29], [1, 30], [1, 31], [2, 32], [1, 16], [1, 20]] as const);
  const L = Math.max(len, anchor.len);
  // sometimes reuse a subnet already configured (secondary addresses, same subnet on two devices)
  let prefix: Prefix;
  const reuse = w.addrs.length && r.chance(0.3) ? r.pick(w.addrs) : undefined;
  if (reuse && reuse.prefix.len < 31) prefix = reuse.prefix;
  else prefix = { net: ((anchor.net + r.int(0, 2 ** (32 - anchor.len) - 1)) & maskOf(L)) >>> 0, len: L };
  let local = w.hostIn(prefix);
  if (prefix.len < 31 && r.chance(0.8)) local = (prefix.net + r.int(1, Math.min(2 ** (32 - prefix.len) - 2, 60))) >>> 0;
  let cmd = `addr add ${numToIp(local)}/${prefix.len}`;
  let peer: number | undefined;
  if (r.chance(0.08)) {
    // point-to-point: "local L peer P[/len]"
    peer = w.docAddr();
    const plen = r.pick([32, 32, 24, 28]);
    const pp = { net: (peer & maskOf(plen)) >>> 0, len: plen };
    cmd = `addr add ${numToIp(local)} peer ${numToIp(plen === 32 ? peer : pp.net)}/${plen}`;
    prefix = pp;
  }
  if (r.chance(0.12)) cmd += r.pick([' brd +', ` brd ${numToIp(bcastOf(prefix))}`, ` broadcast ${numToIp(w.docAddr())}`, ' brd -']);
  if (r.chance(0.1)) cmd += ' noprefixroute';
  if (r.chance(0.12)) cmd += ` metric ${r.pick([0, 5, 100, 1024])}`;
  if (r.chance(0.06)) cmd += ` scope ${r.pick(['link', 'host', 'global', 'site'])}`;
  cmd += ` dev ${dev}`;
  w.addrs.push({ dev, local, prefix, peer });
  w.prefixes.push(prefix);
  return cmd;
}

function addrDel(w: World): string {
  const r = w.r;
  if (!w.addrs.length || r.chance(0.15)) return `addr del ${numToIp(w.docAddr())}/24 dev ${w.dev()}`;
  const i = r.int(0, w.addrs.length - 1);
  const a = w.addrs[i];
  w.addrs.splice(i, 1);
  return `addr del ${numToIp(a.local)}/${a.peer !== undefined ? 32 : a.prefix.len} dev ${a.dev}`;
}

const ROUTE_TYPES = [[60, 'unicast'], [7, 'blackhole'], [7, 'unreachable'], [6, 'prohibit'], [7, 'throw'],
  [5, 'local'], [3, 'broadcast'], [3, 'multicast'], [2, 'anycast'], [0.7, 'nat']] as const;

function tableOpt(w: World, forType: string): string {
  const r = w.r;
  const t = r.weighted([[30, ''], [10, 'main'], [3, 'local'], [3, 'default'], [8, '10'], [8, '100'], [4, '1000'], [4, '70000'], [4, '4294967295'], [0.5, '0'], [0.3, 'bogus']] as const);
  void forType;
  return t ? ` table ${t}` : '';
}

function routeAddCmd(w: World, verb: string): string {
  const r = w.r;
  const type = r.weighted(ROUTE_TYPES);
  const p = type === 'multicast' && r.chance(0.7) ? r.pick(MCAST_NETS) : w.prefix();
  let dst = fmtPrefix(p);
  if (r.chance(0.02)) dst = `${numToIp((p.net | 1) >>> 0)}/${Math.min(p.len, 24)}`; // host bits set: invalid
  if (r.chance(0.01)) dst = `${numToIp(p.net)}/33`;
  let cmd = `route ${verb}`;
  if (type !== 'unicast' || r.chance(0.1)) cmd += ` ${type}`;
  cmd += ` ${dst}`;
  let dev: string | undefined, via: string | undefined, nhid: number | undefined;
  const errType = ['blackhole', 'unreachable', 'prohibit', 'throw'].includes(type);
  if (w.nhIds.length && (type === 'unicast' ? r.chance(0.5) : r.chance(0.05))) {
    nhid = r.chance(0.95) ? r.pick(w.nhIds) : r.pick([0, 99]);
    cmd += ` nhid ${nhid}`;
    if (r.chance(0.03)) cmd += ` dev ${w.dev()}`;
  } else if (!errType || r.chance(0.04)) {
    if (type === 'unicast' && r.chance(0.6)) {
      const g = w.gatewayOn();
      via = g.gw;
      cmd += ` via ${via}`;
      if (r.chance(0.45)) { dev = g.dev && r.chance(0.8) ? g.dev : w.dev({ up: true, missing: 0.03 }); cmd += ` dev ${dev}`; }
      if (r.chance(0.1)) cmd += ' onlink';
    } else {
      dev = w.dev({ up: r.chance(0.85), missing: 0.03, lo: type === 'local' ? 0.3 : 0.05 });
      cmd += ` dev ${dev}`;
    }
  }
  const table = tableOpt(w, type);
  cmd += table;
  if (r.chance(0.15)) cmd += ` src ${r.chance(0.8) ? w.localAddr() : numToIp(w.docAddr())}`;
  let metric: string | undefined;
  if (r.chance(0.3)) { metric = String(r.pick([0, 1, 10, 100, 1024, 4294967295])); cmd += ` ${r.pick(['metric', 'preference'])} ${metric}`; }
  let tos: string | undefined;
  if (r.chance(0.07)) { tos = r.pick(['0x10', '0x08', '0x04', '0x1c', '0x02', '0x18']); cmd += ` tos ${tos}`; }
  if (r.chance(0.08)) cmd += ` scope ${r.pick(['global', 'link', 'host', 'site', '253', 'nowhere'])}`;
  if (r.chance(0.1)) cmd += ` proto ${r.pick(['static', 'boot', 'kernel', '99', 'redirect'])}`;
  w.prefixes.push(p);
  const tname = table ? table.trim().split(' ')[1] : '';
  w.routes.push({ table: tname, dst, tos, metric, type, dev, via, nhid });
  return cmd;
}

function routeDelCmd(w: World): string {
  const r = w.r;
  if (!w.routes.length || r.chance(0.15)) {
    const p = w.prefix();
    return `route del ${fmtPrefix(p)}${tableOpt(w, '')}${r.chance(0.3) ? ` dev ${w.dev()}` : ''}`;
  }
  const i = r.int(0, w.routes.length - 1);
  const rt = w.routes[i];
  w.routes.splice(i, 1);
  let cmd = 'route del';
  if (rt.type !== 'unicast' && r.chance(0.5)) cmd += ` ${rt.type}`;
  cmd += ` ${rt.dst}`;
  if (rt.table) cmd += ` table ${rt.table}`;
  if (rt.tos) cmd += ` tos ${rt.tos}`;
  if (rt.metric && r.chance(0.8)) cmd += ` metric ${rt.metric}`;
  if (rt.dev && r.chance(0.4)) cmd += ` dev ${rt.dev}`;
  if (rt.via && r.chance(0.3)) cmd += ` via ${rt.via}`;
  if (rt.nhid !== undefined && r.chance(0.5)) cmd += ` nhid ${r.chance(0.9) ? rt.nhid : r.pick(w.nhIds)}`;
  return cmd;
}

function routeCmd(w: World): string {
  const r = w.r;
  const verb = r.weighted([[50, 'add'], [12, 'replace'], [8, 'append'], [5, 'prepend'], [8, 'change'], [17, 'del']] as const);
  if (verb === 'del') return routeDelCmd(w);
  if ((verb === 'change' || verb === 'replace') && w.routes.length && r.chance(0.8)) {
    // modify an existing route: same key, new nexthop/type
    const rt = r.pick(w.routes);
    let cmd = `route ${verb}`;
    const type = r.weighted([[6, 'unicast'], [1, 'blackhole'], [1, 'unreachable'], [1, 'prohibit']] as const);
    if (type !== 'unicast') cmd += ` ${type} ${rt.dst}`;
    else if (w.nhIds.length && r.chance(0.3)) cmd += ` ${rt.dst} nhid ${r.pick(w.nhIds)}`;
    else if (r.chance(0.6)) { const g = w.gatewayOn(); cmd += ` ${rt.dst} via ${g.gw}${g.dev && r.chance(0.5) ? ` dev ${g.dev}` : ''}`; }
    else cmd += ` ${rt.dst} dev ${w.dev({ up: true })}`;
    if (rt.table) cmd += ` table ${rt.table}`;
    if (rt.tos) cmd += ` tos ${rt.tos}`;
    if (rt.metric) cmd += ` metric ${rt.metric}`;
    return cmd;
  }
  return routeAddCmd(w, verb);
}

/** `ip nexthop` add/replace/del/flush: a step, with the family a group needs */
function nexthopCmd(w: World): Step {
  const r = w.r;
  const k = r.weighted([[10, 'single'], [w.nhIds.length > 1 ? 5 : 0.3, 'group'], [2, 'replace'], [w.nhIds.length ? 2 : 0, 'del'],
    [0.3, 'flush'], [0.4, 'bad']] as const);
  const newId = () => {
    const id = r.chance(0.9) ? r.int(1, 12) : r.pick([0, 100, 4294967295]);
    if (id && !w.nhIds.includes(id)) w.nhIds.push(id);
    return id;
  };
  // a nexthop needs a device with carrier: both ends of its veth pair up
  const carrier = w.upDevs().filter((d) => w.devs.some((p) => p.name === d.peer && p.up));
  const onCarrier = w.addrs.filter((a) => carrier.some((d) => d.name === a.dev) && a.prefix.len < 31);
  const single = (): string => {
    const f = r.weighted([[8, 'gw'], [3, 'dev'], [1.5, 'blackhole'], [1, 'onlink'], [0.5, 'nodev']] as const);
    if (f === 'blackhole') return 'blackhole';
    if (f === 'dev') return `dev ${carrier.length && r.chance(0.85) ? r.pick(carrier).name : w.dev({ missing: 0.03 })}`;
    if (f === 'gw' && onCarrier.length && r.chance(0.85)) {
      const a = r.pick(onCarrier);
      const g = w.hostIn(a.prefix, 0.1);
      if (!w.gateways.includes(g)) w.gateways.push(g);
      return `via ${numToIp(g)} dev ${a.dev}`;
    }
    const g = w.gatewayOn();
    if (f === 'nodev') return `via ${g.gw}`;
    const dev = g.dev && r.chance(0.85) ? g.dev : w.dev({ up: true });
    if (f === 'onlink') return `via ${numToIp(w.docAddr())} dev ${dev} onlink`;
    return `via ${g.gw} dev ${dev}`;
  };
  const group = (): string => {
    const n = r.weighted([[1, 1], [4, 2], [2, 3], [0.5, 4]] as const);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      // members mostly distinct (the kernel refuses an id twice)
      const free = w.nhIds.filter((x) => !ids.some((s) => s.split(',')[0] === String(x)));
      const id = r.chance(0.92) && free.length ? r.pick(r.chance(0.95) ? free : w.nhIds) : r.int(1, 14);
      ids.push(r.chance(0.3) ? `${id},${r.pick([2, 3, 5, 256])}` : String(id));
    }
    return `group ${ids.join('/')}`;
  };
  const proto = () => (r.chance(0.08) ? ` proto ${r.pick(['static', 'zebra', '99'])}` : '');
  if (k === 'single') return { ip: `nexthop add id ${newId()} ${single()}${proto()}` };
  if (k === 'group') {
    const id = newId();
    if (!w.nhGroups.includes(id)) w.nhGroups.push(id);
    return { ip: `nexthop add id ${id} ${group()}${proto()}`, family: r.chance(0.92) ? 'unspec' : undefined };
  }
  if (k === 'replace') {
    const id = w.nhIds.length && r.chance(0.9) ? r.pick(w.nhIds) : newId();
    if (w.nhGroups.includes(id) ? r.chance(0.85) : r.chance(0.1)) return { ip: `nexthop replace id ${id} ${group()}`, family: 'unspec' };
    return { ip: `nexthop replace id ${id} ${single()}` };
  }
  if (k === 'del') return { ip: `nexthop del id ${r.chance(0.9) ? r.pick(w.nhIds) : r.pick([0, 77])}` };
  if (k === 'flush') return { ip: `nexthop flush${r.chance(0.5) ? ` dev ${w.dev()}` : ''}`, family: r.chance(0.7) ? 'unspec' : undefined };
  return { ip: r.pick(['nexthop add id 5', 'nexthop add id 5 group 1/1', 'nexthop add id 5 blackhole dev lo', 'nexthop get id 0',
    'nexthop add id x dev lo', 'nexthop del', 'nexthop add id 5 group 1,0']), family: 'unspec' };
}

/**
 * A start that works: nexthops through connected gateways on devices with carrier, a weighted group of them and
 * routes using both, so that the later queries meet them (the random commands alone rarely build a group).
 */
function nexthopSetup(w: World): Step[] {
  const r = w.r;
  const carrier = w.upDevs().filter((d) => w.devs.some((p) => p.name === d.peer && p.up));
  const on = w.addrs.filter((a) => carrier.some((d) => d.name === a.dev) && a.prefix.len < 30 && a.peer === undefined);
  if (!on.length) return [];
  const steps: Step[] = [];
  const n = r.int(2, 4);
  const members: string[] = [];
  for (let id = 1; id <= n; id++) {
    const a = r.pick(on);
    let g: number;
    do g = w.hostIn(a.prefix, 0); while (g === a.local);
    if (!w.gateways.includes(g)) w.gateways.push(g);
    if (!w.nhIds.includes(id)) w.nhIds.push(id);
    steps.push({ ip: `nexthop add id ${id} via ${numToIp(g)} dev ${a.dev}` });
    members.push(r.chance(0.4) ? `${id},${r.int(2, 5)}` : String(id));
  }
  w.nhIds.push(20);
  w.nhGroups.push(20);
  steps.push({ ip: `nexthop add id 20 group ${members.join('/')}`, family: 'unspec' });
  for (let i = r.int(2, 3); i > 0; i--) {
    const p = w.prefix();
    const nhid = r.chance(0.7) ? 20 : r.int(1, n);
    const table = r.chance(0.2) ? r.pick(USER_TABLES) : '';
    steps.push({ ip: `route add ${fmtPrefix(p)} nhid ${nhid}${table ? ` table ${table}` : ''}` });
    for (let k = 0; k < 8; k++) w.prefixes.push(p); // queries go there often
    w.routes.push({ table, dst: fmtPrefix(p), type: 'unicast', nhid });
  }
  return steps;
}

/** `ip nexthop` show/get */
function nexthopShow(w: World): Step {
  const r = w.r;
  const ip = r.weighted([[4, 'nexthop show'], [1, `nexthop show dev ${w.dev()}`], [1, 'nexthop show groups'],
    [2, `nexthop get id ${w.nhIds.length ? r.pick(w.nhIds) : 1}`], [0.5, `nexthop show id ${r.int(0, 14)}`]] as const);
  return { ip, family: r.chance(0.8) ? 'unspec' : undefined };
}

const RULE_PREFS = [1, 10, 50, 100, 150, 200, 500, 1000, 5000, 32000, 32765, 32766, 40000];

function ruleCmd(w: World): string {
  const r = w.r;
  if (r.chance(0.12)) {
    // delete: by pref, by full spec, default rules, or nothing matching
    const k = r.weighted([[5, 'pref'], [1, 'default'], [2, 'spec'], [1, 'none']] as const);
    if (k === 'pref' && w.rulePrefs.length) {
      const p = r.pick(w.rulePrefs);
      w.rulePrefs.splice(w.rulePrefs.indexOf(p), 1);
      return `rule del pref ${p}`;
    }
    if (k === 'default') return `rule del pref ${r.pick([0, 32766, 32767])}${r.chance(0.5) ? '' : ` table ${r.pick(['local', 'main', 'default'])}`}`;
    if (k === 'spec') return `rule del from ${fmtPrefix(w.prefix()).replace('default', '0.0.0.0/0')} table ${r.pick(USER_TABLES)}`;
    return `rule del pref ${r.int(2, 30000)}`;
  }
  let cmd = 'rule add';
  if (r.chance(0.12)) cmd += ' not';
  const nsel = r.weighted([[3, 0], [5, 1], [3, 2], [1, 3]] as const);
  const used = new Set<string>();
  for (let i = 0; i < nsel; i++) {
    const s = r.weighted([[5, 'from'], [4, 'to'], [2, 'tos'], [0.4, 'dscp'], [3, 'fwmark'], [3, 'iif'], [2, 'oif'], [2, 'uidrange'],
      [2, 'ipproto'], [1.5, 'sport'], [1.5, 'dport']] as const);
    if (used.has(s)) continue;
    used.add(s);
    switch (s) {
      case 'from': case 'to': {
        const p = w.prefix();
        cmd += ` ${s} ${p.len === 0 ? r.pick(['all', '0.0.0.0/0', 'default']) : fmtPrefix(p)}`;
        break;
      }
      case 'tos': cmd += ` ${r.pick(['tos', 'dsfield'])} ${r.pick(['0x10', '0x08', '0x04', '0x1c', '0x02', '0x20', 'lowdelay'])}`; break;
      case 'dscp': cmd += ` dscp ${r.pick([0, 4, 10, 46])}`; break;
      case 'fwmark': {
        const m = r.pick([0, 1, 5, 0x10, 0x100, 0xff]);
        cmd += ` fwmark ${r.chance(0.5) ? `0x${m.toString(16)}` : m}`;
        if (r.chance(0.4)) cmd += `/0x${r.pick([0xff, 0xf, 0xf0, 0xffffffff, 0]).toString(16)}`;
        break;
      }
      case 'iif': case 'oif': cmd += ` ${s} ${w.dev({ missing: 0.15, lo: s === 'iif' ? 0.25 : 0.05 })}`; break;
      case 'uidrange': {
        const a = r.pick([0, 0, 100, 1000, 65534]);
        cmd += ` uidrange ${a}-${r.chance(0.1) ? a - 1 : a + r.pick([0, 0, 10, 1000])}`;
        break;
      }
      case 'ipproto': cmd += ` ipproto ${r.pick(['tcp', 'udp', 'icmp', '17', '6', 'sctp'])}`; break;
      case 'sport': case 'dport': {
        const p = r.pick([53, 80, 443, 1000, 1024, 8080]);
        const k = r.weighted([[4, 'one'], [3, 'range'], [1, 'mask'], [0.3, 'bad']] as const);
        if (k === 'one') cmd += ` ${s} ${p}`;
        else if (k === 'range') cmd += ` ${s} ${p}-${p + r.pick([0, 10, 1000])}`;
        else if (k === 'mask') cmd += ` ${s} ${p & 0xff00}/0xff00`;
        else cmd += ` ${s} ${r.pick(['2000-1000', '0', '70000'])}`;
        break;
      }
    }
  }
  let pref: number | undefined;
  if (r.chance(0.75)) { pref = r.pick(RULE_PREFS); cmd += ` ${r.pick(['pref', 'priority', 'preference'])} ${pref}`; }
  if (r.chance(0.04)) cmd += ` ${r.pick(['protocol static', 'proto 99', 'tun_id 5', 'realms 1/2', 'l3mdev'])}`;
  const action = r.weighted([[12, 'table'], [3, 'goto'], [1, 'nop'], [1, 'blackhole'], [1, 'unreachable'], [1, 'prohibit'], [0.15, 'nat']] as const);
  if (action === 'table') {
    cmd += ` ${r.pick(['table', 'lookup'])} ${r.weighted([[6, r.pick(USER_TABLES)], [3, 'main'], [1, 'local'], [1, 'default'], [0.3, '0'], [0.3, '12345']] as const)}`;
    if (r.chance(0.2)) cmd += ` suppress_prefixlength ${r.pick([0, 0, 8, 16, 24, 32])}`;
    if (r.chance(0.06)) cmd += ` suppress_ifgroup ${r.pick([0, 3, 7])}`;
  } else if (action === 'goto') {
    const base = pref ?? 32000;
    const fwd = RULE_PREFS.filter((p) => p > base);
    const target = r.weighted([[5, fwd.length ? r.pick(fwd) : 40000], [1, Math.max(0, base - r.pick([1, 50]))], [2, base + r.pick([1, 7, 333])]] as const);
    cmd += ` goto ${target}`;
  } else if (action === 'nat') cmd += ` nat ${numToIp(w.docAddr())}`;
  else cmd += ` ${action}`;
  if (pref !== undefined) w.rulePrefs.push(pref);
  return cmd;
}

function routeGetCmd(w: World): string {
  const r = w.r;
  const input = r.chance(w.profile === 'input' ? 0.6 : 0.3) && w.devs.length > 0;
  let cmd = `route get ${w.dst(input ? 0.8 : 2)}`;
  if (input) {
    // input path
    if (r.chance(0.93)) cmd += ` from ${w.src()}`;
    cmd += ` iif ${w.dev({ missing: 0.03, lo: 0.05 })}`;
    if (r.chance(0.1)) cmd += ` mark ${r.pick([1, 5, 0x10, 0x100])}`;
    if (r.chance(0.08)) cmd += ` tos ${r.pick(['0x10', '0x08', '0x1c'])}`;
    if (r.chance(0.05)) cmd += ` ipproto tcp dport ${r.pick([80, 443])}`;
    return cmd;
  }
  if (r.chance(0.2)) cmd += ` from ${r.chance(0.75) ? w.localAddr() : r.pick([numToIp(w.docAddr()), '0.0.0.0', '224.0.0.5'])}`;
  if (r.chance(0.2)) cmd += ` oif ${w.dev({ missing: 0.05, lo: 0.05 })}`;
  if (r.chance(0.12)) cmd += ` mark ${r.pick([1, 5, 0x10, 0x100, 0xff])}`;
  if (r.chance(0.1)) cmd += ` uid ${r.pick([0, 100, 150, 1000, 65534])}`;
  if (r.chance(0.08)) cmd += ` tos ${r.pick(['0x10', '0x08', '0x04', '0x1c'])}`;
  if (r.chance(0.1)) cmd += ` ipproto ${r.pick(['tcp', 'udp', 'icmp'])}`;
  if (r.chance(0.08)) cmd += ` sport ${r.pick([53, 1000, 1024, 1500])}`;
  if (r.chance(0.08)) cmd += ` dport ${r.pick([53, 80, 443, 8080])}`;
  if (r.chance(0.08)) cmd += ' fibmatch';
  return cmd;
}

function showCmd(w: World): string {
  const r = w.r;
  return r.weighted([
    [4, 'route show'],
    [3, `route show table ${r.pick(TABLES)}`],
    [1, 'route show table all'],
    [3, 'rule show'],
    [0.7, 'addr show'],
    [1.3, `addr show dev ${w.dev({ lo: 0.1 })}`],
    [0.4, 'link show'],
    [0.5, `route show type ${r.pick(['unicast', 'local', 'broadcast', 'blackhole', 'unreachable'])} table all`],
    [0.5, `route show match ${w.dst()}`],
    [0.4, `route show dev ${w.dev({ lo: 0.2 })}${r.chance(0.3) ? ' table all' : ''}`],
    [0.3, `route show proto ${r.pick(['kernel', 'boot', 'static'])}`],
    [0.3, `route show scope ${r.pick(['link', 'host', 'global'])} table ${r.pick(['main', 'local', 'all'])}`],
    [0.4, `route show ${r.pick(['root', 'match', 'exact'])} ${fmtPrefix(w.prefix())} table ${r.pick(TABLES)}`],
    [0.3, `rule show ${r.pick(['pref 100', 'table main', 'table 100', 'iif v0', 'from all', 'lookup local'])}`],
  ] as const);
}

function invalidCmd(w: World): string {
  const r = w.r;
  return r.pick([
    'route get',
    'route add 192.0.2.0/24 via',
    `route add 192.0.2.0/24 dev ${w.dev()} table bogus`,
    'route add 192.0.2.300/24 dev lo',
    `addr add 203.0.113.5/40 dev ${w.dev()}`,
    'rule add goto',
    'rule add fwmark foo table 10',
    'route get 192.0.2.1 iif nosuch0 from 192.0.2.2',
    'route get 192.0.2.1 oif nosuch0',
    'route frobnicate',
    `route add 198.51.100.0/24 via 192.0.2.1 dev nosuch0`,
    'rule add pref abc table 10',
    'route get 192.0.2.1 mark 0x',
  ]);
}

const SYSCTL_CONF = ['forwarding', 'rp_filter', 'accept_local', 'route_localnet'] as const;
function sysctlValue(r: Rng, key: string): string {
  if (key.endsWith('rp_filter')) return String(r.pick([0, 1, 2]));
  return String(r.weighted([[3, 1], [2, 0]] as const));
}

// ---------------------------------------------------------------- the scenario
export function generate(seed: number): Scenario {
  const r = new Rng(seed);
  const w = new World(r);
  w.profile = r.weighted([[4, 'balanced'], [1, 'rules'], [1, 'input'], [1, 'dense'], [1, 'churn']] as const);
  const steps: Step[] = [];
  const ip = (s: string) => steps.push({ ip: s });
  const sysctl = (k: string, v: string) => steps.push({ sysctl: [k, v] });

  // Global sysctls first (conf.default applies to devices created after it).
  if (r.chance(0.6)) sysctl('net.ipv4.ip_forward', r.chance(0.85) ? '1' : '0');
  for (const c of SYSCTL_CONF) {
    if (r.chance(0.15)) sysctl(`net.ipv4.conf.all.${c}`, sysctlValue(r, c));
    if (r.chance(0.12)) sysctl(`net.ipv4.conf.default.${c}`, sysctlValue(r, c));
  }
  if (r.chance(0.92)) ip('link set lo up');
  const pairs = r.weighted([[1, 1], [4, 2], [2, 3]] as const);
  for (let i = 0; i < pairs; i++) ip(linkCreate(w, i));
  for (const d of w.devs) {
    if (r.chance(0.82)) { d.up = true; ip(`link set ${d.name} up`); }
  }
  if (r.chance(0.15)) ip(`link set ${w.dev()} mtu ${r.pick([1280, 1400, 9000])}`);
  // per-device sysctls, now that the devices exist
  for (const d of w.devs) {
    for (const c of SYSCTL_CONF) if (r.chance(0.08)) sysctl(`net.ipv4.conf.${d.name}.${c}`, sysctlValue(r, c));
  }
  const naddr = r.int(2, 6);
  for (let i = 0; i < naddr; i++) ip(addrAdd(w));
  const policy = w.profile === 'rules' || r.chance(0.7); // the rest run with the default rules only (the fast path)
  // nexthop objects in about half the scenarios, with a known hash seed so that group choices can be compared
  const nexthops = r.chance(0.5);
  if (nexthops) {
    sysctl('net.ipv4.fib_multipath_hash_seed', String(r.int(1, 1000)));
    steps.push(...nexthopSetup(w));
  }
  const nsteps = r.int(60, 110);
  const p = w.profile;
  for (let i = 0; i < nsteps; i++) {
    const k = r.weighted([
      [p === 'dense' ? 40 : 26, 'route'], [policy ? (p === 'rules' ? 25 : 9) : 0.3, 'rule'], [4, 'addr'], [p === 'churn' ? 4 : 1, 'addrdel'],
      [p === 'churn' ? 9 : 2.5, 'link'], [p === 'input' ? 3 : 1.2, 'sysctl'],
      [40, 'get'], [8, 'show'], [1.5, 'invalid'], [0.4, 'flush'], [nexthops ? 12 : 0, 'nexthop'], [nexthops ? 4 : 0, 'nhshow'],
    ] as const);
    switch (k) {
      case 'route': ip(routeCmd(w)); break;
      case 'rule': ip(ruleCmd(w)); break;
      case 'addr': ip(addrAdd(w)); break;
      case 'addrdel': ip(addrDel(w)); break;
      case 'link': ip(linkOp(w)); break;
      case 'sysctl': {
        const c = r.pick(SYSCTL_CONF);
        const where = r.weighted([[3, 'dev'], [1, 'all'], [1, 'ipfwd']] as const);
        if (where === 'ipfwd') sysctl('net.ipv4.ip_forward', r.pick(['0', '1']));
        else sysctl(`net.ipv4.conf.${where === 'all' ? 'all' : w.dev({ lo: 0.1 })}.${c}`, sysctlValue(r, c));
        break;
      }
      case 'get': ip(routeGetCmd(w)); break;
      case 'show': ip(showCmd(w)); break;
      case 'flush': ip(`route flush ${r.pick([`table ${r.pick(USER_TABLES)}`, `dev ${w.dev()}`, 'table main proto boot', `${fmtPrefix(w.prefix())} table all`])}`); break;
      case 'invalid': ip(invalidCmd(w)); break;
      case 'nexthop': steps.push(nexthopCmd(w)); break;
      case 'nhshow': steps.push(nexthopShow(w)); break;
    }
  }
  ip('route show table all');
  ip('rule show');
  if (nexthops) steps.push({ ip: 'nexthop show', family: 'unspec' });
  return { seed, gen: GEN_VERSION, steps };
}

/** Consecutive ip steps, as batch files: [{ start: index of the first step, lines }] or a sysctl step. */
export function groups(sc: { steps: Step[] }): ({ kind: 'ip'; start: number; lines: string[]; family?: 'unspec' } | { kind: 'sysctl'; start: number; key: string; value: string })[] {
  const out: ReturnType<typeof groups> = [];
  sc.steps.forEach((s, i) => {
    if ('sysctl' in s) out.push({ kind: 'sysctl', start: i, key: s.sysctl[0], value: s.sysctl[1] });
    else {
      // a batch runs with one set of options: a change of family starts another
      const last = out[out.length - 1];
      if (last && last.kind === 'ip' && last.start + last.lines.length === i && last.family === s.family) last.lines.push(s.ip);
      else out.push(s.family ? { kind: 'ip', start: i, lines: [s.ip], family: s.family } : { kind: 'ip', start: i, lines: [s.ip] });
    }
  });
  return out;
}
