// What tshark reads from a capture file, for interoperability tests.

import { execFileSync, spawnSync } from 'node:child_process';
import type { CapturePacket } from '../../src/pcap/index.js';

/** A one-line reason when the Wireshark tools are missing, or undefined when they are there. */
export function missingTools(...tools: string[]): string | undefined {
  const missing = tools.filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).error !== undefined);
  if (missing.length === 0) return undefined;
  return `${missing.join(', ')} not installed (apt-get install -y tshark tcpdump): interop tests skipped`;
}

export interface TsharkPacket {
  /** null for classic pcap, which has no interface ids. */
  ifId: number | null;
  ifName: string | null;
  /** tshark's protocol stack, e.g. "eth:ethertype:ip:udp" or "raw:ip:udp". */
  protocols: string;
  /** Epoch time as tshark prints it, seconds with 9 decimals. */
  epoch: string;
  len: number;
  capLen: number;
  comments: string[];
  /** Packet bytes in hex. */
  hex: string;
}

/** Parses `tshark -T json -x` output for the fields we compare. */
export function tsharkPackets(path: string): TsharkPacket[] {
  const out = execFileSync('tshark', ['-n', '-r', path, '-T', 'json', '-x'], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const list = JSON.parse(out) as { _source: { layers: Record<string, unknown> } }[];
  return list.map(({ _source: { layers } }) => {
    const frame = layers.frame as Record<string, unknown>;
    const iface = (frame['frame.interface_id_tree'] ?? {}) as Record<string, string>;
    const comments: string[] = [];
    for (const [k, v] of Object.entries(layers)) {
      if (k === 'pkt_comment' || k === 'frame.comment') comments.push(...collectComments(v));
    }
    for (const v of Object.values(frame)) comments.push(...collectComments(v, true));
    return {
      ifId: frame['frame.interface_id'] === undefined ? null : Number(frame['frame.interface_id']),
      ifName: iface['frame.interface_name'] ?? null,
      protocols: String(frame['frame.protocols']),
      epoch: String(frame['frame.time_epoch']),
      len: Number(frame['frame.len']),
      capLen: Number(frame['frame.cap_len']),
      comments: [...new Set(comments)],
      hex: String((layers.frame_raw as unknown[])[0]),
    };
  });
}

function collectComments(v: unknown, nested = false): string[] {
  if (v === null || typeof v !== 'object') return nested ? [] : typeof v === 'string' ? [v] : [];
  const out: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if ((k === 'frame.comment' || k === 'pkt_comment') && typeof x === 'string') out.push(x);
    else if (typeof x === 'object') out.push(...collectComments(x, true));
  }
  return out;
}

/** Nanoseconds since the epoch as tshark prints frame.time_epoch. */
export function epochString(tsNs: bigint): string {
  return `${tsNs / 1_000_000_000n}.${(tsNs % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** The fields of our packet that tshark also reports. */
export function asTshark(p: CapturePacket, ifId: number): TsharkPacket {
  return {
    ifId,
    ifName: p.ifName ?? null,
    protocols: p.linkType === 1 ? 'eth' : p.linkType === 101 ? 'raw' : `linktype ${p.linkType}`,
    epoch: epochString(p.tsNs),
    len: p.origLen,
    capLen: p.data.length,
    comments: p.comments ?? [],
    hex: Buffer.from(p.data).toString('hex'),
  };
}

/** tshark's view reduced to the same fields: first protocol, and no name where the file has none. */
export function normalise(t: TsharkPacket, isPcap: boolean): TsharkPacket {
  return {
    ...t,
    // Classic pcap has no interfaces for tshark; pcapng interfaces without if_name show as "unknown".
    ifId: isPcap ? 0 : t.ifId,
    ifName: t.ifName === 'unknown' ? null : t.ifName,
    protocols: t.protocols.split(':')[0]!,
  };
}

