// tso_max_size and the queue counts `ip -d link` prints. A device starts at TSO_LEGACY_MAX_SIZE (65536)
// unless its driver sets more (veth, loopback: GSO_MAX_SIZE); a macvlan takes its lower's at creation
// (macvlan_init) and again on the lower's NETDEV_FEAT_CHANGE; a bridge takes its ports' smallest
// (br_set_gso_limits), and its features change when the first port comes (before the limits are set)
// and when the last one goes (after). Against the recorded kernel (RECORD=1 records again), and against
// the live kernel where a namespace can be made.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { ipScriptCases, words } from '../util/ip-script.js';

const SHOW = ['-d link show dev mv0', '-d link show dev mv1'];
const SCRIPT = [
  'link add br0 address 02:00:00:00:00:10 type bridge',
  'link add mv0 link br0 address 02:00:00:00:00:20 type macvlan', SHOW[0],
  'tuntap add tap0 mode tap', 'link set tap0 address 02:00:00:00:00:30', 'link set tap0 master br0', SHOW[0],
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link set v0 master br0', SHOW[0],
  'link set tap0 nomaster', SHOW[0],
  'link add mv1 link br0 address 02:00:00:00:00:21 type macvlan', SHOW[1],
  'link set v0 nomaster', SHOW[0], SHOW[1],
  'link set tap0 master br0', SHOW[0], SHOW[1],
  'link set tap0 nomaster', SHOW[0], SHOW[1],
  'link add mv2 link v0 address 02:00:00:00:00:22 type macvlan', '-d link show dev mv2',
].map(words);

const FIXTURE = new URL('../fixtures/devices/link-tso-ip.json', import.meta.url);
const tso = (s: string): string | undefined => / tso_max_size (\d+) /.exec(s)?.[1];

describe('tso_max_size of macvlans over a bridge: as Linux', () => {
  ipScriptCases({
    fixture: FIXTURE, prefix: 'np-tso', script: SCRIPT,
    check: (recorded) => {
      // the recording shows the macvlan keeping the limit it had while the bridge's ports changed
      expect(recorded.filter((s) => s.argv.join(' ') === SHOW[0]).map((s) => tso(s.stdout)))
        .toEqual(['65536', '65536', '65536', '65536', '524280', '524280', '524280']);
    },
  });
});

// No kernel here has the EMAC or dummy drivers; these follow their sources: emac_probe and dummy's
// rtnl_link_ops allocate one TX and one RX queue and set no TSO limit, and VLAN devices inherit theirs.
describe('queues and tso_max_size of devices without a live oracle', () => {
  it('EMAC and dummy: one queue each way, TSO_LEGACY_MAX_SIZE; a VLAN and a macvlan on the EMAC inherit it', async () => {
    const box = await Box.create();
    for (const c of ['link add eth0 address 02:00:00:00:00:10 type emac', 'link add d0 type dummy',
      'link add link eth0 name eth0.5 type vlan id 5', 'link add mv0 link eth0 type macvlan']) expect(box.ip(c).status).toBe(0);
    for (const dev of ['eth0', 'd0', 'eth0.5', 'mv0']) {
      const out = box.ip(`-d link show dev ${dev}`).stdout;
      expect(out, dev).toContain(' numtxqueues 1 numrxqueues 1 ');
      expect(tso(out), dev).toBe('65536');
    }
  });
  it('a VLAN device takes its lower bridge\'s new limit when the bridge loses its last port', async () => {
    const box = await Box.create();
    for (const c of ['link add br0 type bridge', 'link add link br0 name br0.5 type vlan id 5',
      'link add v0 type veth peer name v1', 'link set v0 master br0']) expect(box.ip(c).status).toBe(0);
    expect(tso(box.ip('-d link show dev br0.5').stdout)).toBe('65536');
    expect(box.ip('link set v0 nomaster').status).toBe(0);
    expect(tso(box.ip('-d link show dev br0.5').stdout)).toBe('524280');
  });
});
