// The netpath core: everything exported here is the ABI the TypeScript host binds in src/kernel.ts.
export function abiVersion(): i32 { return 1; }
export * from "./hw/abi";
