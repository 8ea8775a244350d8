// net/ipv4/sysctl_net_ipv4.c (and icmp_sk_init, inet_fragment defaults): the
// ICMP, reassembly and TTL knobs of the local-delivery path. Consulted by
// core/sysctl's entry point (abi.ts sysctlRw) before the conf/forwarding keys.
import { EINVAL } from "../lib/errno";
import { parseDecimal, parseUnsignedBase0 } from "../lib/parse";
import { rt_cache_flush } from "./flow";

/** HZ of the modelled kernel: ms_jiffies sysctls round to it (the recordings' machine has 250). */
export const HZ: i64 = 250;
export const NS_PER_JIFFY: i64 = 1000000000 / HZ;

export let icmpEchoIgnoreAll: i32 = 0;
export let icmpEchoIgnoreBroadcasts: i32 = 1;
export let icmpIgnoreBogusErrorResponses: i32 = 1;
export let icmpErrorsUseInboundIfaddr: i32 = 0;
/** icmp_ratelimit in jiffies (written and read in ms) */
export let icmpRatelimit: i32 = <i32>HZ;
export let icmpRatemask: i32 = 0x1818;
export let icmpMsgsPerSec: i32 = 1000;
export let icmpMsgsBurst: i32 = 50;
/** ipfrag_time in seconds */
export let ipfragTime: i32 = 30;
export let ipfragHighThresh: i64 = 4 * 1024 * 1024;
export let ipfragLowThresh: i64 = 3 * 1024 * 1024;
export let ipfragMaxDist: i32 = 64;
export let ipDefaultTtl: i32 = 64;
/** ip_no_pmtu_disc (proc_dou8vec_minmax): only kept, no socket here learns a path MTU */
export let ipNoPmtuDisc: i32 = 0;
/** IGMP reports for link-local groups (224.0.0.x) too (proc_dou8vec_minmax) */
export let igmpLinkLocalMcastReports: i32 = 1;
/** the robustness variable a new device starts with: how often a change is reported */
export let igmpQrv: i32 = 2;
/** groups one socket may join */
export let igmpMaxMemberships: i32 = 20;

/** fib_multipath_hash_seed as written (0: the kernel's random key; see fib_multipath.ts) */
export let fibMultipathHashSeed: u32 = 0;
/** fib_multipath_hash_policy: 0 L3, 1 L4, 2 L3 or the inner L3 of IPIP and GRE, 3 the fields below */
export let fibMultipathHashPolicy: i32 = 0;
/** fib_multipath_hash_fields: FIB_MULTIPATH_HASH_FIELD_* bits, outer source/destination address and protocol by default */
export let fibMultipathHashFields: u32 = 0x0007;
/** FIB_MULTIPATH_HASH_FIELD_ALL_MASK: the most fib_multipath_hash_fields takes */
const FIB_MULTIPATH_HASH_FIELD_ALL_MASK: i64 = 0x0fff;
export let fibMultipathUseNeigh: i32 = 0;

/** the value of the last key this module answered */
export let ipv4SysctlValue: string = "";
/** returned when the key is not one of ours */
export const SYSCTL_NOT_MINE: i32 = 1;


/** proc_dointvec_ms_jiffies: ms in, jiffies stored (rounded up as msecs_to_jiffies does) */
function msToJiffies(ms: i64): i64 { return (ms * HZ + 999) / 1000; }
function jiffiesToMs(j: i64): i64 { return j * 1000 / HZ; }

