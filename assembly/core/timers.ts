// The box's software timers (what the kernel's timer wheel runs here): phylib's
// state machine of EMAC ports, neighbour entries, fragment queues, resilient
// nexthop groups, IGMP reports, the address lifetime check and bridge ports' forward delay. Each module keeps its earliest expiry.
import { emacTimerNext, emacTimerRun } from "../drivers/emac_netdev";
import { neighTimerNext, neighTimerRun } from "../ipv4/arp";
import { ipfragTimerNext, ipfragTimerRun } from "../ipv4/ip_fragment";
import { nhResTimerNext, nhResTimerRun } from "../ipv4/nexthop_res";
import { igmpTimerNext, igmpTimerRun } from "../ipv4/igmp";
import { devinetTimerNext, devinetTimerRun } from "../ipv4/devinet";
import { brTimerNext, brTimerRun } from "../net/bridge/br_if";
import { clockNow } from "../hw/clock";

/** The time (ns) of the earliest timer, i64.MAX_VALUE if none. */
export function timersNext(): i64 {
  let t = emacTimerNext();
  const n = neighTimerNext(); if (n < t) t = n;
  const f = ipfragTimerNext(); if (f < t) t = f;
  const r = nhResTimerNext(); if (r < t) t = r;
  const g = igmpTimerNext(); if (g < t) t = g;
  const a = devinetTimerNext(); if (a < t) t = a;
  const b = brTimerNext(); if (b < t) t = b;
  return t;
}

/** Runs the timers due at the current time. */
export function timersRunDue(): void {
  const now = clockNow();
  if (now >= emacTimerNext()) emacTimerRun();
  if (now >= neighTimerNext()) neighTimerRun();
  if (now >= ipfragTimerNext()) ipfragTimerRun();
  if (now >= nhResTimerNext()) nhResTimerRun();
  if (now >= igmpTimerNext()) igmpTimerRun();
  if (now >= devinetTimerNext()) devinetTimerRun();
  if (now >= brTimerNext()) brTimerRun();
}
