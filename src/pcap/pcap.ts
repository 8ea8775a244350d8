// Classic pcap (libpcap savefile, draft-ietf-opsawg-pcap): a 24-byte file
// header, then 16-byte record headers each followed by the captured bytes.
// The magic number tells both the byte order and whether the second
// timestamp field counts microseconds or nanoseconds.

import { CaptureFormatError } from './errors.js';
import { need, type FormatParser, type Step } from './step.js';
import type { CaptureInterface, CapturePacket, CaptureSection } from './types.js';

export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
/** Alexey Kuznetzov's patched format: same magic family, longer records; we refuse it by name. */
const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/**
 * A record may exceed a small snaplen in the header (some writers lie about
 * it), but not this: beyond it the length field itself is what is corrupt,
 * and saying so beats reporting the file as truncated.
 */
const MAX_SANE_CAPLEN = 262_144;

export interface PcapMagic {
  littleEndian: boolean;
  nanos: boolean;
}

/** Recognises the classic pcap magic in either byte order, or returns undefined. */
export function pcapMagic(bytes: Uint8Array): PcapMagic | undefined {
  if (bytes.length < 4) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  for (const littleEndian of [true, false]) {
    const m = view.getUint32(0, littleEndian);
    if (m === PCAP_MAGIC_MICRO) return { littleEndian, nanos: false };
    if (m === PCAP_MAGIC_NANO) return { littleEndian, nanos: true };
    if (m === PCAP_MAGIC_KUZNETZOV) {
      throw new CaptureFormatError('pcap', 0, 'modified (Kuznetzov) pcap is not supported; convert it with editcap -F pcap', 'file header');
    }
  }
  return undefined;
}

export interface PcapParserOptions {
  /** Name for the file's only interface (a classic pcap does not carry one): replay's --dev. */
  ifName?: string;
}

export class PcapParser implements FormatParser {
  readonly format = 'pcap' as const;
  readonly interfaces: CaptureInterface[] = [];
  readonly sections: CaptureSection[] = [];
  private le = true;
  private nanos = false;

  constructor(private readonly opts: PcapParserOptions = {}) {}

  step(bytes: Uint8Array, view: DataView, pos: number, fileOffset: number): Step {
    if (this.sections.length === 0) return this.header(bytes, view, pos, fileOffset);
    return this.record(bytes, view, pos, fileOffset);
  }

  private header(bytes: Uint8Array, view: DataView, pos: number, fileOffset: number): Step {
    if (bytes.length - pos < FILE_HEADER) return need(FILE_HEADER, 'file header');
    const magic = pcapMagic(bytes.subarray(pos, pos + 4));
    if (!magic) {
      throw new CaptureFormatError('pcap', fileOffset, `bad magic 0x${view.getUint32(pos, false).toString(16).padStart(8, '0')}`, 'file header');
    }
    const le = magic.littleEndian;
    const major = view.getUint16(pos + 4, le);
    const minor = view.getUint16(pos + 6, le);
    if (major !== 2) {
      throw new CaptureFormatError('pcap', fileOffset, `unsupported version ${major}.${minor} (only 2.x exists)`, 'file header');
    }
    const snapLen = view.getUint32(pos + 16, le);
    const linkField = view.getUint32(pos + 20, le);
    // Lower 16 bits: the link type. Bit 26 set says bits 28-31 hold the FCS
    // length in 16-bit words (draft-ietf-opsawg-pcap, "LinkType and additional information").
    const iface: CaptureInterface = {
      index: 0,
      section: 0,
      idInSection: 0,
      linkType: linkField & 0xffff,
      snapLen,
      tsBase: 10,
      tsExponent: magic.nanos ? 9 : 6,
      tsOffsetSec: 0n,
    };
    if (linkField & 0x04000000) iface.fcsBytes = ((linkField >>> 28) & 0xf) * 2;
    if (this.opts.ifName !== undefined) iface.name = this.opts.ifName;
    this.le = le;
    this.nanos = magic.nanos;
    this.interfaces.push(iface);
    this.sections.push({ offset: fileOffset, littleEndian: le, majorVersion: major, minorVersion: minor });
    return { kind: 'skip', size: FILE_HEADER };
  }

  private record(bytes: Uint8Array, view: DataView, pos: number, fileOffset: number): Step {
    if (bytes.length - pos < RECORD_HEADER) return need(RECORD_HEADER, 'packet record header');
    const le = this.le;
    const sec = view.getUint32(pos, le);
    const frac = view.getUint32(pos + 4, le);
    const capLen = view.getUint32(pos + 8, le);
    const origLen = view.getUint32(pos + 12, le);
    const iface = this.interfaces[0]!;
    if (capLen > Math.max(iface.snapLen, MAX_SANE_CAPLEN)) {
      throw new CaptureFormatError('pcap', fileOffset,
        `captured length ${capLen} exceeds the snaplen ${iface.snapLen} and any sane frame size`, 'packet record');
    }
    if (bytes.length - pos < RECORD_HEADER + capLen) {
      return need(RECORD_HEADER + capLen, 'packet record',
        (remain) => `header says ${capLen} bytes, ${Math.max(0, remain - RECORD_HEADER)} remain`);
    }
    const packet: CapturePacket = {
      ifIndex: 0,
      linkType: iface.linkType,
      tsNs: BigInt(sec) * 1_000_000_000n + BigInt(frac) * (this.nanos ? 1n : 1000n),
      data: bytes.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + capLen),
      origLen,
      offset: fileOffset,
    };
    if (iface.name !== undefined) packet.ifName = iface.name;
    return { kind: 'packet', size: RECORD_HEADER + capLen, packet };
  }
}

export interface PcapWriteOptions {
  linkType: number;
  snapLen?: number;
  /** Nanosecond magic (default) or microsecond magic (timestamps truncated). */
  nanos?: boolean;
  /** Byte order of the file; default little-endian. */
  bigEndian?: boolean;
}

/**
 * Encodes packets as a classic pcap file, for tools that take nothing else.
 * All packets share one link type: classic pcap has a single interface.
 */
export function encodePcap(
  packets: Iterable<{ tsNs: bigint | number; data: Uint8Array; origLen?: number }>,
  opts: PcapWriteOptions,
): Uint8Array {
  const list = [...packets];
  const total = FILE_HEADER + list.reduce((n, p) => n + RECORD_HEADER + p.data.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const le = !opts.bigEndian;
  const nanos = opts.nanos ?? true;
  view.setUint32(0, nanos ? PCAP_MAGIC_NANO : PCAP_MAGIC_MICRO, le);
  view.setUint16(4, 2, le);
  view.setUint16(6, 4, le);
  view.setUint32(16, opts.snapLen ?? 262_144, le);
  view.setUint32(20, opts.linkType & 0xffff, le);
  let pos = FILE_HEADER;
  for (const p of list) {
    const ts = BigInt(p.tsNs);
    if (ts < 0n) throw new RangeError(`pcap: negative timestamp ${ts}`);
    const sec = ts / 1_000_000_000n;
    if (sec > 0xffffffffn) throw new RangeError(`pcap: timestamp ${ts} ns is past 2106, beyond classic pcap`);
    const ns = ts % 1_000_000_000n;
    view.setUint32(pos, Number(sec), le);
    view.setUint32(pos + 4, Number(nanos ? ns : ns / 1000n), le);
    view.setUint32(pos + 8, p.data.length, le);
    view.setUint32(pos + 12, p.origLen ?? p.data.length, le);
    out.set(p.data, pos + RECORD_HEADER);
    pos += RECORD_HEADER + p.data.length;
  }
  return out;
}
