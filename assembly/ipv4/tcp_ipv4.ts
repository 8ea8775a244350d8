// net/ipv4/tcp_ipv4.c: tcp_v4_rcv for a host with no TCP sockets — the
// header and checksum checks, then no_tcp_socket → tcp_v4_send_reset, built
// the way the kernel builds it (ports swapped, seq/ack rules, window 0, DF,
// TTL ip_default_ttl, the received TOS without ECN).
import { ipDrop, skbDstSetFromRt } from "./ip_input";
import { skbAllocLocal, skbPut, skbLen, skbDataPtr, skbPktType, skbMark, PACKET_HOST } from "../core/skbuff";
import {
  kfree_skb_reason, dropCount, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_TCP_CSUM,
  SKB_DROP_REASON_NO_SOCKET, SKB_DROP_REASON_NOMEM,
} from "../core/dropreason";
import { csumAdd, csumFold, load16be, load32be, store16be, store32be } from "../hw/checksum";

import { ipRouteOutput, rtMx } from "./route";
import { mxHoplimit } from "./metrics";
import { RTN_LOCAL } from "./fib_table";
import { mibInc, MIB_TcpInSegs, MIB_TcpInErrs, MIB_TcpInCsumErrors, MIB_TcpOutSegs, MIB_TcpOutRsts } from "./snmp";
import { inRtType, rtSave, rtRestore } from "./icmp";
import { ipDefaultTtl } from "./sysctl_net_ipv4";
import { ipBuildHeader, localOut } from "./xmit";
import { ipOptionsEcho, ipOptionsBuild, echoOptLen, echoFaddr } from "./ip_options";

const IPPROTO_TCP: u8 = 6;
const TH_FIN: u32 = 0x01, TH_SYN: u32 = 0x02, TH_RST: u32 = 0x04, TH_ACK: u32 = 0x10;

function tcpCsumOk(iph: usize, t: usize, len: u32): bool {
  let sum: u64 = csumAdd(0, iph + 12, 8);
  sum += <u64>IPPROTO_TCP + <u64>len;
  sum = csumAdd(sum, t, len);
  return (csumFold(sum) & 0xffff) == 0xffff;
}

/** tcp_v4_send_reset() with no socket: the RST answering the segment at t (len bytes of TCP). */
function sendReset(skb: i32, iph: usize, t: usize, len: u32): void {
  const flags = <u32>load<u8>(t + 13);
  if (flags & TH_RST) return;
  if (inRtType(skb) != RTN_LOCAL) return;
  const doff = (<u32>load<u8>(t + 12) >> 4) << 2;
  const saddr = load32be(iph + 16), daddr = load32be(iph + 12);
  let seq: u32 = 0, ack: u32 = 0, rflags: u32 = TH_RST;
  if (flags & TH_ACK) seq = load32be(t + 8);
  else {
    rflags |= TH_ACK;
    ack = load32be(t + 4) + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0) + len - doff;
  }
  const tos = load<u8>(iph + 1) & 0xfc;
  const mark = unchecked(skbMark[skb]);
  // ip_send_unicast_reply(): the received options turned around (a reversed source route sends the reset to
  // its first hop), routed back to the sender from the address it wrote to
  const echoed = ipOptionsEcho(iph, <i64>unchecked(skbLen[skb]));
  const hl = 20 + echoOptLen;
  rtSave();
  const err = !echoed ? -1 : ipRouteOutput(echoFaddr != 0 ? echoFaddr : daddr, saddr, 0, mark, 0, <u32>tos & 0x1c, IPPROTO_TCP, load16be(t + 2), load16be(t));
  if (err == 0) {
    const r = skbAllocLocal(hl + 20);
    if (r < 0) dropCount(SKB_DROP_REASON_NOMEM);
    else {
      const p = skbPut(r, hl + 20);
      // the route's hoplimit metric or ip_default_ttl (ip_select_ttl); DF always (the control socket's IP_PMTUDISC_DO)
      ipBuildHeader(p, tos, hl + 20, 0, true, <u8>mxHoplimit(rtMx, ipDefaultTtl), IPPROTO_TCP, saddr, echoFaddr != 0 ? echoFaddr : daddr);
      ipOptionsBuild(p, saddr, daddr);
      const h = p + hl;
      store16be(h, load16be(t + 2)); store16be(h + 2, load16be(t));
      store32be(h + 4, seq); store32be(h + 8, ack);
      store<u8>(h + 12, 5 << 4); store<u8>(h + 13, <u8>rflags);
      store<u32>(h + 14, 0); store<u16>(h + 18, 0); // window 0, checksum, urgent pointer
      // the pseudo header of the segment as received, turned around (tcp_v4_send_reset): the sender, not a first hop
      let sum: u64 = csumAdd(0, iph + 12, 8);
      sum += <u64>IPPROTO_TCP + 20;
      sum = csumAdd(sum, h, 20);
      store16be(h + 16, ~csumFold(sum) & 0xffff);
      skbMark[r] = mark;
      skbDstSetFromRt(r); // the reply goes out on that route
      localOut(r);
    }
  }
  rtRestore();
  mibInc(MIB_TcpOutSegs);
  mibInc(MIB_TcpOutRsts);
}

/** tcp_v4_rcv(): skb data at the IP header of a whole datagram; takes the skb. */
export function tcp_v4_rcv(skb: i32): void {
  if (unchecked(skbPktType[skb]) != PACKET_HOST) { ipDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED); return; }
  mibInc(MIB_TcpInSegs);
  const iph = skbDataPtr(skb);
  const ihl = (<u32>load<u8>(iph) & 15) << 2;
  const len = unchecked(skbLen[skb]) - ihl;
  if (len < 20) { ipDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED); return; }
  const t = iph + ihl;
  const doff = (<u32>load<u8>(t + 12) >> 4) << 2;
  if (doff < 20) { mibInc(MIB_TcpInErrs); ipDrop(skb, SKB_DROP_REASON_PKT_TOO_SMALL); return; }
  if (len < doff) { ipDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED); return; }
  // no listener, no connection: no_tcp_socket
  if (!tcpCsumOk(iph, t, len)) {
    mibInc(MIB_TcpInCsumErrors); mibInc(MIB_TcpInErrs);
    ipDrop(skb, SKB_DROP_REASON_TCP_CSUM);
    return;
  }
  sendReset(skb, iph, t, len);
  ipDrop(skb, SKB_DROP_REASON_NO_SOCKET);
}

