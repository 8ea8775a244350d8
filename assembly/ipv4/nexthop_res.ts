// Resilient nexthop groups (net/ipv4/nexthop.c: struct nh_res_table and the nh_res_* functions): a table of
// buckets, each holding one member of the group; a flow's multipath hash picks a bucket. When members or
// weights change, buckets move only from members that hold more than their share (overweight) to those that
// hold less (underweight), and only once a bucket has been idle for idle_timer, or, with an unbalanced_timer,
// once the table has been unbalanced that long. The upkeep (nh_res_table_upkeep_dw) runs on the box's virtual
// clock in jiffies (HZ 250), when the timer wheel fires the delayed work queued for a deadline: at least a
// jiffy after it, rounded up to the granularity of the wheel level the delay falls in (calc_wheel_index()).
// [model choice] the kernel rounds on its own jiffies, whose phase netpath cannot know: the rounding is done
// on the box's jiffies, so a work queued more than 63 jiffies ahead may run up to one granularity (8 jiffies
// below 2 s, 64 below 16 s, ...) earlier or later than on a given Linux machine.
// Tables are indexed by the group object's slot (nexthop.ts). Buckets are allocated when the group is made
// (up to 65535 per group, the u16 of NHA_RES_GROUP_BUCKETS; [model choice] at most NH_RES_BUCKETS_TOTAL in
// all, 24 bytes each, beyond which a new group gets ENOMEM as a failed vmalloc would give); replacing and
// selecting a path allocate nothing.
import { clockNow, CLOCK_NEVER } from "../hw/clock";
import { HZ, NS_PER_JIFFY } from "./sysctl_net_ipv4";
import { timerWheelExpiry } from "../lib/jiffies";

/** NH_RES_DEFAULT_IDLE_TIMER (120 s) in jiffies; NH_RES_DEFAULT_UNBALANCED_TIMER is 0 (never forced) */
export const NH_RES_DEFAULT_IDLE_TIMER: u32 = <u32>(120 * HZ);
/** NH_RES_UPKEEP_DW_MINIMUM_INTERVAL: HZ / 2 */
const UPKEEP_MIN_INTERVAL: i64 = HZ / 2;
const NEVER: i64 = i64.MAX_VALUE;
/** the buckets all tables may hold together */
export const NH_RES_BUCKETS_TOTAL: i32 = 1 << 20;
let bucketsTotal: i32 = 0;
/** whether a table of n more buckets fits */
export function nhResCanAlloc(n: i32): bool { return bucketsTotal + n <= NH_RES_BUCKETS_TOTAL; }

/** num_nh_buckets; 0: the slot is not a resilient group */
export const resNumBuckets = new Array<i32>();
/** idle_timer and unbalanced_timer in jiffies: u32 fields, as the kernel keeps them (a larger value wraps) */
const resIdleTimer = new Array<u32>();
const resUnbTimer = new Array<u32>();
/** unbalanced_since (jiffies), meaningful while an entry is underweight */
const resUnbSince = new Array<i64>();
/** the jiffy the upkeep's delayed work is queued for, NEVER when not queued */
const resUpkeepAt = new Array<i64>();
/** the group's entries (nh_grp_entry): member id, weight, res.wants_buckets, res.count_buckets */
const resEntId = new Array<StaticArray<u32>>();
const resEntWeight = new Array<StaticArray<i32>>();
const resEntWants = new Array<StaticArray<i32>>();
const resEntCount = new Array<StaticArray<i32>>();
/** per bucket: the entry it holds (-1: not occupied), the id of that entry's nexthop (kept when not occupied), used_time, migrated_time */
const resBktEnt = new Array<StaticArray<i32>>();
const resBktNhId = new Array<StaticArray<u32>>();
const resBktUsed = new Array<StaticArray<i64>>();
const resBktMigrated = new Array<StaticArray<i64>>();

