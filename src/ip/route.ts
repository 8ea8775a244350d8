// `ip route`: add/change/replace/prepend/append/test/del, show/list, flush
// and get (ip/iproute.c). The defaults iproute2 fills in client side live
// here; every routing decision is the kernel's.
import {
  RTN_ANYCAST, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_NAT, RTN_UNICAST, RTN_UNSPEC, RTPROT_BOOT,
  RTPROT_UNSPEC, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL,
  RT_TABLE_MAIN, type RouteGetReply, type RouteGetReq, type RouteMetric, type RouteModFlags, type RouteMsg, type RouteReq,
} from '../rtnl.js';
import { CmdFail, HARD_NL, type Ctx } from './context.js';
import { nhJson, nhText } from './nexthop.js';
import { IpExit, strerror } from './errors.js';
import { type Json, toJson } from './json.js';
import { parseRealms } from './rule.js';
import {
  dsfieldId, dsfieldName, ipprotoId, parseUint, protoId, protoName, rtnTypeId, rtnTypeName, scopeId,
  scopeName, tableId, tableName,
} from './names.js';
import { Args, duparg2, formatIPv4, getAddr, getPrefix, invarg, maskOf, matches, type Family, type Prefix } from './parse.js';
import { ROUTE_USAGE } from './usage.js';
import { nexthopsJson, nexthopsText, parseNexthops } from './route-multipath.js';
import { metricsJson, metricsRequest, metricsText, parseFastopen, parseMetric } from './route-metrics.js';

export function doRoute(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return routeList(ctx, [], false);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'add')) return routeModify(ctx, rest, 'add', { create: true, excl: true });
  if (matches(cmd, 'change') || cmd === 'chg') return routeModify(ctx, rest, 'add', { replace: true });
  if (matches(cmd, 'replace')) return routeModify(ctx, rest, 'add', { create: true, replace: true });
  if (matches(cmd, 'prepend')) return routeModify(ctx, rest, 'add', { create: true });
  if (matches(cmd, 'append')) return routeModify(ctx, rest, 'add', { create: true, append: true });
  if (matches(cmd, 'test')) return routeModify(ctx, rest, 'add', { excl: true });
  if (matches(cmd, 'delete')) return routeModify(ctx, rest, 'del', {});
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return routeList(ctx, rest, false);
  if (matches(cmd, 'get')) return routeGet(ctx, rest);
  if (matches(cmd, 'flush')) return routeList(ctx, rest, true);
  if (matches(cmd, 'help')) throw new IpExit(255, ROUTE_USAGE);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip route help".\n`);
}

