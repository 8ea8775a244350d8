// The bridge's group_fwd_mask (IFLA_BR_GROUP_FWD_MASK): set at creation or later, shown as %#x, refused for
// the restricted groups (STP, PAUSE, slow protocols: EINVAL, and at creation no bridge is left), iproute2
// refusing what is not a u16, another kind EOPNOTSUPP. What the mask forwards is checked frame by frame by
// test/device-diff.test.ts. Against the recorded kernel (RECORD=1 records again), and against the live
// kernel where a namespace can be made (the bridge stays down, so its gc_timer reads 0.00 in both).
import { describe, expect } from 'vitest';
import { ipScriptCases, words } from '../util/ip-script.js';

const SCRIPT = [
  'link add br0 address 02:00:00:00:00:10 type bridge group_fwd_mask 0x4000',
  '-j -d link show br0',
  'link set br0 type bridge group_fwd_mask 1',
  'link set br0 type bridge group_fwd_mask 0x10000',
  'link set br0 type bridge group_fwd_mask abc',
  'link set br0 type bridge group_fwd_mask 0xfff8',
  '-d link show br0',
  'link set br0 type bridge group_fwd_mask 0',
  '-j -d link show br0',
  'link add br1 type bridge group_fwd_mask 4',
  'link show br1',
  'link add v0 type veth peer name v1',
  'link set v0 type bridge group_fwd_mask 8',
].map(words);

const FIXTURE = new URL('../fixtures/bridge/bridge-group-fwd-mask-ip.json', import.meta.url);

describe('bridge group_fwd_mask: as Linux and iproute2', () => {
  ipScriptCases({
    fixture: FIXTURE, prefix: 'np-gfm', script: SCRIPT, opts: { noIpv6: true },
    check: (recorded) => {
      expect(recorded[1]!.stdout).toContain('"group_fwd_mask":"0x4000"');
      expect(recorded[2]!.stderr).toBe('RTNETLINK answers: Invalid argument\n');
    },
  });
});
