// Records Linux's answers for the tun scenarios of cases.ts as a fixture:
//
//   npx tsx test/tun/record.ts [--out test/fixtures/tun/kernel.json]
//
// Needs root, iproute2 6.1 and python3; every scenario runs in its own throwaway namespace.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, netnsAdd, netnsDel } from '../util/netns.js';
import { FILE_CASES, IP_STEPS, type FileCase } from './cases.js';

export interface IpAnswer { argv: string; stdout: string; stderr: string; status: number }
export interface TunFixture { ip: IpAnswer[]; files: { name: string; results: unknown[] }[] }

const HELPER = join(dirname(fileURLToPath(import.meta.url)), 'tun_helper.py');

/** The ip steps, in order, in one namespace. */
export async function kernelIpSteps(): Promise<IpAnswer[]> {
  const ns = await netnsAdd('np-tun');
  try {
    const out: IpAnswer[] = [];
    for (const argv of IP_STEPS) {
      const r = await run('ip', ['netns', 'exec', ns, 'ip', ...argv.split(' ')]);
      out.push({ argv, stdout: r.stdout, stderr: r.stderr, status: r.status });
    }
    return out;
  } finally { await netnsDel(ns); }
}

export async function kernelFileCase(c: FileCase): Promise<unknown[]> {
  const ns = await netnsAdd('np-tun');
  try {
    const r = await run('ip', ['netns', 'exec', ns, 'python3', HELPER], JSON.stringify(c));
    if (r.status !== 0) throw new Error(`tun_helper (${c.name}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as unknown[];
  } finally { await netnsDel(ns); }
}

export async function recordTun(): Promise<TunFixture> {
  const files = [];
  for (const c of FILE_CASES) files.push({ name: c.name, results: await kernelFileCase(c) });
  return { ip: await kernelIpSteps(), files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? process.argv[i + 1] : join('test', 'fixtures', 'tun', 'kernel.json');
  const f = await recordTun();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(f, null, 1) + '\n');
  console.log(`wrote ${out}: ${f.ip.length} ip steps, ${f.files.length} file sessions`);
}
