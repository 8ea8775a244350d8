// The device layer between drivers and protocols (net/core/dev.c,
// net/ethernet/eth.c, drivers/net/veth.c, loopback.c, dummy.c, and the
// pfifo_fast qdisc of net/sched/sch_generic.c, reduced to one FIFO band).
//
// Receive: a driver calls netif_receive_skb (NAPI context) or netif_rx (the
// per-box backlog, drained in the softirq step). __netif_receive_skb_core
// runs the ptype_all taps (packet sockets), the device's rx_handler, then
// protocol dispatch by skb->protocol through ptype_base.
//
// Transmit: dev_queue_xmit → the device's qdisc (pfifo_fast for real NICs,
// noqueue for virtual ones) → dev_hard_start_xmit (taps, then ndo_start_xmit).
//
// Statistics: per device, what ndo_get_stats64 reports plus the core counters
// dev_get_stats() adds (rx_dropped, tx_dropped, rx_nohandler), in the order of
// struct rtnl_link_stats64.
//
// Hooks for the IP stack: dev_add_pack(ETH_P_IP, ip_rcv) registers a protocol
// handler (one line); ip_finish_output2 fills the Ethernet header with
// eth_header() and hands the skb to dev_queue_xmit.

import {
  devExists, devIsUp, devKind, devCarrier, devMac, devMtu, devPeer, devTxqlen, devQdisc, DEV_MAX,
  KIND_LOOPBACK, KIND_VETH, KIND_DUMMY, KIND_EMAC, KIND_TUN,
} from "./netdevice";
import { SlotTable, SLOT_SKEW } from "../lib/table";
import {
  skbDev, skbIif, skbProtocol, skbPktType, skbLen, skbData, skbMacHeader, skbNetworkHeader, skbVlanTci, skbNext,
  skbPriority, skbSk, skbIpSummed, skbDataPtr, skbPull, skbPush, skbCopy, skbValid, skbFromBytes,
  skbResetMacHeader, skbResetNetworkHeader, SKB_POOL, PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, skbLargeScarce,
} from "./skbuff";
import {
  kfree_skb_reason, kfree_skb, consume_skb, SKB_DROP_REASON_UNHANDLED_PROTO, SKB_DROP_REASON_CPU_BACKLOG,
  SKB_DROP_REASON_DEV_READY, SKB_DROP_REASON_QDISC_DROP, SKB_DROP_REASON_PKT_TOO_SMALL, SKB_DROP_REASON_NOMEM,
  SKB_DROP_REASON_QUEUE_PURGE, SKB_DROP_REASON_PKT_TOO_BIG, dropCount,
} from "./dropreason";
import { ptypeAllDeliver } from "./af_packet";
import { emacStartXmit, emac_start_xmit } from "../drivers/emac_netdev";
import { ip_rcv } from "../ipv4/ip_input";
import { vethIsRemote, veth_xmit_remote, vethRemoteRxStats } from "../drivers/veth";
import { skb_vlan_untag, vlan_do_receive, VLAN_RX_ANOTHER, VLAN_RX_FREED, VLAN_TCI_STAG, ETH_P_8021AD } from "../net/8021q/vlan_core";
import { trace, traceOn, traceVerdict, traceVerdictGiven } from "./trace";
import { TE_NETIF_RECEIVE, TE_XMIT, TE_DROP, VERDICT_DROP, VERDICT_CONSUMED, TE_RX_HANDLER, RXH_WIRE_SINK } from "./trace_events";

// ---- constants ---------------------------------------------------------------------------
export const ETH_HLEN: u32 = 14;
export const VLAN_HLEN: u32 = 4;
export const ETH_P_IP: u16 = 0x0800, ETH_P_ARP: u16 = 0x0806, ETH_P_8021Q: u16 = 0x8100, ETH_P_IPV6: u16 = 0x86dd;
export const ETH_P_802_3: u16 = 0x0001, ETH_P_802_2: u16 = 0x0004, ETH_P_802_3_MIN: u16 = 0x0600;
export const NET_RX_SUCCESS: i32 = 0, NET_RX_DROP: i32 = 1;
export const NET_XMIT_SUCCESS: i32 = 0, NET_XMIT_DROP: i32 = 1, NET_XMIT_CN: i32 = 2;
export const NETDEV_TX_OK: i32 = 0, NETDEV_TX_BUSY: i32 = 0x10;
const ENETDOWN: i32 = 100, ENODEV: i32 = 19, ENOBUFS: i32 = 105;
/** net.core.netdev_max_backlog (not writable here: the pool's budget counts on it, see skbuff.ts) */
export const netdevMaxBacklog: i32 = 1000;
/** net_rx_action budget (net.core.netdev_budget) per softirq round */
export const NETDEV_BUDGET: i32 = 300;

// ---- per-device counters (struct net_device's core_stats and lstats, veth priv->dropped) ------
// rtnl_link_stats64 field order
export const ST_RX_PACKETS = 0, ST_TX_PACKETS = 1, ST_RX_BYTES = 2, ST_TX_BYTES = 3, ST_RX_ERRORS = 4,
  ST_TX_ERRORS = 5, ST_RX_DROPPED = 6, ST_TX_DROPPED = 7, ST_MULTICAST = 8, ST_COLLISIONS = 9,
  ST_RX_LENGTH_ERRORS = 10, ST_RX_OVER_ERRORS = 11, ST_RX_CRC_ERRORS = 12, ST_RX_FRAME_ERRORS = 13,
  ST_RX_FIFO_ERRORS = 14, ST_RX_MISSED_ERRORS = 15, ST_TX_ABORTED_ERRORS = 16, ST_TX_CARRIER_ERRORS = 17,
  ST_TX_FIFO_ERRORS = 18, ST_TX_HEARTBEAT_ERRORS = 19, ST_TX_WINDOW_ERRORS = 20, ST_RX_COMPRESSED = 21,
  ST_TX_COMPRESSED = 22, ST_RX_NOHANDLER = 23, ST_RX_OTHERHOST_DROPPED = 24;
