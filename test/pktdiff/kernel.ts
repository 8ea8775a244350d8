// Runs a packet scenario against the real kernel.
//
// Two throwaway network namespaces, nppkt-<pid>-<n> (the DUT) and
// nppkt-<pid>-<n+1> (the tester), always deleted again. Every DUT port is a
// veth pair whose other end ("t" + port name) sits in the tester namespace.
// The tester has no IPv4 address, ARP off and forwarding off on its ends, so
// it never answers anything; IPv6 is disabled in both namespaces before any
// link exists (no router solicitations, DAD or MLD reports).
//
// pkt_helper.py (Python 3, standard library AF_PACKET) runs in the tester
// namespace for the whole scenario, one raw socket per tester end, driven
// over JSON lines: for every injected frame it sends the frame on the
// ingress port's tester end and collects whatever comes out of any DUT port
// until the ports have been quiet for QUIET_MS (ARP_QUIET_MS once the DUT has
// sent an ARP request, whose retransmissions run on a timer), at most MAX_MS.
// Anything that arrives outside such a window (before the first frame,
// between frames, after the last) is a stray frame: the run fails rather than
// ignore it.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canMakeNamespace } from '../diff/kernel.js';
import { ENV, netnsAdd, netnsDel, run } from '../util/netns.js';
import { describe as describeFrame, fromHex } from './frames.js';
import type { PktScenario, PortDef, Step } from './gen.js';

export const QUIET_MS = 30;
export const ARP_QUIET_MS = 250;
export const MAX_MS = 2500;
/** How long the runner listens before the first frame and after the last one, for stray frames. */
export const STRAY_MS = 200;

export interface OutFrame { port: string; hex: string }
/** What came out of the DUT after one injected frame: `at` = ms since the first injection; `out` sorted by port (stable), in arrival order within a port. */
export interface FrameResult { at: number; out: OutFrame[] }

const HELPER = join(import.meta.dirname, 'pkt_helper.py');

let probe: { ok: boolean; reason: string } | undefined;
/** Whether scenarios can run here: root, iproute2, network namespaces, python3 with AF_PACKET. */
export function canRunPackets(): { ok: boolean; reason: string } {
  if (probe) return probe;
  const ns = canMakeNamespace();
  if (!ns.ok) return (probe = ns);
  const py = spawnSync('python3', ['-c', 'import socket; socket.AF_PACKET'], { env: ENV, encoding: 'utf8' });
  if (py.error || py.status !== 0) return (probe = { ok: false, reason: 'python3 with socket.AF_PACKET not available' });
  return (probe = { ok: true, reason: ns.reason });
}

