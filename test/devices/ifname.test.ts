// Interface names at their edges, against the kernel: UTF-8 names (IFNAMSIZ
// counts bytes), the bytes dev_valid_name() refuses (':' '/' and the kernel's
// isspace, which includes 0xA0, so 'à' and a no-break space are out), "%d"
// names (dev_alloc_name), the IFLA_IFNAME policy (at most 15 bytes: "Attribute
// failed policy validation"), and the checks iproute2 makes first
// (check_ifname for `name`, the lighter check_altifname for a bare device).
// RECORD=1 with namespaces rewrites the recorded answers.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { Box } from '../../src/box.js';
import { World } from '../../src/world.js';
import { kernelIpSteps, emulatedIpSteps, recordedIpSteps, type IpStep } from '../util/ip-script.js';
import { canMakeNamespace } from '../diff/kernel.js';

let n = 0;
/** a veth pair with fixed addresses (the kernel would draw random ones) */
const veth = (name: string[], peer: string[]): string[] => {
  n++;
  const mac = (k: number) => `02:00:00:00:${(k >> 8).toString(16).padStart(2, '0')}:${(k & 255).toString(16).padStart(2, '0')}`;
  return ['link', 'add', ...name, 'address', mac(n), 'type', 'veth', 'peer', ...peer, 'address', mac(256 + n)];
};

export const IFNAME_SCRIPT: string[][] = [
  veth(['é'], ['name', 'p1']),
  veth(['à'], ['name', 'p2']),
  veth(['a\u00a0b'], ['name', 'p2']),
  veth(['a\x01b'], ['name', 'p3']),
  veth(['ab\x7f'], ['name', 'p4']),
  veth(['a:b'], ['name', 'p5']),
  veth(['.'], ['name', 'p5']),
  veth(['..'], ['name', 'p5']),
  veth(['a\tb'], ['name', 'p5']),
  veth(['a b'], ['name', 'p5']),
  veth(['a/b'], ['name', 'p5']),
  veth(['ééééééé'], ['name', 'p6']),
  veth(['éééééééa'], ['name', 'p7']),
  veth(['éééééééé'], ['name', 'p8']),
  veth(['abcdefghijklmnop'], ['name', 'p8']),
  veth(['abcdefghijklmnopqrstuvwxyz'], ['name', 'p8']),
  veth(['name', 'abcdefghijklmnop'], ['name', 'p8']),
  veth(['name', 'ééééééééé'], ['name', 'p8']),
  veth(['name', '.'], ['name', 'p8']),
  veth(['name', 'a:b'], ['name', 'p8']),
  veth(['name', ''], ['name', 'p8']),
  veth(['q1'], ['abcdefghijklmnop']),
  veth(['q1'], ['name', 'abcdefghijklmnop']),
  veth(['q1'], ['àb']),
  veth(['q1'], ['ü']),
  // the peer is registered first: the device's name failing spends the peer's ifindex
  veth(['a9'], ['name', 'a9']),
  veth(['a9'], ['name', 'q1']),
  // "%d": the lowest number no device has (dev_alloc_name); one "%d" and no other '%'
  veth(['name', 'v%d'], ['name', 'w%d']),
  veth(['name', 'v%d'], ['name', 'w%d']),
  veth(['name', 'y%d'], ['name', 'y%d']),
  veth(['name', 'v%d%d'], ['name', 'x1']),
  veth(['name', 'v%s'], ['name', 'x1']),
  veth(['name', '%d'], ['name', 'x1']),
  ['link', 'set', 'x1', 'name', 'z%d'],
  ['tuntap', 'add', 'dev', 't%d', 'mode', 'tun'],
  ['tuntap', 'add', 'dev', 't%d', 'mode', 'tun'],
  ['link', 'set', 'é', 'name', 'éééééééé'],
  ['link', 'set', 'é', 'name', 'abcdefghijklmnopq'],
  ['link', 'set', 'é', 'name', 'a:b'],
  ['link', 'set', 'é', 'name', 'x.y'],
  ['link', 'set', 'dev', 'abcdefghijklmnopq', 'up'],
  ['link', 'show', 'dev', 'abcdefghijklmnopq'],
  ['link', 'show', 'ü'],
  ['link', 'del', 'abcdefghijklmnop'],
  ['rule', 'add', 'iif', 'abcdefghijklmnop', 'table', '5'],
  ['rule', 'add', 'iif', 'é', 'table', '5'],
  ['rule', 'add', 'oif', 'a b', 'table', '5'],
  ['rule', 'add', 'oif', 'a:b', 'table', '6'],
  ['tuntap', 'add', 'dev', 'abcdefghijklmnop', 'mode', 'tun'],
  ['tuntap', 'add', 'dev', 'éé', 'mode', 'tun'],
  ['tuntap', 'add', 'dev', 'a:b', 'mode', 'tun'],
  ['tuntap', 'add', 'dev', 'àà', 'mode', 'tun'],
  ['link', 'show'],
  ['-j', 'link', 'show'],
  ['-br', 'link', 'show'],
  ['rule', 'show'],
  ['-j', 'rule', 'show'],
];

type Step = IpStep;
const FIXTURE = new URL('../fixtures/devices/ifname.json', import.meta.url);

const kernelSteps = () => kernelIpSteps('np-ifname', IFNAME_SCRIPT);
const emulatedSteps = () => emulatedIpSteps(IFNAME_SCRIPT);

const can = canMakeNamespace();

describe('interface names: identical to Linux and iproute2 6.1', () => {
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(FIXTURE, 'np-ifname', IFNAME_SCRIPT);
    expect(recorded.map((s) => s.argv)).toEqual(IFNAME_SCRIPT);
    // the recording covers what this test is about: names made, refused by iproute2, by the kernel, by the policy
    expect(recorded.filter((s) => s.status === 0 && s.argv[1] === 'add').length).toBeGreaterThanOrEqual(6);
    expect(recorded.some((s) => s.stderr.includes('Attribute failed policy validation'))).toBe(true);
    expect(recorded.some((s) => s.stderr.includes('not a valid ifname'))).toBe(true);
    expect(recorded.some((s) => s.stderr === 'RTNETLINK answers: Invalid argument\n')).toBe(true);
    expect(await emulatedSteps()).toEqual(recorded);
  });
  it('a veth with its peer in another box: the same policy and name checks, on either end', async () => {
    const recorded: Step[] = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const answer = (name: string) => {
      const s = recorded.find((x) => x.argv[1] === 'add' && x.argv[2] === name)!;
      return { status: s.status, stderr: s.stderr };
    };
    const world = new World();
    const red = await Box.create({ world, netns: 'red' });
    await Box.create({ world, netns: 'blue' });
    const cross = (name: string, peer: string) => {
      const r = red.ip(['link', 'add', name, 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', peer,
        'address', '02:00:00:00:00:02', 'netns', 'blue']);
      return { status: r.status, stderr: r.stderr };
    };
    for (const bad of ['éééééééé', 'abcdefghijklmnop', 'à', 'a:b']) {
      expect([bad, cross(bad, 'b0')]).toEqual([bad, answer(bad)]);
      expect([bad, cross('a0', bad)]).toEqual([bad, answer(bad)]);
    }
    expect(cross('ééééééé', 'üü')).toEqual(answer('ééééééé'));
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(await emulatedSteps()).toEqual(await kernelSteps());
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
