// `ip nexthop`: add/replace/del/show/flush/get and `bucket list|get` (ip/ipnexthop.c of iproute2 6.1), IPv4 only.
import type { NexthopBucketMsg, NexthopMsg, NexthopReq } from '../rtnl.js';
import type { Ctx } from './context.js';
import { IpExit } from './errors.js';
import { JsonNumber, type Json } from './json.js';
import { parseUnsigned, protoId, protoName, scopeName } from './names.js';
import { Args, formatIPv4, getAddr, invarg, matches } from './parse.js';
import { rtFlagNames } from './route.js';
import { NEXTHOP_USAGE } from './usage.js';

const usage = (): never => { throw new IpExit(255, NEXTHOP_USAGE); };

export function doNexthop(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return nhList(ctx, [], false);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'add')) return nhModify(ctx, rest, 'add');
  if (matches(cmd, 'replace')) return nhModify(ctx, rest, 'replace');
  if (matches(cmd, 'delete')) return nhModify(ctx, rest, 'del');
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return nhList(ctx, rest, false);
  if (matches(cmd, 'get')) return nhGet(ctx, rest);
  if (matches(cmd, 'flush')) return nhList(ctx, rest, true);
  if (matches(cmd, 'bucket')) return doBucket(ctx, rest);
  if (matches(cmd, 'help')) usage();
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip nexthop help".\n`);
}

/** ll_name_to_index() of a `dev` argument, refused as iproute2 refuses a name it does not know */
function devIndex(ctx: Ctx, name: string): number {
  const l = ctx.linkByName(name);
  if (!l) invarg('Device does not exist\n', name);
  return l!.ifindex;
}

/** ipnh_parse_id() */
function parseId(v: string): number {
  const id = parseUnsigned(v);
  if (id === undefined) invarg('invalid id value', v);
  return id;
}

/** add_nh_group_attr(): "id[,weight]/..."; a bad entry names the text up to the first separator, as C cut it */
function parseGroup(v: string): { id: number; weight: number }[] {
  const shown = v.split('/')[0].split(',')[0];
  const bad = (): never => invarg('"group" value is invalid\n', shown);
  if (v === '') bad();
  const out: { id: number; weight: number }[] = [];
  for (const part of v.split('/')) {
    const comma = part.indexOf(',');
    const id = parseUnsigned(comma >= 0 ? part.slice(0, comma) : part);
    if (id === undefined) bad();
    let weight = 1;
    if (comma >= 0) {
      const ws = part.slice(comma + 1);
      const w = parseUnsigned(ws);
      if (w === undefined || w === 0 || w > 256) invarg('"weight" is invalid\n', ws);
      weight = w;
    }
    out.push({ id: id!, weight });
  }
  return out;
}

/** get_u16() */
function parseU16(v: string): number | undefined {
  const n = parseUnsigned(v);
  return n !== undefined && n <= 0xffff ? n : undefined;
}

/** a timer in seconds, sent in clock_t (parse_nh_group_type_res(): below UINT32_MAX / 100) */
function parseTimer(v: string, what: string): number {
  const n = parseUnsigned(v);
  if (n === undefined || n >= Math.floor(0xffffffff / 100)) invarg(`invalid ${what} timer value`, v);
  return n! * 100;
}

/**
 * parse_nh_group_type() and parse_nh_group_type_res(): NHA_GROUP_TYPE (the last one given counts), and for
 * `resilient` followed by anything an NHA_RES_GROUP nest (a new one replaces an earlier one) with the
 * arguments it knows; the first other word is left to ipnh_modify().
 */
