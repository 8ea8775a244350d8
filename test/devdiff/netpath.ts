// The netpath side of the device-level differential test.
//
// Builds a Box from a scenario and runs its steps in virtual time:
//   { sysctl }  box.sysctl(key, value)
//   { port }    `ip link add tNAME type veth peer name NAME`, MACs set, both up; the tester end is a sink
//               (what the box sends there stops there; a packet socket on it injects and captures)
//   { tun }     box.tun(name, { pi }): write(bytes) -> number (throws on the kernel's errors, the message
//               naming the errno, e.g. "EINVAL"), read() -> Uint8Array | null
//   { ip }      box.ip(line); with a class, its exit status and stderr are the answer
//   { frame }   sent on the port's tester end, or written into the tun/tap
//   { query }   box.ip('-j -d link show'), box.ip('-s -j link show'), box.bridge('-j fdb show'), reduced
//               like the kernel's (compare.ts reduceState)
// Every step after the first frame happens at the kernel's `at` (ms since its first frame; the runner
// waited SETTLE_MS before that first frame); what the box sends until the next step belongs to the step.
import { Box } from '../../src/box.js';
import { SETTLE_MS } from './kernel.js';
import { type DevResult, type DevState, reduceState } from './compare.js';
import type { OutFrame } from '../pktdiff/kernel.js';
import type { DevScenario } from './gen.js';

