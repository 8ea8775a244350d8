// net/ipv4/igmp.c: the groups each IPv4 device belongs to (in_device->mc_list)
// and the host side of IGMP: IGMPv3 state-change reports when a group is
// joined or left, answers to queries, and the IGMPv1/v2 compatibility a query
// of an older router switches on for 400 s.
// Memberships here are any-source (EXCLUDE {}): nothing sets source filters,
// so every group record carries no sources. The kernel's random report delays
// come from a fixed-seed generator, so a run repeats exactly.
import { skbAllocLocal, skbPut, skbLen, skbDataPtr, skbDev, skbPktType, PACKET_MULTICAST, PACKET_BROADCAST } from "../core/skbuff";
import { consume_skb, kfree_skb_reason, SKB_DROP_REASON_NOT_SPECIFIED } from "../core/dropreason";
import { devMtu, devType, devFlags, ARPHRD_ETHER, IFF_LOOPBACK } from "../core/netdevice";
import { dev_mc_add, dev_mc_del } from "../core/dev_addr_lists";
import { clockNow } from "../hw/clock";
import { csumAdd, csumFold, load16be, load32be, store16be } from "../hw/checksum";
import { isLocalMulticast, isMulticast } from "../lib/inet";
import * as R from "./route";
import { ipRouteOutput } from "./route";
import { rt_cache_flush } from "./flow";
import { rtSave, rtRestore } from "./icmp";
import { skbDstSetFromRt } from "./ip_input";
import { localOut } from "./xmit";
import {
  devIfaHead, ifaNext, ifaLocal, inDevExists, confAll, confGet, CONF_FORCE_IGMP_VERSION, CONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL,
  CONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL,
} from "./devinet";
import { ipDevFind } from "./fib_frontend";
import { HZ, igmpLinkLocalMcastReports, igmpQrv, igmpMaxMemberships } from "./sysctl_net_ipv4";

const IGMP_ALL_HOSTS: u32 = 0xe0000001;
const IGMP_ALL_ROUTER: u32 = 0xe0000002, IGMPV3_ALL_MCR: u32 = 0xe0000016;
const IGMP_HOST_MEMBERSHIP_QUERY: u32 = 0x11, IGMP_HOST_MEMBERSHIP_REPORT: u32 = 0x12,
  IGMPV2_HOST_MEMBERSHIP_REPORT: u32 = 0x16, IGMP_HOST_LEAVE_MESSAGE: u32 = 0x17, IGMPV3_HOST_MEMBERSHIP_REPORT: u32 = 0x22;
const IGMPV3_MODE_IS_EXCLUDE: u8 = 2, IGMPV3_CHANGE_TO_INCLUDE: u8 = 3, IGMPV3_CHANGE_TO_EXCLUDE: u8 = 4;
const IPPROTO_IGMP: u32 = 2;
const NEVER: i64 = i64.MAX_VALUE;
const JIFFY: i64 = 1_000_000_000 / HZ;
// include/linux/igmp.h and igmp.c, in jiffies
const ROUTER_PRESENT_TIMEOUT: i64 = 400 * HZ, QUERY_RESPONSE_INTERVAL: i32 = <i32>(10 * HZ);
const INITIAL_REPORT_DELAY: i32 = 1;

// ip_mc_list entries, members and tombstones (igmpv3_add_delrec) alike, in one pool
const MC_MAX: i32 = 4096;
const imAddr = new StaticArray<u32>(MC_MAX);
const imNext = new StaticArray<i32>(MC_MAX);
const imUsers = new StaticArray<i32>(MC_MAX);
const imCrcount = new StaticArray<i32>(MC_MAX);
const imUnsolicit = new StaticArray<i32>(MC_MAX);
const imTimer = new StaticArray<i64>(MC_MAX); // NEVER: not running (tm_running)
const imReporter = new StaticArray<bool>(MC_MAX);
const imLoaded = new StaticArray<bool>(MC_MAX);
let freeHead: i32 = -1, poolUsed: i32 = 0;