export const ST_COUNT: i32 = 25;

const coreRxDropped = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
const coreTxDropped = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
const coreRxNohandler = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
const coreRxOtherhost = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
const lstatsPackets = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
const lstatsBytes = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
const vethDropped = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
/** qdisc drops (tc -s qdisc), not part of the link statistics */
const qdiscDrops = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
// the pfifo_fast FIFO of each device: skb list head/tail/length
const qHead = changetype<SlotTable<i32>>(memory.data(DEV_MAX * sizeof<i32>() + SLOT_SKEW, 8));
const qTail = changetype<SlotTable<i32>>(memory.data(DEV_MAX * sizeof<i32>() + SLOT_SKEW, 8));
const qLen = changetype<SlotTable<i32>>(memory.data(DEV_MAX * sizeof<i32>() + SLOT_SKEW, 8));
/** the TX queue's __QUEUE_STATE_DRV_XOFF: set and cleared by the driver (netif_stop_queue, netif_wake_queue) */
const txqStopped = changetype<SlotTable<bool>>(memory.data(DEV_MAX * sizeof<bool>() + SLOT_SKEW, 8));
/**
 * Not in Linux: all qdiscs together hold at most QDISC_SKB_MAX skbs (the pool's budget: see skbuff.ts);
 * past it an enqueue drops as a full pfifo_fast does. One device with the default txqueuelen (1000)
 * stays within it, so there txqueuelen is the binding limit, as in Linux.
 */
export const QDISC_SKB_MAX: i32 = SKB_POOL / 4;
let qdiscSkbs: i32 = 0;

function ensure(dev: i32): void {
  while (rxHandler.length <= dev) { rxHandler.push(null); rxHandlerId.push(0); }
}

/** A new device (register_netdevice): counters start at 0, the TX queue runs. */
export function netifDevInit(dev: i32): void {
  ensure(dev);
  coreRxDropped[dev] = 0; coreTxDropped[dev] = 0; coreRxNohandler[dev] = 0; coreRxOtherhost[dev] = 0; lstatsPackets[dev] = 0;
  lstatsBytes[dev] = 0; vethDropped[dev] = 0; qdiscDrops[dev] = 0; qHead[dev] = -1; qTail[dev] = -1; qLen[dev] = 0;
  txqStopped[dev] = false;
  rxHandler[dev] = null; rxHandlerId[dev] = 0;
}

// @ts-ignore: decorator
@inline function valid(dev: i32): bool { return devExists(dev); }

export function dev_core_stats_rx_dropped_inc(dev: i32): void { if (valid(dev)) coreRxDropped[dev]++; }
export function dev_core_stats_tx_dropped_inc(dev: i32): void { if (valid(dev)) coreTxDropped[dev]++; }
export function dev_core_stats_rx_nohandler_inc(dev: i32): void { if (valid(dev)) coreRxNohandler[dev]++; }
export function dev_core_stats_rx_otherhost_dropped_inc(dev: i32): void { if (valid(dev)) coreRxOtherhost[dev]++; }
/** dev_lstats_add() */
export function dev_lstats_add(dev: i32, len: u32): void { if (valid(dev)) { lstatsPackets[dev]++; lstatsBytes[dev] += len; } }
export function qdiscDropCount(dev: i32): u64 { return valid(dev) ? qdiscDrops[dev] : 0; }
export function qdiscQlen(dev: i32): i32 { return valid(dev) ? qLen[dev] : 0; }

// ---- net_device_ops of driver kinds living outside this file (the EMAC) ---------------------
/** ndo_start_xmit: NETDEV_TX_OK (skb consumed or dropped) or NETDEV_TX_BUSY (skb not taken). */
export type NdoStartXmit = (skb: i32, dev: i32) => i32;
/** ndo_get_stats64: fills `s` (rtnl_link_stats64 order). */
export type NdoGetStats64 = (dev: i32, s: StaticArray<u64>) => void;

const KINDS: i32 = 9;
const opsXmit = new StaticArray<NdoStartXmit | null>(KINDS);
const opsStats = new StaticArray<NdoGetStats64 | null>(KINDS);

export function netdevOpsRegister(kind: u8, xmit: NdoStartXmit, stats: NdoGetStats64): void {
  unchecked(opsXmit[kind] = xmit);
  unchecked(opsStats[kind] = stats);
}

/** Whether the device has a real qdisc (pfifo_fast) rather than noqueue: physical NICs, tun/tap. */
export function devHasQdisc(dev: i32): bool {
  if (!valid(dev)) return false;
  const k = unchecked(devKind[dev]);
  return k == KIND_EMAC || k == KIND_TUN;
}

