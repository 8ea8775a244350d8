// The `bridge` command of iproute2 6.1 (bridge/bridge.c, fdb.c, link.c):
// `fdb show [br BR] [brport|dev DEV]` and `link show [dev DEV]`, with -j,
// -p, -s. Output is byte-identical to the real binary given the same
// kernel answers (the AF_BRIDGE dumps of src/rtnl.ts).
import { BR_BCAST_FLOOD, BR_FLOOD, BR_HAIRPIN_MODE, BR_ISOLATED, BR_LEARNING, BR_MCAST_FLOOD, type BridgePortInfo, type BridgePortReq, type FdbEntry, type Rtnl } from '../rtnl.js';
import { Ctx, CmdFail } from '../ip/context.js';
import { IpExit } from '../ip/errors.js';
import type { Json } from '../ip/json.js';
import { linkFlagNames, PORT_FLAG_BITS, portOptionRefused } from '../ip/link.js';
import { formatMac, matches } from '../ip/parse.js';

export interface BridgeResult { status: number; stdout: string; stderr: string }

const USAGE = 'Usage: bridge [ OPTIONS ] OBJECT { COMMAND | help }\n' +
  '       bridge [ -force ] -batch filename\n' +
  'where  OBJECT := { link | fdb | mdb | vlan | monitor }\n' +
  '       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] |\n' +
  '                    -o[neline] | -t[imestamp] | -n[etns] name |\n' +
  '                    -c[ompressvlans] -color -p[retty] -j[son] }\n';

const FDB_USAGE = 'Usage: bridge fdb { add | append | del | replace } ADDR dev DEV\n' +
  '              [ self ] [ master ] [ use ] [ router ] [ extern_learn ]\n' +
  '              [ sticky ] [ local | static | dynamic ] [ vlan VID ]\n' +
  '              { [ dst IPADDR ] [ port PORT] [ vni VNI ] | [ nhid NHID ] }\n' +
  '	       [ via DEV ] [ src_vni VNI ]\n' +
  '       bridge fdb [ show [ br BRDEV ] [ brport DEV ] [ vlan VID ]\n' +
  '              [ state STATE ] [ dynamic ] ]\n' +
  '       bridge fdb get [ to ] LLADDR [ br BRDEV ] { brport | dev } DEV\n' +
  '              [ vlan VID ] [ vni VNI ] [ self ] [ master ] [ dynamic ]\n' +
  '       bridge fdb flush dev DEV [ brport DEV ] [ vlan VID ]\n' +
  '              [ self ] [ master ] [ [no]permanent | [no]static | [no]dynamic ]\n' +
  '              [ [no]added_by_user ] [ [no]extern_learn ] [ [no]sticky ]\n' +
  '              [ [no]offloaded ]\n';

const STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** state_n2a() of bridge/fdb.c */
function fdbState(s: number): string {
  if (s & 0x80) return 'permanent';
  if (s & 0x40) return 'static';
  if (s & 0x04) return 'stale';
  if (s & 0x02) return '';
  return `state=${'0x' + s.toString(16)}`;
}

