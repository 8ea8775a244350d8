// Drivers that feed capture bytes to the pcap or pcapng parser: one over a
// whole file in memory (zero-copy packet views), one over a stream of chunks.

import { CaptureFormatError } from './errors.js';
import { PcapParser, pcapMagic } from './pcap.js';
import { PcapngParser, isPcapng } from './pcapng.js';
import type { FormatParser, Step } from './step.js';
import type { CaptureFormat, CaptureInterface, CapturePacket, CaptureSection } from './types.js';

export interface ReadCaptureOptions {
  /** Interface name for a classic pcap, which carries none (replay's `--dev NAME`). */
  pcapIfName?: string;
}

/** Everything in a capture file, read at once. */
export interface Capture {
  format: CaptureFormat;
  interfaces: CaptureInterface[];
  sections: CaptureSection[];
  packets: CapturePacket[];
}

/** Which format the first bytes of a file are, or undefined if neither. */
export function detectCaptureFormat(head: Uint8Array): CaptureFormat | undefined {
  if (pcapMagic(head)) return 'pcap';
  if (isPcapng(head)) return 'pcapng';
  return undefined;
}

function parserFor(head: Uint8Array, opts: ReadCaptureOptions): FormatParser {
  if (head.length === 0) throw new CaptureFormatError('capture', 0, 'the file is empty', 'file header');
  if (head.length < 4) {
    throw new CaptureFormatError('capture', 0, `need 4 bytes to recognise the format, ${head.length} remain`, 'truncated file header');
  }
  const format = detectCaptureFormat(head);
  if (format === 'pcap') return new PcapParser({ ifName: opts.pcapIfName });
  if (format === 'pcapng') return new PcapngParser();
  const hex = [...head.subarray(0, 4)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  throw new CaptureFormatError('capture', 0, `unrecognised magic ${hex}: neither pcap nor pcapng`, 'file header');
}

function truncated(parser: FormatParser, step: Extract<Step, { kind: 'need' }>, offset: number, remain: number): CaptureFormatError {
  const detail = step.detail ? step.detail(remain) : `need ${step.bytes} bytes, ${remain} remain`;
  return new CaptureFormatError(parser.format, offset, detail, `truncated ${step.what}`);
}

/**
 * Reads a capture lazily from bytes in memory. Iterating yields packets whose
 * `data` are views into `bytes`; `interfaces` and `sections` fill in as the
 * iteration reaches their blocks. The format is checked on construction.
 */
export class CaptureReader implements Iterable<CapturePacket> {
  private readonly parser: FormatParser;

  constructor(private readonly bytes: Uint8Array, opts: ReadCaptureOptions = {}) {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('capture: the bytes of a pcap or pcapng file are a Uint8Array (or a Buffer)');
    this.parser = parserFor(bytes.subarray(0, 12), opts);
  }

  get format(): CaptureFormat { return this.parser.format; }
  get interfaces(): CaptureInterface[] { return this.parser.interfaces; }
  get sections(): CaptureSection[] { return this.parser.sections; }

  *[Symbol.iterator](): Generator<CapturePacket, void, undefined> {
    const { bytes, parser } = this;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 0;
    while (pos < bytes.length) {
      const step = parser.step(bytes, view, pos, pos);
      if (step.kind === 'need') throw truncated(parser, step, pos, bytes.length - pos);
      if (step.kind === 'packet') yield step.packet;
      pos += step.size;
    }
    if (parser.sections.length === 0) {
      // Only reachable for an input that ended before its header was consumed.
      throw new CaptureFormatError(parser.format, 0, 'no file header', 'truncated file header');
    }
  }
}

/** Reads a whole capture file held in memory. */
export function readCapture(bytes: Uint8Array, opts: ReadCaptureOptions = {}): Capture {
  const reader = new CaptureReader(bytes, opts);
  const packets = [...reader];
  return { format: reader.format, interfaces: reader.interfaces, sections: reader.sections, packets };
}

export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (Symbol.asyncIterator in source) {
    for await (const chunk of source as AsyncIterable<Uint8Array>) yield chunk;
    return;
  }
  // Browsers without async iteration of ReadableStream.
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Reads a capture from a stream of chunks (a Node Readable, a web
 * ReadableStream, any async iterable of bytes). Memory holds one block or
 * record plus one chunk at a time. Packet data are views into buffers that
 * are never written again, so they stay valid after iteration moves on.
 */
export class CaptureStreamReader implements AsyncIterable<CapturePacket> {
  private parser: FormatParser | undefined;

  constructor(private readonly source: ByteSource, private readonly opts: ReadCaptureOptions = {}) {}

  /** Known once the first bytes have been read. */
  get format(): CaptureFormat | undefined { return this.parser?.format; }
  get interfaces(): CaptureInterface[] { return this.parser?.interfaces ?? []; }
  get sections(): CaptureSection[] { return this.parser?.sections ?? []; }

  async *[Symbol.asyncIterator](): AsyncGenerator<CapturePacket, void, undefined> {
    // `buf` holds unconsumed bytes from file offset `base`; it is replaced,
    // never modified, when chunks arrive, which keeps earlier views intact.
    let buf = new Uint8Array(0);
    let view = new DataView(buf.buffer);
    let pos = 0;
    let base = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let wanted = 12;
    const it = chunksOf(this.source)[Symbol.asyncIterator]();
    let ended = false;

    const fill = async (): Promise<void> => {
      // Gather chunks until the wanted bytes are there, then join once.
      while (!ended && buf.length - pos + pendingBytes < wanted) {
        const r = await it.next();
        if (r.done) { ended = true; break; }
        if (r.value.length === 0) continue;
        pending.push(r.value);
        pendingBytes += r.value.length;
      }
      if (pendingBytes === 0) return;
      const joined = new Uint8Array(buf.length - pos + pendingBytes);
      joined.set(buf.subarray(pos), 0);
      let at = buf.length - pos;
      for (const c of pending) { joined.set(c, at); at += c.length; }
      base += pos;
      buf = joined;
      view = new DataView(buf.buffer);
      pos = 0;
      pending = [];
      pendingBytes = 0;
    };

    try {
      await fill();
      this.parser = parserFor(buf.subarray(0, 12), this.opts);
      const parser = this.parser;
      for (;;) {
        if (pos === buf.length) {
          wanted = 1;
          await fill();
          if (pos === buf.length) break;
        }
        const step = parser.step(buf, view, pos, base + pos);
        if (step.kind === 'need') {
          if (ended) throw truncated(parser, step, base + pos, buf.length - pos);
          wanted = step.bytes;
          await fill();
          continue;
        }
        if (step.kind === 'packet') yield step.packet;
        pos += step.size;
      }
    } finally {
      await it.return?.(undefined);
    }
  }
}

/** Streams a capture: `for await (const p of streamCapture(stream)) ...`. */
export function streamCapture(source: ByteSource, opts: ReadCaptureOptions = {}): CaptureStreamReader {
  return new CaptureStreamReader(source, opts);
}
