// A bridge's MTU follows the smallest of its ports' until it is set (BROPT_MTU_SET_BY_USER); setting
// the MTU a device already has changes nothing (dev_set_mtu_ext returns at once), so a bridge set to
// its own MTU keeps following, and one going below 1280 loses its IPv6 groups. Against the recorded
// kernel (RECORD=1 records again), and against the live kernel where a namespace can be made.
import { describe, expect } from 'vitest';
import { ipScriptCases, words } from '../util/ip-script.js';

const SCRIPT = [
  'link add br0 address 02:00:00:00:00:10 type bridge',
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02', 'link set v0 master br0',
  'link set br0 mtu 1500', 'link set v0 mtu 1200', 'link show br0', 'maddr show dev br0',
  'link set br0 mtu 1400', 'link set v0 mtu 1300', 'link show br0', 'maddr show dev br0',
  'link set v0 mtu 1300', 'link set v0 mtu 1500', '-j link show br0',
].map(words);

const FIXTURE = new URL('../fixtures/bridge/bridge-mtu-ip.json', import.meta.url);

describe('a bridge set to the MTU it has: as Linux', () => {
  ipScriptCases({
    fixture: FIXTURE, prefix: 'np-brm', script: SCRIPT,
    check: (recorded) => {
      expect(recorded[5]!.stdout).toContain(' mtu 1200 '); // the recording shows the bridge following its port
    },
  });
});
