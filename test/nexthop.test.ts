// `ip nexthop` objects and routes using them (`nhid`): the same commands run in a netpath box and in a
// throwaway Linux namespace, one after another, so each case sees what the earlier ones did (adds,
// replaces, deletes, a device losing its carrier or going down). iproute2 6.1's answers are recorded in
// test/fixtures/ip/nexthop.json (NP_RECORD=1) and must come back byte for byte, errors and status too;
// where a namespace can be made the kernel is asked again.
import { describe } from 'vitest';
import { run } from './util/netns.js';
import { recordedCases, netnsWhyNot } from './util/recorded.js';

const FIXTURE = new URL('./fixtures/ip/nexthop.json', import.meta.url);

const SETUP = [
  'link set lo up',
  'link add v0 address 02:00:00:00:00:a0 type veth peer name p0 address 02:00:00:00:00:b0',
  'link add v1 address 02:00:00:00:00:a1 type veth peer name p1 address 02:00:00:00:00:b1',
  'link add v2 address 02:00:00:00:00:a2 type veth peer name p2 address 02:00:00:00:00:b2',
  'link set v0 up', 'link set p0 up', 'link set v1 up', 'link set p1 up', 'link set v2 up',
  'addr add 198.51.100.2/24 dev v0', 'addr add 203.0.113.2/24 dev v1', 'addr add 198.18.0.2/24 dev v2',
];
const CASES = [
  'nexthop show', 'nexthop flush', '-j nexthop show',
  // single nexthops and their errors
  'nexthop add id 1 via 198.51.100.1 dev v0', 'nexthop add id 2 via 203.0.113.1 dev v1 proto static',
  'nexthop add id 3 blackhole', 'nexthop add id 4 dev v0', 'nexthop add id 5 via 192.0.2.1 dev v1 onlink',
  'nexthop add id 6 via 203.0.113.2 dev v1', 'nexthop add dev v1', 'nexthop add id 0 via 198.51.100.9 dev v0',
  'nexthop add id 1 via 198.51.100.9 dev v0', 'nexthop add id 9 via 192.0.2.1 dev v0', 'nexthop add id 9 via 198.51.100.1',
  'nexthop add id 9 dev v2', 'nexthop add id 9 dev v0 onlink', 'nexthop add id 9 blackhole dev v0',
  'nexthop add id 9 via 198.51.100.1 dev v1', 'nexthop add id 9 via 198.51.100.1 dev nosuch', 'nexthop add id x dev v0',
  'nexthop add id 9 foo', 'nexthop add id 9 via 203.0.113.1 dev v1 fdb', '-4 nexthop add id 9 dev v0',
  'nexthop show', '-j nexthop show', 'nexthop show dev v0', '-j nexthop show dev v1', 'nexthop get id 2',
  '-j nexthop get id 3', 'nexthop show id 5', 'nexthop show id 99', 'nexthop get id 0', 'nexthop show id 0',
  // groups
  'nexthop add id 10 group 1/2,3', 'nexthop add id 11 group 1,5/2', 'nexthop add id 12 group 3',
  'nexthop add id 13 group 1/3', 'nexthop add id 13 group 10/2', 'nexthop add id 13 group 1/1',
  'nexthop add id 13 group 1/99', 'nexthop add id 13 group 1,0/2', 'nexthop add id 13 group 1,257',
  'nexthop add id 13 group 1/x', 'nexthop add id 13 group ""', '-4 nexthop add id 13 group 1/2',
  'nexthop show groups', '-j nexthop show', '-4 nexthop show', '-j nexthop get id 11',
  // routes using them
  'route add 192.0.2.0/26 nhid 1', 'route add 192.0.2.64/26 nhid 10', 'route add 192.0.2.128/26 nhid 3',
  'route add 192.0.2.192/26 nhid 12', 'route add 198.18.1.0/24 nhid 2 table 100', 'route add 198.18.2.0/24 nhid 4 metric 7',
  'route add 192.0.2.32/28 nhid 11', 'route add 198.18.5.0/24 nhid 10 tos 0x10',
  // a broadcast route through a nexthop of its own: Linux caches one output route per nexthop
  // (nhc_pcpu_rth_output) and hands it to every route sharing it, whatever their types
  'nexthop add id 14 via 198.51.100.4 dev v0', 'route add broadcast 198.18.4.0/24 nhid 14',
  'route add 198.18.3.0/24 nhid 99', 'route add 198.18.3.0/24 nhid 1 dev v0', 'route add local 198.18.3.0/24 nhid 1',
  'route add 198.18.3.0/24 nhid 10 scope host', 'route add 198.18.3.0/24 nhid 5 scope link', 'route add 198.18.3.0/24 nhid x',
  'route add 198.18.3.0/24 nhid 0', 'route add 198.18.3.0/24 nhid 1 scope link',
  'route show', '-j route show', 'route show table all', '-j route show table 100',
  'route get 192.0.2.1', '-j route get 192.0.2.70', 'route get 192.0.2.71 from 203.0.113.9 iif p1',
  'route get 192.0.2.66', 'route get 192.0.2.67', 'route get 192.0.2.68', 'route get 192.0.2.69', 'route get 192.0.2.72',
  'route get 192.0.2.73 from 203.0.113.2', 'route get 192.0.2.74 ipproto tcp sport 1000 dport 80',
  'route get 192.0.2.75 from 203.0.113.9 iif p0', 'route get 192.0.2.76 from 198.51.100.9 iif v0', '-j route get 192.0.2.77 from 198.51.100.8 iif v0',
  'route get 192.0.2.33', 'route get 192.0.2.34', 'route get 192.0.2.35', '-j route get 192.0.2.36', 'route get 198.18.4.255',
  'route get 198.18.4.7', '-j route get 192.0.2.37 fibmatch', 'route show table all type broadcast', '-j route show tos 0x10',
  'route get 192.0.2.129', 'route get 192.0.2.200', '-j route get 192.0.2.65 fibmatch',
  'route add 192.0.2.0/26 nhid 2', 'route replace 192.0.2.0/26 nhid 2', 'route show 192.0.2.0/26',
  'route del 192.0.2.0/26 nhid 1', 'route del 192.0.2.0/26 via 203.0.113.1', 'route del 192.0.2.0/26 nhid 2', 'route show',
  // replace, then the cascades
  'nexthop replace id 1 blackhole', 'nexthop replace id 12 group 3', 'nexthop replace id 3 blackhole',
  'nexthop replace id 1 via 198.51.100.7 dev v0', 'nexthop replace id 3 via 198.51.100.5 dev v0',
  'nexthop replace id 10 via 198.51.100.5 dev v0', 'nexthop replace id 2 group 1', 'nexthop replace id 11 group 1,3/2,4',
  'nexthop replace id 40 dev v1', 'nexthop replace dev v1', 'route show', 'nexthop show',
  'route add 198.18.3.0/24 nhid 5 scope link', 'nexthop replace id 5 via 192.0.2.9 dev v1 onlink', 'nexthop replace id 5 dev v1',
  'nexthop del id 99', 'nexthop del', 'nexthop del id 2 dev v1', 'nexthop del id x',
  'link set p1 down', 'nexthop show', 'route show', '-j route show table all',
  'nexthop del id 1', 'nexthop show', 'route show',
  'link set v0 down', 'nexthop show', 'route show', 'link set v0 up',
  'nexthop add id 20 via 198.51.100.1 dev v0', 'nexthop add id 21 via 198.51.100.3 dev v0', 'nexthop add id 22 group 20/21',
  'route add 192.0.2.0/24 nhid 22', 'addr del 198.51.100.2/24 dev v0', 'nexthop show', 'route show',
  'nexthop flush dev v0', 'nexthop show', 'route show', 'nexthop flush', 'nexthop show', 'nexthop flush',
  // what is refused before what (6.18: the request's own checks, then a replace without an id, then other objects)
  'link set v2 down', 'nexthop replace id 0 group 1/99', 'nexthop replace id 0 group 1/1', 'nexthop replace id 0 via 198.18.0.1 dev v2',
  'nexthop replace id 0 via 198.18.0.1', 'nexthop add id 77 dev v2 onlink', 'nexthop add id 77 via 198.18.0.1 dev v2', 'link set v2 up',
  // a nexthop object chooses its source address once, for one scope below its own (the site address), and the
  // route keeps that until an address changes; then it is chosen again for the route's scope (the global one)
  'addr add 198.51.100.2/24 dev v0', 'addr add 198.18.9.2/24 scope site dev v0', 'nexthop add id 80 via 198.18.9.1 dev v0',
  'route add 192.0.2.0/24 nhid 80', 'route get 192.0.2.1', 'link set v1 down', 'route get 192.0.2.1', 'link set v1 up',
  'route get 192.0.2.1', 'nexthop replace id 80 via 198.18.9.1 dev v0', 'route get 192.0.2.1',
  'addr add 198.18.9.3/24 scope site dev v2', 'route get 192.0.2.1', 'nexthop flush', 'addr del 198.18.9.3/24 dev v2',
  'addr del 198.18.9.2/24 dev v0',
];

const SEED = 1234;
const why = await netnsWhyNot();

describe('ip nexthop and nhid routes: byte for byte what iproute2 6.1 prints on Linux', () => {
  recordedCases({
    fixture: FIXTURE, netns: 'np-nh', setup: SETUP, cases: CASES, why, tool: 'ip',
    // a fixed multipath hash seed on both sides (with 0 Linux draws one at boot), so a group's choice can be compared
    // and forwarding on, for the input path through the objects
    prepare: (ns) => [['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1', `net.ipv4.fib_multipath_hash_seed=${SEED}`, 'net.ipv4.ip_forward=1']],
    kernelArgv: (ns, c) => ['ip', '-n', ns, ...c.split(' ').map((w) => (w === '""' ? '' : w))],
    netpath: (box, c) => {
      box.sysctl('net.ipv4.fib_multipath_hash_seed', String(SEED));
      box.sysctl('net.ipv4.ip_forward', '1');
      return box.ip(c.split(' ').map((w) => (w === '""' ? '' : w)));
    },
    meta: async () => ({ iproute2: (await run('ip', ['-V'])).stdout.trim() }),
  });
});