function parseGroupType(a: Args, req: NexthopReq): void {
  const v = a.next();
  if (v !== 'mpath' && v !== 'resilient') invarg('"type" value is invalid\n', v);
  if (v === 'resilient' && a.peek() !== undefined) {
    const res: NonNullable<NexthopReq['resilient']> = {};
    req.resilient = res;
    for (let k = a.peek(); k === 'buckets' || k === 'idle_timer' || k === 'unbalanced_timer'; k = a.peek()) {
      a.skip();
      const x = a.next();
      if (k === 'buckets') {
        const b = parseU16(x);
        if (b === undefined) invarg('invalid buckets value', x);
        res.buckets = b;
      } else if (k === 'idle_timer') res.idleTimer = parseTimer(x, 'idle');
      else res.unbalancedTimer = parseTimer(x, 'unbalanced');
    }
  }
  req.groupType = v as 'mpath' | 'resilient';
}

/** ipnh_modify() */
function nhModify(ctx: Ctx, argv: string[], cmd: 'add' | 'replace' | 'del'): number {
  const req: NexthopReq = { id: 0, family: ctx.opt.family === 'inet' ? 2 : 0 };
  let idGiven = false, extra = false;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'id') { req.id = parseId(a.next()); idGiven = true; continue; }
    extra = true;
    if (w === 'dev') {
      req.oif = devIndex(ctx, a.next());
      if (req.family === 0) req.family = 2;
    } else if (w === 'via') {
      let v = a.next();
      if (v === 'inet') v = a.next();
      req.gateway = getAddr(v, ctx.opt.family);
      if (req.family === 0) req.family = 2;
    } else if (w === 'blackhole') {
      req.blackhole = true;
      if (req.family === 0) req.family = 2;
    } else if (w === 'fdb') req.fdb = true;
    else if (w === 'onlink') req.onlink = true;
    else if (w === 'group') req.group = parseGroup(a.next());
    else if (w === 'type') parseGroupType(a, req);
    else if (matches(w, 'protocol')) {
      const v = a.next();
      const p = protoId(v);
      if (p === undefined) invarg('"protocol" value is invalid\n', v);
      req.protocol = p;
    } else if (w === 'encap') {
      ctx.err('Error: Nexthop encapsulation is not supported by netpath.\n');
      return 2;
    } else if (w === 'help') usage();
    else invarg('', w);
  }
  if (cmd === 'del') return ctx.check(ctx.rtnl.nexthopDel(idGiven ? req.id : undefined, extra)) ? 0 : 2;
  const r = ctx.rtnl.nexthopAdd(req, cmd === 'add' ? { create: true } : { create: true, replace: true });
  return ctx.check(r) ? 0 : 2;
}

