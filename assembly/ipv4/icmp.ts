// net/ipv4/icmp.c: ICMP errors about a received packet (__icmp_send with the
// kernel's rules and rate limits) and ICMP input (icmp_rcv: echo, timestamp,
// errors, the rest discarded), with the Icmp and IcmpMsg counters.
// CONTRACT: icmp_send(skbIn, type, code, info) never takes skbIn (the caller
// still owns and drops it); it builds the error in a new skb and sends it with
// ip_local_out. `info` is the 32-bit rest of the ICMP header in host order:
// the next-hop MTU for 3/4, the gateway for redirects, pointer << 24 for 12/0.
// The offending packet's route is skb_rtable(skbIn) (skbRtType/skbRtFlags),
// or route.ts's last decision when none is attached.
import { ipDrop, skbDstSetFromRt, IPPROTO_TCP, IPPROTO_UDP } from "./ip_input";
import { inetGetpeerV4, inetPeerXrlimAllow, inetPeersReset, jiffies } from "./inetpeer";
import {
  skbAllocLocal, skbPut, skbLen, skbData, skbDataPtr, skbHead, skbNetworkHeader, skbPktType, skbDev, skbIif, skbMark,
  skbRtType, skbRtFlags, PACKET_HOST, SKB_MAX_FRAME,
} from "../core/skbuff";
import {
  kfree_skb_reason, consume_skb, dropCount, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_ICMP_CSUM,
  SKB_DROP_REASON_UNHANDLED_PROTO, SKB_DROP_REASON_INVALID_PROTO, SKB_DROP_REASON_PKT_TOO_SMALL,
  SKB_DROP_REASON_NO_SOCKET, SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_NOMEM,
} from "../core/dropreason";
import { devFlags, devMtu, devExists, IFF_LOOPBACK } from "../core/netdevice";
import { csumAdd, csumFold, load16be, load32be, store16be, store32be } from "../hw/checksum";
import * as R from "./route";
import { udpErrSocket } from "./udp";
import { dstMtu, mxHoplimit } from "./metrics";
import { RTCF_BROADCAST, RTCF_MULTICAST, RTCF_LOCAL, ipRouteOutput } from "./route";
import { inetSelectAddr } from "./devinet";
import { RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from "./fib_table";
import {
  icmpMsgIn, icmpMsgOut, mibInc, MIB_IcmpInMsgs, MIB_IcmpInErrors, MIB_IcmpInCsumErrors, MIB_IcmpOutMsgs,
  MIB_IcmpOutRateLimitGlobal, MIB_IcmpOutRateLimitHost,
} from "./snmp";
import {
  icmpEchoIgnoreAll, icmpEchoIgnoreBroadcasts, icmpErrorsUseInboundIfaddr, icmpRatelimit, icmpRatemask,
  icmpMsgsPerSec, icmpMsgsBurst, ipDefaultTtl, HZ,
} from "./sysctl_net_ipv4";
import { ipBuildHeader, localOut } from "./xmit";
import { ipOptionsEcho, ipOptionsBuild, echoOptLen, echoFaddr, currentTimestamp } from "./ip_options";

export const ICMP_ECHOREPLY: u8 = 0, ICMP_DEST_UNREACH: u8 = 3, ICMP_SOURCE_QUENCH: u8 = 4, ICMP_REDIRECT: u8 = 5,
  ICMP_ECHO: u8 = 8, ICMP_TIME_EXCEEDED: u8 = 11, ICMP_PARAMETERPROB: u8 = 12, ICMP_TIMESTAMP: u8 = 13,
  ICMP_TIMESTAMPREPLY: u8 = 14, ICMP_INFO_REQUEST: u8 = 15, ICMP_INFO_REPLY: u8 = 16, ICMP_ADDRESS: u8 = 17,
  ICMP_ADDRESSREPLY: u8 = 18, NR_ICMP_TYPES: u8 = 18, ICMP_EXT_ECHO: u8 = 42, ICMP_EXT_ECHOREPLY: u8 = 43;
export const ICMP_NET_UNREACH: u8 = 0, ICMP_HOST_UNREACH: u8 = 1, ICMP_PROT_UNREACH: u8 = 2, ICMP_PORT_UNREACH: u8 = 3,
  ICMP_FRAG_NEEDED: u8 = 4, ICMP_EXC_TTL: u8 = 0, ICMP_EXC_FRAGTIME: u8 = 1;
const IPPROTO_ICMP: u8 = 1;
/** INADDR_DUMMY 192.0.0.8: the source when no address could be chosen */
const INADDR_DUMMY: u32 = 0xc0000008;

/** icmp_pointers[type].error: the types that are errors (unknown types count as errors too) */
// @ts-ignore: decorator
@inline function icmpIsError(t: u32): bool {
  return t > 18 || t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 6 || t == 7 || t == 9 || t == 10 || t == 11 || t == 12;
}

// ---- route of the offending packet (skb_rtable) ---------------------------------------------
export function inRtFlags(skb: i32): u32 { return unchecked(skbRtType[skb]) != 0 ? unchecked(skbRtFlags[skb]) : R.rtFlags; }
export function inRtType(skb: i32): u8 { return unchecked(skbRtType[skb]) != 0 ? unchecked(skbRtType[skb]) : R.rtType; }

// route.ts keeps the last decision in globals that the caller (ip_forward, ip_error) may still
// read after icmp_send returns: the lookups done here save and restore them.
let sType: u8 = 0, sFlags: u32 = 0, sDev: i32 = 0, sGw: u32 = 0, sInput: bool = false, sError: i32 = 0,
  sSaddr: u32 = 0, sTable: u32 = 0, sAlias: i32 = -1, sPlen: i32 = 0, sDrop: i32 = 0, sMx: i32 = 0, sPmtu: u32 = 0;
export function rtSave(): void {
  sType = R.rtType; sFlags = R.rtFlags; sDev = R.rtDev; sGw = R.rtGw; sInput = R.rtIsInput; sError = R.rtError;
  sSaddr = R.rtSaddr; sTable = R.rtTable; sAlias = R.rtAlias; sPlen = R.rtPrefixlen; sDrop = R.rtDropReason; sMx = R.rtMx; sPmtu = R.rtPmtu;
}
export function rtRestore(): void {
  R.rtType = sType; R.rtFlags = sFlags; R.rtDev = sDev; R.rtGw = sGw; R.rtIsInput = sInput; R.rtError = sError;
  R.rtSaddr = sSaddr; R.rtTable = sTable; R.rtAlias = sAlias; R.rtPrefixlen = sPlen; R.rtDropReason = sDrop; R.rtMx = sMx; R.rtPmtu = sPmtu;
}

// ---- rate limits -------------------------------------------------------------------------------

// icmp_global: the per-namespace token bucket of icmp_msgs_per_sec / icmp_msgs_burst
let globalCredit: i32 = 0;
let globalStamp: i64 = i64.MIN_VALUE;
// get_random_u32_below(3) of icmp_global_consume, from a fixed-seed generator so runs repeat
let prng: u32 = 0x9e3779b9;
function rand3(): i32 {
  prng ^= prng << 13; prng ^= prng >> 17; prng ^= prng << 5;
  return <i32>(prng % 3);
}

/** icmpv4_mask_allow(): true when the type is not rate limited at all */
function icmpv4MaskAllow(type: u32, code: u32): bool {
  if (type > 18) return true;
  if (type == 3 && code == 4) return true; // PMTU discovery is never limited
  return ((1 << type) & <u32>icmpRatemask) == 0;
}

/** icmp_global_allow(): refill at most once per HZ/50, then "is there a credit" */
function icmpGlobalAllow(): bool {
  const now = jiffies();
  let delta: i64 = globalStamp == i64.MIN_VALUE ? HZ : now - globalStamp;
  if (delta > HZ) delta = HZ;
  if (delta >= HZ / 50) {
    const incr = <i64>icmpMsgsPerSec * delta / HZ;
    if (incr > 0) {
      globalStamp = now;
      let c = <i64>globalCredit + incr;
      if (c > <i64>icmpMsgsBurst) c = <i64>icmpMsgsBurst;
      globalCredit = <i32>c;
    }
  }
  return globalCredit > 0;
}
/** icmp_global_consume(): 0, 1 or 2 credits (may go negative) */
function icmpGlobalConsume(): void { globalCredit -= rand3(); }

/** icmpv4_global_allow(): sets applyRatelimit when the type is subject to the limits */
let applyRatelimit: bool = false;
function icmpv4GlobalAllow(type: u32, code: u32): bool {
  applyRatelimit = false;
  if (icmpv4MaskAllow(type, code)) return true;
  applyRatelimit = true;
  if (icmpGlobalAllow()) return true;
  mibInc(MIB_IcmpOutRateLimitGlobal);
  return false;
}

/** icmpv4_xrlim_allow(): the per-destination limit (rt = route.ts's output decision) */
function icmpv4XrlimAllow(daddr: u32): bool {
  if (!applyRatelimit) return true;
  if (devExists(R.rtDev) && (devFlags[R.rtDev] & IFF_LOOPBACK) != 0) return true;
  if (inetPeerXrlimAllow(inetGetpeerV4(daddr), <i64>icmpRatelimit)) return true;
  mibInc(MIB_IcmpOutRateLimitHost);
  return false;
}

/** Forgets the rate-limit state (a new box has none); tests use it between cases. */
export function icmpRateReset(): void {
  globalCredit = 0; globalStamp = i64.MIN_VALUE; prng = 0x9e3779b9;
  inetPeersReset();
}

// ---- building and sending ------------------------------------------------------------------------
/** icmp_out_count(): OutMsgs and IcmpMsg OutType */
function icmpOutCount(type: u8): void {
  mibInc(MIB_IcmpOutMsgs);
  unchecked(icmpMsgOut[type] += 1);
}

/**
 * icmp_push_reply(): an skb with [IP header | ICMP header (type, code, rest) | head extra | data],
 * checksummed, counted and handed to ip_local_out.
 */
function icmpPush(saddr: u32, daddr: u32, tos: u8, type: u8, code: u8, rest: u32, extra: usize, extraLen: u32,
  data: usize, dataLen: u32, mark: u32): void {
  const icmpLen = 8 + extraLen + dataLen;
  const hl = 20 + echoOptLen;
  const skb = skbAllocLocal(min(hl + icmpLen, SKB_MAX_FRAME));
  if (skb < 0) { dropCount(SKB_DROP_REASON_NOMEM); return; }
  const p = skbPut(skb, hl + icmpLen);
  if (p == 0) { kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM); return; }
  // the header goes to the route's destination (a reversed source route's first hop), the route ends at finalDaddr
  // the TTL of the reply's route: its hoplimit metric or ip_default_ttl (ip_select_ttl); never DF (the ICMP
  // socket's IP_PMTUDISC_DONT)
  ipBuildHeader(p, tos, hl + icmpLen, 0, false, <u8>mxHoplimit(R.rtMx, ipDefaultTtl), IPPROTO_ICMP, saddr, echoFaddr != 0 ? echoFaddr : daddr);
  ipOptionsBuild(p, saddr, daddr);
  const h = p + hl;
  store<u8>(h, type); store<u8>(h + 1, code); store<u16>(h + 2, 0); store32be(h + 4, rest);
  if (extraLen) memory.copy(h + 8, extra, extraLen);
  if (dataLen) memory.copy(h + 8 + extraLen, data, dataLen);
  store16be(h + 2, ~csumFold(csumAdd(0, h, icmpLen)) & 0xffff);
  skbMark[skb] = mark;
  icmpOutCount(type);
  skbDstSetFromRt(skb); // the route icmp_route_lookup just took goes with the packet
  localOut(skb);
}

