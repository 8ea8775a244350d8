// `ip ntable` (ip/ipntable.c of iproute2 6.1): show the neighbour tables and their per-device parms, change them.
// netpath has IPv4 only, so the one table is arp_cache (Linux lists ndisc_cache after it).
import type { NeighTableMsg, NeighTableParms, NeighTableReq } from '../rtnl.js';
import { CmdFail, type Ctx } from './context.js';
import { IpExit } from './errors.js';
import type { Json } from './json.js';
import { parseUint, parseUnsigned } from './names.js';
import { Args, duparg, invarg, matches } from './parse.js';

const USAGE = 'Usage: ip ntable change name NAME [ dev DEV ]\n' +
  '        [ thresh1 VAL ] [ thresh2 VAL ] [ thresh3 VAL ] [ gc_int MSEC ]\n' +
  '        [ PARMS ]\n' +
  'Usage: ip ntable show [ dev DEV ] [ name NAME ]\n' +
  'PARMS := [ base_reachable MSEC ] [ retrans MSEC ] [ gc_stale MSEC ]\n' +
  '         [ delay_probe MSEC ] [ queue LEN ]\n' +
  '         [ app_probes VAL ] [ ucast_probes VAL ] [ mcast_probes VAL ]\n' +
  '         [ anycast_delay MSEC ] [ proxy_delay MSEC ] [ proxy_queue LEN ]\n' +
  '         [ locktime MSEC ]\n';

export function doNtable(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return ntableShow(ctx, []);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'change') || matches(cmd, 'chg')) return ntableModify(ctx, rest);
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return ntableShow(ctx, rest);
  if (matches(cmd, 'help')) throw new IpExit(255, USAGE);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip ntable help".\n`);
}

/** get_u64(): strtoull in any base, the whole word */
function parseU64(s: string): bigint | undefined {
  if (parseUnsigned(s) === undefined) return undefined;
  let t = s.trimStart(), neg = false;
  if (t.startsWith('+')) t = t.slice(1);
  else if (t.startsWith('-')) { neg = true; t = t.slice(1); }
  const v = /^0[xX]/.test(t) ? BigInt(t) : /^0[0-7]+$/.test(t) ? BigInt('0o' + t.slice(1)) : BigInt(t);
  if (v > 0xffffffffffffffffn) return undefined;
  return neg ? BigInt.asUintN(64, -v) : v;
}

// the PARMS keywords: NDTPA attribute, and whether a u64 (MSEC) or a u32
const PARMS: Record<string, [number, boolean]> = {
  base_reachable: [4, true], retrans: [5, true], gc_stale: [6, true], delay_probe: [7, true], queue: [8, false],
  app_probes: [9, false], ucast_probes: [10, false], mcast_probes: [11, false], anycast_delay: [12, true],
  proxy_delay: [13, true], proxy_queue: [14, false], locktime: [15, true],
};

/** ipntable_modify(): RTM_SETNEIGHTBL */
function ntableModify(ctx: Ctx, argv: string[]): number {
  const req: NeighTableReq = { family: ctx.opt.family === 'inet' ? 2 : 0, name: '', parms: new Map() };
  let name: string | undefined, parmsChange = false;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'name') {
      const v = a.next();
      if (name !== undefined) duparg('NAME', v);
      name = v;
    } else if (w === 'thresh1' || w === 'thresh2' || w === 'thresh3') {
      const v = a.next();
      const n = parseUint(v, 32);
      if (n === undefined) invarg(`"${w}" value is invalid`, v);
      req[w] = n;
    } else if (w === 'gc_int') {
      const v = a.next();
      const n = parseU64(v);
      if (n === undefined) invarg('"gc_int" value is invalid', v);
      req.gcInterval = n;
    } else if (w === 'dev') {
      req.ifindex = ctx.ifindexOrFail(a.next());
    } else if (Object.hasOwn(PARMS, w)) {
      const [attr, u64] = PARMS[w];
      const v = a.next();
      const n = u64 ? parseU64(v) : parseUint(v, 32);
      if (n === undefined) invarg(`"${w}" value is invalid`, v);
      req.parms.set(attr, BigInt(n));
      parmsChange = true;
    } else invarg('unknown', w);
  }
  if (name === undefined) throw new IpExit(255, 'Error: argument "NAME" is required\n');
  req.name = name;
  if (req.thresh1 === undefined && req.thresh2 === undefined && req.thresh3 === undefined && req.gcInterval === undefined && !parmsChange) {
    throw new IpExit(255, 'Not enough information: changeable attributes required.\n');
  }
  const set = ctx.rtnl.neighTableSet;
  if (!set) throw new CmdFail(1, 'Object "ntable" is not supported by netpath.\n');
  return ctx.check(set.call(ctx.rtnl, req)) ? 0 : 2;
}

const NONE_DEV = -1;

