// Measures netpath's agreement with the kernel and prints the report.
//
//   npx tsx test/diff/score.ts                      the committed fixtures
//   npx tsx test/diff/score.ts --from 5000000 --seeds 200 [--jobs 2]
//                                                   fresh seeds, live kernel (root)
// Options: --classes N (mismatch classes shown), --examples N (mismatches listed).
// Needs the wasm build (npm run build:wasm).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Box } from '../../src/box.js';
import { type Answer, compareScenario, newResult, report, score } from './compare.js';
import { generate, type Scenario } from './gen.js';
import { canMakeNamespace, runScenarioKernel } from './kernel.js';
import { runScenarioNetpath } from './netpath.js';
import { fixtureName, parseFixture } from './record.js';

const args = process.argv.slice(2);
const opt = (name: string, def?: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const create = () => Box.create();
const res = newResult();
let title: string;
if (opt('from') === undefined) {
  const dir = join('test', 'fixtures', 'routing');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { seeds: number[] };
  for (const seed of index.seeds) {
    const f = parseFixture(readFileSync(join(dir, fixtureName(seed)), 'utf8'));
    compareScenario(res, seed, f.steps, f.answers, await runScenarioNetpath(create, f));
  }
  title = `fixtures (${index.seeds.length} seeds)`;
} else {
  const can = canMakeNamespace();
  if (!can.ok) { console.error(`no network namespace: ${can.reason}`); process.exit(2); }
  const from = Number(opt('from')), n = Number(opt('seeds', '100')), jobs = Number(opt('jobs', '2'));
  let next = from;
  const out: { sc: Scenario; k: Answer[]; p: Answer[] }[] = [];
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (next < from + n) {
      const sc = generate(next++);
      const k = await runScenarioKernel(sc);
      out.push({ sc, k, p: await runScenarioNetpath(create, sc) });
    }
  }));
  out.sort((a, b) => a.sc.seed - b.sc.seed);
  for (const { sc, k, p } of out) compareScenario(res, sc.seed, sc.steps, k, p);
  title = `fresh seeds ${from}..${from + n - 1}`;
}
console.log(report(res, { title, classes: Number(opt('classes', '25')), examples: Number(opt('examples', '0')) }));
process.exitCode = score(res) >= 0.99 ? 0 : 1;
