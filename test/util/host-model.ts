// What of the host reaches a fresh namespace and would make the live kernel answer otherwise than the
// machine netpath models, whatever netpath does:
// - a veth has one queue per possible CPU (veth_get_num_queues); netpath models a 2-CPU machine;
// - a new namespace copies init_net's conf/all and conf/default (devconf_inherit_init_net 0, the default),
//   so a host with ip_forward or rp_filter set (Docker hosts, systemd's sysctl.d) hands them on, where
//   netpath starts from the kernel's compiled defaults.
// Live comparisons skip on such a host, naming what differs; the recorded fixtures still run there.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENV } from './netns.js';

/** the machine netpath models: the veth queue count of src/ip/link.ts */
const MODEL_CPUS = 2;

/** CPUs in /sys/devices/system/cpu/possible ("0-1", "0-3,8-11", "0") */
export function possibleCpus(text: string): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
/** a fresh box's values of these sysctls ('' where netpath has no such key), asked of the built library */
function boxSysctls(keys: string[]): string[] | undefined {
  const code = `const { Box } = await import(${JSON.stringify(DIST)}); const b = await Box.create();
    const keys = JSON.parse(process.argv[1]);
    console.log(JSON.stringify(keys.map((k) => { try { return b.sysctl(k).trim(); } catch { return ''; } })));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code, JSON.stringify(keys)], { env: ENV, encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as string[];
}

const readHostSysctl = (key: string): string => spawnSync('sysctl', ['-n', key], { env: ENV, encoding: 'utf8' }).stdout.trim();

/**
 * Ways this host's fresh namespace `ns` differs from netpath's fresh box because of the host (empty if none).
 * A conf/all or conf/default value counts only where it is the host's own (copied from init_net): any other
 * difference is netpath's to answer for, and the live comparisons show it.
 */
export function hostDifferences(ns: string, hostValue: (key: string) => string = readHostSysctl): string[] {
  const out: string[] = [];
  try {
    const cpus = possibleCpus(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
    if (cpus !== MODEL_CPUS) out.push(`${cpus} possible CPUs (a veth has one queue each; netpath models ${MODEL_CPUS})`);
  } catch { /* not Linux sysfs: the namespace probe has failed already */ }
  const r = spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-a', '-r', '^net\\.ipv4\\.conf\\.(all|default)\\.'], { env: ENV, encoding: 'utf8' });
  const nsValues = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) = (.*)$/.exec(line);
    if (m) nsValues.set(m[1], m[2].trim());
  }
  const keys = [...nsValues.keys()];
  const box = boxSysctls(keys);
  if (!box) return [...out, 'netpath is not built (dist/index.js), so the host cannot be compared with it'];
  keys.forEach((k, i) => {
    if (box[i] === '' || box[i] === nsValues.get(k)) return;
    const host = hostValue(k);
    if (host === nsValues.get(k)) out.push(`${k} = ${host} on the host, copied into new namespaces (netpath: ${box[i]})`);
  });
  return out;
}
