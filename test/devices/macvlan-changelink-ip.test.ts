// `ip link set DEV type macvlan ...` (macvlan_changelink) and the macvlan options of iproute2's
// macvlan_parse_opt: the mode changes but passthru can be neither set nor left (EINVAL); on a passthru port a
// changed NOPROMISC moves the lower's promiscuity at once, up or not, and fails with EOVERFLOW where the
// unsigned count would come back to 0 going up; bcqueuelen is each macvlan's request and its port uses the
// largest (update_port_bc_queue_len); another kind is EOPNOTSUPP; iproute2 refuses NOPROMISC without
// `mode passthru` in the same command. Against the recorded kernel (RECORD=1 records again), and against
// the live kernel where a namespace can be made.
import { describe, expect } from 'vitest';
import { ipScriptCases, words } from '../util/ip-script.js';

const SCRIPT = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add mv0 link v0 address 02:00:00:00:00:20 type macvlan mode bridge nopromisc',
  'link add mv0 link v0 address 02:00:00:00:00:20 type macvlan mode bridge',
  'link set v0 type macvlan mode bridge',
  'link set mv0 type macvlan',
  'link set mv0 type macvlan bcqueuelen 5',
  '-d link show mv0',
  'link set mv0 type macvlan mode source',
  '-d link show mv0',
  'link set mv0 type macvlan mode vepa',
  'link set mv0 type macvlan nodst',
  '-d link show mv0',
  'link set mv0 type macvlan mode vepa flag null',
  '-d link show mv0',
  'link set mv0 type veth',
  'link set v0 type veth',
  'link set v0 type dummy',
  'link set v0 type bridge',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link add mv2 link v2 type macvlan mode passthru',
  'link set mv2 type macvlan mode passthru nopromisc',
  '-d link show v2',
  'link set v2 up',
  'link set mv2 up',
  '-d link show v2',
  'link set mv2 type macvlan mode passthru flag null',
  '-d link show v2',
  'link set mv2 type macvlan mode passthru nopromisc',
  '-d link show v2',
  'link set mv2 down',
  '-d link show v2',
  'link set mv2 type macvlan mode passthru',
  '-d link show v2',
  'link set mv2 type macvlan mode bridge',
  '-j -d link show mv0',
  'link add v4 address 02:00:00:00:00:05 type veth peer name v5 address 02:00:00:00:00:06',
  'link add mv4 link v4 address 02:00:00:00:00:40 type macvlan bcqueuelen 50',
  'link add mv5 link v4 address 02:00:00:00:00:41 type macvlan mode bridge bcqueuelen 0x20 nodst',
  '-d link show mv4',
  '-j -d link show mv5',
  'link set mv4 type macvlan bcqueuelen 10',
  '-d link show mv5',
  'link del mv4',
  '-d link show mv5',
  'link set mv5 type macvlan mode private flag null',
  '-d link show mv5',
  'link add mv6 link v4 type macvlan mode vepa flag foo',
  'link add mv6 link v4 type macvlan bcqueuelen -3',
  'link add mv6 link v4 type macvlan nopromisc',
  'link add mv6 link v4 address 02:00:00:00:00:42 type macvlan mode source',
  '-d link show mv6',
].map(words);

const FIXTURE = new URL('../fixtures/devices/macvlan-changelink-ip.json', import.meta.url);
const answer = (steps: { argv: string[]; stdout: string; stderr: string; status: number }[], cmd: string) => {
  const s = steps.find((x) => x.argv.join(' ') === cmd);
  return s && `${s.status} ${s.stderr}`;
};

describe('macvlan changelink and options: as Linux and iproute2', () => {
  ipScriptCases({
    fixture: FIXTURE, prefix: 'np-mvcl', script: SCRIPT, opts: { noIpv6: true },
    check: (recorded) => {
      // the recording has the refusals this test is about
      expect(answer(recorded, 'link set v0 type macvlan mode bridge')).toBe('2 RTNETLINK answers: Operation not supported\n');
      expect(answer(recorded, 'link set mv2 type macvlan mode bridge')).toBe('2 RTNETLINK answers: Invalid argument\n');
      expect(answer(recorded, 'link set mv2 type macvlan mode passthru flag null')).toBe('2 RTNETLINK answers: Value too large for defined data type\n');
    },
  });
});
