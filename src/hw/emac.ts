// Bare-mode access to the EMAC hardware model (assembly/hw/emac/): the device
// with no driver bound, driven register by register from TypeScript.
//
//   const hw = new EmacHw(exports, memory);
//   const nic = hw.create('eth9');
//   nic.mmio.write32(EMAC.INT_MASK, EMAC_IRQ_MASK);   // with the hardware's side effects
//   nic.mmio.peek32(EMAC.INT_STATUS);                 // without (no clear-on-read)
//   nic.irq.onChange(level => ...);
//   nic.wire.inject([frame]); hw.run({ ns: 10_000 }); nic.wire.collect();
//
// Frames cross the JS/WASM boundary in batches through the shared stage area;
// run() returns to JS only when an IRQ line changes level, so handlers run at
// the virtual time of the interrupt.
import { hasHwExports, type HwExports } from './abi.js';
import { Dma } from './dma.js';

export { Dma };
export type { HwExports };

/** Wire flags for injected frames. */
export interface InjectOptions {
  /** The frames carry a bad FCS (the MAC reports a CRC error). */
  badFcs?: boolean;
  /** Idle wire time in ns before each frame, besides the inter-frame gap (default 0: back to back at line rate; at most 1 s). */
  gapNs?: number;
}

export interface EmacOptions {
  /** false: bare hardware, no driver bound (the only mode so far). */
  driver?: boolean;
  /** MDIO address of the external PHY (default 0). */
  phyAddr?: number;
}

const REGION_BASE = 0, REGION_CSR = 1, REGION_SGMII = 2;

/** One MMIO region of a NIC: 32-bit little-endian registers at byte offsets. */
export class MmioRegion {
  constructor(private readonly nic: EmacNic, private readonly region: number) {}
  /** Reads with the hardware's side effects (clear-on-read status and counters). */
  read32(off: number): number {
    const v = this.nic.hw.exports.hwEmacRead(this.nic.index, this.region, off >>> 0) >>> 0;
    this.nic.irq.check();
    return v;
  }
  /** Writes with the hardware's side effects. */
  write32(off: number, v: number): void {
    this.nic.hw.exports.hwEmacWrite(this.nic.index, this.region, off >>> 0, v >>> 0);
    this.nic.irq.check();
  }
  /** Reads without side effects. */
  peek32(off: number): number {
    return this.nic.hw.exports.hwEmacPeek(this.nic.index, this.region, off >>> 0) >>> 0;
  }
  /** Read-modify-write as emac_reg_update32(addr, mask, val) does: clear `mask`, set `val`. */
  update32(off: number, mask: number, val: number): void {
    this.write32(off, ((this.read32(off) & ~mask) | val) >>> 0);
  }
}

/** A level-triggered interrupt line; onChange sees every edge, in order. */
export class IrqLine {
  private last = false;
  private readonly listeners: Array<(level: boolean) => void> = [];
  private readonly edges: boolean[] = [];
  private dispatching = false;

  constructor(private readonly readLevel: () => boolean) {}

  get level(): boolean { return this.readLevel(); }

