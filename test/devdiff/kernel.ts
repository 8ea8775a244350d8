// Runs a device scenario against the real kernel.
//
// Two throwaway namespaces, np-devdiff-<pid>-<n> (the DUT) and the next one
// (the tester), always deleted again; IPv6 off in both before any link exists.
// pkt_helper.py runs in the tester for the whole scenario: a packet socket on
// each port's tester end (opened as the port is made) and, from inside the
// DUT, the host end of each tun/tap device (TUNSETIFF on /dev/net/tun). Steps
// run in order; from the first frame on, each frame, write or `ip` command is
// followed by collecting what comes out of every port and queue until quiet
// (as in the packet-level test). A frame that comes later, before the next
// step, still belongs to the step before it, as the netpath runner counts it
// (it collects until the next step's time): an ARP resolution through a bridge
// without ports sends no probe the quiet window could wait for, and its ICMP
// host-unreach comes 300 ms later. Frames before the first frame, during a
// query or after the last step fail the run.
import { run } from '../util/netns.js';
import { netnsAdd, netnsDel } from '../util/netns.js';
import { describe as describeFrame, fromHex } from '../pktdiff/frames.js';
import { ARP_QUIET_MS, Helper, MAX_MS, QUIET_MS, STRAY_MS, StrayFrames, addPort, ipBatch, must, sysctls, type OutFrame } from '../pktdiff/kernel.js';
import { type DevResult, type DevState, reduceState } from './compare.js';
import type { DevScenario } from './gen.js';

export { canRunPackets as canRunDevices } from '../pktdiff/kernel.js';

/**
 * How long the runner waits before the first frame and before each query: carrier changes reach the
 * bridge (a port enslaved while down starts forwarding on NETDEV_CHANGE) and operstate through
 * linkwatch, which defers non-urgent events by up to a second.
 */
export const SETTLE_MS = 1100;

/** The state queries of a scenario, in the DUT. */
async function queryState(dut: string, devs: string[], ports: string[], macs: Record<string, string>): Promise<DevState> {
  const j = async (cmd: string, args: string[]) => JSON.parse((await must(cmd, ['-n', dut, ...args])) || '[]');
  return reduceState(devs, ports, macs, await j('ip', ['-j', '-d', 'link', 'show']), await j('ip', ['-s', '-j', 'link', 'show']), await j('bridge', ['-j', 'fdb', 'show']));
}

