// The IPv4 neighbour table (net/core/neighbour.c with arp_tbl, net/ipv4/arp.c):
// static entries from `ip neigh`; arp_rcv/arp_process (replies for our
// addresses, table updates); neighbour resolution for output (neigh_output,
// __neigh_event_send, neigh_timer_handler, arp_solicit) with NUD states, a
// queue of waiting packets, retransmits on the box's virtual clock and, when
// resolution fails, ICMP host unreachable (arp_error_report → ipv4_link_failure)
// and drops with NEIGH_FAILED.
import { EEXIST, ENOENT, EINVAL, ENOBUFS, fail } from "../lib/errno";
import {
  skbLen, skbDev, skbPktType, skbDataPtr, skbAllocLocal, skbPut, skbNext, skbResetNetworkHeader, skbProtocol,
  SKB_POOL, PACKET_HOST, PACKET_OTHERHOST, PACKET_LOOPBACK, skbLargeScarce,
} from "../core/skbuff";
import {
  kfree_skb_reason, consume_skb, SKB_DROP_REASON_NEIGH_FAILED, SKB_DROP_REASON_NEIGH_QUEUEFULL,
  SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_NEIGH_DEAD, SKB_DROP_REASON_NEIGH_CREATEFAIL,
} from "../core/dropreason";
import { eth_header, dev_queue_xmit, __dev_queue_xmit, ETH_P_ARP, ETH_P_IP, NET_RX_SUCCESS, NET_RX_DROP } from "../core/netif";
import { devFlags, devMac, devByName, devType, IFF_NOARP, IFF_LOOPBACK, IFF_POINTOPOINT, ARPHRD_NONE } from "../core/netdevice";
import { trace, traceVerdict } from "../core/trace";
import { TE_ARP_RCV, TE_ARP_SEND, TE_NEIGH, TE_NEIGH_QUEUE, TE_NEIGH_FAILED, VERDICT_CONSUMED, VERDICT_DROP, TE_DROP } from "../core/trace_events";
import { clockNow, CLOCK_NEVER } from "../hw/clock";
import { load16be, load32be } from "../hw/checksum";
import { isMulticast, isLoopback } from "../lib/inet";
import {
  inDevExists, inDevSeq, confOr, confAnd, confMax, confGet, CONF_ROUTE_LOCALNET, CONF_ARP_IGNORE, CONF_ARP_FILTER, CONF_ARP_ANNOUNCE, CONF_ARP_ACCEPT,
  CONF_ARP_EVICT_NOCARRIER,
  CONF_PROXY_ARP, CONF_DROP_GRATUITOUS_ARP, CONF_FORWARDING, inetSelectAddr, inetDevOfLocal, inetConfirmAddr, inetAddrOnlink,
} from "./devinet";
import { ipRouteInput, ipRouteOutputKeyHashRcu, rtType, rtDev } from "./route";
import { RTN_LOCAL, RTN_UNICAST, RTN_BROADCAST, RTN_MULTICAST, RT_SCOPE_LINK, RT_SCOPE_HOST, RT_TABLE_LOCAL } from "./fib_table";
import { inetDevAddrType } from "./fib_frontend";
import { icmp_send } from "./icmp";
import { HZ, NS_PER_JIFFY } from "./sysctl_net_ipv4";
import { pneighLookup, pneighIfdown } from "./pneigh";

export const NUD_INCOMPLETE: u8 = 0x01, NUD_REACHABLE: u8 = 0x02, NUD_STALE: u8 = 0x04, NUD_DELAY: u8 = 0x08,
  NUD_PROBE: u8 = 0x10, NUD_FAILED: u8 = 0x20, NUD_NOARP: u8 = 0x40, NUD_PERMANENT: u8 = 0x80;
/** NUD_VALID: an address we can send to */
export const NUD_VALID: u8 = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
/** NUD_CONNECTED: sent to without a check; NUD_IN_TIMER: the states the entry's timer serves */
const NUD_CONNECTED: u8 = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;
const NUD_IN_TIMER: u8 = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;
export const NTF_ROUTER: u8 = 0x80;
/** NTF_EXT_LEARNED: an entry a control plane outside the kernel owns (`ip neigh ... extern_learn`) */
export const NTF_EXT_LEARNED: u8 = 0x10;

export const nDev = new Array<i32>();
export const nDst = new Array<u32>();
export const nLladdr = new Array<u64>();
export const nHasLladdr = new Array<bool>();
export const nState = new Array<u8>();
export const nFlags = new Array<u8>();
// resolution state: probes sent, timer deadline (ns), the arp_queue (skb list) and its size
export const nProbes = new Array<i32>();
export const nTimer = new Array<i64>();
// neigh->used (last sent through while not connected), neigh->confirmed (last proof of reachability),
// neigh->updated (last change of state or address): virtual ns
export const nUsed = new Array<i64>();
export const nConfirmed = new Array<i64>();
export const nUpdated = new Array<i64>();
const nQHead = new Array<i32>();
const nQTail = new Array<i32>();
const nQBytes = new Array<u32>();
const nQLen = new Array<i32>();

// Not in Linux: all arp_queues together hold at most NEIGH_SKB_MAX skbs. Linux bounds each queue by
// unres_qlen_bytes only, and its memory outlasts any flood; our skb pool is fixed, and a flood towards
// many next hops that never answer would otherwise park the whole pool in these queues and starve
// reception until they fail (~3 s). Past the cap the oldest queued skb of any neighbour goes, as the
// per-neighbour limit drops its oldest (NEIGH_QUEUEFULL). With few neighbours unres_qlen_bytes stays
// the binding limit, as in Linux (one neighbour queues at most 332 skbs of the smallest truesize).
// The pool's budget: see skbuff.ts.
export const NEIGH_SKB_MAX: i32 = SKB_POOL / 8;
// every queued skb in arrival order over all neighbours (doubly linked), with its neighbour's key
const aqNext = new StaticArray<i32>(SKB_POOL);
const aqPrev = new StaticArray<i32>(SKB_POOL);
const aqDev = new StaticArray<i32>(SKB_POOL);
const aqDst = new StaticArray<u32>(SKB_POOL);
let aqHead: i32 = -1, aqTail: i32 = -1;
let aqCount: i32 = 0;
/** skbs waiting in all arp_queues */
export function neighQueuedSkbs(): i32 { return aqCount; }

// ---- neigh_parms: per device, with the kernel's defaults (arp_tbl.parms) ----------------------
const P_RETRANS_MS = 0, P_UCAST = 1, P_MCAST = 2, P_APP = 3, P_MCAST_RESOLICIT = 4, P_QLEN_BYTES = 5,
  P_BASE_REACHABLE_MS = 6, P_DELAY_PROBE_MS = 7, P_GC_STALE_MS = 8, P_LOCKTIME_MS = 9, P_PROXY_DELAY_MS = 10,
  P_ANYCAST_DELAY_MS = 11, P_PROXY_QLEN = 12, P_COUNT = 13;
const PARM_NAMES: string[] = [
  "retrans_time_ms", "ucast_solicit", "mcast_solicit", "app_solicit", "mcast_resolicit", "unres_qlen_bytes",
  "base_reachable_time_ms", "delay_first_probe_time", "gc_stale_time", "locktime", "proxy_delay",
  "anycast_delay", "proxy_qlen",
];
const PARM_DEFAULT: StaticArray<i64> = [1000, 3, 3, 0, 0, 212992, 30000, 5000, 60000, 1000, 800, 1000, 64];
const devParm = new Array<i64>(); // devParm[ifindex * P_COUNT + k], -1 = the table's default
/** the in_device the values in devParm were set for (inDevSeq): a device's parms start from the defaults again with a new in_device */
const devParmSeq = new Array<i64>();
/** truesize of a queued skb, for unres_qlen_bytes (SKB_TRUESIZE of the data plus the struct overheads) */
// @ts-ignore: decorator
@inline function truesize(len: u32): u32 { return ((len + 63) & ~63) + 576; }

