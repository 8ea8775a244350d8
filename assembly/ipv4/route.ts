// net/ipv4/route.c: the output route decision (ip_route_output_key_hash_rcu),
// the input route decision (ip_route_input_slow) and what `ip route get` asks.
import { isZeronet, isLoopback, isMulticast, isLocalMulticast, isLbcast } from "../lib/inet";
import { EINVAL, ENODEV, ENETUNREACH, EHOSTUNREACH } from "../lib/errno";
import { devExists, devIsUp, devFlags, IFF_LOOPBACK, LOOPBACK_IFINDEX } from "../core/netdevice";
import {
  inDevExists, confOr, confAnd, CONF_ROUTE_LOCALNET, CONF_FORWARDING, CONF_BC_FORWARDING, CONF_SEND_REDIRECTS,
  CONF_SHARED_MEDIA, inetSelectAddr, inetAddrOnlink, confGet, CONF_ACCEPT_REDIRECTS, CONF_SECURE_REDIRECTS,
} from "./devinet";
import { fibLookup, ipDevFind, fibValidateSource, validateItag, inetAddrTypeTable } from "./fib_frontend";
import {
  aOif, aGw, aPrefsrc, aScope, aNhScope, aNhNext, aNhId, aMx, aPn, pnPrefix, pnLen, tbId, hasCustomRules, RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST,
  RTN_MULTICAST, RTN_UNREACHABLE, RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST, RT_TABLE_LOCAL, fibNhGatewayOn,
} from "./fib_table";
import {
  flowInit, flowPorts, resAlias, resNh, resSetNh, resTable, resType, resPrefixlen, resClear, resTclassid, resSetTclassid,
  rtGenid, rt_cache_flush,
} from "./flow";
import { fibMultipathHash, fibMultipathHashSkb, fibSelectMultipath, multipathL3KeysOwn } from "./fib_multipath";
import { fibMultipathHashPolicy, fibMultipathUseNeigh } from "./sysctl_net_ipv4";
import { requireFlDissect, lastRule, rPref } from "./fib_rules";
import { nexthopPrefsrc } from "./nexthop";
import { ip_check_mc } from "./igmp";
import { trace, traceOn } from "../core/trace";
import { TE_FIB_RULE, TE_ROUTE_OUTPUT, TE_ROUTE_DST, TE_ROUTE_GW } from "../core/trace_events";
import {
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_IP_INVALID_SOURCE, SKB_DROP_REASON_IP_LOCALNET,
  SKB_DROP_REASON_IP_INVALID_DEST, SKB_DROP_REASON_IP_LOCAL_SOURCE, SKB_DROP_REASON_IP_RPFILTER,
} from "../core/dropreason";
import { Table } from "../lib/table";
import {
  fnheCount, findException, bindException, bGw, bPmtu, RTCF_REDIRECTED, PMTU_LOCKED, IP_RT_MIN_PMTU, RT_MTU_EXPIRES_NS,
  RT_GC_TIMEOUT_NS, fnhePmtu, fnheExpires, updateOrCreateFnhe,
} from "./fnhe";
import { dstMtu, mxLocked, RTAX_MTU } from "./metrics";
import { neighRedirectTarget } from "./arp";
import { clockNow } from "../hw/clock";
import { devMtu } from "../core/netdevice";

// RTCF_* (include/uapi/linux/in_route.h)
export const RTCF_DOREDIRECT: u32 = 0x01000000, RTCF_BROADCAST: u32 = 0x10000000, RTCF_MULTICAST: u32 = 0x20000000,
  RTCF_LOCAL: u32 = 0x80000000;

