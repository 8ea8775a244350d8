// struct sk_buff (include/linux/skbuff.h, net/core/skbuff.c) as a fixed pool:
// SKB_POOL buffers allocated once in linear memory, the metadata as one
// record per skb (SkBuff below), indexed by skb number. alloc_skb/kfree_skb are a free-list
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

/**
 * struct sk_buff: the fields the stack reads and writes, one record per skb (array of
 * structs, 128 bytes apart). A packet's fields share two cache lines, skbAlloc sets
 * them with a few 16-byte stores, and each field is read at a constant offset from the
 * record (the offset folds into the load). Bytes 0..95 are what skbAlloc sets; head is
 * set once by skbInit.
 */
// @ts-ignore: decorator
@unmanaged class SkBuff {
  data: u32; len: u32; dev: i32; iif: i32;
  vlanTci: i32; macHeader: i32; networkHeader: i32; transportHeader: i32;
  mark: u32; priority: u32; sk: i32; next: i32;
  traceIn: u32; protocol: u16; reason: u16; ipFlags: u16; pktType: u8; ipSummed: u8; live: bool; rtType: u8; pad0: u16;
  rtDev: i32; rtFlags: u32; rtGw: u32; rtError: i32;
  rtMx: i32; rtPmtu: u32; pad1: u32; pad2: u32;
  /** skb->head: the buffer's address */
  head: u32;
}
const SKB_REC_SHIFT: i32 = 7;
// @ts-ignore: a compile-time check
if (offsetof<SkBuff>() > (1 << SKB_REC_SHIFT) || offsetof<SkBuff>("head") != 96) ERROR("SkBuff: a record is 128 bytes, skbAlloc sets bytes 0..95");
// @ts-ignore: a compile-time check
if (PACKET_HOST != 0 || CHECKSUM_NONE != 0) ERROR("skbAlloc's zeros are PACKET_HOST and CHECKSUM_NONE");
/**
 * A new skb's record, bytes 0..95: data = SKB_HEADROOM, no headers, no tag, no socket, not
 * queued, no route, PACKET_HOST, CHECKSUM_NONE, live (the byte at 60); everything else 0.
 */
const SKB_TEMPLATE = memory.data<i32>([
  SKB_HEADROOM, 0, 0, 0, -1, -1, -1, -1, 0, 0, -1, -1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
], 16);
// the records at a constant address: the compiler folds it into every access
const skbRecs = memory.data(SKB_POOL << SKB_REC_SHIFT, 16);
/** The record of skb `i` (masked to the pool: an access never leaves it). */
// @ts-ignore: decorator
@inline function skbRec(i: i32): usize { return skbRecs + (<usize>(i & (SKB_POOL - 1)) << SKB_REC_SHIFT); }

// Each field as field[skb] (one small class a field: a load's offset must be a constant).
/** skb->data, as an offset from the buffer start */
// @ts-ignore: decorator
@final @unmanaged class F_data { @inline @operator("[]") get(i: i32): u32 { return load<u32>(skbRec(i), offsetof<SkBuff>("data")); }
  @inline @operator("[]=") set(i: i32, v: u32): void { store<u32>(skbRec(i), v, offsetof<SkBuff>("data")); } }
export const skbData = changetype<F_data>(0);
/** skb->len: bytes from data on */
// @ts-ignore: decorator
@final @unmanaged class F_len { @inline @operator("[]") get(i: i32): u32 { return load<u32>(skbRec(i), offsetof<SkBuff>("len")); }
  @inline @operator("[]=") set(i: i32, v: u32): void { store<u32>(skbRec(i), v, offsetof<SkBuff>("len")); } }
export const skbLen = changetype<F_len>(0);
/** skb->dev (ifindex), 0 = none */
// @ts-ignore: decorator
@final @unmanaged class F_dev { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("dev")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("dev")); } }
export const skbDev = changetype<F_dev>(0);
/** skb->skb_iif: the device it arrived on last */
// @ts-ignore: decorator
@final @unmanaged class F_iif { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("iif")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("iif")); } }
export const skbIif = changetype<F_iif>(0);
/** hardware-accelerated VLAN tag (skb->vlan_tci), -1 = none */
// @ts-ignore: decorator
@final @unmanaged class F_vlanTci { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("vlanTci")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("vlanTci")); } }
export const skbVlanTci = changetype<F_vlanTci>(0);
/** header offsets from the buffer start; -1 = not set */
// @ts-ignore: decorator
@final @unmanaged class F_macHeader { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("macHeader")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("macHeader")); } }
export const skbMacHeader = changetype<F_macHeader>(0);
// @ts-ignore: decorator
@final @unmanaged class F_networkHeader { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("networkHeader")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("networkHeader")); } }
export const skbNetworkHeader = changetype<F_networkHeader>(0);
// @ts-ignore: decorator
@final @unmanaged class F_transportHeader { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("transportHeader")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("transportHeader")); } }
export const skbTransportHeader = changetype<F_transportHeader>(0);
// @ts-ignore: decorator
@final @unmanaged class F_mark { @inline @operator("[]") get(i: i32): u32 { return load<u32>(skbRec(i), offsetof<SkBuff>("mark")); }
  @inline @operator("[]=") set(i: i32, v: u32): void { store<u32>(skbRec(i), v, offsetof<SkBuff>("mark")); } }
