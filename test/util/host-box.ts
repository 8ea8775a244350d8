// A box as a multicast host for tests: p0 (192.0.2.1/24) up, its veth peer tp0 up and inert (no
// forwarding), the tester's end for injecting frames and, from p0, a packet socket seeing what leaves.
import { expect } from 'vitest';
import { Box } from '../../src/box.js';

export async function hostBox(): Promise<{ box: Box; p0: number; cap: ReturnType<Box['packet']> }> {
  const box = await Box.create();
  for (const l of ['link add p0 address 02:00:00:00:00:01 type veth peer name tp0 address 02:00:00:00:00:02',
    'link set p0 up', 'link set tp0 up', 'addr add 192.0.2.1/24 dev p0']) expect(box.ip(l).status).toBe(0);
  box.sysctl('net.ipv4.conf.tp0.forwarding', '0');
  const p0 = box.rtnl.links().find((l) => l.name === 'p0')!.ifindex;
  return { box, p0, cap: box.packet('p0') };
}
