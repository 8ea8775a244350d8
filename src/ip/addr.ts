// `ip address`: add/change/replace/del/flush/show (ip/ipaddress.c).
import {
  IFA_F_DEPRECATED, IFA_F_PERMANENT, IFA_F_SECONDARY, IFF_UP, INFINITY_LIFE_TIME, RT_SCOPE_HOST, RT_SCOPE_NOWHERE,
  type AddrInfo, type AddrReq, type LinkInfo,
} from '../rtnl.js';
import { CmdFail, type Ctx } from './context.js';
import { IpExit } from './errors.js';
import type { Json } from './json.js';
import {
  linkBriefJson, linkBriefText, linkDumped, type LinkFilter, linkFilterWord, linkHeaderJson, linkHeaderText, linkShown, linkStatsJson,
  linkStatsText,
} from './link.js';
import { parseUint, scopeId, scopeName } from './names.js';
import { Args, duparg, duparg2, formatIPv4, getAddr, getPrefix, invarg, maskOf, matches, type Prefix } from './parse.js';

export function doAddr(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return addrList(ctx, [], false);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'add')) return addrModify(ctx, rest, 'add');
  if (matches(cmd, 'change') || cmd === 'chg') return addrModify(ctx, rest, 'change');
  if (matches(cmd, 'replace')) return addrModify(ctx, rest, 'replace');
  if (matches(cmd, 'delete')) return addrModify(ctx, rest, 'del');
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return addrList(ctx, rest, false);
  if (matches(cmd, 'flush')) return addrList(ctx, rest, true);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip address help".\n`);
}

// ifa_flag_names of print_ifa_flags, by bit; "permanent" prints inverted as "dynamic"
const IFA_FLAG_NAMES = ['secondary', 'nodad', 'optimistic', 'dadfailed', 'home', 'deprecated',
  'tentative', 'permanent', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'stable-privacy'];

function flagWords(flags: number): string[] {
  const out: string[] = [];
  IFA_FLAG_NAMES.forEach((name, i) => {
    const bit = 1 << i;
    if (bit === IFA_F_PERMANENT) { if (!(flags & bit)) out.push('dynamic'); } else if (flags & bit) out.push(name);
  });
  return out;
}

function hasPeer(a: AddrInfo): boolean { return a.address !== a.local; }

/** print_addrinfo(): the local address and the peer's are coloured alone, the broadcast with its blank ("brd %s ") */
function addrText(ctx: Ctx, a: AddrInfo): string {
  let s = `    inet ${ctx.paint('inet', formatIPv4(a.local))}`;
  s += hasPeer(a) ? ` peer ${ctx.paint('inet', formatIPv4(a.address))}/${a.prefixlen}` : `/${a.prefixlen}`;
  if (a.metric) s += ` metric ${a.metric}`;
  s += a.broadcast !== undefined ? ` brd ${ctx.paint('inet', formatIPv4(a.broadcast) + ' ')}` : ' ';
  s += `scope ${scopeName(a.scope)} `;
  for (const w of flagWords(a.flags)) s += w + ' ';
  s += a.label;
  const lft = (v: number | undefined) => v === undefined ? 'forever' : `${v}sec`;
  return s + `\n       valid_lft ${lft(validLft(a))} preferred_lft ${lft(preferredLft(a))}\n`;
}

/**
 * print_addrinfo()'s IFA_CACHEINFO: the seconds left, undefined for forever; the preferred one of a
 * deprecated address is printed signed (print_int)
 */
function validLft(a: AddrInfo): number | undefined { return a.validLft === INFINITY_LIFE_TIME ? undefined : a.validLft; }
function preferredLft(a: AddrInfo): number | undefined {
  if (a.preferredLft === INFINITY_LIFE_TIME) return undefined;
  return a.flags & IFA_F_DEPRECATED ? a.preferredLft | 0 : a.preferredLft;
}

