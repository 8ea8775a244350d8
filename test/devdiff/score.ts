// Measures netpath's agreement with the kernel on device scenarios and prints the report.
//
//   npx tsx test/devdiff/score.ts [--fixtures]                the committed fixtures (test/fixtures/devices)
//   npx tsx test/devdiff/score.ts --from N --seeds K [--jobs 2]
//                                                            fresh seeds, live kernel (root, namespaces)
// Options: --classes N (mismatch classes shown), --examples N (mismatches shown with both answers).
// Agreement per class (macvlan / bridge / tun / conflict / veth) and per case; exit 1 under 95%.
// Needs the wasm build (npm run build:wasm).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DevResult, classScore, compareDevices, devReport, devScore, newDevResult } from './compare.js';
import { DEV_CLASSES, type DevScenario, generateDevices } from './gen.js';
import { canRunDevices, runDevicesKernel } from './kernel.js';
import { devSetupGaps, probeNetpathDevices, runDevicesNetpath } from './netpath.js';
import { devFixtureName, parseDevFixture } from './record.js';

const args = process.argv.slice(2);
const opt = (name: string, def?: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const times = (k: DevResult[]) => k.map((r) => (r && 'at' in r ? r.at : undefined));
const res = newDevResult();
let title: string;
const probe = await probeNetpathDevices();
for (const [cls, p] of Object.entries(probe)) if (!p.ok) console.log(`netpath has no ${cls} yet: ${p.reason}`);
if (opt('from') === undefined) {
  const dir = join('test', 'fixtures', 'devices');
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { seeds: number[] };
  for (const seed of index.seeds) {
    const f = parseDevFixture(readFileSync(join(dir, devFixtureName(seed)), 'utf8'));
    compareDevices(res, f, f.kernel, await runDevicesNetpath(f, times(f.kernel)));
  }
  title = `fixtures (${index.seeds.length} seeds)`;
} else {
  const can = canRunDevices();
  if (!can.ok) { console.error(`no network namespace: ${can.reason}`); process.exit(2); }
  const from = Number(opt('from')), n = Number(opt('seeds', '20')), jobs = Number(opt('jobs', '2'));
  let next = from;
  const out: { sc: DevScenario; k: DevResult[] }[] = [];
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (next < from + n) { const sc = generateDevices(next++); out.push({ sc, k: await runDevicesKernel(sc) }); }
  }));
  out.sort((a, b) => a.sc.seed - b.sc.seed);
  for (const { sc, k } of out) compareDevices(res, sc, k, await runDevicesNetpath(sc, times(k)));
  title = `fresh seeds ${from}..${from + n - 1}`;
}
console.log(devReport(res, { title, classes: Number(opt('classes', '25')), examples: Number(opt('examples', '8')) }));
if (devSetupGaps.size) {
  console.log('  setup netpath refused (not scored):');
  for (const [g, c] of [...devSetupGaps].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`    ${String(c).padStart(5)}  ${g}`);
}
const below = DEV_CLASSES.filter((c) => { const s = classScore(res, c); return s.total && s.matched / s.total < 0.95; });
process.exitCode = devScore(res) >= 0.95 && !below.length ? 0 : 1;
