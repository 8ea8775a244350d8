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
