// The IPv4 knobs the device scenarios set: net.ipv4.conf.*.arp_notify and
// drop_unicast_in_l2_multicast, net.ipv4.igmp_link_local_mcast_reports and the
// per-device neighbour parameters. `sysctl` answers as procps-ng does on Linux
// (recorded in a throwaway namespace: RECORD=1 rewrites the fixture; with
// namespaces available the live kernel is asked too); the datapath effects as
// observed on Linux 6.18 (tcpdump on a veth peer).
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Box } from '../../src/box.js';
import { runCli } from '../util/cli.js';
import { run, netnsAdd, netnsDel } from '../util/netns.js';
import { canMakeNamespace } from '../diff/kernel.js';
import { icmpEcho, ipv4, mac, IPPROTO } from '../util/frames.js';

const MS = 1_000_000;
/** `ip ...` or `sysctl ...` lines, in order; va/vb a veth pair */
const SCRIPT = [
  'ip link add va type veth peer name vb',
  'sysctl net.ipv4.conf.all.arp_notify net.ipv4.conf.default.arp_notify net.ipv4.conf.va.arp_notify',
  'sysctl -w net.ipv4.conf.default.arp_notify=3',
  'sysctl net.ipv4.conf.va.arp_notify',
  'sysctl -w net.ipv4.conf.va.arp_notify=1',
  'sysctl -w net.ipv4.conf.default.arp_notify=0',
  'sysctl net.ipv4.conf.va.arp_notify net.ipv4.conf.vb.arp_notify',
  'sysctl -w net.ipv4.conf.all.arp_notify=2147483648',
  'sysctl -w net.ipv4.conf.default.drop_unicast_in_l2_multicast=5',
  'sysctl net.ipv4.conf.va.drop_unicast_in_l2_multicast net.ipv4.conf.default.drop_unicast_in_l2_multicast',
  'sysctl -w net.ipv4.conf.all.drop_unicast_in_l2_multicast=1',
  'sysctl net.ipv4.igmp_link_local_mcast_reports',
  'sysctl -w net.ipv4.igmp_link_local_mcast_reports=256',
  'sysctl -w net.ipv4.igmp_link_local_mcast_reports=-1',
  'sysctl -w net.ipv4.igmp_link_local_mcast_reports=0',
  'sysctl net.ipv4.igmp_link_local_mcast_reports',
  'sysctl net.ipv4.neigh.va.retrans_time_ms net.ipv4.neigh.va.mcast_solicit net.ipv4.neigh.va.ucast_solicit',
  'sysctl net.ipv4.neigh.va.app_solicit net.ipv4.neigh.va.mcast_resolicit',
  'sysctl -w net.ipv4.neigh.va.retrans_time_ms=100 net.ipv4.neigh.va.mcast_solicit=3 net.ipv4.neigh.va.app_solicit=0',
  'sysctl net.ipv4.neigh.va.retrans_time net.ipv4.neigh.vb.retrans_time_ms',
  // kept in jiffies (HZ 250): ms round up to 4 ms, USER_HZ and seconds down
  'sysctl -w net.ipv4.neigh.va.retrans_time_ms=101',
  'sysctl net.ipv4.neigh.va.retrans_time_ms net.ipv4.neigh.va.retrans_time',
  'sysctl -w net.ipv4.neigh.va.retrans_time=3',
  'sysctl net.ipv4.neigh.va.retrans_time_ms',
  'sysctl -w net.ipv4.neigh.va.base_reachable_time_ms=1001',
  'sysctl net.ipv4.neigh.va.base_reachable_time_ms net.ipv4.neigh.va.base_reachable_time',
  'sysctl -w net.ipv4.neigh.va.locktime=3 net.ipv4.neigh.va.unres_qlen=5 net.ipv4.neigh.va.delay_first_probe_time=2',
  'sysctl net.ipv4.neigh.va.locktime net.ipv4.neigh.va.unres_qlen_bytes net.ipv4.neigh.va.unres_qlen',
  'sysctl net.ipv4.neigh.default.unres_qlen net.ipv4.neigh.va.delay_first_probe_time', // no neigh/default outside init_net
  'sysctl -w net.ipv4.neigh.va.mcast_solicit=-1',
];

interface Step { cmd: string; stdout: string; stderr: string; status: number }
const FIXTURE = new URL('../fixtures/devices/conf-knobs.json', import.meta.url);

async function kernelSteps(): Promise<Step[]> {
  const ns = await netnsAdd('np-dfix');
  try {
    const out: Step[] = [];
    for (const cmd of SCRIPT) {
      const [tool, ...args] = cmd.split(' ');
      const r = tool === 'ip' ? await run('ip', ['-n', ns, ...args]) : await run('ip', ['netns', 'exec', ns, tool, ...args]);
      out.push({ cmd, stdout: r.stdout, stderr: r.stderr, status: r.status });
    }
    return out;
  } finally { await netnsDel(ns); }
}

