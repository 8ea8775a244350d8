// The emulated kernel: one instance of the WASM core, bound to the Rtnl
// contract. Requests go in as scalars and strings; dumps come back as u32
// records read in place from the core's memory.
import { instantiate } from '../build/netpath.js';
import type {
  AddrInfo, AddrReq, BridgeOptReq, BridgePortInfo, BridgePortReq, EmacEthtoolOps, FdbEntry, MaddrEntry, KernelError, LinkAddReq, MacvlanMode, LinkInfo, LinkKind, LinkSetReq, LinkStats, NeighInfo, NeighReq, NeighTableMsg, NeighTableParms, NeighTableReq, Reply, RouteGetReply,
  NexthopBucketMsg, NexthopMsg, NexthopReq, RouteGetReq, RouteModFlags, RouteMsg, RouteNexthop, RouteReq, RuleMsg, RuleReq, Rtnl,
} from './rtnl.js';
import { INFINITY_LIFE_TIME, MACVLAN_DEFAULT_BC_QUEUE_LEN, MACVLAN_MODES, RTAX_LOCK, RTAX_MAX, RTAX_MTU, RTN_UNICAST, type RouteMetrics } from './rtnl.js';
import { formatIPv4 } from './ip/parse.js';

type CoreExports = Awaited<ReturnType<typeof instantiate>>;

const KIND_CODE: Record<LinkKind, number> = { loopback: 1, veth: 2, dummy: 3, emac: 4, macvlan: 5, bridge: 6, tun: 7, vlan: 8 };
const KIND_NAME: LinkKind[] = ['loopback', 'loopback', 'veth', 'dummy', 'emac', 'macvlan', 'bridge', 'tun', 'vlan'];
const MACVLAN_MODE_NAME = new Map(Object.entries(MACVLAN_MODES).map(([k, v]) => [v, k as MacvlanMode]));
const NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800;
const NO_MAC = [0xffffffff, 0xffffffff] as const;
const QDISC_NAME = ['noop', 'noqueue', 'pfifo_fast', 'mq'];
/** struct emac_stats: 25 RX counters, then 26 TX counters */
const EMAC_STATS_LEN = 51;

let compiled: Promise<WebAssembly.Module> | undefined;

/** Compiles the core once per process (Node: from the package; browsers: fetched next to this module). */
function coreModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const url = new URL('../build/netpath.wasm', import.meta.url);
    if (url.protocol === 'file:') {
      const { readFile } = await import('node:fs/promises');
      return WebAssembly.compile(await readFile(url));
    }
    return WebAssembly.compileStreaming(fetch(url));
  })();
  return compiled;
}

