// Argument parsing helpers with the exact error texts and exit codes of
// iproute2 6.1 (lib/utils.c): invarg/duparg exit 255, a bad prefix or
// address exits 1, a missing argument is "Command line is not complete".
import { IpExit } from './errors.js';
import { parseUnsigned } from './names.js';

/** iproute2's matches(): `arg` is a non-empty prefix of `word` */
export function matches(arg: string, word: string): boolean {
  return arg.length > 0 && word.startsWith(arg);
}

export function invarg(msg: string, arg: string): never {
  throw new IpExit(255, `Error: argument "${arg}" is wrong: ${msg}\n`);
}
export function duparg(key: string, arg: string): never {
  throw new IpExit(255, `Error: duplicate "${key}": "${arg}" is the second value.\n`);
}
export function duparg2(key: string, arg: string): never {
  throw new IpExit(255, `Error: either "${key}" is duplicate, or "${arg}" is a garbage.\n`);
}
export function incomplete(): never {
  throw new IpExit(255, 'Command line is not complete. Try option "help"\n');
}

/** A cursor over argv, the way iproute2 walks argc/argv with NEXT_ARG(). */
export class Args {
  private i = 0;
  constructor(private readonly argv: string[]) {}
  get done(): boolean { return this.i >= this.argv.length; }
  get cur(): string { return this.argv[this.i]; }
  get rest(): number { return this.argv.length - this.i; }
  peek(k = 1): string | undefined { return this.argv[this.i + k]; }
  /** move past the current word */
  skip(): void { this.i++; }
  /** NEXT_ARG(): step to the value of a keyword, or fail as incomplete */
  next(): string {
    this.i++;
    if (this.i >= this.argv.length) incomplete();
    return this.argv[this.i];
  }
  remaining(): string[] { return this.argv.slice(this.i); }
}

export type Family = 'unspec' | 'inet';
const FAMILY_TEXT: Record<Family, string> = { unspec: 'any valid', inet: 'inet' };

export interface Prefix { addr: number; len: number; /** "/N" was written */ lenGiven: boolean; /** default/any/all */ any: boolean }

/** get_addr_ipv4: 1-4 dotted parts, each strtoul(…, 0) <= 255; missing parts are 0 */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length > 4 || parts.length === 0) return undefined;
  const b = [0, 0, 0, 0];
  for (let i = 0; i < parts.length; i++) {
    const v = parseLeadingUnsigned(parts[i]);
    if (v === undefined || v > 255) return undefined;
    b[i] = v;
  }
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}
// strtoul(…, 0) that must consume the whole part (parts were split on '.')
function parseLeadingUnsigned(p: string): number | undefined {
  if (p === '' || /^\s|^[+-]/.test(p)) return undefined;
  return parseUnsigned(p, 0);
}

function prefixError(kind: 'prefix' | 'address', arg: string, family: Family): never {
  throw new IpExit(1, `Error: ${FAMILY_TEXT[family]} ${kind} is expected rather than "${arg}".\n`);
}

function isSpecialAny(s: string): boolean { return s === 'default' || s === 'all' || s === 'any'; }

/** get_prefix(): ADDR[/LEN] or default|any|all; exits 1 on error */
export function getPrefix(arg: string, family: Family): Prefix {
  if (isSpecialAny(arg)) return { addr: 0, len: 0, lenGiven: false, any: true };
  const slash = arg.indexOf('/');
  const a = parseIPv4(slash >= 0 ? arg.slice(0, slash) : arg);
  if (a === undefined) prefixError('prefix', arg, family);
  if (slash < 0) return { addr: a, len: 32, lenGiven: false, any: false };
  const m = arg.slice(slash + 1);
  let len = m !== '' && !m.startsWith('-') ? parseUnsigned(m, 0) : undefined;
  if (len === undefined) {
    // a dotted netmask is accepted as long as it is contiguous
    const mask = parseIPv4(m);
    if (mask !== undefined && m.includes('.')) {
      const inv = (~mask) >>> 0;
      if ((inv & (inv + 1)) === 0) len = 32 - Math.log2(inv + 1);
    }
  }
  if (len === undefined || len > 32) prefixError('prefix', arg, family);
  return { addr: a, len, lenGiven: true, any: false };
}

/** get_addr(): a host address (no prefix length); exits 1 on error */
export function getAddr(arg: string, family: Family): number {
  if (isSpecialAny(arg)) return 0;
  const a = arg.includes('/') ? undefined : parseIPv4(arg);
  if (a === undefined) prefixError('address', arg, family);
  return a;
}

export function formatIPv4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
export function maskOf(len: number): number { return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0; }

/** ll_addr_a2n(): colon-separated hex bytes; exits 1 with "is invalid lladdr." */
export function parseLladdr(arg: string): Uint8Array {
  const out: number[] = [];
  let rest: string | undefined = arg;
  while (rest !== undefined && out.length < 32) {
    const c = rest.indexOf(':');
    const piece = c >= 0 ? rest.slice(0, c) : rest;
    rest = c >= 0 ? rest.slice(c + 1) : undefined;
    const m = /^\s*(?:0[xX])?([0-9a-fA-F]+)/.exec(piece); // sscanf("%x") reads leading hex digits
    const v = m ? parseInt(m[1], 16) : NaN;
    if (!m || v > 255) throw new IpExit(1, `"${piece}" is invalid lladdr.\n`);
    out.push(v);
  }
  return Uint8Array.from(out);
}
export function formatMac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

// ---- interface names (lib/utils.c) ----
const utf8 = new TextEncoder();
/** a name's length as C's strlen counts it: UTF-8 bytes */
export const byteLength = (v: string): number => utf8.encode(v).length;

/** check_ifname() or invarg: not empty, shorter than IFNAMSIZ (16) bytes, no '/' or C-locale space */
export function checkIfname(v: string, msg: string): void {
  if (byteLength(v) >= 16) invarg(msg, v);
  checkAltIfname(v, msg);
}

/** check_altifname() or invarg: a device named without a keyword may be an altname, of any length */
export function checkAltIfname(v: string, msg: string): void {
  if (v.length === 0 || /[\t\n\v\f\r /]/.test(v)) invarg(msg, v);
}

/** printf's "%-Ns": pads to n bytes, as C counts a UTF-8 name */
export function padBytes(v: string, n: number): string {
  return v + ' '.repeat(Math.max(0, n - byteLength(v)));
}
