// The `bridge` command of iproute2 6.1 (bridge/bridge.c, fdb.c, link.c):
// `fdb show [br BR] [brport|dev DEV]` and `link show [dev DEV]`, with -j,
// -p, -s. Output is byte-identical to the real binary given the same
// kernel answers (the AF_BRIDGE dumps of src/rtnl.ts).
import type { FdbEntry, Rtnl } from '../rtnl.js';
import { Ctx, CmdFail } from '../ip/context.js';
import { IpExit } from '../ip/errors.js';
import type { Json } from '../ip/json.js';
import { linkFlagNames } from '../ip/link.js';
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
      rows.push(o);
    } else {
      const peer = l.link ? '@' + ctx.ifname(l.link) : '';
      ctx.out(`${l.ifindex}: ${l.name}${peer}: <${linkFlagNames(ctx, l).join(',')}> mtu ${l.mtu} master ${ctx.ifname(l.master)} ` +
        `state ${state} priority ${p.priority} cost ${p.cost} \n`);
    }
  }
  if (ctx.opt.json) ctx.jsonOut(rows);
  return 0;
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