// the route (struct rtable) a decision produced
export let rtType: u8 = 0;
export let rtFlags: u32 = 0;
export let rtDev: i32 = 0;
/** gateway when rt_uses_gateway, else 0 */
export let rtGw: u32 = 0;
export let rtIsInput: bool = false;
/** dst.error for an input route that only delivers an error (ip_error) */
export let rtError: i32 = 0;
/** flow source after the decision (output: the chosen source address) */
export let rtSaddr: u32 = 0;
/** table id of the FIB result, 0 if none */
export let rtTable: u32 = 0;
/** the FIB entry used, -1 if none */
export let rtAlias: i32 = -1;
/** its nexthop the decision took (a nexthop slot of fib_table.ts), -1 if none */
export let rtNh: i32 = -1;
/** the decision chose among a multipath route's nexthops by the flow's hash */
export let rtMultipath: bool = false;
export let rtPrefixlen: i32 = 0;
/** the route's metrics (rt_set_nexthop's ip_dst_init_metrics: its fib_info's set, metrics.ts), 0 = none */
export let rtMx: i32 = 0;
/** rt_pmtu while it counts (not expired), | PMTU_LOCKED for rt_mtu_locked; 0 = none (fnhe.ts) */
export let rtPmtu: u32 = 0;
/** the nexthop exception the route took (rt_bind_exception), -1 if none */
export let rtFnhe: i32 = -1;
/** dst.tclassid: realms (from << 16 | to) the route carries */
export let rtTclassid: u32 = 0;
/** set_class_tag(): fill the halves still empty */
function setClassTag(tag: u32): void {
  if ((rtTclassid & 0xffff) == 0) rtTclassid |= tag & 0xffff;
  if ((rtTclassid & 0xffff0000) == 0) rtTclassid |= tag & 0xffff0000;
}
/** the rule that decided the FIB lookup of the last decision (for the trace): its index in list order;
 *  -1 when no rule decided, RULE_MERGED without custom rules (main, then default), RULE_NO_LOOKUP when no lookup ran */
export let rtRule: i32 = -3;
const RULE_MERGED: i32 = -2, RULE_NO_LOOKUP: i32 = -3;
function fibLookupRule(): i32 {
  const err = fibLookup(0);
  rtRule = hasCustomRules ? lastRule : RULE_MERGED;
  return err;
}
/** drop reason of the last input decision (SKB_DROP_REASON_*, core/dropreason.ts), 0 = not dropped */
export let rtDropReason: i32 = 0;

// the SKB_DROP_REASON_* values the route decisions produce
const DROP_NOT_SPECIFIED: i32 = SKB_DROP_REASON_NOT_SPECIFIED, DROP_IP_INVALID_SOURCE: i32 = SKB_DROP_REASON_IP_INVALID_SOURCE,
  DROP_IP_LOCALNET: i32 = SKB_DROP_REASON_IP_LOCALNET, DROP_IP_INVALID_DEST: i32 = SKB_DROP_REASON_IP_INVALID_DEST,
  DROP_IP_LOCAL_SOURCE: i32 = SKB_DROP_REASON_IP_LOCAL_SOURCE;
export const DROP_IP_RPFILTER: i32 = SKB_DROP_REASON_IP_RPFILTER;

/** ip_check_mc_rcu(): the groups dev joined (igmp.ts); an up device is in 224.0.0.1 (all-hosts) */
function ipCheckMc(dev: i32, group: u32): bool { return ip_check_mc(dev, group); }

function resTableId(): u32 { return resTable >= 0 ? tbId[resTable] : 0; }

/** __mkroute_output() */
function mkrouteOutput(daddr: u32, saddr: u32, type: u8, hasFi: bool, devOut: i32, flags: u32): i32 {
  if (!inDevExists(devOut)) return -EINVAL;
  if (!confOr(devOut, CONF_ROUTE_LOCALNET) && isLoopback(saddr) && !(devFlags[devOut] & IFF_LOOPBACK)) return -EINVAL;
  let fi = hasFi;
  // the limited broadcast resolves no gateway; since Linux 6.16 a broadcast route keeps its fib_info (and a
  // gateway, which only a nexthop object can give a route of link scope)
  if (isLbcast(daddr)) { type = RTN_BROADCAST; fi = false; }
  else if (isMulticast(daddr)) type = RTN_MULTICAST;
  else if (isZeronet(daddr)) return -EINVAL;
  if (devFlags[devOut] & IFF_LOOPBACK) flags |= RTCF_LOCAL;
  if (type == RTN_BROADCAST) flags |= RTCF_BROADCAST | RTCF_LOCAL;
  else if (type == RTN_MULTICAST) {
    flags |= RTCF_MULTICAST | RTCF_LOCAL;
    if (!ipCheckMc(devOut, daddr)) flags &= ~RTCF_LOCAL;
    if (fi && resPrefixlen < 4) fi = false;
  }
  rtType = type; rtFlags = flags; rtDev = devOut; rtIsInput = false; rtError = 0; rtSaddr = saddr;
  rtGw = 0;
  rtTclassid = 0;
  setClassTag(resTclassid);
  rtNh = fi ? resNh : -1;
  rtMx = fi && resAlias >= 0 ? unchecked(aMx[resAlias]) : 0;
  if (fi && resNh >= 0 && aGw[resNh] != 0 && <i32>aNhScope[resNh] == RT_SCOPE_LINK) rtGw = aGw[resNh];
  bindFnhe(fi ? resNh : -1, daddr, false);
  return 0;
}