function parm(dev: i32, k: i32): i64 {
  const i = dev * P_COUNT + k;
  if (i < devParm.length && unchecked(devParmSeq[dev]) == unchecked(inDevSeq[dev])) {
    const v = unchecked(devParm[i]);
    if (v != PARM_UNSET) return v;
  }
  return PARM_DEFAULT[k];
}
/** devParm's mark for a value never set (a stored value can be negative: the kernel keeps ints) */
const PARM_UNSET: i64 = i64.MIN_VALUE;

/** NEIGH_VAR_SET() on a device's parms: they start from the table's defaults for a new in_device */
function parmSet(dev: i32, k: i32, v: i64): void {
  while (devParm.length < (dev + 1) * P_COUNT) devParm.push(PARM_UNSET);
  while (devParmSeq.length <= dev) devParmSeq.push(0);
  if (devParmSeq[dev] != inDevSeq[dev]) {
    for (let j = 0; j < P_COUNT; j++) devParm[dev * P_COUNT + j] = PARM_UNSET;
    devParmSeq[dev] = inDevSeq[dev];
  }
  devParm[dev * P_COUNT + k] = v;
}

export let neighSysctlValue: string = "";
// how a key's value is written and read: the parameters are kept in ms, always whole jiffies (HZ 250)
const U_INT = 0, U_MS = 1, U_USER_HZ = 2, U_SECS = 3, U_PACKETS = 4;
/** SKB_TRUESIZE(ETH_FRAME_LEN): unres_qlen counts in packets of this size */
const QLEN_PACKET: i64 = 1514 + 576;
const MS_PER_JIFFY: i64 = 1000 / HZ;
/** a written value in its unit -> jiffies (msecs_to_jiffies rounds up, clock_t_to_jiffies down) */
function toJiffies(v: i64, unit: i32): i64 {
  if (unit == U_MS) return (v * HZ + 999) / 1000;
  if (unit == U_USER_HZ) return v * HZ / 100;
  return v * HZ; // U_SECS
}
/** jiffies -> the value read in the unit (truncated) */
function fromJiffies(j: i64, unit: i32): i64 {
  if (unit == U_MS) return j * 1000 / HZ;
  if (unit == U_USER_HZ) return j * 100 / HZ;
  return j / HZ; // U_SECS
}
/**
 * net.ipv4.neigh.DEV.KEY (a box is a network namespace other than init_net: there is no neigh/default, the
 * table's own parameters get sysctl entries only in init_net): *_ms in ms, retrans_time and locktime in USER_HZ, base_reachable_time,
 * delay_first_probe_time and gc_stale_time in seconds, unres_qlen in packets (neigh_sysctl_template)
 */
export function neighSysctl(key: string, write: bool, value: string): i32 {
  const k = key.replaceAll("/", ".");
  const pre = "net.ipv4.neigh.";
  if (!k.startsWith(pre)) return -ENOENT;
  const rest = k.substring(pre.length);
  const dot = rest.indexOf(".");
  if (dot <= 0) return -ENOENT;
  const scope = rest.substring(0, dot);
  let name = rest.substring(dot + 1);
  let unit = U_INT;
  if (name == "retrans_time") { name = "retrans_time_ms"; unit = U_USER_HZ; }
  else if (name == "base_reachable_time") { name = "base_reachable_time_ms"; unit = U_SECS; }
  else if (name == "retrans_time_ms" || name == "base_reachable_time_ms") unit = U_MS;
  else if (name == "delay_first_probe_time" || name == "gc_stale_time") unit = U_SECS;
  else if (name == "locktime" || name == "proxy_delay" || name == "anycast_delay") unit = U_USER_HZ;
  let idx = PARM_NAMES.indexOf(name);
  if (name == "unres_qlen") { idx = P_QLEN_BYTES; unit = U_PACKETS; }
  if (idx < 0) return -ENOENT;
  const dev = devByName(scope);
  if (dev == 0 || !inDevExists(dev)) return -ENOENT;
  if (write) {
    const t = value.trim();
    if (t.length == 0) return -EINVAL;
    let v: i64 = 0;
    for (let i = 0; i < t.length; i++) { const c = t.charCodeAt(i); if (c < 48 || c > 57) return -EINVAL; v = v * 10 + (c - 48); if (v > 0x7fffffff) return -EINVAL; }
    const stored = unit == U_INT ? v : unit == U_PACKETS ? v * QLEN_PACKET : toJiffies(v, unit) * MS_PER_JIFFY;
    parmSet(dev, idx, stored);
  }
  const cur = parm(dev, idx);
  const out = unit == U_INT ? cur : unit == U_PACKETS ? cur / QLEN_PACKET : fromJiffies(cur / MS_PER_JIFFY, unit);
  neighSysctlValue = out.toString();
  return 0;
}

// ---- the table ---------------------------------------------------------------------------
// Entries live in the arrays above in creation order (the dump order); a hash
// index over (dev, dst), like the kernel's neigh_hash_table, finds them:
// open addressing, slots hold entry + 1, rebuilt when entries move.
let hashSlots = new StaticArray<i32>(64);

// @ts-ignore: decorator
@inline function neighHash(dev: i32, dst: u32): u32 {
  let h = dst * 0x9e3779b1 ^ <u32>dev * 0x85ebca6b;
  return h ^ (h >>> 15);
}

function hashInsert(i: i32): void {
  const mask = <u32>hashSlots.length - 1;
  let s = neighHash(unchecked(nDev[i]), unchecked(nDst[i])) & mask;
  while (unchecked(hashSlots[<i32>s]) != 0) s = (s + 1) & mask;
  unchecked(hashSlots[<i32>s] = i + 1);
}

/** the index after entries were added past half the slots or moved (removeAt) */
function hashRebuild(): void {
  let cap = hashSlots.length;
  while (nDev.length * 2 > cap) cap <<= 1;
  if (cap != hashSlots.length) hashSlots = new StaticArray<i32>(cap);
  else memory.fill(changetype<usize>(hashSlots), 0, <usize>cap << 2);
  for (let i = 0; i < nDev.length; i++) hashInsert(i);
}

/** the NUD state of the neighbour entry of (dev, dst), -1 when there is none (__ipv4_neigh_lookup_noref: a
 * loopback or point-to-point device has one entry, keyed 0.0.0.0, whatever the address) */
export function neighState(dev: i32, dst: u32): i32 {
  const i = find(dev, (unchecked(devFlags[dev]) & (IFF_LOOPBACK | IFF_POINTOPOINT)) != 0 ? 0 : dst);
  return i >= 0 ? <i32>nState[i] : -1;
}

function find(dev: i32, dst: u32): i32 {
  const mask = <u32>hashSlots.length - 1;
  let s = neighHash(dev, dst) & mask;
  let v = unchecked(hashSlots[<i32>s]) - 1;
  while (v >= 0 && (unchecked(nDst[v]) != dst || unchecked(nDev[v]) != dev)) {
    s = (s + 1) & mask;
    v = unchecked(hashSlots[<i32>s]) - 1;
  }
  return v;
}

// ---- garbage collection: neigh_alloc(), neigh_forced_gc(), neigh_periodic_work() -------
// arp_tbl's gc_thresh1/2/3 are the table's own and can be changed only from init_net; a box
// is another namespace, so they keep the kernel's defaults. Entries made permanent by `ip
// neigh` (and those on a loopback device) are exempt: they are not on the gc list.
const GC_THRESH1: i32 = 128, GC_THRESH2: i32 = 512, GC_THRESH3: i32 = 1024;
/** neigh_periodic_work's period: the table's base_reachable_time (30 s) / 2 */
const GC_PERIOD_NS: i64 = 15_000_000_000;
/** per entry, its place on the gc list (list_add_tail order), -1 while exempt */
const nGcSeq = new Array<i64>();
let gcSeqNext: i64 = 0;
/** tbl->gc_entries: entries on the gc list */
let gcEntries: i32 = 0;
/** tbl->last_flush in jiffies: long ago, as on a kernel that booted before the namespace was made */
let gcLastFlush: i64 = i64.MIN_VALUE >> 1;
/** the last multiple of GC_PERIOD_NS the periodic work ran at */
let gcPeriodicAt: i64 = 0;
/** tbl->stats (struct neigh_statistics) as far as the model has the events: table_fulls, forced_gc_runs */
export let neighTableFulls: u64 = 0, neighForcedGcRuns: u64 = 0;
/** allocs (neigh_alloc), destroys (neigh_destroy), hash_grows (neigh_hash_grow), res_failed (neigh_invalidate),
 * lookups and hits (neigh_lookup: `ip neigh` requests and arp_process, not the output path, which looks up
 * without counting) */
