// struct sk_buff (include/linux/skbuff.h, net/core/skbuff.c) as a fixed pool:
// SKB_POOL buffers allocated once in linear memory, the metadata as
// struct-of-arrays indexed by skb number. alloc_skb/kfree_skb are a free-list
// pop/push: nothing is allocated per packet. An exhausted pool makes
// skbAlloc() return -1; callers count that as a drop (SKB_DROP_REASON_NOMEM).
//
// Two sizes of buffer, like the kernel's kmalloc size classes behind
// alloc_skb: SKB_SMALL small ones (skbs 0 .. SKB_SMALL-1) for the frames of
// a 1500-byte MTU, and SKB_LARGE large ones for jumbo frames, reassembled
// datagrams and wire records. Many small buffers let the queues that hold
// skbs for a while (backlog, qdiscs, arp_queues, reassembly, tun rings) keep
// their Linux limits and still leave skbs for reception; a small request takes
// a large buffer when no small one is left.
//
// The pool's budget. Bad input never hurts: whatever waits in queues, frames
// can still be received. The places that keep skbs past the softirq step
// each have a share, and the shares leave SKB_POOL/8 for reception itself:
//   backlog           netdev_max_backlog, 1000 (fixed)          netif.ts
//   qdiscs            QDISC_SKB_MAX  = SKB_POOL/4 over all      netif.ts
//   arp_queues        NEIGH_SKB_MAX  = SKB_POOL/8 over all      ipv4/arp.ts
//   reassembly        FRAG_SKB_MAX   = SKB_POOL/8               ipv4/ip_fragment.ts
//   tun rings         TUN_SKB_MAX    = SKB_POOL/8 over all      drivers/tun.ts
// The shares count skbs of both sizes. Large buffers are few, so on top of
// its share each of these queues refuses a large skb (a counted drop) while
// fewer than SKB_LARGE_RESERVE large buffers are free: a flood of jumbo frames
// cannot park them all, and jumbo frames and reassembly still get theirs.
// (UDP and AF_PACKET sockets copy into byte rings, the EMAC copies into its
// DMA buffers, macvlan's bc_queue and the host's rx_handler batch are emptied
// within the step: they hold no skbs beyond it.) The shares are caps of our
// own, over all devices or neighbours: Linux's per-queue limits stay the
// binding ones for one device or a few neighbours.
//
// Buffer layout: [headroom | data ............ | tailroom]. Offsets (data,
// mac/network/transport headers) are relative to the buffer start, like
// skb->head based offsets in the kernel.

import { tracePacket } from "./trace";
import { copyFrame } from "../lib/mem";
import { SlotTable, SLOTS, SLOT_SKEW } from "../lib/table";

export const SKB_SMALL: i32 = 3584;
export const SKB_LARGE: i32 = 512;
export const SKB_POOL: i32 = SKB_SMALL + SKB_LARGE;
// @ts-ignore: a compile-time check
if (SKB_POOL & (SKB_POOL - 1)) ERROR("SKB_POOL must be a power of two: skb fields mask their index with it");
/** Bytes per small buffer: a full-size frame with a VLAN tag (1518) plus headroom, rounded to a power of two. */
const SKB_SMALL_BUF: u32 = 2048;
/** Bytes per large buffer: a jumbo frame of the largest EMAC MTU (9194 + 18) or a wire record (16128) plus headroom. */
const SKB_LARGE_BUF: u32 = 16384;
/** Room kept in front of received/sent frames for later header pushes (NET_SKB_PAD + tunnel headers). */
export const SKB_HEADROOM: u32 = 128;
/** The longest frame an skb can carry. */
export const SKB_MAX_FRAME: u32 = SKB_LARGE_BUF - SKB_HEADROOM;
/** The longest frame a small buffer carries. */
const SKB_SMALL_FRAME: u32 = SKB_SMALL_BUF - SKB_HEADROOM;

// PACKET_* (include/uapi/linux/if_packet.h): skb->pkt_type
export const PACKET_HOST: u8 = 0, PACKET_BROADCAST: u8 = 1, PACKET_MULTICAST: u8 = 2, PACKET_OTHERHOST: u8 = 3,
  PACKET_OUTGOING: u8 = 4, PACKET_LOOPBACK: u8 = 5;
// skb->ip_summed
export const CHECKSUM_NONE: u8 = 0, CHECKSUM_UNNECESSARY: u8 = 1, CHECKSUM_COMPLETE: u8 = 2, CHECKSUM_PARTIAL: u8 = 3;

let poolBase: usize = 0;