/** rt_set_nexthop() with the nexthop's exception for daddr (find_exception, rt_bind_exception) */
function bindFnhe(nh: i32, daddr: u32, input: bool): void {
  rtPmtu = 0; rtFnhe = -1;
  if (fnheCount == 0) return;
  const x = findException(nh, daddr);
  if (x < 0) return;
  bindException(x, input, rtFlags);
  if (bGw != 0) { rtGw = bGw; rtFlags |= RTCF_REDIRECTED; }
  rtPmtu = bPmtu; rtFnhe = x;
}

/**
 * ip_route_output_key_hash(): the output route decision, traced; 0 with rt* set, or -errno. skbIph/skbLen:
 * the packet (skb) the caller passes, its IPv4 header and the bytes from it on, or 0 for none.
 */
export function ipRouteOutput(daddr: u32, saddr: u32, oif: i32, mark: u32, uid: u32, dscp: u32, proto: u32, sport: u32, dport: u32,
  skbIph: usize = 0, skbLen: u32 = 0): i32 {
  const err = ipRouteOutputKeyHashRcu(daddr, saddr, oif, mark, uid, dscp, proto, sport, dport, skbIph, skbLen);
  if (traceOn) traceRoute(TE_ROUTE_OUTPUT, err < 0 ? 0xff000000 | <u32>-err : <u32>rtType | (rtFlags >> 16 & 0xff00));
  return err;
}

/** The decision for the packet path: `ev` (a = head, b = table), the deciding rule, the route and its gateway. */
export function traceRoute(ev: u32, head: u32): void {
  trace(ev, head, rtTable);
  if (rtRule != RULE_NO_LOOKUP) trace(TE_FIB_RULE, <u32>rtRule, rtRule >= 0 ? unchecked(rPref[rtRule]) : 0);
  if (rtAlias < 0) return;
  const pn = aPn[rtAlias];
  trace(TE_ROUTE_DST, pn >= 0 ? pnPrefix[pn] : 0, <u32>(pn >= 0 ? pnLen[pn] : 0) | (<u32>rtDev << 8));
  const gw = rtFnhe >= 0 && rtGw != 0 ? rtGw : rtNh >= 0 ? aGw[rtNh] : 0; // a redirect's gateway when the route took one
  if (gw != 0) trace(TE_ROUTE_GW, gw, 0);
}

/**
 * ip_route_output_key_hash_rcu(): 0 with rt* set, or -errno. skbIph: 0 without an skb (the multipath hash
 * takes the flow's keys), else the IPv4 header of the skb given (skbLen bytes from it on), whose keys the
 * multipath hash takes instead (fib_multipath_hash with an skb).
 */
