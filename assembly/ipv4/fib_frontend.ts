// net/ipv4/fib_frontend.c and fib_semantics.c: route requests from userspace,
// the routes addresses create, device events, fib_lookup() and source validation.
import { inetMask, isZeronet, isMulticast, isLbcast } from "../lib/inet";
import { EINVAL, ENODEV, ENETDOWN, ESRCH, EAGAIN, ENETUNREACH, EHOSTUNREACH, EXDEV, ENOBUFS, fail } from "../lib/errno";
import { devExists, devIsUp, devFlags, devCarrier, IFF_UP, IFF_LOOPBACK, LOOPBACK_IFINDEX } from "../core/netdevice";
import {
  inDevExists, devIfaHead, ifaDev, ifaLocal, ifaAddress, ifaMask, ifaPrefixlen, ifaBcast, ifaFlags, ifaMetric, ifaNext,
  IFA_F_SECONDARY, IFA_F_NOPREFIXROUTE, inetIfaMatch, inetIfaByprefix, inetDevOfLocal, inetSelectAddr, confOr, confMax,
  CONF_ACCEPT_LOCAL, CONF_SEND_REDIRECTS, CONF_RP_FILTER, CONF_SRC_VMARK, devAddrGenidBump,
} from "./devinet";
import {
  fibGetTable, fibNewTable, fibTableInsert, fibTableDelete, fibTableLookup, fibFlushDead, hasCustomRules,
  hasCustomLocalRoutes, setCustomLocalRoutes, cfgSet, cfgSetNh, cfgTb, cfgType, cfgScope, cfgDst, cfgLen, cfgGw, cfgOif, cfgNhFlags,
  cfgPrefsrc, delSet, aliasCount, aliasLive, aOif, aNhFlags, aNhScope, aFiDead, aPrefsrc, aTb, aType, aScope, aPrio, aPn,
  pnPrefix, pnLen, mainTable, defaultTable, tbId, RT_TABLE_MAIN, RT_TABLE_LOCAL, RT_TABLE_DEFAULT, RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST,
  RTN_ANYCAST, RTN_MULTICAST, RTN_MAX, RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST, RT_SCOPE_NOWHERE, RTNH_F_DEAD,
  RTNH_F_ONLINK, RTNH_F_LINKDOWN, RTPROT_KERNEL, NLM_F_CREATE, NLM_F_APPEND, FIB_LOOKUP_IGNORE_LINKSTATE, fibPropsError,
  fibPropsScope, fibNhUsesDev, cfgNhId, cfgSetNhId, cfgSetMx, aNhId, fibRebalance, aNhNext, aFiLinkdown, mpCount, mpOif, mpGw, cfgLoadNh, cfgStoreNh,
} from "./fib_table";
import { fibRulesLookup } from "./fib_rules";
import { mxFromRequest, mxRelease } from "./metrics";
import { neighIfdown } from "./arp";
import { nexthopFind, nexthopToCfg, fibCheckNexthop, nexthopFlushDev } from "./nexthop";
import {
  flowInit, flowPorts, flowSetOif, flDst, flSport, flDport, flProto, resAlias, resNh, resType, resTable, resClear, resTclassid,
  rt_cache_flush,
} from "./flow";
import { requireFlDissect, numTclassidUsers } from "./fib_rules";

/** fib_lookup(): the policy lookup; without custom rules main (holding local too) then default */
export function fibLookup(flags: i32): i32 {
  if (hasCustomRules) return fibRulesLookup(flags);
  resClear();
  let err: i32;
  err = -EAGAIN;
  if (mainTable >= 0) err = fibTableLookup(mainTable, flags);
  // only "nothing found" in main falls through to default (an unreachable route answers at once)
  if (err != -EAGAIN) return err;
  if (defaultTable >= 0) err = fibTableLookup(defaultTable, flags);
  if (err == -EAGAIN) err = -ENETUNREACH;
  return err;
}

