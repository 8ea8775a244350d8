// The bridge against the kernel (the oracle): recorded fixtures (record.ts)
// replayed through netpath, and, where namespaces can be made, fresh
// scenarios and scripts through both. Bar: >= 95% of frames and of answers.
//  - frames: each injected frame's outputs on every port, byte for byte (test/pktdiff/compare.ts)
//  - answers: each `ip`/`bridge` command's status, stdout and stderr
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareScenario, newPktResult, pktReport, pktScore } from '../pktdiff/compare.js';
import { canRunPackets, runPacketsKernel } from '../pktdiff/kernel.js';
import { runPacketsNetpath } from '../pktdiff/netpath.js';
import { parsePktFixture, pktFixtureName } from '../pktdiff/record.js';
import { BR_GEN_VERSION, generateBridge } from './gen.js';
import { randomScript, runScriptKernel, runScriptNetpath, sameAnswer, type Answer } from './scripts.js';

const BAR = 0.95;
const dir = join(import.meta.dirname, '..', 'fixtures', 'bridge');
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { seeds: number[] };
const fixtures = index.seeds.map((s) => parsePktFixture(readFileSync(join(dir, pktFixtureName(s)), 'utf8')));
const answers = existsSync(join(dir, 'answers.json'))
  ? JSON.parse(readFileSync(join(dir, 'answers.json'), 'utf8')) as { name: string; answers: Answer[] }[] : [];
const can = canRunPackets();

function answerScore(pairs: [Answer[], Answer[]][]): { ok: number; n: number; diffs: string[] } {
  let ok = 0, n = 0;
  const diffs: string[] = [];
  for (const [k, np] of pairs) {
    k.forEach((a, i) => {
      n++;
      if (sameAnswer(a, np[i])) ok++;
      else if (diffs.length < 5) diffs.push(`${a.cmd}\n  kernel ${a.status}: ${JSON.stringify(a.stdout + a.stderr)}\n  netpath ${np[i].status}: ${JSON.stringify(np[i].stdout + np[i].stderr)}`);
    });
  }
  return { ok, n, diffs };
}

describe('bridge against the kernel: recorded', () => {
  it('has fixtures that regenerate from their seeds, with frames going somewhere', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(20);
    let out = 0, frames = 0;
    for (const f of fixtures) {
      if (f.gen === BR_GEN_VERSION) expect(generateBridge(f.seed).frames, `seed ${f.seed}`).toEqual(f.frames);
      frames += f.frames.length;
      out += f.kernel.filter((k) => k.out.length > 0).length;
    }
    // the kernel forwarded, flooded or answered a good share of them: the comparison is not about silence
    expect(out / frames).toBeGreaterThan(0.5);
  });

  it(`replays ${fixtures.length} recorded scenarios: >= ${BAR * 100}% of frames as the kernel`, async () => {
    const res = newPktResult();
    for (const f of fixtures) compareScenario(res, f, f.kernel, await runPacketsNetpath(f, f.kernel.map((k) => k.at)));
    console.log(pktReport(res, { title: `bridge fixtures (${fixtures.length} seeds)` }));
    expect(pktScore(res)).toBeGreaterThanOrEqual(BAR);
  }, 300_000);

  it(`answers ${answers.length} recorded ip/bridge scripts: >= ${BAR * 100}% as the kernel`, async () => {
    expect(answers.length).toBeGreaterThan(0);
    const pairs: [Answer[], Answer[]][] = [];
    for (const a of answers) {
      pairs.push([a.answers, await runScriptNetpath({ name: a.name, cmds: a.answers.map((x) => x.cmd) })]);
    }
    const s = answerScore(pairs);
    console.log(`bridge answers: ${s.ok}/${s.n}\n${s.diffs.join('\n')}`);
    expect(s.ok / s.n).toBeGreaterThanOrEqual(BAR);
  }, 120_000);
});

describe('bridge against the kernel: live', () => {
  const base = Number(process.env.NPBR_BASE ?? 1_000_000 + (Math.floor(Date.now() / 60_000) % 100_000_000) * 10);
  if (!can.ok) {
    it.skip(`fresh scenarios and scripts through the kernel and netpath: no network namespace here (${can.reason})`, () => {});
    return;
  }
  it(`fresh seeds ${base}..${base + 2} and scripts through the kernel and netpath: >= ${BAR * 100}% (NPBR_BASE=${base})`, async () => {
    const res = newPktResult();
    for (let seed = base; seed < base + 3; seed++) {
      const sc = generateBridge(seed);
      const k = await runPacketsKernel(sc);
      compareScenario(res, sc, k, await runPacketsNetpath(sc, k.map((x) => x.at)));
    }
    console.log(pktReport(res, { title: `bridge fresh seeds (NPBR_BASE=${base})` }));
    expect(pktScore(res)).toBeGreaterThanOrEqual(BAR);
    const pairs: [Answer[], Answer[]][] = [];
    for (const s of [randomScript(base), randomScript(base + 1)]) pairs.push([await runScriptKernel(s), await runScriptNetpath(s)]);
    const s = answerScore(pairs);
    console.log(`bridge fresh scripts: ${s.ok}/${s.n}\n${s.diffs.join('\n')}`);
    expect(s.ok / s.n).toBeGreaterThanOrEqual(BAR);
  }, 300_000);
});
