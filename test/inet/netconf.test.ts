// `ip netconf` against the kernel: each device's forwarding, rp_filter, proxy_arp (proxy_neigh) and
// ignore_routes_with_linkdown, then "all" and "default", as sysctls change them; the refusals. The
// kernel here has IPv6, netpath has not: the comparison asks for IPv4 (-4), and netpath's plain
// `ip netconf` is its -4 answer (a kernel without IPv6 prints no inet6 lines). The kernel's answers
// were recorded in a throwaway namespace (RECORD=1 rewrites the fixture); with namespaces available
// the test also asks the live kernel.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { canMakeNamespace } from '../diff/kernel.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words } from '../util/ip-script.js';

const SCRIPT: string[][] = [
  ...['link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02', '-4 netconf'].map(words),
  ...['v0.forwarding=1', 'v0.rp_filter=2', 'v1.rp_filter=1', 'v0.proxy_arp=1', 'v1.ignore_routes_with_linkdown=1']
    .map((s) => ['sysctl', `net.ipv4.conf.${s}`]),
  ...['-4 netconf', '-4 netconf show dev v0', '-4 netconf list dev v1 extra', '-4 -j netconf show dev v0', '-4 netconf show dev nope',
    '-4 netconf show dev all', 'netconf foo', 'netconf help', '-4 netconf show dev'].map(words),
  ['sysctl', 'net.ipv4.conf.all.forwarding=1'], ['sysctl', 'net.ipv4.conf.all.rp_filter=1'], ['sysctl', 'net.ipv4.conf.default.proxy_arp=1'],
  ...['link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04', '-4 netconf', 'link del v0', '-4 netconf'].map(words),
];

const FIXTURE = new URL('../fixtures/routing/netconf.json', import.meta.url);
const can = canMakeNamespace();

describe('ip netconf: identical to iproute2 6.1 on Linux (IPv4)', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-nc', SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(SCRIPT);
    expect(recorded.some((s) => s.stdout.includes('inet v0 forwarding on rp_filter loose mc_forwarding off proxy_neigh on'))).toBe(true);
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), await kernelIpSteps('np-nc', SCRIPT))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
  it('without IPv6, plain `ip netconf` is the IPv4 answer', async () => {
    const box = await Box.create();
    box.ip('link add v0 type veth peer name v1');
    const v4 = box.ip('-4 netconf');
    expect(v4.stdout.split('\n').filter(Boolean).map((l) => l.split(' ').slice(0, 2).join(' ')))
      .toEqual(['inet lo', 'inet v1', 'inet v0', 'inet all', 'inet default']);
    expect(box.ip('netconf')).toEqual(v4);
  });
});
