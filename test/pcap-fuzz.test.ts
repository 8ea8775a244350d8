// Property test: truncations, byte flips and overwritten length fields of
// valid capture files must give a clean parse or a CaptureFormatError (never
// another exception, never a hang), and the in-memory and streaming readers
// must agree on every input, packet for packet or error for error.

import { describe, expect, it } from 'vitest';
import { CaptureFormatError, encodePcap, encodePcapng, readCapture, streamCapture, type CapturePacket } from '../src/pcap/index.js';
import { classicPcap, concat, Ng } from './util/pcapng-builder.js';
import { icmpFrame, tcpFrame, udpFrame } from './util/frames.js';

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const frames = [
  udpFrame({ src: '192.0.2.1', dst: '198.51.100.2', payload: Uint8Array.of(1, 2, 3) }),
  tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1' }),
  icmpFrame({ src: '198.51.100.2', dst: '192.0.2.1', payload: new Uint8Array(21) }),
];

function corpus(): [string, Uint8Array][] {
  const le = new Ng(true);
  const be = new Ng(false);
  const mixed = concat(
    le.shb({ options: [[4, 'fuzz'], [1, 'section comment']] }),
    le.nrb(),
    le.idb({ options: [[2, 'eth0'], [9, Uint8Array.of(9)], [14, le.i64(-5n)]] }),
    le.idb({ linkType: 101, snapLen: 30, options: [[2, 'tun0'], [9, Uint8Array.of(0x80 | 20)]] }),
    le.epb({ ifId: 0, ts: 123456789n, data: frames[0]!, options: [[1, 'c'], [2, le.u32(2)]] }),
    le.opb({ ifId: 1, ts: 42n, data: frames[1]!.subarray(14, 44), origLen: frames[1]!.length - 14 }),
    le.dsb(), le.custom(), le.isb(1),
    be.shb(), be.idb({ snapLen: 40 }),
    be.spb({ data: frames[2]!.subarray(0, 40), origLen: frames[2]!.length }),
    be.epb({ ts: 7n, data: frames[2]! }),
  );
  const written = encodePcapng(
    [{ name: 'eth0', linkType: 1 }, { name: 'tun0', linkType: 101 }],
    frames.map((f, i) => ({ ifIndex: i % 2, tsNs: BigInt(i) * 1_000_000_007n, data: i % 2 ? f.subarray(14) : f, comment: i === 0 ? 'verdict' : undefined, direction: 'out' as const })),
  );
  return [
    ['pcapng mixed', mixed],
    ['pcapng written', written],
    ['pcap LE us', encodePcap(frames.map((data, i) => ({ tsNs: BigInt(i), data })), { linkType: 1, nanos: false })],
    ['pcap BE ns', encodePcap(frames.map((data, i) => ({ tsNs: BigInt(i), data })), { linkType: 1, bigEndian: true })],
    ['pcap truncated records', classicPcap({ snapLen: 20, records: frames.map((f) => ({ sec: 1, frac: 2, data: f.subarray(0, 20), origLen: f.length })) })],
  ];
}

type Outcome = { ok: true; packets: string[] } | { ok: false; message: string };

function summary(p: CapturePacket): string {
  return `${p.offset}/${p.ifIndex}/${p.ifName}/${p.linkType}/${p.tsNs}/${p.origLen}/${Buffer.from(p.data).toString('hex')}/${p.comments}/${p.flags}`;
}

function parseWhole(bytes: Uint8Array): Outcome {
  try {
    const c = readCapture(bytes);
    for (const p of c.packets) {
      // Views stay inside the file.
      expect(p.data.buffer).toBe(bytes.buffer);
      expect(p.data.byteOffset + p.data.length).toBeLessThanOrEqual(bytes.byteOffset + bytes.length);
      expect(p.offset).toBeLessThan(bytes.length);
    }
    return { ok: true, packets: c.packets.map(summary) };
  } catch (e) {
    if (e instanceof CaptureFormatError) {
      expect(e.message).toMatch(/^(pcap|pcapng|capture): [^:]+ at byte \d+: .+/);
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(bytes.length);
      return { ok: false, message: e.message };
    }
    throw e;
  }
}

async function parseStream(bytes: Uint8Array, chunk: number): Promise<Outcome> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.slice(i, i + chunk);
  }
  const packets: string[] = [];
  try {
    for await (const p of streamCapture(chunks())) packets.push(summary(p));
    return { ok: true, packets };
  } catch (e) {
    if (e instanceof CaptureFormatError) return { ok: false, message: e.message };
    throw e;
  }
}

const INTERESTING = [0, 1, 3, 4, 11, 12, 13, 16, 28, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 0x0a0d0d0a, 0x1a2b3c4d];

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  const kind = pick(4);
  if (kind === 0) return src.slice(0, pick(src.length + 1)); // truncation
  const out = src.slice();
  if (kind === 1) {
    for (let i = 1 + pick(8); i > 0; i--) out[pick(out.length)] ^= 1 << pick(8); // bit flips
  } else if (kind === 2) {
    for (let i = 1 + pick(4); i > 0; i--) out[pick(out.length)] = pick(256); // byte overwrites
  } else {
    // A 32-bit field (lengths, ids, magic) set to a value that stresses the parser.
    const at = pick(Math.floor(out.length / 4)) * 4;
    new DataView(out.buffer).setUint32(at, INTERESTING[pick(INTERESTING.length)]!, rnd() < 0.5);
  }
  return rnd() < 0.2 ? out.slice(0, pick(out.length + 1)) : out;
}

describe('fuzz: corrupt and truncated captures', () => {
  const CASES = Number(process.env.PCAP_FUZZ_CASES ?? 6000);

  for (const [name, file] of corpus()) {
    it(`${name}: ${CASES} mutations give a parse or a CaptureFormatError, never a hang`, async () => {
      expect(parseWhole(file).ok).toBe(true);
      const rnd = prng(0x5eed ^ file.length);
      const tally = { ok: 0, errors: 0 };
      const started = Date.now();
      for (let n = 0; n < CASES; n++) {
        const bad = mutate(file, rnd);
        const t0 = Date.now();
        const whole = parseWhole(bad);
        if (whole.ok) tally.ok++; else tally.errors++;
        if (n % 8 === 0) {
          // The streaming reader must reach the same result.
          expect(await parseStream(bad, 1 + Math.floor(rnd() * 40))).toEqual(whole);
        }
        expect(Date.now() - t0).toBeLessThan(1000);
      }
      if (process.env.PCAP_FUZZ_REPORT) console.log(`${name}: ${tally.ok} parsed, ${tally.errors} CaptureFormatError, ${Date.now() - started} ms`);
      expect(tally.ok + tally.errors).toBe(CASES);
      expect(tally.errors).toBeGreaterThan(CASES / 10);
      expect(Date.now() - started).toBeLessThan(60_000);
    });
  }

  it('every truncation of a valid pcapng file is an error naming a byte offset, or a clean shorter parse at a block boundary', () => {
    const [, file] = corpus()[0]!;
    const full = readCapture(file).packets.length;
    for (let len = 0; len < file.length; len++) {
      const r = parseWhole(file.subarray(0, len));
      if (r.ok) expect(r.packets.length).toBeLessThan(full + 1);
    }
  });
});
