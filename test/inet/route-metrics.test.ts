// Route metrics (RTA_METRICS) in `ip route`, as iproute2 6.1 parses and prints them and Linux keeps
// them (ip_metrics_convert's clamps, fib_find_info's comparison of whole sets for append and
// replace, fib_metrics_match for a delete, the metrics of the dst in `ip route get`, its input
// route included, and nothing for a local one). Recorded from the kernel (NP_RECORD=1) and
// checked live; IPv6 is off in the namespace, as netpath has none.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/route-metrics.json', import.meta.url);
const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link set lo up', 'link set v0 up', 'link set v1 up', 'addr add 192.0.2.1/24 dev v0', 'addr add 198.18.0.1/24 dev v1',
  'nexthop add id 5 via 192.0.2.2 dev v0',
];
const CASES = [
  // every keyword, units, locks, clamps
  'route add 203.0.113.0/24 via 192.0.2.2 mtu 1400 advmss 1200 hoplimit 33 window 5000 cwnd 3 initcwnd 10 initrwnd 9',
  'route add 203.0.114.0/24 via 192.0.2.2 rtt 3s rttvar 10ms rto_min 200ms ssthresh 7 reordering 4 features ecn quickack 1 congctl cubic fastopen_no_cookie 1',
  'route add 203.0.115.0/24 via 192.0.2.2 mtu lock 1300 hoplimit lock 5 advmss lock 100 congctl lock reno',
  'route add 203.0.116.0/24 via 192.0.2.2 mtu 70000 advmss 70000 hoplimit 255',
  'route add 203.0.117.0/24 via 192.0.2.2 mtu lock 0',
  'route add 203.0.118.0/24 via 192.0.2.2 rtt 1.5 rttvar 0x10 rto_min 3000',
  'route add 203.0.119.0/24 via 192.0.2.2 rtt 2.5s rttvar 1.25secs rto_min 1500msec',
  'route add 203.0.120.0/24 via 192.0.2.2 rtt -1',
  'route add 203.0.121.0/24 via 192.0.2.2 mtu 0x10 window 010 expires 10',
  'route add 203.0.122.0/24 via 192.0.2.2 mtu lock 1300 mtu 1200',
  'route add 203.0.123.0/24 via 192.0.2.2 s 5 r 6 w 7 c 8 i 9 q 0 f ecn co reno',
  'route add 203.0.124.0/24 via 192.0.2.2 window lock 3 cwnd lock 4 rtt lock 80 rttvar lock 2s ssthresh lock 9 reordering lock 3 initcwnd lock 4 initrwnd lock 5',
  // errors
  'route add 198.51.100.0/24 via 192.0.2.2 quickack 2', 'route add 198.51.100.0/24 via 192.0.2.2 hoplimit 256',
  'route add 198.51.100.0/24 via 192.0.2.2 mtu lock', 'route add 198.51.100.0/24 via 192.0.2.2 features foo',
  'route add 198.51.100.0/24 via 192.0.2.2 rtt 5x', 'route add 198.51.100.0/24 via 192.0.2.2 mtu -1',
  'route add 198.51.100.0/24 via 192.0.2.2 congctl nosuchalgo', 'route add 198.51.100.0/24 via 192.0.2.2 fastopen_no_cookie 3',
  'route add 198.51.100.0/24 via 192.0.2.2 expires x', 'route add 198.51.100.0/24 via 192.0.2.2 rto_min 1e3',
  'route add 198.51.100.0/24 via 192.0.2.2 mtu 4294967296', 'route add 198.51.100.0/24 via 192.0.2.2 ssthresh',
  // sets compared whole: append, replace, delete
  'route add 198.51.100.0/24 via 192.0.2.2 mtu 1400', 'route append 198.51.100.0/24 via 192.0.2.2 mtu 1300',
  'route append 198.51.100.0/24 via 192.0.2.2 mtu 1300', 'route append 198.51.100.0/24 via 192.0.2.2',
  'route add 198.51.100.0/24 via 192.0.2.2 mtu 1300 metric 5', 'route show 198.51.100.0/24',
  'route del 198.51.100.0/24 mtu 1200', 'route del 198.51.100.0/24 mtu 1300', 'route show 198.51.100.0/24',
  'route del 198.51.100.0/24 mtu 1400 hoplimit 0', 'route show 198.51.100.0/24',
  'route del 203.0.122.0/24 mtu 1300 mtu 1200', 'route del 203.0.122.0/24 mtu lock 1200', 'route del 203.0.122.0/24 mtu 1200',
  'route replace 198.51.100.0/24 via 192.0.2.2 hoplimit 9', 'route show 198.51.100.0/24',
  'route replace 198.51.100.0/24 via 192.0.2.2 hoplimit 9', 'route change 198.51.100.0/24 via 192.0.2.2',
  'route show 198.51.100.0/24', 'route del 198.51.100.0/24 metric 5 mtu 70000', 'route del 198.51.100.0/24 metric 5 mtu 1300',
  // with a nexthop object, several nexthops, other tables
  'route add 198.51.101.0/24 nhid 5 mtu 1234', '-d route show 198.51.101.0/24', '-d -j route show 198.51.101.0/24',
  'route add 198.51.102.0/24 mtu 1111 initcwnd 4 nexthop via 192.0.2.2 nexthop via 192.0.2.3',
  'route add 198.51.103.0/24 via 192.0.2.2 table 100 hoplimit 7', 'route add blackhole 198.51.104.0/24 mtu 900',
  'route add unreachable 198.51.105.0/24 hoplimit 3',
  // what shows them
  'route show', '-j route show', '-d route show', 'route show table all', 'route show table 100', '-j -p route show table 100',
  'route get 203.0.113.9', 'route get 203.0.114.9', '-j route get 203.0.114.9', 'route get 203.0.115.9', 'route get 203.0.117.9',
  'route get 198.51.102.9 fibmatch', 'route get 198.51.101.9 fibmatch', 'route get 198.51.104.9', 'route get 198.51.105.9',
  'route get 203.0.113.9 from 198.18.0.7 iif v1', '-j route get 203.0.113.9 from 198.18.0.7 iif v1',
  'route get 192.0.2.1 from 198.18.0.7 iif v1', 'route get 192.0.2.1',
  'route flush 203.0.113.0/24', 'route show 203.0.113.0/24',
];

const why = await netnsWhyNot();

describe('ip route: metrics as iproute2 6.1 and Linux handle them', () => {
  ipCases({
    fixture: FIXTURE, netns: 'np-routemx', setup: SETUP, cases: CASES, why,
    prepare: (ns) => [['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1',
      'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']],
    boxPrepare: (box) => { box.sysctl('net.ipv4.ip_forward', 1); box.sysctl('net.ipv4.conf.all.rp_filter', 0); box.sysctl('net.ipv4.conf.default.rp_filter', 0); },
  });
});