  /** Calls cb(level) on every change; returns a function that removes it. */
  onChange(cb: (level: boolean) => void): () => void {
    this.listeners.push(cb);
    return () => {
      const i = this.listeners.indexOf(cb);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Samples the line; dispatches edges (never re-entrantly: edges seen inside a handler queue up). */
  check(): void {
    const l = this.readLevel();
    if (l !== this.last) { this.last = l; this.edges.push(l); }
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      while (this.edges.length > 0) {
        const e = this.edges.shift()!;
        for (const cb of [...this.listeners]) cb(e);
      }
    } finally {
      this.dispatching = false;
    }
  }
}

/** Writes frames as stage records from `i` on into [at, at + size) of memory; returns [records, next i]. */
function writeRecords(x: HwExports, at: number, size: number, frames: Uint8Array[], i: number, flags: number): [number, number] {
  const mem = new Uint8Array(x.memory.buffer);
  const dv = new DataView(x.memory.buffer);
  let off = 0;
  let n = 0;
  while (i < frames.length) {
    const f = frames[i];
    if (f.length > 0xffff) throw new RangeError(`wire: frame of ${f.length} bytes`);
    const rec = (4 + f.length + 3) & ~3;
    if (off + rec > size) break;
    dv.setUint32(at + off, (f.length | (flags << 16)) >>> 0, true);
    mem.set(f, at + off + 4);
    off += rec;
    n++;
    i++;
  }
  if (n === 0 && i < frames.length) throw new RangeError('wire: frame larger than the stage area');
  return [n, i];
}

/**
 * Frames written once into WASM memory (stage record format) that a wire
 * injects with one call each time: for load generators that send the same
 * traffic again and again. free() releases it.
 */
export class WireBatch {
  private handle: number;
  constructor(private readonly x: HwExports, frames: Uint8Array[], opts: InjectOptions = {}) {
    const bytes = frames.reduce((s, f) => s + ((4 + f.length + 3) & ~3), 0);
    this.handle = x.hwWireBatchAlloc(Math.max(bytes, 4));
    if (this.handle <= 0) throw new RangeError(`wire: cannot hold a batch of ${bytes} bytes`);
    const [n, next] = writeRecords(x, x.hwWireBatchPtr(this.handle) >>> 0, bytes, frames, 0, opts.badFcs ? 1 : 0);
    if (next !== frames.length) throw new RangeError('wire: batch overflow');
    this.count = n;
  }
  readonly count: number;
  /** @internal the batch's handle, 0 once freed */
  get id(): number { return this.handle; }
  free(): void { if (this.handle > 0) this.x.hwWireBatchFree(this.handle); this.handle = 0; }
}

/** Frames collected from a wire in one copy: records [u32 length][bytes, padded to 4]. */
export class FrameBatch implements Iterable<Uint8Array> {
  constructor(readonly count: number, readonly data: Uint8Array) {}
  /** Views (no copies) of the frames in order. */
  *[Symbol.iterator](): Iterator<Uint8Array> {
    const dv = new DataView(this.data.buffer, this.data.byteOffset, this.data.byteLength);
    let off = 0;
    for (let k = 0; k < this.count; k++) {
      const len = dv.getUint32(off, true) & 0xffff;
      yield this.data.subarray(off + 4, off + 4 + len);
      off += (4 + len + 3) & ~3;
    }
  }
}

/** A frame a NIC sent, and when its last bit left (virtual ns, as box.now). */
export interface TimedFrame { data: Uint8Array; timeNs: number }

/** The wire side of a NIC's port. */
export class Wire {
  constructor(private readonly nic: EmacNic) {}

  /**
   * Puts frames (without FCS) on the wire towards the NIC; they arrive back to back from now (or `gapNs` apart).
   * A WireBatch goes in with one call and no copy from JS. Returns how many were accepted.
   */
  inject(frames: Uint8Array[] | WireBatch, opts: InjectOptions = {}): number {
    const x = this.nic.hw.exports;
    if (frames instanceof WireBatch) {
      if (frames.id <= 0) throw new Error('wire: the batch was freed');
      return x.hwWireInjectBatch(this.nic.index, frames.id, frames.count, opts.gapNs ?? 0);
    }
    if (!Array.isArray(frames)) throw new TypeError('wire: inject takes an array of frames (Uint8Array) or a WireBatch');
    const stage = x.hwWireStagePtr() >>> 0;
    const size = x.hwWireStageSize() >>> 0;
    const flags = opts.badFcs ? 1 : 0;
    let accepted = 0;
    let i = 0;
    while (i < frames.length) {
      const [n, next] = writeRecords(x, stage, size, frames, i, flags);
      i = next;
      accepted += x.hwWireInject(this.nic.index, n, opts.gapNs ?? 0);
    }
    return accepted;
  }

  /**
   * Every frame the NIC has finished sending (without FCS, padded to 60 bytes), in one copy per stage-full.
   * With `into`, the records are written there instead (no allocation: the batch's data is a view of
   * `into`, valid until it is reused); frames that do not fit stay on the wire for the next call.
   */
  collectBatch(into?: Uint8Array): FrameBatch {
    const x = this.nic.hw.exports;
    const parts: Uint8Array[] = [];
    let count = 0;
    let filled = 0;
    for (;;) {
      const n = x.hwWireCollect(this.nic.index, into ? into.length - filled : 0xffffffff);
      if (n === 0) break;
      const staged = new Uint8Array(x.memory.buffer, x.hwWireStagePtr() >>> 0, x.hwWireCollectedBytes() >>> 0);
      if (into) into.set(staged, filled);
      else parts.push(staged.slice());
      filled += staged.length;
      count += n;
    }
    if (into) return new FrameBatch(count, into.subarray(0, filled));
    if (parts.length === 1) return new FrameBatch(count, parts[0]);
    const data = new Uint8Array(filled);
    let o = 0;
    for (const p of parts) { data.set(p, o); o += p.length; }
    return new FrameBatch(count, data);
  }

