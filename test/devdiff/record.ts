// Records the real kernel's answers for generated device scenarios as fixtures.
//
//   npm run record:devices -- [--from 1] [--seeds 200] [--jobs 2] [--out test/fixtures/devices] [--verify] [--dry]
//
// Needs root, iproute2 (ip, bridge) and python3; each seed runs in its own pair of
// throwaway namespaces (np-devdiff-*). --verify runs every seed twice and
// reports every frame or answer that differs between the runs (after the
// masking of compare.ts). A seed whose run fails (stray frames) is retried once.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { kernelFacts, ARP_QUIET_MS, MAX_MS, QUIET_MS } from '../pktdiff/kernel.js';
import { type Recorder, recordMain } from '../pktdiff/record.js';
import { type DevResult, compareDevices, devReport, newDevResult } from './compare.js';
import { type DevScenario, generateDevices } from './gen.js';
import { canRunDevices, runDevicesKernel } from './kernel.js';

export interface DevFixture extends DevScenario { kernel: DevResult[] }

/** One step or result per line, for reviewable diffs. */
export function devFixtureText(f: DevFixture): string {
  const lines = (xs: unknown[]) => xs.map((x) => JSON.stringify(x)).join(',\n');
  return `{\n"seed": ${f.seed},\n"gen": ${f.gen},\n"ports": ${JSON.stringify(f.ports)},\n"tuns": ${JSON.stringify(f.tuns)},\n` +
    `"devices": ${JSON.stringify(f.devices)},\n"macs": ${JSON.stringify(f.macs)},\n"steps": [\n${lines(f.steps)}\n],\n"kernel": [\n${lines(f.kernel)}\n]\n}\n`;
}
export const parseDevFixture = (text: string): DevFixture => JSON.parse(text) as DevFixture;
export { pktFixtureName as devFixtureName } from '../pktdiff/record.js';

const check = newDevResult();
const devices: Recorder<DevScenario, DevResult[]> = {
  defaultOut: join('test', 'fixtures', 'devices'),
  canRun: canRunDevices,
  generate: generateDevices,
  run: (sc) => runDevicesKernel(sc),
  text: (sc, kernel) => devFixtureText({ ...sc, kernel }),
  units: (sc) => sc.steps.filter((s) => 'frame' in s).length,
  verify: {
    // the second run as "netpath": the recording's own determinism
    add: (sc, a, b) => compareDevices(check, sc, a, b),
    report: () => devReport(check, { title: 'verify (kernel vs kernel, second run)' }),
    ok: () => check.matched === check.total,
  },
  facts: () => ({ ...kernelFacts(), iproute2: spawnSync('ip', ['-V'], { encoding: 'utf8' }).stdout.trim(), quietMs: QUIET_MS, arpQuietMs: ARP_QUIET_MS, maxMs: MAX_MS }),
};

if (process.argv[1] && /devdiff[/\\]record\.ts$/.test(process.argv[1])) {
  recordMain(devices, process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
}
