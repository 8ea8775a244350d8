// `ip link`: add (veth, dummy), delete, set, show; plus the link header
// printer shared with `ip address show` (ip/iplink.c, ip/ipaddress.c).
import {
  IFF_ALLMULTI, IFF_BROADCAST, IFF_DORMANT, IFF_LOOPBACK, IFF_LOWER_UP, IFF_MULTICAST, IFF_NOARP,
  IFF_POINTOPOINT, IFF_PROMISC, IFF_UP, type LinkAddReq, type LinkInfo, type LinkKind, type LinkSetReq,
} from '../rtnl.js';
import { CmdFail, type Ctx } from './context.js';
import { IpExit } from './errors.js';
import type { Json } from './json.js';
import { groupId, groupName, parseInt32 } from './names.js';
import { Args, duparg, duparg2, formatMac, invarg, matches, parseLladdr } from './parse.js';

const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const FLAG_NAMES: [number, string][] = [
  [IFF_LOOPBACK, 'LOOPBACK'], [IFF_BROADCAST, 'BROADCAST'], [IFF_POINTOPOINT, 'POINTOPOINT'],
  [IFF_MULTICAST, 'MULTICAST'], [IFF_NOARP, 'NOARP'], [IFF_ALLMULTI, 'ALLMULTI'], [IFF_PROMISC, 'PROMISC'],
  [IFF_UP, 'UP'], [IFF_LOWER_UP, 'LOWER_UP'], [IFF_DORMANT, 'DORMANT'],
];

/** print_link_flags(): NO-CARRIER when up without carrier, M-DOWN when the IFLA_LINK device is down */
export function linkFlagNames(ctx: Ctx, l: LinkInfo): string[] {
  const names: string[] = [];
  if (l.flags & IFF_UP && !(l.flags & IFF_LOWER_UP)) names.push('NO-CARRIER');
  for (const [bit, name] of FLAG_NAMES) if (l.flags & bit) names.push(name);
  if (l.link) {
    const peer = ctx.linkByIndex(l.link);
    if (peer && !(peer.flags & IFF_UP)) names.push('M-DOWN');
  }
  return names;
}

function linkType(l: LinkInfo): string { return l.kind === 'loopback' ? 'loopback' : 'ether'; }

/** The "N: name@peer: <FLAGS> mtu ..." block, text form (without stats) */
export function linkHeaderText(ctx: Ctx, l: LinkInfo, withMode: boolean, linkLayer = ctx.opt.family !== 'inet'): string {
  const peer = l.link ? '@' + ctx.ifname(l.link) : '';
  let s = `${l.ifindex}: ${l.name}${peer}: <${linkFlagNames(ctx, l).join(',')}> mtu ${l.mtu} qdisc ${l.qdisc} ` +
    (l.master ? `master ${ctx.ifname(l.master)} ` : '') + `state ${OPERSTATES[l.operstate] ?? l.operstate} ${withMode ? 'mode DEFAULT ' : ''}group ${groupName(l.group)} qlen ${l.txqlen}`;
  if (linkLayer) {
    s += `\n    link/${linkType(l)} ${formatMac(l.address)} brd ${formatMac(l.broadcast)}`;
    if (ctx.opt.details) s += linkDetailsText(l);
  }
  return s + '\n';
}

// -d: the generic line of print_linkinfo; driver-specific numbers are the
// ones a fresh veth/dummy/lo shows on Linux 6.x
function linkDetailsText(l: LinkInfo): string {
  let s = ` promiscuity ${l.promiscuity ?? 0}  allmulti ${l.allmulti ?? 0} minmtu ${l.minMtu} maxmtu ${l.maxMtu} `;
  const queues = l.kind === 'loopback' || l.kind === 'bridge' ? 1 : 2;
  if (l.kind === 'veth' || l.kind === 'dummy') s += `\n    ${l.kind} `;
  s += `addrgenmode eui64 numtxqueues ${queues} numrxqueues ${queues} gso_max_size 65536 gso_max_segs 65535 ` +
    'tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 ';
  return s;
}

export function linkHeaderJson(ctx: Ctx, l: LinkInfo, withMode: boolean, linkLayer = ctx.opt.family !== 'inet'): Record<string, Json> {
  const o: Record<string, Json> = { ifindex: l.ifindex };
  if (l.link) o.link = ctx.ifname(l.link);
  Object.assign(o, { ifname: l.name, flags: linkFlagNames(ctx, l), mtu: l.mtu, qdisc: l.qdisc });
  if (l.master) o.master = ctx.ifname(l.master);
  o.operstate = OPERSTATES[l.operstate] ?? String(l.operstate);
  if (withMode) o.linkmode = 'DEFAULT';
  Object.assign(o, { group: groupName(l.group), txqlen: l.txqlen });
  if (linkLayer) {
    Object.assign(o, { link_type: linkType(l), address: formatMac(l.address), broadcast: formatMac(l.broadcast) });
  }
  if (ctx.opt.details) Object.assign(o, { promiscuity: l.promiscuity ?? 0, allmulti: l.allmulti ?? 0, min_mtu: l.minMtu, max_mtu: l.maxMtu });
  return o;
}

