// The ABI of the routing core: what src/kernel.ts binds. Dumps are written as
// u32 records into one buffer the host reads in place (dumpPtr/dumpLen).
import { extack, clearExtack, fail } from "./lib/errno";
import {
  devList, devKind, devMtu, devMinMtu, devMaxMtu, devTxqlen, devGroup, devMac, devPeer, devQdisc, devCarrier, devCarrierChanges, devName,
  devGetFlags, devExists, ifnamePolicyOk, devSetAlias, devAliasOf, devType, devTsoMaxSize, ARPHRD_NONE,
} from "./core/netdevice";
import {
  loopbackInit, rtnlNewlink, rtnlDellink, devSetUp, devChangeFlags, devChangeCarrier, devSetMtu, devSetMac, devSetName, devSetTxqlen, dev_get_iflink, netdev_state_change, POLICY_MSG,
} from "./core/dev";
import { vlanNewlink, vlanChangeFlags, vlanDevId, vlanDevProto, vlanDevFlags } from "./net/8021q/vlan";
import {
  macvlanNewlink, macvlanChangelink, macvlanMode, macvlanFlags, macvlanBcQueueLenReq, macvlanBcQueueLenUsed,
} from "./drivers/macvlan";
import { sysctl, sysctlValue } from "./core/sysctl";
import { dev_get_stats, ST_COUNT } from "./core/netif";
import { netInit } from "./netabi";
import {
  devIfaHead, ifaNext, ifaDev, ifaLocal, ifaAddress, ifaPrefixlen, ifaBcast, ifaScope, ifaFlags, ifaMetric, ifaLabel, ifaCstamp, ifaTstamp, ifaLifetimeLeft,
  inetNewAddr, inetRtmDelAddr,
} from "./ipv4/devinet";
import { inetRtmNewroute, inetRtmDelroute } from "./ipv4/fib_frontend";
import { mxReqReset, mxReqAdd, mxWordsOf, RTAX_MAX } from "./ipv4/metrics";
import {
  tablesInDumpOrder, tableAliases, fibGetTable, aTb, aPn, aDscp, aPrio, aType, aScope, aProto, aPrefsrc, aGw, aOif, aNhFlags,
  aNhNext, aNhWeight, aFiDead, aFiLinkdown, aNhId, aNhReject, aMx, RTN_BLACKHOLE, mpReset, mpAdd, ignoreLinkdown, RTNH_F_DEAD, RTNH_F_LINKDOWN,
  pnPrefix, pnLen, RTN_UNICAST, aNhScope, RT_SCOPE_LINK, tbId,
} from "./ipv4/fib_table";
import {
  fibDefaultRulesInit, ruleReqReset, ruleReqSet, ruleReqSetIif, ruleReqSetOif, fibNewRule, fibDelRule, rPref, rAction,
  rTable, rFlags, rSrc, rSrcLen, rDst, rDstLen, rDscp, rDscpMask, rDscpFull, rMark, rMarkMask, rIifName, rOifName, rIif,
  rOif, rUidStart, rUidEnd, rUidSet, rIpProto, rSportLo, rSportHi, rSportMask, rDportLo, rDportHi, rDportMask, rTarget,
  rResolved, rSuppressPlen, rSuppressIfgroup, rProto, rTunId, rL3mdev, rFlow,
} from "./ipv4/fib_rules";
import {
  neighSysctl, neighSysctlValue, neighAdd, neighDel, nDev, nDst, nLladdr, nHasLladdr, nState, nFlags, nUsed, nConfirmed, nUpdated,
  nTimer, nProbes, NUD_VALID, neightblParm, neightblParmsExist, neightblSetParm, neightblStat, neightblLastFlushMs,
  neighHashShift, neighGet,
} from "./ipv4/arp";
import { pneighAdd, pneighDel, pneighGet, pneighOrder, pneighKey, pneighDev, pneighFlags } from "./ipv4/pneigh";
import { inDevExists, inDevSeq } from "./ipv4/devinet";
import { clockNow, CLOCK_NEVER } from "./hw/clock";
import { HZ, NS_PER_JIFFY } from "./ipv4/sysctl_net_ipv4";
import {
  ipRouteOutput, ipRouteInput, rtType, rtFlags, rtDev, rtGw, rtError, rtSaddr, rtTable, rtAlias, rtPrefixlen, rtTclassid, rtMx, rtFnhe,
} from "./ipv4/route";
import { ENODEV, EINVAL, EHOSTUNREACH, EOPNOTSUPP } from "./lib/errno";
import { rt_cache_flush, flowDissectPorts } from "./ipv4/flow";
import { fnheDump, fnheGenidBump, fnheExpires, fnhePmtuShown, expiresTicks } from "./ipv4/fnhe";

