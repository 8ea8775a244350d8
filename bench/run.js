// npm run bench: the project's benchmarks (tinybench), printed as tables.
import { benchRouting } from './routing.js';

const { rows, load } = await benchRouting();
console.log('Route decisions from the WASM core (batches of 4096, one JS->WASM call per batch)');
console.table(rows);
console.log('Time to load a table through the batch route-add path (each route takes the same checks as `ip route add`):');
console.table(Object.entries(load).map(([n, ms]) => ({ routes: Number(n).toLocaleString('en'), 'load ms': ms.toFixed(0), 'routes/s': Math.round(Number(n) / ms * 1000).toLocaleString('en') })));
