// Nexthop objects (net/ipv4/nexthop.c), IPv4 only: single nexthops (struct nh_info with its fib_nh),
// blackholes (reject_nh), hash-threshold and resilient groups (struct nh_group; the resilient bucket table is
// nexthop_res.ts), the routes that use one by id
// (fib_info->nh), and what removes them. A route using an object keeps a copy of the object's paths in
// its own nexthop slots (fib_table.ts), refreshed whenever the object changes, so the lookup and the
// dump read routes one way; nexthop_select_path_hthr() is in fib_multipath.ts.
import { EINVAL, EEXIST, ENOENT, ENETDOWN, EAFNOSUPPORT, EOPNOTSUPP, ENOMEM, fail } from "../lib/errno";
import { devExists, devIsUp, devCarrier, LOOPBACK_IFINDEX } from "../core/netdevice";
import {
  aNhId, aPn, aFiDead, aScope, aliasCount, cfgSetObject, cfgSetNhId, cfgLoadNh, cfgNhScope, cfgGw, cfgOif, cfgWeight,
  cfgNhFlags, mpReset, mpAdd, mpSetScope, nhsFromCfg, fibFlushDead, RT_TABLE_MAIN, RT_SCOPE_LINK, RT_SCOPE_HOST,
  RTNH_F_ONLINK,
} from "./fib_table";
import { fibCheckNh } from "./fib_frontend";
import { inetSelectAddr, devAddrGenid } from "./devinet";
import { rt_cache_flush } from "./flow";
import {
  nhResIs, nexthopResTableAlloc, nexthopResTableFree, nhResTableInsert, replaceNexthopGrpRes, nhResSetTimers,
  clockToJiffies, resNumBuckets, nhResCanAlloc, NH_RES_DEFAULT_IDLE_TIMER,
} from "./nexthop_res";

const nhIndex = new Map<u32, i32>();
export const nhId = new Array<u32>();
export const nhGw = new Array<u32>();
export const nhOif = new Array<i32>();
/** nh_flags: RTNH_F_ONLINK */
export const nhFlags = new Array<u32>();
/** fib_nh_scope: host for a device nexthop, link for a gateway, what the gateway's route gave otherwise */
export const nhScope = new Array<u8>();
export const nhReject = new Array<bool>();
/** nh_saddr and nh_saddr_genid of a single object: the source address fib_info_update_nhc_saddr() last chose */
const nhSaddr = new Array<u32>();
const nhSaddrGenid = new Array<u32>();
export const nhProto = new Array<u8>();
export const nhIsGroup = new Array<bool>();
/** a group's entries (nh_grp_entry): member ids and weights (1..256), in the request's order */
export const nhgIds = new Array<Array<u32>>();
export const nhgWeights = new Array<Array<i32>>();
const nhFree = new Array<i32>();
/** net->nexthop.last_id_allocated */
let lastIdAllocated: u32 = 0;

/** NHA_GROUP of the next request: nexthopGroupBegin(), then nexthopGroupAdd() per entry */
const reqIds = new Array<u32>();
const reqWeights = new Array<i32>();
export function nexthopGroupBegin(): void {
  reqIds.length = 0; reqWeights.length = 0;
  reqType = NEXTHOP_GRP_TYPE_MPATH; reqResAttr = false; reqHasBuckets = false; reqHasIdle = false; reqHasUnb = false;
}
export function nexthopGroupAdd(id: u32, weight: i32): void { reqIds.push(id); reqWeights.push(weight); }

/** NHA_GROUP_TYPE */
export const NEXTHOP_GRP_TYPE_MPATH: i32 = 0, NEXTHOP_GRP_TYPE_RES: i32 = 1;
/** NHA_GROUP_TYPE and NHA_RES_GROUP of the next request (clock_t values, as the attributes carry them) */
let reqType = NEXTHOP_GRP_TYPE_MPATH;
let reqResAttr = false, reqHasBuckets = false, reqHasIdle = false, reqHasUnb = false;
let reqBuckets: i32 = 0;
let reqIdle: u32 = 0, reqUnb: u32 = 0;
/** NHA_GROUP_TYPE and the NHA_RES_GROUP nest (`res`: the nest is present; each has* flag one attribute in it) */
export function nexthopGroupType(type: i32, res: bool, hasBuckets: bool, buckets: i32, hasIdle: bool, idle: u32, hasUnb: bool,
  unb: u32): void {
  reqType = type; reqResAttr = res;
  // NHA_RES_GROUP_BUCKETS is a u16
  reqHasBuckets = hasBuckets; reqBuckets = buckets & 0xffff; reqHasIdle = hasIdle; reqIdle = idle; reqHasUnb = hasUnb; reqUnb = unb;
}

