// ip_decrease_ttl() as Linux 6.18 on x86 computes the forwarded header's checksum: in the host's
// (little-endian) byte order, +htons(0x0100) and one more when that reached 0xffff. A checksum of 0xfeff
// then becomes 0x0000 where RFC 1624's end-around carry gives 0xffff; the packet differential found it
// (fresh seed 95200049, frame 49: Linux sent 45000039825f00003a110000..., netpath had ...3a11ffff...).
// The table is what Linux 6.18 sent for these frames; with namespaces at hand the live kernel is asked too.
import { describe, expect, it } from 'vitest';
import { ETH_IP, PROTO, checksum, eth, fromHex, hex, ipv4, udp } from '../pktdiff/frames.js';
import type { PktScenario } from '../pktdiff/gen.js';
import { runPacketsNetpath } from '../pktdiff/netpath.js';
import { canRunPackets, runPacketsKernel } from '../pktdiff/kernel.js';

const H0 = { ip: '192.0.2.10', mac: '02:a0:00:00:00:10' }, H1 = { ip: '198.51.100.20', mac: '02:a1:00:00:00:20' };
const P0 = '02:d0:00:00:00:00', P1 = '02:d0:00:00:00:01';
const ports = [{ name: 'p0', mac: P0, peerMac: '02:ee:00:00:00:00' }, { name: 'p1', mac: P1, peerMac: '02:ee:00:00:00:01' }];

/** A UDP frame from H0 to H1 whose IP header checksum is `want` (found by trying IP IDs). */
function frameWithChecksum(want: number, ttl: number): Uint8Array {
  const body = udp(H0.ip, H1.ip, 4000, 53, new Uint8Array([1, 2, 3]));
  for (let id = 0; id < 65536; id++) {
    const f = eth(P0, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: H1.ip, proto: PROTO.UDP, id, ttl }, body));
    if (((f[24] << 8) | f[25]) === want) return f;
  }
  throw new Error(`no IP ID gives checksum ${want.toString(16)}`);
}

describe('forwarding: the TTL decrement and the header checksum', () => {
  const can = canRunPackets();
  it.each([[0xfeff, 0x0000], [0xfefe, 0xfffe], [0xfffe, 0x00ff], [0xff00, 0x0001], [0x1234, 0x1334]])('checksum %s comes out as %s, as Linux writes it', async (inCk, outCk) => {
    const f = frameWithChecksum(inCk, 59);
    const sc: PktScenario = {
      seed: 0, gen: 0, ports,
      steps: [
        { sysctl: ['net.ipv4.ip_forward', '1'] }, { sysctl: ['net.ipv4.conf.all.rp_filter', '0'] }, { sysctl: ['net.ipv4.conf.default.rp_filter', '0'] },
        { port: ports[0] }, { port: ports[1] },
        { ip: 'link set p0 up' }, { ip: 'link set p1 up' },
        { ip: 'addr add 192.0.2.1/24 dev p0' }, { ip: 'addr add 198.51.100.1/24 dev p1' },
        { ip: `neigh add ${H0.ip} lladdr ${H0.mac} dev p0 nud permanent` }, { ip: `neigh add ${H1.ip} lladdr ${H1.mac} dev p1 nud permanent` },
      ],
      frames: [{ port: 'p0', case: 'fwd-udp', hex: hex(f) }],
    };
    const [r] = await runPacketsNetpath(sc);
    expect(r.out.map((o) => o.port)).toEqual(['p1']);
    const out = fromHex(r.out[0].hex);
    expect(out[22]).toBe(58);
    expect(((out[24] << 8) | out[25]).toString(16)).toBe(outCk.toString(16));
    // the same header either way: 0x0000 and 0xffff both verify
    expect(checksum(out.subarray(14, 34)) === 0 || checksum(out.subarray(14, 34)) === 0xffff).toBe(true);
    if (can.ok) expect((await runPacketsKernel(sc))[0].out, 'the live kernel').toEqual(r.out);
  });
});