/** 0 (value in ipv4SysctlValue), -errno, or SYSCTL_NOT_MINE */
export function ipv4Sysctl(key: string, write: bool, value: string): i32 {
  const k = key.replaceAll("/", ".");
  if (!k.startsWith("net.ipv4.")) return SYSCTL_NOT_MINE;
  const n = k.substring(9);
  let v: i64 = 0;
  if (write) {
    // proc_douintvec_minmax (fib_multipath_hash_fields) reads numbers in any base strtoul does (0x hex, a
    // leading 0 octal); the proc_dointvec family here, decimal ones
    v = n == "fib_multipath_hash_fields" ? parseUnsignedBase0(value, 0xffffffff) : parseDecimal(value, 0x7fffffffffff);
    if (v == i64.MIN_VALUE) return -EINVAL;
  }
  const int32 = v >= -0x80000000 && v <= 0x7fffffff;
  const bool01 = v == 0 || v == 1;
  let out: i64 = 0;
  if (n == "icmp_echo_ignore_all") {
    if (write) { if (!bool01) return -EINVAL; icmpEchoIgnoreAll = <i32>v; }
    out = icmpEchoIgnoreAll;
  } else if (n == "icmp_echo_ignore_broadcasts") {
    if (write) { if (!bool01) return -EINVAL; icmpEchoIgnoreBroadcasts = <i32>v; }
    out = icmpEchoIgnoreBroadcasts;
  } else if (n == "icmp_ignore_bogus_error_responses") {
    if (write) { if (!bool01) return -EINVAL; icmpIgnoreBogusErrorResponses = <i32>v; }
    out = icmpIgnoreBogusErrorResponses;
  } else if (n == "icmp_errors_use_inbound_ifaddr") {
    if (write) { if (!bool01) return -EINVAL; icmpErrorsUseInboundIfaddr = <i32>v; }
    out = icmpErrorsUseInboundIfaddr;
  } else if (n == "icmp_ratelimit") {
    if (write) { if (!int32 || v < 0) return -EINVAL; icmpRatelimit = <i32>msToJiffies(v); }
    out = jiffiesToMs(icmpRatelimit);
  } else if (n == "icmp_ratemask") {
    if (write) { if (!int32) return -EINVAL; icmpRatemask = <i32>v; }
    out = icmpRatemask;
  } else if (n == "icmp_msgs_per_sec") {
    if (write) { if (!int32 || v < 0) return -EINVAL; icmpMsgsPerSec = <i32>v; }
    out = icmpMsgsPerSec;
  } else if (n == "icmp_msgs_burst") {
    if (write) { if (!int32 || v < 0) return -EINVAL; icmpMsgsBurst = <i32>v; }
    out = icmpMsgsBurst;
  } else if (n == "ipfrag_time") {
    if (write) { if (!int32) return -EINVAL; ipfragTime = <i32>v; }
    out = ipfragTime;
  } else if (n == "ipfrag_high_thresh") {
    if (write) { if (v < ipfragLowThresh) return -EINVAL; ipfragHighThresh = v; }
    out = ipfragHighThresh;
  } else if (n == "ipfrag_low_thresh") {
    if (write) { if (v < 0 || v > ipfragHighThresh) return -EINVAL; ipfragLowThresh = v; }
    out = ipfragLowThresh;
  } else if (n == "ipfrag_max_dist") {
    if (write) { if (!int32 || v < 0) return -EINVAL; ipfragMaxDist = <i32>v; }
    out = ipfragMaxDist;
  } else if (n == "ip_default_ttl") {
    if (write) { if (v < 1 || v > 255) return -EINVAL; ipDefaultTtl = <i32>v; }
    out = ipDefaultTtl;
  } else if (n == "ip_no_pmtu_disc") {
    if (write) { if (v < 0 || v > 255) return -EINVAL; ipNoPmtuDisc = <i32>v; }
    out = ipNoPmtuDisc;
  } else if (n == "igmp_link_local_mcast_reports") {
    if (write) { if (v < 0 || v > 255) return -EINVAL; igmpLinkLocalMcastReports = <i32>v; }
    out = igmpLinkLocalMcastReports;
  } else if (n == "igmp_qrv") {
    // proc_dointvec_minmax from 1
    if (write) { if (!int32 || v < 1) return -EINVAL; igmpQrv = <i32>v; }
    out = igmpQrv;
  } else if (n == "igmp_max_memberships") {
    if (write) { if (!int32) return -EINVAL; igmpMaxMemberships = <i32>v; }
    out = igmpMaxMemberships;
  } else if (n == "fib_multipath_hash_seed") {
    // proc_fib_multipath_hash_seed: a u32
    if (write) { if (v < 0 || v > 0xffffffff) return -EINVAL; fibMultipathHashSeed = <u32>v; rt_cache_flush(); }
    out = fibMultipathHashSeed;
  } else if (n == "fib_multipath_hash_policy") {
    // proc_fib_multipath_hash_policy: proc_dou8vec_minmax, 0 to max_fib_multipath_hash_policy (3)
    if (write) { if (v < 0 || v > 3) return -EINVAL; fibMultipathHashPolicy = <i32>v; rt_cache_flush(); }
    out = fibMultipathHashPolicy;
  } else if (n == "fib_multipath_hash_fields") {
    // proc_fib_multipath_hash_fields: proc_douintvec_minmax from 1 (SYSCTL_ONE) to the mask of all fields
    if (write) { if (v < 1 || v > FIB_MULTIPATH_HASH_FIELD_ALL_MASK) return -EINVAL; fibMultipathHashFields = <u32>v; rt_cache_flush(); }
    out = fibMultipathHashFields;
  } else if (n == "fib_multipath_use_neigh") {
    if (write) { if (!bool01) return -EINVAL; fibMultipathUseNeigh = <i32>v; rt_cache_flush(); }
    out = fibMultipathUseNeigh;
  } else {
    return SYSCTL_NOT_MINE;
  }
  ipv4SysctlValue = out.toString();
  return 0;
}
