// pcapng writer. Output is little-endian, one section, one IDB per interface
// with if_name and if_tsresol = 9 so timestamps keep full nanoseconds, and
// an Enhanced Packet Block per packet. Blocks go to a sink as they are made,
// so a long replay can stream to a file; with no sink they are kept in memory
// (the browser path: bytes() / blob()).

import { BYTE_ORDER_MAGIC, BlockType, Opt } from './pcapng.js';
import { pad4 } from './step.js';
import { LinkType } from './types.js';

export interface PcapngInterfaceSpec {
  /** Device name, written as if_name (what Wireshark shows as the interface). */
  name: string;
  linkType: number;
  /** Written as the IDB SnapLen; longer packets are cut to it (origLen kept). Default 262144; 0 = no limit. */
  snapLen?: number;
  description?: string;
}

export interface PcapngPacketSpec {
  /** Index returned by addInterface/interfaceFor. */
  ifIndex: number;
  /** Nanoseconds since the epoch; a number must be a safe integer. */
  tsNs: bigint | number;
  data: Uint8Array;
  /** Length on the wire when `data` is cut short; defaults to data.length. */
  origLen?: number;
  /** opt_comment(s), e.g. the verdict of the datapath for this packet. */
  comment?: string | string[];
  /** Written as epb_flags bits 0-1 (inbound = 1, outbound = 2). */
  direction?: 'in' | 'out';
}

export interface PcapngWriterOptions {
  /** shb_userappl; default "netpath". */
  userAppl?: string;
  /** shb_os. */
  os?: string;
  /** shb_hardware. */
  hardware?: string;
  /** opt_comment on the Section Header Block. */
  comment?: string;
  /** Receives each block as it is made; without one, blocks are kept for bytes()/blob(). */
  sink?: (chunk: Uint8Array) => void;
}

export const PCAPNG_MIME = 'application/x-pcapng';
const DEFAULT_SNAPLEN = 262_144;
const utf8 = new TextEncoder();

interface Option { code: number; value: Uint8Array }

function stringOption(code: number, text: string, what: string): Option {
  const value = utf8.encode(text);
  if (value.length > 0xffff) throw new RangeError(`pcapng: ${what} is ${value.length} bytes in UTF-8; an option holds at most 65535`);
  return { code, value };
}

function optionsSize(options: Option[]): number {
  if (options.length === 0) return 0;
  return options.reduce((n, o) => n + 4 + pad4(o.value.length), 0) + 4;
}

/** Writes an option list at `at`, ending with opt_endofopt; returns the end offset. */
function writeOptions(out: Uint8Array, view: DataView, at: number, options: Option[]): number {
  if (options.length === 0) return at;
  for (const o of options) {
    view.setUint16(at, o.code, true);
    view.setUint16(at + 2, o.value.length, true);
    out.set(o.value, at + 4);
    at += 4 + pad4(o.value.length); // padding stays zero, as the spec requires
  }
  view.setUint32(at, 0, true); // opt_endofopt, length 0
  return at + 4;
}

/** Allocates a block of `total` bytes with its type and both length fields set. */
function newBlock(type: number, total: number): { out: Uint8Array; view: DataView } {
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, total, true);
  view.setUint32(total - 4, total, true);
  return { out, view };
}

export class PcapngWriter {
  private readonly chunks: Uint8Array[] | undefined;
  private readonly sink: (chunk: Uint8Array) => void;
  private readonly ifaces: (PcapngInterfaceSpec & { snapLen: number })[] = [];
  private readonly byName = new Map<string, number>();
  private packets = 0;
  private written = 0;

  constructor(opts: PcapngWriterOptions = {}) {
    if (opts.sink) {
      this.sink = opts.sink;
    } else {
      const chunks: Uint8Array[] = [];
      this.chunks = chunks;
      this.sink = (c) => { chunks.push(c); };
    }
    this.writeShb(opts);
  }

  /** Interfaces in IDB order; their positions are the ifIndex values. */
  get interfaces(): readonly PcapngInterfaceSpec[] { return this.ifaces; }
  get packetCount(): number { return this.packets; }
  get byteCount(): number { return this.written; }

  /** Adds an interface (an IDB) and returns its index. */
  addInterface(spec: PcapngInterfaceSpec): number {
    if (!Number.isInteger(spec.linkType) || spec.linkType < 0 || spec.linkType > 0xffff) {
      throw new RangeError(`pcapng: link type ${spec.linkType} does not fit 16 bits`);
    }
    const snapLen = spec.snapLen ?? DEFAULT_SNAPLEN;
    if (!Number.isInteger(snapLen) || snapLen < 0 || snapLen > 0xffffffff) throw new RangeError(`pcapng: bad snaplen ${snapLen}`);
    const options: Option[] = [stringOption(Opt.IF_NAME, spec.name, 'if_name')];
    if (spec.description !== undefined) options.push(stringOption(Opt.IF_DESCRIPTION, spec.description, 'if_description'));
    options.push({ code: Opt.IF_TSRESOL, value: Uint8Array.of(9) }); // nanoseconds
    const total = 20 + optionsSize(options);
    const { out, view } = newBlock(BlockType.IDB, total);
    view.setUint16(8, spec.linkType, true);
    view.setUint32(12, snapLen, true);
    writeOptions(out, view, 16, options);
    this.emit(out);
    const index = this.ifaces.length;
    this.ifaces.push({ ...spec, snapLen });
    if (!this.byName.has(spec.name)) this.byName.set(spec.name, index);
    return index;
  }

