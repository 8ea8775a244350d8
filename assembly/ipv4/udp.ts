// net/ipv4/udp.c: udp_rcv (__udp4_lib_rcv: length and checksum checks, the
// socket lookup, multicast/broadcast delivery, port unreachable) and the send
// side of the host's sockets (udp_sendmsg → udp_send_skb). Sockets are bound
// by the host (box.udp.bind): a fixed table, each with a byte ring in linear
// memory that queues datagrams for the host (the socket's receive buffer).
import { ipDrop, skbDstSetFromRt, IPSKB_NO_MC_LOOP, IPSKB_IGNORE_DF } from "./ip_input";
import { skbAllocLocal, skbPut, skbLen, skbDataPtr, skbIif, skbPktType, skbIpFlags, PACKET_HOST, SKB_MAX_FRAME } from "../core/skbuff";
import { devExists, devMtu } from "../core/netdevice";
import {
  kfree_skb_reason, consume_skb, dropCount, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_PKT_TOO_SMALL,
  SKB_DROP_REASON_UDP_CSUM, SKB_DROP_REASON_NO_SOCKET, SKB_DROP_REASON_SOCKET_RCVBUFF, SKB_DROP_REASON_NOMEM,
} from "../core/dropreason";
import { csumAdd, csumFold, load16be, load32be, store16be } from "../hw/checksum";
import * as R from "./route";
import { RTCF_BROADCAST, RTCF_MULTICAST, ipRouteOutput } from "./route";
import { ipDevFind } from "./fib_frontend";
import {
  mibInc, MIB_UdpInDatagrams, MIB_UdpNoPorts, MIB_UdpInErrors, MIB_UdpOutDatagrams, MIB_UdpRcvbufErrors,
  MIB_UdpSndbufErrors, MIB_UdpInCsumErrors, MIB_UdpIgnoredMulti,
} from "./snmp";
import { icmp_send, inRtFlags, rtSave, rtRestore, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH } from "./icmp";
import { ipDefaultTtl } from "./sysctl_net_ipv4";
import { RTN_MULTICAST } from "./fib_table";
import { dstMtu, mxHoplimit, mxLocked, RTAX_MTU } from "./metrics";
import { PMTU_LOCKED } from "./fnhe";
import { ipBuildHeader, localOut } from "./xmit";
import { ip_mc_join_group, ip_mc_leave_group, ip_mc_drop_socket, MC_SOCK_UDP } from "./igmp";

const IPPROTO_UDP: u8 = 17;
const EACCES: i32 = 13, EADDRINUSE: i32 = 98, EADDRNOTAVAIL: i32 = 99, EMFILE: i32 = 24, EBADF: i32 = 9, EINVAL: i32 = 22,
  EMSGSIZE: i32 = 90, ENOBUFS: i32 = 105;

export const UDP_SOCKS: i32 = 64;
/** bytes of queued datagrams per socket (records included), like a small SO_RCVBUF */
export const UDP_RING: u32 = 256 * 1024;
/** record: u32 len, u32 saddr, u32 daddr, u16 sport, u16 dport, u32 ifindex, payload, padded to 4 */
export const UDP_REC_HDR: u32 = 20;

const sUsed = new StaticArray<bool>(UDP_SOCKS);
const sPort = new StaticArray<u16>(UDP_SOCKS);
const sAddr = new StaticArray<u32>(UDP_SOCKS);
const sRing = new StaticArray<usize>(UDP_SOCKS);
const sHead = new StaticArray<u32>(UDP_SOCKS); // read offset
const sTail = new StaticArray<u32>(UDP_SOCKS); // write offset
const sBytes = new StaticArray<u32>(UDP_SOCKS); // bytes queued
const sCount = new StaticArray<u32>(UDP_SOCKS);
const sDrops = new StaticArray<u64>(UDP_SOCKS);
/** SO_BROADCAST: the socket may send over a broadcast route */
const sBroadcast = new StaticArray<bool>(UDP_SOCKS);
/** IP_MULTICAST_IF (mc_index, mc_addr), IP_MULTICAST_TTL (mc_ttl), IP_MULTICAST_LOOP (mc_loop) */
const sMcIndex = new StaticArray<i32>(UDP_SOCKS);
const sMcAddr = new StaticArray<u32>(UDP_SOCKS);
const sMcTtl = new StaticArray<u8>(UDP_SOCKS);
const sMcLoop = new StaticArray<bool>(UDP_SOCKS);
let nextEphemeral: u32 = 32768;

