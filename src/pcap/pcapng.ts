// pcapng reader (draft-ietf-opsawg-pcapng). A file is a sequence of blocks:
// type, total length, body, total length again. A Section Header Block starts
// each section and fixes its byte order; Interface Description Blocks number
// the interfaces of that section from 0; packet blocks refer to them.

import { CaptureFormatError } from './errors.js';
import { decodeString, need, pad4, type FormatParser, type Step } from './step.js';
import type { CaptureInterface, CapturePacket, CaptureSection } from './types.js';

export const BlockType = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  /** Obsolete Packet Block, still written by old tools. */
  OPB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  DSB: 0x0000000a,
} as const;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes used by the reader and the writer. */
export const Opt = {
  END: 0,
  COMMENT: 1,
  SHB_HARDWARE: 2,
  SHB_OS: 3,
  SHB_USERAPPL: 4,
  IF_NAME: 2,
  IF_DESCRIPTION: 3,
  IF_TSRESOL: 9,
  IF_TSOFFSET: 14,
  EPB_FLAGS: 2,
} as const;

const BLOCK_NAMES: Record<number, string> = {
  [BlockType.SHB]: 'Section Header Block',
  [BlockType.IDB]: 'Interface Description Block',
  [BlockType.OPB]: 'Packet Block',
  [BlockType.SPB]: 'Simple Packet Block',
  [BlockType.NRB]: 'Name Resolution Block',
  [BlockType.ISB]: 'Interface Statistics Block',
  [BlockType.EPB]: 'Enhanced Packet Block',
  [BlockType.DSB]: 'Decryption Secrets Block',
};

/** Smallest legal total length of each block type we look inside. */
const MIN_LENGTH: Record<number, number> = {
  [BlockType.SHB]: 28,
  [BlockType.IDB]: 20,
  [BlockType.OPB]: 32,
  [BlockType.SPB]: 16,
  [BlockType.NRB]: 12,
  [BlockType.ISB]: 24,
  [BlockType.EPB]: 32,
  [BlockType.DSB]: 20,
};

/**
 * True when the bytes start with the SHB block type. That type is palindromic
 * and unlike any pcap magic, so it identifies pcapng; a bad byte-order magic
 * after it is then reported by the parser as a corrupt SHB.
 */
export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x0a && bytes[1] === 0x0d && bytes[2] === 0x0d && bytes[3] === 0x0a;
}

interface SectionState {
  le: boolean;
  /** Global interface index for each Interface ID of the section. */
  ifaces: number[];
  /** Last timestamp seen, for Simple Packet Blocks (which carry none). */
  lastTsNs: bigint;
}

/** Converts raw timestamp units of one interface to nanoseconds since the epoch. */
type TsConverter = (raw: bigint) => bigint;

function makeConverter(base: 2 | 10, exponent: number, offsetSec: bigint): TsConverter {
  const offsetNs = offsetSec * 1_000_000_000n;
  if (base === 2) {
    const shift = BigInt(exponent);
    return (raw) => ((raw * 1_000_000_000n) >> shift) + offsetNs;
  }
  if (exponent <= 9) {
    const mul = 10n ** BigInt(9 - exponent);
    return (raw) => raw * mul + offsetNs;
  }
  const div = 10n ** BigInt(exponent - 9);
  return (raw) => raw / div + offsetNs;
}

export interface PcapngParserOptions {}

export class PcapngParser implements FormatParser {
  readonly format = 'pcapng' as const;
  readonly interfaces: CaptureInterface[] = [];
  readonly sections: CaptureSection[] = [];
  private section: SectionState | undefined;
  private readonly converters: TsConverter[] = [];

  constructor(_opts: PcapngParserOptions = {}) {}

