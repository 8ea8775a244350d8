import { describe, expect, it } from 'vitest';
import { generate, groups, ipToNum, Rng } from './gen.js';

const ALLOWED = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/15', '127.0.0.0/8', '224.0.0.0/4', '0.0.0.0/32', '255.255.255.255/32']
  .map((p) => { const [a, l] = p.split('/'); const len = Number(l); return { net: ipToNum(a), mask: len ? (0xffffffff << (32 - len)) >>> 0 : 0 }; });
const allowed = (ip: string) => ALLOWED.some((p) => ((ipToNum(ip) & p.mask) >>> 0) === p.net);

describe('scenario generator', () => {
  it('is deterministic per seed', () => {
    expect(generate(42)).toEqual(generate(42));
    expect(generate(42)).not.toEqual(generate(43));
    const r = new Rng(1), q = new Rng(1);
    for (let i = 0; i < 100; i++) expect(r.next()).toBe(q.next());
  });

  it('creates only veth pairs, with explicit addresses on both ends', () => {
    for (let seed = 1; seed <= 50; seed++) {
      for (const s of generate(seed).steps) {
        if (!('ip' in s) || !s.ip.startsWith('link add')) continue;
        expect(s.ip).toMatch(/^link add v\d+ address 02:00:00:00:00:[0-9a-f]{2}( mtu \d+)? type veth peer name v\d+ address 02:00:00:00:00:[0-9a-f]{2}( mtu \d+)?$/);
      }
    }
  });

  it('asks route get only about documentation, benchmark and special addresses', () => {
    for (let seed = 1; seed <= 100; seed++) {
      for (const s of generate(seed).steps) {
        if (!('ip' in s) || !s.ip.startsWith('route get')) continue;
        const t = s.ip.split(/\s+/);
        const addrs = [t[2], ...t.flatMap((w, i) => (w === 'from' ? [t[i + 1]] : []))].filter((a) => a && /^\d+\.\d+\.\d+\.\d+$/.test(a));
        for (const a of addrs) expect(allowed(a), `${a} in "${s.ip}"`).toBe(true);
      }
    }
  });

  it('covers the selectors, actions, route types and paths the suite is about', () => {
    const text = Array.from({ length: 300 }, (_, i) => generate(i + 1).steps.map((s) => ('ip' in s ? s.ip : s.sysctl.join('='))).join('\n')).join('\n');
    for (const needle of [
      ' not ', ' from ', ' to ', ' tos ', ' dscp ', ' fwmark ', ' iif ', ' oif ', ' uidrange ', ' ipproto ', ' sport ', ' dport ',
      ' goto ', ' nop', ' blackhole', ' unreachable', ' prohibit', ' suppress_prefixlength ', ' suppress_ifgroup ',
      'route add local ', 'route add broadcast ', 'route add multicast ', 'route add anycast ', 'route add throw ', 'route add nat ',
      'route replace ', 'route change ', 'route append ', 'route prepend ', 'route del ',
      ' table 70000', ' table 4294967295', ' table default', ' table local', ' onlink', ' metric ', ' proto ', ' scope ', ' src ',
      'peer ', ' noprefixroute', ' brd ', 'route show table all', 'rule show', 'addr show', 'link show', 'rule del ',
      'net.ipv4.ip_forward=', '.rp_filter=', '.accept_local=', '.route_localnet=', '.forwarding=',
      'route get 255.255.255.255', 'route get 224.0.0.', 'route get 127.0.0.1', 'route get 0.0.0.0', ' fibmatch',
    ]) expect(text, needle).toContain(needle);
  });

  it('groups consecutive ip steps into batches, split by sysctl steps', () => {
    const sc = { steps: [{ ip: 'a' }, { ip: 'b' }, { sysctl: ['k', 'v'] as [string, string] }, { ip: 'c' }] };
    expect(groups(sc)).toEqual([
      { kind: 'ip', start: 0, lines: ['a', 'b'] },
      { kind: 'sysctl', start: 2, key: 'k', value: 'v' },
      { kind: 'ip', start: 3, lines: ['c'] },
    ]);
  });
});
