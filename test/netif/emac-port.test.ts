// The EMAC as a network device of the box: `ip link add ... type emac`, ifup
// through autonegotiation, frames from the wire up to netif_receive_skb and
// from a packet socket down through dev_queue_xmit to the wire.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { ether, ipv4Udp, emacBox, countCalls, MS, BCAST, ETH0_MAC } from './helpers.js';

describe('emac port: ip link', () => {
  it('add, then up: the driver probes, ifup runs the clock through autonegotiation, carrier on', async () => {
    const box = await Box.create();
    expect(box.ip('link add eth0 address 02:00:00:00:00:10 type emac').status).toBe(0);
    // a fresh NIC: never opened, so qdisc noop (as `ip link` shows a physical NIC before ifup)
    expect(box.ip('link show eth0').stdout).toBe(
      '2: eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n' +
      '    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff\n');
    const t0 = box.now;
    expect(box.ip('link set eth0 up').status).toBe(0);
    // phy_start polls at once (autonegotiation not done), phylib's next poll is PHY_STATE_TIME (1 s) later
    expect(box.now - t0).toBeGreaterThanOrEqual(1000 * MS);
    expect(box.now - t0).toBeLessThan(1100 * MS);
    // one TX queue: dev_activate attaches the default qdisc, pfifo_fast (kernel default of net.core.default_qdisc)
    expect(box.ip('link show eth0').stdout).toBe(
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\n' +
      '    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff\n');
    expect(box.emac('eth0').mmio.peek32(0x1480)).toBe(0x04205de3); // MAC_CTRL as emac_mac_start leaves it
  });

  it('down: emac_close, NO carrier, qdisc stays pfifo_fast; up again brings the link back', async () => {
    const box = await emacBox();
    box.ip('link set eth0 down');
    expect(box.ip('link show eth0').stdout.split('\n')[0]).toBe(
      '2: eth0: <BROADCAST,MULTICAST> mtu 1500 qdisc pfifo_fast state DOWN mode DEFAULT group default qlen 1000');
    box.ip('link set eth0 up');
    expect(box.ip('link show eth0').stdout).toContain('<BROADCAST,MULTICAST,UP,LOWER_UP>');
  });

  it('no link partner: ifup returns with NO-CARRIER, state DOWN; the partner appears, phylib brings carrier on', async () => {
    const box = await Box.create();
    box.ip('link add eth0 address 02:00:00:00:00:10 type emac');
    box.emac('eth0').wire.carrier = false;
    box.ip('link set eth0 up');
    expect(box.ip('link show eth0').stdout.split('\n')[0]).toBe(
      '2: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc pfifo_fast state DOWN mode DEFAULT group default qlen 1000');
    box.link('eth0').wire.carrier = true;
    box.run({ ns: 2000 * MS });
    expect(box.ip('link show eth0').stdout).toContain('<BROADCAST,MULTICAST,UP,LOWER_UP>');
  });

  it('carrier loss and return: netif_carrier_off/on reach the FIB (linkdown)', async () => {
    const box = await emacBox();
    expect(box.ip('addr add 10.0.0.1/24 dev eth0').status).toBe(0);
    expect(box.ip('route show').stdout).toBe('10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 \n');
    box.link('eth0').wire.carrier = false;
    box.run({ ns: 1500 * MS });
    expect(box.ip('link show eth0').stdout).toContain('NO-CARRIER');
    expect(box.ip('route show').stdout).toBe('10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 linkdown \n');
    box.link('eth0').wire.carrier = true;
    box.run({ ns: 2500 * MS });
    expect(box.ip('route show').stdout).toBe('10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 \n');
  });

  it('mtu change runs the driver reinit; a jumbo frame then arrives whole', async () => {
    const box = await emacBox();
    const reinitsBefore = box.kernel.core.hwEmacDrvCounter(box.emac('eth0').index, 4);
    expect(box.ip('link set eth0 mtu 9000').status).toBe(0);
    expect(box.kernel.core.hwEmacDrvCounter(box.emac('eth0').index, 4)).toBe(reinitsBefore + 1);
    expect(box.ip('link show eth0').stdout).toContain('mtu 9000 qdisc pfifo_fast state UP');
    const sock = box.packet('eth0');
    const jumbo = ether({ len: 9014 });
    box.link('eth0').wire.inject([jumbo]);
    box.run({ ns: MS });
    const got = sock.recv();
    expect(got.length).toBe(1);
    expect(got[0].data).toEqual(jumbo);
    expect(box.ip('link set eth0 mtu 9195').stderr).toContain('mtu greater than device maximum');
  });

  it('address changes only while down (no IFF_LIVE_ADDR_CHANGE); delete removes the port and frees its NIC', async () => {
    const box = await emacBox();
    expect(box.ip('link set eth0 address 02:00:00:00:00:11').status).not.toBe(0);
    box.ip('link set eth0 down');
    expect(box.ip('link set eth0 address 02:00:00:00:00:11').status).toBe(0);
    box.ip('link set eth0 up');
    expect(box.emac('eth0').mmio.peek32(0x1488)).toBe(0x00000011); // MAC_STA_ADDR0
    const nic = box.emac('eth0').index;
    expect(box.ip('link del eth0').status).toBe(0);
    expect(box.ip('link show eth0').status).not.toBe(0);
    expect(box.ip('link add eth1 type emac').status).toBe(0);
    expect(box.emac('eth1').index).toBe(nic);
  });
});

