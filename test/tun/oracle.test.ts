// The box against Linux for the scenarios of cases.ts: `ip tuntap`/`ip link`
// output byte for byte, and tun file sessions (write() results, what read()
// returns, the device counters). The recorded answers (fixtures/tun/kernel.json,
// made by record.ts) are always compared; with root and namespaces, the
// kernel is also asked live.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Box, TunError } from '../../src/index.js';
import { FILE_CASES, IP_STEPS, type FileCase } from './cases.js';
import { kernelFileCase, kernelIpSteps, type IpAnswer, type TunFixture } from './record.js';
import { canMakeNamespace } from '../diff/kernel.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/tun/kernel.json', import.meta.url), 'utf8')) as TunFixture;

async function boxIpSteps(): Promise<IpAnswer[]> {
  const box = await Box.create();
  return IP_STEPS.map((argv) => { const r = box.ip(argv); return { argv, stdout: r.stdout, stderr: r.stderr, status: r.status }; });
}

async function boxFileCase(c: FileCase): Promise<unknown[]> {
  const box = await Box.create();
  const t = box.tun('tun0', { mode: c.mode, pi: c.pi });
  if (c.address) box.ip('addr add 192.0.2.1/24 dev tun0');
  let sock: ReturnType<Box['udp']['bind']> | undefined;
  return c.ops.map((op) => {
    if ('write' in op) {
      try { return t.write(Uint8Array.from(Buffer.from(op.write, 'hex'))); } catch (e) { if (e instanceof TunError) return e.code; throw e; }
    }
    if ('up' in op) { box.ip(`link set tun0 ${op.up ? 'up' : 'down'}`); return null; }
    if ('txqueuelen' in op) { box.ip(`link set tun0 txqueuelen ${op.txqueuelen}`); return null; }
    if ('send' in op) {
      sock ??= box.udp.bind({ port: 5000, address: '192.0.2.1' });
      for (let i = 0; i < op.send; i++) sock.send(Uint8Array.of(i), { address: '192.0.2.9', port: 9 });
      return null;
    }
    if ('read' in op) return t.readBatch().map((p) => p.length);
    if ('readSize' in op) {
      try { const p = t.read(op.readSize)!; return [p.length, Buffer.from(p.subarray(0, 4)).toString('hex')]; } catch (e) {
        if (e instanceof TunError) return e.code;
        throw e;
      }
    }
    const s = box.link('tun0').stats();
    return [s.rxPackets, s.rxBytes, s.rxDropped, s.txPackets, s.txBytes, s.txDropped];
  });
}

function liveReason(): string | undefined {
  const can = canMakeNamespace();
  if (!can.ok) return can.reason;
  if (spawnSync('python3', ['-c', 'pass']).status !== 0) return 'no python3';
  return undefined;
}
const noLive = liveReason();
if (noLive) console.log(`tun oracle: comparing with the recorded kernel answers only (${noLive})`);

describe('ip tuntap and tun links: output as iproute2 6.1 on Linux (recorded)', () => {
  it('every step matches the recording byte for byte', async () => {
    expect(fixture.ip.map((s) => s.argv)).toEqual(IP_STEPS);
    expect(await boxIpSteps()).toEqual(fixture.ip);
  });
});

describe('tun file sessions: as Linux answered (recorded)', () => {
  for (const c of FILE_CASES) {
    it(c.name, async () => {
      const rec = fixture.files.find((f) => f.name === c.name);
      expect(rec, 'recorded').toBeDefined();
      expect(await boxFileCase(c)).toEqual(rec!.results);
    });
  }
});

describe.skipIf(!!noLive)('tun: the live kernel still answers as recorded', () => {
  it('ip steps', async () => { expect(await kernelIpSteps()).toEqual(fixture.ip); }, 60_000);
  it('file sessions', async () => {
    for (const c of FILE_CASES) expect(await kernelFileCase(c)).toEqual(fixture.files.find((f) => f.name === c.name)!.results);
  }, 60_000);
});