// @ts-ignore: a compile-time check
if (SKB_POOL != SLOTS) ERROR("SKB_POOL must be SLOTS: skb fields are SlotTables");
// the fields the stack reads and writes. Each is written as a changetype of its
// memory.data right here: the compiler then folds the address into every access
// as a constant. (Behind a helper, even an inlined one, it becomes a global set
// at start, and every access loads it first.)
/** skb->dev (ifindex), 0 = none */
export const skbDev = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
/** skb->skb_iif: the device it arrived on last */
export const skbIif = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
/** skb->protocol, host order (0x0800 = IPv4) */
export const skbProtocol = changetype<SlotTable<u16>>(memory.data(SKB_POOL * sizeof<u16>() + SLOT_SKEW, 8));
export const skbPktType = changetype<SlotTable<u8>>(memory.data(SKB_POOL * sizeof<u8>() + SLOT_SKEW, 8));
export const skbMark = changetype<SlotTable<u32>>(memory.data(SKB_POOL * sizeof<u32>() + SLOT_SKEW, 8));
export const skbPriority = changetype<SlotTable<u32>>(memory.data(SKB_POOL * sizeof<u32>() + SLOT_SKEW, 8));
/** skb->len: bytes from data on */
export const skbLen = changetype<SlotTable<u32>>(memory.data(SKB_POOL * sizeof<u32>() + SLOT_SKEW, 8));
/** skb->data, as an offset from the buffer start */
export const skbData = changetype<SlotTable<u32>>(memory.data(SKB_POOL * sizeof<u32>() + SLOT_SKEW, 8));
/** header offsets from the buffer start; -1 = not set */
export const skbMacHeader = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
export const skbNetworkHeader = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
export const skbTransportHeader = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
/** hardware-accelerated VLAN tag (skb->vlan_tci), -1 = none */
export const skbVlanTci = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
export const skbIpSummed = changetype<SlotTable<u8>>(memory.data(SKB_POOL * sizeof<u8>() + SLOT_SKEW, 8));
/** the packet socket that sent it (skb->sk for AF_PACKET), -1 = none */
export const skbSk = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
/** why it was last freed (kfree_skb_reason), 0 while alive */
export const skbReason = changetype<SlotTable<u16>>(memory.data(SKB_POOL * sizeof<u16>() + SLOT_SKEW, 8));
/** queue link (skb->next) for the backlog and qdiscs; -1 = end */
export const skbNext = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
const skbLive = changetype<SlotTable<bool>>(memory.data(SKB_POOL * sizeof<bool>() + SLOT_SKEW, 8));
// skb_dst(): the route attached by ip_route_input/ip_route_output (struct rtable), copied from route.ts's rt*
/** rtable dst.dev (output device), 0 = no route attached */
export const skbRtDev = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
/** rt_type (RTN_*) */
export const skbRtType = changetype<SlotTable<u8>>(memory.data(SKB_POOL * sizeof<u8>() + SLOT_SKEW, 8));
/** rt_flags (RTCF_*) */
export const skbRtFlags = changetype<SlotTable<u32>>(memory.data(SKB_POOL * sizeof<u32>() + SLOT_SKEW, 8));
/** rt_gw4 when the route uses a gateway, else 0 */
export const skbRtGw = changetype<SlotTable<u32>>(memory.data(SKB_POOL * sizeof<u32>() + SLOT_SKEW, 8));
/** dst.error of an input route whose input is ip_error (positive errno), else 0 */
export const skbRtError = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
/** the route's metrics set (dst->_metrics, ipv4/metrics.ts), 0 = none */
export const skbRtMx = changetype<SlotTable<i32>>(memory.data(SKB_POOL * sizeof<i32>() + SLOT_SKEW, 8));
/** the route's learned path MTU (route.ts rtPmtu: 0 = none) */
export const skbRtPmtu = changetype<SlotTable<u32>>(memory.data(SKB_POOL * sizeof<u32>() + SLOT_SKEW, 8));
/** IPCB(skb)->flags (IPSKB_*) */
export const skbIpFlags = changetype<SlotTable<u16>>(memory.data(SKB_POOL * sizeof<u16>() + SLOT_SKEW, 8));
/**
 * The traced input packet this skb is (or is a piece of), SKB_NO_INPUT for one the box
 * made itself (an ICMP error, a reply, an ARP request): verdicts are about inputs only.
 */
export const skbTraceIn = changetype<SlotTable<u32>>(memory.data(SKB_POOL * sizeof<u32>() + SLOT_SKEW, 8));
export const SKB_NO_INPUT: u32 = 0xffffffff;

/** Large buffers the queues leave free (see the budget above). */
export const SKB_LARGE_RESERVE: i32 = SKB_LARGE / 4;

// free lists: small skbs in freeStack[0 .. freeSmall), large ones in freeStack[SKB_SMALL .. SKB_SMALL + freeLarge)
const freeStack = new StaticArray<i32>(SKB_POOL);
let freeSmall: i32 = 0;
let freeLarge: i32 = 0;
/** alloc_skb() failures (pool exhausted) */
export let skbAllocFailures: u64 = 0;

