// Deleting a neighbour that is still being resolved: the packets queued on it
// get ICMP host unreachable at once, as on Linux (neigh_delete -> __neigh_update
// to NUD_FAILED -> neigh_invalidate -> arp_error_report), and res_failed counts it.
//
// The router: a0 192.0.2.1/24 (the sender 192.0.2.10 behind it, a permanent
// entry) and a1 198.51.100.1/24, whose neighbour 198.51.100.2 never answers
// and is probed only every 5 s. The sender's UDP datagram to 198.51.100.2
// waits in the INCOMPLETE entry's queue; `ip neigh del` is what sends the ICMP.
//  (a) netpath against the kernel's ICMP as recorded (IP ID and header checksum masked);
//  (b) where a namespace can be made, the live kernel again: the same ICMP right
//      after the delete, and none within the same time when nothing is deleted.
// NP_RECORD=1 rewrites the fixture from the live kernel.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Box } from '../../src/box.js';
import { ETH_IP, eth, ipv4, udp } from '../pktdiff/frames.js';
import { netnsAdd, netnsDel, run } from '../util/netns.js';
import { netnsWhyNot } from '../util/recorded.js';

const FIXTURE = new URL('../fixtures/neigh/neigh-del-queue.json', import.meta.url);
const A0 = '02:00:00:00:00:01', A1 = '02:00:00:00:00:02', B0 = '02:00:00:00:00:10';
const SETUP = [
  `link set a0 address ${A0}`, `link set a1 address ${A1}`, 'link set a0 up', 'link set a1 up',
  'addr add 192.0.2.1/24 dev a0', 'addr add 198.51.100.1/24 dev a1',
  `neigh add 192.0.2.10 lladdr ${B0} dev a0 nud permanent`,
];
const SYSCTLS: [string, string][] = [['net.ipv4.ip_forward', '1'], ['net.ipv4.neigh.a1.retrans_time_ms', '5000']];
const PAYLOAD = [...'queued'].map((c) => c.charCodeAt(0));
const DATAGRAM = ipv4({ src: '192.0.2.10', dst: '198.51.100.2', proto: 17, id: 0x4242, ttl: 64 }, udp('192.0.2.10', '198.51.100.2', 40000, 9, new Uint8Array(PAYLOAD)));

/** an IPv4 packet as hex with the IP ID and the header checksum zeroed (the kernel's IDs are its own) */
const masked = (ip: Uint8Array) => { const c = ip.slice(); c.fill(0, 4, 6); c.fill(0, 10, 12); return Buffer.from(c).toString('hex'); };

interface Kernel { icmp: string | null; ms: number }

// in the sender's namespace: a raw ICMP socket, then the datagram as it is (a packet socket on b0); prints what came back
const SENDER = `
import json, socket, sys, time
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); r.settimeout(float(sys.argv[2]))
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); p.bind(('b0', 0)); p.send(bytes.fromhex(sys.argv[1]))
t0 = time.time()
try:
    d, a = r.recvfrom(4096); print(json.dumps({'icmp': d.hex(), 'ms': round((time.time() - t0) * 1000)}))
except socket.timeout: print(json.dumps({'icmp': None, 'ms': round((time.time() - t0) * 1000)}))
`;

