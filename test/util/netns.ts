// Kernel-oracle plumbing shared by the routing and packet differential
// harnesses: commands run in the C locale, and throwaway network namespaces
// that are always removed, also when the process exits or is interrupted.
import { spawn, spawnSync } from 'node:child_process';

export const ENV = { ...process.env, LC_ALL: 'C', LANG: 'C' };

export interface Raw { stdout: string; stderr: string; status: number }

/** Runs a command to completion with `input` on stdin. */
export function run(cmd: string, args: string[], input?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ stdout, stderr, status: code ?? (signal ? 128 : -1) }));
    p.stdin.on('error', () => {}); // the command may exit before reading all of its input
    p.stdin.end(input ?? '');
  });
}

const live = new Set<string>();
let counter = 0;
const cleanup = () => {
  for (const ns of live) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  live.clear();
};
process.once('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { cleanup(); process.exit(128 + (sig === 'SIGINT' ? 2 : 15)); });
}

/** `ip netns add PREFIX-<pid>-<n>`; the namespace is deleted at exit if not before. */
export async function netnsAdd(prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${counter++}`;
  const r = await run('ip', ['netns', 'add', name]);
  if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr.trim()}`);
  live.add(name);
  return name;
}

/** Deletes a namespace made by netnsAdd (once). */
export async function netnsDel(name: string): Promise<void> {
  if (!live.has(name)) return;
  live.delete(name);
  await run('ip', ['netns', 'del', name]);
}
