// A device losing its carrier loses its non-permanent neighbour entries (arp_netdev_event,
// NETDEV_CHANGE: neigh_carrier_down with skip_perm), unless arp_evict_nocarrier is off for it or
// for all; the permanent ones, extern_learn or not, stay. Each entry is asked for by `ip neigh
// get` (a listing's order is the kernel's random hash order). The kernel's answers were recorded
// in a throwaway namespace (RECORD=1 rewrites the fixture); with namespaces available the test
// also asks the live kernel.
import { describe, it, expect } from 'vitest';
import { canMakeNamespace } from '../diff/kernel.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words } from '../util/ip-script.js';

const ENTRIES = [
  '192.0.2.11 lladdr 02:00:00:00:00:11 nud permanent', '192.0.2.12 lladdr 02:00:00:00:00:12 nud stale',
  '192.0.2.13 lladdr 02:00:00:00:00:13 nud reachable', '192.0.2.15 lladdr 02:00:00:00:00:15 extern_learn',
  '192.0.2.16 nud incomplete', '192.0.2.18 lladdr 02:00:00:00:00:18 nud failed',
  '192.0.2.19 lladdr 02:00:00:00:00:19 nud stale extern_learn',
];
const gets = (dev: string) => ENTRIES.map((e) => `neigh get ${e.split(' ')[0]} dev ${dev}`);
const round = (dev: string, peer: string) => [
  ...ENTRIES.map((e) => `neigh replace ${e} dev ${dev}`), 'neigh add proxy 192.0.2.50 dev ' + dev,
  `link set ${peer} down`, ...gets(dev), `neigh get proxy 192.0.2.50 dev ${dev}`, `link set ${peer} up`,
];
const SCRIPT: string[][] = [
  ...['link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
    'link set v0 up', 'link set v1 up', 'addr add 192.0.2.1/24 dev v0'].map(words),
  ...round('v0', 'v1').map(words),
  ['sysctl', 'net.ipv4.conf.v0.arp_evict_nocarrier=0'], ...round('v0', 'v1').map(words),
  ['sysctl', 'net.ipv4.conf.v0.arp_evict_nocarrier=1'], ['sysctl', 'net.ipv4.conf.all.arp_evict_nocarrier=0'],
  ...round('v0', 'v1').map(words),
  ['sysctl', 'net.ipv4.conf.all.arp_evict_nocarrier=1'], ...['neigh flush dev v0', 'neigh flush proxy'].map(words),
];

const FIXTURE = new URL('../fixtures/neigh/neigh-carrier.json', import.meta.url);
const can = canMakeNamespace();

describe('neighbour entries on carrier loss: as Linux keeps and drops them', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-nc', SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(SCRIPT);
    // the recording shows both: entries gone after a carrier loss, and kept when eviction is off
    expect(recorded.some((s) => s.argv.join(' ') === 'neigh get 192.0.2.12 dev v0' && s.stderr.includes('not found'))).toBe(true);
    expect(recorded.some((s) => s.argv.join(' ') === 'neigh get 192.0.2.12 dev v0' && s.stdout.includes('02:00:00:00:00:12'))).toBe(true);
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), await kernelIpSteps('np-nc', SCRIPT))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
