// fib_table_lookup() with an output device (`ip route get ... oif DEV`): a route whose own nexthops
// all fail the device check lets the search go on to the next route of the same trie leaf
// (`continue`), but a route using a nexthop object with no path through that device ends the search
// in its leaf (`goto miss`): the shorter prefixes with the same key (198.0.0.0/8 behind 198.0.0.0/10)
// are never read, and the backtrace resumes above them. When nothing is found, ip_route_output
// assumes the destination is on the link of that device. Found by the routing differential
// (seed 300310077), recorded from the kernel and checked live.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/route-nh-miss.json', import.meta.url);
const SETUP = [
  'link add v0 type veth peer name v1', 'link add v2 type veth peer name v3',
  'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up',
  'addr add 198.51.100.125/28 dev v0', 'addr add 198.18.168.197/26 dev v2',
  'nexthop add id 1 via 198.51.100.123 dev v0', 'nexthop add id 2 via 198.18.168.198 dev v2', 'nexthop add id 20 group 1/2',
  // the same key, two lengths, nexthop objects: the /10's miss hides the /8
  'route add 198.0.0.0/8 nhid 20', 'route add 198.0.0.0/10 nhid 1',
  // the same key, two lengths, their own nexthops: the /25 does not hide the /24
  'route add 203.0.113.0/24 via 198.18.168.198 dev v2', 'route add 203.0.113.0/25 via 198.51.100.123 dev v0',
  // different keys: after the /25's miss the /24 is still found
  'route add 192.0.2.0/24 nhid 2', 'route add 192.0.2.128/25 nhid 1',
];
const CASES = [
  'route get 198.51.100.77 oif v2', 'route get 198.51.100.77 oif v0', 'route get 198.51.100.77',
  'route get 198.51.100.77 from 198.51.100.125 oif v2', '-j route get 198.0.0.1 oif v2',
  'route get 203.0.113.5 oif v2', 'route get 203.0.113.5 oif v0',
  'route get 192.0.2.200 oif v2', 'route get 192.0.2.200 oif v0', 'route get 192.0.2.5 oif v0',
  'route show',
];

const why = await netnsWhyNot();

describe('ip route get with oif over routes using nexthop objects: a miss ends the leaf', () => {
  ipCases({ fixture: FIXTURE, netns: 'np-nhmiss', setup: SETUP, cases: CASES, why });
});