function fdbShow(ctx: Ctx, argv: string[], stats: boolean): number {
  let br: string | undefined, dev: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    if (w === 'brport' || w === 'dev' || w === 'br') {
      if (++i >= argv.length) throw new IpExit(255, 'Command line is not complete. Try option "help"\n');
      if (w === 'br') br = argv[i]; else dev = argv[i];
    } else if (matches(w, 'help')) throw new IpExit(255, FDB_USAGE);
  }
  let brIndex = 0, filterIndex = 0;
  if (br !== undefined) {
    const l = ctx.linkByName(br);
    if (!l) { ctx.err(`Cannot find bridge device "${br}"\n`); return 255; }
    brIndex = l.ifindex;
  }
  if (dev !== undefined) {
    const l = ctx.linkByName(dev);
    if (!l) { ctx.err(`Cannot find device "${dev}"\n`); return 255; }
    filterIndex = l.ifindex;
  }
  let entries: FdbEntry[] = ctx.rtnl.bridgeFdb?.() ?? [];
  if (brIndex) {
    // rtnl_fdb_dump with IFLA_MASTER: the bridge itself and its ports
    entries = entries.filter((e) => e.ifindex === brIndex || ctx.linkByIndex(e.ifindex)?.master === brIndex);
  }
  if (filterIndex) entries = entries.filter((e) => e.ifindex === filterIndex);
  if (ctx.opt.json) {
    ctx.jsonOut(entries.map((e) => {
      const o: Record<string, Json> = { mac: formatMac(e.mac) };
      if (!filterIndex) o.ifname = ctx.ifname(e.ifindex);
      if (stats && e.usedCs !== undefined) { o.used = Math.floor(e.usedCs / 100); o.updated = Math.floor(e.updatedCs! / 100); }
      o.flags = e.self ? ['self'] : [];
      if (e.master) o.master = ctx.ifname(e.master);
      o.state = fdbState(e.state);
      return o;
    }));
    return 0;
  }
  for (const e of entries) {
    let s = formatMac(e.mac) + ' ';
    if (!filterIndex) s += `dev ${ctx.ifname(e.ifindex)} `;
    if (stats && e.usedCs !== undefined) s += `used ${Math.floor(e.usedCs / 100)}/${Math.floor(e.updatedCs! / 100)} `;
    if (e.self) s += 'self ';
    if (e.master) s += `master ${ctx.ifname(e.master)} `;
    ctx.out(s + fdbState(e.state) + '\n');
  }
  return 0;
}

function linkShow(ctx: Ctx, argv: string[]): number {
  let dev: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === 'dev') {
      if (++i >= argv.length) throw new IpExit(255, 'Command line is not complete. Try option "help"\n');
      dev = argv[i];
    }
  }
  let filter = 0;
  if (dev !== undefined) {
    const l = ctx.linkByName(dev);
    if (!l) { ctx.err(`Cannot find device "${dev}"\n`); return 255; }
    filter = l.ifindex;
  }
  const rows: Json[] = [];
  for (const l of ctx.links()) {
    if (filter && l.ifindex !== filter) continue;
    const p = l.master ? ctx.rtnl.bridgePort?.(l.ifindex) : undefined;
    if (!p || !l.master) continue;
    const state = STATES[p.state] ?? String(p.state);
    if (ctx.opt.json) {
      const o: Record<string, Json> = { ifindex: l.ifindex };
      if (l.link) o.link = ctx.ifname(l.link);
      Object.assign(o, {
        ifname: l.name, flags: linkFlagNames(ctx, l), mtu: l.mtu, master: ctx.ifname(l.master), state,
        priority: p.priority, cost: p.cost,
      });
      if (ctx.opt.details) Object.assign(o, Object.fromEntries(portDetails(p)));
      rows.push(o);
    } else {
      const peer = l.link ? '@' + ctx.ifname(l.link) : '';
      const details = ctx.opt.details ? '\n    ' + portDetails(p).map(([k, v]) => `${k} ${typeof v === 'boolean' ? (v ? 'on' : 'off') : v} `).join('') : '';
      ctx.out(`${l.ifindex}: ${l.name}${peer}: <${linkFlagNames(ctx, l).join(',')}> mtu ${l.mtu} master ${ctx.ifname(l.master)} ` +
        `state ${state} priority ${p.priority} cost ${p.cost} ${details}\n`);
    }
  }
  if (ctx.opt.json) ctx.jsonOut(rows);
  return 0;
}

