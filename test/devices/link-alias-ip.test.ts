// `ip link set DEV alias NAME` (IFLA_IFALIAS) against the kernel: set, replaced, removed with "",
// too long, ignored by `ip link add`, kept across a rename, shown by `link show` (text, -o, -j, -d)
// and by `addr show` only with -d, never by -br. The kernel's answers were recorded in a
// throwaway namespace (RECORD=1 rewrites the fixture); with namespaces available the test also
// asks the live kernel.
import { describe, it, expect } from 'vitest';
import { canMakeNamespace } from '../diff/kernel.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words } from '../util/ip-script.js';

const LONG = 'a'.repeat(255);
const SCRIPT: string[][] = [
  ...[
    'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
    'link add v2 address 02:00:00:00:00:03 alias ignored type veth peer name v3 address 02:00:00:00:00:04',
    'link show v2',
  ].map(words),
  ['link', 'set', 'v0', 'alias', 'my uplink'],
  ...['link show v0', '-o link show v0', '-br link show v0', '-j link show v0', '-d link show v0', '-j -d link show v0',
    '-s link show v0', 'addr show v0', '-d addr show v0', '-j addr show v0', '-j -d addr show v0'].map(words),
  ['link', 'set', 'dev', 'v1', 'alias', 'ünï ✓', 'mtu', '1400'], words('link show v1'),
  ['link', 'set', 'v1', 'alias', LONG], words('link show v1'),
  ['link', 'set', 'v1', 'alias', LONG + 'a'], ['link', 'set', 'v1', 'alias', 'é'.repeat(128)], words('link show v1'),
  words('link set v1 alias x y'), words('link set v1 alias one alias two'), words('link show v1'),
  words('link set v0 name wan0'), words('link show wan0'),
  ['link', 'set', 'wan0', 'alias', ''], words('link show wan0'), words('-j link show wan0'),
  words('link set nope alias x'), words('link set v1 alias'),
  words('link show'),
];

const FIXTURE = new URL('../fixtures/devices/link-alias-ip.json', import.meta.url);
const can = canMakeNamespace();

describe('ip link alias: identical to iproute2 6.1 on Linux', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-al', SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(SCRIPT);
    // the recording shows an alias, refuses one and removes one
    expect(recorded.some((s) => s.stdout.includes('    alias my uplink\n'))).toBe(true);
    expect(recorded.some((s) => s.stderr.includes('alias too long'))).toBe(true);
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), await kernelIpSteps('np-al', SCRIPT))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
