// Runs scenarios against the real kernel, each in a fresh throwaway network
// namespace (npdiff-<pid>-<n>), deleted again in every case.
//
// Each ip step is run as its own one-line batch, `ip -netns NS -4 -force -j
// -batch -` with the line on stdin, so every command gets its own stdout,
// stderr and exit status (see compare.ts). `runScenarioBatches` runs each
// group of consecutive ip steps as one real batch instead; record.ts --verify
// checks that both ways print the same text (they do not always: iproute2
// keeps some state between the commands of a batch, see README.md).
import { spawnSync } from 'node:child_process';
import { ENV, netnsAdd, netnsDel, run, type Raw } from '../util/netns.js';
import { hostDifferences } from '../util/host-model.js';
import { type Scenario, groups } from './gen.js';
import { type Answer, normalizeErr } from './compare.js';
import { batchArgs } from './netpath.js';

export type { Raw };

let probe: { ok: boolean; reason: string } | undefined;
/** Whether this machine lets us make a network namespace (root, iproute2, netns support). */
export function canMakeNamespace(): { ok: boolean; reason: string } {
  if (probe) return probe;
  const no = (reason: string) => (probe = { ok: false, reason });
  if (process.platform !== 'linux') return no(`not Linux (${process.platform})`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return no('not root (uid ' + process.getuid() + ')');
  const v = spawnSync('ip', ['-V'], { env: ENV, encoding: 'utf8' });
  if (v.error || v.status !== 0) return no('iproute2 `ip` not found');
  const ns = `npdiff-${process.pid}-probe`;
  const a = spawnSync('ip', ['netns', 'add', ns], { env: ENV, encoding: 'utf8' });
  if (a.status !== 0) return no(`ip netns add failed: ${(a.stderr || '').trim()}`);
  const t = spawnSync('sysctl', ['-V'], { env: ENV, encoding: 'utf8' });
  const host = t.error ? [] : hostDifferences(ns);
  spawnSync('ip', ['netns', 'del', ns], { env: ENV });
  if (t.error) return no('sysctl not found');
  if (host.length) return no(`this host's namespaces differ from the machine netpath models: ${host.join('; ')}`);
  return (probe = { ok: true, reason: `root, ${v.stdout.trim()}` });
}

/** iproute2 and kernel versions, for the fixtures' header. */
export function versions(): { iproute2: string; kernel: string } {
  const v = spawnSync('ip', ['-V'], { env: ENV, encoding: 'utf8' }).stdout.trim();
  const k = spawnSync('uname', ['-r'], { env: ENV, encoding: 'utf8' }).stdout.trim();
  return { iproute2: v.replace(/^ip utility, /, ''), kernel: k };
}

export class Namespace {
  private constructor(readonly name: string) {}

  static async create(): Promise<Namespace> {
    return new Namespace(await netnsAdd('npdiff'));
  }

  async destroy(): Promise<void> {
    await netnsDel(this.name);
  }

  /** One ip command as a one-line batch. */
  async ip(line: string, family?: 'unspec'): Promise<Answer> {
    const r = await this.batch([line], family);
    return { out: r.stdout, err: normalizeErr(r.stderr), status: r.status };
  }

  /** Several lines as one batch, raw (without -4 for family unspec). */
  batch(lines: string[], family?: 'unspec'): Promise<Raw> {
    return run('ip', ['-netns', this.name, ...batchArgs(family), '-'], lines.join('\n') + '\n');
  }

  async sysctl(key: string, value: string): Promise<Answer> {
    const r = await run('ip', ['netns', 'exec', this.name, 'sysctl', '-qw', `${key}=${value}`]);
    return { out: r.stdout, err: r.stderr, status: r.status };
  }
}

export async function withNamespace<T>(f: (ns: Namespace) => Promise<T>): Promise<T> {
  const ns = await Namespace.create();
  try {
    return await f(ns);
  } finally {
    await ns.destroy();
  }
}

/**
 * Carrier changes reach routes (the `linkdown` nexthop flag) and operstate
 * through linkwatch, a work item that runs shortly after the command
 * returned. Give it time after link commands so that answers do not depend
 * on timing.
 */
const settle = () => new Promise((r) => setTimeout(r, 25));

/** Runs every step of a scenario; one answer per step. */
export function runScenarioKernel(sc: Scenario): Promise<Answer[]> {
  return withNamespace(async (ns) => {
    const answers: Answer[] = [];
    for (const s of sc.steps) {
      answers.push('ip' in s ? await ns.ip(s.ip, s.family) : await ns.sysctl(s.sysctl[0], s.sysctl[1]));
      if ('ip' in s && /^link /.test(s.ip)) await settle();
    }
    return answers;
  });
}

/**
 * Runs the scenario as real batches (one per group of consecutive ip steps)
 * and returns the raw text of each group. A command that makes ip exit ends
 * a batch; the rest of the group then runs as a new batch (`expectedRaw`
 * splits the same way, from the per-command answers).
 */
export function runScenarioBatches(sc: Scenario, splitAfter: Set<number>): Promise<{ start: number; lines: string[]; raw: Raw }[]> {
  return withNamespace(async (ns) => {
    const out: { start: number; lines: string[]; raw: Raw }[] = [];
    for (const g of groups(sc)) {
      if (g.kind === 'sysctl') { await ns.sysctl(g.key, g.value); continue; }
      for (const part of splitGroup(g.start, g.lines, splitAfter)) {
        out.push({ ...part, raw: await ns.batch(part.lines, g.family) });
        await settle();
      }
    }
    return out;
  });
}

/** Splits a group's lines after every step index in `splitAfter` (the commands that make ip exit). */
export function splitGroup(start: number, lines: string[], splitAfter: Set<number>): { start: number; lines: string[] }[] {
  const parts: { start: number; lines: string[] }[] = [];
  let cur = { start, lines: [] as string[] };
  lines.forEach((l, j) => {
    cur.lines.push(l);
    if (splitAfter.has(start + j) && j < lines.length - 1) { parts.push(cur); cur = { start: start + j + 1, lines: [] }; }
  });
  parts.push(cur);
  return parts;
}
