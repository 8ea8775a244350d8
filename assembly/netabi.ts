// The ABI of the device layer (core/netif.ts, core/af_packet.ts, the EMAC
// netdevice): virtual time for the whole box, packet sockets, drop reasons.
// Bound by src/hw/netif.ts. Frames cross in batches through the wire stage
// area (hwWireStagePtr); no call moves a single frame.

import { skbInit, skbPoolFree, skbAllocFailures, SKB_POOL, SKB_MAX_FRAME } from "./core/skbuff";
import { netdev_rx_handler_register, netdev_rx_handler_unregister, RX_HANDLER_CONSUMED } from "./core/netif";
import { consume_skb } from "./core/dropreason";
import { do_softirq, backlogLen, backlogDropped, qdiscDropCount, qdiscQlen } from "./core/netif";
import { dropReasonCount, dropReasonName, SKB_DROP_REASON_MAX } from "./core/dropreason";
import { packetOpen, packetClose, packetDrops, packetRecv, packet_snd } from "./core/af_packet";
import { emacNic } from "./drivers/emac_netdev";
import { timersNext, timersRunDue } from "./core/timers";
import { hwRun, setIrqExitHook } from "./hw/run";
import { clockNow } from "./hw/clock";
import { wireStagePtr, STAGE_SIZE } from "./hw/wire";
import { ipInit } from "./ipv4/ip_input";
import { ipv6Init } from "./ipv6/ip6_input";
import { RXH_WIRE_SINK } from "./core/trace_events";
import { traceEnable, traceSetPacket, traceCount, tracePtr, traceReset } from "./core/trace";
import { hostRxParked } from "./core/rx_handler_host";
export { hostRxHandlerSet, hostRxParked, hostRxParkPtr, hostRxResume } from "./core/rx_handler_host";

function softirqOnIrqExit(): void { do_softirq(); }

/** Called once by kernelInit: the skb pool, softirqs on irq exit. */
export function netInit(): void {
  skbInit();
  wireStagePtr(); // the stage area exists from the start: asking for it never grows memory later
  setIrqExitHook(softirqOnIrqExit);
  ipInit();
  ipv6Init();
}

/**
 * box.run: advances virtual time to `deadline` (ns). Device events, interrupt
 * handlers with their NAPI polls, softirqs (backlog, qdiscs) and phylib timers
 * run in time order. Returns 1 early when a line without an in-WASM handler
 * changed level (bare NICs), 2 when frames wait for the host's rx_handlers
 * (core/rx_handler_host.ts): the host runs its handlers and calls again.
 */
export function netRun(deadline: f64): i32 {
  const dl = <i64>deadline;
  for (;;) {
    do_softirq();
    if (hostRxParked() > 0) return 2;
    const t = timersNext();
    const until = t < dl ? t : dl;
    if (hwRun(until)) return 1;
    if (t <= dl && clockNow() >= t) {
      timersRunDue();
      continue;
    }
    do_softirq();
    return hostRxParked() > 0 ? 2 : 0;
  }
}

/** The softirq step alone (what local_bh_enable runs). */
export function netSoftirq(): void { do_softirq(); }

/** The hardware NIC index of an emac netdevice, or -1. */
export function linkNic(ifindex: i32): i32 { return emacNic(ifindex); }

// ---- packet sockets ---------------------------------------------------------------------
export function packetSocket(ifindex: i32): i32 { return packetOpen(ifindex); }
export function packetSocketClose(s: i32): void { packetClose(s); }
export function packetSocketDrops(s: i32): f64 { return <f64>packetDrops(s); }
/**
 * sendmsg for `count` stage records (u32 length, bytes, padded to 4) on ifindex.
 * Each record's length word is overwritten with 0 or -errno. Returns how many were sent.
 */
export function packetSendBatch(s: i32, ifindex: i32, count: i32): i32 {
  const stage = wireStagePtr();
  let off: u32 = 0;
  let sent = 0;
  for (let i = 0; i < count; i++) {
    if (off + 4 > STAGE_SIZE) break;
    const len = load<u32>(stage + off) & 0xffff;
    const rec = (4 + len + 3) & ~3;
    if (<u64>off + <u64>rec > <u64>STAGE_SIZE) break;
    const rc = packet_snd(s, ifindex, stage + off + 4, len);
    store<i32>(stage + off, rc);
    if (rc == 0) sent++;
    off += rec;
  }
  return sent;
}
/** recvmsg for a batch: records (see core/af_packet.ts) written to the stage area; returns how many. */
export function packetRecvBatch(s: i32): i32 { return packetRecv(s, wireStagePtr(), STAGE_SIZE); }

// ---- counters ------------------------------------------------------------------------------
export const DROP_REASON_MAX: i32 = SKB_DROP_REASON_MAX;
export function dropReasonTotal(r: i32): f64 { return <f64>dropReasonCount(r); }
export function dropReasonLabel(r: i32): string { return dropReasonName(r); }
/** 0 skbs free, 1 pool size, 2 alloc failures, 3 backlog length, 4 backlog drops, 5 largest frame */
export function netCounter(which: i32): f64 {
  switch (which) {
    case 0: return <f64>skbPoolFree();
    case 1: return <f64>SKB_POOL;
    case 2: return <f64>skbAllocFailures;
    case 3: return <f64>backlogLen();
    case 4: return <f64>backlogDropped;
    case 5: return <f64>SKB_MAX_FRAME;
  }
  return 0;
}
/** qdisc (pfifo_fast) of a device: 0 frames queued, 1 drops */
export function qdiscCounter(ifindex: i32, which: i32): f64 {
  return which == 0 ? <f64>qdiscQlen(ifindex) : <f64>qdiscDropCount(ifindex);
}

// ---- packet traces (core/trace.ts; events in core/trace_events.ts) ------------------------------
export function traceOnOff(on: bool): void { traceEnable(on); }
/** the id the next records carry (the replay's input packet number) */
export function traceMark(id: u32): void { traceSetPacket(id); }
export function traceRecords(): i32 { return traceCount(); }
export function traceRecordsPtr(): usize { return tracePtr(); }
export function traceClear(): void { traceReset(); }

// ---- replay: the far end of a veth stands for the wire; what reaches it goes no further -----------
function wireSink(skb: i32): i32 { consume_skb(skb); return RX_HANDLER_CONSUMED; }
/** Makes ifindex a sink (its taps still see every frame) or a normal device again. 0 or -errno. */
export function replaySink(ifindex: i32, on: bool): i32 {
  if (!on) { netdev_rx_handler_unregister(ifindex); return 0; }
  return netdev_rx_handler_register(ifindex, wireSink, RXH_WIRE_SINK);
}
