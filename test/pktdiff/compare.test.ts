import { describe, expect, it } from 'vitest';
import { classify, compareScenario, firstDiff, frameKind, newPktResult, normalize, pktReport, pktScore, sameOutcome } from './compare.js';
import { ETH_IP, PROTO, checksum, eth, fromHex, hex, icmp, ipv4, udp } from './frames.js';
import type { Inject } from './gen.js';
import type { OutFrame } from './kernel.js';

const H = '02:a0:00:00:00:10', D0 = '02:d0:00:00:00:00', D1 = '02:d0:00:00:00:01', H1 = '02:a1:00:00:00:20';
const ports = ['p0', 'p1'];
const inPkt = ipv4({ src: '192.0.2.10', dst: '198.51.100.20', proto: PROTO.UDP, id: 0x1111, ttl: 1 }, udp('192.0.2.10', '198.51.100.20', 1000, 53, new Uint8Array([1, 2])));
const inj: Inject = { port: 'p0', case: 'ttl1', hex: hex(eth(D0, H, ETH_IP, inPkt)) };
/** The DUT's time-exceeded for the injected packet, with a given IP ID. */
const te = (id: number, ttl = 64) => ({ port: 'p0', hex: hex(eth(H, D0, ETH_IP, ipv4({ src: '192.0.2.1', dst: '192.0.2.10', proto: PROTO.ICMP, id, ttl, tos: 0xc0 }, icmp(11, 0, 0, inPkt)))) });
const fwd = (ttl: number, id = 0x1111): OutFrame => ({ port: 'p1', hex: hex(eth(H1, D1, ETH_IP, ipv4({ src: '192.0.2.10', dst: '198.51.100.20', proto: PROTO.UDP, id, ttl }, udp('192.0.2.10', '198.51.100.20', 1000, 53, new Uint8Array([1, 2]))))) });

describe('packet compare: masking', () => {
  it('masks IP ID and header checksum of packets the DUT originates, and nothing else', () => {
    expect(sameOutcome(inj, [te(0x1234)], [te(0xbeef)], ports)).toBe(true);
    expect(sameOutcome(inj, [te(0x1234)], [te(0x1234, 63)], ports)).toBe(false); // TTL is not masked
    const [m] = normalize(inj.hex, [te(0x1234)], ports);
    const b = fromHex(m.hex);
    expect([b[18], b[19], b[24], b[25]]).toEqual([0, 0, 0, 0]);
    // the ICMP checksum is not masked and did not need to be: it does not cover the outer header
    expect(fromHex(te(0x1234).hex).subarray(34).join()).toBe(b.subarray(34).join());
  });

  it('does not mask forwarded packets (source, destination, protocol and ID of the injected one)', () => {
    expect(sameOutcome(inj, [fwd(63)], [fwd(63)], ports)).toBe(true);
    expect(sameOutcome(inj, [fwd(63)], [fwd(63, 0x1112)], ports)).toBe(false);
    expect(normalize(inj.hex, [fwd(63)], ports)[0].hex).toBe(fwd(63).hex);
  });

  it('keeps a wrong header checksum visible', () => {
    const bad = te(0x1234);
    const b = fromHex(bad.hex);
    b[24] ^= 0xff;
    expect(checksum(b.subarray(14, 34))).not.toBe(0);
    expect(sameOutcome(inj, [te(0x1234)], [{ port: 'p0', hex: hex(b) }], ports)).toBe(false);
  });

  it('keeps "these originated packets share one ID" while masking the value', () => {
    expect(sameOutcome(inj, [te(5), te(5)], [te(9), te(9)], ports)).toBe(true);
    expect(sameOutcome(inj, [te(5), te(5)], [te(9), te(10)], ports)).toBe(false);
  });

  it('compares port by port: order between ports does not count, order within a port does', () => {
    expect(sameOutcome(inj, [te(1), fwd(63)], [fwd(63), te(1)], ports)).toBe(true);
    expect(sameOutcome(inj, [fwd(63), fwd(62)], [fwd(62), fwd(63)], ports)).toBe(false);
    expect(sameOutcome(inj, [], [], ports)).toBe(true);
    expect(sameOutcome(inj, [fwd(63)], [], ports)).toBe(false);
  });
});

describe('packet compare: classes, score and report', () => {
  it('names frames and differences', () => {
    expect(frameKind(inj.hex, te(1))).toBe('ICMP 11/0');
    expect(frameKind(inj.hex, fwd(63))).toBe('fwd');
    expect(firstDiff(fwd(63).hex, fwd(62).hex)).toBe('ip.ttl');
    expect(firstDiff(te(1).hex, te(1).hex)).toBe('same');
    expect(classify(inj, [te(1)], [], ports)).toBe('ttl1: kernel [ICMP 11/0@p0] / netpath [nothing]');
    expect(classify(inj, [fwd(63)], [fwd(62)], ports)).toBe('ttl1: fwd: ip.ttl');
  });

  it('scores frames and reports mismatch classes with examples', () => {
    const sc = { seed: 3, ports: ports.map((name) => ({ name, mac: '', peerMac: '' })), frames: [inj, { ...inj, case: 'fwd-udp' }, inj] };
    const kernel = [{ at: 0, out: [te(1)] }, { at: 30, out: [fwd(63)] }, { at: 60, out: [te(2)] }];
    const res = newPktResult();
    compareScenario(res, sc, kernel, [{ at: 0, out: [te(7)] }, { at: 0, out: [fwd(62)] }, { at: 0, out: [] }]);
    expect([res.total, res.matched]).toEqual([3, 1]);
    expect(pktScore(res)).toBeCloseTo(1 / 3);
    expect(res.mismatches.map((m) => m.cls)).toEqual(['fwd-udp: fwd: ip.ttl', 'ttl1: kernel [ICMP 11/0@p0] / netpath [nothing]']);
    const text = pktReport(res);
    expect(text).toContain('1/3 frames agree (33.33%)');
    expect(text).toContain('seed 3 frame 1 (fwd-udp)');
    expect(text).toContain('ICMP ttl-exceeded 192.0.2.1 > 192.0.2.10');
  });
});
