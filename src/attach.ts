// `netpath attach DEV --host NAME`: joins the box's tun device DEV to a real
// TUN device NAME of this Linux machine, so real programs reach the emulated
// box (ping it, talk UDP to it). The real device is opened like any tun user
// does it: open("/dev/net/tun") with Node's fs, ioctl(TUNSETIFF) through koffi
// (an optional dependency: the only call Node cannot make itself), then read()
// and write() of whole packets with fs. Needs Linux, root (CAP_NET_ADMIN) and koffi.
//
// The box's virtual time follows the real clock while attached: every `stepMs`
// real milliseconds the box runs for the time that passed, takes what the host
// sent since (non-blocking reads) and gives back what it routed to DEV.
import { closeSync, openSync, readSync, writeSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import type { Box } from './box.js';
import { IFF_NO_PI, IFF_TAP, IFF_TUN } from './rtnl.js';
import { TunError, type TunDevice } from './tun.js';

const TUNSETIFF = 0x400454ca; // _IOW('T', 202, int)
const IFNAMSIZ = 16;

export interface AttachOptions {
  /** the real device's name (created if missing, removed when detached unless persistent) */
  host: string;
  /** real milliseconds between steps; default 5 */
  stepMs?: number;
  /** called for packets the box refused (write errors), default: ignored */
  onError?: (e: TunError) => void;
}

export interface Attachment {
  /** the real device's name as the kernel gave it */
  readonly host: string;
  /** packets host → box and box → host so far */
  readonly counts: { in: number; out: number };
  /** stops: both files are closed */
  close(): void;
}

/** Why attach cannot run here, or undefined when it can (Linux, root, koffi, /dev/net/tun). */
export function attachUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root (CAP_NET_ADMIN) to open a TUN device';
  if (!loadIoctl()) return 'needs the optional package koffi (npm install koffi)';
  try { closeSync(openSync('/dev/net/tun', constants.O_RDWR)); } catch (e) {
    return `cannot open /dev/net/tun: ${(e as Error).message}`;
  }
  return undefined;
}

type Ioctl = (fd: number, req: number, arg: Buffer) => number;
let ioctlFn: Ioctl | null | undefined;

/** ioctl(2) of libc through koffi, or null when koffi is not installed. */
function loadIoctl(): Ioctl | null {
  if (ioctlFn !== undefined) return ioctlFn;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(lib: string): { func(sig: string): (...a: unknown[]) => unknown };
    };
    const libc = koffi.load('libc.so.6');
    const f = libc.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)');
    ioctlFn = (fd, req, arg) => f(fd, req, arg) as number;
  } catch {
    ioctlFn = null;
  }
  return ioctlFn;
}

/** Attaches the box's device `dev` to the host's TUN/TAP device `opts.host`. Throws with the reason when it cannot. */
export function attachHostTun(box: Box, dev: string, opts: AttachOptions): Attachment {
  const why = attachUnavailable();
  if (why) throw new Error(`attach: ${why}`);
  const link = box.kernel.links().find((l) => l.name === dev);
  if (!link?.tun) throw new Error(`attach: ${dev} is not a tun/tap device of the box`);
  if (Buffer.byteLength(opts.host) >= IFNAMSIZ) throw new Error(`attach: host name ${opts.host} is too long`);
  const tap = !!(link.tun.flags & IFF_TAP);
  const t: TunDevice = box.tun(dev, { mode: tap ? 'tap' : 'tun' });
  const fd = openSync('/dev/net/tun', constants.O_RDWR | constants.O_NONBLOCK);
  const ifr = Buffer.alloc(40);
  ifr.write(opts.host, 0, 'latin1');
  ifr.writeUInt16LE((tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI, IFNAMSIZ);
  if (loadIoctl()!(fd, TUNSETIFF, ifr) !== 0) {
    closeSync(fd);
    t.close();
    throw new Error(`attach: ioctl(TUNSETIFF) for ${opts.host} failed (a device of another kind, or busy?)`);
  }
  const host = ifr.toString('latin1', 0, IFNAMSIZ).replace(/\0.*$/s, '');
  const counts = { in: 0, out: 0 };
  const buf = Buffer.alloc(65536);
  let last = process.hrtime.bigint();
  const tick = () => {
    const now = process.hrtime.bigint();
    box.run({ ns: Number(now - last) });
    last = now;
    for (;;) {
      let n: number;
      try { n = readSync(fd, buf, 0, buf.length, null); } catch (e) {
        if ((e as { code?: string }).code === 'EAGAIN') break;
        throw e;
      }
      counts.in++;
      try { t.write(buf.subarray(0, n)); } catch (e) { if (e instanceof TunError) opts.onError?.(e); else throw e; }
    }
    for (const p of t.readBatch()) { writeSync(fd, p); counts.out++; }
  };
  const timer = setInterval(tick, opts.stepMs ?? 5);
  let open = true;
  return {
    host, counts,
    close: () => {
      if (!open) return;
      open = false;
      clearInterval(timer);
      t.close();
      closeSync(fd); // the last close removes the host's device (it is not persistent)
    },
  };
}

export const ATTACH_USAGE = '       netpath [--box FILE] attach DEV --host NAME\n';

/** `netpath attach DEV --host NAME`: runs until SIGINT/SIGTERM; 1 with a message when it cannot attach. */
export async function runAttach(box: Box, argv: string[]): Promise<number> {
  let dev: string | undefined, host: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') { process.stdout.write(`usage:${ATTACH_USAGE.slice(6)}`); return 0; }
    if (argv[i] === '--host') host = argv[++i];
    else if (dev === undefined && !argv[i].startsWith('-')) dev = argv[i];
    else { process.stderr.write(`netpath: attach: unexpected argument ${argv[i]}\nusage:${ATTACH_USAGE.slice(6)}`); return 1; }
  }
  if (dev === undefined || host === undefined) {
    process.stderr.write(`netpath: attach: ${dev === undefined ? 'no device given' : '--host NAME is required'}\nusage:${ATTACH_USAGE.slice(6)}`);
    return 1;
  }
  let a: Attachment;
  try { a = attachHostTun(box, dev, { host }); } catch (e) {
    process.stderr.write(`netpath: attach: ${(e as Error).message.replace(/^attach: /, '')}\n`);
    return 1;
  }
  process.stdout.write(`attached: box ${dev} <-> host ${a.host} (stop with Ctrl-C)\n`);
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
  });
  a.close();
  process.stdout.write(`detached: ${a.counts.in} packets in, ${a.counts.out} out\n`);
  return 0;
}
