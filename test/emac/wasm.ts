// Loads the core (build/netpath.wasm through its raw bindings) once per test
// file and gives each test a fresh instance bound as EmacHw.
import { readFile } from 'node:fs/promises';
import { instantiate } from '../../build/netpath.js';
import { EmacHw, type HwExports } from '../../src/hw/emac.js';

let mod: WebAssembly.Module | undefined;

export async function loadHw(): Promise<EmacHw> {
  mod ??= await WebAssembly.compile(await readFile(new URL('../../build/netpath.wasm', import.meta.url)));
  const exports = (await instantiate(mod, { env: {} })) as unknown as HwExports;
  return new EmacHw(exports);
}
