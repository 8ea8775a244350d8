// net/ipv4/ip_input.c: IPv4 receive. ip_rcv (ip_rcv_core's sanity checks in
// the kernel's order, each a counted drop with its reason), the PRE_ROUTING
// hook, ip_rcv_finish (the input route decision of route.ts attached to the
// skb, IP options), then dst_input: ip_local_deliver, ip_forward or ip_error.
import {
  skbLen, skbData, skbPktType, skbMark, skbDataPtr, skbTrim, skbResetNetworkHeader, skbRtDev, skbRtType, skbRtFlags,
  skbRtGw, skbRtError, skbRtMx, skbRtPmtu, skbIpFlags, skbIif, PACKET_OTHERHOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_HOST,
} from "../core/skbuff";
import {
  kfree_skb_reason, SKB_DROP_REASON_OTHERHOST, SKB_DROP_REASON_IP_INHDR, SKB_DROP_REASON_IP_CSUM,
  SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_IP_RPFILTER,
  SKB_DROP_REASON_UNICAST_IN_L2_MULTICAST,
} from "../core/dropreason";
import { NET_RX_SUCCESS, NET_RX_DROP, dev_add_pack, ETH_P_IP, ETH_P_ARP, dev_core_stats_rx_otherhost_dropped_inc } from "../core/netif";
import { trace, traceOn, traceVerdict } from "../core/trace";
import {
  TE_IP_RCV, TE_ROUTE_INPUT, TE_ROUTE_FAIL, TE_LOCAL_DELIVER, TE_PROTOCOL_DELIVER, TE_DROP, TE_DEFRAG, TE_OPTIONS,
  VERDICT_DROP, VERDICT_LOCAL,
} from "../core/trace_events";
import { ipHeaderSum, load16be, load32be } from "../hw/checksum";
import {
  mibInc, mibAdd, MIB_IpInReceives, MIB_IpExtInOctets, MIB_IpInHdrErrors, MIB_IpExtInCsumErrors,
  MIB_IpExtInTruncatedPkts, MIB_IpExtInMcastPkts, MIB_IpExtInBcastPkts, MIB_IpExtInMcastOctets,
  MIB_IpExtInBcastOctets, MIB_IpExtInNoECTPkts, MIB_IpExtInECT1Pkts, MIB_IpExtInECT0Pkts, MIB_IpExtInCEPkts,
} from "./snmp";
import {
  ipRouteInputCached, ipRouteOutputKeyHashRcu, traceRoute, rtType, rtFlags, rtDev, rtGw, rtError, rtMx, rtPmtu, rtSaddr, RTCF_LOCAL, RTCF_BROADCAST,
  RTCF_MULTICAST,
} from "./route";
import { RTN_MULTICAST, RTN_BROADCAST, RTN_UNICAST, RTN_LOCAL } from "./fib_table";
import { confOr, confAnd, CONF_ACCEPT_SOURCE_ROUTE, CONF_DROP_UNICAST_IN_L2_MULTICAST, inetSelectAddr } from "./devinet";
import { clockNow } from "../hw/clock";
import { ip_defrag } from "./ip_fragment";
import { ip_protocol_deliver } from "./protocol";
import { icmp_send } from "./icmp";
import { ip_forward, ip_error } from "./ip_forward";
import { arp_rcv } from "./arp";
import { nf_hook, NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN, NF_ACCEPT } from "./netfilter";
import { flowDissectPorts } from "./flow";

