// Route metrics (RTA_METRICS): net/ipv4/metrics.c ip_metrics_convert and
// fib_semantics.c fib_metrics_match, and the dst_metric reads of the output
// path (ip_dst_mtu_maybe_forward, ip4_dst_hoplimit, dst_metric_locked).
//
// A route's metrics are RTAX_MAX u32 words (metrics[type - 1], RTAX_LOCK's bits
// first). Equal sets are shared, as fib_find_info() shares a fib_info only when
// its metrics compare equal: a set is a small integer, 0 being the kernel's
// dst_default_metrics (all zero), so comparing two routes' metrics compares ids.
import { EINVAL, fail } from "../lib/errno";

export const RTAX_LOCK: i32 = 1, RTAX_MTU: i32 = 2, RTAX_ADVMSS: i32 = 8, RTAX_HOPLIMIT: i32 = 10, RTAX_FEATURES: i32 = 12,
  RTAX_CC_ALGO: i32 = 16, RTAX_MAX: i32 = 17;
/** RTAX_FEATURE_ECN | SACK | TIMESTAMP | ALLFRAG: the feature bits userspace may set */
const RTAX_FEATURE_MASK: u32 = 0xf;
/** IP_MAX_MTU, and the largest advmss the kernel keeps (65535 - 40) */
export const IP_MAX_MTU: u32 = 0xfff0;
/** netpath's congestion control keys (tcp_ca_get_key_by_name): the two always built in */
export const TCP_CA_RENO: u32 = 1, TCP_CA_CUBIC: u32 = 2;

// ---- the shared sets: words, reference counts, a hash chain per bucket
const mxWords = new Array<u32>();
const mxRefs = new Array<i32>();
const mxNext = new Array<i32>();
const mxHash = new Array<u32>();
const BUCKETS: i32 = 256;
const mxBucket = new StaticArray<i32>(BUCKETS);
let mxFree: i32 = -1;
let mxReady = false;

function init(): void {
  if (mxReady) return;
  mxReady = true;
  for (let i = 0; i < BUCKETS; i++) mxBucket[i] = -1;
  // set 0: dst_default_metrics, never freed
  for (let i = 0; i < RTAX_MAX; i++) mxWords.push(0);
  mxRefs.push(1); mxNext.push(-1); mxHash.push(0);
}

/** metrics[type - 1] of set m */
// @ts-ignore: decorator
@inline export function mxGet(m: i32, type: i32): u32 { return unchecked(mxWords[m * RTAX_MAX + type - 1]); }
/** dst_metric_locked() */
// @ts-ignore: decorator
@inline export function mxLocked(m: i32, type: i32): bool { return m != 0 && (mxGet(m, RTAX_LOCK) & (1 << type)) != 0; }

/** ip4_dst_hoplimit(): the route's hoplimit metric, else the default TTL */
export function mxHoplimit(m: i32, defaultTtl: i32): i32 {
  const h = m != 0 ? <i32>mxGet(m, RTAX_HOPLIMIT) : 0;
  return h != 0 ? h : defaultTtl;
}

/**
 * The MTU of a route with metrics m and learned path MTU pm (route.ts rtPmtu: 0, or the MTU | PMTU_LOCKED)
 * through a device of MTU devMtu: ipv4_mtu(), or ip_dst_mtu_maybe_forward(dst, true) for a forwarded
 * packet, which takes a learned MTU only when it is locked (ip_mtu_locked).
 */
export function dstMtu(m: i32, pm: u32, devMtu: u32, usesGateway: bool, forwarding: bool): u32 {
  const p = pm & 0x7fffffff;
  if (p != 0 && (!forwarding || (pm & 0x80000000) != 0 || mxLocked(m, RTAX_MTU))) return p;
  let mtu = m != 0 ? mxGet(m, RTAX_MTU) : 0;
  if (mtu != 0) return mtu;
  mtu = devMtu;
  if (usesGateway && ((pm & 0x80000000) != 0 || mxLocked(m, RTAX_MTU)) && mtu > 576) mtu = 576;
  return mtu < IP_MAX_MTU ? mtu : IP_MAX_MTU;
}

function hashOf(w: StaticArray<u32>): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < RTAX_MAX; i++) h = (h ^ unchecked(w[i])) * 0x01000193;
  return h;
}