export let neighAllocs: u64 = 0, neighDestroys: u64 = 0, neighHashGrows: u64 = 0, neighResFailed: u64 = 0,
  neighLookups: u64 = 0, neighHits: u64 = 0;
/** nht->hash_shift: the kernel's table starts with 8 buckets and doubles when it holds more entries than buckets */
export let neighHashShift: i32 = 3;
/**
 * periodic_gc_runs: neigh_periodic_work runs every base_reachable_time / 2 whatever the table holds; the model
 * runs it (and counts it) at the multiples of its period on the box's clock, which are known without running it.
 */
export function neighPeriodicGcRuns(): u64 { return <u64>(clockNow() / GC_PERIOD_NS); }

/** neigh_lookup(): counted in lookups, and in hits when found */
function neighLookup(dev: i32, dst: u32): i32 {
  neighLookups++;
  const i = find(dev, dst);
  if (i >= 0) neighHits++;
  return i;
}

// @ts-ignore: decorator
@inline function jiffies(ns: i64): i64 { return ns / NS_PER_JIFFY; }

/** neigh_alloc() for an entry that goes on the gc list: false when the table is full */
function gcAdmit(): bool {
  const entries = gcEntries++;
  if (entries >= GC_THRESH3 || (entries >= GC_THRESH2 && jiffies(clockNow()) > gcLastFlush + 5 * HZ)) {
    if (forcedGc() == 0 && entries >= GC_THRESH3) {
      neighTableFulls++;
      gcEntries--;
      return false;
    }
  }
  return true;
}

/**
 * neigh_forced_gc(): walks the gc list from its oldest entry and removes, until the table is
 * back to gc_thresh2, entries nothing holds (no timer running) that are FAILED, NOARP,
 * multicast or not updated for 5 s. [model choice] The kernel also stops after 1 ms of real time.
 */
function forcedGc(): i32 {
  neighForcedGcRuns++;
  const maxClean = gcEntries - GC_THRESH2;
  const now = jiffies(clockNow());
  let shrunk = 0;
  const order = gcListOrder();
  for (let k = 0; k < order.length; k++) {
    const i = unchecked(order[k]);
    if (nTimer[i] != CLOCK_NEVER) continue; // the timer holds a reference
    const st = nState[i];
    const u = jiffies(nUpdated[i]);
    if (st == NUD_FAILED || st == NUD_NOARP || isMulticast(nDst[i]) || u < now - 5 * HZ || u > now) {
      doomed.push(i);
      shrunk++;
    }
    if (shrunk >= maxClean) break;
  }
  gcLastFlush = now;
  doomed.sort((a: i32, b: i32): i32 => a - b);
  removeDoomed();
  return shrunk;
}

const gcOrder = new Array<i32>();
/** the entries on the gc list, oldest first */
function gcListOrder(): Array<i32> {
  gcOrder.length = 0;
  let sorted = true;
  let last: i64 = -1;
  for (let i = 0; i < nGcSeq.length; i++) {
    const q = nGcSeq[i];
    if (q < 0) continue;
    if (q < last) sorted = false;
    last = q;
    gcOrder.push(i);
  }
  if (!sorted) gcOrder.sort((a: i32, b: i32): i32 => (nGcSeq[a] < nGcSeq[b] ? -1 : nGcSeq[a] > nGcSeq[b] ? 1 : 0));
  return gcOrder;
}

/** neigh_update_gc_list(): a permanent or externally learned entry leaves the gc list, any other joins its tail */
function gcListSync(i: i32): void {
  const exempt = (nState[i] & NUD_PERMANENT) != 0 || (nFlags[i] & NTF_EXT_LEARNED) != 0;
  const on = nGcSeq[i] >= 0;
  if (exempt && on) { nGcSeq[i] = -1; gcEntries--; }
  else if (!exempt && !on) { nGcSeq[i] = gcSeqNext++; gcEntries++; }
}

/** When neigh_periodic_work runs next (a multiple of its period), CLOCK_NEVER while it would find nothing to do. */
function gcPeriodicNext(now: i64): i64 {
  if (nDev.length < GC_THRESH1) return CLOCK_NEVER;
  const m = now / GC_PERIOD_NS * GC_PERIOD_NS;
  return m == now && gcPeriodicAt < now ? now : m + GC_PERIOD_NS;
}

/**
 * neigh_periodic_work(): while the table holds gc_thresh1 entries or more, entries outside the
 * timer states that nothing holds go when FAILED or unused for gc_stale_time. [model choice] It
 * runs at multiples of its period on the box's clock; the kernel's runs are anchored at boot.
 */
function gcPeriodic(now: i64): void {
  gcPeriodicAt = now;
  if (nDev.length < GC_THRESH1) return;
  for (let i = 0; i < nDev.length; i++) {
    const st = nState[i];
    // permanent entries, those in a timer state and externally learned ones are left alone
    if ((st & (NUD_PERMANENT | NUD_IN_TIMER)) != 0 || (nFlags[i] & NTF_EXT_LEARNED) != 0) continue;
    if (nUsed[i] < nConfirmed[i] && nConfirmed[i] <= now) nUsed[i] = nConfirmed[i];
    const used = jiffies(nUsed[i]), j = jiffies(now);
    const stale = parm(nDev[i], P_GC_STALE_MS) / (1000 / HZ);
    if (nTimer[i] == CLOCK_NEVER && (st == NUD_FAILED || j < used || j >= used + stale)) doomed.push(i);
  }
  removeDoomed();
}

/**
 * ___neigh_create(): a new entry in state NONE, or -1 when neigh_alloc() finds the table full
 * (an entry on the gc list only: `exempt` ones, permanent or on a loopback device, never count).
 */
function create(dev: i32, dst: u32, exempt: bool): i32 {
  if (!exempt && !gcAdmit()) return -1;
  neighAllocs++;
  // ___neigh_create: the hash table doubles when the entries (this one counted) outnumber its buckets
  if (nDev.length + 1 > (1 << neighHashShift)) { neighHashShift++; neighHashGrows++; }
  const i = nDev.length;
  nDev.push(dev); nDst.push(dst); nLladdr.push(0); nHasLladdr.push(false); nState.push(0); nFlags.push(0);
  nProbes.push(0); nTimer.push(CLOCK_NEVER); nQHead.push(-1); nQTail.push(-1); nQBytes.push(0); nQLen.push(0);
  nGcSeq.push(exempt ? -1 : gcSeqNext++);
  // ___neigh_create: used and updated now, confirmed long ago (twice base_reachable_time)
  const now = clockNow();
  nUsed.push(now); nUpdated.push(now); nConfirmed.push(now - (baseReachableNs(dev) << 1));
  if (nDev.length * 2 > hashSlots.length) hashRebuild();
  else hashInsert(i);
  return i;
}

/**
 * arp_constructor() for an entry made by `ip neigh`: a device without header_ops, a multicast
 * or broadcast destination (inet_addr_type_dev_table: while table local does not exist, every
 * address counts as broadcast), a NOARP/loopback or point-to-point device make it NOARP with
 * its link-layer address already known.
 */
function arpConstructor(i: i32): void {
  const dev = nDev[i], dst = nDst[i];
  let mac: u64 = 0;
  if (devType[dev] != ARPHRD_NONE) {
    const type = inetDevAddrType(dev, dst, RT_TABLE_LOCAL);
    if (type == RTN_MULTICAST) mac = mcMac(dst);
    else if ((devFlags[dev] & (IFF_NOARP | IFF_LOOPBACK)) != 0) mac = devMac[dev];
    else if (type == RTN_BROADCAST || (devFlags[dev] & IFF_POINTOPOINT) != 0) mac = 0xffffffffffff;
    else return;
    nLladdr[i] = mac; nHasLladdr[i] = true;
  }
  nState[i] = NUD_NOARP;
}

