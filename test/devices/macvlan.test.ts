// macvlan datapath (drivers/net/macvlan.c): macvlan_handle_frame on the lower
// device, the modes between macvlans of one lower device, broadcasts through
// bc_work, transmit through the lower device; counters where Linux counts.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { ether } from '../netif/helpers.js';

const MS = 1_000_000;
const ETH0 = [2, 0, 0, 0, 0, 1], PEER = [2, 0, 0, 0, 0, 2], MVA = [2, 0, 0, 0, 1, 0xa], MVB = [2, 0, 0, 0, 1, 0xb];
const BCAST = [255, 255, 255, 255, 255, 255], OTHER = [2, 0, 0, 0, 9, 9];

/** eth0 (veth; peer0 is the outside) with macvlans mva, mvb in the given modes, all up. */
async function macvlanBox(modeA: string, modeB?: string) {
  const box = await Box.create();
  const cmds = ['link add eth0 address 02:00:00:00:00:01 type veth peer name peer0 address 02:00:00:00:00:02',
    `link add mva address 02:00:00:00:01:0a link eth0 type macvlan mode ${modeA}`];
  if (modeB) cmds.push(`link add mvb address 02:00:00:00:01:0b link eth0 type macvlan mode ${modeB}`);
  cmds.push('link set peer0 up', 'link set eth0 up', 'link set mva up');
  if (modeB) cmds.push('link set mvb up');
  for (const c of cmds) { const r = box.ip(c); if (r.status !== 0) throw new Error(`${c}: ${r.stderr}`); }
  return box;
}
const taps = (box: Box, devs: string[]) => Object.fromEntries(devs.map((d) => [d, box.packet(d)]));
const got = (t: Record<string, ReturnType<Box['packet']>>) =>
  Object.fromEntries(Object.entries(t).map(([d, s]) => [d, s.recv().map((p) => `${p.direction}:${p.pktType}`)]));

describe('macvlan receive', () => {
  it('passthru: everything unicast arriving on the lower goes to the macvlan (ANOTHER), with the path', async () => {
    const box = await macvlanBox('passthru');
    expect(box.link('mva').info().address).toEqual(Uint8Array.from(ETH0)); // the lower's address
    const [r] = box.replay([{ dev: 'eth0', data: ether({ dst: OTHER, src: PEER }) }]);
    expect(r.path).toContain('macvlan_handle_frame: eth0 → ANOTHER mva');
    expect(r.reason).toBe('UNHANDLED_PROTO');
    const mva = box.link('mva').stats(), eth0 = box.link('eth0').stats();
    expect([mva.rxPackets, mva.rxBytes, mva.rxDropped]).toEqual([1, 100, 1]);
    expect(eth0.rxDropped).toBe(0);
    expect(box.ip('-d link show eth0').stdout).toContain(' promiscuity 1 ');
  });

  it('unicast to a macvlan address goes to it; to the lower or an unknown address stays on the lower (PASS)', async () => {
    const box = await macvlanBox('bridge', 'private');
    const t = taps(box, ['eth0', 'mva', 'mvb']);
    box.packet('peer0').send([ether({ dst: MVA, src: PEER }), ether({ dst: MVB, src: PEER }), ether({ dst: ETH0, src: PEER }),
      ether({ dst: OTHER, src: PEER })]);
    box.run({ ns: MS });
    expect(got(t)).toEqual({ eth0: ['in:otherhost', 'in:otherhost', 'in:host', 'in:otherhost'], mva: ['in:host'], mvb: ['in:host'] });
    expect(box.link('eth0').stats().rxDropped).toBe(2);
  });

  it('no address given: each macvlan draws its own unicast, locally administered one (eth_hw_addr_random), and gets its frames', async () => {
    const box = await Box.create();
    for (const c of ['link add eth0 address 02:00:00:00:00:01 type veth peer name peer0 address 02:00:00:00:00:02',
      'link add mva link eth0 type macvlan mode bridge', 'link add mvb link eth0 type macvlan mode bridge',
      'link set peer0 up', 'link set eth0 up', 'link set mva up', 'link set mvb up']) {
      expect([c, box.ip(c).stderr]).toEqual([c, '']);
    }
    const a = [...box.link('mva').info().address], b = [...box.link('mvb').info().address];
    for (const m of [a, b]) expect([m[0]! & 1, m[0]! & 2]).toEqual([0, 2]);
    expect(new Set([a, b, ETH0].map(String)).size).toBe(3);
    const t = taps(box, ['eth0', 'mva', 'mvb']);
    box.packet('peer0').send([ether({ dst: a, src: PEER }), ether({ dst: b, src: PEER })]);
    box.run({ ns: MS });
    expect(got(t)).toEqual({ eth0: ['in:otherhost', 'in:otherhost'], mva: ['in:host'], mvb: ['in:host'] });
  });

  it('a down macvlan: out of the hash, frames to its address stay on the lower (PASS)', async () => {
    const box = await macvlanBox('bridge', 'bridge');
    box.ip('link set mvb down');
    box.packet('peer0').send([ether({ dst: MVB, src: PEER })]);
    box.run({ ns: MS });
    expect(box.link('eth0').stats().rxDropped).toBe(1);
    expect(box.link('mvb').stats().rxPackets).toBe(0);
  });

  it('passthru with the macvlan down: the handler drops everything unicast (CONSUMED)', async () => {
    const box = await macvlanBox('passthru');
    box.ip('link set mva down');
    const [r] = box.replay([{ dev: 'eth0', data: ether({ dst: OTHER, src: PEER }) }]);
    expect(r.path).toContain('macvlan_handle_frame: eth0 → CONSUMED');
    expect(box.link('eth0').stats().rxDropped).toBe(0);
    expect(box.link('mva').stats().rxPackets).toBe(0);
  });

  it('a broadcast from outside: the lower gets it (PASS), every macvlan a copy from bc_work', async () => {
    const box = await macvlanBox('vepa', 'private');
    const t = taps(box, ['eth0', 'mva', 'mvb']);
    const [r] = box.replay([{ dev: 'eth0', data: ether({ dst: BCAST, src: PEER }) }]);
    expect(r.path).toContain('macvlan_handle_frame: eth0 broadcast queued for bc_work');
    expect(r.path).toContain('macvlan_handle_frame: eth0 → PASS');
    expect(got(t)).toEqual({ eth0: ['in:broadcast'], mva: ['in:broadcast'], mvb: ['in:broadcast'] });
    const a = box.link('mva').stats();
    expect([a.rxPackets, a.rxBytes, a.rxMcast]).toEqual([1, 100, 1]);
  });

  it('a private macvlan\'s own broadcast coming back: to it alone, not to the lower (CONSUMED)', async () => {
    const box = await macvlanBox('private', 'vepa');
    const t = taps(box, ['eth0', 'mva', 'mvb']);
    box.packet('peer0').send([ether({ dst: BCAST, src: MVA })]);
    box.run({ ns: MS });
    expect(got(t)).toEqual({ eth0: ['in:broadcast'], mva: ['in:broadcast'], mvb: [] });
  });
});