function routeModify(ctx: Ctx, argv: string[], cmd: 'add' | 'del', flags: RouteModFlags): number {
  const a = new Args(argv);
  let family: Family = ctx.opt.family;
  const req: RouteReq = {
    table: RT_TABLE_MAIN, dst: 0, dstLen: 0, tos: 0,
    type: cmd === 'del' ? RTN_UNSPEC : RTN_UNICAST,
    scope: cmd === 'del' ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE,
    protocol: cmd === 'del' ? RTPROT_UNSPEC : RTPROT_BOOT,
  };
  let dev: string | undefined, dstOk = false, tableOk = false, scopeOk = false, gwOk = false, nhsOk = false, nhidOk = false;
  const mx: RouteMetric[] = [], lock = { bits: 0 };
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'nexthop') { nhsOk = true; break; }
    if (w === 'src') req.prefsrc = getAddr(a.next(), family);
    else if (w === 'via') {
      let v = a.next();
      if (v === 'inet') v = a.next();
      req.gateway = getAddr(v, family);
      family = 'inet';
      gwOk = true;
    } else if (w === 'tos' || matches(w, 'dsfield')) {
      const v = a.next();
      const t = dsfieldId(v);
      if (t === undefined) invarg('"tos" value is invalid\n', v);
      req.tos = t;
    } else if (matches(w, 'metric') || matches(w, 'priority') || w === 'preference') {
      const v = a.next();
      const m = parseUint(v, 32);
      if (m === undefined) invarg('"metric" value is invalid\n', v);
      req.priority = m;
    } else if (w === 'scope') {
      const v = a.next();
      const s = scopeId(v);
      if (s === undefined) invarg('invalid "scope" value\n', v);
      req.scope = s;
      scopeOk = true;
    } else if (w === 'expires') {
      // RTA_EXPIRES: an IPv6 route's lifetime, which an IPv4 route ignores
      const v = a.next();
      if (parseUint(v, 32) === undefined) invarg('"expires" value is invalid\n', v);
    } else if (parseMetric(a, mx, lock)) { /* RTA_METRICS */ }
    else if (matches(w, 'onlink')) req.onlink = true;
    else if (matches(w, 'protocol')) {
      const v = a.next();
      const p = protoId(v);
      if (p === undefined) invarg('"protocol" value is invalid\n', v);
      req.protocol = p;
    } else if (matches(w, 'table')) {
      const v = a.next();
      const t = tableId(v);
      if (t === undefined) invarg('"table" value is invalid\n', v);
      req.table = t;
      tableOk = true;
    } else if (w === 'dev' || w === 'oif') dev = a.next();
    else if (w === 'nhid') {
      const v = a.next();
      const id = parseUint(v, 32);
      if (id === undefined) invarg('"id" value is invalid\n', v);
      req.nhid = id;
      // iproute_modify() keeps the id itself: `nhid 0` (no nexthop object for the kernel) leaves a
      // device route its link scope, as an absent nhid does
      nhidOk = id !== 0;
    } else if (parseFastopen(a, mx)) { /* RTA_METRICS */ }
    else {
      let v = w;
      if (v === 'to') v = a.next();
      if ((v[0] < '0' || v[0] > '9') && rtnTypeId(v) !== undefined) {
        req.type = rtnTypeId(v)!;
        v = a.next();
      }
      if (matches(v, 'help')) throw new IpExit(255, ROUTE_USAGE);
      if (dstOk) duparg2('to', v);
      const p = getPrefix(v, family);
      family = 'inet';
      req.dst = p.addr;
      req.dstLen = p.len;
      dstOk = true;
    }
  }
  if (!dstOk) throw new IpExit(255, ROUTE_USAGE);
  if (dev !== undefined) req.oif = ctx.ifindexOrFail(dev);
  req.metrics = metricsRequest(mx, lock.bits);
  if (nhsOk) req.nexthops = parseNexthops(ctx, a, family);
  if (!tableOk && [RTN_LOCAL, RTN_BROADCAST, RTN_NAT, RTN_ANYCAST].includes(req.type)) req.table = RT_TABLE_LOCAL;
  if (!scopeOk) {
    if (req.type === RTN_LOCAL || req.type === RTN_NAT) req.scope = RT_SCOPE_HOST;
    else if ([RTN_BROADCAST, RTN_MULTICAST, RTN_ANYCAST].includes(req.type)) req.scope = RT_SCOPE_LINK;
    else if (req.type === RTN_UNICAST || req.type === RTN_UNSPEC) {
      if (cmd === 'del') req.scope = RT_SCOPE_NOWHERE;
      else if (!gwOk && !nhsOk && !nhidOk) req.scope = RT_SCOPE_LINK;
    }
  }
  const r = cmd === 'del' ? ctx.rtnl.routeDel(req) : ctx.rtnl.routeAdd(req, flags);
  return ctx.check(r) ? 0 : 2;
}

/** What a dump filter asked for; also decides which fields print (a filtered field is implied) */
interface RouteFilter {
  table: number; // 0 = all
  protocol?: number; scope?: number; typemask: number; tos?: number;
  root?: Prefix; match?: Prefix; via?: Prefix; src?: Prefix; oif?: number; metric?: number;
  /** `from [exact|root] PREFIX`: filter.rsrc's length (an IPv4 route has no source prefix to match it) */
  rsrcLen?: number;
  /** `realms`: filter.realm and filter.realmmask */
  realm?: number; realmMask?: number;
}

