// Records Linux's answers for a veth pair between two namespaces (red, blue)
// as a fixture, the names of the throwaway namespaces replaced by red/blue:
//
//   npx tsx test/devices/veth-boxes-record.ts [--out test/fixtures/devices/veth-boxes.json]
//
// Needs root and iproute2 6.1.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, netnsAdd, netnsDel } from '../util/netns.js';

export type Ns = 'red' | 'blue';
export interface VethStep { ns: Ns; argv: string }
export interface VethAnswer extends VethStep { stdout: string; stderr: string; status: number }

/** ip commands in red or blue; `netns red|blue` names the other namespace. */
export const VETH_STEPS: VethStep[] = [
  { ns: 'red', argv: 'link add a0 address 02:00:00:00:00:0a type veth peer name b0 address 02:00:00:00:00:0b netns blue' },
  { ns: 'red', argv: 'link show' },
  { ns: 'blue', argv: 'link show' },
  { ns: 'red', argv: '-j link show' },
  { ns: 'red', argv: '-d link show a0' },
  { ns: 'red', argv: '-d -j link show a0' },
  { ns: 'red', argv: 'link set a0 up' },
  { ns: 'red', argv: 'link show a0' },
  { ns: 'blue', argv: 'link show b0' },
  { ns: 'blue', argv: 'link set b0 up' },
  { ns: 'red', argv: 'link show a0' },
  { ns: 'blue', argv: '-j link show b0' },
  { ns: 'red', argv: 'link add x0 address 02:00:00:00:01:00 type veth peer name x1 address 02:00:00:00:01:01' },
  { ns: 'red', argv: 'link add q0 address 02:00:00:00:02:00 mtu 1400 type veth peer name q1 address 02:00:00:00:02:01 netns blue' },
  { ns: 'red', argv: 'link set q0 up' },
  { ns: 'red', argv: 'link show' },
  { ns: 'blue', argv: 'link show' },
  { ns: 'blue', argv: 'addr show q1' },
  { ns: 'red', argv: 'link add a9 type veth peer name b0 netns blue' },
  { ns: 'red', argv: 'link add a9 type veth peer name b9 netns nonexist' },
  { ns: 'red', argv: 'link add a9 type veth peer name b9 netns blue netns blue' },
  { ns: 'red', argv: 'link show a9' },
  { ns: 'blue', argv: 'link set b0 down' },
  { ns: 'red', argv: 'link show a0' },
  { ns: 'blue', argv: 'link del b0' },
  { ns: 'red', argv: 'link show' },
  { ns: 'blue', argv: 'link show' },
];

/** The steps in two fresh namespaces. */
export async function kernelVethSteps(): Promise<VethAnswer[]> {
  const names = { red: await netnsAdd('np-veth'), blue: await netnsAdd('np-veth') };
  const back = (s: string) => s.replaceAll(names.red, 'red').replaceAll(names.blue, 'blue');
  try {
    const out: VethAnswer[] = [];
    for (const step of VETH_STEPS) {
      const argv = step.argv.replace(/netns (red|blue)\b/g, (_, n: Ns) => `netns ${names[n]}`).split(' ');
      const r = await run('ip', ['-n', names[step.ns], ...argv]);
      out.push({ ...step, stdout: back(r.stdout), stderr: back(r.stderr), status: r.status });
    }
    return out;
  } finally {
    await netnsDel(names.red);
    await netnsDel(names.blue);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? process.argv[i + 1] : join('test', 'fixtures', 'devices', 'veth-boxes.json');
  const steps = await kernelVethSteps();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(steps, null, 1) + '\n');
  console.log(`wrote ${out}: ${steps.length} steps`);
}
