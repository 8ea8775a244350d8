// `ip rule`: add/del/flush/show (ip/iprule.c), IPv4 only.
import {
  FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_TO_TBL, RTN_NAT, RTPROT_KERNEL, RT_TABLE_MAIN, type RuleMsg, type RuleReq,
} from '../rtnl.js';
import { CmdFail, type Ctx } from './context.js';
import { IpExit } from './errors.js';
import type { Json } from './json.js';
import {
  dsfieldId, dsfieldName, groupId, groupName, ipprotoId, ipprotoName, parseInt32, parseUint, protoId,
  protoName, rtnTypeId, rtnTypeName, tableId, tableName,
} from './names.js';
import { Args, checkIfname, formatIPv4, getPrefix, invarg, maskOf, matches, parseIPv4, type Prefix } from './parse.js';
import { RULE_USAGE } from './usage.js';

export function doRule(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return ruleList(ctx, [], false);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'add')) return ruleModify(ctx, rest, 'add');
  if (matches(cmd, 'delete')) return ruleModify(ctx, rest, 'del');
  if (matches(cmd, 'list') || matches(cmd, 'lst') || matches(cmd, 'show')) return ruleList(ctx, rest, false);
  if (matches(cmd, 'flush')) return ruleList(ctx, rest, true);
  if (matches(cmd, 'help')) throw new IpExit(255, RULE_USAGE);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip rule help".\n`);
}

/** sscanf("%hu-%hu"): leading decimal numbers, wrapped to 16 bits like %hu */
function parsePortRange(v: string): [number, number] | undefined {
  const m = /^\s*([+-]?\d+)(?:-\s*([+-]?\d+))?/.exec(v);
  if (!m) return undefined;
  const wrap = (x: string) => ((Number(x) % 65536) + 65536) % 65536;
  const start = wrap(m[1]);
  return [start, m[2] !== undefined ? wrap(m[2]) : start];
}

function parseFwmark(v: string): { mark: number; mask?: number } {
  const slash = v.indexOf('/');
  const mark = parseUint(slash >= 0 ? v.slice(0, slash) : v, 32);
  if (mark === undefined) invarg('fwmark value is invalid\n', v.slice(0, slash >= 0 ? slash : undefined));
  if (slash < 0) return { mark };
  const mask = parseUint(v.slice(slash + 1), 32);
  if (mask === undefined) invarg('fwmask value is invalid\n', v.slice(slash + 1));
  return { mark, mask };
}

