// `netpath [--box FILE] replay IN.pcapng|IN.pcap [--dev NAME] [-w OUT.pcapng] [--json]`: the frames
// of a capture enter the box (src/replay.ts); -w writes what the box sent, one pcapng interface per
// device that transmitted, named after it (all or nothing); --json prints one object per input packet.
import { readFileSync } from 'node:fs';
import type { Box } from './box.js';
import { CaptureFormatError } from './pcap/index.js';
import { writePcapngFile } from './pcap/node.js';
import { captureInputs, writeReplayPcapng, type ReplayInput, type ReplayResult } from './replay.js';

export const REPLAY_USAGE = '       netpath [--box FILE] replay IN.pcapng|IN.pcap [--dev NAME] [-w OUT.pcapng] [--json]\n';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A file system error without Node's trailing syscall and paths (which may name our temporary file). */
export function fsErrorText(e: unknown): string {
  return (e as Error).message.replace(/, \w+( '[^]*)?$/, '');
}

export const TRACE_USAGE = '       netpath [--box FILE] trace IN.pcapng|IN.pcap [--dev NAME] [N ...]\n';

/** Reads a capture and replays it (tracing on); a number is an exit status after an error was printed. */
function loadAndReplay(box: Box, cmd: string, input: string, dev: string | undefined): { inputs: ReplayInput[]; startNs: bigint; res: ReplayResult[] } | number {
  let bytes: Uint8Array;
  try { bytes = readFileSync(input === '-' ? 0 : input); } catch (e) {
    process.stderr.write(`netpath: ${cmd}: cannot read ${input}: ${fsErrorText(e)}\n`);
    return 1;
  }
  let inputs, startNs;
  try { ({ inputs, startNs } = captureInputs(bytes, dev)); } catch (e) {
    if (e instanceof CaptureFormatError) { process.stderr.write(`netpath: ${cmd}: ${input}: ${e.message}\n`); return 1; }
    throw e;
  }
  const names = new Set(box.kernel.links().map((l) => l.name));
  for (const [k, p] of inputs.entries()) {
    if (!names.has(p.dev)) { process.stderr.write(`netpath: ${cmd}: packet ${k}: no device ${p.dev} in the box\n`); return 1; }
  }
  try { return { inputs, startNs, res: box.replay(inputs, { trace: true }) }; } catch (e) {
    process.stderr.write(`netpath: ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `netpath trace`: the replay's path of each packet (or of packets N ...), for people, as pwru would show it */
export function runTrace(box: Box, argv: string[]): number {
  let input: string | undefined, dev: string | undefined;
  const only = new Set<number>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dev' || a === '-i') { dev = argv[++i]; if (dev === undefined) return usage('trace', `${a} needs a device name`); }
    else if (a === '--help' || a === '-h') return help('trace');
    else if (a.startsWith('-') && a !== '-') return usage('trace', `unknown option ${a}`);
    else if (input === undefined) input = a;
    else if (/^\d+$/.test(a)) only.add(Number(a));
    else return usage('trace', `unexpected argument ${a}`);
  }
  if (input === undefined) return usage('trace', 'no capture file given');
  const got = loadAndReplay(box, 'trace', input, dev);
  if (typeof got === 'number') return got;
  const missing = [...only].filter((n) => n >= got.res.length);
  if (missing.length) {
    const n = got.res.length;
    process.stderr.write(`netpath: trace: no packet numbered ${missing.join(', ')} in ${input}: ${n === 0 ? 'it has none' : `its packets are 0 to ${n - 1}`}\n`);
    return 1;
  }
  got.res.forEach((r, k) => {
    if (only.size && !only.has(r.in)) return;
    const outs = r.out.map((o) => `${o.dev} (${o.data.length} bytes)`).join(', ');
    process.stdout.write(`packet ${r.in}: in on ${got.inputs[k].dev}, ${got.inputs[k].data.length} bytes\n`);
    for (const step of r.path) process.stdout.write(`  ${step}\n`);
    process.stdout.write(`  => ${r.verdict}${r.reason ? ' ' + r.reason : ''}${outs ? ', out: ' + outs : ''}\n`);
  });
  return 0;
}

export async function runReplay(box: Box, argv: string[]): Promise<number> {
  let input: string | undefined, out: string | undefined, dev: string | undefined, json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-w') { out = argv[++i]; if (out === undefined) return usage('replay', '-w needs a file name'); }
    else if (a === '--dev' || a === '-i') { dev = argv[++i]; if (dev === undefined) return usage('replay', `${a} needs a device name`); }
    else if (a === '--json' || a === '-j') json = true;
    else if (a === '--help' || a === '-h') return help('replay');
    else if (a.startsWith('-') && a !== '-') return usage('replay', `unknown option ${a}`);
    else if (input === undefined) input = a;
    else return usage('replay', `unexpected argument ${a}`);
  }
  if (input === undefined) return usage('replay', 'no capture file given');
  const got = loadAndReplay(box, 'replay', input, dev);
  if (typeof got === 'number') return got;
  const { inputs, startNs: t0, res } = got;
  if (out !== undefined) {
    try {
      await writePcapngFile(out, (w) => writeReplayPcapng(box, res, w, { startNs: t0 }));
    } catch (e) {
      process.stderr.write(`netpath: replay: cannot write ${out}: ${fsErrorText(e)}\n`);
      return 1;
    }
  }
  for (const r of res) {
    if (json) {
      process.stdout.write(JSON.stringify({ in: r.in, verdict: r.verdict, reason: r.reason, path: r.path, out: r.out.map((o) => ({ dev: o.dev, hex: hex(o.data) })) }) + '\n');
    } else if (out === undefined) {
      process.stdout.write(`${r.in} ${r.verdict}${r.reason ? ' ' + r.reason : ''}${r.out.length ? ' -> ' + r.out.map((o) => o.dev).join(' ') : ''}\n`);
    }
  }
  return 0;
}

const synopsis = (cmd: 'replay' | 'trace') => `usage:${(cmd === 'replay' ? REPLAY_USAGE : TRACE_USAGE).slice(6)}`;

function usage(cmd: 'replay' | 'trace', msg: string): number {
  process.stderr.write(`netpath: ${cmd}: ${msg}\n${synopsis(cmd)}`);
  return 1;
}

function help(cmd: 'replay' | 'trace'): number {
  process.stdout.write(synopsis(cmd));
  return 0;
}
