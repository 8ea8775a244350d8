// Command cases checked against recorded kernel answers and, where the kernel can be
// asked here, against the kernel again: the same setup (ip commands) in a netpath box
// and in a throwaway namespace, each case run in both. NP_RECORD=1 (re)writes the
// fixture instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { Box } from '../../src/box.js';
import type { IpResult } from '../../src/ip/index.js';
import { netnsAdd, netnsDel, run } from './netns.js';
import { canMakeNamespace } from '../diff/kernel.js';

export interface Case { argv: string; status: number; stdout: string; stderr: string }

export interface RecordedCases {
  fixture: URL;
  /** the namespace's name prefix */
  netns: string;
  /** `ip` commands that build the same devices in both */
  setup: string[];
  cases: string[];
  /** commands run in the namespace before the setup (a whole argv each) */
  prepare?: (ns: string) => string[][];
  /** what the netpath box does before the setup to match `prepare` (sysctls) */
  boxPrepare?: (box: Box) => void;
  /** the argv that runs case `c` in namespace `ns` */
  kernelArgv: (ns: string, c: string) => string[];
  /** what netpath answers to case `c` */
  netpath: (box: Box, c: string) => IpResult;
  /** what the fixture notes besides setup and cases (the tool's version) */
  meta: () => Promise<Record<string, string>>;
  /** why the kernel cannot be asked here ('' when it can) */
  why: string;
  /** what the cases are run as, for messages ('ip', 'ethtool') */
  tool: string;
}

async function kernel(o: RecordedCases): Promise<Case[]> {
  const ns = await netnsAdd(o.netns);
  try {
    const sh = async (args: string[]) => {
      const r = await run(args[0], args.slice(1));
      if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    };
    for (const a of o.prepare?.(ns) ?? []) await sh(a);
    for (const c of o.setup) await sh(['ip', '-n', ns, ...c.split(' ')]);
    const out: Case[] = [];
    for (const c of o.cases) {
      const a = o.kernelArgv(ns, c);
      const r = await run(a[0], a.slice(1));
      out.push({ argv: c, status: r.status, stdout: r.stdout, stderr: r.stderr });
    }
    return out;
  } finally {
    await netnsDel(ns);
  }
}

async function netpath(o: RecordedCases): Promise<Case[]> {
  const box = await Box.create();
  o.boxPrepare?.(box);
  for (const c of o.setup) expect(box.ip(c).status, c).toBe(0);
  return o.cases.map((c) => { const r = o.netpath(box, c); return { argv: c, status: r.status, stdout: r.stdout, stderr: r.stderr }; });
}

/** The tests of one describe block: the fixture matches the cases, netpath prints them, the kernel still does. */
export function recordedCases(o: RecordedCases): void {
  if (process.env.NP_RECORD) {
    it('records the kernel answers', async () => {
      writeFileSync(o.fixture, JSON.stringify({ ...(await o.meta()), setup: o.setup, cases: await kernel(o) }, null, 1) + '\n');
    }, 60_000);
    return;
  }
  const recorded = JSON.parse(readFileSync(o.fixture, 'utf8')) as { setup: string[]; cases: Case[] };
  it('the fixture was recorded for these cases and this setup', () => {
    expect(recorded.setup).toEqual(o.setup);
    expect(recorded.cases.map((c) => c.argv)).toEqual(o.cases);
  });
  it('netpath prints each case as recorded', async () => {
    const got = await netpath(o);
    for (const [i, c] of recorded.cases.entries()) expect(got[i], `${o.tool} ${c.argv}`).toEqual(c);
  });
  if (!o.why) {
    it('the kernel here still prints what was recorded', async () => {
      expect(await kernel(o)).toEqual(recorded.cases);
    }, 60_000);
  } else {
    it.skip(`the kernel here still prints what was recorded: skipped, ${o.why}`, () => {});
  }
}

/** '' when a namespace can be made here (and this host starts one as netpath models it: test/util/host-model.ts), else why not */
export async function netnsWhyNot(): Promise<string> {
  const can = canMakeNamespace();
  return can.ok ? '' : `no network namespace here (${can.reason})`;
}

/** '' when ethtool is installed and a namespace can be made here, else why not */
export async function ethtoolWhyNot(): Promise<string> {
  const v = await run('ethtool', ['--version']).catch(() => undefined);
  if (!v || v.status !== 0) return 'no ethtool installed here';
  return netnsWhyNot();
}

/** recordedCases for command lines of an iproute2 tool in the namespace (the fixture notes iproute2's version) */
function iproute2Cases(tool: 'ip' | 'bridge', netpath: RecordedCases['netpath'], o: Omit<RecordedCases, 'tool' | 'kernelArgv' | 'netpath' | 'meta'>): void {
  recordedCases({
    ...o, tool, netpath,
    kernelArgv: (ns, c) => [tool, '-n', ns, ...c.split(' ')],
    meta: async () => ({ iproute2: (await run(tool, ['-V'])).stdout.trim() }),
  });
}
/** recordedCases for `ip` command lines */
export const ipCases = (o: Omit<RecordedCases, 'tool' | 'kernelArgv' | 'netpath' | 'meta'>): void => iproute2Cases('ip', (box, c) => box.ip(c), o);
/** recordedCases for `bridge` command lines */
export const bridgeCases = (o: Omit<RecordedCases, 'tool' | 'kernelArgv' | 'netpath' | 'meta'>): void => iproute2Cases('bridge', (box, c) => box.bridge(c), o);

/** recordedCases for `ethtool` command lines (the fixture notes ethtool's version) */
export function ethtoolCases(o: Pick<RecordedCases, 'fixture' | 'netns' | 'setup' | 'cases' | 'why'>): void {
  recordedCases({
    ...o, tool: 'ethtool',
    kernelArgv: (ns, c) => ['ip', 'netns', 'exec', ns, 'ethtool', ...c.split(' ')],
    netpath: (box, c) => box.ethtool(c),
    meta: async () => ({ ethtool: (await run('ethtool', ['--version'])).stdout.trim() }),
  });
}

/** the devices the ethtool fixtures were recorded with: a veth pair, a bridge, a macvlan, a tap and a tun */
export const ETHTOOL_SETUP = [
  'link add va address 02:00:00:00:00:a0 type veth peer name vb address 02:00:00:00:00:a1',
  'link add br0 type bridge', 'link add mv link va type macvlan', 'link set vb master br0',
  'tuntap add mode tap tp0', 'tuntap add mode tun tn0',
];