function ruleModify(ctx: Ctx, argv: string[], cmd: 'add' | 'del'): number {
  if (argv.length === 0) throw new CmdFail(1, `"ip rule ${cmd}" requires arguments.\n`);
  const family = ctx.opt.family;
  const req: RuleReq = {};
  if (cmd === 'add') req.action = FR_ACT_TO_TBL;
  let tableOk = false;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'not') req.invert = true;
    else if (w === 'from') {
      const p = getPrefix(a.next(), family);
      req.src = p.addr; req.srcLen = p.len;
    } else if (w === 'to') {
      const p = getPrefix(a.next(), family);
      req.dst = p.addr; req.dstLen = p.len;
    } else if (matches(w, 'preference') || matches(w, 'order') || matches(w, 'priority')) {
      const v = a.next();
      const p = parseUint(v, 32);
      if (p === undefined) invarg('preference value is invalid\n', v);
      req.priority = p;
    } else if (w === 'tos' || matches(w, 'dsfield')) {
      const v = a.next();
      const t = dsfieldId(v);
      if (t === undefined) invarg('TOS value is invalid\n', v);
      req.tos = t;
    } else if (w === 'fwmark') {
      const { mark, mask } = parseFwmark(a.next());
      req.fwmark = mark;
      if (mask !== undefined) req.fwmask = mask;
    } else if (matches(w, 'protocol')) {
      const v = a.next();
      const p = protoId(v);
      if (p === undefined) invarg('"protocol" value is invalid\n', v);
      req.protocol = p;
    } else if (matches(w, 'table') || w === 'lookup') {
      const v = a.next();
      const t = tableId(v);
      if (t === undefined) invarg('invalid table ID\n', v);
      req.table = t;
      tableOk = true;
    } else if (matches(w, 'suppress_prefixlength') || w === 'sup_pl') {
      const v = a.next();
      const pl = parseInt32(v);
      if (pl === undefined || pl < 0) invarg('suppress_prefixlength value is invalid\n', v);
      req.suppressPrefixlen = pl;
    } else if (matches(w, 'suppress_ifgroup') || w === 'sup_group') {
      const v = a.next();
      const g = groupId(v);
      if (g === undefined) invarg('Invalid "suppress_ifgroup" value\n', v);
      req.suppressIfgroup = g;
    } else if (w === 'dev' || w === 'iif') {
      const v = a.next();
      checkIfname(v, '"iif"/"dev" not a valid ifname');
      req.iifname = v;
    } else if (w === 'oif') {
      const v = a.next();
      checkIfname(v, '"oif" not a valid ifname');
      req.oifname = v;
    } else if (w === 'uidrange') {
      const v = a.next();
      const m = /^\s*([+-]?\d+)-\s*([+-]?\d+)/.exec(v);
      if (!m) invarg('invalid UID range\n', v);
      req.uidStart = Number(m[1]) >>> 0;
      req.uidEnd = Number(m[2]) >>> 0;
    } else if (w === 'ipproto') {
      const v = a.next();
      const p = ipprotoId(v);
      if (p === undefined) invarg('Invalid "ipproto" value\n', v);
      req.ipproto = p;
    } else if (w === 'sport' || w === 'dport') {
      const v = a.next();
      const r = parsePortRange(v);
      if (!r) invarg('invalid port range\n', v);
      req[w] = r;
    } else if (w === 'tun_id') {
      const v = a.next();
      const id = parseU64(v);
      if (id === undefined) invarg('"tun_id" value is invalid\n', v);
      req.tunId = id;
    } else if (w === 'nat' || matches(w, 'map-to')) {
      // the gateway goes in a request attribute the kernel ignores; the rule acts like an unknown action
      const v = a.next();
      ctx.err('Warning: route NAT is deprecated\n');
      getAddr32(v);
      req.action = RTN_NAT;
    } else if (matches(w, 'realms')) {
      const v = a.next();
      const realms = parseRealms(v);
      if (realms === undefined) invarg('invalid realms\n', v);
      req.realms = realms;
    } else if (w === 'l3mdev') {
      req.l3mdev = true;
      tableOk = true;
    } else {
      let v = w;
      if (v === 'type') v = a.next();
      if (matches(v, 'help')) throw new IpExit(255, RULE_USAGE);
      let type: number;
      if (matches(v, 'goto')) {
        const t = a.next();
        const target = parseUint(t, 32);
        if (target === undefined) invarg('invalid target\n', t);
        req.gotoTarget = target;
        type = FR_ACT_GOTO;
      } else if (matches(v, 'nop')) type = FR_ACT_NOP;
      else {
        const t = rtnTypeId(v);
        if (t === undefined) invarg('Failed to parse rule type', v);
        type = t;
      }
      req.action = type;
      tableOk = true;
    }
  }
  if (req.l3mdev && req.table) throw new CmdFail(234, 'table can not be specified for l3mdev rules\n');
  if (!tableOk && cmd === 'add') req.table = RT_TABLE_MAIN;
  const r = cmd === 'add' ? ctx.rtnl.ruleAdd(req) : ctx.rtnl.ruleDel(req);
  return ctx.check(r) ? 0 : 2;
}

interface RuleFilter {
  pref?: number; not: boolean; tos?: number; fwmark?: number; fwmask?: number; iif?: string; oif?: string;
  uid?: [number, number]; table?: number; src?: Prefix; dst?: Prefix; ipproto?: number;
  sport?: [number, number]; dport?: [number, number];
}

function prefixFilter(p: Prefix, addr: number, len: number): boolean {
  return p.len <= len && ((addr ^ p.addr) & maskOf(p.len)) === 0;
}

function ruleMatches(f: RuleFilter, r: RuleMsg): boolean {
  if (f.table && r.table !== f.table) return false;
  if (f.pref !== undefined && r.priority !== f.pref) return false;
  if (f.not && !r.invert) return false;
  if (f.src && !prefixFilter(f.src, r.src, r.srcLen)) return false;
  if (f.dst && !prefixFilter(f.dst, r.dst, r.dstLen)) return false;
  if (f.tos !== undefined && r.tos !== f.tos) return false;
  if (f.fwmark !== undefined && f.fwmark && r.fwmark !== f.fwmark) return false;
  if (f.fwmask !== undefined && f.fwmask && r.fwmask !== f.fwmask) return false;
  if (f.iif !== undefined && r.iifname !== f.iif) return false;
  if (f.oif !== undefined && r.oifname !== f.oif) return false;
  if (f.uid && (r.uidStart !== f.uid[0] || r.uidEnd !== f.uid[1])) return false;
  if (f.ipproto !== undefined && r.ipproto !== f.ipproto) return false;
  if (f.sport && (!r.sport || r.sport[0] !== f.sport[0] || r.sport[1] !== f.sport[1])) return false;
  if (f.dport && (!r.dport || r.dport[0] !== f.dport[0] || r.dport[1] !== f.dport[1])) return false;
  return true;
}

