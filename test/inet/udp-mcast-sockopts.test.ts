// What a UDP socket sends to groups and broadcast addresses, against the kernel: the same socket calls
// made by a Python program in a namespace (setsockopt IP_ADD_MEMBERSHIP, IP_MULTICAST_IF/_TTL/_LOOP,
// SO_BROADCAST, sendto) and by a box's sockets; compared are each call's errno, what the member socket
// received (ip_mc_output's copies) and the UDP frames on the wire with their TTLs and DF bits (captured in a tester
// namespace by pkt_helper.py; in the box, a packet socket). RECORD=1 rewrites the fixture; with
// namespaces available the live kernel is asked too.
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { run, netnsAdd, netnsDel } from '../util/netns.js';
import { canMakeNamespace } from '../diff/kernel.js';
import { Helper } from '../pktdiff/kernel.js';
import { hostBox } from '../util/host-box.js';

/** [call, argument]: ttl N, loop 0|1, if IFINDEX-OR-ADDRESS ('0' resets), bcast 0|1, send GROUP-OR-ADDRESS payload-byte */
const CALLS: [string, string][] = [
  ['send', '239.1.2.3 0'], ['if', 'p0'], ['ttl', '5'], ['send', '239.1.2.3 1'], ['send', '239.9.9.9 2'], ['loop', '0'],
  ['send', '239.1.2.3 3'], ['ttl', '256'], ['ttl', '-1'], ['if', '99'], ['if', '198.51.100.1'], ['if', '192.0.2.1'],
  ['loop', '1'], ['ttl', '3'], ['send', '239.1.2.3 4'], ['ttl', '0'], ['send', '239.1.2.3 5'], ['send', '192.0.2.255 6'],
  ['bcast', '1'], ['send', '192.0.2.255 7'], ['if', '0'], ['send', '239.1.2.3 8'],
  // unicast through routes with metrics: a locked mtu takes DF away, the hoplimit is the TTL
  ['send', '203.0.113.9 9'], ['send', '198.51.100.9 10'], ['send', '192.0.2.2 11'],
];
/** routes with metrics for the unicast sends, in both */
const ROUTES = ['neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev p0 nud permanent',
  'route add 203.0.113.0/24 via 192.0.2.2 mtu lock 1300 hoplimit 33', 'route add 198.51.100.0/24 via 192.0.2.2 mtu 100 hoplimit 7'];
interface Result { errnos: number[]; received: number[][]; wire: number[][] }
const FIXTURE = new URL('../fixtures/inet/udp-mcast-sockopts.json', import.meta.url);

const PY = `
import socket, struct, json, sys, errno
calls = json.loads(sys.argv[1])
idx = socket.if_nametoindex('p0')
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('0.0.0.0', 5000)); a.settimeout(0.2)
a.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack('4s4si', socket.inet_aton('239.1.2.3'), socket.inet_aton('0.0.0.0'), idx))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
errnos = []
for c, arg in calls:
    try:
        if c == 'ttl': b.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, int(arg))
        elif c == 'loop': b.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, int(arg))
        elif c == 'bcast': b.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, int(arg))
        elif c == 'if':
            i, ad = (idx, '0.0.0.0') if arg == 'p0' else (0, arg) if '.' in arg else (int(arg), '0.0.0.0')
            b.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, struct.pack('4s4si', socket.inet_aton('0.0.0.0'), socket.inet_aton(ad), i))
        else:
            to, x = arg.split()
            b.sendto(bytes([int(x)]), (to, 5000))
        errnos.append(0)
    except OSError as e:
        errnos.append(e.errno)
got = []
while True:
    try: d, src = a.recvfrom(100); got.append([d[0]])
    except OSError: break
print(json.dumps({'errnos': errnos, 'received': got}))
`;

/** the UDP frames (IPv4, protocol 17) of a capture: [payload byte, TTL, DF] (DF: IP_PMTUDISC_WANT's when it fits) */
const udpFrames = (frames: string[]): number[][] =>
  frames.map((h) => Buffer.from(h, 'hex')).filter((b) => b.readUInt16BE(12) === 0x800 && b[23] === 17)
    .map((b) => [b[14 + ((b[14] & 15) << 2) + 8], b[22], (b[20] >> 6) & 1]);

