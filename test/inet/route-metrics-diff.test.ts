// Random sequences of route changes carrying metrics (add, append, prepend, replace, change, test,
// del; every metric keyword with and without lock, values at and past the kernel's clamps, times in
// every unit, duplicates, bad values) and what `ip route show` and `ip route get` then say, through
// the kernel and netpath, command by command. The recorded seeds replay from a fixture (RECORD=1
// rewrites it); where a namespace can be made, fresh seeds run through both as well
// (NPMX_BASE=<base> NPMX_SEEDS=<n> repeat a run).
import { describe } from 'vitest';
import { Rng } from '../diff/gen.js';
import { words } from '../util/ip-script.js';
import { ipSeedTests } from '../util/ip-seeds.js';

// the input route of `route get ... iif` needs forwarding; a multipath route's choice is the kernel's by a set seed
const SETUP = [
  'sysctl net.ipv4.ip_forward=1', 'sysctl net.ipv4.fib_multipath_hash_seed=1234',
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link set v0 up', 'link set v1 up', 'addr add 192.0.2.1/24 dev v0', 'addr add 198.18.0.1/24 dev v1',
];
const PREFIXES = ['203.0.113.0/24', '203.0.113.128/25', '198.51.100.0/24', 'default'];
const GATEWAYS = ['via 192.0.2.2', 'via 192.0.2.3', 'via 198.18.0.2', 'dev v1', 'nexthop via 192.0.2.2 nexthop via 198.18.0.2'];
const TIMES = ['0', '7', '1.5', '100ms', '2s', '1.25secs', '3000msec', '0x20', '-1'];
const NUMBERS = ['0', '1', '576', '1400', '65520', '65521', '70000', '4294967295', '0x10', '010'];
/** values iproute2 refuses, now and then */
const BAD = ['5x', '1e3', '4294967296', 'x', '-1'];

/** one metric option: a keyword, maybe lock, a value (now and then a bad one) */
function metric(r: Rng): string {
  const lock = r.chance(0.2) ? 'lock ' : '';
  if (r.chance(0.05)) return `${r.pick(['mtu', 'advmss', 'rtt', 'rttvar', 'rto_min', 'window'])} ${r.pick(BAD)}`;
  return r.weighted([
    [5, () => `mtu ${lock}${r.pick(NUMBERS)}`],
    [3, () => `hoplimit ${lock}${r.pick(['1', '33', '255', '0', '33'])}`],
    [2, () => `advmss ${lock}${r.pick(NUMBERS)}`],
    [1, () => `${r.pick(['window', 'cwnd', 'initcwnd', 'initrwnd', 'ssthresh', 'reordering'])} ${lock}${r.pick(NUMBERS)}`],
    [2, () => `${r.pick(['rtt', 'rttvar'])} ${lock}${r.pick(TIMES)}`],
    [1, () => `rto_min ${r.pick(TIMES)}`],
    [1, () => `features ${r.chance(0.9) ? 'ecn' : 'sack'}`],
    [1, () => `${r.pick(['quickack', 'fastopen_no_cookie'])} ${r.chance(0.9) ? r.int(0, 1) : 2}`],
    [1, () => `congctl ${lock}${r.chance(0.9) ? r.pick(['reno', 'cubic']) : 'nosuchalgo'}`],
  ] as const)();
}

/** a seed's script: the setup, then 30 random route changes, each followed now and then by a question */
export function script(seed: number): string[][] {
  const r = new Rng(seed);
  const out = [...SETUP];
  for (let i = 0; i < 30; i++) {
    const mx = Array.from({ length: r.int(0, 3) }, () => metric(r)).join(' ');
    const p = r.pick(PREFIXES);
    const gw = r.pick(GATEWAYS);
    const extra = r.chance(0.2) ? ` metric ${r.pick([5, 10])}` : '';
    // RTA_METRICS comes before RTA_MULTIPATH: iproute2 reads the nexthops last
    out.push(r.weighted([
      [5, () => `route add ${p}${extra} ${mx} ${gw}`],
      [2, () => `route append ${p}${extra} ${mx} ${gw}`],
      [1, () => `route prepend ${p}${extra} ${mx} ${gw}`],
      [2, () => `route replace ${p}${extra} ${mx} ${gw}`],
      [1, () => `route change ${p}${extra} ${mx} ${gw}`],
      [1, () => `route test ${p}${extra} ${mx} ${gw}`],
      [3, () => `route del ${p}${extra} ${mx}`],
    ] as const)().replace(/ +/g, ' ').trim());
    if (r.chance(0.4)) {
      out.push(r.pick(['route show', '-j route show', '-d route show', `route get ${r.pick(['203.0.113.9', '203.0.113.200', '198.51.100.9', '192.0.2.77', '8.8.8.8'])}`,
        `route get 203.0.113.${r.int(1, 254)} from 198.18.0.9 iif v1`, `route get 203.0.113.${r.int(1, 254)} fibmatch`]));
    }
  }
  out.push('route show');
  return out.map(words);
}

describe('ip route metrics over random change sequences: netpath against the kernel', () => {
  ipSeedTests({
    fixture: new URL('../fixtures/inet/route-metrics-diff.json', import.meta.url), recorded: Array.from({ length: 12 }, (_, i) => 20261124 + i),
    script, netns: 'np-mxd', env: 'NPMX',
  });
});
