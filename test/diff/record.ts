// Records the real kernel's answers to generated scenarios as fixtures.
//
//   npm run record:routing -- [--from 1] [--seeds 300] [--jobs 2] [--out test/fixtures/routing] [--verify] [--stats] [--add]
//
// Needs root and iproute2 (each seed runs in its own throwaway namespace).
// --verify runs every seed a second time, one command per process again and
// also as real multi-line batches, and reports any answer that differs
// (nondeterminism, or a batch whose output is not the sum of its commands').
// --stats prints the mix (how many route gets succeed, the most common
// errors) without writing fixtures when combined with --dry.
// --add keeps the fixtures already in the index and adds these seeds to it (noting
// the versions they were recorded with under `added`), rather than starting anew.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, type Scenario } from './gen.js';
import { canMakeNamespace, runScenarioBatches, runScenarioKernel, versions } from './kernel.js';
import { type Answer, commandKind, expectedRaw, sameAnswer, stopped } from './compare.js';

export interface Fixture extends Scenario { answers: Answer[] }

/**
 * Serializes a fixture with one step / one answer per line (reviewable diffs).
 * An answer's stdout is stored as `json` (the parsed value) when it is one
 * line of JSON that re-serializes to exactly the same text, else as `out`.
 */
export function fixtureText(f: Fixture): string {
  const ans = (a: Answer) => {
    const o: Record<string, unknown> = { status: a.status };
    if (a.out) {
      let v: unknown;
      try { v = JSON.parse(a.out); } catch { v = undefined; }
      if (v !== undefined && JSON.stringify(v) + '\n' === a.out) o.json = v;
      else o.out = a.out;
    }
    if (a.err) o.err = a.err;
    return JSON.stringify(o);
  };
  return `{\n"seed": ${f.seed},\n"gen": ${f.gen},\n"steps": [\n${f.steps.map((s) => JSON.stringify(s)).join(',\n')}\n],\n` +
    `"answers": [\n${f.answers.map(ans).join(',\n')}\n]\n}\n`;
}

/** Reads a fixture back. */
export function parseFixture(text: string): Fixture {
  const f = JSON.parse(text) as Scenario & { answers: { status: number; json?: unknown; out?: string; err?: string }[] };
  return {
    ...f,
    answers: f.answers.map((a) => ({ status: a.status, out: a.json !== undefined ? JSON.stringify(a.json) + '\n' : a.out ?? '', err: a.err ?? '' })),
  };
}

export const fixtureName = (seed: number) => `seed-${String(seed).padStart(4, '0')}.json`;

function firstDiff(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const line = a.slice(0, i).split('\n').length;
  return `from line ${line}: want ${JSON.stringify(a.slice(i, i + 100))} got ${JSON.stringify(b.slice(i, i + 100))}`;
}

async function verifySeed(sc: Scenario, answers: Answer[]): Promise<{ problems: string[]; batchClean: boolean }> {
  const problems: string[] = [];
  let batchClean = true;
  const again = await runScenarioKernel(sc);
  sc.steps.forEach((s, i) => {
    if (!sameAnswer(answers[i], again[i])) problems.push(`seed ${sc.seed} step ${i} not deterministic: ${JSON.stringify(s)}\n  1st ${JSON.stringify(answers[i])}\n  2nd ${JSON.stringify(again[i])}`);
  });
  const exits = new Set(answers.flatMap((a, i) => (stopped(a) ? [i] : [])));
  for (const part of await runScenarioBatches(sc, exits)) {
    const want = expectedRaw(answers.slice(part.start, part.start + part.lines.length), '-');
    if (want.stdout !== part.raw.stdout || want.stderr !== part.raw.stderr || want.status !== part.raw.status) {
      batchClean = false;
      problems.push(`seed ${sc.seed} batch at step ${part.start} (${part.lines.length} lines) differs from its commands run one by one: ` +
        (want.status !== part.raw.status ? `status ${want.status} vs ${part.raw.status}; ` : '') +
        (['stdout', 'stderr'] as const).filter((k) => want[k] !== part.raw[k]).map((k) => `${k} ${firstDiff(want[k], part.raw[k])}`).join('; '));
    }
  }
  return { problems, batchClean };
}