// per in_device, by ifindex
const mcHead = new Array<i32>();
const tombHead = new Array<i32>();
const mrQrv = new Array<i32>();
const mrIfcCount = new Array<i32>();
const mrIfcTimer = new Array<i64>();
const mrGqTimer = new Array<i64>();
const mrMaxdelay = new Array<i32>();
const mrV1Seen = new Array<i64>();
const mrV2Seen = new Array<i64>();
const inDead = new Array<bool>();

/** the earliest timer of any device (kept up to date by every change) */
let nextExpiry: i64 = NEVER;
let rand: u32 = 0x1a2b3c4d;

/** prandom_u32() % n */
function prandomBelow(n: i32): i32 {
  rand ^= rand << 13; rand ^= rand >>> 17; rand ^= rand << 5;
  return <i32>(rand % <u32>n);
}

function imAlloc(addr: u32): i32 {
  let i = freeHead;
  if (i >= 0) freeHead = unchecked(imNext[i]);
  else if (poolUsed < MC_MAX) i = poolUsed++;
  else return -1;
  imAddr[i] = addr; imNext[i] = -1; imUsers[i] = 1; imCrcount[i] = 0; imUnsolicit[i] = 0;
  imTimer[i] = NEVER; imReporter[i] = false; imLoaded[i] = false;
  return i;
}
function imFree(i: i32): void { imNext[i] = freeHead; freeHead = i; }

function retime(): void {
  let t = NEVER;
  for (let d = 0; d < mcHead.length; d++) {
    if (mrIfcTimer[d] < t) t = mrIfcTimer[d];
    if (mrGqTimer[d] < t) t = mrGqTimer[d];
    for (let i = mcHead[d]; i >= 0; i = imNext[i]) if (imTimer[i] < t) t = imTimer[i];
  }
  nextExpiry = t;
}

/** jiffies + rand % delay + 2, as the kernel's timers start */
function startAt(delay: i32): i64 { return clockNow() + <i64>(prandomBelow(delay) + 2) * JIFFY; }

function qrv(dev: i32): i32 { const q = mrQrv[dev]; return q != 0 ? q : igmpQrv; }
/** IGMP_V1_SEEN / IGMP_V2_SEEN: force_igmp_version (all or the device's), or a query of that version heard lately */
function forced(dev: i32, v: i32): bool { return confAll[CONF_FORCE_IGMP_VERSION] == v || confGet(dev, CONF_FORCE_IGMP_VERSION) == v; }
function v1Seen(dev: i32): bool { return forced(dev, 1) || (mrV1Seen[dev] != 0 && clockNow() < mrV1Seen[dev]); }
function v2Seen(dev: i32): bool { return forced(dev, 2) || (mrV2Seen[dev] != 0 && clockNow() < mrV2Seen[dev]); }
/** no reports for all-hosts, nor for 224.0.0.x unless igmp_link_local_mcast_reports */
function silent(addr: u32): bool { return addr == IGMP_ALL_HOSTS || (isLocalMulticast(addr) && igmpLinkLocalMcastReports == 0); }
/** unsolicited_report_interval(): the device's igmpv2/v3_unsolicited_report_interval (ms) in jiffies, at least one */
function unsolicitedReportInterval(dev: i32): i32 {
  const ms = confGet(dev, v1Seen(dev) || v2Seen(dev) ? CONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL : CONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL);
  const j = <i64>ms <= 0 ? 0 : (<i64>ms * HZ + 999) / 1000; // msecs_to_jiffies rounds up
  return j <= 0 ? 1 : j > 0x3fffffff ? 0x3fffffff : <i32>j;
}

