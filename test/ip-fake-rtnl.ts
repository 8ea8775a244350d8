// A stand-in for the emulated kernel in front-end tests: it serves dumps
// rebuilt from what the real kernel printed (`ip -j -d ...` in a netns) and
// records the requests the front end sends.
import type {
  AddrInfo, AddrReq, LinkAddReq, LinkInfo, LinkSetReq, NeighInfo, NeighReq, Reply, RouteGetReply,
  RouteGetReq, RouteModFlags, RouteMsg, RouteReq, RuleMsg, RuleReq, Rtnl,
} from '../src/rtnl.js';
import { dsfieldId, protoId, rtnTypeId, scopeId, tableId, ipprotoId } from '../src/ip/names.js';
import { parseIPv4, parseLladdr } from '../src/ip/parse.js';

type J = Record<string, any>;
const ip = (s: string) => parseIPv4(s)!;
const FLAG_BITS: Record<string, number> = {
  LOOPBACK: 0x8, BROADCAST: 0x2, POINTOPOINT: 0x10, MULTICAST: 0x1000, NOARP: 0x80, UP: 0x1, LOWER_UP: 0x10000,
};
const OPER: Record<string, number> = { UNKNOWN: 0, DOWN: 2, LOWERLAYERDOWN: 3, UP: 6 };
const NUD: Record<string, number> = { INCOMPLETE: 1, REACHABLE: 2, STALE: 4, DELAY: 8, PROBE: 16, FAILED: 32, NOARP: 64, PERMANENT: 128 };

export interface Call { op: string; req?: unknown; flags?: unknown; replace?: boolean }

export class FakeRtnl implements Rtnl {
  calls: Call[] = [];
  linkList: LinkInfo[] = [];
  addrList: AddrInfo[] = [];
  routeList: RouteMsg[] = [];
  ruleList: RuleMsg[] = [];
  neighList: NeighInfo[] = [];
  /** what the next mutating call answers */
  answer: Reply = { ok: true, value: undefined };
  getAnswer: Reply<RouteGetReply> = { ok: false, errno: 101 };
  sysctls = new Map<string, string>();
  /** tables that exist without holding a route (emptied ones) */
  extraTables: number[] = [];
  tableExists(id: number): boolean {
    return id === 254 || this.extraTables.includes(id) || this.routeList.some((r) => r.table === id);
  }

  static fromKernelDump(state: { links: J[]; addrs: J[]; routes: J[]; rules: J[]; neighs: J[] }): FakeRtnl {
    const f = new FakeRtnl();
    const idx = (name: string) => state.links.find((l) => l.ifname === name)!.ifindex as number;
    f.linkList = state.links.map((l) => ({
      ifindex: l.ifindex, name: l.ifname,
      kind: (l.link_type === 'loopback' ? 'loopback' : l.linkinfo?.info_kind ?? 'veth') as LinkInfo['kind'],
      flags: (l.flags as string[]).reduce((a, n) => a | (FLAG_BITS[n] ?? 0), 0),
      operstate: OPER[l.operstate], mtu: l.mtu, minMtu: l.min_mtu, maxMtu: l.max_mtu, txqlen: l.txqlen, group: 0,
      address: parseLladdr(l.address), broadcast: parseLladdr(l.broadcast), link: l.link ? idx(l.link) : 0, qdisc: l.qdisc,
      stats: {
        rxPackets: l.stats64.rx.packets, rxBytes: l.stats64.rx.bytes, rxErrors: l.stats64.rx.errors,
        rxDropped: l.stats64.rx.dropped, rxMissed: 0, rxMcast: l.stats64.rx.multicast,
        txPackets: l.stats64.tx.packets, txBytes: l.stats64.tx.bytes, txErrors: l.stats64.tx.errors,
        txDropped: l.stats64.tx.dropped, txCarrier: l.stats64.tx.carrier_errors, collisions: l.stats64.tx.collisions,
      },
      carrierChanges: l.stats64.tx.carrier_changes ?? 0,
    }));
    for (const l of state.addrs) {
      for (const a of l.addr_info as J[]) {
        f.addrList.push({
          ifindex: l.ifindex, local: ip(a.local), address: ip(a.address ?? a.local), prefixlen: a.prefixlen,
          broadcast: a.broadcast ? ip(a.broadcast) : undefined, scope: scopeId(a.scope)!,
          flags: (a.secondary ? 1 : 0) | (a.deprecated ? 0x20 : 0) | (a.noprefixroute ? 0x200 : 0) | (a.dynamic ? 0 : 0x80),
          label: a.label, metric: a.metric ?? 0, validLft: a.valid_life_time, preferredLft: a.preferred_life_time, cstamp: 0, tstamp: 0,
        });
      }
    }
    f.routeList = state.routes.map((r) => {
      const [d, len] = r.dst === 'default' ? ['0.0.0.0', '0'] : (r.dst as string).split('/');
      const m: RouteMsg = {
        table: tableId(r.table ?? 'main')!, dst: ip(d), dstLen: len === undefined ? 32 : Number(len),
        tos: r.tos ? dsfieldId(r.tos)! : 0, priority: r.metric ?? 0, type: rtnTypeId(r.type ?? 'unicast')!,
        scope: scopeId(r.scope ?? 'global')!, protocol: protoId(r.protocol ?? 'boot')!,
        oif: r.dev ? idx(r.dev) : 0,
        nhFlags: (r.flags as string[]).reduce((a, n) => a | ({ dead: 1, onlink: 4, linkdown: 16 } as Record<string, number>)[n], 0),
      };
      if (r.prefsrc) m.prefsrc = ip(r.prefsrc);
      if (r.gateway) m.gateway = ip(r.gateway);
      return m;
    });
    f.ruleList = state.rules.map((r) => {
      const action = r.goto !== undefined ? 2 : 'nop' in r ? 3 :
        r.action ? ({ blackhole: 6, unreachable: 7, prohibit: 8 } as Record<string, number>)[r.action] : 1;
      const port = (k: string): [number, number] | undefined =>
        r[k] !== undefined ? [r[k], r[k]] : r[`${k}_start`] !== undefined ? [r[`${k}_start`], r[`${k}_end`]] : undefined;
      return {
        priority: r.priority, action, table: r.table ? tableId(r.table)! : 0, invert: 'not' in r,
        src: r.src === 'all' ? 0 : ip(r.src), srcLen: r.src === 'all' ? 0 : r.srclen ?? 32,
        dst: r.dst ? ip(r.dst) : 0, dstLen: r.dst ? r.dstlen ?? 32 : 0, tos: r.tos ? dsfieldId(r.tos)! : 0,
        fwmark: r.fwmark ? Number(r.fwmark) : 0, fwmask: r.fwmask ? Number(r.fwmask) : r.fwmark ? 0xffffffff : 0,
        iifname: r.iif, iifDetached: 'iif_detached' in r, oifname: r.oif, oifDetached: 'oif_detached' in r,
        uidStart: r.uid_start, uidEnd: r.uid_end, ipproto: r.ipproto ? ipprotoId(r.ipproto)! : 0,
        sport: port('sport'), dport: port('dport'), gotoTarget: r.goto ?? 0, unresolved: 'unresolved' in r,
        suppressPrefixlen: r.suppress_prefixlen ?? -1, suppressIfgroup: r.suppress_ifgroup === undefined ? -1 : 0,
        protocol: protoId(r.protocol ?? 'unspec')!, l3mdev: false,
      } satisfies RuleMsg;
    });
    f.neighList = state.neighs.map((n) => ({
      ifindex: idx(n.dev), dst: ip(n.dst), lladdr: n.lladdr ? parseLladdr(n.lladdr) : undefined,
      state: ((n.state ?? []) as string[]).reduce((a, s) => a | NUD[s], 0), router: 'router' in n,
      // `ip -j -s neigh` gives the ages in seconds; the cache info counts USER_HZ ticks
      used: (n.used ?? 0) * 100, confirmed: (n.confirmed ?? 0) * 100, updated: (n.updated ?? 0) * 100,
      refcnt: n.refcnt ?? 0, probes: n.probes ?? 0,
    }));
    return f;
  }

