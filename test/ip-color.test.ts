// `ip -c` (-color[=always|auto|never]) against the kernel: the fields iproute2 6.1 colours (lib/color.c's
// attributes: ifname cyan, MAC yellow, IPv4 magenta, operstate UP green / DOWN red) in ip link (text,
// -br, -o, -d, -s), ip addr (text, -br, -o), ip route (show, get), ip rule, ip neigh, ip nexthop,
// ip ntable, ip netconf and ip tuntap, with the blanks and colons each coloured span takes from iproute2's format
// strings; the option's spellings and refusals; and JSON, which is never coloured. The kernel here has
// IPv6, netpath has not: addresses are asked for with -4. The kernel's answers were recorded in a
// throwaway namespace (RECORD=1 rewrites the fixture); with namespaces available the test also asks
// the live kernel. Masked: ntable's `reachable`, which the kernel draws at random
// (neigh_rand_reach_time). Not asked: `ip -d route` of a route with nhid, whose nh_info line netpath
// does not print (with or without colour).
import { describe, it, expect } from 'vitest';
import { Box } from '../src/box.js';
import { canMakeNamespace } from './diff/kernel.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words, type IpStep } from './util/ip-script.js';

const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  // never up: no carrier, no traffic, so its counters stay 0 for -s
  'link add v4 address 02:00:00:00:00:05 type veth peer name v5 address 02:00:00:00:00:06',
  'link set lo up', 'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up',
  'addr add 192.0.2.1/24 dev v0', 'addr add 192.0.2.5/24 dev v0', 'addr add 198.51.100.1/24 brd + dev v2',
  'addr add 203.0.113.1 peer 203.0.113.2/32 dev v1', 'addr add 198.18.0.1/16 dev v0 label v0:1',
  'route add 203.0.113.0/24 via 192.0.2.2', 'route add 198.19.0.0/16 via 192.0.2.3 src 192.0.2.1 table 100',
  'route add default nexthop via 192.0.2.2 nexthop via 198.51.100.2', 'route add unreachable 198.18.7.0/24',
  'route add 198.18.8.0/24 via 192.0.2.7 onlink dev v0',
  'rule add from 192.0.2.0/24 iif v0 oif v2 lookup 100', 'rule add not from 192.0.2.1 to 198.18.0.0/15 lookup 100',
  'rule add fwmark 3 iif lo lookup 7',
  'neigh add 192.0.2.9 lladdr 02:00:00:00:00:09 dev v0', 'neigh add 198.51.100.9 dev v2 nud failed',
  'neigh add proxy 192.0.2.10 dev v0',
  'nexthop add id 1 via 192.0.2.2 dev v0', 'nexthop add id 2 dev v0', 'nexthop add id 3 group 1/2',
  'nexthop add id 4 blackhole', 'route add 198.18.5.0/24 nhid 1', 'route add 198.18.9.0/24 nhid 3',
];
const SHOW = [
  // the option: its abbreviations, its values, and what is refused
  '-c link show v0', '-col link show v0', '--color link show v0', '-color= link show v0', '-color=always link show v0',
  '-color=auto link show v0', '-color=never link show v0', '-c=never link show v0', '-color=bogus link show v0',
  '-colour link show v0', '-cx link show v0', '-c -color=never link show v0', '-color=never -c link show v0',
  // JSON is never coloured
  '-c -j link show v0', '-c -j -p -4 addr show dev v0', '-c -j route', '-c -j -br link',
  // ip link
  '-c link', '-c -br link', '-c -o link', '-c -d link show v0', '-c -s link show v4', '-c link show up',
  // ip addr
  '-c -4 addr', '-c -br -4 addr', '-c -o -4 addr', '-c -4 addr show dev v0 label v0:1', '-c -br -4 addr show label v0:1',
  // ip route
  '-c route', '-c -d route show dev v2', '-c -d route show table 100', '-c -o route', '-c route show table 100', '-c route show table local',
  '-c route show 198.18.9.0/24', '-c route show dev v0', '-c route get 203.0.113.5', '-c route get 203.0.113.5 from 192.0.2.1',
  '-c route get 198.51.100.5 from 192.0.2.7 iif v0', '-c -o route get 198.51.100.5', '-c route get fibmatch 198.51.100.5',
  '-c route get 198.18.7.1',
  // ip rule, ip neigh, ip nexthop, ip ntable, ip netconf
  '-c rule', '-c neigh get 192.0.2.9 dev v0', '-c neigh get 198.51.100.9 dev v2', '-c neigh show dev v0',
  '-c neigh show proxy', '-c -j neigh show dev v0', '-c -j neigh get 192.0.2.9 dev v0',
  '-c nexthop', '-c nexthop get id 1', '-c -4 ntable show dev v0', '-c -4 netconf', '-c -4 netconf show dev v0',
  // ip tuntap (last: a tap's MAC address is random)
  'tuntap add tun0 mode tun', 'tuntap add tap0 mode tap', '-c tuntap show', '-c -j tuntap show',
];
const SCRIPT: string[][] = [...SETUP.map(words), ['sysctl', 'net.ipv4.ip_forward=1'], ...SHOW.map(words)];

const FIXTURE = new URL('./fixtures/ip/color.json', import.meta.url);
const can = canMakeNamespace();
const mask = (steps: IpStep[]): IpStep[] => steps.map((s) => ({ ...s, stdout: s.stdout.replace(/ reachable \d+ /g, ' reachable N ') }));

describe('ip -c: coloured exactly as iproute2 6.1 colours it on Linux (IPv4)', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-color', SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(SCRIPT);
    const out = recorded.map((s) => s.stdout).join('');
    for (const span of ['\x1b[36mv0@v1: \x1b[0m', 'state \x1b[32mUP \x1b[0m', '\x1b[33m02:00:00:00:00:01\x1b[0m',
      '\x1b[35m192.0.2.0/24 \x1b[0mdev \x1b[36mv0 \x1b[0m', 'brd \x1b[35m198.51.100.255 \x1b[0mscope', 'state \x1b[31mDOWN \x1b[0m']) {
      expect(out).toContain(span);
    }
    expect(ipStepDifferences(mask(await emulatedIpSteps(SCRIPT)), mask(recorded))).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(mask(await emulatedIpSteps(SCRIPT)), mask(await kernelIpSteps('np-color', SCRIPT)))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
  it('without -c, and with -color=never or auto, the output is the plain one', async () => {
    const box = await Box.create();
    for (const c of SETUP) expect(box.ip(c).status).toBe(0);
    for (const c of SHOW.filter((c) => c.startsWith('-c ') && !c.includes('get 198.51.100.5 from'))) {
      const plain = box.ip(c.slice(3));
      expect(box.ip('-color=never ' + c.slice(3))).toEqual(plain);
      expect(box.ip('-color=auto ' + c.slice(3))).toEqual(plain);
      // colour adds escapes and nothing else
      const col = box.ip(c);
      expect({ ...col, stdout: col.stdout.replace(/\x1b\[\d+m/g, '') }).toEqual(plain);
    }
  });
});
