// Node-only file helpers: reading capture files, and writing pcapng so that
// nothing half-written is ever left at the destination. The output goes to a
// temporary file in the same directory (so the final rename stays on one
// filesystem and is atomic) and is renamed over the target only when
// complete; on any error, or if the process exits first, the temporary file
// is removed. Browser code uses PcapngWriter.bytes()/blob() instead.

import { closeSync, createReadStream, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readCapture, streamCapture, type Capture, type CaptureStreamReader, type ReadCaptureOptions } from './reader.js';
import { PcapngWriter, type PcapngWriterOptions } from './writer.js';

/** Reads a whole capture file (pcap or pcapng). */
export function readCaptureFile(path: string, opts: ReadCaptureOptions = {}): Capture {
  return readCapture(readFileSync(path), opts);
}

/** Streams a capture file without holding it all in memory. */
export function streamCaptureFile(path: string, opts: ReadCaptureOptions = {}): CaptureStreamReader {
  return streamCapture(createReadStream(path, { highWaterMark: 1 << 16 }), opts);
}

// Temporary files still open, removed if the process exits before they are committed.
const openTemps = new Set<string>();
let exitHookInstalled = false;
function trackTemp(path: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of openTemps) {
        try { unlinkSync(p); } catch { /* already gone */ }
      }
    });
  }
  openTemps.add(path);
}

const FLUSH_AT = 1 << 16;

/**
 * A pcapng file being written. Use `writer` to add interfaces and packets,
 * then commit() to put the file in place, or abort() to drop it.
 */
export class PcapngFile {
  readonly writer: PcapngWriter;
  /** The temporary file receiving the data until commit(). */
  readonly tempPath: string;
  private fd: number | undefined;
  private buffered: Uint8Array[] = [];
  private bufferedBytes = 0;
  private failed: unknown;

  constructor(readonly path: string, opts: Omit<PcapngWriterOptions, 'sink'> = {}) {
    this.tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    // 'wx': never reuse or follow an existing file of that name.
    this.fd = openSync(this.tempPath, 'wx', 0o666);
    trackTemp(this.tempPath);
    try {
      this.writer = new PcapngWriter({ ...opts, sink: (chunk) => this.accept(chunk) });
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Flushes, syncs and renames the file into place. */
  commit(): void {
    if (this.fd === undefined) throw new Error(`pcapng: ${this.path} was already committed or aborted`);
    try {
      if (this.failed !== undefined) throw this.failed;
      this.flush();
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
      renameSync(this.tempPath, this.path);
      openTemps.delete(this.tempPath);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Drops the temporary file; the destination is left as it was. Safe to call twice. */
  abort(): void {
    if (this.fd !== undefined) {
      try { closeSync(this.fd); } catch { /* closing is best effort here */ }
      this.fd = undefined;
    }
    try { unlinkSync(this.tempPath); } catch { /* never created, or renamed */ }
    openTemps.delete(this.tempPath);
  }

  private accept(chunk: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`pcapng: ${this.path} is closed`);
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.bufferedBytes >= FLUSH_AT) {
      try {
        this.flush();
      } catch (e) {
        // Remember it: commit() must not rename a file that missed data.
        this.failed = e;
        throw e;
      }
    }
  }

  private flush(): void {
    if (this.fd === undefined || this.bufferedBytes === 0) return;
    const all = new Uint8Array(this.bufferedBytes);
    let at = 0;
    for (const c of this.buffered) { all.set(c, at); at += c.length; }
    this.buffered = [];
    this.bufferedBytes = 0;
    let off = 0;
    while (off < all.length) off += writeSync(this.fd, all, off, all.length - off);
  }
}

/** Opens a pcapng file for writing; see PcapngFile. */
export function openPcapngFile(path: string, opts: Omit<PcapngWriterOptions, 'sink'> = {}): PcapngFile {
  return new PcapngFile(path, opts);
}

/**
 * Writes a pcapng file with `fill`, all or nothing: the file appears at
 * `path` only if `fill` completes; if it throws, no file is left behind and
 * an existing file at `path` is untouched.
 */
export async function writePcapngFile(
  path: string,
  fill: (w: PcapngWriter) => void | Promise<void>,
  opts: Omit<PcapngWriterOptions, 'sink'> = {},
): Promise<{ packets: number; bytes: number }> {
  const file = new PcapngFile(path, opts);
  try {
    await fill(file.writer);
  } catch (e) {
    file.abort();
    throw e;
  }
  file.commit();
  return { packets: file.writer.packetCount, bytes: file.writer.byteCount };
}