/** __inet_dev_addr_type(): what addr is in table tb (dev: only routes through it count, 0 = any) */
export function inetDevAddrType(dev: i32, addr: u32, tb: u32): u8 {
  if (isZeronet(addr) || isLbcast(addr)) return RTN_BROADCAST;
  if (isMulticast(addr)) return RTN_MULTICAST;
  const t = fibGetTable(tb);
  if (t < 0) return RTN_BROADCAST;
  flowInit(addr, 0, 0, 0, 0, 0, 0, RT_SCOPE_UNIVERSE);
  resClear();
  if (fibTableLookup(t, 0) == 0) {
    if (dev == 0 || aOif[resAlias] == dev) return resType;
  }
  return RTN_UNICAST;
}
export function inetAddrTypeTable(addr: u32, tb: u32): u8 { return inetDevAddrType(0, addr, tb); }

/** __ip_dev_find(): the device owning a local address, or one a local route in table local points to */
export function ipDevFind(addr: u32): i32 {
  const d = inetDevOfLocal(addr);
  if (d > 0) return d;
  const t = fibGetTable(RT_TABLE_LOCAL);
  if (t < 0) return 0;
  flowInit(addr, 0, 0, 0, 0, 0, 0, RT_SCOPE_UNIVERSE);
  resClear();
  if (fibTableLookup(t, 0) == 0 && resType == RTN_LOCAL) return aOif[resAlias];
  return 0;
}

// ------------------------------------------------------------ route requests
/** fib_check_nh_v4_gw() and fib_check_nh_nongw(): resolves the nexthop into cfg* */
function checkNh(table: u32, scope: i32): i32 {
  const gw = cfgGw, oif = cfgOif;
  if (gw != 0) {
    if (cfgNhFlags & RTNH_F_ONLINK) {
      if (scope >= RT_SCOPE_LINK) return fail(EINVAL, "Nexthop has invalid scope");
      if (!devExists(oif)) return fail(ENODEV, "Nexthop device required for onlink");
      if (!devIsUp(oif)) return fail(ENETDOWN, "Nexthop device is not up");
      if (inetDevAddrType(0, gw, RT_TABLE_LOCAL) != RTN_UNICAST) return fail(EINVAL, "Nexthop has invalid gateway");
      cfgSetNh(oif, <u8>RT_SCOPE_LINK, cfgNhFlags | (devCarrier[oif] ? 0 : RTNH_F_LINKDOWN));
      return 0;
    }
    let s = scope + 1;
    if (s < RT_SCOPE_LINK) s = RT_SCOPE_LINK;
    flowInit(gw, 0, oif, LOOPBACK_IFINDEX, 0, 0, 0, s);
    resClear();
    let err: i32 = 0;
    let t: i32 = -1;
    if (table != 0 && table != RT_TABLE_MAIN) t = fibGetTable(table);
    if (t >= 0) err = fibTableLookup(t, FIB_LOOKUP_IGNORE_LINKSTATE);
    if (t < 0 || err != 0) {
      flowInit(gw, 0, oif, LOOPBACK_IFINDEX, 0, 0, 0, s);
      err = fibLookup(FIB_LOOKUP_IGNORE_LINKSTATE);
    }
    if (err != 0) return fail(err == -ENETDOWN ? ENETDOWN : EINVAL, "Nexthop has invalid gateway");
    if (resType != RTN_UNICAST && resType != RTN_LOCAL) return fail(EINVAL, "Nexthop has invalid gateway");
    const dev = aOif[resNh];
    if (dev == 0) return fail(EINVAL, "No egress device for nexthop gateway");
    if (!devIsUp(dev)) return -ENETDOWN;
    cfgSetNh(dev, <u8>aScope[resAlias], cfgNhFlags | (devCarrier[dev] ? 0 : RTNH_F_LINKDOWN));
    return 0;
  }
  if (cfgNhFlags & (RTNH_F_DEAD | RTNH_F_ONLINK)) return fail(EINVAL, "Invalid flags for nexthop - PERVASIVE and ONLINK can not be set");
  if (!inDevExists(oif)) return -ENODEV;
  if (!devIsUp(oif)) return fail(ENETDOWN, "Device for nexthop is not up");
  cfgSetNh(oif, <u8>RT_SCOPE_HOST, cfgNhFlags | (devCarrier[oif] ? 0 : RTNH_F_LINKDOWN));
  return 0;
}

