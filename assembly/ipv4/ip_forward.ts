// net/ipv4/ip_forward.c (ip_forward, ip_forward_finish, ip_forward_options),
// include/net/ip.h ip_decrease_ttl, and from net/ipv4/route.c the input side of
// error routes (ip_error) and redirects (ip_rt_send_redirect) with their
// per-source rate limits, kept on the sender's inet_peer (inetpeer.ts).
import {
  skbLen, skbPktType, skbDataPtr, skbRtDev, skbRtFlags, skbRtGw, skbRtError, skbRtMx, skbRtPmtu, skbIpFlags, skbIif, skbDev,
  PACKET_HOST,
} from "../core/skbuff";
import {
  SKB_DROP_REASON_OTHERHOST, SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_PKT_TOO_BIG, SKB_DROP_REASON_NOT_SPECIFIED,
  SKB_DROP_REASON_IP_INADDRERRORS, SKB_DROP_REASON_IP_INNOROUTES,
} from "../core/dropreason";
import { NET_RX_SUCCESS, NET_RX_DROP } from "../core/netif";
import { devMtu } from "../core/netdevice";
import { trace, traceVerdict } from "../core/trace";
import {
  TE_FORWARD, TE_IP_ERROR, TE_REDIRECT, TE_TTL_EXCEEDED, TE_FRAG_NEEDED, VERDICT_FORWARD,
} from "../core/trace_events";
import { HZ } from "./sysctl_net_ipv4";
import { inetGetpeerV4, jiffies, peerRateTokens, peerRateLast, peerNRedirects } from "./inetpeer";
import { load16be, load32be } from "../hw/checksum";
import { EHOSTUNREACH, ENETUNREACH, EACCES } from "../lib/errno";
import {
  mibInc, MIB_IpInHdrErrors, MIB_IpFragFails, MIB_IpForwDatagrams, MIB_IpInAddrErrors, MIB_IpExtInNoRoutes,
} from "./snmp";
import { confGet, CONF_FORWARDING, inDevExists, inetSelectAddr } from "./devinet";
import { RTCF_DOREDIRECT } from "./route";
import { icmp_send } from "./icmp";
import { dstMtu } from "./metrics";
import { ip_output } from "./ip_output";
import {
  ipDrop, storeBe32, IP_DF, IPSKB_FORWARDED, optSrr, optRr, optRrNeedaddr, optTs, optTsNeedaddr,
  optStrict, optChanged, optSrrIsHit, optNexthop,
} from "./ip_input";
import { nf_hook, NF_INET_FORWARD, NF_ACCEPT } from "./netfilter";
import { ipSendCheck } from "./xmit";

/** net.ipv4.route.error_cost / error_burst / redirect_load / redirect_number / redirect_silence (jiffies) */
export let ipRtErrorCost: i64 = HZ, ipRtErrorBurst: i64 = 5 * HZ;
export let ipRtRedirectLoad: i64 = HZ / 50, ipRtRedirectNumber: i32 = 9, ipRtRedirectSilence: i64 = (HZ / 50) << 10;

/**
 * ip_decrease_ttl(): ttl - 1 with the incremental header checksum update, done as the kernel does it in the
 * host's byte order (the recordings' x86 kernel is little-endian, as wasm is): the checksum read as a
 * little-endian u16 plus htons(0x0100), plus one more when that reached 0xffff. So a checksum of 0xfeff
 * becomes 0x0000, where RFC 1624's end-around carry would give 0xffff.
 */
// @ts-ignore: decorator
@inline function ip_decrease_ttl(iph: usize): void {
  let check = <u32>load<u16>(iph + 10) + 1;
  check += check >= 0xffff ? 1 : 0;
  store<u16>(iph + 10, <u16>check);
  store<u8>(iph + 8, load<u8>(iph + 8) - 1);
}

