import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodePcap, encodePcapng, LinkType, PcapngWriter, readCapture } from '../src/pcap/index.js';
import { openPcapngFile, readCaptureFile, streamCaptureFile, writePcapngFile } from '../src/pcap/node.js';
import { icmpFrame, tcpFrame, udpFrame } from './util/frames.js';

const frames = [
  udpFrame({ src: '192.0.2.1', dst: '198.51.100.2', payload: Uint8Array.of(1) }),
  tcpFrame({ src: '203.0.113.9', dst: '198.18.0.1' }),
  icmpFrame({ src: '198.51.100.2', dst: '192.0.2.1', payload: new Uint8Array(37) }),
];

describe('PcapngWriter', () => {
  it('round-trips interfaces, nanosecond timestamps, data, comments and direction', () => {
    const w = new PcapngWriter({ os: 'netpath-os', comment: 'run 1' });
    const eth0 = w.interfaceFor('eth0');
    const tun0 = w.interfaceFor('tun0', LinkType.RAW);
    expect(w.interfaceFor('eth0')).toBe(eth0);
    w.writePacket({ ifIndex: eth0, tsNs: 1_700_000_000_000_000_001n, data: frames[0]!, comment: 'FORWARD via 198.51.100.1', direction: 'out' });
    w.writePacket({ ifIndex: tun0, tsNs: 5, data: frames[1]!.subarray(14), comment: ['a', 'b'], direction: 'in' });
    w.writePacket({ ifIndex: eth0, tsNs: 2n ** 64n - 1n, data: frames[2]!, origLen: 1500 });
    const bytes = w.bytes();
    expect(bytes.length % 4).toBe(0);
    expect(w.byteCount).toBe(bytes.length);
    expect(w.packetCount).toBe(3);
    const c = readCapture(bytes);
    expect(c.sections[0]).toMatchObject({ userAppl: 'netpath', os: 'netpath-os', comments: ['run 1'], littleEndian: true });
    expect(c.interfaces.map((i) => [i.name, i.linkType, i.tsExponent, i.snapLen])).toEqual([['eth0', 1, 9, 262144], ['tun0', 101, 9, 262144]]);
    expect(c.packets.map((p) => [p.ifName, p.linkType, p.tsNs, p.origLen, p.comments, p.flags])).toEqual([
      ['eth0', 1, 1_700_000_000_000_000_001n, frames[0]!.length, ['FORWARD via 198.51.100.1'], 2],
      ['tun0', 101, 5n, frames[1]!.length - 14, ['a', 'b'], 1],
      ['eth0', 1, 2n ** 64n - 1n, 1500, undefined, undefined],
    ]);
    expect([...c.packets[2]!.data]).toEqual([...frames[2]!]);
  });

  it('cuts packets to the snaplen, keeping the original length', () => {
    const bytes = encodePcapng([{ name: 'eth0', linkType: 1, snapLen: 20 }], [{ ifIndex: 0, tsNs: 1, data: frames[0]! }]);
    expect(readCapture(bytes).packets[0]).toMatchObject({ origLen: frames[0]!.length });
    expect(readCapture(bytes).packets[0]!.data.length).toBe(20);
  });

  it('refuses what it cannot write', () => {
    const w = new PcapngWriter();
    expect(() => w.writePacket({ ifIndex: 0, tsNs: 1, data: frames[0]! })).toThrow('pcapng: no interface 0 (have 0)');
    w.interfaceFor('eth0');
    expect(() => w.interfaceFor('eth0', LinkType.RAW)).toThrow('pcapng: interface eth0 already has link type 1, not 101');
    expect(() => w.writePacket({ ifIndex: 0, tsNs: -1n, data: frames[0]! })).toThrow(RangeError);
    expect(() => w.writePacket({ ifIndex: 0, tsNs: 2 ** 60, data: frames[0]! })).toThrow(/not a safe integer/);
    expect(() => w.writePacket({ ifIndex: 0, tsNs: 1, data: frames[0]!, origLen: 3 })).toThrow(/original length 3/);
    expect(() => w.writePacket({ ifIndex: 0, tsNs: 1, data: frames[0]!, comment: 'x'.repeat(70000) })).toThrow(/at most 65535/);
    expect(() => w.addInterface({ name: 'x', linkType: 70000 })).toThrow(/16 bits/);
  });

  it('gives a Blob for browsers', async () => {
    const w = new PcapngWriter();
    w.writePacket({ ifIndex: w.interfaceFor('eth0'), tsNs: 1, data: frames[0]! });
    const blob = w.blob();
    expect(blob.type).toBe('application/x-pcapng');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(w.bytes());
  });

  it('streams blocks to a sink', () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapngWriter({ sink: (c) => chunks.push(c) });
    w.writePacket({ ifIndex: w.interfaceFor('eth0'), tsNs: 1, data: frames[0]! });
    expect(chunks.map((c) => new DataView(c.buffer).getUint32(0, true))).toEqual([0x0a0d0d0a, 1, 6]);
    expect(() => w.bytes()).toThrow(/keeps no bytes/);
  });
});

