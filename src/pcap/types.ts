// Shared shapes of what the capture readers produce and the writer consumes.

/** Link-layer header types (the LINKTYPE_ registry shared by pcap and pcapng). */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  /** Raw IPv4/IPv6, no link-layer header: what a tun device carries. */
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** One interface of a capture: a pcapng IDB, or the single implicit one of a classic pcap. */
export interface CaptureInterface {
  /** Position in the file-wide interface list; packets refer to it as ifIndex. */
  index: number;
  /** Section this interface belongs to (always 0 for classic pcap). */
  section: number;
  /** The Interface ID that blocks of its section use for it. */
  idInSection: number;
  linkType: number;
  /** Maximum captured bytes per packet; 0 means no limit. */
  snapLen: number;
  /** pcapng if_name, or the name given for a classic pcap (`--dev`). */
  name?: string;
  /** pcapng if_description. */
  description?: string;
  /** Timestamp units as a negative power of `tsBase` (pcapng if_tsresol; 6 if absent). */
  tsBase: 2 | 10;
  tsExponent: number;
  /** pcapng if_tsoffset: seconds added to every timestamp. */
  tsOffsetSec: bigint;
  /** Bytes of FCS at the end of each frame, when the file says so (classic pcap header). */
  fcsBytes?: number;
}

/** One captured packet. */
export interface CapturePacket {
  /** Index into the reader's interface list (file-wide, across pcapng sections). */
  ifIndex: number;
  ifName?: string;
  linkType: number;
  /** Nanoseconds since 1970-01-01 UTC (after if_tsoffset). */
  tsNs: bigint;
  /** Set when the block has no timestamp (pcapng Simple Packet Block): tsNs then repeats the previous packet's. */
  noTimestamp?: true;
  /** The captured bytes: a view into the file's buffer, not a copy. */
  data: Uint8Array;
  /** Length of the packet on the wire; larger than data.length when the capture truncated it. */
  origLen: number;
  /** pcapng opt_comment values of the packet block. */
  comments?: string[];
  /** pcapng epb_flags (bits 0-1: 1 inbound, 2 outbound). */
  flags?: number;
  /** Byte offset in the file of the record/block holding this packet. */
  offset: number;
}

/** A pcapng section (a classic pcap file is reported as one section). */
export interface CaptureSection {
  /** Byte offset of its Section Header Block (0 for pcap). */
  offset: number;
  littleEndian: boolean;
  majorVersion: number;
  minorVersion: number;
  hardware?: string;
  os?: string;
  userAppl?: string;
  comments?: string[];
}

export type CaptureFormat = 'pcap' | 'pcapng';