export const skbMark = changetype<F_mark>(0);
// @ts-ignore: decorator
@final @unmanaged class F_priority { @inline @operator("[]") get(i: i32): u32 { return load<u32>(skbRec(i), offsetof<SkBuff>("priority")); }
  @inline @operator("[]=") set(i: i32, v: u32): void { store<u32>(skbRec(i), v, offsetof<SkBuff>("priority")); } }
export const skbPriority = changetype<F_priority>(0);
/** the packet socket that sent it (skb->sk for AF_PACKET), -1 = none */
// @ts-ignore: decorator
@final @unmanaged class F_sk { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("sk")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("sk")); } }
export const skbSk = changetype<F_sk>(0);
/** queue link (skb->next) for the backlog and qdiscs; -1 = end */
// @ts-ignore: decorator
@final @unmanaged class F_next { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("next")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("next")); } }
export const skbNext = changetype<F_next>(0);
/**
 * The traced input packet this skb is (or is a piece of), SKB_NO_INPUT for one the box
 * made itself (an ICMP error, a reply, an ARP request): verdicts are about inputs only.
 */
// @ts-ignore: decorator
@final @unmanaged class F_traceIn { @inline @operator("[]") get(i: i32): u32 { return load<u32>(skbRec(i), offsetof<SkBuff>("traceIn")); }
  @inline @operator("[]=") set(i: i32, v: u32): void { store<u32>(skbRec(i), v, offsetof<SkBuff>("traceIn")); } }
export const skbTraceIn = changetype<F_traceIn>(0);
/** skb->protocol, host order (0x0800 = IPv4) */
// @ts-ignore: decorator
@final @unmanaged class F_protocol { @inline @operator("[]") get(i: i32): u16 { return load<u16>(skbRec(i), offsetof<SkBuff>("protocol")); }
  @inline @operator("[]=") set(i: i32, v: u16): void { store<u16>(skbRec(i), v, offsetof<SkBuff>("protocol")); } }
export const skbProtocol = changetype<F_protocol>(0);
/** why it was last freed (kfree_skb_reason), 0 while alive */
// @ts-ignore: decorator
@final @unmanaged class F_reason { @inline @operator("[]") get(i: i32): u16 { return load<u16>(skbRec(i), offsetof<SkBuff>("reason")); }
  @inline @operator("[]=") set(i: i32, v: u16): void { store<u16>(skbRec(i), v, offsetof<SkBuff>("reason")); } }
export const skbReason = changetype<F_reason>(0);
/** IPCB(skb)->flags (IPSKB_*) */
// @ts-ignore: decorator
@final @unmanaged class F_ipFlags { @inline @operator("[]") get(i: i32): u16 { return load<u16>(skbRec(i), offsetof<SkBuff>("ipFlags")); }
  @inline @operator("[]=") set(i: i32, v: u16): void { store<u16>(skbRec(i), v, offsetof<SkBuff>("ipFlags")); } }
export const skbIpFlags = changetype<F_ipFlags>(0);
// @ts-ignore: decorator
@final @unmanaged class F_pktType { @inline @operator("[]") get(i: i32): u8 { return load<u8>(skbRec(i), offsetof<SkBuff>("pktType")); }
  @inline @operator("[]=") set(i: i32, v: u8): void { store<u8>(skbRec(i), v, offsetof<SkBuff>("pktType")); } }
export const skbPktType = changetype<F_pktType>(0);
// @ts-ignore: decorator
@final @unmanaged class F_ipSummed { @inline @operator("[]") get(i: i32): u8 { return load<u8>(skbRec(i), offsetof<SkBuff>("ipSummed")); }
  @inline @operator("[]=") set(i: i32, v: u8): void { store<u8>(skbRec(i), v, offsetof<SkBuff>("ipSummed")); } }
export const skbIpSummed = changetype<F_ipSummed>(0);
// @ts-ignore: decorator
@final @unmanaged class F_live { @inline @operator("[]") get(i: i32): bool { return load<bool>(skbRec(i), offsetof<SkBuff>("live")); }
  @inline @operator("[]=") set(i: i32, v: bool): void { store<bool>(skbRec(i), v, offsetof<SkBuff>("live")); } }