const dump = new Array<u32>();
/** for the other ABI modules: empty the dump buffer, add one u32 */
export function dumpReset(): void { dump.length = 0; }
export function dumpPush(v: u32): void { dump.push(v); }
const linkStats = new StaticArray<u64>(ST_COUNT);
export function dumpPtr(): usize { return dump.dataStart; }
export function dumpLen(): i32 { return dump.length; }

export function kernelInit(): void {
  netInit();
  loopbackInit();
  fibDefaultRulesInit();
}
export function kernelExtack(): string { return extack; }
export function kernelGc(): void { __collect(); }

function mac(hi: u32, lo: u32): u64 { return (<u64>hi << 32) | <u64>lo; }

// ---- links
export function linkAdd(kind: i32, name: string, macHi: u32, macLo: u32, mtu: u32, txqlen: u32,
  peerName: string, pMacHi: u32, pMacLo: u32, pMtu: u32, pTxqlen: u32): i32 {
  clearExtack();
  return rtnlNewlink(<u8>kind, name, mac(macHi, macLo), mtu, txqlen, peerName, mac(pMacHi, pMacLo), pMtu, pTxqlen);
}
/** `ip link add NAME link LOWER type macvlan mode MODE [nopromisc]`: the new ifindex or -errno. */
export function linkAddMacvlan(name: string, macHi: u32, macLo: u32, mtu: u32, txqlen: u32, link: i32, mode: u32,
  flags: u32, bcQueueLen: u32): i32 {
  clearExtack();
  return macvlanNewlink(name, mac(macHi, macLo), mtu, txqlen, link, mode, flags, bcQueueLen);
}
/** `ip link set DEV type macvlan ...` (macvlan_changelink): mode 0, flags -1 and bcQueueLen -1 leave them */
export function linkSetMacvlan(ifindex: i32, mode: u32, flags: i32, bcQueueLen: i64): i32 {
  clearExtack();
  if (!devExists(ifindex)) return -19;
  return macvlanChangelink(ifindex, mode, flags, bcQueueLen);
}
/**
 * `ip link add link LOWER name NAME type vlan id VID [protocol P] [reorder_hdr on|off] ...`: the new
 * ifindex or -errno. vid -1 and proto 0 when not given; flagsMask/flags as IFLA_VLAN_FLAGS.
 */
