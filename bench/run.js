// npm run bench: the project's benchmarks (tinybench), printed as tables.
import { Bench } from 'tinybench';
import { benchRouting } from './routing.js';
import { forwardingBox, forwardBatch, routeCache, stageBatches } from './forwarding.js';

const { rows, load } = await benchRouting();
console.log('Route decisions from the WASM core (batches of 4096, one JS->WASM call per batch)');
console.table(rows);
console.log('Time to load a table through the batch route-add path (each route takes the same checks as `ip route add`):');
console.table(Object.entries(load).map(([n, ms]) => ({ routes: Number(n).toLocaleString('en'), 'load ms': ms.toFixed(0), 'routes/s': Math.round(Number(n) / ms * 1000).toLocaleString('en') })));

// the full path, EMAC wire to EMAC wire, in batches of 1024 frames (inject, run, collect):
// with the input-route cache (1024 flows: every decision after the first round hits it)
// and without it (every packet takes the full rules + trie decision, as Linux does)
const fwd = await forwardingBox(100_000, 10);
const first = forwardBatch(fwd);
if (first !== fwd.frames.length) throw new Error(`only ${first}/${fwd.frames.length} frames forwarded`);
const bench = new Bench({ time: 2000, warmupTime: 200 });
const PATH = 'EMAC rx -> route (100k prefixes, 10 rules) -> forward -> EMAC tx';
bench.add(`${PATH}, route cache on`, () => { forwardBatch(fwd); }, { beforeAll: () => routeCache(fwd, true) });
bench.add(`${PATH}, route cache off`, () => { forwardBatch(fwd); }, { beforeAll: () => routeCache(fwd, false) });
await bench.run();
routeCache(fwd, true);
console.log(`The full forwarding path (64-byte UDP frames, ${fwd.frames.length} flows, batches of ${fwd.frames.length} through the wires):`);
// the mean of the batches' rates and their median: one slow batch (a GC pause, a busy host) moves the first only
console.table(bench.tasks.map((t) => {
  const pps = t.result.throughput.mean * fwd.frames.length;
  const median = t.result.throughput.p50 * fwd.frames.length;
  return {
    task: t.name, 'packets/s': Math.round(pps).toLocaleString('en'), 'ns/packet': (1e9 / pps).toFixed(0),
    'median packets/s': Math.round(median).toLocaleString('en'),
  };
}));
// the same frames stopping at successive stages: what each part of the path costs
const stages = new Bench({ time: 1000, warmupTime: 200 });
for (const [name, batch] of stageBatches(fwd)) stages.add(name, () => { forwardBatch(fwd, batch); });
await stages.run();
console.log(`Where the time goes (the same ${fwd.frames.length} frames, changed to stop at a later stage each; route cache on):`);
console.table(stages.tasks.map((t) => ({ 'frames that are': t.name, 'ns/frame': (1e9 / (t.result.throughput.mean * fwd.frames.length)).toFixed(0) })));
import('./rx_handler.js').then(async (m) => { console.log('rx_handler cost (batches of 1024 frames through a veth pair):'); console.table(await m.benchRxHandler()); });