function prefixCovers(p: Prefix, addr: number, len: number): boolean {
  return ((addr ^ p.addr) & maskOf(len)) === 0;
}

function routeMatches(f: RouteFilter, r: RouteMsg): boolean {
  if (f.table && r.table !== f.table) return false;
  if (f.protocol !== undefined && r.protocol !== f.protocol) return false;
  if (f.scope !== undefined && r.scope !== f.scope) return false;
  if (f.typemask && !((f.typemask >>> 0) & (2 ** r.type))) return false;
  if (f.tos !== undefined && r.tos !== f.tos) return false;
  if (f.root && (f.root.len > r.dstLen || !prefixCovers(f.root, r.dst, f.root.len))) return false;
  if (f.match && (f.match.len < r.dstLen || !prefixCovers(f.match, r.dst, r.dstLen))) return false;
  if (f.via && f.via.len > 0 && !prefixCovers(f.via, r.gateway ?? 0, f.via.len)) return false;
  if (f.src && f.src.len > 0 && !prefixCovers(f.src, r.prefsrc ?? 0, f.src.len)) return false;
  if (f.oif !== undefined && r.oif !== f.oif) return false;
  if (f.metric !== undefined && r.priority !== f.metric) return false;
  // filter_nlmsg(): a source prefix longer than the route's (rtm_src_len, always 0 for IPv4) drops it
  if (f.rsrcLen !== undefined && f.rsrcLen > 0) return false;
  // RTA_FLOW: netpath's routes carry no realms, so they read as 0
  if (f.realmMask !== undefined && ((f.realm ?? 0) & f.realmMask) !== 0) return false;
  return true;
}

const NH_FLAG_NAMES: [number, string][] = [
  [1, 'dead'], [4, 'onlink'], [2, 'pervasive'], [8, 'offload'], [64, 'trap'], [0x100, 'notify'],
  [16, 'linkdown'], [32, 'unresolved'], [0x2000, 'rt_offload'], [0x4000, 'rt_trap'], [0x20000000, 'rt_offload_failed'],
];
export function rtFlagNames(flags: number): string[] {
  return NH_FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
}

function dstText(dst: number, len: number): string {
  if (len === 0 && dst === 0) return 'default';
  return len === 32 ? formatIPv4(dst) : `${formatIPv4(dst)}/${len}`;
}

/** print_route() for a FIB entry; `f` hides what the filter pinned down */
export function routeText(ctx: Ctx, r: RouteMsg, f: RouteFilter): string {
  const d = ctx.opt.details > 0;
  let s = '';
  if (r.type !== RTN_UNICAST || d) s += rtnTypeName(r.type) + ' ';
  // print_route(): "%s " for the destination, in the family's colour unless it is `default`
  const dst = dstText(r.dst, r.dstLen);
  s += ctx.paint(dst === 'default' ? undefined : 'inet', dst + ' ');
  if (r.nhid) s += `nhid ${r.nhid} `;
  if (r.tos && f.tos === undefined) s += `tos ${dsfieldName(r.tos)} `;
  if (r.gateway !== undefined && f.via?.len !== 32) s += `via ${ctx.paint('inet', formatIPv4(r.gateway) + ' ')}`;
  if (r.oif && f.oif === undefined) s += `dev ${ctx.paint('ifname', ctx.ifname(r.oif) + ' ')}`;
  if (r.table && (r.table !== RT_TABLE_MAIN || d) && !f.table) s += `table ${tableName(r.table)} `;
  if ((r.protocol !== RTPROT_BOOT || d) && f.protocol === undefined) s += `proto ${protoName(r.protocol)} `;
  if ((r.scope !== RT_SCOPE_UNIVERSE || d) && f.scope === undefined) s += `scope ${scopeName(r.scope)} `;
  if (r.prefsrc !== undefined && f.src?.len !== 32) s += `src ${ctx.paint('inet', formatIPv4(r.prefsrc) + ' ')}`;
  if (r.priority && f.metric === undefined) s += `metric ${r.priority} `;
  for (const n of rtFlagNames(r.nhFlags)) s += n + ' ';
  s += metricsText(r.metrics);
  // print_cache_nexthop_id(): with -d, the nexthop object as `ip -d nexthop` prints it, after a literal newline
  const nh = d && r.nhid ? ctx.rtnl.nexthopGet(r.nhid) : undefined;
  if (nh?.ok) s += `${HARD_NL}\tnh_info ${nhText(ctx, nh.value).slice(0, -1)}`;
  if (r.nexthops) s += nexthopsText(ctx, r.nexthops, rtFlagNames);
  return s + '\n';
}