/** dev_get_stats(): ndo_get_stats64 (or the software counters of lo/veth/dummy) plus the core counters. */
export function dev_get_stats(dev: i32, s: StaticArray<u64>): void {
  for (let i = 0; i < ST_COUNT; i++) unchecked(s[i] = 0);
  if (!valid(dev)) return;
  const k = devKind[dev];
  if (k == KIND_LOOPBACK) {
    // loopback_get_stats64: what was sent is what was received
    s[ST_RX_PACKETS] = lstatsPackets[dev]; s[ST_TX_PACKETS] = lstatsPackets[dev];
    s[ST_RX_BYTES] = lstatsBytes[dev]; s[ST_TX_BYTES] = lstatsBytes[dev];
  } else if (k == KIND_VETH) {
    // veth_get_stats64: TX from our lstats and priv->dropped, RX from the peer's lstats
    s[ST_TX_PACKETS] = lstatsPackets[dev]; s[ST_TX_BYTES] = lstatsBytes[dev]; s[ST_TX_DROPPED] = vethDropped[dev];
    const p = devPeer[dev];
    if (valid(p)) { s[ST_RX_PACKETS] = lstatsPackets[p]; s[ST_RX_BYTES] = lstatsBytes[p]; }
    else vethRemoteRxStats(dev, s);
  } else if (k == KIND_DUMMY) {
    s[ST_TX_PACKETS] = lstatsPackets[dev]; s[ST_TX_BYTES] = lstatsBytes[dev];
  } else if (k < <u8>KINDS) {
    const f = unchecked(opsStats[k]);
    if (f != null) f(dev, s);
  }
  s[ST_RX_DROPPED] += coreRxDropped[dev];
  s[ST_TX_DROPPED] += coreTxDropped[dev];
  s[ST_RX_NOHANDLER] += coreRxNohandler[dev];
  s[ST_RX_OTHERHOST_DROPPED] += coreRxOtherhost[dev];
}

// ---- Ethernet (net/ethernet/eth.c) ------------------------------------------------------------
// A MAC address as a number has its first byte most significant: its bytes in the frame are those of
// the number, little-endian, reversed. One 8-byte load or store and one byte shuffle (pshufb) each way.
/** The 48-bit MAC address at p (wire order) as a number; reads 8 bytes (p is an Ethernet header). */
// @ts-ignore: decorator
@inline function macAt(p: usize): u64 {
  const v = v128.load64_zero(p);
  return i64x2.extract_lane(i8x16.shuffle(v, v, 5, 4, 3, 2, 1, 0, 15, 15, 15, 15, 15, 15, 15, 15, 15, 15), 0);
}
function load16be(p: usize): u16 { return bswap<u16>(load<u16>(p)); }

/**
 * eth_type_trans(): skb->dev = dev, mac header at data, pull ETH_HLEN, pkt_type
 * from the destination (broadcast, multicast, ours, someone else's), and the
 * protocol from the type/length field. Returns skb->protocol.
 */
// @ts-ignore: decorator
@inline export function eth_type_trans(skb: i32, dev: i32): u16 {
  skbDev[skb] = dev;
  skbResetMacHeader(skb);
  const p = skbDataPtr(skb);
  skbPull(skb, ETH_HLEN);
  skbResetNetworkHeader(skb);
  const dst = macAt(p);
  if ((dst & 0x010000000000) != 0) {
    skbPktType[skb] = dst == 0xffffffffffff ? PACKET_BROADCAST : PACKET_MULTICAST;
  } else if (dst != devMac[dev]) {
    skbPktType[skb] = PACKET_OTHERHOST;
  } else {
    skbPktType[skb] = PACKET_HOST;
  }
  const t = load16be(p + 12);
  let proto: u16;
  if (t >= ETH_P_802_3_MIN) proto = t;
  // raw 802.3 (Novell's IPX over 802.3 without LLC) starts with 0xFFFF; anything else is 802.2 LLC
  else if (skbLen[skb] >= 2 && load16be(p + 14) == 0xffff) proto = ETH_P_802_3;
  else proto = ETH_P_802_2;
  skbProtocol[skb] = proto;
  return proto;
}

/** eth_header(): pushes an Ethernet header (dst, the device's address, type). 0 or -ENOBUFS (no headroom). */
// @ts-ignore: decorator
@inline export function eth_header(skb: i32, dev: i32, type: u16, dst: u64): i32 {
  const p = skbPush(skb, ETH_HLEN);
  if (p == 0) return -ENOBUFS;
  // destination and source in wire order, 12 bytes from one shuffle of the two numbers
  const v = i64x2.replace_lane(i64x2.splat(dst), 1, devMac[dev]);
  const w = i8x16.shuffle(v, v, 5, 4, 3, 2, 1, 0, 13, 12, 11, 10, 9, 8, 15, 15, 15, 15);
  v128.store64_lane(p, w, 0);
  v128.store32_lane(p, w, 2, 8);
  store<u16>(p, bswap<u16>(type), 12);
  skbResetMacHeader(skb);
  skbProtocol[skb] = type;
  return 0;
}

// ---- rx_handler (netdev_rx_handler_register) ------------------------------------------------
export const RX_HANDLER_CONSUMED: i32 = 0, RX_HANDLER_ANOTHER: i32 = 1, RX_HANDLER_EXACT: i32 = 2, RX_HANDLER_PASS: i32 = 3;
/**
 * Not a kernel result: the handler parked the skb for a batch (a handler written by the host runs
 * once per batch); netif_receive_skb_resume() later applies the real result.
 */
export const RX_HANDLER_PARKED: i32 = 4;
/** Called with the skb (skb->dev is the device); may change skb->dev and return ANOTHER. */
export type RxHandler = (skb: i32) => i32;
const rxHandler = new Array<RxHandler | null>();
/** who registered the handler, for traces (RXH_* in trace_events.ts) */
const rxHandlerId = new Array<u8>();
// a parked skb's place in __netif_receive_skb_core: the original device and the rounds done
const parkOrigDev = new StaticArray<i32>(SKB_POOL);
const parkRounds = new StaticArray<i32>(SKB_POOL);