/** C's printf("%g") of a double: 6 significant digits, trailing zeros dropped, an exponent below 1e-4 or from 1e6 */
export function formatG(x: number): string {
  if (x === 0) return '0';
  const [mant, e] = x.toExponential(5).split('e');
  const exp = Number(e);
  const strip = (t: string) => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (exp < -4 || exp >= 6) return `${strip(mant)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return strip(x.toFixed(5 - exp));
}
/** a clock_t value (1/100 s) as print_tv() prints it after __jiffies_to_tv(): seconds, "%g" */
function clockText(c: number): string {
  const sec = Math.floor(c / 100);
  return formatG(sec + ((c - sec * 100) * 10000) / 1000000);
}

/** print_nexthop() */
export function nhText(ctx: Ctx, m: NexthopMsg): string {
  let s = `id ${m.id} `;
  if (m.group) s += 'group ' + m.group.map((g) => (g.weight !== 1 ? `${g.id},${g.weight}` : `${g.id}`)).join('/') + ' ';
  // print_nh_group_type(): mpath is not printed; print_nh_res_group()
  const r = m.resilient;
  if (r) {
    s += `type resilient buckets ${r.buckets} idle_timer ${clockText(r.idleTimer)} unbalanced_timer ${clockText(r.unbalancedTimer)} `;
    s += `unbalanced_time ${clockText(r.unbalancedTime)} `;
  }
  if (m.gateway !== undefined) s += `via ${ctx.paint('inet', formatIPv4(m.gateway) + ' ')}`;
  if (m.oif) s += `dev ${ctx.paint('ifname', ctx.ifname(m.oif) + ' ')}`;
  if (m.scope !== 0 || ctx.opt.details > 0) s += `scope ${scopeName(m.scope)} `;
  if (m.blackhole) s += 'blackhole ';
  if (m.protocol !== 0 || ctx.opt.details > 0) s += `proto ${protoName(m.protocol)} `;
  for (const n of rtFlagNames(m.flags)) s += n + ' ';
  return s + '\n';
}
export function nhJson(ctx: Ctx, m: NexthopMsg): Json {
  const o: Record<string, Json> = { id: m.id };
  if (m.group) o.group = m.group.map((g) => (g.weight !== 1 ? { id: g.id, weight: g.weight } : { id: g.id }));
  const r = m.resilient;
  if (r) {
    o.type = 'resilient';
    o.resilient_args = {
      buckets: r.buckets, idle_timer: new JsonNumber(clockText(r.idleTimer)),
      unbalanced_timer: new JsonNumber(clockText(r.unbalancedTimer)), unbalanced_time: new JsonNumber(clockText(r.unbalancedTime)),
    };
  }
  if (m.gateway !== undefined) o.gateway = formatIPv4(m.gateway);
  if (m.oif) o.dev = ctx.ifname(m.oif);
  if (m.scope !== 0 || ctx.opt.details > 0) o.scope = scopeName(m.scope);
  if (m.blackhole) o.blackhole = null;
  if (m.protocol !== 0 || ctx.opt.details > 0) o.protocol = protoName(m.protocol);
  o.flags = rtFlagNames(m.flags);
  return o;
}
function print(ctx: Ctx, list: NexthopMsg[]): void {
  if (ctx.opt.json) ctx.jsonOut(list.map((m) => nhJson(ctx, m)));
  else for (const m of list) ctx.record(nhText(ctx, m));
}

/** ipnh_get_id() */
function getId(ctx: Ctx, id: number): number {
  const r = ctx.rtnl.nexthopGet(id);
  if (!ctx.check(r)) return 2;
  if (r.ok) print(ctx, [r.value]);
  return 0;
}

/** ipnh_get() */
function nhGet(ctx: Ctx, argv: string[]): number {
  let id = 0;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    if (a.cur === 'id') id = parseId(a.next());
    else usage();
  }
  if (!id) usage();
  return getId(ctx, id);
}

interface NhFilter { oif?: number; groups?: boolean; proto?: number; master?: number }
/** nh_dump_filtered() in the kernel, and the family and protocol checks of print_nexthop() */
function nhMatches(ctx: Ctx, f: NhFilter, m: NexthopMsg): boolean {
  if (ctx.opt.family === 'inet' && m.group) return false; // a group's nh_family is AF_UNSPEC
  if (f.oif !== undefined && (m.group || m.oif !== f.oif)) return false;
  if (f.groups && !m.group) return false;
  if (f.proto !== undefined && m.protocol !== f.proto) return false;
  // nh_dump_filtered(): with a master, no group, and only a nexthop whose device is enslaved to it
  if (f.master !== undefined && (m.group || ctx.linkByIndex(m.oif ?? 0)?.master !== f.master)) return false;
  return true;
}

/** ipnh_list_flush() */
function nhList(ctx: Ctx, argv: string[], flush: boolean): number {
  const f: NhFilter = {};
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (matches(w, 'dev')) {
      f.oif = devIndex(ctx, a.next());
    } else if (matches(w, 'groups')) f.groups = true;
    else if (matches(w, 'master')) {
      const v = a.next();
      const m = ctx.linkByName(v);
      if (!m) invarg('Device does not exist\n', v);
      f.master = m.ifindex;
    } else if (matches(w, 'vrf')) invarg('Invalid VRF\n', a.next()); // netpath has no VRF devices: name_is_vrf() fails
    else if (w === 'id') return getId(ctx, parseId(a.next()));
    else if (matches(w, 'protocol')) {
      const v = a.next();
      const p = parseUnsigned(v);
      if (p === undefined) invarg('invalid protocol value', v);
      f.proto = p;
    } else if (matches(w, 'fdb')) {
      // NHA_FDB in the dump request: rtm_dump_nexthop() parses it, but nh_dump_filtered() never tests it
    } else if (matches(w, 'help')) usage();
    else invarg('', w);
  }
  if (!flush) {
    print(ctx, ctx.rtnl.nexthops().filter((m) => nhMatches(ctx, f, m)));
    return 0;
  }
  // ipnh_flush(): with no selector, the groups go first, then everything left
  const passes: NhFilter[] = argv.length === 0 ? [{ groups: true }, {}] : [f];
  let flushed = 0;
  for (const p of passes) {
    for (const m of ctx.rtnl.nexthops().filter((x) => nhMatches(ctx, p, x))) {
      if (ctx.rtnl.nexthopDel(m.id, false).ok) flushed++;
    }
  }
  ctx.out(flushed ? `Flushed ${flushed} nexthops\n` : 'Nothing to flush\n');
  return 0;
}

// ---- ip nexthop bucket ----

/** print_nexthop_bucket() */
function bucketText(b: NexthopBucketMsg): string {
  let s = `id ${b.id} index ${b.index} idle_time ${clockText(b.idleTime)} nhid ${b.nhid} `;
  for (const n of rtFlagNames(b.flags)) s += n + ' ';
  return s + '\n';
}
function bucketJson(b: NexthopBucketMsg): Json {
  return { id: b.id, bucket: { index: b.index, idle_time: new JsonNumber(clockText(b.idleTime)), nhid: b.nhid }, flags: rtFlagNames(b.flags) };
}
function printBuckets(ctx: Ctx, list: NexthopBucketMsg[]): void {
  if (ctx.opt.json) ctx.jsonOut(list.map(bucketJson));
  else for (const b of list) ctx.record(bucketText(b));
}

/** do_ipnh_bucket() */
function doBucket(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return bucketList(ctx, []);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'list') || matches(cmd, 'show') || matches(cmd, 'lst')) return bucketList(ctx, rest);
  if (matches(cmd, 'get')) return bucketGet(ctx, rest);
  if (matches(cmd, 'help')) usage();
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip nexthop help".\n`);
}

