// Bad input never hurts: skbs that wait in queues (a neighbour's arp_queue
// while ARP goes unanswered, a qdisc behind a stopped driver queue) must not
// take the whole skb pool, or every frame received afterwards would die at
// the port (NOMEM) until the queues time out. A router floods towards many
// next hops that never answer ARP; meanwhile it still answers a ping and
// forwards to a resolved next hop, and every flooded packet ends with a
// counted reason. The same for jumbo frames, whose large buffers are few.
import { describe, expect, it } from 'vitest';
import { Box, World } from '../src/index.js';
import { eth, ipv4, udp, echoRequest, fragment, pattern, decode } from './pktdiff/frames.js';
import { must } from './util/ip.js';

const MS = 1_000_000;
const S = 1_000_000_000;
const TESTER = '02:00:00:00:00:0a', DUT = '02:00:00:00:00:0b', NEXT = '02:00:00:00:00:0c';

/**
 * tester (a0 192.0.2.2) — dut (p0 192.0.2.1, p1 198.51.100.1) — sink (c1, no address: ARP requests go
 * unanswered). The dut routes 198.18.0.0/15 on-link out of p1 (each destination is its own next hop);
 * 198.51.100.2 is resolved (permanent entry), as is the tester.
 */
async function router() {
  const world = new World();
  const tester = await Box.create({ world, netns: 'tester' });
  const dut = await Box.create({ world, netns: 'dut' });
  const sink = await Box.create({ world, netns: 'sink' });
  must(tester, `link add a0 address ${TESTER} type veth peer name p0 address ${DUT} netns dut`, 'link set a0 up');
  must(sink, `link add c1 address ${NEXT} type veth peer name p1 netns dut`, 'link set c1 up');
  must(dut, 'link set p0 up', 'link set p1 up', 'addr add 192.0.2.1/24 dev p0', 'addr add 198.51.100.1/24 dev p1',
    'route add 198.18.0.0/15 dev p1', `neigh add 192.0.2.2 lladdr ${TESTER} dev p0`,
    `neigh add 198.51.100.2 lladdr ${NEXT} dev p1`);
  dut.sysctl('net.ipv4.ip_forward', '1');
  return { world, tester, dut, sink };
}

const toDut = (pkt: Uint8Array) => eth(DUT, TESTER, 0x0800, pkt);
const flood = (k: number) => toDut(ipv4({ src: '192.0.2.2', dst: `198.18.${k >> 8}.${k & 255}`, proto: 17, id: k },
  udp('192.0.2.2', `198.18.${k >> 8}.${k & 255}`, 4000, 9, pattern(18, k))));

/** Sends an 8000-byte ping to the dut from the tester's socket: whether the dut answered it. */
function jumboPingAnswered(tester: Box, tap: ReturnType<Box['packet']>): boolean {
  tap.send([toDut(ipv4({ src: '192.0.2.2', dst: '192.0.2.1', proto: 1, id: 7 }, echoRequest(0x77, 1, pattern(8000))))]);
  tester.run({ ns: MS });
  const replies = tap.recv().filter((r) => r.direction === 'in').map((r) => decode(r.data));
  return replies.some((d) => d.icmp?.type === 0 && d.ip?.src === '192.0.2.1' && d.ip?.totalLength === 8028);
}

