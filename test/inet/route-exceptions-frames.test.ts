// What ICMP errors teach a host about its own traffic, frame by frame against Linux: a redirect
// about an echo reply the host sent (icmp_err → ipv4_redirect) gives that destination another
// gateway, and a "fragmentation needed" (ipv4_update_pmtu) a smaller path MTU, at which later
// replies are fragmented (a next-hop MTU under 552 is locked at 552); both are nexthop exceptions
// (route.c's fib_nh_exception), per destination. Redirects that fail the kernel's checks change
// nothing: not from the current gateway, about a packet that is not the kernel's echo reply, to a
// broadcast address. A router's forwarded packets take the redirect too. Recorded from Linux (RECORD=1) and, where namespaces can be made, compared live.
import { describe, expect, it } from 'vitest';
import { ETH_IP, PROTO, decode, echoRequest, eth, fromHex, hex, icmp, ipv4, pattern, udp } from '../pktdiff/frames.js';
import type { Inject, PktScenario, PortDef } from '../pktdiff/gen.js';
import type { FrameResult } from '../pktdiff/kernel.js';
import { frameDifferences, itLive, recordedKernel } from '../pktdiff/multipath.js';

const PORTS: PortDef[] = [{ name: 'p0', mac: '02:00:00:00:14:00', peerMac: '02:00:00:00:24:00' }];
const HOST = '198.51.100.10', GW1 = '198.51.100.1', GW2 = '198.51.100.2';
const MAC: Record<string, string> = { [GW1]: '02:00:00:00:34:01', [GW2]: '02:00:00:00:34:02' };
const ipNum = (s: string) => s.split('.').reduce((a, b) => (a << 8) | Number(b), 0) >>> 0;

/**
 * Frames from a gateway into p0 (`from`), with IP ids counted from 1: ICMP errors about the host's echo reply
 * (type 0) to dst, or an echo request of it (type 8): a redirect to newGw, a fragmentation needed with mtu.
 */
function gatewayFrames(frames: Inject[]) {
  let id = 1;
  const nextId = () => id++;
  const from = (gw: string, payload: Uint8Array, c: string) =>
    frames.push({ port: 'p0', case: c, hex: hex(eth(PORTS[0].mac, MAC[gw], ETH_IP, payload)) });
  const quote = (dst: string, type: number) => ipv4({ src: HOST, dst, proto: PROTO.ICMP, id: 99 }, icmp(type, 0, 0x00070001, pattern(8))).subarray(0, 28);
  const redirect = (gw: string, newGw: string, dst: string, c: string, type = 0) =>
    from(gw, ipv4({ src: gw, dst: HOST, proto: PROTO.ICMP, id: nextId() }, icmp(5, 1, ipNum(newGw), quote(dst, type))), c);
  const fragNeeded = (gw: string, mtu: number, dst: string, c: string) =>
    from(gw, ipv4({ src: gw, dst: HOST, proto: PROTO.ICMP, id: nextId() }, icmp(3, 4, mtu, quote(dst, 0))), c);
  return { nextId, from, redirect, fragNeeded };
}

const HOST_SC: PktScenario = (() => {
  const frames: Inject[] = [];
  const { nextId, from, redirect, fragNeeded } = gatewayFrames(frames);
  const echo = (src: string, n: number, c: string) => {
    const id = nextId();
    from(GW1, ipv4({ src, dst: HOST, proto: PROTO.ICMP, id }, echoRequest(7, id + 1, pattern(n, id + 1))), c);
  };
  echo('203.0.113.5', 32, 'echo .5: the reply goes to GW1');
  redirect(GW1, GW2, '203.0.113.5', 'redirect .5 to GW2');
  echo('203.0.113.5', 32, 'echo .5: the reply goes to GW2');
  echo('203.0.113.6', 32, 'echo .6: still GW1 (the exception is per destination)');
  redirect(GW1, '198.51.100.4', '203.0.113.5', 'redirect from GW1, no longer the gateway for .5: ignored');
  echo('203.0.113.5', 32, 'echo .5: still GW2');
  redirect(GW1, GW2, '203.0.113.6', 'redirect about an echo request (not the kernel\'s reply): ignored', 8);
  redirect(GW1, '198.51.100.255', '203.0.113.6', 'redirect to the subnet broadcast: ignored');
  echo('203.0.113.6', 32, 'echo .6: still GW1');
  echo('203.0.113.7', 1400, 'big echo .7: one reply');
  fragNeeded(GW1, 1000, '203.0.113.7', 'frag needed for .7: mtu 1000');
  echo('203.0.113.7', 1400, 'big echo .7: reply in fragments of 1000');
  fragNeeded(GW1, 1200, '203.0.113.7', 'frag needed, mtu 1200 (larger): ignored');
  echo('203.0.113.7', 1400, 'big echo .7: still 1000');
  fragNeeded(GW1, 300, '203.0.113.7', 'frag needed, mtu 300: locked at 552');
  echo('203.0.113.7', 1400, 'big echo .7: fragments of 552');
  fragNeeded(GW1, 1000, '203.0.113.7', 'frag needed on a locked mtu: ignored');
  echo('203.0.113.7', 1400, 'big echo .7: still 552');
  echo('203.0.113.8', 1400, 'big echo .8: one reply');
  fragNeeded(GW2, 800, '203.0.113.5', 'frag needed for .5 (redirected): mtu 800');
  echo('203.0.113.5', 1000, 'echo .5: to GW2, in fragments of 800');
  const steps: PktScenario['steps'] = [
    ...PORTS.map((port) => ({ port })),
    { sysctl: ['net.ipv4.ip_forward', '0'] },
    ...['link set lo up', 'link set p0 up', `addr add ${HOST}/24 dev p0`, `route add default via ${GW1}`,
      ...Object.entries(MAC).map(([ip, mac]) => `neigh add ${ip} lladdr ${mac} dev p0 nud permanent`)].map((ip) => ({ ip })),
  ];
  return { seed: 0, gen: 0, ports: PORTS, steps, frames };
})();