export function ipRouteOutputKeyHashRcu(daddr: u32, saddr: u32, oif: i32, mark: u32, uid: u32, dscp: u32, proto: u32, sport: u32, dport: u32,
  skbIph: usize = 0, skbLen: u32 = 0): i32 {
  let flags: u32 = 0;
  let devOut: i32 = 0;
  resClear();
  rtTable = 0; rtAlias = -1; rtNh = -1; rtMultipath = false; rtPrefixlen = 0; rtRule = RULE_NO_LOOKUP; rtMx = 0;
  if (saddr != 0) {
    if (isMulticast(saddr) || isLbcast(saddr) || isZeronet(saddr)) return -EINVAL;
    if (oif == 0 && (isMulticast(daddr) || isLbcast(daddr))) {
      devOut = ipDevFind(saddr);
      if (devOut == 0) return -ENETUNREACH;
      return mkrouteOutput(daddr, saddr, 0, false, devOut, flags);
    }
    if (ipDevFind(saddr) == 0) return -ENETUNREACH;
  }
  if (oif != 0) {
    if (!devExists(oif)) return -ENODEV;
    devOut = oif;
    if (!devIsUp(oif) || !inDevExists(oif)) return -ENETUNREACH;
    if (isLocalMulticast(daddr) || isLbcast(daddr) || proto == 2 /* IGMP */) {
      if (saddr == 0) saddr = inetSelectAddr(devOut, 0, RT_SCOPE_LINK);
      return mkrouteOutput(daddr, saddr, 0, false, devOut, flags);
    }
    if (saddr == 0) {
      if (isMulticast(daddr)) saddr = inetSelectAddr(devOut, 0, RT_SCOPE_UNIVERSE);
      else if (daddr == 0) saddr = inetSelectAddr(devOut, 0, RT_SCOPE_HOST);
    }
  }
  if (daddr == 0) {
    daddr = saddr;
    if (daddr == 0) { daddr = 0x7f000001; saddr = daddr; }
    return mkrouteOutput(daddr, saddr, RTN_LOCAL, false, LOOPBACK_IFINDEX, flags | RTCF_LOCAL);
  }
  flowInit(daddr, saddr, oif, LOOPBACK_IFINDEX, mark, uid, dscp, RT_SCOPE_UNIVERSE);
  flowPorts(proto, sport, dport);
  const err = fibLookupRule();
  if (err != 0) {
    // res->fi and res->table go, res->tclassid (the deciding rule's realms) stays
    const tag = resTclassid;
    resClear();
    resSetTclassid(tag);
    if (oif != 0) {
      // routing tables are wrong: assume the destination is on link
      if (saddr == 0) saddr = inetSelectAddr(devOut, 0, RT_SCOPE_LINK);
      return mkrouteOutput(daddr, saddr, RTN_UNICAST, false, devOut, flags);
    }
    return err;
  }
  rtTable = resTableId(); rtAlias = resAlias; rtNh = resNh; rtPrefixlen = resPrefixlen;
  const a = resAlias;
  if (resType == RTN_LOCAL) {
    if (saddr == 0) saddr = aPrefsrc[a] != 0 ? aPrefsrc[a] : daddr;
    return mkrouteOutput(daddr, saddr, RTN_LOCAL, true, LOOPBACK_IFINDEX, flags | RTCF_LOCAL);
  }
  // fib_select_path(): a multipath route's nexthop by the hash (unless the flow names its device): of the
  // skb when there is one (fib_multipath_hash reads the packet, not the flow), else of the flow; then the
  // source from the route, else from that nexthop's device
  if (oif == 0 && aNhNext[a] >= 0) {
    const hash = skbIph != 0 ? fibMultipathHashSkb(skbIph, skbLen) : fibMultipathHash(saddr, daddr, proto, sport, dport);
    resSetNh(fibSelectMultipath(a, resNh, hash, saddr));
    rtMultipath = true;
  }
  const nh = resNh;
  if (saddr == 0) {
    saddr = aPrefsrc[a] != 0 ? aPrefsrc[a]
      : aNhId[a] != 0 ? nexthopPrefsrc(aNhId[a], aOif[nh], aGw[nh], <i32>aScope[a])
      : inetSelectAddr(aOif[nh], aGw[nh], <i32>aScope[a]);
  }
  return mkrouteOutput(daddr, saddr, resType, true, aOif[nh], flags);
}

function inputLocal(dev: i32, type: u8, flags: u32, err: i32): i32 {
  rtTclassid = type == RTN_UNREACHABLE ? 0 : validateItag;
  rtType = type; rtFlags = flags | RTCF_LOCAL; rtDev = LOOPBACK_IFINDEX; rtGw = 0; rtIsInput = true; rtError = 0;
  if (type == RTN_UNREACHABLE) { rtError = -err; rtFlags &= ~RTCF_LOCAL; }
  rtDropReason = 0;
  return 0;
}

function martian(reason: i32): i32 { rtDropReason = reason; return reason; }

// ---- the input-route cache ------------------------------------------------------------
// Linux has had no route cache since 3.6: every packet takes ip_route_input_slow.
// This is an internal accelerator only, and it must give exactly the uncached
// answer: an entry is keyed by everything the decision reads from the packet
// (daddr, saddr, dscp, iif, mark, and proto/ports while some rule needs them)
// and is valid only in the rt_genid generation it was made in; rt_cache_flush()
// (flow.ts) bumps the generation on every change of what the decision reads from
// the configuration. Used for packets on the receive path only (ip_rcv_finish),
// and never while packets are traced, so traces show the kernel's own steps.
const RC_SLOTS: i32 = 8192; // four-way set-associative, a power of two
const RC_WORDS: i32 = 16; // one 64-byte line per entry
const rcache = changetype<Table<u32>>(memory.data((RC_SLOTS * RC_WORDS) * sizeof<u32>(), 8));
/** off: every packet takes the slow path (the uncached rate); verify: hits are checked against it */
export let rcacheEnabled: bool = true;
export let rcacheVerify: bool = false;
export let rcacheHits: u64 = 0, rcacheMisses: u64 = 0, rcacheMismatches: u64 = 0;
export function rcacheSet(enabled: bool, verify: bool): void {
  rcacheEnabled = enabled; rcacheVerify = verify; rcacheHits = 0; rcacheMisses = 0; rcacheMismatches = 0;
}

