// The host end of tun/tap devices: what write() and read() on /dev/net/tun do
// on Linux 6.18 (each expectation below was checked with a real tun device in
// a throwaway namespace: see oracle.test.ts for the recorded answers).
import { describe, expect, it } from 'vitest';
import { Box, TunError } from '../../src/index.js';
import { ipv4, udp, icmpEcho, ethernet, IPPROTO } from '../util/frames.js';

const ping = (src: string, dst: string, seq = 1) => ipv4({ src, dst, proto: IPPROTO.ICMP, payload: icmpEcho({ id: 7, seq }) });
const datagram = (src: string, dst: string, n = 0) => udp({ src, dst, sport: 4000 + n, dport: 9, payload: new Uint8Array([n]) });

/** A box with tun0 (192.0.2.1/24) up and its host end attached. */
async function tunBox(opts: { pi?: boolean } = {}) {
  const box = await Box.create();
  expect(box.ip('tuntap add tun0 mode tun').status).toBe(0);
  const t = box.tun('tun0', opts);
  box.ip('addr add 192.0.2.1/24 dev tun0');
  box.ip('link set tun0 up');
  return { box, t };
}

function writeErr(f: () => unknown): TunError {
  try { f(); } catch (e) { if (e instanceof TunError) return e; throw e; }
  throw new Error('write did not fail');
}

describe('tun: write (tun_get_user)', () => {
  it('an IPv4 packet enters the box: an echo request to the box comes back as a reply on the ring', async () => {
    const { box, t } = await tunBox();
    const req = ping('192.0.2.7', '192.0.2.1');
    expect(t.write(req)).toBe(req.length);
    const rep = t.read()!;
    expect(rep).not.toBeNull();
    expect(rep[0] >> 4).toBe(4); // a bare IP packet: no Ethernet header on a TUN device
    expect(Array.from(rep.subarray(12, 20))).toEqual([192, 0, 2, 1, 192, 0, 2, 7]);
    expect(rep[20]).toBe(0); // ICMP echo reply
    expect(t.read()).toBeNull();
    const s = box.link('tun0').stats();
    expect([s.rxPackets, s.rxBytes, s.txPackets, s.txBytes]).toEqual([1, req.length, 1, rep.length]);
  });

  it('without pi: empty writes and IP versions other than 4/6 are EINVAL and count rx_dropped', async () => {
    const { box, t } = await tunBox();
    const e1 = writeErr(() => t.write(new Uint8Array(0)));
    expect(e1.code).toBe('EINVAL');
    expect(e1.message).toMatch(/no IP version/);
    expect(writeErr(() => t.write(Uint8Array.of(0x70, 1, 2, 3))).message).toMatch(/IP version 7 is neither 4 nor 6/);
    // a 1-byte "IPv4" packet is accepted by the driver: ip_rcv drops it later
    expect(t.write(Uint8Array.of(0x45))).toBe(1);
    const s = box.link('tun0').stats();
    expect([s.rxPackets, s.rxBytes, s.rxDropped]).toEqual([1, 1, 2]);
  });

  it('device down: the version check first (EINVAL), then EIO; both count rx_dropped', async () => {
    const box = await Box.create();
    box.ip('tuntap add tun0 mode tun');
    const t = box.tun('tun0');
    expect(writeErr(() => t.write(ping('192.0.2.7', '192.0.2.1'))).code).toBe('EIO');
    expect(writeErr(() => t.write(new Uint8Array(0))).code).toBe('EINVAL');
    expect(writeErr(() => t.write(Uint8Array.of(0x70))).code).toBe('EINVAL');
    expect(box.link('tun0').stats().rxDropped).toBe(3);
  });

  it('pi: a write shorter than struct tun_pi is EINVAL and not counted; pi.proto is used as it is', async () => {
    const { box, t } = await tunBox({ pi: true });
    expect(writeErr(() => t.write(new Uint8Array(0))).message).toMatch(/shorter than the 4-byte packet information header/);
    expect(writeErr(() => t.write(Uint8Array.of(0, 0, 8))).code).toBe('EINVAL');
    expect(t.write(Uint8Array.of(0, 0, 8, 0))).toBe(4); // an empty packet: received, 0 bytes
    const body = ping('192.0.2.7', '192.0.2.1');
    // a protocol nothing handles: received, then dropped by __netif_receive_skb_core (rx_dropped)
    expect(t.write(Uint8Array.of(0, 0, 0x12, 0x34, ...body))).toBe(body.length + 4);
    expect(t.read()).toBeNull();
    expect(t.write(Uint8Array.of(0, 0, 0x08, 0x00, ...body))).toBe(body.length + 4);
    const s = box.link('tun0').stats();
    expect([s.rxPackets, s.rxBytes, s.rxDropped]).toEqual([3, 2 * body.length, 1]);
    expect(box.dropReasons().UNHANDLED_PROTO).toBe(1);
    // the reply carries a PI header: flags 0, proto = skb->protocol (ETH_P_IP)
    const rep = t.read()!;
    expect(Array.from(rep.subarray(0, 4))).toEqual([0, 0, 0x08, 0x00]);
    expect(rep[4] >> 4).toBe(4);
  });

  it('pi: proto ETH_P_IPV6 goes to ipv6_rcv, which drops it (IPv6 disabled), not counted in rx_dropped', async () => {
    const { box, t } = await tunBox({ pi: true });
    const body = ping('192.0.2.7', '192.0.2.1');
    expect(t.write(Uint8Array.of(0, 0, 0x86, 0xdd, ...body))).toBe(body.length + 4);
    box.run({ ns: 1_000_000 });
    expect(t.read()).toBeNull();
    const s = box.link('tun0').stats();
    expect([s.rxPackets, s.rxDropped]).toEqual([1, 0]);
    expect(box.dropReasons().IPV6DISABLED).toBe(1);
  });

  it('writeBatch: one result per packet, bytes or -errno, in order', async () => {
    const { t } = await tunBox();
    const ok = ping('192.0.2.7', '192.0.2.1');
    expect(t.writeBatch([ok, new Uint8Array(0), ok])).toEqual([ok.length, -22, ok.length]);
    expect(t.readBatch()).toHaveLength(2);
  });
});

