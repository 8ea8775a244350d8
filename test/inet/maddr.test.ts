// `ip maddress` against the kernel: the link-layer, IPv4 and IPv6 multicast addresses of each
// device as they follow devices coming up and down, a bridge's snooping groups, autojoin addresses
// and `ip maddr add|del` (static entries, references shared with the stack's own), `ip route get` for
// joined and other groups, a macvlan's list synced into its lower's; the output
// forms (-o, -j, -4, a device filter) and the errors. IPv6 is off in the kernel's namespace; its
// fixed groups (ff02::1, ff01::1, a snooping bridge's ff02::6a) are what netpath lists. The kernel's
// answers were recorded in a throwaway namespace (RECORD=1 rewrites the fixture); with namespaces
// available the test also asks the live kernel.
import { describe, it, expect } from 'vitest';
import { canMakeNamespace } from '../diff/kernel.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words } from '../util/ip-script.js';

const SCRIPT: string[][] = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02', 'maddr',
  'link add br0 address 02:00:00:00:00:10 type bridge', 'link add br1 address 02:00:00:00:00:11 type bridge mcast_snooping 0',
  'link set lo up', 'link set v0 up', 'link set br0 up', 'link set br1 up', 'maddr', 'maddr show dev br1',
  'link set br1 type bridge mcast_snooping 1', 'maddr show br1', 'link set br0 type bridge mcast_snooping 0',
  'maddr show dev br0', 'link set v0 type bridge mcast_snooping 1', 'link set br0 down', 'maddr show dev br0',
  'addr add 239.1.2.3/32 dev v0 autojoin', 'addr add 224.0.0.5/24 dev v1 autojoin noprefixroute', 'addr show dev v1',
  '-j addr show dev v1', 'maddr show dev v1', 'addr add 239.1.2.3/24 dev v0 autojoin', 'addr add 239.1.2.3/32 dev v0 autojoin',
  'addr add 192.0.2.1/24 dev v0 autojoin', 'addr add 239.1.1.1 peer 192.0.2.5 dev v0 autojoin', 'addr add 192.0.2.1 peer 239.1.1.2 dev v0 autojoin',
  'addr add 192.0.2.1/24 dev v0 home nodad mngtmpaddr optimistic', 'addr show dev v0', 'maddr show dev v0',
  // a joined group is local for input and output routes (ip_check_mc)
  'route add 224.0.0.0/4 dev v0', 'route get 239.1.2.3', 'route get 239.1.2.4', 'route get 239.1.2.3 iif v0 from 192.0.2.9',
  'route get 239.1.2.4 iif v0 from 192.0.2.9', '-j route get 239.1.2.3', 'route get 239.1.2.3 iif v0 from 0.0.0.0 ipproto igmp',
  'maddr add 01:00:5e:01:02:03 dev v0', 'maddr add 01:00:5e:00:00:01 dev v0', 'maddr add address 01:00:5e:00:00:09 dev v0',
  'maddr add 01:00:5e:00:00:09 dev v0', 'maddr show dev v0', '-j maddr show dev v0', '-o maddr show dev v0', '-j -o maddr show dev v0',
  '-4 maddr', 'maddr add 01:00:5e:00:00:05 dev lo', 'maddr del 01:00:5e:00:00:07 dev v0', 'maddr add 224.1.2.3 dev v0',
  'maddr add 01:02:03:04:05 dev v0', 'maddr add 1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16 dev v0', 'maddr add 01:zz:03:04:05:06 dev v0',
  'maddr add 1.2.3.256 dev v0', 'maddr add 0x01:2:3:4:5:6 dev v0', 'maddr add 01:00:5e:00:00:01 01:00:5e:00:00:02 dev v0',
  'maddr add 00:00:5e:00:00:01 01:00:5e:00:00:02 dev v1', 'maddr add 01:00:5e:00:00:03 dev v0 dev v1', 'maddr add 01:00:5e:00:00:03',
  'maddr add 01:00:5e:00:00:01 dev nosuch', 'maddr add dev v1', 'maddr show dev v1',
  'maddr del 01:00:5e:01:02:03 dev v0', 'maddr del 01:00:5e:01:02:03 dev v0', 'addr del 239.1.2.3/32 dev v0', 'maddr show dev v0',
  'maddr show nosuch', 'maddr show v0 dev v1', 'maddr show dev', 'maddr foo', 'maddr help',
  // a macvlan's list is synced into its lower's while it is up (dev_mc_sync): one reference more on each side
  'link set v1 up', 'link add mv1 address 02:00:00:00:00:21 link v1 type macvlan', 'maddr show dev v1', 'link set mv1 up',
  'maddr show dev v1', 'maddr show dev mv1', 'addr add 239.5.5.5/32 dev mv1 autojoin', 'maddr add 01:00:5e:00:00:44 dev mv1',
  'maddr show dev v1', 'maddr show dev mv1', 'link set v1 down', 'maddr show dev v1', 'link set v1 up', 'addr del 239.5.5.5/32 dev mv1',
  'maddr show dev v1', 'maddr show dev mv1', 'link set mv1 down', 'maddr show dev v1', 'maddr show dev mv1', 'link set mv1 up',
  'maddr show dev v1', 'link del mv1', 'maddr show dev v1',
  'link set v0 down', 'maddr show dev v0', 'link set v0 mtu 1200', 'maddr show dev v0', 'link set v0 mtu 1500', 'maddr show dev v0',
  'link add v2 mtu 1000 type veth peer name v3', 'maddr show dev v2', 'link set v2 mtu 1280', 'maddr show dev v2', 'link del v0', 'maddr',
].map(words);

const FIXTURE = new URL('../fixtures/inet/maddr.json', import.meta.url);
const can = canMakeNamespace();

describe('ip maddress: identical to iproute2 6.1 on Linux (IPv6 off)', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-ma', SCRIPT, { noIpv6: true });
    expect(recorded.map((s) => s.argv)).toEqual(SCRIPT);
    expect(recorded.some((s) => s.stdout.includes('inet  224.0.0.106'))).toBe(true);
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), await kernelIpSteps('np-ma', SCRIPT, { noIpv6: true }))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
