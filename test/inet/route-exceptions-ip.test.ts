// The routing cache `ip` shows: nexthop exceptions a host learned from ICMP errors about its own echo
// replies (a redirect: another gateway for 300 s; a "fragmentation needed": a path MTU for 600 s, locked
// at 552 below that), as `ip route get` answers with them (`cache <redirected> expires Nsec mtu M`) and
// `ip route show cache` lists them: only once a route has taken them, route by route, with no source.
// A redirect to a gateway without a valid neighbour only starts resolving it. `ip route flush cache`
// makes them stale: a route that takes one again gets it cleared. A device's new MTU reaches the learned
// ones (nh_update_mtu). Errors about UDP or TCP packets that find no socket are counted (IcmpInErrors); errors
// about a bound UDP socket's datagrams teach the same exceptions and are not. Frames are sent with AF_PACKET from
// the veth peer. Recorded from Linux (RECORD=1) and, where namespaces can be made, compared live.
import { describe, expect, it } from 'vitest';
import { Box } from '../../src/box.js';
import { eth, hex, icmp, ipv4, pattern, tcp, udp, ETH_IP, PROTO, TCP } from '../pktdiff/frames.js';
import { ipScriptCases, words } from '../util/ip-script.js';

const HOST = '198.51.100.10', GW1 = '198.51.100.1', GW2 = '198.51.100.2';
const ipNum = (s: string) => s.split('.').reduce((a, b) => (a << 8) | Number(b), 0) >>> 0;
const quote = (dst: string) => ipv4({ src: HOST, dst, proto: PROTO.ICMP, id: 99 }, icmp(0, 0, 0x00070001, pattern(8))).subarray(0, 28);
let id = 1;
const frame = (gw: string, msg: Uint8Array): string[] =>
  ['frame', 'v1', hex(eth('02:00:00:00:00:10', '02:00:00:00:00:01', ETH_IP, ipv4({ src: gw, dst: HOST, proto: PROTO.ICMP, id: id++ }, msg)))];
const redirect = (gw: string, newGw: string, dst: string) => frame(gw, icmp(5, 1, ipNum(newGw), quote(dst)));
// errors quoting other packets of the host: UDP from port 5000 (no socket has it), a TCP SYN, an echo request
const quoteOf = (proto: number, l4: Uint8Array) => ipv4({ src: HOST, dst: '203.0.113.5', proto, id: 98 }, l4).subarray(0, 28);
const UDP_Q = quoteOf(PROTO.UDP, udp(HOST, '203.0.113.5', 5000, 53, pattern(8)));
const TCP_Q = quoteOf(PROTO.TCP, tcp(HOST, '203.0.113.5', { sport: 5000, dport: 80, seq: 1, flags: TCP.SYN }));
const PING_Q = quoteOf(PROTO.ICMP, icmp(8, 0, 0x00070001, pattern(8)));
const fragNeeded = (gw: string, mtu: number, dst: string) => frame(gw, icmp(3, 4, mtu, quote(dst)));

/** what the recorded step running `cmd` printed */
const stdoutOf = (rec: { argv: string[]; stdout: string }[]) => (cmd: string) => rec.find((s) => s.argv.join(' ') === cmd)!.stdout;

const SCRIPT: string[][] = [
  ...['link add v0 address 02:00:00:00:00:10 type veth peer name v1 address 02:00:00:00:00:01',
    'link set lo up', 'link set v0 up', 'link set v1 up', `addr add ${HOST}/24 dev v0`, `route add default via ${GW1}`,
    // another fib_info (protocol static) for 203.0.113.0/25: its exceptions list after the default route's
    `route add 203.0.113.0/25 via ${GW1} proto static`,
    `neigh add ${GW1} lladdr 02:00:00:00:00:01 dev v0 nud permanent`, `neigh add ${GW2} lladdr 02:00:00:00:00:02 dev v0 nud permanent`,
    'route show cache'].map(words),
  redirect(GW1, GW2, '203.0.200.5'),
  ...['route show cache', '-j route show cache', 'route get 203.0.200.5', 'route show cache', '-j -d route show cache'].map(words),
  fragNeeded(GW1, 1300, '203.0.200.5'),
  ...['route get 203.0.200.5', '-j route get 203.0.200.5', 'route get 203.0.200.6'].map(words),
  fragNeeded(GW1, 400, '203.0.113.7'),
  ...['route get 203.0.113.7', '-j route get 203.0.113.7', 'route show cache', 'route show cache table all'].map(words),
  redirect(GW1, '198.51.100.3', '203.0.113.9'),
  // nh_update_mtu(): a device MTU below a learned one lowers it; back up, one that followed the device follows
  ...['link set v0 mtu 1200', 'route get 203.0.200.5', 'link set v0 mtu 1500', 'route get 203.0.200.5', 'route get 203.0.113.7'].map(words),
  ...['neigh show 198.51.100.3', 'route get 203.0.113.9', 'route flush cache', 'route show cache', 'route get 203.0.200.5',
    'route show cache', 'route get 203.0.113.7'].map(words),
  // icmp_socket_deliver's err handlers: udp_err and tcp_v4_err count an error that finds no socket (IcmpInErrors),
  // ping_err does not; an unknown unreachable code and a reassembly timeout are not delivered at all
  ['nstat', 'IcmpIn*', 'IcmpMsg*'],
  frame(GW1, icmp(3, 4, 1000, UDP_Q)), frame(GW1, icmp(3, 3, 0, UDP_Q)), frame(GW1, icmp(11, 0, 0, TCP_Q)),
  frame(GW1, icmp(12, 0, 0x14000000, TCP_Q)), frame(GW1, icmp(4, 0, 0, UDP_Q)), frame(GW1, icmp(3, 1, 0, PING_Q)),
  frame(GW1, icmp(5, 1, ipNum(GW2), UDP_Q)), frame(GW1, icmp(3, 16, 0, UDP_Q)), frame(GW1, icmp(11, 1, 0, UDP_Q)),
  ['nstat', 'IcmpIn*', 'IcmpMsg*'],
  ...['route get 203.0.113.5', 'route show cache'].map(words),
];

