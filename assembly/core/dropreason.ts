// Why an skb was freed (include/net/dropreason-core.h): the kernel's
// SKB_DROP_REASON_* names in the order of its enum (a 6.x tree: NOT_DROPPED_YET 0,
// CONSUMED 1, then the reasons from 2), one counter per reason, and the two
// ways an skb dies: kfree_skb_reason() (a drop) and consume_skb() (normal end).
// Counters are plain u64 slots; nothing is allocated per packet.

import { skbFree, skbDropReason } from "./skbuff";

export const SKB_NOT_DROPPED_YET: u16 = 0;
export const SKB_CONSUMED: u16 = 1;
export const SKB_DROP_REASON_NOT_SPECIFIED: u16 = 2;
export const SKB_DROP_REASON_NO_SOCKET: u16 = 3;
export const SKB_DROP_REASON_PKT_TOO_SMALL: u16 = 4;
export const SKB_DROP_REASON_TCP_CSUM: u16 = 5;
export const SKB_DROP_REASON_SOCKET_FILTER: u16 = 6;
export const SKB_DROP_REASON_UDP_CSUM: u16 = 7;
export const SKB_DROP_REASON_NETFILTER_DROP: u16 = 8;
export const SKB_DROP_REASON_OTHERHOST: u16 = 9;
export const SKB_DROP_REASON_IP_CSUM: u16 = 10;
export const SKB_DROP_REASON_IP_INHDR: u16 = 11;
export const SKB_DROP_REASON_IP_RPFILTER: u16 = 12;
export const SKB_DROP_REASON_UNICAST_IN_L2_MULTICAST: u16 = 13;
export const SKB_DROP_REASON_XFRM_POLICY: u16 = 14;
export const SKB_DROP_REASON_IP_NOPROTO: u16 = 15;
export const SKB_DROP_REASON_SOCKET_RCVBUFF: u16 = 16;
export const SKB_DROP_REASON_PROTO_MEM: u16 = 17;
export const SKB_DROP_REASON_TCP_AUTH_HDR: u16 = 18;
export const SKB_DROP_REASON_TCP_MD5NOTFOUND: u16 = 19;
export const SKB_DROP_REASON_TCP_MD5UNEXPECTED: u16 = 20;
export const SKB_DROP_REASON_TCP_MD5FAILURE: u16 = 21;
export const SKB_DROP_REASON_TCP_AONOTFOUND: u16 = 22;
export const SKB_DROP_REASON_TCP_AOUNEXPECTED: u16 = 23;
export const SKB_DROP_REASON_TCP_AOKEYNOTFOUND: u16 = 24;
export const SKB_DROP_REASON_TCP_AOFAILURE: u16 = 25;
export const SKB_DROP_REASON_SOCKET_BACKLOG: u16 = 26;
export const SKB_DROP_REASON_TCP_FLAGS: u16 = 27;
export const SKB_DROP_REASON_TCP_ZEROWINDOW: u16 = 28;
export const SKB_DROP_REASON_TCP_OLD_DATA: u16 = 29;
export const SKB_DROP_REASON_TCP_OVERWINDOW: u16 = 30;
export const SKB_DROP_REASON_TCP_OFOMERGE: u16 = 31;
export const SKB_DROP_REASON_TCP_RFC7323_PAWS: u16 = 32;
export const SKB_DROP_REASON_TCP_OLD_SEQUENCE: u16 = 33;
export const SKB_DROP_REASON_TCP_INVALID_SEQUENCE: u16 = 34;
export const SKB_DROP_REASON_TCP_RESET: u16 = 35;
export const SKB_DROP_REASON_TCP_INVALID_SYN: u16 = 36;
export const SKB_DROP_REASON_TCP_CLOSE: u16 = 37;
export const SKB_DROP_REASON_TCP_FASTOPEN: u16 = 38;
export const SKB_DROP_REASON_TCP_OLD_ACK: u16 = 39;
export const SKB_DROP_REASON_TCP_TOO_OLD_ACK: u16 = 40;
export const SKB_DROP_REASON_TCP_ACK_UNSENT_DATA: u16 = 41;
export const SKB_DROP_REASON_TCP_OFO_QUEUE_PRUNE: u16 = 42;
export const SKB_DROP_REASON_TCP_OFO_DROP: u16 = 43;
export const SKB_DROP_REASON_IP_OUTNOROUTES: u16 = 44;
export const SKB_DROP_REASON_BPF_CGROUP_EGRESS: u16 = 45;
export const SKB_DROP_REASON_IPV6DISABLED: u16 = 46;
export const SKB_DROP_REASON_NEIGH_CREATEFAIL: u16 = 47;
export const SKB_DROP_REASON_NEIGH_FAILED: u16 = 48;
export const SKB_DROP_REASON_NEIGH_QUEUEFULL: u16 = 49;
export const SKB_DROP_REASON_NEIGH_DEAD: u16 = 50;
export const SKB_DROP_REASON_TC_EGRESS: u16 = 51;
export const SKB_DROP_REASON_QDISC_DROP: u16 = 52;
export const SKB_DROP_REASON_CPU_BACKLOG: u16 = 53;
export const SKB_DROP_REASON_XDP: u16 = 54;
export const SKB_DROP_REASON_TC_INGRESS: u16 = 55;
export const SKB_DROP_REASON_UNHANDLED_PROTO: u16 = 56;
export const SKB_DROP_REASON_SKB_CSUM: u16 = 57;
export const SKB_DROP_REASON_SKB_GSO_SEG: u16 = 58;
export const SKB_DROP_REASON_SKB_UCOPY_FAULT: u16 = 59;
export const SKB_DROP_REASON_DEV_HDR: u16 = 60;
export const SKB_DROP_REASON_DEV_READY: u16 = 61;
export const SKB_DROP_REASON_FULL_RING: u16 = 62;
export const SKB_DROP_REASON_NOMEM: u16 = 63;
export const SKB_DROP_REASON_HDR_TRUNC: u16 = 64;
export const SKB_DROP_REASON_TAP_FILTER: u16 = 65;
export const SKB_DROP_REASON_TAP_TXFILTER: u16 = 66;
export const SKB_DROP_REASON_ICMP_CSUM: u16 = 67;
export const SKB_DROP_REASON_INVALID_PROTO: u16 = 68;
export const SKB_DROP_REASON_IP_INADDRERRORS: u16 = 69;
export const SKB_DROP_REASON_IP_INNOROUTES: u16 = 70;
export const SKB_DROP_REASON_PKT_TOO_BIG: u16 = 71;
export const SKB_DROP_REASON_DUP_FRAG: u16 = 72;
export const SKB_DROP_REASON_FRAG_REASM_TIMEOUT: u16 = 73;
export const SKB_DROP_REASON_FRAG_TOO_FAR: u16 = 74;
export const SKB_DROP_REASON_TCP_MINTTL: u16 = 75;
export const SKB_DROP_REASON_IPV6_BAD_EXTHDR: u16 = 76;
export const SKB_DROP_REASON_IPV6_NDISC_FRAG: u16 = 77;
export const SKB_DROP_REASON_IPV6_NDISC_HOP_LIMIT: u16 = 78;
export const SKB_DROP_REASON_IPV6_NDISC_BAD_CODE: u16 = 79;
export const SKB_DROP_REASON_IPV6_NDISC_BAD_OPTIONS: u16 = 80;
export const SKB_DROP_REASON_IPV6_NDISC_NS_OTHERHOST: u16 = 81;
export const SKB_DROP_REASON_QUEUE_PURGE: u16 = 82;
export const SKB_DROP_REASON_TC_COOKIE_ERROR: u16 = 83;
export const SKB_DROP_REASON_PACKET_SOCK_ERROR: u16 = 84;
export const SKB_DROP_REASON_TC_CHAIN_NOTFOUND: u16 = 85;
export const SKB_DROP_REASON_TC_RECLASSIFY_LOOP: u16 = 86;
// the input route decision's reasons (newer kernels name them; appended here so the values above stay put)
export const SKB_DROP_REASON_IP_LOCAL_SOURCE: u16 = 87;
export const SKB_DROP_REASON_IP_INVALID_SOURCE: u16 = 88;
export const SKB_DROP_REASON_IP_LOCALNET: u16 = 89;
export const SKB_DROP_REASON_IP_INVALID_DEST: u16 = 90;
// the bridge's reasons (net/bridge, Linux 6.13+)
export const SKB_DROP_REASON_MAC_INVALID_SOURCE: u16 = 91;
export const SKB_DROP_REASON_MAC_IEEE_MAC_CONTROL: u16 = 92;
export const SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE: u16 = 93;
export const SKB_DROP_REASON_NO_TX_TARGET: u16 = 94;
export const SKB_DROP_REASON_MAX: u16 = 95;

