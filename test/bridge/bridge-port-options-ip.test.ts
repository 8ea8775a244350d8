// Bridge port options (br_setport): `bridge link set` and `ip link set DEV type bridge_slave` set the learning,
// flood, mcast_flood, bcast_flood, hairpin and isolated flags, the path cost, the priority and the STP state;
// `bridge -d link show` and `ip -d link show` show them. The flags are applied first, then cost, priority and
// state, each error ending the request with what came before kept; a BLOCKING port forwards again at once
// (STP is off); a port whose peer is down refuses any state but disabled; a device that is no port refuses
// all (EOPNOTSUPP); iproute2's own parsing (atoi for cost and priority, state names). What the flags do to
// frames is checked frame by frame by test/device-diff.test.ts (generator version 4). Against the recorded
// kernel (RECORD=1 records again), and against the live kernel where a namespace can be made.
import { describe, expect, it } from 'vitest';
import { Box } from '../../src/box.js';
import { ipScriptCases, kernelIpSteps, words } from '../util/ip-script.js';
import { canMakeNamespace } from '../diff/kernel.js';

const SCRIPT = [
  'link add br0 address 02:00:00:00:00:10 type bridge',
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link set v0 master br0',
  'link set v2 master br0',
  'link set v0 up',
  'link set v1 up',
  'link set br0 up',
  'bridge link set dev v0 learning maybe',
  'bridge link set dev v0 state 7',
  'bridge link set dev v0 state foo',
  'bridge link set dev v0 cost 0',
  'bridge link set dev v0 cost 70000',
  'bridge link set dev v0 priority 64',
  'bridge -d link show',
  'bridge link set dev v0 priority 63 cost 65535 state blocking learning off flood off hairpin on isolated on mcast_flood off bcast_flood off',
  'bridge -d link show',
  'bridge -d -j link show',
  'bridge link set dev v0 learning on cost 70000',
  'bridge link set dev v0 cost 7 priority 64',
  'bridge link set dev v0 priority 5 state 9 hairpin off',
  'bridge link show',
  'bridge link set dev br0 learning off',
  'bridge link set dev v1 learning off',
  'bridge link set dev nosuch learning off',
  'bridge link set learning off',
  'bridge link set dev v0 cost abc',
  'bridge link set dev v0 priority -1',
  'bridge link set dev v0 priority 70000',
  'bridge link set dev v0 state 300',
  'bridge link set dev v2 state 3',
  'bridge link set dev v2 state 0',
  'bridge link set dev v0 state disabled',
  'bridge link show',
  'link show br0',
  'bridge link set dev v0 state forwarding',
  'link show br0',
  'link set v0 type bridge_slave learning off cost 70000',
  'link set v0 type bridge_slave cost 0',
  'link set v0 type bridge_slave state 5',
  'link set v0 type bridge_slave priority 64 flood on',
  'link set v0 type bridge_slave isolated off mcast_flood on bcast_flood on cost 19 priority 7 state 4',
  'link set v1 type bridge_slave learning on',
  'link set v1 down',
  'bridge link set dev v0 state 3',
  'bridge link set dev v0 state 0',
  'bridge link show',
  'link set v1 up',
  'bridge -j link show',
  // with br0 down its ports are disabled and no STP timer runs, so `ip -d link` reads the same in both
  'link set br0 down',
  '-d link show v0',
  '-j -d link show v2',
  // options of `ip ... bridge_slave` that `bridge link set` does not have (usage); atoi's wrap to int, then __s16
  'bridge link set dev v0 proxy_arp off',
  'bridge link set dev v0 fastleave off',
  'bridge link set dev v0 cost 99999999999',
  'bridge link set dev v0 priority 99999999999',
  // port_cost() from the link speed ethtool reports: a tap's, a macvlan's lower's
  'tuntap add tp0 mode tap',
  'link set tp0 master br0',
  'link add mv0 link v3 type macvlan',
  'link set mv0 master br0',
  'bridge link show',
].map(words);

const FIXTURE = new URL('../fixtures/bridge/bridge-port-options-ip.json', import.meta.url);

describe('bridge port options: as Linux and iproute2', () => {
  ipScriptCases({
    fixture: FIXTURE, prefix: 'np-bpo', script: SCRIPT, opts: { noIpv6: true },
    check: (recorded) => {
      expect(recorded[16]!.stdout).toContain('hairpin on guard off root_block off fastleave off learning off flood off mcast_flood off bcast_flood off');
      expect(recorded[18]!.stderr).toBe('RTNETLINK answers: Numerical result out of range\n');
      expect(recorded[21]!.stdout).toContain('state forwarding priority 5 cost 7');
      expect(recorded.at(-1)!.stdout).toMatch(/tp0: .* cost 2 \n.*mv0@v3: .* cost 2 \n/s);
    },
  });
});

