// Errors raised while reading capture files.
//
// Every problem with the *contents* of a capture file is a CaptureFormatError
// carrying the byte offset where it was found, so that `netpath replay` can
// tell the user exactly where a file is corrupt or truncated. Anything else
// thrown out of the readers is a bug in the reader (the fuzz test enforces it).

export type CaptureFormatName = 'pcap' | 'pcapng' | 'capture';

export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';

  constructor(
    /** Which parser found the problem ('capture' before the format is known). */
    readonly format: CaptureFormatName,
    /** Byte offset in the file of the record or block that is wrong. */
    readonly offset: number,
    /** What is wrong, without the "format: ... at byte N" prefix. */
    readonly detail: string,
    /** What was being read, e.g. "block", "packet record", "file header". */
    readonly what: string,
  ) {
    super(`${format}: ${what} at byte ${offset}: ${detail}`);
  }
}
