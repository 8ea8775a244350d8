import { describe, expect, it } from 'vitest';
import { type Answer, classify, commandKind, compareScenario, expectedRaw, newResult, normalizeErr, report, sameAnswer, score, stopped } from './compare.js';
import type { Step } from './gen.js';

const ok = (out = ''): Answer => ({ status: 0, out, err: '' });
const fail = (err: string): Answer => ({ status: 1, out: '', err: `${err}\nCommand failed\n` });

describe('compare: answers', () => {
  it('normalizes the batch file name and line out of "Command failed"', () => {
    expect(normalizeErr('RTNETLINK answers: File exists\nCommand failed scenario.batch:17\n')).toBe('RTNETLINK answers: File exists\nCommand failed\n');
    expect(normalizeErr('Command failed -:1\n')).toBe('Command failed\n');
    expect(normalizeErr('Warning: /24 as prefix is invalid, only /32 (or none) is supported.\n')).toBe('Warning: /24 as prefix is invalid, only /32 (or none) is supported.\n');
  });

  it('tells a failed command from one where ip stopped', () => {
    expect(stopped(ok())).toBe(false);
    expect(stopped(fail('RTNETLINK answers: No such process'))).toBe(false);
    expect(stopped({ status: 255, out: '', err: 'Error: argument "x" is wrong: Failed to parse rule type\n' })).toBe(true);
    expect(stopped({ status: 1, out: '', err: 'Error: inet prefix is expected rather than "192.0.2.300/24".\n' })).toBe(true);
  });

  it('an answer matches only when status, stdout and stderr all match', () => {
    expect(sameAnswer(ok('[]\n'), ok('[]\n'))).toBe(true);
    expect(sameAnswer(ok('[]\n'), ok('[ ]\n'))).toBe(false);
    expect(sameAnswer(fail('RTNETLINK answers: No route to host'), fail('RTNETLINK answers: Network is unreachable'))).toBe(false);
    expect(sameAnswer(fail('X'), { ...fail('X'), status: 2 })).toBe(false);
  });

  it('rebuilds what a whole batch prints from its commands one by one', () => {
    const answers: Answer[] = [
      ok(),
      ok('[{"dst":"192.0.2.0/24"}]\n'),
      fail('RTNETLINK answers: File exists'),
      ok('[]\n'),
      { status: 255, out: '', err: 'Error: argument "dscp" is wrong: Failed to parse rule type\n' },
      ok('[]\n'), // never runs: ip stopped at the line before
    ];
    expect(expectedRaw(answers, 'F')).toEqual({
      stdout: '[{"dst":"192.0.2.0/24"}]\n[]\n',
      stderr: 'RTNETLINK answers: File exists\nCommand failed F:3\nError: argument "dscp" is wrong: Failed to parse rule type\n',
      status: 255,
    });
    expect(expectedRaw([ok(), fail('E'), ok('[]\n')], '-')).toEqual({ stdout: '[]\n', stderr: 'E\nCommand failed -:2\n', status: 1 });
    expect(expectedRaw([ok(), ok('[]\n')], '-')).toEqual({ stdout: '[]\n', stderr: '', status: 0 });
  });
});

describe('compare: scoring and report', () => {
  const steps: Step[] = [
    { sysctl: ['net.ipv4.ip_forward', '1'] },
    { ip: 'route add 192.0.2.0/24 dev v0' },
    { ip: 'route get 192.0.2.1' },
    { ip: 'route get 192.0.2.1 from 198.51.100.1 iif v1' },
    { ip: 'route show' },
    { ip: 'rule add pref 10 goto 5' },
  ];
  const kernel: Answer[] = [
    ok(),
    ok(),
    ok('[{"dst":"192.0.2.1","dev":"v0","prefsrc":"192.0.2.7","flags":[],"uid":0,"cache":[]}]\n'),
    fail('RTNETLINK answers: No route to host'),
    ok('[{"dst":"192.0.2.0/24","dev":"v0","scope":"link","flags":[]}]\n'),
    fail('Error: Backward goto not supported.'),
  ];

  it('counts ip answers only, and all of them agree with themselves', () => {
    const res = newResult();
    compareScenario(res, 1, steps, kernel, kernel);
    expect(res.total).toBe(5);
    expect(res.matched).toBe(5);
    expect(score(res)).toBe(1);
    expect(res.mismatches).toEqual([]);
  });

  it('classifies and reports mismatches', () => {
    const netpath: Answer[] = [
      { status: 255, out: '', err: 'sysctl: unknown key\n' },
      ok(),
      ok('[{"dst":"192.0.2.1","dev":"v0","prefsrc":"192.0.2.9","flags":[],"uid":0,"cache":[]}]\n'),
      fail('RTNETLINK answers: Invalid argument'),
      ok('[{"dst":"192.0.2.0/24","dev":"v0","scope":"link","flags":[]}]\n'),
      ok(),
    ];
    const res = newResult();
    compareScenario(res, 7, steps, kernel, netpath);
    expect(res.total).toBe(5);
    expect(res.matched).toBe(2);
    expect(score(res)).toBeCloseTo(0.4);
    expect(res.sysctlMismatches).toHaveLength(1);
    expect(res.mismatches.map((m) => m.cls)).toEqual([
      'route get (output): stdout .prefsrc',
      'route get (input): stderr "RTNETLINK answers: No route to host" / "RTNETLINK answers: Invalid argument"',
      'rule add: kernel 1 "Error: Backward goto not supported." / netpath ok',
    ]);
    const text = report(res, { examples: 5 });
    expect(text).toContain('2/5 answers agree (40.00%)');
    expect(text).toContain('seed 7 step 2: ip route get 192.0.2.1');
    expect(text).toContain('route get (input)');
  });

  it('names command kinds and stdout differences', () => {
    expect(commandKind('route get 192.0.2.1 iif v0 from 192.0.2.2')).toBe('route get (input)');
    expect(commandKind('route get 192.0.2.1 oif v0')).toBe('route get (output)');
    expect(commandKind('rule show')).toBe('rule show');
    expect(classify('route show', ok('[{"a":1}]\n'), ok('[{"a":1},{"a":2}]\n'))).toBe('route show: stdout 1 vs 2 entries');
    expect(classify('route show', ok('[{"a":1,"b":2}]\n'), ok('[{"b":2,"a":1}]\n'))).toBe('route show: stdout .(key order)');
    expect(classify('link show', ok('x\n'), ok('y\n'))).toBe('link show: stdout text');
    expect(classify('route add 192.0.2.0/24 dev v9', fail('Cannot find device "v9"'), ok())).toBe('route add: kernel 1 "Cannot find device "…"" / netpath ok');
  });
});