  /** Takes every frame the NIC has finished sending (without FCS, padded to 60 bytes), each its own copy. */
  collect(): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.take((data) => frames.push(data));
    return frames;
  }

  /** collect(), with the virtual time (ns, as box.now) at which each frame's last bit left the NIC. */
  collectTimed(): TimedFrame[] {
    const frames: TimedFrame[] = [];
    this.take((data, timeNs) => frames.push({ data, timeNs }));
    return frames;
  }

  /** Each frame copied once, straight out of the stage records (replay collects every port per input). */
  private take(each: (data: Uint8Array, timeNs: number) => void): void {
    const x = this.nic.hw.exports;
    for (let n; (n = x.hwWireCollect(this.nic.index, 0xffffffff)) !== 0;) {
      const mem = new Uint8Array(x.memory.buffer);
      const times = new BigInt64Array(x.memory.buffer, x.hwWireStageTimesPtr() >>> 0, n);
      let off = x.hwWireStagePtr() >>> 0;
      for (let k = 0; k < n; k++) {
        const len = mem[off]! | (mem[off + 1]! << 8);
        each(mem.slice(off + 4, off + 4 + len), Number(times[k]));
        off += (4 + len + 3) & ~3;
      }
    }
  }

  /** Frames written once into WASM memory, for inject(batch) on any wire any number of times. */
  batch(frames: Uint8Array[], opts: InjectOptions = {}): WireBatch { return new WireBatch(this.nic.hw.exports, frames, opts); }

  /** Connects (true) or disconnects the link partner. */
  set carrier(up: boolean) { this.nic.hw.exports.hwWireSetCarrier(this.nic.index, up ? 1 : 0); }

  /** Frames lost at the wire: rejected at inject, RX queue full, TX queue full (not collected). */
  get counters(): { rxRejected: number; rxOverflow: number; txOverflow: number } {
    const x = this.nic.hw.exports;
    return {
      rxRejected: x.hwWireCounter(this.nic.index, 0) >>> 0,
      rxOverflow: x.hwWireCounter(this.nic.index, 1) >>> 0,
      txOverflow: x.hwWireCounter(this.nic.index, 2) >>> 0,
    };
  }
}

/** Names of the model's own counters (MC_* in assembly/hw/emac/emac.ts), in index order. */
export const MODEL_COUNTERS = [
  'badMmio', 'rxDelivered', 'rxDropDisabled', 'rxDropFilter', 'rxDropNoRfd', 'rxDropRrdBusy',
  'rxDropOversize', 'rxDropError', 'txSent', 'txDropError', 'dmaFault', 'rxDropHalted', 'txWireOverflow',
] as const;
export type ModelCounters = Record<(typeof MODEL_COUNTERS)[number], number>;

/**
 * Test-only fault injection (hwEmacTestFault): knobs in the hardware model that
 * nothing on the normal path sets. All are off by default.
 *  - mdio-hang: MDIO frames never complete (START/BUSY stay set), as if nobody drove the bus.
 *  - serdes-never-ready: the SGMII SerDes never reports READY.
 *  - sgmii-clear-stuck: SGMII IRQ_CMD does not clear INTERRUPT_STATUS.
 *  - tx-hang: the TX DMA engine hangs mid-packet (MAILBOX_2 stops) until the next soft reset.
 *  - irq-held: the CPU does not take the NIC's interrupts (disable_irq): a bound driver
 *    model's handlers wait, the level line stays up, until released.
 */
export const TEST_FAULTS = ['mdio-hang', 'serdes-never-ready', 'sgmii-clear-stuck', 'tx-hang', 'irq-held'] as const;
export type TestFault = (typeof TEST_FAULTS)[number];

/** One EMAC with its MMIO regions, IRQ line and wire. */
export class EmacNic {
  /** res 0: the core registers (0x1400..0x1c04). */
  readonly mmio: MmioRegion;
  /** res 1: the CSR wrapper. */
  readonly csr: MmioRegion;
  /** The internal SGMII PHY / SerDes region. */
  readonly sgmii: MmioRegion;
  /** The EMAC's interrupt line ("emac-core0"). */
  readonly irq: IrqLine;
  /** The SGMII block's optional interrupt line. */
  readonly sgmiiIrq: IrqLine;
  readonly wire: Wire;

