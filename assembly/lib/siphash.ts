// SipHash-2-4 (Aumasson & Bernstein), the keyed hash of lib/siphash.c: 64-bit
// key halves k0/k1, message read as little-endian 64-bit words, the length in
// the top byte of the last word. Written from the published algorithm.

// @ts-ignore: decorator
@inline function rotl(x: u64, b: u64): u64 { return (x << b) | (x >>> (64 - b)); }

let v0: u64 = 0, v1: u64 = 0, v2: u64 = 0, v3: u64 = 0;

// @ts-ignore: decorator
@inline function sipround(): void {
  v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
  v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
  v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
  v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
}

/** siphash(data, len, key) over len bytes at p */
export function siphash(p: usize, len: i32, k0: u64, k1: u64): u64 {
  v0 = 0x736f6d6570736575 ^ k0;
  v1 = 0x646f72616e646f6d ^ k1;
  v2 = 0x6c7967656e657261 ^ k0;
  v3 = 0x7465646279746573 ^ k1;
  const end = p + <usize>(len & ~7);
  for (let q = p; q < end; q += 8) {
    const m = load<u64>(q);
    v3 ^= m; sipround(); sipround(); v0 ^= m;
  }
  let b: u64 = <u64>(len & 0xff) << 56;
  for (let i = (len & 7) - 1; i >= 0; i--) b |= <u64>load<u8>(end + <usize>i) << (<u64>i << 3);
  v3 ^= b; sipround(); sipround(); v0 ^= b;
  v2 ^= 0xff;
  sipround(); sipround(); sipround(); sipround();
  return v0 ^ v1 ^ v2 ^ v3;
}
