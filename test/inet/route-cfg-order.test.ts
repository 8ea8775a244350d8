// What `ip route add/del` is refused with when a request has more than one fault, and the scope
// iproute2 gives a device route with `nhid 0`. Since Linux 6.15 rtm_to_fib_config() checks the prefix
// against its length (fib_valid_key_len, once in fib_table_insert/delete) before the nexthop id:
// `route del 203.0.113.1/24 nhid 3` is an invalid prefix even when nexthop 3 does not exist, and
// inet_rtm_delroute() looks the nexthop up before the table. iproute_modify() decides the scope of a
// route from the id it parsed last, not from the word: `nhid 0` (no nexthop object to the kernel)
// leaves a device route its link scope. Found by the routing differential (NPDIFF_BASE=300410000,
// seeds 300410116 and 300410149), recorded from the kernel and checked live.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/route-cfg-order.json', import.meta.url);
const SETUP = [
  'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up',
  'addr add 198.51.100.1/24 dev v0',
  'nexthop add id 1 via 198.51.100.2 dev v0',
  'route add 203.0.113.0/24 table 100 nhid 1',
];
const CASES = [
  // the scope iproute2 asks for
  'route add 192.0.2.0/26 nhid 0 dev v0', 'route add 192.0.2.64/26 nhid 1 nhid 0 dev v0',
  'route add 192.0.2.128/26 nhid 1', 'route add 192.0.2.192/26 nhid 0 via 198.51.100.2',
  'route add 198.18.0.0/24 nhid 0 dev v0 scope global',
  'route show', '-j route show',
  'route del 192.0.2.0/26 nhid 0 dev v0', 'route show 192.0.2.0/24',
  // the order of the checks: a new route
  'route add 203.0.113.1/24 nhid 3 dev v0', 'route add 203.0.113.1/24 nhid 1 dev v0',
  'route add 203.0.113.1/24 nhid 3', 'route add 203.0.113.0/24 nhid 3 dev v0',
  'route add 203.0.113.1/24 table 300 nhid 1', 'route show table 300',
  // and a deletion
  'route del 203.0.113.1/24 nhid 3', 'route del 203.0.113.1/24 table 100 nhid 3',
  'route del 203.0.113.1/24 nhid 1 dev v0 table 100', 'route del 203.0.113.1/24 table 200',
  'route del 203.0.113.0/24 nhid 3 dev v0 table 100', 'route del 203.0.113.0/24 nhid 3 table 100',
  'route del 203.0.113.0/24 nhid 1 table 200', 'route del 203.0.113.0/24 nhid 1 table 100',
  'route show table 100',
];

const why = await netnsWhyNot();

describe('ip route add/del: the prefix is checked before the nexthop id; nhid 0 keeps link scope', () => {
  ipCases({ fixture: FIXTURE, netns: 'np-rtcfg', setup: SETUP, cases: CASES, why });
});
