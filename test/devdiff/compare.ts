// The agreement metric of the device-level differential test.
//
// Units, each counted for one class (macvlan / bridge / tun / conflict / veth):
//  - frame: one frame received on a port or written into a tun/tap queue. Its
//    outcome is every frame the DUT sent on any port and every packet read
//    from any tun/tap queue until quiet, compared as in the packet-level test
//    (test/pktdiff/compare.ts: per endpoint, arrival order within one,
//    originated IPv4 IDs and header checksums masked). A tun queue's packets
//    have no Ethernet header: for the comparison they get a made-up one (zero
//    MACs, type 0x0800, or the packet information header's flags and protocol
//    in the last 4 bytes when pi), so the same masking applies; a tap's packet
//    information header moves behind its frame. For a write,
//    write()'s answer (bytes written, or the errno's name) must agree too.
//  - ip: one `ip` command with a class: exit status and error text, and (after
//    the first frame) what was sent while it ran.
//  - link:DEV, stats:DEV, fdb:BR: per device, the answers of the queries (see
//    reduceState); MACs masked to the scenario's role names.
// Score = agreeing units / all units, per class and overall.
import { normalize, classify as classifyFrames } from '../pktdiff/compare.js';
import { describe as describeFrame, fromHex } from '../pktdiff/frames.js';
import type { OutFrame } from '../pktdiff/kernel.js';
import type { DevClass, DevScenario, DevStep, TunDef } from './gen.js';

export interface FrameAnswer { at: number; out: OutFrame[]; ret?: number | string }
export interface IpAnswer { status: number; err: string; at?: number; out?: OutFrame[] }
export interface LinkAnswer { [k: string]: unknown }
export interface DevState { link: Record<string, LinkAnswer | null>; stats: Record<string, unknown>; fdb: Record<string, unknown[] | null> }
export interface QueryAnswer { at?: number; state: DevState }
export type DevResult = FrameAnswer | IpAnswer | QueryAnswer | null;

// ---------------------------------------------------------------- state queries
type J = Record<string, unknown>;
const isMulticastMac = (m: string) => (parseInt(m.slice(0, 2), 16) & 1) === 1;
/** MAC -> role name (from the scenario), multicast/broadcast/zero as they are, any other unicast MAC -> "random". */
export function macMasker(macs: Record<string, string>): (m: string) => string {
  const byMac = new Map<string, string>();
  for (const [role, m] of Object.entries(macs)) if (!byMac.has(m)) byMac.set(m, role);
  return (m) => byMac.get(m) ?? (isMulticastMac(m) || m === '00:00:00:00:00:00' || !/^[0-9a-f:]{17}$/.test(m) ? m : 'random');
}

/**
 * The answers about devices `devs`, from `ip -j -d link show`, `ip -s -j link show` and `bridge -j fdb show` (parsed):
 * per device the deterministic `ip link` fields (a port's veth peer lives in the tester: its link fields are left out),
 * its stats64 counters, and per bridge its fdb (entries of its ports and its own, sorted). A device that does not
 * exist answers null.
 */
export function reduceState(devs: string[], ports: string[], macs: Record<string, string>, links: J[], stats: J[], fdb: J[]): DevState {
  const mask = macMasker(macs);
  const st: DevState = { link: {}, stats: {}, fdb: {} };
  for (const d of devs) {
    const l = links.find((x) => x.ifname === d);
    const s = stats.find((x) => x.ifname === d);
    if (!l) { st.link[d] = null; st.stats[d] = null; continue; }
    const li = (l.linkinfo ?? {}) as J, data = (li.info_data ?? {}) as J;
    const a: LinkAnswer = {};
    for (const k of ['flags', 'mtu', 'qdisc', 'master', 'operstate', 'linkmode', 'group', 'txqlen', 'link_type'] as const) if (l[k] !== undefined) a[k] = l[k];
    if (typeof l.address === 'string') a.address = mask(l.address);
    if (!ports.includes(d) && l.link !== undefined) a.link = l.link;
    if (li.info_kind !== undefined) a.kind = li.info_kind;
    if (li.info_slave_kind !== undefined) a.slave_kind = li.info_slave_kind;
    if (li.info_kind === 'macvlan') a.mode = data.mode;
    if (li.info_kind === 'tun') { a.type = data.type; a.pi = data.pi; }
    st.link[d] = a;
    st.stats[d] = s?.stats64 ?? null;
    if (li.info_kind === 'bridge') {
      const es = fdb.filter((e) => e.master === d || e.ifname === d).map((e) => {
        const o: J = { ...e, mac: mask(String(e.mac)) };
        return Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y)));
      });
      st.fdb[d] = es.map((e) => JSON.stringify(e)).sort().map((e) => JSON.parse(e));
    }
  }
  for (const d of devs) if (!(d in st.fdb) && !st.link[d] && /^br/.test(d)) st.fdb[d] = null;
  return st;
}