/** ipntable_show(): the dump, filtered by dev (`none`: only the tables' own messages) and name */
function ntableShow(ctx: Ctx, argv: string[]): number {
  let index = 0, name: string | undefined;
  const a = new Args(argv);
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'dev') {
      const v = a.next();
      if (v === 'none') index = NONE_DEV;
      else {
        const l = ctx.linkByName(v);
        if (!l) invarg('"DEV" is invalid', v);
        index = l.ifindex;
      }
    } else if (w === 'name') name = a.next();
    else invarg('unknown', w);
  }
  const dump = ctx.rtnl.neighTables?.() ?? [];
  const shown = dump.filter((m) => (name === undefined || m.name === name) &&
    (m.parms.ifindex !== undefined ? !index || index === m.parms.ifindex : !index || index === NONE_DEV));
  if (ctx.opt.json) ctx.jsonOut(shown.map((m) => ntableJson(ctx, m)));
  else for (const m of shown) ctx.record(ntableText(ctx, m));
  return 0;
}

/** ntable_strtime_delta(): the wall-clock time `ms` ago as localtime; the box's clock is UTC from the epoch */
function strtimeDelta(ctx: Ctx, ms: number): string {
  if (ms === 0) return '(error)';
  const now = Math.floor((ctx.rtnl.nowNs?.() ?? 0) / 1e9);
  const d = new Date((now - Math.floor(ms / 1000)) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

// print_ndtparams()'s fields in order, per line: [field, name in text and JSON]
const PARM_LINES: [keyof NeighTableParms, string][][] = [
  [['refcnt', 'refcnt'], ['reachable', 'reachable'], ['baseReachable', 'base_reachable'],
    ['retrans', 'retrans']],
  [['gcStale', 'gc_stale'], ['delayProbe', 'delay_probe'], ['queue', 'queue']],
  [['appProbes', 'app_probes'], ['ucastProbes', 'ucast_probes'], ['mcastProbes', 'mcast_probes']],
  [['anycastDelay', 'anycast_delay'], ['proxyDelay', 'proxy_delay'],
    ['proxyQueue', 'proxy_queue'], ['locktime', 'locktime']],
];
type Stats = NonNullable<NeighTableMsg['stats']>;
const STAT_LINES: [keyof Stats, string][][] = [
  [['allocs', 'allocs'], ['destroys', 'destroys'], ['hashGrows', 'hash_grows']],
  [['resFailed', 'res_failed'], ['lookups', 'lookups'], ['hits', 'hits']],
  [['rcvProbesMcast', 'rcv_probes_mcast'], ['rcvProbesUcast', 'rcv_probes_ucast']],
  [['periodicGcRuns', 'periodic_gc_runs'], ['forcedGcRuns', 'forced_gc_runs']],
  [['tableFulls', 'table_fulls']],
];

function ntableText(ctx: Ctx, m: NeighTableMsg): string {
  let s = `${m.family} ${m.name} \n`;
  if (m.thresh) {
    const t = m.thresh;
    s += `    thresh1 ${t.thresh1} thresh2 ${t.thresh2} thresh3 ${t.thresh3} gc_int ${t.gcInterval} \n`;
  }
  if (m.config && ctx.opt.stats) {
    const c = m.config;
    s += `    config key_len ${c.keyLen} entry_size ${c.entrySize} entries ${c.entries} \n`;
    s += `        last_flush ${strtimeDelta(ctx, c.lastFlush)} last_rand ${strtimeDelta(ctx, c.lastRand)} \n`;
    s += `        hash_rnd ${c.hashRnd} hash_mask ${c.hashMask.toString(16).padStart(8, '0')} hash_chain_gc ${c.hashChainGc} proxy_qlen ${c.proxyQlen} \n`;
  }
  const p = m.parms;
  if (p.ifindex !== undefined) s += `    dev ${ctx.paint('ifname', ctx.ifname(p.ifindex) + ' ')}\n`;
  s += PARM_LINES.map((line) => '    ' + line.map(([k, label]) => `${label} ${p[k]} `).join('')).join('\n') + '\n';
  if (m.stats && ctx.opt.stats) {
    const st = m.stats;
    s += STAT_LINES.map((line, i) => (i ? '    ' : '    stats ') + line.map(([k, label]) => `${label} ${st[k]} `).join('')).join('\n') + '\n';
  }
  return s + '\n';
}

function ntableJson(ctx: Ctx, m: NeighTableMsg): Record<string, Json> {
  const o: Record<string, Json> = { family: m.family, name: m.name };
  if (m.thresh) Object.assign(o, { thresh1: m.thresh.thresh1, thresh2: m.thresh.thresh2, thresh3: m.thresh.thresh3, gc_interval: m.thresh.gcInterval });
  if (m.config && ctx.opt.stats) {
    const c = m.config;
    Object.assign(o, {
      key_length: c.keyLen, entry_size: c.entrySize, entries: c.entries, last_flush: strtimeDelta(ctx, c.lastFlush),
      last_rand: strtimeDelta(ctx, c.lastRand), hash_rnd: c.hashRnd, hash_mask: '0x' + c.hashMask.toString(16),
      hash_chain_gc: c.hashChainGc, proxy_qlen: c.proxyQlen,
    });
  }
  if (m.parms.ifindex !== undefined) o.dev = ctx.ifname(m.parms.ifindex);
  for (const line of PARM_LINES) for (const [k, key] of line) o[key] = m.parms[k] as number;
  if (m.stats && ctx.opt.stats) for (const line of STAT_LINES) for (const [k, key] of line) o[key] = m.stats[k];
  return o;
}
