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
import { Box } from '../../src/box.js';

export class NotImplemented extends Error {
  constructor(what: string) { super(`not implemented: ${what}`); this.name = 'NotImplemented'; }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** What netpath did not accept while building the scenario's box (sysctls it does not model, ip lines it rejects). */
export const netpathSetupGaps = new Map<string, number>();
function gap(what: string): void { netpathSetupGaps.set(what, (netpathSetupGaps.get(what) ?? 0) + 1); }

/** Builds the scenario's box: the DUT's ports are veth ends whose peers ("t"+name) stand for the tester. */
export async function buildScenarioBox(sc: PktScenario): Promise<Box> {
  const box = await Box.create();
  const must = (line: string) => {
    const r = box.ip(line);
    if (r.status !== 0) gap(`ip ${line.split(' ').slice(0, 3).join(' ')}: ${r.stderr.trim()}`);
    return r.status === 0;
  };
  for (const st of sc.steps) {
    if ('sysctl' in st) {
      try { box.sysctl(st.sysctl[0], st.sysctl[1]); } catch { gap(`sysctl ${st.sysctl[0].replace(/\.p\d+\./, '.pN.')}`); }
    } else if ('port' in st) {
      const { name, mac, peerMac } = st.port;
      must(`link add t${name} type veth peer name ${name}`);
      must(`link set ${name} address ${mac}`);
      must(`link set t${name} address ${peerMac}`);
      // the tester's end is inert: no forwarding, no answers
      try { box.sysctl(`net.ipv4.conf.t${name}.forwarding`, '0'); } catch { /* no in_device */ }
      must(`link set t${name} up`);
    } else {
      const r = box.ip([...(st.family ? [] : ['-4']), ...st.ip.trim().split(/\s+/)]);
      if (r.status !== 0) gap(`ip ${st.ip.split(' ').slice(0, 2).join(' ')}: ${r.stderr.trim()}`);
    }
  }
  return box;
}

/** Runs a scenario through netpath: one FrameResult per injected frame (`at` as given, or 0). */
export async function runPacketsNetpath(sc: PktScenario, at?: number[]): Promise<FrameResult[]> {
  const box = await buildScenarioBox(sc);
  const inputs = sc.frames.map((f, i) => ({
    dev: f.port,
    data: new Uint8Array(Buffer.from(f.hex, 'hex')),
    timeNs: Math.round((at?.[i] ?? i * 400) * 1e6),
  }));
  const order = new Map(sc.ports.map((p, i) => [p.name, i]));
  const res = box.replay(inputs, { trace: false });
  return res.map((r, i) => ({
    at: at?.[i] ?? 0,
    out: r.out
      .map((o, k) => ({ port: o.dev, hex: hex(o.data), k }))
      .sort((a, b) => (order.get(a.port) ?? 99) - (order.get(b.port) ?? 99) || a.k - b.k)
      .map(({ port, hex }) => ({ port, hex })),
  }));
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