/** fib_check_nh() for a nexthop object (nh_create_ipv4): scope 0 in table `table`; cfg* holds the result */
export function fibCheckNh(table: u32, gw: u32, oif: i32, flags: u32): i32 {
  cfgSet(table, 0, 0, 0, 0, RTN_UNICAST, 0, 0, 0, gw, oif, flags);
  return checkNh(table, 0);
}

/** fib_valid_prefsrc() */
function validPrefsrc(): bool {
  if (cfgType != RTN_LOCAL || cfgDst == 0 || cfgPrefsrc != cfgDst) {
    let tb = cfgTb;
    if (tb == RT_TABLE_MAIN) tb = RT_TABLE_LOCAL;
    let rc = inetAddrTypeTable(cfgPrefsrc, tb);
    if (rc != RTN_LOCAL && tb != RT_TABLE_LOCAL) rc = inetAddrTypeTable(cfgPrefsrc, RT_TABLE_LOCAL);
    if (rc != RTN_LOCAL) return false;
  }
  return true;
}

/** the metrics set fib_create_info() made of the request's RTA_METRICS */
let reqMx: i32 = 0;

/** fib_create_info()'s checks; on success cfg* holds the resolved nexthop */
function fibCreateInfo(): i32 {
  reqMx = 0;
  if (cfgType > RTN_MAX) return -EINVAL;
  if (fibPropsScope(cfgType) > <i32>cfgScope) return fail(EINVAL, "Invalid scope");
  if (cfgOif != 0 && !devExists(cfgOif)) return -ENODEV;
  let nh: i32 = -1;
  if (cfgNhId != 0) {
    nh = nexthopFind(cfgNhId);
    if (nh < 0) return fail(EINVAL, "Nexthop id does not exist");
  }
  // ip_fib_metrics_init(): after the nexthop object, before the nexthops are read
  const mx = mxFromRequest();
  if (mx < 0) return mx;
  reqMx = mx;
  if (mpCount > 0) {
    // fib_get_nhs(): RTA_OIF and RTA_GATEWAY, when given too, must be those of the first nexthop
    if (cfgOif != 0 && mpOif[0] != cfgOif) return fail(EINVAL, "Nexthop device index does not match RTA_OIF");
    if (cfgGw != 0 && mpGw[0] != cfgGw) return fail(EINVAL, "Nexthop gateway does not match RTA_GATEWAY or RTA_VIA");
    cfgLoadNh(0);
  }
  if (fibPropsError(cfgType) < 0) {
    if (cfgGw != 0 || cfgOif != 0 || mpCount > 0) return fail(EINVAL, "Gateway, device and multipath can not be specified for this route type");
    if (nh >= 0) nexthopToCfg(nh);
    else cfgSetNh(0, <u8>RT_SCOPE_NOWHERE, cfgNhFlags);
    return 0;
  } else {
    switch (cfgType) {
      case RTN_UNICAST: case RTN_LOCAL: case RTN_BROADCAST: case RTN_ANYCAST: case RTN_MULTICAST: break;
      default: return fail(EINVAL, "Invalid route type");
    }
    if (<i32>cfgScope > RT_SCOPE_HOST) return fail(EINVAL, "Invalid scope");
    if (nh >= 0) {
      const err = fibCheckNexthop(nh, cfgScope);
      if (err < 0) return err;
      nexthopToCfg(nh);
    } else if (<i32>cfgScope == RT_SCOPE_HOST) {
      if (mpCount > 1) return fail(EINVAL, "Route with host scope can not have multiple nexthops");
      if (cfgGw != 0) return fail(EINVAL, "Route with host scope can not have a gateway");
      if (!devExists(cfgOif)) return -ENODEV;
      cfgSetNh(cfgOif, <u8>RT_SCOPE_NOWHERE, cfgNhFlags);
    } else if (mpCount > 1) {
      for (let i = 0; i < mpCount; i++) {
        cfgLoadNh(i);
        const err = checkNh(cfgTb, cfgScope);
        if (err < 0) return err;
        cfgStoreNh(i);
      }
      cfgLoadNh(0);
    } else {
      const err = checkNh(cfgTb, cfgScope);
      if (err < 0) return err;
      if (mpCount == 1) cfgStoreNh(0);
    }
  }
  if (cfgPrefsrc != 0 && !validPrefsrc()) return fail(EINVAL, "Invalid prefsrc address");
  return 0;
}

