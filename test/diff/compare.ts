// The agreement metric between the kernel's answers and netpath's.
//
// An answer is what one ip step printed when run as a one-line batch
// (`ip -4 -force -j -batch -` with the line on stdin): its exact stdout (the
// one JSON line a successful show/get prints, else empty), its exact stderr
// with iproute2's `Command failed FILE:N` marker reduced to `Command failed`
// (it names the batch file), and its exit status (0 ok; 1 failed under
// -force, with the marker; any status without the marker means ip stopped,
// e.g. exit 255 on a parse error, which in a longer batch ends the batch).
// Score = answers equal in all three / all answers (ip steps only; sysctl
// steps are checked separately).
import type { Step } from './gen.js';

export interface Answer { out: string; err: string; status: number }

const FAILED = /^Command failed .*:\d+$/gm;

/** stderr with the batch file's name and line number taken out of `Command failed FILE:N`. */
export function normalizeErr(stderr: string): string {
  return stderr.replace(FAILED, 'Command failed');
}

/** Whether ip stopped at this command (a batch would end here). */
export const stopped = (a: Answer): boolean => a.status !== 0 && !/^Command failed$/m.test(a.err);

export function sameAnswer(a: Answer, b: Answer): boolean {
  return a.status === b.status && a.out === b.out && a.err === b.err;
}

/**
 * What `ip -force -j -batch FILE` prints for these lines, given each line's
 * own answer; lines after one where ip stops are not run.
 */
export function expectedRaw(answers: Answer[], file: string): { stdout: string; stderr: string; status: number } {
  let stdout = '', stderr = '', status = 0;
  for (let i = 0; i < answers.length; i++) {
    const a = answers[i];
    stdout += a.out;
    stderr += a.err.replace(/^Command failed$/m, `Command failed ${file}:${i + 1}`);
    if (stopped(a)) return { stdout, stderr, status: a.status };
    if (a.status !== 0) status = 1;
  }
  return { stdout, stderr, status };
}

export interface Mismatch { seed: number; step: number; cmd: string; kernel: Answer; netpath: Answer; cls: string }
export interface Result {
  total: number;
  matched: number;
  byKind: Map<string, { total: number; matched: number }>;
  mismatches: Mismatch[];
  sysctlMismatches: Mismatch[];
}

export function newResult(): Result {
  return { total: 0, matched: 0, byKind: new Map(), mismatches: [], sysctlMismatches: [] };
}

/** "route get (input)", "route add", "rule show", ... */
export function commandKind(cmd: string): string {
  const t = cmd.trim().split(/\s+/);
  const kind = `${t[0] ?? ''} ${t[1] ?? ''}`.trim();
  if (kind === 'route get') return t.includes('iif') ? 'route get (input)' : 'route get (output)';
  return kind;
}

function jsonKeysDiff(a: string, b: string): string | undefined {
  let x: unknown, y: unknown;
  try { x = JSON.parse(a); y = JSON.parse(b); } catch { return undefined; }
  if (!Array.isArray(x) || !Array.isArray(y)) return undefined;
  if (x.length !== y.length) return `${x.length} vs ${y.length} entries`;
  const keys = new Set<string>();
  for (let i = 0; i < x.length; i++) {
    const p = x[i] as Record<string, unknown>, q = y[i] as Record<string, unknown>;
    if (typeof p !== 'object' || typeof q !== 'object' || !p || !q) continue;
    for (const k of new Set([...Object.keys(p), ...Object.keys(q)])) {
      if (JSON.stringify(p[k]) !== JSON.stringify(q[k])) keys.add(k);
    }
    if (!keys.size && JSON.stringify(Object.keys(p)) !== JSON.stringify(Object.keys(q))) keys.add('(key order)');
  }
  return keys.size ? [...keys].sort().map((k) => '.' + k).join(' ') : 'order';
}

const firstLine = (s: string) => s.split('\n').find((l) => l && !/^Warning:/.test(l)) ?? '';
/** Strips numbers and quoted names so that error messages group into classes. */
const shape = (s: string) => firstLine(s).replace(/"[^"]*"/g, '"…"').replace(/\b\d+(\.\d+)*\b/g, 'N').slice(0, 80);