function macWords(mac: Uint8Array | undefined): readonly [number, number] {
  if (!mac) return NO_MAC;
  return [(mac[0] << 8) | mac[1], ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0];
}
function macBytes(hi: number, lo: number): Uint8Array {
  return Uint8Array.of((hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255);
}

/** What a Kernel asks of the World its box belongs to (src/world.ts). */
export interface KernelWorld {
  /** `ip link add ... type veth peer ... netns NAME`: both ends, one in each box */
  vethAdd(k: Kernel, req: LinkAddReq): Reply;
  netnsExists(name: string): boolean;
  /** nsid → box name, as this kernel numbers the other boxes */
  netnsName(k: Kernel, nsid: number): string | undefined;
  /** a link was added, changed or deleted in `k`: veth peers in other boxes follow */
  linksChanged(): void;
}

export class Kernel implements Rtnl {
  private constructor(readonly core: CoreExports) {}
  /** set when the box joins a World */
  world?: KernelWorld;

  static async create(): Promise<Kernel> {
    const core = await instantiate(await coreModule(), { env: {} });
    core.kernelInit();
    return new Kernel(core);
  }

  /** the core's linear memory (for zero-copy views) */
  get memory(): WebAssembly.Memory { return this.core.memory; }

  private reply(rc: number): Reply {
    if (rc >= 0) return { ok: true, value: undefined };
    const msg = this.core.kernelExtack();
    const e: KernelError = { errno: -rc };
    if (msg) e.msg = msg;
    return { ok: false, ...e };
  }

  /** n records of `size` u32 from the dump buffer, copied out */
  private records(n: number, size: number): Uint32Array {
    const ptr = this.core.dumpPtr();
    return new Uint32Array(this.core.memory.buffer, ptr, n * size).slice();
  }

  // ---- links
  emacStats(ifindex: number): number[] | undefined {
    const nic = this.core.linkNic(ifindex);
    if (nic < 0) return undefined;
    // emac_get_ethtool_stats: emac_update_hw_stats once, then the totals
    return Array.from({ length: EMAC_STATS_LEN }, (_, i) => this.core.hwEmacDrvStat(nic, i, i === 0 ? 1 : 0));
  }

  emacEthtool(ifindex: number): EmacEthtoolOps | undefined {
    if (this.core.linkNic(ifindex) < 0) return undefined;
    const c = this.core;
    return {
      get: (which) => c.emacEthtoolGet(ifindex, which),
      reg: (i) => c.emacEthtoolReg(ifindex, i) >>> 0,
      set: (op, v0 = 0, v1 = 0, v2 = 0, v3 = 0) => this.reply(c.emacEthtoolSet(ifindex, op, v0, v1, v2, v3)),
    };
  }

  links(): LinkInfo[] {
    const size = this.core.LINK_RECORD.value;
    const n = this.core.linkDump();
    const r = this.records(n, size);
    const out: LinkInfo[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * size;
      const ifindex = r[o], kind = KIND_NAME[r[o + 1]];
      const l: LinkInfo = {
        ifindex, name: this.core.linkName(ifindex), kind, flags: r[o + 2], operstate: this.operstate(r, o),
        mtu: r[o + 3], minMtu: r[o + 4], maxMtu: r[o + 5], txqlen: r[o + 6], group: r[o + 7],
        address: macBytes(r[o + 8], r[o + 9]),
        broadcast: kind === 'loopback' ? new Uint8Array(6) : new Uint8Array(6).fill(255),
        link: r[o + 10], qdisc: QDISC_NAME[r[o + 11]] ?? 'noop', stats: linkStats(r, o + 13),
        carrierChanges: r[o + size - 1],
      };
      const alias = this.core.linkAlias(ifindex);
      if (alias) l.alias = alias;
      if (kind === 'macvlan') {
        l.macvlan = {
          mode: MACVLAN_MODE_NAME.get(this.core.linkDetail(ifindex, 1)) ?? 'vepa', flags: this.core.linkDetail(ifindex, 2),
          bcQueueLen: this.core.linkDetail(ifindex, 3) >>> 0, bcQueueLenUsed: this.core.linkDetail(ifindex, 8) >>> 0,
        };
      }
      if (kind === 'vlan') {
        l.vlan = { id: this.core.linkDetail(ifindex, 4), protocol: this.core.linkDetail(ifindex, 5), flags: this.core.linkDetail(ifindex, 6) };
      }
      const nsid = kind === 'veth' ? this.core.vethInfo(ifindex, 1) : -1;
      if (nsid >= 0) {
        l.linkNetnsid = nsid;
        const ns = this.world?.netnsName(this, nsid);
        if (ns !== undefined) l.linkNetns = ns;
      }
      if (kind === 'tun') l.tun = { flags: this.core.tunInfo(ifindex, 0), numqueues: this.core.tunInfo(ifindex, 1) };
      const master = this.core.linkMaster(ifindex);
      if (master) l.master = master;
      if (kind === 'bridge') {
        l.bridge = {
          ageingCs: Number(this.core.brInfo(ifindex, 0)), gcTimerCs: Number(this.core.brInfo(ifindex, 1)),
          mcastSnooping: this.core.brInfo(ifindex, 2) !== 0n, snoopers6: this.core.brInfo(ifindex, 3) !== 0n,
          groupFwdMask: Number(this.core.brInfo(ifindex, 4)),
        };
      }
      const port = master ? this.brPort(ifindex) : undefined;
      if (port) l.brport = port;
      l.promiscuity = this.core.linkPromisc(ifindex, 0) >>> 0;
      l.allmulti = this.core.linkPromisc(ifindex, 1) >>> 0;
      l.tsoMaxSize = this.core.linkDetail(ifindex, 7);
      // a bridge whose carrier was never switched has operstate UNKNOWN (no linkwatch event yet)
      if (kind === 'bridge' && (l.flags & 1) && !this.core.brOperKnown(ifindex)) l.operstate = 0;
      out.push(l);
    }
    return out;
  }

  /** rtnl_fdb_dump() for AF_BRIDGE: per device in ifindex order, a port's master entries then its own list */
  bridgeFdb(): FdbEntry[] {
    const out: FdbEntry[] = [];
    const c = this.core;
    const words = (n: number, size: number) => new Uint32Array(c.memory.buffer, c.bridgeDumpPtr(), n * size).slice();
    // ndo_dflt_fdb_dump: the unicast list, then the multicast list
    const selfList = (ifindex: number) => {
      for (const dump of [c.devUcDump, c.devMcDump]) {
        const n = dump(ifindex);
        const r = words(n, 4);
        for (let i = 0; i < n; i++) out.push({ mac: macBytes(r[4 * i], r[4 * i + 1]), ifindex, self: true, state: 0x80 });
      }
    };
    const masterList = (br: number, port: number, ifindex: number) => {
      const size = c.FDB_RECORD.value;
      const n = c.brFdbDump(br, port);
      const r = words(n, size);
      for (let i = 0; i < n; i++) {
        const o = i * size;
        out.push({
          mac: macBytes(r[o], r[o + 1]), ifindex, self: false, master: br,
          state: r[o + 3] & 1 ? 0x80 : r[o + 3] & 2 ? 0x40 : 0x02, usedCs: r[o + 4], updatedCs: r[o + 5],
        });
      }
    };
    for (const l of [...this.links()].sort((a, b) => a.ifindex - b.ifindex)) {
      if (l.kind === 'loopback') continue; // ndo_dflt_fdb_dump: ARPHRD_ETHER only
      if (l.master) masterList(l.master, l.ifindex, l.ifindex);
      selfList(l.ifindex);
      if (l.kind === 'bridge') masterList(l.ifindex, -1, l.ifindex);
    }
    return out;
  }

  /**
   * /proc/net/dev_mcast, /proc/net/igmp and /proc/net/igmp6 device by device. The IPv6 groups are those
   * every device with an inet6_dev joins (ff02::1, ff01::1; a snooping bridge's ff02::6a while up), newest
   * first: IPv6 is not modelled beyond them.
   */
  maddrs(): MaddrEntry[] {
    const out: MaddrEntry[] = [];
    const c = this.core;
    const words = (n: number, size: number) => new Uint32Array(c.memory.buffer, c.bridgeDumpPtr(), n * size).slice();
    for (const l of [...this.links()].sort((a, b) => a.ifindex - b.ifindex)) {
      const at = { ifindex: l.ifindex, name: l.name };
      const nl = c.devMcDump(l.ifindex);
      const r = words(nl, 4);
      for (let i = 0; i < nl; i++) {
        const mac = [...macBytes(r[4 * i], r[4 * i + 1])].map((b) => b.toString(16).padStart(2, '0')).join(':');
        out.push({ ...at, family: 'link', addr: mac, users: r[4 * i + 2], ...(r[4 * i + 3] ? { static: true } : {}) });
      }
      const ng = c.igmpDump(l.ifindex);
      const g = words(ng, 2);
      for (let i = 0; i < ng; i++) out.push({ ...at, family: 'inet', addr: formatIPv4(g[2 * i]), users: g[2 * i + 1] });
      if (l.mtu < 1280) continue;
      const six = ['ff02::1', 'ff01::1'];
      if (l.bridge?.snoopers6) six.unshift('ff02::6a');
      for (const a of six) out.push({ ...at, family: 'inet6', addr: a, users: 1 });
    }
    return out;
  }
  maddrModify(ifindex: number, lladdr: Uint8Array, add: boolean): Reply {
    const b = new Uint8Array(6);
    b.set(lladdr.subarray(0, 6));
    const hi = (b[0] << 8) | b[1], lo = ((b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5]) >>> 0;
    return this.reply(this.core.devMcModify(ifindex, hi, lo, add));
  }

  bridgePort(ifindex: number): BridgePortInfo | undefined {
    return this.links().find((x) => x.ifindex === ifindex)?.brport;
  }

  private brPort(ifindex: number): BridgePortInfo | undefined {
    const v = this.core.brPortInfo(ifindex);
    if (v < 0) return undefined;
    const get = (what: number) => Number(this.core.brPortGet(ifindex, what));
    return { state: v & 0xff, portNo: v >>> 8, flags: get(0), priority: get(1), cost: get(2), fwdDelayTimerCs: get(3) };
  }
  bridgePortSet(ifindex: number, req: BridgePortReq): Reply {
    const r = this.brSetport(ifindex, req);
    this.world?.linksChanged();
    return r;
  }
  private brSetport(ifindex: number, b: BridgePortReq): Reply {
    const have = (b.cost !== undefined ? 1 : 0) | (b.priority !== undefined ? 2 : 0) | (b.state !== undefined ? 4 : 0);
    return this.reply(this.core.brPortSet(ifindex, b.mask, b.flags, have, b.cost ?? 0, b.priority ?? 0, b.state ?? 0));
  }

  /**
   * RFC 2863 operstate as Linux derives it (rfc2863_policy): lo stays UNKNOWN, a down device DOWN, no carrier
   * LOWERLAYERDOWN when the iflink differs from the ifindex (veth, macvlan; a veth whose peer in another box
   * has the same ifindex is DOWN), DOWN for the others
   */
  private operstate(r: Uint32Array, o: number): number {
    const kind = r[o + 1], up = (r[o + 2] & 1) !== 0, carrier = r[o + 12] !== 0;
    if (kind === 1) return up ? 0 : 2;
    if (!up) return 2;
    // tun: until its carrier first changes, linkwatch has not set an operstate
    if (kind === 7 && carrier && this.core.tunInfo(r[o], 2)) return 0;
    if (!carrier) return r[o + 10] !== 0 && r[o + 10] !== r[o] ? 3 : 2;
    return 6;
  }

  linkAdd(req: LinkAddReq): Reply {
    const r = req.peer?.netns !== undefined && this.world ? this.world.vethAdd(this, req) : this.linkAddHere(req);
    this.world?.linksChanged();
    return r;
  }
  private linkAddHere(req: LinkAddReq): Reply {
    const [mh, ml] = macWords(req.address);
    const [pmh, pml] = macWords(req.peer?.address);
    const rc = req.kind === 'macvlan'
      ? this.core.linkAddMacvlan(req.name, mh, ml, req.mtu ?? 0, req.txqlen ?? 0, req.link ?? 0,
        MACVLAN_MODES[req.macvlan?.mode ?? 'vepa'], req.macvlan?.flags ?? 0, req.macvlan?.bcQueueLen ?? MACVLAN_DEFAULT_BC_QUEUE_LEN)
      : req.kind === 'vlan'
      ? this.core.linkAddVlan(req.name, mh, ml, req.mtu ?? 0, req.txqlen ?? 0, req.link ?? 0, req.vlan?.id ?? -1,
        req.vlan?.protocol ?? 0, req.vlan?.mask ?? 0, req.vlan?.flags ?? 0)
      : this.core.linkAdd(KIND_CODE[req.kind] ?? 0, req.name, mh, ml, req.mtu ?? 0, req.txqlen ?? 0,
      req.peer?.name ?? '', pmh, pml, req.peer?.mtu ?? 0, req.peer?.txqlen ?? 0);
    if (rc < 0) return this.reply(rc);
    // br_changelink after register_netdevice, before rtnl_configure_link brings it up; its error undoes the device
    if (req.bridge) {
      const r = this.bridgeChangelink(rc, req.bridge);
      if (!r.ok) { this.core.linkDel(rc); return r; }
    }
    if (req.change) this.core.linkChangeFlags(rc, req.flags ?? 0, req.change);
    if (req.up) this.core.linkSetUp(rc, true);
    return { ok: true, value: undefined };
  }
  linkDel(ifindex: number): Reply {
    const r = this.reply(this.core.linkDel(ifindex));
    this.world?.linksChanged();
    return r;
  }
  netnsExists(name: string): boolean { return this.world?.netnsExists(name) ?? false; }
  linkSet(req: LinkSetReq): Reply {
    const r = this.linkSetHere(req);
    this.world?.linksChanged();
    return r;
  }
  private linkSetHere(req: LinkSetReq): Reply {
    // `type vlan`/`type macvlan` options: rtnl_changelink refuses another kind (EOPNOTSUPP) and runs the kind's changelink before do_setlink
    if (req.vlan !== undefined) { const r = this.reply(this.core.linkSetVlanFlags(req.ifindex, req.vlan.mask, req.vlan.flags)); if (!r.ok) return r; }
    if (req.macvlan !== undefined) {
      const m = req.macvlan;
      const r = this.reply(this.core.linkSetMacvlan(req.ifindex, m.mode ? MACVLAN_MODES[m.mode] : 0, m.flags ?? -1, BigInt(m.bcQueueLen ?? -1)));
      if (!r.ok) return r;
    }
    if (req.bridge) { const r = this.bridgeChangelink(req.ifindex, req.bridge); if (!r.ok) return r; }
    // IFLA_INFO_SLAVE_DATA: the master's slave_changelink, after the device's own changelink
    if (req.brport) { const r = this.brSetport(req.ifindex, req.brport); if (!r.ok) return r; }
    // [model choice] rtnl_changelink sends NETDEV_CHANGE at the end of do_setlink; here before its changes
    if (req.vlan || req.macvlan || req.bridge || req.brport) this.core.linkStateChange(req.ifindex);
    // rtnl_setlink() order: name, mtu, address, txqlen, then flags
    if (req.name !== undefined) { const r = this.reply(this.core.linkSetName(req.ifindex, req.name)); if (!r.ok) return r; }
    if (req.alias !== undefined) { const r = this.reply(this.core.linkSetAlias(req.ifindex, req.alias)); if (!r.ok) return r; }
    if (req.mtu !== undefined) { const r = this.reply(this.core.linkSetMtu(req.ifindex, req.mtu)); if (!r.ok) return r; }
    if (req.address !== undefined) {
      const [h, l] = macWords(req.address);
      const r = this.reply(this.core.linkSetMac(req.ifindex, h, l)); if (!r.ok) return r;
    }
    if (req.txqlen !== undefined) { const r = this.reply(this.core.linkSetTxqlen(req.ifindex, req.txqlen)); if (!r.ok) return r; }
    if (req.group !== undefined) { const r = this.reply(this.core.linkSetGroup(req.ifindex, req.group)); if (!r.ok) return r; }
    if (req.master !== undefined) { const r = this.reply(this.core.linkSetMaster(req.ifindex, req.master)); if (!r.ok) return r; }
    // dev_change_flags: the other flags, then IFF_UP; IFLA_CARRIER after
    if (req.change) { const r = this.reply(this.core.linkChangeFlags(req.ifindex, req.flags ?? 0, req.change)); if (!r.ok) return r; }
    if (req.up !== undefined) { const r = this.reply(this.core.linkSetUp(req.ifindex, req.up)); if (!r.ok) return r; }
    if (req.carrier !== undefined) return this.reply(this.core.linkChangeCarrier(req.ifindex, req.carrier));
    return { ok: true, value: undefined };
  }

  /** br_changelink(): the modelled IFLA_BR_* attributes; a device that is not a bridge refuses them (EOPNOTSUPP) */
  private bridgeChangelink(ifindex: number, b: BridgeOptReq): Reply {
    if (b.ageingCs !== undefined) { const r = this.reply(this.core.brSetAgeing(ifindex, b.ageingCs)); if (!r.ok) return r; }
    if (b.groupFwdMask !== undefined) { const r = this.reply(this.core.brSetGroupFwdMask(ifindex, b.groupFwdMask)); if (!r.ok) return r; }
    if (b.mcastSnooping !== undefined) return this.reply(this.core.brSetMcastSnooping(ifindex, b.mcastSnooping));
    return { ok: true, value: undefined };
  }

  // ---- addresses
  addrs(): AddrInfo[] {
    const size = this.core.ADDR_RECORD.value;
    const n = this.core.addrDump();
    const r = this.records(n, size);
    const out: AddrInfo[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * size;
      const a: AddrInfo = {
        ifindex: r[o + 1], local: r[o + 2], address: r[o + 3], prefixlen: r[o + 4], scope: r[o + 6], flags: r[o + 7],
        label: this.core.addrLabel(r[o]), metric: r[o + 8], validLft: r[o + 9], preferredLft: r[o + 10],
        cstamp: r[o + 11], tstamp: r[o + 12],
      };
      if (r[o + 5] !== 0) a.broadcast = r[o + 5];
      out.push(a);
    }
    return out;
  }
  addrAdd(req: AddrReq, replace: boolean): Reply {
    const flags = (req.noprefixroute ? 0x200 : 0) | (req.autojoin ? 0x400 : 0);
    return this.reply(this.core.addrAdd(req.ifindex, req.local, req.address ?? req.local, req.prefixlen, req.broadcast ?? 0,
      req.scope ?? 0, flags, req.label ?? '', req.metric ?? 0, replace, req.validLft ?? INFINITY_LIFE_TIME,
      req.preferredLft ?? INFINITY_LIFE_TIME));
  }
  /** `address` set = the request carried a prefix (IFA_ADDRESS); absent = iproute2's wildcard delete */
  addrDel(req: AddrReq): Reply {
    return this.reply(this.core.addrDel(req.ifindex, req.local, !req.noLocal, req.address ?? 0, req.address !== undefined,
      req.prefixlen, req.label ?? ''));
  }

  // ---- routes
  /** the route record at o (abi.ts pushRoute); a multipath route's nexthops are read from `tail` on at t.at */
  private routeAt(r: Uint32Array, o: number, tail?: Uint32Array, t = { at: 0 }): RouteMsg {
    const m: RouteMsg = {
      table: r[o], dst: r[o + 1], dstLen: r[o + 2], tos: r[o + 3], priority: r[o + 4], type: r[o + 5], scope: r[o + 6],
      protocol: r[o + 7], oif: r[o + 10] | 0, nhFlags: r[o + 11],
    };
    if (r[o + 13] !== 0) m.nhid = r[o + 13];
    if (r[o + 14] !== 0) m.metrics = this.routeMetrics(r[o + 14]);
    if (r[o + 8] !== 0) m.prefsrc = r[o + 8];
    if (r[o + 9] !== 0) m.gateway = r[o + 9];
    const n = r[o + 12];
    if (n > 0 && tail) {
      m.nexthops = [];
      const NH = this.core.NEXTHOP_RECORD.value;
      for (let i = 0; i < n; i++, t.at += NH) {
        const nh: RouteNexthop = { oif: tail[t.at + 1] | 0, flags: tail[t.at + 2], weight: tail[t.at + 3] };
        if (tail[t.at] !== 0) nh.gateway = tail[t.at];
        m.nexthops.push(nh);
      }
    }
    return m;
  }
  /** n route records and, after them, the nexthops of the multipath ones */
  private routeRecords(n: number, head: number): { r: Uint32Array; tail: Uint32Array } {
    const size = this.core.ROUTE_RECORD.value;
    let r = this.records(1, head + n * size);
    let nhs = 0;
    for (let i = 0; i < n; i++) nhs += r[head + i * size + 12];
    if (nhs > 0) r = this.records(1, head + n * size + nhs * this.core.NEXTHOP_RECORD.value);
    return { r, tail: r.subarray(head + n * size) };
  }
  routes(): RouteMsg[] {
    const size = this.core.ROUTE_RECORD.value;
    const n = this.core.routeDump();
    const { r, tail } = this.routeRecords(n, 0);
    const out: RouteMsg[] = [];
    const t = { at: 0 };
    for (let i = 0; i < n; i++) out.push(this.routeAt(r, i * size, tail, t));
    return out;
  }
  /** the words of a metrics set the core named in a dump */
  /** rt_fill_info()'s metrics: the route's set (0: none), RTAX_MTU a learned path MTU (| 1 << 31: locked) */
  private metricsWithPmtu(mx: number, pmtu: number): RouteMetrics | undefined {
    const m = mx !== 0 ? this.routeMetrics(mx) : undefined;
    if (!pmtu) return m;
    const out = m ?? { lock: 0, values: new Array<number>(RTAX_MAX + 1).fill(0) };
    out.values[RTAX_MTU] = pmtu & 0x7fffffff;
    if (pmtu & 0x80000000) out.lock |= 1 << RTAX_MTU;
    return out;
  }
  routeCache(): RouteGetReply[] {
    const n = this.core.routeCacheDump();
    const r = this.records(n, this.core.CACHE_RECORD.value);
    const out: RouteGetReply[] = [];
    for (let o = 0; o < r.length; o += this.core.CACHE_RECORD.value) {
      // RTM_F_CLONED with the route's rt_flags; no source, preferred source or uid (no flow)
      const rep: RouteGetReply = { type: RTN_UNICAST, dst: r[o + 1], oif: r[o + 3] | 0, table: r[o], rtFlags: (r[o + 4] & 0xffff0000) | 0x200 };
      if (r[o + 2] !== 0) rep.gateway = r[o + 2];
      const metrics = this.metricsWithPmtu(r[o + 7], r[o + 5]);
      if (metrics) rep.metrics = metrics;
      if (r[o + 6] !== 0) rep.expires = r[o + 6];
      out.push(rep);
    }
    return out;
  }
  routeCacheFlush(): void { this.core.routeCacheFlush(); }
  private routeMetrics(id: number): RouteMetrics {
    const w = new Uint32Array(this.core.memory.buffer, this.core.routeMetrics(id), RTAX_MAX);
    return { lock: w[RTAX_LOCK - 1], values: [0, ...w] };
  }
  /** RTA_MULTIPATH and RTA_METRICS into the core, before the request that carries them */
  private routeAttrs(req: RouteReq): void {
    this.core.routeNhBegin();
    for (const nh of req.nexthops ?? []) this.core.routeNhAdd(nh.gateway ?? 0, nh.oif, nh.flags, nh.weight);
    for (const m of req.metrics ?? []) this.core.routeMxAdd(m.type, m.value >>> 0);
  }
  routeAdd(req: RouteReq, f: RouteModFlags): Reply {
    const nl = (f.create ? NLM_F_CREATE : 0) | (f.excl ? NLM_F_EXCL : 0) | (f.replace ? NLM_F_REPLACE : 0) | (f.append ? NLM_F_APPEND : 0);
    this.routeAttrs(req);
    return this.reply(this.core.routeAdd(req.table, req.dst, req.dstLen, req.tos, req.priority ?? 0, req.type, req.scope,
      req.protocol, req.prefsrc ?? 0, req.gateway ?? 0, req.oif ?? 0, !!req.onlink, nl, req.nhid ?? 0));
  }
  routeDel(req: RouteReq): Reply {
    this.routeAttrs(req);
    return this.reply(this.core.routeDel(req.table, req.dst, req.dstLen, req.tos, req.priority ?? 0, req.type, req.scope,
      req.protocol, req.prefsrc ?? 0, req.gateway ?? 0, req.oif ?? 0, req.nhid ?? 0));
  }

  // ---- nexthop objects
  nexthops(): NexthopMsg[] {
    const size = this.core.NEXTHOP_OBJ_RECORD.value;
    const n = this.core.nexthopDump();
    let r = this.records(n, size);
    let entries = 0;
    for (let i = 0; i < n; i++) entries += r[i * size + 7];
    if (entries > 0) r = this.records(1, n * size + entries * 2);
    const out: NexthopMsg[] = [];
    let t = n * size;
    for (let i = 0; i < n; i++) {
      const o = i * size;
      const m: NexthopMsg = {
        id: r[o], oif: r[o + 2] | 0, flags: r[o + 3], scope: r[o + 4], blackhole: r[o + 5] !== 0, protocol: r[o + 6],
      };
      if (r[o + 1] !== 0) m.gateway = r[o + 1];
      if (r[o + 7] > 0) {
        m.group = [];
        for (let k = 0; k < r[o + 7]; k++, t += 2) m.group.push({ id: r[t], weight: r[t + 1] });
      }
      if (r[o + 8] !== 0) m.groupType = r[o + 8] === 2 ? 'resilient' : 'mpath';
      if (r[o + 8] === 2) {
        m.resilient = { buckets: r[o + 9], idleTimer: r[o + 10], unbalancedTimer: r[o + 11], unbalancedTime: r[o + 12] + r[o + 13] * 2 ** 32 };
      }
      out.push(m);
    }
    return out;
  }
  nexthopAdd(req: NexthopReq, f: { create?: boolean; replace?: boolean }): Reply {
    this.core.nexthopGrpBegin();
    for (const g of req.group ?? []) this.core.nexthopGrpAdd(g.id, g.weight);
    const res = req.resilient;
    if (req.groupType !== undefined || res) {
      this.core.nexthopGrpType(req.groupType === 'resilient' ? 1 : 0, res !== undefined, res?.buckets !== undefined, res?.buckets ?? 0,
        res?.idleTimer !== undefined, res?.idleTimer ?? 0, res?.unbalancedTimer !== undefined, res?.unbalancedTimer ?? 0);
    }
    return this.reply(this.core.nexthopNew(req.id, req.family, req.group !== undefined, !!req.blackhole, !!req.fdb,
      req.gateway ?? 0, req.oif ?? 0, !!req.onlink, req.protocol ?? 0, !!f.create, !!f.replace));
  }
  nexthopDel(id: number | undefined, extra: boolean): Reply {
    return this.reply(this.core.nexthopDel(id ?? 0, id !== undefined, extra));
  }
  nexthopGet(id: number): Reply<NexthopMsg> {
    const rc = this.core.nexthopGet(id);
    if (rc < 0) return this.reply(rc) as Reply<NexthopMsg>;
    return { ok: true, value: this.nexthops().find((m) => m.id === id)! };
  }
  private buckets(n: number): NexthopBucketMsg[] {
    const size = this.core.NEXTHOP_BUCKET_RECORD.value;
    const r = this.records(n, size);
    const out: NexthopBucketMsg[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * size;
      out.push({ id: r[o], index: r[o + 1], nhid: r[o + 2], idleTime: r[o + 3] + r[o + 4] * 2 ** 32, protocol: r[o + 5], flags: 0 });
    }
    return out;
  }
  nexthopBuckets(f: { id?: number; nhid?: number; oif?: number }): Reply<NexthopBucketMsg[]> {
    const n = this.core.nexthopBucketDump(f.id ?? 0, f.nhid ?? 0, f.oif ?? 0);
    if (n < 0) return this.reply(n) as Reply<NexthopBucketMsg[]>;
    return { ok: true, value: this.buckets(n) };
  }
  nexthopBucketGet(id: number, index: number): Reply<NexthopBucketMsg> {
    const n = this.core.nexthopBucketGet(id, index);
    if (n < 0) return this.reply(n) as Reply<NexthopBucketMsg>;
    return { ok: true, value: this.buckets(1)[0] };
  }
  routeGet(q: RouteGetReq): Reply<RouteGetReply> {
    const iif = q.iif ?? 0;
    // a plain `ip route get` is asked with the caller's uid (root) and a UDP header, as inet_rtm_getroute builds it
    const uid = q.uid ?? 0;
    const rc = this.core.routeGet(q.dst, q.src ?? 0, iif, q.oif ?? 0, q.mark ?? 0, uid, q.tos ?? 0, q.ipproto ?? 17,
      q.sport ?? 0, q.dport ?? 0, !!q.fibmatch);
    if (rc < 0) return this.reply(rc) as Reply<RouteGetReply>;
    const G = this.core.GET_RECORD.value;
    const { r, tail } = q.fibmatch ? this.routeRecords(1, G) : { r: this.records(1, G), tail: undefined };
    const rep: RouteGetReply = { type: r[0], dst: r[1], oif: r[4] | 0, table: r[5], rtFlags: r[7] };
    if (q.src) rep.src = q.src;
    if (r[3] !== 0) rep.gateway = r[3];
    if (r[12] !== 0) rep.tos = r[12];
    if (r[13] !== 0) rep.realms = r[13];
    const metrics = this.metricsWithPmtu(r[14], r[15]);
    if (metrics) rep.metrics = metrics;
    if (r[16] !== 0) rep.expires = r[16];
    if (r[9] !== 0) rep.prefsrc = r[6];
    if (q.mark) rep.mark = q.mark;
    if (iif === 0 || q.uid !== undefined) rep.uid = uid;
    if (iif !== 0) rep.iif = iif;
    if (q.fibmatch) rep.fib = this.routeAt(r, G, tail);
    return { ok: true, value: rep };
  }

  // ---- rules
  private ruleRequest(q: RuleReq): void {
    const c = this.core;
    c.ruleReqBegin();
    const set = (f: number, v: number, v2 = 0) => c.ruleReqField(f, v >>> 0, v2 >>> 0);
    if (q.priority !== undefined) set(0, q.priority);
    if (q.action !== undefined) set(1, q.action);
    if (q.table !== undefined) set(2, q.table);
    if (q.invert) set(3, 2);
    if (q.src !== undefined || q.srcLen) set(4, q.src ?? 0, q.srcLen ?? 32);
    if (q.dst !== undefined || q.dstLen) set(5, q.dst ?? 0, q.dstLen ?? 32);
    if (q.tos !== undefined) set(6, q.tos);
    if (q.dscp !== undefined) set(7, q.dscp);
    if (q.dscpMask !== undefined) set(8, q.dscpMask);
    if (q.fwmark !== undefined) set(9, q.fwmark);
    if (q.fwmask !== undefined) set(10, q.fwmask);
    if (q.uidStart !== undefined) set(11, q.uidStart, q.uidEnd ?? q.uidStart);
    if (q.ipproto !== undefined) set(12, q.ipproto);
    if (q.sport) set(13, q.sport[0], q.sport[1]);
    if (q.sportMask !== undefined) set(14, q.sportMask);
    if (q.dport) set(15, q.dport[0], q.dport[1]);
    if (q.dportMask !== undefined) set(16, q.dportMask);
    if (q.gotoTarget !== undefined) set(17, q.gotoTarget);
    if (q.suppressPrefixlen !== undefined) set(18, q.suppressPrefixlen);
    if (q.suppressIfgroup !== undefined) set(19, q.suppressIfgroup);
    if (q.protocol !== undefined) set(20, q.protocol);
    if (q.tunId) set(21, Number(q.tunId & 0xffffffffn), Number(q.tunId >> 32n));
    if (q.l3mdev) set(22, 1);
    if (q.realms !== undefined) set(23, q.realms);
    if (q.iifname !== undefined) c.ruleReqIif(q.iifname);
    if (q.oifname !== undefined) c.ruleReqOif(q.oifname);
  }
  rules(): RuleMsg[] {
    const size = this.core.RULE_RECORD.value;
    const n = this.core.ruleDump();
    const r = this.records(n, size);
    const out: RuleMsg[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * size;
      const iif = r[o + 13] | 0, oif = r[o + 14] | 0, packed = r[o + 26];
      const m: RuleMsg = {
        priority: r[o], action: r[o + 1], table: r[o + 2], invert: (r[o + 3] & 2) !== 0,
        src: r[o + 4], srcLen: r[o + 5], dst: r[o + 6], dstLen: r[o + 7],
        tos: r[o + 10] ? 0 : r[o + 8],
        fwmark: r[o + 11], fwmask: r[o + 12],
        iifDetached: iif === -1, oifDetached: oif === -1,
        ipproto: r[o + 18], gotoTarget: r[o + 25], unresolved: r[o + 1] === 2 && (packed & 1) === 0,
        suppressPrefixlen: ((packed >>> 8) & 0xff) - 1, suppressIfgroup: r[o + 27] | 0, protocol: (packed >>> 16) & 0xff,
        l3mdev: r[o + 30] !== 0, tunId: (BigInt(r[o + 29]) << 32n) | BigInt(r[o + 28]),
        realms: r[o + 31],
      };
      if (r[o + 10]) { m.dscp = r[o + 8] >>> 2; m.dscpMask = r[o + 9] >>> 2; }
      if (iif !== 0) m.iifname = this.core.ruleIifName(i);
      if (oif !== 0) m.oifname = this.core.ruleOifName(i);
      if (r[o + 15]) { m.uidStart = r[o + 16]; m.uidEnd = r[o + 17]; }
      if (r[o + 19]) { m.sport = [r[o + 19], r[o + 20]]; m.sportMask = r[o + 21]; }
      if (r[o + 22]) { m.dport = [r[o + 22], r[o + 23]]; m.dportMask = r[o + 24]; }
      out.push(m);
    }
    return out;
  }
  ruleAdd(req: RuleReq): Reply { this.ruleRequest(req); return this.reply(this.core.ruleAdd()); }
  ruleDel(req: RuleReq): Reply { this.ruleRequest(req); return this.reply(this.core.ruleDel()); }

  // ---- neighbours
  neighs(proxy = false): NeighInfo[] {
    if (proxy) {
      const n = this.core.pneighDump();
      const r = this.records(n, this.core.PNEIGH_RECORD.value);
      return Array.from({ length: n }, (_, i) => this.pneighInfo(r, i * this.core.PNEIGH_RECORD.value));
    }
    const size = this.core.NEIGH_RECORD.value;
    const n = this.core.neighDump();
    const r = this.records(n, size);
    return Array.from({ length: n }, (_, i) => this.neighInfo(r, i * size));
  }
  private neighInfo(r: Uint32Array, o: number): NeighInfo {
    const e: NeighInfo = {
      ifindex: r[o], dst: r[o + 1], state: r[o + 5], router: (r[o + 6] & 0x80) !== 0, externLearn: (r[o + 6] & 0x10) !== 0,
      used: r[o + 7], confirmed: r[o + 8], updated: r[o + 9], refcnt: r[o + 10], probes: r[o + 11],
    };
    // NDA_LLADDR: six bytes, or none at all on a device without a link-layer address (tun)
    if (r[o + 4]) e.lladdr = r[o + 4] === 2 ? new Uint8Array(0) : macBytes(r[o + 2], r[o + 3]);
    return e;
  }
  /** pneigh_fill_info: ndm_state NONE, the flags as added (NTF_PROXY among them), no cacheinfo */
  private pneighInfo(r: Uint32Array, o: number): NeighInfo {
    return {
      ifindex: r[o], dst: r[o + 1], state: 0, router: (r[o + 2] & 0x80) !== 0, externLearn: (r[o + 2] & 0x10) !== 0, proxy: true,
      used: 0, confirmed: 0, updated: 0, refcnt: 0, probes: 0,
    };
  }
  neighAdd(req: NeighReq, replace: boolean, create = true): Reply {
    const flags = (req.router ? 0x80 : 0) | (req.externLearn ? 0x10 : 0);
    // neigh_add with NTF_PROXY: pneigh_create whatever NLM_F_* say; lladdr and state other than PERMANENT are not kept
    if (req.proxy) {
      return this.reply(this.core.pneighAddReq(req.ifindex, req.dst, flags, ((req.state ?? 0x80) & 0x80) !== 0, !!req.lladdr, req.lladdr?.length ?? 0));
    }
    const [h, l] = req.lladdr ? macWords(req.lladdr) : [0, 0];
    return this.reply(this.core.neighAddReq(req.ifindex, req.dst, h, l, !!req.lladdr, req.state ?? 0x80, flags, create, replace,
      req.lladdr?.length ?? 0));
  }
  neighDel(req: NeighReq): Reply {
    return this.reply(req.proxy ? this.core.pneighDelReq(req.ifindex, req.dst) : this.core.neighDelReq(req.ifindex, req.dst));
  }
  neighGet(req: NeighReq): Reply<NeighInfo> {
    const rc = req.proxy ? this.core.pneighGetReq(req.ifindex, req.dst) : this.core.neighGetReq(req.ifindex, req.dst);
    if (rc < 0) return this.reply(rc) as Reply<NeighInfo>;
    const r = this.records(1, req.proxy ? this.core.PNEIGH_RECORD.value : this.core.NEIGH_RECORD.value);
    if (req.proxy) return { ok: true, value: this.pneighInfo(r, 0) };
    // neigh_get answers while it holds the reference its neigh_lookup took: one more than a dump shows
    const e = this.neighInfo(r, 0);
    e.refcnt++;
    return { ok: true, value: e };
  }

  // ---- neighbour tables (neightbl_dump_info, neightbl_set): arp_cache only, netpath has no IPv6
  neighTables(): NeighTableMsg[] {
    const c = this.core;
    const parms = (dev: number): NeighTableParms => {
      const p = (attr: number) => c.neightblParmGet(dev, attr);
      const o: NeighTableParms = {
        refcnt: p(2), reachable: p(3), baseReachable: p(4), retrans: p(5), gcStale: p(6), delayProbe: p(7), queue: p(8),
        queueBytes: p(16), appProbes: p(9), ucastProbes: p(10), mcastProbes: p(11), mcastReprobes: p(17),
        anycastDelay: p(12), proxyDelay: p(13), proxyQueue: p(14), locktime: p(15),
      };
      if (dev) o.ifindex = dev;
      return o;
    };
    const s = (k: number) => c.neightblStatGet(k);
    const shift = c.neightblConfig(2);
    const table: NeighTableMsg = {
      family: 'inet', name: 'arp_cache',
      // arp_tbl's gc thresholds and interval: the kernel's defaults, which only init_net can change
      thresh: { thresh1: 128, thresh2: 512, thresh3: 1024, gcInterval: 30000 },
      // key_len and entry_size (offsetof(struct neighbour, primary_key) + 4, aligned) of Linux 6.18 on x86_64;
      // [model choice] last_rand is counted like last_flush (reachable_time is never redrawn), hash_rnd is fixed
      config: {
        keyLen: 4, entrySize: 336, entries: c.neightblConfig(0), lastFlush: c.neightblConfig(1), lastRand: c.neightblConfig(1),
        hashRnd: 1, hashMask: 2 ** shift - 1, hashChainGc: 0, proxyQlen: 0,
      },
      stats: {
        allocs: s(0), destroys: s(1), hashGrows: s(2), resFailed: s(3), lookups: s(4), hits: s(5), rcvProbesMcast: s(6),
        rcvProbesUcast: s(7), periodicGcRuns: s(8), forcedGcRuns: s(9), tableFulls: s(10),
      },
      parms: parms(0),
    };
    const n = c.neightblDevs();
    const devs = Array.from(this.records(n, 1));
    return [table, ...devs.map((d) => ({ family: 'inet' as const, name: 'arp_cache', parms: parms(d) }))];
  }
  nowNs(): number { return this.core.hwClockNow(); }
  neighTableSet(req: NeighTableReq): Reply {
    // neigh_find_table by family and name: only arp_cache exists here
    if ((req.family !== 0 && req.family !== 2) || req.name !== 'arp_cache') return { ok: false, errno: 2 };
    if (req.parms.size || req.ifindex !== undefined) {
      const dev = req.ifindex ?? 0;
      if (!this.core.neightblParmsFind(dev)) return { ok: false, errno: 2 };
      // the attributes in NDTPA order, each applied at once
      for (const attr of [...req.parms.keys()].sort((a, b) => a - b)) {
        const v = BigInt.asUintN(64, req.parms.get(attr)!);
        this.core.neightblSet(dev, attr, Number(v & 0xffffffffn), Number(v >> 32n));
      }
    }
    // the thresholds and gc interval belong to init_net: ENOENT, after the parms were changed
    if (req.thresh1 !== undefined || req.thresh2 !== undefined || req.thresh3 !== undefined || req.gcInterval !== undefined) return { ok: false, errno: 2 };
    return this.reply(0);
  }

  tableExists(id: number): boolean { return this.core.tableExists(id); }

  // ---- tun/tap files
  tunSetIff(name: string, flags: number): Reply<number> {
    const rc = this.core.tunSetIff(name, flags);
    return rc < 0 ? { ok: false, errno: -rc } : { ok: true, value: rc };
  }
  tunSetPersist(ifindex: number, on: boolean): Reply { return this.reply(this.core.tunSetPersist(ifindex, on)); }
  tunClose(ifindex: number): void { this.core.tunClose(ifindex); }

  // ---- batches: one call for many records, through the core's scratch memory
  private scratch(words: number): Uint32Array {
    const ptr = this.core.scratchReserve(words * 4);
    return new Uint32Array(this.core.memory.buffer, ptr, words);
  }

  /**
   * `ip route add` for many unicast routes in one call. Records of 6 u32: table, dst, dstLen, gateway (0 = none),
   * oif (0 = none), metric. Stops at the first failure; on success the value is the number added.
   */
  addRoutes(records: Uint32Array): Reply<number> {
    const n = Math.floor(records.length / 6);
    this.scratch(n * 6).set(records.subarray(0, n * 6));
    const rc = this.core.routeAddBatch(n);
    if (rc >= 0) return { ok: true, value: rc };
    const i = -rc - 1;
    const errno = -(this.scratch(n * 6)[i * 6] | 0);
    const msg = this.core.kernelExtack();
    return { ok: false, errno, ...(msg ? { msg: `route ${i}: ${msg}` } : { msg: `route ${i}` }) };
  }

  /**
   * Route decisions for many packets in one call. `pairs` holds [dst, src] per packet. With iif = 0 each is
   * the output decision of a locally sent packet; otherwise the input decision for a packet received on iif.
   * Returns, per packet, [oif or -errno, gateway or 0] (a view valid until the next batch call).
   */
  decide(pairs: Uint32Array, iif = 0, mark = 0): Int32Array {
    const n = pairs.length >>> 1;
    const buf = this.scratch(n * 2);
    buf.set(pairs.subarray(0, n * 2));
    this.core.routeDecideBatch(n, iif, mark);
    return new Int32Array(buf.buffer, buf.byteOffset, n * 2);
  }

  // ---- sysctl
  sysctl(key: string, value?: string): Reply<string> {
    // net.ipv4.icmp_*, ipfrag_*, ip_default_ttl live with local delivery (assembly/inetabi.ts); 1 = not one of them
    const irc = this.core.inetSysctlRw(key, value !== undefined, value ?? '');
    if (irc < 0) return this.reply(irc) as Reply<string>;
    if (irc === 0) return { ok: true, value: this.core.inetSysctlGet() };
    const rc = this.core.sysctlRw(key, value !== undefined, value ?? '');
    if (rc < 0) return this.reply(rc) as Reply<string>;
    return { ok: true, value: this.core.sysctlGet() };
  }
}

/** dev_get_stats() as the link dump carries it: rtnl_link_stats64, each u64 as lo, hi */
function linkStats(r: Uint32Array, o: number): LinkStats {
  const v = (i: number) => r[o + 2 * i] + r[o + 2 * i + 1] * 2 ** 32;
  return {
    rxPackets: v(0), txPackets: v(1), rxBytes: v(2), txBytes: v(3), rxErrors: v(4), txErrors: v(5),
    rxDropped: v(6), txDropped: v(7), rxMcast: v(8), collisions: v(9), rxMissed: v(15), txCarrier: v(17),
    rxLengthErrors: v(10), rxOverErrors: v(11), rxCrcErrors: v(12), rxFrameErrors: v(13), rxFifoErrors: v(14),
    txAbortedErrors: v(16), txFifoErrors: v(18), txHeartbeatErrors: v(19), txWindowErrors: v(20),
    rxCompressed: v(21), txCompressed: v(22), rxNohandler: v(23), rxOtherhostDropped: v(24),
  };
}
