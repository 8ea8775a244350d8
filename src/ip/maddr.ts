// `ip maddress` (ip/ipmaddr.c of iproute2 6.1): the multicast addresses of each device as
// /proc/net/dev_mcast, /proc/net/igmp and /proc/net/igmp6 list them, sorted by ifindex; `add`/`del`
// of a link-layer address through SIOCADDMULTI / SIOCDELMULTI, whose errors print as perror("ioctl").
import type { MaddrEntry } from '../rtnl.js';
import { CmdFail, type Ctx } from './context.js';
import { IpExit, strerror } from './errors.js';
import type { Json } from './json.js';
import { checkIfname, duparg, duparg2, incomplete, matches, parseIPv4, parseLladdr } from './parse.js';

const USAGE = 'Usage: ip maddr [ add | del ] MULTIADDR dev STRING\n       ip maddr show [ dev STRING ]\n';

export function doMaddr(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return maddrList(ctx, []);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'add')) return maddrModify(ctx, rest, true);
  if (matches(cmd, 'delete')) return maddrModify(ctx, rest, false);
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return maddrList(ctx, rest);
  if (matches(cmd, 'help')) throw new IpExit(255, USAGE);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip maddr help".\n`);
}

/** multiaddr_list(): every word not "dev" or "help" names the device (no check that it exists) */
function maddrList(ctx: Ctx, argv: string[]): number {
  let dev: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    let w = argv[i];
    if (w === 'dev') {
      if (++i >= argv.length) incomplete();
      w = argv[i];
    } else if (matches(w, 'help')) throw new IpExit(255, USAGE);
    if (dev !== undefined) duparg2('dev', w);
    dev = w;
  }
  // -4 reads only /proc/net/igmp
  const all = ctx.rtnl.maddrs?.() ?? [];
  const list = all.filter((m) => (dev === undefined || m.name === dev) && (ctx.opt.family === 'unspec' || m.family === 'inet'));
  if (ctx.opt.json) return printJson(ctx, list);
  let cur = 0;
  for (const m of list) {
    if (ctx.opt.oneline || m.ifindex !== cur) {
      cur = m.ifindex;
      ctx.out(`${m.ifindex}:\t${m.name}${ctx.opt.oneline ? '\\' : '\n'}`);
    }
    ctx.out(`\t${entryText(ctx, m)}\n`);
  }
  return 0;
}

/** print_maddr() */
function entryText(ctx: Ctx, m: MaddrEntry): string {
  let s = m.family === 'link' ? `link  ${ctx.paint('mac', m.addr)}` : `${m.family.padEnd(5)} ${ctx.paint(m.family, m.addr)}`;
  if (m.users !== 1) s += ` users ${m.users}`;
  if (m.static) s += ' static';
  return s;
}

/** print_mlist() with -json: an object per device (per entry with -o) holding its "maddr" array */
function printJson(ctx: Ctx, list: MaddrEntry[]): number {
  const out: Json[] = [];
  let cur = 0;
  let arr: Json[] = [];
  for (const m of list) {
    if (ctx.opt.oneline || m.ifindex !== cur) {
      cur = m.ifindex;
      arr = [];
      out.push({ ifindex: m.ifindex, ifname: m.name, maddr: arr });
    }
    const o: { [k: string]: Json } = m.family === 'link' ? { link: m.addr } : { family: m.family, address: m.addr };
    if (m.users !== 1) o.users = m.users;
    if (m.static) o.features = 'static';
    arr.push(o);
  }
  ctx.jsonOut(out);
  return 0;
}

/** ll_addr_a2n() into sa_data (14 bytes; a dotted IPv4 address gives its 4), which must hold an Ethernet address */
function llAddr(arg: string): Uint8Array {
  let b: Uint8Array;
  if (arg.includes('.')) {
    const a = parseIPv4(arg);
    if (a === undefined) throw new IpExit(1, `"${arg}" is invalid lladdr.\n`);
    b = Uint8Array.of(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
  } else {
    b = parseLladdr(arg);
    // at sa_data's end the loop stops, one past it
    if (b.length > 14) b = b.subarray(0, 15);
  }
  if (b.length !== 6) throw new IpExit(1, `Error: Invalid address length ${b.length} - must be 6 bytes\n`);
  return b;
}

/** multiaddr_modify() */
function maddrModify(ctx: Ctx, argv: string[], add: boolean): number {
  let dev: string | undefined;
  let addr: Uint8Array | undefined;
  for (let i = 0; i < argv.length; i++) {
    let w = argv[i];
    if (w === 'dev') {
      if (++i >= argv.length) incomplete();
      w = argv[i];
      if (dev !== undefined) duparg('dev', w);
      checkIfname(w, '"dev" not a valid ifname');
      dev = w;
      continue;
    }
    if (matches(w, 'address')) {
      if (++i >= argv.length) incomplete();
      w = argv[i];
    }
    if (matches(w, 'help')) throw new IpExit(255, USAGE);
    // iproute2 tests the first byte of what it holds: an address beginning with 00 can be given again
    if (addr !== undefined && addr[0] !== 0) duparg('address', w);
    addr = llAddr(w);
  }
  if (dev === undefined) throw new IpExit(255, 'Not enough information: "dev" is required.\n');
  const l = ctx.linkByName(dev);
  const r = l ? ctx.rtnl.maddrModify?.(l.ifindex, addr ?? new Uint8Array(6), add) ?? { ok: false as const, errno: 95 } : { ok: false as const, errno: 19 };
  if (!r.ok) throw new CmdFail(1, `ioctl: ${strerror(r.errno)}\n`);
  ctx.invalidate();
  return 0;
}
