// struct in_device and struct in_ifaddr (net/ipv4/devinet.c): per-device IPv4
// configuration and the address lists, with the kernel's ordering rules.
import { devExists, devList, devName, devFlags, devMac, devIsUp, IFF_LOOPBACK, IFF_NOARP } from "../core/netdevice";
import { inetMask, isMulticast } from "../lib/inet";
import { EEXIST, EINVAL, ENODEV, ENOBUFS, EADDRNOTAVAIL, fail } from "../lib/errno";
import { fibAddIfaddr, fibInetaddrUp, fibDelIfaddr, fibDisableIp } from "./fib_frontend";
import { arpSend } from "./arp";
import { rt_cache_flush } from "./flow";
import { HZ, NS_PER_JIFFY } from "./sysctl_net_ipv4";
import { jiffies } from "./inetpeer";
import { roundJiffiesUp, timerWheelExpiry } from "../lib/jiffies";
import { CLOCK_NEVER } from "../hw/clock";

// ---- devconf (include/uapi/linux/ip.h IPV4_DEVCONF_*), the ones the stack reads
export const CONF_FORWARDING = 0, CONF_RP_FILTER = 1, CONF_ACCEPT_LOCAL = 2, CONF_ROUTE_LOCALNET = 3,
  CONF_SEND_REDIRECTS = 4, CONF_SHARED_MEDIA = 5, CONF_SRC_VMARK = 6, CONF_BC_FORWARDING = 7,
  CONF_ACCEPT_SOURCE_ROUTE = 8, CONF_PROMOTE_SECONDARIES = 9, CONF_IGNORE_ROUTES_WITH_LINKDOWN = 10,
  CONF_PROXY_ARP = 11, CONF_ACCEPT_REDIRECTS = 12, CONF_SECURE_REDIRECTS = 13, CONF_LOG_MARTIANS = 14,
  CONF_ARP_IGNORE = 15, CONF_ARP_ANNOUNCE = 16, CONF_ARP_FILTER = 17, CONF_DISABLE_POLICY = 18,
  CONF_MC_FORWARDING = 19, CONF_PROXY_ARP_PVLAN = 20, CONF_DROP_GRATUITOUS_ARP = 21, CONF_ARP_ACCEPT = 22,
  CONF_ARP_NOTIFY = 23, CONF_DROP_UNICAST_IN_L2_MULTICAST = 24, CONF_ARP_EVICT_NOCARRIER = 25,
  CONF_FORCE_IGMP_VERSION = 26, CONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL = 27, CONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL = 28,
  CONF_COUNT = 29;
export const CONF_NAMES: string[] = [
  "forwarding", "rp_filter", "accept_local", "route_localnet", "send_redirects", "shared_media", "src_valid_mark",
  "bc_forwarding", "accept_source_route", "promote_secondaries", "ignore_routes_with_linkdown", "proxy_arp",
  "accept_redirects", "secure_redirects", "log_martians", "arp_ignore", "arp_announce", "arp_filter",
  "disable_policy", "mc_forwarding", "proxy_arp_pvlan", "drop_gratuitous_arp", "arp_accept", "arp_notify",
  "drop_unicast_in_l2_multicast", "arp_evict_nocarrier", "force_igmp_version", "igmpv2_unsolicited_report_interval",
  "igmpv3_unsolicited_report_interval",
];
// kernel defaults of a new namespace (ipv4_devconf / ipv4_devconf_dflt)
const CONF_ALL_DEFAULTS: i32[] = [0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 10000, 1000];
const CONF_DFLT_DEFAULTS: i32[] = [0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 10000, 1000];
export const confAll: i32[] = CONF_ALL_DEFAULTS.slice(0);
export const confDflt: i32[] = CONF_DFLT_DEFAULTS.slice(0);
/** conf of each device: devConf[ifindex * CONF_COUNT + k] */
export const devConf = new Array<i32>();
/** whether the device has an in_device (IPv4 enabled: registered and mtu >= 68) */
export const inDevAlive = new Array<bool>();
/** head of each device's ifa list, -1 if none */
export const devIfaHead = new Array<i32>();
/** when each device's in_device was made (inetdev_init order; its neigh_parms were made then, neigh_parms_alloc) */
export const inDevSeq = new Array<i64>();
let inDevSeqNext: i64 = 1;
/**
 * net->ipv4.dev_addr_genid: moves when an address comes or goes and when a device with IPv4 state comes up
 * (fib_inetaddr_event, fib_netdev_event); a nexthop object's cached source address holds only while it stays.
 */
