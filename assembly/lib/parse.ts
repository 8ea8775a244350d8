// Text the core accepts from configuration (sysctl values): parsed without allocation.

/** A signed decimal integer with optional surrounding blanks, in [-max-1, max]; i64.MIN_VALUE if it isn't one. */
export function parseDecimal(s: string, max: i64): i64 {
  const t = s.trim();
  if (t.length == 0) return i64.MIN_VALUE;
  let i = 0, neg = false;
  if (t.charCodeAt(0) == 45) { neg = true; i = 1; }
  if (i >= t.length) return i64.MIN_VALUE;
  let v: i64 = 0;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return i64.MIN_VALUE;
    v = v * 10 + (c - 48);
    if (v > max + 1) return i64.MIN_VALUE;
  }
  if (!neg && v > max) return i64.MIN_VALUE;
  return neg ? -v : v;
}

/**
 * An unsigned integer as proc_douintvec reads one (proc_get_long: blanks around it, then strtoul with base 0:
 * "0x" hex, a leading "0" octal, else decimal), at most max; i64.MIN_VALUE if it isn't one (a sign included).
 */
export function parseUnsignedBase0(s: string, max: i64): i64 {
  const t = s.trim();
  let i = 0, base = 10;
  if (t.length > 1 && t.charCodeAt(0) == 48) {
    const x = t.charCodeAt(1) | 0x20;
    if (x == 120) { base = 16; i = 2; } else { base = 8; i = 1; }
  }
  if (i >= t.length && base != 8) return i64.MIN_VALUE;
  if (t.length == 0) return i64.MIN_VALUE;
  let v: i64 = 0;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i), l = c | 0x20;
    const d = c >= 48 && c <= 57 ? c - 48 : (l >= 97 && l <= 102 ? l - 87 : 99);
    if (d >= base) return i64.MIN_VALUE;
    v = v * base + d;
    if (v > max) return i64.MIN_VALUE;
  }
  return v;
}