/** nexthop_find_by_id(): the object's slot, -1 if none */
export function nexthopFind(id: u32): i32 { return nhIndex.has(id) ? nhIndex.get(id) : -1; }
export function nexthopIds(): Array<u32> {
  const ids = nhIndex.keys();
  ids.sort();
  return ids;
}

function slotAlloc(): i32 {
  if (nhFree.length > 0) return nhFree.pop();
  const s = nhId.length;
  nhId.push(0); nhGw.push(0); nhOif.push(0); nhFlags.push(0); nhScope.push(0); nhReject.push(false); nhProto.push(0);
  nhSaddr.push(0); nhSaddrGenid.push(0);
  nhIsGroup.push(false); nhgIds.push(new Array<u32>()); nhgWeights.push(new Array<i32>());
  return s;
}

/** nexthop_is_blackhole(): a blackhole, or a group whose one entry is */
function isBlackhole(s: i32): bool {
  if (!nhIsGroup[s]) return nhReject[s];
  return nhgIds[s].length == 1 && nhReject[nexthopFind(nhgIds[s][0])];
}

/** the cfg* nexthop fields (and mp* for a group of more than one) from object s, for a route using it */
export function nexthopToCfg(s: i32): void {
  mpReset();
  cfgSetNhId(nhId[s]);
  if (!nhIsGroup[s]) { cfgSetObject(nhGw[s], nhOif[s], nhFlags[s], nhScope[s], 1, nhReject[s]); return; }
  const ids = nhgIds[s], w = nhgWeights[s];
  const reject = isBlackhole(s);
  if (ids.length == 1) {
    const m = nexthopFind(ids[0]);
    cfgSetObject(nhGw[m], nhOif[m], nhFlags[m], nhScope[m], 1, reject);
    return;
  }
  for (let i = 0; i < ids.length; i++) {
    const m = nexthopFind(ids[i]);
    mpAdd(nhGw[m], nhOif[m], nhFlags[m], w[i]);
    mpSetScope(i, nhScope[m]);
  }
  cfgLoadNh(0);
  cfgSetObject(cfgGw, cfgOif, cfgNhFlags, cfgNhScope, cfgWeight, reject);
}

/** fib_info_update_nhc_saddr() for single object s */
function updateSaddr(s: i32, scope: i32): u32 {
  nhSaddr[s] = inetSelectAddr(nhOif[s], nhGw[s], scope);
  nhSaddrGenid[s] = devAddrGenid;
  return nhSaddr[s];
}

/**
 * fib_result_prefsrc() for a route using object id without a prefsrc of its own, through its path (oif, gw):
 * the member's cached address while no address has changed since it was chosen (even one chosen for another
 * scope, as nh_create_ipv4's is), else chosen again for the route's scope.
 */
export function nexthopPrefsrc(id: u32, oif: i32, gw: u32, scope: i32): u32 {
  let s = nexthopFind(id);
  if (s >= 0 && nhIsGroup[s]) {
    const ids = nhgIds[s];
    s = -1;
    for (let i = 0; i < ids.length && s < 0; i++) {
      const m = nexthopFind(ids[i]);
      if (m >= 0 && nhOif[m] == oif && nhGw[m] == gw) s = m;
    }
  }
  if (s < 0) return inetSelectAddr(oif, gw, scope);
  return nhSaddrGenid[s] == devAddrGenid ? nhSaddr[s] : updateSaddr(s, scope);
}

/** nexthop_check_scope() */
function checkScope(gw: u32, flags: u32, scope: i32): i32 {
  if (scope == RT_SCOPE_HOST && gw != 0) return fail(EINVAL, "Route with host scope can not have a gateway");
  if ((flags & RTNH_F_ONLINK) && scope >= RT_SCOPE_LINK) return fail(EINVAL, "Scope mismatch with nexthop");
  return 0;
}
/** fib_check_nexthop(): whether a route of this scope may use object s */
export function fibCheckNexthop(s: i32, scope: i32): i32 {
  if (!nhIsGroup[s]) return checkScope(nhGw[s], nhFlags[s], scope);
  if (scope == RT_SCOPE_HOST) return fail(EINVAL, "Route with host scope can not have multiple nexthops");
  // all nexthops in a group have the same scope
  const m = nexthopFind(nhgIds[s][0]);
  return checkScope(nhGw[m], nhFlags[m], scope);
}