/** ip_mc_filter_add/del(): the group's link-layer address (arp_mc_map: Ethernet devices only, not lo or tun) */
function hasMcMap(dev: i32): bool { return devType[dev] == ARPHRD_ETHER && (devFlags[dev] & IFF_LOOPBACK) == 0; }
function filterMac(addr: u32): u64 { return 0x01005e000000 | <u64>(addr & 0x7fffff); }
function filterAdd(dev: i32, addr: u32): void { if (hasMcMap(dev)) dev_mc_add(dev, filterMac(addr)); }
function filterDel(dev: i32, addr: u32): void { if (hasMcMap(dev)) dev_mc_del(dev, filterMac(addr)); }

function find(dev: i32, addr: u32): i32 {
  if (dev < 0 || dev >= mcHead.length) return -1;
  for (let i = mcHead[dev]; i >= 0; i = imNext[i]) if (imAddr[i] == addr) return i;
  return -1;
}

// ---- packets

/** igmpv3_get_srcaddr(): the route's source address if it is one of the device's, else 0.0.0.0 */
function v3Srcaddr(dev: i32, saddr: u32): u32 {
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) if (ifaLocal[i] == saddr) return saddr;
  return 0;
}

/** the IP header every IGMP message has: tos 0xc0, DF, ttl 1, the router alert option */
function ipHeaderRa(p: usize, saddr: u32, daddr: u32): void {
  store<u8>(p, 0x46); store<u8>(p + 1, 0xc0); store<u32>(p + 2, 0); store16be(p + 6, 0x4000);
  store<u8>(p + 8, 1); store<u8>(p + 9, <u8>IPPROTO_IGMP); store<u16>(p + 10, 0);
  store<u32>(p + 12, bswap<u32>(saddr)); store<u32>(p + 16, bswap<u32>(daddr));
  store<u32>(p + 20, 0x00000494); // IPOPT_RA, length 4, value 0
}

/** igmpv3_newpack(): an empty report routed out of dev, -1 when there is no route */
function v3NewPack(dev: i32): i32 {
  rtSave();
  const err = ipRouteOutput(IGMPV3_ALL_MCR, 0, dev, 0, 0, 0, IPPROTO_IGMP, 0, 0);
  if (err != 0) { rtRestore(); return -1; }
  const skb = skbAllocLocal(mtuOf(dev));
  if (skb < 0) { rtRestore(); return -1; }
  const p = skbPut(skb, 32);
  ipHeaderRa(p, v3Srcaddr(dev, R.rtSaddr), IGMPV3_ALL_MCR);
  store<u32>(p + 24, IGMPV3_HOST_MEMBERSHIP_REPORT); // type, resv1, csum 0
  store<u32>(p + 28, 0); // resv2, ngrec 0
  skbDstSetFromRt(skb);
  rtRestore();
  return skb;
}

function mtuOf(dev: i32): u32 { const m = devMtu[dev]; return m < 2048 ? m : 2048; }

/** igmpv3_sendpack(): the checksum over the IGMP message, then ip_local_out */
function v3SendPack(skb: i32): void {
  const p = skbDataPtr(skb);
  const n = skbLen[skb] - 24;
  store16be(p + 26, ~csumFold(csumAdd(0, p + 24, n)) & 0xffff);
  localOut(skb);
}

/** add_grec() for a group without sources: one record, in a new packet when this one is full */
function addGrec(skb: i32, dev: i32, addr: u32, type: u8): i32 {
  if (silent(addr) || devMtu[dev] < 68) return skb;
  if (skb >= 0 && mtuOf(dev) - skbLen[skb] < 8) { v3SendPack(skb); skb = -1; }
  if (skb < 0) { skb = v3NewPack(dev); if (skb < 0) return -1; }
  const r = skbPut(skb, 8);
  store<u8>(r, type); store<u8>(r + 1, 0); store<u16>(r + 2, 0);
  store<u32>(r + 4, bswap<u32>(addr));
  const p = skbDataPtr(skb);
  store16be(p + 30, load16be(p + 30) + 1); // ngrec
  return skb;
}