export function linkAddVlan(name: string, macHi: u32, macLo: u32, mtu: u32, txqlen: u32, link: i32, vid: i32, proto: u32,
  flagsMask: u32, flags: u32): i32 {
  clearExtack();
  return vlanNewlink(name, mac(macHi, macLo), mtu, txqlen, link, vid, proto, flagsMask, flags);
}
/** NETDEV_CHANGE that rtnl_changelink sends after a kind's or a master's changelink succeeded (netdev_state_change) */
export function linkStateChange(ifindex: i32): void {
  if (devExists(ifindex)) netdev_state_change(ifindex);
}
/** `ip link set DEV type vlan FLAG on|off` (vlan_changelink) */
export function linkSetVlanFlags(ifindex: i32, flagsMask: u32, flags: u32): i32 {
  clearExtack();
  if (!devExists(ifindex)) return -19;
  return vlanChangeFlags(ifindex, flagsMask, flags);
}
/** What `ip -d link` adds for a macvlan: 1 mode, 2 flags, 3 bc queue length asked for, 8 used (promiscuity: linkPromisc); a VLAN: 4 id, 5 protocol, 6 flags; any device: 7 tso_max_size. */
export function linkDetail(ifindex: i32, which: i32): u32 {
  if (!devExists(ifindex)) return 0;
  switch (which) {
    case 1: return macvlanMode(ifindex);
    case 2: return macvlanFlags(ifindex);
    case 3: return macvlanBcQueueLenReq(ifindex);
    case 4: return vlanDevId(ifindex);
    case 5: return vlanDevProto(ifindex);
    case 6: return vlanDevFlags(ifindex);
    case 7: return devTsoMaxSize[ifindex];
    case 8: return macvlanBcQueueLenUsed(ifindex);
  }
  return 0;
}
export function linkDel(ifindex: i32): i32 { clearExtack(); return rtnlDellink(ifindex); }
export function linkSetUp(ifindex: i32, up: bool): i32 { clearExtack(); return devSetUp(ifindex, up); }
/** ifi_flags/ifi_change of a request, IFF_UP aside (dev_change_flags) */
export function linkChangeFlags(ifindex: i32, flags: u32, change: u32): i32 { clearExtack(); return devChangeFlags(ifindex, flags, change); }
/** IFLA_CARRIER (dev_change_carrier) */
export function linkChangeCarrier(ifindex: i32, on: bool): i32 { clearExtack(); return devChangeCarrier(ifindex, on); }
export function linkSetMtu(ifindex: i32, mtu: u32): i32 { clearExtack(); return devSetMtu(ifindex, mtu); }
export function linkSetMac(ifindex: i32, hi: u32, lo: u32): i32 { clearExtack(); return devSetMac(ifindex, mac(hi, lo)); }
export function linkSetName(ifindex: i32, name: string): i32 { clearExtack(); return devSetName(ifindex, name); }
export function linkSetTxqlen(ifindex: i32, q: u32): i32 { clearExtack(); return devSetTxqlen(ifindex, q); }
export function linkSetGroup(ifindex: i32, g: u32): i32 {
  clearExtack();
  if (!devExists(ifindex)) return -ENODEV;
  devGroup[ifindex] = g;
  rt_cache_flush(); // suppress_ifgroup rules read the group
  return 0;
}
export function tableExists(id: u32): bool { return fibGetTable(id) >= 0; }
export function linkName(ifindex: i32): string { return devExists(ifindex) ? devName[ifindex] : ""; }
/** IFLA_IFALIAS: dev_set_alias() ("" removes it) */
export function linkSetAlias(ifindex: i32, alias: string): i32 {
  clearExtack();
  if (!devExists(ifindex)) return -ENODEV;
  return devSetAlias(ifindex, alias);
}
export function linkAlias(ifindex: i32): string { return devExists(ifindex) ? devAliasOf(ifindex) : ""; }
export const LINK_RECORD: i32 = 14 + 2 * ST_COUNT;
/**
 * per link: ifindex, kind, flags, mtu, minMtu, maxMtu, txqlen, group, macHi, macLo, peer, qdisc (0 noop,
 * 1 noqueue, 2 pfifo_fast), carrier, then dev_get_stats() as rtnl_link_stats64 (u64 as lo, hi words), then
 * IFLA_CARRIER_CHANGES
 */
export function linkDump(): i32 {
  dump.length = 0;
  for (let i = 0; i < devList.length; i++) {
    const d = devList[i];
    dev_get_stats(d, linkStats);
    dump.push(d); dump.push(devKind[d]); dump.push(devGetFlags(d)); dump.push(devMtu[d]); dump.push(devMinMtu[d]);
    dump.push(devMaxMtu[d]); dump.push(devTxqlen[d]); dump.push(devGroup[d]); dump.push(<u32>(devMac[d] >> 32));
    dump.push(<u32>devMac[d]); dump.push(<u32>dev_get_iflink(d)); dump.push(devQdisc[d]); dump.push(devCarrier[d] ? 1 : 0);
    for (let k = 0; k < ST_COUNT; k++) { const v = unchecked(linkStats[k]); dump.push(<u32>v); dump.push(<u32>(v >> 32)); }
    dump.push(devCarrierChanges[d]);
  }
  return devList.length;
}

// ---- addresses
/** valid, preferred: IFA_CACHEINFO's lifetimes in seconds, 0xffffffff (forever) both when the request has none */
export function addrAdd(dev: i32, local: u32, address: u32, prefixlen: i32, bcast: u32, scope: i32, flags: u32,
  label: string, metric: u32, replace: bool, valid: u32, preferred: u32): i32 {
  clearExtack();
  // ifa_ipv4_policy: IFA_LABEL is a string of at most IFNAMSIZ - 1 bytes
  if (!ifnamePolicyOk(label)) return fail(EINVAL, POLICY_MSG);
  return inetNewAddr(dev, local, address, prefixlen, bcast, scope, flags, label, metric, replace, valid, preferred);
}
export function addrDel(dev: i32, local: u32, hasLocal: bool, address: u32, hasAddress: bool, prefixlen: i32, label: string): i32 {
  clearExtack();
  if (!ifnamePolicyOk(label)) return fail(EINVAL, POLICY_MSG);
  return inetRtmDelAddr(dev, local, hasLocal, address, hasAddress, prefixlen, label);
}
export const ADDR_RECORD: i32 = 13;
/**
 * per address, devices in order: ifa, dev, local, address, prefixlen, broadcast, scope, flags, metric, and
 * IFA_CACHEINFO: the valid and preferred lifetimes left (s), cstamp and tstamp (hundredths of a second of
 * virtual time: [model choice] cstamp_delta() counts from INITIAL_JIFFIES, 300 s before boot; here from 0)
 */
