// Builds pcapng (and classic pcap) bytes block by block, independently of
// src/pcap's writer, so reader tests can make what the writer never does:
// big-endian sections, SPB/OPB, NRB/ISB/DSB, custom blocks, odd options.

export type OptionValue = string | Uint8Array;
export type Options = [code: number, value: OptionValue][];

const enc = new TextEncoder();

export function pad4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export class Ng {
  constructor(readonly le = true) {}

  u16(v: number): Uint8Array { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, v, this.le); return b; }
  u32(v: number): Uint8Array { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, this.le); return b; }
  i64(v: bigint): Uint8Array { const b = new Uint8Array(8); new DataView(b.buffer).setBigInt64(0, v, this.le); return b; }

  padded(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(pad4(data.length));
    out.set(data);
    return out;
  }

  options(opts: Options | undefined, end = true): Uint8Array {
    if (!opts || opts.length === 0) return new Uint8Array(0);
    const parts: Uint8Array[] = [];
    for (const [code, value] of opts) {
      const v = typeof value === 'string' ? enc.encode(value) : value;
      parts.push(this.u16(code), this.u16(v.length), this.padded(v));
    }
    if (end) parts.push(this.u32(0));
    return concat(...parts);
  }

  /** A block with both length fields; `total` overrides the leading length (for corrupt files). */
  block(type: number, body: Uint8Array, total?: number): Uint8Array {
    const len = 12 + pad4(body.length);
    return concat(this.u32(type), this.u32(total ?? len), this.padded(body), this.u32(len));
  }

  shb(o: { options?: Options; major?: number; minor?: number } = {}): Uint8Array {
    return this.block(0x0a0d0d0a, concat(this.u32(0x1a2b3c4d), this.u16(o.major ?? 1), this.u16(o.minor ?? 0), this.i64(-1n), this.options(o.options)));
  }

  idb(o: { linkType?: number; snapLen?: number; options?: Options } = {}): Uint8Array {
    return this.block(1, concat(this.u16(o.linkType ?? 1), this.u16(0), this.u32(o.snapLen ?? 65535), this.options(o.options)));
  }

  epb(o: { ifId?: number; ts: bigint; data: Uint8Array; origLen?: number; options?: Options }): Uint8Array {
    return this.block(6, concat(this.u32(o.ifId ?? 0), this.u32(Number(o.ts >> 32n)), this.u32(Number(o.ts & 0xffffffffn)),
      this.u32(o.data.length), this.u32(o.origLen ?? o.data.length), this.padded(o.data), this.options(o.options)));
  }

  /** Obsolete Packet Block: 16-bit interface id and drops count. */
  opb(o: { ifId?: number; drops?: number; ts: bigint; data: Uint8Array; origLen?: number; options?: Options }): Uint8Array {
    return this.block(2, concat(this.u16(o.ifId ?? 0), this.u16(o.drops ?? 0), this.u32(Number(o.ts >> 32n)), this.u32(Number(o.ts & 0xffffffffn)),
      this.u32(o.data.length), this.u32(o.origLen ?? o.data.length), this.padded(o.data), this.options(o.options)));
  }

  spb(o: { data: Uint8Array; origLen?: number }): Uint8Array {
    return this.block(3, concat(this.u32(o.origLen ?? o.data.length), this.padded(o.data)));
  }

  nrb(): Uint8Array {
    // One IPv4 record (192.0.2.1 -> "host.example") then nrb_record_end.
    const rec = concat(Uint8Array.of(192, 0, 2, 1), enc.encode('host.example\0'));
    return this.block(4, concat(this.u16(1), this.u16(rec.length), this.padded(rec), this.u32(0)));
  }

  isb(ifId = 0): Uint8Array {
    return this.block(5, concat(this.u32(ifId), this.u32(0), this.u32(1), this.options([[4, this.i64(10n)]])));
  }

  dsb(): Uint8Array {
    const secret = enc.encode('CLIENT_RANDOM 00 00\n');
    return this.block(10, concat(this.u32(0x544c534b), this.u32(secret.length), this.padded(secret)));
  }

  custom(type = 0x00000bad): Uint8Array {
    return this.block(type, concat(this.u32(32473), enc.encode('netpath-test')));
  }
}

/** Classic pcap bytes with full control over the header fields. */
export function classicPcap(o: {
  le?: boolean; nanos?: boolean; linkType?: number; linkField?: number; snapLen?: number; major?: number; minor?: number;
  records: { sec: number; frac: number; data: Uint8Array; origLen?: number }[];
}): Uint8Array {
  const le = o.le ?? true;
  const h = new Uint8Array(24);
  const v = new DataView(h.buffer);
  v.setUint32(0, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, o.major ?? 2, le);
  v.setUint16(6, o.minor ?? 4, le);
  v.setUint32(16, o.snapLen ?? 65535, le);
  v.setUint32(20, o.linkField ?? o.linkType ?? 1, le);
  const parts: Uint8Array[] = [h];
  for (const r of o.records) {
    const rh = new Uint8Array(16);
    const rv = new DataView(rh.buffer);
    rv.setUint32(0, r.sec, le);
    rv.setUint32(4, r.frac, le);
    rv.setUint32(8, r.data.length, le);
    rv.setUint32(12, r.origLen ?? r.data.length, le);
    parts.push(rh, r.data);
  }
  return concat(...parts);
}
