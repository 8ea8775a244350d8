// Boxes in a worker: a Web Worker in browsers, a worker thread in Node. A page that
// replays a capture stays responsive, and a test suite can run boxes on every core.
// The boxes live in the worker; the caller drives them through comlink, and every
// answer crosses as data (structured clone): ip/sysctl output, route decisions,
// replay results, counters, frames. A device or a packet socket comes back as a
// proxy whose methods answer the same way.
//
//   const w = await startBoxWorker();
//   const box = await w.create();
//   await box.ip('link add eth0 address 02:00:00:00:00:10 type emac');
//   const results = await box.replayCapture(pcapBytes, { dev: 'eth0' });
//   await w.terminate();
import * as Comlink from 'comlink';
import { Box, type IpResult, type RouteGetQuery } from './box.js';
import { World } from './world.js';
import type { ReplayInput, ReplayOptions, ReplayResult } from './replay.js';
import type { NstatOptions } from './nstat.js';
import type { UdpSocket } from './udp.js';
import type { TunDevice, TunOptions } from './tun.js';
import { RX_HANDLER_RESULTS, type RxHandlerFn, type RxHandlerReturn, type RxPacket } from './rx_handler.js';

/** Whether this runs on Node (worker threads) rather than in a browser (Web Workers). */
export const onNode = typeof globalThis.process?.versions?.node === 'string';