/** igmpv3_send_cr(): the pending filter-mode changes: TO_IN for left groups, TO_EX for joined ones */
function v3SendCr(dev: i32): void {
  let skb = -1;
  let prev = -1;
  for (let t = tombHead[dev]; t >= 0;) {
    const next = imNext[t];
    if (imCrcount[t] > 0) {
      skb = addGrec(skb, dev, imAddr[t], IGMPV3_CHANGE_TO_INCLUDE);
      imCrcount[t]--;
    }
    if (imCrcount[t] == 0) {
      if (prev >= 0) imNext[prev] = next; else tombHead[dev] = next;
      imFree(t);
    } else prev = t;
    t = next;
  }
  for (let i = mcHead[dev]; i >= 0; i = imNext[i]) {
    if (imCrcount[i] > 0) {
      skb = addGrec(skb, dev, imAddr[i], IGMPV3_CHANGE_TO_EXCLUDE);
      imCrcount[i]--;
    }
  }
  if (skb >= 0) v3SendPack(skb);
}

/** igmpv3_send_report(): current-state records (IS_EX) for one group, or for all (im < 0) */
function v3SendReport(dev: i32, im: i32): void {
  let skb = -1;
  if (im >= 0) skb = addGrec(skb, dev, imAddr[im], IGMPV3_MODE_IS_EXCLUDE);
  else for (let i = mcHead[dev]; i >= 0; i = imNext[i]) skb = addGrec(skb, dev, imAddr[i], IGMPV3_MODE_IS_EXCLUDE);
  if (skb >= 0) v3SendPack(skb);
}

/** igmp_send_report() of IGMPv1/v2: a report to the group, or a leave to all routers */
function sendReport(dev: i32, group: u32, type: u32): void {
  if (type == IGMPV3_HOST_MEMBERSHIP_REPORT) { v3SendReport(dev, find(dev, group)); return; }
  if (isLocalMulticast(group) && igmpLinkLocalMcastReports == 0) return;
  const dst = type == IGMP_HOST_LEAVE_MESSAGE ? IGMP_ALL_ROUTER : group;
  rtSave();
  const err = ipRouteOutput(dst, 0, dev, 0, 0, 0, IPPROTO_IGMP, 0, 0);
  if (err != 0) { rtRestore(); return; }
  const skb = skbAllocLocal(32);
  if (skb < 0) { rtRestore(); return; }
  const p = skbPut(skb, 32);
  ipHeaderRa(p, R.rtSaddr, dst);
  store<u8>(p + 24, <u8>type); store<u8>(p + 25, 0); store<u16>(p + 26, 0);
  store<u32>(p + 28, bswap<u32>(group));
  store16be(p + 26, ~csumFold(csumAdd(0, p + 24, 8)) & 0xffff);
  skbDstSetFromRt(skb);
  rtRestore();
  localOut(skb);
}

// ---- timers

function stopTimer(i: i32): void { imTimer[i] = NEVER; imReporter[i] = false; imUnsolicit[i] = 0; }
function startTimer(i: i32, maxDelay: i32): void { imTimer[i] = startAt(maxDelay); }

/** igmp_mod_timer(): a query asks for a report within maxDelay; a sooner running timer stays */
function modTimer(i: i32, maxDelay: i32): void {
  imUnsolicit[i] = 0;
  if (imTimer[i] != NEVER && imTimer[i] - clockNow() < <i64>maxDelay * JIFFY) return;
  startTimer(i, maxDelay);
}

/** igmp_ifc_event(): IGMPv3 sends the change qrv times, the first within two jiffies */
function ifcEvent(dev: i32): void {
  if (v1Seen(dev) || v2Seen(dev)) return;
  mrIfcCount[dev] = qrv(dev);
  mrIfcTimer[dev] = startAt(1);
}

