// `ip link set DEV {arp|multicast|promisc|allmulticast|dynamic|trailers} on|off` and `carrier on|off`
// against the kernel: the flags as `ip link` shows them (PROMISC and ALLMULTI only as asked for, the
// counts in -d), the refusals, and what turning ARP off does to the device's neighbour entries
// (arp_netdev_event: all of them go, permanent ones too). The kernel's answers were recorded in a
// throwaway namespace (RECORD=1 rewrites the fixture); with namespaces available the test also asks
// the live kernel. Last, the EMAC: promisc on sets PROM_MODE, so a frame for another MAC reaches
// ip_rcv (and is dropped there as for another host) instead of the hardware filter.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { udpFrame } from '../util/frames.js';
import { canMakeNamespace } from '../diff/kernel.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, ipStepDifferences, words } from '../util/ip-script.js';

const SCRIPT: string[][] = [
  'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02',
  'link set v0 arp off', 'link set v0 multicast off', 'link set v0 promisc on', 'link set v0 allmulticast on',
  'link set v0 dynamic on', 'link set v0 trailers off', 'link show v0', '-d link show v0', '-j link show v0',
  'link set v0 up', 'link set v1 up', 'link show v0', '-br link show v0',
  'link set v0 promisc on', '-d link show v0', 'link set v0 promisc off allmulticast off arp on multicast on dynamic off trailers on',
  'link show v0', '-d link show v0',
  'link set v0 arp foo', 'link set v0 promisc', 'link set v0 carrier off', 'link set v0 carrier maybe',
  'link add br0 address 02:00:00:00:00:10 type bridge mcast_snooping 0', 'link set v1 master br0', 'link set v1 promisc on',
  '-d link show v1', 'link set v1 promisc off', '-d link show v1', 'link set v1 nomaster', '-d link show v1',
  'addr add 192.0.2.1/24 dev v0', 'neigh add 192.0.2.11 lladdr 02:00:00:00:00:11 nud permanent dev v0',
  'neigh add 192.0.2.12 lladdr 02:00:00:00:00:12 nud stale dev v0', 'link set v0 arp off',
  'neigh get 192.0.2.11 dev v0', 'neigh get 192.0.2.12 dev v0',
  'neigh add 192.0.2.13 lladdr 02:00:00:00:00:13 nud permanent dev v0', 'neigh get 192.0.2.13 dev v0', 'link show v0',
  'link set v0 arp on', 'neigh get 192.0.2.13 dev v0', 'link set v0 arp on', 'link show v0',
].map(words);

const FIXTURE = new URL('../fixtures/devices/link-flags-ip.json', import.meta.url);
const can = canMakeNamespace();

describe('ip link set flags: identical to iproute2 6.1 on Linux', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-lf', SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(SCRIPT);
    expect(recorded.some((s) => s.stdout.includes('<BROADCAST,NOARP,ALLMULTI,PROMISC,DYNAMIC,NOTRAILERS,'))).toBe(true);
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(await emulatedIpSteps(SCRIPT), await kernelIpSteps('np-lf', SCRIPT))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});

describe('promisc on an EMAC port', () => {
  it('PROM_MODE lets a frame for another MAC through the hardware filter to ip_rcv, which drops it as for another host', async () => {
    const box = await Box.create();
    for (const c of ['link add eth0 address 02:00:00:00:00:10 type emac', 'link set eth0 up', 'addr add 192.0.2.1/24 dev eth0']) {
      expect(box.ip(c).status).toBe(0);
    }
    box.run({ ns: 3e9 });
    const frame = udpFrame({ src: '192.0.2.10', dst: '192.0.2.1', srcMac: '02:00:00:00:00:20', dstMac: '02:00:00:00:00:55' });
    const otherhost = () => box.link('eth0').stats().rxOtherhostDropped ?? 0;
    const wire = box.link('eth0').wire;
    wire.inject([frame]);
    box.run({ ns: 1e6 });
    expect(otherhost()).toBe(0); // the MAC address filter dropped it
    expect(box.ip('link set eth0 promisc on').status).toBe(0);
    expect(box.ip('-d link show eth0').stdout).toContain(' promiscuity 1 ');
    wire.inject([frame]);
    box.run({ ns: 1e6 });
    expect(otherhost()).toBe(1);
    expect(box.ip('link set eth0 promisc off').status).toBe(0);
    wire.inject([frame]);
    box.run({ ns: 1e6 });
    expect(otherhost()).toBe(1);
  });
});