export let devAddrGenid: u32 = 0;
export function devAddrGenidBump(): void { devAddrGenid++; }

export function inDevExists(ifindex: i32): bool {
  return ifindex > 0 && ifindex < inDevAlive.length && unchecked(inDevAlive[ifindex]);
}
/** inetdev_init(): a new device's conf is a copy of conf/default */
export function inetdevInit(ifindex: i32): void {
  rt_cache_flush();
  while (inDevAlive.length <= ifindex) { inDevAlive.push(false); devIfaHead.push(-1); inDevSeq.push(0); }
  while (devConf.length < (ifindex + 1) * CONF_COUNT) devConf.push(0);
  for (let k = 0; k < CONF_COUNT; k++) devConf[ifindex * CONF_COUNT + k] = confDflt[k];
  inDevAlive[ifindex] = true;
  inDevSeq[ifindex] = inDevSeqNext++;
  devIfaHead[ifindex] = -1;
  localsDirty = true;
  sysctlDevReset(ifindex);
  ip_mc_init_dev(ifindex);
  if (devIsUp(ifindex)) ip_mc_up(ifindex);
}
import { sysctlDevReset } from "../core/sysctl";
import { ip_mc_init_dev, ip_mc_up, ip_mc_destroy_dev, ip_mc_join_group, ip_mc_leave_group, MC_SOCK_AUTOJOIN } from "./igmp";
// @ts-ignore: decorator
@inline export function confGet(ifindex: i32, k: i32): i32 { return unchecked(devConf[ifindex * CONF_COUNT + k]); }
// k is one of the CONF_* constants, below CONF_COUNT, the length of confAll
export function confOr(ifindex: i32, k: i32): bool { return (unchecked(confAll[k]) | confGet(ifindex, k)) != 0; }
export function confAnd(ifindex: i32, k: i32): bool { return unchecked(confAll[k]) != 0 && confGet(ifindex, k) != 0; }
export function confMax(ifindex: i32, k: i32): i32 { const a = unchecked(confAll[k]), d = confGet(ifindex, k); return a > d ? a : d; }

// ---- struct in_ifaddr pool
export const IFA_F_SECONDARY: u32 = 0x01, IFA_F_DEPRECATED: u32 = 0x20, IFA_F_PERMANENT: u32 = 0x80,
  IFA_F_NOPREFIXROUTE: u32 = 0x200, IFA_F_MCAUTOJOIN: u32 = 0x400;
/** INFINITY_LIFE_TIME: a lifetime of `forever` */
export const INFINITY_LIFE_TIME: u32 = 0xffffffff;
export const ifaDev = new Array<i32>();
export const ifaLocal = new Array<u32>();
export const ifaAddress = new Array<u32>();
export const ifaPrefixlen = new Array<i32>();
export const ifaMask = new Array<u32>();
export const ifaBcast = new Array<u32>();
export const ifaScope = new Array<i32>();
export const ifaFlags = new Array<u32>();
export const ifaLabel = new Array<string>();
export const ifaMetric = new Array<u32>();
export const ifaNext = new Array<i32>();
/** ifa_valid_lft, ifa_preferred_lft (seconds, as set; meaningful while the address is not IFA_F_PERMANENT) */
export const ifaValidLft = new Array<u32>();
export const ifaPreferredLft = new Array<u32>();
/** ifa_tstamp, ifa_cstamp: the jiffies of the last lifetime update and of the creation */
export const ifaTstamp = new Array<i64>();
export const ifaCstamp = new Array<i64>();
/** insertion order: the kernel's address hash lists put the newest first */
export const ifaSeq = new Array<u32>();
let ifaSeqNext: u32 = 0;
let ifaFree: i32 = -1;

