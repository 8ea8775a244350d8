// `ip -br link` / `ip -br addr`: the same commands build a netpath box and a
// throwaway Linux namespace (IPv6 off there: netpath has none); iproute2 6.1's
// output for each case was recorded (test/fixtures/ip/brief.json, NP_RECORD=1)
// and must come back byte for byte. When a namespace can be made, the kernel
// is asked again.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Box } from '../src/box.js';
import { netnsAdd, netnsDel, run } from './util/netns.js';

const FIXTURE = new URL('./fixtures/ip/brief.json', import.meta.url);

const SETUP = [
  'link set lo up',
  'link add v0 address 02:00:00:00:00:a0 type veth peer name v1 address 02:00:00:00:00:a1',
  'link add a0 address 02:00:00:00:00:b0 type veth peer name a1 address 02:00:00:00:00:b1',
  'link add averyveryverylo address 02:00:00:00:00:c0 type veth peer name b1 address 02:00:00:00:00:c1',
  'link set v0 up', 'link set v1 up', 'link set a0 up', 'link set averyveryverylo up',
  'addr add 192.0.2.1/24 dev v0', 'addr add 198.51.100.1/24 dev v0', 'addr add 192.0.2.2/24 dev v0',
  'addr add 203.0.113.7/32 dev v1', 'addr add 192.0.2.100 peer 192.0.2.200/32 dev v1',
  'addr add 198.18.0.1/15 dev b1', 'addr add 198.19.0.1/24 dev averyveryverylo',
];
const CASES = [
  '-br link', '-brief link show', '-br link show dev v0', '-br link show v1', '-br link show up', '-br -s link', '-br -d link show dev lo',
  '-br addr', '-br addr show', '-br -4 addr', '-br -4 addr show up', '-br addr show up', '-br addr show dev v1', '-br addr show dev a0',
  '-br -4 addr show dev a1', '-br -4 addr show dev averyveryverylo', '-br link show dev nosuch', '-br addr show dev nosuch',
  '-j -br link', '-j -br addr', '-j -br -4 addr show dev v0', '-j -br link show dev a0',
  '-br addr show label v0', '-br addr show label v*', '-j -br addr show label v1', '-br addr show scope host', '-br addr show secondary',
  '-br addr show to 192.0.2.0/24', '-br -o link', '-br -o addr', '-br -4 -o addr show dev v1',
];
interface Case { argv: string; status: number; stdout: string; stderr: string }

async function kernel(): Promise<Case[]> {
  const ns = await netnsAdd('np-brief');
  try {
    const sh = async (args: string[]) => {
      const r = await run(args[0], args.slice(1));
      if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
    };
    // netpath has no IPv6: no fe80:: or ::1 addresses in the kernel's answers either
    await sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    for (const c of SETUP) await sh(['ip', '-n', ns, ...c.split(' ')]);
    const out: Case[] = [];
    for (const c of CASES) {
      const r = await run('ip', ['-n', ns, ...c.split(' ')]);
      out.push({ argv: c, status: r.status, stdout: r.stdout, stderr: r.stderr });
    }
    return out;
  } finally {
    await netnsDel(ns);
  }
}

async function netpath(): Promise<Case[]> {
  const box = await Box.create();
  for (const c of SETUP) expect(box.ip(c).status, c).toBe(0);
  return CASES.map((c) => { const r = box.ip(c); return { argv: c, status: r.status, stdout: r.stdout, stderr: r.stderr }; });
}

async function canNetns(): Promise<string> {
  try { const ns = await netnsAdd('np-brief'); await netnsDel(ns); return ''; } catch (e) { return (e as Error).message; }
}
const why = await canNetns();

describe('ip -brief: byte for byte what iproute2 6.1 prints', () => {
  if (process.env.NP_RECORD) {
    it('records the kernel answers', async () => {
      writeFileSync(FIXTURE, JSON.stringify({ iproute2: (await run('ip', ['-V'])).stdout.trim(), setup: SETUP, cases: await kernel() }, null, 1) + '\n');
    }, 60_000);
    return;
  }
  const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { setup: string[]; cases: Case[] };
  it('the fixture was recorded for these cases and this setup', () => {
    expect(recorded.setup).toEqual(SETUP);
    expect(recorded.cases.map((c) => c.argv)).toEqual(CASES);
  });
  it('netpath prints each case as recorded', async () => {
    const got = await netpath();
    for (const [i, c] of recorded.cases.entries()) expect(got[i], `ip ${c.argv}`).toEqual(c);
  });
  if (!why) {
    it('the kernel here still prints what was recorded', async () => {
      expect(await kernel()).toEqual(recorded.cases);
    }, 60_000);
  } else {
    it.skip(`the kernel here still prints what was recorded: skipped, no network namespace here (${why})`, () => {});
  }
});