/** netdev_rx_handler_register(): 0, -EBUSY if the device has one, -ENODEV. `id` names the handler in traces. */
export function netdev_rx_handler_register(dev: i32, h: RxHandler, id: u8 = 0): i32 {
  if (!valid(dev)) return -ENODEV;
  if (rxHandler[dev] != null) return -16;
  rxHandler[dev] = h;
  rxHandlerId[dev] = id;
  return 0;
}
export function netdev_rx_handler_unregister(dev: i32): void { if (valid(dev)) { rxHandler[dev] = null; rxHandlerId[dev] = 0; } }
/** netdev_is_rx_handler_busy() */
export function netdev_is_rx_handler_busy(dev: i32): bool { return valid(dev) && rxHandler[dev] != null; }
/** The RXH_* id of the device's handler, 0 if none or unnamed. */
export function netdevRxHandlerId(dev: i32): u8 { return valid(dev) ? rxHandlerId[dev] : 0; }

// ---- ptype_base: protocol handlers (dev_add_pack) ----------------------------------------------
/** A protocol handler (ip_rcv, arp_rcv): (skb, dev, orig_dev) → NET_RX_SUCCESS or NET_RX_DROP. Owns the skb. */
export type PacketHandler = (skb: i32, dev: i32, origDev: i32) => i32;
const PTYPE_MAX: i32 = 16;
const ptType = new StaticArray<u16>(PTYPE_MAX);
const ptDev = new StaticArray<i32>(PTYPE_MAX);
const ptFunc = new StaticArray<PacketHandler | null>(PTYPE_MAX);
let ptCount: i32 = 0;
// ptype_base[ntohs(type) & PTYPE_HASH_MASK]: each bucket's handlers in the order they were added,
// as entry + 1 (0 ends a list), so delivery looks only at the handlers of types in that bucket
const PTYPE_HASH_MASK: i32 = 15;
const ptHead = new StaticArray<i32>(PTYPE_HASH_MASK + 1);
const ptNext = new StaticArray<i32>(PTYPE_MAX);

function ptRehash(): void {
  for (let b = 0; b <= PTYPE_HASH_MASK; b++) unchecked(ptHead[b] = 0);
  for (let i = ptCount - 1; i >= 0; i--) {
    const b = <i32>unchecked(ptType[i]) & PTYPE_HASH_MASK;
    unchecked(ptNext[i] = ptHead[b]);
    unchecked(ptHead[b] = i + 1);
  }
}

/** dev_add_pack(): registers `func` for ethertype `type` (host order), on every device (dev 0) or one. 0 or -ENOSPC. */
export function dev_add_pack(type: u16, func: PacketHandler, dev: i32 = 0): i32 {
  if (ptCount >= PTYPE_MAX) return -28;
  unchecked(ptType[ptCount] = type); unchecked(ptDev[ptCount] = dev); unchecked(ptFunc[ptCount] = func);
  ptCount++;
  ptRehash();
  return 0;
}
/** dev_remove_pack() */
export function dev_remove_pack(type: u16, func: PacketHandler): void {
  for (let i = 0; i < ptCount; i++) {
    if (unchecked(ptType[i]) == type && unchecked(ptFunc[i]) == func) {
      for (let j = i + 1; j < ptCount; j++) {
        unchecked(ptType[j - 1] = ptType[j]); unchecked(ptDev[j - 1] = ptDev[j]); unchecked(ptFunc[j - 1] = ptFunc[j]);
      }
      ptCount--;
      unchecked(ptFunc[ptCount] = null);
      ptRehash();
      return;
    }
  }
}

// ---- receive ------------------------------------------------------------------------------
/** rx_handler ANOTHER rounds before the frame is dropped (Linux has no limit; a loop here would never end). */
const MAX_ROUNDS: i32 = 8;

/**
 * __netif_receive_skb_core(): taps on each device the frame passes, the
 * rx_handler, hardware VLAN tag handling, then protocol delivery.
 */
function netifReceiveCore(skb: i32): i32 { return receiveRound(skb, skbDev[skb], 0); }

/** another_round: from the taps of skb->dev on, `rounds` ANOTHER results already taken. */
// @ts-ignore: decorator
@inline function receiveRound(skb: i32, origDev: i32, rounds: i32): i32 {
  let n = rounds;
  while (true) {
    const dev = skbDev[skb];
    skbIif[skb] = dev;
    // an in-band 802.1Q/802.1ad tag moves to skb->vlan_tci (skb_vlan_untag), before the taps
    const proto = skbProtocol[skb];
    if ((proto == ETH_P_8021Q || proto == ETH_P_8021AD) && !skb_vlan_untag(skb)) return NET_RX_DROP;
    // ptype_all: packet sockets see the frame on every device it passes
    ptypeAllDeliver(skb, dev, false);
    // a tag: to the VLAN device of its id, if there is one (vlan_do_receive), another round there
    if (unchecked(skbVlanTci[skb]) >= 0) {
      const v = vlan_do_receive(skb);
      if (v == VLAN_RX_FREED) return NET_RX_DROP;
      if (v == VLAN_RX_ANOTHER) {
        if (++n >= MAX_ROUNDS) { kfree_skb(skb); return NET_RX_DROP; }
        continue;
      }
    }
    const h = dev < rxHandler.length ? rxHandler[dev] : null;
    if (h == null) return deliverSkb(skb, origDev, false);
    const r = h(skb);
    if (r == RX_HANDLER_PARKED) {
      unchecked(parkOrigDev[skb] = origDev);
      unchecked(parkRounds[skb] = n);
      return NET_RX_SUCCESS;
    }
    if (r != RX_HANDLER_ANOTHER) return rxHandlerDone(skb, origDev, dev, rxHandlerId[dev], r);
    trace(TE_RX_HANDLER, <u32>dev | (<u32>rxHandlerId[dev] << 24), <u32>r | (<u32>skbDev[skb] << 8));
    if (++n >= MAX_ROUNDS || !valid(skbDev[skb])) { kfree_skb(skb); return NET_RX_DROP; }
  }
  return NET_RX_DROP; // not reached
}

