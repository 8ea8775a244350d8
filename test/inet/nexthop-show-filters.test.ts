// `ip nexthop show|flush` with the selectors of iproute2 6.1's ipnh_list_flush() that netpath refused:
// `master DEV` (nh_dump_filtered: no group, only nexthops whose device is enslaved to DEV), `vrf NAME`
// (no VRF here: "Invalid VRF") and `fdb`, which the kernel parses (NHA_FDB) but nh_dump_filtered()
// never tests, so the listing is whole. Found by a differential hunt, recorded from the kernel
// (NP_RECORD=1) and checked live.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/nexthop-show-filters.json', import.meta.url);
const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link add br0 address 02:00:00:00:00:10 type bridge', 'link set v2 master br0',
  'link set lo up', 'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up', 'link set br0 up',
  'addr add 192.0.2.1/24 dev v0',
  'nexthop add id 1 via 192.0.2.2 dev v0', 'nexthop add id 2 via 192.0.2.3 dev v0 proto static', 'nexthop add id 3 blackhole',
  'nexthop add id 10 group 1/2', 'nexthop add id 20 dev v2',
];
const CASES = [
  'nexthop show fdb', '-j nexthop show fdb', 'nexthop list f', 'nexthop show fdb groups', 'nexthop show master v0', 'nexthop show master br0',
  '-j nexthop show master br0', 'nexthop show master nosuch', 'nexthop show groups master br0', 'nexthop show dev v2 master br0',
  'nexthop show vrf v0', 'nexthop show vrf nosuch', 'nexthop flush master br0', 'nexthop show',
];

const why = await netnsWhyNot();

describe('ip nexthop show master, vrf, fdb: as iproute2 6.1 and the kernel filter them', () => {
  ipCases({ fixture: FIXTURE, netns: 'np-nhfilter', setup: SETUP, cases: CASES, why });
});
