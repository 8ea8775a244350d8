// Differential test of routing configuration and decisions against the real
// kernel (see test/diff/README.md).
//  (a) every committed fixture (kernel answers recorded by test/diff/record.ts)
//      is replayed through netpath; agreement must be >= 99%.
//  (b) where a network namespace can be made: fresh seeds, never used for
//      fixtures, through both the kernel and netpath; >= 99% too. The seeds
//      are printed; NPDIFF_BASE=<base> NPDIFF_SEEDS=<n> reproduce a run.
//  (c) the command line (`node dist/cli.js ip -4 -force -j -batch FILE`) prints
//      what the library prints for the same file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Box } from '../src/box.js';
import { compareScenario, expectedRaw, newResult, report, score } from './diff/compare.js';
import { generate, groups } from './diff/gen.js';
import { canMakeNamespace, runScenarioKernel } from './diff/kernel.js';
import { BATCH_ARGS, runScenarioNetpath } from './diff/netpath.js';
import { type Fixture, parseFixture } from './diff/record.js';

const BAR = 0.99;
const root = join(import.meta.dirname, '..');
const fixDir = join(root, 'test', 'fixtures', 'routing');
const index = JSON.parse(readFileSync(join(fixDir, 'index.json'), 'utf8')) as { seeds: number[]; batchClean?: number[] };
const fixtures: Fixture[] = index.seeds.map((s) => parseFixture(readFileSync(join(fixDir, `seed-${String(s).padStart(4, '0')}.json`), 'utf8')));
const create = () => Box.create();

describe('routing differential against the kernel', () => {
  it(`replays ${fixtures.length} recorded kernel scenarios: agreement >= ${BAR * 100}%`, async () => {
    expect(fixtures.length).toBeGreaterThan(0);
    const res = newResult();
    for (const f of fixtures) compareScenario(res, f.seed, f.steps, f.answers, await runScenarioNetpath(create, f));
    console.log(report(res, { title: `recorded fixtures (${fixtures.length} seeds)`, classes: 20, examples: 10 }));
    expect(score(res)).toBeGreaterThanOrEqual(BAR);
  }, 300_000);

  const can = canMakeNamespace();
  // seeds far above the fixtures' (1..N), different every minute unless pinned
  const base = Number(process.env.NPDIFF_BASE ?? 1_000_000 + (Math.floor(Date.now() / 60_000) % 100_000_000) * 10);
  const n = Number(process.env.NPDIFF_SEEDS ?? 30);
  it.runIf(can.ok)(`fresh seeds ${base}..${base + n - 1} through the kernel and netpath: agreement >= ${BAR * 100}% (NPDIFF_BASE=${base})`, async () => {
    expect(index.seeds.some((s) => s >= base && s < base + n)).toBe(false);
    const res = newResult();
    for (let seed = base; seed < base + n; seed++) {
      const sc = generate(seed);
      compareScenario(res, seed, sc.steps, await runScenarioKernel(sc), await runScenarioNetpath(create, sc));
    }
    console.log(report(res, { title: `fresh seeds ${base}..${base + n - 1} (NPDIFF_BASE=${base} NPDIFF_SEEDS=${n})`, classes: 20, examples: 10 }));
    expect(score(res)).toBeGreaterThanOrEqual(BAR);
  }, 300_000);
  it.skipIf(can.ok)(`fresh seeds through the kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});

  const cli = join(root, 'dist', 'cli.js');
  it('the command line prints what the library prints for a whole batch file', async () => {
    expect(existsSync(cli), `${cli} missing: run npm run build`).toBe(true);
    // a fixture whose first batch runs from a fresh namespace (no sysctl step before it),
    // where the kernel printed for the whole file what it printed line by line
    const clean = new Set(index.batchClean ?? index.seeds);
    const f = fixtures.filter((x) => clean.has(x.seed) && 'ip' in x.steps[0])
      .sort((a, b) => (groups(b)[0] as { lines: string[] }).lines.length - (groups(a)[0] as { lines: string[] }).lines.length)[0];
    expect(f, 'a fixture that starts with a batch').toBeDefined();
    const g = groups(f)[0] as { start: number; lines: string[] };
    const dir = mkdtempSync(join(tmpdir(), 'npdiff-cli-'));
    try {
      const file = join(dir, 'routing.batch');
      const text = g.lines.join('\n') + '\n';
      writeFileSync(file, text);
      const r = spawnSync(process.execPath, [cli, 'ip', ...BATCH_ARGS, file], { cwd: dir, env: { ...process.env, HOME: dir }, encoding: 'utf8' });
      const box = await create();
      const lib = box.ip([...BATCH_ARGS, file], { readFile: () => text });
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: lib.status, stdout: lib.stdout, stderr: lib.stderr });
      // and how that text compares with the kernel's, for the record
      const kernel = expectedRaw(f.answers.slice(g.start, g.start + g.lines.length), file);
      const same = kernel.stdout === r.stdout && kernel.stderr === r.stderr && kernel.status === r.status;
      console.log(`seed ${f.seed}: ${g.lines.length}-line batch through the CLI: ${same ? 'identical to' : 'differs from'} the kernel's`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