async function kernelRun(): Promise<Result> {
  const dut = await netnsAdd('np-usd');
  const tester = await netnsAdd('np-ust');
  let helper: Helper | undefined;
  try {
    for (const ns of [dut, tester]) await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    for (const l of ['link add p0 address 02:00:00:00:00:01 type veth peer name tp0 address 02:00:00:00:00:02 netns ' + tester,
      'link set p0 up', 'addr add 192.0.2.1/24 dev p0', ...ROUTES]) {
      const r = await run('ip', ['-n', dut, ...l.split(' ')]);
      if (r.status !== 0) throw new Error(`ip ${l}: ${r.stderr}`);
    }
    await run('ip', ['-n', tester, 'link', 'set', 'tp0', 'up']);
    helper = await Helper.start(tester, ['tp0']);
    const py = await run('ip', ['netns', 'exec', dut, 'python3', '-c', PY, JSON.stringify(CALLS)]);
    if (py.status !== 0) throw new Error(`python: ${py.stderr}`);
    const r = await helper.ask({ op: 'drain', ms: 300 }, 10_000);
    return { ...JSON.parse(py.stdout), wire: udpFrames((r.out as [number, string][]).map(([, h]) => h)) };
  } finally {
    await helper?.stop();
    await netnsDel(dut);
    await netnsDel(tester);
  }
}

async function netpathRun(): Promise<Result> {
  const { box, p0, cap } = await hostBox();
  for (const l of ROUTES) expect(box.ip(l).status, l).toBe(0);
  const a = box.udp.bind({ port: 5000 });
  a.join('239.1.2.3', { ifindex: p0 });
  const b = box.udp.bind({ port: 0 });
  const errnos: number[] = [];
  const code = (f: () => void) => {
    try { f(); return 0; } catch (e) {
      const m = /: (E[A-Z]+)$/.exec((e as Error).message);
      return ({ EINVAL: 22, EADDRNOTAVAIL: 99 } as Record<string, number>)[m?.[1] ?? ''] ?? -1;
    }
  };
  for (const [c, arg] of CALLS) {
    if (c === 'ttl') errnos.push(code(() => b.setMulticastTtl(Number(arg))));
    else if (c === 'loop') errnos.push(code(() => b.setMulticastLoop(arg === '1')));
    else if (c === 'bcast') errnos.push(code(() => b.setBroadcast(arg === '1')));
    else if (c === 'if') {
      errnos.push(code(() => b.setMulticastInterface(arg === 'p0' ? { ifindex: p0 } : arg.includes('.') ? { address: arg } : arg === '0' ? {} : { ifindex: Number(arg) })));
    } else {
      const [to, x] = arg.split(' ');
      errnos.push(b.send([new Uint8Array([Number(x)])], { address: to, port: 5000 }).errors[0]);
    }
  }
  box.run({ ns: 300e6 });
  const wire = udpFrames(cap.recv().filter((r) => r.direction === 'out').map((r) => Buffer.from(r.data).toString('hex')));
  return { errnos, received: a.recv().map((d) => [d.data[0]]), wire };
}

describe('UDP to groups and broadcast addresses: socket options against the kernel', () => {
  it('records the kernel (RECORD=1)', async (ctx) => {
    if (!process.env.RECORD || !canMakeNamespace().ok) return ctx.skip();
    writeFileSync(FIXTURE, JSON.stringify(await kernelRun()) + '\n');
  }, 30_000);
  it('every call, copy and frame as the recorded kernel', async () => {
    const want = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Result;
    expect(want.errnos.length).toBe(CALLS.length);
    expect(await netpathRun()).toEqual(want);
  });
  it('the live kernel answers as recorded', async (ctx) => {
    const can = canMakeNamespace();
    if (!can.ok) { console.warn(`udp multicast options: live kernel skipped: ${can.reason}`); return ctx.skip(); }
    expect(await kernelRun()).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  }, 30_000);
});