function ifaAlloc(): i32 {
  if (ifaFree >= 0) { const i = ifaFree; ifaFree = ifaNext[i]; return i; }
  const i = ifaDev.length;
  ifaDev.push(0); ifaLocal.push(0); ifaAddress.push(0); ifaPrefixlen.push(0); ifaMask.push(0); ifaBcast.push(0);
  ifaScope.push(0); ifaFlags.push(0); ifaLabel.push(""); ifaMetric.push(0); ifaNext.push(-1); ifaSeq.push(0);
  ifaValidLft.push(0); ifaPreferredLft.push(0); ifaTstamp.push(0); ifaCstamp.push(0);
  return i;
}
function ifaRelease(i: i32): void { ifaDev[i] = 0; ifaNext[i] = ifaFree; ifaFree = i; }

/**
 * inetdev_event() for NETDEV_UP and NETDEV_CHANGEADDR: with arp_notify (the larger of all and the device's),
 * a gratuitous ARP request for each of the device's addresses, in list order (inetdev_send_gratuitous_arp).
 */
export function inetdevArpNotify(dev: i32): void {
  if (!inDevExists(dev) || confMax(dev, CONF_ARP_NOTIFY) == 0 || (devFlags[dev] & IFF_NOARP) != 0) return;
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) arpSend(1, dev, ifaLocal[i], ifaLocal[i], 0xffffffffffff, devMac[dev], 0);
}

/** inet_ifa_match() */
// @ts-ignore: decorator
@inline export function inetIfaMatch(addr: u32, ifa: i32): bool {
  return ((addr ^ unchecked(ifaAddress[ifa])) & unchecked(ifaMask[ifa])) == 0;
}

/** inet_ifa_byprefix() */
export function inetIfaByprefix(dev: i32, prefix: u32, mask: u32): i32 {
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
    if (ifaMask[i] == mask && inetIfaMatch(prefix, i)) return i;
  }
  return -1;
}

/** inet_lookup_ifaddr_rcu() / __ip_dev_find() first half: the device of the newest address equal to addr, 0 if none */
export function inetDevOfLocal(addr: u32): i32 {
  if (localsDirty) localsRebuild();
  // binary search in the sorted addresses
  let lo = 0, hi = localN;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (unchecked(localAddr[mid]) < addr) lo = mid + 1; else hi = mid;
  }
  return lo < localN && unchecked(localAddr[lo]) == addr ? unchecked(localDev[lo]) : 0;
}

// The kernel finds a local address in a hash table (inet_addr_lst); here every
// local address with its device, sorted by address, rebuilt at the first lookup
// after an address list changed (localsDirty, set after each change).
let localsDirty = true;
let localN = 0;
let localAddr = new StaticArray<u32>(0);
let localDev = new StaticArray<i32>(0);

function localsRebuild(): void {
  localsDirty = false;
  const ifas = new Array<i32>();
  for (let d = 0; d < devList.length; d++) {
    const dev = devList[d];
    if (!inDevExists(dev)) continue;
    for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) ifas.push(i);
  }
  // by address, the newest first: the kernel's hash lists put new addresses at the head
  ifas.sort((a: i32, b: i32): i32 => {
    const x = ifaLocal[a], y = ifaLocal[b];
    if (x != y) return x < y ? -1 : 1;
    return ifaSeq[a] > ifaSeq[b] ? -1 : ifaSeq[a] < ifaSeq[b] ? 1 : 0;
  });
  if (localAddr.length < ifas.length) {
    localAddr = new StaticArray<u32>(ifas.length);
    localDev = new StaticArray<i32>(ifas.length);
  }
  localN = 0;
  for (let k = 0; k < ifas.length; k++) {
    const i = ifas[k];
    if (localN > 0 && unchecked(localAddr[localN - 1]) == ifaLocal[i]) continue;
    unchecked(localAddr[localN] = ifaLocal[i]);
    unchecked(localDev[localN] = ifaDev[i]);
    localN++;
  }
}