/** A short name for the way two answers differ, used to group mismatches. */
export function classify(cmd: string, k: Answer, n: Answer): string {
  const kind = commandKind(cmd);
  if (k.status !== n.status) {
    const say = (a: Answer) => (a.status === 0 ? 'ok' : `${a.status} "${shape(a.err)}"`);
    return `${kind}: kernel ${say(k)} / netpath ${say(n)}`;
  }
  if (k.err !== n.err) return `${kind}: stderr "${shape(k.err)}" / "${shape(n.err)}"`;
  const d = jsonKeysDiff(k.out, n.out);
  return `${kind}: stdout ${d ?? 'text'}`;
}

/** Adds one scenario's answers to the result. */
export function compareScenario(res: Result, seed: number, steps: Step[], kernel: Answer[], netpath: Answer[]): void {
  steps.forEach((s, i) => {
    const k = kernel[i], n = netpath[i] ?? { out: '', err: '(no answer)', status: -1 };
    if ('sysctl' in s) {
      if (!sameAnswer(k, n)) {
        res.sysctlMismatches.push({ seed, step: i, cmd: `sysctl ${s.sysctl.join('=')}`, kernel: k, netpath: n, cls: 'sysctl' });
      }
      return;
    }
    const kind = commandKind(s.ip);
    const bk = res.byKind.get(kind) ?? { total: 0, matched: 0 };
    res.byKind.set(kind, bk);
    res.total++; bk.total++;
    if (sameAnswer(k, n)) { res.matched++; bk.matched++; return; }
    res.mismatches.push({ seed, step: i, cmd: s.ip, kernel: k, netpath: n, cls: classify(s.ip, k, n) });
  });
}

export const score = (res: Result): number => (res.total ? res.matched / res.total : 1);

const fmtAnswer = (a: Answer) =>
  `status ${a.status}` + (a.err ? `\n      err: ${a.err.trimEnd().replace(/\n/g, '\n           ')}` : '') + (a.out ? `\n      out: ${a.out.trimEnd()}` : '');

/** A readable report: totals, agreement per command kind, top mismatch classes with an example, first mismatches. */
export function report(res: Result, opts: { classes?: number; examples?: number; title?: string } = {}): string {
  const L: string[] = [];
  const pct = (m: number, t: number) => (t ? ((100 * m) / t).toFixed(2) : '100.00') + '%';
  L.push(`${opts.title ?? 'routing differential'}: ${res.matched}/${res.total} answers agree (${pct(res.matched, res.total)})`);
  L.push('  by command:');
  for (const [k, v] of [...res.byKind].sort((a, b) => b[1].total - a[1].total)) {
    L.push(`    ${k.padEnd(22)} ${String(v.matched).padStart(6)}/${String(v.total).padEnd(6)} ${pct(v.matched, v.total)}`);
  }
  if (res.sysctlMismatches.length) L.push(`  sysctl steps that differ: ${res.sysctlMismatches.length} (first: ${res.sysctlMismatches[0].cmd}: kernel ${fmtAnswer(res.sysctlMismatches[0].kernel)} / netpath ${fmtAnswer(res.sysctlMismatches[0].netpath)})`);
  const classes = new Map<string, Mismatch[]>();
  for (const m of res.mismatches) { const c = classes.get(m.cls) ?? []; c.push(m); classes.set(m.cls, c); }
  const top = [...classes].sort((a, b) => b[1].length - a[1].length).slice(0, opts.classes ?? 15);
  if (top.length) L.push(`  top mismatch classes (${classes.size} in all):`);
  for (const [cls, ms] of top) {
    const m = ms[0];
    L.push(`  ${String(ms.length).padStart(5)} × ${cls}`);
    L.push(`      e.g. seed ${m.seed} step ${m.step}: ip ${m.cmd}`);
    L.push(`      kernel  ${fmtAnswer(m.kernel).replace(/\n/g, '\n  ')}`);
    L.push(`      netpath ${fmtAnswer(m.netpath).replace(/\n/g, '\n  ')}`);
  }
  const n = opts.examples ?? 0;
  if (n && res.mismatches.length) {
    L.push(`  first ${Math.min(n, res.mismatches.length)} mismatches:`);
    for (const m of res.mismatches.slice(0, n)) {
      L.push(`    seed ${m.seed} step ${m.step}: ip ${m.cmd}`);
      L.push(`      kernel  ${fmtAnswer(m.kernel).replace(/\n/g, '\n  ')}`);
      L.push(`      netpath ${fmtAnswer(m.netpath).replace(/\n/g, '\n  ')}`);
    }
  }
  return L.join('\n');
}