/**
 * neigh_add() and __neigh_update() as `ip neigh` drives them (NEIGH_UPDATE_F_ADMIN, and OVERRIDE
 * for a new entry or NLM_F_REPLACE): replace = NLM_F_REPLACE, create = NLM_F_CREATE (add is
 * create|excl, change replace alone). An entry made here stays, in state NONE, when the update fails.
 */
export function neighAdd(dev: i32, dst: u32, lladdr: u64, hasLladdr: bool, state: u8, flags: u8, create_: bool, replace: bool): i32 {
  let i = neighLookup(dev, dst);
  if (i >= 0) {
    if (!replace) return -EEXIST;
  } else {
    if (!create_) return -ENOENT;
    // neigh_add: a permanent or externally learned entry is exempt from gc from the start
    const exempt = (state & NUD_PERMANENT) != 0 || (flags & NTF_EXT_LEARNED) != 0 || (devFlags[dev] & IFF_LOOPBACK) != 0;
    // ___neigh_create(): arp_constructor() keys an entry of a loopback or point-to-point device by
    // 0.0.0.0, and when the device has that entry already the new one is released and the request
    // updates the one in the table (no EEXIST: neigh_add took the create path). [model choice] The
    // released entry's trip through neigh_alloc (a forced gc, a full table) is not modelled.
    const key = (devFlags[dev] & (IFF_LOOPBACK | IFF_POINTOPOINT)) != 0 ? 0 : dst;
    const j = key != dst ? find(dev, key) : -1;
    if (j >= 0) {
      neighAllocs++; neighDestroys++;
      i = j;
    } else {
      i = create(dev, key, exempt);
      if (i < 0) return -ENOBUFS;
      nFlags[i] = flags & NTF_EXT_LEARNED;
      arpConstructor(i);
    }
  }
  const old = nState[i];
  // neigh_update_flags(): an admin update sets NTF_EXT_LEARNED or clears it, before anything can fail
  const oldFlags = nFlags[i];
  nFlags[i] = (oldFlags & ~NTF_EXT_LEARNED) | (flags & NTF_EXT_LEARNED);
  const err = neighAdminUpdate(i, old, lladdr, hasLladdr, state, flags);
  // __neigh_update: a change to or from PERMANENT, or of NTF_EXT_LEARNED, moves the entry off or onto the gc list
  if (((nState[i] ^ old) & NUD_PERMANENT) != 0 || ((nFlags[i] ^ oldFlags) & NTF_EXT_LEARNED) != 0) gcListSync(i);
  return err;
}

/** __neigh_update() with NEIGH_UPDATE_F_ADMIN for entry i (state `old`): 0 or -errno */
function neighAdminUpdate(i: i32, old: u8, lladdr: u64, hasLladdr: bool, state: u8, flags: u8): i32 {
  const dev = nDev[i];
  if ((state & NUD_VALID) == 0) {
    nTimer[i] = CLOCK_NEVER;
    nState[i] = state;
    // a resolution given up by hand counts as failed (neigh_invalidate: res_failed; its queue is reported unreachable)
    if ((old & (NUD_INCOMPLETE | NUD_PROBE)) != 0 && (state & NUD_FAILED) != 0) {
      nUpdated[i] = clockNow();
      neighResFailed++;
      neighInvalidate(i);
    }
    return 0;
  }
  // a device without a link-layer address (tun) ignores the one given
  if (devType[dev] == ARPHRD_NONE) hasLladdr = false;
  else if (!hasLladdr) {
    if ((old & NUD_VALID) == 0) return fail(EINVAL, "No link layer address given");
    lladdr = nLladdr[i]; hasLladdr = nHasLladdr[i];
  }
  const macChanged = hasLladdr && (!nHasLladdr[i] || nLladdr[i] != lladdr);
  stamp(i, state, macChanged);
  nLladdr[i] = lladdr; nHasLladdr[i] = hasLladdr; nState[i] = state;
  nFlags[i] = (nFlags[i] & ~NTF_ROUTER) | (flags & NTF_ROUTER);
  if ((old & NUD_VALID) == 0 && hasLladdr) flushQueue(i);
  return 0;
}

/** neigh_delete(): __neigh_update() to FAILED (a resolution in progress counts as failed), then out of the table */
export function neighDel(dev: i32, dst: u32): i32 {
  const i = neighLookup(dev, dst);
  if (i < 0) return -ENOENT;
  if ((nState[i] & (NUD_INCOMPLETE | NUD_PROBE)) != 0) { nState[i] = NUD_FAILED; nTimer[i] = CLOCK_NEVER; neighResFailed++; neighInvalidate(i); }
  removeAt(i);
  return 0;
}

function removeAt(i: i32): void {
  doomed.push(i);
  removeDoomed();
}

/** entries to remove, in ascending order (removeDoomed) */
const doomed = new Array<i32>();
/**
 * Takes the entries listed in `doomed` out of the table at once: their waiting packets are
 * dropped (NEIGH_DEAD), the others keep their order and the hash index is rebuilt once.
 */
function removeDoomed(): void {
  const n = doomed.length;
  if (n == 0) return;
  let k = 0, w = 0;
  for (let r = 0; r < nDev.length; r++) {
    if (k < n && unchecked(doomed[k]) == r) {
      k++;
      neighDestroys++;
      purgeQueue(r, SKB_DROP_REASON_NEIGH_DEAD);
      if (nGcSeq[r] >= 0) gcEntries--;
      continue;
    }
    if (w != r) {
      nDev[w] = nDev[r]; nDst[w] = nDst[r]; nLladdr[w] = nLladdr[r]; nHasLladdr[w] = nHasLladdr[r]; nState[w] = nState[r];
      nFlags[w] = nFlags[r]; nProbes[w] = nProbes[r]; nTimer[w] = nTimer[r]; nQHead[w] = nQHead[r]; nQTail[w] = nQTail[r];
      nQBytes[w] = nQBytes[r]; nQLen[w] = nQLen[r]; nUsed[w] = nUsed[r]; nConfirmed[w] = nConfirmed[r]; nUpdated[w] = nUpdated[r];
      nGcSeq[w] = nGcSeq[r];
    }
    w++;
  }
  nDev.length = w; nDst.length = w; nLladdr.length = w; nHasLladdr.length = w; nState.length = w; nFlags.length = w;
  nProbes.length = w; nTimer.length = w; nQHead.length = w; nQTail.length = w; nQBytes.length = w; nQLen.length = w;
  nUsed.length = w; nConfirmed.length = w; nUpdated.length = w; nGcSeq.length = w;
  doomed.length = 0;
  hashRebuild();
}

/** neigh_ifdown(): a device going down or away loses its entries, its proxy entries too (pneigh_ifdown) */
export function neighIfdown(dev: i32): void {
  for (let i = 0; i < nDev.length; i++) if (nDev[i] == dev) doomed.push(i);
  removeDoomed();
  pneighIfdown(dev, false);
}

/**
 * arp_netdev_event, NETDEV_CHANGE without carrier: with arp_evict_nocarrier (conf/all and the device's,
 * or no IPv4 state at all) neigh_carrier_down() takes the device's non-permanent entries and proxy
 * entries away (neigh_flush_dev with skip_perm): the next packet resolves its neighbour again.
 */
export function neighCarrierDown(dev: i32): void {
  if (inDevExists(dev) && !confAnd(dev, CONF_ARP_EVICT_NOCARRIER)) return;
  for (let i = 0; i < nDev.length; i++) if (nDev[i] == dev && (nState[i] & NUD_PERMANENT) == 0) doomed.push(i);
  removeDoomed();
  pneighIfdown(dev, true);
}

/** neigh_get(): the entry (neigh_lookup, counted), or ENOENT with the kernel's message */
export function neighGet(dev: i32, dst: u32): i32 {
  const i = neighLookup(dev, dst);
  if (i < 0) return fail(ENOENT, "Neighbour entry not found");
  return i;
}