/** ip_forward() */
// @ts-ignore: decorator
@inline export function ip_forward(skb: i32): i32 {
  if (unchecked(skbPktType[skb]) != PACKET_HOST) { ipDrop(skb, SKB_DROP_REASON_OTHERHOST); return NET_RX_DROP; }
  const iph = skbDataPtr(skb);
  // router alert: no RA sockets (ip_call_ra_chain finds none)
  const ttl = <u32>load<u8>(iph + 8);
  if (ttl <= 1) {
    trace(TE_TTL_EXCEEDED, ttl, 0);
    mibInc(MIB_IpInHdrErrors);
    icmp_send(skb, 11, 0, 0);
    ipDrop(skb, SKB_DROP_REASON_IP_INHDR);
    return NET_RX_DROP;
  }
  const out = unchecked(skbRtDev[skb]);
  const gw = unchecked(skbRtGw[skb]);
  if (optSrr != 0 && optStrict && gw != 0) {
    icmp_send(skb, 3, 5, 0); // ICMP_SR_FAILED
    ipDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    return NET_RX_DROP;
  }
  unchecked(skbIpFlags[skb] = skbIpFlags[skb] | IPSKB_FORWARDED);
  // ip_dst_mtu_maybe_forward(dst, true): a learned path MTU only when locked, the route's mtu metric, else the device's
  const mx = unchecked(skbRtMx[skb]), pm = unchecked(skbRtPmtu[skb]);
  const mtu = (mx | <i32>pm) == 0 ? devMtu[out] : dstMtu(mx, pm, devMtu[out], gw != 0, true);
  const len = skbLen[skb];
  if (len > mtu && (load16be(iph + 6) & IP_DF) != 0) {
    trace(TE_FRAG_NEEDED, mtu, 0);
    mibInc(MIB_IpFragFails);
    icmp_send(skb, 3, 4, mtu);
    ipDrop(skb, SKB_DROP_REASON_PKT_TOO_BIG);
    return NET_RX_DROP;
  }
  ip_decrease_ttl(iph);
  if ((unchecked(skbRtFlags[skb]) & RTCF_DOREDIRECT) != 0 && optSrr == 0) ip_rt_send_redirect(skb, iph);
  trace(TE_FORWARD, <u32>out, ttl - 1);
  traceVerdict(skb, VERDICT_FORWARD, 0);
  if (nf_hook(NF_INET_FORWARD, skb, skbDev[skb], out) != NF_ACCEPT) return NET_RX_DROP;
  return ip_forward_finish(skb, iph);
}

/** ip_forward_finish(): counters, the options that record the outgoing address, dst_output */
// @ts-ignore: decorator
@inline function ip_forward_finish(skb: i32, iph: usize): i32 {
  mibInc(MIB_IpForwDatagrams);
  // IpExtOutOctets is counted by ip_output
  if (optRr != 0 || optTs != 0 || optChanged) ip_forward_options(skb, iph);
  ip_output(skb);
  return NET_RX_SUCCESS;
}

/**
 * ip_forward_options(): record route gets the address of the outgoing device; a source route that named us
 * (srr_is_hit) sends the packet to its next hop, whose slot gets that address, and only then does a
 * timestamp with addresses get it too
 */
function ip_forward_options(skb: i32, iph: usize): void {
  const out = unchecked(skbRtDev[skb]);
  // ip_rt_get_source(): the preferred source towards the destination on the output device
  let src = inetSelectAddr(out, load32be(iph + 16), 0);
  let changed = optChanged;
  if (optRrNeedaddr && optRr != 0) {
    const o = iph + optRr;
    const ptr = <u32>load<u8>(o + 2);
    storeBe32(o + ptr - 5, src);
    changed = true;
  }
  if (optSrrIsHit) {
    const o = iph + optSrr;
    const space = <u32>load<u8>(o + 1);
    let ptr = <u32>load<u8>(o + 2);
    while (ptr + 3 <= space && load32be(o + ptr - 1) != optNexthop) ptr += 4;
    if (ptr + 3 <= space) {
      storeBe32(iph + 16, optNexthop);
      src = inetSelectAddr(out, optNexthop, 0);
      storeBe32(o + ptr - 1, src);
      store<u8>(o + 2, <u8>(ptr + 4));
      changed = true;
    }
    if (optTsNeedaddr && optTs != 0) {
      const t = iph + optTs;
      storeBe32(t + <u32>load<u8>(t + 2) - 9, src);
      changed = true;
    }
  }
  if (changed) ipSendCheck(iph);
}