/** One box as its worker serves it (the methods of Box that answer with data). */
export class BoxService {
  readonly #box: Box;
  constructor(box: Box) { this.#box = box; }

  /** Box.ip; `files` stands in for the file system of `-batch FILE` (a worker has no access to the caller's). */
  ip(args: string | string[], files?: Record<string, string>): IpResult {
    const readFile = files && ((path: string) => {
      if (!Object.hasOwn(files, path)) throw Object.assign(new Error(`${path}: no such file`), { code: 'ENOENT' });
      return files[path]!;
    });
    return this.#box.ip(args, readFile ? { readFile } : {});
  }
  bridge(args: string | string[]): IpResult { return this.#box.bridge(args); }
  routeGet(q: RouteGetQuery): Record<string, unknown> { return this.#box.routeGet(q); }
  sysctl(key: string, value?: string | number): string { return this.#box.sysctl(key, value); }
  run(opts: { ns: number }): void { this.#box.run(opts); }
  /** Virtual time in ns. */
  now(): number { return this.#box.now; }
  replay(inputs: ReplayInput[], opts?: ReplayOptions): ReplayResult[] { return this.#box.replay(inputs, opts); }
  replayCapture(bytes: Uint8Array, opts?: ReplayOptions & { dev?: string }): ReplayResult[] { return this.#box.replayCapture(bytes, opts); }
  snmp(): Record<string, number> { return this.#box.snmp(); }
  nstat(opts?: NstatOptions): string { return this.#box.nstat(opts); }
  dropReasons(): Record<string, number> { return this.#box.dropReasons(); }
  netCounters(): ReturnType<Box['netCounters']> { return this.#box.netCounters(); }
  /** The device `name`: info(), stats(). */
  link(name: string): ReturnType<Box['link']> & Comlink.ProxyMarked { return Comlink.proxy(this.#box.link(name)); }
  /** The wire of EMAC port `name`: inject(frames), collect(). */
  wire(name: string): ReturnType<Box['link']>['wire'] & Comlink.ProxyMarked { return Comlink.proxy(this.#box.link(name).wire); }
  /** A packet socket on `dev` (or every device): send(frames), recv(). */
  packet(dev?: string): ReturnType<Box['packet']> & Comlink.ProxyMarked { return Comlink.proxy(this.#box.packet(dev)); }
  /** box.udp.bind: send(payloads, to), recv(), next(), close(); `each(socket)` iterates it. */
  udpBind(opts: { port: number; address?: string; broadcast?: boolean }): UdpSocket & Comlink.ProxyMarked { return Comlink.proxy(this.#box.udp.bind(opts)); }
  /** box.tun: write(), writeBatch(), read(), readBatch(), queue, next(), close(); `each(device)` iterates it. */
  tun(name: string, opts?: TunOptions): TunDevice & Comlink.ProxyMarked { return Comlink.proxy(this.#box.tun(name, opts)); }
  /**
   * The worker's half of setRxHandler(): the device's rx_handler sends each frame on `port` to
   * the handler in the calling thread and waits for its answer in `answer` (null: removes it).
   */
  rxHandlerBridge(dev: string, bridge: { port: MessagePort; answer: SharedArrayBuffer } | null): void {
    this.#box.link(dev).setRxHandler(bridge && remoteRxHandler(dev, bridge.port, bridge.answer));
  }
}

// The answer of a handler in the calling thread, in a SharedArrayBuffer the worker waits on:
// [0] 0 while waiting, 1 when answered; [1] the result (RX_HANDLER_RESULTS), or -1 when the handler threw;
// [2] the length of the text that follows (the device of 'another', or the error's message).
const ANSWER_BYTES = 4096, ANSWER_TEXT = 12;
/** How long a frame waits for the calling thread (busy elsewhere, or gone) before its handler fails. */
const ANSWER_TIMEOUT_MS = 30_000;

function remoteRxHandler(dev: string, port: MessagePort, answer: SharedArrayBuffer): RxHandlerFn {
  const ctl = new Int32Array(answer, 0, 3);
  const text = new Uint8Array(answer, ANSWER_TEXT);
  return (pkt) => {
    Atomics.store(ctl, 0, 0);
    port.postMessage({ dev: pkt.dev, ifindex: pkt.ifindex, data: pkt.data.slice(), protocol: pkt.protocol, pktType: pkt.pktType });
    if (Atomics.wait(ctl, 0, 0, ANSWER_TIMEOUT_MS) === 'timed-out') {
      throw new Error(`setRxHandler: ${dev}: the handler in the calling thread did not answer within ${ANSWER_TIMEOUT_MS} ms`);
    }
    const code = Atomics.load(ctl, 1);
    const said = new TextDecoder().decode(text.slice(0, Atomics.load(ctl, 2)));
    if (code < 0) throw new Error(said);
    const result = RX_HANDLER_RESULTS[code] ?? 'consumed';
    return result === 'another' ? { result, dev: said } : result;
  };
}

/**
 * box.link(dev).setRxHandler(fn) for a box in a worker: `fn` runs here, in the calling thread,
 * and answers each frame while the worker waits (each frame crosses the threads: slower than a
 * handler in the box's own thread). null removes it. The worker waits on a SharedArrayBuffer: in
 * a browser the page must be cross-origin isolated (COOP/COEP headers). An error thrown by `fn`
 * rejects the worker's call that was running the box (run, replay, ...), as it would throw there.
 */
export async function setRxHandler(box: Comlink.Remote<BoxService>, dev: string, fn: RxHandlerFn | null): Promise<void> {
  if (fn === null) { await box.rxHandlerBridge(dev, null); return; }
  if (typeof SharedArrayBuffer === 'undefined' || (!onNode && !globalThis.crossOriginIsolated)) {
    throw new Error('setRxHandler: a box in a worker needs SharedArrayBuffer (in a browser: a cross-origin isolated page, served with COOP/COEP headers)');
  }
  const answer = new SharedArrayBuffer(ANSWER_BYTES);
  const ctl = new Int32Array(answer, 0, 3);
  const text = new Uint8Array(answer, ANSWER_TEXT);
  const { port1, port2 } = new MessageChannel();
  port1.onmessage = (e: MessageEvent<RxPacket>) => {
    let code: number, said = '';
    try {
      const r: RxHandlerReturn = fn(e.data);
      const name = typeof r === 'string' ? r : r.result;
      code = RX_HANDLER_RESULTS.indexOf(name);
      if (code < 0) throw new Error(`setRxHandler: ${e.data.dev}: the handler returned ${JSON.stringify(r)}`);
      if (name === 'another') said = typeof r === 'object' && 'dev' in r ? String(r.dev) : '';
    } catch (err) {
      code = -1;
      said = err instanceof Error ? err.message : String(err);
    }
    const bytes = new TextEncoder().encode(said).subarray(0, text.length);
    text.set(bytes);
    Atomics.store(ctl, 2, bytes.length);
    Atomics.store(ctl, 1, code);
    Atomics.store(ctl, 0, 1);
    Atomics.notify(ctl, 0);
  };
  // Node: a listening port would keep the process alive; the worker holds the other end
  (port1 as unknown as { unref?: () => void }).unref?.();
  await box.rxHandlerBridge(dev, Comlink.transfer({ port: port2, answer }, [port2]));
}

/**
 * A socket or tun device of a box in a worker, as an async iterable: `for await (const d of each(sock))`.
 * comlink carries methods, not Symbol.asyncIterator. Leaving the loop early closes the source, as it does
 * for a box in this thread.
 */
export async function* each<T>(source: { next(): Promise<IteratorResult<T>>; close(): unknown }): AsyncGenerator<T, void, undefined> {
  let done = false;
  try {
    for (;;) {
      const r = await source.next();
      if (r.done) { done = true; return; }
      yield r.value;
    }
  } finally {
    if (!done) await source.close();
  }
}

/** What a worker serves: boxes. Those with a netns name share one world, so veth pairs can join them. */
export interface BoxWorkerApi {
  create(opts?: { netns?: string }): Promise<BoxService & Comlink.ProxyMarked>;
}

/** Serves boxes on `endpoint` (in a worker: `self`, or a Node MessagePort through comlink's node adapter). */
export function serveBoxes(endpoint: Comlink.Endpoint): void {
  let world: World | undefined;
  const api: BoxWorkerApi = {
    async create(opts = {}) {
      const box = opts.netns === undefined ? await Box.create() : await Box.create({ world: (world ??= new World()), netns: opts.netns });
      return Comlink.proxy(new BoxService(box));
    },
  };
  Comlink.expose(api, endpoint);
}

/** A worker serving boxes, seen from the caller. */
export interface BoxWorker {
  /** A new box in the worker (with a netns name: in the worker's world, reachable as `ip ... netns NAME`). */
  create(opts?: { netns?: string }): Promise<Comlink.Remote<BoxService>>;
  /** Stops the worker and every box in it. */
  terminate(): Promise<void>;
}

/**
 * Starts a worker (a worker thread in Node, a module Web Worker in browsers) that serves boxes.
 * `url`: the worker's script, where a bundler or a server put it (default: worker-entry.js beside this module).
 */
export async function startBoxWorker(opts: { url?: string | URL } = {}): Promise<BoxWorker> {
  if (onNode) {
    const { Worker } = await import('node:worker_threads');
    const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
    const w = new Worker(opts.url !== undefined ? new URL(opts.url) : new URL('./worker-entry.js', import.meta.url));
    const failed = new Promise<never>((_, reject) => { w.once('error', reject); });
    return remoteBoxes(Comlink.wrap<BoxWorkerApi>(nodeEndpoint(w)), failed, async () => { await w.terminate(); });
  }
  // written out in full: bundlers recognise this form and bundle the worker's script
  const w = opts.url !== undefined ? new Worker(opts.url, { type: 'module' }) : new Worker(new URL('./worker-entry.js', import.meta.url), { type: 'module' });
  const failed = new Promise<never>((_, reject) => {
    w.addEventListener('error', (e) => reject(new Error(`netpath worker: ${e.message || 'the script failed to load'}`)), { once: true });
  });
  return remoteBoxes(Comlink.wrap<BoxWorkerApi>(w), failed, async () => { w.terminate(); });
}

/** `failed` rejects when the worker dies (its script did not load, the core did not compile): create() rejects with it. */
function remoteBoxes(api: Comlink.Remote<BoxWorkerApi>, failed: Promise<never>, stop: () => Promise<void>): BoxWorker {
  failed.catch(() => { /* reported through create() */ });
  return {
    create: (opts) => Promise.race([api.create(opts), failed]),
    terminate: async () => { api[Comlink.releaseProxy](); await stop(); },
  };
}
