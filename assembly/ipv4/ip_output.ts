// net/ipv4/ip_output.c: locally generated packets out (ip_local_out), the
// output path (ip_output, ip_finish_output, ip_finish_output2 via the
// neighbour) and ip_fragment (the slow path: linear skbs, copied pieces).
// CONTRACT: skb data starts at a complete IPv4 header whose saddr/daddr/
// protocol/ttl/tos are set; ip_local_out sets tot_len, id and the header
// checksum, makes the output route decision (ipRouteOutput) unless the caller
// routed it (skbRtDev set), and transmits it. It always takes the skb (frees
// or sends it) and returns 0 or -errno.
import {
  skbLen, skbDev, skbMark, skbProtocol, skbDataPtr, skbAlloc, skbPut, skbTraceIn, skbRtDev, skbRtType, skbRtFlags, skbRtGw,
  skbRtError, skbRtMx, skbRtPmtu, skbIpFlags, skbIif, skbResetNetworkHeader, skbPriority, skbAllocLocal, skbPktType, PACKET_LOOPBACK,
} from "../core/skbuff";
import {
  consume_skb, kfree_skb_reason, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_IP_OUTNOROUTES, SKB_DROP_REASON_PKT_TOO_BIG, SKB_DROP_REASON_NOMEM,
} from "../core/dropreason";
import { ETH_P_IP } from "../core/netif";
import { devMtu, devFlags, IFF_LOOPBACK } from "../core/netdevice";
import { trace } from "../core/trace";
import { TE_OUTPUT, TE_FRAGMENT, TE_LOCAL_OUT } from "../core/trace_events";
import { load16be, load32be } from "../hw/checksum";
import { isMulticast } from "../lib/inet";
import {
  mibInc, mibAdd, MIB_IpOutRequests, MIB_IpOutNoRoutes, MIB_IpOutTransmits, MIB_IpExtOutOctets, MIB_IpFragOKs,
  MIB_IpFragFails, MIB_IpFragCreates, MIB_IpExtOutMcastPkts, MIB_IpExtOutBcastPkts, MIB_IpExtOutMcastOctets,
  MIB_IpExtOutBcastOctets, MIB_IpOutDiscards,
} from "./snmp";
import { ipRouteOutput, RTCF_LOCAL, RTCF_BROADCAST, RTCF_MULTICAST } from "./route";
import { RTN_BROADCAST, RTN_MULTICAST } from "./fib_table";
import { icmp_send } from "./icmp";
import { dstMtu } from "./metrics";
import { neigh_output } from "./arp";
import { ipDrop, skbDstSetFromRt, ip_rcv_looped, IP_DF, IP_MF, IP_OFFSET, IPSKB_NO_MC_LOOP, IPSKB_IGNORE_DF, IPSKB_FORWARDED } from "./ip_input";
import { nf_hook, NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING, NF_ACCEPT } from "./netfilter";
import { ipSendCheck } from "./xmit";

let identCounter: u32 = 0x1234;

/** ip_select_ident(): DF packets that may not be fragmented get id 0, others a counter (the kernel's is a keyed hash) */
function ipSelectIdent(iph: usize, ignoreDf: bool): void {
  if ((load16be(iph + 6) & IP_DF) != 0 && !ignoreDf) { store<u16>(iph + 4, 0); return; }
  identCounter = identCounter * 1103515245 + 12345;
  const id = (identCounter >> 16) & 0xffff;
  store<u8>(iph + 4, <u8>(id >> 8)); store<u8>(iph + 5, <u8>id);
}