export const IPPROTO_ICMP: u8 = 1, IPPROTO_TCP: u8 = 6, IPPROTO_UDP: u8 = 17;
export const IP_DF: u32 = 0x4000, IP_MF: u32 = 0x2000, IP_OFFSET: u32 = 0x1fff;
// IPCB(skb)->flags
export const IPSKB_FORWARDED: u16 = 1, IPSKB_DOREDIRECT: u16 = 32;
/** netpath's stand-in for sk_mc_loop(skb->sk) false: the sending socket turned IP_MULTICAST_LOOP off */
export const IPSKB_NO_MC_LOOP: u16 = 0x4000;
/** netpath's stand-in for skb->ignore_df: the sender fragments a DF packet rather than fail (ip_sk_ignore_df) */
export const IPSKB_IGNORE_DF: u16 = 0x8000;
// IPCB(skb)->opt: the options of the packet being handled (offsets from the IP header, 0 = absent)
export let optSrr: u32 = 0, optRr: u32 = 0, optTs: u32 = 0, optRouterAlert: u32 = 0;
export let optRrNeedaddr: bool = false, optTsNeedaddr: bool = false, optStrict: bool = false;
/** opt->is_changed: receive processing wrote into the options (the header checksum is stale until forwarded) */
export let optChanged: bool = false;
/** opt->srr_is_hit, opt->nexthop: a source route named us and goes on to nexthop (ip_options_rcv_srr) */
export let optSrrIsHit: bool = false, optNexthop: u32 = 0;
/** Some opt* may be set: the last packet had options. A packet without them clears them only then. */
let optSet = false;
function optClear(): void {
  optSrr = 0; optRr = 0; optTs = 0; optRouterAlert = 0; optRrNeedaddr = false; optTsNeedaddr = false; optStrict = false;
  optChanged = false; optSrrIsHit = false; optNexthop = 0;
  optSet = false;
}
// the flow keys of the packet being received, for the routes ip_options_rcv_srr looks up
let rcvProto: u32 = 0, rcvSport: u32 = 0, rcvDport: u32 = 0;

/** dev_add_pack(ETH_P_IP, ip_rcv) and ETH_P_ARP → arp_rcv (inet_init, arp_init) */
export function ipInit(): void {
  dev_add_pack(ETH_P_IP, ip_rcv);
  dev_add_pack(ETH_P_ARP, arp_rcv);
}

/** kfree_skb_reason with the trace of the verdict */
export function ipDrop(skb: i32, reason: u16): void {
  trace(TE_DROP, reason, 0);
  traceVerdict(skb, VERDICT_DROP, reason);
  kfree_skb_reason(skb, reason);
}

/** ip_rcv(): ip_rcv_core, NF_INET_PRE_ROUTING, ip_rcv_finish */
export function ip_rcv(skb: i32, dev: i32, origDev: i32): i32 {
  trace(TE_IP_RCV, dev, skbLen[skb]);
  // ip_rcv_core
  if (unchecked(skbPktType[skb]) == PACKET_OTHERHOST) {
    dev_core_stats_rx_otherhost_dropped_inc(dev);
    ipDrop(skb, SKB_DROP_REASON_OTHERHOST);
    return NET_RX_DROP;
  }
  const len = unchecked(skbLen[skb]);
  mibInc(MIB_IpInReceives);
  mibAdd(MIB_IpExtInOctets, len);
  if (len < 20) return hdrError(skb);
  const p = skbDataPtr(skb);
  const vihl = <u32>load<u8>(p);
  const ihl = vihl & 0xf;
  if (ihl < 5 || (vihl >> 4) != 4) return hdrError(skb);
  // ECN counters (IPSTATS_MIB_NOECTPKTS + ecn)
  ecnCount(p);
  const hlen = ihl << 2;
  if (len < hlen) return hdrError(skb);
  if (ipHeaderSum(p, ihl) != 0xffff) { // ip_fast_csum
    mibInc(MIB_IpExtInCsumErrors);
    mibInc(MIB_IpInHdrErrors);
    ipDrop(skb, SKB_DROP_REASON_IP_CSUM);
    return NET_RX_DROP;
  }
  const totLen = load16be(p + 2);
  if (len < totLen) { mibInc(MIB_IpExtInTruncatedPkts); ipDrop(skb, SKB_DROP_REASON_PKT_TOO_SMALL); return NET_RX_DROP; }
  if (totLen < hlen) return hdrError(skb);
  // pskb_trim_rcsum: the link layer padding goes
  skbTrim(skb, totLen);
  skbResetNetworkHeader(skb);
  skbIpFlags[skb] = 0;
  if (nf_hook(NF_INET_PRE_ROUTING, skb, dev, 0) != NF_ACCEPT) return NET_RX_DROP;
  return ip_rcv_finish(skb, dev);
}

/** IPSTATS_MIB_NOECTPKTS + ecn */
// @ts-ignore: decorator
@inline function ecnCount(p: usize): void {
  const ecn = <u32>load<u8>(p, 1) & 3;
  mibInc(ecn == 0 ? MIB_IpExtInNoECTPkts : ecn == 1 ? MIB_IpExtInECT1Pkts : ecn == 2 ? MIB_IpExtInECT0Pkts : MIB_IpExtInCEPkts);
}

