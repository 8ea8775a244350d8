// `ip -br link` / `ip -br addr`: the same commands build a netpath box and a
// throwaway Linux namespace (IPv6 off there: netpath has none); iproute2 6.1's
// output for each case was recorded (test/fixtures/ip/brief.json, NP_RECORD=1)
// and must come back byte for byte. When a namespace can be made, the kernel
// is asked again.
import { describe } from 'vitest';
import { ipCases, netnsWhyNot } from './util/recorded.js';

const FIXTURE = new URL('./fixtures/ip/brief.json', import.meta.url);

const SETUP = [
  'link set lo up',
  'link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1',
  'link add a0 address 02:00:00:00:00:b0 type veth peer name a1 address 02:00:00:00:00:b1',
  'link add averyveryverylo address 02:00:00:00:00:c0 type veth peer name b1 address 02:00:00:00:00:c1',
  'link set v0 up', 'link set v1 up', 'link set a0 up', 'link set averyveryverylo up',
  'addr add 192.0.2.1/24 dev v0', 'addr add 198.51.100.1/24 dev v0', 'addr add 192.0.2.2/24 dev v0',
  'addr add 203.0.113.7/32 dev v1', 'addr add 192.0.2.100 peer 192.0.2.200/32 dev v1',
  'addr add 198.18.0.1/15 dev b1', 'addr add 198.19.0.1/24 dev averyveryverylo',
];
const CASES = [
  '-br link', '-brief link show', '-br link show dev v0', '-br link show v1', '-br link show up', '-br -s link', '-br -d link show dev lo',
  '-br addr', '-br addr show', '-br -4 addr', '-br -4 addr show up', '-br addr show up', '-br addr show dev v1', '-br addr show dev a0',
  '-br -4 addr show dev a1', '-br -4 addr show dev averyveryverylo', '-br link show dev nosuch', '-br addr show dev nosuch',
  '-j -br link', '-j -br addr', '-j -br -4 addr show dev v0', '-j -br link show dev a0',
  '-br addr show label v0', '-br addr show label v*', '-j -br addr show label v1', '-br addr show scope host', '-br addr show secondary',
  '-br addr show to 192.0.2.0/24', '-br -o link', '-br -o addr', '-br -4 -o addr show dev v1',
];

const why = await netnsWhyNot();

describe('ip -brief: byte for byte what iproute2 6.1 prints', () => {
  ipCases({
    fixture: FIXTURE, netns: 'np-brief', setup: SETUP, cases: CASES, why,
    // netpath has no IPv6: no fe80:: or ::1 addresses in the kernel's answers either
    prepare: (ns) => [['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']],
  });
});