/** ip_local_out() / __ip_local_out(): tot_len, id, checksum, the route, LOCAL_OUT, dst_output */
export function ip_local_out(skb: i32): i32 {
  skbResetNetworkHeader(skb);
  const iph = skbDataPtr(skb);
  const len = skbLen[skb];
  if (len < 20) { ipDrop(skb, SKB_DROP_REASON_NOMEM); return -22; }
  store<u8>(iph + 2, <u8>(len >> 8)); store<u8>(iph + 3, <u8>len);
  if (load<u16>(iph + 4) == 0) ipSelectIdent(iph, (skbIpFlags[skb] & IPSKB_IGNORE_DF) != 0);
  const daddr = load32be(iph + 16), saddr = load32be(iph + 12), proto = <u32>load<u8>(iph + 9);
  if (unchecked(skbRtDev[skb]) == 0) {
    // the sender's route decision (ip_route_output_key before ip_local_out in the kernel)
    const err = ipRouteOutput(daddr, saddr, 0, skbMark[skb], 0, <u32>load<u8>(iph + 1) & 0xfc, proto, 0, 0);
    if (err < 0) {
      mibInc(MIB_IpOutNoRoutes);
      ipDrop(skb, SKB_DROP_REASON_IP_OUTNOROUTES);
      return err;
    }
    skbDstSetFromRt(skb);
  }
  trace(TE_LOCAL_OUT, daddr, proto);
  ipSendCheck(iph);
  mibInc(MIB_IpOutRequests);
  skbProtocol[skb] = ETH_P_IP;
  if (nf_hook(NF_INET_LOCAL_OUT, skb, 0, skbRtDev[skb]) != NF_ACCEPT) return 0;
  // ip_mc_output (the output of a local broadcast or joined multicast route): a copy for this host, unless the
  // socket turned multicast loop off; a multicast with TTL 0 goes no further
  const f = skbRtFlags[skb];
  if ((f & RTCF_LOCAL) != 0 && (f & (RTCF_BROADCAST | RTCF_MULTICAST)) != 0 && (devFlags[skbRtDev[skb]] & IFF_LOOPBACK) == 0) {
    if ((f & RTCF_BROADCAST) != 0 || (skbIpFlags[skb] & IPSKB_NO_MC_LOOP) == 0) ipMcLoop(skb);
  }
  if ((f & RTCF_MULTICAST) != 0 && load<u8>(iph, 8) == 0) { kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED); return 0; }
  return ip_output(skb);
}

/** ip_mc_finish_output() → dev_loopback_xmit(): a clone received on the route's device, pkt_type LOOPBACK */
function ipMcLoop(skb: i32): void {
  const len = skbLen[skb];
  const c = skbAllocLocal(len);
  if (c < 0) return; // no clone, no copy (skb_clone failing)
  const p = skbPut(c, len);
  if (p == 0) { consume_skb(c); return; }
  memory.copy(p, skbDataPtr(skb), len);
  const dev = skbRtDev[skb];
  skbDev[c] = dev; skbIif[c] = dev; skbPktType[c] = PACKET_LOOPBACK; skbProtocol[c] = ETH_P_IP; skbMark[c] = skbMark[skb];
  skbRtDev[c] = dev; skbRtType[c] = skbRtType[skb]; skbRtFlags[c] = skbRtFlags[skb]; skbRtGw[c] = skbRtGw[skb]; skbRtError[c] = 0;
  ip_rcv_looped(c);
}

/** ip_output(): skb->dev = the route's device, POST_ROUTING, ip_finish_output */
// @ts-ignore: decorator
@inline export function ip_output(skb: i32): i32 {
  const dev = unchecked(skbRtDev[skb]);
  const len = skbLen[skb];
  mibInc(MIB_IpOutTransmits);
  mibAdd(MIB_IpExtOutOctets, len);
  skbDev[skb] = dev;
  skbProtocol[skb] = ETH_P_IP;
  if (nf_hook(NF_INET_POST_ROUTING, skb, 0, dev) != NF_ACCEPT) return 0;
  // __ip_finish_output: ip_skb_dst_mtu(), a learned path MTU (not for a forwarded packet unless locked),
  // the route's mtu metric or the device's
  const mx = unchecked(skbRtMx[skb]), pm = unchecked(skbRtPmtu[skb]);
  const mtu = (mx | <i32>pm) == 0 ? devMtu[dev] : dstMtu(mx, pm, devMtu[dev], skbRtGw[skb] != 0, (skbIpFlags[skb] & IPSKB_FORWARDED) != 0);
  if (len > mtu) return ip_fragment(skb, mtu);
  return ip_finish_output2(skb);
}

