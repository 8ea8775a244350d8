// `ip neigh`: static and proxy entries — add/change/replace/del/get/show/flush (ip/ipneigh.c).
import {
  NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_NOARP, NUD_PERMANENT, NUD_PROBE, NUD_REACHABLE, NUD_STALE,
  type NeighInfo, type NeighReq,
} from '../rtnl.js';
import { CmdFail, type Ctx } from './context.js';
import { IpExit, kernelErrorText } from './errors.js';
import { NEIGH_USAGE } from './usage.js';
import type { Json } from './json.js';
import { parseUint } from './names.js';
import { Args, duparg, duparg2, formatIPv4, formatMac, getAddr, getPrefix, invarg, maskOf, matches, parseLladdr, type Prefix } from './parse.js';

export function doNeigh(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return neighList(ctx, []);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'add')) return neighModify(ctx, rest, 'add');
  if (matches(cmd, 'change') || cmd === 'chg') return neighModify(ctx, rest, 'change');
  if (matches(cmd, 'replace')) return neighModify(ctx, rest, 'replace');
  if (matches(cmd, 'delete')) return neighModify(ctx, rest, 'del');
  if (matches(cmd, 'get')) return neighGet(ctx, rest);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return neighList(ctx, rest);
  if (matches(cmd, 'flush')) return neighList(ctx, rest, true);
  if (matches(cmd, 'help')) throw new IpExit(255, NEIGH_USAGE);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip neigh help".\n`);
}

/** get_addr() of default/any/all leaves the family unset (AF_UNSPEC) unless -4 set it: no destination */
const unspecAddr = (ctx: Ctx, v: string) => ctx.opt.family === 'unspec' && (v === 'default' || v === 'any' || v === 'all');
/** with -4, any/all give an NDA_DST of no bytes (default gives 0.0.0.0), which the kernel refuses as too short */
const emptyAddr = (ctx: Ctx, v: string) => ctx.opt.family === 'inet' && (v === 'any' || v === 'all');

const NUD_NONE_FILTER = 0x100; // how the filter spells "state 0"
/** sysconf(_SC_CLK_TCK): the ticks NDA_CACHEINFO counts in */
const USER_HZ = 100;

/** nud_state_a2n() */
function nudState(v: string): number | undefined {
  if (matches(v, 'permanent')) return NUD_PERMANENT;
  if (matches(v, 'reachable')) return NUD_REACHABLE;
  if (v === 'noarp') return NUD_NOARP;
  if (v === 'none') return 0;
  if (v === 'stale') return NUD_STALE;
  if (v === 'incomplete') return NUD_INCOMPLETE;
  if (v === 'delay') return NUD_DELAY;
  if (v === 'probe') return NUD_PROBE;
  if (matches(v, 'failed')) return NUD_FAILED;
  const n = parseUint(v, 32);
  return n !== undefined && n < 0x100 ? n : undefined;
}

/** The destination word of ipneigh_modify/ipneigh_get: the address, whether it names no address (any/all/default), whether it has none */
interface NeighDst { dst: number; unspec: boolean; empty: boolean }
function neighDst(ctx: Ctx, v: string, prev: NeighDst | undefined, dup: () => void): NeighDst {
  if (prev !== undefined) dup();
  return { dst: getAddr(v, ctx.opt.family), unspec: unspecAddr(ctx, v), empty: emptyAddr(ctx, v) };
}

