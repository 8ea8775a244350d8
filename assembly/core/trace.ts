// Per-packet traces, like pwru on a real machine: the kernel functions a
// packet went through and the decisions taken. Off by default; when off a
// trace point costs one load and one branch.

import { skbTraceIn } from "./skbuff";
import { Table } from "../lib/table";
export let traceOn: bool = false;
export function traceEnable(on: bool): void { traceOn = on; traceLen = 0; }

// one record: [packet id, event, a, b] (u32 each); a and b depend on the event
const CAP: i32 = 1 << 16;
// CAP records and a spare one: a record that finds the buffer full (or a verdict about a
// packet that is not the traced input) goes into the spare, which is never read. So a
// record is written without a branch of its own, and the optimizer cannot merge one into
// the traceOn test: with tracing off a trace point stays one load and one branch.
const ring = changetype<Table<u32>>(memory.data((CAP + 1) * 4 * sizeof<u32>(), 8));
let traceLen: i32 = 0;
/** the id of the packet being traced (the host's input packet number) */
export let tracePacket: u32 = 0;
export function traceSetPacket(id: u32): void { tracePacket = id; verdictGiven = false; }
/** whether a verdict was traced for the current packet (an rx_handler that decides says so itself) */
let verdictGiven = false;
export function traceVerdictGiven(): bool { return verdictGiven; }

// @ts-ignore: decorator
@inline export function trace(event: u32, a: u32, b: u32): void {
  if (traceOn) traceRecord(event, a, b, true);
}
/** Appends a record when `keep` and there is room (a full buffer keeps the oldest records; the host reads it per batch). */
// @ts-ignore: decorator
@inline function traceRecord(event: u32, a: u32, b: u32, keep: bool): void {
  const n = traceLen;
  const ok = keep && n < CAP;
  const o = (ok ? n : CAP) << 2;
  unchecked(ring[o] = tracePacket); unchecked(ring[o + 1] = event); unchecked(ring[o + 2] = a); unchecked(ring[o + 3] = b);
  traceLen = n + <i32>ok;
  if (event == 14 /* TE_VERDICT */) verdictGiven = verdictGiven || ok;
}
/**
 * TE_VERDICT for `skb`, when it is the traced input (or a piece of it): what becomes of
 * a packet the box made meanwhile (an ICMP error that dies waiting for its neighbour)
 * is not the input's verdict.
 */
// @ts-ignore: decorator
@inline export function traceVerdict(skb: i32, verdict: u32, reason: u32): void {
  if (traceOn) traceRecord(14 /* TE_VERDICT */, verdict, reason, skbTraceIn[skb] == tracePacket);
}
export function traceCount(): i32 { return traceLen; }
export function tracePtr(): usize { return changetype<usize>(ring); }
export function traceReset(): void { traceLen = 0; }