/** fib_valid_key_len() */
function validKeyLen(dst: u32, len: i32): i32 {
  if (len > 32 || len < 0) return fail(EINVAL, "Invalid prefix length");
  if (len < 32 && (dst & ~inetMask(len)) != 0) return fail(EINVAL, "Invalid prefix for given prefix length");
  return 0;
}

/** inet_rtm_newroute(): table, dst/len, dscp, priority, type, scope, proto, prefsrc, gw, oif, onlink; nlflags NLM_F_* */
export function inetRtmNewroute(table: u32, dst: u32, len: i32, tos: u32, prio: u32, type: u8, scope: u8, proto: u8,
  prefsrc: u32, gw: u32, oif: i32, onlink: bool, nlflags: i32, nhid: u32): i32 {
  // rtm_to_fib_config(): the dsfield, the prefix (since Linux 6.15 checked here, before the nexthop id;
  // so before the table comes into being: a failed add leaves no table behind), then the nexthop id
  if (tos & 3) return fail(EINVAL, "Invalid dsfield (tos): ECN bits must be 0");
  let err = validKeyLen(dst, len);
  if (err < 0) return err;
  if (nhid != 0 && (oif != 0 || gw != 0 || mpCount > 0)) return fail(EINVAL, "Nexthop specification and nexthop id are mutually exclusive");
  if (table == 0) table = RT_TABLE_MAIN;
  const t = fibNewTable(table);
  if (t < 0) return -ENOBUFS;
  cfgSet(table, dst, len, <u8>(tos & 0xfc), prio, type, scope, proto, prefsrc, gw, oif, onlink ? RTNH_F_ONLINK : 0);
  cfgSetNhId(nhid);
  err = fibCreateInfo();
  if (err == 0) {
    cfgSetMx(reqMx);
    err = fibTableInsert(t, nlflags);
    if (err == 0 && type == RTN_LOCAL) setCustomLocalRoutes();
  }
  mxRelease(reqMx); // a set no route took goes
  return err;
}

/** inet_rtm_delroute() */
export function inetRtmDelroute(table: u32, dst: u32, len: i32, tos: u32, prio: u32, type: u8, scope: i32, proto: u8,
  prefsrc: u32, gw: u32, oif: i32, nhid: u32): i32 {
  // rtm_to_fib_config() as for a new route, then the nexthop object and the table
  if (tos & 3) return fail(EINVAL, "Invalid dsfield (tos): ECN bits must be 0");
  const err = validKeyLen(dst, len);
  if (err < 0) return err;
  if (nhid != 0 && (oif != 0 || gw != 0 || mpCount > 0)) return fail(EINVAL, "Nexthop specification and nexthop id are mutually exclusive");
  if (nhid != 0 && nexthopFind(nhid) < 0) return fail(EINVAL, "Nexthop id does not exist");
  const t = fibGetTable(table);
  if (t < 0) return fail(ESRCH, "FIB table does not exist");
  delSet(type, scope, prefsrc, proto, prio, oif, gw, nhid);
  return fibTableDelete(t, dst, len, <u8>(tos & 0xfc));
}