export function routeJson(ctx: Ctx, r: RouteMsg, f: RouteFilter): Record<string, Json> {
  const d = ctx.opt.details > 0;
  const o: Record<string, Json> = {};
  if (r.type !== RTN_UNICAST || d) o.type = rtnTypeName(r.type);
  o.dst = dstText(r.dst, r.dstLen);
  if (r.nhid) o.nhid = r.nhid;
  if (r.tos && f.tos === undefined) o.tos = dsfieldName(r.tos);
  if (r.gateway !== undefined && f.via?.len !== 32) o.gateway = formatIPv4(r.gateway);
  if (r.oif && f.oif === undefined) o.dev = ctx.ifname(r.oif);
  if (r.table && (r.table !== RT_TABLE_MAIN || d) && !f.table) o.table = tableName(r.table);
  if ((r.protocol !== RTPROT_BOOT || d) && f.protocol === undefined) o.protocol = protoName(r.protocol);
  if ((r.scope !== RT_SCOPE_UNIVERSE || d) && f.scope === undefined) o.scope = scopeName(r.scope);
  if (r.prefsrc !== undefined && f.src?.len !== 32) o.prefsrc = formatIPv4(r.prefsrc);
  if (r.priority && f.metric === undefined) o.metric = r.priority;
  o.flags = rtFlagNames(r.nhFlags);
  if (r.metrics) o.metrics = metricsJson(r.metrics)!;
  const nh = d && r.nhid ? ctx.rtnl.nexthopGet(r.nhid) : undefined;
  if (nh?.ok) o.nh_info = nhJson(ctx, nh.value);
  if (r.nexthops) o.nexthops = nexthopsJson(ctx, r.nexthops, rtFlagNames);
  return o;
}

/** Whether the kernel has the table (dumps of a missing one fail with ENOENT) */
function tableExists(ctx: Ctx, id: number, routes: RouteMsg[]): boolean {
  const known = (ctx.rtnl as { tableExists?: (id: number) => boolean }).tableExists;
  if (known) return known.call(ctx.rtnl, id);
  // Without the kernel's answer: main always exists, others once they hold a route
  return id === RT_TABLE_MAIN || routes.some((r) => r.table === id);
}

/**
 * get_prefix() as a dump filter: `all` or `any` take the family asked for (get_addr_1), which without
 * -4 is AF_UNSPEC, a filter that filter_nlmsg() does not apply; `default` is always AF_INET
 */
function prefixFilter(word: string, family: Family): Prefix | undefined {
  const p = getPrefix(word, family);
  return (word === 'all' || word === 'any') && family !== 'inet' ? undefined : p;
}

