// Virtual-time scheduler for the device models: runs every device event
// (a frame finishing its arrival, a TX packet starting or finishing) in time
// order up to a deadline. Ties go to the lower device index, TX before RX before
// an interrupt moderator running out, so the same inputs always give the same results.

import { clockNow, clockAdvanceTo, CLOCK_NEVER } from "./clock";
import { wireRxHeadTime, wireRxTailTime, wireRxHeadWord, wireRxHeadData, wireRxPop } from "./wire";
import { emacCount, emacDevice, irqChanged, clearIrqChanged, EmacDevice, EMAC_MAX_DEVICES, TXQ_MAX } from "./emac/emac";
import { emacReceive } from "./emac/rx";
import { txReady, txStart } from "./emac/tx";
import { Table } from "../lib/table";

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
    if (d.txInFlight && !d.testTxHang && d.wire.txBusyUntil > u) u = d.wire.txBusyUntil;
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

// Each device's next event (time and kind), as nextEvent() found it. Handling an
// event changes only its own device: the others' entries stay right until an
// interrupt handler runs, which may touch any device (then all are found again).
const evTime = changetype<Table<i64>>(memory.data(EMAC_MAX_DEVICES * sizeof<i64>(), 8));
const evKind = changetype<Table<i32>>(memory.data(EMAC_MAX_DEVICES * sizeof<i32>(), 8));
/** the device's next event of another kind (a run of RX frames stops before it) */
const evAfter = changetype<Table<i64>>(memory.data(EMAC_MAX_DEVICES * sizeof<i64>(), 8));

/**
 * The device's earliest event: TX before RX before its moderator at the same time.
 * A TX completion is an event only when it could change the line (MOD1 off) or starts
 * MOD1; the engine, full, reads on when half of it is out, and a packet it holds back
 * starts when it is empty. Otherwise txRetire applies completions later.
 */
function nextEvent(d: EmacDevice, now: i64): void {
  let t: i64 = CLOCK_NEVER;
  let k = 0;
  if (d.txInFlight) {
    if (d.testTxHang) {
      // test-only TX hang: the packet on the wire never finishes
    } else if (d.modTxAt == CLOCK_NEVER || !d.txModerated()) {
      t = d.txDoneAt; k = EV_TX_DONE;
    } else if (d.txAheadBlocked) {
      t = d.wire.txBusyUntil; k = EV_TX_DONE; // the engine is empty: the held-back packet starts
    } else if (d.txqLen >= TXQ_MAX) {
      t = d.txqAt(d.txqHead + TXQ_MAX / 2).done; k = EV_TX_DONE; // room to read on
    } else if (txReady(d)) {
      t = now; k = EV_TX_START;
    }
  } else if (txReady(d)) {
    t = now; k = EV_TX_START;
  }
  let after: i64 = CLOCK_NEVER;
  const rt = wireRxHeadTime(d.wire);
  if (rt < t) { after = t; t = rt; k = EV_RX; } else after = rt;
  const mt = d.modNext();
  if (mt < t) { after = t; t = mt; k = EV_MOD; } else if (mt < after) after = mt;
  const i = d.index;
  unchecked(evTime[i] = t);
  unchecked(evKind[i] = k);
  unchecked(evAfter[i] = after);
}

function runLoop(deadline: i64): bool {
  dispatchIrqs();
  const n = emacCount();
  for (let i = 0; i < n; i++) nextEvent(changetype<EmacDevice>(emacDevice(i)), clockNow());
  for (;;) {
    // the earliest event, ties to the lower device; and the earliest of the other devices'
    let t: i64 = CLOCK_NEVER;
    let other: i64 = CLOCK_NEVER;
    let at = -1;
    for (let i = 0; i < n; i++) {
      const et = unchecked(evTime[i]);
      if (et < t) { if (t < other) other = t; t = et; at = i; } else if (et < other) other = et;
    }
    if (at < 0 || t > deadline) break;
    clockAdvanceTo(t);
    const d = changetype<EmacDevice>(emacDevice(at));
    const kind = unchecked(evKind[at]);
    const after = unchecked(evAfter[at]);
    if (after < other) other = after;
    if (kind == EV_TX_START) {
      txStart(d);
    } else if (kind == EV_TX_DONE) {
      d.txRetire(t);
      // The next packet of the ring starts at once. Nothing else can come first: an
      // event of a lower device at this time would have run before this one, and
      // only an interrupt handler could have made a new one.
      if (!irqChanged && txReady(d)) txStart(d);
    } else if (kind == EV_MOD) {
      d.txRetire(t); // completions up to now enter what the moderator releases
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
    if (irqChanged) {
      if (dispatchIrqs()) { retireAll(n, clockNow()); return true; }
      for (let i = 0; i < n; i++) nextEvent(changetype<EmacDevice>(emacDevice(i)), clockNow());
    } else {
      nextEvent(d, clockNow());
    }
  }
  clockAdvanceTo(deadline);
  retireAll(n, deadline);
  return false;
}

/** Applies every TX completion up to `now`, so the host sees each device as it is then. */
function retireAll(n: i32, now: i64): void {
  for (let i = 0; i < n; i++) changetype<EmacDevice>(emacDevice(i)).txRetire(now);
}
