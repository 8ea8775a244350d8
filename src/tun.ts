// The host end of the box's tun/tap devices (assembly/drivers/tun.ts), what a
// program holding /dev/net/tun has on Linux:
//
//   const t = box.tun('tun0');                 // open + TUNSETIFF: carrier on
//   t.write(ipPacket);                         // tun_get_user: the packet is received by the box
//   const p = t.read();                        // one packet the box routed to tun0, or null
//   for await (const p of t) { ... }           // waits for the box to route more (box.run, writes)
//   t.readable / t.writable                    // web streams (also in browsers)
//   t.duplex()                                 // a Node stream.Duplex in object mode, one chunk per packet
//   t.close();                                 // carrier off; a device that is not persistent goes away
//
// Packets stay on the device's ring (tx_queue_len entries) until they are read,
// as on Linux: a reader that falls behind sees the ring fill and the box count
// tx_dropped. Packets cross JS/WASM in batches through the stage area.
import { DeliveryQueue } from './delivery.js';
import type { TimedFrame } from './hw/emac.js';
import { IFF_MULTI_QUEUE, IFF_NO_PI, IFF_TAP, IFF_TUN } from './rtnl.js';

/** The exports of assembly/tunabi.ts used here. */
export interface TunExports {
  memory: WebAssembly.Memory;
  hwWireStagePtr(): number;
  hwWireStageSize(): number;
  hwWireStageTimesPtr(): number;
  tunSetIff(name: string, flags: number): number;
  tunClose(ifindex: number): void;
  tunInfo(ifindex: number, which: number): number;
  tunWriteBatch(ifindex: number, count: number): number;
  tunReadBatch(ifindex: number, max: number, size: number): number;
}

export interface TunOptions {
  /** IFF_TUN (IP packets, the default) or IFF_TAP (Ethernet frames); must match an existing device */
  mode?: 'tun' | 'tap';
  /** the 4-byte packet information header (struct tun_pi: flags, protocol) before each packet; default false (IFF_NO_PI) */
  pi?: boolean;
  /** IFF_MULTI_QUEUE: needed to attach to a device created with multi_queue */
  multiQueue?: boolean;
}

const ERRNO: Record<number, string> = {
  5: 'EIO', 11: 'EAGAIN', 16: 'EBUSY', 22: 'EINVAL', 77: 'EBADFD', 90: 'EMSGSIZE', 105: 'ENOBUFS',
};

/** A write or open the kernel refused: `code` is the errno name (EINVAL, EIO, ...). */
export class TunError extends Error {
  constructor(readonly errno: number, readonly code: string, message: string) { super(message); this.name = 'TunError'; }
}

export class TunDevice implements AsyncIterable<Uint8Array> {
  private closed = false;
  private waiting = new DeliveryQueue<Uint8Array>();
  private webReadable?: ReadableStream<Uint8Array>;
  private webWritable?: WritableStream<Uint8Array>;

  constructor(private readonly x: TunExports, readonly name: string, readonly ifindex: number, readonly mode: 'tun' | 'tap',
    readonly pi: boolean, private readonly files: TunFiles) {}

  /** write(): the packet (with its PI header when `pi`) enters the box; returns the bytes written, throws TunError. */
  write(packet: Uint8Array): number {
    const [rc] = this.writeBatch([packet]);
    if (rc < 0) throw this.writeError(-rc, packet);
    return rc;
  }

  /** write() for each packet, in order, batched: what each write returned (bytes, or -errno). */
  writeBatch(packets: Uint8Array[]): number[] {
    this.checkOpen();
    const x = this.x;
    const stage = x.hwWireStagePtr() >>> 0, size = x.hwWireStageSize() >>> 0;
    const out: number[] = [];
    let i = 0;
    while (i < packets.length) {
      const start = i;
      const mem = new Uint8Array(x.memory.buffer), dv = new DataView(x.memory.buffer);
      let off = 0;
      for (; i < packets.length; i++) {
        const rec = (4 + packets[i].length + 3) & ~3;
        if (off + rec > size) break;
        dv.setUint32(stage + off, packets[i].length, true);
        mem.set(packets[i], stage + off + 4);
        off += rec;
      }
      if (i === start) { out.push(-90); i++; continue; } // larger than the stage area: EMSGSIZE
      x.tunWriteBatch(this.ifindex, i - start);
      const rv = new DataView(x.memory.buffer);
      off = 0;
      for (let k = start; k < i; k++) {
        out.push(rv.getInt32(stage + off, true));
        off += (4 + packets[k].length + 3) & ~3;
      }
    }
    this.files.pump();
    return out;
  }

