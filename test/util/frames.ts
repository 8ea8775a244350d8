// Test frames: Ethernet + IPv4 + UDP/TCP/ICMP with correct checksums, and a
// hexdump. Only documentation address ranges belong in these frames
// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15).

export type Ip4 = string;
export type Mac = string;

export function ip4(addr: Ip4): Uint8Array {
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${addr}`);
  return Uint8Array.from(parts);
}

export function mac(addr: Mac): Uint8Array {
  const parts = addr.split(':').map((h) => parseInt(h, 16));
  if (parts.length !== 6 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad MAC address ${addr}`);
  return Uint8Array.from(parts);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** RFC 1071 Internet checksum over the given byte ranges, as if concatenated. */
export function inetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd === undefined) odd = p[i]!;
      else { sum += (odd << 8) | p[i]!; odd = undefined; }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ethernet(o: { dst?: Mac; src?: Mac; type?: number; payload: Uint8Array }): Uint8Array {
  const h = new Uint8Array(14);
  h.set(mac(o.dst ?? '02:00:00:00:00:02'), 0);
  h.set(mac(o.src ?? '02:00:00:00:00:01'), 6);
  new DataView(h.buffer).setUint16(12, o.type ?? 0x0800);
  return concat(h, o.payload);
}

export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17 } as const;

export function ipv4(o: { src: Ip4; dst: Ip4; proto: number; payload: Uint8Array; ttl?: number; id?: number; tos?: number; df?: boolean }): Uint8Array {
  const h = new Uint8Array(20);
  const v = new DataView(h.buffer);
  h[0] = 0x45;
  h[1] = o.tos ?? 0;
  v.setUint16(2, 20 + o.payload.length);
  v.setUint16(4, o.id ?? 1);
  v.setUint16(6, o.df === false ? 0 : 0x4000);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  h.set(ip4(o.src), 12);
  h.set(ip4(o.dst), 16);
  v.setUint16(10, inetChecksum(h));
  return concat(h, o.payload);
}

function pseudoHeader(src: Ip4, dst: Ip4, proto: number, len: number): Uint8Array {
  const p = new Uint8Array(12);
  p.set(ip4(src), 0);
  p.set(ip4(dst), 4);
  p[9] = proto;
  new DataView(p.buffer).setUint16(10, len);
  return p;
}

export function udp(o: { src: Ip4; dst: Ip4; sport: number; dport: number; payload?: Uint8Array }): Uint8Array {
  const payload = o.payload ?? new Uint8Array(0);
  const seg = new Uint8Array(8 + payload.length);
  const v = new DataView(seg.buffer);
  v.setUint16(0, o.sport);
  v.setUint16(2, o.dport);
  v.setUint16(4, seg.length);
  seg.set(payload, 8);
  const sum = inetChecksum(pseudoHeader(o.src, o.dst, IPPROTO.UDP, seg.length), seg);
  v.setUint16(6, sum === 0 ? 0xffff : sum); // 0 means "no checksum" in UDP
  return seg;
}

export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export function tcp(o: { src: Ip4; dst: Ip4; sport: number; dport: number; seq?: number; ack?: number; flags?: number; window?: number; payload?: Uint8Array }): Uint8Array {
  const payload = o.payload ?? new Uint8Array(0);
  const seg = new Uint8Array(20 + payload.length);
  const v = new DataView(seg.buffer);
  v.setUint16(0, o.sport);
  v.setUint16(2, o.dport);
  v.setUint32(4, o.seq ?? 1);
  v.setUint32(8, o.ack ?? 0);
  seg[12] = 5 << 4;
  seg[13] = o.flags ?? TCP_FLAGS.SYN;
  v.setUint16(14, o.window ?? 65535);
  seg.set(payload, 20);
  v.setUint16(16, inetChecksum(pseudoHeader(o.src, o.dst, IPPROTO.TCP, seg.length), seg));
  return seg;
}

export function icmpEcho(o: { type?: 8 | 0; id?: number; seq?: number; payload?: Uint8Array }): Uint8Array {
  const payload = o.payload ?? new Uint8Array(0);
  const m = new Uint8Array(8 + payload.length);
  const v = new DataView(m.buffer);
  m[0] = o.type ?? 8;
  v.setUint16(4, o.id ?? 1);
  v.setUint16(6, o.seq ?? 1);
  m.set(payload, 8);
  v.setUint16(2, inetChecksum(m));
  return m;
}

/** Convenience: a whole Ethernet/IPv4/UDP frame. */
export function udpFrame(o: { src: Ip4; dst: Ip4; sport?: number; dport?: number; payload?: Uint8Array; srcMac?: Mac; dstMac?: Mac; ttl?: number }): Uint8Array {
  const seg = udp({ src: o.src, dst: o.dst, sport: o.sport ?? 40000, dport: o.dport ?? 9, payload: o.payload });
  return ethernet({ src: o.srcMac, dst: o.dstMac, payload: ipv4({ src: o.src, dst: o.dst, proto: IPPROTO.UDP, payload: seg, ttl: o.ttl }) });
}

export function tcpFrame(o: { src: Ip4; dst: Ip4; sport?: number; dport?: number; flags?: number; seq?: number; payload?: Uint8Array }): Uint8Array {
  const seg = tcp({ src: o.src, dst: o.dst, sport: o.sport ?? 40000, dport: o.dport ?? 80, flags: o.flags, seq: o.seq, payload: o.payload });
  return ethernet({ payload: ipv4({ src: o.src, dst: o.dst, proto: IPPROTO.TCP, payload: seg }) });
}

export function icmpFrame(o: { src: Ip4; dst: Ip4; id?: number; seq?: number; payload?: Uint8Array }): Uint8Array {
  return ethernet({ payload: ipv4({ src: o.src, dst: o.dst, proto: IPPROTO.ICMP, payload: icmpEcho({ id: o.id, seq: o.seq, payload: o.payload }) }) });
}

/** Hex and ASCII, 16 bytes a line, offsets in hex: the layout of `tshark -x`. */
export function hexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(4, '0')}  ${(left + (right ? '  ' + right : '')).padEnd(48)}   ${ascii}`);
  }
  return lines.join('\n');
}
