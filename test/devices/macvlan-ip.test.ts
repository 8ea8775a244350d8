// `ip link` for macvlan against the kernel: every command's stdout, stderr and
// status, byte for byte. The kernel's answers were recorded in a throwaway
// namespace (RECORD=1 rewrites the fixture); with namespaces available the
// test also asks the live kernel.
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { Box } from '../../src/box.js';
import { run, netnsAdd, netnsDel } from '../util/netns.js';
import { canMakeNamespace } from '../diff/kernel.js';

/** Fixed addresses everywhere but where the kernel's choice is the point (passthru inherits the lower's). */
export const MACVLAN_IP_SCRIPT = [
  'link add eth0 address 02:00:00:00:00:01 type veth peer name peer0 address 02:00:00:00:00:02',
  'link add mvb address 02:00:00:00:01:01 link eth0 type macvlan mode bridge',
  'link add mvp address 02:00:00:00:01:02 link eth0 type macvlan mode private',
  'link add mvv address 02:00:00:00:01:03 link eth0 type macvlan',
  'link add mvs address 02:00:00:00:01:04 link mvb type macvlan mode source',
  'link add mvx link eth0 type macvlan mode passthru',
  'link add mvy link nope type macvlan',
  'link add mvy address 02:00:00:00:01:09 type macvlan',
  'link add mvy address 02:00:00:00:01:09 link lo type macvlan',
  'tuntap add tn0 mode tun', 'link add mvy address 02:00:00:00:01:09 link tn0 type macvlan', 'tuntap del tn0 mode tun',
  'link add mvy address 02:00:00:00:01:09 link eth0 mtu 9000 type macvlan',
  'link add mvy address 02:00:00:00:01:09 link eth0 mtu 60 type macvlan',
  'link add mvy address 01:00:00:00:01:09 link eth0 type macvlan',
  'link add mvy link eth0 type macvlan bogus',
  'link add mvy link eth0 type macvlan mode foo',
  'link add mvb address 02:00:00:00:01:09 link eth0 type macvlan',
  'link show',
  'link set eth0 up', 'link set mvb up', 'link set mvp up',
  'link show', '-d link show', '-j -d link show', '-j link show mvb',
  'link set mvv address 02:00:00:00:01:01', 'link set mvv up',
  'link set mvv address 02:00:00:00:01:05', 'link set mvv up', '-d link show mvv',
  'link set mvb mtu 1600', 'link set mvb mtu 1400', 'link set eth0 mtu 1300', 'link show',
  'link set eth0 down', '-d link show eth0', 'link set mvb down', 'link set mvp down', 'link set mvv down',
  '-d link show eth0', 'link set eth0 up', '-d link show eth0',
  'link add pt0 address 02:00:00:00:00:31 type veth peer name pt1 address 02:00:00:00:00:32',
  'link add mvpt link pt0 type macvlan mode passthru nopromisc',
  'link add mvq address 02:00:00:00:01:09 link pt0 type macvlan',
  'link add mvpu link pt1 type macvlan mode passthru',
  'link set pt0 up', 'link set pt1 up', 'link set mvpt up', 'link set mvpu up',
  '-d link show', '-j -d link show mvpu',
  'link set mvpu address 02:00:00:00:00:77', 'link show pt1', 'link show mvpu',
  'link del pt1', 'link show',
  'link del eth0', 'link show',
];

interface Step { cmd: string; stdout: string; stderr: string; status: number }
const FIXTURE = new URL('../fixtures/devices/macvlan-ip.json', import.meta.url);

async function kernelSteps(): Promise<Step[]> {
  const ns = await netnsAdd('np-rx');
  try {
    const out: Step[] = [];
    for (const cmd of MACVLAN_IP_SCRIPT) {
      const r = await run('ip', ['-n', ns, ...cmd.split(' ')]);
      out.push({ cmd, stdout: r.stdout, stderr: r.stderr, status: r.status });
    }
    return out;
  } finally { await netnsDel(ns); }
}

async function emulatedSteps(): Promise<Step[]> {
  const box = await Box.create();
  return MACVLAN_IP_SCRIPT.map((cmd) => ({ cmd, ...box.ip(cmd) }));
}

const can = canMakeNamespace();

describe('ip link, macvlan: identical to iproute2 6.1 on Linux', () => {
  it('every command as the recorded kernel answered it', async () => {
    if (process.env.RECORD && can.ok) writeFileSync(FIXTURE, JSON.stringify(await kernelSteps(), null, 1) + '\n');
    const recorded: Step[] = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    expect(recorded.map((s) => s.cmd)).toEqual(MACVLAN_IP_SCRIPT);
    expect(await emulatedSteps()).toEqual(recorded);
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(await emulatedSteps()).toEqual(await kernelSteps());
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
