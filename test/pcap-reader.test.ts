import { describe, expect, it } from 'vitest';
import { CaptureFormatError, LinkType, readCapture, streamCapture, type CapturePacket } from '../src/pcap/index.js';
import { classicPcap, concat, Ng } from './util/pcapng-builder.js';
import { udpFrame } from './util/frames.js';

const frame = udpFrame({ src: '192.0.2.1', dst: '198.51.100.2', payload: Uint8Array.of(1, 2, 3) }); // 45 bytes: exercises padding
const raw = frame.subarray(14); // an IPv4 packet, as on a tun device

function errorOf(fn: () => unknown): CaptureFormatError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CaptureFormatError) return e;
    throw e;
  }
  throw new Error('expected a CaptureFormatError');
}

describe('classic pcap', () => {
  for (const le of [true, false]) {
    for (const nanos of [false, true]) {
      it(`reads ${le ? 'little' : 'big'}-endian ${nanos ? 'nanosecond' : 'microsecond'} files`, () => {
        const bytes = classicPcap({
          le, nanos, snapLen: 1500,
          records: [
            { sec: 1_700_000_000, frac: nanos ? 123_456_789 : 123_456, data: frame },
            { sec: 1_700_000_001, frac: 7, data: frame.subarray(0, 20), origLen: frame.length },
          ],
        });
        const c = readCapture(bytes, { pcapIfName: 'eth0' });
        expect(c.format).toBe('pcap');
        expect(c.interfaces).toHaveLength(1);
        expect(c.interfaces[0]).toMatchObject({ linkType: 1, snapLen: 1500, name: 'eth0', tsExponent: nanos ? 9 : 6 });
        expect(c.sections[0]).toMatchObject({ littleEndian: le, majorVersion: 2, minorVersion: 4 });
        expect(c.packets).toHaveLength(2);
        const [a, b] = c.packets as [CapturePacket, CapturePacket];
        expect(a.tsNs).toBe(nanos ? 1_700_000_000_123_456_789n : 1_700_000_000_123_456_000n);
        expect(b.tsNs).toBe(1_700_000_001_000_000_000n + (nanos ? 7n : 7000n));
        expect(a).toMatchObject({ ifIndex: 0, ifName: 'eth0', linkType: 1, origLen: 45, offset: 24 });
        expect([...a.data]).toEqual([...frame]);
        expect(b.data.length).toBe(20);
        expect(b.origLen).toBe(45);
        expect(b.offset).toBe(24 + 16 + 45);
        // A view, not a copy.
        expect(a.data.buffer).toBe(bytes.buffer);
      });
    }
  }

  it('reads RAW (101) link type and the FCS length bits of the link-type field', () => {
    const c = readCapture(classicPcap({ linkType: LinkType.RAW, records: [{ sec: 1, frac: 0, data: raw }] }));
    expect(c.packets[0]).toMatchObject({ linkType: 101, origLen: raw.length });
    expect(c.packets[0]!.ifName).toBeUndefined();
    const fcs = readCapture(classicPcap({ linkField: 0x24000001, records: [] }));
    expect(fcs.interfaces[0]).toMatchObject({ linkType: 1, fcsBytes: 4 });
  });

  it('reads a header-only file as no packets', () => {
    expect(readCapture(classicPcap({ records: [] })).packets).toEqual([]);
  });

  it('names the offset of a truncated record', () => {
    const bytes = classicPcap({ records: [{ sec: 1, frac: 0, data: frame }, { sec: 2, frac: 0, data: new Uint8Array(1514) }] });
    const e = errorOf(() => readCapture(bytes.subarray(0, bytes.length - 1314)));
    expect(e.message).toBe('pcap: truncated packet record at byte 85: header says 1514 bytes, 200 remain');
    expect(e.offset).toBe(85);
    expect(errorOf(() => readCapture(bytes.subarray(0, 90))).message).toBe('pcap: truncated packet record header at byte 85: need 16 bytes, 5 remain');
    expect(errorOf(() => readCapture(bytes.subarray(0, 10))).message).toBe('pcap: truncated file header at byte 0: need 24 bytes, 10 remain');
  });

  it('rejects absurd captured lengths and unknown versions', () => {
    const bytes = classicPcap({ records: [{ sec: 1, frac: 0, data: frame }] });
    new DataView(bytes.buffer).setUint32(24 + 8, 0x01000000, true);
    expect(errorOf(() => readCapture(bytes)).message).toMatch(/^pcap: packet record at byte 24: captured length 16777216 exceeds the snaplen 65535/);
    expect(errorOf(() => readCapture(classicPcap({ major: 3, records: [] }))).message).toBe('pcap: file header at byte 0: unsupported version 3.4 (only 2.x exists)');
  });
});

