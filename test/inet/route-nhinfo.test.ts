// `ip -d route` of routes using nexthop objects (and `ip -d route get`, which prints the type and
// the main table): iproute2 6.1 adds an "nh_info" line, the object as
// `ip -d nexthop` prints it, after a literal newline (one even with -o, where the nexthop lines use
// '\'), and an "nh_info" object in JSON. The kernel's answers were recorded in a throwaway namespace
// (RECORD=1 rewrites the fixture); with namespaces available the test also asks the live kernel.
import { describe, it, expect } from 'vitest';
import { canMakeNamespace } from '../diff/kernel.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words } from '../util/ip-script.js';

const SCRIPT: string[][] = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02', 'link set v0 up', 'link set v1 up',
  'addr add 192.0.2.1/24 dev v0', 'nexthop add id 1 via 192.0.2.2 dev v0', 'nexthop add id 2 dev v0 proto static',
  'nexthop add id 10 group 1/2', 'nexthop add id 11 group 1,3/2 type resilient buckets 8',
  'route add 198.51.100.0/24 nhid 1', 'route add 198.18.0.0/24 nhid 2 metric 5', 'route add 203.0.113.0/24 nhid 10',
  'route add 198.18.2.0/24 nhid 11 table 100',
  '-d route show', '-d -o route show', '-d -j route show', 'route show', '-d route show table 100', '-4 -d -j route show table all',
  '-d route get 203.0.113.9 fibmatch', '-d -j route get 198.18.0.7 fibmatch', '-d route get 198.51.100.7', '-d -j route get 198.51.100.7', '-d route get 192.0.2.1',
  '-d route get 203.0.113.9 from 192.0.2.2 iif v0', '-d -s route show 198.18.0.0/24',
].map(words);

const FIXTURE = new URL('../fixtures/routing/route-nhinfo.json', import.meta.url);
const can = canMakeNamespace();

describe('ip -d route with nexthop objects: identical to iproute2 6.1 on Linux', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-ni', SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(SCRIPT);
    expect(recorded.some((s) => s.stdout.includes('\tnh_info id 10 group 1/2 scope global proto unspec'))).toBe(true);
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), await kernelIpSteps('np-ni', SCRIPT))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
