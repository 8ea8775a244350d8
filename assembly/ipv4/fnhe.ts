// net/ipv4/route.c's nexthop exceptions (struct fib_nh_exception): what an ICMP redirect or a
// "fragmentation needed" taught about one destination reached through one nexthop: another
// gateway (fnhe_gw, for ip_rt_gc_timeout) or a smaller path MTU (fnhe_pmtu, for ip_rt_mtu_expires).
// Routes to that destination through that nexthop take them (rt_bind_exception).
//
// [model choice] A fixed pool, searched in full while it holds any entry (none: no cost at all);
// when it is full the oldest entry makes room, as the kernel reclaims the oldest of a deep chain.
import { clockNow } from "../hw/clock";

const FNHE_MAX: i32 = 256;
/** ip_rt_gc_timeout (300 s) and ip_rt_mtu_expires (600 s), ip_rt_min_pmtu */
export const RT_GC_TIMEOUT_NS: i64 = 300_000_000_000, RT_MTU_EXPIRES_NS: i64 = 600_000_000_000;
export const IP_RT_MIN_PMTU: u32 = 552;
/** RTCF_REDIRECTED (include/uapi/linux/in_route.h): the route's gateway came from a redirect */
export const RTCF_REDIRECTED: u32 = 0x00040000;
/** rtPmtu's flag: fnhe_mtu_locked */
export const PMTU_LOCKED: u32 = 0x80000000;

/** the nexthop slot (fib_table.ts) the exception hangs on, -1 for a free entry */
const fNh = new StaticArray<i32>(FNHE_MAX);
const fDaddr = new StaticArray<u32>(FNHE_MAX);
const fGw = new StaticArray<u32>(FNHE_MAX);
const fPmtu = new StaticArray<u32>(FNHE_MAX);
const fLocked = new StaticArray<bool>(FNHE_MAX);
/** fnhe_expires on the virtual clock (ns), 0 = never */
const fExpires = new StaticArray<i64>(FNHE_MAX);
const fStamp = new StaticArray<i64>(FNHE_MAX);
const fGenid = new StaticArray<u32>(FNHE_MAX);
/** the route bound to it (fnhe_rth_input / fnhe_rth_output): its rt_flags + 1, 0 for none */
const fRtIn = new StaticArray<u32>(FNHE_MAX);
const fRtOut = new StaticArray<u32>(FNHE_MAX);
/** entries in use (the search is skipped while there are none) */
export let fnheCount: i32 = 0;
/** fnhe_genid: bumped by a flush of the routing cache (ipv4_sysctl_rtcache_flush) */
let fnheGenid: u32 = 0;
let ready = false;

function init(): void {
  if (ready) return;
  ready = true;
  for (let i = 0; i < FNHE_MAX; i++) fNh[i] = -1;
}

/** `ip route flush cache`: every exception is stale, cleared when a route binds it again */
export function fnheGenidBump(): void { fnheGenid++; }

/** find_exception(): nh's exception for daddr, -1 if none; an expired one is deleted (ip_del_fnhe) */
export function findException(nh: i32, daddr: u32): i32 {
  if (fnheCount == 0 || nh < 0) return -1;
  for (let i = 0; i < FNHE_MAX; i++) {
    if (unchecked(fNh[i]) != nh || unchecked(fDaddr[i]) != daddr) continue;
    const e = unchecked(fExpires[i]);
    if (e != 0 && clockNow() > e) { fnheFree(i); return -1; }
    return i;
  }
  return -1;
}

function fnheFree(i: i32): void { fNh[i] = -1; fnheCount--; }

/** the exceptions of a nexthop slot go with it (free_nh_exceptions, when its route goes or is replaced) */
export function fnheFlushNh(nh: i32): void {
  if (fnheCount == 0) return;
  for (let i = 0; i < FNHE_MAX; i++) if (unchecked(fNh[i]) == nh) fnheFree(i);
}