describe('format detection', () => {
  it('rejects empty, short and unknown files by name', () => {
    expect(errorOf(() => readCapture(new Uint8Array(0))).message).toBe('capture: file header at byte 0: the file is empty');
    expect(errorOf(() => readCapture(Uint8Array.of(0xd4, 0xc3))).message).toBe('capture: truncated file header at byte 0: need 4 bytes to recognise the format, 2 remain');
    expect(errorOf(() => readCapture(new TextEncoder().encode('hello world'))).message).toBe('capture: file header at byte 0: unrecognised magic 68 65 6c 6c: neither pcap nor pcapng');
  });
});

describe('pcapng', () => {
  const ts = 1_700_000_000_123_456_789n;

  for (const le of [true, false]) {
    it(`reads a ${le ? 'little' : 'big'}-endian section with named interfaces, EPBs and options`, () => {
      const ng = new Ng(le);
      const bytes = concat(
        ng.shb({ options: [[4, 'tester 1.0'], [3, 'Linux'], [2, 'x86'], [1, 'hello']] }),
        ng.idb({ linkType: 1, snapLen: 262144, options: [[2, 'eth0'], [3, 'first port'], [9, Uint8Array.of(9)]] }),
        ng.idb({ linkType: 101, options: [[2, 'tun0']] }), // default resolution: microseconds
        ng.epb({ ifId: 0, ts, data: frame, options: [[1, 'a comment'], [1, 'another'], [2, ng.u32(1)]] }),
        ng.epb({ ifId: 1, ts: 1_700_000_000_123_456n, data: raw.subarray(0, 10), origLen: raw.length }),
      );
      const c = readCapture(bytes);
      expect(c.format).toBe('pcapng');
      expect(c.sections).toEqual([{ offset: 0, littleEndian: le, majorVersion: 1, minorVersion: 0, userAppl: 'tester 1.0', os: 'Linux', hardware: 'x86', comments: ['hello'] }]);
      expect(c.interfaces.map((i) => [i.index, i.idInSection, i.name, i.description, i.linkType, i.snapLen, i.tsExponent])).toEqual([
        [0, 0, 'eth0', 'first port', 1, 262144, 9],
        [1, 1, 'tun0', undefined, 101, 65535, 6],
      ]);
      const [a, b] = c.packets as [CapturePacket, CapturePacket];
      expect(a).toMatchObject({ ifIndex: 0, ifName: 'eth0', linkType: 1, tsNs: ts, origLen: 45, comments: ['a comment', 'another'], flags: 1 });
      expect([...a.data]).toEqual([...frame]);
      expect(a.data.buffer).toBe(bytes.buffer);
      expect(b).toMatchObject({ ifIndex: 1, ifName: 'tun0', linkType: 101, tsNs: 1_700_000_000_123_456_000n, origLen: raw.length });
      expect(b.data.length).toBe(10);
    });
  }

  it('handles several sections of different byte orders, each numbering its interfaces from 0', () => {
    const le = new Ng(true);
    const be = new Ng(false);
    const bytes = concat(
      le.shb(), le.idb({ options: [[2, 'eth0']] }), le.epb({ ts: 1n, data: frame }),
      be.shb(), be.idb({ linkType: 101, options: [[2, 'tun0']] }), be.idb({ options: [[2, 'eth1']] }),
      be.epb({ ifId: 1, ts: 2n, data: frame }), be.epb({ ifId: 0, ts: 3n, data: raw }),
    );
    const c = readCapture(bytes);
    expect(c.sections.map((s) => [s.offset, s.littleEndian])).toEqual([[0, true], [le.shb().length + le.idb({ options: [[2, 'eth0']] }).length + le.epb({ ts: 1n, data: frame }).length, false]]);
    expect(c.interfaces.map((i) => [i.index, i.section, i.idInSection, i.name])).toEqual([[0, 0, 0, 'eth0'], [1, 1, 0, 'tun0'], [2, 1, 1, 'eth1']]);
    expect(c.packets.map((p) => [p.ifIndex, p.ifName, p.tsNs])).toEqual([[0, 'eth0', 1000n], [2, 'eth1', 2000n], [1, 'tun0', 3000n]]);
  });

  it('reads Simple and obsolete Packet Blocks', () => {
    const ng = new Ng();
    const bytes = concat(
      ng.shb(), ng.idb({ snapLen: 20, options: [[2, 'eth0'], [9, Uint8Array.of(9)]] }),
      ng.opb({ ifId: 0, drops: 3, ts: 5n, data: frame.subarray(0, 20), origLen: 45, options: [[1, 'old'], [2, ng.u32(2)]] }),
      ng.spb({ data: frame.subarray(0, 20), origLen: 45 }),
      ng.spb({ data: frame.subarray(0, 8) }),
    );
    const c = readCapture(bytes);
    expect(c.packets.map((p) => [p.ifName, p.tsNs, p.data.length, p.origLen, p.noTimestamp, p.comments, p.flags])).toEqual([
      ['eth0', 5n, 20, 45, undefined, ['old'], 2],
      ['eth0', 5n, 20, 45, true, undefined, undefined],
      ['eth0', 5n, 8, 8, true, undefined, undefined],
    ]);
  });

  it('skips NRB, ISB, DSB, custom and unknown blocks', () => {
    const ng = new Ng();
    const bytes = concat(ng.shb(), ng.nrb(), ng.idb(), ng.dsb(), ng.custom(), ng.custom(0x80001234), ng.epb({ ts: 1n, data: frame }), ng.isb(0), ng.custom(0x77));
    const c = readCapture(bytes);
    expect(c.packets).toHaveLength(1);
  });

  it('converts if_tsresol powers of 2 and 10 and applies if_tsoffset', () => {
    const ng = new Ng();
    const bytes = concat(
      ng.shb(),
      ng.idb({ options: [[9, Uint8Array.of(0x80 | 10)]] }), // 1/1024 s
      ng.idb({ options: [[9, Uint8Array.of(3)], [14, ng.i64(100n)]] }), // ms, +100 s
      ng.idb({ options: [[9, Uint8Array.of(12)]] }), // ps
      ng.epb({ ifId: 0, ts: 1536n, data: frame }),
      ng.epb({ ifId: 1, ts: 2500n, data: frame }),
      ng.epb({ ifId: 2, ts: 1_000_000_000_123_999n, data: frame }),
    );
    expect(readCapture(bytes).packets.map((p) => p.tsNs)).toEqual([1_500_000_000n, 102_500_000_000n, 1_000_000_000_123n]);
  });

  it('accepts option lists without opt_endofopt', () => {
    const ng = new Ng();
    const idb = ng.block(1, concat(ng.u16(1), ng.u16(0), ng.u32(0), ng.options([[2, 'eth9']], false)));
    expect(readCapture(concat(ng.shb(), idb)).interfaces[0]!.name).toBe('eth9');
  });

  describe('errors name the byte offset', () => {
    const ng = new Ng();
    const head = concat(ng.shb(), ng.idb());
    const at = head.length;

    it('block length not a multiple of 4', () => {
      const e = errorOf(() => readCapture(concat(head, ng.block(6, new Uint8Array(24), 13))));
      expect(e.message).toBe(`pcapng: block at byte ${at}: total length 13 is not a multiple of 4`);
      expect(e.offset).toBe(at);
    });
    it('block length too small, for any block and for a type', () => {
      expect(errorOf(() => readCapture(concat(head, ng.block(6, new Uint8Array(0), 8)))).message).toBe(`pcapng: block at byte ${at}: total length 8 is less than 12`);
      expect(errorOf(() => readCapture(concat(head, ng.block(6, new Uint8Array(4))))).message)
        .toBe(`pcapng: block at byte ${at}: total length 16 is less than the 32 an Enhanced Packet Block needs`);
    });
    it('front and back lengths differ', () => {
      const b = ng.epb({ ts: 1n, data: frame });
      new DataView(b.buffer).setUint32(b.length - 4, 8, true);
      expect(errorOf(() => readCapture(concat(head, b, ng.epb({ ts: 1n, data: frame })))).message)
        .toBe(`pcapng: block at byte ${at}: trailing total length 8 does not match the leading ${b.length}`);
    });
    it('truncated block', () => {
      const b = ng.epb({ ts: 1n, data: frame });
      expect(errorOf(() => readCapture(concat(head, b).subarray(0, at + 30))).message).toBe(`pcapng: truncated block at byte ${at}: total length says ${b.length} bytes, 30 remain`);
      expect(errorOf(() => readCapture(concat(head, b).subarray(0, at + 5))).message).toBe(`pcapng: truncated block at byte ${at}: a block needs at least 12 bytes, 5 remain`);
    });
    it('captured length overruns the block', () => {
      const b = ng.epb({ ts: 1n, data: frame });
      new DataView(b.buffer).setUint32(20, 200, true);
      expect(errorOf(() => readCapture(concat(head, b))).message).toBe(`pcapng: Enhanced Packet Block at byte ${at}: captured length 200 overruns the block (room for 48 bytes)`);
    });
    it('undefined interface', () => {
      expect(errorOf(() => readCapture(concat(head, ng.epb({ ifId: 3, ts: 1n, data: frame })))).message)
        .toBe(`pcapng: Enhanced Packet Block at byte ${at}: interface id 3 is not defined: the section has only 1 interface`);
      expect(errorOf(() => readCapture(concat(ng.shb(), ng.spb({ data: frame })))).message)
        .toMatch(/^pcapng: Simple Packet Block at byte 28: interface id 0 is not defined: the section has no Interface Description Block yet$/);
    });
    it('option overruns its block', () => {
      const idb = ng.block(1, concat(ng.u16(1), ng.u16(0), ng.u32(0), ng.u16(2), ng.u16(40), new TextEncoder().encode('eth0')));
      expect(errorOf(() => readCapture(concat(ng.shb(), idb))).message)
        .toBe('pcapng: Interface Description Block at byte 28: option at byte 44: option 2 has length 40, overrunning the block end at byte 52');
    });
    it('bad byte-order magic and version', () => {
      const shb = ng.shb();
      shb[8] = 0x99;
      expect(errorOf(() => readCapture(shb)).message).toBe('pcapng: Section Header Block at byte 0: bad byte-order magic 0x993c2b1a');
      expect(errorOf(() => readCapture(ng.shb({ major: 2 }))).message).toBe('pcapng: Section Header Block at byte 0: unsupported version 2.0');
    });
  });
});

