// Neighbour entries over time, the same way in the kernel and in netpath: a
// namespace (or box) with a veth pair v0/v1, 192.0.2.1/24 on v0, some entries
// made with `ip neigh add`, an optional UDP datagram sent at time 0, then
// `ip ... neigh` asked at given times, and the ARP packets v0 sent, each with
// the second it left (rounded) and its Ethernet destination.
import { Box } from '../../src/box.js';
import { formatMac } from '../../src/ip/parse.js';
import { must } from '../util/ip.js';
import { run } from '../util/netns.js';

export interface TimerScenario {
  name: string;
  /** sysctls set before the entries are made (net.ipv4.neigh.v0.*) */
  sysctls: [string, string][];
  /** `ip neigh add ...` arguments, after `neigh add` */
  entries: string[];
  /** a datagram from 192.0.2.1 to this address at time 0 */
  sendTo?: string;
  /** seconds after the entries were made */
  at: number[];
  /** the `ip` arguments asked at each time */
  show: string[];
}

export interface TimerAnswer {
  /** what `ip <show>` printed at each time */
  shown: string[];
  /** ARP packets out of v0: [second (rounded), Ethernet destination, ARP op] */
  arps: [number, string, number][];
}

export const SCENARIOS: TimerScenario[] = [
  {
    name: 'a stale entry used: DELAY, then PROBE with unicast requests, then FAILED',
    sysctls: [],
    entries: ['192.0.2.6 lladdr 02:00:00:00:00:96 dev v0 nud stale', '192.0.2.8 lladdr 02:00:00:00:00:98 dev v0'],
    sendTo: '192.0.2.6',
    at: [0.5, 4.5, 5.5, 6.5, 7.5, 9.5, 10.5],
    show: ['-s', 'neigh'],
  },
  {
    name: 'a reachable entry made (used) less than delay_first_probe_time ago goes DELAY after reachable_time',
    sysctls: [['net.ipv4.neigh.v0.base_reachable_time_ms', '2000']],
    entries: [
      '192.0.2.9 lladdr 02:00:00:00:00:99 dev v0 nud reachable', '192.0.2.8 lladdr 02:00:00:00:00:98 dev v0',
      '192.0.2.7 lladdr 02:00:00:00:00:97 dev v0 nud stale',
    ],
    at: [0.5, 3.5, 4.5],
    show: ['-j', '-s', 'neigh'],
  },
  {
    name: 'a reachable entry not used for delay_first_probe_time goes STALE after reachable_time',
    sysctls: [['net.ipv4.neigh.v0.base_reachable_time_ms', '4000'], ['net.ipv4.neigh.v0.delay_first_probe_time', '1']],
    entries: ['192.0.2.9 lladdr 02:00:00:00:00:99 dev v0 nud reachable'],
    at: [0.5, 6.5],
    show: ['-j', '-s', 'neigh'],
  },
];

/**
 * What is compared of an answer. The kernel dumps its entries in the order of
 * its hash table (seeded at random); netpath in the order they were made: the
 * entries are sorted. [model choice] Linux draws reachable_time from
 * [base/2, 3*base/2); netpath takes base: where an entry has aged from
 * REACHABLE, when it changed (its `updated`) is the kernel's draw, masked.
 */
export function normalize(sc: TimerScenario, a: TimerAnswer): TimerAnswer {
  const shown = a.shown.map((out, k) => {
    if (sc.show.includes('-j')) {
      const list = (JSON.parse(out) as Record<string, unknown>[]).sort((x, y) => String(x.dst).localeCompare(String(y.dst)));
      for (const e of list) if (k > 0 && sc.sysctls.length && e.dst === '192.0.2.9') e.updated = '(drawn)';
      return JSON.stringify(list);
    }
    return out.split('\n').filter(Boolean).sort().join('\n');
  });
  return { shown, arps: a.arps };
}

const ARP_OP_LOW = 21; // the ARP opcode's low byte in an Ethernet frame

/** The scenario through netpath, in virtual time (polled every 100 ms for the ARP packets). */
export async function runNetpath(sc: TimerScenario): Promise<TimerAnswer> {
  const box = await Box.create();
  must(box, 'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up', 'addr add 192.0.2.1/24 dev v0');
  for (const [k, v] of sc.sysctls) box.sysctl(k, v); // throws when refused
  must(box, ...sc.entries.map((e) => `neigh add ${e}`));
  const tap = box.packet('v1');
  const arps: TimerAnswer['arps'] = [];
  if (sc.sendTo) box.udp.bind({ port: 4000 }).send(new Uint8Array([120]), { address: sc.sendTo, port: 9 });
  const shown: string[] = [];
  let now = 0;
  const step = (until: number) => {
    while (now < until - 1e-9) {
      const next = Math.min(until, Math.round((now + 0.1) * 10) / 10);
      box.run({ ns: Math.round((next - now) * 1e9) });
      now = next;
      for (const r of tap.recv()) {
        if (r.direction === 'in' && r.protocol === 0x0806) arps.push([Math.round(now), formatMac(r.data.subarray(0, 6)), r.data[ARP_OP_LOW]]);
      }
    }
  };
  for (const t of sc.at) {
    step(t);
    shown.push(box.ip(sc.show.join(' ')).stdout);
  }
  return { shown, arps };
}

// The kernel side: one Python process in the namespace makes the entries, sends,
// asks and listens on v1 (AF_PACKET) with one clock.
const KERNEL_SCRIPT = String.raw`
import json, socket, subprocess, sys, time
sc = json.loads(sys.argv[1])
for k, v in sc['sysctls']:
    subprocess.run(['sysctl', '-qw', k + '=' + v], check=True)
cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
cap.bind(('v1', 0))
cap.settimeout(0.005)
t0 = time.monotonic()
for e in sc['entries']:
    subprocess.run(['ip', 'neigh', 'add'] + e.split(), check=True)
if sc.get('sendTo'):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('192.0.2.1', 4000))
    s.sendto(b'x', (sc['sendTo'], 9))
shown, arps = [], []
for at in sc['at']:
    while time.monotonic() - t0 < at:
        try:
            f = cap.recv(100)
            arps.append([round(time.monotonic() - t0), f[0:6].hex(':'), f[21]])  # f[21]: the opcode's low byte
        except socket.timeout:
            pass
    shown.append(subprocess.run(['ip'] + sc['show'], capture_output=True, text=True).stdout)
print(json.dumps({'shown': shown, 'arps': arps}))
`;

/** The scenario through the kernel, in namespace `ns` (made empty by the caller). */
export async function runKernel(ns: string, sc: TimerScenario): Promise<TimerAnswer> {
  for (const a of [['link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['link', 'set', 'v0', 'up'], ['link', 'set', 'v1', 'up'],
    ['addr', 'add', '192.0.2.1/24', 'dev', 'v0']]) {
    const r = await run('ip', ['-n', ns, ...a]);
    if (r.status !== 0) throw new Error(`ip ${a.join(' ')}: ${r.stderr}`);
  }
  const r = await run('ip', ['netns', 'exec', ns, 'python3', '-c', KERNEL_SCRIPT, JSON.stringify(sc)]);
  if (r.status !== 0) throw new Error(`kernel scenario ${sc.name}: ${r.stderr}`);
  return JSON.parse(r.stdout) as TimerAnswer;
}