/** The network header of an skb (data when none was set). */
function nhPtr(skb: i32): usize {
  const n = unchecked(skbNetworkHeader[skb]);
  return skbHead(skb) + <usize>(n >= 0 ? <u32>n : unchecked(skbData[skb]));
}
/** bytes from the network header to the tail */
function nhLen(skb: i32): i64 {
  const n = unchecked(skbNetworkHeader[skb]);
  const start: i64 = n >= 0 ? <i64>n : <i64>unchecked(skbData[skb]);
  return <i64>unchecked(skbData[skb]) + <i64>unchecked(skbLen[skb]) - start;
}

/** __icmp_send(): an ICMP error about skbIn, unless the rules say never; skbIn stays the caller's. */
export function icmp_send(skbIn: i32, type: u8, code: u8, info: u32): void {
  if (skbIn < 0) return;
  const avail = nhLen(skbIn);
  if (avail < 20) return;
  const iph = nhPtr(skbIn);
  // no replies to link-level broadcast/multicast, nor to IP broadcast/multicast
  if (unchecked(skbPktType[skbIn]) != PACKET_HOST) return;
  const rtf = inRtFlags(skbIn);
  if (rtf & (RTCF_BROADCAST | RTCF_MULTICAST)) return;
  // only about fragment 0
  if (load16be(iph + 6) & 0x1fff) return;
  const isErr = icmpIsError(type);
  if (isErr && load<u8>(iph + 9) == IPPROTO_ICMP) {
    // never an error about an ICMP error (or an unknown type)
    const off = (<i64>(load<u8>(iph) & 15) << 2);
    if (off >= avail) return;
    const it = <u32>load<u8>(iph + <usize>off);
    if (icmpIsError(it)) return;
  }
  const inDev = unchecked(skbDev[skbIn]);
  const fromLoopback = devExists(inDev) && (devFlags[inDev] & IFF_LOOPBACK) != 0;
  if (!fromLoopback) {
    if (!icmpv4GlobalAllow(type, code)) return;
  } else {
    applyRatelimit = !icmpv4MaskAllow(type, code);
  }
  const ipSaddr = load32be(iph + 12), ipDaddr = load32be(iph + 16);
  let saddr = ipDaddr;
  if (!(rtf & RTCF_LOCAL)) {
    saddr = 0;
    const iif = unchecked(skbIif[skbIn]);
    if (icmpErrorsUseInboundIfaddr && iif > 0 && devExists(iif)) saddr = inetSelectAddr(iif, ipSaddr, RT_SCOPE_LINK);
  }
  const itos = <u32>load<u8>(iph + 1);
  const tos = <u8>(isErr ? ((itos & 0x1e) | 0xc0) : itos);
  const mark = unchecked(skbMark[skbIn]);
  if (!ipOptionsEcho(iph, avail)) return;
  rtSave();
  // icmp_route_lookup(): back to the sender (or the first hop of the reversed source route); the ICMP type/code sit
  // where the ports would. ip_route_output_key_hash(net, fl4, skb_in): a multipath route's nexthop is hashed by
  // the offending packet skb_in (fib_multipath_hash), not by this flow
  const to = echoFaddr != 0 ? echoFaddr : ipSaddr;
  const err = ipRouteOutput(to, saddr, 0, mark, 0, <u32>tos & 0x1c, IPPROTO_ICMP, 0, (<u32>type << 8) | code, iph, <u32>avail);
  if (err == 0 && icmpv4XrlimAllow(to)) {
    let room: i64 = devExists(R.rtDev) ? <i64>dstMtu(R.rtMx, R.rtPmtu, devMtu[R.rtDev], R.rtGw != 0, false) : 576; // dst_mtu()
    if (room > 576) room = 576;
    room -= 20 + <i64>echoOptLen + 8;
    if (room > 20) {
      let dataLen = avail;
      if (dataLen > room) dataLen = room;
      let src = R.rtSaddr;
      if (src == 0) src = INADDR_DUMMY;
      icmpPush(src, ipSaddr, tos, type, code, info, 0, 0, iph, <u32>dataLen, mark);
      if (applyRatelimit) icmpGlobalConsume();
    }
  }
  rtRestore();
}

