// `ip link` for VLAN devices (ip/iplink_vlan.c of iproute2 6.1, net/8021q of
// the kernel): every command's stdout, stderr and status, byte for byte.
//
// Two scripts. CLIENT's answers come from iproute2 itself (its parser refuses
// the command before any request reaches the kernel): they are recorded from
// the real `ip` and compared live wherever a namespace can be made.
// KERNEL's answers need a kernel with 802.1Q support. This project's oracle
// kernel (6.18, CONFIG_VLAN_8021Q not set) answers every `type vlan` request
// with "Error: Unknown device type.", so the committed answers of KERNEL were
// not recorded: they were written from the kernel's sources (vlan_netlink.c's
// extack messages and checks, vlan.c's vlan_check_real_dev and
// vlan_device_event, vlan_dev.c's open/stop/change_mtu) and iproute2 6.1's
// vlan_print_opt, and are marked "derived" in the fixture. On a kernel with
// 802.1Q, RECORD=1 replaces them with the kernel's own answers and the live
// comparison runs; on one without, it is skipped and says so.
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { Box } from '../../src/box.js';
import { run, netnsAdd, netnsDel } from '../util/netns.js';
import { canMakeNamespace } from '../diff/kernel.js';

import { VETH, VLAN_CLIENT_SCRIPT, VLAN_KERNEL_SCRIPT } from './vlan-ip-script.js';

interface Step { cmd: string; stdout: string; stderr: string; status: number }
interface Fixture { client: Step[]; kernel: Step[]; kernelSource: 'recorded' | 'derived' }
const FIXTURE = new URL('../fixtures/devices/vlan-ip.json', import.meta.url);

async function kernelSteps(script: string[]): Promise<Step[]> {
  const ns = await netnsAdd('np-vlanip');
  try {
    const out: Step[] = [];
    for (const cmd of script) {
      const r = await run('ip', ['-n', ns, ...cmd.split(' ')]);
      out.push({ cmd, stdout: r.stdout, stderr: r.stderr, status: r.status });
    }
    return out;
  } finally { await netnsDel(ns); }
}
async function emulatedSteps(script: string[]): Promise<Step[]> {
  const box = await Box.create();
  return script.map((cmd) => ({ cmd, ...box.ip(cmd) }));
}
/** whether this kernel has 802.1Q devices (a probe in a throwaway namespace) */
async function kernelHasVlan(): Promise<boolean> {
  const [, v] = await kernelSteps([VETH, 'link add link eth0 name eth0.10 type vlan id 10']);
  return v.status === 0;
}

const can = canMakeNamespace();
const vlanKernel = can.ok ? await kernelHasVlan() : false;

if (process.env.RECORD && can.ok) {
  const old: Fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const f: Fixture = vlanKernel
    ? { client: await kernelSteps(VLAN_CLIENT_SCRIPT), kernel: await kernelSteps(VLAN_KERNEL_SCRIPT), kernelSource: 'recorded' }
    : { ...old, client: await kernelSteps(VLAN_CLIENT_SCRIPT) };
  writeFileSync(FIXTURE, JSON.stringify(f, null, 1) + '\n');
}
const fixture: Fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));

describe('ip link, vlan: identical to iproute2 6.1 on Linux', () => {
  it('iproute2\'s own answers (parser errors), as recorded', async () => {
    expect(fixture.client.map((s) => s.cmd)).toEqual(VLAN_CLIENT_SCRIPT);
    expect(await emulatedSteps(VLAN_CLIENT_SCRIPT)).toEqual(fixture.client);
  });
  it(`the kernel's answers (${fixture.kernelSource === 'recorded' ? 'recorded' : 'derived from the sources: the oracle kernel has no CONFIG_VLAN_8021Q'})`, async () => {
    expect(fixture.kernel.map((s) => s.cmd)).toEqual(VLAN_KERNEL_SCRIPT);
    expect(await emulatedSteps(VLAN_KERNEL_SCRIPT)).toEqual(fixture.kernel);
  });
  it.skipIf(!can.ok)('the live iproute2 answers the parser cases the same', async () => {
    expect(await emulatedSteps(VLAN_CLIENT_SCRIPT)).toEqual(await kernelSteps(VLAN_CLIENT_SCRIPT));
  });
  it.skipIf(!can.ok || !vlanKernel)('the live kernel answers the same', async () => {
    expect(await emulatedSteps(VLAN_KERNEL_SCRIPT)).toEqual(await kernelSteps(VLAN_KERNEL_SCRIPT));
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
  if (can.ok && !vlanKernel) {
    it.skip('live kernel: VLAN answers skipped, this kernel has no 802.1Q support (CONFIG_VLAN_8021Q): `ip link add ... type vlan` says "Unknown device type"', () => {});
  }
});
