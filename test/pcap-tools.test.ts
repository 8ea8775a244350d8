// Interoperability with the real tools: files from our writer must read the
// same in tshark, capinfos and tcpdump (libpcap); files the tools write must
// read the same in our reader. Skipped, with the reason printed, where the
// tools are not installed (apt-get install -y tshark tcpdump).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinkType, readCapture, type CapturePacket } from '../src/pcap/index.js';
import { writePcapngFile } from '../src/pcap/node.js';
import { icmpFrame, tcpFrame, udpFrame, TCP_FLAGS } from './util/frames.js';
import { asTshark, missingTools, normalise, tsharkPackets } from './util/tshark.js';

const skip = missingTools('tshark', 'capinfos', 'editcap', 'text2pcap', 'tcpdump');
if (skip) console.warn(`pcap-tools: ${skip}`);

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** Small deterministic PRNG for the random-frame round trips. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFrames(n: number, seed: number): Uint8Array[] {
  const rnd = prng(seed);
  const pick = (k: number) => Math.floor(rnd() * k);
  const srcs = ['192.0.2.10', '198.51.100.20', '203.0.113.30', '198.18.4.5', '198.19.255.254'];
  return Array.from({ length: n }, (_, i) => {
    const src = srcs[pick(srcs.length)]!;
    const dst = srcs[pick(srcs.length)]!;
    const payload = new Uint8Array(pick(1400)).map(() => pick(256));
    switch (i % 3) {
      case 0: return udpFrame({ src, dst, sport: 1024 + pick(60000), dport: 1 + pick(1000), payload });
      case 1: return tcpFrame({ src, dst, flags: TCP_FLAGS.ACK | TCP_FLAGS.PSH, seq: pick(2 ** 32), payload });
      default: return icmpFrame({ src, dst, seq: i, payload });
    }
  });
}