  /**
   * read(): the oldest packet on the ring (PI header first when `pi`), or null when there is none.
   * With a buffer `size`, as read(fd, buf, size) on Linux: a longer packet is cut (the rest is lost;
   * with pi, its flags say TUN_PKT_STRIP); size 0 reads nothing and leaves the packet; with pi, a size
   * below 4 is EINVAL and the packet is lost.
   */
  read(size?: number): Uint8Array | null {
    if (size === 0) return this.queue.length ? new Uint8Array(0) : null;
    return this.readBatch(1, size)[0] ?? null;
  }

  /** Up to `max` packets off the ring, oldest first (each read with a buffer of `size` bytes, if given). */
  readBatch(max = Infinity, size?: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.take(max, size, (p) => out.push(p));
    return out;
  }

  /** readBatch(max), with when the box queued each packet on the ring (virtual ns, as box.now). */
  readBatchTimed(max = Infinity): TimedFrame[] {
    const out: TimedFrame[] = [];
    this.take(max, undefined, (data, timeNs) => out.push({ data, timeNs }));
    return out;
  }

  private take(max: number, size: number | undefined, each: (p: Uint8Array, timeNs: number) => void): void {
    if (this.closed) return;
    if (size !== undefined && !(Number.isInteger(size) && size > 0)) throw new RangeError(`tun: ${this.name}: bad read size ${size}`);
    const x = this.x;
    let got = 0;
    while (got < max) {
      const n = x.tunReadBatch(this.ifindex, Math.min(max - got, 0x7fffffff), size ?? 0);
      if (n === -22) throw new TunError(22, 'EINVAL', `tun: ${this.name}: read: EINVAL: a ${size}-byte buffer cannot hold the 4-byte packet information header (the packet is lost)`);
      if (n <= 0) break;
      const stage = x.hwWireStagePtr() >>> 0;
      const mem = new Uint8Array(x.memory.buffer), dv = new DataView(x.memory.buffer);
      const times = new BigInt64Array(x.memory.buffer, x.hwWireStageTimesPtr() >>> 0, n);
      let off = stage;
      for (let k = 0; k < n; k++) {
        const len = dv.getUint32(off, true);
        each(mem.slice(off + 4, off + 4 + len), Number(times[k]));
        off += (4 + len + 3) & ~3;
      }
      got += n;
    }
  }

  /** Packets waiting on the ring, and the ring's size (the device's tx_queue_len when it was attached or changed). */
  get queue(): { length: number; size: number } {
    return { length: this.x.tunInfo(this.ifindex, 3), size: this.x.tunInfo(this.ifindex, 4) };
  }

  /** Hands ring packets to iterators waiting for one (one packet per waiting next()). */
  pump(): void {
    if (this.closed) return;
    while (this.waiting.waiting > 0) {
      const p = this.read();
      if (!p) break;
      this.waiting.push(p);
    }
  }

  /** The next packet: now if one is on the ring, else when the box routes one here; done once closed. */
  next(): Promise<IteratorResult<Uint8Array>> {
    if (!this.closed) {
      const p = this.read();
      if (p) return Promise.resolve({ value: p, done: false });
    }
    return this.waiting.next();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return { next: () => this.next(), return: async () => { this.close(); return { value: undefined, done: true }; } };
  }

  /** Packets from the box as a web ReadableStream (pulled from the ring only when the consumer reads). */
  get readable(): ReadableStream<Uint8Array> {
    return (this.webReadable ??= new ReadableStream<Uint8Array>({
      pull: async (c) => { const r = await this.next(); if (r.done) c.close(); else c.enqueue(r.value); },
      cancel: () => this.close(),
    }, { highWaterMark: 0 }));
  }

  /** Packets into the box as a web WritableStream; a refused write errors the stream with its TunError. */
  get writable(): WritableStream<Uint8Array> {
    return (this.webWritable ??= new WritableStream<Uint8Array>({ write: (p) => { this.write(p); } }));
  }

