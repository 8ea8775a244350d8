// The script a box worker runs (see worker.ts): serves boxes to the thread that started it.
import { onNode, serveBoxes } from './worker.js';

if (onNode) {
  const { parentPort } = await import('node:worker_threads');
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
  if (!parentPort) throw new Error('netpath worker: not started as a worker thread');
  serveBoxes(nodeEndpoint(parentPort));
} else {
  serveBoxes(self as unknown as Parameters<typeof serveBoxes>[0]);
}