function timerExpire(dev: i32, i: i32): void {
  imTimer[i] = NEVER;
  if (imUnsolicit[i] != 0 && --imUnsolicit[i] != 0) startTimer(i, unsolicitedReportInterval(dev));
  imReporter[i] = true;
  sendReport(dev, imAddr[i], v1Seen(dev) ? IGMP_HOST_MEMBERSHIP_REPORT : v2Seen(dev) ? IGMPV2_HOST_MEMBERSHIP_REPORT : IGMPV3_HOST_MEMBERSHIP_REPORT);
}

export function igmpTimerNext(): i64 { return nextExpiry; }

/** Runs every IGMP timer due now (igmp_ifc_timer_expire, igmp_gq_timer_expire, igmp_timer_expire). */
export function igmpTimerRun(): void {
  const now = clockNow();
  for (let d = 0; d < mcHead.length; d++) {
    if (mrIfcTimer[d] <= now) {
      mrIfcTimer[d] = NEVER;
      v3SendCr(d);
      if (mrIfcCount[d] > 0) { mrIfcCount[d]--; mrIfcTimer[d] = startAt(unsolicitedReportInterval(d)); }
    }
    if (mrGqTimer[d] <= now) { mrGqTimer[d] = NEVER; v3SendReport(d, -1); }
    for (let i = mcHead[d]; i >= 0; i = imNext[i]) if (imTimer[i] <= now) timerExpire(d, i);
  }
  retime();
}

// ---- membership

/** igmpv3_del_delrec(): joining again takes back the tombstone; the change is reported anew */
function delDelrec(dev: i32, i: i32): void {
  let prev = -1;
  for (let t = tombHead[dev]; t >= 0; prev = t, t = imNext[t]) {
    if (imAddr[t] != imAddr[i]) continue;
    if (prev >= 0) imNext[prev] = imNext[t]; else tombHead[dev] = imNext[t];
    imFree(t);
    imCrcount[i] = qrv(dev);
    return;
  }
}

/** igmp_group_added() */
function groupAdded(dev: i32, i: i32): void {
  if (!imLoaded[i]) { imLoaded[i] = true; filterAdd(dev, imAddr[i]); }
  if (silent(imAddr[i]) || inDead[dev]) return;
  imUnsolicit[i] = igmpQrv;
  if (v1Seen(dev) || v2Seen(dev)) { startTimer(i, INITIAL_REPORT_DELAY); return; }
  imCrcount[i] = qrv(dev);
  ifcEvent(dev);
}

/** igmp_group_dropped(): IGMPv3 keeps a tombstone to report the leave; v2 sends a leave if it reported last */
function groupDropped(dev: i32, i: i32): void {
  if (imLoaded[i]) { imLoaded[i] = false; filterDel(dev, imAddr[i]); }
  if (silent(imAddr[i])) return;
  const reporter = imReporter[i];
  stopTimer(i);
  if (inDead[dev] || v1Seen(dev)) return;
  if (v2Seen(dev)) { if (reporter) sendReport(dev, imAddr[i], IGMP_HOST_LEAVE_MESSAGE); return; }
  const t = imAlloc(imAddr[i]);
  if (t < 0) return;
  imCrcount[t] = qrv(dev);
  imNext[t] = tombHead[dev];
  tombHead[dev] = t;
  ifcEvent(dev);
}

/** ip_mc_inc_group(): one more user of the group on dev; a new group is joined and reported. -ENOBUFS when full. */
export function ip_mc_inc_group(dev: i32, addr: u32): i32 {
  if (dev < 0 || dev >= mcHead.length) return -ENODEV;
  const e = find(dev, addr);
  if (e >= 0) { imUsers[e]++; return 0; }
  const i = imAlloc(addr);
  if (i < 0) return -ENOBUFS;
  imNext[i] = mcHead[dev];
  mcHead[dev] = i;
  delDelrec(dev, i);
  groupAdded(dev, i);
  if (!inDead[dev]) rt_cache_flush();
  retime();
  return 0;
}

