// The hardware models' ABI, re-exported by assembly/index.ts. Everything here
// is a batch or a register access; no call moves a single frame.
// Bound on the host side by src/hw/emac.ts (EmacHw, EmacNic) and src/hw/dma.ts (Dma).
//
// Numbers: register values are u32 (they arrive in JS as signed i32; use >>> 0);
// times and bus addresses are f64 holding integers (ns; bus addresses < 2^53).

import { clockNow } from "./clock";
import { dmaInit, dmaAlloc, dmaRegionPtr, dmaFree, DMA_BUS_BASE, DMA_SIZE } from "./dma";
import {
  wireStagePtr, wireInject, wireCollect, wireCollectedBytes, wireStageTimesPtr, wirePort, wireBatchAlloc, wireBatchPtr, wireBatchFree, wireInjectBatch,
  STAGE_SIZE, WIRE_MAX_FRAME,
} from "./wire";
import { emacCreate, emacDevice, EmacDevice, MC_COUNT, emacTestFault } from "./emac/emac";
import { STAT_SLOTS } from "./emac/registers";
import { hwRun as run, hwBusyUntil as busyUntil } from "./run";

export function hwAbiVersion(): i32 { return 1; }

// ---- clock -------------------------------------------------------------------------
export function hwClockNow(): f64 { return <f64>clockNow(); }
/** Runs devices until `deadline` ns; returns 1 early when some IRQ line changed level. */
export function hwRun(deadline: f64): i32 { return run(<i64>deadline) ? 1 : 0; }
/** When the devices are done with the work they hold now (hw/run.ts hwBusyUntil), in ns. */
export function hwBusyUntil(): f64 { return <f64>busyUntil(); }

// ---- DMA memory ------------------------------------------------------------------------
export function hwDmaBusBase(): f64 { dmaInit(); return <f64>DMA_BUS_BASE; }
export function hwDmaSize(): u32 { return DMA_SIZE; }
/** Linear-memory address of the DMA region (for zero-copy views). */
export function hwDmaRegionPtr(): usize { dmaInit(); return dmaRegionPtr(); }
/** Offset of a new zeroed block in the region, or -1. */
export function hwDmaAlloc(bytes: u32, align: u32): i32 { return dmaAlloc(bytes, align); }
export function hwDmaFree(): u32 { return dmaFree(); }

// ---- wire ------------------------------------------------------------------------------
export function hwWireStagePtr(): usize { return wireStagePtr(); }
export function hwWireStageSize(): u32 { return STAGE_SIZE; }
export function hwWireMaxFrame(): u32 { return WIRE_MAX_FRAME; }
/**
 * Moves `count` stage records into the NIC's RX queue, each after `gapNs` of idle
 * wire (besides the inter-frame gap); returns how many were accepted.
 */
export function hwWireInject(nic: i32, count: i32, gapNs: f64): i32 {
  const d = emacDevice(nic);
  return d == null ? 0 : wireInject(d.port, count, wireGap(gapNs));
}
/** A batch buffer of `bytes` in stage record format that stays in WASM memory: a handle, or 0. */
export function hwWireBatchAlloc(bytes: u32): i32 { return wireBatchAlloc(bytes); }
export function hwWireBatchPtr(h: i32): usize { return wireBatchPtr(h); }
export function hwWireBatchFree(h: i32): void { wireBatchFree(h); }
/** hwWireInject from batch `h` (filled once, injected any number of times). */
export function hwWireInjectBatch(nic: i32, h: i32, count: i32, gapNs: f64): i32 {
  const d = emacDevice(nic);
  return d == null ? 0 : wireInjectBatch(d.port, h, count, wireGap(gapNs));
}
/** A gap from the host: NaN, negative or above one second counts as none / one second. */
function wireGap(ns: f64): i64 { return ns > 0 ? (ns < 1e9 ? <i64>ns : 1_000_000_000) : 0; }
/** Writes the NIC's sent frames into the stage area, at most `max` bytes of records; returns how many records. */
export function hwWireCollect(nic: i32, max: u32): i32 {
  const d = emacDevice(nic);
  if (d == null) return 0;
  d.txRetire(clockNow()); // packets out by now, if the host moved the clock
  return wireCollect(d.port, max);
}
/** Bytes of the records the last hwWireCollect wrote. */
export function hwWireCollectedBytes(): u32 { return wireCollectedBytes; }
/** The stage area's times table (i64 virtual ns a record): hwWireCollect writes when each frame's last bit left, tunReadBatch when each packet was queued. */
export function hwWireStageTimesPtr(): usize { return wireStageTimesPtr(); }
/** Carrier (a link partner) on the NIC's wire; the PHY links up only with carrier. */
export function hwWireSetCarrier(nic: i32, up: i32): void {
  const d = emacDevice(nic);
  if (d == null) return;
  const p = changetype<EmacDevice>(d).wire;
  if (p.carrier != (up != 0)) { p.carrier = up != 0; d.phy.carrierChanged(up != 0); }
}
/** Wire counters: 0 = RX frames rejected at inject, 1 = RX queue overflow, 2 = TX queue overflow. */
export function hwWireCounter(nic: i32, which: i32): u32 {
  const d = emacDevice(nic);
  if (d == null) return 0;
  const p = wirePort(d.port);
  if (p == null) return 0;
  if (which == 0) return p.rxRejected;
  if (which == 1) return p.rxOverflow;
  if (which == 2) return p.txOverflow;
  return 0;
}