export function addrDump(): i32 {
  dump.length = 0;
  let n = 0;
  for (let i = 0; i < devList.length; i++) {
    const d = devList[i];
    if (d >= devIfaHead.length) continue;
    for (let a = devIfaHead[d]; a >= 0; a = ifaNext[a]) {
      dump.push(a); dump.push(ifaDev[a]); dump.push(ifaLocal[a]); dump.push(ifaAddress[a]); dump.push(ifaPrefixlen[a]);
      dump.push(ifaBcast[a]); dump.push(ifaScope[a]); dump.push(ifaFlags[a]); dump.push(ifaMetric[a]);
      dump.push(ifaLifetimeLeft(a, false)); dump.push(ifaLifetimeLeft(a, true));
      dump.push(<u32>(ifaCstamp[a] * 100 / HZ)); dump.push(<u32>(ifaTstamp[a] * 100 / HZ));
      n++;
    }
  }
  return n;
}
export function addrLabel(ifa: i32): string { return ifaLabel[ifa]; }

// ---- routes
/** RTA_MULTIPATH of the next route request: routeNhBegin(), then routeNhAdd() per rtnexthop */
export function routeNhBegin(): void { mpReset(); }
export function routeNhAdd(gw: u32, oif: i32, flags: u32, weight: i32): void { mpAdd(gw, oif, flags, weight); }
/** RTA_METRICS of the next route request: routeMxAdd() per attribute, in the order sent (RTAX_CC_ALGO: its key) */
export function routeMxAdd(type: i32, val: u32): void { mxReqAdd(type, val); }
const mxBuf = new StaticArray<u32>(RTAX_MAX);
/** the RTAX_MAX words of metrics set m (a dump's or a route get's), metrics[0] the lock bits: a pointer to them */
export function routeMetrics(m: i32): usize {
  mxWordsOf(m, mxBuf);
  return changetype<usize>(mxBuf);
}
export function routeAdd(table: u32, dst: u32, len: i32, tos: u32, prio: u32, type: i32, scope: i32, proto: i32,
  prefsrc: u32, gw: u32, oif: i32, onlink: bool, nlflags: i32, nhid: u32): i32 {
  clearExtack();
  const r = inetRtmNewroute(table, dst, len, tos, prio, <u8>type, <u8>scope, <u8>proto, prefsrc, gw, oif, onlink, nlflags, nhid);
  mpReset();
  mxReqReset();
  return r;
}
export function routeDel(table: u32, dst: u32, len: i32, tos: u32, prio: u32, type: i32, scope: i32, proto: i32,
  prefsrc: u32, gw: u32, oif: i32, nhid: u32): i32 {
  clearExtack();
  const r = inetRtmDelroute(table, dst, len, tos, prio, <u8>type, scope, <u8>proto, prefsrc, gw, oif, nhid);
  mpReset();
  mxReqReset();
  return r;
}
export const ROUTE_RECORD: i32 = 15;
export const NEXTHOP_RECORD: i32 = 4;
/**
 * table, dst, len, tos, prio, type, scope, proto, prefsrc, gw, oif, flags, nexthops. A single-path route: its
 * nexthop's gw, oif and flags (rtm_flags: the fib_info's and the nexthop's), nexthops 0. A multipath route
 * (RTA_MULTIPATH): gw and oif 0, flags the fib_info's, and its nexthops (gw, oif, flags, weight) go to `tail`.
 * Then RTA_NH_ID (0: none; a route using a blackhole object is dumped as a blackhole, fib_dump_info) and
 * last RTA_METRICS, the route's metrics set (0: none; its words by routeMetrics()).
 */
