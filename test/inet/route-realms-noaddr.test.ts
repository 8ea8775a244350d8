// The realms of an input route come from the reverse-path lookup of the source (fib_validate_source,
// fib_combine_itag: the realms of the rule that found the way back, swapped), but __fib_validate_source
// drops them again when it ends at last_resort: the packet came in on a device without addresses,
// whose source is taken as it is. A local destination asked for through such a device has no `flow`;
// through a device with an address it keeps the rule's realms, swapped. Found by the routing
// differential (NPDIFF_BASE=300420000, seed 300420076), recorded from the kernel and checked live.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/route-realms-noaddr.json', import.meta.url);
const SETUP = [
  'link add v0 type veth peer name v1', 'link add v2 type veth peer name v3',
  'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up',
  'addr add 198.51.100.1/24 dev v0', 'addr add 203.0.113.1/24 dev v3',
  'route add default via 198.51.100.2',
  'rule add realms 1/2 table main pref 100',
];
const CASES = [
  // v2 has no address: last_resort, no realms
  '-j route get 198.51.100.1 from 192.0.2.5 iif v2', 'route get 198.51.100.1 from 192.0.2.5 iif v2',
  '-j route get 203.0.113.1 from 198.51.100.9 iif v2',
  // v3 has one: the reverse lookup's realms stay, swapped
  '-j route get 198.51.100.1 from 192.0.2.5 iif v3', 'route get 198.51.100.1 from 192.0.2.5 iif v3',
  // the source is on v0's own link: the reverse route leaves through v0, not v3
  '-j route get 203.0.113.1 from 198.51.100.9 iif v3',
  // v0 itself: the reverse route uses the device (dev_match)
  '-j route get 198.51.100.1 from 192.0.2.5 iif v0',
];

const why = await netnsWhyNot();

describe('input route realms: none when the source check ends at last_resort (a device without addresses)', () => {
  ipCases({ fixture: FIXTURE, netns: 'np-realms', setup: SETUP, cases: CASES, why });
});
