// Parsing → the requests iproute2 6.1 would send (defaults per ip/iproute.c,
// ip/iprule.c, ip/ipaddress.c), and -batch semantics observed with the real binary.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runIp } from '../src/ip/index.js';
import { FakeRtnl } from './ip-fake-rtnl.js';

const state = JSON.parse(readFileSync(new URL('./fixtures/ip/show-state1.json', import.meta.url), 'utf8')).state;
const ip4 = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);
function run(argv: string, io = {}) {
  const fake = FakeRtnl.fromKernelDump(state);
  const r = runIp(fake, argv.split(' '), io);
  return { fake, r, call: fake.calls[0] };
}
const VA = 3;

describe('ip route requests', () => {
  it('unicast without gateway: table main, proto boot, scope link, create|excl', () => {
    const { call } = run('route add 198.18.1.0/24 dev va');
    expect(call).toEqual({ op: 'routeAdd', flags: { create: true, excl: true }, req: {
      table: 254, dst: ip4('198.18.1.0'), dstLen: 24, tos: 0, type: 1, scope: 253, protocol: 3, oif: VA } });
  });
  it('gateway → scope universe; replace/append/prepend/change flags', () => {
    expect(run('route replace default via 192.0.2.254').call).toMatchObject({ flags: { create: true, replace: true },
      req: { dst: 0, dstLen: 0, scope: 0, gateway: ip4('192.0.2.254') } });
    expect(run('route append 198.18.1.0/24 dev va').call.flags).toEqual({ create: true, append: true });
    expect(run('route prepend 198.18.1.0/24 dev va').call.flags).toEqual({ create: true });
    expect(run('route change 198.18.1.0/24 dev va').call.flags).toEqual({ replace: true });
  });
  it('local/broadcast/anycast/nat default to table local with their scopes', () => {
    expect(run('route add local 198.18.9.1 dev va').call.req).toMatchObject({ table: 255, type: 2, scope: 254 });
    expect(run('route add broadcast 198.18.9.255 dev va').call.req).toMatchObject({ table: 255, type: 3, scope: 253 });
    expect(run('route add anycast 198.18.9.7 dev va').call.req).toMatchObject({ table: 255, type: 4, scope: 253 });
    expect(run('route add nat 198.18.9.8 via 192.0.2.9').call.req).toMatchObject({ table: 255, type: 10, scope: 254 });
    expect(run('route add multicast 224.1.0.0/16 dev va').call.req).toMatchObject({ table: 254, type: 5, scope: 253 });
    expect(run('route add blackhole 198.18.5.0/24').call.req).toMatchObject({ table: 254, type: 6, scope: 0 });
  });
  it('delete: type unspec, scope nowhere, proto unspec unless given', () => {
    expect(run('route del 198.18.1.0/24').call).toEqual({ op: 'routeDel', req: {
      table: 254, dst: ip4('198.18.1.0'), dstLen: 24, tos: 0, type: 0, scope: 255, protocol: 0 } });
    expect(run('route del 198.18.1.0/24 proto static metric 7 table 100').call.req)
      .toMatchObject({ protocol: 4, priority: 7, table: 100 });
  });
  it('named values: dsfield names are hex, tables/protos/scopes by name or number', () => {
    expect(run('route add 198.18.1.0/24 dev va tos AF11 table default proto openr scope site onlink src 192.0.2.1 metric 9').call.req)
      .toMatchObject({ tos: 0x28, table: 253, protocol: 99, scope: 200, onlink: true, prefsrc: ip4('192.0.2.1'), priority: 9 });
    expect(run('route add 198.18.1.0/24 dev va tos 10 table 4294967295').call.req).toMatchObject({ tos: 0x10, table: 4294967295 });
  });
  it('kernel errors print as iproute2 does, exit 2', () => {
    const fake = FakeRtnl.fromKernelDump(state);
    fake.answer = { ok: false, errno: 17 };
    expect(runIp(fake, 'route add 198.51.100.0/24 dev va'.split(' '), {})).toEqual({ status: 2, stdout: '', stderr: 'RTNETLINK answers: File exists\n' });
    fake.answer = { ok: false, errno: 22, msg: 'Nexthop has invalid gateway' };
    expect(runIp(fake, 'route add 198.51.200.0/24 via 192.0.2.7'.split(' '), {}).stderr).toBe('Error: Nexthop has invalid gateway.\n');
  });
  it('get: all selectors, /24 warning', () => {
    const { call, r } = run('route get 198.51.100.0/24 from 192.0.2.5 iif va oif vb mark 0x20 uid 7 tos 0x10 ipproto tcp sport 1 dport 2 fibmatch');
    expect(r.stderr).toBe('Warning: /24 as prefix is invalid, only /32 (or none) is supported.\nRTNETLINK answers: Network is unreachable\n');
    expect(call.req).toEqual({ dst: ip4('198.51.100.0'), src: ip4('192.0.2.5'), iif: VA, oif: 2, mark: 32, uid: 7, tos: 0x10,
      ipproto: 6, sport: 1, dport: 2, fibmatch: true });
  });
  it('get prints the reply like iproute2 (text and JSON)', () => {
    const fake = FakeRtnl.fromKernelDump(state);
    fake.getAnswer = { ok: true, value: { type: 5, dst: ip4('224.0.0.5'), oif: VA, table: 254, prefsrc: ip4('192.0.2.1'), uid: 0, rtFlags: 0x20000200 } };
    expect(runIp(fake, ['route', 'get', '224.0.0.5'], {}).stdout)
      .toBe('multicast 224.0.0.5 dev va src 192.0.2.1 rt_offload_failed uid 0 \n    cache <mc> \n');
    expect(runIp(fake, ['-j', 'route', 'get', '224.0.0.5'], {}).stdout)
      .toBe('[{"type":"multicast","dst":"224.0.0.5","dev":"va","prefsrc":"192.0.2.1","flags":["rt_offload_failed"],"uid":0,"cache":["mc"]}]\n');
    fake.getAnswer = { ok: true, value: { type: 1, dst: ip4('192.0.2.77'), src: ip4('192.0.2.5'), oif: VA, table: 254, iif: VA, rtFlags: 0x01000200 } };
    expect(runIp(fake, 'route get 192.0.2.77 from 192.0.2.5 iif va'.split(' '), {}).stdout)
      .toBe('192.0.2.77 from 192.0.2.5 dev va \n    cache <redirect> iif va \n');
    expect(runIp(fake, '-j route get 192.0.2.77 from 192.0.2.5 iif va'.split(' '), {}).stdout)
      .toBe('[{"dst":"192.0.2.77","from":"192.0.2.5","dev":"va","flags":[],"cache":["redirect"],"iif":"va"}]\n');
    fake.getAnswer = { ok: true, value: { type: 1, dst: ip4('203.0.113.9'), gateway: ip4('192.0.2.254'), oif: VA, table: 100, prefsrc: ip4('192.0.2.1'), mark: 5, uid: 1000, rtFlags: 0x200 } };
    expect(runIp(fake, 'route get 203.0.113.9 mark 5'.split(' '), {}).stdout)
      .toBe('203.0.113.9 via 192.0.2.254 dev va table 100 src 192.0.2.1 mark 5 uid 1000 \n    cache \n');
  });
  it('flush deletes every matching route, -s reports rounds', () => {
    const { fake, r } = run('-s route flush table local dev vb');
    expect(r.stdout).toBe('\n*** Round 1, deleting 4 entries ***\n*** Flush is complete after 1 round ***\n');
    expect(fake.calls.map((c) => c.op)).toEqual(['routeDel', 'routeDel', 'routeDel', 'routeDel']);
    expect(run('-s route flush table 5000 proto static').r.stdout).toBe('Nothing to flush.\n');
  });
});

