// npm run bench:kernel: the forwarding benchmark's job done by this machine's own
// kernel, beside netpath's full path, so that netpath's speed can be read against
// the thing it models. Needs Linux, root (network namespaces) and a C compiler.
//
// Three throwaway namespaces: a sender, a router and a sink, joined by veth pairs.
// The router has the configuration of bench/forwarding.js (the same 100k prefixes
// via 198.18.0.2, the same 10 policy rules that no packet matches, a permanent
// neighbour); the sink drops what it gets (another host's MAC). bench/kernel/send.c
// sends the same 1024 frames with AF_PACKET/sendmmsg from one core, for a few
// seconds, two ways in turn:
//   forward:   to the router's MAC, so every frame is received, routed and forwarded;
//   otherhost: to a foreign MAC, so the router drops each frame on entry (ip_rcv).
// veth hands a frame to the peer's receive path in the sender's own call, so each way
// times the whole chain on one core; the difference is what forwarding adds: ip_rcv,
// the route decision, ip_forward, the neighbour, veth transmit, and the sink's receive
// up to its drop (a little more than the router's part).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { formatIPv4 } from '../dist/ip/parse.js';
import { routerBox } from './routing.js';
import { forwardingBox, forwardBatch, routeCache } from './forwarding.js';

const SECONDS = 3;
const ROUNDS = 5;
const ROUTER_MAC = '02:00:00:00:00:10';
const FOREIGN_MAC = '02:00:00:00:00:55';

function unavailable() {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root, to make network namespaces';
  if (spawnSync('cc', ['--version']).status !== 0) return 'needs a C compiler (cc) for bench/kernel/send.c';
  if (spawnSync('ip', ['-V']).status !== 0) return 'needs iproute2 (ip)';
  return undefined;
}

const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The router of bench/forwarding.js in namespace `r`; sender `s` and sink `d` on either side. */
function setUp(ns, dir, rec) {
  const { s, r, d } = ns;
  for (const n of [s, r, d]) ip('netns', 'add', n);
  ip('link', 'add', 's0', 'netns', s, 'type', 'veth', 'peer', 'name', 'r0', 'netns', r);
  ip('link', 'add', 'r1', 'netns', r, 'type', 'veth', 'peer', 'name', 'd0', 'netns', d);
  ip('-n', s, 'link', 'set', 's0', 'up');
  ip('-n', r, 'link', 'set', 'r0', 'address', ROUTER_MAC, 'up');
  ip('-n', r, 'link', 'set', 'r1', 'address', '02:00:00:00:00:11', 'up');
  ip('-n', d, 'link', 'set', 'd0', 'address', '02:00:00:00:00:98', 'up');
  ip('-n', r, 'addr', 'add', '192.0.2.1/24', 'dev', 'r0');
  ip('-n', r, 'addr', 'add', '198.18.0.1/24', 'dev', 'r1');
  ip('netns', 'exec', r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
  ip('-n', r, 'neigh', 'add', '198.18.0.2', 'lladdr', '02:00:00:00:00:99', 'dev', 'r1', 'nud', 'permanent');
  let batch = '';
  for (let i = 0; i < rec.length / 6; i++) batch += `route add ${formatIPv4(rec[i * 6 + 1])}/${rec[i * 6 + 2]} via 198.18.0.2 dev r1\n`;
  // the rules of bench/routing.js addRules(box, 10)
  for (let i = 0; i < 10; i++) batch += `rule add from 192.0.2.${i % 250}/32 fwmark ${i + 1} lookup ${1000 + i}\n`;
  writeFileSync(join(dir, 'router.batch'), batch);
  ip('-n', r, '-batch', join(dir, 'router.batch'));
}

/** Ip: ForwDatagrams of a namespace (/proc/net/snmp): IPv4 datagrams it forwarded. */
function forwarded(ns) {
  const [names, values] = ip('netns', 'exec', ns, 'cat', '/proc/net/snmp').split('\n').filter((l) => l.startsWith('Ip:'));
  return Number(values.split(/\s+/)[names.split(/\s+/).indexOf('ForwDatagrams')]);
}

/** One timed run of the sender: ns per frame sent, and the frames the router forwarded per frame sent. */
function sendRun(ns, sender, dsts, mac) {
  const before = forwarded(ns.r);
  const pin = spawnSync('taskset', ['--version']).status === 0 ? ['taskset', '-c', '0'] : [];
  const out = ip('netns', 'exec', ns.s, ...pin, sender, 's0', String(SECONDS), dsts, mac);
  const [sent, secs] = out.trim().split(/\s+/).map(Number);
  return { ns: (secs * 1e9) / sent, forwarded: (forwarded(ns.r) - before) / sent };
}

async function netpathRows() {
  const t = await forwardingBox(100_000, 10);
  if (forwardBatch(t) !== t.frames.length) throw new Error('netpath: not every frame was forwarded');
  const bench = new Bench({ time: 3000, warmupTime: 300 });
  bench.add('netpath, route cache off', () => { forwardBatch(t); }, { beforeAll: () => routeCache(t, false) });
  bench.add('netpath, route cache on', () => { forwardBatch(t); }, { beforeAll: () => routeCache(t, true) });
  await bench.run();
  return bench.tasks.map((k) => [k.name, 1e9 / (k.result.throughput.mean * t.frames.length)]);
}

const why = unavailable();
if (why) {
  console.log(`bench:kernel skipped: it ${why}.`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'netpath-kbench-'));
  const tag = `np-kbench-${process.pid}`;
  const ns = { s: `${tag}-s`, r: `${tag}-r`, d: `${tag}-d` };
  const cleanUp = () => {
    for (const n of Object.values(ns)) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => { cleanUp(); process.exit(130); });
  try {
    const sender = join(dir, 'send');
    execFileSync('cc', ['-O2', '-o', sender, fileURLToPath(new URL('./kernel/send.c', import.meta.url))]);
    const { rec, dsts } = await routerBox(100_000);
    // the frames of bench/forwarding.js, in its order
    const dstsFile = join(dir, 'dsts');
    writeFileSync(dstsFile, Array.from({ length: 1024 }, (_, i) => dsts[(i * 7919) % dsts.length] >>> 0).join('\n') + '\n');
    setUp(ns, dir, rec);
    const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    const fwd = [], other = [];
    for (let i = 0; i < ROUNDS; i++) {
      const f = sendRun(ns, sender, dstsFile, ROUTER_MAC);
      if (f.forwarded < 0.99) throw new Error(`kernel: only ${(f.forwarded * 100).toFixed(1)}% of the frames were forwarded`);
      fwd.push(f.ns);
      const o = sendRun(ns, sender, dstsFile, FOREIGN_MAC);
      if (o.forwarded !== 0) throw new Error('kernel: frames to another host were forwarded');
      other.push(o.ns);
    }
    const rows = [
      [`kernel ${kernel}: send + receive + route + forward + transmit + sink`, median(fwd)],
      [`kernel ${kernel}: send + receive, dropped on entry (other host)`, median(other)],
      ['kernel: what forwarding adds (the difference)', median(fwd) - median(other)],
      ...(await netpathRows()),
    ];
    console.log(`The forwarding job of bench/forwarding.js (100k prefixes, 10 rules, 64-byte UDP frames), one core; kernel: median of ${ROUNDS} runs of ${SECONDS} s each:`);
    console.table(rows.map(([what, nsPer]) => ({ what, 'ns/packet': nsPer.toFixed(0), 'packets/s': Math.round(1e9 / nsPer).toLocaleString('en') })));
  } finally {
    cleanUp();
  }
}