/** The rx_handler's result other than ANOTHER: consumed, or on to protocol delivery. */
function rxHandlerDone(skb: i32, origDev: i32, dev: i32, id: u8, r: i32): i32 {
  trace(TE_RX_HANDLER, <u32>dev | (<u32>id << 24), <u32>r | (<u32>skbDev[skb] << 8));
  if (r == RX_HANDLER_CONSUMED) {
    // the replay's wire sink is not a verdict (the frame left the box there), and a handler that
    // decided (the bridge forwarding or delivering) already traced its own
    if (id != RXH_WIRE_SINK && traceOn && !traceVerdictGiven()) traceVerdict(skb, VERDICT_CONSUMED, 0);
    return NET_RX_SUCCESS;
  }
  return deliverSkb(skb, origDev, r == RX_HANDLER_EXACT);
}

/**
 * A parked skb comes back with the handler's result (skb->dev already set for ANOTHER):
 * __netif_receive_skb_core goes on where the handler `id` of `dev` was called.
 */
export function netif_receive_skb_resume(skb: i32, dev: i32, id: u8, r: i32): i32 {
  if (!skbValid(skb)) return NET_RX_DROP;
  const origDev = unchecked(parkOrigDev[skb]);
  if (r == RX_HANDLER_ANOTHER) {
    trace(TE_RX_HANDLER, <u32>dev | (<u32>id << 24), <u32>r | (<u32>skbDev[skb] << 8));
    const rounds = unchecked(parkRounds[skb]) + 1;
    if (rounds >= MAX_ROUNDS || !valid(skbDev[skb])) { kfree_skb(skb); return NET_RX_DROP; }
    return receiveRound(skb, origDev, rounds);
  }
  return rxHandlerDone(skb, origDev, dev, id, r);
}

/** Protocol delivery by skb->protocol (deliver_ptype_list_skb), after the rx_handler. */
// @ts-ignore: decorator
@inline function deliverSkb(skb: i32, origDev: i32, exact: bool): i32 {
  const dev = skbDev[skb];
  // a hardware-stripped tag with a VLAN id and no VLAN device: not for us (check_vlan_id)
  if (skbVlanTci[skb] >= 0) {
    if ((skbVlanTci[skb] & 0xfff) != 0) skbPktType[skb] = PACKET_OTHERHOST;
    skbVlanTci[skb] = -1;
  }
  // deliver_ptype_list_skb: wildcard handlers (unless EXACT), then the device-specific ones;
  // every match but the last gets its own copy, the last takes the skb
  const type = skbProtocol[skb];
  let last = -1;
  for (let e = unchecked(ptHead[<i32>type & PTYPE_HASH_MASK]); e != 0; e = unchecked(ptNext[e - 1])) {
    const i = e - 1;
    if (unchecked(ptType[i]) != type) continue;
    const d = unchecked(ptDev[i]);
    if (d == 0 ? exact : (d != dev && d != origDev)) continue;
    if (last >= 0) {
      const c = skbCopy(skb);
      if (c >= 0) changetype<PacketHandler>(unchecked(ptFunc[last]))(c, dev, origDev);
      else dev_core_stats_rx_dropped_inc(dev);
    }
    last = i;
  }
  if (last >= 0) {
    // INDIRECT_CALL_INET: the IPv4 handler called directly, any other through its pointer
    const f = changetype<PacketHandler>(unchecked(ptFunc[last]));
    return f == ip_rcv ? ip_rcv(skb, dev, origDev) : f(skb, dev, origDev);
  }
  if (exact) dev_core_stats_rx_nohandler_inc(dev);
  else dev_core_stats_rx_dropped_inc(dev);
  trace(TE_DROP, SKB_DROP_REASON_UNHANDLED_PROTO, type);
  traceVerdict(skb, VERDICT_DROP, SKB_DROP_REASON_UNHANDLED_PROTO);
  kfree_skb_reason(skb, SKB_DROP_REASON_UNHANDLED_PROTO);
  return NET_RX_DROP;
}

/** netif_receive_skb(): the driver hands a frame (after eth_type_trans) to the stack, here and now. */
// @ts-ignore: decorator
@inline export function netif_receive_skb(skb: i32): i32 { return netifReceiveSkb(skb, false); }
/** netif_receive_skb, with __netif_receive_skb_core inlined (`inlineCore`) or called. */
// @ts-ignore: decorator
@inline function netifReceiveSkb(skb: i32, inlineCore: bool): i32 {
  if (!skbValid(skb)) return NET_RX_DROP;
  if (!valid(skbDev[skb])) { kfree_skb(skb); return NET_RX_DROP; }
  trace(TE_NETIF_RECEIVE, <u32>skbDev[skb], skbLen[skb]);
  return inlineCore ? receiveRound(skb, skbDev[skb], 0) : netifReceiveCore(skb);
}

// the per-box backlog (softnet_data.input_pkt_queue): one CPU
let blHead: i32 = -1, blTail: i32 = -1, blLen: i32 = 0;
/** softnet_stat: frames dropped because the backlog was full */
export let backlogDropped: u64 = 0;
export function backlogLen(): i32 { return blLen; }