export async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}${input ? ` <<< ${JSON.stringify(input.slice(0, 300))}` : ''}: exit ${r.status}: ${r.stderr.trim()}`);
  return r.stdout;
}

const addNs = (prefix = 'nppkt') => netnsAdd(prefix);
const delNs = netnsDel;

export const sysctls = (ns: string, kv: [string, string][]) => must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', ...kv.map(([k, v]) => `${k}=${v}`)]);

/** Runs `ip` lines in the DUT as one batch (under -4 unless family unspec); the first failing line throws. */
export async function ipBatch(dut: string, lines: string[], family?: 'unspec'): Promise<void> {
  const r = await run('ip', ['-n', dut, ...(family ? [] : ['-4']), '-batch', '-'], lines.join('\n') + '\n');
  if (r.status !== 0) {
    const n = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1] ?? 0);
    throw new Error(`DUT config: ip ${lines[n - 1] ?? '(batch)'}: ${r.stderr.trim()}`);
  }
}

/** A DUT port: veth end `name` in the DUT, its peer "t"+name in the tester, up, with ARP off (the tester never answers). */
export async function addPort(dut: string, tester: string, p: PortDef): Promise<void> {
  await must('ip', ['-n', dut, 'link', 'add', p.name, 'address', p.mac, 'type', 'veth', 'peer', 'name', `t${p.name}`, 'address', p.peerMac, 'netns', tester]);
  await must('ip', ['-n', tester, 'link', 'set', `t${p.name}`, 'arp', 'off', 'up']);
}

/** Applies the steps in the DUT (consecutive sysctls as one sysctl call, consecutive ip lines as one batch; any failure throws). */
async function configure(dut: string, tester: string, steps: Step[]) {
  for (let i = 0; i < steps.length;) {
    const s = steps[i];
    if ('sysctl' in s) {
      const kv: [string, string][] = [];
      while (i < steps.length && 'sysctl' in steps[i]) kv.push((steps[i++] as { sysctl: [string, string] }).sysctl);
      await sysctls(dut, kv);
    } else if ('ip' in s) {
      const lines: string[] = [];
      const family = s.family;
      while (i < steps.length && 'ip' in steps[i] && (steps[i] as { family?: 'unspec' }).family === family) lines.push((steps[i++] as { ip: string }).ip);
      await ipBatch(dut, lines, family);
    } else {
      await addPort(dut, tester, s.port);
      i++;
    }
  }
}

/** pkt_helper.py, running in a namespace, driven over JSON lines. */
export class Helper {
  private lines: string[] = [];
  private waiting: ((l: string) => void)[] = [];
  private err = '';
  private constructor(readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l); else this.lines.push(l);
    });
    proc.stderr.setEncoding('utf8').on('data', (d) => (this.err += d));
    proc.on('close', () => { for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: `helper exited: ${this.err.trim()}` })); });
  }
  /** Starts the helper in namespace `tester` with one packet socket per interface in `ifaces`. */
  static async start(tester: string, ifaces: string[]): Promise<Helper> {
    const h = new Helper(spawn('ip', ['netns', 'exec', tester, 'python3', '-u', HELPER, ...ifaces], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] }));
    const ready = JSON.parse(await h.next(10_000));
    if (!ready.ready) throw new Error(`pkt_helper did not start: ${JSON.stringify(ready)} ${h.err}`);
    return h;
  }
  next(timeoutMs: number): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`pkt_helper: no answer in ${timeoutMs} ms (stderr: ${this.err.trim()})`)), timeoutMs);
      this.waiting.push((x) => { clearTimeout(t); resolve(x); });
    });
  }
  async ask(msg: object, timeoutMs: number): Promise<Record<string, unknown>> {
    this.proc.stdin.write(JSON.stringify(msg) + '\n');
    const r = JSON.parse(await this.next(timeoutMs));
    if (r.error && !('out' in r)) throw new Error(`pkt_helper: ${r.error}`);
    return r;
  }
  async stop() {
    try { this.proc.stdin.end(JSON.stringify({ op: 'quit' }) + '\n'); } catch { /* gone */ }
    await new Promise<void>((res) => {
      const t = setTimeout(() => { this.proc.kill('SIGKILL'); res(); }, 2000);
      this.proc.once('close', () => { clearTimeout(t); res(); });
      if (this.proc.exitCode !== null) { clearTimeout(t); res(); }
    });
  }
}

export class StrayFrames extends Error {}

/**
 * How often the host's neighbour table refused a new entry (table_fulls of /proc/net/stat/arp_cache, summed
 * over CPUs). The table and its gc_thresh3 (1024 entries) are shared by every namespace: while other work on
 * the machine fills it, the DUT cannot make the entry a forwarded packet, an ARP request or a broadcast needs,
 * and drops the packet; such a run is not the scenario's outcome.
 */
export function neighTableFulls(): number {
  const lines = readFileSync('/proc/net/stat/arp_cache', 'utf8').trim().split('\n');
  const col = lines[0].trim().split(/\s+/).indexOf('table_fulls');
  return lines.slice(1).reduce((a, l) => a + parseInt(l.trim().split(/\s+/)[col], 16), 0);
}

/**
 * Runs one scenario; one FrameResult per injected frame. Throws on config errors and on stray frames; runs
 * again (up to twice) when the host's neighbour table was full meanwhile, and throws if it stays so.
 */
export async function runPacketsKernel(sc: PktScenario, opts: KernelRunOpts = {}): Promise<FrameResult[]> {
  for (let attempt = 1; ; attempt++) {
    const before = neighTableFulls();
    const r = await runPacketsKernelOnce(sc, opts);
    const fulls = neighTableFulls() - before;
    if (!fulls) return r;
    if (attempt === 3) throw new Error(`seed ${sc.seed}: the host's neighbour table was full ${fulls} times during the run (gc_thresh3 is shared by all namespaces)`);
  }
}