// ---------------------------------------------------------------- frames
const isTun = (sc: Pick<DevScenario, 'tuns'>, port: string) => sc.tuns.find((t) => t.name === port);
/** A tun queue's packet with a made-up Ethernet header (see the header comment); tap and port frames as they are. */
function asFrame(t: TunDef | undefined, hexs: string): string {
  if (!t || t.tap) return t?.pi ? hexs.slice(8) + hexs.slice(0, 8) : hexs;
  return t.pi ? '00000000000000000000' + hexs : '000000000000000000000000' + (hexs.startsWith('6') ? '86dd' : '0800') + hexs;
}
const asFrames = (sc: Pick<DevScenario, 'tuns'>, outs: OutFrame[]) => outs.map((o) => ({ port: o.port, hex: asFrame(isTun(sc, o.port), o.hex) }));

// ---------------------------------------------------------------- the score
export interface DevMismatch { seed: number; step: number; cls: DevClass; unit: string; why: string; kernel: unknown; netpath: unknown }
export interface DevCompare {
  total: number;
  matched: number;
  byClass: Map<string, { total: number; matched: number }>;
  byCase: Map<string, { total: number; matched: number }>;
  mismatches: DevMismatch[];
}
export const newDevResult = (): DevCompare => ({ total: 0, matched: 0, byClass: new Map(), byCase: new Map(), mismatches: [] });
export const devScore = (r: DevCompare): number => (r.total ? r.matched / r.total : 1);
export const classScore = (r: DevCompare, cls: string): { total: number; matched: number } => r.byClass.get(cls) ?? { total: 0, matched: 0 };

function count(res: DevCompare, cls: DevClass, kase: string, ok: boolean) {
  res.total++;
  if (ok) res.matched++;
  for (const [m, k] of [[res.byClass, cls], [res.byCase, kase]] as const) {
    const c = m.get(k) ?? { total: 0, matched: 0 };
    m.set(k, c);
    c.total++;
    if (ok) c.matched++;
  }
}
const canon = (x: unknown) => JSON.stringify(x ?? null);
/** Which keys of two objects differ. */
function diffKeys(a: unknown, b: unknown): string {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return `${canon(a)} vs ${canon(b)}`;
  const ks = [...new Set([...Object.keys(a as J), ...Object.keys(b as J)])].filter((k) => canon((a as J)[k]) !== canon((b as J)[k]));
  return ks.join(',');
}

/** Adds one scenario's comparison. `netpath` is aligned with sc.steps like `kernel` (a missing entry is a mismatch). */
export function compareDevices(res: DevCompare, sc: DevScenario, kernel: DevResult[], netpath: (DevResult | undefined)[]) {
  if (kernel.length !== sc.steps.length) throw new Error(`seed ${sc.seed}: ${kernel.length} kernel results for ${sc.steps.length} steps`);
  const order = [...sc.ports.map((p) => p.name), ...sc.tuns.map((t) => t.name)];
  const clsOf = (d: string) => sc.devices.find((x) => x.name === d)?.cls ?? 'veth';
  const miss = (step: number, cls: DevClass, unit: string, why: string, k: unknown, n: unknown) =>
    res.mismatches.push({ seed: sc.seed, step, cls, unit, why, kernel: k, netpath: n });
  sc.steps.forEach((s: DevStep, i) => {
    const k = kernel[i], n = netpath[i];
    if ('frame' in s) {
      const ka = k as FrameAnswer, na = n as FrameAnswer | undefined;
      const inj = { port: s.port, case: s.case, hex: asFrame(isTun(sc, s.port), s.frame) };
      let ok = !!na;
      let why = 'netpath gave no result';
      if (na) {
        const a = normalize(inj.hex, asFrames(sc, ka.out), order), b = normalize(inj.hex, asFrames(sc, na.out), order);
        const same = a.length === b.length && a.every((x, j) => x.port === b[j].port && x.hex === b[j].hex);
        const retOk = canon(ka.ret) === canon(na.ret);
        ok = same && retOk;
        why = !same ? classifyFrames(inj, asFrames(sc, ka.out), asFrames(sc, na.out), order) : `${s.case}: write returned ${canon(ka.ret)} / ${canon(na.ret)}`;
      }
      count(res, s.cls, s.case, ok);
      if (!ok) miss(i, s.cls, s.case, why, ka, na);
    } else if ('ip' in s && s.cls) {
      const ka = k as IpAnswer, na = n as IpAnswer | undefined;
      const kase = s.case ?? `${s.cls}/ip`;
      const sameOut = !ka.out || (!!na?.out && canon(normalize('', ka.out, order)) === canon(normalize('', na.out, order)));
      const ok = !!na && na.status === ka.status && na.err.trim() === ka.err.trim() && sameOut;
      count(res, s.cls, kase, ok);
      if (!ok) miss(i, s.cls, `ip ${s.ip}`, na ? `${kase}: exit ${ka.status} ${JSON.stringify(ka.err.trim())} / exit ${na.status} ${JSON.stringify(na.err.trim())}${sameOut ? '' : ' (frames differ)'}` : `${kase}: netpath gave no result`, ka, na);
    } else if ('query' in s) {
      const ks = (k as QueryAnswer).state, ns = (n as QueryAnswer | undefined)?.state;
      for (const d of s.query) {
        const cls = clsOf(d);
        for (const kind of ['link', 'stats', 'fdb'] as const) {
          if (!(d in ks[kind])) continue;
          const kv = ks[kind][d], nv = ns?.[kind][d];
          const ok = !!ns && canon(kv) === canon(nv);
          count(res, cls, `${cls}/${kind}`, ok);
          if (!ok) miss(i, cls, `${kind} ${d}`, ns ? `${cls}/${kind}: ${kv === null ? 'absent' : nv == null ? 'present' : diffKeys(kv, nv)}${nv === null && kv !== null ? ' (missing in netpath)' : ''}` : `${cls}/${kind}: netpath gave no result`, kv, nv);
        }
      }
    }
  });
}

