#!/usr/bin/env node
// netpath CLI: `netpath [--box FILE] ip ...`, `sysctl ...`, `bridge ...`, `ethtool ...` and the replay tools.
// Without --box every run starts from a fresh emulated namespace. With it,
// the state-changing commands that succeeded are logged to FILE and replayed
// into a fresh box next time (the core is deterministic, so replay rebuilds
// the same state); FILE is replaced atomically.
import { readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Box } from './box.js';
import { runIp, type IpRunInfo } from './ip/index.js';
import { runBridge } from './bridge/index.js';
import { runEthtool } from './ethtool.js';
import { ethtoolMutates } from './ethtool-ops.js';
import { strerror } from './ip/errors.js';
import type { Rtnl } from './rtnl.js';
import { runReplay, runTrace, fsErrorText, REPLAY_USAGE, TRACE_USAGE } from './replay-cli.js';
import { runAttach, ATTACH_USAGE } from './attach.js';

type LogEntry = { ip: string[] } | { sysctl: [string, string] } | { ethtool: string[] };
interface BoxFile { netpath: 'box'; version: 1; log: LogEntry[] }

class CliError extends Error {}

function loadBoxFile(path: string): BoxFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return { netpath: 'box', version: 1, log: [] };
    throw new CliError(`netpath: cannot read box file ${path}: ${fsErrorText(e)}`);
  }
  // an empty file (made by mktemp or touch) is a box nobody has configured yet
  if (text.trim() === '') return { netpath: 'box', version: 1, log: [] };
  let data: unknown;
  try { data = JSON.parse(text); } catch { throw new CliError(`netpath: box file ${path} is corrupt (not JSON)`); }
  const d = data as Partial<BoxFile>;
  const valid = d && d.netpath === 'box' && d.version === 1 && Array.isArray(d.log) && d.log.every((e) =>
    e && typeof e === 'object' &&
    (('ip' in e && Array.isArray(e.ip) && e.ip.every((a) => typeof a === 'string')) ||
     ('ethtool' in e && Array.isArray(e.ethtool) && e.ethtool.every((a) => typeof a === 'string')) ||
     ('sysctl' in e && Array.isArray(e.sysctl) && e.sysctl.length === 2 && e.sysctl.every((a) => typeof a === 'string'))));
  if (!valid) throw new CliError(`netpath: box file ${path} is corrupt (not a netpath box log)`);
  return d as BoxFile;
}

function saveBoxFile(path: string, f: BoxFile): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify(f) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* never written */ }
    throw new CliError(`netpath: cannot write box file ${path}: ${fsErrorText(e)}`);
  }
}

function replay(rtnl: Rtnl, log: LogEntry[], path: string): void {
  for (const e of log) {
    if ('ip' in e) {
      const r = runIp(rtnl, e.ip, {});
      if (r.status !== 0) throw new CliError(`netpath: box file ${path} does not replay: ip ${e.ip.join(' ')}: ${r.stderr.trim()}`);
    } else if ('ethtool' in e) {
      const r = runEthtool(rtnl, e.ethtool);
      if (r.status !== 0) throw new CliError(`netpath: box file ${path} does not replay: ethtool ${e.ethtool.join(' ')}: ${r.stderr.trim()}`);
    } else {
      const r = rtnl.sysctl(e.sysctl[0], e.sysctl[1]);
      if (!r.ok) throw new CliError(`netpath: box file ${path} does not replay: sysctl ${e.sysctl.join('=')}`);
    }
  }
}

const READ_ONLY = ['show', 'list', 'lst', 'get', 'help'];
/** whether an `ip` command line (without global options) can change state */
function mutates(argv: string[]): boolean {
  const sub = argv[1];
  if (sub === undefined) return false;
  return !READ_ONLY.some((w) => w.startsWith(sub));
}

function stripGlobalOptions(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) {
    if (/^--?(b|ba|bat|batc|batch|f|fa|fam|fami|famil|family|l|lo|loo|loop|loops)$/.test(argv[i])) i++;
    i++;
  }
  return argv.slice(i);
}

