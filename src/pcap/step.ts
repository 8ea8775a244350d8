// The contract between a format parser and the drivers that feed it bytes.
//
// A parser looks at the bytes buffered from `pos` and either asks for more
// (a 'need' step), or consumes one record/block. Asking never changes the
// parser's state, so the driver can come back with a longer window: that is
// what lets one parser serve both a whole file in memory and a stream arriving
// in chunks. At end of input an unmet 'need' becomes a truncation error.

import type { CaptureFormat, CaptureInterface, CapturePacket, CaptureSection } from './types.js';

export type Step =
  | {
      kind: 'need';
      /** Bytes required from pos. */
      bytes: number;
      /** What is being read, e.g. "packet record" (the error says "truncated packet record"). */
      what: string;
      /** Describes the shortfall given how many bytes are left from pos. */
      detail?: (remain: number) => string;
    }
  | { kind: 'packet'; size: number; packet: CapturePacket }
  | { kind: 'skip'; size: number };

export interface FormatParser {
  readonly format: CaptureFormat;
  readonly interfaces: CaptureInterface[];
  readonly sections: CaptureSection[];
  /**
   * One step at `pos` of `bytes` (viewed by `view`); `fileOffset` is the
   * absolute file offset of `pos`, for messages and CapturePacket.offset.
   * Throws CaptureFormatError when the bytes are wrong.
   */
  step(bytes: Uint8Array, view: DataView, pos: number, fileOffset: number): Step;
}

export function need(bytes: number, what: string, detail?: (remain: number) => string): Step {
  return { kind: 'need', bytes, what, detail };
}

/** Rounds up to the 32-bit boundary pcapng pads to (safe beyond 2^31, unlike bit masks). */
export function pad4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}

const utf8 = new TextDecoder('utf-8');

/** Decodes a pcapng string value; some writers add a trailing NUL the spec does not ask for. */
export function decodeString(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return utf8.decode(bytes.subarray(0, end));
}
