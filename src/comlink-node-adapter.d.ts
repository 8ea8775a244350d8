// comlink ships its Node adapter as an .mjs file whose types (a .d.ts beside it) TypeScript does not pair with it.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  /** A worker_threads MessagePort or Worker as a comlink endpoint. */
  export default function nodeEndpoint(nep: {
    postMessage(message: unknown, transfer?: readonly unknown[]): void;
    on(type: 'message', listener: (data: unknown) => void): unknown;
    off(type: 'message', listener: (data: unknown) => void): unknown;
    start?: () => void;
  }): Endpoint;
}
