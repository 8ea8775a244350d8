// ip neigh where the kernel and iproute2 6.1 do something unexpected, recorded from the kernel
// (NP_RECORD=1) and checked live. Found by a differential hunt.
// - arp_constructor(): an entry of a loopback or point-to-point device (tun) is keyed 0.0.0.0
//   whatever address was asked for, so a second `neigh add` there updates that entry (no EEXIST:
//   ___neigh_create() found it), `del`/`get` of the address given find nothing, 0.0.0.0 finds it.
// - neigh_fill_info() sends a tun entry's NDA_LLADDR with dev->addr_len (0) bytes, and
//   ll_addr_n2a() prints the byte after it anyway: NDA_PROBES' length, "lladdr 08".
// - print_neigh(): an NTF_EXT_LEARNED entry passes every nud filter, so a flush takes it too.
// - ipneigh_modify(): a refusal from the kernel is exit(2), which ends a -force -batch.
import { describe } from 'vitest';
import type { Box } from '../../src/box.js';
import { run } from '../util/netns.js';
import { netnsWhyNot, recordedCases } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/neigh/neigh-key-filter.json', import.meta.url);
const SETUP = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link set v0 up', 'link set lo up', 'tuntap add tun0 mode tun', 'tuntap add tap0 mode tap',
];
const CASES = [
  // lo: one entry, 0.0.0.0
  'neigh add 192.0.2.31 lladdr 02:00:00:00:00:97 dev lo', 'neigh add 192.0.2.32 lladdr 02:00:00:00:00:98 dev lo', 'neigh show dev lo',
  'neigh get 0.0.0.0 dev lo', 'neigh get 192.0.2.31 dev lo', 'neigh add 0.0.0.0 lladdr 02:00:00:00:00:99 dev lo',
  'neigh replace 192.0.2.33 lladdr 02:00:00:00:00:9a dev lo', 'neigh change 192.0.2.33 lladdr 02:00:00:00:00:9a dev lo',
  'neigh del 192.0.2.31 dev lo', 'neigh add 192.0.2.40 dev lo nud stale', '-j neigh show dev lo', 'neigh del 0.0.0.0 dev lo',
  'neigh show dev lo', 'neigh add 192.0.2.50 dev lo nud noarp', 'neigh show nud all dev lo',
  // tun: the same key, and an empty link-layer address
  'neigh add 198.51.100.1 lladdr 02:00:00:00:00:97 dev tun0', 'neigh show dev tun0', '-j neigh show dev tun0', 'neigh get 0.0.0.0 dev tun0',
  'neigh add 198.51.100.2 dev tun0', 'neigh add 198.51.100.1 dev tun0 nud failed', 'neigh show nud all dev tun0',
  'neigh add 198.51.100.9 dev tun0 nud noarp', 'neigh show nud all dev tun0',
  // tap has addresses of its own
  'neigh add 198.51.100.3 lladdr 02:00:00:00:00:97 dev tap0', 'neigh show dev tap0',
  // extern_learn whatever the nud filter
  'neigh add 192.0.2.18 lladdr 02:00:00:00:00:97 dev v0 extern_learn', 'neigh show dev v0 nud failed', '-j neigh show dev v0 nud none',
  'neigh add 192.0.2.20 lladdr 02:00:00:00:00:97 dev v0 nud stale', 'neigh show dev v0 nud reachable', 'neigh flush dev v0',
  'neigh show dev v0 nud all',
  // a refusal ends the batch
  'batch neigh add 192.0.2.60 lladdr 02:00:00:00:00:97 dev v0;neigh add 192.0.2.60 lladdr 02:00:00:00:00:98 dev v0;neigh show dev v0',
  'batch neigh del 192.0.2.99 dev v0;neigh show dev v0', 'batch neigh add 192.0.2.61 dev v0;neigh show dev v0',
  'batch neigh change 192.0.2.62 lladdr 02:00:00:00:00:97 dev v0;neigh show dev v0',
];

/** a `batch L1;L2` case: the lines, for `ip -force -batch -` */
const batchLines = (c: string) => c.slice('batch '.length).split(';');
const shq = (s: string) => `'${s}'`;

const why = await netnsWhyNot();

describe('ip neigh: 0.0.0.0 keys on lo and tun, tun link-layer addresses, extern_learn filters, batch exits', () => {
  recordedCases({
    fixture: FIXTURE, netns: 'np-neighkey', setup: SETUP, cases: CASES, why, tool: 'ip',
    kernelArgv: (ns, c) => (c.startsWith('batch ')
      ? ['sh', '-c', `printf '%s\\n' ${batchLines(c).map(shq).join(' ')} | ip -n ${ns} -force -batch -`]
      : ['ip', '-n', ns, ...c.split(' ')]),
    netpath: (box: Box, c) => (c.startsWith('batch ')
      ? box.ip(['-force', '-batch', '-'], { readFile: () => batchLines(c).join('\n') + '\n' })
      : box.ip(c)),
    meta: async () => ({ iproute2: (await run('ip', ['-V'])).stdout.trim() }),
  });
});
