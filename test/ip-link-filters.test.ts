// `ip link show` and `ip addr show` with the device filters of ipaddr_list_flush_or_save(): group,
// master, vrf and type (KIND or KIND_slave), which netpath refused as garbage. Without `dev` the
// kernel's dump leaves out what IFLA_MASTER and a kind it knows exclude (rtnl_dump_ifinfo:
// link_master_filtered, link_kind_filtered); print_linkinfo() refuses the rest (group, slave kind, an
// unknown kind, anything with `dev`), which prints nothing but leaves `{}` in JSON; under a label
// filter it returns before the group test, and with -o it is not called at all. Found by a
// differential hunt, recorded from the kernel (NP_RECORD=1) and checked live; IPv6 is off in the
// namespace, as netpath has none.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from './util/recorded.js';

const FIXTURE = new URL('./fixtures/ip/link-filters.json', import.meta.url);
const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link add br0 address 02:00:00:00:00:10 type bridge',
  'link set lo up', 'link set v2 up', 'link set v3 up', 'link set v1 master br0', 'link set v0 group 5',
  'addr add 192.0.2.1/24 dev v2', 'addr add 198.51.100.1/24 dev v0',
];
const CASES = [
  '-j link show group 5', 'link show group 5', '-j link show group default', 'link show group foo', '-j -br link show group 5',
  '-j link show type veth', '-br link show type veth', '-j link show type bridge_slave', '-j link show type foo', '-j link show type loopback',
  '-o link show type bridge', '-j link show master br0', 'link show master nosuch', 'link show vrf br0', 'link show vrf nosuch',
  '-j link show dev v0 type bridge', '-j link show dev v0 type veth', '-j link show dev v1 group 5', '-j link show dev v0 group 5',
  '-j link show dev v0 master br0',
  '-j addr show group 5', '-j addr show dev v0 group 5', '-j addr show dev v1 group 5', '-j -o addr show group 5', '-j -br addr show group 5',
  '-s -j addr show group 5', '-j addr show label v2 group 7', '-j addr show master br0', '-j addr show dev v0 master br0',
  '-j addr show type veth', 'addr show type bridge_slave', '-j addr show type bridge', '-br addr show type bridge',
  '-j addr show dev v0 type bridge', '-j addr show up type veth', 'addr show vrf br0',
  // a flush applies none of them, nor up (ipaddr_flush: print_addrinfo over the address dump)
  'addr flush dev v0 group 7', '-br addr show', 'addr flush up', '-br addr show',
];

const why = await netnsWhyNot();

describe('ip link/addr show group, master, vrf, type: as iproute2 6.1 filters them', () => {
  ipCases({
    fixture: FIXTURE, netns: 'np-linkfilter', setup: SETUP, cases: CASES, why,
    prepare: (ns) => [['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']],
  });
});
