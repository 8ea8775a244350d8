// A script of `ip` commands (argv arrays) run through the kernel in a throwaway
// namespace and through a fresh box, for tests that compare every answer
// (stdout, stderr, status) with a recorded fixture and, where namespaces can be
// made, with the live kernel.
import { readFileSync, writeFileSync } from 'node:fs';
import { Box } from '../../src/box.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { run, netnsAdd, netnsDel } from './netns.js';
import { it, expect } from 'vitest';
import { netnsWhyNot } from './recorded.js';
import { canMakeNamespace } from '../diff/kernel.js';
import { canRunPackets } from '../pktdiff/kernel.js';

export interface IpStep { argv: string[]; stdout: string; stderr: string; status: number }

/** a command line as its argv (split at spaces) */
export const words = (s: string): string[] => s.split(' ');

/**
 * The multipath scripts' links: three veth pairs, va (192.0.2.1/24), vc (198.51.100.1/24) and ve
 * (198.18.0.1/24) addressed, all up.
 */
export const MP_LINKS = [
  'link add va address 02:00:00:00:00:01 type veth peer name vb address 02:00:00:00:01:01',
  'link add vc address 02:00:00:00:00:02 type veth peer name vd address 02:00:00:00:01:02',
  'link add ve address 02:00:00:00:00:03 type veth peer name vf address 02:00:00:00:01:03',
  'link set lo up', 'link set va up', 'link set vb up', 'link set vc up', 'link set vd up', 'link set ve up', 'link set vf up',
  'addr add 192.0.2.1/24 dev va', 'addr add 198.51.100.1/24 dev vc', 'addr add 198.18.0.1/24 dev ve',
];

/** A step ['sysctl', 'KEY=VALUE'] writes a sysctl of the namespace (or box) instead; only its status counts. */
const isSysctl = (argv: string[]): boolean => argv[0] === 'sysctl';
/** a `bridge ...` command (iproute2's bridge tool) instead of an `ip` one */
const isBridge = (argv: string[]): boolean => argv[0] === 'bridge';
/**
 * Steps for scripts that read times: ['batch', LINE...] runs the lines as one `ip -batch -` (one process,
 * so that the kernel takes them within a millisecond, as the box takes them within the same instant);
 * the first batch starts the script's clock. ['at', 'SECONDS'] waits until that time on it: real time
 * for the kernel, virtual time (box.run) for the box, which spends none on the commands themselves. A
 * kernel that reaches an `at` more than AT_LATE_S late fails the script: its answers would not be read
 * at the times the script places them. ['within', 'SECONDS'] waits for nothing: it fails a kernel that
 * reaches it later than that time.
 */
const isBatch = (argv: string[]): boolean => argv[0] === 'batch';
/**
 * ['frame', DEV, HEX] sends an Ethernet frame out of DEV (AF_PACKET; a veth end, so that its peer receives
 * it): in the namespace with python3's socket module, in the box with box.packet(DEV), then 1 ms of its time.
 */
const isFrame = (argv: string[]): boolean => argv[0] === 'frame';
/** ['nstat', PATTERN...]: the SNMP counters as `nstat -asz PATTERN...` prints them (absolute, no history kept) */
const isNstat = (argv: string[]): boolean => argv[0] === 'nstat';
/**
 * ['udp', ADDRESS, PORT] opens a UDP socket bound to ADDRESS:PORT that stays open to the end of the script
 * (so that ICMP errors about its datagrams find it): a python3 process in the namespace, box.udp.bind in the box.
 */
const isUdp = (argv: string[]): boolean => argv[0] === 'udp';
const HOLD_UDP = 'import socket,sys,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((sys.argv[1],int(sys.argv[2]))); print("bound",flush=True); time.sleep(120)';
/** A process holding a UDP socket in namespace ns, once it has bound it. */
function holdUdp(ns: string, address: string, port: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', HOLD_UDP, address, port], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    p.stdout.setEncoding('utf8').on('data', (d: string) => { if (d.includes('bound')) resolve(p); });
    p.on('error', reject);
    p.on('close', (code) => reject(new Error(`binding a UDP socket to ${address}:${port}: exit ${code} ${stderr}`)));
  });
}
const SEND_FRAME = 'import socket,sys; s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW); s.bind((sys.argv[1],0)); s.send(bytes.fromhex(sys.argv[2]))';
const atS = (argv: string[]): number | undefined => argv[0] === 'at' || argv[0] === 'within' ? Number(argv[1]) : undefined;
const AT_LATE_S = 0.15;

/** noIpv6: IPv6 off in the namespace before the script (netpath has none), so that no IPv6 state shows */
export interface KernelScriptOpts { noIpv6?: boolean }