export function addrJson(a: AddrInfo): Record<string, Json> {
  const o: Record<string, Json> = { family: 'inet', local: formatIPv4(a.local) };
  if (hasPeer(a)) o.address = formatIPv4(a.address);
  o.prefixlen = a.prefixlen;
  if (a.metric) o.metric = a.metric;
  if (a.broadcast !== undefined) o.broadcast = formatIPv4(a.broadcast);
  o.scope = scopeName(a.scope);
  for (const w of flagWords(a.flags)) o[w] = true;
  o.label = a.label;
  o.valid_life_time = validLft(a) ?? INFINITY_LIFE_TIME;
  o.preferred_life_time = preferredLft(a) ?? INFINITY_LIFE_TIME;
  return o;
}

function addrModify(ctx: Ctx, argv: string[], cmd: 'add' | 'change' | 'replace' | 'del'): number {
  const a = new Args(argv);
  let family = ctx.opt.family;
  let local: Prefix | undefined, localArg = '', peer: Prefix | undefined;
  let brd: number | '+' | '-' | undefined, scope: number | undefined, dev: string | undefined;
  let label: string | undefined, metric: number | undefined, noprefixroute = false, autojoin = false;
  let validLft: number | undefined, preferredLft: number | undefined, anycast = false;
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'peer' || w === 'remote') {
      const v = a.next();
      if (peer) duparg('peer', v);
      peer = getPrefix(v, family);
      family = 'inet';
    } else if (matches(w, 'broadcast') || w === 'brd') {
      const v = a.next();
      if (brd !== undefined) duparg('broadcast', v);
      brd = v === '+' || v === '-' ? v : getAddr(v, family);
    } else if (w === 'scope') {
      const v = a.next();
      const s = scopeId(v);
      if (s === undefined) invarg('invalid scope value.', v);
      scope = s;
    } else if (w === 'dev') dev = a.next();
    else if (w === 'label') label = a.next();
    else if (matches(w, 'metric') || matches(w, 'priority') || matches(w, 'preference')) {
      const v = a.next();
      const m = parseUint(v, 32);
      if (m === undefined) invarg('"metric" value is invalid\n', v);
      metric = m;
    } else if (w === 'noprefixroute') noprefixroute = true;
    else if (w === 'autojoin') autojoin = true;
    else if (matches(w, 'valid_lft') || matches(w, 'preferred_lft')) {
      // set_lifetime(): forever or a u32
      const valid = matches(w, 'valid_lft');
      const name = valid ? 'valid_lft' : 'preferred_lft';
      if ((valid ? validLft : preferredLft) !== undefined) duparg(name, w);
      const v = a.next();
      const t = v === 'forever' ? 0xffffffff : /^[0-9]/.test(v) ? parseUint(v, 32) : undefined;
      if (t === undefined) invarg(`${name} value`, v);
      if (valid) validLft = t; else preferredLft = t;
    } else if (w === 'anycast') {
      // IFA_ANYCAST: IPv4 takes it and keeps nothing of it
      const v = a.next();
      if (anycast) duparg('anycast', v);
      getAddr(v, family);
      family = 'inet';
      anycast = true;
    } else if (w === 'home' || w === 'optimistic' || w === 'nodad' || w === 'mngtmpaddr') {
      ctx.err(`Warning: ${w} option can be set only for IPv6 addresses\n`);
    } else {
      let v = w;
      if (w === 'local') v = a.next();
      if (local) duparg2('local', v);
      localArg = v;
      local = getPrefix(v, family);
      family = 'inet';
    }
  }
  if (dev === undefined) throw new CmdFail(1, 'Not enough information: "dev" argument is required.\n');
  // ipaddr_modify(), once the device is known
  const checkLifetimes = () => {
    if (validLft === undefined && preferredLft === undefined) return;
    const valid = validLft ?? INFINITY_LIFE_TIME, preferred = preferredLft ?? INFINITY_LIFE_TIME;
    if (!valid) throw new CmdFail(1, 'valid_lft is zero\n');
    if (valid < preferred) throw new CmdFail(1, 'preferred_lft is greater than valid_lft\n');
  };
  // ipaddr_modify(), after the lifetimes: ipaddr_is_multicast() of the local address
  const checkAutojoin = () => {
    if (autojoin && (!local || (local.addr >>> 28) !== 14)) throw new CmdFail(1, 'autojoin needs multicast address\n');
  };
  if (!local) {
    // iproute2 sends the request without IFA_LOCAL, in the family asked for: none (AF_UNSPEC)
    // has no RTM_NEWADDR/RTM_DELADDR handler; IPv4 refuses an add and deletes the first
    // address that matches the rest of a delete
    const ifindex = ctx.ifindexOrFail(dev);
    checkLifetimes();
    checkAutojoin();
    if (family !== 'inet') return ctx.check({ ok: false, errno: 95 /* EOPNOTSUPP */ }) ? 0 : 2;
    if (cmd !== 'del') {
      ctx.err('Error: ipv4: Local address is not supplied.\n');
      return 2;
    }
    const r = ctx.rtnl.addrDel({ ifindex, local: 0, noLocal: true, prefixlen: 0, ...(label !== undefined ? { label } : {}) });
    if (r.ok) ctx.invalidate();
    return ctx.check(r) ? 0 : 2;
  }
  const req: AddrReq = { ifindex: 0, local: local.addr, prefixlen: peer ? peer.len : local.len };
  if (peer) req.address = peer.addr;
  else if (cmd === 'del' && !local.lenGiven) {
    ctx.err('Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
      `         Explicitly specify the prefix length (${localArg}/32) to avoid this warning.\n` +
      '         This special behaviour is likely to disappear in further releases,\n' +
      '         fix your scripts!\n');
  } else req.address = local.addr;
  if (typeof brd === 'number') req.broadcast = brd;
  else if (brd !== undefined && cmd !== 'del') {
    const base = peer ?? local;
    if (base.len <= 30) {
      const m = maskOf(base.len);
      req.broadcast = (brd === '+' ? (base.addr | ~m) : (base.addr & m)) >>> 0;
    }
  }
  if (scope !== undefined) req.scope = scope;
  else if (cmd !== 'del') req.scope = (local.addr >>> 24) === 127 ? RT_SCOPE_HOST : 0;
  if (label !== undefined) req.label = label;
  if (metric !== undefined) req.metric = metric;
  if (noprefixroute) req.noprefixroute = true;
  if (autojoin) req.autojoin = true;
  // IFA_CACHEINFO when either lifetime was given, the other forever
  if (cmd !== 'del' && (validLft !== undefined || preferredLft !== undefined)) {
    req.validLft = validLft ?? INFINITY_LIFE_TIME;
    req.preferredLft = preferredLft ?? INFINITY_LIFE_TIME;
  }
  req.ifindex = ctx.ifindexOrFail(dev);
  checkLifetimes();
  checkAutojoin();
  const r = cmd === 'del' ? ctx.rtnl.addrDel(req) : ctx.rtnl.addrAdd(req, cmd !== 'add');
  return ctx.check(r) ? 0 : 2;
}

