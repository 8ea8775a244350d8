// IPv4 address classes (include/linux/in.h: ipv4_is_*) on host-order u32.
// @ts-ignore: decorator
@inline export function inetMask(len: i32): u32 { return len == 0 ? 0 : (0xffffffff << (32 - len)); }
// @ts-ignore: decorator
@inline export function isZeronet(a: u32): bool { return (a >>> 24) == 0; }
// @ts-ignore: decorator
@inline export function isLoopback(a: u32): bool { return (a >>> 24) == 127; }
// @ts-ignore: decorator
@inline export function isMulticast(a: u32): bool { return (a & 0xf0000000) == 0xe0000000; }
// @ts-ignore: decorator
@inline export function isLocalMulticast(a: u32): bool { return (a & 0xffffff00) == 0xe0000000; }
// @ts-ignore: decorator
@inline export function isLbcast(a: u32): bool { return a == 0xffffffff; }

/** Array insert at i (AssemblyScript's splice only removes) */
export function arrInsert<T>(a: Array<T>, i: i32, v: T): void {
  a.push(v);
  for (let j = a.length - 1; j > i; j--) unchecked(a[j] = a[j - 1]);
  a[i] = v;
}