function pushRoute(a: i32, tail: Array<u32>): void {
  const pn = aPn[a];
  dump.push(aTb[a]); dump.push(pnPrefix[pn]); dump.push(pnLen[pn]); dump.push(aDscp[a]); dump.push(aPrio[a]);
  dump.push(aNhReject[a] ? RTN_BLACKHOLE : aType[a]); dump.push(aScope[a]); dump.push(aProto[a]); dump.push(aPrefsrc[a]);
  const fiFlags: u32 = (aFiDead[a] ? RTNH_F_DEAD : 0) | (aFiLinkdown[a] ? RTNH_F_LINKDOWN : 0);
  if (aNhNext[a] < 0) {
    dump.push(aGw[a]); dump.push(<u32>aOif[a]); dump.push(nhDumpFlags(a) | fiFlags); dump.push(0); dump.push(aNhId[a]);
    dump.push(<u32>aMx[a]);
    return;
  }
  dump.push(0); dump.push(0); dump.push(fiFlags);
  let n: u32 = 0;
  for (let nh = a; nh >= 0; nh = aNhNext[nh]) {
    tail.push(aGw[nh]); tail.push(<u32>aOif[nh]); tail.push(nhDumpFlags(nh)); tail.push(<u32>aNhWeight[nh]);
    n++;
  }
  dump.push(n);
  dump.push(aNhId[a]);
  dump.push(<u32>aMx[a]);
}
/** fib_nexthop_info(): a nexthop without carrier is dumped dead too where routes with linkdown are ignored */
function nhDumpFlags(nh: i32): u32 {
  const f = aNhFlags[nh];
  return (f & RTNH_F_LINKDOWN) && ignoreLinkdown(aOif[nh]) ? f | RTNH_F_DEAD : f;
}
function pushTail(tail: Array<u32>): void { for (let i = 0; i < tail.length; i++) dump.push(tail[i]); }
/** per route, in `ip route show table all` order, a ROUTE_RECORD (pushRoute); then the nexthops of the multipath ones */
export function routeDump(): i32 {
  dump.length = 0;
  const tables = tablesInDumpOrder();
  const list = new Array<i32>();
  for (let i = 0; i < tables.length; i++) tableAliases(tables[i], list);
  const tail = new Array<u32>();
  for (let i = 0; i < list.length; i++) pushRoute(list[i], tail);
  pushTail(tail);
  return list.length;
}

/** the packet inet_rtm_getroute_build_skb() makes: an IPv4 header, then a UDP or TCP header or an ICMP echo's */
const getrouteSkb = new StaticArray<u8>(40);
/** inet_rtm_getroute_build_skb(): fills getrouteSkb, returns its length */
function getrouteBuildSkb(src: u32, dst: u32, ipproto: u32, sport: u32, dport: u32): u32 {
  const p = changetype<usize>(getrouteSkb);
  memory.fill(p, 0, 40);
  store<u8>(p, 0x45); store<u8>(p, <u8>ipproto, 9);
  store<u32>(p, bswap<u32>(src), 12); store<u32>(p, bswap<u32>(dst), 16);
  if (ipproto == 17) { // udphdr: the ports, its length
    store<u16>(p, bswap<u16>(<u16>sport), 20); store<u16>(p, bswap<u16>(<u16>dport), 22); store<u16>(p, bswap<u16>(8), 24);
    return 28;
  }
  if (ipproto == 6) { // tcphdr: the ports, doff 5, RST (its checksum no decision reads)
    store<u16>(p, bswap<u16>(<u16>sport), 20); store<u16>(p, bswap<u16>(<u16>dport), 22);
    store<u8>(p, 0x50, 32); store<u8>(p, 0x04, 33);
    return 40;
  }
  if (ipproto == 1) { store<u8>(p, 8, 20); return 28; } // icmphdr: ICMP_ECHO, code 0
  return 20;
}

export const GET_RECORD: i32 = 17;
/**
 * inet_rtm_getroute(): 0 or -errno. The reply goes to the dump buffer:
 * type, dst, src, gw, oif, table, prefsrc, rtFlags, iif, hasPrefsrc, alias, prefixlen, tos, realms, the route's metrics
 * set (routeMetrics()), then the route record if fibmatch.
 */