function neighModify(ctx: Ctx, argv: string[], cmd: 'add' | 'change' | 'replace' | 'del'): number {
  const a = new Args(argv);
  let lla: string | undefined, dev: string | undefined, d: NeighDst | undefined, router = false, externLearn = false;
  let proxy = false;
  let state = NUD_PERMANENT;
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (matches(w, 'lladdr')) {
      const v = a.next();
      if (lla !== undefined) duparg('lladdr', v);
      lla = v;
    } else if (w === 'nud') {
      const v = a.next();
      const s = nudState(v);
      if (s === undefined) invarg('nud state is bad', v);
      state = s;
    } else if (matches(w, 'proxy')) {
      // a proxy entry needs no device (dev_ok)
      const v = a.next();
      if (matches(v, 'help')) throw new IpExit(255, NEIGH_USAGE);
      d = neighDst(ctx, v, d, () => duparg('address', v));
      proxy = true;
    } else if (w === 'router') router = true;
    else if (matches(w, 'extern_learn')) externLearn = true;
    else if (w === 'dev') dev = a.next();
    else {
      let v = w;
      if (v === 'to') v = a.next();
      d = neighDst(ctx, v, d, () => duparg2('to', v));
    }
  }
  if ((dev === undefined && !proxy) || d === undefined || d.unspec) throw new IpExit(255, 'Device and destination are required arguments.\n');
  let lladdr: Uint8Array | undefined;
  if (lla !== undefined && lla !== 'null') {
    try { lladdr = parseLladdr(lla); } catch (e) { if (e instanceof IpExit) throw new IpExit(1, e.text); throw e; }
  }
  const req: NeighReq = { ifindex: dev !== undefined ? ctx.ifindexOrFail(dev) : 0, dst: d.dst };
  if (proxy) req.proxy = true;
  if (lladdr) req.lladdr = lladdr;
  if (cmd !== 'del') req.state = state;
  if (router) req.router = true;
  if (externLearn) req.externLearn = true;
  // ipneigh_modify(): a refusal from the kernel is exit(2), which also ends a -batch (with -force too)
  const refused = (e: { errno: number; msg?: string }): never => { ctx.invalidate(); throw new IpExit(2, kernelErrorText(e)); };
  // neigh_add / neigh_delete: nla_len(NDA_DST) < key_len
  if (d.empty) refused({ errno: 22, msg: 'Invalid network address' });
  // iproute2: add = NLM_F_CREATE|NLM_F_EXCL, change = NLM_F_REPLACE, replace = NLM_F_CREATE|NLM_F_REPLACE
  const r = cmd === 'del' ? ctx.rtnl.neighDel(req) : ctx.rtnl.neighAdd(req, cmd !== 'add', cmd !== 'change');
  if (!r.ok) refused(r);
  return ctx.check(r) ? 0 : 2;
}

const STATE_NAMES: [number, string][] = [
  [NUD_INCOMPLETE, 'INCOMPLETE'], [NUD_REACHABLE, 'REACHABLE'], [NUD_STALE, 'STALE'], [NUD_DELAY, 'DELAY'],
  [NUD_PROBE, 'PROBE'], [NUD_FAILED, 'FAILED'], [NUD_NOARP, 'NOARP'], [NUD_PERMANENT, 'PERMANENT'],
];
function stateNames(s: number): string[] {
  return STATE_NAMES.filter(([b]) => s & b).map(([, n]) => n);
}

/** do_show_or_flush(): show, or flush (the entries shown are deleted, round after round) */
function neighList(ctx: Ctx, argv: string[], flush = false): number {
  if (flush && argv.length === 0) throw new CmdFail(1, 'Flush requires arguments.\n');
  // a flush leaves permanent and noarp entries alone unless a state names them
  let stateMask = flush ? ~(NUD_PERMANENT | NUD_NOARP) >>> 0 : ~(NUD_NOARP | NUD_NONE_FILTER) >>> 0, stateGiven = false;
  let devName: string | undefined, pfx: Prefix | undefined, proxy = false;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'dev') devName = a.next();
    else if (w === 'nud') {
      const v = a.next();
      if (!stateGiven) { stateGiven = true; stateMask = 0; }
      let s = nudState(v);
      if (s === undefined) {
        if (v !== 'all') invarg('nud state is bad', v);
        s = flush ? ~NUD_NOARP >>> 0 : 0xffffffff;
      }
      stateMask = (stateMask | (s === 0 ? NUD_NONE_FILTER : s)) >>> 0;
    } else if (w === 'proxy') proxy = true; // the dump asks for the proxy entries (NTF_PROXY)
    else {
      let v = w;
      if (v === 'to') v = a.next();
      pfx = getPrefix(v, ctx.opt.family);
    }
  }
  const ifindex = devName !== undefined ? ctx.ifindexOrFail(devName) : undefined;
  // print_neigh: a proxy entry, or one with NTF_EXT_LEARNED, passes whatever the state filter says (so a
  // flush takes an externally learned entry whatever its state)
  const selected = () => ctx.rtnl.neighs(proxy).filter((n) =>
    (ifindex === undefined || n.ifindex === ifindex) &&
    (n.proxy || n.externLearn || (n.state ? (n.state & stateMask) !== 0 : (stateMask & NUD_NONE_FILTER) !== 0)) &&
    (!pfx || pfx.len === 0 || ((n.dst ^ pfx.addr) & maskOf(pfx.len)) === 0));
  if (flush) return neighFlush(ctx, selected);
  const list = selected();
  if (ctx.opt.json) {
    ctx.jsonOut(list.map((n) => neighJson(ctx, n, ifindex !== undefined)));
    return 0;
  }
  for (const n of list) ctx.record(neighText(ctx, n, ifindex !== undefined));
  return 0;
}