// ------------------------------------------------------------ routes of addresses
/** fib_magic(): a kernel route for an address */
function fibMagic(add: bool, type: u8, dst: u32, len: i32, prim: i32, prio: u32): void {
  const tbid = type == RTN_UNICAST ? RT_TABLE_MAIN : RT_TABLE_LOCAL;
  const t = fibNewTable(tbid);
  const scope: u8 = type != RTN_LOCAL ? <u8>RT_SCOPE_LINK : <u8>RT_SCOPE_HOST;
  const dev = ifaDev[prim];
  if (add) {
    cfgSet(tbid, dst, len, 0, prio, type, scope, RTPROT_KERNEL, ifaLocal[prim], 0, dev, 0);
    if (fibCreateInfo() < 0) return;
    fibTableInsert(t, NLM_F_CREATE | NLM_F_APPEND);
  } else {
    delSet(type, scope, ifaLocal[prim], RTPROT_KERNEL, prio, dev, 0);
    fibTableDelete(t, dst, len, 0);
  }
}

/** fib_add_ifaddr() */
export function fibAddIfaddr(ifa: i32): void {
  const dev = ifaDev[ifa];
  let prim = ifa;
  const mask = ifaMask[ifa];
  const addr = ifaLocal[ifa];
  const prefix = ifaAddress[ifa] & mask;
  if (ifaFlags[ifa] & IFA_F_SECONDARY) {
    prim = inetIfaByprefix(dev, prefix, mask);
    if (prim < 0) return;
  }
  fibMagic(true, RTN_LOCAL, addr, 32, prim, 0);
  if (!devIsUp(dev)) return;
  const bc = ifaBcast[ifa];
  if (bc != 0 && bc != 0xffffffff) fibMagic(true, RTN_BROADCAST, bc, 32, prim, 0);
  if (!isZeronet(prefix) && !(ifaFlags[ifa] & IFA_F_SECONDARY) && (prefix != addr || ifaPrefixlen[ifa] < 32)) {
    if (!(ifaFlags[ifa] & IFA_F_NOPREFIXROUTE)) {
      fibMagic(true, (devFlags[dev] & IFF_LOOPBACK) ? RTN_LOCAL : RTN_UNICAST, prefix, ifaPrefixlen[ifa], prim, ifaMetric[ifa]);
    }
    if (ifaPrefixlen[ifa] < 31) fibMagic(true, RTN_BROADCAST, prefix | ~mask, 32, prim, 0);
  }
}

/** fib_inetaddr_event(NETDEV_UP): an address's routes, and the multipath nexthops through its device live again */
export function fibInetaddrUp(ifa: i32): void {
  fibAddIfaddr(ifa);
  fibSyncUp(ifaDev[ifa], RTNH_F_DEAD);
  devAddrGenidBump();
}

/** fib_modify_prefix_metric() */
export function fibModifyPrefixMetric(ifa: i32, metric: u32): void {
  const dev = ifaDev[ifa];
  const prefix = ifaAddress[ifa] & ifaMask[ifa];
  if (!devIsUp(dev) || (ifaFlags[ifa] & (IFA_F_SECONDARY | IFA_F_NOPREFIXROUTE)) || isZeronet(prefix) ||
    (prefix == ifaLocal[ifa] && ifaPrefixlen[ifa] == 32)) return;
  fibMagic(true, RTN_UNICAST, prefix, ifaPrefixlen[ifa], ifa, metric);
  fibMagic(false, RTN_UNICAST, prefix, ifaPrefixlen[ifa], ifa, ifaMetric[ifa]);
}