/** inet_addr_onlink() */
export function inetAddrOnlink(dev: i32, a: u32, b: u32): bool {
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
    if (inetIfaMatch(a, i) && (b == 0 || inetIfaMatch(b, i))) return true;
  }
  return false;
}

/**
 * confirm_addr_indev(): an address of dev that is `local` (any when 0) within `scope`, returned only when
 * one of dev's subnets holds both `local` and `dst` (each when not 0); 0 if none
 */
function confirmAddrIndev(dev: i32, dst: u32, local: u32, scope: i32): u32 {
  const localnetScope = confOr(dev, CONF_ROUTE_LOCALNET) ? 253 : 254;
  let addr: u32 = 0;
  let same = false;
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
    const minScope = ifaScope[i] < localnetScope ? ifaScope[i] : localnetScope;
    if (addr == 0 && (local == ifaLocal[i] || local == 0) && minScope <= scope) {
      addr = ifaLocal[i];
      if (same) break;
    }
    if (!same) {
      same = (local == 0 || inetIfaMatch(local, i)) && (dst == 0 || inetIfaMatch(dst, i));
      if (same && addr != 0) {
        if (local != 0 || dst == 0) break;
        if (inetIfaMatch(addr, i)) break; // the address found is in dst's subnet
        if (minScope <= scope) { addr = ifaLocal[i]; break; }
        same = false; // look for a larger subnet of dst holding addr
      }
    }
  }
  return same ? addr : 0;
}

/** inet_confirm_addr(): confirm_addr_indev() on dev, or on every device in turn when dev is 0 */
export function inetConfirmAddr(dev: i32, dst: u32, local: u32, scope: i32): u32 {
  if (dev != 0) return inDevExists(dev) ? confirmAddrIndev(dev, dst, local, scope) : 0;
  for (let d = 0; d < devList.length; d++) {
    const dv = devList[d];
    if (!inDevExists(dv)) continue;
    const a = confirmAddrIndev(dv, dst, local, scope);
    if (a != 0) return a;
  }
  return 0;
}

function inDevSelectAddr(dev: i32, scope: i32): u32 {
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
    if (ifaFlags[i] & IFA_F_SECONDARY) continue;
    if (ifaScope[i] != 253 && ifaScope[i] <= scope) return ifaLocal[i];
  }
  return 0;
}

/** inet_select_addr(): the source address for dst through dev at the given scope */
export function inetSelectAddr(dev: i32, dst: u32, scope: i32): u32 {
  let addr: u32 = 0;
  if (inDevExists(dev)) {
    const localnetScope = confOr(dev, CONF_ROUTE_LOCALNET) ? 253 : 254;
    for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
      if (ifaFlags[i] & IFA_F_SECONDARY) continue;
      const s = ifaScope[i] < localnetScope ? ifaScope[i] : localnetScope;
      if (s > scope) continue;
      if (dst == 0 || inetIfaMatch(dst, i)) return ifaLocal[i];
      if (addr == 0) addr = ifaLocal[i];
    }
    if (addr != 0) return addr;
  }
  // not loopback addresses on loopback should be preferred: lo is first in the list
  for (let d = 0; d < devList.length; d++) {
    const dv = devList[d];
    if (!inDevExists(dv)) continue;
    addr = inDevSelectAddr(dv, scope);
    if (addr != 0) return addr;
  }
  return 0;
}

/** the device's first address (in_dev->ifa_list), -1 if none */
export function devHasAddr(dev: i32): bool { return inDevExists(dev) && devIfaHead[dev] >= 0; }

