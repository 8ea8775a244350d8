// netpath in a browser: the built package served over HTTP and loaded by a page in headless
// Chromium, as a web app would load it. The page runs test/browser/scenario.js (a box on the page
// and one in a module Web Worker); Node runs the same file here. Virtual time makes both runs
// deterministic, so every answer must be equal, byte for byte.
//
// Needs a Chromium: CHROMIUM=/path, or Debian's (apt-get install chromium). Without one the test
// is skipped and says so.
import type { Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import * as np from '../dist/index.js';
import * as npw from '../dist/worker.js';
// @ts-expect-error: plain JavaScript, written to be loaded by a browser as it is
import { scenario } from './browser/scenario.js';
// @ts-expect-error: plain JavaScript, shared with bench/browser.js
import { findChromium, serveRepo } from './browser/serve.js';

const executable: string | undefined = findChromium();

const PAGE = `<!doctype html><meta charset="utf-8"><title>netpath</title><link rel="icon" href="data:,"><script type="module">
import * as np from '/dist/index.js';
import * as npw from '/dist/worker.js';
import { scenario } from '/test/browser/scenario.js';
window.result = scenario(np, npw).then((r) => ({ ok: true, r }), (e) => ({ ok: false, error: String(e && e.stack || e) }));
</script>`;

let browser: Browser | undefined;
let server: Server | undefined;
afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('in a browser', () => {
  if (!executable) {
    it.skip('runs a box on a page and in a Web Worker: skipped, no Chromium here (set CHROMIUM=/path, or apt-get install chromium)', () => {});
    return;
  }

  it('runs a box on a page and in a Web Worker, answering exactly as in Node', async () => {
    const served = await serveRepo(PAGE, ['dist/', 'build/', 'node_modules/comlink/dist/esm/', 'test/browser/']) as { server: Server; url: string };
    server = served.server;
    browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`); });
    await page.goto(served.url);
    const got = await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result) as { ok: boolean; r?: Record<string, unknown>; error?: string };
    expect(problems).toEqual([]);
    expect(got.error).toBeUndefined();
    const inBrowser = got.r!;
    // the UA the page ran in, so a pass cannot come from somewhere else
    expect(await page.evaluate(() => navigator.userAgent)).toMatch(/Chrome\//);

    const inNode = await scenario(np, npw);
    expect(inBrowser).toEqual(inNode);

    // and the session did what it says: six inputs with their kernel verdicts, the worker agreeing
    const r = inBrowser as { workerHandled: string[]; workerHandlerSaw: string[]; replay: { verdict: string; reason: string; out: { dev: string; timeNs: number; hex: string }[] }[]; workerReplay: unknown; sentInterfaces: string[]; sentTimes: string[]; truncated: string };
    expect(r.replay.map((x) => `${x.verdict} ${x.reason}`)).toEqual(['local ', 'forward ', 'drop IP_INHDR', 'drop IP_INNOROUTES', 'drop NO_SOCKET', 'forward ']);
    expect(r.workerReplay).toEqual(r.replay);
    // what went out, as Ethernet type and (for IPv4) the ICMP type and code, or the UDP source port
    const kind = (h: string) => (h.slice(24, 28) === '0806' ? 'arp' : `${h.slice(46, 48) === '01' ? 'icmp' : 'udp'} ${h.slice(68, 72)}`);
    expect(r.replay.map((x) => x.out.map((o) => `${o.dev} ${kind(o.hex)}`))).toEqual([
      ['eth0 icmp 0000'], ['eth1 udp 0fa0'], ['eth0 icmp 0b00'], ['eth0 icmp 0300'], ['eth0 icmp 0303'], ['eth1 arp', 'eth1 arp', 'eth1 arp']]);
    // the ARP requests for the neighbour that never answers: a second apart, as the kernel sends them
    const arps = r.replay[5]!.out.map((o) => o.timeNs);
    expect([arps[1]! - arps[0]!, arps[2]! - arps[1]!]).toEqual([1e9, 1e9]);
    expect(r.sentInterfaces.sort()).toEqual(['eth0', 'eth1']);
    expect(r.sentTimes.length).toBe(8);
    // a handler on the page for a device in the Web Worker: the datagram to 203.0.113.9 and the TTL 1 one are taken
    expect(r.workerHandled).toEqual(['local ', 'consumed ', 'consumed ']);
    expect(r.workerHandlerSaw).toEqual(['eth0 60', 'eth0 60', 'eth0 60']);
    expect(r.truncated).toMatch(/^true: .*byte \d+/);
  });
});