function conflicts(port: u32, addr: u32, except: i32): bool {
  for (let i = 0; i < UDP_SOCKS; i++) {
    if (i == except || !unchecked(sUsed[i]) || <u32>unchecked(sPort[i]) != port) continue;
    const a = unchecked(sAddr[i]);
    if (a == 0 || addr == 0 || a == addr) return true;
  }
  return false;
}

/** bind(): a socket on (addr, port); port 0 picks one of ip_local_port_range. Socket id or -errno. */
export function udpBind(addr: u32, port: u32): i32 {
  if (port > 0xffff) return -EINVAL;
  if (addr != 0 && (addr >>> 28) != 14 && addr != 0xffffffff) {
    rtSave();
    const d = ipDevFind(addr);
    rtRestore();
    if (d == 0) return -EADDRNOTAVAIL;
  }
  let s = -1;
  for (let i = 0; i < UDP_SOCKS; i++) if (!unchecked(sUsed[i])) { s = i; break; }
  if (s < 0) return -EMFILE;
  if (port == 0) {
    for (let k: u32 = 0; k < 28232; k++) {
      const p = nextEphemeral;
      nextEphemeral = nextEphemeral >= 60999 ? 32768 : nextEphemeral + 1;
      if (!conflicts(p, addr, -1)) { port = p; break; }
    }
    if (port == 0) return -EADDRINUSE;
  } else if (conflicts(port, addr, -1)) return -EADDRINUSE;
  if (unchecked(sRing[s]) == 0) unchecked(sRing[s] = heap.alloc(<usize>UDP_RING));
  unchecked(sUsed[s] = true); unchecked(sPort[s] = <u16>port); unchecked(sAddr[s] = addr);
  unchecked(sBroadcast[s] = false);
  unchecked(sMcIndex[s] = 0); unchecked(sMcAddr[s] = 0); unchecked(sMcTtl[s] = 1); unchecked(sMcLoop[s] = true);
  unchecked(sHead[s] = 0); unchecked(sTail[s] = 0); unchecked(sBytes[s] = 0); unchecked(sCount[s] = 0); unchecked(sDrops[s] = 0);
  return s;
}
export function udpClose(s: i32): void {
  if (s < 0 || s >= UDP_SOCKS || !unchecked(sUsed[s])) return;
  unchecked(sUsed[s] = false);
  ip_mc_drop_socket(MC_SOCK_UDP + s);
}
/** setsockopt(SO_BROADCAST) */
export function udpSetBroadcast(s: i32, on: bool): i32 {
  if (s < 0 || s >= UDP_SOCKS || !unchecked(sUsed[s])) return -EBADF;
  unchecked(sBroadcast[s] = on);
  return 0;
}
/** setsockopt(IP_MULTICAST_IF) with an ip_mreqn: the device by index, or by one of its addresses; neither resets */
export function udpSetMulticastIf(s: i32, ifindex: i32, addr: u32): i32 {
  if (s < 0 || s >= UDP_SOCKS || !unchecked(sUsed[s])) return -EBADF;
  let dev = ifindex;
  if (dev == 0) {
    if (addr == 0) { unchecked(sMcIndex[s] = 0); unchecked(sMcAddr[s] = 0); return 0; }
    rtSave();
    dev = ipDevFind(addr);
    rtRestore();
  }
  if (dev <= 0 || !devExists(dev)) return -EADDRNOTAVAIL;
  unchecked(sMcIndex[s] = dev); unchecked(sMcAddr[s] = addr);
  return 0;
}
/** setsockopt(IP_MULTICAST_TTL): -1 is the default (1), else 0 to 255 */
export function udpSetMulticastTtl(s: i32, ttl: i32): i32 {
  if (s < 0 || s >= UDP_SOCKS || !unchecked(sUsed[s])) return -EBADF;
  if (ttl == -1) ttl = 1;
  if (ttl < 0 || ttl > 255) return -EINVAL;
  unchecked(sMcTtl[s] = <u8>ttl);
  return 0;
}
/** setsockopt(IP_MULTICAST_LOOP) */
export function udpSetMulticastLoop(s: i32, on: bool): i32 {
  if (s < 0 || s >= UDP_SOCKS || !unchecked(sUsed[s])) return -EBADF;
  unchecked(sMcLoop[s] = on);
  return 0;
}
/** setsockopt(IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP) with an ip_mreqn: 0 or -errno */
export function udpMembership(s: i32, join: bool, group: u32, ifindex: i32, addr: u32): i32 {
  if (s < 0 || s >= UDP_SOCKS || !unchecked(sUsed[s])) return -EBADF;
  return join ? ip_mc_join_group(MC_SOCK_UDP + s, group, ifindex, addr) : ip_mc_leave_group(MC_SOCK_UDP + s, group, ifindex, addr);
}
export function udpPort(s: i32): u32 { return s >= 0 && s < UDP_SOCKS && sUsed[s] ? <u32>sPort[s] : 0; }
export function udpQueued(s: i32): u32 { return s >= 0 && s < UDP_SOCKS && sUsed[s] ? sCount[s] : 0; }
export function udpSockDrops(s: i32): u64 { return s >= 0 && s < UDP_SOCKS ? sDrops[s] : 0; }

