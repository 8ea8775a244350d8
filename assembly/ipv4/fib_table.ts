// FIB tables and their routes ("fib aliases"): struct fib_table, fib_alias and
// the single-nexthop fib_info folded in (net/ipv4/fib_trie.c, fib_semantics.c).
// Routes of one prefix hang off a prefix node, in the kernel's alias order.
import { fnheFlushNh, fnheUpdateMtu, fnheCount } from "./fnhe";
import { mxHold, mxPut, mxMatch } from "./metrics";
import { inetMask } from "../lib/inet";
import { EEXIST, ENOENT, ESRCH, EAGAIN, EINVAL, EHOSTUNREACH, EACCES } from "../lib/errno";
import { trieNewRoot, trieLookup, trieInsert, trieRemove } from "./fib_trie";
import { flDst, flOif, flScope, flDscp, resSet, rt_cache_flush } from "./flow";
import { devCarrier, devAlive, devMtu } from "../core/netdevice";
import { confOr, CONF_IGNORE_ROUTES_WITH_LINKDOWN, inDevExists } from "./devinet";

export const RT_TABLE_UNSPEC: u32 = 0, RT_TABLE_DEFAULT: u32 = 253, RT_TABLE_MAIN: u32 = 254, RT_TABLE_LOCAL: u32 = 255;
export const RTN_UNSPEC: u8 = 0, RTN_UNICAST: u8 = 1, RTN_LOCAL: u8 = 2, RTN_BROADCAST: u8 = 3, RTN_ANYCAST: u8 = 4,
  RTN_MULTICAST: u8 = 5, RTN_BLACKHOLE: u8 = 6, RTN_UNREACHABLE: u8 = 7, RTN_PROHIBIT: u8 = 8, RTN_THROW: u8 = 9,
  RTN_NAT: u8 = 10, RTN_XRESOLVE: u8 = 11, RTN_MAX: u8 = 11;
export const RT_SCOPE_UNIVERSE: i32 = 0, RT_SCOPE_LINK: i32 = 253, RT_SCOPE_HOST: i32 = 254, RT_SCOPE_NOWHERE: i32 = 255;
export const RTNH_F_DEAD: u32 = 1, RTNH_F_ONLINK: u32 = 4, RTNH_F_LINKDOWN: u32 = 16;
export const RTPROT_KERNEL: u8 = 2;
/** fib lookup flags */
export const FIB_LOOKUP_IGNORE_LINKSTATE: i32 = 2;

/** fib_props[type].error, negated errno (0 = not an error type) */
export function fibPropsError(t: u8): i32 {
  switch (t) {
    case RTN_BLACKHOLE: return -EINVAL;
    case RTN_UNREACHABLE: return -EHOSTUNREACH;
    case RTN_PROHIBIT: return -EACCES;
    case RTN_THROW: return -EAGAIN;
    case RTN_NAT: return -EINVAL;
    case RTN_XRESOLVE: return -EINVAL;
  }
  return 0;
}
/** fib_props[type].scope: the narrowest scope a route of this type may have */
export function fibPropsScope(t: u8): i32 {
  switch (t) {
    case RTN_LOCAL: return RT_SCOPE_HOST;
    case RTN_BROADCAST: return RT_SCOPE_LINK;
    case RTN_ANYCAST: return RT_SCOPE_LINK;
    case RTN_NAT: return RT_SCOPE_NOWHERE;
    case RTN_XRESOLVE: return RT_SCOPE_NOWHERE;
  }
  return RT_SCOPE_UNIVERSE;
}

// ---------------------------------------------------------------- tables
export const tbId = new Array<u32>();
/** the table whose trie holds this table's routes: itself, or main while local is merged into it */
export const tbTrie = new Array<i32>();
export const tbRoot = new Array<usize>();
export const tbSeq = new Array<u32>();
/** number of routes per prefix length in the table's trie: tbLenCount[t * 33 + len] */
export const tbLenCount = new Array<u32>();
export const tbLenMask = new Array<u64>();
export const tbNumDefault = new Array<u32>();
let tableSeq: u32 = 0;
const tableIndex = new Map<u32, i32>();
export let mainTable: i32 = -1;
export let defaultTable: i32 = -1;
/** fib_has_custom_rules: set for good by the first rule change, which also splits local from main */
export let hasCustomRules: bool = false;
export let hasCustomLocalRoutes: bool = false;

export function setCustomLocalRoutes(): void { hasCustomLocalRoutes = true; }

/** fib_get_table(); -1 if it was never created */
export function fibGetTable(id: u32): i32 {
  if (id == 0) id = RT_TABLE_MAIN;
  return tableIndex.has(id) ? tableIndex.get(id) : -1;
}

