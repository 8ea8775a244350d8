// Route metrics in `ip route` (ip/iproute.c, iproute2 6.1): the OPTIONS that
// iproute_modify() turns into RTA_METRICS attributes (RTAX_*), and
// print_rta_metrics() for `ip route show` and `ip route get`.
import { RTAX_CC_ALGO, RTAX_FEATURES, RTAX_LOCK, TCP_CA_NAMES, type RouteMetric, type RouteMetrics } from '../rtnl.js';
import type { Json } from './json.js';
import { parseUint } from './names.js';
import { invarg, matches, type Args } from './parse.js';

const RTAX_MTU = 2, RTAX_WINDOW = 3, RTAX_RTT = 4, RTAX_RTTVAR = 5, RTAX_SSTHRESH = 6, RTAX_CWND = 7, RTAX_ADVMSS = 8,
  RTAX_REORDERING = 9, RTAX_HOPLIMIT = 10, RTAX_INITCWND = 11, RTAX_RTO_MIN = 13, RTAX_INITRWND = 14, RTAX_QUICKACK = 15,
  RTAX_FASTOPEN_NO_COOKIE = 17;
const RTAX_FEATURE_ECN = 1;

/** mx_names[] of iproute2 6.1 */
const NAMES: Record<number, string> = {
  [RTAX_MTU]: 'mtu', [RTAX_WINDOW]: 'window', [RTAX_RTT]: 'rtt', [RTAX_RTTVAR]: 'rttvar', [RTAX_SSTHRESH]: 'ssthresh',
  [RTAX_CWND]: 'cwnd', [RTAX_ADVMSS]: 'advmss', [RTAX_REORDERING]: 'reordering', [RTAX_HOPLIMIT]: 'hoplimit',
  [RTAX_INITCWND]: 'initcwnd', [RTAX_FEATURES]: 'features', [RTAX_RTO_MIN]: 'rto_min', [RTAX_INITRWND]: 'initrwnd',
  [RTAX_QUICKACK]: 'quickack', [RTAX_CC_ALGO]: 'congctl', [RTAX_FASTOPEN_NO_COOKIE]: 'fastopen_no_cookie',
};

/**
 * get_time_rtt(): a time in ms, rounded up; `raw` when it had no unit (s/sec/secs or ms/msec/msecs).
 * undefined when it is not one.
 */
function timeRtt(arg: string): { ms: number; raw: boolean } | undefined {
  let t: number;
  let rest: string;
  // strtod() / strtoul(): leading white space skipped, the rest of the word a unit
  if (arg.includes('.')) {
    const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(arg);
    if (!m) return undefined;
    t = Number(m[0]);
    if (!(t >= 0) || !Number.isFinite(t)) return undefined;
    rest = arg.slice(m[0].length);
  } else {
    // strtoul(): a sign is allowed (negating in unsigned long), only an overflow fails
    const m = /^\s*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)/i.exec(arg);
    if (!m) return undefined;
    const d = m[2].toLowerCase();
    let v = d.startsWith('0x') ? BigInt(d) : d.length > 1 && d.startsWith('0') ? BigInt('0o' + d.slice(1)) : BigInt(d);
    if (v > 0xffffffffffffffffn) return undefined;
    if (m[1] === '-') v = (0x10000000000000000n - v) & 0xffffffffffffffffn;
    t = Number(v);
    rest = arg.slice(m[0].length);
  }
  let raw = true;
  if (rest) {
    raw = false;
    const u = rest.toLowerCase();
    if (u === 's' || u === 'sec' || u === 'secs') t *= 1000;
    else if (u !== 'ms' && u !== 'msec' && u !== 'msecs') return undefined;
  }
  // `*val = t` as x86-64 converts a double to unsigned int (through a signed 64-bit integer, 2^63 and more
  // giving 0x8000000000000000), then one more when it fell short (ceil)
  let ms = t >= 2 ** 63 ? 0 : Number(BigInt(Math.trunc(t)) & 0xffffffffn);
  if (ms < t) ms = (ms + 1) >>> 0;
  return { ms, raw };
}

