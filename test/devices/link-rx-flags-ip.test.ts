// PROMISC and ALLMULTI of a macvlan reach its lower device: while the macvlan is up (macvlan_open/stop),
// and when they change on an up macvlan (macvlan_change_rx_flags), except PROMISC of a passthru macvlan,
// which makes the lower promiscuous itself. A passthru macvlan hands an ALLMULTI change on but not its
// ALLMULTI at open, so the lower's unsigned count can wrap below 0, as Linux's does (4294967295).
// Against the recorded kernel (RECORD=1 records again), and against the live kernel where a namespace can
// be made. VLAN devices do the same (vlan_dev_open/stop, vlan_dev_change_rx_flags); the oracle kernel has
// no 802.1Q, so they are checked against the kernel's sources.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { ipScriptCases, words } from '../util/ip-script.js';

const SCRIPT = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add mv0 link v0 address 02:00:00:00:00:20 type macvlan mode bridge',
  'link set dev mv0 promisc on',
  '-d link show v0',
  'link set v0 up',
  'link set mv0 up',
  '-d link show v0',
  'link set dev mv0 allmulticast on',
  '-d link show v0',
  'link set mv0 down',
  '-d link show v0',
  'link set mv0 up',
  'link set dev mv0 promisc off',
  '-d link show v0',
  'link add mv1 link mv0 address 02:00:00:00:00:21 type macvlan',
  'link set dev mv1 up',
  'link set dev mv1 promisc on',
  '-d link show v0',
  'link del mv1',
  '-d link show v0',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link add mv2 link v2 type macvlan mode passthru',
  'link set v2 up',
  'link set dev mv2 allmulticast on',
  'link set dev mv2 promisc on',
  'link set mv2 up',
  '-d link show v2',
  'link set dev mv2 promisc off',
  'link set dev mv2 allmulticast off',
  'link set dev mv2 allmulticast on',
  '-d link show v2',
  'link set mv2 down',
  '-d link show v2',
  'link set dev mv0 allmulticast off',
  '-d link show v0',
  'link del mv0',
  '-d link show v0',
].map(words);

const FIXTURE = new URL('../fixtures/devices/link-rx-flags-ip.json', import.meta.url);
const counts = (s: string): string | undefined => / (promiscuity \d+  allmulti \d+) /.exec(s)?.[1];

describe('a macvlan\'s PROMISC and ALLMULTI on its lower device: as Linux', () => {
  ipScriptCases({
    fixture: FIXTURE, prefix: 'np-rxf', script: SCRIPT, opts: { noIpv6: true },
    check: (recorded) => {
      // the recording shows the lower counting the macvlan's flags, and the passthru wrap
      expect(recorded.filter((s) => s.argv[0] === '-d').map((s) => counts(s.stdout))).toEqual([
        'promiscuity 0  allmulti 0', 'promiscuity 2  allmulti 0', 'promiscuity 2  allmulti 1', 'promiscuity 0  allmulti 0',
        'promiscuity 1  allmulti 1', 'promiscuity 2  allmulti 1', 'promiscuity 1  allmulti 1', 'promiscuity 1  allmulti 0',
        'promiscuity 1  allmulti 4294967295', 'promiscuity 0  allmulti 4294967295', 'promiscuity 1  allmulti 0', 'promiscuity 0  allmulti 0',
      ]);
    },
  });
});

describe('a VLAN device\'s PROMISC and ALLMULTI on its lower device (vlan_dev_open/stop, vlan_dev_change_rx_flags)', () => {
  it('counted while the VLAN device is up, changes on an up one handed on', async () => {
    const box = await Box.create();
    const ip = (c: string) => expect(box.ip(c).status, c).toBe(0);
    const lower = () => counts(box.ip('-d link show dev v0').stdout);
    ip('link add v0 type veth peer name v1'); ip('link add link v0 name v0.5 type vlan id 5');
    ip('link set dev v0.5 promisc on');
    expect(lower()).toBe('promiscuity 0  allmulti 0');
    ip('link set v0 up'); // the VLAN device comes up with its lower (vlan_device_event NETDEV_UP)
    expect(box.ip('link show dev v0.5').stdout).toContain(',UP');
    expect(lower()).toBe('promiscuity 1  allmulti 0');
    ip('link set dev v0.5 allmulticast on');
    expect(lower()).toBe('promiscuity 1  allmulti 1');
    ip('link set v0.5 down');
    expect(lower()).toBe('promiscuity 0  allmulti 0');
    ip('link set v0.5 up'); ip('link set dev v0.5 promisc off');
    expect(lower()).toBe('promiscuity 0  allmulti 1');
  });
});
