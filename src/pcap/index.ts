// Capture files in and out, for `netpath replay` and traces. Browser-safe:
// the Node file helpers (atomic writes, reading from a path) are in ./node.js.

export { CaptureFormatError, type CaptureFormatName } from './errors.js';
export {
  LinkType,
  type CaptureFormat,
  type CaptureInterface,
  type CapturePacket,
  type CaptureSection,
} from './types.js';
export {
  CaptureReader,
  CaptureStreamReader,
  detectCaptureFormat,
  readCapture,
  streamCapture,
  type ByteSource,
  type Capture,
  type ReadCaptureOptions,
} from './reader.js';
export { encodePcap, type PcapWriteOptions } from './pcap.js';
export {
  PcapngWriter,
  encodePcapng,
  PCAPNG_MIME,
  type PcapngInterfaceSpec,
  type PcapngPacketSpec,
  type PcapngWriterOptions,
} from './writer.js';