/** What the adapter needs beyond today's Box: the device helpers' APIs. */
interface TunQueue { write(bytes: Uint8Array): number; read(): Uint8Array | null }
interface DeviceBox {
  bridge?(args: string | string[]): { status: number; stdout: string; stderr: string };
  tun?(name: string, opts?: { pi?: boolean }): TunQueue;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** What netpath did not accept while building a scenario's box (setup that must succeed in the kernel). */
export const devSetupGaps = new Map<string, number>();
const gap = (what: string) => devSetupGaps.set(what, (devSetupGaps.get(what) ?? 0) + 1);

interface Endpoint { send(b: Uint8Array): number | string | undefined; collect(): Uint8Array[] }

/** Runs a scenario through netpath: one result per step (null for setup), aligned with sc.steps. `at`: the kernel's times per step. */
export async function runDevicesNetpath(sc: DevScenario, at: (number | undefined)[] = []): Promise<DevResult[]> {
  const box = await Box.create();
  const dbox = box as unknown as DeviceBox;
  const core = box.kernel.core as unknown as { replaySink(ifindex: number, on: number): number };
  const ends = new Map<string, Endpoint>();
  const order = [...sc.ports.map((p) => p.name), ...sc.tuns.map((t) => t.name)];
  const ifindex = (n: string) => box.kernel.links().find((l) => l.name === n)?.ifindex ?? 0;
  const setup = (line: string) => { const r = box.ip(line); if (r.status !== 0) gap(`ip ${line.split(' ').slice(0, 3).join(' ')}: ${r.stderr.trim()}`); };
  let t0: number | undefined;
  // the times of the timed steps (everything from the first frame on), in ns of virtual time from t0
  const firstFrame = sc.steps.findIndex((s) => 'frame' in s);
  const timeOf = (i: number) => (at[i] ?? (i - firstFrame) * 40) * 1e6;
  const nextTime = (i: number) => {
    for (let k = i + 1; k < sc.steps.length; k++) if (k >= firstFrame && ('frame' in sc.steps[k] || ('ip' in sc.steps[k] && (sc.steps[k] as { cls?: string }).cls) || 'query' in sc.steps[k])) return timeOf(k);
    return timeOf(i) + 2_500e6;
  };
  const runTo = (ns: number) => { if (ns > box.now) box.run({ ns: ns - box.now }); };
  /** Runs until the next step and collects what every endpoint got, in scenario order. */
  const collectUntilNext = (i: number): OutFrame[] => {
    runTo(t0! + nextTime(i));
    const out: OutFrame[] = [];
    for (const n of order) for (const b of ends.get(n)?.collect() ?? []) out.push({ port: n, hex: hex(b) });
    return out;
  };
  const startClock = (i: number) => {
    if (t0 !== undefined) return;
    runTo(box.now + SETTLE_MS * 1e6);
    for (const e of ends.values()) e.collect();
    t0 = box.now - timeOf(i);
  };
  const results: DevResult[] = [];
  for (const [i, s] of sc.steps.entries()) {
    if ('frame' in s) {
      startClock(i);
      runTo(t0! + timeOf(i));
      const e = ends.get(s.port);
      let ret: number | string | undefined;
      if (e) ret = e.send(new Uint8Array(Buffer.from(s.frame, 'hex')));
      else gap(`frame into ${s.port}: no such endpoint`);
      const out = collectUntilNext(i);
      results.push({ at: timeOf(i) / 1e6, out, ...(ret !== undefined ? { ret } : {}) });
    } else if ('sysctl' in s) {
      try { box.sysctl(s.sysctl[0], s.sysctl[1]); } catch { gap(`sysctl ${s.sysctl[0].replace(/\.(p\d|mv\d|br\d|tun\d|tap\d)\./, '.DEV.')}`); }
      results.push(null);
    } else if ('port' in s) {
      const { name, mac, peerMac } = s.port;
      setup(`link add t${name} type veth peer name ${name}`);
      setup(`link set ${name} address ${mac}`);
      setup(`link set t${name} address ${peerMac}`);
      setup(`link set t${name} up`);
      core.replaySink(ifindex(`t${name}`), 1);
      const sock = box.packet(`t${name}`);
      ends.set(name, {
        send: (b) => { sock.send([b]); return undefined; },
        collect: () => sock.recv().filter((r) => r.direction === 'in').map((r) => r.data),
      });
      results.push(null);
    } else if ('tun' in s) {
      if (!dbox.tun) { gap('box.tun: not implemented'); results.push(null); continue; }
      const q = dbox.tun(s.tun.name, { mode: s.tun.tap ? 'tap' : 'tun', pi: s.tun.pi });
      ends.set(s.tun.name, {
        send: (b) => { try { return q.write(b); } catch (e) { return /\bE[A-Z0-9]+\b/.exec((e as Error).message)?.[0] ?? (e as Error).message; } },
        collect: () => { const xs: Uint8Array[] = []; for (let p = q.read(); p; p = q.read()) xs.push(p); return xs; },
      });
      results.push(null);
    } else if ('ip' in s) {
      if (!s.cls) { setup(s.ip); results.push(null); continue; }
      const timedStep = t0 !== undefined;
      if (timedStep) runTo(t0! + timeOf(i));
      const r = box.ip(s.ip);
      const a = { status: r.status, err: r.stderr };
      results.push(timedStep ? { ...a, at: timeOf(i) / 1e6, out: collectUntilNext(i) } : a);
    } else {
      if (t0 !== undefined) runTo(t0 + timeOf(i));
      const state = queryState(box, dbox, s.query, sc.ports.map((p) => p.name), sc.macs);
      if (t0 !== undefined) collectUntilNext(i); // nothing is sent here in the kernel (its runner checks)
      results.push(t0 !== undefined ? { at: timeOf(i) / 1e6, state } : { state });
    }
  }
  return results;
}

function queryState(box: Box, dbox: DeviceBox, devs: string[], ports: string[], macs: Record<string, string>): DevState {
  const j = (r: { status: number; stdout: string }) => (r.status === 0 && r.stdout.trim() ? JSON.parse(r.stdout) : []);
  const fdb = dbox.bridge ? j(dbox.bridge(['-j', 'fdb', 'show'])) : [];
  return reduceState(devs, ports, macs, j(box.ip(['-j', '-d', 'link', 'show'])), j(box.ip(['-s', '-j', 'link', 'show'])), fdb);
}

export type DeviceProbe = Record<'macvlan' | 'bridge' | 'tun', { ok: boolean; reason: string }>;
/** Which of the devices netpath has: `ip link add` of each kind in a fresh box, box.bridge and box.tun. */
export async function probeNetpathDevices(): Promise<DeviceProbe> {
  const box = await Box.create();
  const dbox = box as unknown as DeviceBox;
  const tryIp = (line: string) => { const r = box.ip(line); return r.status === 0 ? '' : `\`ip ${line}\`: ${r.stderr.trim()}`; };
  box.ip('link add v0 type veth peer name v1');
  const mv = tryIp('link add m0 link v0 type macvlan mode bridge');
  const br = tryIp('link add b0 type bridge') || (dbox.bridge ? '' : 'box.bridge() is missing');
  let tun = tryIp('tuntap add t0 mode tun');
  if (!tun && !dbox.tun) tun = 'box.tun() is missing';
  if (!tun) { try { dbox.tun!('t0', {}); } catch (e) { tun = `box.tun('t0'): ${(e as Error).message}`; } }
  const res = (why: string) => ({ ok: !why, reason: why });
  return { macvlan: res(mv), bridge: res(br), tun: res(tun) };
}