/** fib_del_ifaddr(): removes an address's routes unless another address still needs them */
export function fibDelIfaddr(ifa: i32, iprim: i32, dead: bool): void {
  const dev = ifaDev[ifa];
  let prim = ifa;
  let prim1: i32 = -1;
  const brd = ifaAddress[ifa] | ~ifaMask[ifa];
  const any = ifaAddress[ifa] & ifaMask[ifa];
  const LOCAL_OK = 1, BRD_OK = 2, BRD0_OK = 4, BRD1_OK = 8;
  let ok = 0;
  let subnet = false;
  let gone = true;
  let samePrefsrc = false;
  if (ifaFlags[ifa] & IFA_F_SECONDARY) {
    prim = inetIfaByprefix(dev, any, ifaMask[ifa]);
    if (prim < 0) return;
    if (iprim >= 0 && iprim != prim) return;
  } else if (!isZeronet(any) && (any != ifaLocal[ifa] || ifaPrefixlen[ifa] < 32)) {
    if (!(ifaFlags[ifa] & IFA_F_NOPREFIXROUTE)) {
      fibMagic(false, (devFlags[dev] & IFF_LOOPBACK) ? RTN_LOCAL : RTN_UNICAST, any, ifaPrefixlen[ifa], prim, 0);
    }
    subnet = true;
  }
  if (!dead) {
    for (let i1 = devIfaHead[dev]; i1 >= 0; i1 = ifaNext[i1]) {
      if (i1 == ifa) { gone = false; continue; }
      if (iprim >= 0 && ifaMask[i1] == ifaMask[iprim] && inetIfaMatch(ifaAddress[i1], iprim)) continue;
      if (ifaFlags[i1] & IFA_F_SECONDARY) {
        if (ifaMask[i1] == ifaMask[prim] && inetIfaMatch(ifaAddress[i1], prim)) prim1 = prim;
        else {
          if (!samePrefsrc) continue;
          if (prim1 < 0 || ifaMask[i1] != ifaMask[prim1] || !inetIfaMatch(ifaAddress[i1], prim1))
            prim1 = inetIfaByprefix(dev, ifaAddress[i1], ifaMask[i1]);
          if (prim1 < 0) continue;
          if (ifaLocal[prim1] != ifaLocal[prim]) continue;
        }
      } else {
        if (ifaLocal[prim] != ifaLocal[i1]) continue;
        prim1 = i1;
        if (prim != prim1) samePrefsrc = true;
      }
      if (ifaLocal[ifa] == ifaLocal[i1]) ok |= LOCAL_OK;
      if (ifaBcast[ifa] == ifaBcast[i1]) ok |= BRD_OK;
      if (brd == ifaBcast[i1]) ok |= BRD1_OK;
      if (any == ifaBcast[i1]) ok |= BRD0_OK;
      if (prim1 == i1 && ifaPrefixlen[i1] < 31) {
        const brd1 = ifaAddress[i1] | ~ifaMask[i1];
        const any1 = ifaAddress[i1] & ifaMask[i1];
        if (!isZeronet(any1)) {
          if (ifaBcast[ifa] == brd1 || ifaBcast[ifa] == any1) ok |= BRD_OK;
          if (brd == brd1 || brd == any1) ok |= BRD1_OK;
          if (any == brd1 || any == any1) ok |= BRD0_OK;
        }
      }
    }
  }
  if (!(ok & BRD_OK)) fibMagic(false, RTN_BROADCAST, ifaBcast[ifa], 32, prim, 0);
  if (subnet && ifaPrefixlen[ifa] < 31) {
    if (!(ok & BRD1_OK)) fibMagic(false, RTN_BROADCAST, brd, 32, prim, 0);
    if (!(ok & BRD0_OK)) fibMagic(false, RTN_BROADCAST, any, 32, prim, 0);
  }
  if (!(ok & LOCAL_OK)) {
    fibMagic(false, RTN_LOCAL, ifaLocal[ifa], 32, prim, 0);
    // inet_addr_type_dev_table() looks the address up for any device
    const addrType = inetDevAddrType(0, ifaLocal[ifa], RT_TABLE_LOCAL);
    if (gone && addrType != RTN_LOCAL) {
      if (fibSyncDownAddr(ifaLocal[ifa])) fibFlushDead();
    }
  }
}