/** print_0xhex with "%#x": zero prints as plain 0 */
function hex(v: number): string { return v === 0 ? '0' : '0x' + (v >>> 0).toString(16); }

function ruleText(ctx: Ctx, r: RuleMsg): string {
  // print_rule separates every item by one space; collecting words keeps that simple
  const t: string[] = [];
  if (r.invert) t.push('not');
  // print_rule(): the addresses are coloured without their "/len", the devices without the blank after them
  const prefix = (a: number, len: number) => ctx.paint('inet', formatIPv4(a)) + (len === 32 ? '' : `/${len}`);
  t.push('from', r.srcLen ? prefix(r.src, r.srcLen) : 'all');
  if (r.dstLen) t.push('to', prefix(r.dst, r.dstLen));
  if (r.tos) t.push('tos', dsfieldName(r.tos));
  if (r.fwmark || r.fwmask) t.push('fwmark', hex(r.fwmark) + (r.fwmask >>> 0 !== 0xffffffff ? `/${hex(r.fwmask)}` : ''));
  if (r.iifname !== undefined) { t.push('iif', ctx.paint('ifname', r.iifname)); if (r.iifDetached) t.push('[detached]'); }
  if (r.oifname !== undefined) { t.push('oif', ctx.paint('ifname', r.oifname)); if (r.oifDetached) t.push('[detached]'); }
  if (r.l3mdev) t.push('lookup', '[l3mdev-table]');
  if (r.uidStart !== undefined) t.push('uidrange', `${r.uidStart}-${r.uidEnd}`);
  if (r.ipproto) t.push('ipproto', ipprotoText(r.ipproto));
  if (r.sport) t.push('sport', r.sport[0] === r.sport[1] ? `${r.sport[0]}` : `${r.sport[0]}-${r.sport[1]}`);
  if (r.dport) t.push('dport', r.dport[0] === r.dport[1] ? `${r.dport[0]}` : `${r.dport[0]}-${r.dport[1]}`);
  if (r.tunId) t.push('tun_id', r.tunId.toString());
  if (r.table) {
    t.push('lookup', tableName(r.table));
    if (r.suppressPrefixlen !== -1) t.push('suppress_prefixlength', String(r.suppressPrefixlen));
    if (r.suppressIfgroup !== -1 && r.suppressIfgroup !== undefined) t.push('suppress_ifgroup', groupName(r.suppressIfgroup));
  }
  if (r.realms) t.push('realms', (r.realms >>> 16 ? `${realmName(r.realms >>> 16)}/` : '') + realmName(r.realms & 0xffff));
  if (r.action === FR_ACT_GOTO) { t.push('goto', String(r.gotoTarget)); if (r.unresolved) t.push('[unresolved]'); }
  else if (r.action === FR_ACT_NOP) t.push('nop');
  else if (r.action === RTN_NAT) t.push('masquerade');
  else if (r.action !== FR_ACT_TO_TBL) t.push(rtnTypeName(r.action));
  if ((r.protocol && r.protocol !== RTPROT_KERNEL) || ctx.opt.details) t.push('proto', protoName(r.protocol));
  return `${r.priority}:\t${t.join(' ')}\n`;
}

function ipprotoText(p: number): string {
  const n = ipprotoName(p);
  return n === String(p) ? `ipproto-${p}` : n;
}