/** netif_rx(): queues the frame on the backlog for the next softirq step (enqueue_to_backlog). */
export function netif_rx(skb: i32): i32 {
  if (!skbValid(skb)) return NET_RX_DROP;
  if (blLen >= netdevMaxBacklog) {
    backlogDropped++;
    dev_core_stats_rx_dropped_inc(skbDev[skb]);
    kfree_skb_reason(skb, SKB_DROP_REASON_CPU_BACKLOG);
    return NET_RX_DROP;
  }
  skbNext[skb] = -1;
  if (blTail >= 0) skbNext[blTail] = skb; else blHead = skb;
  blTail = skb;
  blLen++;
  return NET_RX_SUCCESS;
}

/** process_backlog(): up to `quota` frames; returns how many were processed. */
function processBacklog(quota: i32): i32 {
  let n = 0;
  while (n < quota && blHead >= 0) {
    const skb = blHead;
    blHead = skbNext[skb];
    if (blHead < 0) blTail = -1;
    blLen--;
    skbNext[skb] = -1;
    netif_receive_skb(skb);
    n++;
  }
  return n;
}

// ---- softirq (net_rx_action / net_tx_action) ---------------------------------------------------
let inSoftirq = false;
/** Deferred work a driver schedules (macvlan's bc_work): returns the frames it handled. */
export type SoftirqWork = () => i32;
const softirqWork = new Array<SoftirqWork>();
/** Work run in every softirq round after the backlog (the kernel's work queues, made deterministic). */
export function softirqWorkRegister(fn: SoftirqWork): void { softirqWork.push(fn); }
/** devices with frames waiting in their qdisc (__netif_schedule); a small set scanned in order */
const txScheduled = new Array<i32>();

/** __netif_schedule(): the device's qdisc has work for net_tx_action. */
export function netif_schedule(dev: i32): void {
  if (txScheduled.indexOf(dev) < 0) txScheduled.push(dev);
}

/**
 * do_softirq(): NET_TX (run waiting qdiscs), then NET_RX (the backlog), until
 * both are idle or `rounds` budgets of NETDEV_BUDGET frames were used (what
 * is left waits for the next step, as ksoftirqd would take it). Not re-entrant.
 */
export function do_softirq(rounds: i32 = 64): void {
  if (inSoftirq) return;
  inSoftirq = true;
  for (let r = 0; r < rounds; r++) {
    let work = 0;
    // net_tx_action: qdisc_run for every scheduled device, in the order they were scheduled
    if (txScheduled.length > 0) {
      const n = txScheduled.length;
      for (let i = 0; i < n; i++) work += qdisc_run(txScheduled[i]);
      // keep the devices still backlogged (new ones scheduled meanwhile stay too)
      let w = 0;
      for (let i = 0; i < txScheduled.length; i++) {
        const d = txScheduled[i];
        if (valid(d) && qLen[d] > 0) txScheduled[w++] = d;
      }
      txScheduled.length = w;
    }
    work += processBacklog(NETDEV_BUDGET);
    for (let i = 0; i < softirqWork.length; i++) work += softirqWork[i]();
    if (work == 0) break;
  }
  inSoftirq = false;
}

/** Whether softirq work is pending (backlog or runnable qdiscs). */
export function softirqPending(): bool {
  if (blLen > 0) return true;
  for (let i = 0; i < txScheduled.length; i++) {
    const d = txScheduled[i];
    if (valid(d) && qLen[d] > 0 && !queueStopped(d)) return true;
  }
  return false;
}

// ---- transmit ------------------------------------------------------------------------------
/** netif_xmit_stopped() */
// @ts-ignore: decorator
@inline function queueStopped(dev: i32): bool { return txqStopped[dev]; }

/** netif_stop_queue(): the driver takes no more frames until it wakes the queue. */
export function netif_stop_queue(dev: i32): void { if (valid(dev)) txqStopped[dev] = true; }
/** netif_wake_queue(): frames waiting in the qdisc go at the next softirq step (softirqPending says so). */
export function netif_wake_queue(dev: i32): void { if (valid(dev)) txqStopped[dev] = false; }

/**
 * xmit_one(): taps see the frame (PACKET_OUTGOING), then the driver's ndo_start_xmit. With
 * `inlineDriver` the EMAC's is inlined here (the IPv4 forwarding path), else called.
 */
// @ts-ignore: decorator
@inline function xmitOne(skb: i32, dev: i32, inlineDriver: bool): i32 {
  trace(TE_XMIT, <u32>dev, skbLen[skb]);
  ptypeAllDeliver(skb, dev, true);
  const k = unchecked(devKind[dev]); // dev is valid: both callers have checked
  if (k == KIND_VETH) return veth_xmit(skb, dev);
  if (k == KIND_LOOPBACK) return loopback_xmit(skb, dev);
  if (k == KIND_DUMMY) return dummy_xmit(skb, dev);
  if (k == KIND_EMAC) return inlineDriver ? emacStartXmit(skb, dev) : emac_start_xmit(skb, dev);
  if (k < <u8>KINDS) {
    const f = unchecked(opsXmit[k]);
    if (f != null) return f(skb, dev);
  }
  kfree_skb(skb);
  return NETDEV_TX_OK;
}