// @ts-ignore: decorator
@inline function jiffiesNow(): i64 { return clockNow() / NS_PER_JIFFY; }

/** clock_t_to_jiffies() for USER_HZ 100, HZ 250, truncated into the table's u32 */
export function clockToJiffies(c: u32): u32 { return <u32>(<u64>c * <u64>HZ / 100); }
/** jiffies_to_clock_t() (and jiffies_delta_to_clock_t(), negative deltas as 0) */
export function jiffiesToClock(j: i64): u64 { return j <= 0 ? 0 : <u64>j * 100 / <u64>HZ; }

function ensureSlot(s: i32): void {
  while (resNumBuckets.length <= s) {
    resNumBuckets.push(0); resIdleTimer.push(0); resUnbTimer.push(0); resUnbSince.push(0); resUpkeepAt.push(NEVER);
    resEntId.push(new StaticArray<u32>(0)); resEntWeight.push(new StaticArray<i32>(0));
    resEntWants.push(new StaticArray<i32>(0)); resEntCount.push(new StaticArray<i32>(0));
    resBktEnt.push(new StaticArray<i32>(0)); resBktNhId.push(new StaticArray<u32>(0));
    resBktUsed.push(new StaticArray<i64>(0)); resBktMigrated.push(new StaticArray<i64>(0));
  }
}

export function nhResIs(s: i32): bool { return s >= 0 && s < resNumBuckets.length && unchecked(resNumBuckets[s]) != 0; }

/** nexthop_res_table_alloc(): an empty table of n buckets (none occupied) for group slot s */
export function nexthopResTableAlloc(s: i32, n: i32, idleTimer: u32, unbTimer: u32): void {
  ensureSlot(s);
  bucketsTotal += n;
  resNumBuckets[s] = n; resIdleTimer[s] = idleTimer; resUnbTimer[s] = unbTimer; resUnbSince[s] = 0; resUpkeepAt[s] = NEVER;
  resBktEnt[s] = new StaticArray<i32>(n); resBktNhId[s] = new StaticArray<u32>(n);
  resBktUsed[s] = new StaticArray<i64>(n); resBktMigrated[s] = new StaticArray<i64>(n);
  const e = resBktEnt[s];
  for (let i = 0; i < n; i++) unchecked(e[i] = -1);
}

/** the table goes with its group (nexthop_free_group; remove_nexthop_group cancels the upkeep) */
export function nexthopResTableFree(s: i32): void {
  if (!nhResIs(s)) return;
  bucketsTotal -= resNumBuckets[s];
  resNumBuckets[s] = 0; resUpkeepAt[s] = NEVER;
  resBktEnt[s] = new StaticArray<i32>(0); resBktNhId[s] = new StaticArray<u32>(0);
  resBktUsed[s] = new StaticArray<i64>(0); resBktMigrated[s] = new StaticArray<i64>(0);
  resEntId[s] = new StaticArray<u32>(0); resEntWeight[s] = new StaticArray<i32>(0);
  resEntWants[s] = new StaticArray<i32>(0); resEntCount[s] = new StaticArray<i32>(0);
}

/** a replace may set the timers of the table it keeps (replace_nexthop_grp) */
export function nhResSetTimers(s: i32, hasIdle: bool, idleTimer: u32, hasUnb: bool, unbTimer: u32): void {
  if (hasIdle) resIdleTimer[s] = idleTimer;
  if (hasUnb) resUnbTimer[s] = unbTimer;
}

/** the new entries (in the group's order) replace the table's (nh_res_table_migrate_buckets() follows) */
function setEntries(s: i32, ids: Array<u32>, weights: Array<i32>): void {
  const n = ids.length;
  const id = new StaticArray<u32>(n), w = new StaticArray<i32>(n);
  for (let i = 0; i < n; i++) { id[i] = ids[i]; w[i] = weights[i]; }
  resEntId[s] = id; resEntWeight[s] = w; resEntWants[s] = new StaticArray<i32>(n); resEntCount[s] = new StaticArray<i32>(n);
}