// the ring stores each record contiguously; a record that does not fit before the end wraps to 0
// (a zero length word at the old position marks the wrap)
function ringPut(s: i32, saddr: u32, daddr: u32, sport: u32, dport: u32, ifindex: i32, data: usize, len: u32): bool {
  const rec = (UDP_REC_HDR + len + 3) & ~3;
  let tail = unchecked(sTail[s]);
  const head = unchecked(sHead[s]);
  const used = unchecked(sBytes[s]);
  if (used + rec + 4 > UDP_RING) return false;
  if (tail + rec + 4 > UDP_RING) {
    // wrap: room needed at the start, before head
    if (used > 0 && rec + 4 > head) return false;
    if (tail + 4 <= UDP_RING) store<u32>(unchecked(sRing[s]) + tail, 0xffffffff);
    unchecked(sBytes[s] = used + (UDP_RING - tail));
    tail = 0;
    if (used == 0) unchecked(sHead[s] = 0);
  } else if (used > 0 && tail < head && tail + rec + 4 > head) return false;
  const p = unchecked(sRing[s]) + tail;
  store<u32>(p, len); store<u32>(p + 4, saddr); store<u32>(p + 8, daddr);
  store<u16>(p + 12, <u16>sport); store<u16>(p + 14, <u16>dport); store<i32>(p + 16, ifindex);
  memory.copy(p + UDP_REC_HDR, data, len);
  unchecked(sTail[s] = tail + rec);
  unchecked(sBytes[s] = sBytes[s] + rec);
  unchecked(sCount[s] = sCount[s] + 1);
  return true;
}

/**
 * recvmsg for a batch: copies queued datagrams (records as in the ring) to dst, at most cap bytes.
 * Counts UdpInDatagrams as they are read (udp_recvmsg). Returns how many.
 */
export function udpRecv(s: i32, dst: usize, cap: u32): i32 {
  if (s < 0 || s >= UDP_SOCKS || !unchecked(sUsed[s])) return 0;
  let n = 0, off: u32 = 0;
  while (unchecked(sCount[s]) > 0) {
    let head = unchecked(sHead[s]);
    let p = unchecked(sRing[s]) + head;
    if (head + 4 > UDP_RING || load<u32>(p) == 0xffffffff) {
      unchecked(sBytes[s] = sBytes[s] - (UDP_RING - head));
      head = 0; unchecked(sHead[s] = 0); p = unchecked(sRing[s]);
    }
    const len = load<u32>(p);
    const rec = (UDP_REC_HDR + len + 3) & ~3;
    if (off + rec > cap) break;
    memory.copy(dst + off, p, rec);
    off += rec;
    unchecked(sHead[s] = head + rec);
    unchecked(sBytes[s] = sBytes[s] - rec);
    unchecked(sCount[s] = sCount[s] - 1);
    mibInc(MIB_UdpInDatagrams);
    n++;
  }
  if (unchecked(sCount[s]) == 0) { unchecked(sHead[s] = 0); unchecked(sTail[s] = 0); unchecked(sBytes[s] = 0); }
  return n;
}