/** ip_route_input_noref() on the receive path: the cached answer of ipRouteInput when there is one */
// @ts-ignore: decorator
@inline export function ipRouteInputCached(daddr: u32, saddr: u32, dscp: u32, dev: i32, mark: u32, proto: u32, sport: u32, dport: u32,
  skbIph: usize, skbLen: u32): i32 {
  if (!rcacheEnabled || traceOn) return ipRouteInput(daddr, saddr, dscp, dev, mark, proto, sport, dport, skbIph, skbLen);
  const ports = requireFlDissect > 0;
  const k4 = <u32>dev | (dscp << 16) | (ports ? proto << 24 : 0);
  const k5 = ports ? (sport << 16) | dport : 0;
  let h = daddr * 0x9e3779b1 ^ saddr * 0x85ebca6b ^ k4 * 0xc2b2ae35 ^ mark ^ k5;
  h ^= h >>> 16;
  const first = <i32>(h & <u32>(RC_SLOTS - 4));
  const set = changetype<usize>(rcache) + ((<usize>first * <usize>RC_WORDS) << 2);
  // the ways in order: an entry is put in the first stale way, so most are found in the first line read
  let e = set;
  let hit = rcacheMatch(e, daddr, saddr, k4, mark, k5);
  if (!hit) {
    for (let w = 1; w < 4; w++) {
      e += <usize>RC_WORDS << 2;
      if (rcacheMatch(e, daddr, saddr, k4, mark, k5)) { hit = true; break; }
    }
  }
  // a multipath entry holds the nexthop the packet's own addresses hashed to: an ICMP error, hashed by
  // the addresses it quotes (ip_multipath_l3_keys), takes the uncached decision
  if (hit && load<u32>(e, 20) != 0 && !multipathL3KeysOwn(skbIph, skbLen, saddr, daddr)) {
    return ipRouteInput(daddr, saddr, dscp, dev, mark, proto, sport, dport, skbIph, skbLen);
  }
  if (hit) {
    rcacheHits++;
    const ret = <i32>load<u32>(e, 28);
    const tp = load<u32>(e, 32);
    rtType = <u8>tp; rtIsInput = (tp & 0x100) != 0; rtPrefixlen = <i32>(tp >>> 16); rtFlags = load<u32>(e, 36);
    // 0x200: the route has metrics, those of its FIB entry (a change of them flushed the cache)
    rtDev = <i32>load<u32>(e, 40); rtGw = load<u32>(e, 44); rtError = <i32>load<u32>(e, 48); rtTable = load<u32>(e, 52);
    rtAlias = <i32>load<u32>(e, 56); rtTclassid = load<u32>(e, 60); rtSaddr = saddr; rtDropReason = ret;
    rtMx = (tp & 0x200) != 0 ? unchecked(aMx[rtAlias]) : 0;
    const mp = load<u32>(e, 20);
    rtNh = mp != 0 ? <i32>(mp & 0x7fffffff) : rtAlias; rtMultipath = mp != 0;
    rtPmtu = 0; rtFnhe = -1;
    if (rcacheVerify) rcacheCheck(ret, daddr, saddr, dscp, dev, mark, proto, sport, dport);
    return ret;
  }
  rcacheMisses++;
  const ret = ipRouteInput(daddr, saddr, dscp, dev, mark, proto, sport, dport, skbIph, skbLen);
  // every answer the slow path gives carries its drop reason as the return value (martian()) or 0.
  // A multipath choice is kept only where it hangs on nothing but the key and the configuration: the
  // L3 hash (policy 0) of the packet's own addresses, without the neighbours' states (use_neigh; a nexthop
  // group always looks at them)
  // a route through a nexthop exception expires with it: not kept (making one flushes the cache)
  if (ret != rtDropReason || rtSaddr != saddr || rtFnhe >= 0) return ret;
  if (rtMultipath && (fibMultipathHashPolicy != 0 || fibMultipathUseNeigh != 0 || !multipathL3KeysOwn(skbIph, skbLen, saddr, daddr) ||
    aNhId[rtAlias] != 0)) return ret;
  // a stale way, else the one two hash bits pick
  let way = 0;
  while (way < 4 && load<u32>(set + ((<usize>way * <usize>RC_WORDS) << 2), 24) == rtGenid) way++;
  if (way == 4) way = <i32>(h >>> 16) & 3;
  e = set + ((<usize>way * <usize>RC_WORDS) << 2);
  store<u32>(e, daddr); store<u32>(e, saddr, 4); store<u32>(e, k4, 8); store<u32>(e, mark, 12); store<u32>(e, k5, 16);
  store<u32>(e, rtMultipath ? <u32>rtNh | 0x80000000 : 0, 20);
  store<u32>(e, rtGenid, 24); store<u32>(e, <u32>ret, 28);
  store<u32>(e, <u32>rtType | (rtIsInput ? 0x100 : 0) | (rtMx != 0 ? 0x200 : 0) | (<u32>rtPrefixlen << 16), 32); store<u32>(e, rtFlags, 36);
  store<u32>(e, <u32>rtDev, 40); store<u32>(e, rtGw, 44); store<u32>(e, <u32>rtError, 48); store<u32>(e, rtTable, 52);
  store<u32>(e, <u32>rtAlias, 56); store<u32>(e, rtTclassid, 60);
  return ret;
}

