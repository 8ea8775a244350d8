// The guest's DMA memory as the host sees it (assembly/hw/dma.ts): one bounded
// region at bus addresses [base, base + size). Every access is range-checked
// and throws RangeError outside the region; nothing here can touch other memory.
import type { HwExports } from './abi.js';

export class Dma {
  /** Bus address of the first byte of DMA memory. */
  readonly base: number;
  readonly size: number;

  constructor(private readonly exports: HwExports, private readonly memory: WebAssembly.Memory) {
    this.base = exports.hwDmaBusBase();
    this.size = exports.hwDmaSize() >>> 0;
  }

  /** Allocates `bytes` of zeroed DMA memory aligned to `align`; returns its bus address. */
  alloc(bytes: number, align = 8): number {
    const off = this.exports.hwDmaAlloc(bytes >>> 0, align >>> 0);
    if (off < 0) throw new RangeError(`dma: cannot allocate ${bytes} bytes aligned to ${align}`);
    return this.base + off;
  }

  /** Bytes still free. */
  get free(): number { return this.exports.hwDmaFree() >>> 0; }

  /** True if [addr, addr+len) lies inside DMA memory. */
  contains(addr: number, len = 1): boolean {
    const off = addr - this.base;
    return Number.isInteger(off) && off >= 0 && len >= 0 && off + Math.max(len, 1) <= this.size;
  }

  private ptr(addr: number, len: number): number {
    if (!this.contains(addr, len)) {
      throw new RangeError(`dma: [0x${addr.toString(16)}, +${len}) is outside DMA memory`);
    }
    return (this.exports.hwDmaRegionPtr() >>> 0) + (addr - this.base);
  }

  read32(addr: number): number {
    return new DataView(this.memory.buffer).getUint32(this.ptr(addr, 4), true);
  }
  write32(addr: number, v: number): void {
    new DataView(this.memory.buffer).setUint32(this.ptr(addr, 4), v >>> 0, true);
  }
  read8(addr: number): number { return new Uint8Array(this.memory.buffer)[this.ptr(addr, 1)]; }
  write8(addr: number, v: number): void { new Uint8Array(this.memory.buffer)[this.ptr(addr, 1)] = v; }

  /**
   * A zero-copy view of [addr, addr+len). It stays valid until the WASM memory
   * grows (then it is detached: take a new view).
   */
  view(addr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.ptr(addr, len), len);
  }

  /** Copies bytes into DMA memory. */
  write(addr: number, bytes: Uint8Array): void { this.view(addr, bytes.length).set(bytes); }
  /** Copies bytes out of DMA memory. */
  read(addr: number, len: number): Uint8Array { return this.view(addr, len).slice(); }
}
