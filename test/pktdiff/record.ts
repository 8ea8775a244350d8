// Records the real kernel's packet outcomes for generated scenarios as fixtures.
//
//   npm run record:packets -- [--from 1] [--seeds 200] [--jobs 2] [--out test/fixtures/packets] [--verify] [--dry]
//
// Needs root, iproute2 and python3 (each seed runs in its own pair of
// throwaway namespaces). --verify runs every seed a second time and reports
// every frame whose outcome differs between the two runs (after the masking
// compare.ts applies): the recording's own determinism check. A seed whose
// run sees stray frames is retried once, then reported and left out.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareScenario, newPktResult, pktReport } from './compare.js';
import { generatePackets, type PktScenario } from './gen.js';
import { ARP_QUIET_MS, MAX_MS, QUIET_MS, type FrameResult, canRunPackets, kernelFacts, runPacketsKernel } from './kernel.js';

export interface PktFixture extends PktScenario { kernel: FrameResult[] }

/** One step, frame or result per line, for reviewable diffs. */
export function pktFixtureText(f: PktFixture): string {
  const lines = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join(',\n');
  return `{\n"seed": ${f.seed},\n"gen": ${f.gen},\n"ports": ${JSON.stringify(f.ports)},\n"steps": [\n${lines(f.steps)}\n],\n` +
    `"frames": [\n${lines(f.frames)}\n],\n"kernel": [\n${lines(f.kernel)}\n]\n}\n`;
}
export const parsePktFixture = (text: string): PktFixture => JSON.parse(text) as PktFixture;
export const pktFixtureName = (seed: number) => `seed-${String(seed).padStart(4, '0')}.json`;

async function main() {
  const args = process.argv.slice(2);
  const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
  const flag = (name: string) => args.includes(`--${name}`);
  const from = Number(opt('from', '1')), n = Number(opt('seeds', '200')), jobs = Number(opt('jobs', '2'));
  const out = opt('out', join('test', 'fixtures', 'packets'));
  const dry = flag('dry'), verify = flag('verify');
  const can = canRunPackets();
  if (!can.ok) { console.error(`cannot record: ${can.reason}`); process.exit(2); }
  if (!dry) mkdirSync(out, { recursive: true });
  const seeds = Array.from({ length: n }, (_, i) => from + i);
  const done: PktFixture[] = [];
  const failed: string[] = [];
  const check = newPktResult();
  let next = 0, bytes = 0, count = 0;
  const t0 = Date.now();
  const once = async (sc: PktScenario): Promise<FrameResult[]> => {
    try { return await runPacketsKernel(sc); } catch (e) {
      process.stderr.write(`  seed ${sc.seed}: ${(e as Error).message}; retrying\n`);
      return await runPacketsKernel(sc);
    }
  };
  async function worker() {
    while (next < seeds.length) {
      const seed = seeds[next++];
      const sc = generatePackets(seed);
      try {
        const kernel = await once(sc);
        const f = { ...sc, kernel };
        done.push(f);
        if (!dry) { const t = pktFixtureText(f); bytes += t.length; writeFileSync(join(out, pktFixtureName(seed)), t); }
        if (verify) compareScenario(check, sc, kernel, await once(sc));
      } catch (e) {
        failed.push(`seed ${seed}: ${(e as Error).message}`);
      }
      const finished = ++count;
      if (finished % 20 === 0 || finished === seeds.length) process.stderr.write(`  ${finished}/${seeds.length} seeds (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  }
  await Promise.all(Array.from({ length: jobs }, worker));
  const secs = (Date.now() - t0) / 1000;
  done.sort((a, b) => a.seed - b.seed);
  const frames = done.reduce((a, f) => a + f.frames.length, 0);
  if (!dry) {
    const index = {
      recordedWith: { ...kernelFacts(), quietMs: QUIET_MS, arpQuietMs: ARP_QUIET_MS, maxMs: MAX_MS },
      seeds: done.map((f) => f.seed),
      frames,
      recordSeconds: Math.round(secs),
      jobs,
    };
    writeFileSync(join(out, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  }
  console.log(`${done.length} seeds, ${frames} frames, ${secs.toFixed(1)} s with ${jobs} jobs` + (dry ? ' (dry run)' : `, ${(bytes / 1e6).toFixed(2)} MB -> ${out}`));
  if (failed.length) { console.log(`${failed.length} seeds failed:\n${failed.join('\n')}`); process.exitCode = 1; }
  if (verify) {
    console.log(pktReport(check, { title: 'verify (kernel vs kernel, second run)' }));
    if (check.matched !== check.total) process.exitCode = 1;
  }
}

if (process.argv[1] && /record\.ts$/.test(process.argv[1])) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