// ---- EMAC ------------------------------------------------------------------------------
/** Creates an EMAC (with its PHY, SGMII block and wire port); returns its index or -1. */
export function hwEmacCreate(): i32 { dmaInit(); return emacCreate(); }
/** region: 0 = base (core registers), 1 = csr, 2 = sgmii. */
export function hwEmacRead(nic: i32, region: i32, off: u32): u32 {
  const d = emacDevice(nic);
  return d == null ? 0xffffffff : d.read(region, off, true);
}
/** Reads without side effects (no clear-on-read). */
export function hwEmacPeek(nic: i32, region: i32, off: u32): u32 {
  const d = emacDevice(nic);
  return d == null ? 0xffffffff : d.read(region, off, false);
}
export function hwEmacWrite(nic: i32, region: i32, off: u32, v: u32): void {
  const d = emacDevice(nic);
  if (d != null) d.write(region, off, v);
}
export function hwEmacIrqLevel(nic: i32): i32 {
  const d = emacDevice(nic);
  return d != null && d.irqLine ? 1 : 0;
}
export function hwEmacSgmiiIrqLevel(nic: i32): i32 {
  const d = emacDevice(nic);
  return d != null && d.sgmii.irqLevel() ? 1 : 0;
}
/** Raises SGMII INTERRUPT_STATUS bits (e.g. DECODE_CODE_ERR b7) as the line would. */
export function hwEmacSgmiiRaise(nic: i32, bits: u32): void {
  const d = emacDevice(nic);
  if (d != null) d.sgmii.status |= bits & 0xff;
}
/** Model counters (MC_* in assembly/hw/emac/emac.ts). */
export function hwEmacModelCounter(nic: i32, which: i32): u32 {
  const d = emacDevice(nic);
  if (d == null || which < 0 || which >= MC_COUNT) return 0;
  return unchecked(d.model[which]);
}
/** A MAC statistics counter without clearing it (index as in struct emac_stats). */
export function hwEmacStatPeek(nic: i32, which: i32): u32 {
  const d = emacDevice(nic);
  if (d == null || which < 0 || which >= STAT_SLOTS) return 0;
  return unchecked(d.stats[which]);
}
/** MDIO address of the NIC's PHY (0..31). */
export function hwEmacSetPhyAddr(nic: i32, addr: u32): void {
  const d = emacDevice(nic);
  if (d != null) d.phy.addr = addr & 31;
}

// ---- Test-only fault injection ----------------------------------------------------------
// For regression tests only: nothing on the normal path calls these, and every
// knob is off unless a test turns it on.
/**
 * TEST ONLY. Turns fault `which` of NIC `nic` on (1) or off (0):
 * 0 MDIO frames never complete; 1 the SerDes never reports ready; 2 SGMII
 * IRQ_CMD does not clear INTERRUPT_STATUS; 3 the TX DMA engine hangs mid-packet
 * (until the next soft reset); 4 the CPU does not take the NIC's interrupts
 * (in-WASM handlers wait, as under disable_irq, until released).
 */
export function hwEmacTestFault(nic: i32, which: i32, on: i32): void {
  const d = emacDevice(nic);
  if (d != null) emacTestFault(d, which, on != 0);
}

// ---- EMAC driver model (assembly/drivers/emac.ts) ----------------------------------------
// The Linux driver's sequence running in WASM against the model; its ISR runs
// inside hwRun at the interrupt's virtual time.
import {
  emac_probe, emac_open, emac_close, emac_phy_poll, emac_change_mtu, emac_mac_tx_buf_send,
  emac_update_hw_stats, emac_rx_mode_set, emacAdapter, emac_watchdog_next, emac_watchdog_run,
  emacTraceEnable, emacTraceCount, emacTraceField,
} from "../drivers/emac";
import { CLOCK_NEVER } from "./clock";
import { wireCollect as collectPort } from "./wire";

/** emac_probe: binds the driver model to NIC `nic` with MAC hi16:lo32. 0 or -errno. */
export function hwEmacDrvProbe(nic: i32, macHi: u32, macLo: u32): i32 { return emac_probe(nic, macHi, macLo); }
/** emac_open (ndo_open): rings, emac_mac_up. The link comes up through hwEmacDrvPhyPoll. */
export function hwEmacDrvOpen(nic: i32): i32 { return emac_open(nic); }
export function hwEmacDrvClose(nic: i32): void { emac_close(nic); }
/** The phylib timer: one poll; returns 1 while the link is up. */
export function hwEmacDrvPhyPoll(nic: i32): i32 { return emac_phy_poll(nic); }
export function hwEmacDrvChangeMtu(nic: i32, mtu: u32): i32 { return emac_change_mtu(nic, mtu); }
/**
 * dev_queue_xmit for a batch: `count` stage records (as for hwWireInject), all
 * with the same offloads: vlan TCI (-1 none), CHECKSUM_PARTIAL start/offset
 * (start -1 none), GSO size (0 none) and IPv6, transport offset. Returns how
 * many were queued.
 */