// @ts-ignore: decorator
@inline function rcacheMatch(e: usize, daddr: u32, saddr: u32, k4: u32, mark: u32, k5: u32): bool {
  // all six words compared without a branch each: one test of the differences or'ed together
  return ((load<u32>(e, 24) ^ rtGenid) | (load<u32>(e) ^ daddr) | (load<u32>(e, 4) ^ saddr) | (load<u32>(e, 8) ^ k4) |
    (load<u32>(e, 12) ^ mark) | (load<u32>(e, 16) ^ k5)) == 0;
}

/** verify mode: the slow path's answer must equal the cached one just restored */
function rcacheCheck(ret: i32, daddr: u32, saddr: u32, dscp: u32, dev: i32, mark: u32, proto: u32, sport: u32, dport: u32): void {
  const t = rtType, f = rtFlags, d = rtDev, g = rtGw, er = rtError, tb = rtTable, a = rtAlias, pl = rtPrefixlen;
  const tc = rtTclassid, inp = rtIsInput, dr = rtDropReason, mx = rtMx;
  const r = ipRouteInput(daddr, saddr, dscp, dev, mark, proto, sport, dport, 0, 0);
  if (r != ret || rtType != t || rtFlags != f || rtDev != d || rtGw != g || rtError != er || rtTable != tb ||
    rtAlias != a || rtPrefixlen != pl || rtTclassid != tc || rtIsInput != inp || rtDropReason != dr || rtSaddr != saddr || rtMx != mx) {
    rcacheMismatches++;
  }
}

/**
 * ip_route_input_noref() for an IPv4 packet: 0 with rt* set, or a drop reason (ip_route_input_slow, uncached).
 * skbIph/skbLen: the packet (its IPv4 header, its length) a multipath route's hash reads (fib_multipath_hash
 * with the skb), 0 when the decision has none: then the flow's addresses, protocol and ports.
 */