/** Runs one scenario; one result per step (null for setup steps). Throws on setup errors and stray frames. */
export async function runDevicesKernel(sc: DevScenario, opts: { quietMs?: number } = {}): Promise<DevResult[]> {
  const dut = await netnsAdd('np-devdiff');
  let tester: string | undefined;
  let helper: Helper | undefined;
  try {
    tester = await netnsAdd('np-devdiff');
    for (const ns of [dut, tester]) await sysctls(ns, [['net.ipv6.conf.all.disable_ipv6', '1'], ['net.ipv6.conf.default.disable_ipv6', '1']]);
    await sysctls(tester, [['net.ipv4.conf.all.forwarding', '0'], ['net.ipv4.conf.default.forwarding', '0']]);
    helper = await Helper.start(tester, []);
    const h = helper;
    const endpoints: string[] = [];
    const name = (i: number) => endpoints[i] ?? `#${i}`;
    const strayText = (st: [number, string][]) => st.map(([i, x]) => `${name(i)}: ${x.length > 28 ? describeFrame(fromHex(x)) : x}`).join('; ');
    let t0: number | undefined;
    /** The answer of the last timed step; late frames join its output. */
    let lastTimed: { out: OutFrame[] } | undefined;
    const late = (st: [number, string][], what: string) => {
      if (!st.length) return;
      if (!lastTimed) throw new StrayFrames(`stray frames before ${what}: ${strayText(st)}`);
      lastTimed.out = [...lastTimed.out, ...st.map(([p, x]) => ({ port: name(p), hex: x }))].sort((a, b) => endpoints.indexOf(a.port) - endpoints.indexOf(b.port));
    };
    const settle = async (what: string) => {
      const r = (await h.ask({ op: 'drain', ms: SETTLE_MS }, SETTLE_MS + 5000)) as { out: [number, string][] };
      late(r.out, what);
    };
    /** Sends (or, without hex, only listens) and collects until quiet. */
    const exchange = async (port: number, hex: string | undefined, what: string) => {
      if (t0 === undefined) {
        await settle('the first frame');
      }
      const r = (await h.ask({ op: 'send', port, ...(hex !== undefined ? { hex } : {}), quiet: opts.quietMs ?? QUIET_MS, arpQuiet: ARP_QUIET_MS, max: MAX_MS }, MAX_MS + 10_000)) as
        { at: number; out: [number, string][]; stray: [number, string][]; ret?: number | string; error?: string };
      if (r.error) throw new Error(`${what}: send failed: ${r.error}`);
      late(r.stray, what);
      t0 ??= r.at;
      const out: OutFrame[] = r.out.map(([p, x], n) => ({ p, n, x })).sort((a, b) => a.p - b.p || a.n - b.n).map(({ p, x }) => ({ port: name(p), hex: x }));
      return { at: Math.round(r.at - t0), out, ...(r.ret !== undefined ? { ret: r.ret } : {}) };
    };
    const results: DevResult[] = [];
    for (let i = 0; i < sc.steps.length;) {
      const s = sc.steps[i];
      if ('sysctl' in s) {
        const kv: [string, string][] = [];
        for (; i < sc.steps.length && 'sysctl' in sc.steps[i]; i++) { kv.push((sc.steps[i] as { sysctl: [string, string] }).sysctl); results.push(null); }
        await sysctls(dut, kv);
        continue;
      }
      if ('ip' in s && !s.cls) {
        const lines: string[] = [];
        for (; i < sc.steps.length && 'ip' in sc.steps[i] && !(sc.steps[i] as { cls?: string }).cls; i++) { lines.push((sc.steps[i] as { ip: string }).ip); results.push(null); }
        await ipBatch(dut, lines);
        continue;
      }
      i++;
      if ('frame' in s) {
        const p = endpoints.indexOf(s.port);
        if (p < 0) throw new Error(`step ${i - 1}: unknown endpoint ${s.port}`);
        const answer = await exchange(p, s.frame, `step ${i - 1} (${s.case})`);
        results.push(answer);
        lastTimed = answer;
      } else if ('port' in s) {
        await addPort(dut, tester, s.port);
        const r = await h.ask({ op: 'open', name: `t${s.port.name}` }, 5000);
        endpoints[r.port as number] = s.port.name;
        results.push(null);
      } else if ('tun' in s) {
        const r = await h.ask({ op: 'tun', name: s.tun.name, tap: s.tun.tap, pi: s.tun.pi, netns: `/run/netns/${dut}` }, 5000);
        endpoints[r.port as number] = s.tun.name;
        results.push(null);
      } else if ('ip' in s) {
        const r = await run('ip', ['-n', dut, ...s.ip.trim().split(/\s+/)]);
        const a = { status: r.status, err: r.stderr };
        if (t0 === undefined) { results.push(a); continue; }
        const answer = { ...a, ...(await exchange(-1, undefined, `ip ${s.ip}`)) };
        results.push(answer);
        lastTimed = answer;
      } else {
        await settle('a query');
        const state = await queryState(dut, s.query, sc.ports.map((p) => p.name), sc.macs);
        if (t0 === undefined) { results.push({ state }); continue; }
        const after = await exchange(-1, undefined, 'query');
        if (after.out.length) throw new StrayFrames(`frames sent during a query: ${after.out.map((o) => o.port).join(', ')}`);
        results.push({ at: after.at, state });
        lastTimed = undefined; // the netpath runner keeps nothing sent after a query
      }
    }
    const last = (await h.ask({ op: 'drain', ms: STRAY_MS }, STRAY_MS + 5000)) as { out: [number, string][] };
    if (last.out.length) throw new StrayFrames(`stray frames after the last step: ${strayText(last.out)}`);
    return results;
  } finally {
    await helper?.stop();
    if (tester) await netnsDel(tester);
    await netnsDel(dut);
  }
}
