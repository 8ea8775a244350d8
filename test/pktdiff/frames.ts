// Byte-level builders and a small decoder for the frames of the packet-level
// differential test: Ethernet II, ARP, IPv4 (with options, fragments and
// deliberately broken fields), UDP, TCP and ICMP. Checksums are correct
// unless a caller breaks them on purpose.

export type Bytes = Uint8Array;

export const ETH_IP = 0x0800;
export const ETH_ARP = 0x0806;
export const PROTO = { ICMP: 1, IGMP: 2, TCP: 6, UDP: 17 } as const;

// ---------------------------------------------------------------- basics
export const hex = (b: Bytes): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
export const fromHex = (s: string): Bytes => new Uint8Array(Buffer.from(s, 'hex'));

export function concat(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function mac(s: string): Bytes {
  const p = s.split(':').map((x) => parseInt(x, 16));
  if (p.length !== 6 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad MAC ${s}`);
  return new Uint8Array(p);
}
export const macStr = (b: Bytes, o = 0): string => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');

export function ip(s: string): Bytes {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(Number.isInteger(x) && x >= 0 && x <= 255))) throw new Error(`bad IPv4 address ${s}`);
  return new Uint8Array(p);
}
export const ipStr = (b: Bytes, o = 0): string => Array.from(b.subarray(o, o + 4)).join('.');

/** Multicast MAC of an IPv4 group (01:00:5e + low 23 bits). */
export function mcastMac(group: string): string {
  const g = ip(group);
  return `01:00:5e:${[g[1] & 0x7f, g[2], g[3]].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

const be16 = (v: number): Bytes => new Uint8Array([(v >>> 8) & 255, v & 255]);
const be32 = (v: number): Bytes => new Uint8Array([(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
export const rd16 = (b: Bytes, o: number): number => (b[o] << 8) | b[o + 1];
export const rd32 = (b: Bytes, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** RFC 1071 ones' complement sum, folded and complemented, over the concatenation of parts. */
export function checksum(...parts: Bytes[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd === undefined) odd = p[i];
      else { sum += (odd << 8) | p[i]; odd = undefined; }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---------------------------------------------------------------- Ethernet / ARP
export function eth(dst: string, src: string, type: number, payload: Bytes): Bytes {
  return concat(mac(dst), mac(src), be16(type), payload);
}

export interface ArpOpts { op: 1 | 2; sha: string; spa: string; tha: string; tpa: string }
/** An Ethernet/IPv4 ARP packet (28 bytes, no padding). */
export function arp(o: ArpOpts): Bytes {
  return concat(be16(1), be16(ETH_IP), new Uint8Array([6, 4]), be16(o.op), mac(o.sha), ip(o.spa), mac(o.tha), ip(o.tpa));
}

// ---------------------------------------------------------------- IPv4
export interface Ip4Opts {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  /** fragment offset in 8-byte units */
  frag?: number;
  /** option bytes (padded with EOL to a multiple of 4 unless `rawOptions`) */
  options?: Bytes;
  rawOptions?: boolean;
  /** overrides: version nibble, IHL nibble, total length, checksum (number, or 'bad' = correct ^ 0x5a5a) */
  version?: number;
  ihl?: number;
  totalLength?: number;
  checksum?: number | 'bad';
}

export function ipv4(o: Ip4Opts, payload: Bytes): Bytes {
  let opts = o.options ?? new Uint8Array(0);
  if (!o.rawOptions && opts.length % 4) opts = concat(opts, new Uint8Array(4 - (opts.length % 4)));
  const hl = 20 + opts.length;
  const h = new Uint8Array(hl);
  h[0] = ((o.version ?? 4) << 4) | ((o.ihl ?? hl / 4) & 15);
  h[1] = o.tos ?? 0;
  h.set(be16(o.totalLength ?? hl + payload.length), 2);
  h.set(be16(o.id ?? 0), 4);
  h.set(be16((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.frag ?? 0) & 0x1fff)), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  h.set(ip(o.src), 12);
  h.set(ip(o.dst), 16);
  h.set(opts, 20);
  const c = checksum(h);
  h.set(be16(o.checksum === undefined ? c : o.checksum === 'bad' ? c ^ 0x5a5a : o.checksum), 10);
  return concat(h, payload);
}

/** IPv4 options (RFC 791). */
export const ipopt = {
  nop: (): Bytes => new Uint8Array([1]),
  eol: (): Bytes => new Uint8Array([0]),
  /** record route with room for n addresses, pointer at the first free slot */
  recordRoute: (n: number, filled: string[] = []): Bytes => {
    const b = new Uint8Array(3 + 4 * n);
    b[0] = 7; b[1] = b.length; b[2] = 4 + 4 * filled.length;
    filled.forEach((a, i) => b.set(ip(a), 3 + 4 * i));
    return b;
  },
  routerAlert: (): Bytes => new Uint8Array([0x94, 4, 0, 0]),
  /** loose source route through `hops` (pointer 4: first hop next) */
  lsrr: (hops: string[]): Bytes => ipopt.sourceRoute(false, hops),
  /** loose or strict source route through `hops`, the pointer at hop `next` (hops.length: the route is used up) */
  sourceRoute: (strict: boolean, hops: string[], next = 0): Bytes => {
    const b = new Uint8Array(3 + 4 * hops.length);
    b[0] = strict ? 0x89 : 0x83; b[1] = b.length; b[2] = 4 + 4 * next;
    hops.forEach((a, i) => b.set(ip(a), 3 + 4 * i));
    return b;
  },
  /** timestamp option (flag 0, timestamps only) that is already full: routers only bump the overflow count */
  timestampFull: (slots: number, overflow = 0): Bytes => {
    const b = new Uint8Array(4 + 4 * slots);
    b[0] = 0x44; b[1] = b.length; b[2] = b.length + 1; b[3] = (overflow & 15) << 4;
    for (let i = 0; i < slots; i++) b.set(be32(0x01000000 + i), 4 + 4 * i);
    return b;
  },
  /** an option whose length byte runs past the header: a parameter problem */
  badLength: (): Bytes => new Uint8Array([7, 40, 4, 0]),
};

/** Splits an IPv4 packet (header without broken fields) into fragments carrying `sizes` payload bytes each (multiples of 8 but the last). */
export function fragment(o: Ip4Opts, payload: Bytes, sizes: number[]): Bytes[] {
  const out: Bytes[] = [];
  let off = 0;
  sizes.forEach((n, i) => {
    const last = i === sizes.length - 1;
    const part = payload.subarray(off, last ? payload.length : off + n);
    out.push(ipv4({ ...o, frag: (o.frag ?? 0) + off / 8, mf: !last || !!o.mf, options: i === 0 ? o.options : undefined }, part));
    off += part.length;
  });
  return out;
}

// ---------------------------------------------------------------- L4
const pseudo = (src: string, dst: string, proto: number, len: number): Bytes =>
  concat(ip(src), ip(dst), new Uint8Array([0, proto]), be16(len));

export interface L4Opts { bad?: boolean }

export function udp(src: string, dst: string, sport: number, dport: number, data: Bytes, o: L4Opts & { length?: number } = {}): Bytes {
  const len = 8 + data.length;
  const u = concat(be16(sport), be16(dport), be16(o.length ?? len), be16(0), data);
  let c = checksum(pseudo(src, dst, PROTO.UDP, len), u);
  if (c === 0) c = 0xffff;
  if (o.bad) c ^= 0x1111;
  u.set(be16(c), 6);
  return u;
}

export const TCP = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;
export interface TcpOpts extends L4Opts { sport: number; dport: number; seq: number; ack?: number; flags: number; window?: number; options?: Bytes; data?: Bytes }
export function tcp(src: string, dst: string, o: TcpOpts): Bytes {
  let opts = o.options ?? new Uint8Array(0);
  if (opts.length % 4) opts = concat(opts, new Uint8Array(4 - (opts.length % 4)));
  const data = o.data ?? new Uint8Array(0);
  const h = new Uint8Array(20 + opts.length);
  h.set(be16(o.sport), 0); h.set(be16(o.dport), 2); h.set(be32(o.seq), 4); h.set(be32(o.ack ?? 0), 8);
  h[12] = (h.length / 4) << 4; h[13] = o.flags; h.set(be16(o.window ?? 64240), 14);
  h.set(opts, 20);
  const seg = concat(h, data);
  let c = checksum(pseudo(src, dst, PROTO.TCP, seg.length), seg);
  if (o.bad) c ^= 0x1111;
  seg.set(be16(c), 16);
  return seg;
}
/** TCP options of a typical SYN: MSS 1460, SACK permitted, window scale 7. */
export const synOptions = (): Bytes => new Uint8Array([2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7]);

export function icmp(type: number, code: number, rest: number, data: Bytes, o: L4Opts = {}): Bytes {
  const m = concat(new Uint8Array([type, code, 0, 0]), be32(rest), data);
  let c = checksum(m);
  if (o.bad) c ^= 0x1111;
  m.set(be16(c), 2);
  return m;
}
export const echoRequest = (id: number, seq: number, data: Bytes, o: L4Opts = {}): Bytes => icmp(8, 0, ((id & 0xffff) << 16) | (seq & 0xffff), data, o);

/** Deterministic filler bytes. */
export function pattern(n: number, seed = 0): Bytes {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 13 + 0x20) & 0xff;
  return b;
}

// ---------------------------------------------------------------- decoding
export interface Decoded {
  len: number;
  dst: string;
  src: string;
  type: number;
  arp?: { op: number; sha: string; spa: string; tha: string; tpa: string };
  ip?: {
    version: number; ihl: number; tos: number; totalLength: number; id: number; df: boolean; mf: boolean; frag: number;
    ttl: number; proto: number; checksum: number; src: string; dst: string; hdrOk: boolean; optionsLen: number;
  };
  icmp?: { type: number; code: number; rest: number; quoted?: Decoded['ip'] };
  udp?: { sport: number; dport: number };
  tcp?: { sport: number; dport: number; seq: number; ack: number; flags: number };
}

function decodeIp(b: Bytes, o: number): Decoded['ip'] | undefined {
  if (b.length < o + 20) return undefined;
  const ihl = b[o] & 15;
  const hl = ihl * 4;
  const hdr = b.subarray(o, o + Math.max(20, Math.min(hl, b.length - o)));
  return {
    version: b[o] >> 4, ihl, tos: b[o + 1], totalLength: rd16(b, o + 2), id: rd16(b, o + 4),
    df: !!(b[o + 6] & 0x40), mf: !!(b[o + 6] & 0x20), frag: rd16(b, o + 6) & 0x1fff,
    ttl: b[o + 8], proto: b[o + 9], checksum: rd16(b, o + 10), src: ipStr(b, o + 12), dst: ipStr(b, o + 16),
    hdrOk: hl >= 20 && b.length >= o + hl && checksum(hdr) === 0, optionsLen: Math.max(0, hl - 20),
  };
}

/** Decodes the headers of a frame, as far as they are there. */
export function decode(b: Bytes): Decoded {
  const d: Decoded = { len: b.length, dst: b.length >= 6 ? macStr(b, 0) : '', src: b.length >= 12 ? macStr(b, 6) : '', type: b.length >= 14 ? rd16(b, 12) : -1 };
  if (d.type === ETH_ARP && b.length >= 14 + 28) {
    d.arp = { op: rd16(b, 20), sha: macStr(b, 22), spa: ipStr(b, 28), tha: macStr(b, 32), tpa: ipStr(b, 38) };
  } else if (d.type === ETH_IP) {
    d.ip = decodeIp(b, 14);
    const i = d.ip;
    if (i && i.version === 4 && i.ihl >= 5 && i.frag === 0) {
      const l4 = 14 + i.ihl * 4;
      if (i.proto === PROTO.ICMP && b.length >= l4 + 8) {
        d.icmp = { type: b[l4], code: b[l4 + 1], rest: rd32(b, l4 + 4) };
        if ([3, 4, 5, 11, 12].includes(b[l4])) d.icmp.quoted = decodeIp(b, l4 + 8);
      } else if (i.proto === PROTO.UDP && b.length >= l4 + 8) d.udp = { sport: rd16(b, l4), dport: rd16(b, l4 + 2) };
      else if (i.proto === PROTO.TCP && b.length >= l4 + 20) {
        d.tcp = { sport: rd16(b, l4), dport: rd16(b, l4 + 2), seq: rd32(b, l4 + 4), ack: rd32(b, l4 + 8), flags: b[l4 + 13] };
      }
    }
  }
  return d;
}

const ICMP_NAMES: Record<string, string> = {
  '0/0': 'echo-reply', '3/0': 'net-unreach', '3/1': 'host-unreach', '3/2': 'proto-unreach', '3/3': 'port-unreach',
  '3/4': 'frag-needed', '3/13': 'admin-prohibited', '5/1': 'redirect-host', '5/0': 'redirect-net', '8/0': 'echo',
  '11/0': 'ttl-exceeded', '11/1': 'reassembly-timeout', '12/0': 'param-problem',
};

/** A short human description of a frame: "ARP reply 192.0.2.1 is-at …", "ICMP port-unreach 192.0.2.1>192.0.2.10", "fwd UDP …". */
export function describe(b: Bytes): string {
  const d = decode(b);
  if (d.arp) return `ARP ${d.arp.op === 1 ? 'who-has' : d.arp.op === 2 ? 'reply' : `op${d.arp.op}`} ${d.arp.tpa} tell ${d.arp.spa} (${d.src} > ${d.dst})`;
  if (!d.ip) return `eth type 0x${d.type.toString(16)} len ${d.len}`;
  const i = d.ip;
  const frag = i.mf || i.frag ? ` frag off ${i.frag * 8}${i.mf ? '+' : ''}` : '';
  let l4 = `proto ${i.proto}`;
  if (d.icmp) l4 = `ICMP ${ICMP_NAMES[`${d.icmp.type}/${d.icmp.code}`] ?? `${d.icmp.type}/${d.icmp.code}`}${d.icmp.type === 3 && d.icmp.code === 4 ? ` mtu ${d.icmp.rest & 0xffff}` : ''}`;
  else if (d.udp) l4 = `UDP ${d.udp.sport}>${d.udp.dport}`;
  else if (d.tcp) l4 = `TCP ${d.tcp.sport}>${d.tcp.dport} flags 0x${d.tcp.flags.toString(16)}`;
  return `${l4} ${i.src} > ${i.dst} ttl ${i.ttl} len ${i.totalLength}${frag} (${d.src} > ${d.dst}, ${d.len} bytes)`;
}