// br_make_forwarding() starts the forward-delay timer (15 s) even with STP off, where it changes nothing when it
// runs out; a user's `disabled` leaves it running, the port's carrier going away stops it. The kernel's value
// depends on how long its commands took, so the live check only bounds it.
describe('bridge port forward_delay_timer', () => {
  const SETUP = ['link add br0 type bridge', 'link add v0 type veth peer name v1', 'link set v0 master br0', 'link set v0 up', 'link set v1 up', 'link set br0 up'];
  const timer = (s: string) => Number(/forward_delay_timer +([\d.]+)/.exec(s)![1]);
  it('counts down on the virtual clock from when the port starts forwarding', async () => {
    const box = await Box.create();
    for (const c of SETUP) expect(box.ip(c).status, c).toBe(0);
    expect(timer(box.ip('-d link show v0').stdout)).toBe(15);
    box.run({ ns: 10e9 });
    expect(box.bridge('link set dev v0 state 0').status).toBe(0);
    expect(timer(box.ip('-d link show v0').stdout)).toBe(5);
    box.run({ ns: 6e9 });
    expect(timer(box.ip('-d link show v0').stdout)).toBe(0);
    box.ip('link set v1 down');
    box.ip('link set v1 up');
    expect(timer(box.ip('-d link show v0').stdout)).toBe(15);
    box.ip('link set v1 down');
    expect(timer(box.ip('-d link show v0').stdout)).toBe(0);
  });
  it.skipIf(!canMakeNamespace().ok)('the live kernel shows it just below 15 s after the port starts forwarding', async () => {
    const steps = await kernelIpSteps('np-bpt', [...SETUP, '-d link show v0'].map(words), { noIpv6: true });
    const t = timer(steps.at(-1)!.stdout);
    expect(t).toBeGreaterThan(13);
    expect(t).toBeLessThanOrEqual(15);
  });
});

// A user's LISTENING or LEARNING port moves on when its forward-delay timer runs out: LISTENING to LEARNING for
// another forward delay, LEARNING to FORWARDING with the bridge's carrier on (br_forward_delay_timer_expired).
// Meanwhile br0 has no forwarding port, so no carrier. The live run waits 15.5 s of real time.
const STATES_SCRIPT = [
  'link add br0 address 02:00:00:00:00:10 type bridge',
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link set v0 master br0', 'link set v2 master br0',
  'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up', 'link set br0 up',
  'bridge link set dev v0 state 1',
  'bridge link set dev v2 state learning',
  'bridge link show',
  'link show br0',
  'at 15.5',
  'bridge link show',
  'link show br0',
].map(words);

describe('bridge port states LISTENING and LEARNING: as Linux', () => {
  ipScriptCases({
    fixture: new URL('../fixtures/bridge/bridge-port-states-ip.json', import.meta.url), prefix: 'np-bps', script: STATES_SCRIPT,
    opts: { noIpv6: true },
    check: (recorded) => {
      expect(recorded[12]!.stdout).toMatch(/v0@v1: .* state listening .*\n.*v2@v3: .* state learning /s);
      expect(recorded[13]!.stdout).toContain('NO-CARRIER');
      expect(recorded[15]!.stdout).toMatch(/v0@v1: .* state learning .*\n.*v2@v3: .* state forwarding /s);
      expect(recorded[16]!.stdout).not.toContain('NO-CARRIER');
    },
  });
});

// `ip link set DEV type bridge_slave ...` is a slave_changelink, which rtnl_changelink follows with NETDEV_CHANGE
// (as it does a kind's changelink):
// the bridge checks the port's carrier, so a running port with its carrier that the request (or an earlier
// `bridge link set`) disabled forwards again at once. `bridge link set` sends no such event.
const NOTIFY_SCRIPT = [
  'link add br0 address 02:00:00:00:00:10 type bridge',
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link set v1 up', 'link set v0 master br0', 'link set v0 up', 'link set br0 up',
  'link set v0 type bridge_slave state 0',
  'bridge link show',
  'bridge link set dev v0 state 0',
  'bridge link show',
  'link set v0 type bridge_slave learning off',
  'bridge link show',
  'bridge link set dev v0 state 0',
  'link set v0 type bridge_slave cost 0',
  'bridge link show',
  'link set v1 down',
  'link set v0 type bridge_slave state 0',
  'bridge link show',
  // a kind's own changelink (here macvlan_changelink) is followed by the same event; one that fails is not
  'link add mv0 link v1 type macvlan mode bridge',
  'link set mv0 master br0', 'link set v1 up', 'link set mv0 up',
  'bridge link set dev mv0 state 0',
  'link set mv0 type macvlan mode vepa',
  'bridge link show dev mv0',
  'bridge link set dev mv0 state 0',
  'link set mv0 type macvlan mode passthru',
  'bridge link show dev mv0',
].map(words);

describe('bridge port: NETDEV_CHANGE after `type bridge_slave`, as Linux', () => {
  ipScriptCases({
    fixture: new URL('../fixtures/bridge/bridge-port-notify-ip.json', import.meta.url), prefix: 'np-bpn', script: NOTIFY_SCRIPT,
    opts: { noIpv6: true },
    check: (recorded) => {
      expect(recorded[7]!.stdout).toContain('state forwarding');
      expect(recorded[9]!.stdout).toContain('state disabled');
      expect(recorded[11]!.stdout).toContain('state forwarding');
      expect(recorded[14]!.stdout).toContain('state disabled'); // the request failed: no event
      expect(recorded[24]!.stdout).toContain('state forwarding');
      expect(recorded[27]!.stdout).toContain('state disabled');
    },
  });
});