function ruleJson(ctx: Ctx, r: RuleMsg): Record<string, Json> {
  const o: Record<string, Json> = { priority: r.priority };
  if (r.invert) o.not = null;
  o.src = r.srcLen ? formatIPv4(r.src) : 'all';
  if (r.srcLen && r.srcLen !== 32) o.srclen = r.srcLen;
  if (r.dstLen) {
    o.dst = formatIPv4(r.dst);
    if (r.dstLen !== 32) o.dstlen = r.dstLen;
  }
  if (r.tos) o.tos = dsfieldName(r.tos);
  if (r.fwmark || r.fwmask) {
    o.fwmark = hex(r.fwmark);
    if (r.fwmask >>> 0 !== 0xffffffff) o.fwmask = hex(r.fwmask);
  }
  if (r.iifname !== undefined) { o.iif = r.iifname; if (r.iifDetached) o.iif_detached = null; }
  if (r.oifname !== undefined) { o.oif = r.oifname; if (r.oifDetached) o.oif_detached = null; }
  if (r.l3mdev) o.l3mdev = null;
  if (r.uidStart !== undefined) { o.uid_start = r.uidStart; o.uid_end = r.uidEnd!; }
  if (r.ipproto) o.ipproto = ipprotoText(r.ipproto);
  for (const k of ['sport', 'dport'] as const) {
    const p = r[k];
    if (!p) continue;
    if (p[0] === p[1]) o[k] = p[0];
    else { o[`${k}_start`] = p[0]; o[`${k}_end`] = p[1]; }
  }
  if (r.tunId) o.tun_id = Number(r.tunId);
  if (r.table) {
    o.table = tableName(r.table);
    if (r.suppressPrefixlen !== -1) o.suppress_prefixlen = r.suppressPrefixlen;
    if (r.suppressIfgroup !== -1 && r.suppressIfgroup !== undefined) o.suppress_ifgroup = groupName(r.suppressIfgroup);
  }
  if (r.realms) {
    if (r.realms >>> 16) o.flow_from = realmName(r.realms >>> 16);
    o.flow_to = realmName(r.realms & 0xffff);
  }
  if (r.action === FR_ACT_GOTO) { o.goto = r.gotoTarget; if (r.unresolved) o.unresolved = null; }
  else if (r.action === FR_ACT_NOP) o.nop = null;
  else if (r.action === RTN_NAT) o.masquerade = null;
  else if (r.action !== FR_ACT_TO_TBL) o.action = rtnTypeName(r.action);
  if ((r.protocol && r.protocol !== RTPROT_KERNEL) || ctx.opt.details) o.protocol = protoName(r.protocol);
  return o;
}

function ruleList(ctx: Ctx, argv: string[], flush: boolean): number {
  const f: RuleFilter = { not: false };
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (matches(w, 'preference') || matches(w, 'order') || matches(w, 'priority')) {
      const v = a.next();
      const p = parseUint(v, 32);
      if (p === undefined) invarg('preference value is invalid\n', v);
      f.pref = p;
    } else if (w === 'not') f.not = true;
    else if (w === 'tos' || matches(w, 'dsfield')) {
      const v = a.next();
      const t = dsfieldId(v);
      if (t === undefined) invarg('TOS value is invalid\n', v);
      f.tos = t;
    } else if (w === 'fwmark') {
      const { mark, mask } = parseFwmark(a.next());
      f.fwmark = mark;
      if (mask !== undefined) f.fwmask = mask;
    } else if (w === 'dev' || w === 'iif') {
      const v = a.next();
      checkIfname(v, '"iif"/"dev" not a valid ifname');
      f.iif = v;
    } else if (w === 'oif') {
      const v = a.next();
      checkIfname(v, '"oif" not a valid ifname');
      f.oif = v;
    } else if (w === 'uidrange') {
      const v = a.next();
      const m = /^\s*([+-]?\d+)-\s*([+-]?\d+)/.exec(v);
      if (!m) invarg('invalid UID range\n', v);
      f.uid = [Number(m[1]) >>> 0, Number(m[2]) >>> 0];
    } else if (matches(w, 'lookup') || matches(w, 'table')) {
      const v = a.next();
      const t = tableId(v);
      if (t === undefined) invarg('table id value is invalid\n', v);
      f.table = t;
    } else if (matches(w, 'from') || matches(w, 'src')) f.src = getPrefix(a.next(), 'inet');
    else if (matches(w, 'to') || matches(w, 'dst')) f.dst = getPrefix(a.next(), 'inet');
    else if (matches(w, 'protocol')) {
      // iproute2 6.1 validates the value but never applies this filter
      const v = a.next();
      if (protoId(v) === undefined && v !== 'all') invarg('invalid "protocol"\n', v);
    } else if (w === 'ipproto') {
      const v = a.next();
      const p = ipprotoId(v);
      if (p === undefined) invarg('Invalid "ipproto" value\n', v);
      f.ipproto = p;
    } else if (w === 'sport' || w === 'dport') {
      const v = a.next();
      const r = parsePortRange(v);
      if (!r) invarg('invalid port range\n', v);
      f[w] = r;
    } else f.dst = getPrefix(w, 'inet');
  }
  const rules = ctx.rtnl.rules().filter((r) => ruleMatches(f, r));
  if (flush) {
    for (const r of rules) {
      // rules without FRA_PRIORITY (pref 0) are left alone, as iproute2 does
      if (r.priority) ctx.rtnl.ruleDel(ruleToReq(r));
    }
    ctx.invalidate();
    // iprule_list_flush_or_save() opens the JSON array for a flush too: `[]` under -j
    if (ctx.opt.json) ctx.jsonOut([]);
    return 0;
  }
  if (ctx.opt.json) ctx.jsonOut(rules.map((r) => ruleJson(ctx, r)));
  else for (const r of rules) ctx.record(ruleText(ctx, r));
  return 0;
}

