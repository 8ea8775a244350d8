// One `ip` invocation: the kernel handle, the global options and the two
// output streams. Commands write here; runIp turns it into an IpResult.
import type { LinkInfo, Reply, Rtnl } from '../rtnl.js';
import { IpExit, kernelErrorText } from './errors.js';
import { toJson, type Json } from './json.js';
import type { Family } from './parse.js';

export interface IpOptions {
  json: boolean;
  pretty: boolean;
  /** -s given this many times */
  stats: number;
  details: number;
  family: Family;
  oneline: boolean;
  /** -brief: one line per device (name@link, state, then the link address and flags, or the addresses) */
  brief: boolean;
  force: boolean;
  batch: boolean;
  /** -color (always): colour the fields lib/color.c colours; -color=auto and never leave it off (netpath's output is never a terminal) */
  color: boolean;
}

/** lib/color.c's attributes, by the SGR code of its light-background palette (COLORFGBG unset) */
const COLOR_CODES = { ifname: 36, mac: 33, inet: 35, inet6: 34, up: 32, down: 31 } as const;
export type Color = keyof typeof COLOR_CODES;

/** a line break iproute2 writes as a literal "\n", not _SL_, so that it stays one with -o too (NUL: never in a name or a printed value) */
export const HARD_NL = '\u0000';

export class Ctx {
  stdout = '';
  stderr = '';
  private linkCache?: LinkInfo[];
  constructor(readonly rtnl: Rtnl, readonly opt: IpOptions) {}

  out(s: string): void { this.stdout += s; }
  err(s: string): void { this.stderr += s; }

  /**
   * color_fprintf() / print_color_string(): `text` (what iproute2's format string prints, trailing
   * blank or colon included) between the colour's escape and ESC[0m when colour is on; never in JSON
   * (check_enable_color leaves colour off with -json). `undefined` is COLOR_NONE: the text as it is.
   */
  paint(color: Color | undefined, text: string): string {
    return this.opt.color && !this.opt.json && color ? `\x1b[${COLOR_CODES[color]}m${text}\x1b[0m` : text;
  }

  /** prints a dump the way new_json_obj/delete_json_obj frame it */
  jsonOut(items: Json[]): void { this.out(toJson(items, this.opt.pretty) + '\n'); }

  /** `ip -o`: one line per record, inner newlines turned into '\' (iproute2's _SL_); HARD_NL stays a newline */
  record(text: string): void {
    if (this.opt.oneline) {
      const body = text.endsWith('\n') ? text.slice(0, -1) : text;
      this.out(body.split('\n').join('\\').split(HARD_NL).join('\n') + '\n');
    } else this.out(text.split(HARD_NL).join('\n'));
  }

  links(): LinkInfo[] { return (this.linkCache ??= this.rtnl.links()); }
  invalidate(): void { this.linkCache = undefined; }
  linkByName(name: string): LinkInfo | undefined { return this.links().find((l) => l.name === name); }
  linkByIndex(i: number): LinkInfo | undefined { return this.links().find((l) => l.ifindex === i); }
  /** ll_index_to_name(): unknown indexes print as "if%d" */
  ifname(i: number): string { return this.linkByIndex(i)?.name ?? `if${i}`; }

  /** ll_name_to_index() or "Cannot find device" (returned as status 1, not an exit) */
  ifindexOrFail(name: string): number {
    const l = this.linkByName(name);
    if (!l) throw new CmdFail(1, `Cannot find device "${name}"\n`);
    return l.ifindex;
  }

  /** a kernel answer: on failure print it like libnetlink and return status 2 */
  check(r: Reply<unknown>): boolean {
    this.invalidate();
    if (r.ok) return true;
    this.err(kernelErrorText(r));
    return false;
  }
}

/** A command that returns a non-zero status to its caller (not an exit()) */
export class CmdFail extends Error {
  constructor(readonly status: number, readonly text: string) { super(text); }
}

export { IpExit };
