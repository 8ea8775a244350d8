// `ip netconf` (ip/ipnetconf.c of iproute2 6.1): each device's IPv4 configuration as RTM_GETNETCONF
// reports it (inet_netconf_fill_devconf, NETCONFA_ALL), then "all" and "default". netpath is a kernel
// without IPv6, so there are no inet6 lines. iproute2 6.1 prints text even with -j.
import { CmdFail, type Ctx } from './context.js';
import { IpExit } from './errors.js';
import { matches } from './parse.js';

const USAGE = 'Usage: ip netconf show [ dev STRING ]\n';
const RP_FILTER = ['off', 'strict', 'loose'];

export function doNetconf(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return netconfShow(ctx, []);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return netconfShow(ctx, rest);
  if (matches(cmd, 'help')) throw new IpExit(255, USAGE);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip netconf help".\n`);
}

/** do_show(): `dev NAME` filters; any other word is passed over, as iproute2 does */
function netconfShow(ctx: Ctx, argv: string[]): number {
  let dev: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== 'dev') continue;
    if (++i >= argv.length) throw new IpExit(255, 'Command line is not complete. Try option "help"\n');
    dev = argv[i];
    if (!ctx.linkByName(dev)) throw new CmdFail(1, `Device "${dev}" does not exist.\n`);
  }
  if (ctx.opt.family !== 'unspec' && ctx.opt.family !== 'inet') return 0;
  // devices without IPv4 state (no in_device) have no inet netconf
  const names = dev !== undefined ? [dev] : [...ctx.links().map((l) => l.name), 'all', 'default'];
  for (const name of names) {
    const line = netconfLine(ctx, name);
    if (line !== undefined) ctx.out(line);
  }
  return 0;
}

/** print_netconf() of one AF_INET devconf, or undefined when it has none */
function netconfLine(ctx: Ctx, name: string): string | undefined {
  const conf = (key: string): number | undefined => {
    const r = ctx.rtnl.sysctl(`net.ipv4.conf.${name.replace(/\./g, '/')}.${key}`);
    return r.ok ? Number(r.value) : undefined;
  };
  const forwarding = conf('forwarding');
  if (forwarding === undefined) return undefined;
  const onoff = (v: number | undefined) => (v ? 'on' : 'off');
  const rp = conf('rp_filter') ?? 0;
  return `inet ${ctx.paint('ifname', name + ' ')}forwarding ${onoff(forwarding)} rp_filter ${RP_FILTER[rp] ?? String(rp)} mc_forwarding off ` +
    `proxy_neigh ${onoff(conf('proxy_arp'))} ignore_routes_with_linkdown ${onoff(conf('ignore_routes_with_linkdown'))} \n`;
}