/** nsPrefix names the namespaces */
interface KernelRunOpts { quietMs?: number; arpQuietMs?: number; nsPrefix?: string }

async function runPacketsKernelOnce(sc: PktScenario, opts: KernelRunOpts): Promise<FrameResult[]> {
  const dut = await addNs(opts.nsPrefix);
  let tester: string | undefined;
  let helper: Helper | undefined;
  try {
    tester = await addNs(opts.nsPrefix);
    for (const ns of [dut, tester]) {
      await sysctls(ns, [['net.ipv6.conf.all.disable_ipv6', '1'], ['net.ipv6.conf.default.disable_ipv6', '1']]);
    }
    // the tester never answers or forwards anything
    await sysctls(tester, [['net.ipv4.conf.all.forwarding', '0'], ['net.ipv4.conf.default.forwarding', '0']]);
    await configure(dut, tester, sc.steps);
    const names = sc.ports.map((p) => p.name);
    helper = await Helper.start(tester, names.map((n) => `t${n}`));
    const portOf = (i: number) => names[i];
    const strayText = (st: [number, string][]) => st.map(([i, h]) => `${portOf(i)}: ${describeFrame(fromHex(h))}`).join('; ');
    const first = (await helper.ask({ op: 'drain', ms: STRAY_MS }, STRAY_MS + 5000)) as { out: [number, string][] };
    if (first.out.length) throw new StrayFrames(`stray frames before the first injection: ${strayText(first.out)}`);
    const results: FrameResult[] = [];
    let t0: number | undefined;
    for (const [k, f] of sc.frames.entries()) {
      const i = names.indexOf(f.port);
      if (i < 0) throw new Error(`frame ${k}: unknown port ${f.port}`);
      const r = (await helper.ask({ op: 'send', port: i, hex: f.hex, quiet: opts.quietMs ?? QUIET_MS, arpQuiet: opts.arpQuietMs ?? ARP_QUIET_MS, max: MAX_MS }, MAX_MS + 10_000)) as
        { at: number; out: [number, string][]; stray: [number, string][]; error?: string };
      if (r.error) throw new Error(`frame ${k} (${f.case}): send failed: ${r.error}`);
      if (r.stray.length) throw new StrayFrames(`stray frames before frame ${k} (${f.case}), after frame ${k - 1} (${sc.frames[k - 1]?.case}): ${strayText(r.stray)}`);
      t0 ??= r.at;
      const out = r.out.map(([p, hex], n) => ({ p, n, hex })).sort((a, b) => a.p - b.p || a.n - b.n).map(({ p, hex }) => ({ port: portOf(p), hex }));
      results.push({ at: Math.round(r.at - t0), out });
    }
    const last = (await helper.ask({ op: 'drain', ms: STRAY_MS }, STRAY_MS + 5000)) as { out: [number, string][] };
    if (last.out.length) throw new StrayFrames(`stray frames after the last frame (${sc.frames.at(-1)?.case}): ${strayText(last.out)}`);
    return results;
  } finally {
    await helper?.stop();
    if (tester) await delNs(tester);
    await delNs(dut);
  }
}

/** Kernel version and the global (not per-namespace) knobs that shape the DUT's output, for the fixtures' index. */
export function kernelFacts(): Record<string, string> {
  const read = (k: string) => spawnSync('sysctl', ['-n', k], { env: ENV, encoding: 'utf8' }).stdout.trim();
  return {
    kernel: spawnSync('uname', ['-r'], { env: ENV, encoding: 'utf8' }).stdout.trim(),
    // ip_error()'s per-source token bucket (unreachable/prohibit/no-route ICMP) and the redirect backoff: init_net only
    'net.ipv4.route.error_cost': read('net.ipv4.route.error_cost'),
    'net.ipv4.route.error_burst': read('net.ipv4.route.error_burst'),
    'net.ipv4.route.redirect_load': read('net.ipv4.route.redirect_load'),
    'net.ipv4.route.redirect_number': read('net.ipv4.route.redirect_number'),
    'net.ipv4.route.redirect_silence': read('net.ipv4.route.redirect_silence'),
    // the neighbour table is shared by all namespaces: past this many entries none can make a new one
    'net.ipv4.neigh.default.gc_thresh3': read('net.ipv4.neigh.default.gc_thresh3'),
  };
}