async function netpathSteps(): Promise<Step[]> {
  const dir = mkdtempSync(join(tmpdir(), 'np-conf-'));
  const box = join(dir, 'box.json');
  const out: Step[] = [];
  try {
    for (const cmd of SCRIPT) {
      const r = await runCli(['--box', box, ...cmd.split(' ')]);
      out.push({ cmd, stdout: r.out, stderr: r.err, status: r.status });
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
  return out;
}

const can = canMakeNamespace();

describe('sysctl of the scenario knobs: as procps-ng on Linux', () => {
  it('every command as the recorded kernel answered it', async () => {
    if (process.env.RECORD && can.ok) writeFileSync(FIXTURE, JSON.stringify(await kernelSteps(), null, 1) + '\n');
    const recorded: Step[] = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    expect(recorded.map((s) => s.cmd)).toEqual(SCRIPT);
    expect(await netpathSteps()).toEqual(recorded);
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(await netpathSteps()).toEqual(await kernelSteps());
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});

const VA = '02:00:00:00:00:0a', VB = '02:00:00:00:00:0b';
/** va (192.0.2.1/24, 192.0.2.5/24, down) with its peer vb up; what va sends shows up on vb */
async function vethBox() {
  const box = await Box.create();
  for (const c of [`link add va address ${VA} type veth peer name vb address ${VB}`, 'link set vb up',
    'addr add 192.0.2.1/24 dev va', 'addr add 192.0.2.5/24 dev va']) expect(box.ip(c).status).toBe(0);
  return box;
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
/** the gratuitous who-has for `ip` from the device with MAC `m` (inetdev_send_gratuitous_arp) */
const garp = (m: string, ip: string) => {
  const a = hex(mac(m)), i = ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('');
  return `ffffffffffff${a}08060001080006040001${a}${i}000000000000${i}`;
};

describe('arp_notify: gratuitous ARP on NETDEV_UP and NETDEV_CHANGEADDR', () => {
  it('on: one request per address at link up and at each address change, primary first', async () => {
    const box = await vethBox();
    const vb = box.packet('vb');
    box.sysctl('net.ipv4.conf.va.arp_notify', 1);
    box.ip('link set va up');
    box.run({ ns: MS });
    expect(vb.recv().map((p) => hex(p.data))).toEqual([garp(VA, '192.0.2.1'), garp(VA, '192.0.2.5')]);
    box.ip('link set va address 02:11:22:33:44:55');
    box.run({ ns: MS });
    expect(vb.recv().map((p) => hex(p.data))).toEqual([garp('02:11:22:33:44:55', '192.0.2.1'), garp('02:11:22:33:44:55', '192.0.2.5')]);
    expect(box.link('va').stats().txPackets).toBe(4);
  });

  it('the larger of all and the device decides; off (the default): nothing', async () => {
    const box = await vethBox();
    const vb = box.packet('vb');
    box.ip('link set va up');
    box.ip('link set va address 02:11:22:33:44:55');
    box.run({ ns: MS });
    expect(vb.recv()).toEqual([]);
    box.sysctl('net.ipv4.conf.all.arp_notify', 1);
    box.ip('link set va address 02:11:22:33:44:66');
    box.run({ ns: MS });
    expect(vb.recv()).toHaveLength(2);
  });
});

describe('NETDEV_CHANGEADDR: neigh_changeaddr', () => {
  it('every neighbour entry of the device goes, permanent ones too, also when the address is the same', async () => {
    const box = await vethBox();
    box.ip('link set va up');
    const add = () => {
      box.ip('neigh add 192.0.2.9 lladdr 02:00:00:00:00:0b dev va nud permanent');
      box.ip('neigh add 192.0.2.10 lladdr 02:00:00:00:00:0c dev va nud reachable');
    };
    add();
    expect(box.ip('neigh show').stdout.split('\n').filter(Boolean)).toHaveLength(2);
    box.ip('link set va address 02:11:22:33:44:55');
    expect(box.ip('neigh show').stdout).toBe('');
    add();
    box.ip('link set va address 02:11:22:33:44:55');
    expect(box.ip('neigh show').stdout).toBe('');
    add();
    box.ip('link set va mtu 1400'); // other changes keep them
    expect(box.ip('neigh show').stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });
});

describe('drop_unicast_in_l2_multicast', () => {
  const echoIn = (dst: string) => {
    const ip = ipv4({ src: '192.0.2.9', dst: '192.0.2.1', proto: IPPROTO.ICMP, payload: icmpEcho({ id: 1, seq: 1 }) });
    return Uint8Array.from([...mac(dst), ...mac(VB), 0x08, 0x00, ...ip]);
  };
  it('a unicast datagram in a broadcast frame: answered while off, dropped once on (the device or all)', async () => {
    const box = await vethBox();
    box.ip('link set va up');
    box.ip('neigh add 192.0.2.9 lladdr 02:00:00:00:00:0b dev va nud permanent');
    const vb = box.packet('vb');
    vb.send([echoIn('ff:ff:ff:ff:ff:ff')]);
    box.run({ ns: MS });
    expect(vb.recv().filter((p) => p.direction === 'in')).toHaveLength(1);
    box.sysctl('net.ipv4.conf.va.drop_unicast_in_l2_multicast', 1);
    vb.send([echoIn('ff:ff:ff:ff:ff:ff'), echoIn('01:00:5e:00:00:01'), echoIn(VA)]);
    box.run({ ns: MS });
    expect(vb.recv().filter((p) => p.direction === 'in')).toHaveLength(1); // only the one in a unicast frame
    expect(box.dropReasons().UNICAST_IN_L2_MULTICAST).toBe(2);
  });
});