describe('streaming', () => {
  async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
  }
  const ng = new Ng(false);
  const file = concat(ng.shb(), ng.idb({ options: [[2, 'eth0']] }), ...Array.from({ length: 20 }, (_, i) => ng.epb({ ts: BigInt(i), data: frame.subarray(0, 14 + i) })));

  for (const size of [1, 3, 7, 64, 100_000]) {
    it(`gives the same packets as the in-memory reader with ${size}-byte chunks`, async () => {
      const want = readCapture(file).packets;
      const got: CapturePacket[] = [];
      const reader = streamCapture(chunked(file, size));
      for await (const p of reader) got.push(p);
      expect(got.map((p) => [p.offset, p.tsNs, [...p.data]])).toEqual(want.map((p) => [p.offset, p.tsNs, [...p.data]]));
      expect(reader.interfaces.map((i) => i.name)).toEqual(['eth0']);
      expect(reader.format).toBe('pcapng');
    });
  }

  it('reads a web ReadableStream and reports truncation with the file offset', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) { c.enqueue(file.slice(0, 50)); c.enqueue(file.slice(50, file.length - 3)); c.close(); },
    });
    const got: CapturePacket[] = [];
    await expect(async () => { for await (const p of streamCapture(stream)) got.push(p); })
      .rejects.toThrow(/^pcapng: truncated block at byte \d+: total length says \d+ bytes, \d+ remain$/);
    expect(got).toHaveLength(19);
  });
});
