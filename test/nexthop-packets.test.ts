// Forwarded packets over a route using a nexthop group (`nhid`) take the kernel's member: frames sent
// into a router whose route to 203.0.113.0/24 uses a weighted group of three nexthop objects (on two
// ports) come out of the port, towards the gateway, the kernel sends them to (nexthop_select_path_hthr
// over fib_multipath_hash, seed set), under hash policies 0 and 1; then the group loses a member
// (`nexthop del`) and the flows spread over the two left. UDP and TCP flows, and ICMP errors, hashed by the
// packet they quote. Against recorded kernel frames and, where
// namespaces can be made, the live kernel (test/pktdiff's harness); and in netpath itself the port a
// forwarded packet leaves by is the one `ip route get ... iif` names. RECORD=1 with namespaces rewrites
// the recorded answers.
import { describe, it, expect } from 'vitest';
import type { PktScenario } from './pktdiff/gen.js';
import type { FrameResult } from './pktdiff/kernel.js';
import { GW_MAC, PORTS, expectOneDecision, flowFrames, frameDifferences, gatewayOf, itLive, recordedKernel, routerSteps } from './pktdiff/multipath.js';

function scenario(policy: 0 | 1, seed: number, n: number, delMember: boolean): PktScenario {
  const steps: PktScenario['steps'] = [
    ...routerSteps(policy, '314159'),
    ...['nexthop add id 1 via 192.0.2.2 dev p1', 'nexthop add id 2 via 198.51.100.3 dev p2', 'nexthop add id 3 via 198.51.100.4 dev p2',
    ].map((ip) => ({ ip })),
    { ip: 'nexthop add id 10 group 1,2/2/3,3', family: 'unspec' },
    { ip: 'route add 203.0.113.0/24 nhid 10' },
    ...(delMember ? [{ ip: 'nexthop del id 2' }] : []),
  ];
  return { seed, gen: 0, ports: PORTS, steps, frames: flowFrames(policy, seed, n) };
}

const SCENARIOS = [scenario(0, 31, 60, false), scenario(1, 32, 60, false), scenario(0, 33, 40, true)];
const FIXTURE = new URL('./fixtures/routing/nexthop-packets.json', import.meta.url);
const recorded = () => recordedKernel(SCENARIOS, FIXTURE, 'np-nhp');
const differences = (kernel: FrameResult[][]) => frameDifferences(kernel, SCENARIOS);

describe('forwarded packets over a route using a nexthop group', () => {
  it('leave by the port and towards the gateway the recorded kernel chose, for every frame', async () => {
    const kernel = await recorded();
    // every frame forwarded once; the full group spreads flows over all three members, the one left with two over those two
    for (const r of kernel.flat()) expect(r.out.length).toBe(1);
    const gws = (k: number) => [...new Set(kernel[k].map((r) => gatewayOf(r.out[0].hex)))].sort();
    expect(gws(0)).toEqual(Object.keys(GW_MAC).sort());
    expect(gws(2)).toEqual(['192.0.2.2', '198.51.100.4']);
    expect(await differences(kernel)).toBe('');
  });
  itLive('leave as the live kernel sends them', SCENARIOS, 'np-nhp');

  it('take the member `ip route get ... iif` names in the same box (one decision)', async () => {
    // an ICMP error is hashed by the packet it quotes, which `ip route get` cannot describe
    await expectOneDecision(SCENARIOS, (f) => f.case === 'mp-tcp', (f) => f.case === 'mp-icmp-error');
  });
});