describe.skipIf(skip !== undefined)(`interop with tshark/tcpdump${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'netpath-interop-')); });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  const base = 1_700_000_000_000_000_000n;
  const frames = randomFrames(120, 1);

  /** What we write: eth0, eth1 and tun0 (RAW), ns timestamps, comments, directions, one cut to the snaplen. */
  async function writeSample(path: string): Promise<{ ifName: string; linkType: number; tsNs: bigint; data: Uint8Array; origLen: number; comment?: string; direction?: 'in' | 'out' }[]> {
    const sent: Awaited<ReturnType<typeof writeSample>> = [];
    await writePcapngFile(path, (w) => {
      w.addInterface({ name: 'eth0', linkType: LinkType.ETHERNET, description: 'netpath port 0' });
      w.addInterface({ name: 'eth1', linkType: LinkType.ETHERNET, snapLen: 128 });
      w.addInterface({ name: 'tun0', linkType: LinkType.RAW });
      frames.forEach((f, i) => {
        const ifIndex = i % 3;
        const data = ifIndex === 2 ? f.subarray(14) : f;
        const tsNs = base + BigInt(i) * 1_000_000_007n + BigInt(i % 7);
        const comment = i % 5 === 0 ? `verdict ${i}: forward via eth${i % 2}` : undefined;
        const direction = i % 4 === 0 ? 'in' as const : i % 4 === 1 ? 'out' as const : undefined;
        w.writePacket({ ifIndex, tsNs, data, comment, direction });
        const kept = ifIndex === 1 ? data.subarray(0, 128) : data;
        sent.push({ ifName: ['eth0', 'eth1', 'tun0'][ifIndex]!, linkType: ifIndex === 2 ? 101 : 1, tsNs, data: kept, origLen: data.length, comment, direction });
      });
    });
    return sent;
  }

  it('tshark reads our pcapng: interface names, link types, ns timestamps, lengths, comments, bytes', async () => {
    const path = join(dir, 'ours.pcapng');
    const sent = await writeSample(path);
    const got = tsharkPackets(path);
    expect(got).toHaveLength(sent.length);
    got.forEach((t, i) => {
      const s = sent[i]!;
      expect(t.ifName).toBe(s.ifName);
      expect(t.ifId).toBe(i % 3);
      expect(t.protocols.split(':')[0]).toBe(s.linkType === 1 ? 'eth' : 'raw');
      expect(t.epoch).toBe(`${s.tsNs / 1_000_000_000n}.${(s.tsNs % 1_000_000_000n).toString().padStart(9, '0')}`);
      expect(t.len).toBe(s.origLen);
      expect(t.capLen).toBe(s.data.length);
      expect(t.hex).toBe(Buffer.from(s.data).toString('hex'));
      expect(t.comments).toEqual(s.comment ? [s.comment] : []);
    });
    // Direction flags as Wireshark decodes them.
    const dirs = sh('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.packet_flags_direction']).trim().split('\n');
    expect(dirs.slice(0, 4).map((d) => (d.trim() ? parseInt(d, 16) : null))).toEqual([1, 2, null, null]);
  });

  it('capinfos sees one interface per device, nanosecond resolution, and netpath as the application', async () => {
    const path = join(dir, 'ours.pcapng');
    await writeSample(path);
    const info = sh('capinfos', [path]);
    expect(info).toMatch(/File type:\s+Wireshark\/\.\.\. - pcapng/);
    expect(info).toMatch(/Number of packets:\s+120\n/);
    expect(info).toMatch(/Capture application:\s+netpath/);
    expect(info).toMatch(/Number of interfaces in file: 3/);
    expect([...info.matchAll(/Name = (\S+)/g)].map((m) => m[1])).toEqual(['eth0', 'eth1', 'tun0']);
    expect([...info.matchAll(/Encapsulation = ([^\n]+)/g)].map((m) => m[1])).toEqual(['Ethernet (1 - ether)', 'Ethernet (1 - ether)', 'Raw IP (7 - rawip)']);
    expect([...info.matchAll(/Time precision = ([^\n]+)/g)].map((m) => m[1])).toEqual(Array(3).fill('nanoseconds (9)'));
    expect(info).toMatch(/Description = netpath port 0/);
    expect(info).toMatch(/Capture length = 128/);
  });

  it('tshark finds every IPv4/UDP/TCP/ICMP checksum of the test frames good', async () => {
    const path = join(dir, 'ours.pcapng');
    await writeSample(path);
    const out = sh('tshark', ['-r', path, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-Y', 'eth.addr or ip',
      '-T', 'fields', '-e', 'frame.interface_name', '-e', 'ip.checksum.status', '-e', 'udp.checksum.status', '-e', 'tcp.checksum.status', '-e', 'icmp.checksum.status']);
    const rows = out.trim().split('\n').map((l) => l.split('\t'));
    const unsnapped = rows.filter((r) => r[0] !== 'eth1'); // eth1 is cut to 128 bytes: L4 checksums unverifiable there
    expect(unsnapped.length).toBe(80);
    for (const [, ip, ...l4] of unsnapped) {
      expect(ip).toBe('1');
      expect(l4.filter((x) => x !== '')).toEqual(['1']);
    }
  });

  it('tcpdump (libpcap) reads our pcapng with nanosecond timestamps and the same bytes', async () => {
    // libpcap wants one link type per file: write Ethernet only.
    const path = join(dir, 'eth-only.pcapng');
    const eth = frames.slice(0, 10);
    await writePcapngFile(path, (w) => {
      const i = w.interfaceFor('eth0');
      eth.forEach((data, n) => w.writePacket({ ifIndex: i, tsNs: base + BigInt(n) * 123_456_789n, data }));
    });
    const out = sh('tcpdump', ['-r', path, '-nn', '-tt', '--time-stamp-precision=nano', '-xx']);
    const stamps = [...out.matchAll(/^(\d+\.\d{9}) /gm)].map((m) => m[1]);
    expect(stamps).toEqual(eth.map((_, n) => { const t = base + BigInt(n) * 123_456_789n; return `${t / 1_000_000_000n}.${(t % 1_000_000_000n).toString().padStart(9, '0')}`; }));
    const dumps = out.split(/^\d+\.\d{9} .*$/m).slice(1).map((block) => [...block.matchAll(/^\s+0x[0-9a-f]{4}:\s+((?:[0-9a-f]{2,4}\s?)+)/gm)].map((m) => m[1]!.replace(/\s/g, '')).join(''));
    expect(dumps).toEqual(eth.map((f) => Buffer.from(f).toString('hex')));
  });

  it('text2pcap and editcap output of random frames reads the same in our reader as in tshark', () => {
    const input = randomFrames(200, 7).map((f, i) => {
      const lines = [`2023-11-14 22:${String(10 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.${String((i * 7919) % 1_000_000_000).padStart(9, '0')}`];
      for (let off = 0; off < f.length; off += 16) lines.push(`${off.toString(16).padStart(6, '0')} ${[...f.subarray(off, off + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
      return lines.join('\n');
    }).join('\n\n') + '\n';
    writeFileSync(join(dir, 'in.txt'), input);
    const files: [string, string[]][] = [
      ['t2p.pcapng', ['text2pcap', '-q', '-t', '%Y-%m-%d %H:%M:%S.%f', '-N', 'eth7', join(dir, 'in.txt')]],
      ['t2p.pcap', ['text2pcap', '-q', '-t', '%Y-%m-%d %H:%M:%S.%f', '-F', 'nsecpcap', join(dir, 'in.txt')]],
      ['snap.pcapng', ['editcap', '-s', '100', '-F', 'pcapng', join(dir, 't2p.pcap')]],
      ['usec.pcap', ['editcap', '-F', 'pcap', join(dir, 't2p.pcapng')]],
    ];
    for (const [out, [cmd, ...args]] of files) {
      sh(cmd!, [...args, join(dir, out)]);
      const ours = readCapture(readFileSync(join(dir, out)));
      const theirs = tsharkPackets(join(dir, out));
      expect(ours.packets).toHaveLength(200);
      const isPcap = out.endsWith('.pcap');
      expect(ours.packets.map((p: CapturePacket) => asTshark(p, ours.interfaces[p.ifIndex]!.idInSection))).toEqual(theirs.map((t) => normalise(t, isPcap)));
    }
  });

  it('the committed fixtures still read the same in the installed tshark', () => {
    const fixtures = fileURLToPath(new URL('./fixtures/pcap/', import.meta.url));
    const expected = JSON.parse(readFileSync(fixtures + 'expected.json', 'utf8')) as Record<string, unknown>;
    for (const name of Object.keys(expected)) expect(tsharkPackets(fixtures + name), name).toEqual(expected[name]);
  });
});