describe('ip rule requests', () => {
  it('no action → lookup main; selectors', () => {
    expect(run('rule add from 192.0.2.0/24').call).toEqual({ op: 'ruleAdd', req: { action: 1, src: ip4('192.0.2.0'), srcLen: 24, table: 254 } });
    expect(run('rule add not to 198.18.0.0/15 tos 0x10 fwmark 0x5/0xff iif va oif vb uidrange 100-200 ipproto tcp sport 1000-2000 dport 80 prohibit pref 200 protocol static').call.req)
      .toEqual({ action: 8, invert: true, dst: ip4('198.18.0.0'), dstLen: 15, tos: 0x10, fwmark: 5, fwmask: 0xff, iifname: 'va', oifname: 'vb',
        uidStart: 100, uidEnd: 200, ipproto: 6, sport: [1000, 2000], dport: [80, 80], priority: 200, protocol: 4 });
    expect(run('rule add goto 300 pref 250').call.req).toEqual({ action: 2, gotoTarget: 300, priority: 250 });
    expect(run('rule add nop').call.req).toEqual({ action: 3 });
    expect(run('rule add table 70000 suppress_prefixlength 0 suppress_ifgroup default').call.req)
      .toEqual({ action: 1, table: 70000, suppressPrefixlen: 0, suppressIfgroup: 0 });
    // 6.1 has no port masks: sscanf("%hu-%hu") reads the first number only
    expect(run('rule add dport 443/0xff00 table 7').call.req).toMatchObject({ dport: [443, 443] });
  });
  it('delete sends only what was given', () => {
    expect(run('rule del pref 310').call).toEqual({ op: 'ruleDel', req: { priority: 310 } });
  });
  it('flush deletes every rule but those at pref 0', () => {
    const { fake } = run('rule flush');
    expect(fake.calls.length).toBe(state.rules.filter((r: { priority: number }) => r.priority !== 0).length);
  });
});