/** the UDP checksum over the pseudo header and ulen bytes at u: true when right (or absent) */
function udpCsumOk(iph: usize, u: usize, ulen: u32): bool {
  if (load<u16>(u + 6) == 0) return true;
  let sum: u64 = csumAdd(0, iph + 12, 8);
  sum += <u64>IPPROTO_UDP + <u64>ulen;
  sum = csumAdd(sum, u, ulen);
  return (csumFold(sum) & 0xffff) == 0xffff;
}

/** __udp4_lib_err()'s lookup: the socket that sent a datagram from saddr, port sport; -1 if none */
export function udpErrSocket(saddr: u32, sport: u32): i32 { return lookup(saddr, sport); }

/** __udp4_lib_lookup(): the best socket for (daddr, dport): an exact address beats the wildcard */
function lookup(daddr: u32, dport: u32): i32 {
  let best = -1;
  for (let i = 0; i < UDP_SOCKS; i++) {
    if (!unchecked(sUsed[i]) || <u32>unchecked(sPort[i]) != dport) continue;
    const a = unchecked(sAddr[i]);
    if (a == daddr) return i;
    if (a == 0 && best < 0) best = i;
  }
  return best;
}

function queue(s: i32, skb: i32, iph: usize, u: usize, ulen: u32): bool {
  if (!ringPut(s, load32be(iph + 12), load32be(iph + 16), load16be(u), load16be(u + 2), unchecked(skbIif[skb]), u + 8, ulen - 8)) {
    // __udp_queue_rcv_skb: the receive buffer is full
    mibInc(MIB_UdpRcvbufErrors); mibInc(MIB_UdpInErrors);
    unchecked(sDrops[s] += 1);
    return false;
  }
  return true;
}

/** udp_rcv(): skb data at the IP header of a whole datagram; takes the skb. */
export function udp_rcv(skb: i32): void {
  const iph = skbDataPtr(skb);
  const ihl = (<u32>load<u8>(iph) & 15) << 2;
  const len = unchecked(skbLen[skb]) - ihl;
  if (len < 8) { mibInc(MIB_UdpInErrors); ipDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED); return; }
  const u = iph + ihl;
  const ulen = load16be(u + 4);
  if (ulen > len || ulen < 8) { mibInc(MIB_UdpInErrors); ipDrop(skb, SKB_DROP_REASON_PKT_TOO_SMALL); return; }
  // pskb_trim_rcsum(skb, ulen): what follows the datagram goes (also from a later ICMP quote)
  skbLen[skb] = ihl + ulen;
  const daddr = load32be(iph + 16);
  const dport = load16be(u + 2);
  if (inRtFlags(skb) & (RTCF_BROADCAST | RTCF_MULTICAST)) {
    // __udp4_lib_mcast_deliver(): every matching socket gets a copy; none → IgnoredMulti
    let found = false, csumChecked = false;
    for (let i = 0; i < UDP_SOCKS; i++) {
      if (!unchecked(sUsed[i]) || <u32>unchecked(sPort[i]) != dport) continue;
      const a = unchecked(sAddr[i]);
      if (a != 0 && a != daddr) continue;
      if (!csumChecked) {
        csumChecked = true;
        if (!udpCsumOk(iph, u, ulen)) {
          mibInc(MIB_UdpInCsumErrors); mibInc(MIB_UdpInErrors); ipDrop(skb, SKB_DROP_REASON_UDP_CSUM); return;
        }
      }
      found = true;
      queue(i, skb, iph, u, ulen);
    }
    if (!found) mibInc(MIB_UdpIgnoredMulti);
    consume_skb(skb);
    return;
  }
  const s = lookup(daddr, dport);
  if (s >= 0) {
    if (!udpCsumOk(iph, u, ulen)) {
      mibInc(MIB_UdpInCsumErrors); mibInc(MIB_UdpInErrors); ipDrop(skb, SKB_DROP_REASON_UDP_CSUM); return;
    }
    if (!queue(s, skb, iph, u, ulen)) { ipDrop(skb, SKB_DROP_REASON_SOCKET_RCVBUFF); return; }
    consume_skb(skb);
    return;
  }
  // no socket: silently dropped when the checksum is wrong, else port unreachable
  if (!udpCsumOk(iph, u, ulen)) {
    mibInc(MIB_UdpInCsumErrors); mibInc(MIB_UdpInErrors); ipDrop(skb, SKB_DROP_REASON_UDP_CSUM); return;
  }
  mibInc(MIB_UdpNoPorts);
  if (unchecked(skbPktType[skb]) == PACKET_HOST) icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0);
  ipDrop(skb, SKB_DROP_REASON_NO_SOCKET);
}