describe('tap', () => {
  it('frames shorter than an Ethernet header are EINVAL; a frame to the box is answered with Ethernet', async () => {
    const box = await Box.create();
    box.ip('tuntap add tap0 mode tap');
    box.ip('link set tap0 address 02:00:00:00:00:01');
    const t = box.tun('tap0', { mode: 'tap' });
    box.ip('addr add 192.0.2.1/24 dev tap0');
    box.ip('link set tap0 up');
    expect(writeErr(() => t.write(new Uint8Array(13))).message).toMatch(/shorter than an Ethernet header/);
    expect(box.link('tap0').stats().rxDropped).toBe(0);
    // the box asks for 192.0.2.7 with ARP first: the frame on the ring is an ARP request
    t.write(ethernet({ dst: '02:00:00:00:00:01', src: '02:00:00:00:00:07', type: 0x0800, payload: ping('192.0.2.7', '192.0.2.1') }));
    const arp = t.read()!;
    expect(Array.from(arp.subarray(0, 6))).toEqual([255, 255, 255, 255, 255, 255]);
    expect((arp[12] << 8) | arp[13]).toBe(0x0806);
  });

  it('attaching with the wrong mode is EINVAL, a second attach EBUSY', async () => {
    const box = await Box.create();
    box.ip('tuntap add tap0 mode tap');
    expect(() => box.tun('tap0')).toThrow(/TUNSETIFF: EINVAL/);
    const t = box.tun('tap0', { mode: 'tap' });
    expect(() => box.tun('tap0', { mode: 'tap' })).toThrow(/TUNSETIFF: EBUSY/);
    t.close();
    expect(box.tun('tap0', { mode: 'tap' }).ifindex).toBe(t.ifindex);
  });
});

describe('tun: transmit (tun_net_xmit) and the ring', () => {
  it('the ring holds tx_queue_len packets; the rest are dropped (FULL_RING, tx_dropped); TX is counted on read', async () => {
    const { box, t } = await tunBox();
    box.ip('link set tun0 txqueuelen 3');
    expect(t.queue).toEqual({ length: 0, size: 3 });
    const sock = box.udp.bind({ port: 5000, address: '192.0.2.1' });
    sock.send(Array.from({ length: 6 }, (_, i) => new Uint8Array([i])), { address: '192.0.2.9', port: 9 });
    expect(t.queue.length).toBe(3);
    let s = box.link('tun0').stats();
    expect([s.txPackets, s.txDropped]).toEqual([0, 3]);
    expect(box.dropReasons().FULL_RING).toBe(3);
    const got = t.readBatch();
    expect(got.map((p) => p[28])).toEqual([0, 1, 2]); // the oldest stay, in order
    s = box.link('tun0').stats();
    expect([s.txPackets, s.txBytes, s.txDropped]).toEqual([3, 3 * 29, 3]);
  });

  it('the default ring is tx_queue_len 500 for tun', async () => {
    const { t } = await tunBox();
    expect(t.queue.size).toBe(500);
  });

  it('no reader attached: carrier off, what is routed there is dropped (tx_dropped)', async () => {
    const { box, t } = await tunBox();
    t.close();
    expect(box.ip('link show tun0').stdout.split('\n')[0]).toBe(
      '2: tun0: <NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP> mtu 1500 qdisc pfifo_fast state DOWN mode DEFAULT group default qlen 500');
    const sock = box.udp.bind({ port: 5000, address: '192.0.2.1' });
    sock.send(new Uint8Array(4), { address: '192.0.2.9', port: 9 });
    expect(box.link('tun0').stats().txDropped).toBe(1);
  });
});

