// Virtual-time scheduler for the device models: runs every device event
// (a frame finishing its arrival, a TX packet starting or finishing) in time
// order up to a deadline. Ties go to the lower device index, TX before RX before
// an interrupt moderator running out, so the same inputs always give the same results.

import { clockNow, clockAdvanceTo, CLOCK_NEVER } from "./clock";
import { wireRxHeadTime, wireRxTailTime, wireRxHeadWord, wireRxHeadData, wireRxPop } from "./wire";
import { emacCount, emacDevice, irqChanged, clearIrqChanged, EmacDevice } from "./emac/emac";
import { emacReceive } from "./emac/rx";
import { txReady, txStart, txComplete } from "./emac/tx";

const EV_TX_START: i32 = 1;
const EV_TX_DONE: i32 = 2;
const EV_RX: i32 = 3;
const EV_MOD: i32 = 4;

/**
 * Runs devices until `deadline` (ns). Returns true early, with the clock at the
 * event's time, as soon as some device's IRQ line changed level, so the host can
 * run its interrupt handlers; call again with the same deadline to go on.
 */
let inRun = false;

/**
 * Lets virtual time pass for a driver model (udelay/usleep/msleep). Outside the
 * run loop the devices work meanwhile; inside it (an ISR or a handler called
 * from it) the clock just moves and due events run when the loop resumes.
 */
export function hwDelay(ns: i64): void {
  const t = clockNow() + ns;
  if (inRun) { clockAdvanceTo(t); return; }
  while (hwRun(t)) { /* IRQ changes for host-side handlers are seen at the host's next run */ }
}

/** Runs after in-WASM interrupt handlers, as softirqs run on irq_exit (the core's do_softirq). */
export type IrqExitHook = () => void;
let irqExitHook: IrqExitHook | null = null;
export function setIrqExitHook(h: IrqExitHook | null): void { irqExitHook = h; }

/**
 * Calls the in-WASM handler (a driver model's ISR) of every device whose line is
 * high; returns true if a line without such a handler changed (the host's turn).
 */
function dispatchIrqs(): bool {
  let host = false;
  let ran = false;
  const n = emacCount();
  for (let i = 0; i < n; i++) {
    const d = changetype<EmacDevice>(emacDevice(i));
    const h = d.irqHandler;
    if (h == null) {
      if (d.irqDirty) { d.irqDirty = false; host = true; }
      continue;
    }
    d.irqDirty = false;
    // test-only: the CPU does not take this device's interrupts (they wait, level-triggered)
    if (d.testIrqHeld) continue;
    // a level line: take the interrupt again while it stays asserted (bounded)
    for (let k = 0; k < 16 && d.irqLine; k++) { h(i); ran = true; }
    const s = d.sgmiiIrqHandler;
    if (s != null) for (let k = 0; k < 16 && d.sgmii.irqLevel(); k++) { s(i); ran = true; }
  }
  clearIrqChanged();
  const x = irqExitHook;
  if (ran && x != null) x();
  return host;
}

/**
 * When the devices are done with the work they hold now: the last frame on an
 * RX wire has arrived, a moderator holding a cause has run out, the packet on
 * a TX wire is out. clockNow() when they are idle. Handling may start new work
 * (the next packet in a TX ring, a reply to send): ask again after running to
 * this time.
 */
export function hwBusyUntil(): i64 {
  let u = clockNow();
  const n = emacCount();
  for (let i = 0; i < n; i++) {
    const d = changetype<EmacDevice>(emacDevice(i));
    const r = wireRxTailTime(d.wire);
    if (r != CLOCK_NEVER && r > u) u = r;
    if (d.modHeld != 0) { const m = d.modNext(); if (m != CLOCK_NEVER && m > u) u = m; }
    if (d.txInFlight && !d.testTxHang && d.txDoneAt > u) u = d.txDoneAt;
  }
  return u;
}

export function hwRun(deadline: i64): bool {
  const outer = inRun;
  inRun = true;
  const r = runLoop(deadline);
  inRun = outer;
  return r;
}

function runLoop(deadline: i64): bool {
  dispatchIrqs();
  for (;;) {
    let t: i64 = CLOCK_NEVER;
    // the earliest event besides the chosen one: a run of RX frames may go on until it
    let other: i64 = CLOCK_NEVER;
    let kind = 0;
    let dev: EmacDevice | null = null;
    const now = clockNow();
    const n = emacCount();
    for (let i = 0; i < n; i++) {
      const d = changetype<EmacDevice>(emacDevice(i));
      let et: i64 = CLOCK_NEVER;
      let ek = 0;
      if (d.txInFlight) {
        // test-only TX hang: the packet on the wire never finishes
        if (!d.testTxHang) { et = d.txDoneAt; ek = EV_TX_DONE; }
      } else if (txReady(d)) {
        et = now; ek = EV_TX_START;
      }
      if (et < t) { if (t < other) other = t; t = et; kind = ek; dev = d; } else if (et < other) other = et;
      const rt = wireRxHeadTime(d.wire);
      if (rt < t) { if (t < other) other = t; t = rt; kind = EV_RX; dev = d; } else if (rt < other) other = rt;
      const mt = d.modNext();
      if (mt < t) { if (t < other) other = t; t = mt; kind = EV_MOD; dev = d; } else if (mt < other) other = mt;
    }
    if (dev == null || t > deadline) break;
    clockAdvanceTo(t);
    const d = changetype<EmacDevice>(dev);
    if (kind == EV_TX_START) {
      txStart(d);
    } else if (kind == EV_TX_DONE) {
      txComplete(d);
      // The next packet of the ring starts at once. Nothing else can come first: an
      // event of a lower device at this time would have run before this one, and
      // only an interrupt handler could have made a new one.
      if (!irqChanged && txReady(d)) txStart(d);
    } else if (kind == EV_MOD) {
      d.modExpire();
    } else {
      // Frames on this wire, in a row while each arrives before any other event
      // (and before this device's moderator, which a frame may have started).
      for (;;) {
        const w = wireRxHeadWord(d.wire);
        emacReceive(d, wireRxHeadData(d.wire), w & 0xffff, w >>> 16);
        wireRxPop(d.wire);
        if (irqChanged) break;
        const next = wireRxHeadTime(d.wire);
        if (next > deadline || next >= other || next > d.modNext()) break;
        clockAdvanceTo(next);
      }
    }
    if (irqChanged && dispatchIrqs()) return true;
  }
  clockAdvanceTo(deadline);
  return false;
}
