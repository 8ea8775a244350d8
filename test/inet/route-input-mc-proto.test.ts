// The source check of a multicast or limited-broadcast input route (ip_mc_validate_source, brd_input ->
// fib_validate_source) looks up the source with the packet's protocol and ports when a rule asks for
// them, as the unicast path does. netpath took them from whatever flow was looked up before, so a
// UDP query after a TCP one passed where the kernel refused it. Found by the routing differential
// (NPDIFF_BASE=777000000, seed 777000081); recorded from the kernel and checked live.
import { describe } from 'vitest';
import { netnsWhyNot, ipCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/inet/route-input-mc-proto.json', import.meta.url);
const SETUP = [
  'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 192.0.2.1/24 dev v0',
  // UDP sources in 198.51.100.0/24 look up as local addresses: a martian source without accept_local
  'route add local 198.51.100.0/24 dev lo table 10', 'rule add pref 10 ipproto udp lookup 10',
];
const CASES = [
  'route get 192.0.2.1 from 198.51.100.9 iif v0 ipproto tcp', 'route get 224.0.0.1 from 198.51.100.9 iif v0',
  'route get 224.0.0.1 from 198.51.100.9 iif v0 ipproto tcp', 'route get 224.0.0.1 from 198.51.100.9 iif v0 ipproto udp',
  'route get 192.0.2.1 from 198.51.100.9 iif v0 ipproto tcp', 'route get 255.255.255.255 from 198.51.100.9 iif v0',
  'route get 255.255.255.255 from 198.51.100.9 iif v0 ipproto tcp', 'route get 192.0.2.1 from 198.51.100.9 iif v0',
];

const why = await netnsWhyNot();

describe('ip route get of a multicast or broadcast input: the source checked with the packet\'s protocol', () => {
  ipCases({ fixture: FIXTURE, netns: 'np-rtmcp', setup: SETUP, cases: CASES, why });
});