/**
 * A copy of a packet this host sent, looped back by ip_mc_output (dev_loopback_xmit → netif_rx): ip_rcv
 * counts it, and as it keeps the sender's route (RTCF_LOCAL) ip_rcv_finish looks up none: it is delivered.
 */
export function ip_rcv_looped(skb: i32): void {
  const p = skbDataPtr(skb);
  const len = skbLen[skb];
  mibInc(MIB_IpInReceives);
  mibAdd(MIB_IpExtInOctets, len);
  ecnCount(p);
  skbResetNetworkHeader(skb);
  skbIpFlags[skb] = 0;
  const t = skbRtType[skb];
  if (t == RTN_MULTICAST) { mibInc(MIB_IpExtInMcastPkts); mibAdd(MIB_IpExtInMcastOctets, len); }
  else if (t == RTN_BROADCAST) { mibInc(MIB_IpExtInBcastPkts); mibAdd(MIB_IpExtInBcastOctets, len); }
  ip_local_deliver(skb);
}

function hdrError(skb: i32): i32 {
  mibInc(MIB_IpInHdrErrors);
  ipDrop(skb, SKB_DROP_REASON_IP_INHDR);
  return NET_RX_DROP;
}

/** Attaches the route of the last decision (route.ts rt*) to the skb: skb_dst_set */
export function skbDstSetFromRt(skb: i32): void {
  unchecked(skbRtDev[skb] = rtDev); unchecked(skbRtType[skb] = rtType); unchecked(skbRtFlags[skb] = rtFlags);
  unchecked(skbRtGw[skb] = rtGw); unchecked(skbRtError[skb] = rtError); unchecked(skbRtMx[skb] = rtMx);
  unchecked(skbRtPmtu[skb] = rtPmtu);
}


/** ip_rcv_finish() / ip_rcv_finish_core(): the input route, options, counters, then dst_input */
function ip_rcv_finish(skb: i32, dev: i32): i32 {
  const p = skbDataPtr(skb);
  const hlen = (<u32>load<u8>(p) & 0xf) << 2;
  const tos = <u32>load<u8>(p, 1);
  const proto = <u32>load<u8>(p, 9);
  const saddr = load32be(p + 12), daddr = load32be(p + 16);
  const ports = flowDissectPorts(p, hlen, skbLen[skb]);
  const sport = ports >>> 16, dport = ports & 0xffff;
  // a multipath route hashes the packet (fib_multipath_hash with the skb)
  const err = ipRouteInputCached(daddr, saddr, tos & 0xfc, dev, skbMark[skb], proto, sport, dport, p, skbLen[skb]);
  if (err != 0) {
    trace(TE_ROUTE_FAIL, <u32>err, 0);
    // a martian: the route decision's drop reason
    ipDrop(skb, <u16>err);
    return NET_RX_DROP;
  }
  if (traceOn) traceRoute(TE_ROUTE_INPUT, <u32>rtType | (rtFlags >> 16 & 0xff00));
  skbDstSetFromRt(skb);
  if (hlen > 20) {
    rcvProto = proto; rcvSport = sport; rcvDport = dport;
    if (ip_rcv_options(skb, dev, p, hlen)) return NET_RX_DROP;
  } else if (optSet) {
    optClear();
  }
  const t = skbRtType[skb];
  if (t == RTN_MULTICAST) { mibInc(MIB_IpExtInMcastPkts); mibAdd(MIB_IpExtInMcastOctets, skbLen[skb]); }
  else if (t == RTN_BROADCAST) { mibInc(MIB_IpExtInBcastPkts); mibAdd(MIB_IpExtInBcastOctets, skbLen[skb]); }
  else if ((skbPktType[skb] == PACKET_BROADCAST || skbPktType[skb] == PACKET_MULTICAST) &&
    confOr(dev, CONF_DROP_UNICAST_IN_L2_MULTICAST)) {
    // RFC 1122 3.3.6: a unicast datagram in a link-layer broadcast or multicast frame
    ipDrop(skb, SKB_DROP_REASON_UNICAST_IN_L2_MULTICAST);
    return NET_RX_DROP;
  }
  // dst_input()
  if (skbRtError[skb] != 0) { ip_error(skb); return NET_RX_DROP; }
  if (skbRtFlags[skb] & RTCF_LOCAL) { ip_local_deliver(skb); return NET_RX_SUCCESS; }
  return ip_forward(skb);
}

