// `ip -j addr show` and `ip -j link show` with filters, as iproute2 6.1 prints them. print_selected_addrinfo() opens a
// JSON object for every address of a listed device before print_addrinfo() applies the scope,
// flag (primary/secondary/...), label and `to` filters, so an address that fails them is an
// empty object `{}` among the others; with `up`, print_linkinfo() refuses a device that is down
// after its object was opened (`{}`, or `{"addr_info":[]}` where no device part is printed);
// with -o there is no device part (no_link) and each address names its device (index, dev).
// Text output prints none of this. Found by a differential hunt (hand-written filters the
// generator does not draw), recorded from the kernel (NP_RECORD=1) and checked live; IPv6 is
// off in the namespace, as netpath has none.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from './util/recorded.js';

const FIXTURE = new URL('./fixtures/ip/filter-json.json', import.meta.url);
const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link set lo up', 'link set v2 up', 'link set v3 up',
  'addr add 192.0.2.1/24 dev v0', 'addr add 192.0.2.5/24 dev v0', 'addr add 198.51.100.1/24 dev v0 scope link',
  'addr add 198.18.0.1/15 dev v2 label v2:foo', 'addr add 198.18.0.2/15 dev v2 label v2:bar', 'addr add 203.0.113.1/24 dev v2',
  'addr add 203.0.113.9 peer 203.0.113.10/32 dev v3',
  'link add br0 address 02:00:00:00:00:10 type bridge', 'link set v1 master br0',
];
const CASES = [
  '-j addr show secondary', '-j addr show primary', '-j addr show scope link', '-j addr show scope host',
  '-j addr show label v2:f*', '-j addr show dev v2 label v2:bar', '-j addr show to 198.18.0.0/16', '-j addr show to 192.0.2.5',
  '-j addr show up', '-j addr show permanent up', '-j addr show dev v0 up', '-j addr show dev v2 up primary', '-j -p addr show secondary',
  '-j -s addr show secondary', '-j -s addr show label v2:f*',
  '-j -br addr show secondary', '-j -br addr show up', '-j -br addr show label v2:f*',
  '-j -o addr show', '-j -o addr show secondary', '-j -o addr show up', '-j -o addr show label v2:f*', '-j -s -o addr show',
  '-j link show up', '-j -br link show up', '-j -o link show up', '-j -s link show up', '-j link show dev v0 up', '-j -br link show dev v0 up',
  '-j link show master br0 up',
  // the same in text: no trace of the filtered-out addresses or refused devices
  'addr show secondary', 'addr show up', '-o addr show secondary', '-br addr show up', 'link show up', 'link show dev v0 up', '-br link show up',
];

const why = await netnsWhyNot();

describe('ip -j addr/link show with filters: empty objects where iproute2 6.1 leaves them', () => {
  ipCases({
    fixture: FIXTURE, netns: 'np-filterjson', setup: SETUP, cases: CASES, why,
    prepare: (ns) => [['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']],
  });
});