describe('queued skbs never starve reception', () => {
  it('256 unresolved next hops flooded: pings are answered and a resolved next hop gets its frame, nothing is lost uncounted', async () => {
    const { tester, dut, sink } = await router();
    const tap = tester.packet('a0');
    const out = sink.packet('c1');
    const pool = dut.netCounters().skbPool;
    // 24 packets to each of 256 destinations, more than the whole pool (the sender's ring takes 1000 a time)
    const frames = Array.from({ length: 256 * 24 }, (_, i) => flood(i % 256));
    for (let i = 0; i < frames.length; i += 1000) {
      expect(tap.send(frames.slice(i, i + 1000)).sent).toBe(Math.min(1000, frames.length - i));
      tester.run({ ns: MS });
    }
    expect(frames.length).toBeGreaterThan(pool);
    tap.recv();
    out.recv();
    // the queues are still full (no probe has timed out yet): a ping and a frame to a resolved next hop
    const ping = toDut(ipv4({ src: '192.0.2.2', dst: '192.0.2.1', proto: 1, id: 7 }, echoRequest(0x77, 1, pattern(32))));
    const fwd = toDut(ipv4({ src: '192.0.2.2', dst: '198.51.100.2', proto: 17, id: 8 }, udp('192.0.2.2', '198.51.100.2', 4000, 9, pattern(40))));
    tap.send([ping, fwd]);
    tester.run({ ns: MS });
    const replies = tap.recv().filter((r) => r.direction === 'in').map((r) => decode(r.data));
    expect(replies.some((d) => d.icmp?.type === 0 && d.ip?.src === '192.0.2.1')).toBe(true);
    const sent = out.recv().filter((r) => r.direction === 'in').map((r) => decode(r.data));
    expect(sent.some((d) => d.ip?.dst === '198.51.100.2')).toBe(true);
    expect(dut.link('p0').stats().rxDropped).toBe(0);
    expect(dut.dropReasons().NOMEM).toBeUndefined();
    // the arp_queues hold their share of the pool (NEIGH_SKB_MAX), the oldest made room for the newest
    expect(dut.netCounters().skbFree).toBe(pool - pool / 8);
    expect(dut.dropReasons().NEIGH_QUEUEFULL).toBe(frames.length - pool / 8);
    // the oldest queued packets made room (NEIGH_QUEUEFULL); the rest fail with their neighbours
    tester.run({ ns: 5 * S });
    const drops = dut.dropReasons();
    expect(drops.NEIGH_QUEUEFULL).toBeGreaterThan(0);
    expect(drops.NEIGH_QUEUEFULL + drops.NEIGH_FAILED).toBe(frames.length);
    expect(dut.link('p0').stats().rxPackets).toBe(frames.length + 2);
    expect(dut.netCounters().skbFree).toBe(pool);
  });

  it('jumbo frames flooded to 256 unresolved next hops leave large buffers free: a jumbo ping is answered and a jumbo frame forwarded', async () => {
    const { tester, dut, sink } = await router();
    must(tester, 'link set a0 mtu 9000');
    must(sink, 'link set c1 mtu 9000');
    must(dut, 'link set p0 mtu 9000', 'link set p1 mtu 9000');
    const tap = tester.packet('a0');
    const out = sink.packet('c1');
    const pool = dut.netCounters().skbPool;
    const jumbo = (dst: string, id: number) => toDut(ipv4({ src: '192.0.2.2', dst, proto: 17, id }, udp('192.0.2.2', dst, 4000, 9, pattern(8000, id))));
    // 4 jumbo frames to each of 256 next hops: twice as many as there are large buffers
    const frames = Array.from({ length: 256 * 4 }, (_, i) => jumbo(`198.18.${i % 256}.1`, i));
    for (let i = 0; i < frames.length; i += 64) {
      expect(tap.send(frames.slice(i, i + 64)).sent).toBe(64);
      tester.run({ ns: MS });
    }
    tap.recv();
    out.recv();
    const ping = toDut(ipv4({ src: '192.0.2.2', dst: '192.0.2.1', proto: 1, id: 7 }, echoRequest(0x77, 1, pattern(8000))));
    tap.send([ping, jumbo('198.51.100.2', 8)]);
    tester.run({ ns: MS });
    const replies = tap.recv().filter((r) => r.direction === 'in').map((r) => decode(r.data));
    expect(replies.some((d) => d.icmp?.type === 0 && d.ip?.src === '192.0.2.1' && d.ip?.totalLength === 8028)).toBe(true);
    const sent = out.recv().filter((r) => r.direction === 'in').map((r) => decode(r.data));
    expect(sent.some((d) => d.ip?.dst === '198.51.100.2' && d.ip?.totalLength === 8028)).toBe(true);
    expect(dut.dropReasons().NOMEM).toBeUndefined();
    expect(dut.link('p0').stats().rxDropped).toBe(0);
    // the frames the arp_queues could not keep were counted as they were refused
    const queued = pool - dut.netCounters().skbFree;
    expect(queued).toBeGreaterThan(0);
    expect(dut.dropReasons().NEIGH_QUEUEFULL).toBe(frames.length - queued);
    tester.run({ ns: 5 * S });
    const drops = dut.dropReasons();
    expect(drops.NEIGH_QUEUEFULL + drops.NEIGH_FAILED).toBe(frames.length);
    expect(dut.netCounters().skbFree).toBe(pool);
  });

  it('a qdisc behind a hung EMAC keeps jumbo frames only while large buffers are left: a jumbo ping arriving meanwhile is received', async () => {
    const box = await Box.create();
    must(box, 'link add eth0 address 02:00:00:00:00:10 type emac', 'link set eth0 mtu 9000', 'link set eth0 up',
      'addr add 192.0.2.1/24 dev eth0', 'neigh add 192.0.2.2 lladdr 02:00:00:00:00:0a dev eth0');
    box.run({ ns: 3 * S }); // autonegotiation
    const nic = box.emac('eth0');
    nic.fault('tx-hang');
    // 600 jumbo frames from a packet socket: the TPD ring takes some, the qdisc (qlen 1000) the rest
    const frame = (i: number) => eth('02:00:00:00:00:0a', '02:00:00:00:00:10', 0x88b5, pattern(8000, i));
    for (let i = 0; i < 600; i += 50) box.packet('eth0').send(Array.from({ length: 50 }, (_, k) => frame(i + k)));
    box.run({ ns: MS });
    // the qdisc refused frames long before its qlen of 1000
    expect(box.dropReasons().QDISC_DROP).toBeGreaterThan(0);
    const ping = eth('02:00:00:00:00:10', '02:00:00:00:00:0a', 0x0800,
      ipv4({ src: '192.0.2.2', dst: '192.0.2.1', proto: 1, id: 5 }, echoRequest(0x55, 1, pattern(8000))));
    nic.wire.inject([ping]);
    box.run({ ns: MS });
    expect(box.snmp().IcmpInEchos).toBe(1);
    expect(box.dropReasons().NOMEM).toBeUndefined();
  });

  it('jumbo fragments that never complete keep large buffers only while enough are left: a jumbo ping arriving meanwhile is answered', async () => {
    const { tester, dut } = await router();
    must(tester, 'link set a0 mtu 9000');
    must(dut, 'link set p0 mtu 9000');
    const tap = tester.packet('a0');
    const pool = dut.netCounters().skbPool;
    // 64 datagrams of 60000 bytes in fragments of 2000 (too long for a small buffer), each without its last
    // fragment: 1856 large skbs that reassembly would keep, more than there are large buffers
    const frags = Array.from({ length: 64 }, (_, id) => fragment({ src: '192.0.2.2', dst: '192.0.2.1', proto: 17, id: 1000 + id },
      pattern(60000, id), Array(30).fill(2000)).slice(0, 29).map(toDut)).flat();
    for (let i = 0; i < frags.length; i += 64) {
      expect(tap.send(frags.slice(i, i + 64)).sent).toBe(Math.min(64, frags.length - i));
      tester.run({ ns: MS });
    }
    tap.recv();
    const held = pool - dut.netCounters().skbFree;
    // reassembly kept some and refused the rest, each refusal counted (ReasmFails), none lost at the port
    expect(held).toBeGreaterThan(0);
    expect(dut.snmp().IpReasmFails).toBe(frags.length - held);
    expect(dut.dropReasons().NOMEM).toBeUndefined();
    expect(jumboPingAnswered(tester, tap)).toBe(true);
    expect(dut.dropReasons().NOMEM).toBeUndefined();
    expect(dut.link('p0').stats().rxDropped).toBe(0);
    // ipfrag_time (30 s) frees what was kept
    tester.run({ ns: 31 * S });
    expect(dut.netCounters().skbFree).toBe(pool);
  });

  it('a tun ring nobody reads keeps jumbo packets only while enough large buffers are left: a jumbo ping arriving meanwhile is answered', async () => {
    const { tester, dut } = await router();
    must(tester, 'link set a0 mtu 9000');
    must(dut, 'link set p0 mtu 9000', 'tuntap add tun0 mode tun', 'link set tun0 mtu 9000', 'link set tun0 txqueuelen 1000',
      'link set tun0 up', 'route add 203.0.113.0/24 dev tun0');
    const file = dut.tun('tun0'); // attached (the carrier comes up) and never read
    const tap = tester.packet('a0');
    const pool = dut.netCounters().skbPool;
    // 600 jumbo packets routed into tun0: more than there are large buffers
    const frames = Array.from({ length: 600 }, (_, i) => toDut(ipv4({ src: '192.0.2.2', dst: '203.0.113.9', proto: 17, id: i },
      udp('192.0.2.2', '203.0.113.9', 4000, 9, pattern(8000, i)))));
    for (let i = 0; i < frames.length; i += 50) {
      expect(tap.send(frames.slice(i, i + 50)).sent).toBe(50);
      tester.run({ ns: MS });
    }
    tap.recv();
    const held = pool - dut.netCounters().skbFree;
    expect(file.queue.length).toBe(held);
    // the ring refused the rest (FULL_RING, tx_dropped) long before its 1000 entries
    expect(held).toBeGreaterThan(0);
    expect(dut.dropReasons().FULL_RING).toBe(frames.length - held);
    expect(dut.link('tun0').stats().txDropped).toBe(frames.length - held);
    expect(dut.dropReasons().NOMEM).toBeUndefined();
    expect(jumboPingAnswered(tester, tap)).toBe(true);
    expect(dut.link('p0').stats().rxDropped).toBe(0);
    // reading the ring gives every buffer back
    expect(file.readBatch().length).toBe(held);
    expect(dut.netCounters().skbFree).toBe(pool);
  });

  it('a datagram longer than a small buffer, from fragments in small buffers, is reassembled into a large one and answered', async () => {
    const { tester, dut } = await router();
    const tap = tester.packet('a0');
    const pool = dut.netCounters().skbPool;
    const echo = echoRequest(0x42, 1, pattern(4000 - 8, 3));
    const frags = fragment({ src: '192.0.2.2', dst: '192.0.2.1', proto: 1, id: 99 }, echo, [1480, 1480, 1040]).map(toDut);
    expect(frags.every((f) => f.length <= 1514)).toBe(true);
    tap.send(frags);
    tester.run({ ns: MS });
    const back = tap.recv().filter((r) => r.direction === 'in').map((r) => decode(r.data)).filter((d) => d.ip?.src === '192.0.2.1');
    expect(dut.snmp().IpReasmOKs).toBe(1);
    expect(dut.snmp().IcmpInEchos).toBe(1);
    // the 4000-byte reply leaves in fragments again (MTU 1500)
    expect(back.length).toBe(3);
    expect(back.reduce((n, d) => n + d.ip!.totalLength - 20, 0)).toBe(4000);
    expect(dut.netCounters().skbFree).toBe(pool);
  });
});
