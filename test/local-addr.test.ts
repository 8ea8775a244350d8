// The box's own addresses as route decisions see them (__ip_dev_find): a packet
// from one of them is a martian, on whichever device the address lives, for
// exactly as long as the address does. Every step below was answered by the
// kernel (recorded in KERNEL, asked again live where a namespace can be made);
// the box must answer the same.
import { describe, expect, it } from 'vitest';
import { Box } from '../src/box.js';
import { netnsAdd, netnsDel, run } from './util/netns.js';

const SETUP = [
  'link add v0 type veth peer name v1', 'link add v2 type veth peer name v3',
  'link set lo up', 'link set v0 up', 'link set v1 up', 'link set v2 up', 'link set v3 up',
  'addr add 192.0.2.1/24 dev v0', 'addr add 198.51.100.1/24 dev v2',
];
const q = (src: string) => `route get 198.51.100.5 from ${src} iif v0`;
const STEPS = [
  q('203.0.113.9'),
  'addr add 203.0.113.9/32 dev v2', q('203.0.113.9'),
  'addr del 203.0.113.9/32 dev v2', q('203.0.113.9'),
  // a primary with a secondary: deleting the primary takes the secondary along...
  'addr add 203.0.113.9/24 dev v2', 'addr add 203.0.113.10/24 dev v2', q('203.0.113.10'),
  'addr del 203.0.113.9/24 dev v2', q('203.0.113.10'),
  // ...unless promote_secondaries
  'addr add 203.0.113.9/24 dev v2', 'addr add 203.0.113.10/24 dev v2', 'sysctl net.ipv4.conf.v2.promote_secondaries=1',
  'addr del 203.0.113.9/24 dev v2', q('203.0.113.10'), q('203.0.113.9'),
  // the same address on two devices: one device goes away, then the other address
  'link add v4 type veth peer name v5', 'link set v4 up', 'link set v5 up',
  'addr add 203.0.113.20/32 dev v5', 'addr add 203.0.113.20/32 dev v1', q('203.0.113.20'),
  'link del v4', q('203.0.113.20'),
  'addr del 203.0.113.20/32 dev v1', q('203.0.113.20'),
];

interface Answer { status: number; out: string }
/** what Linux 6.18 with iproute2 6.1 answered to each step */
const KERNEL: Answer[] = [
  { status: 0, out: "198.51.100.5 from 203.0.113.9 dev v2 \n    cache iif v0 \n" },
  { status: 0, out: "" },
  { status: 1, out: "RTNETLINK answers: Invalid argument\n" },
  { status: 0, out: "" },
  { status: 0, out: "198.51.100.5 from 203.0.113.9 dev v2 \n    cache iif v0 \n" },
  { status: 0, out: "" },
  { status: 0, out: "" },
  { status: 1, out: "RTNETLINK answers: Invalid argument\n" },
  { status: 0, out: "" },
  { status: 0, out: "198.51.100.5 from 203.0.113.10 dev v2 \n    cache iif v0 \n" },
  { status: 0, out: "" },
  { status: 0, out: "" },
  { status: 0, out: "" },
  { status: 0, out: "" },
  { status: 1, out: "RTNETLINK answers: Invalid argument\n" },
  { status: 0, out: "198.51.100.5 from 203.0.113.9 dev v2 \n    cache iif v0 \n" },
  { status: 0, out: "" },
  { status: 0, out: "" },
  { status: 0, out: "" },
  { status: 0, out: "" },
  { status: 0, out: "" },
  { status: 1, out: "RTNETLINK answers: Invalid argument\n" },
  { status: 0, out: "" },
  { status: 1, out: "RTNETLINK answers: Invalid argument\n" },
  { status: 0, out: "" },
  { status: 0, out: "198.51.100.5 from 203.0.113.20 dev v2 \n    cache iif v0 \n" },
];

function onBox(box: Box, step: string): Answer {
  if (step.startsWith('sysctl ')) {
    const [k, v] = step.slice(7).split('=');
    box.sysctl(k, v);
    return { status: 0, out: '' };
  }
  const r = box.ip(step);
  return { status: r.status === 0 ? 0 : 1, out: r.stdout + r.stderr };
}

async function onKernel(ns: string, step: string): Promise<Answer> {
  const r = step.startsWith('sysctl ')
    ? await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', step.slice(7)])
    : await run('ip', ['-n', ns, ...step.split(' ')]);
  return { status: r.status === 0 ? 0 : 1, out: r.stdout + r.stderr };
}

async function boxAnswers(): Promise<Answer[]> {
  const box = await Box.create();
  for (const s of SETUP) expect(box.ip(s).status, s).toBe(0);
  box.sysctl('net.ipv4.ip_forward', '1');
  return STEPS.map((s) => onBox(box, s));
}

describe('the box\'s own addresses in route decisions', () => {
  it('a packet from a local address is a martian for exactly as long as the address lives (recorded kernel answers)', async () => {
    expect(KERNEL).toHaveLength(STEPS.length);
    expect(await boxAnswers()).toEqual(KERNEL);
  });

  it('and the live kernel still answers as recorded', async (ctx) => {
    let ns: string;
    try { ns = await netnsAdd('np-local'); } catch (e) { ctx.skip(`no network namespace here: ${(e as Error).message}`); return; }
    try {
      for (const s of SETUP) expect((await onKernel(ns, s)).status, s).toBe(0);
      expect((await onKernel(ns, 'sysctl net.ipv4.ip_forward=1')).status).toBe(0);
      const live: Answer[] = [];
      for (const s of STEPS) live.push(await onKernel(ns, s));
      expect(live).toEqual(KERNEL);
    } finally {
      await netnsDel(ns);
    }
  });
});