/**
 * neigh_changeaddr() (arp_netdev_event, NETDEV_CHANGEADDR): the device's entries go, permanent ones too
 * (neigh_flush_dev); its proxy entries stay
 */
export function neigh_changeaddr(dev: i32): void {
  for (let i = 0; i < nDev.length; i++) if (nDev[i] == dev) doomed.push(i);
  removeDoomed();
}

export function neighCount(): i32 { return nDev.length; }

/** __skb_queue_tail() onto neighbour i's arp_queue (and the global order) */
function queueTail(i: i32, skb: i32): void {
  skbNext[skb] = -1;
  if (nQTail[i] >= 0) skbNext[nQTail[i]] = skb; else nQHead[i] = skb;
  nQTail[i] = skb;
  nQBytes[i] += truesize(skbLen[skb]);
  nQLen[i]++;
  unchecked(aqDev[skb] = nDev[i]); unchecked(aqDst[skb] = nDst[i]);
  unchecked(aqNext[skb] = -1); unchecked(aqPrev[skb] = aqTail);
  if (aqTail >= 0) unchecked(aqNext[aqTail] = skb); else aqHead = skb;
  aqTail = skb;
  aqCount++;
}

/** __skb_dequeue() from neighbour i's arp_queue: its oldest skb (-1 when empty) */
function queueHead(i: i32): i32 {
  const skb = nQHead[i];
  if (skb < 0) return -1;
  nQHead[i] = skbNext[skb];
  if (nQHead[i] < 0) nQTail[i] = -1;
  skbNext[skb] = -1;
  nQBytes[i] -= truesize(skbLen[skb]);
  nQLen[i]--;
  const p = unchecked(aqPrev[skb]), n = unchecked(aqNext[skb]);
  if (p >= 0) unchecked(aqNext[p] = n); else aqHead = n;
  if (n >= 0) unchecked(aqPrev[n] = p); else aqTail = p;
  aqCount--;
  return skb;
}

function purgeQueue(i: i32, reason: u16): void {
  for (let s = queueHead(i); s >= 0; s = queueHead(i)) kfree_skb_reason(s, reason);
}

/** neigh_update() to a valid state: the packets waiting in arp_queue go out */
function flushQueue(i: i32): void {
  const dev = nDev[i], mac = nLladdr[i];
  for (let s = queueHead(i); s >= 0; s = queueHead(i)) {
    if (eth_header(s, dev, ETH_P_IP, mac) == 0) dev_queue_xmit(s); else kfree_skb_reason(s, SKB_DROP_REASON_NOT_SPECIFIED);
  }
}

// ---- output ------------------------------------------------------------------------------
/** ip_eth_mc_map() */
function mcMac(a: u32): u64 { return 0x01005e000000 | <u64>(a & 0x7fffff); }

/**
 * neigh_output() for skb (data at the IP header) to next hop nh on dev:
 * the cached address when the entry is valid, else resolution with the skb
 * queued. Takes the skb; returns 0 or a negative value on a drop.
 */
// @ts-ignore: decorator
@inline export function neigh_output(skb: i32, dev: i32, nh: u32, bcast: bool, mcast: bool): i32 {
  // arp_constructor: a device without header_ops (tun) gets neigh_direct_output, no link-layer header
  if (devType[dev] == ARPHRD_NONE) { dev_queue_xmit(skb); return 0; }
  // arp_constructor: devices without ARP and broadcast/multicast next hops need no resolution
  let mac: u64 = 0;
  let resolved = true;
  if ((devFlags[dev] & (IFF_NOARP | IFF_LOOPBACK)) != 0) mac = devMac[dev];
  else if (bcast) mac = 0xffffffffffff;
  else if (mcast) mac = mcMac(nh);
  else resolved = false;
  if (!resolved) {
    let i = find(dev, nh);
    if (i >= 0 && (unchecked(nState[i]) & NUD_VALID) != 0 && unchecked(nHasLladdr[i])) {
      mac = unchecked(nLladdr[i]);
      // neigh_resolve_output for an entry not connected: __neigh_event_send starts the delay of a stale one
      const st = unchecked(nState[i]);
      if ((st & NUD_CONNECTED) == 0) neighUse(i, st);
      trace(TE_NEIGH, nState[i], nh);
    } else {
      if (i < 0) i = create(dev, nh, false);
      if (i < 0) {
        // ip_finish_output2: __neigh_create() failed (neighbour table overflow)
        trace(TE_DROP, SKB_DROP_REASON_NEIGH_CREATEFAIL, 0);
        traceVerdict(skb, VERDICT_DROP, SKB_DROP_REASON_NEIGH_CREATEFAIL);
        kfree_skb_reason(skb, SKB_DROP_REASON_NEIGH_CREATEFAIL);
        return -ENOBUFS;
      }
      return neighEventSend(i, skb);
    }
  }
  if (eth_header(skb, dev, ETH_P_IP, mac) != 0) { kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED); return -105; }
  __dev_queue_xmit(skb, true);
  return 0;
}

/** An skb pushed out of an arp_queue to make room: in the trace, and the input's verdict if it is the input. */
function queueFull(skb: i32): void {
  trace(TE_DROP, SKB_DROP_REASON_NEIGH_QUEUEFULL, 0);
  traceVerdict(skb, VERDICT_DROP, SKB_DROP_REASON_NEIGH_QUEUEFULL);
  kfree_skb_reason(skb, SKB_DROP_REASON_NEIGH_QUEUEFULL);
}

/**
 * __ip_do_redirect()'s neighbour of the new gateway: true when it is valid; else made if missing and its
 * resolution started (neigh_event_send(n, NULL): nothing queued).
 */
export function neighRedirectTarget(dev: i32, dst: u32): bool {
  let i = find(dev, dst);
  if (i >= 0 && (unchecked(nState[i]) & NUD_VALID) != 0) return true;
  if (i < 0) i = create(dev, dst, false);
  if (i >= 0) neighEventSend(i, -1);
  return false;
}

/** __neigh_event_send(): start (or continue) resolution and queue the skb (-1: none) */
function neighEventSend(i: i32, skb: i32): i32 {
  const dev = nDev[i];
  const st = nState[i];
  const now = clockNow();
  nUsed[i] = now;
  let probeNow = false;
  if ((st & NUD_INCOMPLETE) == 0) {
    if (parm(dev, P_MCAST) + parm(dev, P_APP) == 0) {
      nState[i] = NUD_FAILED;
      trace(TE_NEIGH_FAILED, nDst[i], 0);
      if (skb < 0) return -113;
      traceVerdict(skb, VERDICT_DROP, SKB_DROP_REASON_NEIGH_FAILED);
      kfree_skb_reason(skb, SKB_DROP_REASON_NEIGH_FAILED);
      return -113;
    }
    nProbes[i] = <i32>parm(dev, P_UCAST);
    nState[i] = NUD_INCOMPLETE;
    nUpdated[i] = now;
    nHasLladdr[i] = false;
    nTimer[i] = now + retransNs(dev);
    probeNow = true;
  }
  trace(TE_NEIGH, NUD_INCOMPLETE, nDst[i]);
  if (skb < 0) {
    // nothing to queue
  } else if (skbLargeScarce(skb)) {
    // the large buffers' reserve: this one cannot wait (pushing older ones out might free only small buffers)
    queueFull(skb);
  } else {
    // the queue is limited by unres_qlen_bytes: the oldest go first
    const ts = truesize(skbLen[skb]);
    const limit = <u32>parm(dev, P_QLEN_BYTES);
    while (nQHead[i] >= 0 && nQBytes[i] + ts > limit) queueFull(queueHead(i));
    // the pool's share (NEIGH_SKB_MAX): the oldest over all queues; it heads its neighbour's queue
    while (aqCount >= NEIGH_SKB_MAX) queueFull(queueHead(find(unchecked(aqDev[aqHead]), unchecked(aqDst[aqHead]))));
    queueTail(i, skb);
    trace(TE_NEIGH_QUEUE, nDst[i], <u32>nQLen[i]);
  }
  if (probeNow) { arpSolicit(i); nProbes[i]++; }
  return 0;
}