export function routeGet(dst: u32, src: u32, iif: i32, oif: i32, mark: u32, uid: u32, tos: u32, ipproto: u32,
  sport: u32, dport: u32, fibmatch: bool): i32 {
  clearExtack();
  dump.length = 0;
  // rtm_getroute_parse_ip_proto(): TCP, UDP and ICMP only
  if (ipproto != 6 && ipproto != 17 && ipproto != 1) return fail(EOPNOTSUPP, "Unsupported ip proto");
  // inet_rtm_getroute_build_skb(): the skb the decision sees carries the ports in a TCP or UDP header only,
  // so the flow dissector finds none for ICMP (the output path's rules still match the flow's own ports)
  const skbLen = getrouteBuildSkb(src, dst, ipproto, sport, dport);
  const skb = changetype<usize>(getrouteSkb);
  const skbPorts = flowDissectPorts(skb, 20, skbLen);
  const dscp = tos & 0xfc;
  let err: i32 = 0;
  if (iif != 0) {
    if (!devExists(iif)) return -ENODEV;
    err = ipRouteInput(dst, src, dscp, iif, mark, ipproto, skbPorts >>> 16, skbPorts & 0xffff, skb, skbLen) != 0 ? -EINVAL : 0;
    if (err == 0 && rtError != 0) err = -rtError;
  } else {
    // ip_route_output_key_hash_rcu(net, &fl4, &res, skb): a multipath route hashed by that skb
    err = ipRouteOutput(dst, src, oif, mark, uid, dscp, ipproto, sport, dport, skb, skbLen);
  }
  if (err != 0) return err;
  if (fibmatch && rtAlias < 0) return -EHOSTUNREACH;
  dump.push(rtType); dump.push(dst); dump.push(src); dump.push(rtGw); dump.push(<u32>rtDev); dump.push(rtTable);
  dump.push(iif == 0 && rtSaddr != src ? rtSaddr : 0); dump.push((rtFlags & 0xffff0000) | 0x200); dump.push(<u32>iif);
  dump.push(iif == 0 && rtSaddr != src ? 1 : 0); dump.push(<u32>rtAlias); dump.push(<u32>rtPrefixlen);
  // rtm_tos of the reply is the dscp of the FIB entry used (res.dscp), not the request's
  dump.push(rtAlias >= 0 ? <u32>aDscp[rtAlias] : 0);
  dump.push(rtTclassid);
  dump.push(<u32>rtMx);
  // rt_fill_info(): a route that took a nexthop exception shows its expiry, and its learned MTU while it has one
  const ticks = rtFnhe >= 0 ? <u32>expiresTicks(fnheExpires(rtFnhe), clockNow()) : 0;
  dump.push(ticks != 0 ? fnhePmtuShown(rtFnhe) : 0); dump.push(ticks);
  if (fibmatch) {
    const tail = new Array<u32>();
    pushRoute(rtAlias, tail);
    pushTail(tail);
    dump[GET_RECORD + 0] = rtTable; dump[GET_RECORD + 5] = rtType;
  }
  return 0;
}

export const CACHE_RECORD: i32 = 8;
/**
 * `ip route show cache` (fib_dump_info_fnhe): the nexthop exceptions a route has taken, route by route in
 * dump order. Per exception: table, daddr, gateway (0: none), oif, rt_flags, learned MTU shown
 * (| PMTU_LOCKED), expiry in clock ticks, the route's metrics set.
 */
export function routeCacheDump(): i32 {
  dump.length = 0;
  const tables = tablesInDumpOrder();
  const aliases = new Array<i32>();
  const rec = new Array<u32>();
  for (let i = 0; i < tables.length; i++) {
    aliases.length = 0;
    tableAliases(tables[i], aliases);
    for (let j = 0; j < aliases.length; j++) {
      const a = aliases[j];
      for (let nh = a; nh >= 0; nh = aNhNext[nh]) {
        rec.length = 0;
        fnheDump(nh, rec);
        for (let k = 0; k < rec.length; k += 5) {
          const gw = rec[k + 1] != 0 ? rec[k + 1] : aNhScope[nh] == RT_SCOPE_LINK ? aGw[nh] : 0;
          dump.push(tbId[tables[i]]); dump.push(rec[k]); dump.push(gw); dump.push(<u32>aOif[nh]);
          dump.push(rec[k + 2]); dump.push(rec[k + 3]); dump.push(rec[k + 4]); dump.push(<u32>aMx[a]);
        }
      }
    }
  }
  return dump.length / CACHE_RECORD;
}
/** `ip route flush cache` (ipv4_sysctl_rtcache_flush): cached routes and every nexthop exception go stale */
export function routeCacheFlush(): void { rt_cache_flush(); fnheGenidBump(); }