describe('the routing cache: nexthop exceptions as ip shows them', () => {
  ipScriptCases({
    fixture: new URL('../fixtures/routing/route-exceptions-ip.json', import.meta.url), prefix: 'np-fnhe-ip', script: SCRIPT,
    opts: { noIpv6: true },
    check: (rec) => {
      const out = stdoutOf(rec);
      expect(out('route get 203.0.200.5')).toContain(`via ${GW2}`);
      expect(out('route get 203.0.200.5')).toContain('cache <redirected> expires 299sec');
      expect(out('route get 203.0.113.7')).toContain('mtu lock 552');
      expect(out('neigh show 198.51.100.3')).toContain('INCOMPLETE');
    },
  });
});

// errors about datagrams of a bound UDP socket (udp_err with a socket: ipv4_sk_update_pmtu, ipv4_sk_redirect):
// the host learns from them as from errors about its echo replies, and counts none in IcmpInErrors; an error
// about another port (no socket) teaches nothing and is counted
const sockQuote = (dst: string, sport = 5001) =>
  ipv4({ src: HOST, dst, proto: PROTO.UDP, id: 97 }, udp(HOST, dst, sport, 53, pattern(8))).subarray(0, 28);
const SOCKET_SCRIPT: string[][] = [
  ...SCRIPT.slice(0, 9),
  ['udp', HOST, '5001'],
  ['nstat', 'IcmpIn*', 'IcmpMsg*'],
  frame(GW1, icmp(3, 4, 1000, sockQuote('203.0.200.7'))), frame(GW1, icmp(5, 1, ipNum(GW2), sockQuote('203.0.200.8'))),
  frame(GW1, icmp(3, 3, 0, sockQuote('203.0.200.9'))), frame(GW1, icmp(3, 4, 400, sockQuote('203.0.113.20'))),
  frame(GW1, icmp(3, 4, 1000, sockQuote('203.0.200.10', 5002))), frame(GW1, icmp(5, 1, ipNum(GW2), sockQuote('203.0.200.11', 5002))),
  ['nstat', 'IcmpIn*', 'IcmpMsg*'],
  ...['route get 203.0.200.7', '-j route get 203.0.200.7', 'route get 203.0.200.8', 'route get 203.0.200.9', 'route get 203.0.113.20',
    'route get 203.0.200.10', 'route get 203.0.200.11', 'route show cache'].map(words),
];

describe('nexthop exceptions learned from errors about a UDP socket\'s datagrams', () => {
  ipScriptCases({
    fixture: new URL('../fixtures/routing/route-exceptions-udp.json', import.meta.url), prefix: 'np-fnhe-udp', script: SOCKET_SCRIPT,
    opts: { noIpv6: true },
    check: (rec) => {
      const out = stdoutOf(rec);
      expect(out('route get 203.0.200.7')).toContain('mtu 1000');
      expect(out('route get 203.0.200.8')).toContain(`via ${GW2}`);
      expect(out('route get 203.0.200.10')).not.toContain('mtu');
      expect(out('route get 203.0.200.11')).toContain(`via ${GW1}`);
    },
  });
});

describe('nexthop exceptions on the virtual clock', () => {
  // ip_rt_gc_timeout (300 s) for a redirect, ip_rt_mtu_expires (600 s) for a path MTU; find_exception deletes
  // an expired one, so the route is the FIB's again
  it('a redirect lasts 300 s, a learned path MTU 600 s', async () => {
    const box = await Box.create();
    for (const argv of SCRIPT.slice(0, 9)) expect(box.ip(argv).status).toBe(0);
    const send = (f: string[]) => { box.packet(f[1]).send([new Uint8Array(Buffer.from(f[2], 'hex'))]); box.run({ ns: 1e6 }); };
    send(redirect(GW1, GW2, '203.0.200.5'));
    send(fragNeeded(GW1, 1000, '203.0.113.7'));
    const get = (d: string) => box.ip(['route', 'get', d]).stdout;
    box.run({ ns: 298e9 });
    expect(get('203.0.200.5')).toContain(`via ${GW2} dev v0 src ${HOST} uid 0 \n    cache <redirected> expires 1sec`);
    box.run({ ns: 2e9 });
    expect(get('203.0.200.5')).toBe(`203.0.200.5 via ${GW1} dev v0 src ${HOST} uid 0 \n    cache \n`);
    expect(get('203.0.113.7')).toContain('expires 299sec mtu 1000');
    box.run({ ns: 300e9 });
    expect(get('203.0.113.7')).toBe(`203.0.113.7 via ${GW1} dev v0 src ${HOST} uid 0 \n    cache \n`);
    expect(box.ip(['route', 'show', 'cache']).stdout).toBe('');
  });
});