/**
 * the delete request iproute2 builds from a dumped rule: every attribute it carried. fib_nl_fill_rule
 * puts FRA_FWMARK, FRA_FWMASK and FRA_GOTO only when set; a FRA_GOTO of 0 on a rule that is not a
 * goto would be refused ("Unexpected goto") and leave the rule in place.
 */
function ruleToReq(r: RuleMsg): RuleReq {
  const q: RuleReq = {
    priority: r.priority, action: r.action, table: r.table, invert: r.invert, src: r.src, srcLen: r.srcLen,
    dst: r.dst, dstLen: r.dstLen, tos: r.tos, ipproto: r.ipproto, protocol: r.protocol,
  };
  if (r.fwmark) q.fwmark = r.fwmark;
  if (r.fwmark || r.fwmask) q.fwmask = r.fwmask;
  if (r.gotoTarget) q.gotoTarget = r.gotoTarget;
  if (r.dscp !== undefined) { q.dscp = r.dscp; q.dscpMask = r.dscpMask; }
  if (r.iifname !== undefined) q.iifname = r.iifname;
  if (r.oifname !== undefined) q.oifname = r.oifname;
  if (r.uidStart !== undefined) { q.uidStart = r.uidStart; q.uidEnd = r.uidEnd; }
  if (r.sport) { q.sport = r.sport; if (r.sportMask) q.sportMask = r.sportMask; }
  if (r.dport) { q.dport = r.dport; if (r.dportMask) q.dportMask = r.dportMask; }
  if (r.suppressPrefixlen !== -1) q.suppressPrefixlen = r.suppressPrefixlen;
  if (r.suppressIfgroup !== -1) q.suppressIfgroup = r.suppressIfgroup;
  return q;
}

/** get_be64()/strtoull with base 0: decimal, 0x hex or 0 octal, up to 2^64-1 */
function parseU64(v: string): bigint | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(v);
  if (!m) return undefined;
  const n = v.length > 1 && v[0] === '0' && v[1] !== 'x' && v[1] !== 'X' ? BigInt('0o' + v.slice(1)) : BigInt(v);
  return n <= 0xffffffffffffffffn ? n : undefined;
}

/** get_addr32(): an IPv4 address or exit 1 */
function getAddr32(v: string): number {
  const a = parseIPv4(v);
  if (a === undefined) throw new IpExit(1, `Error: an IP address is expected rather than "${v}"\n`);
  return a;
}

/** rt_realms as iproute2 6.1 ships it: only 0 has a name */
function realmName(id: number): string { return id === 0 ? 'cosmos' : String(id); }
function realmId(v: string): number | undefined {
  if (v === 'cosmos') return 0;
  const n = parseUint(v, 32);
  return n !== undefined && n <= 255 ? n : undefined;
}
/** get_rt_realms_or_raw(): FROM/TO or TO by name or number, else a raw 32-bit value */
export function parseRealms(v: string): number | undefined {
  const slash = v.indexOf('/');
  if (slash < 0) return realmId(v) ?? parseUint(v, 32);
  const from = realmId(v.slice(0, slash)), to = v.length > slash + 1 ? realmId(v.slice(slash + 1)) : 0;
  if (from === undefined || to === undefined) return undefined;
  return ((from << 16) | to) >>> 0;
}
