// The agreement metric of the packet-level differential test.
//
// Unit: one injected frame. Its outcome is the list of frames that came out
// of the DUT after it (on any port). Kernel and netpath agree on a frame when
// both lists are equal, byte for byte, after:
//
//  1. ordering: frames are compared port by port (ports in scenario order),
//     in arrival order within a port. The order between different ports is
//     not compared (two sockets on two veth ends give no reliable order).
//  2. masking, only in IPv4 packets the DUT originates (ICMP errors and
//     echo replies, TCP resets, fragments of those): an output packet is
//     "originated" unless it has the injected packet's source, destination,
//     protocol and IP ID (then it is the injected packet forwarded, or a
//     fragment of it, and nothing is masked). In an originated packet
//       - the IP ID is replaced by its ordinal among the distinct IDs of the
//         originated packets of this outcome (0, 1, ...), so its value is
//         masked but "the fragments of one reply share one ID" still counts;
//       - the IP header checksum is replaced by 0 when it is correct, and
//         left as it is when not (a wrong checksum still mismatches).
//     Nothing else needs masking: no other byte depends on the ID. L4
//     checksums (ICMP, TCP, UDP) do not cover the IP header (the pseudo
//     header has addresses, protocol and length only), and an ICMP error
//     quotes the packet that caused it as the DUT received or forwarded it
//     (ID and checksum set by the sender), never a packet the DUT originated
//     itself (errors about its own packets are delivered locally, not sent).
//     ARP frames carry no IP ID and are compared as they are.
//
// Score = frames whose outcomes agree / all injected frames.
import { checksum, decode, describe as describeFrame, fromHex, hex, rd16 } from './frames.js';
import type { Inject, PktScenario } from './gen.js';
import type { FrameResult, OutFrame } from './kernel.js';
import { REQUIRED, requiredOf } from './coverage.js';

/** Masks the outputs of one injected frame (see the header comment); returns them in comparison order. */
export function normalize(injectedHex: string, outs: OutFrame[], portOrder: string[]): OutFrame[] {
  const inj = decode(fromHex(injectedHex)).ip;
  const ids = new Map<number, number>();
  const sorted = outs.map((o, n) => ({ o, n })).sort((a, b) => portOrder.indexOf(a.o.port) - portOrder.indexOf(b.o.port) || a.n - b.n).map((x) => x.o);
  return sorted.map((o) => {
    const b = fromHex(o.hex);
    const d = decode(b);
    const ip = d.ip;
    if (!ip || ip.version !== 4 || ip.ihl < 5 || b.length < 14 + ip.ihl * 4) return o;
    const forwarded = inj && inj.src === ip.src && inj.dst === ip.dst && inj.proto === ip.proto && inj.id === ip.id;
    if (forwarded) return o;
    const m = b.slice();
    const hdrOk = checksum(m.subarray(14, 14 + ip.ihl * 4)) === 0;
    const id = rd16(m, 18);
    if (!ids.has(id)) ids.set(id, ids.size);
    const ord = ids.get(id)!;
    m[18] = ord >> 8; m[19] = ord & 255;
    if (hdrOk) { m[24] = 0; m[25] = 0; }
    return { port: o.port, hex: hex(m) };
  });
}

export function sameOutcome(f: Inject, kernel: OutFrame[], netpath: OutFrame[], portOrder: string[]): boolean {
  const a = normalize(f.hex, kernel, portOrder), b = normalize(f.hex, netpath, portOrder);
  return a.length === b.length && a.every((x, i) => x.port === b[i].port && x.hex === b[i].hex);
}