/** base_reachable_time */
function baseReachableNs(dev: i32): i64 { return parm(dev, P_BASE_REACHABLE_MS) * 1000000; }
/**
 * neigh_parms->reachable_time. [model choice] Linux draws it at random from
 * [base/2, 3*base/2) (neigh_rand_reach_time) and draws again every 300 s; the
 * model takes base_reachable_time itself, the middle of that range, so runs repeat.
 */
function reachableNs(dev: i32): i64 { return baseReachableNs(dev); }
/** delay_first_probe_time */
function delayProbeNs(dev: i32): i64 { return parm(dev, P_DELAY_PROBE_MS) * 1000000; }

/**
 * The time stamps and timer of __neigh_update() for entry i going to `state`
 * (its address changed or not), before the new state is stored: confirmed when the
 * new state is connected, updated on any change, the timer restarted on a change of state.
 */
function stamp(i: i32, state: u8, macChanged: bool): void {
  const now = clockNow();
  const old = nState[i];
  const dev = nDev[i];
  if ((state & NUD_CONNECTED) != 0) nConfirmed[i] = now;
  if (state != old || macChanged) nUpdated[i] = now;
  if (state != old) {
    if ((state & NUD_PROBE) != 0) nProbes[i] = 0;
    nTimer[i] = (state & NUD_IN_TIMER) != 0 ? now + ((state & NUD_REACHABLE) != 0 ? reachableNs(dev) : 0) : CLOCK_NEVER;
  }
  if (macChanged && (state & NUD_CONNECTED) == 0) nConfirmed[i] = now - (baseReachableNs(dev) << 1);
}

/** neigh_event_send() for a valid entry that is not connected: a stale one is delayed (DELAY, first probe later) */
function neighUse(i: i32, st: u8): void {
  const now = clockNow();
  nUsed[i] = now;
  if ((st & NUD_STALE) != 0) {
    nState[i] = NUD_DELAY;
    nUpdated[i] = now;
    nTimer[i] = now + delayProbeNs(nDev[i]);
  }
}

function retransNs(dev: i32): i64 {
  let ms = parm(dev, P_RETRANS_MS);
  if (ms < 10) ms = 10; // max(retrans_time, HZ/100)
  return ms * 1000000;
}

/** neigh_max_probes(): a PROBE entry re-probes by multicast mcast_resolicit times, an INCOMPLETE one mcast_solicit times */
function maxProbes(dev: i32, st: u8): i64 {
  return parm(dev, P_UCAST) + parm(dev, P_APP) + parm(dev, (st & NUD_PROBE) != 0 ? P_MCAST_RESOLICIT : P_MCAST);
}

/**
 * arp_solicit(): a broadcast who-has; its sender address by arp_announce (the larger of all and the device's):
 * 0 the waiting packet's source when it is ours, 1 only when that is also in a subnet of the device holding
 * the target, 2 (and above) never; else the device's address for the target
 */
function arpSolicit(i: i32): void {
  const dev = nDev[i], target = nDst[i];
  let saddr: u32 = 0;
  const q = nQTail[i];
  const announce = confMax(dev, CONF_ARP_ANNOUNCE);
  if (q >= 0 && announce <= 1) {
    const s = load32be(skbDataPtr(q) + 12);
    if (inetDevOfLocal(s) != 0 && (announce == 0 || inetAddrOnlink(dev, target, s))) saddr = s;
  }
  if (saddr == 0) saddr = inetSelectAddr(dev, target, RT_SCOPE_LINK);
  // the first ucast_solicit probes of an entry with an address go to that address (PROBE), the rest are broadcast
  const unicast = <i64>nProbes[i] < parm(dev, P_UCAST) && nHasLladdr[i];
  arpSend(1, dev, target, saddr, unicast ? nLladdr[i] : 0xffffffffffff, devMac[dev], 0);
}

/** arp_send_dst() / arp_create(): an ARP packet out of dev */
export function arpSend(op: u16, dev: i32, destIp: u32, srcIp: u32, destHw: u64, srcHw: u64, targetHw: u64): void {
  const skb = skbAllocLocal(28);
  if (skb < 0) return;
  const p = skbPut(skb, 28);
  skbResetNetworkHeader(skb);
  store<u8>(p, 0); store<u8>(p, 1, 1); store<u8>(p, 0x08, 2); store<u8>(p, 0, 3); store<u8>(p, 6, 4); store<u8>(p, 4, 5);
  store<u8>(p, 0, 6); store<u8>(p, <u8>op, 7);
  storeMac(p + 8, srcHw); storeIp(p + 14, srcIp); storeMac(p + 18, targetHw); storeIp(p + 24, destIp);
  skbDev[skb] = dev;
  skbProtocol[skb] = ETH_P_ARP;
  trace(TE_ARP_SEND, op, destIp);
  if (eth_header(skb, dev, ETH_P_ARP, destHw) != 0) { kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED); return; }
  dev_queue_xmit(skb);
}
function storeMac(p: usize, m: u64): void { for (let k = 0; k < 6; k++) store<u8>(p + <usize>k, <u8>(m >> (40 - 8 * k))); }
function storeIp(p: usize, a: u32): void { store<u8>(p, <u8>(a >> 24)); store<u8>(p, <u8>(a >> 16), 1); store<u8>(p, <u8>(a >> 8), 2); store<u8>(p, <u8>a, 3); }
function loadMac(p: usize): u64 {
  let m: u64 = 0;
  for (let k = 0; k < 6; k++) m = (m << 8) | <u64>load<u8>(p + <usize>k);
  return m;
}

// ---- timers ------------------------------------------------------------------------------
/** The earliest neighbour timer (ns), CLOCK_NEVER if none. */
export function neighTimerNext(): i64 {
  let t = gcPeriodicNext(clockNow());
  for (let i = 0; i < nTimer.length; i++) if (unchecked(nTimer[i]) < t) t = unchecked(nTimer[i]);
  return t;
}

/** neigh_timer_handler() for every entry whose timer is due */
export function neighTimerRun(): void {
  const now = clockNow();
  if (gcPeriodicNext(now) == now) gcPeriodic(now);
  for (let i = 0; i < nTimer.length; i++) {
    if (nTimer[i] > now) continue;
    nTimer[i] = CLOCK_NEVER;
    const st = nState[i];
    if ((st & NUD_IN_TIMER) == 0) continue;
    const dev = nDev[i];
    let next = now + retransNs(dev);
    if ((st & NUD_REACHABLE) != 0) {
      if (now <= nConfirmed[i] + reachableNs(dev)) {
        next = nConfirmed[i] + reachableNs(dev);
      } else if (now <= nUsed[i] + delayProbeNs(dev)) {
        nState[i] = NUD_DELAY; nUpdated[i] = now;
        next = now + delayProbeNs(dev);
      } else {
        nState[i] = NUD_STALE; nUpdated[i] = now;
      }
    } else if ((st & NUD_DELAY) != 0) {
      if (now <= nConfirmed[i] + delayProbeNs(dev)) {
        nState[i] = NUD_REACHABLE; nUpdated[i] = now;
        next = nConfirmed[i] + reachableNs(dev);
      } else {
        nState[i] = NUD_PROBE; nUpdated[i] = now;
        nProbes[i] = 0;
      }
    }
    const s2 = nState[i];
    if ((s2 & (NUD_INCOMPLETE | NUD_PROBE)) != 0 && <i64>nProbes[i] >= maxProbes(dev, s2)) {
      nState[i] = NUD_FAILED; nUpdated[i] = now;
      neighResFailed++;
      neighInvalidate(i);
      continue;
    }
    if ((s2 & NUD_IN_TIMER) != 0) {
      const min = now + NS_PER_JIFFY * (HZ / 100);
      nTimer[i] = next < min ? min : next;
    }
    if ((s2 & (NUD_INCOMPLETE | NUD_PROBE)) != 0) {
      arpSolicit(i);
      nProbes[i]++;
    }
  }
}

