// Test frames: Ethernet II with optional 802.1Q tag, IPv4/IPv6, UDP/TCP.
export type Mac = number[];

export const BCAST: Mac = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

export function macBytes(s: string): Mac {
  return s.split(':').map((h) => parseInt(h, 16));
}

export function csum16(b: Uint8Array, start: number, end: number, seed = 0): number {
  let s = seed;
  for (let i = start; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if ((end - start) & 1) s += b[end - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

export interface FrameOpts {
  dst: Mac;
  src?: Mac;
  vlan?: number; // TCI
  proto?: 'udp' | 'tcp';
  v6?: boolean;
  payload?: number; // payload bytes (filled with a pattern)
  seq?: number;
  tcpFlags?: number;
  /** Corrupt the L4 checksum. */
  badL4?: boolean;
  /** Corrupt the IPv4 header checksum. */
  badIp?: boolean;
  /** Leave checksums as the stack would hand them to a CSX/LSO device (seed only). */
  seedOnly?: 'csx' | 'lso';
  fill?: number;
}

const SRC: Mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];

/** Builds a frame; returns bytes plus the offsets a driver needs for offloads. */
export function frame(o: FrameOpts): { bytes: Uint8Array; l3: number; l4: number; l4len: number; csumOff: number } {
  const proto = o.proto ?? 'udp';
  const l4hdr = proto === 'udp' ? 8 : 20;
  const pay = o.payload ?? 32;
  const l2 = o.vlan !== undefined ? 18 : 14;
  const l3len = o.v6 ? 40 : 20;
  const len = l2 + l3len + l4hdr + pay;
  const b = new Uint8Array(len);
  b.set(o.dst, 0);
  b.set(o.src ?? SRC, 6);
  if (o.vlan !== undefined) {
    b[12] = 0x81; b[13] = 0x00; b[14] = o.vlan >> 8; b[15] = o.vlan & 0xff;
  }
  const et = o.v6 ? 0x86dd : 0x0800;
  b[l2 - 2] = et >> 8; b[l2 - 1] = et & 0xff;
  const l3 = l2;
  const l4 = l3 + l3len;
  const l4len = l4hdr + pay;
  const pnum = proto === 'udp' ? 17 : 6;
  if (o.v6) {
    b[l3] = 0x60;
    b[l3 + 4] = l4len >> 8; b[l3 + 5] = l4len & 0xff;
    b[l3 + 6] = pnum; b[l3 + 7] = 64;
    for (let i = 0; i < 16; i++) { b[l3 + 8 + i] = i === 15 ? 1 : i === 0 ? 0xfd : 0; b[l3 + 24 + i] = i === 15 ? 2 : i === 0 ? 0xfd : 0; }
  } else {
    b[l3] = 0x45;
    const tot = 20 + l4len;
    b[l3 + 2] = tot >> 8; b[l3 + 3] = tot & 0xff;
    b[l3 + 4] = 0x12; b[l3 + 5] = 0x34; // id
    b[l3 + 8] = 64; b[l3 + 9] = pnum;
    b.set([10, 0, 0, 1], l3 + 12); b.set([10, 0, 0, 2], l3 + 16);
  }
  // ports
  b[l4] = 0x30; b[l4 + 1] = 0x39; b[l4 + 2] = 0x00; b[l4 + 3] = 0x50;
  if (proto === 'udp') { b[l4 + 4] = l4len >> 8; b[l4 + 5] = l4len & 0xff; }
  else {
    const seq = o.seq ?? 1000;
    b[l4 + 4] = (seq >>> 24) & 0xff; b[l4 + 5] = (seq >>> 16) & 0xff; b[l4 + 6] = (seq >>> 8) & 0xff; b[l4 + 7] = seq & 0xff;
    b[l4 + 12] = 0x50; b[l4 + 13] = o.tcpFlags ?? 0x18; b[l4 + 14] = 0xff; b[l4 + 15] = 0xff;
  }
  const fill = o.fill ?? 0;
  for (let i = 0; i < pay; i++) b[l4 + l4hdr + i] = (i * 7 + fill) & 0xff;
  const csumOff = l4 + (proto === 'udp' ? 6 : 16);

  if (!o.v6) {
    const c = ~csum16(b, l3, l3 + 20) & 0xffff;
    b[l3 + 10] = c >> 8; b[l3 + 11] = c & 0xff;
  }
  // pseudo-header sum (with and without length)
  const pseudoNoLen = o.v6 ? csum16(b, l3 + 8, l3 + 40, pnum) : csum16(b, l3 + 12, l3 + 20, pnum);
  if (o.seedOnly === 'lso') {
    // emac_tso_csum: IPv4 check = 0 (tot_len stays); IPv6 payload_len = 0
    if (!o.v6) { b[l3 + 10] = 0; b[l3 + 11] = 0; } else { b[l3 + 4] = 0; b[l3 + 5] = 0; }
    b[csumOff] = pseudoNoLen >> 8; b[csumOff + 1] = pseudoNoLen & 0xff;
  } else {
    let seed = pseudoNoLen + l4len;
    while (seed > 0xffff) seed = (seed & 0xffff) + (seed >>> 16);
    if (o.seedOnly === 'csx') {
      b[csumOff] = seed >> 8; b[csumOff + 1] = seed & 0xff;
    } else {
      let c = ~csum16(b, l4, l4 + l4len, seed) & 0xffff;
      if (proto === 'udp' && c === 0) c = 0xffff;
      if (o.badL4) c ^= 0x5a5a;
      b[csumOff] = c >> 8; b[csumOff + 1] = c & 0xff;
    }
  }
  if (o.badIp && !o.v6) b[l3 + 10] ^= 0xff;
  return { bytes: b, l3, l4, l4len, csumOff };
}

/** True if the IPv4 header checksum and the TCP/UDP checksum of an untagged or tagged frame verify. */
export function checksumsOk(b: Uint8Array): boolean {
  let l3 = 14;
  let et = (b[12] << 8) | b[13];
  if (et === 0x8100) { et = (b[16] << 8) | b[17]; l3 = 18; }
  let l4: number, l4len: number, proto: number, sum: number;
  if (et === 0x0800) {
    const ihl = (b[l3] & 0xf) * 4;
    if (csum16(b, l3, l3 + ihl) !== 0xffff) return false;
    const tot = (b[l3 + 2] << 8) | b[l3 + 3];
    proto = b[l3 + 9]; l4 = l3 + ihl; l4len = tot - ihl;
    sum = csum16(b, l3 + 12, l3 + 20, proto + l4len);
  } else {
    proto = b[l3 + 6]; l4 = l3 + 40; l4len = (b[l3 + 4] << 8) | b[l3 + 5];
    sum = csum16(b, l3 + 8, l3 + 40, proto + l4len);
  }
  return csum16(b, l4, l4 + l4len, sum) === 0xffff;
}

/** Ethernet CRC as Linux's ether_crc(): bitrev32(crc32_le(~0, addr, len)). */
export function etherCrc(addr: Mac): number {
  let crc = 0xffffffff;
  for (const byte of addr) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  crc >>>= 0;
  let r = 0;
  for (let k = 0; k < 32; k++) { r = ((r << 1) | (crc & 1)) >>> 0; crc >>>= 1; }
  return r >>> 0;
}