export function ipRouteInput(daddr: u32, saddr: u32, dscp: u32, dev: i32, mark: u32, proto: u32, sport: u32, dport: u32,
  skbIph: usize, skbLen: u32): i32 {
  rtTable = 0; rtAlias = -1; rtNh = -1; rtMultipath = false; rtPrefixlen = 0; rtDropReason = 0; rtSaddr = saddr; rtRule = RULE_NO_LOOKUP;
  rtPmtu = 0; rtFnhe = -1;
  rtMx = 0;
  if (!inDevExists(dev)) return martian(DROP_NOT_SPECIFIED);
  // the packet's flow, set before any path that validates the source: the reverse lookup in
  // fib_validate_source dissects the same skb (its protocol and ports, with rules that ask for them)
  flowInit(daddr, saddr, 0, dev, mark, 0, dscp, RT_SCOPE_UNIVERSE);
  if (requireFlDissect > 0) flowPorts(proto, sport, dport);
  if (isMulticast(daddr)) {
    // ip_route_input_mc(): only groups we joined
    if (!ipCheckMc(dev, daddr)) return martian(DROP_NOT_SPECIFIED);
    if (isMulticast(saddr) || isLbcast(saddr)) return martian(DROP_IP_INVALID_SOURCE);
    if (isLoopback(saddr) && !confOr(dev, CONF_ROUTE_LOCALNET)) return martian(DROP_IP_LOCALNET);
    if (isZeronet(saddr)) {
      if (!isLocalMulticast(daddr) && proto != 2) return martian(DROP_IP_INVALID_SOURCE);
    } else if (fibValidateSource(saddr, 0, dscp, 0, dev, mark) < 0) return martian(DROP_IP_INVALID_SOURCE);
    rtType = RTN_MULTICAST; rtFlags = RTCF_MULTICAST | RTCF_LOCAL; rtDev = LOOPBACK_IFINDEX; rtGw = 0; rtIsInput = true; rtError = 0;
    return 0;
  }
  if (isMulticast(saddr) || isLbcast(saddr)) return martian(DROP_IP_INVALID_SOURCE);
  resClear();
  if (isLbcast(daddr) || (saddr == 0 && daddr == 0)) return brdInput(daddr, saddr, dscp, dev, mark);
  if (isZeronet(saddr)) return martian(DROP_IP_INVALID_SOURCE);
  if (isZeronet(daddr)) return martian(DROP_IP_INVALID_DEST);
  if (isLoopback(daddr)) {
    if (!confOr(dev, CONF_ROUTE_LOCALNET)) return martian(DROP_IP_LOCALNET);
  } else if (isLoopback(saddr)) {
    if (!confOr(dev, CONF_ROUTE_LOCALNET)) return martian(DROP_IP_LOCALNET);
  }
  let err = fibLookupRule();
  const fwd = confGet(dev, CONF_FORWARDING) != 0;
  if (err != 0) {
    if (!fwd) err = -EHOSTUNREACH;
    resClear();
    return inputLocal(dev, RTN_UNREACHABLE, 0, err);
  }
  const a = resAlias, type = resType, plen = resPrefixlen, table = resTableId();
  rtTable = table; rtAlias = a; rtNh = resNh; rtPrefixlen = plen;
  if (type == RTN_BROADCAST) {
    if (confAnd(dev, CONF_BC_FORWARDING)) return ipMkrouteInput(a, daddr, saddr, dscp, dev, mark, type, table, plen, proto, sport, dport, skbIph, skbLen);
    return brdInput(daddr, saddr, dscp, dev, mark);
  }
  if (type == RTN_LOCAL) {
    if (fibValidateSource(saddr, daddr, dscp, 0, dev, mark) < 0) return martian(DROP_IP_LOCAL_SOURCE);
    rtTable = table; rtAlias = a; rtPrefixlen = plen;
    return inputLocal(dev, RTN_LOCAL, 0, 0);
  }
  if (!fwd) {
    rtTable = 0; rtAlias = -1;
    return inputLocal(dev, RTN_UNREACHABLE, 0, -EHOSTUNREACH);
  }
  if (type != RTN_UNICAST) return martian(DROP_IP_INVALID_DEST);
  return ipMkrouteInput(a, daddr, saddr, dscp, dev, mark, type, table, plen, proto, sport, dport, skbIph, skbLen);
}

function brdInput(daddr: u32, saddr: u32, dscp: u32, dev: i32, mark: u32): i32 {
  const table = rtTable, a = rtAlias;
  if (!isZeronet(saddr)) {
    if (fibValidateSource(saddr, 0, dscp, 0, dev, mark) < 0) return martian(DROP_IP_INVALID_SOURCE);
  }
  rtTable = table; rtAlias = a;
  return inputLocal(dev, RTN_BROADCAST, RTCF_BROADCAST, 0);
}

/** ip_mkroute_input(): a multipath route's nexthop by the packet's hash, then the route */
function ipMkrouteInput(a: i32, daddr: u32, saddr: u32, dscp: u32, dev: i32, mark: u32, type: u8, table: u32, plen: i32,
  proto: u32, sport: u32, dport: u32, skbIph: usize, skbLen: u32): i32 {
  let nh = resNh;
  if (unchecked(aNhNext[a]) >= 0) {
    const hash = skbIph != 0 ? fibMultipathHashSkb(skbIph, skbLen) : fibMultipathHash(saddr, daddr, proto, sport, dport);
    nh = fibSelectMultipath(a, nh, hash, 0);
    rtMultipath = true;
  }
  return mkrouteInput(a, nh, daddr, saddr, dscp, dev, mark, type, table, plen);
}

/** __mkroute_input(): a forwarding route through nexthop nh of route a */
function mkrouteInput(a: i32, nh: i32, daddr: u32, saddr: u32, dscp: u32, dev: i32, mark: u32, type: u8, table: u32, plen: i32): i32 {
  // a is the alias the lookup just found: a live index of the alias arrays; nh one of its nexthops
  const out = unchecked(aOif[nh]);
  const tag = resTclassid;
  const gw = unchecked(aGw[nh]), nhScope = unchecked(aNhScope[nh]);
  if (!inDevExists(out)) return martian(DROP_NOT_SPECIFIED);
  const err = fibValidateSource(saddr, daddr, dscp, out, dev, mark);
  if (err < 0) return martian(err == -22 ? DROP_IP_LOCAL_SOURCE : DROP_IP_RPFILTER);
  let flags: u32 = 0;
  if (out == dev && err != 0 && confOr(out, CONF_SEND_REDIRECTS)) {
    if (confOr(out, CONF_SHARED_MEDIA) || inetAddrOnlink(out, saddr, gw)) flags |= RTCF_DOREDIRECT;
  }
  rtType = type; rtFlags = flags; rtDev = out; rtIsInput = true; rtError = 0; rtTable = table; rtAlias = a; rtNh = nh;
  rtPrefixlen = plen; rtMx = unchecked(aMx[a]);
  rtGw = (gw != 0 && <i32>nhScope == RT_SCOPE_LINK) ? gw : 0;
  rtTclassid = 0;
  setClassTag(tag);
  setClassTag(validateItag);
  // do_cache (res->fi && !itag): only then does the input route take the exception
  if (validateItag == 0) bindFnhe(nh, daddr, true); else { rtPmtu = 0; rtFnhe = -1; }
  rtDropReason = 0;
  return 0;
}