function routeList(ctx: Ctx, argv: string[], flush: boolean): number {
  if (flush && argv.length === 0) throw new CmdFail(1, '"ip route flush" requires arguments.\n');
  const f: RouteFilter = { table: RT_TABLE_MAIN, typemask: 0 };
  const family = ctx.opt.family;
  let dev: string | undefined, cloned = false;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (matches(w, 'table')) {
      const v = a.next();
      const t = tableId(v);
      if (t === undefined) {
        if (v === 'cache') cloned = true;
        else if (v !== 'all') invarg('table id value is invalid\n', v);
        else f.table = 0;
      } else f.table = t;
    } else if (matches(w, 'cached') || matches(w, 'cloned')) cloned = true;
    else if (w === 'tos' || matches(w, 'dsfield')) {
      const v = a.next();
      const t = dsfieldId(v);
      if (t === undefined) invarg('TOS value is invalid\n', v);
      f.tos = t;
    } else if (matches(w, 'protocol')) {
      const v = a.next();
      const p = protoId(v);
      if (p === undefined && v !== 'all') invarg('invalid "protocol"\n', v);
      f.protocol = v === 'all' ? undefined : p;
    } else if (matches(w, 'scope')) {
      const v = a.next();
      const s = scopeId(v);
      if (s === undefined && v !== 'all') invarg('invalid "scope"\n', v);
      f.scope = v === 'all' ? undefined : s;
    } else if (matches(w, 'type')) {
      const v = a.next();
      const t = rtnTypeId(v);
      if (t === undefined) invarg('node type value is invalid\n', v);
      f.typemask = 2 ** t;
    } else if (w === 'dev' || w === 'oif') dev = a.next();
    else if (matches(w, 'metric') || matches(w, 'priority') || w === 'preference') {
      const v = a.next();
      const m = parseUint(v, 32);
      if (m === undefined) invarg('"metric" value is invalid\n', v);
      f.metric = m;
    } else if (w === 'via') {
      let v = a.next();
      if (v === 'inet') v = a.next();
      f.via = getPrefix(v, family);
    } else if (w === 'src') f.src = getPrefix(a.next(), family);
    else if (matches(w, 'realms') || matches(w, 'realm')) {
      const v = a.next();
      const realm = parseRealms(v);
      if (realm === undefined) invarg('invalid realms\n', v);
      // iproute_list_flush_or_save(): a side left out (`5`, `5/`, `/5`) is not compared
      let mask = 0xffffffff;
      if ((realm & 0xffff) === 0 && v.endsWith('/')) mask &= ~0xffff;
      if ((realm & 0xffff0000) === 0 && (!v.includes('/') || v.startsWith('/'))) mask &= ~0xffff0000;
      f.realm = realm;
      f.realmMask = mask >>> 0;
    } else if (matches(w, 'from')) {
      // filter.rsrc (root, exact or a bare prefix) and filter.msrc (match, which every IPv4 route passes)
      let v = a.next();
      if (matches(v, 'root')) f.rsrcLen = prefixFilter(a.next(), family)?.len;
      else if (matches(v, 'match')) getPrefix(a.next(), family);
      else {
        if (matches(v, 'exact')) v = a.next();
        f.rsrcLen = prefixFilter(v, family)?.len;
      }
    } else {
      let v = w;
      if (matches(v, 'to')) v = a.next();
      if (matches(v, 'root')) f.root = prefixFilter(a.next(), family);
      else if (matches(v, 'match')) f.match = prefixFilter(a.next(), family);
      else {
        if (matches(v, 'exact')) v = a.next();
        f.match = f.root = prefixFilter(v, family);
      }
    }
  }
  if (dev !== undefined) f.oif = ctx.ifindexOrFail(dev);

  // `cache`/`cloned`: a flush writes /proc/sys/net/ipv4/route/flush and stops there (-4, or a table
  // given, as main is by default): cached routes and nexthop exceptions go stale
  if (flush && cloned) {
    ctx.rtnl.routeCacheFlush();
    if (ctx.opt.stats) ctx.out('*** IPv4 routing cache is flushed.\n');
    return 0;
  }
  const all = ctx.rtnl.routes();
  // a listing of main before it exists (a fresh box: nothing has made the table yet) is empty on Linux; a
  // flush of it fails like any missing table's
  if (f.table && !tableExists(ctx, f.table, all) && (flush || f.table !== RT_TABLE_MAIN)) {
    // in -batch mode iproute2 6.1 dumps without the kernel-side table filter: an empty list, no error
    if (ctx.opt.batch) {
      if (flush) return routeFlush(ctx, f);
      if (ctx.opt.json) ctx.jsonOut([]);
      return 0;
    }
    if (!flush && ctx.opt.json) ctx.out('[');
    ctx.err(`Error: ipv4: FIB table does not exist.\n${flush ? 'Flush' : 'Dump'} terminated\n`);
    return 2;
  }
  if (flush) return routeFlush(ctx, f);
  // a listing of the cache dumps the nexthop exceptions routes have taken (fnhe_dump_bucket), filtered
  // by table as any listing (iproute2's filter_nlmsg: main unless `table` says otherwise)
  if (cloned) {
    const cached = ctx.rtnl.routeCache().filter((r) => !f.table || r.table === f.table);
    if (ctx.opt.json) ctx.jsonOut(cached.map((r) => getReplyJson(ctx, r, f.table)));
    else for (const r of cached) ctx.record(getReplyText(ctx, r, f.table));
    return 0;
  }
  const routes = all.filter((r) => routeMatches(f, r));
  if (ctx.opt.json) ctx.jsonOut(routes.map((r) => routeJson(ctx, r, f)));
  else for (const r of routes) ctx.record(routeText(ctx, r, f));
  return 0;
}