/** __inet_insert_ifa() and the NETDEV_UP inetaddr notifier (fib_add_ifaddr) */
function inetInsertIfa(ifa: i32): i32 {
  rt_cache_flush();
  const dev = ifaDev[ifa];
  ifaFlags[ifa] &= ~IFA_F_SECONDARY;
  let lastPrimPrev: i32 = -1; // insert after this ifa (-1 = at head)
  let prev: i32 = -1;
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
    if (!(ifaFlags[i] & IFA_F_SECONDARY) && ifaScope[ifa] <= ifaScope[i]) lastPrimPrev = i;
    if (ifaMask[i] == ifaMask[ifa] && inetIfaMatch(ifaAddress[i], ifa)) {
      if (ifaLocal[i] == ifaLocal[ifa]) return -EEXIST;
      if (ifaScope[i] != ifaScope[ifa]) return fail(EINVAL, "ipv4: Invalid scope value");
      ifaFlags[ifa] |= IFA_F_SECONDARY;
    }
    prev = i;
  }
  const after = (ifaFlags[ifa] & IFA_F_SECONDARY) ? prev : lastPrimPrev;
  if (after < 0) { ifaNext[ifa] = devIfaHead[dev]; devIfaHead[dev] = ifa; }
  else { ifaNext[ifa] = ifaNext[after]; ifaNext[after] = ifa; }
  localsDirty = true;
  fibInetaddrUp(ifa);
  return 0;
}

/**
 * inet_rtm_newaddr(): valid and preferred are IFA_CACHEINFO's lifetimes (INFINITY_LIFE_TIME both without
 * one). On an existing address (replace) only the metric and the lifetimes change: its other flags stay.
 */
export function inetNewAddr(dev: i32, local: u32, address: u32, prefixlen: i32, bcast: u32, scope: i32,
  flags: u32, label: string, metric: u32, replace: bool, valid: u32, preferred: u32): i32 {
  if (prefixlen > 32 || prefixlen < 0) return fail(EINVAL, "ipv4: Invalid prefix length");
  if (!devExists(dev)) return fail(ENODEV, "ipv4: Device not found");
  if (!inDevExists(dev)) return -ENOBUFS;
  if (valid == 0 || preferred > valid) return fail(EINVAL, "ipv4: address lifetime invalid");
  const mask = inetMask(prefixlen);
  // find_matching_ifa()
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
    if (ifaMask[i] == mask && ((ifaAddress[i] ^ address) & mask) == 0 && ifaLocal[i] == local) {
      if (!replace) return fail(EEXIST, "ipv4: Address already assigned");
      if (ifaMetric[i] != metric) {
        fibModifyPrefixMetric(i, metric);
        ifaMetric[i] = metric;
      }
      // the timestamp restarts: the new lifetimes count from now; the work is queued at once
      setIfaLifetime(i, valid, preferred);
      checkLifetime();
      return 0;
    }
  }
  // ip_mc_autojoin_config(): an autojoin address joins its group through the namespace's socket first
  if (flags & IFA_F_MCAUTOJOIN) {
    const e = ip_mc_join_group(MC_SOCK_AUTOJOIN, address, dev, 0);
    if (e < 0) return fail(-e, "ipv4: Multicast auto join failed");
  }
  const ifa = ifaAlloc();
  ifaSeq[ifa] = ++ifaSeqNext;
  ifaDev[ifa] = dev; ifaLocal[ifa] = local; ifaAddress[ifa] = address; ifaPrefixlen[ifa] = prefixlen;
  ifaMask[ifa] = mask; ifaBcast[ifa] = bcast; ifaScope[ifa] = scope; ifaFlags[ifa] = flags;
  ifaLabel[ifa] = label.length ? label : devName[dev]; ifaMetric[ifa] = metric; ifaNext[ifa] = -1;
  // a new in_ifaddr is zeroed (kzalloc): a lifetime left infinite is not written
  ifaValidLft[ifa] = 0; ifaPreferredLft[ifa] = 0;
  setIfaLifetime(ifa, valid, preferred);
  ifaCstamp[ifa] = ifaTstamp[ifa];
  const err = inetInsertIfa(ifa);
  if (err < 0) { ifaRelease(ifa); return err; }
  // __inet_insert_ifa() queues check_lifetime at once
  checkLifetime();
  return 0;
}