describe('macvlan transmit and the modes', () => {
  it('bridge to bridge: delivered through the lower\'s receive path, nothing on the wire', async () => {
    const box = await macvlanBox('bridge', 'bridge');
    const t = taps(box, ['peer0', 'eth0', 'mvb']);
    box.packet('mva').send([ether({ dst: MVB, src: MVA })]);
    box.run({ ns: MS });
    expect(got(t)).toEqual({ peer0: [], eth0: ['in:otherhost'], mvb: ['in:host'] });
    expect(box.link('mva').stats().txPackets).toBe(1);
    expect(box.link('mvb').stats().rxPackets).toBe(1);
  });

  it('private and vepa: to a sibling through the wire only (the outside must send it back)', async () => {
    for (const mode of ['private', 'vepa']) {
      const box = await macvlanBox(mode, mode);
      const t = taps(box, ['peer0', 'mvb']);
      box.packet('mva').send([ether({ dst: MVB, src: MVA })]);
      box.run({ ns: MS });
      expect(got(t)).toEqual({ peer0: ['in:otherhost'], mvb: [] });
      // a hairpin switch returns it: now it is delivered
      box.packet('peer0').send([ether({ dst: MVB, src: MVA })]);
      box.run({ ns: MS });
      expect(got(t)).toEqual({ peer0: ['out:outgoing'], mvb: ['in:host'] });
    }
  });

  it('bridge broadcast: copies to the bridge siblings at once, and out the lower; not back to the sender', async () => {
    const box = await macvlanBox('bridge', 'bridge');
    box.ip('link add mvc address 02:00:00:00:01:0c link eth0 type macvlan mode vepa');
    box.ip('link set mvc up');
    const t = taps(box, ['peer0', 'mva', 'mvb', 'mvc']);
    box.packet('mva').send([ether({ dst: BCAST, src: MVA })]);
    box.run({ ns: MS });
    expect(got(t)).toEqual({ peer0: ['in:broadcast'], mva: ['out:outgoing'], mvb: ['in:broadcast'], mvc: [] });
  });

  it('a lower device going away takes its macvlans; the port is gone with the last one', async () => {
    const box = await macvlanBox('bridge', 'vepa');
    box.ip('link del eth0');
    expect(box.ip('link show').stdout.split('\n').filter((l) => /^\d+:/.test(l)).map((l) => l.split(':')[1].trim())).toEqual(['lo']);
  });

  it('carrier follows the lower; the lower\'s MTU caps the macvlan\'s', async () => {
    const box = await macvlanBox('bridge');
    expect(box.link('mva').info().operstate).toBe(6);
    box.ip('link set peer0 down');
    expect(box.ip('link show mva').stdout).toContain('<NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state LOWERLAYERDOWN');
    box.ip('link set eth0 mtu 1400');
    expect(box.link('mva').info().mtu).toBe(1400);
    expect(box.ip('link set mva mtu 1450')).toMatchObject({ status: 2, stderr: 'RTNETLINK answers: Invalid argument\n' });
  });
});
