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

/** What a fixture recorder needs to know about its harness (shared by the packet and device recorders). */
export interface Recorder<S extends { seed: number }, R> {
  defaultOut: string;
  canRun(): { ok: boolean; reason: string };
  generate(seed: number): S;
  run(sc: S): Promise<R>;
  /** the fixture file's text */
  text(sc: S, result: R): string;
  /** what the summary counts per scenario ("frames") */
  units(sc: S): number;
  /** --verify: compares a second run with the first; report() says how it went, ok() whether they agreed */
  verify: { add(sc: S, first: R, second: R): void; report(): string; ok(): boolean };
  /** index.json's "recordedWith" */
  facts(): Record<string, unknown>;
}

/** The recorder's command line: --from N --seeds K --jobs J --out DIR --verify --dry. */
export async function recordMain<S extends { seed: number }, R>(rec: Recorder<S, R>, args: string[]) {
  const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
  const flag = (name: string) => args.includes(`--${name}`);
  const from = Number(opt('from', '1')), n = Number(opt('seeds', '200')), jobs = Number(opt('jobs', '2'));
  const out = opt('out', rec.defaultOut);
  const dry = flag('dry'), verify = flag('verify');
  const can = rec.canRun();
  if (!can.ok) { console.error(`cannot record: ${can.reason}`); process.exit(2); }
  if (!dry) mkdirSync(out, { recursive: true });
  const seeds = Array.from({ length: n }, (_, i) => from + i);
  const done: S[] = [];
  const failed: string[] = [];
  let next = 0, bytes = 0, count = 0;
  const t0 = Date.now();
  const once = async (sc: S): Promise<R> => {
    try { return await rec.run(sc); } catch (e) {
      process.stderr.write(`  seed ${sc.seed}: ${(e as Error).message}; retrying\n`);
      return await rec.run(sc);
    }
  };
  async function worker() {
    while (next < seeds.length) {
      const seed = seeds[next++];
      const sc = rec.generate(seed);
      try {
        const result = await once(sc);
        done.push(sc);
        if (!dry) { const t = rec.text(sc, result); bytes += t.length; writeFileSync(join(out, pktFixtureName(seed)), t); }
        if (verify) rec.verify.add(sc, result, await once(sc));
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
  const frames = done.reduce((a, f) => a + rec.units(f), 0);
  if (!dry) {
    const index = { recordedWith: rec.facts(), seeds: done.map((f) => f.seed), frames, recordSeconds: Math.round(secs), jobs };
    writeFileSync(join(out, 'index.json'), JSON.stringify(index, null, 1) + '\n');
  }
  console.log(`${done.length} seeds, ${frames} frames, ${secs.toFixed(1)} s with ${jobs} jobs` + (dry ? ' (dry run)' : `, ${(bytes / 1e6).toFixed(2)} MB -> ${out}`));
  if (failed.length) { console.log(`${failed.length} seeds failed:\n${failed.join('\n')}`); process.exitCode = 1; }
  if (verify) {
    console.log(rec.verify.report());
    if (!rec.verify.ok()) process.exitCode = 1;
  }
}

const check = newPktResult();
const packets: Recorder<PktScenario, FrameResult[]> = {
  defaultOut: join('test', 'fixtures', 'packets'),
  canRun: canRunPackets,
  generate: generatePackets,
  run: (sc) => runPacketsKernel(sc),
  text: (sc, kernel) => pktFixtureText({ ...sc, kernel }),
  units: (sc) => sc.frames.length,
  verify: {
    add: (sc, a, b) => compareScenario(check, sc, a, b),
    report: () => pktReport(check, { title: 'verify (kernel vs kernel, second run)' }),
    ok: () => check.matched === check.total,
  },
  facts: () => ({ ...kernelFacts(), quietMs: QUIET_MS, arpQuietMs: ARP_QUIET_MS, maxMs: MAX_MS }),
};

if (process.argv[1] && /pktdiff[/\\]record\.ts$/.test(process.argv[1])) {
  recordMain(packets, process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
}
