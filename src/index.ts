// netpath: the Linux network datapath emulated in WebAssembly.
export { Box, type BoxOptions, type IpResult, type RouteGetQuery } from './box.js';
export { World, type VethPairOptions, type VethEndOptions } from './world.js';
export { TunDevice, TunError, type TunOptions } from './tun.js';
export { Kernel } from './kernel.js';
export { runIp } from './ip/index.js';
export * from './rtnl.js';
export {
  captureInputs, writeReplayPcapng, type ReplayInput, type ReplayOptions, type ReplayOutput, type ReplayResult, type Verdict,
} from './replay.js';
// capture files in and out (browser-safe; Node's file helpers stay behind the CLI)
export {
  readCapture, streamCapture, detectCaptureFormat, encodePcap, encodePcapng, PcapngWriter, PCAPNG_MIME, CaptureFormatError, LinkType,
  type Capture, type CaptureFormatName, type CaptureInterface, type CapturePacket, type PcapngInterfaceSpec, type PcapngPacketSpec,
  type PcapngWriterOptions, type ReadCaptureOptions,
} from './pcap/index.js';
