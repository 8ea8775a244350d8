// `npm start`: the built-in demo. A router box with three ports, addresses,
// routes in several tables and policy rules, asked the questions `ip route get`
// answers, then a full-size table loaded and decided on in batches. Then the
// packets: a router with three EMAC ports and a generated traffic mix
// (forwarded, answered locally, dropped for different reasons) replayed
// through the full hardware path, with counters, drop reasons, a few traces
// and the packets it sent written to netpath-demo.pcapng.
import { Box } from './box.js';
import { writeReplayPcapng, type ReplayInput, type ReplayResult } from './replay.js';
import { writePcapngFile } from './pcap/node.js';

const CONFIG = [
  // three ports: the peers stand for the neighbours behind them
  'link add wan0 address 02:00:00:00:01:00 type veth peer name isp0 address 02:00:00:00:01:01',
  'link add wan1 address 02:00:00:00:02:00 type veth peer name isp1 address 02:00:00:00:02:01',
  'link add lan0 address 02:00:00:00:03:00 type veth peer name host0 address 02:00:00:00:03:01',
  'link set lo up',
  ...['wan0', 'isp0', 'wan1', 'isp1', 'lan0', 'host0'].map((d) => `link set ${d} up`),
  'addr add 198.51.100.2/30 dev wan0',
  'addr add 198.51.100.6/30 dev wan1',
  'addr add 192.0.2.1/24 dev lan0',
  // main: default out of wan0; table 100: default out of wan1
  'route add default via 198.51.100.1',
  'route add default via 198.51.100.5 table 100',
  'route add blackhole 198.18.0.0/15',
  'route add prohibit 198.19.255.0/24',
  // policy: marked traffic and the upper half of the LAN leave by wan1
  'rule add fwmark 0x10 lookup 100 pref 1000',
  'rule add from 192.0.2.128/25 lookup 100 pref 1100',
];

const QUERIES: [string, string][] = [
  ['a local sender to the Internet', 'route get 203.0.113.77'],
  ['the same with mark 0x10 (policy: table 100)', 'route get 203.0.113.77 mark 0x10'],
  ['forwarded from the lower half of the LAN', 'route get 203.0.113.200 from 192.0.2.10 iif lan0'],
  ['forwarded from the upper half of the LAN (policy: table 100)', 'route get 203.0.113.200 from 192.0.2.200 iif lan0'],
  ['to one of our own addresses', 'route get 192.0.2.1'],
  ['to the LAN broadcast address', 'route get 192.0.2.255'],
  ['into a blackhole route', 'route get 198.18.4.4'],
  ['into a prohibit route, forwarded', 'route get 198.19.255.9 from 192.0.2.10 iif lan0'],
  ['a martian source (loopback) arriving on the LAN', 'route get 203.0.113.9 from 127.0.0.1 iif lan0'],
];

