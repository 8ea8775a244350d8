// The netpath command line as a user meets it: help, wrong commands and options, file errors.
// Every refusal is a message and a non-zero status, never a stack trace; asking for help is not an error.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapngWriter } from '../src/pcap/index.js';
import { runCli } from './util/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'np-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('netpath: help and wrong commands', () => {
  it('--help, -h and help print the usage on stdout and succeed', async () => {
    for (const a of ['--help', '-h', 'help']) {
      const r = await runCli([a]);
      expect([a, r.status, r.err]).toEqual([a, 0, '']);
      for (const tool of ['ip', 'bridge', 'sysctl', 'replay', 'trace', 'nstat', 'attach']) expect(r.out).toContain(`netpath [--box FILE] ${tool} `);
    }
  });

  it('an unknown or missing command says so, with the usage, and fails', async () => {
    const r = await runCli(['frobnicate']);
    expect([r.status, r.out]).toEqual([1, '']);
    expect(r.err).toMatch(/^netpath: unknown command "frobnicate"\nusage: netpath /);
    const none = await runCli([]);
    expect(none.status).toBe(1);
    expect(none.err).toMatch(/^netpath: no command given\nusage: /);
    for (const args of [['--box'], ['--box='], ['--box', '']]) {
      const b = await runCli(args);
      expect([b.status, b.err.split('\n')[0]]).toEqual([1, 'netpath: --box needs a file name']);
    }
  });

  it('each subcommand answers --help with its own usage on stdout', async () => {
    for (const [tool, first] of [['replay', 'usage: netpath [--box FILE] replay '], ['trace', 'usage: netpath [--box FILE] trace '],
      ['nstat', 'usage: netpath [--box FILE] nstat '], ['attach', 'usage: netpath [--box FILE] attach '], ['sysctl', '\nUsage:\n sysctl ']]) {
      const r = await runCli([tool!, '--help']);
      expect([tool, r.status, r.err]).toEqual([tool, 0, '']);
      expect(r.out.startsWith(first!)).toBe(true);
    }
  });

  it('sysctl: an option it does not offer is named, not read as a key', async () => {
    const r = await runCli(['sysctl', '-a']);
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^sysctl: option -a is not supported/);
    expect(r.err).not.toContain('/proc/sys');
  });
});

describe('netpath: files', () => {
  it('a box file that cannot be written or read is an error message, not a stack trace', async () => {
    const r = await runCli(['--box', join(dir, 'no-such-dir', 'box.json'), 'ip', 'link', 'add', 'd0', 'type', 'dummy']);
    expect(r.status).toBe(1);
    expect(r.err).toBe(`netpath: cannot write box file ${join(dir, 'no-such-dir', 'box.json')}: ENOENT: no such file or directory\n`);
    const inDir = await runCli(['--box', dir, 'ip', 'link', 'add', 'd0', 'type', 'dummy']);
    expect([inDir.status, inDir.err]).toEqual([1, `netpath: cannot read box file ${dir}: EISDIR: illegal operation on a directory\n`]);
  });

  it('an empty box file (mktemp, touch) is a fresh box; a file with other text is refused and kept', async () => {
    const empty = join(dir, 'empty-box.json');
    writeFileSync(empty, '');
    const add = await runCli(['--box', empty, 'ip', 'link', 'add', 'd0', 'type', 'dummy']);
    expect([add.status, add.err]).toEqual([0, '']);
    const show = await runCli(['--box', empty, 'ip', '-br', 'link', 'show', 'd0']);
    expect([show.status, show.out.split(/\s+/)[0]]).toEqual([0, 'd0']);
    const junk = join(dir, 'junk-box.json');
    writeFileSync(junk, 'not a box\n');
    const r = await runCli(['--box', junk, 'ip', 'link', 'add', 'd0', 'type', 'dummy']);
    expect([r.status, r.err]).toEqual([1, `netpath: box file ${junk} is corrupt (not JSON)\n`]);
    expect(readFileSync(junk, 'utf8')).toBe('not a box\n');
  });

  it('replay -w into a directory names the error, not our temporary file', async () => {
    const w = new PcapngWriter();
    w.interfaceFor('lo');
    const inPath = join(dir, 'empty.pcapng');
    writeFileSync(inPath, w.bytes());
    const before = readdirSync(dir).sort();
    const r = await runCli(['replay', inPath, '-w', dir]);
    expect([r.status, r.err]).toEqual([1, `netpath: replay: cannot write ${dir}: EISDIR: illegal operation on a directory\n`]);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('trace N of a packet the capture does not have is an error, not silence', async () => {
    const w = new PcapngWriter();
    w.interfaceFor('lo');
    const inPath = join(dir, 'none.pcapng');
    writeFileSync(inPath, w.bytes());
    const r = await runCli(['trace', inPath, '3']);
    expect([r.status, r.out, r.err]).toEqual([1, '', `netpath: trace: no packet numbered 3 in ${inPath}: it has none\n`]);
  });
});