/** fib_new_table(): tables come into being on first use */
export function fibNewTable(id: u32): i32 {
  if (id == 0) id = RT_TABLE_MAIN;
  if (tableIndex.has(id)) return tableIndex.get(id);
  let trieOwner: i32 = -1;
  if (id == RT_TABLE_LOCAL && !hasCustomRules) trieOwner = fibNewTable(RT_TABLE_MAIN);
  const t = tbId.length;
  tbId.push(id);
  tbTrie.push(trieOwner < 0 ? t : trieOwner);
  tbRoot.push(0);
  tbSeq.push(tableSeq++);
  tbLenMask.push(0);
  tbNumDefault.push(0);
  for (let i = 0; i < 33; i++) tbLenCount.push(0);
  tableIndex.set(id, t);
  if (id == RT_TABLE_MAIN) mainTable = t;
  if (id == RT_TABLE_DEFAULT) defaultTable = t;
  return t;
}

/** fib_empty_table(): the first unused id from 1 up, for `ip rule add ... table 0` */
export function fibEmptyTable(): i32 {
  for (let id: u32 = 1; id <= RT_TABLE_MAIN; id++) {
    if (!tableIndex.has(id)) return fibNewTable(id);
  }
  return -1;
}

export function tableCount(): i32 { return tbId.length; }

// ---------------------------------------------------------------- prefix nodes
export const pnTrie = new Array<i32>();
export const pnPrefix = new Array<u32>();
export const pnLen = new Array<i32>();
export const pnHead = new Array<i32>();
let pnFree: i32 = -1;

// open-addressing hash (linear probing, backward-shift delete): (trie, prefix, len) -> pn
let hCap: u32 = 0;
let hUsed: u32 = 0;
let hKeys: usize = 0; // per entry: u32 prefix, u32 (trie << 6 | len), u32 pn + 1
// @ts-ignore: decorator
@inline function hHash(trie: i32, prefix: u32, len: i32): u32 {
  let h = prefix * 0x9e3779b1 ^ ((<u32>trie << 6 | <u32>len) * 0x85ebca6b);
  h ^= h >>> 15;
  return h;
}
function hGrow(): void {
  const oldCap = hCap, oldKeys = hKeys;
  hCap = hCap == 0 ? 1024 : hCap * 2;
  hKeys = heap.alloc(<usize>hCap * 12);
  memory.fill(hKeys, 0, <usize>hCap * 12);
  hUsed = 0;
  for (let i: u32 = 0; i < oldCap; i++) {
    const e = oldKeys + <usize>i * 12;
    const v = load<u32>(e, 8);
    if (v != 0) hPut(load<u32>(e), load<u32>(e, 4), v);
  }
  if (oldKeys) heap.free(oldKeys);
}
function hPut(prefix: u32, tl: u32, v: u32): void {
  let i = hHash(<i32>(tl >>> 6), prefix, <i32>(tl & 63)) & (hCap - 1);
  while (true) {
    const e = hKeys + <usize>i * 12;
    if (load<u32>(e, 8) == 0) { store<u32>(e, prefix); store<u32>(e, tl, 4); store<u32>(e, v, 8); hUsed++; return; }
    i = (i + 1) & (hCap - 1);
  }
}
/** the prefix node for (trie, prefix, len), -1 if none */
export function pnFind(trie: i32, prefix: u32, len: i32): i32 {
  if (hCap == 0) return -1;
  const tl = (<u32>trie << 6) | <u32>len;
  let i = hHash(trie, prefix, len) & (hCap - 1);
  while (true) {
    const e = hKeys + <usize>i * 12;
    const v = load<u32>(e, 8);
    if (v == 0) return -1;
    if (load<u32>(e) == prefix && load<u32>(e, 4) == tl) return <i32>v - 1;
    i = (i + 1) & (hCap - 1);
  }
}
function hDel(trie: i32, prefix: u32, len: i32): void {
  const tl = (<u32>trie << 6) | <u32>len;
  const mask = hCap - 1;
  let i = hHash(trie, prefix, len) & mask;
  while (true) {
    const e = hKeys + <usize>i * 12;
    if (load<u32>(e, 8) == 0) return;
    if (load<u32>(e) == prefix && load<u32>(e, 4) == tl) break;
    i = (i + 1) & mask;
  }
  // backward-shift deletion keeps probe chains intact without tombstones
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const ej = hKeys + <usize>j * 12;
    const v = load<u32>(ej, 8);
    if (v == 0) break;
    const tlj = load<u32>(ej, 4);
    const k = hHash(<i32>(tlj >>> 6), load<u32>(ej), <i32>(tlj & 63)) & mask;
    // move entry j to i if its home slot k is not cyclically in (i, j]
    if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j)) continue;
    const ei = hKeys + <usize>i * 12;
    store<u32>(ei, load<u32>(ej)); store<u32>(ei, tlj, 4); store<u32>(ei, v, 8);
    i = j;
  }
  store<u32>(hKeys + <usize>i * 12, 0, 8);
  hUsed--;
}

