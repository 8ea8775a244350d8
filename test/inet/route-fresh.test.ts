// `ip route` in a fresh namespace, before anything has made a FIB table: listing main is empty and
// succeeds, listing another table or flushing main fails with ENOENT, as Linux and iproute2 6.1
// answer. The kernel's answers were recorded in a throwaway namespace (RECORD=1 rewrites the
// fixture); with namespaces available the test also asks the live kernel.
import { describe, it, expect } from 'vitest';
import { canMakeNamespace } from '../diff/kernel.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words } from '../util/ip-script.js';

const SCRIPT: string[][] = [
  'route', '-4 route', '-j route', 'route show table main', 'route list table 254', 'route show cache', '-4 route show cached',
  'route show table local', 'route show table default', '-j route show table 100', 'route show table all',
  'route flush table main', '-4 route flush table main', 'route flush cache',
  'link set lo up', 'route show table local', 'route', 'route flush table main', 'route show table main',
].map(words);

const FIXTURE = new URL('../fixtures/routing/route-fresh.json', import.meta.url);
const can = canMakeNamespace();

describe('ip route in a fresh box: identical to iproute2 6.1 on Linux', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-rf', SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(SCRIPT);
    expect(recorded[0]).toMatchObject({ stdout: '', stderr: '', status: 0 });
    expect(recorded.some((s) => s.stderr.includes('FIB table does not exist'))).toBe(true);
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), await kernelIpSteps('np-rf', SCRIPT))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
