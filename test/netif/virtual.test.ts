// veth, lo and dummy through dev_queue_xmit: veth_xmit → dev_forward_skb(peer)
// → the backlog → the softirq step; loopback_xmit; dummy_xmit.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { ether } from './helpers.js';

async function vethBox() {
  const box = await Box.create();
  box.ip('link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1');
  box.ip('link set v0 up');
  box.ip('link set v1 up');
  return box;
}
const V1 = [2, 0, 0, 0, 0, 0xa1], V0 = [2, 0, 0, 0, 0, 0xa0];

describe('veth', () => {
  it('a frame sent on one end arrives at the peer through the backlog: taps on both ends, counters on both', async () => {
    const box = await vethBox();
    const s0 = box.packet('v0'), s1 = box.packet('v1'), tap0 = box.packet('v0');
    const f = ether({ dst: V1, src: V0, len: 98 });
    expect(s0.send([f])).toEqual({ sent: 1, errors: [0] });
    // a veth takes no time: both taps see it at sendmsg's time
    expect(tap0.recv()).toEqual([{ data: f, ifindex: 3, dev: 'v0', direction: 'out', pktType: 'outgoing', protocol: 0x88b5, timeNs: box.now }]);
    expect(s1.recv()).toEqual([{ data: f, ifindex: 2, dev: 'v1', direction: 'in', pktType: 'host', protocol: 0x88b5, timeNs: box.now }]);
    const v0 = box.link('v0').stats(), v1 = box.link('v1').stats();
    expect([v0.txPackets, v0.txBytes, v1.rxPackets, v1.rxBytes]).toEqual([1, 98, 1, 98]);
    // no protocol handler for 0x88b5 on v1: rx_dropped, UNHANDLED_PROTO
    expect(v1.rxDropped).toBe(1);
    expect(box.dropReasons()).toEqual({ UNHANDLED_PROTO: 1 });
    // the peer's MAC decides pkt_type: someone else's unicast is OTHERHOST, broadcast BROADCAST
    s0.send([ether({ dst: [2, 0, 0, 0, 0, 0x55], src: V0 }), ether({ dst: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], src: V0 }),
      ether({ dst: [0x01, 0, 0x5e, 0, 0, 1], src: V0 })]);
    expect(s1.recv().map((p) => p.pktType)).toEqual(['otherhost', 'broadcast', 'multicast']);
  });

  it('peer down: no carrier, so the noop qdisc drops the frame before veth_xmit (our tx_dropped, nothing at the peer)', async () => {
    const box = await vethBox();
    box.ip('link set v1 down');
    expect(box.ip('link show v0').stdout.split('\n')[0]).toBe(
      '3: v0@v1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default qlen 1000');
    const s1 = box.packet('v1');
    box.packet('v0').send([ether({ dst: V1, src: V0 })]);
    expect(s1.recv()).toEqual([]);
    expect(box.link('v0').stats().txDropped).toBe(1);
    expect(box.link('v1').stats().rxDropped).toBe(0);
    expect(box.dropReasons()).toEqual({ QDISC_DROP: 1 });
    expect(box.ip('-s link show v0').stdout).toContain(
      '    TX:  bytes packets errors dropped carrier collsns           \n' +
      '             0       0      0       1       0       0 \n');
  });

  it('over the peer MTU (+ header + VLAN): dropped at the peer', async () => {
    const box = await vethBox();
    box.ip('link set v1 mtu 1000');
    const r = box.packet('v0').send([ether({ dst: V1, src: V0, len: 1018 }), ether({ dst: V1, src: V0, len: 1019 })]);
    expect(r.errors).toEqual([0, 0]);
    expect(box.link('v1').stats().rxPackets).toBe(1);
    expect(box.link('v1').stats().rxDropped).toBe(2); // one too long, one unhandled
  });

  it('1000 frames in one send: all reach the peer (the softirq runs after each sendmsg, the backlog never overflows)', async () => {
    const box = await vethBox();
    const s1 = box.packet('v1');
    const frames = Array.from({ length: 1000 }, (_, i) => ether({ dst: V1, src: V0, len: 60 + (i % 500), fill: i }));
    expect(box.packet('v0').send(frames).sent).toBe(1000);
    const got = s1.recv();
    expect(got.length).toBe(1000);
    expect(got.map((p) => p.data)).toEqual(frames);
    expect(box.netCounters()).toMatchObject({ backlog: 0, backlogDropped: 0, skbAllocFailures: 0, skbFree: 4096, skbPool: 4096 });
  });
});

describe('lo and dummy', () => {
  it('lo: the frame goes out and comes back in on lo; both directions counted alike', async () => {
    const box = await Box.create();
    box.ip('link set lo up');
    const tap = box.packet('lo');
    const f = ether({ dst: [0, 0, 0, 0, 0, 0], src: [0, 0, 0, 0, 0, 0], len: 70 });
    box.packet('lo').send([f]);
    expect(tap.recv().map((p) => [p.direction, p.pktType, p.data.length])).toEqual([['out', 'outgoing', 70], ['in', 'host', 70]]);
    const s = box.link('lo').stats();
    expect([s.rxPackets, s.rxBytes, s.txPackets, s.txBytes]).toEqual([1, 70, 1, 70]);
  });

  it('dummy: counted as sent and consumed', async () => {
    const box = await Box.create();
    box.ip('link add d0 type dummy');
    box.ip('link set d0 up');
    box.packet('d0').send([ether({ len: 64 }), ether({ len: 65 })]);
    const s = box.link('d0').stats();
    expect([s.txPackets, s.txBytes, s.rxPackets]).toEqual([2, 129, 0]);
    expect(box.dropReasons()).toEqual({});
    expect(box.netCounters().consumed).toBe(2);
  });
});