function pnCreate(trie: i32, prefix: u32, len: i32): i32 {
  let pn: i32;
  if (pnFree >= 0) { pn = pnFree; pnFree = pnHead[pn]; }
  else { pn = pnTrie.length; pnTrie.push(0); pnPrefix.push(0); pnLen.push(0); pnHead.push(-1); }
  pnTrie[pn] = trie; pnPrefix[pn] = prefix; pnLen[pn] = len; pnHead[pn] = -1;
  if ((hUsed + 1) * 2 > hCap) hGrow();
  hPut(prefix, (<u32>trie << 6) | <u32>len, <u32>pn + 1);
  if (tbRoot[trie] == 0) tbRoot[trie] = trieNewRoot();
  trieInsert(tbRoot[trie], prefix, len, pn);
  const c = trie * 33 + len;
  if (tbLenCount[c]++ == 0) tbLenMask[trie] |= (<u64>1 << len);
  return pn;
}

/** the next shorter prefix node in the trie covering prefix/len, -1 if none (the trie's backtracking) */
export function pnParent(trie: i32, prefix: u32, len: i32): i32 {
  let m = tbLenMask[trie] & ((<u64>1 << len) - 1);
  while (m != 0) {
    const l = 63 - <i32>clz(m);
    const pn = pnFind(trie, prefix & inetMask(l), l);
    if (pn >= 0) return pn;
    m &= ~(<u64>1 << l);
  }
  return -1;
}

function pnDestroy(pn: i32): void {
  const trie = pnTrie[pn], prefix = pnPrefix[pn], len = pnLen[pn];
  hDel(trie, prefix, len);
  const c = trie * 33 + len;
  if (--tbLenCount[c] == 0) tbLenMask[trie] &= ~(<u64>1 << len);
  trieRemove(tbRoot[trie], prefix, len, pn, pnParent(trie, prefix, len));
  pnTrie[pn] = -1;
  pnHead[pn] = pnFree;
  pnFree = pn;
}

// ---------------------------------------------------------------- aliases (routes)
export const aTb = new Array<u32>(); // table id (tb_id of the alias)
export const aPn = new Array<i32>();
export const aNext = new Array<i32>();
export const aDscp = new Array<u8>();
export const aPrio = new Array<u32>();
export const aType = new Array<u8>();
export const aScope = new Array<u8>();
export const aProto = new Array<u8>();
export const aPrefsrc = new Array<u32>();
export const aGw = new Array<u32>();
export const aOif = new Array<i32>();
/** RTNH_F_* of the nexthop (ONLINK, DEAD, LINKDOWN) */
export const aNhFlags = new Array<u32>();
/** the nexthop's scope: host for a directly connected dev route, link for a gateway, nowhere for host routes */
export const aNhScope = new Array<u8>();
/** fib_info->fib_flags: RTNH_F_DEAD when every nexthop died */
export const aFiDead = new Array<bool>();
/** fib_info->fib_flags & RTNH_F_LINKDOWN: every nexthop lost its carrier (or died) */
export const aFiLinkdown = new Array<bool>();
// A route's nexthops (struct fib_nh): the first lives in the alias itself (aGw, aOif, aNhFlags, aNhScope);
// a multipath route chains the others through aNhNext into slots of the same arrays that are no alias
// (aPn == PN_NEXTHOP). A nexthop is named by its slot: for a single-path route, the alias.
/** the route's next nexthop, -1 after the last */
export const aNhNext = new Array<i32>();
/** fib_nh_weight (rtnh_hops + 1) */
export const aNhWeight = new Array<i32>();
/** fib_nh_upper_bound (fib_rebalance): the hash bound of the nexthop, -1 when it takes no traffic */
export const aNhUpper = new Array<i32>();
export const PN_NEXTHOP: i32 = -2;
/** fib_info->nh: the id of the nexthop object the route uses (nexthop.ts), 0 for its own nexthops */
export const aNhId = new Array<u32>();
/** nexthop_is_blackhole(fi->nh): the object is a blackhole (the lookup rejects, the dump says blackhole) */
export const aNhReject = new Array<bool>();
/** fib_info->fib_metrics: the route's metrics set (metrics.ts; 0 = none); on the first nexthop slot only */
export const aMx = new Array<i32>();
let aFree: i32 = -1;

function aliasAlloc(): i32 {
  if (aFree >= 0) { const a = aFree; aFree = aNext[a]; return a; }
  const a = aTb.length;
  aTb.push(0); aPn.push(-1); aNext.push(-1); aDscp.push(0); aPrio.push(0); aType.push(0); aScope.push(0);
  aProto.push(0); aPrefsrc.push(0); aGw.push(0); aOif.push(0); aNhFlags.push(0); aNhScope.push(0); aFiDead.push(false);
  aFiLinkdown.push(false); aNhNext.push(-1); aNhWeight.push(1); aNhUpper.push(0); aNhId.push(0); aNhReject.push(false);
  aMx.push(0);
  return a;
}
function slotFree(a: i32): void { fnheFlushNh(a); mxPut(aMx[a]); aMx[a] = 0; aPn[a] = -1; aNext[a] = aFree; aFree = a; }