/** update_or_create_fnhe(); returns true when a new exception was made (cached routes go stale) */
export function updateOrCreateFnhe(nh: i32, daddr: u32, gw: u32, pmtu: u32, lock: bool, expires: i64): bool {
  init();
  let i = findException(nh, daddr);
  const now = clockNow();
  let created = false;
  if (i >= 0) {
    if (fGenid[i] != fnheGenid) fGenid[i] = fnheGenid;
    if (gw != 0) fGw[i] = gw;
    if (pmtu != 0) { fPmtu[i] = pmtu; fLocked[i] = lock; }
  } else {
    i = 0;
    while (i < FNHE_MAX && fNh[i] >= 0) i++;
    if (i == FNHE_MAX) {
      // fnhe_oldest(): reuse the entry touched longest ago
      i = 0;
      for (let j = 1; j < FNHE_MAX; j++) if (fStamp[j] < fStamp[i]) i = j;
      fnheCount--;
    }
    fnheCount++;
    fNh[i] = nh; fDaddr[i] = daddr; fGenid[i] = fnheGenid; fGw[i] = gw; fPmtu[i] = pmtu; fLocked[i] = lock;
    fRtIn[i] = 0; fRtOut[i] = 0;
    created = true;
  }
  fExpires[i] = expires > 1 ? expires : 1;
  fStamp[i] = now;
  return created;
}

/** what bindException() gave the route: the gateway (0: none), the path MTU (0: none, else | PMTU_LOCKED) */
export let bGw: u32 = 0, bPmtu: u32 = 0;
/**
 * rt_bind_exception(): what exception i gives the route being made (input or output, with its rt_flags).
 * A stale one (a flush since) is cleared first.
 */
export function bindException(i: i32, input: bool, rtFlags: u32): void {
  if (fGenid[i] != fnheGenid) {
    fGenid[i] = fnheGenid; fGw[i] = 0; fPmtu[i] = 0; fExpires[i] = 0; fLocked[i] = false;
    fRtIn[i] = 0; fRtOut[i] = 0;
  }
  bGw = fGw[i];
  // ipv4_mtu(): a learned MTU counts until it expires (time_after_eq)
  const e = fExpires[i];
  bPmtu = fPmtu[i] != 0 && (e == 0 || clockNow() < e) ? fPmtu[i] | (fLocked[i] ? PMTU_LOCKED : 0) : 0;
  const f = rtFlags | (bGw != 0 ? RTCF_REDIRECTED : 0);
  if (input) fRtIn[i] = f + 1; else fRtOut[i] = f + 1;
  fStamp[i] = clockNow();
}

/**
 * fnhe_dump_bucket(): the exceptions of nexthop nh `ip route show cache` lists (current generation, not
 * expired, a route bound), in order, into out as records: daddr, gw, rt_flags, pmtu (| PMTU_LOCKED), expires
 * in clock ticks (USER_HZ) left, 0 for none.
 */
export function fnheDump(nh: i32, out: Array<u32>): void {
  if (fnheCount == 0) return;
  const now = clockNow();
  for (let i = 0; i < FNHE_MAX; i++) {
    if (fNh[i] != nh || fGenid[i] != fnheGenid) continue;
    const e = fExpires[i];
    if (e != 0 && now > e) continue;
    if (fRtIn[i] == 0 && fRtOut[i] == 0) continue;
    out.push(fDaddr[i]); out.push(fGw[i]); out.push(fRtIn[i] != 0 ? fRtIn[i] - 1 : fRtOut[i] - 1); // the input route first
    // rt_fill_info(): the learned MTU shows while the route has an expiry
    out.push(e != 0 ? fnhePmtuShown(i) : 0);
    out.push(<u32>expiresTicks(e, now));
  }
}

/** rt_fill_info()'s RTA_CACHEINFO rta_expires: jiffies left as clock_t (USER_HZ 100), 0 when none or past */
export function expiresTicks(e: i64, now: i64): i64 { return e != 0 && now < e ? (e - now) / 10_000_000 : 0; }
/** the learned MTU of exception i (fnhe_pmtu, even past its expiry), 0 for none */
export function fnhePmtu(i: i32): u32 { return fPmtu[i]; }
/** fnhe_pmtu | PMTU_LOCKED as rt_fill_info shows it (RTAX_MTU, RTAX_LOCK's bit), 0 for none */
export function fnhePmtuShown(i: i32): u32 { return fPmtu[i] != 0 ? fPmtu[i] | (fLocked[i] ? PMTU_LOCKED : 0) : 0; }
/** the expiry of exception i (ns), 0 for none */
export function fnheExpires(i: i32): i64 { return fExpires[i]; }

/** nh_update_mtu(): the device of nexthop nh changed its MTU from orig to mtu */
export function fnheUpdateMtu(nh: i32, mtu: u32, orig: u32): void {
  if (fnheCount == 0) return;
  for (let i = 0; i < FNHE_MAX; i++) {
    if (fNh[i] != nh) continue;
    if (fLocked[i]) {
      if (mtu <= fPmtu[i]) { fPmtu[i] = mtu; fLocked[i] = false; }
    } else if (mtu < fPmtu[i] || orig == fPmtu[i]) fPmtu[i] = mtu;
  }
}
