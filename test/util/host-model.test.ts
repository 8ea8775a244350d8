// The host check that keeps live comparisons from failing on a host whose namespaces start otherwise
// than the machine netpath models (test/util/host-model.ts).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { canMakeNamespace } from '../diff/kernel.js';
import { hostDifferences, possibleCpus } from './host-model.js';
import { netnsAdd, netnsDel } from './netns.js';

describe('host model check', () => {
  it('counts the possible CPUs of sysfs lists', () => {
    expect(possibleCpus('0\n')).toBe(1);
    expect(possibleCpus('0-1\n')).toBe(2);
    expect(possibleCpus('0-3,8-11\n')).toBe(8);
  });
  const can = canMakeNamespace();
  it.skipIf(!can.ok)('names a conf value the host handed to a new namespace, and only such a one', async () => {
    const ns = await netnsAdd('np-host');
    try {
      // in this namespace only: as if init_net had rp_filter 2 and new namespaces had copied it
      expect(spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=2']).status).toBe(0);
      const asHost = (k: string) => (k === 'net.ipv4.conf.all.rp_filter' ? '2' : '');
      expect(hostDifferences(ns, asHost).filter((d) => !/possible CPUs/.test(d)))
        .toEqual(['net.ipv4.conf.all.rp_filter = 2 on the host, copied into new namespaces (netpath: 0)']);
      // the real host has rp_filter 0 (the live comparisons run here): the namespace's own change is not the host's
      expect(hostDifferences(ns).filter((d) => !/possible CPUs/.test(d))).toEqual([]);
    } finally { await netnsDel(ns); }
  });
  it.skipIf(can.ok)(`live: skipped (${can.reason})`, () => {});
});