// ---- rules
export function ruleReqBegin(): void { ruleReqReset(); }
export function ruleReqField(field: i32, v: u32, v2: u32): void { ruleReqSet(field, v, v2); }
export function ruleReqIif(name: string): void { ruleReqSetIif(name); }
export function ruleReqOif(name: string): void { ruleReqSetOif(name); }
export function ruleAdd(): i32 { clearExtack(); return fibNewRule(true); }
export function ruleDel(): i32 { clearExtack(); return fibDelRule(); }
export const RULE_RECORD: i32 = 32;
/** per rule: see src/kernel.ts for the field order */
export function ruleDump(): i32 {
  dump.length = 0;
  for (let i = 0; i < rPref.length; i++) {
    dump.push(rPref[i]); dump.push(rAction[i]); dump.push(rTable[i]); dump.push(rFlags[i]); dump.push(rSrc[i]);
    dump.push(rSrcLen[i]); dump.push(rDst[i]); dump.push(rDstLen[i]); dump.push(rDscp[i]); dump.push(rDscpMask[i]);
    dump.push(rDscpFull[i] ? 1 : 0); dump.push(rMark[i]); dump.push(rMarkMask[i]); dump.push(<u32>rIif[i]);
    dump.push(<u32>rOif[i]); dump.push(rUidSet[i] ? 1 : 0); dump.push(rUidStart[i]); dump.push(rUidEnd[i]);
    dump.push(rIpProto[i]); dump.push(rSportLo[i]); dump.push(rSportHi[i]); dump.push(rSportMask[i]);
    dump.push(rDportLo[i]); dump.push(rDportHi[i]); dump.push(rDportMask[i]); dump.push(rTarget[i]);
    dump.push((rResolved[i] ? 1 : 0) | ((<u32>(rSuppressPlen[i] + 1) & 0xff) << 8) | ((<u32>rProto[i]) << 16));
    dump.push(<u32>rSuppressIfgroup[i]);
    dump.push(<u32>rTunId[i]); dump.push(<u32>(rTunId[i] >> 32)); dump.push(rL3mdev[i] ? 1 : 0); dump.push(rFlow[i]);
  }
  return rPref.length;
}
export function ruleIifName(i: i32): string { return rIifName[i]; }
export function ruleOifName(i: i32): string { return rOifName[i]; }

// ---- neighbours
export function neighAddReq(dev: i32, dst: u32, macHi: u32, macLo: u32, hasLl: bool, state: i32, flags: i32,
  create: bool, replace: bool, llLen: i32): i32 {
  clearExtack();
  if (!devExists(dev)) return -ENODEV;
  if (hasLl && llShort(dev, llLen)) return fail(EINVAL, "Invalid link address");
  return neighAdd(dev, dst, mac(macHi, macLo), hasLl, <u8>state, <u8>flags, create, replace);
}
export function neighDelReq(dev: i32, dst: u32): i32 { clearExtack(); return neighDel(dev, dst); }
/** RTM_GETNEIGH (neigh_get): one NEIGH_RECORD in the dump buffer, or -errno */
export function neighGetReq(dev: i32, dst: u32): i32 {
  clearExtack();
  if (!devExists(dev)) return -ENODEV;
  const i = neighGet(dev, dst);
  if (i < 0) return i;
  dump.length = 0;
  neighRecord(i);
  return 1;
}

/** neigh_add: an NDA_LLADDR shorter than the device's addr_len (6, 0 for a tun device) */
function llShort(dev: i32, len: i32): bool { return len < (devType[dev] == ARPHRD_NONE ? 0 : 6); }