/** whether object s is id or a group holding id */
function uses(s: i32, id: u32): bool { return nhId[s] == id || (nhIsGroup[s] && nhgIds[s].includes(id)); }

/** the routes using object id, or a group holding it, take its paths again (routes see the object itself) */
function routesSync(id: u32): void {
  rt_cache_flush();
  for (let a = 0; a < aliasCount(); a++) {
    if (aPn[a] < 0 || aNhId[a] == 0) continue;
    const s = nexthopFind(aNhId[a]);
    if (!uses(s, id)) continue;
    nexthopToCfg(s);
    nhsFromCfg(a);
  }
  mpReset();
}

/** fib_check_nh_list(): a replacement must suit every route using the object, directly or through a group */
function checkRoutes(id: u32, gw: u32, flags: u32, group: bool): i32 {
  for (let a = 0; a < aliasCount(); a++) {
    if (aPn[a] < 0 || aNhId[a] == 0 || !uses(nexthopFind(aNhId[a]), id)) continue;
    const scope = <i32>aScope[a];
    if (group && aNhId[a] == id && scope == RT_SCOPE_HOST) return fail(EINVAL, "Route with host scope can not have multiple nexthops");
    const err = checkScope(gw, flags, scope);
    if (err < 0) return err;
  }
  return 0;
}

/** nh_check_attr_group() and nh_check_attr_group_rtnl() with valid_group_nh() over the NHA_GROUP entries */
/** nh_check_attr_group(), the part that needs no other object: weights, repeated ids */
function checkGroupAttrs(): i32 {
  const n = reqIds.length;
  for (let i = 0; i < n; i++) {
    // a weight the u8 of struct nexthop_grp cannot carry (weight - 1 > 254) is refused as the kernel refuses it
    if (reqWeights[i] < 1 || reqWeights[i] > 256) return fail(EINVAL, "Invalid value for weight");
    for (let j = i + 1; j < n; j++) if (reqIds[i] == reqIds[j]) return fail(EINVAL, "Nexthop id can not be used twice in a group");
  }
  return 0;
}

/** the members' checks (rtm_to_nh_config_rtnl): each exists and may be in this group */
function checkGroupMembers(): i32 {
  const n = reqIds.length;
  for (let i = 0; i < n; i++) {
    const m = nexthopFind(reqIds[i]);
    if (m < 0) return fail(EINVAL, "Invalid nexthop id");
    if (nhIsGroup[m]) {
      return fail(EINVAL, nhResIs(m) ? "Resilient group can not be a nexthop within a group" : "Hash-threshold group can not be a nexthop within a group");
    }
    if (nhReject[m] && n > 1) return fail(EINVAL, "Blackhole nexthop can not be used in a group with more than 1 path");
  }
  return 0;
}

/** nh_find_unused_id(): from the last id given out on, wrapping, the first free one */
function findUnusedId(): u32 {
  let id = lastIdAllocated;
  for (let i: u32 = 0; i < 0xffffffff; i++) {
    id++;
    if (id == 0) continue;
    if (!nhIndex.has(id)) { lastIdAllocated = id; return id; }
  }
  return 0;
}

/**
 * rtm_new_nexthop(): rtm_to_nh_config()'s checks, nexthop_add() with nh_create_ipv4() or the group from
 * nexthopGroupBegin/Add, then insert_nexthop() (replace_nexthop() for an existing id under `replace`).
 * family: nhm->nh_family (0 or AF_INET = 2); oif 0 = no NHA_OIF. Returns 0 or -errno.
 */
