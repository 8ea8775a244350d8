// The netpath core: everything exported here is the ABI the TypeScript host binds.
export * from "./abi";
export * from "./batch";
export * from "./hw/abi";
export * from "./netabi";
export * from "./inetabi";
export * from "./tunabi";
export * from "./bridgeabi";
export * from "./vethabi";
export * from "./nexthopabi";
export * from "./ethtoolabi";