/** ip_mc_dec_group(): one user less; the last one leaves the group */
export function ip_mc_dec_group(dev: i32, addr: u32): void {
  if (dev < 0 || dev >= mcHead.length) return;
  let prev = -1;
  for (let i = mcHead[dev]; i >= 0; prev = i, i = imNext[i]) {
    if (imAddr[i] != addr) continue;
    if (--imUsers[i] > 0) return;
    if (prev >= 0) imNext[prev] = imNext[i]; else mcHead[dev] = imNext[i];
    groupDropped(dev, i);
    if (!inDead[dev]) rt_cache_flush();
    imFree(i);
    retime();
    return;
  }
}

/** ip_mc_init_dev(): a new in_device, in no group */
export function ip_mc_init_dev(dev: i32): void {
  while (mcHead.length <= dev) {
    mcHead.push(-1); tombHead.push(-1); mrQrv.push(0); mrIfcCount.push(0); mrIfcTimer.push(NEVER);
    mrGqTimer.push(NEVER); mrMaxdelay.push(0); mrV1Seen.push(0); mrV2Seen.push(0); inDead.push(false);
  }
  mcHead[dev] = -1; tombHead[dev] = -1; mrQrv[dev] = igmpQrv; mrIfcCount[dev] = 0; mrIfcTimer[dev] = NEVER;
  mrGqTimer[dev] = NEVER; mrMaxdelay[dev] = 0; mrV1Seen[dev] = 0; mrV2Seen[dev] = 0; inDead[dev] = false;
}

/** ip_mc_up(): the device came up: all-hosts, and every group reported again */
export function ip_mc_up(dev: i32): void {
  if (dev < 0 || dev >= mcHead.length) return;
  mrQrv[dev] = igmpQrv;
  ip_mc_inc_group(dev, IGMP_ALL_HOSTS);
  for (let i = mcHead[dev]; i >= 0; i = imNext[i]) { delDelrec(dev, i); groupAdded(dev, i); }
  retime();
}

/** ip_mc_down(): the groups stay, their filters and timers go, and all-hosts */
export function ip_mc_down(dev: i32): void {
  if (dev < 0 || dev >= mcHead.length) return;
  for (let i = mcHead[dev]; i >= 0; i = imNext[i]) groupDropped(dev, i);
  mrIfcCount[dev] = 0; mrIfcTimer[dev] = NEVER; mrGqTimer[dev] = NEVER;
  ip_mc_dec_group(dev, IGMP_ALL_HOSTS);
  retime();
}

/** ip_mc_destroy_dev(): the in_device is dead; nothing more is reported */
export function ip_mc_destroy_dev(dev: i32): void {
  if (dev < 0 || dev >= mcHead.length) return;
  inDead[dev] = true;
  ip_mc_down(dev);
  clearDelrec(dev);
  for (let i = mcHead[dev]; i >= 0;) { const n = imNext[i]; imFree(i); i = n; }
  mcHead[dev] = -1;
  retime();
}

function clearDelrec(dev: i32): void {
  for (let t = tombHead[dev]; t >= 0;) { const n = imNext[t]; imFree(t); t = n; }
  tombHead[dev] = -1;
}

/** ip_check_mc_rcu(): dev is a member of the group */
export function ip_check_mc(dev: i32, group: u32): bool { return find(dev, group) >= 0; }

/** The groups of dev, newest first (/proc/net/igmp), as pairs [group, users] appended to out. */
export function igmpGroups(dev: i32, out: Array<u32>): void {
  if (dev < 0 || dev >= mcHead.length) return;
  for (let i = mcHead[dev]; i >= 0; i = imNext[i]) { out.push(imAddr[i]); out.push(<u32>imUsers[i]); }
}

// ---- receive