/** the live kernel: sends the datagram, deletes the neighbour after `delMs` (or never) and listens `listenS` seconds */
async function kernel(delMs: number | null, listenS: number): Promise<Kernel> {
  const a = await netnsAdd('np-ndq');
  let b: string | undefined;
  try {
    b = await netnsAdd('np-ndq');
    const must = async (args: string[]) => { const r = await run(args[0], args.slice(1)); if (r.status) throw new Error(`${args.join(' ')}: ${r.stderr}`); };
    await must(['ip', '-n', a, 'link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'b0', 'netns', b]);
    await must(['ip', '-n', a, 'link', 'add', 'a1', 'type', 'veth', 'peer', 'name', 'b1', 'netns', b]);
    for (const c of ['link set b0 address ' + B0, 'link set b0 up', 'link set b1 up', 'addr add 192.0.2.10/24 dev b0']) await must(['ip', '-n', b, ...c.split(' ')]);
    for (const c of SETUP) await must(['ip', '-n', a, ...c.split(' ')]);
    for (const [k, v] of SYSCTLS) await must(['ip', 'netns', 'exec', a, 'sysctl', '-qw', `${k}=${v}`]);
    const frame = Buffer.from(eth(A0, B0, ETH_IP, DATAGRAM)).toString('hex');
    const sender = run('ip', ['netns', 'exec', b, 'python3', '-c', SENDER, frame, String(listenS)]);
    if (delMs !== null) {
      // at least delMs, and until the datagram waits in the entry: python's start may take longer on a busy machine
      await new Promise((r) => setTimeout(r, delMs));
      for (let i = 0; i < 100; i++) {
        if ((await run('ip', ['-n', a, 'neigh', 'show', '198.51.100.2', 'dev', 'a1'])).stdout.includes('INCOMPLETE')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await must(['ip', '-n', a, 'neigh', 'del', '198.51.100.2', 'dev', 'a1']);
    }
    const out = await sender;
    if (out.status) throw new Error(`sender: ${out.stderr}`);
    return JSON.parse(out.stdout) as Kernel;
  } finally {
    if (b) await netnsDel(b);
    await netnsDel(a);
  }
}

/** netpath: the same, on virtual time; the ICMP that reached b0 (its IP packet) and res_failed's increment */
async function netpath(del: boolean): Promise<{ icmp: Uint8Array[]; resFailed: number; neigh: string }> {
  const box = await Box.create();
  for (const c of ['link add a0 type veth peer name b0', 'link add a1 type veth peer name b1', `link set b0 address ${B0}`, 'link set b0 up', 'link set b1 up', ...SETUP]) {
    expect(box.ip(c).status, c).toBe(0);
  }
  for (const [k, v] of SYSCTLS) box.sysctl(k, v);
  const resFailed = () => Number(/res_failed (\d+)/.exec(box.ip('-s ntable show dev none name arp_cache').stdout)?.[1]);
  const before = resFailed();
  const sock = box.packet('b0');
  sock.send([eth(A0, B0, ETH_IP, DATAGRAM)]);
  box.run({ ns: 500e6 });
  const neigh = box.ip('neigh show dev a1').stdout.trim();
  if (del) expect(box.ip('neigh del 198.51.100.2 dev a1').status).toBe(0);
  box.run({ ns: 1e9 });
  const icmp = sock.recv().filter((r) => r.direction === 'in' && r.data[12] === 0x08 && r.data[13] === 0x00 && r.data[23] === 1).map((r) => r.data.subarray(14));
  sock.close();
  return { icmp, resFailed: resFailed() - before, neigh };
}

const why = await netnsWhyNot();
const python = (await run('python3', ['-V']).catch(() => ({ status: 1 }))).status === 0;
const whyLive = why || (python ? '' : 'python3 not found');

describe('ip neigh del of an entry still being resolved', () => {
  if (process.env.NP_RECORD && !whyLive) {
    it('records the kernel\'s ICMP', async () => {
      const k = await kernel(500, 3);
      expect(k.icmp).not.toBeNull();
      writeFileSync(FIXTURE, JSON.stringify({ note: 'the IP packet the sender got after ip neigh del, hex', icmp: k.icmp }, null, 2) + '\n');
    }, 30_000);
  }

  it('sends the queued packet\'s sender ICMP host unreachable, byte for byte as the kernel did (recorded)', async () => {
    const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { icmp: string };
    const got = await netpath(true);
    expect(got.neigh).toBe('198.51.100.2 INCOMPLETE');
    expect(got.icmp).toHaveLength(1);
    const want = Buffer.from(recorded.icmp, 'hex');
    expect([want[20], want[21]]).toEqual([3, 1]); // the fixture is a host unreachable
    expect(masked(got.icmp[0])).toBe(masked(want));
    expect(got.resFailed).toBe(1);
  });

  it('sends nothing while the entry is left to its probes (5 s apart)', async () => {
    const got = await netpath(false);
    expect(got.icmp).toHaveLength(0);
    expect(got.resFailed).toBe(0);
  });

  if (!whyLive) {
    it('the live kernel sends the same ICMP right after the delete, and none without it', async () => {
      const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { icmp: string };
      const k = await kernel(500, 3);
      expect(k.icmp, 'an ICMP after the delete').not.toBeNull();
      expect(masked(Buffer.from(k.icmp!, 'hex'))).toBe(masked(Buffer.from(recorded.icmp, 'hex')));
      expect(k.ms).toBeLessThan(3000);
      const quiet = await kernel(null, 2);
      expect(quiet.icmp, 'no ICMP without the delete').toBeNull();
    }, 30_000);
  } else {
    it.skip(`the live kernel: skipped, ${whyLive}`, () => {});
  }
});
