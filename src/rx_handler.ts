// rx_handlers written in TypeScript: box.link('eth0').setRxHandler(fn).
//
// The core registers its own handler on the device (netdev_rx_handler_register:
// one per device, EBUSY when a macvlan port or another handler holds it) and
// parks every frame that reaches it. When the softirq step is over the core
// returns to the host (netRun answers 2), which calls `fn` for each parked frame
// in arrival order, writes the results next to them and lets the core resume:
// one WASM→JS return and one JS→WASM call per batch, not per frame.
//
// Cost: the frame view is a Uint8Array over the core's memory (no copy); what a
// frame costs is the JS call of `fn` plus a few word reads and writes (see
// bench/rx_handler.js). Frames wait for the host until the box runs
// (box.run); packet-socket sends alone do not run host handlers.
import type { PktType } from './hw/netif.js';

export type RxHandlerResult = 'consumed' | 'another' | 'exact' | 'pass';

/** A frame reaching a host rx_handler: skb->dev, the bytes from the Ethernet header on, protocol, pkt_type. */
export interface RxPacket {
  readonly dev: string;
  readonly ifindex: number;
  /** a view into the core's memory, valid only during the call: copy what you keep */
  readonly data: Uint8Array;
  /** skb->protocol (ethertype, host order) */
  readonly protocol: number;
  readonly pktType: PktType;
}

/**
 * What the handler decides, as the kernel's rx_handler_result_t: 'consumed' (the host took the frame;
 * the core frees it), 'another' with the device the frame now belongs to (another round of
 * __netif_receive_skb_core there), 'exact' (only handlers bound to this device), 'pass' (as if no handler).
 */
export type RxHandlerReturn = RxHandlerResult | { result: 'another'; dev: string } | { result: RxHandlerResult };
export type RxHandlerFn = (pkt: RxPacket) => RxHandlerReturn;

export interface RxHandlerExports {
  memory: WebAssembly.Memory;
  hostRxHandlerSet(ifindex: number, token: number): number;
  hostRxParked(): number;
  hostRxParkPtr(): number;
  hostRxResume(): number;
}

const PARK_REC = 8;
/** The results in the core's numbering (RX_HANDLER_CONSUMED = 0 .. RX_HANDLER_PASS = 3). */
export const RX_HANDLER_RESULTS = ['consumed', 'another', 'exact', 'pass'] as const;
const RESULT = Object.fromEntries(RX_HANDLER_RESULTS.map((r, i) => [r, i])) as Record<RxHandlerResult, number>;
const PKT_TYPES: PktType[] = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing', 'loopback'];

/** The host's rx_handlers of one box. */
export class HostRxHandlers {
  private readonly fns = new Map<number, RxHandlerFn>();
  private next = 1;
  constructor(private readonly x: RxHandlerExports, private readonly names: () => Map<number, string>) {}

  /** Sets or (fn null) removes the handler of ifindex; throws with the errno the kernel gives. */
  set(ifindex: number, dev: string, fn: RxHandlerFn | null): void {
    const token = fn ? this.next++ : 0;
    const rc = this.x.hostRxHandlerSet(ifindex, token);
    if (rc === -16) throw new Error(`setRxHandler: ${dev}: Device or resource busy (EBUSY: it has an rx_handler)`);
    if (rc === -2) throw new Error(`setRxHandler: ${dev}: no host rx_handler to remove`);
    if (rc < 0) throw new Error(`setRxHandler: ${dev}: errno ${-rc}`);
    // a token stays valid for frames parked before a replacement: they finish with the handler that saw them
    if (fn) this.fns.set(token, fn);
  }

  /** Runs the handlers over the parked batch and lets the core resume it. Returns the frames handled. */
  runBatch(): number {
    const x = this.x;
    const n = x.hostRxParked();
    if (n === 0) return 0;
    const ptr = x.hostRxParkPtr() >>> 0;
    let names: Map<number, string> | undefined;
    let firstError: unknown;
    let buf = x.memory.buffer;
    let recs = new Uint32Array(buf, ptr, n * PARK_REC);
    for (let i = 0; i < n; i++) {
      // the handler may call into the core and grow its memory: views follow the current buffer
      if (x.memory.buffer !== buf) { buf = x.memory.buffer; recs = new Uint32Array(buf, ptr, n * PARK_REC); }
      const o = i * PARK_REC;
      const fn = this.fns.get(recs[o]);
      if (!fn) { recs[o + 6] = RESULT.pass; continue; }
      names ??= this.names();
      const ifindex = recs[o + 1];
      const pkt: RxPacket = {
        dev: names.get(ifindex) ?? `if${ifindex}`, ifindex, data: new Uint8Array(buf, recs[o + 2], recs[o + 3]),
        protocol: recs[o + 4], pktType: PKT_TYPES[recs[o + 5]] ?? 'host',
      };
      let result = RESULT.consumed, dev = 0;
      try {
        const r = fn(pkt);
        const name = typeof r === 'string' ? r : r.result;
        if (!(name in RESULT)) throw new Error(`setRxHandler: ${pkt.dev}: the handler returned ${JSON.stringify(r)}`);
        result = RESULT[name];
        if (name === 'another') {
          const target = typeof r === 'object' && 'dev' in r ? r.dev : undefined;
          names = this.names();
          dev = target === undefined ? 0 : [...names].find(([, v]) => v === target)?.[0] ?? 0;
          if (!dev) throw new Error(`setRxHandler: ${pkt.dev}: 'another' needs an existing device, got ${JSON.stringify(target)}`);
        }
      } catch (e) {
        // a throwing handler consumes the frame; the first error is rethrown once the batch is done
        firstError ??= e;
        result = RESULT.consumed;
      }
      if (x.memory.buffer !== buf) { buf = x.memory.buffer; recs = new Uint32Array(buf, ptr, n * PARK_REC); }
      recs[o + 6] = result; recs[o + 7] = dev;
    }
    x.hostRxResume();
    if (firstError !== undefined) throw firstError;
    return n;
  }
}
