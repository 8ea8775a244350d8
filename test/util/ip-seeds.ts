// The tests of a random `ip` differential: recorded seeds replayed from a fixture (RECORD=1 rewrites it
// from the kernel), and, where a network namespace can be made, fresh seeds through the live kernel and
// netpath (<ENV>_BASE=<base> <ENV>_SEEDS=<n> repeat a run; by default 4 seeds from the clock).
import { it, expect } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { canMakeNamespace } from '../diff/kernel.js';
import { emulatedIpSteps, ipStepDifferences, kernelIpSteps, type IpStep } from './ip-script.js';

export interface IpSeeds {
  fixture: URL;
  recorded: number[];
  script: (seed: number) => string[][];
  /** the namespaces' name prefix */
  netns: string;
  /** the environment variables' prefix (NPMADDR: NPMADDR_BASE, NPMADDR_SEEDS) */
  env: string;
}

export function ipSeedTests(o: IpSeeds): void {
  const can = canMakeNamespace();
  const kernel = (s: number) => kernelIpSteps(o.netns, o.script(s), { noIpv6: true });
  it('records the kernel (RECORD=1)', async (ctx) => {
    if (!process.env.RECORD || !can.ok) return ctx.skip();
    const all: Record<number, IpStep[]> = {};
    for (const s of o.recorded) all[s] = await kernel(s);
    writeFileSync(o.fixture, JSON.stringify(all) + '\n');
  }, 120_000);
  it(`the recorded seeds ${o.recorded[0]}..${o.recorded[o.recorded.length - 1]}: every answer as the kernel's`, async () => {
    expect(existsSync(o.fixture)).toBe(true);
    const want = JSON.parse(readFileSync(o.fixture, 'utf8')) as Record<number, IpStep[]>;
    for (const s of o.recorded) {
      expect(want[s].map((x) => x.argv), `seed ${s}`).toEqual(o.script(s));
      expect(ipStepDifferences(await emulatedIpSteps(o.script(s)), want[s]), `seed ${s}`).toBe('');
    }
  });
  const base = Number(process.env[`${o.env}_BASE`] ?? 300_000_000 + (Math.floor(Date.now() / 60_000) % 1_000_000) * 100);
  const n = Number(process.env[`${o.env}_SEEDS`] ?? 4);
  it.runIf(can.ok)(`fresh seeds ${base}..${base + n - 1} (${o.env}_BASE=${base}): every answer as the live kernel's`, async () => {
    for (let s = base; s < base + n; s++) expect(ipStepDifferences(await emulatedIpSteps(o.script(s)), await kernel(s)), `seed ${s}`).toBe('');
  }, 120_000);
  it.skipIf(can.ok)(`fresh seeds: skipped, no network namespace can be made here (${can.reason})`, () => {});
}
