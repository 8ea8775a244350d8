// The wire side of each port: two batched frame queues in linear memory.
//
//   inject: the host writes a batch of records into the shared stage area and
//           makes one call; the frames are copied into the port's RX queue and
//           arrive back to back at line rate from the current virtual time on.
//   collect: one call copies every frame the device has finished sending into
//           the stage area, and the time its last bit left into a table beside
//           it; the host reads the batch from there.
//
// Stage record (host-visible, both directions):
//   u32 word: length [15:0] | flags [31:16], then the frame bytes (no FCS),
//   then zero padding to a multiple of 4.
// Inject flags: WIRE_FLAG_BAD_FCS marks a frame whose FCS is wrong on the wire.
// Frames shorter than 60 bytes are zero-padded to 60, as a sending MAC would.
//
// Queues are fixed-size byte buffers allocated once per port; nothing is
// allocated per frame. When a queue is full the frame is dropped and counted.

import { clockNow, CLOCK_NEVER } from "./clock";
import { copyFrame } from "../lib/mem";
import { Table } from "../lib/table";

export const WIRE_MAX_PORTS: i32 = 32; // one per EMAC plus one host queue per bound driver model
/** Largest frame (without FCS) a wire record can carry. */
export const WIRE_MAX_FRAME: u32 = 16128;
export const WIRE_FLAG_BAD_FCS: u32 = 1 << 0;
export const STAGE_SIZE: u32 = 1 << 20;
const QUEUE_SIZE: u32 = 1 << 20;
/** Preamble + SFD (8), FCS (4) and inter-frame gap (12): bytes on the wire besides the frame. */
const WIRE_OVERHEAD: u32 = 24;
const MIN_FRAME: u32 = 60;

let stagePtr: usize = 0;
let stageTimes: usize = 0;

/** A byte queue of records: [head, tail) committed, [tail, end) staged (not yet visible). */
class ByteQueue {
  base: usize;
  head: u32 = 0;
  tail: u32 = 0;
  end: u32 = 0;
  count: u32 = 0;
  stagedCount: u32 = 0;
  constructor(readonly cap: u32) {
    this.base = heap.alloc(<usize>cap);
  }
  /** Pointer to n free bytes at the end, compacting first if needed; 0 if there is no room. */
  // @ts-ignore: decorator
  @inline reserve(n: u32): usize {
    return this.end + n <= this.cap ? this.base + this.end : this.compactFor(n);
  }
  /** reserve() when the end has no room: moves the records to the front. */
  private compactFor(n: u32): usize {
    if (n > this.cap || this.head == 0) return 0;
    const used = this.end - this.head;
    memory.copy(this.base, this.base + this.head, used);
    this.tail -= this.head;
    this.end -= this.head;
    this.head = 0;
    if (this.end + n > this.cap) return 0;
    return this.base + this.end;
  }
  push(n: u32): void { this.end += n; this.stagedCount++; }
  commit(): void { this.tail = this.end; this.count += this.stagedCount; this.stagedCount = 0; }
  /** Makes the first `bytes` staged bytes (`k` records) visible; the rest stay staged. */
  commitPart(bytes: u32, k: u32): void { this.tail += bytes; this.count += k; this.stagedCount -= k; }
  abort(): void { this.end = this.tail; this.stagedCount = 0; }
  /** Drops what was staged after the first `bytes` staged bytes (`k` records). */
  abortTo(bytes: u32, k: u32): void { this.end = this.tail + bytes; this.stagedCount = k; }
  pop(n: u32): void { this.popMany(this.head + n, 1); }
  /** Drops `k` committed records, the first of the rest starting at `head`. */
  popMany(head: u32, k: u32): void {
    this.head = head;
    this.count -= k;
    if (head == this.tail && this.tail == this.end) { this.head = 0; this.tail = 0; this.end = 0; }
  }
  clear(): void { this.head = 0; this.tail = 0; this.end = 0; this.count = 0; this.stagedCount = 0; }
}

// RX record: [u32 lenFlags][u32 0][i64 arrival end time][bytes, padded to 8]
const RX_HDR: u32 = 16;
// TX record: [u32 lenFlags][i64 time the last bit left][bytes, padded to 4]
const TX_HDR: u32 = 12;
/** Most records a call that reports times writes into the stage area: the times table holds this many. */
export const STAGE_TIMES_MAX: i32 = 16384;

export class WirePort {
  rx: ByteQueue = new ByteQueue(QUEUE_SIZE);
  tx: ByteQueue = new ByteQueue(QUEUE_SIZE);
  /** When the last injected frame finishes arriving. */
  rxBusyUntil: i64 = 0;
  /** When the transmitter finishes the frames handed to it so far. */
  txBusyUntil: i64 = 0;
  /** ns per byte at the current link speed (8 = 1000 Mb/s). */
  nsPerByte: i64 = 8;
  carrier: bool = true;
  rxOverflow: u32 = 0;
  rxRejected: u32 = 0;
  txOverflow: u32 = 0;
}