describe('classic pcap encoder', () => {
  for (const bigEndian of [false, true]) {
    for (const nanos of [false, true]) {
      it(`round-trips (${bigEndian ? 'BE' : 'LE'}, ${nanos ? 'ns' : 'us'})`, () => {
        const bytes = encodePcap(frames.map((data, i) => ({ tsNs: 1_700_000_000_123_456_789n + BigInt(i), data })), { linkType: 1, bigEndian, nanos });
        const c = readCapture(bytes);
        expect(c.sections[0]!.littleEndian).toBe(!bigEndian);
        expect(c.packets.map((p) => p.tsNs)).toEqual(nanos ? [0n, 1n, 2n].map((i) => 1_700_000_000_123_456_789n + i) : [1_700_000_000_123_456_000n, 1_700_000_000_123_456_000n, 1_700_000_000_123_456_000n]);
        expect(c.packets.map((p) => [...p.data])).toEqual(frames.map((f) => [...f]));
      });
    }
  }
});

describe('pcapng files on disk', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'netpath-pcap-')); });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it('writes through a temporary file and renames it into place', async () => {
    const path = join(dir, 'out.pcapng');
    const r = await writePcapngFile(path, async (w) => {
      const i = w.interfaceFor('eth0');
      for (let n = 0; n < 3000; n++) w.writePacket({ ifIndex: i, tsNs: BigInt(n), data: frames[n % 3]! }); // > 64 KiB: several flushes
      expect(readdirSync(dir)).toHaveLength(1);
      expect(readdirSync(dir)[0]).toMatch(/^\.out\.pcapng\.\d+\.[0-9a-f]{8}\.tmp$/);
    });
    expect(readdirSync(dir)).toEqual(['out.pcapng']);
    expect(r.packets).toBe(3000);
    expect(readFileSync(path).length).toBe(r.bytes);
    expect(readCaptureFile(path).packets).toHaveLength(3000);
    let n = 0;
    for await (const p of streamCaptureFile(path)) { expect(p.tsNs).toBe(BigInt(n)); n++; }
    expect(n).toBe(3000);
  });

  it('leaves nothing behind, and an existing file untouched, when filling fails', async () => {
    const path = join(dir, 'out.pcapng');
    writeFileSync(path, 'previous');
    await expect(writePcapngFile(path, (w) => {
      const i = w.interfaceFor('eth0');
      for (let n = 0; n < 3000; n++) w.writePacket({ ifIndex: i, tsNs: BigInt(n), data: frames[0]! });
      throw new Error('replay failed');
    })).rejects.toThrow('replay failed');
    expect(readdirSync(dir)).toEqual(['out.pcapng']);
    expect(readFileSync(path, 'utf8')).toBe('previous');
    await expect(writePcapngFile(join(dir, 'new.pcapng'), (w) => { w.writePacket({ ifIndex: 9, tsNs: 1, data: frames[0]! }); })).rejects.toThrow(/no interface 9/);
    expect(readdirSync(dir)).toEqual(['out.pcapng']);
  });

  it('supports explicit commit and abort', () => {
    const a = openPcapngFile(join(dir, 'a.pcapng'));
    a.writer.writePacket({ ifIndex: a.writer.interfaceFor('eth0'), tsNs: 1, data: frames[0]! });
    a.abort();
    a.abort();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => a.commit()).toThrow(/already committed or aborted/);
    const b = openPcapngFile(join(dir, 'b.pcapng'));
    b.commit();
    expect(readCaptureFile(join(dir, 'b.pcapng')).packets).toEqual([]);
  });

  it('removes the temporary file when the process exits before commit', () => {
    const node = fileURLToPath(new URL('../src/pcap/node.ts', import.meta.url));
    const script = `import { openPcapngFile } from ${JSON.stringify(node)};
      const f = openPcapngFile(${JSON.stringify(join(dir, 'x.pcapng'))});
      f.writer.interfaceFor('eth0');
      process.exit(3);`;
    let status = 0;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
    }
    expect(status).toBe(3);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails cleanly when the directory does not exist', async () => {
    await expect(writePcapngFile(join(dir, 'missing', 'x.pcapng'), () => {})).rejects.toThrow(/ENOENT/);
  });
});
