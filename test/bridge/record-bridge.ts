// Records the kernel's answers for the bridge as fixtures (see bridge-diff.test.ts):
//
//   npx tsx test/bridge/record-bridge.ts [--from 1] [--seeds 40] [--scripts 12]
//
// Packet scenarios (gen.ts) go to test/fixtures/bridge/seed-NNNN.json in the
// packet differential's fixture format; the hand-written scripts and random
// scripts 1..N (scripts.ts) with the kernel's answers to
// test/fixtures/bridge/answers.json. Needs root, iproute2 and python3.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canRunPackets, runPacketsKernel } from '../pktdiff/kernel.js';
import { pktFixtureName, pktFixtureText } from '../pktdiff/record.js';
import { generateBridge } from './gen.js';
import { SCRIPTS, randomScript, runScriptKernel, type Answer } from './scripts.js';

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'bridge');
export interface AnswerFixture { name: string; answers: Answer[] }

async function main() {
  const args = process.argv.slice(2);
  const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : Number(def); };
  const from = opt('from', '1'), n = opt('seeds', '40'), scripts = opt('scripts', '12');
  const can = canRunPackets();
  if (!can.ok) { console.error(`cannot record: ${can.reason}`); process.exit(2); }
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const seeds: number[] = [];
  for (let seed = from; seed < from + n; seed++) {
    const sc = generateBridge(seed);
    const kernel = await runPacketsKernel(sc);
    writeFileSync(join(FIXTURE_DIR, pktFixtureName(seed)), pktFixtureText({ ...sc, kernel }));
    seeds.push(seed);
    process.stderr.write(`seed ${seed}: ${sc.frames.length} frames\n`);
  }
  const answers: AnswerFixture[] = [];
  for (const s of [...SCRIPTS, ...Array.from({ length: scripts }, (_, i) => randomScript(i + 1))]) {
    answers.push({ name: s.name, answers: await runScriptKernel(s) });
    process.stderr.write(`script ${s.name}\n`);
  }
  writeFileSync(join(FIXTURE_DIR, 'answers.json'), '[\n' + answers.map((a) => JSON.stringify(a)).join(',\n') + '\n]\n');
  writeFileSync(join(FIXTURE_DIR, 'index.json'), JSON.stringify({ seeds, scripts: answers.map((a) => a.name), kernel: (await import('node:os')).release() }, null, 1) + '\n');
}

if (process.argv[1] && /record-bridge\.ts$/.test(process.argv[1])) await main();
