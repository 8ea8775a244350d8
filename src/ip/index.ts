// The `ip` command of iproute2 6.1 in user space: global options, -batch,
// and dispatch to the object modules. Output is byte-identical to the real
// binary given the same kernel answers.
import type { Rtnl } from '../rtnl.js';
import { doAddr } from './addr.js';
import { CmdFail, Ctx, type IpOptions } from './context.js';
import { IpExit } from './errors.js';
import { doLink } from './link.js';
import { doNeigh } from './neigh.js';
import { doNetconf } from './netconf.js';
import { doMaddr } from './maddr.js';
import { doNexthop } from './nexthop.js';
import { doNtable } from './ntable.js';
import { matches } from './parse.js';
import { doRoute } from './route.js';
import { doRule } from './rule.js';
import { doTuntap } from './tuntap.js';
import { IP_USAGE } from './usage.js';

export interface IpResult { status: number; stdout: string; stderr: string }
export interface IpIo { readFile?: (path: string) => string | Uint8Array }
/** Per-line outcome of a -batch run, for callers that persist what succeeded. */
export interface IpBatchLine { line: string; argv: string[]; status: number }
export interface IpRunInfo { batch?: IpBatchLine[] }

type ObjectFn = (ctx: Ctx, argv: string[]) => number;
// the object table in ip.c order, since abbreviations resolve to the first match
const OBJECTS: [string, ObjectFn | null][] = [
  ['address', doAddr], ['addrlabel', null], ['maddress', doMaddr], ['route', doRoute], ['rule', doRule],
  ['neighbor', doNeigh], ['neighbour', doNeigh], ['ntable', doNtable], ['ntbl', doNtable], ['link', doLink],
  ['l2tp', null], ['fou', null], ['ila', null], ['macsec', null], ['tunnel', null], ['tunl', null],
  ['tuntap', doTuntap], ['tap', doTuntap], ['token', null], ['tcpmetrics', null], ['tcp_metrics', null],
  ['monitor', null], ['xfrm', null], ['mroute', null], ['mrule', null], ['netns', null], ['netconf', doNetconf],
  ['vrf', null], ['sr', null], ['nexthop', doNexthop], ['mptcp', null], ['ioam', null], ['help', null], ['stats', null],
];

/** do_cmd(): the status a command returns (0, 1 or 2); exits propagate as IpExit */
function doCmd(ctx: Ctx, argv: string[]): number {
  const [obj, ...rest] = argv;
  for (const [name, fn] of OBJECTS) {
    if (!matches(obj, name)) continue;
    if (name === 'help') throw new IpExit(255, IP_USAGE);
    if (!fn) {
      ctx.err(`Object "${name}" is not supported by netpath.\n`);
      return 1;
    }
    try {
      return fn(ctx, rest);
    } catch (e) {
      if (e instanceof CmdFail) { ctx.err(e.text); return e.status; }
      throw e;
    }
  }
  ctx.err(`Object "${obj}" is unknown, try "ip help".\n`);
  return 1;
}

function parseOptions(argv: string[]): { opt: IpOptions; batchFile?: string; rest: string[] } {
  const opt: IpOptions = { json: false, pretty: false, stats: 0, details: 0, family: 'unspec', oneline: false, brief: false, force: false, batch: false, color: false };
  let batchFile: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    let o = argv[i];
    if (o === '--') { i++; break; }
    if (!o.startsWith('-')) break;
    if (o[1] === '-') o = o.slice(1);
    if (matches(o, '-loops')) { i++; continue; }
    else if (matches(o, '-family')) {
      i++;
      if (i >= argv.length || argv[i] === 'help') throw new IpExit(255, IP_USAGE);
      if (argv[i] === 'inet') opt.family = 'inet';
      else throw new IpExit(255, `Error: argument "${argv[i]}" is wrong: invalid protocol family\n`);
    } else if (o === '-4') opt.family = 'inet';
    else if (matches(o, '-human') || matches(o, '-human-readable') || matches(o, '-iec')) { /* counters stay raw */ }
    else if (matches(o, '-stats') || matches(o, '-statistics')) opt.stats++;
    else if (matches(o, '-details')) opt.details++;
    else if (matches(o, '-resolve')) { /* no name service in the box */ }
    else if (matches(o, '-oneline')) opt.oneline = true;
    else if (matches(o, '-timestamp') || matches(o, '-tshort')) { /* monitor only */ }
    else if (matches(o, '-Version')) throw new IpExit(0, '', 'ip utility, iproute2-6.1.0, libbpf 1.1.2\n');
    else if (matches(o, '-force')) opt.force = true;
    else if (matches(o, '-batch')) {
      i++;
      if (i >= argv.length) throw new IpExit(255, IP_USAGE);
      batchFile = argv[i];
    } else if (matches(o, '-brief')) opt.brief = true;
    else if (matches(o, '-json')) opt.json = true;
    else if (matches(o, '-pretty')) opt.pretty = true;
    else if (matchesColor(o) !== undefined) opt.color = matchesColor(o) === 'always';
    else if (matches(o, '-help')) throw new IpExit(255, IP_USAGE);
    else if (matches(o, '-Numeric')) { /* names are printed from the built-in tables */ }
    else throw new IpExit(255, `Option "${o}" is unknown, try "ip -help".\n`);
  }
  // -pretty only shapes JSON
  if (!opt.json) opt.pretty = false;
  return { opt, batchFile, rest: argv.slice(i) };
}

