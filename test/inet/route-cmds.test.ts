// `ip route` add/append/prepend/replace/change/del/flush/show and `ip rule`
// add/del/show at their edges, against the kernel: every route type, tables
// by number and name, metric/proto/scope/src, an unreachable gateway and
// onlink, duplicate and missing routes and rules, the show filters (table all,
// type, proto, scope, root/match/exact, dev, via), -j/-o/-d, flush with
// filters; rules with priorities, not, from/to, fwmark/mask, iif/oif,
// suppress_prefixlength, goto and the actions. (`ip route get` has its own
// differential: test/routing-diff.test.ts.)
// RECORD=1 with namespaces rewrites the recorded answers.
import { describe, it, expect } from 'vitest';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, type IpStep } from '../util/ip-script.js';
import { canMakeNamespace } from '../diff/kernel.js';

const w = (s: string): string[] => s.split(' ');

export const ROUTE_CMDS_SCRIPT: string[][] = [
  w('link add va address 02:00:00:00:00:01 type veth peer name vb address 02:00:00:00:01:01'),
  w('link add vc address 02:00:00:00:00:02 type veth peer name vd address 02:00:00:00:01:02'),
  w('link set lo up'),
  w('link set va up'),
  w('link set vb up'),
  w('link set vc up'),
  w('addr add 192.0.2.1/24 dev va'),
  w('addr add 198.51.100.1/24 dev vc'),
  // unicast: add, duplicate, append, prepend, replace, change
  w('route add 203.0.113.0/24 via 192.0.2.254'),
  w('route add 203.0.113.0/24 via 192.0.2.254'),
  w('route add 203.0.113.0/24 via 192.0.2.253'),
  w('route append 203.0.113.0/24 via 192.0.2.253'),
  w('route prepend 203.0.113.0/24 via 192.0.2.252'),
  w('route append 203.0.113.0/24 via 192.0.2.253'),
  w('route add 203.0.113.0/24 via 192.0.2.254 metric 10'),
  w('route show'),
  w('route replace 203.0.113.0/24 via 192.0.2.250 metric 10'),
  w('route replace 203.0.113.0/24 via 192.0.2.251 metric 20'),
  w('route change 203.0.113.0/24 via 192.0.2.249 metric 20'),
  w('route change 198.18.50.0/24 via 192.0.2.5'),
  w('route show 203.0.113.0/24'),
  w('route test 203.0.113.0/24 via 192.0.2.249'),
  // gateways
  w('route add 198.18.1.0/24 via 203.0.113.77'),
  w('route add 198.18.1.0/24 via 203.0.113.77 dev va onlink'),
  w('route add 198.18.2.0/24 via 198.18.99.1 dev va'),
  w('route add 198.18.2.0/24 via 192.0.2.254 dev vc'),
  w('route add 198.18.2.0/24 via 192.0.2.1'),
  w('route add 198.18.2.0/24 via 192.0.2.254 dev vd'),
  w('route add 198.18.17.0/24 dev nosuch'),
  w('route add 198.18.18.0/24'),
  // every type
  w('route add blackhole 198.18.3.0/24'),
  w('route add blackhole 198.18.3.0/24'),
  w('route add unreachable 198.18.4.0/24 metric 5'),
  w('route add prohibit 198.18.5.0/24 table 100'),
  w('route add throw 198.18.6.0/24 table 100'),
  w('route add throw 198.18.6.0/24 dev va table 100'),
  w('route add local 198.18.7.1 dev va'),
  w('route add broadcast 198.18.7.255 dev va table main'),
  w('route add local 198.18.25.0/24 dev va table 100'),
  w('route add unicast 198.18.26.0/24 dev va table 100'),
  w('route add blackhole default table 200'),
  w('route add default via 198.51.100.254 table 200 metric 7'),
  w('route add unreachable default table 200'),
  // tables by name and number
  w('route add 198.18.8.0/24 dev va table mytable'),
  w('route add 198.18.8.0/24 dev va table default'),
  w('route add 198.18.8.0/24 dev va table 0'),
  w('route add 198.18.8.0/24 dev va table 4294967295'),
  w('route add 198.18.8.0/24 dev va table 4294967296'),
  w('route add 198.18.8.0/24 dev va table local'),
  // metric, proto, scope, src
  w('route add 198.18.9.0/24 dev va proto static scope link src 192.0.2.1'),
  w('route add 198.18.10.0/24 dev va src 198.51.100.1 metric 4294967295'),
  w('route add 198.18.11.0/24 dev va src 203.0.113.1'),
  w('route add 198.18.12.0/24 dev va proto 99 metric 3'),
  w('route add 198.18.12.0/24 dev va proto kernel metric 4'),
  w('route add 198.18.12.0/24 dev va proto nosuch'),
  w('route add 198.18.13.0/24 dev va metric abc'),
  w('route add 198.18.14.0/24 scope host dev va'),
  w('route add 198.18.15.0/24 scope host via 192.0.2.254'),
  w('route add 198.18.16.0/24 scope link via 192.0.2.254'),
  w('route add 198.18.19.1/24 dev va'),
  w('route add 198.18.20.0/33 dev va'),
  w('route add 198.18.21.0 dev va'),
  w('route add 198.18.22.0/24 dev va tos 0x10'),
  w('route add 198.18.22.0/24 dev va tos 0x10'),
  w('route add 198.18.22.0/24 dev va'),
  w('route add default dev vc'),
  // type changes by replace/change/append
  w('route add blackhole 198.18.32.0/24'),
  w('route replace unreachable 198.18.32.0/24'),
  w('route change 198.18.32.0/24 dev va'),
  w('route append prohibit 198.18.32.0/24'),
  w('route prepend blackhole 198.18.32.0/24 metric 9'),
  w('route add 198.18.33.0/24 via 192.0.2.254 src 192.0.2.1 proto static metric 100 table 100'),
  // listing
  w('route show'),
  w('-4 route show table all'),
  w('route show table 100'),
  w('route show table local'),
  w('route show table 200'),
  w('route show table 999'),
  w('route show table mytable'),
  w('route show type blackhole'),
  w('route show type unreachable table all'),
  w('-4 route show type local table all'),
  w('route show proto static'),
  w('route show proto kernel'),
  w('route show proto 99'),
  w('route show scope link'),
  w('route show scope host table all'),
  w('route show root 198.18.0.0/16'),
  w('route show root 198.18.9.0/24'),
  w('route show match 198.18.9.77'),
  w('route show match 198.18.9.0/24'),
  w('route show exact 198.18.9.0/24'),
  w('route show exact 198.18.9.0/25'),
  w('route show 198.18.9.0/24'),
  w('route show 198.18.9'),
  w('route show dev va'),
  w('route show dev vc'),
  w('route show dev nosuch'),
  w('route show via 192.0.2.254'),
  w('route show via 192.0.2.0/24'),
  w('route show src 192.0.2.1'),
  w('route show metric 5'),
  w('route show tos 0x10'),
  w('route show default'),
  w('route show table 200 default'),
  w('route list table main'),
  w('route lst table 100'),
  w('-j route show'),
  w('-4 -j route show table all'),
  w('-j -p route show table 100'),
  w('-o route show'),
  w('-d route show table 100'),
  w('-s route show type blackhole'),
  w('-4 route show dev va'),
  // del
  w('route del 198.18.99.0/24'),
  w('route del 203.0.113.0/24'),
  w('route del 203.0.113.0/24 via 192.0.2.253'),
  w('route del 203.0.113.0/24 metric 20'),
  w('route del 198.18.4.0/24 type blackhole'),
  w('route del 198.18.4.0/24 table 100'),
  w('route del unreachable 198.18.4.0/24'),
  w('route del 198.18.9.0/24 proto kernel'),
  w('route del 198.18.9.0/24 scope host'),
  w('route del 198.18.9.0/24 dev vc'),
  w('route del 198.18.9.0/24 dev va'),
  w('route del default table 200'),
  w('route del 198.18.7.1 table local'),
  w('route delete throw 198.18.6.0/24 table 100'),
  w('-4 route show table all'),
  // flush
  w('route flush'),
  w('route flush table 999'),
  w('-s route flush table 999'),
  w('route flush table 100 type local'),
  w('route show table 100'),
  w('route flush proto 99'),
  w('-s route flush dev va table main scope link'),
  w('route show'),
  w('route flush table 200'),
  w('route flush cache'),
  w('route flush cached'),
  w('-s route flush cache'),
  w('-4 -s route flush cache'),
  w('-4 route flush table cache'),
  w('route show cache'),
  w('route show cloned'),
  w('-4 route show table cache'),
  w('route flush cache table 999'),
  w('route show cache table 999'),
  w('-j route show cloned'),
  w('-s route flush table 200'),
  w('route flush root 198.18.0.0/16'),
  w('-4 route show table all'),
  // rules
  w('rule show'),
  w('rule add from 192.0.2.0/24 table 100 pref 100'),
  w('rule add from 192.0.2.0/24 table 100 pref 100'),
  w('rule add from 192.0.2.0/24 table 100'),
  w('rule add from 192.0.2.0/24 table 100'),
  w('rule add not to 198.51.100.0/24 table 101'),
  w('rule add fwmark 0x10/0xff table 102 pref 200'),
  w('rule add fwmark 0x10 table 102'),
  w('rule add fwmark 16/0xffffffff table 102'),
  w('rule add iif va oif vc table 103'),
  w('rule add iif lo table 104 pref 210'),
  w('rule add iif nosuch table 104 pref 211'),
  w('rule add table main suppress_prefixlength 0 pref 300'),
  w('rule add lookup mytable pref 301'),
  w('rule add lookup 0 pref 302'),
  w('rule add goto 400 pref 350'),
  w('rule add goto 100 pref 360'),
  w('rule add goto 360 pref 360'),
  w('rule add from 192.0.2.1/33 table 5'),
  w('rule add from 192.0.2.1/24 table 5 pref 370'),
  w('rule add to 198.18.0.0/15 blackhole pref 500'),
  w('rule add unreachable pref 501'),
  w('rule add prohibit pref 502'),
  w('rule add nop pref 510'),
  w('rule add tos 0x10 table 5 pref 520'),
  w('rule add dsfield 0x10 table 5 pref 520'),
  w('rule add ipproto tcp dport 80 table 5 pref 530'),
  w('rule add sport 1000-2000 table 5 pref 531'),
  w('rule add uidrange 100-200 table 5 pref 532'),
  w('rule add pref 32766 lookup main'),
  w('rule add pref 32766 lookup 5'),
  w('rule add pref abc lookup 5'),
  w('rule add realms 3 table 5 pref 540'),
  w('rule show'),
  w('rule list'),
  w('rule show pref 200'),
  w('rule show table 102'),
  w('rule show lookup 100'),
  w('rule show from 192.0.2.0/24'),
  w('rule show to 198.51.100.0/24'),
  w('rule show iif va'),
  w('rule show oif vc'),
  w('rule show fwmark 0x10/0xff'),
  w('rule show not'),
  w('rule show table main'),
  w('-j rule show'),
  w('-j -p rule show pref 300'),
  w('-d rule show pref 350'),
  w('rule del pref 999'),
  w('rule del from 192.0.2.0/24 table 100'),
  w('rule del from 192.0.2.0/24 table 100'),
  w('rule del from 198.51.100.0/24'),
  w('rule del table 104'),
  w('rule del fwmark 0x10/0xff'),
  w('rule del not to 198.51.100.0/24 table 101'),
  w('rule del iif va'),
  w('rule del goto 400'),
  w('rule del blackhole'),
  w('rule del pref 32766 lookup 5'),
  w('rule del'),
  w('rule show'),
  w('rule del pref 0'),
  w('rule show'),
  w('rule add pref 0 lookup local'),
  w('rule add goto 32766 pref 600'),
  w('rule add dport 53 fwmark 0x1/0x3 table 7 pref 610'),
  w('rule show'),
  w('rule flush table 102'),
  w('rule flush fwmark 0x1/0x3'),
  w('rule show'),
  w('rule flush'),
  w('rule show'),
  w('rule flush table main'),
  w('rule show'),
];

