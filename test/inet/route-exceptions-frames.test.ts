// What ICMP errors teach a host about its own traffic, frame by frame against Linux: a redirect
// about an echo reply the host sent (icmp_err → ipv4_redirect) gives that destination another
// gateway, and a "fragmentation needed" (ipv4_update_pmtu) a smaller path MTU, at which later
// replies are fragmented (a next-hop MTU under 552 is locked at 552); both are nexthop exceptions
// (route.c's fib_nh_exception), per destination. Redirects that fail the kernel's checks change
// nothing: not from the current gateway, about a packet that is not the kernel's echo reply, to a
// broadcast address. Recorded from Linux (RECORD=1) and, where namespaces can be made, compared live.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ETH_IP, PROTO, decode, echoRequest, eth, fromHex, hex, icmp, ipv4, pattern } from '../pktdiff/frames.js';
import type { Inject, PktScenario, PortDef } from '../pktdiff/gen.js';
import { canRunPackets, runPacketsKernel, type FrameResult } from '../pktdiff/kernel.js';
import { runPacketsNetpath } from '../pktdiff/netpath.js';
import { sameOutcome } from '../pktdiff/compare.js';

const PORTS: PortDef[] = [{ name: 'p0', mac: '02:00:00:00:14:00', peerMac: '02:00:00:00:24:00' }];
const HOST = '198.51.100.10', GW1 = '198.51.100.1', GW2 = '198.51.100.2';
const MAC: Record<string, string> = { [GW1]: '02:00:00:00:34:01', [GW2]: '02:00:00:00:34:02' };
const ipNum = (s: string) => s.split('.').reduce((a, b) => (a << 8) | Number(b), 0) >>> 0;

const SC: PktScenario = (() => {
  const frames: Inject[] = [];
  const from = (gw: string, payload: Uint8Array, c: string) =>
    frames.push({ port: 'p0', case: c, hex: hex(eth(PORTS[0].mac, MAC[gw], ETH_IP, payload)) });
  let id = 1;
  const echo = (src: string, n: number, c: string) =>
    from(GW1, ipv4({ src, dst: HOST, proto: PROTO.ICMP, id: id++ }, echoRequest(7, id, pattern(n, id))), c);
  // the quoted packet: the host's echo reply (type 0) to dst, or an echo request (type 8)
  const quote = (dst: string, type = 0) => ipv4({ src: HOST, dst, proto: PROTO.ICMP, id: 99 }, icmp(type, 0, 0x00070001, pattern(8))).subarray(0, 28);
  const redirect = (gw: string, newGw: string, dst: string, c: string, type = 0) =>
    from(gw, ipv4({ src: gw, dst: HOST, proto: PROTO.ICMP, id: id++ }, icmp(5, 1, ipNum(newGw), quote(dst, type))), c);
  const fragNeeded = (gw: string, mtu: number, dst: string, c: string) =>
    from(gw, ipv4({ src: gw, dst: HOST, proto: PROTO.ICMP, id: id++ }, icmp(3, 4, mtu, quote(dst))), c);
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

const FIXTURE = new URL('../fixtures/routing/route-exceptions-frames.json', import.meta.url);
const can = canRunPackets();

async function recorded(): Promise<FrameResult[]> {
  if (process.env.RECORD && can.ok) {
    const kernel = await runPacketsKernel(SC, { nsPrefix: 'np-fnhe' });
    writeFileSync(FIXTURE, JSON.stringify({ frames: SC.frames.map((f) => f.hex), kernel }, null, 1) + '\n');
  }
  const f = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { frames: string[]; kernel: FrameResult[] };
  expect(f.frames).toEqual(SC.frames.map((x) => x.hex));
  return f.kernel;
}

function differences(kernel: FrameResult[], netpath: FrameResult[]): string[] {
  const out: string[] = [];
  for (const [i, f] of SC.frames.entries()) {
    if (sameOutcome(f, kernel[i].out, netpath[i].out, ['p0'])) continue;
    out.push(`${f.case}: kernel ${JSON.stringify(kernel[i].out)}\n  netpath ${JSON.stringify(netpath[i].out)}`);
  }
  return out;
}

const at = (c: string) => SC.frames.findIndex((f) => f.case === c);

describe('nexthop exceptions from ICMP errors, on the wire', () => {
  it('the recording shows the redirect and the path MTUs at work', async () => {
    const k = await recorded();
    const to = (c: string) => k[at(c)].out.map((o) => o.hex.slice(0, 12));
    const mac = (ip: string) => MAC[ip].replaceAll(':', '');
    expect(to('echo .5: the reply goes to GW1')).toEqual([mac(GW1)]);
    expect(to('echo .5: the reply goes to GW2')).toEqual([mac(GW2)]);
    expect(to('echo .6: still GW1')).toEqual([mac(GW1)]);
    const sizes = (c: string) => k[at(c)].out.map((o) => decode(fromHex(o.hex)).len - 14); // the IP packets
    expect(sizes('big echo .7: one reply').length).toBe(1);
    expect(Math.max(...sizes('big echo .7: reply in fragments of 1000'))).toBeLessThanOrEqual(1000);
    expect(sizes('big echo .7: fragments of 552').length).toBe(3);
    expect(to('echo .5: to GW2, in fragments of 800')).toEqual([mac(GW2), mac(GW2)]);
  });

  it('netpath sends what Linux sent, frame by frame', async () => {
    const kernel = await recorded();
    expect(differences(kernel, await runPacketsNetpath(SC, kernel.map((r) => r.at))).join('\n')).toBe('');
  });

  it.skipIf(!can.ok)(`the live kernel still sends what was recorded${can.ok ? '' : ` (skipped: ${can.reason})`}`, async () => {
    const kernel = await recorded();
    const live = await runPacketsKernel(SC, { nsPrefix: 'np-fnhe' });
    expect(differences(kernel, live).join('\n')).toBe('');
  });
});