/** Allocates the pool (once). */
export function skbInit(): void {
  if (poolBase != 0) return;
  poolBase = heap.alloc(<usize>SKB_SMALL * <usize>SKB_SMALL_BUF + <usize>SKB_LARGE * <usize>SKB_LARGE_BUF);
  // lowest index on top: the first skbs handed out are 0, 1, 2, ... (deterministic)
  for (let i = 0; i < SKB_SMALL; i++) unchecked(freeStack[i] = SKB_SMALL - 1 - i);
  for (let i = 0; i < SKB_LARGE; i++) unchecked(freeStack[SKB_SMALL + i] = SKB_POOL - 1 - i);
  freeSmall = SKB_SMALL;
  freeLarge = SKB_LARGE;
}

// @ts-ignore: decorator
@inline export function skbValid(skb: i32): bool { return skb >= 0 && skb < SKB_POOL && unchecked(skbLive[skb]); }

/**
 * alloc_skb(): an empty skb with SKB_HEADROOM reserved and room for `size` bytes after it, or -1 when
 * the pool has no buffer that large left (or size is over SKB_MAX_FRAME).
 */
// @ts-ignore: decorator
@inline export function skbAlloc(size: u32): i32 {
  if (poolBase == 0) skbInit();
  let s: i32;
  if (size <= SKB_SMALL_FRAME && freeSmall > 0) s = unchecked(freeStack[--freeSmall]);
  else if (size <= SKB_MAX_FRAME && freeLarge > 0) s = unchecked(freeStack[SKB_SMALL + --freeLarge]);
  else { skbAllocFailures++; return -1; }
  unchecked(skbLive[s] = true);
  unchecked(skbDev[s] = 0); unchecked(skbIif[s] = 0); unchecked(skbProtocol[s] = 0);
  unchecked(skbPktType[s] = PACKET_HOST); unchecked(skbMark[s] = 0); unchecked(skbPriority[s] = 0);
  unchecked(skbLen[s] = 0); unchecked(skbData[s] = SKB_HEADROOM);
  unchecked(skbMacHeader[s] = -1); unchecked(skbNetworkHeader[s] = -1); unchecked(skbTransportHeader[s] = -1);
  unchecked(skbVlanTci[s] = -1); unchecked(skbIpSummed[s] = CHECKSUM_NONE); unchecked(skbSk[s] = -1);
  unchecked(skbReason[s] = 0); unchecked(skbNext[s] = -1);
  unchecked(skbRtDev[s] = 0); unchecked(skbRtType[s] = 0); unchecked(skbRtFlags[s] = 0); unchecked(skbRtGw[s] = 0);
  unchecked(skbRtError[s] = 0); unchecked(skbRtMx[s] = 0); unchecked(skbRtPmtu[s] = 0); unchecked(skbIpFlags[s] = 0); skbTraceIn[s] = tracePacket;
  return s;
}

/** skbAlloc() for a packet the box makes itself (a reply, an ICMP error, an ARP request): no traced input's. */
export function skbAllocLocal(size: u32): i32 {
  const s = skbAlloc(size);
  if (s >= 0) skbTraceIn[s] = SKB_NO_INPUT;
  return s;
}

/** Returns the skb to the pool (the end of kfree_skb/consume_skb). Freeing twice is ignored. */
export function skbFree(skb: i32): void {
  if (!skbValid(skb)) return;
  unchecked(skbLive[skb] = false);
  if (skb < SKB_SMALL) unchecked(freeStack[freeSmall++] = skb);
  else unchecked(freeStack[SKB_SMALL + freeLarge++] = skb);
}

export function skbDropReason(skb: i32, reason: u16): void {
  if (skb >= 0 && skb < SKB_POOL) unchecked(skbReason[skb] = reason);
}

export function skbPoolFree(): i32 { return freeSmall + freeLarge; }

/** Whether a queue that keeps skbs past the softirq step must refuse this one: a large buffer, and few are left. */
export function skbLargeScarce(skb: i32): bool { return skb >= SKB_SMALL && freeLarge < SKB_LARGE_RESERVE; }

/** skb->head: the small buffers first, then the large ones */
// @ts-ignore: decorator
@inline export function skbHead(skb: i32): usize {
  return skb < SKB_SMALL ? poolBase + (<usize>skb << 11)
    : poolBase + (<usize>SKB_SMALL << 11) + (<usize>(skb - SKB_SMALL) << 14);
}
/** skb_end_offset(): the buffer's size */
// @ts-ignore: decorator
@inline export function skbBufSize(skb: i32): u32 { return skb < SKB_SMALL ? SKB_SMALL_BUF : SKB_LARGE_BUF; }
/** skb->data */
// @ts-ignore: decorator
@inline export function skbDataPtr(skb: i32): usize { return skbHead(skb) + <usize>unchecked(skbData[skb]); }
/** skb_mac_header() */
export function skbMacPtr(skb: i32): usize {
  const m = unchecked(skbMacHeader[skb]);
  return skbHead(skb) + <usize>(m >= 0 ? <u32>m : unchecked(skbData[skb]));
}