describe('emac port: receive', () => {
  it('a frame injected on the wire reaches netif_receive_skb: the tap sees it byte for byte, then ip_rcv (no address, no route: ip_error, IP_INADDRERRORS)', async () => {
    const box = await emacBox();
    const sock = box.packet('eth0');
    const all = box.packet();
    const f = ipv4Udp({ len: 100 });
    const t0 = box.now;
    expect(box.link('eth0').wire.inject([f])).toBe(1);
    box.run({ ns: MS });
    const got = sock.recv();
    expect(got).toEqual([{ data: f, ifindex: 2, dev: 'eth0', direction: 'in', pktType: 'host', protocol: 0x0800, timeNs: got[0]?.timeNs }]);
    // seen by the tap in NAPI: not before its last bit arrived (100 + 24 bytes of preamble, FCS and gap at 8 ns
    // a byte), not after the RX interrupt moderation (250 us) ran out
    expect(got[0]!.timeNs - t0).toBeGreaterThanOrEqual(124 * 8);
    expect(got[0]!.timeNs - t0).toBeLessThanOrEqual(124 * 8 + 250_000);
    expect(all.recv().length).toBe(1);
    expect(box.dropReasons()).toEqual({ IP_INADDRERRORS: 1 });
    const s = box.link('eth0').stats();
    expect([s.rxPackets, s.rxBytes, s.rxDropped, s.rxErrors]).toEqual([1, 100, 0, 0]);
  });

  it('ip -s link after N frames: the MAC counters (emac_get_stats64) plus the core rx_dropped (frames of no protocol handler)', async () => {
    const box = await emacBox();
    const frames = Array.from({ length: 10 }, (_, i) => ether({ len: 60 + i * 10, fill: i }));
    frames.push(ether({ dst: BCAST, type: 0x0806, len: 60 }));
    frames.push(ipv4Udp({ len: 300 }));
    box.link('eth0').wire.inject(frames);
    box.link('eth0').wire.inject([ether({ len: 80 })], { badFcs: true });
    box.run({ ns: MS });
    const bytes = frames.reduce((n, f) => n + f.length, 0);
    expect(box.ip('-s link show eth0').stdout).toBe(
      '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\n' +
      '    link/ether 02:00:00:00:00:10 brd ff:ff:ff:ff:ff:ff\n' +
      '    RX:  bytes packets errors dropped  missed   mcast           \n' +
      `    ${String(bytes).padStart(10)}      12      1      10       0       0 \n` +
      '    TX:  bytes packets errors dropped carrier collsns           \n' +
      '             0       0      0       0       0       0 \n');
    // reading twice does not count twice (clear-on-read MAC counters summed by emac_update_hw_stats)
    expect(box.link('eth0').stats().rxPackets).toBe(12);
    // 10 of no handled type, a malformed ARP packet (arp_rcv), the IPv4 one (no route: ip_error)
    expect(box.dropReasons()).toEqual({ UNHANDLED_PROTO: 10, NOT_SPECIFIED: 1, IP_INADDRERRORS: 1 });
  });

  it('pkt_type from the destination: broadcast; unicast to another MAC is filtered by the MAC itself', async () => {
    const box = await emacBox();
    const sock = box.packet('eth0');
    box.link('eth0').wire.inject([ether({ dst: BCAST }), ether({ dst: [0x02, 0, 0, 0, 0, 0x55] })]);
    box.run({ ns: MS });
    const got = sock.recv();
    expect(got.map((p) => p.pktType)).toEqual(['broadcast']);
    expect(box.emac('eth0').counters.rxDropFilter).toBe(1);
  });

  it('an IPv4 frame with a bad header checksum: RRD IPF, the driver drops it (not in ip -s link, as on Linux)', async () => {
    const box = await emacBox();
    const sock = box.packet('eth0');
    const f = ipv4Udp();
    f[24] ^= 0xff;
    box.link('eth0').wire.inject([f]);
    box.run({ ns: MS });
    expect(sock.recv()).toEqual([]);
    expect(box.kernel.core.hwEmacDrvCounter(box.emac('eth0').index, 1)).toBe(1);
    expect(box.link('eth0').stats().rxDropped).toBe(0);
  });

  it('a VLAN-tagged frame: the tag is stripped by the MAC and reported as auxdata; with a VLAN id and no VLAN device it is OTHERHOST', async () => {
    const box = await emacBox();
    const sock = box.packet('eth0');
    const f = ether({ len: 100 });
    const tagged = new Uint8Array(104);
    tagged.set(f.subarray(0, 12), 0);
    tagged.set([0x81, 0x00, 0x00, 0x05], 12);
    tagged.set(f.subarray(12), 16);
    box.link('eth0').wire.inject([tagged]);
    box.run({ ns: MS });
    const got = sock.recv();
    expect(got.length).toBe(1);
    expect(got[0].vlanTci).toBe(5);
    expect(got[0].data).toEqual(f);
    expect(box.dropReasons()).toEqual({ UNHANDLED_PROTO: 1 });
  });

  it('1000 frames in one inject call, one run, one recv call: no JS↔WASM call per frame', async () => {
    const box = await emacBox();
    const sock = box.packet('eth0');
    const calls = countCalls(box, ['hwWireInject', 'netRun', 'packetRecvBatch']);
    const frames = Array.from({ length: 1000 }, (_, i) => ether({ len: 60 + (i % 200), fill: i }));
    expect(box.link('eth0').wire.inject(frames)).toBe(1000);
    box.run({ ns: 20 * MS });
    const got = sock.recv();
    expect(got.length).toBe(1000);
    expect(got.every((p, i) => p.data.length === frames[i].length && p.data.every((b, k) => b === frames[i][k]))).toBe(true);
    expect(calls.hwWireInject).toBe(1);
    expect(calls.netRun).toBe(1);
    expect(calls.packetRecvBatch).toBe(2); // one batch, then the empty answer
    expect(box.link('eth0').stats().rxPackets).toBe(1000);
  });
});