function routeFlush(ctx: Ctx, f: RouteFilter): number {
  const MAX_ROUNDS = 10;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const victims = ctx.rtnl.routes().filter((r) => routeMatches(f, r));
    if (!victims.length) {
      if (ctx.opt.stats) {
        if (round === 0) ctx.out('Nothing to flush.\n');
        else ctx.out(`*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***\n`);
      }
      return 0;
    }
    // each deletion is the dumped route sent back: a route using a nexthop object carries its nhid beside the
    // object's paths, which the kernel refuses (EINVAL); rtnl_send_check() reports the first refusal
    let failed: number | undefined;
    for (const r of victims) {
      const d = ctx.rtnl.routeDel({
        table: r.table, dst: r.dst, dstLen: r.dstLen, tos: r.tos, priority: r.priority, type: r.type,
        scope: r.scope, protocol: r.protocol, prefsrc: r.prefsrc, gateway: r.gateway, oif: r.oif || undefined,
        ...(r.nhid ? { nhid: r.nhid, nexthops: r.nexthops } : {}),
      });
      if (!d.ok && failed === undefined) failed = d.errno;
    }
    ctx.invalidate();
    if (failed !== undefined) {
      ctx.err(`Failed to send flush request: ${strerror(failed)}\n`);
      return 2;
    }
    if (ctx.opt.stats) ctx.out(`\n*** Round ${round + 1}, deleting ${victims.length} entries ***\n`);
  }
  ctx.out(`*** Flush remains incomplete after ${MAX_ROUNDS} rounds. ***\n`);
  return 0;
}

// RTCF_* names in the order print_cache_flags tests them
const CACHE_FLAGS: [number, string][] = [
  [0x80000000, 'local'], [0x40000000, 'reject'], [0x20000000, 'mc'], [0x10000000, 'brd'],
  [0x08000000, 'dst-nat'], [0x00800000, 'src-nat'], [0x00400000, 'masq'], [0x00020000, 'dst-direct'],
  [0x04000000, 'src-direct'], [0x00040000, 'redirected'], [0x01000000, 'redirect'], [0x00200000, 'fastroute'],
  [0x00010000, 'notify'], [0x00080000, 'proxy'],
];
function cacheFlags(rtFlags: number): { names: string[]; rest: number } {
  let flags = (rtFlags & ~0xffff) >>> 0;
  const names: string[] = [];
  for (const [bit, n] of CACHE_FLAGS) if (flags & bit) { names.push(n); flags = (flags & ~bit) >>> 0; }
  return { names, rest: flags };
}