/** ip_finish_output2(): broadcast/multicast counters, the next hop, neigh_output */
// @ts-ignore: decorator
@inline function ip_finish_output2(skb: i32): i32 {
  const dev = unchecked(skbRtDev[skb]);
  const iph = skbDataPtr(skb);
  const t = unchecked(skbRtType[skb]);
  if (t == RTN_MULTICAST) { mibInc(MIB_IpExtOutMcastPkts); mibAdd(MIB_IpExtOutMcastOctets, skbLen[skb]); }
  else if (t == RTN_BROADCAST) { mibInc(MIB_IpExtOutBcastPkts); mibAdd(MIB_IpExtOutBcastOctets, skbLen[skb]); }
  // ip_neigh_for_gw(): the gateway when the route uses one, else the destination
  const gw = unchecked(skbRtGw[skb]);
  const nh = gw != 0 ? gw : load32be(iph + 16);
  trace(TE_OUTPUT, <u32>dev, nh);
  return neigh_output(skb, dev, nh, t == RTN_BROADCAST || nh == 0xffffffff, isMulticast(nh));
}

/**
 * ip_fragment() / ip_do_fragment() slow path: DF set → FragFails + ICMP frag
 * needed; else pieces of (mtu - hlen) & ~7 bytes, each with the header
 * (options that are not copied become NOPs after the first piece).
 */
function ip_fragment(skb: i32, mtu: u32): i32 {
  const iph = skbDataPtr(skb);
  const fo = load16be(iph + 6);
  if ((fo & IP_DF) != 0) {
    mibInc(MIB_IpFragFails);
    icmp_send(skb, 3, 4, mtu);
    ipDrop(skb, SKB_DROP_REASON_PKT_TOO_BIG);
    return -90; // EMSGSIZE
  }
  const hlen = (<u32>load<u8>(iph) & 0xf) << 2;
  const total = skbLen[skb];
  if (mtu < hlen + 8) { mibInc(MIB_IpFragFails); ipDrop(skb, SKB_DROP_REASON_PKT_TOO_BIG); return -90; }
  let left = total - hlen;
  const step = (mtu - hlen) & ~7;
  const baseOff = (<u32>fo & IP_OFFSET) << 3;
  const origMf = (<u32>fo & IP_MF) != 0;
  let off: u32 = 0;
  let n: u32 = 0;
  while (left > 0) {
    const piece = left > step ? step : left;
    const f = skbAlloc(hlen + piece);
    if (f < 0) { mibInc(MIB_IpFragFails); mibInc(MIB_IpOutDiscards); ipDrop(skb, SKB_DROP_REASON_NOMEM); return -105; }
    const fp = skbPut(f, hlen + piece);
    memory.copy(fp, iph, hlen);
    memory.copy(fp + hlen, iph + hlen + off, piece);
    let nfo = (baseOff + off) >> 3;
    if (piece < left || origMf) nfo |= IP_MF;
    store<u8>(fp + 6, <u8>(nfo >> 8)); store<u8>(fp + 7, <u8>nfo);
    const tl = hlen + piece;
    store<u8>(fp + 2, <u8>(tl >> 8)); store<u8>(fp + 3, <u8>tl);
    ipSendCheck(fp);
    skbResetNetworkHeader(f);
    skbDev[f] = skbDev[skb]; skbIif[f] = skbIif[skb]; skbMark[f] = skbMark[skb]; skbPriority[f] = skbPriority[skb];
    skbProtocol[f] = ETH_P_IP;
    skbRtDev[f] = skbRtDev[skb]; skbRtType[f] = skbRtType[skb]; skbRtFlags[f] = skbRtFlags[skb];
    skbRtGw[f] = skbRtGw[skb]; skbRtError[f] = skbRtError[skb]; skbIpFlags[f] = skbIpFlags[skb]; skbTraceIn[f] = skbTraceIn[skb];
    if (off == 0 && hlen > 20) ipOptionsFragment(iph, hlen);
    mibInc(MIB_IpFragCreates);
    n++;
    ip_finish_output2(f);
    off += piece;
    left -= piece;
  }
  trace(TE_FRAGMENT, n, mtu);
  mibInc(MIB_IpFragOKs);
  consume_skb(skb);
  return 0;
}

/** ip_options_fragment(): options without the copied bit become NOPs in the later fragments */
function ipOptionsFragment(iph: usize, hlen: u32): void {
  let o: u32 = 20;
  while (o < hlen) {
    const t = <u32>load<u8>(iph + o);
    if (t == 0) break;
    if (t == 1) { o++; continue; }
    if (o + 1 >= hlen) break;
    const l = <u32>load<u8>(iph + o + 1);
    if (l < 2 || o + l > hlen) break;
    if ((t & 0x80) == 0) memory.fill(iph + o, 1, l);
    o += l;
  }
}