/** fib_info_num_path() */
export function fibNhs(a: i32): i32 {
  let n = 1;
  for (let nh = unchecked(aNhNext[a]); nh >= 0; nh = unchecked(aNhNext[nh])) n++;
  return n;
}
/** fib_sync_mtu(): the exceptions of every nexthop through dev see its MTU change from orig (nh_update_mtu) */
export function fibSyncMtu(dev: i32, orig: u32): void {
  if (fnheCount == 0) return;
  for (let a = 0; a < aPn.length; a++) if (aPn[a] != -1 && aOif[a] == dev) fnheUpdateMtu(a, devMtu[dev], orig);
}

/** ip_fib_check_default(): whether some live route's nexthop has gateway gw on dev (secure_redirects) */
export function fibNhGatewayOn(gw: u32, dev: i32): bool {
  for (let a = 0; a < aPn.length; a++) {
    if (aPn[a] == -1 || aNhId[a] != 0) continue;
    if (aOif[a] == dev && aGw[a] == gw && (aNhFlags[a] & RTNH_F_DEAD) == 0) return true;
  }
  return false;
}

/** whether a nexthop of the route goes out through dev (fib_info_nh_uses_dev) */
export function fibNhUsesDev(a: i32, dev: i32): bool {
  for (let nh = a; nh >= 0; nh = unchecked(aNhNext[nh])) if (unchecked(aOif[nh]) == dev) return true;
  return false;
}

/** a route being built: fib_config after fib_create_info() resolved its nexthop */
export let cfgTb: u32 = 0;
export let cfgDst: u32 = 0;
export let cfgLen: i32 = 0;
export let cfgDscp: u8 = 0;
export let cfgPrio: u32 = 0;
export let cfgType: u8 = 0;
export let cfgScope: u8 = 0;
export let cfgProto: u8 = 0;
export let cfgPrefsrc: u32 = 0;
export let cfgGw: u32 = 0;
export let cfgOif: i32 = 0;
export let cfgNhFlags: u32 = 0;
export let cfgNhScope: u8 = 0;
export let cfgWeight: i32 = 1;
/** RTA_NH_ID of the request (0: none), and whether that object is a blackhole */
export let cfgNhId: u32 = 0;
export let cfgNhReject: bool = false;
/** the request's metrics set (ip_fib_metrics_init), 0 = none */
export let cfgMx: i32 = 0;
export function cfgSetMx(m: i32): void { cfgMx = m; }
export function cfgSetNhId(id: u32): void { cfgNhId = id; }
/** RTA_MULTIPATH of the request: one entry per rtnexthop (gateway, ifindex, flags, weight), and the
 *  nexthop scope fib_check_nh() resolved; mpCount == 0 without the attribute */
export let mpCount: i32 = 0;
export const mpGw = new Array<u32>();
export const mpOif = new Array<i32>();
export const mpFlags = new Array<u32>();
export const mpWeight = new Array<i32>();
export const mpScope = new Array<u8>();
export function mpReset(): void { mpCount = 0; }
/** one rtnexthop; weight travels as rtnh_hops (a u8, weight - 1), so it is 1..256 whatever is asked */
export function mpAdd(gw: u32, oif: i32, flags: u32, weight: i32): void {
  weight = ((weight - 1) & 0xff) + 1;
  if (mpCount == mpGw.length) { mpGw.push(0); mpOif.push(0); mpFlags.push(0); mpWeight.push(0); mpScope.push(0); }
  mpGw[mpCount] = gw; mpOif[mpCount] = oif; mpFlags[mpCount] = flags; mpWeight[mpCount] = weight; mpScope[mpCount] = 0;
  mpCount++;
}
/** the cfg nexthop fields to and from request nexthop i (fib_get_nhs() walks them through fib_check_nh()) */
export function cfgLoadNh(i: i32): void {
  cfgGw = mpGw[i]; cfgOif = mpOif[i]; cfgNhFlags = mpFlags[i]; cfgNhScope = mpScope[i]; cfgWeight = mpWeight[i];
}
export function cfgStoreNh(i: i32): void { mpOif[i] = cfgOif; mpFlags[i] = cfgNhFlags; mpScope[i] = cfgNhScope; }
export function mpSetScope(i: i32, scope: u8): void { mpScope[i] = scope; }
export function cfgSet(tb: u32, dst: u32, len: i32, dscp: u8, prio: u32, type: u8, scope: u8, proto: u8,
  prefsrc: u32, gw: u32, oif: i32, nhFlags: u32): void {
  cfgTb = tb; cfgDst = dst; cfgLen = len; cfgDscp = dscp; cfgPrio = prio; cfgType = type; cfgScope = scope;
  cfgProto = proto; cfgPrefsrc = prefsrc; cfgGw = gw; cfgOif = oif; cfgNhFlags = nhFlags; cfgNhScope = 0; cfgWeight = 1;
  cfgNhId = 0; cfgNhReject = false; cfgMx = 0;
}
/** the cfg nexthop fields from a nexthop object (nexthop.ts): its first path, with mp* holding all when more */
export function cfgSetObject(gw: u32, oif: i32, flags: u32, scope: u8, weight: i32, reject: bool): void {
  cfgGw = gw; cfgOif = oif; cfgNhFlags = flags; cfgNhScope = scope; cfgWeight = weight; cfgNhReject = reject;
}
export function cfgSetNh(oif: i32, nhScope: u8, nhFlags: u32): void { cfgOif = oif; cfgNhScope = nhScope; cfgNhFlags = nhFlags; }

