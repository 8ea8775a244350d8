// Arithmetic the device models share: the Internet ones'-complement sum
// (RFC 1071), and the Ethernet CRC used by the EMAC's multicast hash.

/**
 * Adds bytes [p, p+len) as big-endian 16-bit words to a running sum. The words
 * are summed 32 bits at a time in memory (little-endian) order and the folded
 * result byte-swapped: the ones'-complement sum does not depend on byte order
 * (RFC 1071), so the result is congruent to the big-endian sum and folds the same.
 */
export function csumAdd(sum: u64, p: usize, len: u32): u64 {
  let le: u64 = 0;
  let i: u32 = 0;
  // 8 bytes a step as two 32-bit words: a 64 KiB packet adds up to < 2^46, no overflow
  for (; i + 8 <= len; i += 8) { const x = load<u64>(p + i); le += (x & 0xffffffff) + (x >> 32); }
  if (i + 4 <= len) { le += <u64>load<u32>(p + i); i += 4; }
  if (i + 2 <= len) { le += <u64>load<u16>(p + i); i += 2; }
  if (i < len) le += <u64>load<u8>(p + i); // the odd byte is the high half of a big-endian word
  const f = csumFold(le);
  return sum + <u64>(((f & 0xff) << 8) | (f >>> 8));
}

/**
 * ip_fast_csum's sum: the IPv4 header at p, `ihl` 32-bit words (at least 5), folded
 * to 16 bits in memory order, as ip_fast_csum works in host order: 0xffff (a correct
 * header) reads the same in either byte order, and the complement of the fold of a
 * header with a zero check field, stored as a u16 in the same order, is its checksum.
 */
// @ts-ignore: decorator
@inline export function ipHeaderSum(p: usize, ihl: u32): u32 {
  let s: u64 = <u64>load<u32>(p) + <u64>load<u32>(p, 4) + <u64>load<u32>(p, 8) + <u64>load<u32>(p, 12) +
    <u64>load<u32>(p, 16);
  for (let i: u32 = 5; i < ihl; i++) s += <u64>load<u32>(p + (<usize>i << 2));
  return csumFold(s);
}

/**
 * Folds a running sum to 16 bits (not complemented), with end-around carries:
 * 64 to 32 bits twice, then 32 to 16 twice. No loop: each step can carry at
 * most 1 into the next, and a non-zero sum never folds to 0.
 */
// @ts-ignore: decorator
@inline export function csumFold(sum: u64): u32 {
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  let s = <u32>sum;
  s = (s & 0xffff) + (s >> 16);
  return (s & 0xffff) + (s >> 16);
}

// Network byte order at any address: one (unaligned) access and a byte swap.
// @ts-ignore: decorator
@inline export function load16be(p: usize): u32 { return <u32>bswap<u16>(load<u16>(p)); }
// @ts-ignore: decorator
@inline export function store16be(p: usize, v: u32): void { store<u16>(p, bswap<u16>(<u16>v)); }
// @ts-ignore: decorator
@inline export function load32be(p: usize): u32 { return bswap<u32>(load<u32>(p)); }
// @ts-ignore: decorator
@inline export function store32be(p: usize, v: u32): void { store<u32>(p, bswap<u32>(v)); }

/**
 * ether_crc(6, addr) as Linux defines it: bitrev32(crc32_le(~0, addr, 6)),
 * with no final inversion. The EMAC hash uses bit 31 to pick HASH_TAB_REG0/1
 * and bits [30:26] as the bit number (emac_mac_multicast_addr_set).
 */
export function etherCrc(p: usize, len: u32): u32 {
  let crc: u32 = 0xffffffff;
  for (let i: u32 = 0; i < len; i++) {
    crc ^= <u32>load<u8>(p + i);
    for (let b = 0; b < 8; b++) crc = (crc >>> 1) ^ (0xedb88320 & (0 - (crc & 1)));
  }
  // bitrev32
  let r: u32 = 0;
  for (let b = 0; b < 32; b++) { r = (r << 1) | (crc & 1); crc >>>= 1; }
  return r;
}