/** udp_sendmsg → udp_send_skb → ip_send_skb for one datagram from socket s. 0 or -errno. */
export function udpSend(s: i32, daddr: u32, dport: u32, data: usize, len: u32): i32 {
  if (s < 0 || s >= UDP_SOCKS || !unchecked(sUsed[s])) return -EBADF;
  if (dport == 0 || dport > 0xffff) return -EINVAL;
  if (len > 65507) return -EMSGSIZE;
  // to a group: the socket's multicast interface and address unless it is bound (udp_sendmsg)
  const mcast = (daddr >>> 28) == 14;
  let src = unchecked(sAddr[s]);
  if (mcast && src == 0) src = unchecked(sMcAddr[s]);
  rtSave();
  const err = ipRouteOutput(daddr, src, mcast ? unchecked(sMcIndex[s]) : 0, 0, 0, 0, IPPROTO_UDP, <u32>unchecked(sPort[s]), dport);
  const saddr = R.rtSaddr;
  if (err != 0) { rtRestore(); return err; }
  if ((R.rtFlags & RTCF_BROADCAST) != 0 && !unchecked(sBroadcast[s])) { rtRestore(); return -EACCES; }
  // one too long for any buffer fails at skb_put (EMSGSIZE)
  const skb = skbAllocLocal(min(28 + len, SKB_MAX_FRAME));
  if (skb < 0) { rtRestore(); dropCount(SKB_DROP_REASON_NOMEM); mibInc(MIB_UdpSndbufErrors); return -ENOBUFS; }
  const p = skbPut(skb, 28 + len);
  if (p == 0) { rtRestore(); kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM); return -EMSGSIZE; }
  // the IP header as __ip_make_skb() builds it for the socket: a multicast route takes its IP_MULTICAST_TTL, others
  // the route's hoplimit metric or ip_default_ttl (ip_select_ttl); DF by IP_PMTUDISC_WANT when the datagram fits
  // the route's MTU and that MTU is not locked (ip_dont_fragment). The socket's WANT also sets ignore_df, so
  // ip_local_out picks an id for it even with DF.
  const ttl = R.rtType == RTN_MULTICAST ? <i32>unchecked(sMcTtl[s]) : mxHoplimit(R.rtMx, ipDefaultTtl);
  const df = <u32>28 + len <= dstMtu(R.rtMx, R.rtPmtu, devMtu[R.rtDev], R.rtGw != 0, false) && !mxLocked(R.rtMx, RTAX_MTU) &&
    (R.rtPmtu & PMTU_LOCKED) == 0;
  ipBuildHeader(p, 0, 28 + len, 0, df, <u8>ttl, IPPROTO_UDP, saddr, daddr);
  const u = p + 20;
  store16be(u, <u32>unchecked(sPort[s])); store16be(u + 2, dport); store16be(u + 4, 8 + len); store<u16>(u + 6, 0);
  memory.copy(u + 8, data, len);
  let sum: u64 = csumAdd(0, p + 12, 8);
  sum += <u64>IPPROTO_UDP + <u64>(8 + len);
  sum = csumAdd(sum, u, 8 + len);
  let c = ~csumFold(sum) & 0xffff;
  if (c == 0) c = 0xffff;
  store16be(u + 6, c);
  skbDstSetFromRt(skb); // the socket's route (ip_make_skb puts it on the skb)
  if (!unchecked(sMcLoop[s])) skbIpFlags[skb] |= IPSKB_NO_MC_LOOP;
  skbIpFlags[skb] |= IPSKB_IGNORE_DF;
  rtRestore();
  const rc = localOut(skb);
  if (rc < 0 && rc != -ENOBUFS) { mibInc(MIB_UdpSndbufErrors); return rc; }
  mibInc(MIB_UdpOutDatagrams);
  return 0;
}