/** print_protinfo() with -d: the port flags, in its order */
function portDetails(p: BridgePortInfo): [string, boolean | number][] {
  const on = (bit: number) => (p.flags & bit) !== 0;
  return [
    ['hairpin', on(BR_HAIRPIN_MODE)], ['guard', false], ['root_block', false], ['fastleave', false], ['learning', on(BR_LEARNING)],
    ['flood', on(BR_FLOOD)], ['mcast_flood', on(BR_MCAST_FLOOD)], ['bcast_flood', on(BR_BCAST_FLOOD)], ['mcast_router', 1],
    ['mcast_to_unicast', false], ['neigh_suppress', false], ['vlan_tunnel', false], ['isolated', on(BR_ISOLATED)], ['locked', false],
  ];
}

const LINK_USAGE = 'Usage: bridge link set dev DEV [ cost COST ] [ priority PRIO ] [ state STATE ]\n' + [
  'guard {on | off}', 'hairpin {on | off}', 'fastleave {on | off}', 'root_block {on | off}', 'learning {on | off}',
  'learning_sync {on | off}', 'flood {on | off}', 'mcast_router MULTICAST_ROUTER', 'mcast_flood {on | off}', 'bcast_flood {on | off}',
  'mcast_to_unicast {on | off}', 'neigh_suppress {on | off}', 'vlan_tunnel {on | off}', 'isolated {on | off}', 'locked {on | off}',
  'hwmode {vepa | veb}', 'backup_port DEVICE ] [ nobackup_port', 'self ] [ master',
].map((o) => `                               [ ${o} ]\n`).join('') + '       bridge link show [dev DEV]\n';

/** the on/off options of `bridge link set` that netpath's ports have off and cannot change */
const LINK_SET_FIXED_OFF = new Set(['guard', 'fastleave', 'root_block', 'learning_sync', 'mcast_to_unicast', 'neigh_suppress', 'vlan_tunnel', 'locked']);

/** atoi(): leading blanks, a sign, digits; anything else ends the number (0 if none), wrapped to 32 bits */
function atoi(v: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(v)!;
  const n = Number(BigInt.asIntN(32, BigInt(m[2] || '0')));
  return m[1] === '-' ? -n | 0 : n;
}

/**
 * brlink_modify() of bridge/link.c (iproute2 6.1): RTM_SETLINK of family AF_BRIDGE whose IFLA_PROTINFO the port's
 * bridge applies (br_setlink). cost and priority are read with atoi (cost 0 and a negative priority are not
 * sent), state as a number or a name; the options netpath's ports cannot change are refused unless they ask
 * for what the port has.
 */
function linkSet(ctx: Ctx, argv: string[]): number {
  let dev: string | undefined;
  const req: BridgePortReq = { mask: 0, flags: 0 };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i];
    const value = () => { if (++i >= argv.length) throw new IpExit(255, 'Command line is not complete. Try option "help"\n'); return argv[i]; };
    const onOff = () => {
      const v = value();
      if (v !== 'on' && v !== 'off') throw new IpExit(234, `Error: argument of "${o}" must be one of "off", "on", not "${v}"\n`);
      return v === 'on';
    };
    if (o === 'dev') dev = value();
    else if (o in PORT_FLAG_BITS) {
      const bit = PORT_FLAG_BITS[o];
      req.mask |= bit;
      if (onOff()) req.flags |= bit; else req.flags &= ~bit;
    } else if (LINK_SET_FIXED_OFF.has(o)) {
      if (onOff()) throw portOptionRefused(o);
    } else if (o === 'cost') {
      const c = atoi(value()) >>> 0;
      if (c > 0) req.cost = c; else delete req.cost;
    } else if (o === 'priority') {
      const p = (atoi(value()) << 16) >> 16; // __s16
      if (p >= 0) req.priority = p; else delete req.priority;
    } else if (o === 'state') {
      const v = value();
      // strtol taking the whole word, cast to __s8; otherwise a state name
      let st: number;
      if (/^[ \t\n\v\f\r]*[+-]?\d+$/.test(v)) st = (atoi(v) << 24) >> 24;
      else if ((st = STATES.indexOf(v)) < 0) throw new IpExit(255, 'Error: invalid STP port state\n');
      if (st >= 0) req.state = st; else delete req.state;
    } else if (o === 'mcast_router') {
      if (atoi(value()) !== 1) throw portOptionRefused(o);
    } else if (o === 'master') { /* BRIDGE_FLAGS_MASTER: what happens without it too */ }
    else if (o === 'hwmode' || o === 'backup_port') { value(); throw portOptionRefused(o); }
    else if (o === 'self' || o === 'nobackup_port') throw portOptionRefused(o);
    else throw new IpExit(255, LINK_USAGE);
  }
  if (dev === undefined) throw new IpExit(255, 'Device is a required argument.\n');
  const l = ctx.linkByName(dev);
  if (!l) throw new IpExit(255, `Cannot find bridge device "${dev}"\n`);
  // rtnl_bridge_setlink: the device's master takes the request; a device that is no port has none (EOPNOTSUPP)
  const r = l.master && ctx.rtnl.bridgePortSet ? ctx.rtnl.bridgePortSet(l.ifindex, req) : { ok: false as const, errno: 95 };
  return ctx.check(r) ? 0 : 255;
}