// ---- input ---------------------------------------------------------------------------------------
/** icmp_reply(): echo and timestamp replies, from the address the request was sent to */
function icmpReply(skb: i32, iph: usize, type: u8, code: u8, rest: u32, extra: usize, extraLen: u32, data: usize, dataLen: u32): void {
  if (!ipOptionsEcho(iph, <i64>unchecked(skbLen[skb]))) return;
  if (!icmpv4GlobalAllow(type, code)) return;
  const tos = load<u8>(iph + 1);
  const daddr = load32be(iph + 12);
  const rtf = inRtFlags(skb);
  // fib_compute_spec_dst(): the packet's destination, or for broadcast/multicast an address of the device
  let saddr = load32be(iph + 16);
  if (rtf & (RTCF_BROADCAST | RTCF_MULTICAST)) saddr = inetSelectAddr(unchecked(skbIif[skb]), daddr, RT_SCOPE_UNIVERSE);
  const mark = unchecked(skbMark[skb]);
  rtSave();
  // ip_route_output_key() without the skb: a multipath route's nexthop by this flow's hash
  const to = echoFaddr != 0 ? echoFaddr : daddr;
  const err = ipRouteOutput(to, saddr, 0, mark, 0, <u32>tos & 0x1c, IPPROTO_ICMP, 0, (<u32>type << 8) | code);
  if (err == 0 && icmpv4XrlimAllow(to)) {
    icmpPush(R.rtSaddr != 0 ? R.rtSaddr : saddr, daddr, tos, type, code, rest, extra, extraLen, data, dataLen, mark);
    if (applyRatelimit) icmpGlobalConsume();
  }
  rtRestore();
}

