// Client-side errors (parse failures, unknown devices, usage): texts and
// exit codes recorded from iproute2 6.1 in a Linux netns with the same links.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runIp } from '../src/ip/index.js';
import { FakeRtnl } from './ip-fake-rtnl.js';

const state = JSON.parse(readFileSync(new URL('./fixtures/ip/show-state1.json', import.meta.url), 'utf8')).state;
const fixture = JSON.parse(readFileSync(new URL('./fixtures/ip/client-errors.json', import.meta.url), 'utf8'));

describe('ip client-side errors match iproute2 6.1', () => {
  for (const c of fixture.cases as { argv: string[]; status: number; stdout: string; stderr: string }[]) {
    it(`ip ${c.argv.join(' ')}`, () => {
      const fake = FakeRtnl.fromKernelDump(state);
      const r = runIp(fake, c.argv, {});
      expect({ stdout: r.stdout, stderr: r.stderr, status: r.status }).toEqual({ stdout: c.stdout, stderr: c.stderr, status: c.status });
      // nothing reaches the kernel when the front end refuses a command
      expect(fake.calls.filter((x) => x.op !== 'routeGet')).toEqual([]);
    });
  }
});
