// Multipath routes (`nexthop via ... dev ... weight ...`) against the kernel:
// 1. the commands: add/append/prepend/replace/change/test/del with nexthop groups,
//    iproute2's and the kernel's refusals, fib_info equality (weights, order), the
//    listings (text, -j, -d, -o, filters, get fibmatch), and what a nexthop's device
//    losing its carrier, going down, coming back and being deleted does to the route;
// 2. the nexthop chosen: `ip -j route get` for hundreds of source/destination pairs
//    (output and forwarding decisions) with fib_multipath_hash_seed set, where the
//    kernel's hash is deterministic, over routes of 2, 3 and 4 weighted nexthops, by
//    addresses (hash policy 0) and by addresses, protocol and ports (policy 1), and
//    passing over gateways without a valid neighbour entry (fib_multipath_use_neigh);
//    policy 2 too.
// Each against a recorded fixture and, where namespaces can be made, the live kernel.
// RECORD=1 with namespaces rewrites the recorded answers.
import { describe, it, expect } from 'vitest';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words, MP_LINKS, type IpStep } from '../util/ip-script.js';
import { canMakeNamespace } from '../diff/kernel.js';

const w = words;
const LINKS = MP_LINKS;

export const MP_CMDS_SCRIPT: string[][] = [
  ...LINKS.map(w),
  // with a seed the kernel's multipath hash is deterministic (seed 0: a random key per boot)
  ['sysctl', 'net.ipv4.fib_multipath_hash_seed=77'],
  // iproute2's refusals
  w('route add nexthop via 192.0.2.5 foo'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.5 foo'),
  w('route add 203.0.113.0/24 nexthop'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.5 dev nosuch'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.5 weight 0'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.5 weight 257'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.5 weight x'),
  w('route add 203.0.113.0/24 nexthop via'),
  w('route add 203.0.113.0/24 nexthop via bogus'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.5 nexthop'),
  w('route add 203.0.113.0/24 dev nosuch nexthop via 192.0.2.5'),
  // the kernel's
  w('route add 203.0.113.0/24 dev vc nexthop dev va nexthop dev vc'),
  w('route add 203.0.113.0/24 via 192.0.2.9 nexthop via 192.0.2.5 nexthop dev vc'),
  w('route add 203.0.113.0/24 scope host nexthop dev va nexthop dev vc'),
  w('route add blackhole 203.0.113.0/24 nexthop dev va nexthop dev vc'),
  w('route add 203.0.113.0/24 nexthop via 203.0.113.9 nexthop dev vc'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.5 nexthop dev vc onlink'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.5 onlink nexthop via 198.51.100.6 dev vc onlink'),
  w('route add 203.0.113.0/24 nexthop via 198.18.9.1 dev va onlink nexthop via 198.51.100.6 dev va'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.1 nexthop via 198.51.100.6'),
  // made
  w('route add 203.0.113.0/24 nexthop via 192.0.2.2 dev va weight 1 nexthop via 198.51.100.3 dev vc weight 3'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.2 dev va weight 1 nexthop via 198.51.100.3 dev vc weight 3'),
  w('route append 203.0.113.0/24 nexthop via 192.0.2.2 dev va weight 1 nexthop via 198.51.100.3 dev vc weight 3'),
  w('route append 203.0.113.0/24 nexthop via 192.0.2.2 dev va weight 2 nexthop via 198.51.100.3 dev vc weight 3'),
  w('route append 203.0.113.0/24 nexthop via 198.51.100.3 weight 3 nexthop via 192.0.2.2 weight 1'),
  w('route prepend 203.0.113.0/24 nexthop via 192.0.2.4 nexthop via 198.51.100.4 nexthop via 198.18.0.4 weight 256'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.7 weight 0x10 nexthop dev vc metric 5'),
  w('route add 203.0.113.0/24 metric 6 nexthop via 192.0.2.7 weight 0x10 nexthop dev vc'),
  w('route add 203.0.113.0/24 metric 7 src 198.51.100.1 proto static nexthop via 192.0.2.8 dev va onlink nexthop via 198.18.0.8 onlink'),
  w('route add 203.0.113.0/24 metric 7 src 198.51.100.1 proto static nexthop via 192.0.2.8 dev va onlink nexthop via 198.18.7.8 dev ve onlink'),
  w('route add 198.19.0.0/16 table 100 nexthop via 192.0.2.2 nexthop dev vc weight 7'),
  w('route add 198.18.64.0/18 nexthop dev ve weight 9'),
  w('route append 198.18.64.0/18 via 198.18.0.9 dev ve'),
  w('route append 198.18.64.0/18 dev ve'),
  w('route add 198.18.128.0/17 dev ve nexthop dev ve'),
  w('route add 198.18.128.0/17 via 198.18.0.3 nexthop via 198.18.0.3'),
  w('route show'),
  w('-d route show'),
  w('-o route show'),
  w('-j route show'),
  w('-4 -j -p -d route show table all'),
  w('route show table 100'),
  w('route show dev va'),
  w('route show via 192.0.2.2'),
  w('route show 203.0.113.0/24 metric 7'),
  w('route get 203.0.113.9 fibmatch'),
  w('-j route get 203.0.113.9 fibmatch'),
  w('route get 198.19.2.3 fibmatch'),
  // replace and change take the first route of the key
  w('route replace 203.0.113.0/24 nexthop via 192.0.2.20 nexthop via 198.51.100.20 weight 2'),
  w('route replace 203.0.113.0/24 nexthop via 192.0.2.20 nexthop via 198.51.100.20 weight 2'),
  w('route replace 203.0.113.0/24 via 198.51.100.3 metric 5'),
  w('route change 203.0.113.0/24 metric 6 nexthop via 192.0.2.21 nexthop via 198.18.0.21'),
  w('route change 198.18.32.0/20 nexthop via 192.0.2.21 nexthop via 198.18.0.21'),
  w('route test 203.0.113.0/24 nexthop via 192.0.2.20 nexthop via 198.51.100.20 weight 2'),
  w('route show 203.0.113.0/24'),
  // delete: RTA_OIF/RTA_GATEWAY against the first nexthop, else each nexthop in order
  w('route del 203.0.113.0/24 nexthop via 192.0.2.20'),
  w('route del 203.0.113.0/24 nexthop via 198.51.100.20 nexthop via 192.0.2.20'),
  w('route del 203.0.113.0/24 nexthop via 192.0.2.20 nexthop via 198.51.100.99'),
  w('route del 203.0.113.0/24 nexthop dev va nexthop dev va'),
  w('route del 203.0.113.0/24 nexthop dev va nexthop dev vc weight 9'),
  w('route show 203.0.113.0/24'),
  w('route del 203.0.113.0/24 via 192.0.2.2 metric 0'),
  w('route del 203.0.113.0/24 dev vc metric 0'),
  w('route del 203.0.113.0/24 nexthop via 198.51.100.3 nexthop via 192.0.2.2 nexthop via 198.18.0.99'),
  w('route del 203.0.113.0/24 metric 0 nexthop dev va nexthop dev vc'),
  w('route show 203.0.113.0/24'),
  w('route del 203.0.113.0/24 metric 7 nexthop via 192.0.2.8 nexthop via 198.18.0.8'),
  w('route del 203.0.113.0/24 metric 6'),
  w('route show 203.0.113.0/24'),
  // a nexthop's device: carrier lost, down, up again, carrier back, deleted
  w('route flush 203.0.113.0/24'),
  w('route show 203.0.113.0/24'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.2 weight 2 nexthop via 198.51.100.3 nexthop via 198.18.0.3 weight 3'),
  w('route get 203.0.113.1'),
  w('link set vd down'),
  w('route show 203.0.113.0/24'),
  w('-j route show 203.0.113.0/24'),
  w('route get 203.0.113.1 fibmatch'),
  w('link set vc down'),
  w('route show'),
  w('-j -d route show 203.0.113.0/24'),
  w('route get 203.0.113.1 oif vc'),
  w('route add 203.0.113.0/24 nexthop via 192.0.2.2 weight 2 nexthop via 198.51.100.3 nexthop via 198.18.0.3 weight 3'),
  w('route append 203.0.113.0/24 nexthop via 192.0.2.2 weight 2 nexthop via 198.18.0.3 weight 3'),
  w('link set vc up'),
  w('route show 203.0.113.0/24'),
  w('link set vd up'),
  w('route show'),
  w('link set va down'),
  w('link set ve down'),
  w('route show'),
  w('link set va up'),
  w('link set ve up'),
  w('route show'),
  w('route add 198.18.192.0/18 nexthop via 192.0.2.2 nexthop via 198.51.100.3'),
  w('link set vb down'),
  w('link set vd down'),
  w('route show 198.18.192.0/18'),
  w('-j route show 198.18.192.0/18'),
  w('link set vb up'),
  w('route show 198.18.192.0/18'),
  w('link set vd up'),
  w('addr del 198.51.100.1/24 dev vc'),
  w('route show'),
  w('addr add 198.51.100.1/24 dev vc'),
  w('route show'),
  w('link del vc'),
  w('route show'),
  w('route show table 100'),
  w('route flush 198.18.64.0/18'),
  w('-4 route show table all'),
];

// ---- the nexthop chosen -------------------------------------------------------------------------

/** a fixed sequence of pseudo-random numbers (xorshift32), so the script and its recording agree */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}
const dotted = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');

/** n UDP and TCP flows, with ports, for fib_multipath_hash_policy 1 (L4) */
function getsL4(n: number, seed: number): string[][] {
  const r = prng(seed);
  return gets(n, seed).map((argv) => [...argv, 'ipproto', r() & 1 ? 'udp' : 'tcp', 'sport', String(r() & 0xffff), 'dport', String(r() & 0xffff)]);
}

/** `ip -j route get` of n flows to 203.0.113.0/24 and 198.19.0.0/16: forwarded from vf's side, and sent from here */
function gets(n: number, seed: number): string[][] {
  const r = prng(seed);
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    const dst = i & 1 ? 0xcb007100 | (r() & 255) : 0xc6130000 | (r() & 0xffff);
    let src = (0xc6120000 | (r() & 0x1ffff)) >>> 0; // 198.18.0.0/15, forwarded in through ve
    if ((src & 0xffffff00) >>> 0 === 0xc6120000) src |= 0x100; // not from ve's own subnet
    if (i % 4 === 3) out.push(w(`-j route get ${dotted(dst)}`));
    else if (i % 8 === 5) out.push(w(`-j route get ${dotted(dst)} from 198.18.0.1`));
    else out.push(w(`-j route get ${dotted(dst)} from ${dotted(src)} iif ve`));
  }
  return out;
}

export const MP_HASH_SCRIPT: string[][] = [
  ...LINKS.map(w),
  ['sysctl', 'net.ipv4.ip_forward=1'],
  ['sysctl', 'net.ipv4.conf.all.rp_filter=0'],
  ['sysctl', 'net.ipv4.conf.ve.rp_filter=0'],
  ['sysctl', 'net.ipv4.fib_multipath_hash_seed=12345'],
  w('route add 203.0.113.0/24 nexthop via 192.0.2.2 dev va weight 1 nexthop via 198.51.100.3 dev vc weight 3'),
  w('route add 198.19.0.0/16 nexthop via 192.0.2.2 weight 5 nexthop via 198.51.100.3 weight 2 nexthop via 198.18.0.3 weight 9'),
  w('-j route show'),
  ...gets(240, 1),
  ['sysctl', 'net.ipv4.fib_multipath_hash_seed=4000000007'],
  w('route replace 203.0.113.0/24 nexthop via 192.0.2.2 nexthop via 198.51.100.3 nexthop via 198.51.100.4 nexthop via 198.18.0.4 weight 256'),
  ...gets(240, 2),
  // a nexthop without a carrier takes no traffic once routes with linkdown are ignored (fib_rebalance)
  ['sysctl', 'net.ipv4.conf.all.ignore_routes_with_linkdown=1'],
  w('link set vd down'),
  w('-j route show'),
  ...gets(120, 3),
  // L4: addresses, ports and protocol
  ['sysctl', 'net.ipv4.fib_multipath_hash_policy=1'],
  ...getsL4(160, 4),
  ['sysctl', 'net.ipv4.conf.all.ignore_routes_with_linkdown=0'],
  w('link set vd up'),
  ...getsL4(160, 5),
  // fib_multipath_use_neigh: gateways whose neighbour entry is not valid are passed over
  ['sysctl', 'net.ipv4.fib_multipath_hash_policy=0'],
  ['sysctl', 'net.ipv4.fib_multipath_use_neigh=1'],
  w('neigh add 198.18.0.4 dev ve nud failed'),
  w('neigh add 198.18.0.3 dev ve nud incomplete'),
  w('neigh add 192.0.2.2 dev va lladdr 02:00:00:00:09:02 nud stale'),
  ...gets(80, 6),
  w('neigh replace 198.18.0.4 dev ve lladdr 02:00:00:00:09:04 nud reachable'),
  w('neigh add 198.51.100.3 dev vc nud failed'),
  ...gets(80, 7),
  // policy 2 (L3, or the inner L3 of a tunnel): the packet's own addresses here
  ['sysctl', 'net.ipv4.fib_multipath_use_neigh=0'],
  ['sysctl', 'net.ipv4.fib_multipath_hash_policy=2'],
  ...gets(80, 8),
  // strict reverse-path filtering: a source routed back over a multipath route is fine on any of its devices
  ['sysctl', 'net.ipv4.conf.all.rp_filter=1'],
  ...['va', 'vc', 've'].flatMap((dev) => ['198.19.7.7', '203.0.113.9', '192.0.2.77', '198.51.100.77'].map((src) =>
    w(`-j route get 198.18.0.77 from ${src} iif ${dev}`))),
];

// `ip route get ... ipproto P sport A dport B`: the kernel takes TCP, UDP and ICMP only (rtm_getroute_parse_ip_proto:
// "Unsupported ip proto" for ESP, AH, UDP-Lite, SCTP), and the skb it builds (inet_rtm_getroute_build_skb) carries
// ports in a TCP or UDP header only: ICMP's are not seen by a forwarding decision's rules nor by the hash (policy 1)
export const MP_PROTO_SCRIPT: string[][] = [
  ...LINKS.map(w),
  ['sysctl', 'net.ipv4.ip_forward=1'], ['sysctl', 'net.ipv4.conf.all.rp_filter=0'], ['sysctl', 'net.ipv4.conf.ve.rp_filter=0'],
  ['sysctl', 'net.ipv4.fib_multipath_hash_seed=12345'], ['sysctl', 'net.ipv4.fib_multipath_hash_policy=1'],
  w('route add 203.0.113.0/24 nexthop via 192.0.2.2 nexthop via 198.51.100.3 nexthop via 198.51.100.4'),
  ...['esp', 'ah', 'udplite', 'sctp', 'udp', 'tcp', 'icmp'].flatMap((p) => Array.from({ length: 12 }, (_, i) => {
    const sp = 1000 + ((i * 7919) % 60000), dp = 50 + ((i * 104729) % 65000);
    return [w(`-j route get 203.0.113.${i + 1} from 198.19.${i}.5 iif ve ipproto ${p} sport ${sp} dport ${dp}`),
      w(`-j route get 203.0.113.${i + 1} ipproto ${p} sport ${sp} dport ${dp}`)];
  }).flat()),
  w('route add 198.19.0.0/16 via 192.0.2.9 table 100'), w('route add 198.19.0.0/16 via 198.51.100.9'),
  w('rule add ipproto esp sport 4660 dport 22136 lookup 100'), w('rule add ipproto icmp sport 9 lookup 100'),
  w('rule add ipproto tcp sport 9 dport 1 lookup 100'),
  ...([['esp', 4660, 22136], ['icmp', 9, 9], ['icmp', 9, 1], ['udp', 9, 9], ['tcp', 9, 1], ['tcp', 9, 2]] as const).flatMap(([p, sp, dp]) => [
    w(`-j route get 198.19.1.1 from 198.18.0.9 iif ve ipproto ${p} sport ${sp} dport ${dp}`),
    w(`-j route get 198.19.1.1 ipproto ${p} sport ${sp} dport ${dp}`)]),
];

// ---- the comparison -----------------------------------------------------------------------------

const can = canMakeNamespace();

/** the steps whose answers differ, for the failure message */
const differences = (got: IpStep[], want: IpStep[]): string => ipStepDifferences(got, want).slice(0, 6000);

/** the devices the recorded `route get` answers went out of: every nexthop must have been taken */
function devsTaken(steps: IpStep[]): Set<string> {
  const devs = new Set<string>();
  for (const s of steps) if (s.argv[2] === 'get' && s.status === 0) devs.add(JSON.parse(s.stdout)[0].dev);
  return devs;
}

const SCRIPTS = [
  { name: 'commands and listings', script: MP_CMDS_SCRIPT, fixture: 'route-multipath-cmds.json' },
  { name: 'the nexthop of hundreds of flows', script: MP_HASH_SCRIPT, fixture: 'route-multipath-hash.json' },
  { name: 'route get with ipproto, sport and dport', script: MP_PROTO_SCRIPT, fixture: 'route-get-ipproto.json' },
];

describe('multipath routes: identical to Linux and iproute2 6.1', () => {
  for (const { name, script, fixture } of SCRIPTS) {
    it(`${name}: every step as the recorded kernel answered it`, async () => {
      const recorded = await recordedIpSteps(new URL(`../fixtures/routing/${fixture}`, import.meta.url), 'np-mp', script);
      expect(recorded.map((s) => s.argv)).toEqual(script);
      expect(differences(await emulatedIpSteps(script), recorded)).toBe('');
    });
    it.skipIf(!can.ok)(`${name}: the live kernel answers the same`, async () => {
      const kernel = await kernelIpSteps('np-mp', script);
      expect(differences(await emulatedIpSteps(script), kernel)).toBe('');
    });
  }
  it('the recordings cover what the test is about', async () => {
    const cmds = await recordedIpSteps(new URL('../fixtures/routing/route-multipath-cmds.json', import.meta.url), 'np-mp', MP_CMDS_SCRIPT);
    expect(cmds.filter((s) => s.status === 0 && s.argv.includes('nexthop') && s.argv[1] !== 'del').length).toBeGreaterThanOrEqual(12);
    expect(cmds.some((s) => s.stdout.includes('\tnexthop via 198.51.100.3 dev vc weight 1 dead linkdown'))).toBe(true);
    expect(cmds.some((s) => s.stdout.includes('"nexthops":[{'))).toBe(true);
    expect(cmds.some((s) => s.stderr === 'RTNETLINK answers: File exists\n')).toBe(true);
    expect(cmds.some((s) => s.stderr === 'RTNETLINK answers: No such process\n')).toBe(true);
    const hash = await recordedIpSteps(new URL('../fixtures/routing/route-multipath-hash.json', import.meta.url), 'np-mp', MP_HASH_SCRIPT);
    const getsOk = hash.filter((s) => s.argv[2] === 'get' && s.status === 0);
    expect(getsOk.length).toBeGreaterThanOrEqual(1140);
    expect([...devsTaken(getsOk)].sort()).toEqual(['va', 'vc', 've']);
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
