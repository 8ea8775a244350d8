// A device with a queue length of 0: iproute2's print_queuelen prints no "qlen" (text) and no "txqlen"
// (JSON) for it. Against the recorded kernel (RECORD=1 records again), and against the live kernel where a
// namespace can be made.
import { describe, expect } from 'vitest';
import { ipScriptCases, words } from '../util/ip-script.js';

const SCRIPT = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link set v0 txqueuelen 0',
  'link show v0',
  '-j link show v0',
  '-j -d link show v0',
  '-s link show v0',
  'addr show dev v0',
  '-j addr show dev v0',
  '-br link show v0',
  'link set v0 txqueuelen 5',
  'link show v0',
].map(words);

const FIXTURE = new URL('../fixtures/devices/link-txqlen-ip.json', import.meta.url);

describe('ip link of a device with txqueuelen 0: as iproute2', () => {
  ipScriptCases({
    fixture: FIXTURE, prefix: 'np-qlen', script: SCRIPT, opts: { noIpv6: true },
    check: (recorded) => {
      expect(recorded[2]!.stdout).toMatch(/group default \n/);
      expect(recorded[3]!.stdout).not.toContain('txqlen');
    },
  });
});