interface AddrFilter {
  dev?: LinkInfo; up: boolean; scope?: number; label?: string; to?: Prefix;
  flags: number; flagmask: number;
}

/**
 * get_filter(): a flag's name sets it in the filter, with `-` clears it; `dynamic` is `-permanent`,
 * `primary` `-secondary`, `temporary` is the name of `secondary`; false when w is none of these
 */
function flagFilter(f: AddrFilter, w: string): boolean {
  let inv = w.startsWith('-');
  let name = inv ? w.slice(1) : w;
  if (name === 'dynamic') { inv = !inv; name = 'permanent'; } else if (name === 'primary') { inv = !inv; name = 'secondary'; }
  else if (name === 'temporary') name = 'secondary';
  const i = IFA_FLAG_NAMES.indexOf(name);
  if (i < 0) return false;
  f.flags = inv ? f.flags & ~(1 << i) : f.flags | (1 << i);
  f.flagmask |= 1 << i;
  return true;
}

function addrMatches(f: AddrFilter, a: AddrInfo): boolean {
  if (f.scope !== undefined && a.scope !== f.scope) return false;
  if ((f.flags ^ a.flags) & f.flagmask) return false;
  if (f.label !== undefined && !fnmatch(f.label, a.label)) return false;
  if (f.to && f.to.len && ((a.local ^ f.to.addr) & maskOf(f.to.len)) !== 0) return false;
  return true;
}