/** A metric keyword of iproute_modify() at a.cur, in the order it tries them; false if w is none */
export function parseMetric(a: Args, mx: RouteMetric[], lock: { bits: number }): boolean {
  const w = a.cur;
  // `KEYWORD [lock] VALUE` as an unsigned number
  const plain = (type: number, what: string, max = 0xffffffff): void => {
    let v = a.next();
    if (v === 'lock') { lock.bits |= 1 << type; v = a.next(); }
    const n = parseUint(v, 32);
    if (n === undefined || n > max) invarg(`"${what}" value is invalid\n`, v);
    mx.push({ type, value: n });
  };
  // `KEYWORD [lock] TIME` in ms; a bare number is the kernel's own unit (rtt in 1/8 ms, rttvar in 1/4)
  const time = (type: number, scale: number): void => {
    let v = a.next();
    if (v === 'lock') { lock.bits |= 1 << type; v = a.next(); }
    const t = timeRtt(v);
    if (!t) invarg(`"${NAMES[type]}" value is invalid\n`, v);
    mx.push({ type, value: t.raw ? t.ms : (t.ms * scale) >>> 0 });
  };
  const bool01 = (type: number, what: string): void => {
    const v = a.next();
    const n = parseUint(v, 32);
    if (n === undefined) invarg(`"${what}" value is invalid\n`, v);
    if (n !== 0 && n !== 1) invarg(`"${what}" value should be 0 or 1\n`, v);
    mx.push({ type, value: n });
  };
  if (w === 'mtu') plain(RTAX_MTU, 'mtu');
  else if (w === 'hoplimit') plain(RTAX_HOPLIMIT, 'hoplimit', 255);
  else if (w === 'advmss') plain(RTAX_ADVMSS, 'mss');
  else if (matches(w, 'reordering')) plain(RTAX_REORDERING, 'reordering');
  else if (w === 'rtt') time(RTAX_RTT, 8);
  else if (w === 'rto_min') {
    const v = a.next();
    lock.bits |= 1 << RTAX_RTO_MIN;
    const t = timeRtt(v);
    if (!t) invarg('"rto_min" value is invalid\n', v);
    mx.push({ type: RTAX_RTO_MIN, value: t.ms });
  } else if (matches(w, 'window')) plain(RTAX_WINDOW, 'window');
  else if (matches(w, 'cwnd')) plain(RTAX_CWND, 'cwnd');
  else if (matches(w, 'initcwnd')) plain(RTAX_INITCWND, 'initcwnd');
  else if (matches(w, 'initrwnd')) plain(RTAX_INITRWND, 'initrwnd');
  else if (matches(w, 'features')) {
    const v = a.next();
    if (v !== 'ecn') invarg('"features" value not valid\n', v);
    mx.push({ type: RTAX_FEATURES, value: RTAX_FEATURE_ECN });
  } else if (matches(w, 'quickack')) bool01(RTAX_QUICKACK, 'quickack');
  else if (matches(w, 'congctl')) {
    let v = a.next();
    if (v === 'lock') { lock.bits |= 1 << RTAX_CC_ALGO; v = a.next(); }
    // the kernel knows the algorithm by name (tcp_ca_get_key_by_name); netpath has the two always built in
    mx.push({ type: RTAX_CC_ALGO, value: Math.max(0, TCP_CA_NAMES.indexOf(v)) });
  } else if (matches(w, 'rttvar')) time(RTAX_RTTVAR, 4);
  else if (matches(w, 'ssthresh')) plain(RTAX_SSTHRESH, 'ssthresh');
  else return false;
  return true;
}

/** `fastopen_no_cookie BOOL` (iproute_modify() tries it last of all) */
export function parseFastopen(a: Args, mx: RouteMetric[]): boolean {
  if (!matches(a.cur, 'fastopen_no_cookie')) return false;
  const v = a.next();
  const n = parseUint(v, 32);
  if (n === undefined) invarg('"fastopen_no_cookie" value is invalid\n', v);
  if (n !== 0 && n !== 1) invarg('"fastopen_no_cookie" value should be 0 or 1\n', v);
  mx.push({ type: RTAX_FASTOPEN_NO_COOKIE, value: n });
  return true;
}

/** RTA_METRICS as sent: the attributes in order, RTAX_LOCK last when a lock was asked */
export function metricsRequest(mx: RouteMetric[], lock: number): RouteMetric[] | undefined {
  if (mx.length === 0 && !lock) return undefined;
  return lock ? [...mx, { type: RTAX_LOCK, value: lock >>> 0 }] : mx;
}

/** the metrics print_rta_metrics() shows: those the kernel dumped (non-zero) and the locked ones */
function shown(m: RouteMetrics): number[] {
  const out: number[] = [];
  for (let i = 2; i < m.values.length; i++) {
    if (m.values[i] === 0 && !(m.lock & (1 << i))) continue;
    // rtnetlink_put_metrics() sends only the user's feature bits, and a key only when it has a name
    out.push(i);
  }
  return out;
}

function timeText(type: number, v: number): string {
  const ms = type === RTAX_RTT ? Math.floor(v / 8) : type === RTAX_RTTVAR ? Math.floor(v / 4) : v;
  return ms >= 1000 ? `${formatG(ms / 1e3)}s ` : `${ms}ms `;
}
/** printf's %g for the seconds print_rta_metrics() prints (6 significant digits) */
function formatG(x: number): string {
  const s = x.toPrecision(6);
  return s.includes('e') ? s.replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2') : s.replace(/\.?0+$/, '');
}

/** print_rta_metrics() as text */
export function metricsText(m: RouteMetrics | undefined): string {
  if (!m) return '';
  let s = '';
  for (const i of shown(m)) {
    const v = m.values[i];
    s += NAMES[i] !== undefined ? `${NAMES[i]} ` : `metric ${i} `;
    if (m.lock & (1 << i)) s += 'lock ';
    // the only feature a route can be given (RTAX_FEATURE_MASK's others are the kernel's to set)
    if (i === RTAX_FEATURES) s += v & RTAX_FEATURE_ECN ? 'ecn ' : '';
    else if (i === RTAX_RTT || i === RTAX_RTTVAR || i === RTAX_RTO_MIN) s += timeText(i, v);
    else if (i === RTAX_CC_ALGO) s += `${TCP_CA_NAMES[v] ?? ''} `;
    else s += `${v} `;
  }
  return s;
}

/** print_rta_metrics() as JSON: `"metrics": [{...}]` (no lock; a name for each value but RTAX_FASTOPEN_NO_COOKIE's) */
export function metricsJson(m: RouteMetrics | undefined): Json[] | undefined {
  if (!m) return undefined;
  const o: Record<string, Json> = {};
  for (const i of shown(m)) {
    const v = m.values[i];
    if (i === RTAX_FEATURES) { if (v & RTAX_FEATURE_ECN) o.ecn = null; }
    else if (i === RTAX_RTT) o.rtt = Math.floor(v / 8);
    else if (i === RTAX_RTTVAR) o.rttvar = Math.floor(v / 4);
    else if (i === RTAX_CC_ALGO) o.congestion = TCP_CA_NAMES[v] ?? '';
    else if (NAMES[i] !== undefined) o[NAMES[i]] = v;
  }
  return [o];
}