/** nh_comp() for one nexthop against request nexthop fields */
function sameNh(nh: i32, oif: i32, gw: u32, scope: u8, weight: i32, flags: u32): bool {
  return aOif[nh] == oif && aGw[nh] == gw && aNhScope[nh] == scope && aNhWeight[nh] == weight &&
    ((aNhFlags[nh] ^ flags) & ~(RTNH_F_DEAD | RTNH_F_LINKDOWN)) == 0;
}
/** fib_info equality as fib_find_info() sees it (type compared separately by the caller) */
function sameInfo(a: i32): bool {
  if (!(aProto[a] == cfgProto && aScope[a] == cfgScope && aPrefsrc[a] == cfgPrefsrc && aPrio[a] == cfgPrio &&
    !aFiDead[a] && aNhId[a] == cfgNhId && aMx[a] == cfgMx && sameNh(a, cfgOif, cfgGw, cfgNhScope, cfgWeight, cfgNhFlags))) return false;
  const n = mpCount > 1 ? mpCount : 1;
  if (fibNhs(a) != n) return false;
  let i = 1;
  for (let nh = aNhNext[a]; nh >= 0; nh = aNhNext[nh]) {
    if (!sameNh(nh, mpOif[i], mpGw[i], mpScope[i], mpWeight[i], mpFlags[i])) return false;
    i++;
  }
  return true;
}

/** fib_find_alias(): first alias in the list at or after which (tb, dscp, prio) sorts */
function findAlias(head: i32, tb: u32, dscp: u8, prio: u32, findFirst: bool): i32 {
  for (let a = head; a >= 0; a = aNext[a]) {
    if (aTb[a] > tb) continue;
    if (aTb[a] != tb) break;
    if (findFirst) return a;
    if (aDscp[a] > dscp) continue;
    if (aPrio[a] >= prio || aDscp[a] < dscp) return a;
  }
  return -1;
}

function prevAlias(head: i32, a: i32): i32 {
  let p = -1;
  for (let x = head; x >= 0 && x != a; x = aNext[x]) p = x;
  return p;
}

/** links alias n into pn's list before `before` (-1: at the end of its table group) */
function linkAlias(pn: i32, n: i32, before: i32): void {
  if (before < 0) {
    // fib_insert_alias() with no position: after the last alias of a table id >= ours
    let last = -1;
    for (let x = pnHead[pn]; x >= 0; x = aNext[x]) {
      if (aTb[n] > aTb[x]) break;
      last = x;
    }
    if (last < 0) { aNext[n] = pnHead[pn]; pnHead[pn] = n; }
    else { aNext[n] = aNext[last]; aNext[last] = n; }
    return;
  }
  const p = prevAlias(pnHead[pn], before);
  aNext[n] = before;
  if (p < 0) pnHead[pn] = n; else aNext[p] = n;
}