/** fnmatch(3) without flags: * ? and [...] */
function fnmatch(pattern: string, s: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = pattern.indexOf(']', i + 2);
      if (j < 0) { re += '\\['; continue; }
      let body = pattern.slice(i + 1, j);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = j;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(re + '$').test(s);
}

function addrList(ctx: Ctx, argv: string[], flush: boolean): number {
  if (flush && argv.length === 0) throw new CmdFail(1, 'Flush requires arguments.\n');
  const f: AddrFilter = { up: false, flags: 0, flagmask: 0 };
  const lf: LinkFilter = { up: false };
  const a = new Args(argv);
  let devName: string | undefined;
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'to') f.to = getPrefix(a.next(), ctx.opt.family);
    else if (w === 'scope') {
      const v = a.next();
      const s = scopeId(v);
      if (s === undefined && v !== 'all') invarg('invalid "scope"\n', v);
      f.scope = s === undefined || v === 'all' ? undefined : s;
      if (v === 'all') f.scope = undefined;
    } else if (linkFilterWord(ctx, a, lf)) f.up = lf.up; // up, group, master, vrf, type
    else if (flagFilter(f, w)) continue;
    else if (w === 'label') f.label = a.next();
    else {
      let v = w;
      if (w === 'dev') v = a.next();
      if (devName !== undefined) duparg2('dev', v);
      devName = v;
    }
  }
  if (devName !== undefined) {
    f.dev = ctx.linkByName(devName);
    if (!f.dev) throw new CmdFail(1, `Device "${devName}" does not exist.\n`);
  }
  if (flush) return addrFlush(ctx, f);

  const addrs = ctx.rtnl.addrs();
  // without `dev`, the dump, which the kernel filters by master and kind (iplink_filter_req); with it,
  // that one device as it is
  let links = f.dev ? [f.dev] : ctx.links().filter((l) => linkDumped(l, lf));
  // a `to` prefix makes the dump IPv4-only
  const inetOnly = ctx.opt.family === 'inet' || f.to !== undefined;
  const filtering = f.scope !== undefined || f.flagmask !== 0 || f.label !== undefined || inetOnly;
  // ipaddr_filter(): drop links whose addresses all fail the filter; links
  // without any address stay unless a family was asked for
  links = links.filter((l) => {
    const mine = addrs.filter((x) => x.ifindex === l.ifindex);
    if (!mine.length) return !inetOnly;
    return !filtering || mine.some((x) => addrMatches(f, x));
  });
  // print_linkinfo() for each device (not with -o, no_link): -1 refused by up, group, master or kind,
  // which prints nothing but leaves an empty JSON object, `{}`; 0 under a label filter, where the
  // device part goes and the addresses follow
  const shown = (l: LinkInfo) => linkShown(l, lf, f.label !== undefined);
  // print_selected_addrinfo() skips every address of a device that is down under `up`
  const upRefused = (l: LinkInfo) => f.up && !(l.flags & IFF_UP);
  const linkLayer = !inetOnly;
  // print_selected_addrinfo() opens a JSON object for every address of the link before
  // print_addrinfo() applies the scope, flag, label and prefix filters: an address that
  // fails them is an empty object `{}` in JSON (and nothing in text)
  const allOf = (l: LinkInfo) => (upRefused(l) ? [] : addrs.filter((x) => x.ifindex === l.ifindex));
  const mineOf = (l: LinkInfo) => allOf(l).filter((x) => addrMatches(f, x));
  if (ctx.opt.brief) {
    // print_selected_addrinfo() in brief: "local[ peer address]/len[ metric N]" after the device's name and state
    if (ctx.opt.json) {
      ctx.jsonOut(links.map((l) => {
        const r = shown(l);
        if (r < 0) return {};
        return Object.assign(r === 0 ? {} : linkBriefJson(ctx, l), {
          addr_info: allOf(l).map((x) => !addrMatches(f, x) ? {} : Object.assign({ local: formatIPv4(x.local) } as Record<string, Json>,
            hasPeer(x) ? { address: formatIPv4(x.address) } : {}, { prefixlen: x.prefixlen }, x.metric ? { metric: x.metric } : {})),
        });
      }));
    } else {
      for (const l of links) {
        const r = shown(l);
        if (r < 0) continue;
        // with a label filter the device part goes, as in the full format: a device without addresses leaves an empty line
        ctx.out((r === 0 ? '' : linkBriefText(ctx, l)) + mineOf(l).map((x) =>
          `${ctx.paint('inet', formatIPv4(x.local))}${hasPeer(x) ? ` peer ${ctx.paint('inet', formatIPv4(x.address))}` : ''}/${x.prefixlen} ` +
          (x.metric ? `metric ${x.metric} ` : '')).join('') + '\n');
      }
    }
    return 0;
  }
  if (ctx.opt.json) {
    ctx.jsonOut(links.map((l) => {
      // with -o, print_addrinfo() names the device in each address (index, dev)
      if (ctx.opt.oneline) {
        return { addr_info: allOf(l).map((x) => !addrMatches(f, x) ? {} : Object.assign({ index: l.ifindex, dev: l.name } as Record<string, Json>, addrJson(x))) };
      }
      const r = shown(l);
      if (r < 0) return {};
      const o = r === 0 ? {} : linkHeaderJson(ctx, l, false, linkLayer);
      o.addr_info = allOf(l).map((x) => !addrMatches(f, x) ? {} : addrJson(x));
      if (r > 0 && ctx.opt.stats) o.stats64 = linkStatsJson(l, ctx.opt.stats);
      return o;
    }));
    return 0;
  }
  for (const l of links) {
    if (ctx.opt.oneline) {
      for (const x of mineOf(l)) ctx.record(`${l.ifindex}: ${l.name}` + addrText(ctx, x));
      continue;
    }
    const r = shown(l);
    if (r < 0) continue;
    let s = r === 0 ? '' : linkHeaderText(ctx, l, false, linkLayer);
    for (const x of mineOf(l)) s += addrText(ctx, x);
    if (r > 0 && ctx.opt.stats) s += linkStatsText(l, ctx.opt.stats);
    ctx.out(s);
  }
  return 0;
}