// a router (forwarding on, all.accept_redirects set again after ip_forward cleared it): a redirect about its
// own echo reply reaches the input routes of forwarded packets too; a learned path MTU does not, unless
// it is locked (ip_dst_mtu_maybe_forward)
const LAN: PortDef = { name: 'p1', mac: '02:00:00:00:14:01', peerMac: '02:00:00:00:24:01' };
const ROUTER_SC: PktScenario = (() => {
  const frames: Inject[] = [];
  const { nextId, redirect, fragNeeded } = gatewayFrames(frames);
  const lan = (dst: string, n: number, df: boolean, c: string) => {
    const id = nextId();
    frames.push({
      port: 'p1', case: c,
      hex: hex(eth(LAN.mac, LAN.peerMac, ETH_IP, ipv4({ src: '192.0.2.10', dst, proto: PROTO.UDP, id, df }, udp('192.0.2.10', dst, 4001 + id, 53, pattern(n, id + 1))))),
    });
  };
  lan('203.0.113.5', 40, false, 'forwarded to .5: GW1');
  redirect(GW1, GW2, '203.0.113.5', 'redirect .5 to GW2');
  lan('203.0.113.5', 40, false, 'forwarded to .5: GW2');
  lan('203.0.113.6', 40, false, 'forwarded to .6: GW1');
  fragNeeded(GW1, 1000, '203.0.113.7', 'frag needed for .7: mtu 1000');
  lan('203.0.113.7', 1200, true, 'forwarded to .7, DF: the learned mtu does not count');
  fragNeeded(GW1, 300, '203.0.113.7', 'frag needed for .7: mtu 300, locked at 552');
  lan('203.0.113.7', 1200, true, 'forwarded to .7, DF: too big for the locked 552');
  lan('203.0.113.7', 1200, false, 'forwarded to .7: fragments of 552');
  const steps: PktScenario['steps'] = [
    ...[PORTS[0], LAN].map((port) => ({ port })),
    { sysctl: ['net.ipv4.ip_forward', '1'] }, { sysctl: ['net.ipv4.conf.all.accept_redirects', '1'] },
    { sysctl: ['net.ipv4.conf.all.rp_filter', '0'] }, { sysctl: ['net.ipv4.conf.all.send_redirects', '0'] },
    ...['link set lo up', 'link set p0 up', 'link set p1 up', `addr add ${HOST}/24 dev p0`, 'addr add 192.0.2.1/24 dev p1',
      `route add default via ${GW1}`, 'neigh add 192.0.2.10 lladdr 02:00:00:00:34:0a dev p1 nud permanent',
      ...Object.entries(MAC).map(([ip, mac]) => `neigh add ${ip} lladdr ${mac} dev p0 nud permanent`)].map((ip) => ({ ip })),
  ];
  return { seed: 1, gen: 0, ports: [PORTS[0], LAN], steps, frames };
})();
const SCENARIOS = [HOST_SC, ROUTER_SC];
const FIXTURE = new URL('../fixtures/routing/route-exceptions-frames.json', import.meta.url);
const recorded = () => recordedKernel(SCENARIOS, FIXTURE, 'np-fnhe');

describe('nexthop exceptions from ICMP errors, on the wire', () => {
  it('the recording shows the redirect and the path MTUs at work', async () => {
    const [k, r] = await recorded();
    const at = (sc: PktScenario, c: string) => sc.frames.findIndex((f) => f.case === c);
    const to = (kk: FrameResult[], sc: PktScenario, c: string) => kk[at(sc, c)].out.map((o) => o.hex.slice(0, 12));
    const sizes = (kk: FrameResult[], sc: PktScenario, c: string) => kk[at(sc, c)].out.map((o) => decode(fromHex(o.hex)).len - 14); // IP packets
    const mac = (ip: string) => MAC[ip].replaceAll(':', '');
    expect(to(k, HOST_SC, 'echo .5: the reply goes to GW1')).toEqual([mac(GW1)]);
    expect(to(k, HOST_SC, 'echo .5: the reply goes to GW2')).toEqual([mac(GW2)]);
    expect(to(k, HOST_SC, 'echo .6: still GW1')).toEqual([mac(GW1)]);
    expect(sizes(k, HOST_SC, 'big echo .7: one reply').length).toBe(1);
    expect(Math.max(...sizes(k, HOST_SC, 'big echo .7: reply in fragments of 1000'))).toBeLessThanOrEqual(1000);
    expect(sizes(k, HOST_SC, 'big echo .7: fragments of 552').length).toBe(3);
    expect(to(k, HOST_SC, 'echo .5: to GW2, in fragments of 800')).toEqual([mac(GW2), mac(GW2)]);
    expect(to(r, ROUTER_SC, 'forwarded to .5: GW2')).toEqual([mac(GW2)]);
    expect(sizes(r, ROUTER_SC, 'forwarded to .7, DF: the learned mtu does not count')).toEqual([1228]);
    expect(sizes(r, ROUTER_SC, 'forwarded to .7: fragments of 552').length).toBe(3);
  });
  it('netpath sends what Linux sent, frame by frame', async () => {
    expect(await frameDifferences(await recorded(), SCENARIOS)).toBe('');
  });
  itLive('the live kernel still sends what was recorded', SCENARIOS, 'np-fnhe');
});
