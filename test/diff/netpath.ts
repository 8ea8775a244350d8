// Runs a scenario through netpath: one Box, each ip step as a one-line batch
// (`ip -4 -force -j -batch FILE`, the file's text given through io.readFile),
// exactly as kernel.ts runs it against the real kernel.
import { type Answer, normalizeErr } from './compare.js';
import type { Scenario } from './gen.js';

export interface BoxLike {
  ip(args: string[], io?: { readFile?: (path: string) => string }): { status: number; stdout: string; stderr: string };
  sysctl(key: string, value?: string | number): string;
}

export const BATCH_ARGS = ['-4', '-force', '-j', '-batch'];
/** the options of a batch: BATCH_ARGS, without -4 for a step of family unspec */
export function batchArgs(family?: 'unspec'): string[] { return family === 'unspec' ? BATCH_ARGS.slice(1) : BATCH_ARGS; }

/** One ip line as a batch of one. A throw (a netpath bug) becomes an answer that matches nothing. */
export function netpathIp(box: BoxLike, line: string, family?: 'unspec'): Answer {
  try {
    const r = box.ip([...batchArgs(family), '-'], { readFile: () => line + '\n' });
    return { out: r.stdout, err: normalizeErr(r.stderr), status: r.status };
  } catch (e) {
    return { out: '', err: `netpath threw: ${(e as Error)?.stack ?? e}`, status: -1 };
  }
}

export function netpathSysctl(box: BoxLike, key: string, value: string): Answer {
  try {
    box.sysctl(key, value);
    return { out: '', err: '', status: 0 };
  } catch (e) {
    return { out: '', err: `${(e as Error)?.message ?? e}\n`, status: 255 };
  }
}

export async function runScenarioNetpath(create: () => Promise<BoxLike>, sc: Scenario): Promise<Answer[]> {
  const box = await create();
  return sc.steps.map((s) => ('ip' in s ? netpathIp(box, s.ip, s.family) : netpathSysctl(box, s.sysctl[0], s.sysctl[1])));
}