const pct = (a: number, b: number) => `${b ? ((100 * a) / b).toFixed(2) : '100.00'}%`;
function show(x: unknown): string {
  if (x && typeof x === 'object' && 'out' in (x as J)) {
    const a = x as FrameAnswer;
    const fr = a.out.length ? a.out.map((o) => `\n        ${o.port}: ${o.hex.length > 24 && !/^(tun|tap)/.test(o.port) ? describeFrame(fromHex(o.hex)) : o.hex.slice(0, 80)}`).join('') : ' (nothing)';
    return ('status' in a ? ` exit ${(a as unknown as IpAnswer).status} ${JSON.stringify((a as unknown as IpAnswer).err.trim())}` : '') + (a.ret !== undefined ? ` ret ${a.ret}` : '') + fr;
  }
  return ' ' + JSON.stringify(x);
}

/** The score, per class and per case, the largest mismatch classes with examples. */
export function devReport(res: DevCompare, opts: { title?: string; classes?: number; examples?: number } = {}): string {
  const L: string[] = [];
  L.push(`${opts.title ? opts.title + ': ' : ''}${res.matched}/${res.total} frames and answers agree (${pct(res.matched, res.total)})`);
  L.push('  by class:');
  for (const [c, v] of [...res.byClass].sort((a, b) => a[0].localeCompare(b[0]))) L.push(`    ${c.padEnd(10)} ${String(v.matched).padStart(5)}/${String(v.total).padEnd(5)} ${pct(v.matched, v.total)}`);
  L.push('  by case:');
  for (const [c, v] of [...res.byCase].sort((a, b) => a[1].matched / a[1].total - b[1].matched / b[1].total || a[0].localeCompare(b[0]))) {
    L.push(`    ${c.padEnd(40)} ${String(v.matched).padStart(5)}/${String(v.total).padEnd(5)} ${pct(v.matched, v.total)}`);
  }
  const byWhy = new Map<string, DevMismatch[]>();
  for (const m of res.mismatches) byWhy.set(m.why, [...(byWhy.get(m.why) ?? []), m]);
  if (byWhy.size) {
    L.push(`  mismatch classes (${byWhy.size}):`);
    for (const [w, ms] of [...byWhy].sort((a, b) => b[1].length - a[1].length).slice(0, opts.classes ?? 20)) L.push(`    ${String(ms.length).padStart(5)}  ${w}`);
    L.push('  examples:');
    const seen = new Set<string>();
    for (const m of res.mismatches) {
      if (seen.has(m.why) || seen.size >= (opts.examples ?? 8)) continue;
      seen.add(m.why);
      L.push(`    seed ${m.seed} step ${m.step} (${m.unit})`, `      kernel:${show(m.kernel)}`, `      netpath:${show(m.netpath)}`);
    }
  }
  return L.join('\n');
}