export function hwEmacDrvXmit(nic: i32, count: i32, vlan: i32, csumStart: i32, csumOffset: i32,
  gsoSize: u32, gsoV6: i32, l4: u32): i32 {
  const a = emacAdapter(nic);
  if (a == null) return 0;
  const stage = wireStagePtr();
  let off: u32 = 0;
  let queued = 0;
  for (let i = 0; i < count; i++) {
    if (off + 4 > STAGE_SIZE) break;
    const len = load<u32>(stage + off) & 0xffff;
    if (off + 4 + len > STAGE_SIZE) break;
    if (emac_mac_tx_buf_send(a, stage + off + 4, len, vlan, csumStart, csumOffset, gsoSize, gsoV6 != 0, l4) == 0) queued++;
    off += (4 + len + 3) & ~3;
  }
  return queued;
}
/** Frames the driver model handed up (when no in-core handler is set), as stage records; flags: 1 csum ok, 2 hw VLAN. */
export function hwEmacDrvCollect(nic: i32): i32 {
  const a = emacAdapter(nic);
  return a == null ? 0 : collectPort(a.upPort, STAGE_SIZE);
}
/** emac_update_hw_stats, then total `which` (struct emac_stats order, TX from 25). */
export function hwEmacDrvStat(nic: i32, which: i32, update: i32): f64 {
  const a = emacAdapter(nic);
  if (a == null || which < 0 || which >= STAT_SLOTS) return 0;
  if (update != 0) emac_update_hw_stats(a);
  return <f64>unchecked(a.stats[which]);
}
/**
 * Driver counters: 0 rx_packets, 1 rx_dropped, 2 tx_packets (completed), 3 tx_dropped,
 * 4 reinits, 5 ISR_OVER warnings, 6 INT_MASK seen in the last NAPI poll, 7 link up,
 * 8 speed, 9 rxbuf_size, 10 TX timeouts (watchdog), 11 TX queue stopped,
 * 12 consecutive SGMII decode errors, 13 SGMII interrupts handled, 14 PHY address.
 */
export function hwEmacDrvCounter(nic: i32, which: i32): f64 {
  const a = emacAdapter(nic);
  if (a == null) return 0;
  switch (which) {
    case 0: return <f64>a.rxPackets;
    case 1: return <f64>a.rxDropped;
    case 2: return <f64>a.txPackets;
    case 3: return <f64>a.txDropped;
    case 4: return <f64>a.reinits;
    case 5: return <f64>a.overWarnings;
    case 6: return <f64>a.lastIntMaskInPoll;
    case 7: return a.linkUp ? 1 : 0;
    case 8: return <f64>a.speed;
    case 9: return <f64>a.rxbufSize;
    case 10: return <f64>a.txTimeouts;
    case 11: return a.queueStopped ? 1 : 0;
    case 12: return <f64>a.decodeErrors;
    case 13: return <f64>a.sgmiiIrqs;
    case 14: return <f64>a.phyAddr;
  }
  return 0;
}
/** The driver model's next timer (the netdev TX watchdog) in ns, or -1 if none. */
export function hwEmacDrvTimerNext(nic: i32): f64 {
  const t = emac_watchdog_next(nic);
  return t == CLOCK_NEVER ? -1 : <f64>t;
}
/** Runs the driver model's timers that are due now (dev_watchdog). */
export function hwEmacDrvTimerRun(nic: i32): void { emac_watchdog_run(nic); }
/** TEST ONLY. Enables (and clears) or disables the driver model's trace points. */
export function hwEmacDrvTestTrace(on: i32): void { emacTraceEnable(on != 0); }
/** TEST ONLY. Number of trace entries recorded. */
export function hwEmacDrvTestTraceCount(): i32 { return emacTraceCount(); }
/** TEST ONLY. Field `f` of trace entry `i` (layout in assembly/drivers/emac.ts, TRACE_FIELDS). */
export function hwEmacDrvTestTraceField(i: i32, f: i32): f64 { return emacTraceField(i, f); }
/** emac_rx_mode_set with `count` 6-byte multicast addresses at the start of the stage area. */
export function hwEmacDrvRxMode(nic: i32, promisc: i32, allmulti: i32, count: i32): void {
  const a = emacAdapter(nic);
  if (a == null || count < 0 || count * 6 > <i32>STAGE_SIZE) return;
  emac_rx_mode_set(a, promisc != 0, allmulti != 0, wireStagePtr(), count);
}
