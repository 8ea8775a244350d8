import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { expectedRaw } from './compare.js';
import { canMakeNamespace, runScenarioBatches, runScenarioKernel, splitGroup } from './kernel.js';
import type { Scenario } from './gen.js';

const can = canMakeNamespace();
const liveNs = () => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith(`npdiff-${process.pid}-`));

describe('kernel runner', () => {
  it('splits a batch after the commands where ip stops', () => {
    expect(splitGroup(10, ['a', 'b', 'c', 'd'], new Set([11]))).toEqual([{ start: 10, lines: ['a', 'b'] }, { start: 12, lines: ['c', 'd'] }]);
    expect(splitGroup(0, ['a', 'b'], new Set([1]))).toEqual([{ start: 0, lines: ['a', 'b'] }]);
  });

  it.runIf(can.ok)(`answers each step in a throwaway namespace, and removes it (${can.reason})`, async () => {
    const sc: Scenario = {
      seed: 0, gen: 0, steps: [
        { ip: 'link set lo up' },
        { ip: 'link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02' },
        { ip: 'link set v0 up' },
        { ip: 'link set v1 up' },
        { sysctl: ['net.ipv4.conf.v0.rp_filter', '1'] },
        { ip: 'addr add 192.0.2.1/24 dev v0' },
        { ip: 'route get 198.51.100.1' },
        { ip: 'route add default via 192.0.2.254' },
        { ip: 'route get 198.51.100.1' },
        { ip: 'route add default via 192.0.2.254' },
        { ip: 'rule add fwmark foo table 10' },
        { ip: 'rule show' },
      ],
    };
    const a = await runScenarioKernel(sc);
    expect(liveNs()).toEqual([]);
    expect(a[4]).toEqual({ status: 0, out: '', err: '' });
    expect(a[6]).toEqual({ status: 1, out: '', err: 'RTNETLINK answers: Network is unreachable\nCommand failed\n' });
    expect(a[7]).toEqual({ status: 0, out: '', err: '' });
    expect(JSON.parse(a[8].out)).toEqual([{ dst: '198.51.100.1', gateway: '192.0.2.254', dev: 'v0', prefsrc: '192.0.2.1', flags: [], uid: 0, cache: [] }]);
    expect(a[9].err).toBe('RTNETLINK answers: File exists\nCommand failed\n');
    // a parse error makes ip exit, which ends a batch
    expect(a[10].status).toBe(255);
    expect(a[10].err).not.toContain('Command failed');
    expect(JSON.parse(a[11].out).map((r: { priority: number }) => r.priority)).toEqual([0, 32766, 32767]);

    // the same steps as real batches print what the commands printed one by one
    const parts = await runScenarioBatches(sc, new Set([10]));
    expect(liveNs()).toEqual([]);
    expect(parts.map((p) => p.start)).toEqual([0, 5, 11]);
    for (const p of parts) expect(p.raw).toEqual(expectedRaw(a.slice(p.start, p.start + p.lines.length), '-'));
  });

  it.skipIf(can.ok)(`needs a network namespace: ${can.reason}`, () => {});
});