export function rtmNewNexthop(id: u32, family: i32, group: bool, blackhole: bool, fdb: bool, gw: u32, oif: i32,
  onlink: bool, proto: u8, create: bool, replace: bool): i32 {
  if (family != 0 && family != 2) return fail(EAFNOSUPPORT, "Invalid address family");
  if (family == 0 && !group) return fail(EAFNOSUPPORT, "Invalid address family");
  if (fdb) {
    if (oif != 0 || blackhole) return fail(EINVAL, "Fdb attribute can not be used with encap, oif or blackhole");
    return fail(EOPNOTSUPP, "FDB nexthops are not supported by netpath");
  }
  if (group) {
    if (family != 0) return fail(EINVAL, "Invalid family for group");
    if (<u32>reqType > <u32>NEXTHOP_GRP_TYPE_RES) return fail(EINVAL, "Invalid group type"); // a u16, NEXTHOP_GRP_TYPE_MAX
    const err = checkGroupAttrs();
    if (err < 0) return err;
    if (reqResAttr && reqType != NEXTHOP_GRP_TYPE_RES) return fail(EINVAL, "No other attributes can be set in nexthop groups");
    // rtm_to_nh_config_grp_res() (a timer never exceeds clock_t_to_jiffies()'s range on 64 bits)
    if (reqType == NEXTHOP_GRP_TYPE_RES && reqHasBuckets && reqBuckets == 0) return fail(EINVAL, "Number of buckets needs to be non-0");
  } else if (blackhole) {
    if (gw != 0 || oif != 0) return fail(EINVAL, "Blackhole attribute can not be used with gateway, oif, encap or fdb");
  } else {
    if (oif == 0) return fail(EINVAL, "Device attribute required for non-blackhole and non-fdb nexthops");
    if (onlink && gw == 0) return fail(EINVAL, "ONLINK flag can not be set for nexthop without a gateway");
  }
  // what is checked against other objects comes after (rtm_to_nh_config_rtnl on Linux 6.18: a replace
  // without an id is refused first, then a group's members, then the device)
  if (replace && id == 0) return fail(EINVAL, "Replace requires nexthop id");
  if (group) {
    const err = checkGroupMembers();
    if (err < 0) return err;
  } else if (!blackhole) {
    if (!devExists(oif)) return fail(EINVAL, "Invalid device index");
    if (!devIsUp(oif)) return fail(ENETDOWN, "Nexthop device is not up");
    if (!devCarrier[oif]) return fail(ENETDOWN, "Carrier for nexthop device is down");
  }
  if (id == 0) {
    id = findUnusedId();
    if (id == 0) return fail(EINVAL, "No unused id");
  }
  // nexthop_create(): nh_create_ipv4() resolves the nexthop as fib_check_nh() does for a route in main
  let scope: u8 = 0, flags: u32 = 0;
  if (!group) {
    const dev = blackhole ? LOOPBACK_IFINDEX : oif;
    const err = fibCheckNh(RT_TABLE_MAIN, gw, dev, onlink ? RTNH_F_ONLINK : 0);
    if (err < 0) return err;
    scope = cfgNhScope; flags = cfgNhFlags & RTNH_F_ONLINK; oif = cfgOif;
  }
  // insert_nexthop()
  const res = group && reqType == NEXTHOP_GRP_TYPE_RES;
  const idleTimer = reqHasIdle ? clockToJiffies(reqIdle) : NH_RES_DEFAULT_IDLE_TIMER;
  const unbTimer = reqHasUnb ? clockToJiffies(reqUnb) : 0;
  let s = nexthopFind(id);
  const existed = s >= 0;
  if (s >= 0) {
    if (!replace) return -EEXIST;
    if (nhIsGroup[s] && !group) return fail(EINVAL, "Can not replace a nexthop group with a nexthop");
    if (!nhIsGroup[s] && group) return fail(EINVAL, "Can not replace a nexthop with a nexthop group");
    if (group) {
      // every route using the group must suit its first member's scope
      const m = nexthopFind(reqIds[0]);
      const err = checkRoutes(id, nhGw[m], nhFlags[m], true);
      if (err < 0) return err;
      // replace_nexthop_grp()
      if (res != nhResIs(s)) return fail(EINVAL, "Can not replace a nexthop group with one of a different type");
      if (res && reqHasBuckets && reqBuckets != resNumBuckets[s]) {
        return fail(EINVAL, "Can not change number of buckets of a resilient nexthop group");
      }
    } else {
      const err = checkRoutes(id, gw, flags, false);
      if (err < 0) return err;
      // replace_nexthop(): a blackhole may not enter a group of more than one path through its member
      if (blackhole) {
        const ids = nexthopIds();
        for (let i = 0; i < ids.length; i++) {
          const g = nexthopFind(ids[i]);
          if (nhIsGroup[g] && nhgIds[g].length > 1 && nhgIds[g].includes(id)) {
            return fail(EINVAL, "Blackhole nexthop can not be a member of a group with more than one path");
          }
        }
      }
    }
  } else {
    if (replace && !create) return fail(ENOENT, "Replace specified for non-existent nexthop");
    if (res && !reqHasBuckets) return fail(EINVAL, "Number of buckets not specified for nexthop group insertion");
    if (res && !nhResCanAlloc(reqBuckets)) return -ENOMEM; // nexthop_res_table_alloc() failed
    s = slotAlloc();
    nhIndex.set(id, s);
  }
  // replace_nexthop_grp() swaps the groups only: a group keeps its protocol (replace_nexthop_single() takes the new one)
  if (!(existed && group)) nhProto[s] = proto;
  nhId[s] = id; nhIsGroup[s] = group;
  if (group) {
    nhgIds[s] = reqIds.slice(0); nhgWeights[s] = reqWeights.slice(0);
    nhGw[s] = 0; nhOif[s] = 0; nhFlags[s] = 0; nhScope[s] = 0; nhReject[s] = false;
    if (res && existed) {
      nhResSetTimers(s, reqHasIdle, idleTimer, reqHasUnb, unbTimer);
      replaceNexthopGrpRes(s, nhgIds[s], nhgWeights[s]);
    } else if (res) {
      nexthopResTableAlloc(s, reqBuckets, idleTimer, unbTimer);
      nhResTableInsert(s, nhgIds[s], nhgWeights[s]);
    }
  } else {
    nhGw[s] = gw; nhOif[s] = oif; nhFlags[s] = flags; nhScope[s] = scope; nhReject[s] = blackhole;
    // nh_create_ipv4(): the source address is chosen once here, one scope below the nexthop's own
    if (!blackhole) updateSaddr(s, scope == 0 ? 0 : scope - 1);
  }
  routesSync(id);
  return 0;
}

