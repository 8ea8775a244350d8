// `bridge fdb show` lists every device's own address lists as "self" entries (ndo_dflt_fdb_dump): its
// unicast list first, then its multicast list. A macvlan puts its address on its lower's unicast list while
// it is up (a new address goes on before the old one leaves), so the lower (a veth, or a bridge, which that
// makes promiscuous) shows it. Against the recorded kernel (NP_RECORD=1 records again), and against the
// live kernel where a namespace can be made.
import { describe } from 'vitest';
import { bridgeCases, netnsWhyNot } from '../util/recorded.js';

const why = await netnsWhyNot();

describe('bridge fdb show: the unicast addresses of each device, as Linux lists them', () => {
  bridgeCases({
    fixture: new URL('../fixtures/bridge/fdb-self-uc.json', import.meta.url),
    netns: 'np-fdbuc',
    prepare: (ns) => [['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']],
    setup: [
      'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
      'link add br0 address 02:00:00:00:00:10 type bridge',
      'link add mv0 link v0 address 02:00:00:00:00:20 type macvlan',
      'link add mv1 link br0 address 02:00:00:00:00:21 type macvlan',
      'link add mv2 link v0 address 02:00:00:00:00:22 type macvlan',
      'link set v0 up', 'link set br0 up', 'link set mv0 up', 'link set mv1 up', 'link set mv2 up',
      'link set mv0 address 02:00:00:00:00:30',
      'link set mv2 down',
    ],
    cases: ['fdb show', '-j fdb show', 'fdb show dev v0', 'fdb show br br0'],
    why,
  });
});
