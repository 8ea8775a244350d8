// A script of `ip` commands (argv arrays) run through the kernel in a throwaway
// namespace and through a fresh box, for tests that compare every answer
// (stdout, stderr, status) with a recorded fixture and, where namespaces can be
// made, with the live kernel.
import { readFileSync, writeFileSync } from 'node:fs';
import { Box } from '../../src/box.js';
import { run, netnsAdd, netnsDel } from './netns.js';
import { canMakeNamespace } from '../diff/kernel.js';

export interface IpStep { argv: string[]; stdout: string; stderr: string; status: number }

/** Each command as `ip -n NS ...` in a namespace PREFIX-*, made for the script and removed after it. */
export async function kernelIpSteps(prefix: string, script: string[][]): Promise<IpStep[]> {
  const ns = await netnsAdd(prefix);
  try {
    const out: IpStep[] = [];
    for (const argv of script) out.push({ argv, ...(await run('ip', ['-n', ns, ...argv])) });
    return out;
  } finally { await netnsDel(ns); }
}

/** Each command through `box.ip` of a fresh box. */
export async function emulatedIpSteps(script: string[][]): Promise<IpStep[]> {
  const box = await Box.create();
  return script.map((argv) => ({ argv, ...box.ip(argv) }));
}

/** The recorded kernel answers; with RECORD=1 where namespaces can be made, recorded again first. */
export async function recordedIpSteps(fixture: URL, prefix: string, script: string[][]): Promise<IpStep[]> {
  if (process.env.RECORD && canMakeNamespace().ok) {
    writeFileSync(fixture, JSON.stringify(await kernelIpSteps(prefix, script), null, 1) + '\n');
  }
  return JSON.parse(readFileSync(fixture, 'utf8')) as IpStep[];
}
