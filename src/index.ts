// netpath: the Linux network datapath emulated in WebAssembly.
export { Box, type IpResult, type RouteGetQuery } from './box.js';
export { TunDevice, TunError, type TunOptions } from './tun.js';
export { Kernel } from './kernel.js';
export { runIp } from './ip/index.js';
export * from './rtnl.js';