function runIpCli(rtnl: Rtnl, argv: string[], log: LogEntry[] | undefined): number {
  const info: IpRunInfo = {};
  const r = runIp(rtnl, argv, { readFile: (p) => readFileSync(p === '-' ? 0 : p, 'utf8') }, info);
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  if (log) {
    if (info.batch) {
      for (const line of info.batch) if (line.status === 0 && mutates(line.argv)) log.push({ ip: line.argv });
    } else if (r.status === 0) {
      const cmd = stripGlobalOptions(argv);
      if (mutates(cmd)) log.push({ ip: cmd });
    }
  }
  return r.status;
}

const SYSCTL_USAGE = '\nUsage:\n sysctl [options] [variable[=value] ...]\n\nOptions:\n' +
  '  -n, --values         print the value only\n' +
  '  -q, --quiet          do not print the values written\n' +
  '  -w, --write          write variable=value (written without it too)\n' +
  '  -e, --ignore         accepted, no effect: an unknown variable is an error\n' +
  '  -h, --help           this help\n';

/** procps-ng 4 sysctl: `key` reads, `key=value` (with or without -w) writes */
function runSysctl(rtnl: Rtnl, argv: string[], log: LogEntry[] | undefined): number {
  let write = false, quiet = false, valuesOnly = false, status = 0;
  const keys: string[] = [];
  for (const a of argv) {
    if (a === '-w' || a === '--write') write = true;
    else if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-n' || a === '--values') valuesOnly = true;
    else if (a === '-e' || a === '--ignore') { /* unknown keys are errors either way here */ }
    else if (a === '-h' || a === '--help') { process.stdout.write(SYSCTL_USAGE); return 0; }
    else if (a.startsWith('-')) {
      // -a, -p and the rest need the list of every key or a file: not offered here
      process.stderr.write(`sysctl: option ${a} is not supported by netpath (name the keys to read or write)\n${SYSCTL_USAGE}`);
      return 1;
    }
    else keys.push(a);
  }
  if (!keys.length) {
    process.stderr.write(SYSCTL_USAGE);
    return 1;
  }
  for (const arg of keys) {
    const eq = arg.indexOf('=');
    if (write && eq < 0) {
      process.stderr.write('sysctl: command line(0): invalid syntax, continuing...\n');
      status = 1;
      continue;
    }
    const key = (eq < 0 ? arg : arg.slice(0, eq)).trim().replace(/\//g, '.');
    const path = '/proc/sys/' + key.replace(/\./g, '/');
    if (eq < 0) {
      const r = rtnl.sysctl(key);
      if (!r.ok) { process.stderr.write(`sysctl: cannot stat ${path}: ${strerror(r.errno)}\n`); status = 1; continue; }
      process.stdout.write(valuesOnly ? `${r.value}\n` : `${key} = ${r.value}\n`);
      continue;
    }
    const value = arg.slice(eq + 1).trim();
    const r = rtnl.sysctl(key, value);
    if (!r.ok) {
      process.stderr.write(r.errno === 2 ? `sysctl: cannot stat ${path}: ${strerror(r.errno)}\n`
        : `sysctl: setting key "${key}": ${strerror(r.errno)}\n`);
      status = 1;
      continue;
    }
    log?.push({ sysctl: [key, value] });
    if (!quiet) process.stdout.write(valuesOnly ? `${value}\n` : `${key} = ${value}\n`);
  }
  return status;
}

const NSTAT_USAGE = '       netpath [--box FILE] nstat [-az] [--no-drops] [PATTERN ...]\n';
const ETHTOOL_USAGE = '       netpath [--box FILE] ethtool [-S | -i | -g | -a | -d | -r | --show-priv-flags] DEV\n' +
  '       netpath [--box FILE] ethtool { -G DEV [rx N] [tx N] | -A DEV [autoneg|rx|tx on|off] | --set-priv-flags DEV FLAG on|off }\n';
const USAGE = 'usage: netpath [--box FILE] ip [OPTIONS] OBJECT COMMAND ...\n' +
  '       netpath [--box FILE] bridge [-j] [-p] [-s] { fdb | link } show ...\n' +
  '       netpath [--box FILE] sysctl [-w] [-n] [-q] key[=value] ...\n' + REPLAY_USAGE + TRACE_USAGE +
  NSTAT_USAGE + ETHTOOL_USAGE + ATTACH_USAGE + '       netpath --help\n';
const TOOLS = ['ip', 'sysctl', 'replay', 'trace', 'nstat', 'attach', 'bridge', 'ethtool'];

/** `nstat -az` of the box (nstat's -a and -z; without -z zero counters are left out), then drops by reason */
function runNstat(box: Box, argv: string[]): number {
  let zeros = false, drops = true;
  const patterns: string[] = [];
  for (const a of argv) {
    if (a === '-h' || a === '--help') { process.stdout.write(`usage:${NSTAT_USAGE.slice(6)}`); return 0; }
    if (a === '--no-drops') drops = false;
    else if (a === '-z' || a === '--zeros') zeros = true;
    else if (a === '-a' || a === '--ignore' || a === '-s' || a === '--noupdate') { /* no history file here */ }
    else if (/^-[azs]+$/.test(a)) { if (a.includes('z')) zeros = true; }
    else if (a.startsWith('-')) { process.stderr.write(`nstat: unknown option ${a}\nusage:${NSTAT_USAGE.slice(6)}`); return 1; }
    else patterns.push(a);
  }
  process.stdout.write(box.nstat({ zeros, drops, patterns }));
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  let boxPath: string | undefined;
  let i = 0;
  if (argv[0] === '--box') { boxPath = argv[1]; i = 2; }
  else if (argv[0]?.startsWith('--box=')) { boxPath = argv[0].slice(6); i = 1; }
  if (i > 0 && !boxPath) { process.stderr.write(`netpath: --box needs a file name\n${USAGE}`); return 1; }
  const tool = argv[i];
  if (tool === '--help' || tool === '-h' || tool === 'help') { process.stdout.write(USAGE); return 0; }
  if (tool === undefined || !TOOLS.includes(tool)) {
    process.stderr.write(`${tool === undefined ? 'netpath: no command given' : `netpath: unknown command "${tool}"`}\n${USAGE}`);
    return 1;
  }
  try {
    const file = boxPath !== undefined ? loadBoxFile(boxPath) : undefined;
    const box = await Box.create();
    if (file && boxPath) replay(box.rtnl, file.log, boxPath);
    const before = file?.log.length ?? 0;
    if (tool === 'replay') return await runReplay(box, argv.slice(i + 1));
    if (tool === 'trace') return runTrace(box, argv.slice(i + 1));
    if (tool === 'attach') return await runAttach(box, argv.slice(i + 1));
    if (tool === 'bridge' || tool === 'ethtool') {
      // bridge is read-only (show); ethtool's set modes are logged when they succeed
      const args = argv.slice(i + 1);
      const r = (tool === 'bridge' ? runBridge : runEthtool)(box.rtnl, args);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      if (file && boxPath && tool === 'ethtool' && r.status === 0 && ethtoolMutates(args)) {
        file.log.push({ ethtool: args });
        saveBoxFile(boxPath, file);
      }
      return r.status;
    }
    const status = tool === 'nstat' ? runNstat(box, argv.slice(i + 1)) : tool === 'ip' ? runIpCli(box.rtnl, argv.slice(i + 1), file?.log) : runSysctl(box.rtnl, argv.slice(i + 1), file?.log);
    if (file && boxPath && file.log.length !== before) saveBoxFile(boxPath, file);
    return status;
  } catch (e) {
    if (e instanceof CliError) { process.stderr.write(e.message + '\n'); return 1; }
    throw e;
  }
}

// run only as the program, so tests can import main()
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  // a reader that stops early (`netpath replay ... --json | head`) ends us quietly with the status
  // SIGPIPE gives ip (128 + 13); Node ignores the signal and reports EPIPE instead
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(141);
  });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