// ---- proxy neighbours (the pneigh table): dev 0 = no device
/** neigh_add with NTF_PROXY: flags as ndm_flags gives them (NTF_PROXY added here), permanent from ndm_state */
export function pneighAddReq(dev: i32, dst: u32, flags: i32, permanent: bool, hasLl: bool, llLen: i32): i32 {
  clearExtack();
  if (dev != 0 && !devExists(dev)) return -ENODEV;
  if (dev != 0 && hasLl && llShort(dev, llLen)) return fail(EINVAL, "Invalid link address");
  return pneighAdd(dst, dev, <u8>(flags | NTF_PROXY), permanent);
}
export function pneighDelReq(dev: i32, dst: u32): i32 {
  clearExtack();
  if (dev != 0 && !devExists(dev)) return -ENODEV;
  return pneighDel(dst, dev);
}
const NTF_PROXY: i32 = 0x08;
export const PNEIGH_RECORD: i32 = 3;
const pnOrder = new Array<i32>();
function pneighRecord(i: i32): void { dump.push(<u32>pneighDev(i)); dump.push(pneighKey(i)); dump.push(pneighFlags(i)); }
/** pneigh_dump_table: per entry ifindex (0: none), dst, ndm_flags */
export function pneighDump(): i32 {
  dump.length = 0;
  pnOrder.length = 0;
  pneighOrder(pnOrder);
  for (let k = 0; k < pnOrder.length; k++) pneighRecord(pnOrder[k]);
  return pnOrder.length;
}
/** neigh_get with NTF_PROXY: one PNEIGH_RECORD, or -errno */
export function pneighGetReq(dev: i32, dst: u32): i32 {
  clearExtack();
  if (dev != 0 && !devExists(dev)) return -ENODEV;
  const i = pneighGet(dst, dev);
  if (i < 0) return i;
  dump.length = 0;
  pneighRecord(i);
  return 1;
}
export const NEIGH_RECORD: i32 = 12;
/** jiffies_to_clock_t(now - t): a neighbour's age in USER_HZ ticks, as NDA_CACHEINFO carries it */
function ageTicks(t: i64): u32 {
  return <u32>((jiffiesAt(clockNow()) - jiffiesAt(t)) * 100 / HZ);
}
/** the jiffy a virtual time falls in (times before 0 too: an entry's confirmed time can lie before the start) */
function jiffiesAt(t: i64): i64 { return t >= 0 ? t / NS_PER_JIFFY : -((-t + NS_PER_JIFFY - 1) / NS_PER_JIFFY); }
/** neigh_fill_info: entry i as NEIGH_RECORD u32s (see src/kernel.ts for the order) */
function neighRecord(i: i32): void {
  dump.push(nDev[i]); dump.push(nDst[i]); dump.push(<u32>(nLladdr[i] >> 32)); dump.push(<u32>nLladdr[i]);
  // neigh_fill_info: NDA_LLADDR only while the entry is valid, dev->addr_len bytes of it: 1 six, 2 none (a device
  // without a link-layer address, tun)
  dump.push((nState[i] & NUD_VALID) == 0 ? 0 : nHasLladdr[i] ? 1 : devType[nDev[i]] == ARPHRD_NONE ? 2 : 0); dump.push(nState[i]); dump.push(nFlags[i]);
  // NDA_CACHEINFO (used, confirmed, updated, refcnt - 1: the pending timer's reference) and NDA_PROBES
  dump.push(ageTicks(nUsed[i])); dump.push(ageTicks(nConfirmed[i])); dump.push(ageTicks(nUpdated[i]));
  dump.push(nTimer[i] != CLOCK_NEVER ? 1 : 0); dump.push(<u32>nProbes[i]);
}
export function neighDump(): i32 {
  dump.length = 0;
  for (let i = 0; i < nDev.length; i++) neighRecord(i);
  return nDev.length;
}

// ---- neighbour table (ip ntable)
/** the devices with neigh_parms of their own, newest first (neigh_parms_alloc adds each at the list's head) */
export function neightblDevs(): i32 {
  dump.length = 0;
  const order = new Array<i32>();
  for (let d = 1; d < inDevSeq.length; d++) if (inDevExists(d)) order.push(d);
  order.sort((a: i32, b: i32): i32 => (inDevSeq[b] > inDevSeq[a] ? 1 : inDevSeq[b] < inDevSeq[a] ? -1 : 0));
  for (let i = 0; i < order.length; i++) dump.push(<u32>order[i]);
  return order.length;
}
/** NDTPA attribute `attr` of dev's parms (0: the table's) */
export function neightblParmGet(dev: i32, attr: i32): f64 { return <f64>neightblParm(dev, attr); }
/** struct ndt_stats field k */
export function neightblStatGet(k: i32): f64 { return <f64>neightblStat(k); }
/** NDTA_CONFIG: 0 entries, 1 last_flush (ms), 2 hash_shift */
export function neightblConfig(k: i32): f64 {
  if (k == 0) return <f64>nDev.length;
  if (k == 1) return <f64>neightblLastFlushMs();
  return <f64>neighHashShift;
}
export function neightblParmsFind(dev: i32): bool { return neightblParmsExist(dev); }
export function neightblSet(dev: i32, attr: i32, lo: u32, hi: u32): void { neightblSetParm(dev, attr, (<u64>hi << 32) | lo); }

// ---- sysctl
let sysctlNeigh = false;
export function sysctlRw(key: string, write: bool, value: string): i32 {
  clearExtack();
  sysctlNeigh = key.replaceAll("/", ".").startsWith("net.ipv4.neigh.");
  return sysctlNeigh ? neighSysctl(key, write, value) : sysctl(key, write, value);
}
export function sysctlGet(): string { return sysctlNeigh ? neighSysctlValue : sysctlValue; }
