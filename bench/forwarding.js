// The full path: frames on an EMAC wire -> driver (NAPI) -> netif_receive_skb ->
// ip_rcv -> the route decision (100k prefixes, 10 rules) -> ip_forward ->
// neighbour -> dev_queue_xmit -> the other EMAC's TX ring -> its wire.
import { Box } from '../dist/index.js';
import { routerBox, addRules } from './routing.js';

const BATCH = 1024;

function csum16(b, off, len) {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (b[off + i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** a 64-byte Ethernet/IPv4/UDP frame to dst (UDP checksum 0: allowed for IPv4) */
function udpFrame(dstMac, srcMac, src, dst) {
  const f = new Uint8Array(60);
  f.set(dstMac, 0); f.set(srcMac, 6); f[12] = 0x08; f[13] = 0x00;
  const ip = 14;
  f[ip] = 0x45; f[ip + 3] = 46; f[ip + 6] = 0x40; f[ip + 8] = 64; f[ip + 9] = 17;
  for (let i = 0; i < 4; i++) { f[ip + 12 + i] = (src >>> (24 - 8 * i)) & 255; f[ip + 16 + i] = (dst >>> (24 - 8 * i)) & 255; }
  const c = csum16(f, ip, 20); f[ip + 10] = c >>> 8; f[ip + 11] = c & 255;
  const u = ip + 20;
  f[u] = 0x30; f[u + 1] = 0x39; f[u + 2] = 0x00; f[u + 3] = 0x35; f[u + 5] = 26;
  return f;
}

/** A router with two EMAC ports, n prefixes via eth1's neighbour, `rules` policy rules that don't match */
export async function forwardingBox(n, rules) {
  const { box, rec, dsts } = await routerBox(n);
  for (const c of [
    'link add eth0 address 02:00:00:00:00:10 type emac', 'link add eth1 address 02:00:00:00:00:11 type emac',
    'link set eth0 up', 'link set eth1 up', 'addr add 192.0.2.1/24 dev eth0', 'addr add 198.18.0.1/24 dev eth1',
    'neigh add 198.18.0.2 lladdr 02:00:00:00:00:99 dev eth1 nud permanent',
  ]) {
    const r = box.ip(c);
    if (r.status) throw new Error(`${c}: ${r.stderr}`);
  }
  box.run({ ns: 3e9 }); // autonegotiation on both ports
  for (let i = 0; i < n; i++) rec[i * 6 + 3] = 0xc6120002; // every prefix via 198.18.0.2 on eth1
  const added = box.kernel.addRoutes(rec);
  if (!added.ok) throw new Error(`load: errno ${added.errno} ${added.msg ?? ''}`);
  addRules(box, rules);
  const frames = [];
  const eth0 = Uint8Array.of(2, 0, 0, 0, 0, 0x10), host = Uint8Array.of(2, 0, 0, 0, 0, 0x20);
  for (let i = 0; i < BATCH; i++) frames.push(udpFrame(eth0, host, 0xc000020a /* 192.0.2.10 */, dsts[(i * 7919) % dsts.length]));
  const wire = box.link('eth0').wire;
  // the frames cross into WASM memory once; each round injects them with one call
  // what comes out is collected into one buffer, reused every round (no allocation per batch)
  return { box, frames, batch: wire.batch(frames), in: wire, out: box.link('eth1').wire, sink: new Uint8Array(1 << 20) };
}

/**
 * The input-route cache of the receive path on or off (off: every packet takes the full
 * uncached decision, as in Linux, which has no route cache).
 */
export function routeCache(t, on) { t.box.kernel.core.routeCacheSet(on, false); }

/**
 * Idle wire time before each frame: 1024 frames arrive ~1.07 us apart (0.93 Mpps of
 * virtual time), so the 255 RX buffers the driver keeps outlast the EMAC's 250 us
 * interrupt moderation and no frame is lost to a full ring.
 */
const GAP_NS = 400;

/**
 * Where the time goes: the same 1024 frames, changed so that each kind stops at a later
 * stage of the path. Their costs per frame, side by side, split the full path's.
 * Adds a blackhole route (198.19.1.0/24) to the box and runs each kind once to check it.
 */
export function stageBatches(t) {
  t.box.ip('route add blackhole 198.19.1.0/24');
  const variant = (change) => t.in.batch(t.frames.map((f0, i) => {
    const f = Uint8Array.from(f0);
    change(f, i);
    return f;
  }));
  const ipChecksum = (f) => {
    f[24] = 0; f[25] = 0;
    const c = csum16(f, 14, 20);
    f[24] = c >>> 8; f[25] = c & 255;
  };
  const stages = [
    // [what the frames are, batch, frames out, skb drops (NOT_SPECIFIED: the blackhole's dst_discard)]
    ['dropped by the EMAC address filter (wire, RX engine)', variant((f) => { f[5] = 0x55; }), 0, 0],
    ['freed by the driver (bad IP checksum: RRD error bit)', variant((f) => { f[24] ^= 0xff; }), 0, 0],
    ['dropped by a blackhole route (skb, ip_rcv, route decision)', variant((f, i) => { f[30] = 198; f[31] = 19; f[32] = 1; f[33] = i & 255; ipChecksum(f); }), 0, BATCH],
    ['forwarded out of the second EMAC (the full path)', t.batch, BATCH, 0],
  ];
  // each kind stops where it says, or the table would be about something else
  for (const [name, batch, out, drops] of stages) {
    const before = t.box.dropReasons().NOT_SPECIFIED ?? 0;
    const n = forwardBatch(t, batch);
    const d = (t.box.dropReasons().NOT_SPECIFIED ?? 0) - before;
    if (n !== out || d !== drops) throw new Error(`${name}: ${n} frames out, ${d} dropped by a route (expected ${out}, ${drops})`);
  }
  return stages.map(([name, batch]) => [name, batch]);
}

/** one batch in and through: returns the number of frames forwarded out of eth1 (collected in one copy into t.sink) */
export function forwardBatch(t, batch = t.batch) {
  t.in.inject(batch, { gapNs: GAP_NS });
  t.box.run({ ns: 2e6 }); // 2 ms of virtual time: the 1024 frames arrive within 1.1 ms
  return t.out.collectBatch(t.sink).count;
}

// run as a script (in Node; a page imports the functions above: bench/browser.js)
if (typeof process !== 'undefined' && import.meta.url === `file://${process.argv[1]}`) {
  const t = await forwardingBox(100_000, 10);
  console.log(`first batch: ${forwardBatch(t)}/${BATCH} forwarded`);
  for (const on of [true, false]) {
    routeCache(t, on);
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 3000) n += forwardBatch(t);
    const s = (performance.now() - t0) / 1000;
    console.log(`${Math.round(n / s).toLocaleString('en')} packets/s forwarded (EMAC rx -> route (100k prefixes, 10 rules) -> forward -> EMAC tx), route cache ${on ? 'on' : 'off'}`);
  }
}