/** Each command as `ip -n NS ...` in a namespace PREFIX-*, made for the script and removed after it. */
export async function kernelIpSteps(prefix: string, script: string[][], opts: KernelScriptOpts = {}): Promise<IpStep[]> {
  const ns = await netnsAdd(prefix);
  const held: ChildProcess[] = [];
  try {
    if (opts.noIpv6) {
      const r = await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      if (r.status !== 0) throw new Error(`sysctl: ${r.stderr}`);
    }
    const out: IpStep[] = [];
    let t0: number | undefined;
    for (const argv of script) {
      if (isUdp(argv)) {
        held.push(await holdUdp(ns, argv[1], argv[2]));
        out.push({ argv, stdout: '', stderr: '', status: 0 });
        continue;
      }
      const at = atS(argv);
      if (at !== undefined) {
        const late = (performance.now() - (t0 ?? performance.now())) / 1000 - at;
        if (late > (argv[0] === 'at' ? AT_LATE_S : 0)) throw new Error(`the kernel's commands came ${late.toFixed(2)} s late for "${argv.join(' ')}": too slow a machine for this script`);
        if (late < 0 && argv[0] === 'at') await new Promise((resolve) => setTimeout(resolve, -late * 1000));
        out.push({ argv, stdout: '', stderr: '', status: 0 });
      } else if (isBatch(argv)) {
        t0 ??= performance.now();
        out.push({ argv, ...(await run('ip', ['-n', ns, '-batch', '-'], argv.slice(1).join('\n') + '\n')) });
      } else if (isFrame(argv)) {
        const r = await run('ip', ['netns', 'exec', ns, 'python3', '-c', SEND_FRAME, argv[1], argv[2]]);
        if (r.status !== 0) throw new Error(`sending a frame: ${r.stderr}`);
        out.push({ argv, stdout: '', stderr: '', status: 0 });
      } else if (isNstat(argv)) {
        out.push({ argv, ...(await run('ip', ['netns', 'exec', ns, 'nstat', '-asz', ...argv.slice(1)])) });
      } else if (isSysctl(argv)) {
        const r = await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', argv[1]]);
        out.push({ argv, stdout: '', stderr: '', status: r.status });
      } else if (isBridge(argv)) {
        out.push({ argv, ...(await run('ip', ['netns', 'exec', ns, 'bridge', ...argv.slice(1)])) });
      } else out.push({ argv, ...(await run('ip', ['-n', ns, ...argv])) });
    }
    return out;
  } finally {
    for (const p of held) p.kill();
    await netnsDel(ns);
  }
}

/** Each command through `box.ip` of a fresh box. */
export async function emulatedIpSteps(script: string[][]): Promise<IpStep[]> {
  const box = await Box.create();
  let t0: number | undefined;
  return script.map((argv) => {
    const at = atS(argv);
    if (at !== undefined) {
      if (argv[0] === 'at') box.run({ ns: Math.max(0, (t0 ?? box.now) + at * 1e9 - box.now) });
      return { argv, stdout: '', stderr: '', status: 0 };
    }
    if (isBatch(argv)) {
      t0 ??= box.now;
      return { argv, ...box.ip(['-batch', '-'], { readFile: () => argv.slice(1).join('\n') + '\n' }) };
    }
    if (isBridge(argv)) return { argv, ...box.bridge(argv.slice(1)) };
    if (isUdp(argv)) {
      box.udp.bind({ address: argv[1], port: Number(argv[2]) });
      return { argv, stdout: '', stderr: '', status: 0 };
    }
    if (isNstat(argv)) return { argv, stdout: box.nstat({ drops: false, patterns: argv.slice(1) }), stderr: '', status: 0 };
    if (isFrame(argv)) {
      box.packet(argv[1]).send([new Uint8Array(Buffer.from(argv[2], 'hex'))]);
      box.run({ ns: 1e6 });
      return { argv, stdout: '', stderr: '', status: 0 };
    }
    if (!isSysctl(argv)) return { argv, ...box.ip(argv) };
    const [key, value] = argv[1].split('=');
    try { box.sysctl(key, value); return { argv, stdout: '', stderr: '', status: 0 }; }
    catch { return { argv, stdout: '', stderr: '', status: 1 }; } // procps sysctl: 1 when a write fails
  });
}

/** The recorded kernel answers; with RECORD=1 where namespaces can be made, recorded again first. */
export async function recordedIpSteps(fixture: URL, prefix: string, script: string[][], opts: KernelScriptOpts = {}): Promise<IpStep[]> {
  if (process.env.RECORD && !(await netnsWhyNot())) {
    writeFileSync(fixture, JSON.stringify(await kernelIpSteps(prefix, script, opts), null, 1) + '\n');
  }
  return JSON.parse(readFileSync(fixture, 'utf8')) as IpStep[];
}

/** The steps whose answers (stdout, stderr, status) differ, kernel's and netpath's, for a failure message. */
export function ipStepDifferences(got: IpStep[], want: IpStep[]): string {
  return want.flatMap((k, i) => {
    const e = got[i];
    if (e && e.stdout === k.stdout && e.stderr === k.stderr && e.status === k.status) return [];
    return [`${isBridge(k.argv) ? '' : 'ip '}${k.argv.join(' ')}\n  kernel:  ${JSON.stringify(k)}\n  netpath: ${JSON.stringify(e)}`];
  }).join('\n');
}

/**
 * The tests of one recorded script, inside a describe block: netpath answers every step as the recorded kernel
 * did (`check` first asserts what the recording must show), and the live kernel still does where a namespace
 * can be made (skipped, saying why, elsewhere).
 */
export function ipScriptCases(o: {
  fixture: URL; prefix: string; script: string[][]; opts?: KernelScriptOpts; check?: (recorded: IpStep[]) => void;
}): void {
  // a script that sends frames needs python3 with AF_PACKET in the namespace
  const can = o.script.some(isFrame) ? canRunPackets() : canMakeNamespace();
  it('every command as the recorded kernel answered it', async () => {
    const recorded = await recordedIpSteps(o.fixture, o.prefix, o.script, o.opts);
    o.check?.(recorded);
    expect(ipStepDifferences(await emulatedIpSteps(o.script), recorded)).toBe('');
  });
  it.skipIf(!can.ok)('the live kernel answers the same', async () => {
    expect(ipStepDifferences(await emulatedIpSteps(o.script), await kernelIpSteps(o.prefix, o.script, o.opts))).toBe('');
  });
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
}
