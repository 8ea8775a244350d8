// `npm start`: the built-in demo. A router box with three ports, addresses,
// routes in several tables and policy rules, asked the questions `ip route get`
// answers, then a full-size table loaded and decided on in batches.
import { Box } from './box.js';

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
  console.log('\nMore: `npm run bench` for the benchmarks, `npx netpath ip ...` for the command line, README.md for the API.');
}

main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