/** qdisc_restart loop of __qdisc_run: sends while the driver queue runs. Returns frames sent. */
function qdisc_run(dev: i32): i32 {
  if (!valid(dev)) return 0;
  // dev is valid: the per-device arrays all hold it
  let n = 0;
  for (let skb = unchecked(qHead[dev]); skb >= 0 && !queueStopped(dev); skb = unchecked(qHead[dev])) {
    const next = skbNext[skb];
    qHead[dev] = next;
    if (next < 0) qTail[dev] = -1;
    qLen[dev] = qLen[dev] - 1;
    qdiscSkbs--;
    skbNext[skb] = -1;
    if (xmitOne(skb, dev, false) == NETDEV_TX_BUSY) {
      // dev_requeue_skb: back to the head, try again when the driver wakes the queue
      skbNext[skb] = unchecked(qHead[dev]);
      qHead[dev] = skb;
      if (unchecked(qTail[dev]) < 0) qTail[dev] = skb;
      qLen[dev] = qLen[dev] + 1;
      qdiscSkbs++;
      break;
    }
    n++;
  }
  return n;
}

/** qdisc_reset() at dev_deactivate (device down): frees what waits in the qdisc. */
export function qdisc_reset(dev: i32): void {
  if (!valid(dev)) return;
  while (qHead[dev] >= 0) {
    const skb = qHead[dev];
    qHead[dev] = skbNext[skb];
    kfree_skb_reason(skb, SKB_DROP_REASON_QUEUE_PURGE);
  }
  qTail[dev] = -1;
  qdiscSkbs -= qLen[dev];
  qLen[dev] = 0;
}

/**
 * dev_queue_xmit(): skb->dev set, data at the Ethernet header. The skb is
 * always consumed (sent, queued or dropped). Returns NET_XMIT_SUCCESS,
 * NET_XMIT_DROP/NET_XMIT_CN or -ENETDOWN, as __dev_queue_xmit does.
 */
export function dev_queue_xmit(skb: i32): i32 { return __dev_queue_xmit(skb, false); }
/**
 * dev_queue_xmit's body: inlined into the IPv4 output path (neigh_output), with the EMAC's
 * ndo_start_xmit inlined too where an empty qdisc is bypassed (`inlineDriver`); called everywhere else.
 */
// @ts-ignore: decorator
@inline export function __dev_queue_xmit(skb: i32, inlineDriver: bool): i32 {
  if (!skbValid(skb)) return NET_XMIT_DROP;
  const dev = skbDev[skb];
  if (!valid(dev)) { kfree_skb(skb); return -ENODEV; }
  // dev is valid from here on: the per-device arrays all hold it
  skbResetMacHeader(skb);
  if (skbLen[skb] < ETH_HLEN) { dev_core_stats_tx_dropped_inc(dev); kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_SMALL); return NET_XMIT_DROP; }
  // validate_xmit_vlan: a tag the device cannot insert itself goes into the frame
  // (__vlan_hwaccel_push_inside). A veth inserts any (NETIF_F_HW_VLAN_CTAG_TX | STAG_TX: the tag
  // travels as metadata to its peer), the EMAC 802.1Q tags (TPD_INSTC); a veth whose peer is in
  // another box gets it in the frame here, for the frame crosses as bytes.
  const tci = unchecked(skbVlanTci[skb]);
  if (tci >= 0) {
    const k = unchecked(devKind[dev]);
    const offload = (k == KIND_VETH && unchecked(devPeer[dev]) != 0) || (k == KIND_EMAC && (tci & VLAN_TCI_STAG) == 0);
    if (!offload && !vlanPushInside(skb)) { dev_core_stats_tx_dropped_inc(dev); return NET_XMIT_DROP; }
  }
  const qdisc = devHasQdisc(dev);
  // __dev_xmit_skb: a down or carrier-less device has the noop qdisc (dev_deactivate, or dev_activate
  // waiting for the carrier), a queueless one too: noop_enqueue counts the drop. (A queueless device
  // that is down keeps the ENETDOWN path below.)
  if ((qdisc || devIsUp(dev)) && (!devIsUp(dev) || !unchecked(devCarrier[dev]))) {
    dev_core_stats_tx_dropped_inc(dev);
    kfree_skb_reason(skb, SKB_DROP_REASON_QDISC_DROP);
    return NET_XMIT_CN;
  }
  if (qdisc) {
    // pfifo_fast_enqueue: limit txqueuelen (at least 1). The large-buffer reserve only
    // refuses an skb that would wait behind others: into an empty qdisc it goes straight
    // to the driver (Linux's TCQ_F_CAN_BYPASS), and a driver ring applies its own.
    const txqlen = unchecked(devTxqlen[dev]);
    const limit = txqlen > 0 ? <i32>txqlen : 1;
    const queued = unchecked(qLen[dev]);
    if (queued >= limit || qdiscSkbs >= QDISC_SKB_MAX || (queued > 0 && skbLargeScarce(skb))) {
      unchecked(qdiscDrops[dev] = qdiscDrops[dev] + 1);
      kfree_skb_reason(skb, SKB_DROP_REASON_QDISC_DROP);
      return NET_XMIT_DROP;
    }
    // An empty queue hands the skb to the driver at once (TCQ_F_CAN_BYPASS: sch_direct_xmit), as
    // enqueueing it and running the queue would, without the queue's bookkeeping. A busy driver
    // (NETDEV_TX_BUSY) gets it back through the queue (dev_requeue_skb).
    const bypass = queued == 0 && !queueStopped(dev);
    skbNext[skb] = -1;
    if (bypass && xmitOne(skb, dev, inlineDriver) != NETDEV_TX_BUSY) return NET_XMIT_SUCCESS;
    const tail = unchecked(qTail[dev]);
    if (tail >= 0) skbNext[tail] = skb; else qHead[dev] = skb;
    qTail[dev] = skb;
    qLen[dev] = qLen[dev] + 1;
    qdiscSkbs++;
    if (!bypass) qdisc_run(dev);
    if (unchecked(qLen[dev]) > 0) netif_schedule(dev);
    return NET_XMIT_SUCCESS;
  }
  // noqueue: straight to the driver while the device is up
  if (devIsUp(dev) && !queueStopped(dev)) {
    const rc = xmitOne(skb, dev, false);
    if (rc != NETDEV_TX_BUSY) return rc;
    // "Virtual device %s asks to queue packet!"
  }
  dev_core_stats_tx_dropped_inc(dev);
  kfree_skb_reason(skb, SKB_DROP_REASON_DEV_READY);
  return -ENETDOWN;
}

