// Multipath routes in `ip route` (ip/iproute.c of iproute2 6.1): parse_nexthops()
// and parse_one_nh() turn `nexthop via ADDR dev NAME weight N onlink ...` into
// RTA_MULTIPATH; print_rta_multipath() prints a route's nexthops, one
// "\tnexthop" line each (a "nexthops" array with -j).
import type { RouteNexthop } from '../rtnl.js';
import type { Ctx } from './context.js';
import { IpExit } from './errors.js';
import type { Json } from './json.js';
import { parseUint } from './names.js';
import { Args, formatIPv4, getAddr, invarg, type Family } from './parse.js';

const RTNH_F_ONLINK = 4;

/** parse_nexthops(): the words from the first `nexthop` on; a word that belongs to none ends the command */
export function parseNexthops(ctx: Ctx, a: Args, family: Family): RouteNexthop[] {
  const out: RouteNexthop[] = [];
  while (!a.done) {
    if (a.cur !== 'nexthop') throw new IpExit(255, `Error: "nexthop" or end of line is expected instead of "${a.cur}"\n`);
    if (a.rest <= 1) throw new IpExit(255, 'Error: unexpected end of line after "nexthop"\n');
    out.push(parseOneNh(ctx, a, family));
  }
  return out;
}

/** parse_one_nh(): the words after one `nexthop`, up to the first it does not know */
function parseOneNh(ctx: Ctx, a: Args, family: Family): RouteNexthop {
  const nh: RouteNexthop = { oif: 0, flags: 0, weight: 1 };
  for (a.skip(); !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'via') {
      let v = a.next();
      if (v === 'inet') v = a.next();
      nh.gateway = getAddr(v, family);
    } else if (w === 'dev') {
      const name = a.next();
      const l = ctx.linkByName(name);
      if (!l) throw new IpExit(255, `Cannot find device "${name}"\nError: cannot parse nexthop\n`);
      nh.oif = l.ifindex;
    } else if (w === 'weight') {
      const v = a.next();
      const n = parseUint(v, 32);
      if (n === undefined || n === 0 || n > 256) invarg('"weight" is invalid\n', v);
      nh.weight = n;
    } else if (w === 'onlink') nh.flags |= RTNH_F_ONLINK;
    else break;
  }
  return nh;
}

/** print_rta_multipath(), text: after the route's own fields */
export function nexthopsText(ctx: Ctx, nhs: RouteNexthop[], flagNames: (f: number) => string[]): string {
  let s = '';
  for (const nh of nhs) {
    s += '\n\tnexthop ';
    if (nh.gateway !== undefined) s += `via ${ctx.paint('inet', formatIPv4(nh.gateway) + ' ')}`;
    // print_rta_multipath prints the device with print_string: never coloured
    if (nh.oif) s += `dev ${ctx.ifname(nh.oif)} `;
    s += `weight ${nh.weight} `;
    for (const n of flagNames(nh.flags)) s += n + ' ';
  }
  return s;
}

/** print_rta_multipath(), JSON: the "nexthops" array */
export function nexthopsJson(ctx: Ctx, nhs: RouteNexthop[], flagNames: (f: number) => string[]): Json[] {
  return nhs.map((nh) => {
    const o: Record<string, Json> = {};
    if (nh.gateway !== undefined) o.gateway = formatIPv4(nh.gateway);
    if (nh.oif) o.dev = ctx.ifname(nh.oif);
    o.weight = nh.weight;
    o.flags = flagNames(nh.flags);
    return o;
  });
}
