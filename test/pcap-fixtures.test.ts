// Capture files made by text2pcap, tcpdump, editcap and mergecap (see
// test/fixtures/pcap/make.ts), read by our reader and compared with what
// tshark read from the same files when they were made (expected.json).
// Needs no tool at test time; pcap-tools.test.ts re-checks against live tshark.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../src/pcap/index.js';
import { asTshark, normalise, type TsharkPacket } from './util/tshark.js';

const dir = fileURLToPath(new URL('./fixtures/pcap/', import.meta.url));
const expected = JSON.parse(readFileSync(dir + 'expected.json', 'utf8')) as Record<string, TsharkPacket[]>;

describe('fixtures made by the Wireshark and tcpdump tools', () => {
  it('has all the fixtures', () => {
    expect(Object.keys(expected).sort()).toEqual([
      'editcap-snap40.pcapng', 'mergecap-eth0-tun0.pcapng', 'tcpdump-micro.pcap', 'tcpdump-nano.pcap',
      'text2pcap-eth.pcapng', 'text2pcap-raw.pcap', 'text2pcap-tun.pcapng',
    ]);
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`${name}: same packets as tshark read`, () => {
      const c = readCapture(readFileSync(dir + name));
      const isPcap = name.endsWith('.pcap');
      expect(c.format).toBe(isPcap ? 'pcap' : 'pcapng');
      expect(c.packets.map((p) => asTshark(p, c.interfaces[p.ifIndex]!.idInSection))).toEqual(want.map((t) => normalise(t, isPcap)));
    });
  }

  it('knows what each tool wrote', () => {
    const read = (n: string) => readCapture(readFileSync(dir + n));
    expect(read('tcpdump-micro.pcap').interfaces[0]!.tsExponent).toBe(6);
    expect(read('tcpdump-nano.pcap').interfaces[0]!.tsExponent).toBe(9);
    expect(read('text2pcap-raw.pcap').interfaces[0]!.linkType).toBe(101);
    const merged = read('mergecap-eth0-tun0.pcapng');
    expect(merged.interfaces.map((i) => [i.name, i.linkType])).toEqual([['eth0', 1], ['tun0', 101]]);
    const snap = read('editcap-snap40.pcapng');
    expect(snap.packets.every((p) => p.data.length <= 40 && p.origLen > 40)).toBe(true);
    expect(snap.sections[0]!.userAppl).toMatch(/^Editcap/);
    // text2pcap -D wrote inbound/outbound as epb_flags.
    expect(read('text2pcap-eth.pcapng').packets.map((p) => (p.flags ?? 0) & 3)).toEqual([1, 2, 1, 2]);
  });
});