/** print_link_stats(): the RX/TX table, columns widened to fit the numbers */
export function linkStatsText(l: LinkInfo): string {
  const s = l.stats;
  const rx = [s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissed, s.rxMcast];
  const tx = [s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrier, s.collisions];
  const w = [10, 7, 6, 7, 7, 7].map((min, i) => Math.max(min, String(rx[i]).length, String(tx[i]).length));
  const head = (tag: string, names: string[]) =>
    `    ${tag}: ${names[0].padStart(w[0] - 4)}` + names.slice(1).map((n, i) => ' ' + n.padStart(w[i + 1])).join('') + ' '.repeat(11) + '\n';
  const vals = (v: number[]) => '    ' + v.map((x, i) => String(x).padStart(w[i])).join(' ') + ' \n';
  return head('RX', ['bytes', 'packets', 'errors', 'dropped', 'missed', 'mcast']) + vals(rx) +
    head('TX', ['bytes', 'packets', 'errors', 'dropped', 'carrier', 'collsns']) + vals(tx);
}

export function linkStatsJson(l: LinkInfo): Json {
  const s = l.stats;
  return {
    rx: { bytes: s.rxBytes, packets: s.rxPackets, errors: s.rxErrors, dropped: s.rxDropped, over_errors: 0, multicast: s.rxMcast },
    tx: { bytes: s.txBytes, packets: s.txPackets, errors: s.txErrors, dropped: s.txDropped, carrier_errors: s.txCarrier, collisions: s.collisions },
  };
}

export function doLink(ctx: Ctx, argv: string[]): number {
  if (argv.length === 0) return linkShow(ctx, []);
  const [cmd, ...rest] = argv;
  if (matches(cmd, 'add')) return linkModify(ctx, rest, 'add');
  if (matches(cmd, 'set') || matches(cmd, 'change')) return linkModify(ctx, rest, 'set');
  if (matches(cmd, 'delete')) return linkModify(ctx, rest, 'del');
  if (matches(cmd, 'show') || matches(cmd, 'lst') || matches(cmd, 'list')) return linkShow(ctx, rest);
  throw new IpExit(255, `Command "${cmd}" is unknown, try "ip link help".\n`);
}

interface LinkArgs {
  dev?: string; name?: string; up?: boolean; mtu?: number; txqlen?: number; address?: Uint8Array; group?: number;
  type?: string; typeArgs: string[];
  /** ifindex of `master DEV`, 0 for `nomaster` */
  master?: number;
}

/** iplink_parse(): the generic link attributes, up to `type` */
function parseLinkArgs(argv: string[], ctx?: Ctx): LinkArgs {
  const a = new Args(argv);
  const r: LinkArgs = { typeArgs: [] };
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'up') r.up = true;
    else if (w === 'down') r.up = false;
    else if (w === 'name') {
      const v = a.next();
      if (r.name !== undefined) duparg('name', v);
      checkIfname(v, '"name" not a valid ifname');
      r.name = v;
      r.dev ??= v;
    } else if (matches(w, 'address')) {
      r.address = parseLladdrStatus(a.next());
    } else if (matches(w, 'txqueuelen') || w === 'qlen' || matches(w, 'txqlen')) {
      const v = a.next();
      if (r.txqlen !== undefined) duparg('txqueuelen', v);
      const n = parseInt32(v);
      if (n === undefined) invarg('Invalid "txqueuelen" value\n', v);
      r.txqlen = n;
    } else if (w === 'mtu') {
      const v = a.next();
      if (r.mtu !== undefined) duparg('mtu', v);
      const n = parseInt32(v);
      if (n === undefined) invarg('Invalid "mtu" value\n', v);
      r.mtu = n;
    } else if (w === 'group') {
      const v = a.next();
      if (r.group !== undefined) duparg('group', v);
      const n = groupId(v);
      if (n === undefined) invarg('Invalid "group" value\n', v);
      r.group = n;
    } else if (w === 'master' && ctx) {
      const v = a.next();
      const m = ctx.linkByName(v);
      if (!m) invarg('Device does not exist\n', v);
      r.master = m.ifindex;
    } else if (w === 'nomaster') {
      r.master = 0;
    } else if (matches(w, 'vf')) {
      // SR-IOV VF settings: the next word must be a VF number
      invarg('Invalid "vf" value\n', a.next());
    } else if (matches(w, 'type')) {
      r.type = a.next();
      a.skip();
      r.typeArgs = a.remaining();
      break;
    } else {
      let v = w;
      if (w === 'dev') v = a.next();
      if (r.dev !== r.name) duparg2('dev', v);
      checkIfname(v, '"dev" not a valid ifname');
      r.dev = v;
    }
  }
  return r;
}

