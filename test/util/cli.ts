// The netpath command line run in the test's process: main(args) with stdout and stderr captured.
import { vi } from 'vitest';
import { main } from '../../src/cli.js';

export interface CliRun { status: number; out: string; err: string }

export async function runCli(args: string[]): Promise<CliRun> {
  let out = '', err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try { return { status: await main(args), out, err }; } finally { o.mockRestore(); e.mockRestore(); }
}