const ports = new StaticArray<WirePort | null>(WIRE_MAX_PORTS);
let portCount: i32 = 0;

export function wireStagePtr(): usize {
  if (stagePtr == 0) {
    stagePtr = heap.alloc(<usize>STAGE_SIZE);
    stageTimes = heap.alloc(<usize>STAGE_TIMES_MAX << 3);
  }
  return stagePtr;
}
/**
 * The times table beside the stage area: an i64 (virtual ns) for each record the last
 * call that reports times wrote there (wireCollect, tunReadBatch), in order.
 */
export function wireStageTimesPtr(): usize { return stageTimes; }

/** Creates a port; returns its index or -1 when the pool is full. */
export function wirePortCreate(): i32 {
  if (portCount >= WIRE_MAX_PORTS) return -1;
  wireStagePtr();
  const i = portCount++;
  unchecked(ports[i] = new WirePort());
  return i;
}

export function wirePort(i: i32): WirePort | null {
  if (i < 0 || i >= portCount) return null;
  return unchecked(ports[i]);
}

/** Time a frame of `len` bytes (without FCS) occupies the wire. */
export function wireTimeNs(p: WirePort, len: u32): i64 {
  const l = len < MIN_FRAME ? MIN_FRAME : len;
  return <i64>(l + WIRE_OVERHEAD) * p.nsPerByte;
}

/**
 * Copies `count` stage records into the port's RX queue. Returns the number
 * accepted; malformed or oversized records and records that do not fit are
 * counted and skipped. Parsing stops at the first record that runs past the
 * stage area.
 */
export function wireInject(i: i32, count: i32, gapNs: i64 = 0): i32 {
  if (stagePtr == 0) return 0;
  return wireInjectFrom(i, stagePtr, STAGE_SIZE, count, gapNs);
}

// Batches the host prepared once in linear memory (stage record format) and
// injects again and again with one call each: frames cross the boundary once.
const BATCH_MAX: i32 = 64;
const batchPtr = changetype<Table<usize>>(memory.data(BATCH_MAX * sizeof<usize>(), 8));
const batchSize = changetype<Table<u32>>(memory.data(BATCH_MAX * sizeof<u32>(), 8));

/** A batch buffer of `bytes` (at most STAGE_SIZE); returns its handle (1..), or 0 when none is left. */
export function wireBatchAlloc(bytes: u32): i32 {
  if (bytes == 0 || bytes > STAGE_SIZE) return 0;
  for (let h = 0; h < BATCH_MAX; h++) {
    if (unchecked(batchPtr[h]) != 0) continue;
    const p = heap.alloc(<usize>bytes);
    memory.fill(p, 0, <usize>bytes);
    unchecked(batchPtr[h] = p);
    unchecked(batchSize[h] = bytes);
    return h + 1;
  }
  return 0;
}
/** Linear-memory address of batch `h` (for the host to fill), 0 if no such batch. */
export function wireBatchPtr(h: i32): usize { return h < 1 || h > BATCH_MAX ? 0 : unchecked(batchPtr[h - 1]); }
export function wireBatchFree(h: i32): void {
  const p = wireBatchPtr(h);
  if (p == 0) return;
  heap.free(p);
  unchecked(batchPtr[h - 1] = 0);
  unchecked(batchSize[h - 1] = 0);
}
/** wireInject from batch `h` instead of the stage area; 0 for an unknown handle. */
export function wireInjectBatch(i: i32, h: i32, count: i32, gapNs: i64 = 0): i32 {
  const p = wireBatchPtr(h);
  return p == 0 ? 0 : wireInjectFrom(i, p, unchecked(batchSize[h - 1]), count, gapNs);
}

function wireInjectFrom(i: i32, src: usize, size: u32, count: i32, gapNs: i64): i32 {
  const p = wirePort(i);
  if (p == null) return 0;
  // the clock does not move during the call: the frames arrive back to back from now on
  const q = p.rx;
  const now = clockNow();
  let busy = p.rxBusyUntil;
  let off: u32 = 0;
  let accepted = 0;
  for (let n = 0; n < count; n++) {
    if (off + 4 > size) break;
    const word = load<u32>(src + off);
    const len = word & 0xffff;
    const rec = (4 + len + 3) & ~3;
    if (<u64>off + <u64>rec > <u64>size) break;
    if (len == 0 || len > WIRE_MAX_FRAME) { p.rxRejected++; off += rec; continue; }
    // A sending MAC pads short frames to 60 bytes: the wire never carries less.
    const wireLen = len < MIN_FRAME ? MIN_FRAME : len;
    const need = (RX_HDR + wireLen + 7) & ~7;
    const dst = q.reserve(need);
    if (dst == 0) { p.rxOverflow++; off += rec; continue; }
    busy = (busy > now ? busy : now) + gapNs + wireTimeNs(p, wireLen);
    store<u32>(dst, (word & 0xffff0000) | wireLen);
    store<u32>(dst, 0, 4);
    store<i64>(dst, busy, 8);
    copyFrame(dst + RX_HDR, src + off + 4, len);
    if (wireLen > len) memory.fill(dst + RX_HDR + len, 0, wireLen - len);
    q.push(need);
    accepted++;
    off += rec;
  }
  // the whole batch becomes visible at once: nothing runs while it is staged
  q.commit();
  p.rxBusyUntil = busy;
  return accepted;
}

