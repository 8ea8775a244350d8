// `ip -s -s link` against the kernel: the error lines, the carrier changes every device
// kind counts (IFLA_CARRIER_CHANGES: veth, bridge, macvlan, tap, lo) and the frames ip_rcv
// drops for another host (rx_otherhost_dropped), byte for byte. IPv6 is off in the
// kernel's namespace and the bridge does not snoop multicast (so it sends no IGMP reports for the
// all-snoopers group, whose random timing the counters would catch mid-way). The kernel's
// answers were recorded in a throwaway namespace (RECORD=1 rewrites the fixture); with
// namespaces available the test also asks the live kernel.
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { Box } from '../../src/box.js';
import { run, netnsAdd, netnsDel } from '../util/netns.js';
import { canMakeNamespace } from '../diff/kernel.js';

/**
 * `wait`: the kernel's linkwatch applies a bridge's carrier loss (not an urgent event) up to a second
 * later, netpath at once; the kernel side waits that out. `send N ADDR`: N UDP datagrams from the box to ADDR port 9
 * (each ADDR has a static entry with a MAC nobody has)
 */
const SCRIPT = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  '-s -s link show', '-s -s -j link show v1',
  'link set v0 up', '-s -s -j link show', 'link set v1 up', '-s -s -j link show',
  'link add br0 address 02:00:00:00:00:10 type bridge mcast_snooping 0', 'link set br0 up', '-s -s -j link show br0',
  'link add v2 address 02:00:00:00:00:03 type veth peer name v3 address 02:00:00:00:00:04',
  'link set v2 master br0', '-s -s -j link show br0', 'link set v2 up', 'link set v3 up', '-s -s -j link show',
  'link set v3 down', 'wait', '-s -s -j link show',
  'link add mv0 address 02:00:00:00:00:20 link v3 type macvlan', '-s -s -j link show mv0',
  'link add mv1 address 02:00:00:00:00:21 link v1 type macvlan', 'link set mv1 up', '-s -s -j link show mv1',
  'link set v0 down', '-s -s -j link show', 'link set v0 up', '-s -s -j link show',
  'tuntap add tap0 mode tap', 'link set tap0 address 02:00:00:00:00:30', '-s -s -j link show tap0',
  'link set tap0 up', '-s -s -j link show tap0',
  'link set lo up', '-s -s -j link show lo',
  'addr add 192.0.2.1/24 dev v0', 'addr add 192.0.2.2/24 dev v1',
  'neigh add 192.0.2.9 lladdr 02:00:00:00:00:99 dev v0', 'send 12 192.0.2.9',
  '-s -s link show v0', '-s -s link show v1', '-s -s -j link show v1', '-s -j link show v1', '-s link show v1',
  '-s -s addr show dev v1',
  // up without a carrier (the peer down, no live bridge port): the noop qdisc drops what is sent
  'link add v4 address 02:00:00:00:00:05 type veth peer name v5 address 02:00:00:00:00:06', 'link set v4 up',
  'addr add 198.18.0.1/24 dev v4', 'neigh add 198.18.0.9 lladdr 02:00:00:00:00:99 dev v4', 'send 3 198.18.0.9',
  '-s link show v4', '-s link show v5',
  'addr add 198.51.100.1/24 dev br0', 'neigh add 198.51.100.9 lladdr 02:00:00:00:00:98 dev br0', 'send 2 198.51.100.9',
  '-s link show br0', '-s link show v2',
];

interface Step { cmd: string; stdout: string; stderr: string; status: number }
const FIXTURE = new URL('../fixtures/devices/link-stats-ip.json', import.meta.url);

async function kernelSteps(): Promise<Step[]> {
  const ns = await netnsAdd('np-ls');
  try {
    for (const k of ['all', 'default']) await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    const out: Step[] = [];
    for (const cmd of SCRIPT) {
      if (cmd === 'wait') {
        await new Promise((r) => setTimeout(r, 1500));
        out.push({ cmd, stdout: '', stderr: '', status: 0 });
        continue;
      }
      if (cmd.startsWith('send ')) {
        const [, n, to] = cmd.split(' ');
        const js = `const s=require('dgram').createSocket('udp4');let k=0;const f=()=>{if(k++==${n})return s.close();s.send(Buffer.from('x'),9,'${to}',f)};f()`;
        const r = await run('ip', ['netns', 'exec', ns, process.execPath, '-e', js]);
        out.push({ cmd, stdout: r.stdout, stderr: r.stderr, status: r.status });
        continue;
      }
      const r = await run('ip', ['-n', ns, ...cmd.split(' ')]);
      out.push({ cmd, stdout: r.stdout, stderr: r.stderr, status: r.status });
    }
    return out;
  } finally { await netnsDel(ns); }
}

async function emulatedSteps(): Promise<Step[]> {
  const box = await Box.create();
  const out: Step[] = [];
  for (const cmd of SCRIPT) {
    if (cmd === 'wait') { out.push({ cmd, stdout: '', stderr: '', status: 0 }); continue; }
    if (cmd.startsWith('send ')) {
      const [, n, to] = cmd.split(' ');
      const sock = box.udp.bind({ port: 0 });
      for (let i = 0; i < Number(n); i++) sock.send(Uint8Array.of(0x78), { address: to, port: 9 });
      box.run({ ns: 1e6 });
      sock.close();
      out.push({ cmd, stdout: '', stderr: '', status: 0 });
      continue;
    }
    out.push({ cmd, ...box.ip(cmd) });
  }
  return out;
}

const can = canMakeNamespace();

describe('ip -s -s link: identical to iproute2 6.1 on Linux', () => {
  it('every command as the recorded kernel answered it', async () => {
    if (process.env.RECORD && can.ok) writeFileSync(FIXTURE, JSON.stringify(await kernelSteps(), null, 1) + '\n');
    const recorded: Step[] = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    expect(recorded.map((s) => s.cmd)).toEqual(SCRIPT);
    expect(await emulatedSteps()).toEqual(recorded);
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(await emulatedSteps()).toEqual(await kernelSteps());
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});

  it('an EMAC port counts its carrier as the driver and phylib move it (no kernel here has one: from the mainline source)', async () => {
    // emac_probe leaves the fresh netdevice's carrier on; each ifup's phy_connect_direct (phy_attach_direct) turns it
    // off, the autonegotiated link on; ifdown's phy_stop and a running MTU change (emac_reinit_locked) take the link down
    const box = await Box.create();
    const changes = () => JSON.parse(box.ip('-s -s -j link show eth0').stdout)[0].stats64.tx.carrier_changes;
    const seen: number[] = [];
    expect(box.ip('link add eth0 address 02:00:00:00:00:10 type emac').status).toBe(0);
    seen.push(changes());
    for (const cmd of ['link set eth0 up', 'link set eth0 down', 'link set eth0 up', 'link set eth0 mtu 1400']) {
      expect(box.ip(cmd).status).toBe(0);
      box.run({ ns: 3e9 });
      seen.push(changes());
    }
    expect(seen).toEqual([0, 2, 3, 4, 6]);
  });
});