/** A short name for what a frame is, relative to the injected one: "ARP reply", "ICMP 3/1", "fwd", "fwd frag", "TCP RST"... */
export function frameKind(injectedHex: string, o: OutFrame): string {
  const inj = decode(fromHex(injectedHex)).ip;
  const d = decode(fromHex(o.hex));
  if (d.arp) return d.arp.op === 1 ? 'ARP request' : d.arp.op === 2 ? 'ARP reply' : `ARP op ${d.arp.op}`;
  if (!d.ip) return `ethertype 0x${d.type.toString(16)}`;
  const frag = d.ip.mf || d.ip.frag ? ' frag' : '';
  if (inj && inj.src === d.ip.src && inj.dst === d.ip.dst && inj.proto === d.ip.proto && inj.id === d.ip.id) return `fwd${frag}`;
  if (d.icmp) return `ICMP ${d.icmp.type}/${d.icmp.code}${frag}`;
  if (d.tcp) return `TCP${d.tcp.flags & 4 ? ' RST' : ''}${frag}`;
  return `IP proto ${d.ip.proto}${frag}`;
}

const FIELDS: [string, number, number][] = [
  ['eth.dst', 0, 6], ['eth.src', 6, 12], ['eth.type', 12, 14], ['ip.tos', 15, 16], ['ip.len', 16, 18], ['ip.id', 18, 20], ['ip.frag', 20, 22],
  ['ip.ttl', 22, 23], ['ip.proto', 23, 24], ['ip.csum', 24, 26], ['ip.src', 26, 30], ['ip.dst', 30, 34],
];
/** Which header field two frames first differ in (after masking). */
export function firstDiff(a: string, b: string): string {
  const x = fromHex(a), y = fromHex(b);
  if (x.length !== y.length) return `length ${x.length} vs ${y.length}`;
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  if (i === x.length) return 'same';
  const isIp = rd16(x, 12) === 0x0800;
  if (isIp) for (const [n, s, e] of FIELDS) if (i >= s && i < e) return n;
  if (!isIp && i < 14) return FIELDS.find(([, s, e]) => i >= s && i < e)?.[0] ?? `byte ${i}`;
  if (isIp) {
    const hl = (x[14] & 15) * 4;
    if (i < 14 + hl) return 'ip.options';
    const l4 = 14 + hl;
    const dx = decode(x);
    if (dx.icmp && i < l4 + 8) return ['icmp.type', 'icmp.code', 'icmp.csum', 'icmp.csum', 'icmp.rest', 'icmp.rest', 'icmp.rest', 'icmp.rest'][i - l4];
    if (dx.icmp) return 'icmp.quoted';
    return `l4 byte ${i - l4}`;
  }
  return `arp byte ${i - 14}`;
}

/** Why two outcomes differ, as a class name for grouping. */
export function classify(f: Inject, kernel: OutFrame[], netpath: OutFrame[], portOrder: string[]): string {
  const a = normalize(f.hex, kernel, portOrder), b = normalize(f.hex, netpath, portOrder);
  const kinds = (xs: OutFrame[]) => (xs.length ? xs.map((o) => `${frameKind(f.hex, o)}@${o.port}`).join(', ') : 'nothing');
  const ka = kinds(a), kb = kinds(b);
  if (ka !== kb) return `${f.case}: kernel [${ka}] / netpath [${kb}]`;
  const i = a.findIndex((x, j) => x.hex !== b[j].hex);
  return `${f.case}: ${frameKind(f.hex, a[i])}: ${firstDiff(a[i].hex, b[i].hex)}`;
}

export interface PktMismatch { seed: number; frame: number; case: string; note?: string; cls: string; kernel: OutFrame[]; netpath: OutFrame[] }
export interface PktResult {
  total: number;
  matched: number;
  byCase: Map<string, { total: number; matched: number }>;
  /** the same per required case (coverage.ts), for scenarios whose steps are known; a frame may count for several */
  required: Map<string, { total: number; matched: number }>;
  mismatches: PktMismatch[];
}
export const newPktResult = (): PktResult => ({ total: 0, matched: 0, byCase: new Map(), required: new Map(), mismatches: [] });
const tally = (m: PktResult['byCase'], key: string, ok: boolean) => {
  const c = m.get(key) ?? { total: 0, matched: 0 };
  m.set(key, c);
  c.total++;
  if (ok) c.matched++;
};
export const pktScore = (r: PktResult): number => (r.total ? r.matched / r.total : 1);