function addrFlush(ctx: Ctx, f: AddrFilter): number {
  const MAX_ROUNDS = 10;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    // ipaddr_flush(): print_addrinfo() over the address dump, which has no `up` (nor group, master, type) test
    const victims = ctx.rtnl.addrs().filter((x) => (!f.dev || x.ifindex === f.dev.ifindex) && addrMatches(f, x));
    if (!victims.length) {
      if (ctx.opt.stats) {
        if (round === 1) ctx.out('Nothing to flush.\n');
        else ctx.out(`*** Flush is complete after ${round - 1} round${round - 1 > 1 ? 's' : ''} ***\n`);
      }
      return 0;
    }
    for (const x of victims) {
      // deleting a primary takes its secondaries along; the later deletes
      // of those fail and iproute2 does not report it
      ctx.rtnl.addrDel({ ifindex: x.ifindex, local: x.local, address: x.address, prefixlen: x.prefixlen, scope: x.scope, label: x.label });
    }
    ctx.invalidate();
    if (ctx.opt.stats) ctx.out(`\n*** Round ${round}, deleting ${victims.length} addresses ***\n`);
  }
  ctx.out(`*** Flush remains incomplete after ${MAX_ROUNDS} rounds. ***\n`);
  return 0;
}

export { RT_SCOPE_NOWHERE };