/**
 * __vlan_hwaccel_push_inside(): skb->vlan_tci written into the frame after the MAC addresses
 * (vlan_insert_tag_set_proto: skb->protocol becomes the tag's type). false when there is no
 * headroom (the skb is freed).
 */
function vlanPushInside(skb: i32): bool {
  const tci = unchecked(skbVlanTci[skb]);
  const p = skbPush(skb, VLAN_HLEN);
  if (p == 0) { kfree_skb_reason(skb, SKB_DROP_REASON_NOMEM); return false; }
  memory.copy(p, p + VLAN_HLEN, 12);
  const tpid: u16 = (tci & VLAN_TCI_STAG) != 0 ? ETH_P_8021AD : ETH_P_8021Q;
  store<u16>(p, bswap<u16>(tpid), 12);
  store<u16>(p, bswap<u16>(<u16>tci), 14);
  skbResetMacHeader(skb);
  skbProtocol[skb] = tpid;
  unchecked(skbVlanTci[skb] = -1);
  return true;
}

// ---- virtual devices' ndo_start_xmit ------------------------------------------------------------
/**
 * is_skb_forwardable() + __dev_forward_skb2() + netif_rx: the frame enters `dev`
 * as if received there. Dropped (dev rx_dropped) when dev is down or the frame
 * is longer than mtu + hard header + VLAN header.
 */
export function dev_forward_skb(dev: i32, skb: i32): i32 {
  const r = __dev_forward_skb(dev, skb);
  return r == NET_RX_SUCCESS ? netif_rx(skb) : r;
}

/** __dev_forward_skb(): the checks and scrubbing of dev_forward_skb, without the backlog; on failure the skb is freed. */
export function __dev_forward_skb(dev: i32, skb: i32): i32 {
  if (!valid(dev) || !devIsUp(dev) || skbLen[skb] > devMtu[dev] + ETH_HLEN + VLAN_HLEN) {
    dev_core_stats_rx_dropped_inc(dev);
    kfree_skb(skb);
    return NET_RX_DROP;
  }
  // skb_scrub_packet (same netns: the mark stays), priority 0, a fresh pkt_type
  skbPriority[skb] = 0;
  skbSk[skb] = -1;
  eth_type_trans(skb, dev);
  return NET_RX_SUCCESS;
}

/** veth_xmit(): to the peer's backlog; our TX counters, or priv->dropped on failure. */
function veth_xmit(skb: i32, dev: i32): i32 {
  const peer = devPeer[dev];
  const len = skbLen[skb];
  if (peer == 0 && len >= ETH_HLEN && vethIsRemote(dev)) return veth_xmit_remote(skb, dev);
  if (!valid(peer) || len < ETH_HLEN) {
    kfree_skb(skb);
    vethDropped[dev]++;
    return NET_XMIT_DROP;
  }
  if (dev_forward_skb(peer, skb) == NET_RX_SUCCESS) dev_lstats_add(dev, len);
  else vethDropped[dev]++;
  return NETDEV_TX_OK;
}

/** priv->dropped of a veth end (its tx_dropped) */
export function veth_dropped_inc(dev: i32): void { if (valid(dev)) vethDropped[dev]++; }

/** loopback_xmit(): back up through the backlog of the same device. */
function loopback_xmit(skb: i32, dev: i32): i32 {
  skbSk[skb] = -1; // skb_orphan
  eth_type_trans(skb, dev);
  const len = skbLen[skb] + ETH_HLEN;
  if (netif_rx(skb) == NET_RX_SUCCESS) dev_lstats_add(dev, len);
  return NETDEV_TX_OK;
}

/** dummy_xmit(): counted and gone. */
function dummy_xmit(skb: i32, dev: i32): i32 {
  dev_lstats_add(dev, skbLen[skb]);
  consume_skb(skb);
  return NETDEV_TX_OK;
}

/** A driver's receive path for a frame at [p, p+len): an skb, eth_type_trans, netif_receive_skb. */
export function netifReceiveFrame(dev: i32, p: usize, len: u32, vlanTci: i32, ipSummed: u8): i32 {
  if (len < ETH_HLEN) { dev_core_stats_rx_dropped_inc(dev); dropCount(SKB_DROP_REASON_PKT_TOO_SMALL); return NET_RX_DROP; }
  const skb = allocRx(dev, p, len);
  if (skb < 0) return NET_RX_DROP;
  skbVlanTci[skb] = vlanTci;
  skbIpSummed[skb] = ipSummed;
  eth_type_trans(skb, dev);
  // the path of every frame a driver receives: __netif_receive_skb_core inlined here
  return netifReceiveSkb(skb, true);
}

/** An skb for a received frame; on failure the drop is counted (NOMEM: pool empty; PKT_TOO_BIG: over SKB_MAX_FRAME). */
// @ts-ignore: decorator
@inline export function allocRx(dev: i32, p: usize, len: u32): i32 {
  const skb = skbFromBytes(p, len);
  if (skb < 0) {
    dev_core_stats_rx_dropped_inc(dev);
    dropCount(skb == -1 ? SKB_DROP_REASON_NOMEM : SKB_DROP_REASON_PKT_TOO_BIG);
  }
  return skb;
}