function routeGet(ctx: Ctx, argv: string[]): number {
  const a = new Args(argv);
  let family: Family = ctx.opt.family;
  const req: RouteGetReq = { dst: 0 };
  let idev: string | undefined, odev: string | undefined, found = false, connected = false;
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'tos' || matches(w, 'dsfield')) {
      const v = a.next();
      const t = dsfieldId(v);
      if (t === undefined) invarg('TOS value is invalid\n', v);
      req.tos = t;
    } else if (matches(w, 'from')) {
      const v = a.next();
      if (matches(v, 'help')) throw new IpExit(255, ROUTE_USAGE);
      req.src = getPrefix(v, family).addr;
      family = 'inet';
    } else if (matches(w, 'iif')) idev = a.next();
    else if (matches(w, 'mark')) {
      const v = a.next();
      const m = parseUint(v, 32);
      if (m === undefined) invarg('invalid mark value', v);
      if (m) req.mark = m; else delete req.mark;
    } else if (matches(w, 'oif') || w === 'dev') odev = a.next();
    else if (matches(w, 'notify')) { /* no effect on an IPv4 lookup here */ }
    else if (matches(w, 'connected')) connected = true;
    else if (matches(w, 'vrf')) invarg('Invalid VRF\n', a.next());
    else if (matches(w, 'uid')) {
      const v = a.next();
      const u = parseUint(v, 32);
      if (u === undefined) invarg('invalid UID\n', v);
      req.uid = u;
    } else if (matches(w, 'fibmatch')) req.fibmatch = true;
    else if (w === 'sport' || w === 'dport') {
      const v = a.next();
      const p = parseUint(v, 16);
      if (p === undefined) invarg(`invalid ${w}\n`, v);
      req[w] = p;
    } else if (matches(w, 'ipproto')) {
      const v = a.next();
      const p = ipprotoId(v);
      if (p === undefined) invarg('Invalid "ipproto" value\n', v);
      req.ipproto = p;
    } else {
      let v = w;
      if (v === 'to') v = a.next();
      if (matches(v, 'help')) throw new IpExit(255, ROUTE_USAGE);
      const p = getPrefix(v, family);
      family = 'inet';
      req.dst = p.addr;
      if (p.len !== 32) ctx.err(`Warning: /${p.len} as prefix is invalid, only /32 (or none) is supported.\n`);
      found = true;
    }
  }
  if (!found) throw new CmdFail(1, 'need at least a destination address\n');
  if (idev !== undefined) req.iif = ctx.ifindexOrFail(idev);
  if (odev !== undefined) req.oif = ctx.ifindexOrFail(odev);
  const r = ctx.rtnl.routeGet(req);
  if (!ctx.check(r)) return 2;
  const rep = (r as { ok: true; value: RouteGetReply }).value;
  const f: RouteFilter = { table: 0, typemask: 0 };
  const fib = req.fibmatch ? rep.fib : undefined;
  const print = (json: boolean, close = true) => {
    if (json) {
      const s = toJson([fib ? routeJson(ctx, fib, f) : getReplyJson(ctx, rep)], ctx.opt.pretty);
      ctx.out(close ? s + '\n' : s.replace(/\s*\]$/, ''));
    } else ctx.record(fib ? routeText(ctx, fib, f) : getReplyText(ctx, rep));
  };
  if (connected && req.src === undefined) {
    // iproute_get(): `connected` without `from` prints the answer, turns its RTA_PREFSRC into
    // RTA_SRC in the answer's buffer, but sends the unchanged request again and prints that
    // answer (the same) after delete_json_obj(): as text, even under -j. An answer without
    // RTA_PREFSRC or RTA_SRC fails before that, its JSON array never closed.
    if ((fib ? fib.prefsrc : rep.prefsrc ?? rep.src) === undefined) {
      print(ctx.opt.json, false);
      throw new CmdFail(1, 'Failed to connect the route\n');
    }
    print(ctx.opt.json);
    print(false);
    return 0;
  }
  print(ctx.opt.json);
  return 0;
}

// the high bits of rtm_flags double as RTM_F_OFFLOAD_FAILED, which
// print_rt_flags reports for every multicast reply
function getFlagNames(rep: RouteGetReply): string[] {
  return rep.rtFlags & 0x20000000 ? ['rt_offload_failed'] : [];
}

/** sysconf(_SC_CLK_TCK): the clock ticks of RTA_CACHEINFO */
const USER_HZ = 100;