// ---- address lifetimes: set_ifa_lifetime(), check_lifetime(), inet_fill_ifaddr()'s IFA_CACHEINFO
/** ADDR_CHECK_FREQUENCY and include/net/addrconf.h's ADDRCONF_TIMER_FUZZ* (jiffies) */
const ADDR_CHECK_FREQUENCY: i64 = 120 * HZ;
const ADDRCONF_TIMER_FUZZ_MINUS: i64 = HZ > 50 ? HZ / 50 : 1;
const ADDRCONF_TIMER_FUZZ: i64 = HZ / 4;
const ADDRCONF_TIMER_FUZZ_MAX: i64 = HZ;
const NEVER: i64 = i64.MAX_VALUE;
/**
 * the jiffy check_lifetime's delayed work runs at. [model choice] NEVER while no address has a finite
 * lifetime: the kernel's work keeps running every ADDR_CHECK_FREQUENCY and finds nothing to do, and the
 * next add or change that could give it something queues it again at once, so nothing observable depends
 * on its runs in between.
 */
let lifetimeCheckAt: i64 = NEVER;

/**
 * set_ifa_lifetime(): a finite valid lifetime clears IFA_F_PERMANENT (iproute2 then shows `dynamic`), a
 * preferred lifetime of 0 sets IFA_F_DEPRECATED; an infinite one is not stored. The timestamp is now.
 */
function setIfaLifetime(ifa: i32, valid: u32, preferred: u32): void {
  let flags = ifaFlags[ifa] & ~(IFA_F_PERMANENT | IFA_F_DEPRECATED);
  // addrconf_timeout_fixup() leaves every finite u32 as it is on a 64-bit kernel
  if (valid != INFINITY_LIFE_TIME) ifaValidLft[ifa] = valid;
  else flags |= IFA_F_PERMANENT;
  if (preferred != INFINITY_LIFE_TIME) {
    if (preferred == 0) flags |= IFA_F_DEPRECATED;
    ifaPreferredLft[ifa] = preferred;
  }
  ifaFlags[ifa] = flags;
  ifaTstamp[ifa] = jiffies();
}

/**
 * check_lifetime(): an address whose valid lifetime has run out is deleted as inet_del_ifa() deletes it
 * (its secondaries with it or one promoted, the routes; an autojoin group is not left, as the kernel does
 * not leave it on this path), one whose preferred lifetime has run out becomes deprecated; ages count
 * ADDRCONF_TIMER_FUZZ_MINUS ahead, so that events a few jiffies apart go together. The work is queued
 * again for the earliest lifetime still to run out (at most ADDR_CHECK_FREQUENCY ahead, rounded up to
 * the second), rounded up to the next second when that is less than ADDRCONF_TIMER_FUZZ later, at least
 * ADDRCONF_TIMER_FUZZ_MAX ahead; the timer wheel then rounds it up by its level's granularity (32 ms for
 * a check up to 2 s ahead, 256 ms up to 16 s, 2 s beyond). [model choice] Those roundings are done on the
 * box's jiffies and CPU 0 (lib/jiffies.ts): a given Linux machine, with its own jiffies' phase, may run the
 * check earlier or later by up to that much.
 * [model choice] The kernel walks its address hash table, whose order depends on a per-namespace salt;
 * here devices and their lists in order: the order only shows when a primary and its secondaries run out
 * in the same run, and the same addresses go.
 */
function checkLifetime(): void {
  const now = jiffies();
  let next = roundJiffiesUp(now + ADDR_CHECK_FREQUENCY, now);
  const due = new Array<i32>();
  for (let d = 0; d < devList.length; d++) {
    const dev = devList[d];
    if (!inDevExists(dev)) continue;
    for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
      const flags = ifaFlags[i];
      if (flags & IFA_F_PERMANENT) continue;
      const valid = ifaValidLft[i], preferred = ifaPreferredLft[i], tstamp = ifaTstamp[i];
      const age = (now - tstamp + ADDRCONF_TIMER_FUZZ_MINUS) / HZ;
      if (valid != INFINITY_LIFE_TIME && age >= <i64>valid) due.push(i);
      else if (preferred == INFINITY_LIFE_TIME) continue;
      else if (age >= <i64>preferred) {
        const end = tstamp + <i64>valid * HZ;
        if (end < next) next = end;
        if (!(flags & IFA_F_DEPRECATED)) due.push(i);
      } else {
        const end = tstamp + <i64>preferred * HZ;
        if (end < next) next = end;
      }
    }
  }
  for (let k = 0; k < due.length; k++) {
    const i = due[k];
    if (ifaDev[i] == 0) continue; // gone with its primary (no allocation happens meanwhile)
    const age = (now - ifaTstamp[i] + ADDRCONF_TIMER_FUZZ_MINUS) / HZ;
    if (ifaValidLft[i] != INFINITY_LIFE_TIME && age >= <i64>ifaValidLft[i]) inetDelIfa(i);
    else ifaFlags[i] |= IFA_F_DEPRECATED;
  }
  let any = false;
  for (let d = 0; d < devList.length && !any; d++) {
    const dev = devList[d];
    if (!inDevExists(dev)) continue;
    for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) if (!(ifaFlags[i] & IFA_F_PERMANENT)) { any = true; break; }
  }
  if (!any) { lifetimeCheckAt = NEVER; return; }
  const nextSec = roundJiffiesUp(next, now);
  let sched = nextSec < next + ADDRCONF_TIMER_FUZZ ? nextSec : next;
  if (sched < now + ADDRCONF_TIMER_FUZZ_MAX) sched = now + ADDRCONF_TIMER_FUZZ_MAX;
  lifetimeCheckAt = timerWheelExpiry(now, sched);
}

