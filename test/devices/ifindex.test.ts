// ifindex allocation (dev_index_reserve): counting up, not reused before the others were,
// and the model's limit: ifindexes stay below 4096 (Linux: 2^31), so the per-device
// tables of the packet path are static. A full table refuses new devices with EBUSY.
import { describe, expect, it } from 'vitest';
import { Box } from '../../src/box.js';
import { ipScriptCases, words } from '../util/ip-script.js';

const DEV_MAX = 4096;

function ifindex(box: Box, name: string): number {
  const r = box.ip(`-j link show ${name}`);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout)[0].ifindex;
}

function linkCount(box: Box): number { return JSON.parse(box.ip('-j link show').stdout).length; }

/** a deleted ifindex is not given again at once: bridges, as this kernel has no dummy driver */
const SCRIPT = [
  'link add da address 02:00:00:00:00:0a type bridge', 'link show da', 'link del da',
  'link add db address 02:00:00:00:00:0b type bridge', 'link show db',
].map(words);
const FIXTURE = new URL('../fixtures/devices/ifindex-ip.json', import.meta.url);

describe('ifindex: as Linux gives it', () => {
  ipScriptCases({
    fixture: FIXTURE, prefix: 'np-ifx', script: SCRIPT, opts: { noIpv6: true },
    check: (recorded) => {
      expect(recorded[1]!.stdout).toMatch(/^2: da: /);
      expect(recorded[4]!.stdout).toMatch(/^3: db: /);
    },
  });
});

describe('ifindex', () => {
  it('counts up from the last one given, a deleted index is not given again at once', async () => {
    const box = await Box.create();
    expect(box.ip('link add da type dummy').status).toBe(0);
    const a = ifindex(box, 'da');
    expect(box.ip('link del da').status).toBe(0);
    expect(box.ip('link add db type dummy').status).toBe(0);
    expect(ifindex(box, 'db')).toBe(a + 1);
  });

  it('wraps below 4096 to the first free index after the last one given', async () => {
    const box = await Box.create();
    for (let i = 0; i < DEV_MAX - 2; i++) expect(box.ip(`link add d${i} type dummy`).status).toBe(0);
    expect(ifindex(box, `d${DEV_MAX - 3}`)).toBe(DEV_MAX - 1);
    // free 9 and 102: the next device takes 9, the one after it 102
    expect(box.ip('link del d100').status).toBe(0);
    expect(box.ip('link del d7').status).toBe(0);
    expect(box.ip('link add x type dummy').status).toBe(0);
    expect(ifindex(box, 'x')).toBe(9);
    expect(box.ip('link add y type dummy').status).toBe(0);
    expect(ifindex(box, 'y')).toBe(102);
  });

  it('with every index taken, a new device is refused with EBUSY and nothing changes', async () => {
    const box = await Box.create();
    for (let i = 0; i < DEV_MAX - 2; i++) expect(box.ip(`link add d${i} type dummy`).status).toBe(0);
    const n = linkCount(box);
    expect(n).toBe(DEV_MAX - 1);
    for (const c of ['link add x type dummy', 'link add x type bridge', 'link add x link d0 type macvlan', 'link add x link d0 type vlan id 5']) {
      const r = box.ip(c);
      expect(r.status, c).toBe(2);
      expect(r.stderr, c).toBe('RTNETLINK answers: Device or resource busy\n');
    }
    // a veth pair needs two: with one free, neither end is made
    expect(box.ip('link del d5').status).toBe(0);
    const r = box.ip('link add v0 type veth peer name v1');
    expect(r.stderr).toBe('RTNETLINK answers: Device or resource busy\n');
    expect(linkCount(box)).toBe(n - 1);
    expect(box.ip('link show v1').status).not.toBe(0);
    expect(box.ip('link add x type dummy').status).toBe(0);
    expect(ifindex(box, 'x')).toBe(7);
    expect(linkCount(box)).toBe(n);
  });
});
