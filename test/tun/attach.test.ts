// `netpath attach tun0 --host rt0` joins the box's tun0 to a real TUN device:
// in a throwaway namespace, the real kernel pings the box through rt0 and
// gets its echo replies, and a UDP datagram to a closed port of the box comes
// back as ICMP port unreachable (ECONNREFUSED). Skipped, with the reason, where
// it cannot run (not root, no namespaces, no koffi, no python3, no build).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attachUnavailable, attachHostTun } from '../../src/attach.js';
import { Box } from '../../src/index.js';
import { netnsAdd, netnsDel, run } from '../util/netns.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const PEER = fileURLToPath(new URL('./host_peer.py', import.meta.url));

function unavailable(): string | undefined {
  const why = attachUnavailable();
  if (why) return why;
  const probe = `np-tun-probe-${process.pid}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot make a namespace: ${(r.stderr ?? '').trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  if (spawnSync('python3', ['-c', 'pass']).status !== 0) return 'no python3';
  if (!existsSync(CLI)) return 'dist/cli.js is not built (npm run build)';
  return undefined;
}
const why = unavailable();
if (why) console.log(`tun attach: skipped: ${why}`);

describe('attach: the refusals need nothing', () => {
  it('a device that is not a tun of the box, or no koffi/root: a clear error', async () => {
    const box = await Box.create();
    box.ip('link add v0 type veth peer name v1');
    const reason = attachUnavailable();
    expect(() => attachHostTun(box, 'v0', { host: 'rt0' })).toThrow(reason ?? /v0 is not a tun\/tap device of the box/);
  });
});

describe.skipIf(!!why)('attach: a real TUN device in a namespace reaches the box', () => {
  it('ICMP echo and UDP from the real kernel get the box\'s answers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netpath-attach-'));
    const ns = await netnsAdd('np-tun-attach');
    try {
      const boxFile = join(dir, 'box.json');
      const log = ['tuntap add tun0 mode tun', 'addr add 198.51.100.2/24 dev tun0', 'link set tun0 up'].map((l) => ({ ip: l.split(' ') }));
      writeFileSync(boxFile, JSON.stringify({ netpath: 'box', version: 1, log }));
      // `ip netns exec` execs node: the child's pid is the attach process
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, '--box', boxFile, 'attach', 'tun0', '--host', 'rt0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', err = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
      const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
      try {
        for (let i = 0; i < 100 && !out.includes('attached:'); i++) await new Promise((r) => setTimeout(r, 50));
        expect(err).toBe('');
        expect(out).toBe('attached: box tun0 <-> host rt0 (stop with Ctrl-C)\n');
        for (const c of ['addr add 198.51.100.1/24 dev rt0', 'link set rt0 up']) {
          const r = await run('ip', ['netns', 'exec', ns, 'ip', ...c.split(' ')]);
          expect(r.stderr).toBe('');
        }
        const peer = await run('ip', ['netns', 'exec', ns, 'python3', PEER, '198.51.100.2']);
        expect(peer.stderr).toBe('');
        expect(JSON.parse(peer.stdout)).toEqual({ echo: [1, 2, 3], udp: 'ECONNREFUSED' });
      } finally {
        child.kill('SIGINT');
      }
      expect(await exited).toBe(0);
      expect(out).toMatch(/detached: \d+ packets in, 4 out\n$/);
    } finally {
      await netnsDel(ns);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
