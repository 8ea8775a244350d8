// `ip` and `bridge` command scripts for the bridge, answered by the kernel in
// a throwaway namespace and by netpath: configuration changes (enslave,
// nomaster, move a port between bridges, up/down, MTU and address rules,
// delete), the errors (loopback, a bridge into a bridge, a missing master, a
// master that is not a bridge) and what `ip link`, `ip -s link`,
// `bridge fdb show` and `bridge link show` print after each change.
//
// The kernel applies carrier changes through linkwatch (up to 1 s later), so
// the runner waits before a show that follows a change.
import { Rng } from '../diff/gen.js';
import { netnsAdd, netnsDel, run } from '../util/netns.js';
import { Box } from '../../src/box.js';

export interface Answer { cmd: string; status: number; stdout: string; stderr: string }
export interface BridgeScript { name: string; cmds: string[] }

const isShow = (c: string) => / show| -s link|^bridge (-\w+ )*(fdb|link)$/.test(c) || /^(ip|bridge)( -\w+)* (link|fdb)( show.*)?$/.test(c);

const PRE = [
  'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv4.igmp_link_local_mcast_reports=0',
];

/** Runs a script in a fresh namespace: one answer per command. */
export async function runScriptKernel(s: BridgeScript): Promise<Answer[]> {
  const ns = await netnsAdd('npbr');
  try {
    for (const p of PRE) await run('ip', ['netns', 'exec', ns, 'sh', '-c', p]);
    const out: Answer[] = [];
    let changed = false;
    for (const cmd of s.cmds) {
      const argv = cmd.split(/\s+/);
      if (isShow(cmd) && changed) { await new Promise((r) => setTimeout(r, 1100)); changed = false; }
      const r = await run('ip', ['netns', 'exec', ns, ...argv]);
      out.push({ cmd, status: r.status, stdout: r.stdout, stderr: r.stderr });
      if (!isShow(cmd)) changed = true;
    }
    return out;
  } finally {
    await netnsDel(ns);
  }
}

/** The same script through netpath. */
export async function runScriptNetpath(s: BridgeScript): Promise<Answer[]> {
  const box = await Box.create();
  return s.cmds.map((cmd) => {
    const [tool, ...argv] = cmd.split(/\s+/);
    const r = tool === 'bridge' ? box.bridge(argv) : box.ip(argv);
    return { cmd, ...r };
  });
}

const veth = (n: string, mac: string, peer: string, peerMac: string, extra = '') =>
  `ip link add ${n} address ${mac}${extra} type veth peer name ${peer} address ${peerMac}`;