function checkIfname(v: string, msg: string): void {
  if (v.length === 0 || v.length >= 16 || /[\s/]/.test(v) || v === '.' || v === '..') invarg(msg, v);
}

// iplink_parse returns -1 (not exit) when the lladdr is bad
function parseLladdrStatus(v: string): Uint8Array {
  try {
    return parseLladdr(v);
  } catch (e) {
    if (e instanceof IpExit) throw new CmdFail(1, e.text);
    throw e;
  }
}

function freeName(ctx: Ctx, prefix: string, taken: string[]): string {
  for (let i = 0; ; i++) {
    const n = `${prefix}${i}`;
    if (!ctx.linkByName(n) && !taken.includes(n)) return n;
  }
}

function linkModify(ctx: Ctx, argv: string[], cmd: 'add' | 'set' | 'del'): number {
  const r = parseLinkArgs(argv, ctx);
  if (cmd === 'add') {
    const kinds: Record<string, LinkKind> = { veth: 'veth', dummy: 'dummy', emac: 'emac', bridge: 'bridge' };
    const kind = r.type === undefined ? undefined : kinds[r.type];
    if (kind === undefined) {
      // without a type (or with one the emulated kernel lacks) Linux answers like this
      ctx.err(r.type === undefined ? 'Not enough information: "type" argument is required\n' : 'Error: Unknown device type.\n');
      return r.type === undefined ? 1 : 2;
    }
    const req: LinkAddReq = { name: '', kind };
    if (r.address) req.address = r.address;
    if (r.mtu !== undefined) req.mtu = r.mtu;
    if (r.txqlen !== undefined) req.txqlen = r.txqlen;
    if (r.up !== undefined) req.up = r.up;
    const taken: string[] = [];
    if (kind === 'veth') {
      let peer: LinkArgs = { typeArgs: [] };
      if (r.typeArgs.length) {
        if (r.typeArgs[0] !== 'peer') throw new IpExit(255, 'Usage: ip link <options> type veth [peer <options>]\nTo get <options> type \'ip link add help\'\n');
        peer = parseLinkArgs(r.typeArgs.slice(1));
        if (peer.type !== undefined) duparg('type', peer.type);
      }
      const peerName = peer.dev ?? freeName(ctx, 'veth', taken);
      taken.push(peerName);
      req.peer = { name: peerName };
      if (peer.address) req.peer.address = peer.address;
      if (peer.mtu !== undefined) req.peer.mtu = peer.mtu;
      if (peer.txqlen !== undefined) req.peer.txqlen = peer.txqlen;
    }
    req.name = r.dev ?? freeName(ctx, kind, taken);
    return ctx.check(ctx.rtnl.linkAdd(req)) ? 0 : 2;
  }
  if (r.dev === undefined) throw new IpExit(255, 'Not enough information: "dev" argument is required.\n');
  const ifindex = ctx.ifindexOrFail(r.dev);
  if (cmd === 'del') return ctx.check(ctx.rtnl.linkDel(ifindex)) ? 0 : 2;
  const req: LinkSetReq = { ifindex };
  if (r.name !== undefined && r.name !== r.dev) req.name = r.name;
  if (r.mtu !== undefined) req.mtu = r.mtu;
  if (r.txqlen !== undefined) req.txqlen = r.txqlen;
  if (r.address) req.address = r.address;
  if (r.group !== undefined) req.group = r.group;
  if (r.master !== undefined) req.master = r.master;
  if (r.up !== undefined) req.up = r.up;
  return ctx.check(ctx.rtnl.linkSet(req)) ? 0 : 2;
}

function linkShow(ctx: Ctx, argv: string[]): number {
  const a = new Args(argv);
  let dev: string | undefined, up = false, master: number | undefined;
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (w === 'up') up = true;
    else if (w === 'master') {
      const v = a.next();
      const m = ctx.linkByName(v);
      if (!m) invarg('Device does not exist\n', v);
      master = m.ifindex;
    } else {
      const v = w === 'dev' ? a.next() : w;
      if (dev !== undefined) duparg2('dev', v);
      dev = v;
    }
  }
  let links = ctx.links();
  if (dev !== undefined) {
    const l = ctx.linkByName(dev);
    if (!l) throw new CmdFail(1, `Device "${dev}" does not exist.\n`);
    links = [l];
  }
  if (up) links = links.filter((l) => l.flags & IFF_UP);
  if (master !== undefined) links = links.filter((l) => l.master === master);
  if (ctx.opt.json) {
    ctx.jsonOut(links.map((l) => {
      const o = linkHeaderJson(ctx, l, true, true);
      if (ctx.opt.stats) o.stats64 = linkStatsJson(l);
      return o;
    }));
    return 0;
  }
  for (const l of links) {
    let s = linkHeaderText(ctx, l, true, true);
    if (ctx.opt.stats) s += linkStatsText(l);
    ctx.record(s);
  }
  return 0;
}