describe('ip addr/link/neigh requests', () => {
  it('addr add: brd +/-, peer, scope default, label, metric', () => {
    expect(run('addr add 198.51.100.1/24 brd + dev vb label vb:x').call).toEqual({ op: 'addrAdd', replace: false, req: {
      ifindex: 2, local: ip4('198.51.100.1'), address: ip4('198.51.100.1'), prefixlen: 24, broadcast: ip4('198.51.100.255'), scope: 0, label: 'vb:x' } });
    expect(run('addr add 198.18.0.1/16 brd - dev va scope 17 metric 5 noprefixroute').call.req)
      .toMatchObject({ broadcast: ip4('198.18.0.0'), scope: 17, metric: 5, noprefixroute: true });
    expect(run('addr add 203.0.113.1 peer 203.0.113.2 dev va').call.req)
      .toMatchObject({ local: ip4('203.0.113.1'), address: ip4('203.0.113.2'), prefixlen: 32 });
    expect(run('addr add 127.0.0.2/8 dev lo').call.req).toMatchObject({ scope: 254 });
    expect(run('addr replace 198.18.0.1/16 dev va').call.replace).toBe(true);
  });
  it('addr del without a prefix length warns and deletes by address only', () => {
    const { r, call } = run('addr del 192.0.2.1 dev va');
    expect(r.stderr).toBe('Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
      '         Explicitly specify the prefix length (192.0.2.1/32) to avoid this warning.\n' +
      '         This special behaviour is likely to disappear in further releases,\n         fix your scripts!\n');
    expect(call.req).toEqual({ ifindex: VA, local: ip4('192.0.2.1'), prefixlen: 32 });
  });
  it('link add veth: peer first, auto names', () => {
    expect(run('link add vc type veth peer name vd mtu 9000').call.req).toEqual({ name: 'vc', kind: 'veth', peer: { name: 'vd', mtu: 9000 } });
    expect(run('link add ve mtu 1400 txqlen 50 address 02:00:00:00:00:0e type veth peer name vf address 02:00:00:00:00:0f').call.req)
      .toEqual({ name: 've', kind: 'veth', mtu: 1400, txqlen: 50, address: Uint8Array.from([2, 0, 0, 0, 0, 14]),
        peer: { name: 'vf', address: Uint8Array.from([2, 0, 0, 0, 0, 15]) } });
    // veth0/veth1 are taken in the fixture
    expect(run('link add type veth').call.req).toEqual({ name: 'veth3', kind: 'veth', peer: { name: 'veth2' } });
    expect(run('link add d0 type dummy').call.req).toEqual({ name: 'd0', kind: 'dummy' });
  });
  it('link set', () => {
    expect(run('link set va txqlen 77 mtu 1280 address 02:00:00:00:00:0c name vx up').call.req)
      .toEqual({ ifindex: VA, txqlen: 77, mtu: 1280, address: Uint8Array.from([2, 0, 0, 0, 0, 12]), name: 'vx', up: true });
    expect(run('link set dev va down').call.req).toEqual({ ifindex: VA, up: false });
    expect(run('link del va').call).toEqual({ op: 'linkDel', req: VA });
  });
  it('neigh add/replace/del', () => {
    expect(run('neigh add 192.0.2.50 lladdr 02:00:00:00:00:50 dev va').call).toEqual({ op: 'neighAdd', replace: false,
      req: { ifindex: VA, dst: ip4('192.0.2.50'), lladdr: Uint8Array.from([2, 0, 0, 0, 0, 0x50]), state: 0x80 } });
    expect(run('neigh replace 192.0.2.50 lladdr 02:00:00:00:00:50 dev va nud stale router').call)
      .toMatchObject({ replace: true, req: { state: 4, router: true } });
    expect(run('neigh del 192.0.2.50 dev va').call).toEqual({ op: 'neighDel', req: { ifindex: VA, dst: ip4('192.0.2.50') } });
  });
});