  private rec<T>(op: string, req: unknown, extra: Partial<Call> = {}): Reply<T> {
    this.calls.push({ op, req, ...extra });
    return this.answer as Reply<T>;
  }
  links() { return this.linkList; }
  linkAdd(req: LinkAddReq) { return this.rec<void>('linkAdd', req); }
  linkDel(ifindex: number) { return this.rec<void>('linkDel', ifindex); }
  linkSet(req: LinkSetReq) { return this.rec<void>('linkSet', req); }
  addrs() { return this.addrList; }
  addrAdd(req: AddrReq, replace: boolean) { return this.rec<void>('addrAdd', req, { replace }); }
  addrDel(req: AddrReq) {
    const r = this.rec<void>('addrDel', req);
    if (r.ok) this.addrList = this.addrList.filter((a) => !(a.ifindex === req.ifindex && a.local === req.local));
    return r;
  }
  routes() { return this.routeList; }
  routeAdd(req: RouteReq, flags: RouteModFlags) { return this.rec<void>('routeAdd', req, { flags }); }
  routeDel(req: RouteReq) {
    const r = this.rec<void>('routeDel', req);
    if (r.ok) {
      const i = this.routeList.findIndex((m) => m.table === req.table && m.dst === req.dst && m.dstLen === req.dstLen &&
        m.tos === req.tos && (req.priority === undefined || m.priority === req.priority));
      if (i >= 0) this.routeList.splice(i, 1);
    }
    return r;
  }
  routeGet(req: RouteGetReq) { this.calls.push({ op: 'routeGet', req }); return this.getAnswer; }
  routeCache() { this.calls.push({ op: 'routeCache' }); return []; }
  routeCacheFlush() { this.calls.push({ op: 'routeCacheFlush' }); }
  rules() { return this.ruleList; }
  ruleAdd(req: RuleReq) { return this.rec<void>('ruleAdd', req); }
  ruleDel(req: RuleReq) {
    const r = this.rec<void>('ruleDel', req);
    if (r.ok) this.ruleList = this.ruleList.filter((m) => m.priority !== req.priority);
    return r;
  }
  neighs() { return this.neighList; }
  neighAdd(req: NeighReq, replace: boolean) { return this.rec<void>('neighAdd', req, { replace }); }
  neighDel(req: NeighReq) { return this.rec<void>('neighDel', req); }
  sysctl(key: string, value?: string): Reply<string> {
    if (!key.startsWith('net.')) return { ok: false, errno: 2 };
    if (value !== undefined) this.sysctls.set(key, value);
    return { ok: true, value: this.sysctls.get(key) ?? '0' };
  }
}
