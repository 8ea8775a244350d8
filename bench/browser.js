// npm run bench:browser: the full forwarding path of bench/forwarding.js, timed with tinybench
// on a page in headless Chromium (the package served as a web app loads it). Needs a Chromium:
// CHROMIUM=/path, or Debian's (apt-get install chromium).
import { chromium } from 'playwright-core';
import { findChromium, serveRepo } from '../test/browser/serve.js';

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module">
import { Bench } from '/node_modules/tinybench/dist/index.js';
import { forwardingBox, forwardBatch, routeCache } from '/bench/forwarding.js';
window.result = (async () => {
  const fwd = await forwardingBox(100_000, 10);
  if (forwardBatch(fwd) !== fwd.frames.length) throw new Error('not every frame was forwarded');
  const bench = new Bench({ time: 2000, warmupTime: 200 });
  for (const on of [true, false]) bench.add('route cache ' + (on ? 'on' : 'off'), () => { forwardBatch(fwd); }, { beforeAll: () => routeCache(fwd, on) });
  await bench.run();
  return { ua: navigator.userAgent, rows: bench.tasks.map((t) => [t.name, t.result.throughput.mean * fwd.frames.length]) };
})();
</script>`;

const exe = findChromium();
if (!exe) {
  console.log('bench:browser: no Chromium here (set CHROMIUM=/path, or apt-get install chromium)');
} else {
  const { server, url } = await serveRepo(PAGE, ['dist/', 'build/', 'bench/', 'node_modules/tinybench/dist/', 'node_modules/comlink/dist/esm/']);
  const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(url);
    const { ua, rows } = await page.evaluate(() => window.result);
    console.log(`The full forwarding path in ${/HeadlessChrome\/[\d.]+/.exec(ua)?.[0] ?? ua} (EMAC rx -> route (100k prefixes, 10 rules) -> forward -> EMAC tx, batches of 1024):`);
    console.table(rows.map(([task, pps]) => ({ task, 'packets/s': Math.round(pps).toLocaleString('en'), 'ns/packet': (1e9 / pps).toFixed(0) })));
  } finally {
    await browser.close();
    server.close();
  }
}