/** fib_sync_down_addr(): routes in main using a vanished local address as prefsrc die */
function fibSyncDownAddr(local: u32): bool {
  rt_cache_flush();
  let n = 0;
  for (let a = 0; a < aliasCount(); a++) {
    if (!aliasLive(a) || aTb[a] != RT_TABLE_MAIN) continue;
    if (aPrefsrc[a] == local) { aFiDead[a] = true; n++; }
  }
  return n > 0;
}

/**
 * fib_sync_down_dev(): the nexthops through dev lose their carrier (NETDEV_CHANGE, down = false) or die
 * (down: NETDEV_DOWN or, with unregister, NETDEV_UNREGISTER); force (unregister or last address gone) takes
 * host-scope nexthops too. A route dies when all its nexthops are dead, and on unregister when any used dev.
 * True when some route died (or lost every carrier), for fib_flush().
 */
export function fibSyncDownDev(dev: i32, down: bool, force: bool, unregister: bool = false): bool {
  rt_cache_flush();
  let ret = false;
  const scope = force ? -1 : RT_SCOPE_NOWHERE;
  for (let a = 0; a < aliasCount(); a++) {
    // a route using a nexthop object follows the object (nexthop_flush_dev), not the device
    if (!aliasLive(a) || aNhId[a] != 0 || !fibNhUsesDev(a, dev)) continue;
    let dead = 0, n = 0;
    let all = false;
    for (let nh = a; nh >= 0; nh = aNhNext[nh]) {
      n++;
      if (aNhFlags[nh] & RTNH_F_DEAD) dead++;
      else if (aOif[nh] == dev && <i32>aNhScope[nh] != scope) {
        aNhFlags[nh] |= down ? RTNH_F_DEAD | RTNH_F_LINKDOWN : RTNH_F_LINKDOWN;
        dead++;
      }
      if (unregister && aOif[nh] == dev) { all = true; break; }
    }
    if (all || dead == n) {
      if (down) aFiDead[a] = true;
      aFiLinkdown[a] = true;
      ret = true;
    }
    fibRebalance(a);
  }
  return ret;
}

/**
 * fib_sync_up(): dev came up (NETDEV_UP: dead nexthops through it live again, and lose LINKDOWN if it has a
 * carrier) or regained its carrier (NETDEV_CHANGE: LINKDOWN goes). A route with a live nexthop is live again.
 */
export function fibSyncUp(dev: i32, flags: u32): void {
  rt_cache_flush();
  if (!devIsUp(dev)) return;
  if ((flags & RTNH_F_DEAD) && devCarrier[dev]) flags |= RTNH_F_LINKDOWN;
  for (let a = 0; a < aliasCount(); a++) {
    // a route using a nexthop object follows the object (nexthop_flush_dev), not the device
    if (!aliasLive(a) || aNhId[a] != 0 || !fibNhUsesDev(a, dev)) continue;
    let alive = 0;
    for (let nh = a; nh >= 0; nh = aNhNext[nh]) {
      if (!(aNhFlags[nh] & flags)) { alive++; continue; }
      if (!devIsUp(aOif[nh]) || aOif[nh] != dev || !inDevExists(dev)) continue;
      alive++;
      aNhFlags[nh] &= ~flags;
    }
    if (alive > 0) {
      if (flags & RTNH_F_DEAD) aFiDead[a] = false;
      if (flags & RTNH_F_LINKDOWN) aFiLinkdown[a] = false;
    }
    fibRebalance(a);
  }
}

/** fib_disable_ip(): the routes through dev die, and arp_ifdown() empties its neighbour and proxy entries */
export function fibDisableIp(dev: i32, force: bool, unregister: bool = false): void {
  if (fibSyncDownDev(dev, true, force, unregister)) fibFlushDead();
  neighIfdown(dev);
}

