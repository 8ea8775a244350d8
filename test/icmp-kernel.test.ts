// ICMP replies and errors, TCP resets and reassembly built by netpath's local
// delivery, compared byte for byte (IP id and header checksum masked) with
// what Linux sent for the same packets in the recorded packet scenarios
// (test/fixtures/packets): echo, UDP to a closed port, TCP SYN/ACK to a closed
// port, an unknown protocol, and an echo in two fragments.
import { describe, expect, it } from 'vitest';
import { fromHex } from './pktdiff/frames.js';
import { captured, core, deliver, fixtures, maskOriginated, scenarioBox } from './inet/harness.js';

const CASES = new Set(['echo', 'udp-closed-port', 'tcp-syn-closed-port', 'tcp-ack-closed-port', 'unknown-proto-local', 'fragments-local']);

describe('local delivery against the kernel recordings', () => {
  it('answers every unicast local-delivery case as Linux did', async () => {
    const all = fixtures();
    let compared = 0, withOut = 0;
    const mismatches: string[] = [];
    for (const fx of all) {
      // with ICMP rate limits on (icmp_ratemask not 0) an answer depends on every earlier error or reply to
      // that host, and only these cases' frames are delivered here: those scenarios are left to the
      // packet differential, which replays every frame
      if (fx.steps.some((s) => 'sysctl' in s && s.sysctl[0] === 'net.ipv4.icmp_ratemask' && s.sysctl[1] !== '0')) continue;
      const frames = fx.frames.map((f, i) => ({ f, i })).filter(({ f }) => CASES.has(f.case));
      if (!frames.length) continue;
      const box = await scenarioBox(fx);
      const c = core(box);
      c.icmpRatelimitReset();
      for (const { f, i } of frames) {
        const eth = fromHex(f.hex);
        // only frames to the port's own MAC (the generator sends these cases so)
        const ip = eth.subarray(14);
        const tot = (ip[2] << 8) | ip[3];
        const got = deliver(box, ip.subarray(0, tot), f.port).map(maskOriginated);
        const want = fx.kernel[i].out.map((o) => maskOriginated(fromHex(o.hex).subarray(14)));
        // the 2-fragment echo: the kernel's reply follows the second fragment
        compared++;
        if (want.length) withOut++;
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`seed ${fx.seed} #${i} ${f.case} ${f.note ?? ''}\n  got  ${got.join(' ')}\n  want ${want.join(' ')}`);
      }
      captured(box);
    }
    console.log(`compared ${compared}, with output ${withOut}`);
    expect(compared).toBeGreaterThan(300);
    expect(withOut).toBeGreaterThan(250);
    expect(mismatches.slice(0, 5).join('\n')).toBe('');
  }, 120_000);
});