type Step = IpStep;
const FIXTURE = new URL('../fixtures/routing/route-cmds.json', import.meta.url);

const kernelSteps = () => kernelIpSteps('np-rc', ROUTE_CMDS_SCRIPT);
const emulatedSteps = () => emulatedIpSteps(ROUTE_CMDS_SCRIPT);

/** the commands whose answers differ, for the failure message */
function differences(got: Step[], want: Step[]): string {
  return want.flatMap((k, i) => {
    const e = got[i];
    if (e && e.stdout === k.stdout && e.stderr === k.stderr && e.status === k.status) return [];
    return [`ip ${k.argv.join(' ')}\n  kernel:  ${JSON.stringify(k)}\n  netpath: ${JSON.stringify(e)}`];
  }).join('\n');
}

const can = canMakeNamespace();

describe('ip route and ip rule commands: identical to Linux and iproute2 6.1', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-rc', ROUTE_CMDS_SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(ROUTE_CMDS_SCRIPT);
    // the recording covers what this test is about: routes and rules made, refused, missing, listed
    expect(recorded.filter((s) => s.status === 0 && s.argv[1] === 'add').length).toBeGreaterThanOrEqual(30);
    expect(recorded.some((s) => s.stderr === 'RTNETLINK answers: File exists\n')).toBe(true);
    expect(recorded.some((s) => s.stderr === 'RTNETLINK answers: No such process\n')).toBe(true);
    expect(recorded.some((s) => s.argv[0] === '-j' && s.stdout.length > 100)).toBe(true);
    const got = await emulatedSteps();
    expect(differences(got, recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    const kernel = await kernelSteps();
    expect(differences(await emulatedSteps(), kernel)).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