/** filterTable: the table a listing asked for (iproute2's filter.tb), whose name is never printed */
function getReplyText(ctx: Ctx, rep: RouteGetReply, filterTable = 0): string {
  // print_route() with -d: the type and the main table too
  const d = ctx.opt.details > 0;
  let s = '';
  if (rep.type !== RTN_UNICAST || d) s += rtnTypeName(rep.type) + ' ';
  s += ctx.paint('inet', formatIPv4(rep.dst) + ' ');
  // RTA_SRC: "from %s " is one coloured span, the word included
  if (rep.src !== undefined) s += ctx.paint('inet', `from ${formatIPv4(rep.src)} `);
  if (rep.tos) s += `tos ${dsfieldName(rep.tos)} `;
  if (rep.gateway !== undefined) s += `via ${ctx.paint('inet', formatIPv4(rep.gateway) + ' ')}`;
  if (rep.oif) s += `dev ${ctx.paint('ifname', ctx.ifname(rep.oif) + ' ')}`;
  if (rep.table && (rep.table !== RT_TABLE_MAIN || d) && !filterTable) s += `table ${tableName(rep.table)} `;
  if (rep.prefsrc !== undefined) s += `src ${ctx.paint('inet', formatIPv4(rep.prefsrc) + ' ')}`;
  for (const n of getFlagNames(rep)) s += n + ' ';
  if (rep.mark) s += rep.mark >= 16 ? `mark 0x${rep.mark.toString(16)} ` : `mark ${rep.mark} `;
  if (rep.realms) {
    const from = rep.realms >>> 16, to = rep.realms & 0xffff;
    s += `realm${from ? 's' : ''} ` + (from ? `${realmName(from)}/` : '') + `${realmName(to)} `;
  }
  if (rep.uid !== undefined) s += `uid ${rep.uid} `;
  s += '\n    cache ';
  const { names, rest } = cacheFlags(rep.rtFlags);
  if (names.length || rest) {
    s += '<' + names.join(',');
    s += rest ? (names.length ? ',' : '') + rest.toString(16) + '> ' : '> ';
  }
  // print_rta_cacheinfo(): rta_expires / hz
  if (rep.expires) s += `expires ${Math.trunc(rep.expires / USER_HZ)}sec `;
  s += metricsText(rep.metrics);
  if (rep.iif !== undefined) s += `iif ${ctx.paint('ifname', ctx.ifname(rep.iif) + ' ')}`;
  return s + '\n';
}

function getReplyJson(ctx: Ctx, rep: RouteGetReply, filterTable = 0): Record<string, Json> {
  const d = ctx.opt.details > 0;
  const o: Record<string, Json> = {};
  if (rep.type !== RTN_UNICAST || d) o.type = rtnTypeName(rep.type);
  o.dst = formatIPv4(rep.dst);
  if (rep.src !== undefined) o.from = formatIPv4(rep.src);
  if (rep.tos) o.tos = dsfieldName(rep.tos);
  if (rep.gateway !== undefined) o.gateway = formatIPv4(rep.gateway);
  if (rep.oif) o.dev = ctx.ifname(rep.oif);
  if (rep.table && (rep.table !== RT_TABLE_MAIN || d) && !filterTable) o.table = tableName(rep.table);
  if (rep.prefsrc !== undefined) o.prefsrc = formatIPv4(rep.prefsrc);
  o.flags = getFlagNames(rep);
  if (rep.mark) o.mark = rep.mark;
  if (rep.realms) {
    const from = rep.realms >>> 16;
    o.flow = from ? { from: realmName(from), to: realmName(rep.realms & 0xffff) } : { to: realmName(rep.realms & 0xffff) };
  }
  if (rep.uid !== undefined) o.uid = rep.uid;
  const { names, rest } = cacheFlags(rep.rtFlags);
  o.cache = rest ? [...names, rest.toString(16)] : names;
  if (rep.expires) o.expires = Math.trunc(rep.expires / USER_HZ);
  if (rep.metrics) o.metrics = metricsJson(rep.metrics)!;
  if (rep.iif !== undefined) o.iif = ctx.ifname(rep.iif);
  return o;
}

/** rt_realms as iproute2 6.1 ships it: only 0 has a name */
function realmName(id: number): string { return id === 0 ? 'cosmos' : String(id); }
