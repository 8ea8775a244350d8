// `ip route get ... connected` as iproute2 6.1 answers it (iproute_get): without `from`, the
// answer is printed, its RTA_PREFSRC is turned into RTA_SRC in the answer's own buffer, but the
// request is sent again unchanged and its answer (the same route) is printed after
// delete_json_obj(), so as text even under -j: two answers, the second never JSON. An answer
// with neither RTA_PREFSRC nor RTA_SRC fails with "Failed to connect the route" (status 1), the
// first answer's JSON array left open. With `from` the option does nothing. netpath used to
// ignore the word. Found by a differential hunt, recorded from the kernel (NP_RECORD=1) and
// checked live.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/route-get-connected.json', import.meta.url);
const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link set lo up', 'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up',
  'addr add 192.0.2.1/24 dev v0',
  'route add 203.0.113.0/24 via 192.0.2.2', 'route add 198.51.100.0/24 dev v2',
];
const CASES = [
  'route get 203.0.113.9 connected', '-j route get 203.0.113.9 connected', '-j -p route get 203.0.113.9 connected',
  '-d route get 203.0.113.9 connected', 'route get 127.0.0.1 conn', '-j route get 192.0.2.1 connected',
  // with `from`: one answer
  'route get 203.0.113.9 from 192.0.2.1 connected', '-j route get 203.0.113.9 from 192.0.2.1 connected',
  'route get 203.0.113.9 from 192.0.2.7 iif v0 connected',
  // an input route without `from`: connected again
  '-j route get 203.0.113.9 iif v0 connected',
  // fibmatch: the FIB entry twice, or no prefsrc to connect with
  '-j route get 192.0.2.9 fibmatch connected', 'route get 192.0.2.9 fibmatch connected', '-j route get 203.0.113.9 fibmatch connected',
  '-j -p route get 203.0.113.9 fibmatch connected',
];

const why = await netnsWhyNot();

describe('ip route get connected: the answer twice, the second as text', () => {
  ipCases({ fixture: FIXTURE, netns: 'np-connected', setup: SETUP, cases: CASES, why });
});
