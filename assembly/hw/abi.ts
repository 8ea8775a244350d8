// The hardware models' ABI, re-exported by assembly/index.ts. Everything here
// is a batch or a register access; no call moves a single frame.
// Bound on the host side by src/hw/emac.ts (EmacHw, EmacNic) and src/hw/dma.ts (Dma).
//
// Numbers: register values are u32 (they arrive in JS as signed i32; use >>> 0);
// times and bus addresses are f64 holding integers (ns; bus addresses < 2^53).

import { clockNow } from "./clock";
import { dmaInit, dmaAlloc, dmaRegionPtr, dmaFree, DMA_BUS_BASE, DMA_SIZE } from "./dma";
import { wireStagePtr, wireInject, wireCollect, wirePort, STAGE_SIZE, WIRE_MAX_FRAME } from "./wire";
import { emacCreate, emacDevice, EmacDevice, MC_COUNT } from "./emac/emac";
import { STAT_SLOTS } from "./emac/registers";
import { hwRun as run } from "./run";

export function hwAbiVersion(): i32 { return 1; }

// ---- clock -------------------------------------------------------------------------
export function hwClockNow(): f64 { return <f64>clockNow(); }
/** Runs devices until `deadline` ns; returns 1 early when some IRQ line changed level. */
export function hwRun(deadline: f64): i32 { return run(<i64>deadline) ? 1 : 0; }

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
/** Moves `count` stage records into the NIC's RX queue; returns how many were accepted. */
export function hwWireInject(nic: i32, count: i32): i32 {
  const d = emacDevice(nic);
  return d == null ? 0 : wireInject(d.port, count);
}
/** Writes the NIC's sent frames into the stage area; returns how many records. */
export function hwWireCollect(nic: i32): i32 {
  const d = emacDevice(nic);
  return d == null ? 0 : wireCollect(d.port);
}
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
