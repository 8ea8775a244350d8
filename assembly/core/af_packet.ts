// Packet sockets (net/packet/af_packet.c), SOCK_RAW bound to ETH_P_ALL:
// the ptype_all taps. Each socket sees every frame on its device (or on all
// devices when unbound), received ones with their pkt_type and sent ones as
// PACKET_OUTGOING (never the frames it sent itself: skb_loop_sk), from the
// Ethernet header on. packet_snd hands frames to dev_queue_xmit.
//
// Each socket has a fixed receive buffer (its sk_rcvbuf); a frame that does
// not fit is counted in tp_drops, as packet_rcv does. Nothing is allocated
// per frame: buffers are allocated once per socket slot and reused.
//
// Record (receive buffer and host stage area):
//   u32 len | u32 ifindex | u8 pkt_type | u8 flags (1: vlan tag) | u16 protocol | u32 vlan TCI |
//   i64 time (virtual ns: when the tap saw it, as skb->tstamp for SO_TIMESTAMPNS) | bytes, padded to 4

import { devExists, devIsUp, devMtu } from "./netdevice";
import {
  skbAlloc, skbPut, skbDev, skbSk, skbProtocol, skbLen, skbData, skbMacHeader, skbHead, skbPktType, skbVlanTci,
  PACKET_OUTGOING, SKB_MAX_FRAME,
} from "./skbuff";
import { clockNow } from "../hw/clock";
import { dev_queue_xmit, do_softirq, NET_XMIT_DROP, ETH_HLEN, VLAN_HLEN, ETH_P_8021Q } from "./netif";

export const PACKET_MAX_SOCKS: i32 = 16;
/** receive buffer per socket */
const RCVBUF: u32 = 4 << 20;
const REC_HDR: u32 = 24;

const sockOpen = new StaticArray<bool>(PACKET_MAX_SOCKS);
const sockIfindex = new StaticArray<i32>(PACKET_MAX_SOCKS);
const sockBuf = new StaticArray<usize>(PACKET_MAX_SOCKS);
const sockHead = new StaticArray<u32>(PACKET_MAX_SOCKS);
const sockEnd = new StaticArray<u32>(PACKET_MAX_SOCKS);
const sockCount = new StaticArray<u32>(PACKET_MAX_SOCKS);
/** tp_drops: frames that did not fit the receive buffer */
const sockDrops = new StaticArray<u64>(PACKET_MAX_SOCKS);
let openCount: i32 = 0;

// @ts-ignore: decorator
@inline function sockValid(s: i32): bool { return s >= 0 && s < PACKET_MAX_SOCKS && unchecked(sockOpen[s]); }

/** socket(AF_PACKET, SOCK_RAW, ETH_P_ALL) + bind to ifindex (0 = all devices). Socket id or -errno. */
export function packetOpen(ifindex: i32): i32 {
  if (ifindex != 0 && !devExists(ifindex)) return -19; // ENODEV
  for (let s = 0; s < PACKET_MAX_SOCKS; s++) {
    if (unchecked(sockOpen[s])) continue;
    if (unchecked(sockBuf[s]) == 0) unchecked(sockBuf[s] = heap.alloc(<usize>RCVBUF));
    unchecked(sockOpen[s] = true);
    unchecked(sockIfindex[s] = ifindex);
    unchecked(sockHead[s] = 0); unchecked(sockEnd[s] = 0); unchecked(sockCount[s] = 0); unchecked(sockDrops[s] = 0);
    openCount++;
    return s;
  }
  return -24; // EMFILE
}

export function packetClose(s: i32): void {
  if (!sockValid(s)) return;
  unchecked(sockOpen[s] = false);
  openCount--;
}

export function packetDrops(s: i32): u64 { return sockValid(s) ? unchecked(sockDrops[s]) : 0; }
export function packetQueued(s: i32): u32 { return sockValid(s) ? unchecked(sockCount[s]) : 0; }

/** Device unregistered: sockets bound to it stop seeing frames (packet_notifier NETDEV_UNREGISTER). */
export function packetDevGone(ifindex: i32): void {
  for (let s = 0; s < PACKET_MAX_SOCKS; s++) if (unchecked(sockIfindex[s]) == ifindex) unchecked(sockIfindex[s] = -1);
}

