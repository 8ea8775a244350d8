// One user's session with netpath, written once and run twice: in Node (by the test) and in a
// page in Chromium (test/browser.test.ts). Plain JavaScript, so a browser loads it as it is.
// `np` is the package ('netpath'), `npw` its worker entry ('netpath/worker'). Everything
// returned is plain data, so the two runs can be compared as they are.

const ETH0 = '02:00:00:00:00:10', HOST = '02:00:00:00:00:20';
const SETUP = [
  `link add eth0 address ${ETH0} type emac`, 'link add eth1 address 02:00:00:00:00:11 type emac',
  'link set eth0 up', 'link set eth1 up', 'addr add 192.0.2.1/24 dev eth0', 'addr add 198.51.100.1/24 dev eth1',
  'neigh add 198.51.100.7 lladdr 02:00:00:00:00:99 dev eth1 nud permanent', `neigh add 192.0.2.70 lladdr ${HOST} dev eth0 nud permanent`,
  'rule add from 192.0.2.64/26 lookup 100', 'route add 203.0.113.0/24 via 198.51.100.7 table 100',
];

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const mac = (s) => s.split(':').map((x) => parseInt(x, 16));
const ip4 = (s) => s.split('.').map(Number);

function csum(b, from, to, seed = 0) {
  let s = seed;
  for (let i = from; i < to; i += 2) s += (b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** An Ethernet/IPv4 frame from HOST to eth0 carrying an ICMP echo request or a UDP datagram. */
function frame(dst, proto, ttl = 64) {
  const l4 = proto === 1 ? [8, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8] : [0x0f, 0xa0, 0, 53, 0, 14, 0, 0, 1, 2, 3, 4, 5, 6];
  const f = new Uint8Array(14 + 20 + l4.length);
  f.set(mac(ETH0), 0); f.set(mac(HOST), 6); f[12] = 0x08;
  const ip = [0x45, 0, 0, 20 + l4.length, 0, 5, 0, 0, ttl, proto, 0, 0, ...ip4('192.0.2.70'), ...ip4(dst)];
  f.set(ip, 14);
  const c = csum(f, 14, 34); f[24] = c >> 8; f[25] = c & 255;
  f.set(l4, 34);
  if (proto === 1) { const k = csum(f, 34, f.length); f[36] = k >> 8; f[37] = k & 255; }
  return f;
}

/** The inputs: an echo to the box, one forwarded by policy, TTL 1, no route, a closed UDP port, one to a neighbour that never answers. */
function capture(np) {
  const w = new np.PcapngWriter();
  const i = w.interfaceFor('eth0');
  const frames = [frame('192.0.2.1', 1), frame('203.0.113.9', 17), frame('203.0.113.9', 17, 1),
    frame('198.18.0.1', 17), frame('192.0.2.1', 17), frame('198.51.100.50', 17)];
  frames.forEach((data, k) => w.writePacket({ ifIndex: i, tsNs: 1_700_000_000_000_000_000n + BigInt(k) * 1_000_000n, data }));
  return w.bytes();
}

const summary = (res) => res.map((r) => ({ in: r.in, verdict: r.verdict, reason: r.reason, path: r.path, out: r.out.map((o) => ({ dev: o.dev, timeNs: o.timeNs, hex: hex(o.data) })) }));

export async function scenario(np, npw) {
  const out = {};
  const box = await np.Box.create();
  out.setup = SETUP.map((c) => box.ip(c));
  out.forwarding = box.sysctl('net.ipv4.ip_forward', 1);
  box.run({ ns: 3e9 }); // autonegotiation
  out.links = box.ip('-j -s link show');
  out.rules = box.ip('rule');
  out.routes = box.ip('route show table all');
  out.routeGet = box.routeGet({ dst: '203.0.113.9', from: '192.0.2.70', iif: 'eth0' });

  const bytes = capture(np);
  const { inputs, startNs } = np.captureInputs(bytes);
  const res = box.replay(inputs);
  out.replay = summary(res);
  // what `netpath replay -w` writes, made in memory
  const w = new np.PcapngWriter();
  np.writeReplayPcapng(box, res, w, { startNs });
  const sent = w.bytes();
  out.sentPcapng = hex(sent);
  const back = np.readCapture(sent);
  out.sentInterfaces = back.interfaces.map((i) => i.name);
  out.sentTimes = back.packets.map((p) => String(p.tsNs));
  out.nstat = box.nstat({ zeros: false });
  out.dropReasons = box.dropReasons();

  // a truncated capture: an error that names the byte offset
  try { box.replayCapture(bytes.slice(0, bytes.length - 7)); out.truncated = 'accepted'; } catch (e) {
    out.truncated = `${e instanceof np.CaptureFormatError}: ${e.message}`;
  }

  // the same box in a worker (a module Web Worker in a browser, a worker thread in Node)
  const wk = await npw.startBoxWorker();
  try {
    const there = await wk.create();
    for (const c of SETUP) await there.ip(c);
    await there.sysctl('net.ipv4.ip_forward', 1);
    await there.run({ ns: 3e9 });
    out.workerReplay = summary(await there.replayCapture(bytes));
    out.workerNstat = await there.nstat({ zeros: false });
    // an rx_handler of this thread on a device in the worker: takes what goes to 203.0.113.0/24
    const seen = [];
    await npw.setRxHandler(there, 'eth0', (p) => { seen.push(`${p.dev} ${p.data.length}`); return p.data[30] === 203 ? 'consumed' : 'pass'; });
    out.workerHandled = (await there.replay(inputs.slice(0, 3))).map((r) => `${r.verdict} ${r.reason}`);
    out.workerHandlerSaw = seen;
  } finally {
    await wk.terminate();
  }
  return out;
}