const skbLive = changetype<F_live>(0);
/** rt_type (RTN_*) */
// @ts-ignore: decorator
@final @unmanaged class F_rtType { @inline @operator("[]") get(i: i32): u8 { return load<u8>(skbRec(i), offsetof<SkBuff>("rtType")); }
  @inline @operator("[]=") set(i: i32, v: u8): void { store<u8>(skbRec(i), v, offsetof<SkBuff>("rtType")); } }
export const skbRtType = changetype<F_rtType>(0);
/**
 * skb_dst(): the route attached by ip_route_input/ip_route_output (struct rtable), copied from
 * route.ts's rt*. dst.dev (output device), 0 = no route attached
 */
// @ts-ignore: decorator
@final @unmanaged class F_rtDev { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("rtDev")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("rtDev")); } }
export const skbRtDev = changetype<F_rtDev>(0);
/** rt_flags (RTCF_*) */
// @ts-ignore: decorator
@final @unmanaged class F_rtFlags { @inline @operator("[]") get(i: i32): u32 { return load<u32>(skbRec(i), offsetof<SkBuff>("rtFlags")); }
  @inline @operator("[]=") set(i: i32, v: u32): void { store<u32>(skbRec(i), v, offsetof<SkBuff>("rtFlags")); } }
export const skbRtFlags = changetype<F_rtFlags>(0);
/** rt_gw4 when the route uses a gateway, else 0 */
// @ts-ignore: decorator
@final @unmanaged class F_rtGw { @inline @operator("[]") get(i: i32): u32 { return load<u32>(skbRec(i), offsetof<SkBuff>("rtGw")); }
  @inline @operator("[]=") set(i: i32, v: u32): void { store<u32>(skbRec(i), v, offsetof<SkBuff>("rtGw")); } }
export const skbRtGw = changetype<F_rtGw>(0);
/** dst.error of an input route whose input is ip_error (positive errno), else 0 */
// @ts-ignore: decorator
@final @unmanaged class F_rtError { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("rtError")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("rtError")); } }
export const skbRtError = changetype<F_rtError>(0);
/** the route's metrics set (dst->_metrics, ipv4/metrics.ts), 0 = none */
// @ts-ignore: decorator
@final @unmanaged class F_rtMx { @inline @operator("[]") get(i: i32): i32 { return load<i32>(skbRec(i), offsetof<SkBuff>("rtMx")); }
  @inline @operator("[]=") set(i: i32, v: i32): void { store<i32>(skbRec(i), v, offsetof<SkBuff>("rtMx")); } }
export const skbRtMx = changetype<F_rtMx>(0);
/** the route's learned path MTU (route.ts rtPmtu: 0 = none) */
// @ts-ignore: decorator
@final @unmanaged class F_rtPmtu { @inline @operator("[]") get(i: i32): u32 { return load<u32>(skbRec(i), offsetof<SkBuff>("rtPmtu")); }
  @inline @operator("[]=") set(i: i32, v: u32): void { store<u32>(skbRec(i), v, offsetof<SkBuff>("rtPmtu")); } }
export const skbRtPmtu = changetype<F_rtPmtu>(0);
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
  for (let i = 0; i < SKB_POOL; i++) {
    const head = i < SKB_SMALL ? poolBase + (<usize>i << 11) : poolBase + (<usize>SKB_SMALL << 11) + (<usize>(i - SKB_SMALL) << 14);
    store<u32>(skbRec(i), <u32>head, offsetof<SkBuff>("head"));
  }
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
  // bytes 0..95 from the template, six 16-byte loads and stores (V8 would build each constant vector)
  const r = skbRec(s);
  v128.store(r, v128.load(SKB_TEMPLATE), 0); v128.store(r, v128.load(SKB_TEMPLATE, 16), 16);
  v128.store(r, v128.load(SKB_TEMPLATE, 32), 32); v128.store(r, v128.load(SKB_TEMPLATE, 48), 48);
  v128.store(r, v128.load(SKB_TEMPLATE, 64), 64); v128.store(r, v128.load(SKB_TEMPLATE, 80), 80);
  store<u32>(r, tracePacket, offsetof<SkBuff>("traceIn"));
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

/** skb->head: the small buffers first, then the large ones (skbInit wrote each one's) */
// @ts-ignore: decorator
@inline export function skbHead(skb: i32): usize { return <usize>load<u32>(skbRec(skb), offsetof<SkBuff>("head")); }
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
  // the metadata (not head: each skb keeps its buffer), then what a copy starts with itself
  memory.copy(skbRec(s), skbRec(skb), offsetof<SkBuff>("head"));
  unchecked(skbNext[s] = -1); unchecked(skbReason[s] = 0); unchecked(skbLive[s] = true);
  return s;
}