/** Adds one scenario's comparison to the result. */
export function compareScenario(res: PktResult, sc: Pick<PktScenario, 'seed' | 'ports' | 'frames'> & Partial<Pick<PktScenario, 'steps'>>, kernel: FrameResult[], netpath: FrameResult[]) {
  if (kernel.length !== sc.frames.length) throw new Error(`seed ${sc.seed}: ${kernel.length} kernel results for ${sc.frames.length} frames`);
  const order = sc.ports.map((p) => p.name);
  const required = sc.steps ? requiredOf({ steps: sc.steps, frames: sc.frames }) : [];
  sc.frames.forEach((f, i) => {
    const k = kernel[i].out, n = netpath[i]?.out ?? [];
    const ok = !!netpath[i] && sameOutcome(f, k, n, order);
    res.total++;
    tally(res.byCase, f.case, ok);
    for (const name of required[i] ?? []) tally(res.required, name, ok);
    if (ok) { res.matched++; return; }
    res.mismatches.push({ seed: sc.seed, frame: i, case: f.case, note: f.note, cls: netpath[i] ? classify(f, k, n, order) : `${f.case}: netpath gave no result`, kernel: k, netpath: n });
  });
}

const pct = (a: number, b: number) => `${b ? ((100 * a) / b).toFixed(2) : '100.00'}%`;
const show = (xs: OutFrame[]) => (xs.length ? xs.map((o) => `\n        ${o.port}: ${describeFrame(fromHex(o.hex))}`).join('') : ' (nothing)');

/** A readable report: the score, per-case agreement, the largest mismatch classes with examples. */
export function pktReport(res: PktResult, opts: { title?: string; classes?: number; examples?: number } = {}): string {
  const L: string[] = [];
  L.push(`${opts.title ? opts.title + ': ' : ''}${res.matched}/${res.total} frames agree (${pct(res.matched, res.total)})`);
  const cases = [...res.byCase].sort((a, b) => (a[1].matched / a[1].total) - (b[1].matched / b[1].total) || a[0].localeCompare(b[0]));
  L.push('  by case:');
  const row = (c: string, v: { total: number; matched: number }, w: number) => `    ${c.padEnd(w)} ${String(v.matched).padStart(5)}/${String(v.total).padEnd(5)} ${v.total ? pct(v.matched, v.total) : 'NOT COVERED'}`;
  for (const [c, v] of cases) L.push(row(c, v, 28));
  if (res.required.size) {
    L.push('  required cases (test/pktdiff/coverage.ts; agreed/frames):');
    for (const { name } of REQUIRED) {
      const v = res.required.get(name) ?? { total: 0, matched: 0 };
      L.push(row(name, v, 34));
    }
  }
  const byCls = new Map<string, PktMismatch[]>();
  for (const m of res.mismatches) byCls.set(m.cls, [...(byCls.get(m.cls) ?? []), m]);
  if (byCls.size) {
    L.push(`  mismatch classes (${byCls.size}):`);
    for (const [cls, ms] of [...byCls].sort((a, b) => b[1].length - a[1].length).slice(0, opts.classes ?? 15)) L.push(`    ${String(ms.length).padStart(5)}  ${cls}`);
    L.push('  examples:');
    const seen = new Set<string>();
    for (const m of res.mismatches) {
      if (seen.has(m.cls) || seen.size >= (opts.examples ?? 8)) continue;
      seen.add(m.cls);
      L.push(`    seed ${m.seed} frame ${m.frame} (${m.case}${m.note ? `, ${m.note}` : ''})`, `      kernel:${show(m.kernel)}`, `      netpath:${show(m.netpath)}`);
    }
  }
  return L.join('\n');
}
