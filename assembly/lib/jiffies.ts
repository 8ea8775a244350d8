// Rounding of timer expiries as the kernel's timer code does it (kernel/time/timer.c), on the box's jiffies
// (HZ 250). [model choice] The kernel rounds on its own jiffies, whose phase netpath cannot know, and on the
// CPU that queues the timer: here the box's jiffies, which start at 0 with the virtual clock, and CPU 0.
import { HZ } from "../ipv4/sysctl_net_ipv4";

/**
 * The jiffy a timer armed at `now` for `expires` runs at: calc_wheel_index() puts it in the level whose range
 * holds the delay (LVL_START(n) = 63 << 3(n-1)) and calc_index() rounds it up past expires by the level's
 * granularity (8^level jiffies).
 */
export function timerWheelExpiry(now: i64, expires: i64): i64 {
  const delta = expires - now;
  let shift: i64 = 0;
  for (let lvl: i64 = 1; lvl < 9 && delta >= (<i64>63 << (3 * (lvl - 1))); lvl++) shift = 3 * lvl;
  return ((expires + (<i64>1 << shift)) >> shift) << shift;
}

/**
 * round_jiffies_up() (round_jiffies_common() with force_up, CPU 0's skew of 0): the next whole second
 * strictly after j, even when j is one; j itself when that is not after `now`.
 */
export function roundJiffiesUp(j: i64, now: i64): i64 {
  const r = j - j % HZ + HZ;
  return r > now ? r : j;
}