function show(box: Box, cmd: string): void {
  const r = box.ip(cmd);
  process.stdout.write(`$ ip ${cmd}\n${r.stdout}${r.stderr}`);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

async function main(): Promise<void> {
  const box = await Box.create();
  for (const c of CONFIG) {
    const r = box.ip(c);
    if (r.status !== 0) throw new Error(`ip ${c}: ${r.stderr}`);
  }
  box.sysctl('net.ipv4.ip_forward', 1);

  console.log('== A router box: three ports, two tables, two policy rules\n');
  for (const c of ['-4 addr show', 'rule show', 'route show table all']) show(box, c);
  console.log('\n== What the route decisions say');
  for (const [what, q] of QUERIES) {
    console.log(`\n# ${what}`);
    show(box, q);
  }

  // a full table: 1,000,000 prefixes, half via each uplink, then batches of decisions
  const n = 1_000_000;
  const r = rng(7);
  const rec = new Uint32Array(n * 6);
  const seen = new Set<number>();
  const dsts = new Uint32Array(n);
  for (let k = 0; k < n;) {
    const len = 16 + (r() % 9); // /16../24
    const first = 1 + (r() % 223);
    if (first === 127 || first === 192 || first === 198 || first === 203) continue;
    const mask = (0xffffffff << (32 - len)) >>> 0;
    const dst = (((first << 24) | (r() & 0xffffff)) & mask) >>> 0;
    const key = dst * 64 + len;
    if (seen.has(key)) continue;
    seen.add(key);
    rec.set([100 + (k & 1), dst, len, k & 1 ? 0xc6336405 : 0xc6336401, 0, 0], k * 6);
    dsts[k++] = (dst | (r() & ~mask)) >>> 0;
  }
  let t0 = performance.now();
  const added = box.kernel.addRoutes(rec);
  const loadMs = performance.now() - t0;
  if (!added.ok) throw new Error(`loading routes: errno ${added.errno} ${added.msg ?? ''}`);
  box.ip('rule add lookup 101 pref 1200');
  const lan0 = box.rtnl.links().find((l) => l.name === 'lan0')!.ifindex;
  const batch = new Uint32Array(4096 * 2);
  for (let i = 0; i < 4096; i++) { batch[2 * i] = dsts[r() % n]; batch[2 * i + 1] = 0xc000020a; /* 192.0.2.10 */ }
  let decided = 0;
  t0 = performance.now();
  while (performance.now() - t0 < 1000) { box.kernel.decide(batch, lan0); decided += 4096; }
  const secs = (performance.now() - t0) / 1000;
  const out = box.kernel.decide(batch, lan0);
  let forwarded = 0;
  for (let i = 0; i < 4096; i++) if (out[2 * i] > 0) forwarded++;
  console.log(`\n== A full table: ${n.toLocaleString('en')} prefixes in tables 100 and 101, 5 rules`);
  console.log(`loaded in ${loadMs.toFixed(0)} ms (${Math.round(n / loadMs * 1000).toLocaleString('en')} routes/s, each checked like \`ip route add\`)`);
  console.log(`${Math.round(decided / secs).toLocaleString('en')} forwarding decisions/s on one core (${forwarded}/4096 of the last batch forwarded)`);
  await packets();
  console.log('\nMore: `npm run bench` for the benchmarks, `npx netpath ip ...` for the command line, README.md for the API.');
}

// ---- the packet part ------------------------------------------------------------------------------

const PKT_CONFIG = [
  'link add eth0 address 02:00:00:00:00:10 type emac', // the LAN
  'link add eth1 address 02:00:00:00:00:11 type emac', // uplink 1
  'link add eth2 address 02:00:00:00:00:12 type emac', // uplink 2
  'link set lo up', 'link set eth0 up', 'link set eth1 up', 'link set eth2 up',
  'addr add 192.0.2.1/24 dev eth0',
  'addr add 198.51.100.2/24 dev eth1',
  'addr add 198.18.0.1/24 dev eth2',
  'neigh add 198.51.100.1 lladdr 02:00:00:00:01:01 dev eth1 nud permanent',
  'neigh add 198.18.0.2 lladdr 02:00:00:00:02:01 dev eth2 nud permanent',
  // main: the Internet test net out of uplink 1, and three kinds of "no"
  'route add 203.0.113.0/24 via 198.51.100.1',
  'route add blackhole 198.19.0.0/24',
  'route add prohibit 198.19.1.0/24',
  'route add unreachable 198.19.2.0/24',
  // table 100: everything out of uplink 2, for the upper half of the LAN
  'route add default via 198.18.0.2 table 100',
  'rule add from 192.0.2.128/25 lookup 100 pref 1000',
];
// the LAN hosts (static neighbours): 192.0.2.10-17 (main) and 192.0.2.200-207 (table 100)
const LOWER = [10, 11, 12, 13, 14, 15, 16, 17], UPPER = [200, 201, 202, 203, 204, 205, 206, 207];
const hostMac = (h: number) => Uint8Array.of(2, 0, 0, 0, 0x03, h);
const MAC = { eth0: Uint8Array.of(2, 0, 0, 0, 0, 0x10), eth1: Uint8Array.of(2, 0, 0, 0, 0, 0x11), isp1: Uint8Array.of(2, 0, 0, 0, 1, 1) };

const a4 = (s: string) => s.split('.').reduce((v, o) => (v * 256 + Number(o)) >>> 0, 0);
const s4 = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

function csum(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

interface FrameSpec {
  dstMac: Uint8Array; srcMac: Uint8Array; src: number; dst: number;
  proto: 1 | 6 | 17; ttl?: number; id: number; sport?: number; dport?: number; payload: number; badCsum?: boolean;
}

/** An Ethernet/IPv4 frame with a UDP, TCP (SYN) or ICMP echo request inside, every checksum right unless badCsum. */
function frame(f: FrameSpec): Uint8Array {
  const l4len = (f.proto === 6 ? 20 : 8) + f.payload;
  const b = new Uint8Array(Math.max(60, 34 + l4len));
  b.set(f.dstMac, 0); b.set(f.srcMac, 6); b[12] = 0x08; b[13] = 0x00;
  const ip = 14, l4 = 34, tot = 20 + l4len;
  b[ip] = 0x45; b[ip + 2] = tot >>> 8; b[ip + 3] = tot & 255; b[ip + 4] = f.id >>> 8; b[ip + 5] = f.id & 255;
  b[ip + 6] = 0x40; b[ip + 8] = f.ttl ?? 64; b[ip + 9] = f.proto;
  for (let i = 0; i < 4; i++) { b[ip + 12 + i] = (f.src >>> (24 - 8 * i)) & 255; b[ip + 16 + i] = (f.dst >>> (24 - 8 * i)) & 255; }
  const c = csum(b, ip, 20) ^ (f.badCsum ? 0x5a5a : 0);
  b[ip + 10] = c >>> 8; b[ip + 11] = c & 255;
  for (let i = 0; i < f.payload; i++) b[l4 + l4len - f.payload + i] = (f.id + i) & 255;
  // pseudo-header sum for UDP and TCP
  const pseudo = (f.src >>> 16) + (f.src & 0xffff) + (f.dst >>> 16) + (f.dst & 0xffff) + f.proto + l4len;
  if (f.proto === 1) {
    b[l4] = 8; b[l4 + 4] = f.id >>> 8; b[l4 + 5] = f.id & 255; b[l4 + 7] = 1; // echo request, id, seq 1
    const k = csum(b, l4, l4len); b[l4 + 2] = k >>> 8; b[l4 + 3] = k & 255;
  } else {
    b[l4] = f.sport! >>> 8; b[l4 + 1] = f.sport! & 255; b[l4 + 2] = f.dport! >>> 8; b[l4 + 3] = f.dport! & 255;
    if (f.proto === 17) {
      b[l4 + 4] = l4len >>> 8; b[l4 + 5] = l4len & 255;
      const k = csum(b, l4, l4len, pseudo) || 0xffff; b[l4 + 6] = k >>> 8; b[l4 + 7] = k & 255;
    } else {
      b[l4 + 4] = (f.id * 2654435761) >>> 24; b[l4 + 5] = f.id & 255; // sequence number
      b[l4 + 12] = 0x50; b[l4 + 13] = 0x02; b[l4 + 14] = 0xfa; b[l4 + 15] = 0xf0; // SYN, window 64240
      const k = csum(b, l4, l4len, pseudo); b[l4 + 16] = k >>> 8; b[l4 + 17] = k & 255;
    }
  }
  return b;
}

/** The kinds of traffic in the mix: weight, and how to build one from the PRNG. */
type Kind = { name: string; weight: number; make: (r: () => number, id: number) => ReplayInput };
const pick = <T>(r: () => number, xs: T[]): T => xs[r() % xs.length];
const lan = (h: number) => a4('192.0.2.0') + h;
const net = (prefix: string, r: () => number) => a4(prefix) + 1 + (r() % 254);
function fromLan(r: () => number, id: number, over: Partial<FrameSpec> & { hosts?: number[] }): ReplayInput {
  const h = pick(r, over.hosts ?? LOWER);
  const proto = over.proto ?? 17;
  return {
    dev: 'eth0',
    data: frame({ dstMac: MAC.eth0, srcMac: hostMac(h), src: lan(h), dst: 0, proto, id, sport: 32768 + (r() % 28232), dport: 40000 + (r() % 1000), payload: 18 + (r() % 200), ...over }),
  };
}
const KINDS: Kind[] = [
  { name: 'UDP, LAN to the Internet (main)', weight: 24, make: (r, id) => fromLan(r, id, { dst: net('203.0.113.0', r) }) },
  { name: 'TCP SYN, upper LAN (table 100)', weight: 16, make: (r, id) => fromLan(r, id, { hosts: UPPER, proto: 6, dst: net('203.0.113.0', r), dport: pick(r, [80, 443, 22]), payload: 0 }) },
  {
    name: 'ICMP echo, Internet to a LAN host', weight: 10, make: (r, id) => ({
      dev: 'eth1', data: frame({ dstMac: MAC.eth1, srcMac: MAC.isp1, src: net('203.0.113.0', r), dst: lan(pick(r, [...LOWER, ...UPPER])), proto: 1, id, payload: 56 }),
    }),
  },
  { name: 'ICMP echo to the router', weight: 8, make: (r, id) => fromLan(r, id, { proto: 1, dst: a4('192.0.2.1'), payload: 56 }) },
  { name: 'UDP to a closed port of the router', weight: 5, make: (r, id) => fromLan(r, id, { dst: a4('192.0.2.1'), dport: 9999 }) },
  { name: 'TTL 1, to be forwarded', weight: 5, make: (r, id) => fromLan(r, id, { dst: net('203.0.113.0', r), ttl: 1, dport: 33434 + (r() % 30) }) },
  { name: 'bad IP header checksum', weight: 4, make: (r, id) => fromLan(r, id, { dst: net('203.0.113.0', r), badCsum: true }) },
  { name: 'to a blackhole route', weight: 4, make: (r, id) => fromLan(r, id, { dst: net('198.19.0.0', r) }) },
  { name: 'to a prohibit route', weight: 4, make: (r, id) => fromLan(r, id, { dst: net('198.19.1.0', r) }) },
  { name: 'to an unreachable route', weight: 4, make: (r, id) => fromLan(r, id, { dst: net('198.19.2.0', r) }) },
  { name: 'no route (main has no default)', weight: 4, make: (r, id) => fromLan(r, id, { dst: net('198.18.200.0', r) }) },
  { name: 'martian source (127.0.0.1)', weight: 4, make: (r, id) => fromLan(r, id, { src: a4('127.0.0.1'), dst: net('203.0.113.0', r) }) },
  { name: 'another host\'s MAC address', weight: 4, make: (r, id) => fromLan(r, id, { dstMac: Uint8Array.of(2, 0, 0, 0, 0x7e, 0x7e), dst: net('203.0.113.0', r) }) },
];

/** One line for a frame: addresses and what it carries. */
function summary(d: Uint8Array): string {
  if (d.length < 34 || d[12] !== 8 || d[13] !== 0) return `${d.length} bytes, ethertype 0x${((d[12] << 8) | d[13]).toString(16)}`;
  const src = s4(((d[26] << 24) | (d[27] << 16) | (d[28] << 8) | d[29]) >>> 0), dst = s4(((d[30] << 24) | (d[31] << 16) | (d[32] << 8) | d[33]) >>> 0);
  const l4 = 14 + (d[14] & 15) * 4, port = (o: number) => (d[l4 + o] << 8) | d[l4 + o + 1];
  const ICMP: Record<string, string> = { '0/0': 'echo reply', '8/0': 'echo request', '3/0': 'net unreachable', '3/1': 'host unreachable', '3/3': 'port unreachable', '3/13': 'admin prohibited', '11/0': 'time exceeded' };
  const what = d[23] === 1 ? `ICMP ${ICMP[`${d[l4]}/${d[l4 + 1]}`] ?? `${d[l4]}/${d[l4 + 1]}`}`
    : d[23] === 6 ? `TCP ${port(0)} > ${port(2)}` : d[23] === 17 ? `UDP ${port(0)} > ${port(2)}` : `proto ${d[23]}`;
  return `${src} > ${dst} ${what}, ttl ${d[22]}, ${d.length} bytes`;
}

/** The demo router: three EMAC ports, addresses, rules and routes, links negotiated. */
async function routerBox(): Promise<Box> {
  const box = await Box.create();
  for (const c of PKT_CONFIG) {
    const r = box.ip(c);
    if (r.status !== 0) throw new Error(`ip ${c}: ${r.stderr}`);
  }
  for (const h of [...LOWER, ...UPPER]) box.ip(`neigh add 192.0.2.${h} lladdr 02:00:00:00:03:${h.toString(16).padStart(2, '0')} dev eth0 nud permanent`);
  box.sysctl('net.ipv4.ip_forward', 1);
  box.run({ ns: 3e9 }); // autonegotiation on the three ports
  return box;
}

/**
 * The same frames without tracing, through a second router: written once into WASM memory per port
 * (wire.batch), injected with one call per port and round, 1024 at a time, then run on the virtual clock.
 */
async function untracedRate(inputs: ReplayInput[]): Promise<{ pps: number; frames: number }> {
  const box = await routerBox();
  const byDev = new Map<string, Uint8Array[]>();
  for (const x of inputs) (byDev.get(x.dev) ?? byDev.set(x.dev, []).get(x.dev)!).push(x.data);
  const batches = [...byDev].flatMap(([dev, frames]) => {
    const wire = box.link(dev).wire;
    const out = [];
    for (let i = 0; i < frames.length; i += 1024) out.push({ wire, batch: wire.batch(frames.slice(i, i + 1024)) });
    return out;
  });
  const round = () => {
    for (const b of batches) { b.wire.inject(b.batch); box.run({ ns: 2e6 }); }
    for (const w of ['eth0', 'eth1', 'eth2']) box.link(w).wire.collectBatch();
  };
  round(); // warm-up
  let frames = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) { round(); frames += inputs.length; }
  return { pps: frames / ((performance.now() - t0) / 1000), frames };
}

async function packets(): Promise<void> {
  const box = await routerBox();

  console.log('\n== Packets: a router with three EMAC ports (LAN eth0, uplinks eth1 and eth2)\n');
  for (const c of ['-o -4 addr show', 'rule show', 'route show table all type unicast', 'route show type blackhole', 'route show type prohibit', 'route show type unreachable']) show(box, c);

  // the traffic mix: seeded, so every run sends the same frames
  const N = 4000;
  const r = rng(2026);
  const total = KINDS.reduce((s, k) => s + k.weight, 0);
  const inputs: ReplayInput[] = [], kindOf: number[] = [];
  for (let i = 0; i < N; i++) {
    let w = r() % total, k = 0;
    while (w >= KINDS[k].weight) w -= KINDS[k++].weight;
    inputs.push(KINDS[k].make(r, i + 1));
    kindOf.push(k);
  }
  const GAP = 20_000; // 20 us of virtual time between frames (50,000 frames/s on the wire)
  const t0 = performance.now();
  const res: ReplayResult[] = box.replay(inputs, { gapNs: GAP });
  const secs = (performance.now() - t0) / 1000;

  console.log(`\n== ${N.toLocaleString('en')} generated frames replayed through the EMAC wires: what each kind did\n`);
  const rows = KINDS.map((k, i) => {
    const mine = res.filter((_, j) => kindOf[j] === i);
    const outcome = new Map<string, number>();
    for (const x of mine) {
      const o = x.verdict !== 'drop' ? x.verdict : `drop ${x.reason}`;
      const answer = x.out.length ? ` -> ${x.out.map((o) => o.dev).join(',')}` : '';
      const key = o + answer;
      outcome.set(key, (outcome.get(key) ?? 0) + 1);
    }
    const top = [...outcome].sort((a, b) => b[1] - a[1]).map(([o, n]) => (outcome.size > 1 ? `${o} (${n})` : o)).join(', ');
    return [k.name, String(mine.length), top];
  });
  const w0 = Math.max(...rows.map((x) => x[0].length));
  console.log(`${'kind'.padEnd(w0)}  count  verdict [-> the device a frame went out of] (how many)`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(5)}  ${c}`);

  console.log('\n== Per-device counters\n');
  for (const d of ['eth0', 'eth1', 'eth2']) show(box, `-s link show dev ${d}`);

  console.log('\n== Top drop reasons (the kernel\'s drop counters, by SKB_DROP_REASON)\n');
  const drops = Object.entries(box.dropReasons()).filter(([k]) => k !== 'CONSUMED').sort((a, b) => b[1] - a[1]);
  const WHY: Record<string, string> = {
    NOT_SPECIFIED: 'plain kfree_skb: ip_error on blackhole, prohibit and unreachable routes',
    IP_INHDR: 'IPv4 header error: here the TTL running out in ip_forward',
    NO_SOCKET: 'no socket bound to the UDP port',
    IP_LOCALNET: 'martian: a loopback address from outside',
    IP_INNOROUTES: 'no route to the destination',
  };
  for (const [k, n] of drops.slice(0, 8)) console.log(`${k.padEnd(18)} ${String(n).padStart(5)}  ${WHY[k] ?? ''}`);
  const nicDropped = res.filter((x) => x.reason.startsWith('NIC_')).length;
  const driverFreed = res.filter((x) => x.verdict === 'consumed' && x.path.some((p) => p.includes('dev_kfree_skb'))).length;
  console.log(`${'(before the stack)'.padEnd(18)} ${String(nicDropped + driverFreed).padStart(5)}  ${nicDropped} dropped by the EMAC (address filter: no skb, counted in ethtool's rx_err_addr), `
    + `${driverFreed} freed by the driver (RRD_IPF: emac_mac_rx_process's dev_kfree_skb, a consume_skb without drop reason)`);
  const snmp = box.snmp();
  console.log(`\nICMP sent: ${snmp.IcmpOutEchoReps} echo replies, ${snmp.IcmpOutDestUnreachs} destination unreachable, ${snmp.IcmpOutTimeExcds} time exceeded`
    + ` (ICMP errors are rate limited, as in the kernel: icmp_msgs_per_sec/burst and icmp_ratelimit, so most drops get no answer)`);

  console.log('\n== The path of a few packets (like pwru)');
  const show1 = (title: string, j: number) => {
    if (j < 0) return;
    const x = res[j];
    console.log(`\n# frame ${j + 1}, ${title}: ${summary(inputs[j].data)} on ${inputs[j].dev}`);
    for (const p of x.path) console.log(`  ${p}`);
    console.log(`  => ${x.verdict}${x.reason ? ` ${x.reason}` : ''}`);
    for (const o of x.out) console.log(`  sent on ${o.dev}: ${summary(o.data)}`);
  };
  const first = (k: number, v?: string) => res.findIndex((x, j) => kindOf[j] === k && (v === undefined || x.verdict === v));
  show1('forwarded by the policy rule', first(1, 'forward'));
  show1('answered by the router', first(3, 'local'));
  show1('TTL 1', first(5));
  show1('martian source', first(11));
  show1('bad IP header checksum, flagged by the EMAC', first(6));
  show1('for another host\'s MAC address', first(12));

  const sent = res.reduce((s, x) => s + x.out.length, 0);
  const fast = await untracedRate(inputs);
  console.log(`\n== Packets/s through the whole path (EMAC rx ring -> NAPI -> ip_rcv -> route -> forward/local/ICMP -> EMAC tx ring):`);
  console.log(`  ${Math.round(fast.pps).toLocaleString('en')} packets/s untraced (the same ${N} frames, batches of up to 1024 per port, ${fast.frames.toLocaleString('en')} frames in 1 s)`);
  console.log(`  ${Math.round(N / secs).toLocaleString('en')} packets/s replayed one by one with every path recorded (above), ${N} frames in ${(secs * 1000).toFixed(0)} ms`);

  // what the box sent, one pcapng interface per transmitting device
  const file = 'netpath-demo.pcapng';
  const tBase = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;
  const w = await writePcapngFile(file, (pw) => writeReplayPcapng(box, res, pw, {
    startNs: tBase, comment: (x, j) => `frame ${j + 1} (${KINDS[kindOf[j]].name}): ${x.verdict}${x.reason ? ` ${x.reason}` : ''}`,
  }), { comment: 'netpath npm start: what the demo router sent' });
  console.log(`\nwrote ${file}: ${w.packets} packets (of ${sent} sent), ${w.bytes.toLocaleString('en')} bytes; try \`tshark -r ${file}\``);
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