/** nh_res_bucket_unset_nh() */
function bucketUnset(s: i32, b: i32): void {
  const e = unchecked(resBktEnt[s])[b];
  if (e >= 0) { resEntCount[s][e]--; resBktEnt[s][b] = -1; }
}
/** nh_res_bucket_set_nh() */
function bucketSet(s: i32, b: i32, e: i32): void {
  bucketUnset(s, b);
  resBktEnt[s][b] = e; resBktNhId[s][b] = resEntId[s][e]; resEntCount[s][e]++;
}

/** list_first_entry(&uw_nh_entries): entries join the list at its head in the group's order, so the last underweight one */
function firstUnderweight(s: i32): i32 {
  const want = resEntWants[s], cnt = resEntCount[s];
  for (let i = want.length - 1; i >= 0; i--) if (cnt[i] < want[i]) return i;
  return -1;
}

/** DIV_ROUND_CLOSEST() of two ints, as C computes it (the product may wrap) */
function divRoundClosest(x: i32, d: i32): i32 {
  return (x > 0) == (d > 0) ? (x + d / 2) / d : (x - d / 2) / d;
}

/** nh_res_group_rebalance(): each entry's share of the buckets; unbalanced_since starts when an entry is underweight */
function nhResGroupRebalance(s: i32): void {
  const w = resEntWeight[s], want = resEntWants[s], cnt = resEntCount[s];
  const n = resNumBuckets[s];
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i];
  let acc = 0, prev = 0, anyUw = false;
  for (let i = 0; i < w.length; i++) {
    acc += w[i];
    const upper = divRoundClosest(n * acc, total);
    want[i] = (upper - prev) & 0xffff; // u16 wants_buckets
    prev = upper;
    if (cnt[i] < want[i]) {
      if (!anyUw) resUnbSince[s] = jiffiesNow();
      anyUw = true;
    }
  }
}

/** nh_res_bucket_idle_point(): a bucket not used since it migrated is idle now */
function idlePoint(s: i32, b: i32, now: i64): i64 {
  const used = resBktUsed[s][b];
  return used == resBktMigrated[s][b] ? now : used + <i64>resIdleTimer[s];
}

/**
 * nh_res_table_upkeep(): buckets not occupied migrate; a bucket of an overweight entry migrates once idle, or
 * once the unbalanced timer (when set) has expired; each migration goes to the first underweight entry and
 * the bucket is idle from then on (nh_res_bucket_migrate(), nh_res_bucket_set_idle()). While the table stays
 * unbalanced, the delayed work is queued for the earliest time a bucket could migrate, at least HZ/2 ahead.
 */
function nhResTableUpkeep(s: i32): void {
  const now = jiffiesNow();
  const unbTimer = <i64>resUnbTimer[s];
  let deadline = now + (unbTimer != 0 ? unbTimer : <i64>resIdleTimer[s]);
  const n = resNumBuckets[s];
  const ent = resBktEnt[s], want = resEntWants[s], cnt = resEntCount[s];
  for (let b = 0; b < n; b++) {
    // nh_res_bucket_should_migrate()
    const e = ent[b];
    if (e >= 0) {
      if (cnt[e] <= want[e]) continue; // held by an underweight or balanced entry
      const ip = idlePoint(s, b, now);
      if (now < ip) {
        let force = false;
        if (unbTimer != 0) {
          const unbPoint = resUnbSince[s] + unbTimer;
          if (now > unbPoint) force = true;
          else if (unbPoint < deadline) deadline = unbPoint;
        }
        if (!force) {
          if (ip < deadline) deadline = ip;
          continue;
        }
      }
    }
    // nh_res_bucket_migrate()
    const to = firstUnderweight(s);
    if (to < 0) continue; // cannot happen: an unoccupied or overweight bucket means an underweight entry
    bucketSet(s, b, to);
    resBktUsed[s][b] = now; resBktMigrated[s][b] = now;
  }
  if (firstUnderweight(s) >= 0) {
    const min = now + UPKEEP_MIN_INTERVAL;
    resUpkeepAt[s] = timerWheelExpiry(now, deadline < min ? min : deadline);
  } else {
    resUpkeepAt[s] = NEVER;
  }
}

