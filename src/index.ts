// netpath: the Linux network datapath emulated in WebAssembly.
export { Box, type BoxOptions, type IpResult, type RouteGetQuery } from './box.js';
export { World, type VethPairOptions, type VethEndOptions } from './world.js';
export { TunDevice, TunError, type TunOptions } from './tun.js';
export { Kernel } from './kernel.js';
export { runIp } from './ip/index.js';
export * from './rtnl.js';
