// Forwarded packets over a route using a resilient nexthop group (`nhid`) take the kernel's member: the
// flow's multipath hash picks a bucket (hash % buckets, nexthop_select_path_res) and the bucket names the
// member. Frames sent into a router whose route to 203.0.113.0/24 uses a resilient group of three nexthop
// objects (on two ports, weighted) come out of the port, towards the gateway, the kernel sends them to,
// under hash policies 0 and 1; then after the group is replaced by one with other members and weights
// (buckets of a member that left, and unused buckets of an overweight one, move at once) and after a member
// is deleted. Against recorded kernel frames and, where namespaces can be made, the live kernel (test/pktdiff's
// harness); and in netpath the port a forwarded packet leaves by is the one `ip route get ... iif` names.
// RECORD=1 with namespaces rewrites the recorded answers.
import { describe, it, expect } from 'vitest';
import type { PktScenario } from './pktdiff/gen.js';
import type { FrameResult } from './pktdiff/kernel.js';
import { GW_MAC, PORTS, expectOneDecision, flowFrames, frameDifferences, gatewayOf, itLive, recordedKernel, routerSteps } from './pktdiff/multipath.js';

function scenario(policy: 0 | 1, seed: number, n: number, group: string, after: string[]): PktScenario {
  const steps: PktScenario['steps'] = [
    ...routerSteps(policy, '271828'),
    ...['nexthop add id 1 via 192.0.2.2 dev p1', 'nexthop add id 2 via 198.51.100.3 dev p2', 'nexthop add id 3 via 198.51.100.4 dev p2',
    ].map((ip) => ({ ip })),
    { ip: `nexthop add id 10 group ${group}`, family: 'unspec' },
    { ip: 'route add 203.0.113.0/24 nhid 10' },
    ...after.map((ip) => ({ ip, family: 'unspec' as const })),
  ];
  return { seed, gen: 0, ports: PORTS, steps, frames: flowFrames(policy, seed, n) };
}

const SCENARIOS = [
  scenario(0, 41, 60, '1,2/2/3,3 type resilient buckets 32', []),
  scenario(1, 42, 60, '1/2/3 type resilient buckets 7 idle_timer 10', []),
  scenario(0, 43, 40, '1/2/3 type resilient buckets 16', ['nexthop replace id 10 group 1,3/3 type resilient']),
  scenario(1, 44, 40, '1,5/2/3,2 type resilient buckets 64 unbalanced_timer 5', ['nexthop del id 1']),
];
const FIXTURE = new URL('./fixtures/routing/nexthop-resilient-packets.json', import.meta.url);
const recorded = () => recordedKernel(SCENARIOS, FIXTURE, 'np-res-pkt');
const differences = (kernel: FrameResult[][]) => frameDifferences(kernel, SCENARIOS);

describe('forwarded packets over a route using a resilient nexthop group', () => {
  it('leave by the port and towards the gateway the recorded kernel chose, for every frame', async () => {
    const kernel = await recorded();
    for (const r of kernel.flat()) expect(r.out.length).toBe(1);
    const gws = (k: number) => [...new Set(kernel[k].map((r) => gatewayOf(r.out[0].hex)))].sort();
    // the full groups spread flows over all three members; after the replace only 1 and 3 are left, after the delete 2 and 3
    expect(gws(0)).toEqual(Object.keys(GW_MAC).sort());
    expect(gws(1)).toEqual(Object.keys(GW_MAC).sort());
    expect(gws(2)).toEqual(['192.0.2.2', '198.51.100.4']);
    expect(gws(3)).toEqual(['198.51.100.3', '198.51.100.4']);
    expect(await differences(kernel)).toBe('');
  });
  itLive('leave as the live kernel sends them', SCENARIOS, 'np-res-pkt');

  it('take the member `ip route get ... iif` names in the same box (one decision)', async () => {
    await expectOneDecision(SCENARIOS, (f) => f.case === 'mp-tcp', (f) => f.case === 'mp-icmp-error');
  });
});
