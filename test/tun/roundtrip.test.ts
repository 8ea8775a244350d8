// The round trip the issue asks for: the host writes an IP packet into tun0,
// the box routes it out of an EMAC port (ARP first, then the frame on the
// wire), the link partner answers on the wire, the box routes the answer back
// to tun0 and the host reads it: host → tun → route → EMAC wire → back.
import { describe, expect, it } from 'vitest';
import { Box } from '../../src/index.js';
import { ipv4, udp, ethernet, IPPROTO } from '../util/frames.js';

const BOX_MAC = '02:00:00:00:00:10', PEER_MAC = '02:00:00:00:00:99';
const MS = 1_000_000;

describe('tun round trip through an EMAC port', () => {
  it('host → tun0 → ip_forward → eth0 wire (after ARP) → partner answers → eth0 → tun0 → host', async () => {
    const box = await Box.create();
    box.ip('tuntap add tun0 mode tun');
    const t = box.tun('tun0');
    box.ip('addr add 192.0.2.1/24 dev tun0');
    box.ip('link set tun0 up');
    expect(box.ip(`link add eth0 address ${BOX_MAC} type emac`).status).toBe(0);
    box.ip('addr add 198.51.100.1/24 dev eth0');
    box.ip('link set eth0 up');
    box.sysctl('net.ipv4.ip_forward', 1);
    const wire = box.link('eth0').wire;
    wire.collect();

    const out = ipv4({ src: '192.0.2.7', dst: '198.51.100.9', proto: IPPROTO.UDP, ttl: 64,
      payload: udp({ src: '192.0.2.7', dst: '198.51.100.9', sport: 4000, dport: 7, payload: new TextEncoder().encode('hello') }) });
    expect(t.write(out)).toBe(out.length);
    box.run({ ns: 1 * MS });
    // the next hop is resolved first: an ARP request for 198.51.100.9 leaves on the wire
    const [arpReq, ...more] = wire.collect();
    expect(more).toHaveLength(0);
    expect((arpReq[12] << 8) | arpReq[13]).toBe(0x0806);
    expect(Array.from(arpReq.subarray(38, 42))).toEqual([198, 51, 100, 9]);
    // the partner answers the ARP request; the queued packet follows
    const arpReply = ethernet({ dst: BOX_MAC, src: PEER_MAC, type: 0x0806, payload: Uint8Array.from([
      0, 1, 8, 0, 6, 4, 0, 2, 2, 0, 0, 0, 0, 0x99, 198, 51, 100, 9, 2, 0, 0, 0, 0, 0x10, 198, 51, 100, 1,
    ]) });
    wire.inject([arpReply]);
    box.run({ ns: 1 * MS });
    const [fwd] = wire.collect();
    expect(fwd).toBeDefined();
    expect(Array.from(fwd.subarray(0, 6))).toEqual([2, 0, 0, 0, 0, 0x99]);
    expect((fwd[12] << 8) | fwd[13]).toBe(0x0800);
    const ip = fwd.subarray(14);
    expect(ip[8]).toBe(63); // forwarded: ttl - 1
    expect(Array.from(ip.subarray(28, out.length))).toEqual(Array.from(out.subarray(28))); // the wire pads to 60 bytes
    // the answer comes back on the wire and is routed to tun0, where the host reads it
    const back = ipv4({ src: '198.51.100.9', dst: '192.0.2.7', proto: IPPROTO.UDP, ttl: 64,
      payload: udp({ src: '198.51.100.9', dst: '192.0.2.7', sport: 7, dport: 4000, payload: new TextEncoder().encode('hello') }) });
    wire.inject([ethernet({ dst: BOX_MAC, src: PEER_MAC, payload: back })]);
    box.run({ ns: 1 * MS });
    const got = t.read();
    expect(got).not.toBeNull();
    expect(got![0] >> 4).toBe(4); // IP first: no link-layer header on the way out of a TUN device
    expect(got![8]).toBe(63);
    expect(Array.from(got!.subarray(12, 20))).toEqual([198, 51, 100, 9, 192, 0, 2, 7]);
    expect(Array.from(got!.subarray(20))).toEqual(Array.from(back.subarray(20)));
    const s = box.link('tun0').stats();
    expect([s.rxPackets, s.txPackets, s.rxDropped, s.txDropped]).toEqual([1, 1, 0, 0]);
    expect(box.snmp().IpForwDatagrams).toBe(2);
  });
});
