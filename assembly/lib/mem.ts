// Copies of whole frames between regions that never overlap (wire queues, DMA
// buffers, skb data). memory.copy leaves the module for a C call in V8, which
// costs more than the copy itself for the short frames most traffic is; these
// copy in 16-byte SIMD words inside the module and fall back to memory.copy for
// frames shorter than one word or longer than SHORT.

const SHORT: usize = 256;

/** memcpy: [src, src+len) to dst; the two ranges must not overlap. */
@inline export function copyFrame(dst: usize, src: usize, len: usize): void {
  if (len >= 16 && len <= SHORT) {
    const last = len - 16;
    let i: usize = 0;
    while (i < last) { v128.store(dst + i, v128.load(src + i)); i += 16; }
    // the last word may overlap the one before: no byte loop for the tail
    v128.store(dst + last, v128.load(src + last));
  } else {
    memory.copy(dst, src, len);
  }
}