/** IGMPV3_MRC(): the v3 max response code, in tenths of a second */
function v3Mrc(code: u32): i32 {
  return code < 0x80 ? <i32>code : <i32>(((code & 0xf) | 0x10) << (((code >> 4) & 7) + 3));
}

/** igmp_heard_query(): true when the packet is to be dropped */
function heardQuery(dev: i32, ih: usize, len: u32): bool {
  let group = load32be(ih + 4);
  const code = <u32>load<u8>(ih, 1);
  let maxDelay: i32;
  const now = clockNow();
  if (len == 8) {
    if (code == 0) {
      // an IGMPv1 router
      maxDelay = QUERY_RESPONSE_INTERVAL;
      mrV1Seen[dev] = now + ROUTER_PRESENT_TIMEOUT * JIFFY;
      group = 0;
    } else {
      maxDelay = <i32>code * <i32>(HZ / 10);
      mrV2Seen[dev] = now + ROUTER_PRESENT_TIMEOUT * JIFFY;
    }
    // the interface change timer stops, and the leave records with it
    mrIfcCount[dev] = 0; mrIfcTimer[dev] = NEVER;
    clearDelrec(dev);
  } else if (len < 12) {
    return true;
  } else if (v1Seen(dev)) {
    maxDelay = QUERY_RESPONSE_INTERVAL;
    group = 0;
  } else if (v2Seen(dev)) {
    maxDelay = v3Mrc(code) * <i32>(HZ / 10);
    if (maxDelay == 0) maxDelay = 1;
  } else {
    const nsrcs = load16be(ih + 10);
    if (len < 12 + 4 * nsrcs) return true;
    maxDelay = v3Mrc(code) * <i32>(HZ / 10);
    if (maxDelay == 0) maxDelay = 1;
    mrMaxdelay[dev] = maxDelay;
    const q = <i32>load<u8>(ih, 8) & 7;
    if (q != 0) mrQrv[dev] = q;
    if (group == 0) {
      // a general query: one report of every group within the delay (igmp_gq_start_timer)
      if (nsrcs != 0) return true;
      const exp = startAt(mrMaxdelay[dev]);
      if (mrGqTimer[dev] == NEVER || exp < mrGqTimer[dev]) mrGqTimer[dev] = exp;
      return false;
    }
  }
  // any-source members answer every query that names their group (or none)
  for (let i = mcHead[dev]; i >= 0; i = imNext[i]) {
    if (group != 0 && group != imAddr[i]) continue;
    if (silent(imAddr[i])) continue;
    modTimer(i, maxDelay);
  }
  return false;
}

/** igmp_rcv(): skb data at the IP header of a local IGMP packet; takes the skb. */
export function igmp_rcv(skb: i32): void {
  const dev = skbDev[skb];
  const iph = skbDataPtr(skb);
  const ihl = (<u32>load<u8>(iph) & 15) << 2;
  const len = skbLen[skb] - ihl;
  const ih = iph + ihl;
  let dropped = true;
  // skb_checksum_simple_validate over the whole message
  if (dev < mcHead.length && !inDead[dev] && len >= 8 && (csumFold(csumAdd(0, ih, len)) & 0xffff) == 0xffff) {
    const type = <u32>load<u8>(ih);
    if (type == IGMP_HOST_MEMBERSHIP_QUERY) {
      dropped = heardQuery(dev, ih, len);
      retime();
    } else if (type == IGMP_HOST_MEMBERSHIP_REPORT || type == IGMPV2_HOST_MEMBERSHIP_REPORT) {
      // another member answered: ours is not needed (igmp_heard_report)
      const pt = skbPktType[skb];
      if (pt == PACKET_MULTICAST || pt == PACKET_BROADCAST) {
        const g = load32be(ih + 4);
        const i = silent(g) ? -1 : find(dev, g);
        if (i >= 0) { stopTimer(i); retime(); }
      }
      dropped = false;
    } else dropped = false;
  }
  if (dropped) kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  else consume_skb(skb);
}

