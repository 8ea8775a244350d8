// netdev_rx_handler_register and the four results of an rx_handler in
// __netif_receive_skb_core, through handlers written in TypeScript
// (box.link(name).setRxHandler) and through macvlan's.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { ether, ipv4Udp } from '../netif/helpers.js';
import type { RxHandlerFn } from '../../src/rx_handler.js';

const V0 = [2, 0, 0, 0, 0, 0xa0], V1 = [2, 0, 0, 0, 0, 0xa1];

/** v0 — v1 (veth), and dummy devices d1, d2 to redirect to; all up. */
async function vethBox() {
  const box = await Box.create();
  for (const c of ['link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1',
    'link add d1 type dummy', 'link add d2 type dummy', 'link set v0 up', 'link set v1 up', 'link set d1 up', 'link set d2 up']) {
    const r = box.ip(c);
    if (r.status !== 0) throw new Error(r.stderr);
  }
  return box;
}
const frames = (n: number, o: { type?: number } = {}) => Array.from({ length: n }, (_, i) => ether({ dst: V1, src: V0, fill: i, ...o }));
const MS = 1_000_000;

describe('rx_handler results (host handlers)', () => {
  it('CONSUMED: taps on the device still see the frame, the stack does not; nothing counted as dropped', async () => {
    const box = await vethBox();
    const seen: number[] = [];
    box.link('v1').setRxHandler((p) => { seen.push(p.data[14]); return 'consumed'; });
    const tap = box.packet('v1');
    box.packet('v0').send(frames(3));
    expect(seen).toEqual([]); // parked until the box runs
    box.run({ ns: MS });
    expect(seen).toEqual(frames(3).map((f) => f[14]));
    expect(tap.recv().length).toBe(3);
    const s = box.link('v1').stats();
    expect([s.rxPackets, s.rxDropped, s.rxNohandler]).toEqual([3, 0, 0]);
    expect(box.dropReasons()).toEqual({});
    expect(box.netCounters().skbFree).toBe(box.netCounters().skbPool);
  });

  it('CONSUMED in a replay: the verdict is consumed, and the path shows the handler took it', async () => {
    const box = await vethBox();
    box.link('v1').setRxHandler(() => 'consumed');
    const [r] = box.replay([{ dev: 'v1', data: frames(1)[0]! }]);
    expect([r!.verdict, r!.reason]).toEqual(['consumed', '']);
    expect(r!.path.at(-1)).toBe('host rx_handler: v1 → CONSUMED');
    expect(box.dropReasons()).toEqual({});
  });

  it('PASS: as if there were no handler (unknown ethertype: rx_dropped, UNHANDLED_PROTO)', async () => {
    const box = await vethBox();
    box.link('v1').setRxHandler(() => 'pass');
    box.packet('v0').send(frames(2));
    box.run({ ns: MS });
    expect(box.link('v1').stats().rxDropped).toBe(2);
    expect(box.dropReasons()).toEqual({ UNHANDLED_PROTO: 2 });
  });

  it('EXACT: no wildcard protocol handler (IPv4 does not see it): rx_nohandler, not rx_dropped', async () => {
    const box = await vethBox();
    box.ip('addr add 192.0.2.1/24 dev v1');
    box.link('v1').setRxHandler(() => 'exact');
    box.packet('v0').send([ipv4Udp({ dst: V1, src: V0 })]);
    box.run({ ns: MS });
    const s = box.link('v1').stats();
    expect([s.rxNohandler, s.rxDropped]).toEqual([1, 0]);
    expect(box.snmp().IpInReceives).toBe(0);
  });

  it('ANOTHER: another round on the new device: its taps, then its own handler or delivery', async () => {
    const box = await vethBox();
    box.link('v1').setRxHandler(() => ({ result: 'another', dev: 'd1' }));
    const t1 = box.packet('v1'), td = box.packet('d1');
    box.packet('v0').send(frames(2));
    box.run({ ns: MS });
    expect(t1.recv().map((p) => p.dev)).toEqual(['v1', 'v1']);
    expect(td.recv().map((p) => [p.dev, p.direction])).toEqual([['d1', 'in'], ['d1', 'in']]);
    expect(box.link('d1').stats().rxDropped).toBe(2); // unhandled on d1, counted there
    expect(box.link('v1').stats().rxDropped).toBe(0);
  });

  it('ANOTHER across several devices: v1 → d1 → d2 → PASS, in one run; the path shows each handler', async () => {
    const box = await vethBox();
    const order: string[] = [];
    box.link('v1').setRxHandler((p) => { order.push(p.dev); return { result: 'another', dev: 'd1' }; });
    box.link('d1').setRxHandler((p) => { order.push(p.dev); return { result: 'another', dev: 'd2' }; });
    box.link('d2').setRxHandler((p) => { order.push(p.dev); return 'pass'; });
    const [r] = box.replay([{ dev: 'v1', data: frames(1)[0] }]);
    expect(order).toEqual(['v1', 'd1', 'd2']);
    expect(r.path.filter((s) => s.startsWith('host rx_handler'))).toEqual([
      'host rx_handler: v1 → ANOTHER d1', 'host rx_handler: d1 → ANOTHER d2', 'host rx_handler: d2 → PASS']);
    expect(r.verdict).toBe('drop');
    expect(r.reason).toBe('UNHANDLED_PROTO');
    expect(box.link('d2').stats().rxDropped).toBe(1);
  });

  it('a handler that keeps answering ANOTHER to itself: dropped after a bounded number of rounds', async () => {
    const box = await vethBox();
    let calls = 0;
    box.link('v1').setRxHandler(() => { calls++; return { result: 'another', dev: 'v1' }; });
    box.packet('v0').send(frames(1));
    box.run({ ns: MS });
    expect(calls).toBe(8);
    expect(box.netCounters().skbFree).toBe(box.netCounters().skbPool);
  });

  it('one handler per device: EBUSY against a macvlan port, and a macvlan cannot take a device with a handler', async () => {
    const box = await vethBox();
    box.ip('link add mv0 link v1 type macvlan mode bridge');
    expect(() => box.link('v1').setRxHandler(() => 'pass')).toThrow(/EBUSY/);
    box.link('v0').setRxHandler(() => 'pass');
    expect(box.ip('link add mv1 link v0 type macvlan')).toMatchObject({ status: 2, stderr: 'RTNETLINK answers: Device or resource busy\n' });
    box.ip('link del mv0'); // the last macvlan takes the port away: the slot is free again
    expect(() => box.link('v1').setRxHandler(() => 'consumed')).not.toThrow();
    box.link('v1').setRxHandler(null);
    expect(() => box.link('v1').setRxHandler(null)).toThrow(/no host rx_handler/);
  });

  it('a handler that throws: the frame is consumed, the error surfaces from run, the batch still completes', async () => {
    const box = await vethBox();
    let n = 0;
    box.link('v1').setRxHandler(() => { if (n++ === 0) throw new Error('boom'); return 'pass'; });
    box.packet('v0').send(frames(3));
    expect(() => box.run({ ns: MS })).toThrow('boom');
    expect(n).toBe(3);
    expect(box.link('v1').stats().rxDropped).toBe(2);
    expect(box.netCounters().skbFree).toBe(box.netCounters().skbPool);
  });

  it('registered, replaced and removed while traffic flows: every frame handled once, by the handler that saw it', async () => {
    const box = await vethBox();
    const count = { a: 0, b: 0 };
    const A: RxHandlerFn = (p) => { count.a++; return p.data[14] % 2 ? 'consumed' : 'pass'; };
    const B: RxHandlerFn = () => { count.b++; return 'consumed'; };
    const s = box.packet('v0');
    let sent = 0;
    const send = (n: number) => { s.send(frames(n).map((f, i) => { f[14] = (sent + i) & 255; return f; })); sent += n; };
    send(10); box.run({ ns: MS });                 // no handler: 10 passed
    box.link('v1').setRxHandler(A);
    send(20);                                      // parked for A
    box.link('v1').setRxHandler(B);                // replaced before they ran: they still go to A
    send(30); box.run({ ns: MS });                 // 20 by A, 30 by B
    box.link('v1').setRxHandler(A);
    send(40);
    box.link('v1').setRxHandler(null);             // removed with 40 parked: A still decides them
    send(50); box.run({ ns: MS });                 // 50 with no handler
    expect(count).toEqual({ a: 60, b: 30 });
    const consumedByHost = 30 + [...Array(20).keys()].map((i) => 10 + i).filter((v) => v % 2).length +
      [...Array(40).keys()].map((i) => 60 + i).filter((v) => v % 2).length;
    const st = box.link('v1').stats();
    expect(st.rxPackets).toBe(sent);
    // what the host did not consume reached protocol delivery and was dropped there, once
    expect(st.rxDropped + consumedByHost).toBe(sent);
    expect(box.dropReasons()).toEqual({ UNHANDLED_PROTO: sent - consumedByHost });
    expect(box.netCounters().skbFree).toBe(box.netCounters().skbPool);
  });
});