  constructor(readonly hw: EmacHw, readonly index: number, readonly name: string) {
    this.mmio = new MmioRegion(this, REGION_BASE);
    this.csr = new MmioRegion(this, REGION_CSR);
    this.sgmii = new MmioRegion(this, REGION_SGMII);
    this.irq = new IrqLine(() => hw.exports.hwEmacIrqLevel(index) !== 0);
    this.sgmiiIrq = new IrqLine(() => hw.exports.hwEmacSgmiiIrqLevel(index) !== 0);
    this.wire = new Wire(this);
  }

  /** Why frames were dropped and which bad guest values were seen (model-side, not registers). */
  get counters(): ModelCounters {
    const r = {} as ModelCounters;
    MODEL_COUNTERS.forEach((k, i) => { r[k] = this.hw.exports.hwEmacModelCounter(this.index, i) >>> 0; });
    return r;
  }

  /** TEST ONLY: turns a fault-injection knob of the hardware model on or off (see TEST_FAULTS). */
  fault(name: TestFault, on = true): void {
    const i = TEST_FAULTS.indexOf(name);
    if (i < 0) throw new RangeError(`emac: no test fault ${name}`);
    this.hw.exports.hwEmacTestFault(this.index, i, on ? 1 : 0);
  }

  /** Raises SGMII INTERRUPT_STATUS bits, e.g. SGMII.DECODE_CODE_ERR. */
  sgmiiRaise(bits: number): void {
    this.hw.exports.hwEmacSgmiiRaise(this.index, bits);
    this.sgmiiIrq.check();
  }
}

/** The `ns` of run({ ns }): a finite number of nanoseconds, >= 0 (Infinity would run the timers forever). */
export function runNs(opts: { ns: number } | undefined): number {
  const ns = opts?.ns;
  if (typeof ns !== 'number' || !(ns >= 0) || ns === Infinity) {
    throw new RangeError(`run: { ns } must be a finite number of nanoseconds >= 0, not ${typeof ns === 'number' ? ns : typeof ns}`);
  }
  return ns;
}

/** The hardware models of one WASM instance: NICs, DMA memory and the virtual clock. */
export class EmacHw {
  readonly dma: Dma;
  private readonly nics = new Map<string, EmacNic>();

  constructor(readonly exports: HwExports, memory?: WebAssembly.Memory) {
    if (!hasHwExports(exports)) throw new TypeError('EmacHw: these exports have no hardware ABI');
    this.dma = new Dma(exports, memory ?? exports.memory);
  }

  /** Binds to whatever carries the instance's exports: an exports object, or an object with `.core` (Kernel) or `.exports`. */
  static from(x: unknown): EmacHw {
    if (hasHwExports(x)) return new EmacHw(x);
    const o = x as { core?: unknown; exports?: unknown; memory?: WebAssembly.Memory } | null;
    if (o && hasHwExports(o.core)) return new EmacHw(o.core, o.memory);
    if (o && hasHwExports(o.exports)) return new EmacHw(o.exports, o.memory);
    throw new TypeError('EmacHw: no WASM exports with the hardware ABI found');
  }

  /** Creates a NIC (bare hardware: no driver bound). */
  create(name: string, opts: EmacOptions = {}): EmacNic {
    if (this.nics.has(name)) throw new Error(`emac: ${name} exists`);
    const i = this.exports.hwEmacCreate();
    if (i < 0) throw new RangeError('emac: no more devices in this instance');
    if (opts.phyAddr !== undefined) this.exports.hwEmacSetPhyAddr(i, opts.phyAddr);
    const nic = new EmacNic(this, i, name);
    this.nics.set(name, nic);
    return nic;
  }

  get(name: string): EmacNic | undefined { return this.nics.get(name); }

  /** The NIC at hardware index `index` (one the core created for an emac netdevice), under `name`. */
  attach(name: string, index: number): EmacNic {
    for (const [k, n] of this.nics) if (n.index === index) { if (k !== name) { this.nics.delete(k); break; } return n; }
    const nic = new EmacNic(this, index, name);
    this.nics.set(name, nic);
    return nic;
  }

  /** Virtual time in ns. */
  get now(): number { return this.exports.hwClockNow(); }

  /** Advances virtual time by `ns`, letting devices work and IRQ handlers run when lines change. */
  run(opts: { ns: number }): void {
    const deadline = this.now + Math.floor(runNs(opts));
    while (this.exports.hwRun(deadline) !== 0) this.checkIrqs();
    this.checkIrqs();
  }

  /** Samples every NIC's lines and runs the host-side handlers of those that changed. */
  checkIrqs(): void {
    for (const nic of this.nics.values()) { nic.irq.check(); nic.sgmiiIrq.check(); }
  }
}