  /** A Node stream.Duplex in object mode: each chunk written is one packet, each chunk read is one packet. Node only. */
  duplex(): import('node:stream').Duplex {
    const stream = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
      ?.getBuiltinModule?.('node:stream') as typeof import('node:stream') | undefined;
    if (!stream) throw new Error('tun: duplex() needs Node.js (20.16 or later); use readable/writable elsewhere');
    const d: import('node:stream').Duplex = new stream.Duplex({
      objectMode: true,
      readableHighWaterMark: 0,
      read: () => { void this.next().then((r) => d.push(r.done ? null : r.value)); },
      write: (chunk: Uint8Array, _enc, cb) => { try { this.write(chunk); cb(); } catch (e) { cb(e as Error); } },
    });
    return d;
  }

  /** close(): the file goes; carrier off, or the device goes away when it is not persistent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.x.tunClose(this.ifindex);
    this.waiting.end();
    this.files.forget(this);
  }

  private checkOpen(): void {
    if (this.closed) throw new TunError(77, 'EBADFD', `tun: ${this.name}: the file is closed`);
  }

  /** The kernel's errno, explained from the packet the way tun_get_user judged it. */
  private writeError(errno: number, p: Uint8Array): TunError {
    const code = ERRNO[errno] ?? `errno ${errno}`;
    let why = '';
    const body = this.pi ? p.length - 4 : p.length;
    if (errno === 22) {
      if (this.pi && p.length < 4) why = `${p.length} bytes is shorter than the 4-byte packet information header`;
      else if (this.mode === 'tap') why = `a ${body}-byte frame is shorter than an Ethernet header (14 bytes)`;
      else why = body === 0 ? 'an empty packet has no IP version' : `IP version ${p[0] >> 4} is neither 4 nor 6 (a TUN device without pi takes IP packets only)`;
    } else if (errno === 5) why = 'the device is down';
    else if (errno === 77) why = 'the device is gone';
    else if (errno === 90) why = `a ${p.length}-byte packet is larger than the box takes`;
    else if (errno === 105) why = 'no free skb in the box';
    return new TunError(errno, code, `tun: ${this.name}: write: ${code}: ${why}`);
  }
}

/** box.tun(): the open tun files of one box; the box pumps them after it ran. */
export class TunFiles {
  private open = new Set<TunDevice>();
  constructor(private readonly x: TunExports) {}

  /** open("/dev/net/tun") + TUNSETIFF: attaches to device `name` (created, not persistent, when there is none). */
  attach(name: string, opts: TunOptions = {}): TunDevice {
    const mode = opts.mode ?? 'tun';
    // TUNSETIFF with neither IFF_TUN nor IFF_TAP: EINVAL
    if (mode !== 'tun' && mode !== 'tap') throw new TunError(22, 'EINVAL', `tun: ${name || mode}: TUNSETIFF: EINVAL: mode is 'tun' or 'tap', not ${String(mode)}`);
    const flags = (mode === 'tap' ? IFF_TAP : IFF_TUN) | (opts.pi ? 0 : IFF_NO_PI) | (opts.multiQueue ? IFF_MULTI_QUEUE : 0);
    const rc = this.x.tunSetIff(name, flags);
    if (rc < 0) {
      const code = ERRNO[-rc] ?? `errno ${-rc}`;
      const why = -rc === 16 ? 'the device is already attached (or exists, for an exclusive open)'
        : -rc === 22 ? 'bad name, or the device is not a tun/tap of this mode and queue setting' : '';
      throw new TunError(-rc, code, `tun: ${name || mode}: TUNSETIFF: ${code}${why ? ': ' + why : ''}`);
    }
    const devName = name || this.nameOf(rc);
    const t = new TunDevice(this.x, devName, rc, mode, !!opts.pi, this);
    this.open.add(t);
    return t;
  }

  private nameOf(ifindex: number): string {
    return (this.x as unknown as { linkName(i: number): string }).linkName(ifindex);
  }

  forget(t: TunDevice): void { this.open.delete(t); }

  /** Wakes waiting iterators of every open file. */
  pump(): void { for (const t of this.open) t.pump(); }
}
