// The netpath side of the packet-level differential test: the adapter the
// packet-path implementation will fill in.
//
// Contract (see README.md): given a scenario, build a Box, apply `steps` in
// order ({ sysctl } -> box.sysctl(k, v); { port } -> a device named
// port.name with MAC port.mac whose wire is driven by the test; { ip } ->
// `ip -4` of the line, which must succeed), then inject `frames` in order,
// each as received on frame.port, and return per frame every frame the box
// transmitted on any port until it is quiet again: { port, hex } in
// transmit order (the order between ports is not compared). Timers (ARP
// retransmission every net.ipv4.neigh.<dev>.retrans_time_ms, the ip_error
// token bucket) run on the box's virtual clock; `at` of the kernel's
// results (ms since the first frame) is when the kernel got each frame and
// may be used to advance that clock before injecting it.
//
// Two planned front ends: a library call (e.g. box.replay(frames)) and the
// CLI `netpath replay` on a pcapng per scenario with one interface per port
// named after the DUT device. Either can back runPacketsNetpath().
import type { PktScenario } from './gen.js';
import type { FrameResult } from './kernel.js';

export class NotImplemented extends Error {
  constructor(what: string) { super(`not implemented: ${what}`); this.name = 'NotImplemented'; }
}

/** Runs a scenario through netpath: one FrameResult per injected frame (`at` as given, or 0). */
export async function runPacketsNetpath(sc: PktScenario, at?: number[]): Promise<FrameResult[]> {
  void sc; void at;
  throw new NotImplemented('the netpath packet path (replay of injected frames)');
}

/** Whether runPacketsNetpath works yet: tries it on an empty scenario. */
export async function netpathCanReplay(): Promise<{ ok: boolean; reason: string }> {
  try {
    await runPacketsNetpath({ seed: 0, gen: 0, ports: [], steps: [], frames: [] });
    return { ok: true, reason: '' };
  } catch (e) {
    if (e instanceof NotImplemented) return { ok: false, reason: e.message };
    return { ok: true, reason: '' };
  }
}