const tsBuf = new StaticArray<u8>(12);


/**
 * icmp_socket_deliver() for an error at h quoting our packet (IP header of qihl bytes, then 8 more): the quoted
 * protocol's err_handler. icmp_err(), about an echo reply the kernel sent: a "fragmentation needed" (next-hop
 * MTU mtu) teaches a path MTU, a redirect (from oldGw, received on dev) another gateway; about another ICMP
 * message, ping_err() finds no ping socket. udp_err() and tcp_v4_err() count an error that finds no socket
 * (TCP has no connections here); one about a bound UDP socket's datagram teaches what icmp_err would.
 */
function icmpErr(h: usize, qihl: u32, mtu: u32, oldGw: u32, dev: i32): void {
  const q = h + 8;
  const proto = load<u8>(q + 9);
  if (proto == IPPROTO_ICMP) {
    if (load<u8>(q + qihl) != ICMP_ECHOREPLY) return;
  } else if (proto == IPPROTO_UDP) {
    if (udpErrSocket(load32be(q + 12), load16be(q + qihl)) < 0) { mibInc(MIB_IcmpInErrors); return; }
  } else {
    if (proto == IPPROTO_TCP) mibInc(MIB_IcmpInErrors);
    return;
  }
  const type = load<u8>(h), code = load<u8>(h + 1);
  if (type != ICMP_REDIRECT && !(type == ICMP_DEST_UNREACH && code == 4)) return;
  const daddr = load32be(q + 16), saddr = load32be(q + 12), tos = <u32>load<u8>(q + 1);
  rtSave();
  if (type == ICMP_REDIRECT) R.ipv4Redirect(daddr, saddr, tos, proto, code, oldGw, load32be(h + 4), dev);
  else R.ipv4UpdatePmtu(daddr, saddr, tos, proto, mtu);
  rtRestore();
}