/** the time (ns) check_lifetime's work is due, CLOCK_NEVER if not queued */
export function devinetTimerNext(): i64 { return lifetimeCheckAt == NEVER ? CLOCK_NEVER : lifetimeCheckAt * NS_PER_JIFFY; }
/** check_lifetime_work, when due */
export function devinetTimerRun(): void { if (jiffies() >= lifetimeCheckAt) checkLifetime(); }

/**
 * inet_fill_ifaddr()'s IFA_CACHEINFO lifetimes: what is left of them in whole seconds since the timestamp
 * (truncated), 0 once run out; forever for a permanent address. The preferred one, or with false the valid one.
 */
export function ifaLifetimeLeft(ifa: i32, preferredOne: bool): u32 {
  if (ifaFlags[ifa] & IFA_F_PERMANENT) return INFINITY_LIFE_TIME;
  let preferred = ifaPreferredLft[ifa], valid = ifaValidLft[ifa];
  if (preferred != INFINITY_LIFE_TIME) {
    const tval = (jiffies() - ifaTstamp[ifa]) / HZ;
    preferred = <i64>preferred > tval ? <u32>(<i64>preferred - tval) : 0;
    if (valid != INFINITY_LIFE_TIME) valid = <i64>valid > tval ? <u32>(<i64>valid - tval) : 0;
  }
  return preferredOne ? preferred : valid;
}

/** fib_modify_prefix_metric(): the prefix route follows an address's new metric */
import { fibModifyPrefixMetric } from "./fib_frontend";

function unlinkIfa(dev: i32, ifa: i32): void {
  rt_cache_flush();
  localsDirty = true;
  if (devIfaHead[dev] == ifa) { devIfaHead[dev] = ifaNext[ifa]; return; }
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
    if (ifaNext[i] == ifa) { ifaNext[i] = ifaNext[ifa]; return; }
  }
}

/** the inetaddr NETDEV_DOWN notifier (fib_inetaddr_event) */
function inetaddrDown(ifa: i32, dev: i32): void {
  fibDelIfaddr(ifa, -1, dying);
  devAddrGenidBump();
  if (devIfaHead[dev] < 0) fibDisableIp(dev, true);
}

let dying: bool = false;