  step(bytes: Uint8Array, view: DataView, pos: number, fileOffset: number): Step {
    const remain = bytes.length - pos;
    // Type, length and the trailing length: no block is shorter.
    if (remain < 12) return need(12, 'block', (r) => `a block needs at least 12 bytes, ${r} remain`);

    const err = (detail: string, what = 'block') => new CaptureFormatError('pcapng', fileOffset, detail, what);

    const isShb = view.getUint32(pos, false) === BlockType.SHB;
    let le: boolean;
    if (isShb) {
      // The SHB type reads the same in both byte orders; the magic after the
      // length is what tells the order of this new section.
      const magicLe = view.getUint32(pos + 8, true);
      if (magicLe === BYTE_ORDER_MAGIC) le = true;
      else if (view.getUint32(pos + 8, false) === BYTE_ORDER_MAGIC) le = false;
      else throw err(`bad byte-order magic 0x${view.getUint32(pos + 8, false).toString(16).padStart(8, '0')}`, 'Section Header Block');
    } else {
      if (!this.section) throw err('the file does not start with a Section Header Block');
      le = this.section.le;
    }
    const type = view.getUint32(pos, le);
    const total = view.getUint32(pos + 4, le);
    if (total < 12) throw err(`total length ${total} is less than 12`);
    if (total % 4 !== 0) throw err(`total length ${total} is not a multiple of 4`);
    const min = MIN_LENGTH[type];
    const name = BLOCK_NAMES[type] ?? `block of type 0x${type.toString(16).padStart(8, '0')}`;
    if (min !== undefined && total < min) throw err(`total length ${total} is less than the ${min} ${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} needs`);
    if (remain < total) {
      return need(total, 'block', (r) => `total length says ${total} bytes, ${r} remain`);
    }
    const trailer = view.getUint32(pos + total - 4, le);
    if (trailer !== total) throw err(`trailing total length ${trailer} does not match the leading ${total}`);

    const block = { bytes, view, pos, total, le, fileOffset, name };
    switch (type) {
      case BlockType.SHB:
        this.readShb(block);
        return { kind: 'skip', size: total };
      case BlockType.IDB:
        this.readIdb(block);
        return { kind: 'skip', size: total };
      case BlockType.EPB:
      case BlockType.OPB:
        return { kind: 'packet', size: total, packet: this.readPacketBlock(block, type === BlockType.OPB) };
      case BlockType.SPB:
        return { kind: 'packet', size: total, packet: this.readSpb(block) };
      case BlockType.DSB: {
        // Secrets length must fit; the secrets themselves are not ours to use.
        const len = view.getUint32(pos + 12, le);
        if (16 + pad4(len) > total - 4) throw err(`secrets length ${len} overruns the block`, name);
        return { kind: 'skip', size: total };
      }
      default:
        // NRB, ISB, custom and unknown blocks: the framing checks above are
        // all a reader that does not use them owes them.
        return { kind: 'skip', size: total };
    }
  }

  private readShb(b: Block): void {
    const major = b.view.getUint16(b.pos + 12, b.le);
    const minor = b.view.getUint16(b.pos + 14, b.le);
    if (major !== 1) {
      throw new CaptureFormatError('pcapng', b.fileOffset, `unsupported version ${major}.${minor}`, b.name);
    }
    const section: CaptureSection = { offset: b.fileOffset, littleEndian: b.le, majorVersion: major, minorVersion: minor };
    readOptions(b, b.pos + 24, (code, value) => {
      if (code === Opt.COMMENT) (section.comments ??= []).push(decodeString(value));
      else if (code === Opt.SHB_HARDWARE) section.hardware = decodeString(value);
      else if (code === Opt.SHB_OS) section.os = decodeString(value);
      else if (code === Opt.SHB_USERAPPL) section.userAppl = decodeString(value);
    });
    this.sections.push(section);
    this.section = { le: b.le, ifaces: [], lastTsNs: 0n };
  }

  private readIdb(b: Block): void {
    const section = this.section!;
    const iface: CaptureInterface = {
      index: this.interfaces.length,
      section: this.sections.length - 1,
      idInSection: section.ifaces.length,
      linkType: b.view.getUint16(b.pos + 8, b.le),
      snapLen: b.view.getUint32(b.pos + 12, b.le),
      tsBase: 10,
      tsExponent: 6,
      tsOffsetSec: 0n,
    };
    readOptions(b, b.pos + 16, (code, value, at) => {
      if (code === Opt.IF_NAME) iface.name = decodeString(value);
      else if (code === Opt.IF_DESCRIPTION) iface.description = decodeString(value);
      else if (code === Opt.IF_TSRESOL) {
        if (value.length !== 1) throw optionError(b, at, `if_tsresol has length ${value.length}, not 1`);
        const v = value[0]!;
        iface.tsBase = v & 0x80 ? 2 : 10;
        iface.tsExponent = v & 0x7f;
      } else if (code === Opt.IF_TSOFFSET) {
        if (value.length !== 8) throw optionError(b, at, `if_tsoffset has length ${value.length}, not 8`);
        iface.tsOffsetSec = new DataView(value.buffer, value.byteOffset, 8).getBigInt64(0, b.le);
      }
    });
    section.ifaces.push(iface.index);
    this.interfaces.push(iface);
    this.converters.push(makeConverter(iface.tsBase, iface.tsExponent, iface.tsOffsetSec));
  }