/**
 * ip_rcv_options() / ip_options_compile(): parses the options of a received
 * packet (record route and timestamp get the receiving address and are
 * advanced), a malformed one gets ICMP parameter problem; source routes are
 * dropped unless accept_source_route. Returns true when the skb was dropped.
 */
function ip_rcv_options(skb: i32, dev: i32, iph: usize, hlen: u32): bool {
  optClear();
  optSet = true;
  let ppPtr: u32 = 0;
  let o: u32 = 20;
  let changed = false;
  while (o < hlen) {
    const type = <u32>load<u8>(iph + o);
    if (type == 0) { // IPOPT_END: the rest must be END too
      for (let k = o + 1; k < hlen; k++) if (load<u8>(iph + k) != 0) { store<u8>(iph + k, 0); changed = true; }
      break;
    }
    if (type == 1) { o++; continue; } // IPOPT_NOOP
    const l = hlen - o;
    if (l < 2) { ppPtr = o; break; }
    const olen = <u32>load<u8>(iph + o + 1);
    if (olen < 2 || olen > l) { ppPtr = o; break; }
    const ptr = olen >= 3 ? <u32>load<u8>(iph + o + 2) : 0;
    if (type == 0x83 || type == 0x89) { // LSRR, SSRR
      if (olen < 3) { ppPtr = o + 1; break; }
      if (ptr < 4) { ppPtr = o + 2; break; }
      if (optSrr != 0) { ppPtr = o; break; }
      optStrict = type == 0x89;
      optSrr = o;
    } else if (type == 7) { // IPOPT_RR
      if (optRr != 0) { ppPtr = o; break; }
      if (olen < 3) { ppPtr = o + 1; break; }
      if (ptr < 4) { ppPtr = o + 2; break; }
      if (ptr <= olen) {
        if (ptr + 3 > olen) { ppPtr = o + 2; break; }
        storeBe32(iph + o + ptr - 1, specDst(skb, dev));
        store<u8>(iph + o + 2, <u8>(ptr + 4));
        optRrNeedaddr = true;
        changed = true;
      }
      optRr = o;
    } else if (type == 0x44) { // IPOPT_TIMESTAMP
      if (optTs != 0) { ppPtr = o; break; }
      if (olen < 4) { ppPtr = o + 1; break; }
      if (ptr < 5) { ppPtr = o + 2; break; }
      const flg = <u32>load<u8>(iph + o + 3);
      if (ptr <= olen) {
        if (ptr + 3 > olen) { ppPtr = o + 2; break; }
        const fl = flg & 0xf;
        if (fl == 0) { // TSONLY
          storeBe32(iph + o + ptr - 1, msSinceMidnight());
          store<u8>(iph + o + 2, <u8>(ptr + 4));
          changed = true;
        } else if (fl == 1) { // TSANDADDR
          if (ptr + 7 > olen) { ppPtr = o + 2; break; }
          storeBe32(iph + o + ptr - 1, specDst(skb, dev));
          storeBe32(iph + o + ptr + 3, msSinceMidnight());
          store<u8>(iph + o + 2, <u8>(ptr + 8));
          optTsNeedaddr = true;
          changed = true;
        }
        // PRESPEC and others: left alone (not modelled)
      } else if ((flg & 0xf) != 3) {
        const overflow = flg >> 4;
        if (overflow == 15) { ppPtr = o + 3; break; }
        store<u8>(iph + o + 3, <u8>((flg & 0xf) | ((overflow + 1) << 4)));
        changed = true;
      }
      optTs = o;
    } else if (type == 0x94) { // IPOPT_RA
      if (olen < 4) { ppPtr = o + 1; break; }
      if (load<u8>(iph + o + 2) == 0 && load<u8>(iph + o + 3) == 0) optRouterAlert = o;
    }
    o += olen;
  }
  if (ppPtr != 0) {
    trace(TE_OPTIONS, 1, ppPtr);
    icmp_send(skb, 12, 0, ppPtr << 24);
    mibInc(MIB_IpInHdrErrors);
    ipDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    return true;
  }
  // the header checksum is left as it came (is_changed: ip_forward_options recomputes it)
  optChanged = changed;
  // IN_DEV_SOURCE_ROUTE: conf/all and the device's must both accept source routes
  if (optSrr != 0 && (!confAnd(dev, CONF_ACCEPT_SOURCE_ROUTE) || ipOptionsRcvSrr(skb, dev, iph))) {
    trace(TE_OPTIONS, 2, optSrr);
    ipDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED);
    return true;
  }
  trace(TE_OPTIONS, 0, 0);
  return false;
}