/** __inet_del_ifa(): removes ifa; a primary takes its secondaries along unless promote_secondaries */
export function inetDelIfa(ifa1: i32): void {
  rt_cache_flush();
  const dev = ifaDev[ifa1];
  let promote: i32 = -1;
  let prevProm: i32 = -1;
  let lastPrim: i32 = -1; // insert promoted after this (-1 = head)
  const doPromote = confOr(dev, CONF_PROMOTE_SECONDARIES);
  if (!dying && !(ifaFlags[ifa1] & IFA_F_SECONDARY)) {
    // 1. deleting a primary deletes its secondaries, or promotes the first
    let i = ifaNext[ifa1];
    // last_prim starts at ifa1's own link: inserting "at ifap" = where ifa1 was
    lastPrim = prevOf(dev, ifa1);
    let prev = ifa1;
    while (i >= 0) {
      const next = ifaNext[i];
      if (!(ifaFlags[i] & IFA_F_SECONDARY) && ifaScope[ifa1] <= ifaScope[i]) lastPrim = i;
      if (!(ifaFlags[i] & IFA_F_SECONDARY) || ifaMask[ifa1] != ifaMask[i] || !inetIfaMatch(ifaAddress[ifa1], i)) {
        prev = i; prevProm = i; i = next; continue;
      }
      if (!doPromote) {
        ifaNext[prev] = next;
        localsDirty = true;
        inetaddrDown(i, dev);
        ifaRelease(i);
        i = next;
      } else {
        promote = i;
        break;
      }
    }
  }
  // promoted secondaries change their primary: remove their routes first
  for (let i = promote; i >= 0; i = ifaNext[i]) {
    if (ifaMask[ifa1] == ifaMask[i] && inetIfaMatch(ifaAddress[ifa1], i)) fibDelIfaddr(i, ifa1, false);
  }
  // 2. unlink, 3. announce
  const wasPrev = prevOf(dev, ifa1);
  unlinkIfa(dev, ifa1);
  if (lastPrim == ifa1) lastPrim = wasPrev;
  if (prevProm == ifa1) prevProm = wasPrev;
  inetaddrDown(ifa1, dev);
  if (promote >= 0) {
    const nextSec = ifaNext[promote];
    if (prevProm >= 0) {
      unlinkIfa(dev, promote);
      if (lastPrim < 0) { ifaNext[promote] = devIfaHead[dev]; devIfaHead[dev] = promote; }
      else { ifaNext[promote] = ifaNext[lastPrim]; ifaNext[lastPrim] = promote; }
      localsDirty = true;
    }
    ifaFlags[promote] &= ~IFA_F_SECONDARY;
    fibInetaddrUp(promote);
    for (let i = nextSec; i >= 0; i = ifaNext[i]) {
      if (ifaMask[ifa1] != ifaMask[i] || !inetIfaMatch(ifaAddress[ifa1], i)) continue;
      fibAddIfaddr(i);
    }
  }
  ifaRelease(ifa1);
}

function prevOf(dev: i32, ifa: i32): i32 {
  let prev = -1;
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) { if (i == ifa) return prev; prev = i; }
  return prev;
}

/** inet_rtm_deladdr(): hasAddress = the request carried IFA_ADDRESS (a prefix length was given) */
export function inetRtmDelAddr(dev: i32, local: u32, hasLocal: bool, address: u32, hasAddress: bool, prefixlen: i32, label: string): i32 {
  if (!inDevExists(dev)) return fail(ENODEV, "ipv4: Device not found");
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
    if (hasLocal && ifaLocal[i] != local) continue;
    if (label.length && ifaLabel[i] != label) continue;
    if (hasAddress && (prefixlen != ifaPrefixlen[i] || !inetIfaMatch(address, i))) continue;
    // a multicast address leaves its group, autojoin or not
    if (isMulticast(ifaAddress[i])) ip_mc_leave_group(MC_SOCK_AUTOJOIN, ifaAddress[i], dev, 0);
    inetDelIfa(i);
    return 0;
  }
  return fail(EADDRNOTAVAIL, "ipv4: Address not found");
}

/** inetdev_destroy(): the device goes away or its MTU drops below 68 */
export function inetdevDestroy(dev: i32): void {
  rt_cache_flush();
  if (!inDevExists(dev)) return;
  dying = true;
  while (devIfaHead[dev] >= 0) inetDelIfa(devIfaHead[dev]);
  dying = false;
  ip_mc_destroy_dev(dev);
  inDevAlive[dev] = false;
  localsDirty = true;
}

/** for NETDEV_UP: fib_add_ifaddr for each address */
export function inetForEachIfaAdd(dev: i32): void {
  for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) fibAddIfaddr(i);
}

export function isLoopbackDev(dev: i32): bool { return (devFlags[dev] & IFF_LOOPBACK) != 0; }
