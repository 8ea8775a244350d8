// `ip route show|flush` filters that netpath refused or read wrongly, as iproute2 6.1 applies them
// (iproute_list_flush_or_save, filter_nlmsg): `from [root|match|exact] PREFIX` (an IPv4 route has no
// source prefix, rtm_src_len 0: a root or exact prefix longer than 0 drops every route, match keeps
// them all), `realm(s) [FROM/]TO` (a side left out is not compared; netpath's routes carry no
// realms, so only realm 0 matches), and `all`/`any` as the destination, which get_addr_1() gives the
// family asked for: without -4 that is AF_UNSPEC, no filter at all (`default` is always AF_INET).
// Found by a differential hunt, recorded from the kernel (NP_RECORD=1) and checked live; IPv6 is
// off in the namespace, as netpath has none.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/route-show-filters.json', import.meta.url);
const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link set lo up', 'link set v0 up', 'link set v1 up', 'addr add 192.0.2.1/24 dev v0',
  'route add 203.0.113.0/24 via 192.0.2.2 metric 10', 'route add unreachable 198.18.6.0/24 metric 5',
  'route add default via 192.0.2.3', 'route add 198.51.100.0/24 via 192.0.2.2 table 100',
];
const CASES = [
  'route show from 192.0.2.0/24', 'route show from 0/0', 'route show from default', 'route show from all',
  'route show from match 192.0.2.0/24', 'route show from root 192.0.2.0/24', 'route show from exact 0.0.0.0/0',
  '-4 route show from all', 'route show from foo',
  'route show realm 5', 'route show realms 1/2', 'route show realm 0', 'route show realms 0/0', 'route show realms /0',
  'route show realms 0/', 'route show realm cosmos', 'route show realms foo', 'route show realms 1/', '-4 route show realm 0 table all',
  'route show all', 'route show any', 'route show default', '-4 route show all', '-4 route show any', 'route show to all',
  'route show root any', 'route show match all', 'route show exact any', '-j route show all', 'route show via all', 'route show src any',
  'route show table 100 all', '-4 route flush table 100 all', 'route show table 100', 'route flush table 100 any', 'route show table 100',
];

const why = await netnsWhyNot();

describe('ip route show: from, realms, all and any as iproute2 6.1 filters them', () => {
  ipCases({
    fixture: FIXTURE, netns: 'np-routefilter', setup: SETUP, cases: CASES, why,
    prepare: (ns) => [['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']],
  });
});