function neighFlush(ctx: Ctx, selected: () => NeighInfo[]): number {
  const MAX_ROUNDS = 10;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const victims = selected();
    if (!victims.length) {
      if (ctx.opt.stats) {
        if (round === 0) ctx.out('Nothing to flush.\n');
        else ctx.out(`*** Flush is complete after ${round} round${round > 1 ? 's' : ''} ***\n`);
      }
      return 0;
    }
    // RTM_DELNEIGH for each; an entry gone meanwhile is not reported
    for (const n of victims) ctx.rtnl.neighDel(n.proxy ? { ifindex: n.ifindex, dst: n.dst, proxy: true } : { ifindex: n.ifindex, dst: n.dst });
    if (ctx.opt.stats) ctx.out(`\n*** Round ${round + 1}, deleting ${victims.length} entries ***\n`);
  }
  ctx.out(`*** Flush not complete bailing out after ${MAX_ROUNDS} rounds\n`);
  return 1;
}

/**
 * ll_addr_n2a() of NDA_LLADDR: a device without a link-layer address (tun) sends it empty, and iproute2
 * prints the byte after it anyway, the length of the NDA_PROBES attribute neigh_fill_info() puts next (8)
 */
function lladdrText(l: Uint8Array): string { return l.length ? formatMac(l) : '08'; }

function neighText(ctx: Ctx, n: NeighInfo, devFiltered: boolean): string {
  // print_neigh(): "%s " spans for the address, the device and the link address
  let s = ctx.paint('inet', formatIPv4(n.dst) + ' ');
  if (!devFiltered && n.ifindex) s += `dev ${ctx.paint('ifname', ctx.ifname(n.ifindex) + ' ')}`;
  if (n.lladdr) s += `lladdr ${ctx.paint('mac', lladdrText(n.lladdr) + ' ')}`;
  if (n.router) s += 'router ';
  if (n.proxy) s += 'proxy ';
  if (n.externLearn) s += 'extern_learn ';
  if (ctx.opt.stats && !n.proxy) {
    // print_cacheinfo() and NDA_PROBES as iproute2 6.1 spaces them
    if (n.refcnt) s += ` ref ${n.refcnt}`;
    s += ` used ${Math.floor(n.used / USER_HZ)}/${Math.floor(n.confirmed / USER_HZ)}/${Math.floor(n.updated / USER_HZ)}`;
    s += `probes ${n.probes} `;
  }
  for (const st of stateNames(n.state)) s += st + ' ';
  return s + '\n';
}

function neighJson(ctx: Ctx, n: NeighInfo, devFiltered: boolean): Record<string, Json> {
  const o: Record<string, Json> = { dst: formatIPv4(n.dst) };
  if (!devFiltered && n.ifindex) o.dev = ctx.ifname(n.ifindex);
  if (n.lladdr) o.lladdr = lladdrText(n.lladdr);
  if (n.router) o.router = null;
  if (n.proxy) o.proxy = null;
  if (n.externLearn) o.extern_learn = null;
  if (ctx.opt.stats && !n.proxy) {
    if (n.refcnt) o.refcnt = n.refcnt;
    o.used = Math.floor(n.used / USER_HZ);
    o.confirmed = Math.floor(n.confirmed / USER_HZ);
    o.updated = Math.floor(n.updated / USER_HZ);
    o.probes = n.probes;
  }
  if (n.state) o.state = stateNames(n.state);
  return o;
}

/**
 * ipneigh_get(): RTM_GETNEIGH for one entry, printed by print_neigh with the filter reset. iproute2 6.1
 * opens no JSON object here, so `-j` still prints text.
 */
function neighGet(ctx: Ctx, argv: string[]): number {
  let dev: string | undefined, d: NeighDst | undefined, devOk = false, proxy = false;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'dev') {
      dev = a.next();
      devOk = true;
    } else if (matches(w, 'proxy')) {
      const v = a.next();
      if (matches(v, 'help')) throw new IpExit(255, NEIGH_USAGE);
      d = neighDst(ctx, v, d, () => duparg('address', v));
      devOk = true;
      proxy = true;
    } else {
      let v = w;
      if (v === 'to') v = a.next();
      if (matches(v, 'help')) throw new IpExit(255, NEIGH_USAGE);
      d = neighDst(ctx, v, d, () => duparg2('to', v));
    }
  }
  if (!devOk || d === undefined || d.unspec) throw new CmdFail(1, 'Device and address are required arguments.\n');
  const req: NeighReq = { ifindex: dev !== undefined ? ctx.ifindexOrFail(dev) : 0, dst: d.dst };
  if (proxy) req.proxy = true;
  // neigh_valid_get_req: NDA_DST must be key_len bytes
  if (d.empty) return ctx.check({ ok: false, errno: 22, msg: 'Invalid network address in neighbor get request' }) ? 0 : 2;
  if (!ctx.rtnl.neighGet) throw new CmdFail(2, 'RTNETLINK answers: Operation not supported\n');
  const r = ctx.rtnl.neighGet(req);
  if (!ctx.check(r) || !r.ok) return 2;
  ctx.record(neighText(ctx, r.value, false));
  return 0;
}

export { CmdFail };
