// `ip tuntap` (ip/iptuntap.c of iproute2 6.1): add and del go through the tun
// character device (open, TUNSETIFF, TUNSETPERSIST, close), show lists the
// devices of kind tun with the flags their tun_flags attribute holds.
import {
  IFF_MULTI_QUEUE, IFF_NO_PI, IFF_ONE_QUEUE, IFF_PERSIST, IFF_TAP, IFF_TUN, IFF_TUN_EXCL, IFF_VNET_HDR,
} from '../rtnl.js';
import { CmdFail, type Ctx } from './context.js';
import { IpExit, strerror } from './errors.js';
import { checkIfname } from './parse.js';
import { Args, duparg2, invarg, matches } from './parse.js';

export const TUNTAP_USAGE =
  'Usage: ip tuntap { add | del | show | list | lst | help } [ dev PHYS_DEV ]\n' +
  '       [ mode { tun | tap } ] [ user USER ] [ group GROUP ]\n' +
  '       [ one_queue ] [ pi ] [ vnet_hdr ] [ multi_queue ] [ name NAME ]\n' +
  '\n' +
  'Where: USER  := { STRING | NUMBER }\n' +
  '       GROUP := { STRING | NUMBER }\n';

export function doTuntap(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return tuntapShow(ctx);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'add')) return tuntapModify(ctx, rest, true);
  if (matches(cmd, 'delete')) return tuntapModify(ctx, rest, false);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return tuntapShow(ctx);
  if (matches(cmd, 'help')) throw new IpExit(255, TUNTAP_USAGE);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip tuntap help".\n`);
}

/** parse_args(): the ifreq's name and flags (IFF_NO_PI unless `pi`) */
function parseTuntapArgs(argv: string[], add: boolean): { name: string; flags: number } {
  const a = new Args(argv);
  let name = '';
  let flags = IFF_NO_PI;
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (matches(w, 'mode')) {
      const m = a.next();
      const mode = matches(m, 'tun') ? IFF_TUN : matches(m, 'tap') ? IFF_TAP : 0;
      if (!mode) throw new IpExit(255, `Unknown tunnel mode "${m}"\n`);
      if (flags & (mode === IFF_TUN ? IFF_TAP : IFF_TUN)) throw new IpExit(255, 'You managed to ask for more than one tunnel mode.\n');
      flags |= mode;
    } else if (add && (matches(w, 'user') || matches(w, 'group'))) {
      a.next();
      // there are no users in the box: TUNSETOWNER/TUNSETGROUP are not modelled
      throw new CmdFail(1, `ip tuntap: "${w}" (device ownership) is not supported by netpath\n`);
    } else if (matches(w, 'pi')) flags &= ~IFF_NO_PI;
    else if (matches(w, 'one_queue')) flags |= IFF_ONE_QUEUE;
    else if (matches(w, 'vnet_hdr')) flags |= IFF_VNET_HDR;
    else if (matches(w, 'multi_queue')) flags |= IFF_MULTI_QUEUE;
    else if (matches(w, 'dev')) {
      const v = a.next();
      checkIfname(v, '"dev" not a valid ifname');
      name = v;
    } else {
      let v = w;
      if (matches(w, 'name')) v = a.next();
      else if (matches(w, 'help')) throw new IpExit(255, TUNTAP_USAGE);
      if (name) duparg2('name', v);
      checkIfname(v, '"name" not a valid ifname');
      name = v;
    }
  }
  if (!(flags & (IFF_TUN | IFF_TAP))) throw new CmdFail(1, 'You failed to specify a tunnel mode\n');
  return { name, flags };
}

/** tap_add_ioctl() / tap_del_ioctl(): TUNSETIFF (exclusive for add), TUNSETPERSIST on/off, close */
function tuntapModify(ctx: Ctx, argv: string[], add: boolean): number {
  const { name, flags } = parseTuntapArgs(argv, add);
  const { tunSetIff, tunSetPersist, tunClose } = ctx.rtnl;
  if (!tunSetIff || !tunSetPersist || !tunClose) throw new CmdFail(1, 'open: No such file or directory\n');
  const r = tunSetIff.call(ctx.rtnl, name, add ? flags | IFF_TUN_EXCL : flags);
  ctx.invalidate();
  if (!r.ok) throw new CmdFail(1, `ioctl(TUNSETIFF): ${strerror(r.errno)}\n`);
  const p = tunSetPersist.call(ctx.rtnl, r.value, add);
  tunClose.call(ctx.rtnl, r.value);
  if (!p.ok) throw new CmdFail(1, `ioctl(TUNSETPERSIST): ${strerror(p.errno)}\n`);
  return 0;
}

/** print_flags() of iproute2 6.1 */
export function tunFlagNames(flags: number): string[] {
  const n: string[] = [];
  if (flags & IFF_TUN) n.push('tun');
  if (flags & IFF_TAP) n.push('tap');
  if (!(flags & IFF_NO_PI)) n.push('pi');
  if (flags & IFF_ONE_QUEUE) n.push('one_queue');
  if (flags & IFF_MULTI_QUEUE) n.push('multi_queue');
  if (flags & IFF_VNET_HDR) n.push('vnet_hdr');
  if (flags & IFF_PERSIST) n.push('persist');
  // IFF_NOFILTER shares its bit with IFF_NO_PI
  if (!(flags & IFF_NO_PI)) n.push('filter');
  return n;
}

/** do_show(): the devices of kind tun, in dump order */
function tuntapShow(ctx: Ctx): number {
  const tuns = ctx.links().filter((l) => l.tun);
  if (ctx.opt.json) {
    ctx.jsonOut(tuns.map((l) => ({ ifname: l.name, flags: tunFlagNames(l.tun!.flags) })));
    return 0;
  }
  for (const l of tuns) {
    // print_tuntap(): the name and its colon are the coloured span ("%s:")
    let s = `${ctx.paint('ifname', l.name + ':')} ${tunFlagNames(l.tun!.flags).join(' ')}\n`;
    // the box's tun files belong to no process of this machine
    if (ctx.opt.details) s += '\tAttached to processes:\n';
    ctx.out(s);
  }
  return 0;
}