/** the fib_info part of alias a from the cfg* route: its attributes and nexthops (old extra nexthops go) */
function infoFromCfg(a: i32): void {
  aType[a] = cfgType; aScope[a] = cfgScope; aProto[a] = cfgProto; aPrefsrc[a] = cfgPrefsrc;
  mxHold(cfgMx); mxPut(aMx[a]); aMx[a] = cfgMx;
  nhsFromCfg(a);
}
/** the nexthops of alias a from cfg* and mp* (a nexthop object's paths when it uses one) */
export function nhsFromCfg(a: i32): void {
  aNhId[a] = cfgNhId; aNhReject[a] = cfgNhReject;
  aGw[a] = cfgGw; aOif[a] = cfgOif; aNhFlags[a] = cfgNhFlags; aNhScope[a] = cfgNhScope; aNhWeight[a] = cfgWeight;
  aFiDead[a] = false;
  fnheFlushNh(a); // a new fib_info: the old one's exceptions go with it
  nhChainFree(a);
  let last = a;
  for (let i = 1; i < mpCount; i++) {
    const nh = aliasAlloc();
    aPn[nh] = PN_NEXTHOP; aNext[nh] = -1; aNhNext[nh] = -1; aTb[nh] = cfgTb;
    aGw[nh] = mpGw[i]; aOif[nh] = mpOif[i]; aNhFlags[nh] = mpFlags[i]; aNhScope[nh] = mpScope[i]; aNhWeight[nh] = mpWeight[i];
    aFiDead[nh] = false; aFiLinkdown[nh] = false;
    aNhNext[last] = nh;
    last = nh;
  }
  // fib_create_info(): RTNH_F_LINKDOWN on the fib_info when every nexthop has it
  let up = false;
  for (let nh = a; nh >= 0; nh = aNhNext[nh]) if (!(aNhFlags[nh] & RTNH_F_LINKDOWN)) up = true;
  aFiLinkdown[a] = !up;
  fibRebalance(a);
}
function nhChainFree(a: i32): void {
  let nh = aNhNext[a];
  aNhNext[a] = -1;
  while (nh >= 0) { const next = aNhNext[nh]; slotFree(nh); nh = next; }
}

/** fib_rebalance(): each live nexthop's upper bound of the hash, in proportion to the weights */
export function fibRebalance(a: i32): void {
  if (aNhNext[a] < 0) return;
  let total: i64 = 0;
  for (let nh = a; nh >= 0; nh = aNhNext[nh]) if (nhTakesTraffic(nh)) total += aNhWeight[nh];
  let w: i64 = 0;
  for (let nh = a; nh >= 0; nh = aNhNext[nh]) {
    if (!nhTakesTraffic(nh)) { aNhUpper[nh] = -1; continue; }
    w += aNhWeight[nh];
    // DIV_ROUND_CLOSEST_ULL((u64)w << 31, total) - 1
    aNhUpper[nh] = <i32>((((<u64>w << 31) + (<u64>total >> 1)) / <u64>total) - 1);
  }
}
function nhTakesTraffic(nh: i32): bool {
  const f = aNhFlags[nh];
  if (f & RTNH_F_DEAD) return false;
  return !((f & RTNH_F_LINKDOWN) && ignoreLinkdown(aOif[nh]));
}

function newAliasFromCfg(pn: i32): i32 {
  const n = aliasAlloc();
  aTb[n] = cfgTb; aPn[n] = pn; aNext[n] = -1; aDscp[n] = cfgDscp; aPrio[n] = cfgPrio; aNhNext[n] = -1;
  infoFromCfg(n);
  return n;
}

export const NLM_F_REPLACE: i32 = 0x100, NLM_F_EXCL: i32 = 0x200, NLM_F_CREATE: i32 = 0x400, NLM_F_APPEND: i32 = 0x800;

/** fib_table_insert() after fib_create_info(): the cfg* route into table t */
export function fibTableInsert(t: i32, nlflags: i32): i32 {
  rt_cache_flush();
  const trie = tbTrie[t];
  const pn = pnFind(trie, cfgDst, cfgLen);
  const head = pn >= 0 ? pnHead[pn] : -1;
  let fa = findAlias(head, cfgTb, cfgDscp, cfgPrio, false);
  let before: i32 = -1;
  if (fa >= 0 && aDscp[fa] == cfgDscp && aPrio[fa] == cfgPrio) {
    if (nlflags & NLM_F_EXCL) return -EEXIST;
    const first = fa;
    let match: i32 = -1;
    let x = fa;
    for (; x >= 0; x = aNext[x]) {
      if (aTb[x] != cfgTb || aDscp[x] != cfgDscp || aPrio[x] != cfgPrio) break;
      if (aType[x] == cfgType && sameInfo(x)) { match = x; break; }
    }
    if (nlflags & NLM_F_REPLACE) {
      // an identical route: a no-op if it is the one that would be replaced, else EEXIST
      if (match >= 0) return match == first ? 0 : -EEXIST;
      // replace the first alias of the key in place
      infoFromCfg(first);
      return 0;
    }
    if (match >= 0) return -EEXIST;
    before = (nlflags & NLM_F_APPEND) ? x : first;
  } else {
    before = fa;
  }
  if (!(nlflags & NLM_F_CREATE)) return -ENOENT;
  const p = pn >= 0 ? pn : pnCreate(trie, cfgDst, cfgLen);
  const n = newAliasFromCfg(p);
  linkAlias(p, n, before);
  if (cfgLen == 0) tbNumDefault[t]++;
  return 0;
}

export function aliasUnlink(a: i32): void {
  rt_cache_flush();
  const pn = aPn[a];
  const p = prevAlias(pnHead[pn], a);
  if (p < 0) pnHead[pn] = aNext[a]; else aNext[p] = aNext[a];
  if (pnLen[pn] == 0) {
    const t = fibGetTable(aTb[a]);
    if (t >= 0 && tbNumDefault[t] > 0) tbNumDefault[t]--;
  }
  nhChainFree(a);
  slotFree(a);
  if (pnHead[pn] < 0) pnDestroy(pn);
}