/** dev_queue_xmit_nit / the ptype_all loop of __netif_receive_skb_core: a copy to every matching socket. */
export function ptypeAllDeliver(skb: i32, dev: i32, outgoing: bool): void {
  if (openCount == 0) return;
  const mac = unchecked(skbMacHeader[skb]);
  const data = unchecked(skbData[skb]);
  const start: u32 = mac >= 0 && <u32>mac <= data ? <u32>mac : data;
  const len = data - start + unchecked(skbLen[skb]);
  const src = skbHead(skb) + <usize>start;
  for (let s = 0; s < PACKET_MAX_SOCKS; s++) {
    if (!unchecked(sockOpen[s])) continue;
    const bound = unchecked(sockIfindex[s]);
    if (bound != 0 && bound != dev) continue;
    if (outgoing && unchecked(skbSk[skb]) == s) continue; // skb_loop_sk
    const rec = (REC_HDR + len + 3) & ~3;
    let end = unchecked(sockEnd[s]);
    if (end + rec > RCVBUF) {
      // compact: move the unread records to the front
      const head = unchecked(sockHead[s]);
      if (head > 0) {
        memory.copy(unchecked(sockBuf[s]), unchecked(sockBuf[s]) + head, end - head);
        end -= head;
        unchecked(sockHead[s] = 0);
        unchecked(sockEnd[s] = end);
      }
      if (end + rec > RCVBUF) { unchecked(sockDrops[s] = sockDrops[s] + 1); continue; }
    }
    const p = unchecked(sockBuf[s]) + <usize>end;
    const tci = unchecked(skbVlanTci[skb]);
    store<u32>(p, len);
    store<u32>(p, <u32>dev, 4);
    store<u8>(p, outgoing ? PACKET_OUTGOING : unchecked(skbPktType[skb]), 8);
    store<u8>(p, tci >= 0 ? 1 : 0, 9);
    store<u16>(p, unchecked(skbProtocol[skb]), 10);
    store<u32>(p, tci >= 0 ? <u32>tci : 0, 12);
    store<i64>(p, clockNow(), 16);
    memory.copy(p + REC_HDR, src, len);
    for (let i = REC_HDR + len; i < rec; i++) store<u8>(p + <usize>i, 0);
    unchecked(sockEnd[s] = end + rec);
    unchecked(sockCount[s] = sockCount[s] + 1);
  }
}

/** recvmsg for a batch: as many queued records as fit into [out, out+cap). Returns the count. */
export function packetRecv(s: i32, out: usize, cap: u32): i32 {
  if (!sockValid(s)) return 0;
  let off: u32 = 0;
  let n = 0;
  const buf = unchecked(sockBuf[s]);
  while (unchecked(sockCount[s]) > 0) {
    const head = unchecked(sockHead[s]);
    const len = load<u32>(buf + head);
    const rec = (REC_HDR + len + 3) & ~3;
    if (off + rec > cap) break;
    memory.copy(out + off, buf + head, rec);
    off += rec;
    n++;
    unchecked(sockHead[s] = head + rec);
    unchecked(sockCount[s] = sockCount[s] - 1);
  }
  if (unchecked(sockCount[s]) == 0) { unchecked(sockHead[s] = 0); unchecked(sockEnd[s] = 0); }
  return n;
}

/**
 * packet_snd for one frame [p, p+len) on ifindex: the checks packet_snd makes,
 * an skb, dev_queue_xmit, then the softirq work that local_bh_enable runs.
 * Returns 0 or -errno (ENXIO no device, ENETDOWN, EINVAL too short for the
 * Ethernet header, EMSGSIZE over the MTU, ENOBUFS no skb / dropped).
 */
export function packet_snd(s: i32, ifindex: i32, p: usize, len: u32): i32 {
  if (!devExists(ifindex)) return -6; // ENXIO
  if (!devIsUp(ifindex)) return -100; // ENETDOWN
  if (len < ETH_HLEN) return -22; // dev_validate_header
  let max = devMtu[ifindex] + ETH_HLEN;
  // packet_extra_vlan_len_allowed: a tagged frame may be 4 bytes longer
  if (len >= ETH_HLEN + VLAN_HLEN && ((<u16>load<u8>(p, 12) << 8) | <u16>load<u8>(p, 13)) == ETH_P_8021Q) max += VLAN_HLEN;
  if (len > max || len > SKB_MAX_FRAME) return -90; // EMSGSIZE
  const skb = skbAlloc(len);
  if (skb < 0) return -105; // ENOBUFS
  memory.copy(skbPut(skb, len), p, len);
  skbDev[skb] = ifindex;
  skbSk[skb] = sockValid(s) ? s : -1;
  // dev_parse_header_protocol for SOCK_RAW bound to ETH_P_ALL
  skbProtocol[skb] = (<u16>load<u8>(p, 12) << 8) | <u16>load<u8>(p, 13);
  const rc = dev_queue_xmit(skb);
  do_softirq();
  if (rc < 0) return rc;
  return rc == NET_XMIT_DROP ? -105 : 0; // net_xmit_errno: CN counts as sent
}