function stats(all: { sc: Scenario; answers: Answer[] }[]): string {
  const kinds = new Map<string, { n: number; ok: number; errs: Map<string, number> }>();
  for (const { sc, answers } of all) {
    sc.steps.forEach((s, i) => {
      if (!('ip' in s)) return;
      const k = commandKind(s.ip);
      const e = kinds.get(k) ?? { n: 0, ok: 0, errs: new Map() };
      kinds.set(k, e);
      e.n++;
      if (answers[i].status === 0) e.ok++;
      else {
        const msg = answers[i].err.split('\n').filter((l) => l && !l.startsWith('Warning') && l !== 'Command failed').join(' ').replace(/"[^"]*"/g, '"…"').slice(0, 70);
        e.errs.set(msg, (e.errs.get(msg) ?? 0) + 1);
      }
    });
  }
  const L: string[] = [];
  for (const [k, e] of [...kinds].sort((a, b) => b[1].n - a[1].n)) {
    L.push(`${k.padEnd(20)} ${e.n} commands, ${((100 * e.ok) / e.n).toFixed(1)}% ok`);
    for (const [m, c] of [...e.errs].sort((a, b) => b[1] - a[1]).slice(0, 8)) L.push(`    ${String(c).padStart(5)}  ${m}`);
  }
  return L.join('\n');
}

/** the index `old` with the seeds (and batch-clean seeds) of `add`, which notes its versions under `added` */
function addToIndex(old: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  const merge = (a: unknown, b: unknown) => [...new Set([...((a as number[]) ?? []), ...((b as number[]) ?? [])])].sort((x, y) => x - y);
  const out: Record<string, unknown> = { ...old, seeds: merge(old.seeds, add.seeds) };
  // without a batchClean list every seed is clean; seeds recorded without --verify are not known to be
  if (old.batchClean || add.batchClean) out.batchClean = merge(old.batchClean ?? old.seeds, add.batchClean);
  out.added = [...((old.added as unknown[]) ?? []), { seeds: add.seeds, ...(add.recordedWith as object) }];
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
  const flag = (name: string) => args.includes(`--${name}`);
  const from = Number(opt('from', '1')), n = Number(opt('seeds', '300')), jobs = Number(opt('jobs', '2'));
  const out = opt('out', join('test', 'fixtures', 'routing'));
  const dry = flag('dry'), verify = flag('verify');
  const can = canMakeNamespace();
  if (!can.ok) { console.error(`cannot record: ${can.reason}`); process.exit(2); }
  if (!dry) mkdirSync(out, { recursive: true });
  const seeds = Array.from({ length: n }, (_, i) => from + i);
  const all: { sc: Scenario; answers: Answer[] }[] = [];
  const problems: string[] = [];
  const batchClean: number[] = [];
  let next = 0, done = 0;
  const t0 = Date.now();
  async function worker() {
    while (next < seeds.length) {
      const seed = seeds[next++];
      const sc = generate(seed);
      const answers = await runScenarioKernel(sc);
      all.push({ sc, answers });
      if (!dry) writeFileSync(join(out, fixtureName(seed)), fixtureText({ ...sc, answers }));
      if (verify) {
        const v = await verifySeed(sc, answers);
        problems.push(...v.problems);
        if (v.batchClean) batchClean.push(seed);
      }
      if (++done % 25 === 0) process.stderr.write(`  ${done}/${seeds.length} seeds (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  }
  await Promise.all(Array.from({ length: jobs }, worker));
  all.sort((a, b) => a.sc.seed - b.sc.seed);
  if (!dry) {
    const v = versions();
    const file = join(out, 'index.json');
    const index: Record<string, unknown> = { recordedWith: { iproute2: v.iproute2, kernel: v.kernel }, seeds: all.map((x) => x.sc.seed) };
    if (verify) index.batchClean = batchClean.sort((a, b) => a - b);
    writeFileSync(file, JSON.stringify(flag('add') && existsSync(file) ? addToIndex(JSON.parse(readFileSync(file, 'utf8')), index) : index) + '\n');
  }
  const nAnswers = all.reduce((a, x) => a + x.sc.steps.filter((s) => 'ip' in s).length, 0);
  console.log(`${all.length} seeds, ${nAnswers} ip answers, ${((Date.now() - t0) / 1000).toFixed(1)} s${dry ? ' (dry run)' : ` -> ${out}`}`);
  if (flag('stats')) console.log(stats(all));
  if (verify) {
    console.log(problems.length ? `verify: ${problems.length} problems\n${problems.slice(0, 30).join('\n')}` : 'verify: every answer reproduced, and batches equal their commands run one by one');
    if (problems.length) process.exitCode = 1;
  }
}

if (process.argv[1] && /record\.ts$/.test(process.argv[1])) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