/** insert_nexthop() for a new resilient group: its entries, their shares, and every bucket filled at once */
export function nhResTableInsert(s: i32, ids: Array<u32>, weights: Array<i32>): void {
  setEntries(s, ids, weights);
  nhResGroupRebalance(s);
  nhResTableUpkeep(s);
}

/**
 * replace_nexthop_grp_res() with nh_res_table_migrate_buckets(): the group now has these entries (a replace,
 * or a member removed); buckets keep the member they held when it is still in the group, the others are left
 * unoccupied and migrate at once; an unbalance that was already running keeps its start.
 */
export function replaceNexthopGrpRes(s: i32, ids: Array<u32>, weights: Array<i32>): void {
  const n = resNumBuckets[s];
  const prevUw = firstUnderweight(s) >= 0;
  const prevSince = resUnbSince[s];
  resUpkeepAt[s] = NEVER; // nh_res_table_cancel_upkeep()
  setEntries(s, ids, weights);
  const nh = resBktNhId[s], cnt = resEntCount[s], ent = resBktEnt[s];
  for (let b = 0; b < n; b++) {
    // by the id of the member it points at (every bucket is occupied between two upkeeps)
    const k = ids.indexOf(nh[b]);
    ent[b] = k;
    if (k >= 0) cnt[k]++;
  }
  nhResGroupRebalance(s);
  if (prevUw && firstUnderweight(s) >= 0) resUnbSince[s] = prevSince;
  nhResTableUpkeep(s);
}

/** nexthop_select_path_res(): the bucket hash % num_buckets, marked used now (nh_res_bucket_set_busy); its entry */
export function nexthopSelectPathRes(s: i32, hash: i32): i32 {
  const n = unchecked(resNumBuckets[s]);
  const b = <i32>(<u32>hash % <u32>n);
  unchecked(resBktUsed[s])[b] = jiffiesNow();
  return unchecked(resBktEnt[s])[b];
}

// ---- what the dumps read ----
export function nhResIdleTimer(s: i32): u32 { return resIdleTimer[s]; }
export function nhResUnbTimer(s: i32): u32 { return resUnbTimer[s]; }
/** nh_res_table_unbalanced_time() in jiffies: 0 when balanced */
export function nhResUnbalancedTime(s: i32): i64 { return firstUnderweight(s) >= 0 ? jiffiesNow() - resUnbSince[s] : 0; }
export function nhResBucketNhId(s: i32, b: i32): u32 { return resBktNhId[s][b]; }
/** nh_res_bucket_idle_time() in jiffies */
export function nhResBucketIdleTime(s: i32, b: i32): i64 { return jiffiesNow() - resBktUsed[s][b]; }

// ---- the upkeep's delayed work on the virtual clock ----
/** the time (ns) the earliest queued upkeep is due, CLOCK_NEVER if none */
export function nhResTimerNext(): i64 {
  let t = NEVER;
  for (let s = 0; s < resUpkeepAt.length; s++) if (unchecked(resUpkeepAt[s]) < t) t = unchecked(resUpkeepAt[s]);
  return t == NEVER ? CLOCK_NEVER : t * NS_PER_JIFFY;
}
/** nh_res_table_upkeep_dw() of every table whose work is due */
export function nhResTimerRun(): void {
  const now = jiffiesNow();
  for (let s = 0; s < resUpkeepAt.length; s++) {
    if (resUpkeepAt[s] <= now && resNumBuckets[s] != 0) {
      resUpkeepAt[s] = NEVER;
      nhResTableUpkeep(s);
    }
  }
}