/** The names as `perf`/`dropwatch` print them (without the SKB_DROP_REASON_ prefix), index = value. */
const NAMES: string[] = [
  "NOT_DROPPED_YET", "CONSUMED",
  "NOT_SPECIFIED", "NO_SOCKET", "PKT_TOO_SMALL", "TCP_CSUM", "SOCKET_FILTER", "UDP_CSUM",
  "NETFILTER_DROP", "OTHERHOST", "IP_CSUM", "IP_INHDR", "IP_RPFILTER", "UNICAST_IN_L2_MULTICAST",
  "XFRM_POLICY", "IP_NOPROTO", "SOCKET_RCVBUFF", "PROTO_MEM", "TCP_AUTH_HDR", "TCP_MD5NOTFOUND",
  "TCP_MD5UNEXPECTED", "TCP_MD5FAILURE", "TCP_AONOTFOUND", "TCP_AOUNEXPECTED", "TCP_AOKEYNOTFOUND", "TCP_AOFAILURE",
  "SOCKET_BACKLOG", "TCP_FLAGS", "TCP_ZEROWINDOW", "TCP_OLD_DATA", "TCP_OVERWINDOW", "TCP_OFOMERGE",
  "TCP_RFC7323_PAWS", "TCP_OLD_SEQUENCE", "TCP_INVALID_SEQUENCE", "TCP_RESET", "TCP_INVALID_SYN", "TCP_CLOSE",
  "TCP_FASTOPEN", "TCP_OLD_ACK", "TCP_TOO_OLD_ACK", "TCP_ACK_UNSENT_DATA", "TCP_OFO_QUEUE_PRUNE", "TCP_OFO_DROP",
  "IP_OUTNOROUTES", "BPF_CGROUP_EGRESS", "IPV6DISABLED", "NEIGH_CREATEFAIL", "NEIGH_FAILED", "NEIGH_QUEUEFULL",
  "NEIGH_DEAD", "TC_EGRESS", "QDISC_DROP", "CPU_BACKLOG", "XDP", "TC_INGRESS",
  "UNHANDLED_PROTO", "SKB_CSUM", "SKB_GSO_SEG", "SKB_UCOPY_FAULT", "DEV_HDR", "DEV_READY",
  "FULL_RING", "NOMEM", "HDR_TRUNC", "TAP_FILTER", "TAP_TXFILTER", "ICMP_CSUM",
  "INVALID_PROTO", "IP_INADDRERRORS", "IP_INNOROUTES", "PKT_TOO_BIG", "DUP_FRAG", "FRAG_REASM_TIMEOUT",
  "FRAG_TOO_FAR", "TCP_MINTTL", "IPV6_BAD_EXTHDR", "IPV6_NDISC_FRAG", "IPV6_NDISC_HOP_LIMIT", "IPV6_NDISC_BAD_CODE",
  "IPV6_NDISC_BAD_OPTIONS", "IPV6_NDISC_NS_OTHERHOST", "QUEUE_PURGE", "TC_COOKIE_ERROR", "PACKET_SOCK_ERROR", "TC_CHAIN_NOTFOUND",
  "TC_RECLASSIFY_LOOP", "IP_LOCAL_SOURCE", "IP_INVALID_SOURCE", "IP_LOCALNET", "IP_INVALID_DEST",
  "MAC_INVALID_SOURCE", "MAC_IEEE_MAC_CONTROL", "BRIDGE_INGRESS_STP_STATE", "NO_TX_TARGET",
];