/** neigh_invalidate(): every waiting packet gets arp_error_report (ICMP host unreachable) and is dropped */
function neighInvalidate(i: i32): void {
  trace(TE_NEIGH_FAILED, nDst[i], <u32>nQLen[i]);
  for (let s = queueHead(i); s >= 0; s = queueHead(i)) {
    icmp_send(s, 3, 1, 0); // ipv4_link_failure → dst_link_failure
    trace(TE_DROP, SKB_DROP_REASON_NEIGH_FAILED, 0);
    traceVerdict(s, VERDICT_DROP, SKB_DROP_REASON_NEIGH_FAILED);
    kfree_skb_reason(s, SKB_DROP_REASON_NEIGH_FAILED);
  }
}

// ---- receive -----------------------------------------------------------------------------
function arpDrop(skb: i32, reason: u16): i32 {
  trace(TE_DROP, reason, 0);
  traceVerdict(skb, VERDICT_DROP, reason);
  kfree_skb_reason(skb, reason);
  return NET_RX_DROP;
}

/** arp_rcv() + arp_process() */
export function arp_rcv(skb: i32, dev: i32, origDev: i32): i32 {
  const pt = skbPktType[skb];
  if ((devFlags[dev] & IFF_NOARP) != 0 || pt == PACKET_OTHERHOST || pt == PACKET_LOOPBACK) {
    traceVerdict(skb, VERDICT_CONSUMED, 0);
    consume_skb(skb);
    return NET_RX_SUCCESS;
  }
  if (skbLen[skb] < 28) return arpDrop(skb, SKB_DROP_REASON_PKT_TOO_SMALL);
  const p = skbDataPtr(skb);
  if (load<u8>(p + 4) != 6 || load<u8>(p + 5) != 4) return arpDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  // arp_process
  if (!inDevExists(dev)) return arpDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  const hrd = load16be(p), pro = load16be(p + 2), op = load16be(p + 6);
  if ((hrd != 1 && hrd != 6) || pro != 0x0800) return arpDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  if (op != 1 && op != 2) return arpDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  const sha = loadMac(p + 8), sip = load32be(p + 14), tha = loadMac(p + 18), tip = load32be(p + 24);
  trace(TE_ARP_RCV, op, tip);
  if (isMulticast(tip) || (!confOr(dev, CONF_ROUTE_LOCALNET) && isLoopback(tip))) return arpDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  if (sip == tip && confOr(dev, CONF_DROP_GRATUITOUS_ARP)) return arpDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  // duplicate address detection probe (sender 0.0.0.0): answered for our addresses that arp_ignore allows
  if (sip == 0) {
    if (op == 1 && isLocalOn(dev, tip) && !arpIgnore(dev, sip, tip)) arpSend(2, dev, sip, tip, sha, devMac[dev], sha);
    return arpConsume(skb);
  }
  if (op == 1 && ipRouteInput(tip, sip, 0, dev, 0, 0, 0, 0, 0, 0) == 0) {
    if (rtType == RTN_LOCAL) {
      // neigh_event_ns() learns the sender as STALE, and the reply goes, unless arp_ignore or arp_filter says
      // no; without an entry for the sender (the table is full) there is no reply
      if (!arpIgnore(dev, sip, tip) && !(confOr(dev, CONF_ARP_FILTER) && arpFilter(sip, tip, dev))) {
        if (learn(dev, sip, sha, NUD_STALE, true, true)) arpSend(2, dev, sip, tip, sha, devMac[dev], sha);
      }
      return arpConsume(skb);
    }
    // proxy ARP, on a forwarding device for a unicast route out of another device: arp_fwd_proxy (the
    // proxy_arp sysctl, medium_id 0) or a proxy neighbour entry for tip on this device or on none
    // (pneigh_lookup; no proxy_arp_pvlan). The kernel answers a broadcast request after a random delay
    // below proxy_delay (pneigh_enqueue); here it answers at once, as it does for a request sent to its
    // MAC or with proxy_delay 0. The reply goes whether or not the sender got an entry.
    if (confGet(dev, CONF_FORWARDING) != 0 && rtType == RTN_UNICAST && rtDev != dev &&
        (confOr(dev, CONF_PROXY_ARP) || pneighLookup(tip, dev) >= 0)) {
      learn(dev, sip, sha, NUD_STALE, true, true);
      arpSend(2, dev, sip, tip, sha, devMac[dev], sha);
      return arpConsume(skb);
    }
  }
  // update our table: an entry that exists, or a new one when arp_accept takes a gratuitous ARP or a reply
  let n = neighLookup(dev, sip);
  const accept = arpAccept(dev, sip);
  let garp = false;
  if (n >= 0 || accept) garp = arpIsGarp(dev, op, sip, tip, sha, tha);
  if (accept && n < 0 && (garp || (op == 2 && inetDevAddrType(dev, sip, RT_TABLE_LOCAL) == RTN_UNICAST))) n = lookupCreate(dev, sip, (devFlags[dev] & IFF_LOOPBACK) != 0);
  if (n >= 0) {
    // "if several different ARP replies follow back-to-back, use the first one": no override within locktime
    const overrideLl = clockNow() > nUpdated[n] + parm(dev, P_LOCKTIME_MS) * 1000000 || garp;
    const state = (op != 2 || pt != PACKET_HOST) ? NUD_STALE : NUD_REACHABLE;
    learn(dev, sip, sha, state, false, overrideLl);
  }
  return arpConsume(skb);
}

function arpConsume(skb: i32): i32 {
  traceVerdict(skb, VERDICT_CONSUMED, 0);
  consume_skb(skb);
  return NET_RX_SUCCESS;
}

/** arp_ignore(): whether arp_ignore (the larger of all and the device's) leaves a request for our tip unanswered */
function arpIgnore(dev: i32, sip: u32, tip: u32): bool {
  const mode = confMax(dev, CONF_ARP_IGNORE);
  if (mode == 1) return inetConfirmAddr(dev, 0, tip, RT_SCOPE_HOST) == 0; // tip is an address of dev
  if (mode == 2) return inetConfirmAddr(dev, sip, tip, RT_SCOPE_HOST) == 0; // ... in a subnet with sip
  if (mode == 3) return inetConfirmAddr(0, 0, tip, RT_SCOPE_LINK) == 0; // not a host-scope address
  return mode == 8;
}

/** arp_filter(): no answer unless the route from tip back to sip leaves by dev */
function arpFilter(sip: u32, tip: u32, dev: i32): bool {
  if (ipRouteOutputKeyHashRcu(sip, tip, 0, 0, 0, 0, 0, 0, 0) != 0) return true;
  return rtDev != dev;
}

/** arp_accept(): 0 no new entries from unsolicited ARP, 1 yes, 2 only for a sender inside one of dev's subnets */
function arpAccept(dev: i32, sip: u32): bool {
  const mode = confMax(dev, CONF_ARP_ACCEPT);
  if (mode == 1) return true;
  if (mode == 2) return inetConfirmAddr(dev, sip, 0, RT_SCOPE_LINK) != 0;
  return false;
}

/** arp_is_garp(): sender = target (a reply also with sender hw = target hw), for a unicast sender address */
function arpIsGarp(dev: i32, op: u32, sip: u32, tip: u32, sha: u64, tha: u64): bool {
  if (sip != tip) return false;
  if (op == 2 && sha != tha) return false;
  return inetDevAddrType(dev, sip, RT_TABLE_LOCAL) == RTN_UNICAST;
}

/** inet_addr_type_dev_table(dev, a) == RTN_LOCAL: one of our addresses (weak host model) */
function isLocalOn(dev: i32, a: u32): bool { return inetDevOfLocal(a) != 0; }

/**
 * neigh_update() without admin rights: permanent/noarp entries stay; a resolved entry sends its queue.
 * False when there is no entry: none to update, or a new one the full table refused.
 */
