// A static server for pages that load the built package (test/browser.test.ts, bench/browser.js).
// Like a bundler or a dev server, it resolves the bare imports of the files it serves to the
// files they name: browsers resolve only URLs (and import maps reach no worker). Its pages are
// cross-origin isolated (COOP/COEP), which SharedArrayBuffer needs.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
/** The bare imports of the package, its benchmarks and tests, and the files they resolve to. */
const BARE = { comlink: '/node_modules/comlink/dist/esm/comlink.mjs', tinybench: '/node_modules/tinybench/dist/index.js' };

/**
 * Serves `page` (HTML) at / and the files under the `served` folders of the repository (paths
 * relative to its root, ending in '/'); nothing else. Resolves to the server and its URL.
 */
export function serveRepo(page, served) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).slice(1);
    if (path === '') { res.writeHead(200, { 'content-type': TYPES['.html'], ...ISOLATED }).end(page); return; }
    const file = normalize(path);
    if (!served.some((d) => file.startsWith(d)) || !existsSync(join(ROOT, file))) { res.writeHead(404).end(); return; }
    let body = readFileSync(join(ROOT, file));
    if (extname(file) === '.js') body = body.toString('utf8').replace(/from '(comlink|tinybench)'/g, (_, m) => `from '${BARE[m]}'`);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATED }).end(body);
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ server, url: `http://127.0.0.1:${server.address().port}/` })));
}

/** A Chromium of this machine: CHROMIUM=/path, or Debian's; undefined when there is none. */
export function findChromium() {
  return [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => !!p && existsSync(p));
}
