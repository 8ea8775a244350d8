// npm run bench: the project's benchmarks (tinybench), printed as tables.
import { Bench } from 'tinybench';
import { benchRouting } from './routing.js';
import { forwardingBox, forwardBatch } from './forwarding.js';

const { rows, load } = await benchRouting();
console.log('Route decisions from the WASM core (batches of 4096, one JS->WASM call per batch)');
console.table(rows);
console.log('Time to load a table through the batch route-add path (each route takes the same checks as `ip route add`):');
console.table(Object.entries(load).map(([n, ms]) => ({ routes: Number(n).toLocaleString('en'), 'load ms': ms.toFixed(0), 'routes/s': Math.round(Number(n) / ms * 1000).toLocaleString('en') })));

// the full path, EMAC wire to EMAC wire, in batches of 1024 frames (inject, run, collect)
const fwd = await forwardingBox(100_000, 10);
const first = forwardBatch(fwd);
if (first !== fwd.frames.length) throw new Error(`only ${first}/${fwd.frames.length} frames forwarded`);
const bench = new Bench({ time: 2000, warmupTime: 200 });
bench.add('EMAC rx -> route (100k prefixes, 10 rules) -> forward -> EMAC tx', () => { forwardBatch(fwd); });
await bench.run();
console.log('The full forwarding path (64-byte UDP frames, batches of 1024 through the wires):');
console.table(bench.tasks.map((t) => ({ task: t.name, 'packets/s': Math.round(t.result.throughput.mean * fwd.frames.length).toLocaleString('en') })));
import('./rx_handler.js').then(async (m) => { console.log('rx_handler cost (batches of 1024 frames through a veth pair):'); console.table(await m.benchRxHandler()); });