/** Empties both queues of a port (a NIC handed to a new netdevice). */
export function wirePortReset(i: i32): void {
  const p = wirePort(i);
  if (p == null) return;
  p.rx.clear();
  p.tx.clear();
  p.rxBusyUntil = 0;
  p.txBusyUntil = 0;
}

/** When the frame at the head of the RX queue has fully arrived, or CLOCK_NEVER. */
// @ts-ignore: decorator
@inline export function wireRxHeadTime(p: WirePort): i64 {
  if (p.rx.count == 0) return CLOCK_NEVER;
  return load<i64>(p.rx.base + p.rx.head, 8);
}
/** When the last frame in the RX queue has fully arrived, or CLOCK_NEVER when it is empty. */
export function wireRxTailTime(p: WirePort): i64 { return p.rx.count == 0 ? CLOCK_NEVER : p.rxBusyUntil; }
export function wireRxHeadWord(p: WirePort): u32 { return load<u32>(p.rx.base + p.rx.head); }
export function wireRxHeadData(p: WirePort): usize { return p.rx.base + p.rx.head + RX_HDR; }
export function wireRxPop(p: WirePort): void {
  const len = load<u32>(p.rx.base + p.rx.head) & 0xffff; // the padded length
  p.rx.pop((RX_HDR + len + 7) & ~7);
}

/**
 * Stages a TX frame of `len` bytes with its time (on a wire: when its last bit leaves) and
 * flags for the host ([31:16] of the stage record's word), visible at wireTxCommit. Returns
 * where the caller writes the frame's bytes, or 0 if the queue is full (nothing staged).
 */
// @ts-ignore: decorator
@inline export function wireTxStageFrame(p: WirePort, len: u32, timeNs: i64, flags: u32 = 0): usize {
  const q = p.tx;
  const rec = (TX_HDR + len + 3) & ~3;
  const r = q.reserve(rec);
  if (r == 0) return 0;
  // the padding is zero so records are deterministic: the last word first, the frame over it
  store<u32>(r + rec - 4, 0);
  store<u32>(r, len | (flags << 16));
  store<i64>(r, timeNs, 4);
  q.push(rec);
  return r + TX_HDR;
}
export function wireTxCommit(p: WirePort): void { p.tx.commit(); }
export function wireTxAbort(p: WirePort): void { p.tx.abort(); }
/**
 * Staged frames of several packets can wait at once (a device reading ahead): bytes and
 * records staged so far (both unchanged when the queue compacts), to commit or drop a part.
 */
// @ts-ignore: decorator
@inline export function wireTxStagedBytes(p: WirePort): u32 { return p.tx.end - p.tx.tail; }
// @ts-ignore: decorator
@inline export function wireTxStagedCount(p: WirePort): u32 { return p.tx.stagedCount; }
/** Makes the oldest `bytes` staged bytes (`k` records) visible to collect. */
export function wireTxCommitPart(p: WirePort, bytes: u32, k: u32): void { p.tx.commitPart(bytes, k); }
/** Drops the frames staged after the first `bytes` staged bytes (`k` records). */
export function wireTxAbortTo(p: WirePort, bytes: u32, k: u32): void { p.tx.abortTo(bytes, k); }

/** Bytes of stage records the last wireCollect wrote. */
export let wireCollectedBytes: u32 = 0;

/**
 * Copies committed TX frames into the stage area as stage records, as many as fit
 * in the stage and in `max` bytes (at most STAGE_TIMES_MAX), and their times into the
 * times table. Returns the number of records written (wireCollectedBytes: their bytes).
 */
export function wireCollect(i: i32, max: u32): i32 {
  wireCollectedBytes = 0;
  const p = wirePort(i);
  if (p == null || stagePtr == 0) return 0;
  const room = max < STAGE_SIZE ? max : STAGE_SIZE;
  const q = p.tx;
  const base = q.base;
  const avail = q.count < <u32>STAGE_TIMES_MAX ? <i32>q.count : STAGE_TIMES_MAX;
  let head = q.head;
  let out: u32 = 0;
  let n = 0;
  while (n < avail) {
    const src = base + head;
    const word = load<u32>(src);
    const len = word & 0xffff;
    const out4 = (4 + len + 3) & ~3;
    if (out + out4 > room) break;
    store<u32>(stagePtr + out, word);
    copyFrame(stagePtr + out + 4, src + TX_HDR, out4 - 4);
    store<i64>(stageTimes + (<usize>n << 3), load<i64>(src, 4));
    out += out4;
    head += (TX_HDR + len + 3) & ~3;
    n++;
  }
  q.popMany(head, n);
  wireCollectedBytes = out;
  return n;
}