/**
 * remove_nexthop(): the routes using the object die and are flushed (__remove_nexthop_fib), a group lets its
 * members go, and a member leaves its groups (remove_nh_grp_entry), a group left empty going with it.
 */
export function removeNexthop(s: i32): void {
  const id = nhId[s];
  let dead = false;
  for (let a = 0; a < aliasCount(); a++) {
    if (aPn[a] >= 0 && aNhId[a] == id) { aFiDead[a] = true; dead = true; }
  }
  if (dead) fibFlushDead();
  nhIndex.delete(id);
  nhFree.push(s);
  nhId[s] = 0;
  if (nhIsGroup[s]) { nexthopResTableFree(s); nhgIds[s] = new Array<u32>(); nhgWeights[s] = new Array<i32>(); return; }
  const ids = nexthopIds();
  for (let i = 0; i < ids.length; i++) {
    const g = nexthopFind(ids[i]);
    if (g < 0 || !nhIsGroup[g]) continue;
    const k = nhgIds[g].indexOf(id);
    if (k < 0) continue;
    if (nhgIds[g].length == 1) { removeNexthop(g); continue; }
    nhgIds[g].splice(k, 1);
    nhgWeights[g].splice(k, 1);
    if (nhResIs(g)) replaceNexthopGrpRes(g, nhgIds[g], nhgWeights[g]);
    routesSync(nhId[g]);
  }
  rt_cache_flush();
}

/** rtm_del_nexthop() with nh_valid_get_del_req(): `present` = NHA_ID given, `extra` = other attributes too */
export function rtmDelNexthop(id: u32, present: bool, extra: bool): i32 {
  if (extra) return fail(EINVAL, "Unknown attribute type");
  if (!present) return fail(EINVAL, "Nexthop id is missing");
  if (id == 0) return fail(EINVAL, "Invalid nexthop id");
  const s = nexthopFind(id);
  if (s < 0) return -ENOENT;
  removeNexthop(s);
  return 0;
}

/**
 * nexthop_flush_dev(): NETDEV_DOWN, NETDEV_UNREGISTER, and NETDEV_CHANGE without carrier remove the nexthops
 * through the device; a blackhole (on lo) stays but for the unregister.
 */
export function nexthopFlushDev(dev: i32, unregister: bool): void {
  const ids = nexthopIds();
  for (let i = 0; i < ids.length; i++) {
    const s = nexthopFind(ids[i]);
    if (s < 0 || nhIsGroup[s] || nhOif[s] != dev) continue;
    if (nhReject[s] && !unregister) continue;
    removeNexthop(s);
  }
}

/** rtm_get_nexthop(): EINVAL for id 0, ENOENT for an unknown id */
export function rtmGetNexthop(id: u32): i32 {
  if (id == 0) return fail(EINVAL, "Invalid nexthop id");
  return nexthopFind(id) < 0 ? -ENOENT : 0;
}