/**
 * matches_color() (lib/color.c): `-color[=WHEN]`, abbreviated to `-c` at least; no value is always. auto
 * colours a terminal only, and netpath's output is never one. An other WHEN is no colour option at all
 * (so "Option ... is unknown").
 */
function matchesColor(o: string): 'always' | 'auto' | 'never' | undefined {
  const eq = o.indexOf('=');
  const [name, when] = eq < 0 ? [o, ''] : [o.slice(0, eq), o.slice(eq + 1)];
  if (!matches(name, '-color')) return undefined;
  if (when === '' || when === 'always') return 'always';
  return when === 'auto' || when === 'never' ? when : undefined;
}

/** getcmdline(): '#' starts a comment, a trailing backslash joins the next line */
function* batchLines(text: string): Generator<{ line: string; lineno: number }> {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let n = 0;
  while (n < lines.length) {
    let line = lines[n++] + '\n';
    let lineno = n;
    const cut = (s: string) => { const c = s.indexOf('#'); return c >= 0 ? s.slice(0, c) : s; };
    line = cut(line);
    while (line.includes('\\\n')) {
      if (n >= lines.length) return; // "Missing continuation line"
      const next = cut(lines[n++] + (n < lines.length || text.endsWith('\n') ? '\n' : ''));
      lineno = n;
      line = line.slice(0, line.indexOf('\\\n')) + next;
    }
    yield { line, lineno };
  }
}

/** makeargs(): whitespace-separated words, '...' or "..." quote a word */
function makeArgs(line: string): string[] | string {
  const ws = ' \t\r\n';
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && ws.includes(line[i])) i++;
    if (i >= line.length) break;
    if (line[i] === "'" || line[i] === '"') {
      const q = line[i++];
      const end = line.indexOf(q, i);
      if (end < 0) return 'Unterminated quoted string\n';
      out.push(line.slice(i, end));
      i = end + 1;
    } else {
      let j = i;
      while (j < line.length && !ws.includes(line[j])) j++;
      out.push(line.slice(i, j));
      i = j + 1;
    }
  }
  return out;
}

function runBatch(ctx: Ctx, name: string, io: IpIo, info: IpRunInfo): number {
  let got: unknown;
  try {
    if (!io.readFile) throw Object.assign(new Error('no file access'), { code: 'ENOENT' });
    got = io.readFile(name);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EACCES' ? 'Permission denied' : code === 'EISDIR' ? 'Is a directory' : 'No such file or directory';
    ctx.err(`Cannot open file "${name}" for reading: ${why}\n`);
    return 1;
  }
  // a Buffer (readFileSync without an encoding) is taken as the UTF-8 text it holds
  const text = got instanceof Uint8Array ? new TextDecoder().decode(got) : got;
  if (typeof text !== 'string') throw new TypeError(`ip -batch ${name}: readFile must return the file's text, not ${text === null ? 'null' : typeof text}`);
  ctx.opt.batch = true;
  info.batch = [];
  let ret = 0;
  for (const { line, lineno } of batchLines(text)) {
    const argv = makeArgs(line);
    if (typeof argv === 'string') throw new IpExit(1, argv);
    if (argv.length === 0) continue;
    const rec: IpBatchLine = { line, argv, status: 0 };
    info.batch.push(rec);
    try {
      rec.status = doCmd(ctx, argv);
    } catch (e) {
      if (e instanceof IpExit) rec.status = e.status;
      throw e;
    }
    if (rec.status) {
      ctx.err(`Command failed ${name}:${lineno}\n`);
      ret = 1;
      if (!ctx.opt.force) break;
    }
  }
  return ret;
}

/** Runs `ip ARGV` against the emulated kernel. `info` reports per-line batch outcomes. */
export function runIp(rtnl: Rtnl, argv: string[], io: IpIo = {}, info: IpRunInfo = {}): IpResult {
  let ctx: Ctx | undefined;
  try {
    const { opt, batchFile, rest } = parseOptions(argv);
    ctx = new Ctx(rtnl, opt);
    let status: number;
    if (batchFile !== undefined) status = runBatch(ctx, batchFile, io, info);
    else if (rest.length === 0) throw new IpExit(255, IP_USAGE);
    else status = doCmd(ctx, rest);
    return { status, stdout: ctx.stdout, stderr: ctx.stderr };
  } catch (e) {
    if (!(e instanceof IpExit)) throw e;
    return { status: e.status, stdout: (ctx?.stdout ?? '') + e.stdout, stderr: (ctx?.stderr ?? '') + e.text };
  }
}