/** Runs `bridge ARGV` against the emulated kernel. */
export function runBridge(rtnl: Rtnl, argv: string[]): BridgeResult {
  const ctx = new Ctx(rtnl, { json: false, pretty: false, stats: 0, details: 0, family: 'unspec', oneline: false, force: false, batch: false, brief: false, color: false });
  try {
    let i = 0;
    for (; i < argv.length && argv[i].startsWith('-'); i++) {
      let o = argv[i];
      if (o[1] === '-') o = o.slice(1);
      if (matches(o, '-json')) ctx.opt.json = true;
      else if (matches(o, '-pretty')) ctx.opt.pretty = true;
      else if (matches(o, '-statistics')) ctx.opt.stats++;
      else if (matches(o, '-details')) ctx.opt.details++;
      else if (matches(o, '-help')) throw new IpExit(255, USAGE);
      else if (matches(o, '-Version')) throw new IpExit(0, '', 'bridge utility, 6.1.0\n');
      else throw new IpExit(255, `Option "${o}" is unknown, try "bridge help".\n`);
    }
    if (!ctx.opt.json) ctx.opt.pretty = false;
    const [obj, cmd, ...rest] = argv.slice(i);
    if (obj === undefined) throw new IpExit(255, USAGE);
    let status: number;
    if (matches(obj, 'fdb')) {
      if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) status = fdbShow(ctx, rest, ctx.opt.stats > 0);
      else if (matches(cmd, 'help')) throw new IpExit(255, FDB_USAGE);
      else { ctx.err(`Object "fdb" command "${cmd}" is not supported by netpath.\n`); status = 1; }
    } else if (matches(obj, 'link')) {
      if (cmd === undefined || matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) status = linkShow(ctx, rest);
      else if (matches(cmd, 'set') || matches(cmd, 'change')) status = linkSet(ctx, rest);
      else if (matches(cmd, 'help')) throw new IpExit(255, LINK_USAGE);
      else { ctx.err(`Object "link" command "${cmd}" is not supported by netpath.\n`); status = 1; }
    } else if (matches(obj, 'help')) throw new IpExit(255, USAGE);
    else if (['mdb', 'vlan', 'monitor'].some((o) => matches(obj, o))) { ctx.err(`Object "${obj}" is not supported by netpath.\n`); status = 1; }
    else throw new IpExit(255, `Object "${obj}" is unknown, try "bridge help".\n`);
    return { status, stdout: ctx.stdout, stderr: ctx.stderr };
  } catch (e) {
    if (e instanceof CmdFail) return { status: e.status, stdout: ctx.stdout, stderr: ctx.stderr + e.text };
    if (!(e instanceof IpExit)) throw e;
    return { status: e.status, stdout: ctx.stdout + e.stdout, stderr: ctx.stderr + e.text };
  }
}
