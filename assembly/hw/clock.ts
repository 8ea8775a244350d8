// The virtual clock shared by every device model: nanoseconds since the
// instance started. Only the host advances it (hwRun in abi.ts, driven by
// box.run({ ns })); devices read it and schedule their work against it, so the
// same inputs always give the same results.

let nowNs: i64 = 0;

/** Current virtual time in ns. */
// @ts-ignore: decorator
@inline export function clockNow(): i64 { return nowNs; }

/** Moves time forward to t; never backwards. */
export function clockAdvanceTo(t: i64): void {
  if (t > nowNs) nowNs = t;
}

/** "Never" for event times. */
export const CLOCK_NEVER: i64 = i64.MAX_VALUE;