/** Hand-written scripts: each rule once. */
export const SCRIPTS: BridgeScript[] = [
  {
    name: 'enslave-carrier-address-mtu',
    cmds: [
      'ip link add br0 address 02:b0:00:00:00:01 type bridge', 'bridge fdb show', 'ip link set br0 up', 'ip link show br0', 'bridge fdb show br br0',
      veth('p0', '02:d0:00:00:00:02', 'tp0', '02:ee:00:00:00:00'), veth('p1', '02:d0:00:00:00:01', 'tp1', '02:ee:00:00:00:01', ' mtu 1400'),
      'ip link set p0 master br0', 'ip link show br0', 'ip link set p0 up', 'ip link show br0', 'ip link set tp0 up', 'ip link show',
      'ip link set p1 master br0', 'ip link set p1 up', 'ip link show', 'bridge fdb show', 'bridge link show', 'bridge -j link', 'ip -j link show p0',
      'ip link set tp1 up', 'bridge link show', 'ip -s link show br0',
    ],
  },
  {
    name: 'auto-address-and-mtu',
    cmds: [
      'ip link add br0 type bridge',
      veth('p0', '02:d0:00:00:00:05', 'tp0', '02:ee:00:00:00:00'), veth('p1', '02:d0:00:00:00:03', 'tp1', '02:ee:00:00:00:01', ' mtu 1400'),
      veth('p2', '02:d0:00:00:00:04', 'tp2', '02:ee:00:00:00:02'),
      'ip link set p0 master br0', 'ip link show br0', 'bridge fdb show br br0', 'ip link set p1 master br0', 'ip link show br0',
      'ip link set p2 master br0', 'bridge fdb show br br0', 'ip link set p1 nomaster', 'ip link show br0', 'bridge fdb show br br0',
      'ip link set p2 mtu 1300', 'ip link show br0', 'ip link set br0 mtu 1200', 'ip link set p2 mtu 1500', 'ip link show br0',
      'ip link set br0 mtu 9000', 'ip link show br0', 'ip link set p0 address 02:d0:00:00:00:01', 'ip link show br0', 'bridge fdb show',
      'ip link set br0 address 02:b0:00:00:00:07', 'ip link show br0', 'bridge fdb show br br0', 'ip link set p0 nomaster',
      'ip link set p2 nomaster', 'ip link set br0 up', 'ip link show br0', 'bridge fdb show br br0',
    ],
  },
  {
    name: 'errors-and-moves',
    cmds: [
      'ip link add br0 address 02:b0:00:00:00:01 type bridge', 'ip link add br1 address 02:b0:00:00:00:02 type bridge',
      veth('p0', '02:d0:00:00:00:02', 'tp0', '02:ee:00:00:00:00'),
      'ip link set lo master br0', 'ip link set br1 master br0', 'ip link set p0 master nosuch', 'ip link set p0 master tp0',
      'ip link set tp0 nomaster', 'ip link set p0 master br0', 'ip link set p0 master br0', 'ip link show master br0',
      'ip link set p0 master br1', 'ip link show p0', 'bridge fdb show br br1', 'bridge fdb show br br0', 'bridge fdb show br nosuch',
      'bridge fdb show brport p0', 'bridge -j fdb show brport p0', 'bridge link show dev p0', 'bridge link show dev nosuch',
      'ip link set br1 up', 'ip link set p0 up', 'ip link set tp0 up', 'ip link show', 'ip link del br1', 'ip link show p0',
      'bridge fdb show', 'ip link set p0 master br0', 'ip link del p0', 'bridge fdb show', 'ip link show br0', 'ip link del br0', 'ip link show',
      'ip link add name bridge address 02:b0:00:00:00:05 type bridge', 'ip link add address 02:b0:00:00:00:06 type bridge', 'ip link show',
      'ip link show master nosuch',
    ],
  },
];

/** A random script over 2 bridges and 3 ports (no show of a bridge's random address: bridges get one). */
export function randomScript(seed: number): BridgeScript {
  const rng = new Rng(seed);
  const cmds: string[] = [
    'ip link add br0 address 02:b0:00:00:00:0a type bridge', 'ip link add br1 type bridge',
    veth('p0', `02:d0:00:00:00:0${rng.int(1, 9)}`, 'tp0', '02:ee:00:00:00:00'),
    veth('p1', `02:d1:00:00:00:0${rng.int(1, 9)}`, 'tp1', '02:ee:00:00:00:01'),
    veth('p2', `02:d0:00:00:00:1${rng.int(0, 9)}`, 'tp2', '02:ee:00:00:00:02'),
    `ip link set p${rng.int(0, 2)} master br1`,
  ];
  const devs = ['p0', 'p1', 'p2', 'tp0', 'tp1', 'tp2', 'br0', 'br1'];
  for (let i = 0; i < 14; i++) {
    const d = rng.pick(devs);
    cmds.push(rng.weighted<string>([
      [4, `ip link set ${rng.pick(['p0', 'p1', 'p2'])} master ${rng.pick(['br0', 'br1'])}`],
      [2, `ip link set ${rng.pick(['p0', 'p1', 'p2'])} nomaster`],
      [3, `ip link set ${d} ${rng.pick(['up', 'down'])}`],
      [1, `ip link set ${rng.pick(['p0', 'p1', 'p2'])} mtu ${rng.pick([1280, 1400, 1500])}`],
      [1, `ip link set ${rng.pick(['p0', 'p1', 'p2'])} address 02:d0:00:00:00:${rng.int(20, 40)}`],
    ]));
    if (rng.chance(0.4)) cmds.push(rng.pick(['ip link show', 'bridge fdb show', 'bridge link show', 'ip -j link show', 'bridge -j fdb show br br0']));
  }
  cmds.push('ip link show', 'bridge fdb show', 'bridge link show');
  return { name: `random-${seed}`, cmds };
}

/** Answers that agree: status, stdout and stderr all equal. */
export function sameAnswer(a: Answer, b: Answer): boolean {
  return a.status === b.status && a.stdout === b.stdout && a.stderr === b.stderr;
}