// ------------------------------------------------------------ source validation
/** the itag (realms) the last source validation found, 0 if none */
export let validateItag: u32 = 0;

/** fib_validate_source(): 0 ok, 1 ok and the source is directly connected, or -errno (martian) */
export function fibValidateSource(src: u32, dst: u32, dscp: u32, oif: i32, dev: i32, mark: u32): i32 {
  const r = confMax(dev, CONF_RP_FILTER);
  validateItag = 0;
  if (r == 0 && numTclassidUsers == 0 && (dev != oif || !confOr(dev, CONF_SEND_REDIRECTS))) {
    if (confOr(dev, CONF_ACCEPT_LOCAL)) return 0;
    if (!(hasCustomLocalRoutes || hasCustomRules)) {
      if (inetDevOfLocal(src) != 0) return -EINVAL;
      return 0;
    }
  }
  return fibValidateSourceFull(src, dst, dscp, oif, dev, r, mark);
}

/** __fib_validate_source(): the reverse-path lookup */
function fibValidateSourceFull(src: u32, dst: u32, dscp: u32, oif: i32, dev: i32, rpf: i32, mark: u32): i32 {
  const noAddr = devIfaHead[dev] < 0;
  const saveProto = flProto, saveSport = flSport, saveDport = flDport;
  flowInit(src, dst, 0, oif != 0 ? oif : LOOPBACK_IFINDEX, confOr(dev, CONF_SRC_VMARK) ? mark : 0, 0, dscp, RT_SCOPE_UNIVERSE);
  if (requireFlDissect > 0) flowPorts(saveProto, saveDport, saveSport);
  validateItag = 0;
  if (fibLookup(0) == 0) {
    if (resType != RTN_UNICAST && (resType != RTN_LOCAL || !confOr(dev, CONF_ACCEPT_LOCAL))) return -EINVAL;
    // fib_combine_itag(): the reverse route's realms, swapped (nexthop realms are not modelled)
    validateItag = (resTclassid << 16) | (resTclassid >>> 16);
    let devMatch = fibNhUsesDev(resAlias, dev);
    devMatch = devMatch || (resType == RTN_LOCAL && dev == LOOPBACK_IFINDEX);
    if (devMatch) return <i32>aNhScope[resNh] >= RT_SCOPE_HOST ? 1 : 0;
    // last_resort: an input device without addresses takes the source as it is, with no realms
    if (noAddr) {
      if (rpf != 0) return -EXDEV;
      validateItag = 0;
      return 0;
    }
    if (rpf == 1) return -EXDEV;
    flowSetOif(dev);
    if (fibLookup(FIB_LOOKUP_IGNORE_LINKSTATE) == 0 && resType == RTN_UNICAST) {
      return <i32>aNhScope[resNh] >= RT_SCOPE_HOST ? 1 : 0;
    }
    return 0;
  }
  if (rpf != 0) return -EXDEV;
  return 0;
}

// ------------------------------------------------------------ device events
/** NETDEV_UP (fib_netdev_event): every address's routes come back */
export function fibNetdevUp(dev: i32): void {
  rt_cache_flush();
  if (!inDevExists(dev)) return;
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) fibAddIfaddr(i);
  fibSyncUp(dev, RTNH_F_DEAD);
  devAddrGenidBump();
}
/** NETDEV_DOWN */
export function fibNetdevDown(dev: i32): void { rt_cache_flush(); fibDisableIp(dev, false); nexthopFlushDev(dev, false); }
/** NETDEV_CHANGE: carrier lost or regained */
export function fibNetdevChange(dev: i32, carrier: bool): void {
  rt_cache_flush();
  if (carrier) fibSyncUp(dev, RTNH_F_LINKDOWN);
  else { fibSyncDownDev(dev, false, false); nexthopFlushDev(dev, false); }
}