function learn(dev: i32, ip: u32, mac: u64, state: u8, createIt: bool, overrideLl: bool): bool {
  // neigh_event_ns() looks the sender up with neigh_lookup (counted); an update of a known entry does not
  let i = createIt ? neighLookup(dev, ip) : find(dev, ip);
  if (i < 0) {
    if (!createIt) return false;
    i = create(dev, ip, (devFlags[dev] & IFF_LOOPBACK) != 0);
    if (i < 0) return false;
  }
  const old = nState[i];
  if ((old & (NUD_PERMANENT | NUD_NOARP)) != 0) return true;
  const macChanged = !nHasLladdr[i] || nLladdr[i] != mac;
  // an INCOMPLETE entry is resolved; a valid one keeps its address unless overriding
  if ((old & NUD_VALID) != 0 && macChanged && !overrideLl) return true;
  // ... and is not demoted to STALE by an update that confirms its address
  if ((old & NUD_VALID) != 0 && state == NUD_STALE && !macChanged) state = old;
  stamp(i, state, macChanged);
  nLladdr[i] = mac; nHasLladdr[i] = true; nState[i] = state;
  trace(TE_NEIGH, state, ip);
  flushQueue(i);
  return true;
}

/** __neigh_lookup(creat = 1) for an entry known missing: one more counted lookup, then ___neigh_create() */
function lookupCreate(dev: i32, dst: u32, exempt: bool): i32 {
  neighLookups++;
  return create(dev, dst, exempt);
}

// ---- the table as rtnetlink shows and sets it (neightbl_fill_parms, neightbl_set) -------------
/** NDTPA_* attributes */
export const NDTPA_REFCNT = 2, NDTPA_REACHABLE_TIME = 3, NDTPA_BASE_REACHABLE_TIME = 4, NDTPA_RETRANS_TIME = 5,
  NDTPA_GC_STALETIME = 6, NDTPA_DELAY_PROBE_TIME = 7, NDTPA_QUEUE_LEN = 8, NDTPA_APP_PROBES = 9, NDTPA_UCAST_PROBES = 10,
  NDTPA_MCAST_PROBES = 11, NDTPA_ANYCAST_DELAY = 12, NDTPA_PROXY_DELAY = 13, NDTPA_PROXY_QLEN = 14, NDTPA_LOCKTIME = 15,
  NDTPA_QUEUE_LENBYTES = 16, NDTPA_MCAST_REPROBES = 17;

/** the parms (P_*) an NDTPA attribute carries, -1 for none that is kept */
function ndtpaParm(attr: i32): i32 {
  switch (attr) {
    case NDTPA_BASE_REACHABLE_TIME: return P_BASE_REACHABLE_MS;
    case NDTPA_RETRANS_TIME: return P_RETRANS_MS;
    case NDTPA_GC_STALETIME: return P_GC_STALE_MS;
    case NDTPA_DELAY_PROBE_TIME: return P_DELAY_PROBE_MS;
    case NDTPA_QUEUE_LEN: case NDTPA_QUEUE_LENBYTES: return P_QLEN_BYTES;
    case NDTPA_APP_PROBES: return P_APP;
    case NDTPA_UCAST_PROBES: return P_UCAST;
    case NDTPA_MCAST_PROBES: return P_MCAST;
    case NDTPA_MCAST_REPROBES: return P_MCAST_RESOLICIT;
    case NDTPA_ANYCAST_DELAY: return P_ANYCAST_DELAY_MS;
    case NDTPA_PROXY_DELAY: return P_PROXY_DELAY_MS;
    case NDTPA_PROXY_QLEN: return P_PROXY_QLEN;
    case NDTPA_LOCKTIME: return P_LOCKTIME_MS;
  }
  return -1;
}

/** jiffies_to_msecs(MAX_JIFFY_OFFSET) as the unsigned int it returns on a 64-bit kernel with HZ 250 */
const NDT_MSECS_MAX: i64 = 4294967288;

/** whether a time attribute: milliseconds on the wire, whole jiffies inside (nla_put_msecs, nla_get_msecs) */
function ndtpaIsTime(attr: i32): bool {
  return attr == NDTPA_BASE_REACHABLE_TIME || attr == NDTPA_RETRANS_TIME || attr == NDTPA_GC_STALETIME ||
    attr == NDTPA_DELAY_PROBE_TIME || attr == NDTPA_ANYCAST_DELAY || attr == NDTPA_PROXY_DELAY || attr == NDTPA_LOCKTIME;
}

/**
 * neightbl_fill_parms(): attribute `attr` of dev's neigh_parms (dev 0: the table's own, arp_tbl.parms, with the
 * kernel's defaults: a box is not init_net and cannot change them). refcnt is the parms' own reference and one
 * per neighbour entry of the device (arp_constructor gives each a reference). NDTPA_REACHABLE_TIME is
 * base_reachable_time: [model choice] the kernel draws it at random (neigh_rand_reach_time), the model uses the base.
 */
export function neightblParm(dev: i32, attr: i32): i64 {
  if (attr == NDTPA_REFCNT) {
    let n = 1;
    if (dev != 0) for (let i = 0; i < nDev.length; i++) if (unchecked(nDev[i]) == dev) n++;
    return n;
  }
  if (attr == NDTPA_REACHABLE_TIME) attr = NDTPA_BASE_REACHABLE_TIME;
  const k = ndtpaParm(attr);
  if (k < 0) return 0;
  const v = dev == 0 ? PARM_DEFAULT[k] : parm(dev, k);
  // the deprecated QUEUE_LEN: the int byte limit divided as an unsigned long, sent as a u32
  if (attr == NDTPA_QUEUE_LEN) return <i64><u32>(<u64>v / <u64>QLEN_PACKET);
  // jiffies_to_msecs() answers an unsigned int
  if (ndtpaIsTime(attr)) return <i64><u32>v;
  return <i64><u32>v;
}

/** whether dev has neigh_parms of its own (lookup_neigh_parms: only devices with an in_device; 0 is init_net's) */
export function neightblParmsExist(dev: i32): bool { return dev != 0 && inDevExists(dev); }

/**
 * neightbl_set() for one NDTPA attribute of dev's parms (checked with neightblParmsExist): times in ms go in as
 * whole jiffies (msecs_to_jiffies of the low 32 bits, rounded up), QUEUE_LEN in packets of QLEN_PACKET
 * bytes; the kernel keeps every value as an int. A new base_reachable_time also draws reachable_time again.
 */
export function neightblSetParm(dev: i32, attr: i32, value: u64): void {
  const k = ndtpaParm(attr);
  if (k < 0) return;
  let v: i64;
  if (ndtpaIsTime(attr)) {
    // msecs_to_jiffies(): above jiffies_to_msecs(MAX_JIFFY_OFFSET) (as a u32) it is MAX_JIFFY_OFFSET, -2 as an int
    const m = <i64><u32>value;
    v = (m > NDT_MSECS_MAX ? -2 : (m + MS_PER_JIFFY - 1) / MS_PER_JIFFY) * MS_PER_JIFFY;
  }
  else if (attr == NDTPA_QUEUE_LEN) v = <i64><i32><u32>(<u64><u32>value * <u64>QLEN_PACKET);
  else v = <i64><i32><u32>value;
  parmSet(dev, k, v);
}

/** struct ndt_stats, in its order (NDTA_STATS) */
export function neightblStat(k: i32): u64 {
  switch (k) {
    case 0: return neighAllocs;
    case 1: return neighDestroys;
    case 2: return neighHashGrows;
    case 3: return neighResFailed;
    case 4: return neighLookups;
    case 5: return neighHits;
    // rcv_probes_mcast and rcv_probes_ucast (6, 7) are counted by IPv6's ndisc only: ARP never counts them
    case 8: return neighPeriodicGcRuns();
    case 9: return neighForcedGcRuns;
    case 10: return neighTableFulls;
  }
  return 0;
}

/** ndtc_last_flush: ms since the last forced gc, or since the box started (its table's neigh_table_init) */
export function neightblLastFlushMs(): u32 {
  const j = jiffies(clockNow());
  return <u32>((gcLastFlush < 0 ? j : j - gcLastFlush) * MS_PER_JIFFY);
}
