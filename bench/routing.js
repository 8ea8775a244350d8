// Route decisions per second from the WASM core, and the time to load a full
// table. Prefixes follow a BGP-like length mix; lookups are batched (4096 per
// call) through the core's scratch memory, the way packets cross.
import { Bench } from 'tinybench';
import { Box } from '../dist/index.js';

const BATCH = 4096;

function rng(seed) {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

// share of prefixes per length, roughly as in today's IPv4 Internet table
const LENGTHS = [[24, 60], [23, 6], [22, 10], [21, 4], [20, 5], [19, 4], [18, 3], [17, 2], [16, 3], [15, 1], [12, 1], [25, 0.5], [28, 0.5]];
function pickLen(r) {
  let x = (r() % 1000) / 10;
  for (const [len, pct] of LENGTHS) { if ((x -= pct) < 0) return len; }
  return 24;
}

/** A box with two uplinks and `n` distinct unicast prefixes split between their gateways. */
export async function routerBox(n, seed = 1) {
  const box = await Box.create();
  for (const c of [
    'link add v0 type veth peer name v1', 'link add v2 type veth peer name v3',
    'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up',
    'addr add 198.51.100.1/24 dev v0', 'addr add 203.0.113.1/24 dev v2',
  ]) {
    const r = box.ip(c);
    if (r.status) throw new Error(`${c}: ${r.stderr}`);
  }
  box.sysctl('net.ipv4.ip_forward', 1);
  const r = rng(seed);
  const seen = new Set();
  const rec = new Uint32Array(n * 6);
  const dsts = [];
  let k = 0;
  while (k < n) {
    const len = pickLen(r);
    const first = 1 + (r() % 223);
    if (first === 127 || first === 198 || first === 203) continue; // keep clear of the uplinks' own subnets
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    const dst = (((first << 24) | (r() & 0xffffff)) & mask) >>> 0;
    const key = dst * 64 + len;
    if (seen.has(key)) continue;
    seen.add(key);
    rec.set([254, dst, len, k & 1 ? 0xcb007102 /* 203.0.113.2 */ : 0xc6336402 /* 198.51.100.2 */, 0, 0], k * 6);
    dsts.push((dst | (r() & ~mask)) >>> 0);
    k++;
  }
  return { box, rec, dsts };
}

/** `count` policy rules that no benchmark packet matches, so every decision walks all of them */
export function addRules(box, count) {
  for (let i = 0; i < count; i++) {
    const r = box.ip(`rule add from 192.0.2.${i % 250}/32 fwmark ${i + 1} lookup ${1000 + i}`);
    if (r.status) throw new Error(r.stderr);
  }
}

/** [dst, src] pairs: forwarded packets come from a host on v0's subnet, local ones choose their source */
function queries(dsts, seed, src) {
  const r = rng(seed);
  const q = new Uint32Array(BATCH * 2);
  for (let i = 0; i < BATCH; i++) { q[2 * i] = dsts[r() % dsts.length]; q[2 * i + 1] = src; }
  return q;
}

function mustSucceed(res, what) {
  for (let i = 0; i < BATCH; i++) if (res[2 * i] <= 0) throw new Error(`${what} decision ${i} failed: ${res[2 * i]}`);
}

export async function benchRouting({ time = 1000 } = {}) {
  const rows = [];
  const bench = new Bench({ time, warmupTime: 200 });
  const load = {};
  const cases = [];
  for (const [n, rules] of [[1_000, 0], [100_000, 0], [1_000_000, 0], [100_000, 10], [100_000, 100], [100_000, 1000]]) {
    const { box, rec, dsts } = await routerBox(n);
    const t0 = performance.now();
    const added = box.kernel.addRoutes(rec);
    const ms = performance.now() - t0;
    if (!added.ok) throw new Error(`load: errno ${added.errno} ${added.msg ?? ''}`);
    if (rules === 0) load[n] = ms;
    addRules(box, rules);
    const fwd = queries(dsts, n + rules, 0xc6336463 /* 198.51.100.99 */);
    const out = queries(dsts, n + rules, 0);
    const iif = box.rtnl.links().find((l) => l.name === 'v0').ifindex;
    // every decision must succeed, out of one of the uplinks
    mustSucceed(box.kernel.decide(fwd, iif), 'forward');
    mustSucceed(box.kernel.decide(out, 0), 'output');
    const label = `${n.toLocaleString('en')} routes, ${rules} rules`;
    cases.push({ label, n, rules });
    bench.add(`forward decision: ${label}`, () => { box.kernel.decide(fwd, iif); });
    bench.add(`output decision: ${label}`, () => { box.kernel.decide(out, 0); });
  }
  await bench.run();
  for (const t of bench.tasks) {
    const perSec = t.result.throughput.mean * BATCH;
    rows.push({ task: t.name, 'decisions/s': Math.round(perSec).toLocaleString('en'), 'ns/decision': (1e9 / perSec).toFixed(1) });
  }
  return { rows, load };
}