  /** EPB and the obsolete PB share a layout except for the width of the interface id. */
  private readPacketBlock(b: Block, obsolete: boolean): CapturePacket {
    const { view, pos, le } = b;
    const ifId = obsolete ? view.getUint16(pos + 8, le) : view.getUint32(pos + 8, le);
    const iface = this.ifaceFor(b, ifId);
    const raw = (BigInt(view.getUint32(pos + 12, le)) << 32n) | BigInt(view.getUint32(pos + 16, le));
    const capLen = view.getUint32(pos + 20, le);
    const origLen = view.getUint32(pos + 24, le);
    const room = b.total - 32;
    if (pad4(capLen) > room) {
      throw new CaptureFormatError('pcapng', b.fileOffset, `captured length ${capLen} overruns the block (room for ${room} bytes)`, b.name);
    }
    const tsNs = this.converters[iface.index]!(raw);
    this.section!.lastTsNs = tsNs;
    const packet = this.packet(b, iface, tsNs, b.bytes.subarray(pos + 28, pos + 28 + capLen), origLen);
    readOptions(b, pos + 28 + pad4(capLen), (code, value, at) => {
      if (code === Opt.COMMENT) (packet.comments ??= []).push(decodeString(value));
      else if (code === Opt.EPB_FLAGS) {
        if (value.length !== 4) throw optionError(b, at, `epb_flags has length ${value.length}, not 4`);
        packet.flags = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, le);
      }
    });
    return packet;
  }

  private readSpb(b: Block): CapturePacket {
    const iface = this.ifaceFor(b, 0);
    const origLen = b.view.getUint32(b.pos + 8, b.le);
    // The SPB has no captured length: it is the original length cut to the snaplen.
    const capLen = iface.snapLen === 0 ? origLen : Math.min(origLen, iface.snapLen);
    const room = b.total - 16;
    if (capLen > room) {
      throw new CaptureFormatError('pcapng', b.fileOffset,
        `packet of ${capLen} bytes (original length ${origLen}, snaplen ${iface.snapLen}) overruns the block (room for ${room} bytes)`, b.name);
    }
    const packet = this.packet(b, iface, this.section!.lastTsNs, b.bytes.subarray(b.pos + 12, b.pos + 12 + capLen), origLen);
    packet.noTimestamp = true;
    return packet;
  }

  private ifaceFor(b: Block, ifId: number): CaptureInterface {
    const ifaces = this.section!.ifaces;
    if (ifId >= ifaces.length) {
      const have = ifaces.length === 0 ? 'the section has no Interface Description Block yet'
        : `the section has only ${ifaces.length} interface${ifaces.length === 1 ? '' : 's'}`;
      throw new CaptureFormatError('pcapng', b.fileOffset, `interface id ${ifId} is not defined: ${have}`, b.name);
    }
    return this.interfaces[ifaces[ifId]!]!;
  }

  private packet(b: Block, iface: CaptureInterface, tsNs: bigint, data: Uint8Array, origLen: number): CapturePacket {
    const packet: CapturePacket = { ifIndex: iface.index, linkType: iface.linkType, tsNs, data, origLen, offset: b.fileOffset };
    if (iface.name !== undefined) packet.ifName = iface.name;
    return packet;
  }
}

interface Block {
  bytes: Uint8Array;
  view: DataView;
  /** Start of the block in bytes. */
  pos: number;
  total: number;
  le: boolean;
  fileOffset: number;
  name: string;
}

function optionError(b: Block, at: number, detail: string): CaptureFormatError {
  return new CaptureFormatError('pcapng', b.fileOffset, `option at byte ${b.fileOffset + (at - b.pos)}: ${detail}`, b.name);
}

/**
 * Walks the option list from `start` to the block's trailing length. The list
 * may end with opt_endofopt or simply at the end of the block (the spec asks
 * readers to accept both).
 */
function readOptions(b: Block, start: number, onOption: (code: number, value: Uint8Array, at: number) => void): void {
  const end = b.pos + b.total - 4;
  let at = start;
  while (end - at >= 4) {
    const code = b.view.getUint16(at, b.le);
    const len = b.view.getUint16(at + 2, b.le);
    if (code === Opt.END) return;
    if (at + 4 + len > end) {
      throw optionError(b, at, `option ${code} has length ${len}, overrunning the block end at byte ${b.fileOffset + b.total - 4}`);
    }
    onOption(code, b.bytes.subarray(at + 4, at + 4 + len), at);
    at += 4 + pad4(len);
  }
}
