// Frames and boxes for the device-layer tests.
import { Box } from '../../src/box.js';

export const MS = 1_000_000;
export const ETH0_MAC = [0x02, 0, 0, 0, 0, 0x10];
export const PEER_MAC = [0x02, 0, 0, 0, 0, 0x99];
export const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

/**
 * An Ethernet frame: dst, src, ethertype (default 0x88b5, IEEE local experimental: the EMAC's RX
 * checksum engine leaves it alone), then `len - 14` payload bytes seeded by `fill`.
 */
export function ether(o: { dst?: number[]; src?: number[]; type?: number; len?: number; fill?: number } = {}): Uint8Array {
  const len = o.len ?? 100;
  const f = new Uint8Array(len);
  f.set(o.dst ?? ETH0_MAC, 0);
  f.set(o.src ?? PEER_MAC, 6);
  const type = o.type ?? 0x88b5;
  f[12] = type >> 8; f[13] = type & 255;
  for (let i = 14; i < len; i++) f[i] = (i * 7 + (o.fill ?? 0)) & 255;
  return f;
}

/** A box with eth0 (02:00:00:00:00:10) of kind emac, up with link. */
export async function emacBox(): Promise<Box> {
  const box = await Box.create();
  const r1 = box.ip('link add eth0 address 02:00:00:00:00:10 type emac');
  if (r1.status !== 0) throw new Error(r1.stderr);
  const r2 = box.ip('link set eth0 up');
  if (r2.status !== 0) throw new Error(r2.stderr);
  return box;
}

/** Counts calls of the named core exports (the adapted exports object is wrapped in place). */
export function countCalls(box: Box, names: string[]): Record<string, number> {
  const core = box.kernel.core as unknown as Record<string, (...a: unknown[]) => unknown>;
  const counts: Record<string, number> = {};
  for (const n of names) {
    const f = core[n];
    counts[n] = 0;
    Object.defineProperty(core, n, { value: (...a: unknown[]) => { counts[n]++; return f.apply(core, a); }, configurable: true });
  }
  return counts;
}

/** A valid IPv4/UDP frame (header checksum right, UDP checksum 0) of `len` bytes to eth0. */
export function ipv4Udp(o: { len?: number; dst?: number[]; src?: number[] } = {}): Uint8Array {
  const len = o.len ?? 100;
  const f = ether({ dst: o.dst, src: o.src, type: 0x0800, len });
  const ip = f.subarray(14);
  const tot = len - 14;
  ip.set([0x45, 0, tot >> 8, tot & 255, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1]);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  sum = ~sum & 0xffff;
  ip[10] = sum >> 8; ip[11] = sum & 255;
  const udp = tot - 20;
  ip.set([0x30, 0x39, 0x00, 0x35, udp >> 8, udp & 255, 0, 0], 20);
  return f;
}
