// `ip link add|set BR type bridge OPTIONS` and `ip link set PORT type bridge_slave OPTIONS` against the kernel: ageing_time (kept in jiffies, so
// 5 centiseconds read back as 4) and mcast_snooping change the bridge; the options netpath's bridge
// cannot change pass at the value it has (times compared as the kernel shows them) and are refused
// otherwise, where the kernel would change them (only the refusals differ, and are checked here
// against netpath alone); bad values, an unknown word and a device that is not a bridge are answered
// as iproute2 6.1 and Linux answer them. The gc timer moves in real time on Linux and is masked.
// RECORD=1 rewrites the fixture; with namespaces available the live kernel is asked too.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { canMakeNamespace } from '../diff/kernel.js';
import { emulatedIpSteps, ipStepDifferences, kernelIpSteps, recordedIpSteps, words, type IpStep } from '../util/ip-script.js';

const SCRIPT = [
  'link add br0 address 02:00:00:00:00:10 type bridge ageing_time 1000 mcast_snooping 0', '-d link show br0',
  'link set br0 type bridge ageing_time 5', '-d -j link show br0', 'link set br0 type bridge ageing_time 0x10 mcast_snooping 1',
  '-d link show br0', 'link set br0 type bridge ageing_time 0', '-d link show br0',
  'link set br0 type bridge stp_state 0 forward_delay 1500 mcast_startup_query_interval 3125 vlan_protocol 802.1Q group_address 01:80:c2:00:00:00',
  'link set br0 type bridge ageing_time -1', 'link set br0 type bridge ageing_time 99999999999', 'link set br0 type bridge ageing_time',
  'link set br0 type bridge mcast_snooping 256', 'link set br0 type bridge foo 1',
  'link add v0 type veth peer name v1', 'link set v0 type bridge ageing_time 100', 'link set v0 type bridge mcast_snooping 0',
  // a port's options: at the values netpath's ports have; the errors; a device that is no port
  'link add v2 type veth peer name v3', 'link set v2 master br0', 'link set v2 type bridge_slave learning on hairpin off flood on',
  'link set v2 type bridge_slave learning x', 'link set v2 type bridge_slave foo 1', 'link set v2 type bridge_slave cost',
  'link set v0 type bridge_slave cost 5', 'link set v0 type bridge_slave learning off',
].map(words);

const FIXTURE = new URL('../fixtures/bridge/bridge-opts-ip.json', import.meta.url);
const can = canMakeNamespace();
// The text form pads the timer to its width ("%4i.%.2i"), so the padding is masked with the value.
const mask = (steps: IpStep[]) =>
  steps.map((s) => ({ ...s, stdout: s.stdout.replace(/gc_timer( +|":)\d+(\.\d\d)?/g, (_m, sep: string) => (sep === '":' ? 'gc_timer":X' : 'gc_timer X')) }));

describe('ip link ... type bridge OPTIONS: as Linux and iproute2 6.1', () => {
  it('every command as the recorded kernel answered it (gc timer masked)', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-bro', SCRIPT);
    expect(recorded.some((s) => s.stdout.includes('ageing_time 1000 '))).toBe(true);
    expect(ipStepDifferences(mask(await emulatedIpSteps(SCRIPT)), mask(recorded))).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(mask(await emulatedIpSteps(SCRIPT)), mask(await kernelIpSteps('np-bro', SCRIPT)))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
  it('an option netpath cannot change is refused at another value, the bridge and its port untouched', async () => {
    const box = await Box.create();
    box.ip('link add br0 type bridge');
    box.ip('link add v0 type veth peer name v1');
    box.ip('link set v0 master br0');
    const before = box.ip('-d link show').stdout.replace(/gc_timer +[\d.]+/, '');
    for (const o of ['guard on', 'proxy_arp on', 'fdb_flush', 'backup_port v1']) {
      // with a modelled option before it: the refusal comes before anything is applied
      const r = box.ip(`link set v0 type bridge_slave learning off cost 7 ${o}`);
      expect([r.status, r.stderr], o).toEqual([2, expect.stringMatching(/^Error: netpath: bridge port option "\w+" is not modelled/)]);
    }
    for (const o of ['stp_state 1', 'forward_delay 1000', 'vlan_filtering 1', 'fdb_flush', 'group_address 01:80:c2:00:00:0e']) {
      const r = box.ip(`link set br0 type bridge ageing_time 700 ${o}`);
      expect([r.status, r.stderr], o).toEqual([2, expect.stringMatching(/^Error: netpath: bridge option "\w+" is not modelled/)]);
    }
    expect(box.ip('-d link show').stdout.replace(/gc_timer +[\d.]+/, '')).toBe(before);
  });
});