  /**
   * The interface named `name`, added on first use: replay calls this for
   * each device that transmits, so the file gets one interface per device.
   */
  interfaceFor(name: string, linkType: number = LinkType.ETHERNET): number {
    const known = this.byName.get(name);
    if (known !== undefined) {
      const have = this.ifaces[known]!.linkType;
      if (have !== linkType) throw new Error(`pcapng: interface ${name} already has link type ${have}, not ${linkType}`);
      return known;
    }
    return this.addInterface({ name, linkType });
  }

  writePacket(p: PcapngPacketSpec): void {
    const iface = this.ifaces[p.ifIndex];
    if (!iface) throw new RangeError(`pcapng: no interface ${p.ifIndex} (have ${this.ifaces.length})`);
    const ts = toNs(p.tsNs);
    const origLen = p.origLen ?? p.data.length;
    if (!Number.isInteger(origLen) || origLen < p.data.length || origLen > 0xffffffff) {
      throw new RangeError(`pcapng: original length ${origLen} is less than the ${p.data.length} bytes captured`);
    }
    const data = iface.snapLen !== 0 && p.data.length > iface.snapLen ? p.data.subarray(0, iface.snapLen) : p.data;
    const options: Option[] = [];
    const comments = p.comment === undefined ? [] : Array.isArray(p.comment) ? p.comment : [p.comment];
    for (const c of comments) options.push(stringOption(Opt.COMMENT, c, 'comment'));
    if (p.direction) {
      const flags = new Uint8Array(4);
      new DataView(flags.buffer).setUint32(0, p.direction === 'in' ? 1 : 2, true);
      options.push({ code: Opt.EPB_FLAGS, value: flags });
    }
    const total = 32 + pad4(data.length) + optionsSize(options);
    const { out, view } = newBlock(BlockType.EPB, total);
    view.setUint32(8, p.ifIndex, true);
    view.setUint32(12, Number(ts >> 32n), true);
    view.setUint32(16, Number(ts & 0xffffffffn), true);
    view.setUint32(20, data.length, true);
    view.setUint32(24, origLen, true);
    out.set(data, 28);
    writeOptions(out, view, 28 + pad4(data.length), options);
    this.emit(out);
    this.packets++;
  }

  /** The whole file so far (in-memory writers only). */
  bytes(): Uint8Array {
    if (!this.chunks) throw new Error('pcapng: this writer streams to a sink; it keeps no bytes');
    const out = new Uint8Array(this.written);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }

  /** The whole file as a Blob, for a browser download (in-memory writers only). */
  blob(): Blob {
    if (!this.chunks) throw new Error('pcapng: this writer streams to a sink; it keeps no bytes');
    return new Blob(this.chunks as BlobPart[], { type: PCAPNG_MIME });
  }

  private writeShb(opts: PcapngWriterOptions): void {
    const options: Option[] = [];
    if (opts.comment !== undefined) options.push(stringOption(Opt.COMMENT, opts.comment, 'comment'));
    if (opts.hardware !== undefined) options.push(stringOption(Opt.SHB_HARDWARE, opts.hardware, 'shb_hardware'));
    if (opts.os !== undefined) options.push(stringOption(Opt.SHB_OS, opts.os, 'shb_os'));
    options.push(stringOption(Opt.SHB_USERAPPL, opts.userAppl ?? 'netpath', 'shb_userappl'));
    const total = 28 + optionsSize(options);
    const { out, view } = newBlock(BlockType.SHB, total);
    view.setUint32(8, BYTE_ORDER_MAGIC, true);
    view.setUint16(12, 1, true);
    view.setUint16(14, 0, true);
    view.setBigInt64(16, -1n, true); // section length not given: we stream
    writeOptions(out, view, 24, options);
    this.emit(out);
  }

  private emit(block: Uint8Array): void {
    this.sink(block);
    this.written += block.length;
  }
}

function toNs(ts: bigint | number): bigint {
  if (typeof ts === 'number') {
    if (!Number.isSafeInteger(ts)) throw new RangeError(`pcapng: timestamp ${ts} is not a safe integer of nanoseconds; pass a bigint`);
    ts = BigInt(ts);
  }
  if (ts < 0n || ts > 0xffffffffffffffffn) throw new RangeError(`pcapng: timestamp ${ts} ns does not fit an unsigned 64-bit count`);
  return ts;
}

/** One-shot: a pcapng file with the given interfaces and packets, as bytes. */
export function encodePcapng(
  interfaces: PcapngInterfaceSpec[],
  packets: Iterable<PcapngPacketSpec>,
  opts: Omit<PcapngWriterOptions, 'sink'> = {},
): Uint8Array {
  const w = new PcapngWriter(opts);
  for (const i of interfaces) w.addInterface(i);
  for (const p of packets) w.writePacket(p);
  return w.bytes();
}