/** ipnh_bucket_list(); `master` and `vrf` are not modelled (netpath has no VRF) */
function bucketList(ctx: Ctx, argv: string[]): number {
  const f: { id?: number; nhid?: number; oif?: number } = {};
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (matches(w, 'dev')) {
      f.oif = devIndex(ctx, a.next());
    } else if (w === 'id') f.id = parseId(a.next());
    else if (w === 'nhid') f.nhid = parseId(a.next());
    else if (matches(w, 'help')) usage();
    else invarg('', w);
  }
  const r = ctx.rtnl.nexthopBuckets(f);
  if (!r.ok) {
    // the dump fails after new_json_obj() opened its array; an error without a message is not printed
    if (ctx.opt.json) ctx.out('[');
    if (r.msg) ctx.err(`Error: ${r.msg}.\n`);
    ctx.err('Dump terminated\n');
    return 2;
  }
  printBuckets(ctx, r.value);
  return 0;
}

/** ipnh_bucket_get() */
function bucketGet(ctx: Ctx, argv: string[]): number {
  let id = 0;
  let index: number | undefined;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    if (a.cur === 'id') id = parseId(a.next());
    else if (a.cur === 'index') {
      const v = a.next();
      index = parseU16(v);
      if (index === undefined) invarg('invalid bucket index value', v);
    } else usage();
  }
  if (!id || index === undefined) usage();
  const r = ctx.rtnl.nexthopBucketGet(id, index!);
  if (!ctx.check(r)) return 2;
  if (r.ok) printBuckets(ctx, [r.value]);
  return 0;
}