/** the id of the set holding words w (all zero: 0), made if there is none yet (with no reference) */
function intern(w: StaticArray<u32>): i32 {
  init();
  let zero = true;
  for (let i = 0; i < RTAX_MAX; i++) if (unchecked(w[i]) != 0) zero = false;
  if (zero) return 0;
  const h = hashOf(w);
  const b = <i32>(h & <u32>(BUCKETS - 1));
  for (let m = mxBucket[b]; m >= 0; m = mxNext[m]) {
    if (mxHash[m] != h) continue;
    let same = true;
    for (let i = 0; i < RTAX_MAX; i++) if (mxWords[m * RTAX_MAX + i] != unchecked(w[i])) { same = false; break; }
    if (same) return m;
  }
  let m = mxFree;
  if (m >= 0) mxFree = mxNext[m];
  else {
    m = mxRefs.length;
    for (let i = 0; i < RTAX_MAX; i++) mxWords.push(0);
    mxRefs.push(0); mxNext.push(-1); mxHash.push(0);
  }
  for (let i = 0; i < RTAX_MAX; i++) mxWords[m * RTAX_MAX + i] = unchecked(w[i]);
  mxRefs[m] = 0; mxHash[m] = h;
  mxNext[m] = mxBucket[b];
  mxBucket[b] = m;
  return m;
}

/** a route (fib_info) starts using set m */
export function mxHold(m: i32): void { if (m != 0) mxRefs[m]++; }
/** a route stops using set m; a set nobody uses goes */
export function mxPut(m: i32): void {
  if (m == 0) return;
  mxRefs[m]--;
  mxRelease(m);
}
/** drops set m if no route holds it (a request's set that no route took) */
export function mxRelease(m: i32): void {
  if (m == 0 || mxRefs[m] > 0) return;
  const b = <i32>(mxHash[m] & <u32>(BUCKETS - 1));
  if (mxBucket[b] == m) mxBucket[b] = mxNext[m];
  else {
    let p = mxBucket[b];
    while (p >= 0 && mxNext[p] != m) p = mxNext[p];
    if (p >= 0) mxNext[p] = mxNext[m];
  }
  mxNext[m] = mxFree;
  mxFree = m;
}

// ---- the request's RTA_METRICS: its attributes in the order sent
const reqType = new Array<i32>();
const reqVal = new Array<u32>();
/** a new request without RTA_METRICS */
export function mxReqReset(): void { reqType.length = 0; reqVal.length = 0; }
/** one attribute of the nest (type RTAX_*, a u32; for RTAX_CC_ALGO the key, 0 for a name no algorithm has) */
export function mxReqAdd(type: i32, val: u32): void { reqType.push(type); reqVal.push(val); }
export function mxReqPresent(): bool { return reqType.length > 0; }

const scratch = new StaticArray<u32>(RTAX_MAX);

/** ip_fib_metrics_init() / ip_metrics_convert(): the set of the request's metrics, or -errno */
export function mxFromRequest(): i32 {
  if (reqType.length == 0) return 0;
  for (let i = 0; i < RTAX_MAX; i++) scratch[i] = 0;
  for (let i = 0; i < reqType.length; i++) {
    const type = reqType[i];
    let val = reqVal[i];
    if (type == 0) continue;
    if (type > RTAX_MAX || type < 0) return fail(EINVAL, "Invalid metric type");
    if (type == RTAX_CC_ALGO && val == 0) return fail(EINVAL, "Unknown tcp congestion algorithm");
    if (type == RTAX_ADVMSS && val > 65535 - 40) val = 65535 - 40;
    if (type == RTAX_MTU && val > 65535 - 15) val = 65535 - 15;
    if (type == RTAX_HOPLIMIT && val > 255) val = 255;
    if (type == RTAX_FEATURES && (val & ~RTAX_FEATURE_MASK) != 0) return fail(EINVAL, "Unknown flag set in feature mask in metrics attribute");
    scratch[type - 1] = val;
  }
  return intern(scratch);
}

/** fib_metrics_match(): every metric the delete request names has that value in set m (sent, not converted) */
export function mxMatch(m: i32): bool {
  for (let i = 0; i < reqType.length; i++) {
    const type = reqType[i];
    if (type == 0) continue;
    if (type > RTAX_MAX || type < 0) return false;
    if ((m != 0 ? mxGet(m, type) : 0) != reqVal[i]) return false;
  }
  return true;
}

/** the words of set m for a dump (RTAX_MAX of them, metrics[0] = the lock bits) */
export function mxWordsOf(m: i32, out: StaticArray<u32>): void {
  init();
  for (let i = 1; i <= RTAX_MAX; i++) out[i - 1] = m >= 0 && m < mxRefs.length ? mxGet(m, i) : 0;
}