/** delete selector (fib_config of a delete): 0/NOWHERE/-1 fields match anything */
export let delType: u8 = 0;
export let delScope: i32 = RT_SCOPE_NOWHERE;
export let delPrefsrc: u32 = 0;
export let delProto: u8 = 0;
export let delPrio: u32 = 0;
export let delOif: i32 = 0;
export let delGw: u32 = 0;
export let delNhId: u32 = 0;
export function delSet(type: u8, scope: i32, prefsrc: u32, proto: u8, prio: u32, oif: i32, gw: u32, nhid: u32 = 0): void {
  delType = type; delScope = scope; delPrefsrc = prefsrc; delProto = proto; delPrio = prio; delOif = oif; delGw = gw;
  delNhId = nhid;
}

/** fib_nh_match(): RTA_OIF/RTA_GATEWAY against the first nexthop, else each RTA_MULTIPATH entry against its nexthop */
function nhMatch(a: i32): bool {
  // a request naming a nexthop id matches the routes using that object; one naming a device, gateway or
  // RTA_MULTIPATH matches no route using an object
  if (delNhId != 0) return aNhId[a] == delNhId;
  if (aNhId[a] != 0) return delOif == 0 && delGw == 0 && mpCount == 0;
  if (delOif != 0 || delGw != 0) return (delOif == 0 || aOif[a] == delOif) && (delGw == 0 || aGw[a] == delGw);
  let i = 0;
  if (mpCount == 0) return true;
  for (let nh = a; nh >= 0; nh = aNhNext[nh]) {
    // a route with more nexthops than the request: rtnh_ok() fails, -EINVAL, no match
    if (i >= mpCount) return false;
    if (mpOif[i] != 0 && mpOif[i] != aOif[nh]) return false;
    if (mpGw[i] != 0 && mpGw[i] != aGw[nh]) return false;
    i++;
  }
  return true;
}

/** fib_table_delete(): the first route of (dst, len, dscp) in table t that the del* selector matches */
export function fibTableDelete(t: i32, dst: u32, len: i32, dscp: u8): i32 {
  const trie = tbTrie[t];
  const tb = tbId[t];
  const pn = pnFind(trie, dst, len);
  if (pn < 0) return -ESRCH;
  let fa = findAlias(pnHead[pn], tb, dscp, 0, false);
  if (fa < 0) return -ESRCH;
  for (let x = fa; x >= 0; x = aNext[x]) {
    if (aTb[x] != tb || aDscp[x] != dscp) break;
    if ((delType == 0 || aType[x] == delType) &&
      (delScope == RT_SCOPE_NOWHERE || <i32>aScope[x] == delScope) &&
      (delPrefsrc == 0 || aPrefsrc[x] == delPrefsrc) &&
      (delProto == 0 || aProto[x] == delProto) &&
      (delPrio == 0 || aPrio[x] == delPrio) && nhMatch(x) && mxMatch(aMx[x])) {
      aliasUnlink(x);
      return 0;
    }
  }
  return -ESRCH;
}

/** fib_lookup_good_nhc() for nexthop nh */
// @ts-ignore: decorator
@inline function goodNh(nh: i32, flags: i32): bool {
  const f = unchecked(aNhFlags[nh]);
  if (f & RTNH_F_DEAD) return false;
  if ((f & RTNH_F_LINKDOWN) && !(flags & FIB_LOOKUP_IGNORE_LINKSTATE) && ignoreLinkdown(unchecked(aOif[nh]))) return false;
  if (flOif != 0 && flOif != unchecked(aOif[nh])) return false;
  return true;
}
/** ip_ignore_linkdown(): the device's ignore_routes_with_linkdown */
export function ignoreLinkdown(dev: i32): bool { return inDevExists(dev) && confOr(dev, CONF_IGNORE_ROUTES_WITH_LINKDOWN); }