/** icmp_rcv(): skb data at the IP header of a whole datagram; takes the skb. */
export function icmp_rcv(skb: i32): void {
  const iph = skbDataPtr(skb);
  const ihl = (<u32>load<u8>(iph) & 15) << 2;
  const len = <i64>unchecked(skbLen[skb]) - <i64>ihl;
  mibInc(MIB_IcmpInMsgs);
  const h = iph + ihl;
  // skb_checksum_simple_validate(), then pskb_pull of the 8-byte header
  if (len > 0 && (csumFold(csumAdd(0, h, <u32>len)) & 0xffff) != 0xffff) {
    mibInc(MIB_IcmpInCsumErrors); mibInc(MIB_IcmpInErrors);
    ipDrop(skb, SKB_DROP_REASON_ICMP_CSUM);
    return;
  }
  if (len < 8) { mibInc(MIB_IcmpInErrors); ipDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED); return; }
  const type = load<u8>(h), code = load<u8>(h + 1);
  unchecked(icmpMsgIn[type] += 1);
  if (type == ICMP_EXT_ECHO) { consume_skb(skb); return; }               // PROBE off (icmp_echo_enable_probe 0)
  if (type == ICMP_EXT_ECHOREPLY) { ipDrop(skb, SKB_DROP_REASON_NO_SOCKET); return; } // ping_rcv: no socket
  if (type > NR_ICMP_TYPES) { mibInc(MIB_IcmpInErrors); ipDrop(skb, SKB_DROP_REASON_UNHANDLED_PROTO); return; }
  if (inRtFlags(skb) & (RTCF_BROADCAST | RTCF_MULTICAST)) {
    if ((type == ICMP_ECHO || type == ICMP_TIMESTAMP) && icmpEchoIgnoreBroadcasts) {
      mibInc(MIB_IcmpInErrors); ipDrop(skb, SKB_DROP_REASON_INVALID_PROTO); return;
    }
    if (type != ICMP_ECHO && type != ICMP_TIMESTAMP && type != ICMP_ADDRESS && type != ICMP_ADDRESSREPLY) {
      mibInc(MIB_IcmpInErrors); ipDrop(skb, SKB_DROP_REASON_INVALID_PROTO); return;
    }
  }
  const body = <u32>len - 8;
  switch (type) {
    case ICMP_ECHOREPLY: // ping_rcv(): no ping socket here
      ipDrop(skb, SKB_DROP_REASON_NO_SOCKET);
      return;
    case ICMP_ECHO: // icmp_echo()
      if (!icmpEchoIgnoreAll) icmpReply(skb, iph, ICMP_ECHOREPLY, code, load32be(h + 4), 0, 0, h + 8, body);
      consume_skb(skb);
      return;
    case ICMP_TIMESTAMP: { // icmp_timestamp()
      if (body < 4) { mibInc(MIB_IcmpInErrors); ipDrop(skb, SKB_DROP_REASON_PKT_TOO_SMALL); return; }
      const t = currentTimestamp();
      const b = changetype<usize>(tsBuf);
      memory.copy(b, h + 8, 4);
      store32be(b + 4, t); store32be(b + 8, t);
      icmpReply(skb, iph, ICMP_TIMESTAMPREPLY, 0, load32be(h + 4), b, 12, 0, 0);
      consume_skb(skb);
      return;
    }
    case ICMP_DEST_UNREACH: case ICMP_SOURCE_QUENCH: case ICMP_TIME_EXCEEDED: case ICMP_PARAMETERPROB: {
      // icmp_unreach(): the quoted header must be there, then icmp_socket_deliver (not for an unknown unreachable
      // code, nor a reassembly timeout)
      if (body < 20) { mibInc(MIB_IcmpInErrors); consume_skb(skb); return; }
      const qihl = (<u32>load<u8>(h + 8) & 15) << 2;
      if (qihl < 20) { mibInc(MIB_IcmpInErrors); ipDrop(skb, SKB_DROP_REASON_IP_INHDR); return; }
      if (body < qihl + 8) mibInc(MIB_IcmpInErrors); // icmp_socket_deliver: header + 8 bytes needed
      else if (!(type == ICMP_DEST_UNREACH && code > 15) && !(type == ICMP_TIME_EXCEEDED && code == 1)) {
        icmpErr(h, qihl, type == ICMP_DEST_UNREACH && code == 4 ? load16be(h + 6) : 0, 0, 0);
      }
      consume_skb(skb);
      return;
    }
    case ICMP_REDIRECT: { // icmp_redirect()
      if (body < 20) { mibInc(MIB_IcmpInErrors); ipDrop(skb, SKB_DROP_REASON_PKT_TOO_SMALL); return; }
      const qihl = (<u32>load<u8>(h + 8) & 15) << 2;
      if (body < qihl + 8) mibInc(MIB_IcmpInErrors); // icmp_socket_deliver
      else icmpErr(h, qihl, 0, load32be(iph + 12), unchecked(skbDev[skb]));
      consume_skb(skb);
      return;
    }
    default: // icmp_discard()
      consume_skb(skb);
  }
}

