// The guest's DMA memory: one bounded region of linear memory that devices see
// at bus addresses DMA_BUS_BASE .. DMA_BUS_BASE + DMA_SIZE. Every device access
// goes through dmaMap(), which range-checks the whole access and returns 0 for
// anything outside, so a bad guest address can never reach memory that is not
// the guest's. The bus window sits above 4 GiB on purpose: the EMAC splits its
// addresses into high and low words (DESC_CTRL_0/1, RFD word 1, TPD word 3), and
// a window at 4 GiB makes the high words matter.

export const DMA_BUS_BASE: u64 = 0x1_0000_0000;
export const DMA_SIZE: u32 = 32 << 20;

let regionPtr: usize = 0;
let bump: u32 = 0;

/** Allocates the region once (zeroed). Safe to call again. */
export function dmaInit(): void {
  if (regionPtr != 0) return;
  regionPtr = heap.alloc(<usize>DMA_SIZE);
  memory.fill(regionPtr, 0, <usize>DMA_SIZE);
  bump = 0;
}

/** Linear-memory pointer of the region (for the host's zero-copy views). */
export function dmaRegionPtr(): usize { return regionPtr; }

/**
 * Translates [bus, bus+len) to a linear-memory pointer, or 0 if any byte of it
 * lies outside the guest's DMA memory. len 0 is treated as 1 byte.
 */
export function dmaMap(bus: u64, len: u32): usize {
  // below the window the offset wraps to a huge one; within it, off + len cannot overflow
  const off = bus - DMA_BUS_BASE;
  const end = off + (len == 0 ? 1 : <u64>len);
  // one branch: the three checks as bits, not a chain V8 turns into flags and jumps
  if ((<i32>(regionPtr == 0) | <i32>(off >= <u64>DMA_SIZE) | <i32>(end > <u64>DMA_SIZE)) != 0) return 0;
  return regionPtr + <usize>off;
}

/**
 * Allocates `bytes` of DMA memory aligned to `align` (a power of two, at least 8)
 * and returns its offset in the region, or -1 if it does not fit. A bump
 * allocator: nothing is ever freed (drivers allocate rings and buffer pools once);
 * memory it hands out is zero because the region starts zeroed.
 */
export function dmaAlloc(bytes: u32, align: u32): i32 {
  dmaInit();
  if (bytes == 0) bytes = 1;
  if (align < 8) align = 8;
  if ((align & (align - 1)) != 0 || align > (1 << 20)) return -1;
  const start: u64 = (<u64>bump + <u64>(align - 1)) & ~<u64>(align - 1);
  if (start + <u64>bytes > <u64>DMA_SIZE) return -1;
  bump = <u32>(start + <u64>bytes);
  return <i32>start;
}

/** Bytes of DMA memory still free. */
export function dmaFree(): u32 { return DMA_SIZE - bump; }