const counts = new StaticArray<u64>(<i32>SKB_DROP_REASON_MAX);

export function dropReasonName(r: i32): string { return r >= 0 && r < NAMES.length ? unchecked(NAMES[r]) : ""; }
export function dropReasonCount(r: i32): u64 { return r >= 0 && r < <i32>SKB_DROP_REASON_MAX ? unchecked(counts[r]) : 0; }

/** Counts a drop without an skb (e.g. no skb could be allocated for a frame). */
export function dropCount(reason: u16): void {
  const r = reason < SKB_DROP_REASON_MAX && reason >= SKB_DROP_REASON_NOT_SPECIFIED ? <i32>reason : <i32>SKB_DROP_REASON_NOT_SPECIFIED;
  unchecked(counts[r] = counts[r] + 1);
}

/** kfree_skb_reason(): the skb was dropped; counted under `reason` (NOT_SPECIFIED when out of range). */
export function kfree_skb_reason(skb: i32, reason: u16): void {
  if (skb < 0) return;
  dropCount(reason);
  skbDropReason(skb, reason);
  skbFree(skb);
}

/** kfree_skb(): a drop without a reason. */
export function kfree_skb(skb: i32): void { kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED); }

/** consume_skb(): the skb reached its end normally (delivered, sent). */
export function consume_skb(skb: i32): void {
  if (skb < 0) return;
  unchecked(counts[SKB_CONSUMED] = counts[SKB_CONSUMED] + 1);
  skbFree(skb);
}