// ---- what ICMP errors teach: ipv4_update_pmtu() and ipv4_redirect() (icmp_err, for an echo reply of ours)

/**
 * ipv4_update_pmtu(): "fragmentation needed" (next-hop MTU mtu) about our packet saddr -> daddr (its tos,
 * protocol proto): the output route of that flow (mark 0, no ports), then __ip_rt_update_pmtu().
 */
export function ipv4UpdatePmtu(daddr: u32, saddr: u32, tos: u32, proto: u32, mtu: u32): void {
  if (ipRouteOutput(daddr, saddr, 0, 0, 0, tos & 0x1c, proto, 0, 0) != 0) return;
  // ip_mtu_locked(): a locked learned MTU or mtu metric is not changed
  if ((rtPmtu & PMTU_LOCKED) != 0 || mxLocked(rtMx, RTAX_MTU)) return;
  const old = devExists(rtDev) ? dstMtu(rtMx, rtPmtu, devMtu[rtDev], rtGw != 0, false) : 0;
  if (old < mtu) return;
  let lock = false;
  if (mtu < IP_RT_MIN_PMTU) { lock = true; mtu = old < IP_RT_MIN_PMTU ? old : IP_RT_MIN_PMTU; }
  const now = clockNow();
  // the same MTU learned again in the first half of its life: nothing to do
  if (rtFnhe >= 0 && fnhePmtu(rtFnhe) == mtu && !lock && now < fnheExpires(rtFnhe) - RT_MTU_EXPIRES_NS / 2) return;
  if (rtNh < 0) return;
  if (updateOrCreateFnhe(rtNh, daddr, 0, mtu, lock, now + RT_MTU_EXPIRES_NS)) rt_cache_flush();
}

/**
 * ipv4_redirect() then __ip_do_redirect(): a redirect (code) from oldGw, received on dev, says that our
 * packet saddr -> daddr should go through newGw. Taken when oldGw is the gateway the output route of that
 * flow uses and newGw passes the checks of accept_redirects, shared_media and secure_redirects; with the new
 * gateway's neighbour not yet valid, only its resolution starts.
 */
export function ipv4Redirect(daddr: u32, saddr: u32, tos: u32, proto: u32, code: u32, oldGw: u32, newGw: u32, dev: i32): void {
  if (ipRouteOutput(daddr, saddr, 0, 0, 0, tos & 0x1c, proto, 0, 0) != 0) return;
  if ((code & 7) > 3) return; // ICMP_REDIR_NET, _HOST, _NETTOS, _HOSTTOS
  if (rtGw != oldGw || !inDevExists(dev)) return;
  // IN_DEV_RX_REDIRECTS(): both of accept_redirects (all, dev) on a forwarding device, either on a host's
  const accept = confGet(dev, CONF_FORWARDING) != 0 ? confAnd(dev, CONF_ACCEPT_REDIRECTS) : confOr(dev, CONF_ACCEPT_REDIRECTS);
  if (newGw == oldGw || !accept || isMulticast(newGw) || isLbcast(newGw) || isZeronet(newGw)) return;
  if (!confOr(dev, CONF_SHARED_MEDIA)) {
    if (!inetAddrOnlink(dev, newGw, oldGw)) return;
    if (confOr(dev, CONF_SECURE_REDIRECTS) && !fibNhGatewayOn(newGw, dev)) return;
  } else if (inetAddrTypeTable(newGw, RT_TABLE_LOCAL) != RTN_UNICAST) return;
  const nh = rtNh;
  if (!neighRedirectTarget(rtDev, newGw)) return;
  if (nh >= 0 && updateOrCreateFnhe(nh, daddr, newGw, 0, false, clockNow() + RT_GC_TIMEOUT_NS)) rt_cache_flush();
}