describe('tun: carrier and lifetime', () => {
  it('ip tuntap add: persistent, no carrier until attached; attached while up: state UP; close: NO-CARRIER', async () => {
    const box = await Box.create();
    box.ip('tuntap add tun0 mode tun');
    box.ip('link set tun0 up');
    const line = () => box.ip('link show tun0').stdout.split('\n')[0];
    expect(line()).toBe('2: tun0: <NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP> mtu 1500 qdisc pfifo_fast state DOWN mode DEFAULT group default qlen 500');
    const t = box.tun('tun0');
    expect(line()).toBe('2: tun0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 500');
    expect(box.ip('tuntap del tun0 mode tun').stderr).toBe('ioctl(TUNSETIFF): Device or resource busy\n');
    t.close();
    expect(line()).toContain('NO-CARRIER');
    expect(box.ip('tuntap del tun0 mode tun').status).toBe(0);
    expect(box.ip('link show tun0').stderr).toBe('Device "tun0" does not exist.\n');
  });

  it('a device the host creates is not persistent (operstate UNKNOWN once up) and goes away on close', async () => {
    const box = await Box.create();
    const t = box.tun('', { mode: 'tap' });
    expect(t.name).toBe('tap0');
    box.ip('link set tap0 up');
    expect(box.ip('link show tap0').stdout).toContain('state UNKNOWN');
    expect(box.ip('tuntap').stdout).toBe('tap0: tap\n');
    t.close();
    expect(box.ip('tuntap').stdout).toBe('');
    expect(() => t.write(new Uint8Array(20))).toThrow(/closed/);
  });

  it('ip link del while attached: the file stays, writes are EBADFD', async () => {
    const { box, t } = await tunBox();
    expect(box.ip('link del tun0').status).toBe(0);
    expect(writeErr(() => t.write(ping('192.0.2.7', '192.0.2.1'))).code).toBe('EBADFD');
    expect(t.read()).toBeNull();
  });
});

describe('tun: iteration and streams follow virtual time', () => {
  it('async iterator: a waiting next() settles when the box routes a packet to tun0', async () => {
    const { box, t } = await tunBox();
    const it = t[Symbol.asyncIterator]();
    const pending = it.next();
    let settled = false;
    void pending.then(() => { settled = true; });
    await Promise.resolve();
    expect(settled).toBe(false);
    box.udp.bind({ port: 5000, address: '192.0.2.1' }).send(new Uint8Array([42]), { address: '192.0.2.9', port: 9 });
    box.run({ ns: 1 });
    const r = await pending;
    expect(r.done).toBe(false);
    expect(r.value![28]).toBe(42);
    await it.return!();
    expect((await it.next()).done).toBe(true);
  });

  it('web streams: writable in, readable out', async () => {
    const { t } = await tunBox();
    const w = t.writable.getWriter();
    await w.write(ping('192.0.2.7', '192.0.2.1', 5));
    const r = t.readable.getReader();
    const { value } = await r.read();
    expect(value![20]).toBe(0);
    expect((value![26] << 8) | value![27]).toBe(5);
    await expect(w.write(new Uint8Array(0))).rejects.toThrow(/EINVAL/);
  });

  it('Node duplex: one packet per chunk both ways', async () => {
    const { t } = await tunBox();
    const d = t.duplex();
    const got = new Promise<Uint8Array>((res) => d.once('data', res));
    d.write(ping('192.0.2.7', '192.0.2.1', 9));
    const p = await got;
    expect(p[20]).toBe(0);
    d.destroy();
  });
});

describe('tun: short reads (tun_put_user with a small buffer)', () => {
  it('a packet longer than the buffer is cut and the rest lost; with pi the flags say TUN_PKT_STRIP', async () => {
    const { box, t } = await tunBox({ pi: true });
    const req = ping('192.0.2.7', '192.0.2.1');
    for (let i = 0; i < 3; i++) t.write(Uint8Array.of(0, 0, 8, 0, ...req));
    expect(t.read(0)).toEqual(new Uint8Array(0)); // a zero-length read keeps the packet
    expect(t.queue.length).toBe(3);
    // the packet was taken off the ring before the buffer was found too small: it is gone, not counted
    expect(() => t.read(3)).toThrow(/read: EINVAL: a 3-byte buffer cannot hold the 4-byte packet information header/);
    expect(t.queue.length).toBe(2);
    const cut = t.read(10)!;
    // struct tun_pi: flags in host order (TUN_PKT_STRIP = 1, little-endian), proto big-endian
    expect(Array.from(cut.subarray(0, 4))).toEqual([1, 0, 8, 0]);
    expect(cut.length).toBe(10);
    const whole = t.read()!;
    expect(Array.from(whole.subarray(0, 4))).toEqual([0, 0, 8, 0]);
    expect(whole.length).toBe(req.length + 4);
    expect(t.read()).toBeNull();
    const s = box.link('tun0').stats();
    expect([s.txPackets, s.txBytes, s.txDropped]).toEqual([2, 2 * req.length, 0]); // a cut packet counts whole
  });
});