/** fib_table_lookup(): LPM over table t for the flow; 0, -EAGAIN (nothing) or a route type's error */
export function fibTableLookup(t: i32, flags: i32): i32 {
  const trie = unchecked(tbTrie[t]);
  const root = unchecked(tbRoot[trie]);
  if (root == 0) return -EAGAIN;
  const dst = flDst;
  let pn = trieLookup(root, dst);
  while (pn >= 0) {
    let miss = false;
    for (let a = unchecked(pnHead[pn]); a >= 0; a = unchecked(aNext[a])) {
      const d = unchecked(aDscp[a]);
      if (d != 0 && d != (flDscp & 0x1c)) continue;
      if (<i32>unchecked(aScope[a]) < flScope) continue;
      const type = unchecked(aType[a]);
      const err = fibPropsError(type);
      if (err < 0) return err;
      if (unchecked(aFiDead[a])) continue;
      if (unchecked(aNhReject[a])) return fibPropsError(RTN_BLACKHOLE);
      let nh = a;
      while (nh >= 0 && !goodNh(nh, flags)) nh = unchecked(aNhNext[nh]);
      if (nh >= 0) {
        resSet(a, nh, t, type, unchecked(pnPrefix[pn]), unchecked(pnLen[pn]));
        return 0;
      }
      // a route using a nexthop object with no usable path ends the search in its trie leaf (`goto miss`,
      // where its own nexthops only `continue`): the rest of the leaf goes unread, its shorter prefixes of
      // the same key included, and the backtrace resumes above them
      if (unchecked(aNhId[a]) != 0) { miss = true; break; }
    }
    const prefix = unchecked(pnPrefix[pn]);
    pn = pnParent(trie, prefix, unchecked(pnLen[pn]));
    if (miss) while (pn >= 0 && unchecked(pnPrefix[pn]) == prefix) pn = pnParent(trie, prefix, unchecked(pnLen[pn]));
  }
  return -EAGAIN;
}

// ---------------------------------------------------------------- walking
export function aliasCount(): i32 { return aTb.length; }
export function aliasLive(a: i32): bool { return aPn[a] >= 0; }

/** fib_flush(): drop every route whose fib_info is dead */
export function fibFlushDead(): void {
  for (let a = 0; a < aTb.length; a++) if (aPn[a] >= 0 && aFiDead[a]) aliasUnlink(a);
}

/** fib_unmerge(): the first rule change gives local its own trie */
export function fibUnmerge(): void {
  if (hasCustomRules) return;
  hasCustomRules = true;
  rt_cache_flush();
  const lt = fibGetTable(RT_TABLE_LOCAL);
  if (lt < 0 || tbTrie[lt] == lt) return;
  const main = tbTrie[lt];
  tbTrie[lt] = lt;
  // move local aliases out of main's trie, keeping their order
  const moved = new Array<i32>();
  for (let a = 0; a < aTb.length; a++) if (aPn[a] >= 0 && aTb[a] == RT_TABLE_LOCAL && pnTrie[aPn[a]] == main) moved.push(a);
  // group per prefix node, in list order
  const order = new Array<i32>();
  for (let i = 0; i < moved.length; i++) {
    const a = moved[i];
    if (order.includes(aPn[a])) continue;
    order.push(aPn[a]);
  }
  for (let i = 0; i < order.length; i++) {
    const pn = order[i];
    const prefix = pnPrefix[pn], len = pnLen[pn];
    const list = new Array<i32>();
    for (let a = pnHead[pn]; a >= 0; a = aNext[a]) if (aTb[a] == RT_TABLE_LOCAL) list.push(a);
    const npn = pnFind(lt, prefix, len) >= 0 ? pnFind(lt, prefix, len) : pnCreate(lt, prefix, len);
    for (let j = 0; j < list.length; j++) {
      const a = list[j];
      // unlink from main without freeing
      const p = prevAlias(pnHead[pn], a);
      if (p < 0) pnHead[pn] = aNext[a]; else aNext[p] = aNext[a];
      aPn[a] = npn;
      aNext[a] = -1;
      linkAlias(npn, a, -1);
    }
    if (pnHead[pn] < 0) pnDestroy(pn);
  }
}

// ---------------------------------------------------------------- dumps
/** the live aliases of table t in `ip route show` order: by prefix, longer first, then list order */
export function tableAliases(t: i32, out: Array<i32>): void {
  const trie = tbTrie[t], tb = tbId[t];
  const keys = new Array<u64>();
  for (let pn = 0; pn < pnTrie.length; pn++) {
    if (pnHead[pn] < 0 || pnTrie[pn] != trie) continue;
    keys.push((<u64>pnPrefix[pn] << 32) | (<u64>(32 - pnLen[pn]) << 26) | <u64>pn);
  }
  keys.sort();
  for (let i = 0; i < keys.length; i++) {
    const pn = <i32>(keys[i] & 0x3ffffff);
    for (let a = pnHead[pn]; a >= 0; a = aNext[a]) if (aTb[a] == tb) out.push(a);
  }
}

/** table indexes in dump order: hash bucket (id & 255), newest first within a bucket */
export function tablesInDumpOrder(): Array<i32> {
  const keys = new Array<u64>();
  for (let t = 0; t < tbId.length; t++) {
    keys.push((<u64>(tbId[t] & 255) << 40) | (<u64>(0xffffff - tbSeq[t]) << 16) | <u64>t);
  }
  keys.sort();
  const out = new Array<i32>();
  for (let i = 0; i < keys.length; i++) out.push(<i32>(keys[i] & 0xffff));
  return out;
}
