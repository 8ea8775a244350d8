// Random sequences of the changes that move multicast addresses (devices up and down, autojoin
// addresses added and removed, `ip maddr add|del`, a bridge's mcast_snooping, MTUs across 1280, a
// macvlan on a veth) and what `ip maddr` then lists, through the kernel and netpath, command by
// command. The recorded seeds replay from a fixture (RECORD=1 rewrites it); where a namespace can be
// made, fresh seeds run through both as well (NPMADDR_BASE=<base> NPMADDR_SEEDS=<n> repeat a run).
import { describe } from 'vitest';
import { Rng } from '../diff/gen.js';
import { words } from '../util/ip-script.js';
import { ipSeedTests } from '../util/ip-seeds.js';

const DEVS = ['v0', 'v1', 'mv0', 'br0', 'v2'];
const GROUPS = ['239.1.1.1', '239.1.1.2', '224.0.0.5', '239.200.1.1'];
const MACS = ['01:00:5e:01:01:01', '01:00:5e:00:00:01', '01:00:5e:00:00:05', '01:00:5e:48:01:01', '33:33:00:00:00:01', '02:00:00:00:00:77'];
const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link add mv0 address 02:00:00:00:00:21 link v1 type macvlan mode bridge',
  'link add br0 address 02:00:00:00:00:10 type bridge',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04', 'link set v2 master br0',
];

/** a seed's script: the setup, then 30 random changes, each followed now and then by a listing */
export function script(seed: number): string[][] {
  const r = new Rng(seed);
  const out = [...SETUP];
  for (let i = 0; i < 30; i++) {
    const d = r.pick(DEVS);
    out.push(r.weighted([
      [4, () => `link set ${d} ${r.pick(['up', 'down'])}`],
      [4, () => `addr add ${r.pick(GROUPS)}/32 dev ${d} autojoin`],
      [3, () => `addr del ${r.pick(GROUPS)}/32 dev ${d}`],
      [3, () => `maddr ${r.pick(['add', 'del'])} ${r.pick(MACS)} dev ${d}`],
      [1, () => `link set br0 type bridge mcast_snooping ${r.int(0, 1)}`],
      [1, () => `link set ${d} mtu ${r.pick([1200, 1280, 1500])}`],
    ] as const)());
    if (r.chance(0.4)) out.push(r.pick(['maddr', `maddr show dev ${r.pick(DEVS)}`, `-j maddr show dev ${r.pick(DEVS)}`, '-4 maddr']));
  }
  out.push('maddr');
  return out.map(words);
}

describe('ip maddress over random change sequences: netpath against the kernel', () => {
  ipSeedTests({
    fixture: new URL('../fixtures/inet/maddr-diff.json', import.meta.url), recorded: Array.from({ length: 12 }, (_, i) => 20261123 + i),
    script, netns: 'np-mad', env: 'NPMADDR',
  });
});