describe('emac port: transmit', () => {
  it('a frame sent through the packet socket leaves on the wire byte for byte (FCS added and stripped by the wire)', async () => {
    const box = await emacBox();
    const tx = box.packet('eth0');
    const tap = box.packet('eth0');
    const f = ether({ dst: [0x02, 0, 0, 0, 0, 0x99], src: ETH0_MAC, type: 0x88b5, len: 120 });
    const t0 = box.now;
    expect(tx.send([f])).toEqual({ sent: 1, errors: [0] });
    box.run({ ns: MS });
    // on the wire from the doorbell on: 120 bytes + 24 of preamble, FCS and gap at 8 ns a byte (1000 Mb/s)
    expect(box.link('eth0').wire.collectTimed()).toEqual([{ data: f, timeNs: t0 + 144 * 8 }]);
    // dev_queue_xmit_nit: other sockets see it as PACKET_OUTGOING, at sendmsg; the sender does not (skb_loop_sk)
    expect(tap.recv()).toEqual([{ data: f, ifindex: 2, dev: 'eth0', direction: 'out', pktType: 'outgoing', protocol: 0x88b5, timeNs: t0 }]);
    expect(tx.recv()).toEqual([]);
    const s = box.link('eth0').stats();
    expect([s.txPackets, s.txBytes, s.txDropped]).toEqual([1, 120, 0]);
  });

  it('a short frame is padded by the MAC to 60 bytes on the wire (collect gives the frame without FCS)', async () => {
    const box = await emacBox();
    const arp = ether({ dst: BCAST, src: ETH0_MAC, type: 0x0806, len: 42 });
    box.packet('eth0').send([arp]);
    box.run({ ns: MS });
    const [out] = box.link('eth0').wire.collect();
    expect(out.length).toBe(60);
    expect(out.subarray(0, 42)).toEqual(arp);
    expect(out.subarray(42).every((b) => b === 0)).toBe(true);
  });

  it("sendmsg's errors: device down (ENETDOWN), shorter than the header (EINVAL), over the MTU (EMSGSIZE)", async () => {
    const box = await emacBox();
    const s = box.packet('eth0');
    expect(s.send([new Uint8Array(10), ether({ len: 1515 }), ether({ len: 1514 })]).errors).toEqual([22, 90, 0]);
    box.ip('link set eth0 down');
    expect(s.send([ether()]).errors).toEqual([100]);
  });

  it('1000 frames in one send call all leave on the wire in order: the qdisc holds what the TPD ring cannot', async () => {
    const box = await emacBox();
    const calls = countCalls(box, ['packetSendBatch', 'hwWireCollect']);
    const frames = Array.from({ length: 1000 }, (_, i) => ether({ src: ETH0_MAC, len: 60 + (i % 100), fill: i }));
    expect(box.packet('eth0').send(frames).sent).toBe(1000);
    expect(calls.packetSendBatch).toBe(1);
    box.run({ ns: 50 * MS });
    const out = box.link('eth0').wire.collect();
    expect(out.length).toBe(1000);
    expect(out).toEqual(frames);
    expect(calls.hwWireCollect).toBe(2);
    expect(box.link('eth0').stats().txPackets).toBe(1000);
  });

  it('no carrier: the noop qdisc drops (tx_dropped, QDISC_DROP)', async () => {
    const box = await emacBox();
    box.link('eth0').wire.carrier = false;
    box.run({ ns: 1500 * MS });
    box.packet('eth0').send([ether({ src: ETH0_MAC })]);
    expect(box.link('eth0').stats().txDropped).toBe(1);
    expect(box.dropReasons()).toEqual({ QDISC_DROP: 1 });
    expect(box.link('eth0').wire.collect()).toEqual([]);
  });
});

describe('determinism', () => {
  it('the same input gives the same bytes, counters and time', async () => {
    const run = async () => {
      const box = await emacBox();
      const sock = box.packet();
      const w = box.link('eth0').wire;
      w.inject(Array.from({ length: 300 }, (_, i) => ether({ len: 60 + (i * 13) % 1400, fill: i })));
      box.packet('eth0').send(Array.from({ length: 300 }, (_, i) => ether({ src: ETH0_MAC, len: 64 + i, fill: 3 * i })));
      box.run({ ns: 7 * MS });
      w.inject([ether({ dst: BCAST })]);
      box.run({ ns: 3 * MS });
      return {
        now: box.now, wire: w.collect(), seen: sock.recv(), link: box.ip('-s link').stdout, drops: box.dropReasons(),
        counters: box.netCounters(),
      };
    };
    const a = await run(), b = await run();
    expect(a.wire.length).toBe(300);
    expect(a.seen.length).toBe(601);
    expect(b).toEqual(a);
    expect(a.counters.skbFree).toBe(a.counters.skbPool);
  });
});