/** ip_rt_send_redirect(): ICMP redirect (host) with exponential backoff per source */
function ip_rt_send_redirect(skb: i32, iph: usize): void {
  const saddr = load32be(iph + 12);
  const gwOrDst = skbRtGw[skb] != 0 ? skbRtGw[skb] : load32be(iph + 16); // rt_nexthop()
  const pr = inetGetpeerV4(saddr);
  const now = jiffies();
  if (now > unchecked(peerRateLast[pr]) + ipRtRedirectSilence) { unchecked(peerRateTokens[pr] = 0); unchecked(peerNRedirects[pr] = 0); }
  if (unchecked(peerNRedirects[pr]) >= ipRtRedirectNumber) { unchecked(peerRateLast[pr] = now); return; }
  const n = unchecked(peerNRedirects[pr]);
  if (n == 0 || now > unchecked(peerRateLast[pr]) + (ipRtRedirectLoad << n)) {
    trace(TE_REDIRECT, gwOrDst, 0);
    icmp_send(skb, 5, 1, gwOrDst);
    unchecked(peerRateLast[pr] = now);
    unchecked(peerNRedirects[pr] = n + 1);
  }
}

/** ip_error(): the input of an unreachable/prohibit/blackhole/no-route dst */
export function ip_error(skb: i32): void {
  const dev = skbIif[skb];
  const err = skbRtError[skb];
  let reason = SKB_DROP_REASON_NOT_SPECIFIED;
  if (!inDevExists(dev)) { trace(TE_IP_ERROR, <u32>err, 0xff); ipDrop(skb, reason); return; }
  if (confGet(dev, CONF_FORWARDING) == 0) {
    if (err == EHOSTUNREACH) { reason = SKB_DROP_REASON_IP_INADDRERRORS; mibInc(MIB_IpInAddrErrors); }
    else if (err == ENETUNREACH) { reason = SKB_DROP_REASON_IP_INNOROUTES; mibInc(MIB_IpExtInNoRoutes); }
    trace(TE_IP_ERROR, <u32>err, 0xff);
    ipDrop(skb, reason);
    return;
  }
  let code: u8 = 0xff;
  if (err == EHOSTUNREACH) code = 1;
  else if (err == ENETUNREACH) { code = 0; reason = SKB_DROP_REASON_IP_INNOROUTES; mibInc(MIB_IpExtInNoRoutes); }
  else if (err == EACCES) code = 13;
  if (code == 0xff) { trace(TE_IP_ERROR, <u32>err, 0xff); ipDrop(skb, reason); return; } // EINVAL (blackhole) and others
  // the per-source token bucket
  const iph = skbDataPtr(skb);
  const pr = inetGetpeerV4(load32be(iph + 12));
  const now = jiffies();
  let tokens = unchecked(peerRateTokens[pr]) + now - unchecked(peerRateLast[pr]);
  if (tokens > ipRtErrorBurst) tokens = ipRtErrorBurst;
  unchecked(peerRateLast[pr] = now);
  let send = true;
  if (tokens >= ipRtErrorCost) tokens -= ipRtErrorCost; else send = false;
  unchecked(peerRateTokens[pr] = tokens);
  trace(TE_IP_ERROR, <u32>err, send ? code : 0xff);
  if (send) icmp_send(skb, 3, code, 0);
  ipDrop(skb, reason);
}