/**
 * ip_options_rcv_srr(): a source route through someone else is forwarded as it is when loose (strict: a
 * parameter problem at the destination field); through us, each listed hop that is ours in turn becomes
 * the destination, and the first that is not is the next hop the packet is forwarded to (its route
 * replaces ours). True: the packet is dropped.
 */
function ipOptionsRcvSrr(skb: i32, dev: i32, iph: usize): bool {
  if (unchecked(skbPktType[skb]) != PACKET_HOST) return true;
  const t = unchecked(skbRtType[skb]);
  if (t == RTN_UNICAST) {
    if (!optStrict) return false;
    icmp_send(skb, 12, 0, 16 << 24);
    return true;
  }
  if (t != RTN_LOCAL) return true;
  const o = iph + optSrr;
  const space = <u32>load<u8>(o + 1);
  let ptr = <u32>load<u8>(o + 2);
  const saddr = load32be(iph + 12), dscp = <u32>load<u8>(iph + 1) & 0xfc;
  let nexthop: u32 = 0;
  for (; ptr <= space; ptr += 4) {
    if (ptr + 3 > space) { icmp_send(skb, 12, 0, (optSrr + 2) << 24); return true; }
    nexthop = load32be(o + ptr - 1);
    // a failed lookup leaves the packet its route, and it is dropped; a multipath route hashes the
    // packet, its header's destination still the hop just used
    if (ipRouteInputCached(nexthop, saddr, dscp, dev, skbMark[skb], rcvProto, rcvSport, rcvDport, iph, skbLen[skb]) != 0) return true;
    if (rtType != RTN_UNICAST && rtType != RTN_LOCAL) return true;
    skbDstSetFromRt(skb);
    if (rtType != RTN_LOCAL) break;
    storeBe32(iph + 16, nexthop);
    optChanged = true;
  }
  if (ptr <= space) { optSrrIsHit = true; optNexthop = nexthop; optChanged = true; }
  return false;
}

/** fib_compute_spec_dst(): the address the receiving side is known by (the route back to the sender's source) */
function specDst(skb: i32, dev: i32): u32 {
  const p = skbDataPtr(skb);
  const daddr = load32be(p + 16), saddr = load32be(p + 12);
  if ((skbRtFlags[skb] & (RTCF_LOCAL | RTCF_BROADCAST | RTCF_MULTICAST)) != 0) return daddr;
  if (saddr >>> 24 != 0) {
    // fib_lookup towards the source from lo (no output route, so untraced), then fib_result_prefsrc(); route.ts state is not needed any more here
    if (ipRouteOutputKeyHashRcu(saddr, 0, 0, 0, 0, <u32>load<u8>(p + 1) & 0xfc, 0, 0, 0) == 0 && rtSaddr != 0) return rtSaddr;
    return inetSelectAddr(dev, saddr, 0);
  }
  return inetSelectAddr(dev, saddr, 253); // RT_SCOPE_LINK
}

/** inet_current_timestamp(): ms since midnight UT, from the virtual clock */
function msSinceMidnight(): u32 { return <u32>((clockNow() / 1000000) % 86400000); }

export function storeBe32(p: usize, v: u32): void {
  store<u8>(p, <u8>(v >> 24)); store<u8>(p, <u8>(v >> 16), 1); store<u8>(p, <u8>(v >> 8), 2); store<u8>(p, <u8>v, 3);
}

/** ip_local_deliver(): reassembly, LOCAL_IN, the protocol handler */
export function ip_local_deliver(skb0: i32): void {
  let skb = skb0;
  const p = skbDataPtr(skb);
  trace(TE_LOCAL_DELIVER, load<u8>(p + 9), 0);
  if ((load16be(p + 6) & (IP_MF | IP_OFFSET)) != 0) {
    skb = ip_defrag(skb);
    trace(TE_DEFRAG, skb >= 0 ? 1 : 0, 0);
    if (skb < 0) return;
  }
  if (nf_hook(NF_INET_LOCAL_IN, skb, skbIif[skb], 0) != NF_ACCEPT) return;
  const proto = load<u8>(skbDataPtr(skb) + 9);
  trace(TE_PROTOCOL_DELIVER, proto, 0);
  traceVerdict(skb, VERDICT_LOCAL, 0);
  ip_protocol_deliver(skb, proto);
}