/** skb_put(): extends the data at the tail; 0 if the buffer has no room. */
export function skbPut(skb: i32, n: u32): usize {
  const end = <u64>unchecked(skbData[skb]) + <u64>unchecked(skbLen[skb]);
  if (end + <u64>n > <u64>skbBufSize(skb)) return 0;
  const p = skbHead(skb) + <usize>end;
  unchecked(skbLen[skb] = skbLen[skb] + n);
  return p;
}

/** skb_push(): prepends n bytes (into the headroom); 0 if there is not enough headroom. */
export function skbPush(skb: i32, n: u32): usize {
  const d = unchecked(skbData[skb]);
  if (n > d) return 0;
  unchecked(skbData[skb] = d - n);
  unchecked(skbLen[skb] = skbLen[skb] + n);
  return skbHead(skb) + <usize>(d - n);
}

/** skb_pull(): removes n bytes from the front; 0 if the skb is shorter. */
export function skbPull(skb: i32, n: u32): usize {
  const l = unchecked(skbLen[skb]);
  if (n > l) return 0;
  unchecked(skbData[skb] = skbData[skb] + n);
  unchecked(skbLen[skb] = l - n);
  return skbDataPtr(skb);
}

/** skb_trim(): cuts the data to len bytes (no-op if already shorter). */
export function skbTrim(skb: i32, len: u32): void {
  if (len < unchecked(skbLen[skb])) unchecked(skbLen[skb] = len);
}

export function skbResetMacHeader(skb: i32): void { unchecked(skbMacHeader[skb] = <i32>skbData[skb]); }
export function skbResetNetworkHeader(skb: i32): void { unchecked(skbNetworkHeader[skb] = <i32>skbData[skb]); }
export function skbResetTransportHeader(skb: i32): void { unchecked(skbTransportHeader[skb] = <i32>skbData[skb]); }

/** An skb holding a copy of [p, p+len) after the headroom; -1 if the pool is empty or the frame too long. */
// @ts-ignore: decorator
@inline export function skbFromBytes(p: usize, len: u32): i32 {
  if (len > SKB_MAX_FRAME) return -2;
  const s = skbAlloc(len);
  if (s < 0) return -1;
  copyFrame(skbPut(s, len), p, len);
  return s;
}

/** skb_copy(): a full private copy (data and metadata), or -1 when the pool is empty. */
export function skbCopy(skb: i32): i32 { return skbCopyExpand(skb, 0); }

/**
 * skb_copy_expand(): a private copy with room for `size` bytes from data on (at least the data), or -1
 * when the pool has no such buffer left.
 */
export function skbCopyExpand(skb: i32, size: u32): i32 {
  const end = unchecked(skbData[skb]) + max(size, unchecked(skbLen[skb]));
  const s = skbAlloc(end > SKB_HEADROOM ? end - SKB_HEADROOM : 0);
  if (s < 0) return -1;
  memory.copy(skbHead(s), skbHead(skb), <usize>unchecked(skbData[skb]) + <usize>unchecked(skbLen[skb]));
  unchecked(skbDev[s] = skbDev[skb]); unchecked(skbIif[s] = skbIif[skb]); unchecked(skbProtocol[s] = skbProtocol[skb]);
  unchecked(skbPktType[s] = skbPktType[skb]); unchecked(skbMark[s] = skbMark[skb]); unchecked(skbPriority[s] = skbPriority[skb]);
  unchecked(skbLen[s] = skbLen[skb]); unchecked(skbData[s] = skbData[skb]);
  unchecked(skbMacHeader[s] = skbMacHeader[skb]); unchecked(skbNetworkHeader[s] = skbNetworkHeader[skb]);
  unchecked(skbTransportHeader[s] = skbTransportHeader[skb]); unchecked(skbVlanTci[s] = skbVlanTci[skb]);
  unchecked(skbIpSummed[s] = skbIpSummed[skb]); unchecked(skbSk[s] = skbSk[skb]);
  unchecked(skbRtDev[s] = skbRtDev[skb]); unchecked(skbRtType[s] = skbRtType[skb]); unchecked(skbRtFlags[s] = skbRtFlags[skb]);
  unchecked(skbRtGw[s] = skbRtGw[skb]); unchecked(skbRtError[s] = skbRtError[skb]); unchecked(skbRtMx[s] = skbRtMx[skb]); unchecked(skbRtPmtu[s] = skbRtPmtu[skb]);
  unchecked(skbIpFlags[s] = skbIpFlags[skb]);
  skbTraceIn[s] = skbTraceIn[skb];
  return s;
}