describe('ip -batch', () => {
  const files: Record<string, string> = {
    b1: '# comment\nroute add 198.18.30.0/24 dev va\n\n  route add 198.18.31.0/24 dev nosuch\nroute add 198.18.32.0/24 dev va # trailing\n',
    b2: 'route show root 198.18.40.0/24 \\\n dev va\n"rule" show pref 0\n',
    b3: 'rule show pref 0\nroute add 1.2.3.0/24 blah\nrule show pref 0\n',
    b4: 'foo\nrule show pref 0\n',
  };
  const io = { readFile: (p: string) => { if (!(p in files)) throw Object.assign(new Error('x'), { code: 'ENOENT' }); return files[p]; } };
  it('stops at the first failure without -force', () => {
    const { r, fake } = run('-batch b1', io);
    expect(r).toEqual({ status: 1, stdout: '', stderr: 'Cannot find device "nosuch"\nCommand failed b1:4\n' });
    expect(fake.calls.length).toBe(1);
  });
  it('goes on with -force, still exit 1', () => {
    const { r, fake } = run('-force -batch b1', io);
    expect(r.status).toBe(1);
    expect(fake.calls.length).toBe(2);
  });
  it('continuation lines and quotes', () => {
    const { r } = run('-batch b2', io);
    expect(r).toEqual({ status: 0, stdout: '198.18.40.0/24 scope link \n0:\tfrom all lookup local\n', stderr: '' });
  });
  it('an exit() inside a command ends the batch with its code, even with -force', () => {
    const { r } = run('-force -batch b3', io);
    expect(r).toEqual({ status: 255, stdout: '0:\tfrom all lookup local\n', stderr: 'Error: either "to" is duplicate, or "blah" is a garbage.\n' });
  });
  it('unknown objects fail the line', () => {
    const { r } = run('-force -batch b4', io);
    expect(r).toEqual({ status: 1, stdout: '0:\tfrom all lookup local\n', stderr: 'Object "foo" is unknown, try "ip help".\nCommand failed b4:1\n' });
  });
  it('missing file', () => {
    expect(run('-batch nosuchfile', io).r).toEqual({ status: 1, stdout: '', stderr: 'Cannot open file "nosuchfile" for reading: No such file or directory\n' });
  });
  it('-j prints one JSON document per command', () => {
    files.b5 = 'rule show pref 0\nrule show pref 0\n';
    expect(run('-j -batch b5', io).r.stdout).toBe('[{"priority":0,"src":"all","table":"local"}]\n'.repeat(2));
  });
});