// ---- sockets' memberships (ip_mc_socklist): socket 0 is the namespace's autojoin socket
// (mc_autojoin_sk, for `ip addr add ... autojoin`), UDP socket s is MC_SOCK_UDP + s

export const MC_SOCK_AUTOJOIN: i32 = 0, MC_SOCK_UDP: i32 = 1;
const smSock = new Array<i32>();
const smGroup = new Array<u32>();
const smIfindex = new Array<i32>();
const smAddr = new Array<u32>();
const ENODEV: i32 = 19, EINVAL: i32 = 22, EADDRINUSE: i32 = 98, EADDRNOTAVAIL: i32 = 99, ENOBUFS: i32 = 105;

/** ip_mc_find_dev(): the device named by index, by one of its addresses, or the route to the group; 0 if none */
function findDev(group: u32, ifindex: i32, addr: u32): i32 {
  if (ifindex != 0) return ifindex > 0 && ifindex < mcHead.length && !inDead[ifindex] && inDevExists(ifindex) ? ifindex : 0;
  let dev = 0;
  if (addr != 0) {
    dev = ipDevFind(addr);
    if (dev == 0) return 0;
  } else {
    rtSave();
    if (ipRouteOutput(group, 0, 0, 0, 0, 0, 0, 0, 0) == 0) dev = R.rtDev;
    rtRestore();
  }
  return dev > 0 && inDevExists(dev) ? dev : 0;
}

/** ip_mc_join_group(): 0 or -errno */
export function ip_mc_join_group(sock: i32, group: u32, ifindex: i32, addr: u32): i32 {
  if (!isMulticast(group)) return -EINVAL;
  const dev = findDev(group, ifindex, addr);
  if (dev == 0) return -ENODEV;
  let count = 0;
  for (let i = 0; i < smSock.length; i++) {
    if (smSock[i] != sock) continue;
    if (smGroup[i] == group && smIfindex[i] == dev) return -EADDRINUSE;
    count++;
  }
  if (count >= igmpMaxMemberships) return -ENOBUFS;
  const e = ip_mc_inc_group(dev, group);
  if (e < 0) return e;
  smSock.push(sock); smGroup.push(group); smIfindex.push(dev); smAddr.push(addr);
  return 0;
}

function smRemove(i: i32): void {
  smSock.splice(i, 1); smGroup.splice(i, 1); smIfindex.splice(i, 1); smAddr.splice(i, 1);
}

/** ip_mc_leave_group(): the socket's newest matching membership goes; 0 or -errno */
export function ip_mc_leave_group(sock: i32, group: u32, ifindex: i32, addr: u32): i32 {
  const dev = findDev(group, ifindex, addr);
  if (ifindex == 0 && addr == 0 && dev == 0) return -ENODEV;
  // ip_mc_find_dev names the device it found: then it is what must match
  const want = ifindex != 0 ? ifindex : dev;
  for (let i = smSock.length - 1; i >= 0; i--) {
    if (smSock[i] != sock || smGroup[i] != group) continue;
    if (want != 0) { if (smIfindex[i] != want) continue; }
    else if (addr != 0 && smAddr[i] != addr) continue;
    smRemove(i);
    if (dev != 0) ip_mc_dec_group(dev, group);
    return 0;
  }
  return -EADDRNOTAVAIL;
}

/** ip_mc_drop_socket(): a closing socket leaves all its groups */
export function ip_mc_drop_socket(sock: i32): void {
  for (let i = smSock.length - 1; i >= 0; i--) {
    if (smSock[i] != sock) continue;
    const dev = smIfindex[i], group = smGroup[i];
    smRemove(i);
    if (dev < mcHead.length && !inDead[dev] && inDevExists(dev)) ip_mc_dec_group(dev, group);
  }
}
