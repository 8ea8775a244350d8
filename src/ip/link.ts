// `ip link`: add (veth, dummy), delete, set, show; plus the link header
// printer shared with `ip address show` (ip/iplink.c, ip/ipaddress.c).
import {
  IFF_ALLMULTI, IFF_BROADCAST, IFF_DORMANT, IFF_DYNAMIC, IFF_LOOPBACK, IFF_LOWER_UP, IFF_MULTICAST, IFF_NOARP, IFF_NOTRAILERS,
  IFF_MULTI_QUEUE, IFF_NO_PI, IFF_PERSIST, IFF_POINTOPOINT, IFF_PROMISC, IFF_TAP, IFF_UP, IFF_VNET_HDR,
  MACVLAN_FLAG_NODST, MACVLAN_FLAG_NOPROMISC, MACVLAN_MODES, type BridgeOptReq, type BridgePortInfo, type BridgePortReq,
  BR_HAIRPIN_MODE, BR_LEARNING, BR_FLOOD, BR_MCAST_FLOOD, BR_BCAST_FLOOD, BR_ISOLATED, type LinkAddReq, type LinkInfo, type LinkKind, type LinkSetReq,
  type MacvlanMode, type MacvlanReq, VLAN_FLAG_BRIDGE_BINDING, VLAN_FLAG_GVRP, VLAN_FLAG_LOOSE_BINDING, VLAN_FLAG_MVRP, VLAN_FLAG_REORDER_HDR,
} from '../rtnl.js';
import { CmdFail, type Ctx } from './context.js';
import { IpExit } from './errors.js';
import { type Json, JsonNumber } from './json.js';
import { groupId, groupName, parseInt32, parseUint } from './names.js';
import { Args, byteLength, checkAltIfname, checkIfname, duparg, duparg2, formatMac, incomplete, invarg, matches, padBytes, parseLladdr } from './parse.js';

const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const FLAG_NAMES: [number, string][] = [
  [IFF_LOOPBACK, 'LOOPBACK'], [IFF_BROADCAST, 'BROADCAST'], [IFF_POINTOPOINT, 'POINTOPOINT'],
  [IFF_MULTICAST, 'MULTICAST'], [IFF_NOARP, 'NOARP'], [IFF_ALLMULTI, 'ALLMULTI'], [IFF_PROMISC, 'PROMISC'],
  [IFF_DYNAMIC, 'DYNAMIC'], [IFF_NOTRAILERS, 'NOTRAILERS'], [IFF_UP, 'UP'], [IFF_LOWER_UP, 'LOWER_UP'], [IFF_DORMANT, 'DORMANT'],
];

/** print_link_flags(): NO-CARRIER when up without carrier, M-DOWN when the IFLA_LINK device is down */
export function linkFlagNames(ctx: Ctx, l: LinkInfo): string[] {
  const names: string[] = [];
  if (l.flags & IFF_UP && !(l.flags & IFF_LOWER_UP)) names.push('NO-CARRIER');
  for (const [bit, name] of FLAG_NAMES) if (l.flags & bit) names.push(name);
  if (l.link && l.linkNetnsid === undefined) {
    const peer = ctx.linkByIndex(l.link);
    if (peer && !(peer.flags & IFF_UP)) names.push('M-DOWN');
  }
  return names;
}

/** ARPHRD_* as ip prints it: tun devices have no link-layer address (ARPHRD_NONE) */
function linkType(l: LinkInfo): string {
  if (l.tun && !(l.tun.flags & IFF_TAP)) return 'none';
  return l.kind === 'loopback' ? 'loopback' : 'ether';
}

/** print_name_and_link(): "name@link" for a device with IFLA_LINK (veth peer, macvlan lower...), else the name */
function nameAndLink(ctx: Ctx, l: LinkInfo): string {
  if (!l.link) return l.name;
  // a link in another netns prints by index only: its name is not ours to look up
  return l.linkNetnsid !== undefined ? `${l.name}@if${l.link}` : `${l.name}@${ctx.ifname(l.link)}`;
}

/** The "N: name@peer: <FLAGS> mtu ..." block, text form (without stats) */
export function linkHeaderText(ctx: Ctx, l: LinkInfo, withMode: boolean, linkLayer = ctx.opt.family !== 'inet'): string {
  let s = `${l.ifindex}: ${ctx.paint('ifname', `${nameAndLink(ctx, l)}: `)}<${linkFlagNames(ctx, l).join(',')}> mtu ${l.mtu} qdisc ${l.qdisc} ` +
    (l.master ? `master ${ctx.ifname(l.master)} ` : '') + `state ${operstateText(ctx, l, '%s ')}${withMode ? 'mode DEFAULT ' : ''}group ${groupName(l.group)} ${l.txqlen ? `qlen ${l.txqlen}` : ''}`;
  if (linkLayer) {
    const type = linkType(l);
    s += `\n    link/${type} ` + (type === 'none' ? '' : `${ctx.paint('mac', formatMac(l.address))} brd ${ctx.paint('mac', formatMac(l.broadcast))}`);
    if (l.linkNetnsid !== undefined) s += l.linkNetns !== undefined ? ` link-netns ${l.linkNetns}` : ` link-netnsid ${l.linkNetnsid}`;
    if (ctx.opt.details) s += linkDetailsText(ctx, l, withMode);
  }
  if (l.alias !== undefined && (withMode || ctx.opt.details)) s += `\n    alias ${l.alias}`;
  return s + '\n';
}

// -d: the generic line of print_linkinfo; driver-specific numbers are the
// ones a fresh veth/dummy/lo/macvlan shows on Linux 6.x. The IPv6 address
// generation mode (print_af_spec) is `ip link`'s only, not `ip addr`'s.
function linkDetailsText(ctx: Ctx, l: LinkInfo, doLink: boolean): string {
  let s = ` promiscuity ${l.promiscuity ?? 0}  allmulti ${l.allmulti ?? 0} minmtu ${l.minMtu} maxmtu ${l.maxMtu} `;
  if (l.kind === 'veth' || l.kind === 'dummy') s += `\n    ${l.kind} `;
  if (l.macvlan) s += `\n    macvlan ${macvlanText(l)}`;
  if (l.vlan) s += `\n    vlan ${vlanText(l)}`;
  if (l.bridge) s += `\n    bridge ${bridgeOptText(bridgeOpts(l))}`;
  if (l.tun) {
    const t = tunInfoData(l.tun.flags, l.tun.numqueues);
    const onoff = (k: 'pi' | 'vnet_hdr' | 'persist') => `${k} ${t[k] ? 'on' : 'off'} `;
    s += `\n    tun type ${t.type} ${onoff('pi')}${onoff('vnet_hdr')}` +
      (t.multi_queue ? `multi_queue numqueues ${t.numqueues} numdisabled 0 ` : '') + onoff('persist');
  }
  if (l.brport) s += `\n    bridge_slave ${bridgeOptText(bridgePortOpts(ctx, l, l.brport))}`;
  const { queues, tso } = linkQueues(l);
  s += `${doLink ? 'addrgenmode eui64 ' : ''}numtxqueues ${queues} numrxqueues ${queues} gso_max_size 65536 gso_max_segs 65535 ` +
    `tso_max_size ${tso} tso_max_segs 65535 gro_max_size 65536 `;
  return s;
}

// IFLA_BR_* / IFLA_BRPORT_* as bridge_print_opt() and bridge_slave_print_opt() print them: [json key, text key, value]
// (a boolean prints on/off, a Timer "%7.2f" in text and "%.2f" in JSON; no json key: text only). STP is off and the multicast and
// netfilter options keep their defaults; what varies is the bridge id (its address), the port number and
// state and the fdb gc timer.
class Timer { constructor(readonly cs: number) {} }
type BrOpt = [string, string, number | string | boolean | Timer];
const STP_STATES = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/** br_dump_bridge_id(): priority, then the address in unpadded hex */
function bridgeId(l: LinkInfo): string {
  return '8000.' + [...l.address].map((b) => b.toString(16)).join(':');
}
/** print_0xhex(): %#x, so 0 is "0" */
const hex0x = (n: number): string => (n ? `0x${n.toString(16)}` : '0');
function bridgeOpts(l: LinkInfo): BrOpt[] {
  const id = bridgeId(l);
  return [
    ['forward_delay', '', 1500], ['hello_time', '', 200], ['max_age', '', 2000], ['ageing_time', '', l.bridge!.ageingCs],
    ['stp_state', '', 0], ['priority', '', 32768], ['vlan_filtering', '', 0], ['bridge_id', '', id],
    ['root_id', 'designated_root', id], ['root_port', '', 0], ['root_path_cost', '', 0], ['topology_change', '', 0],
    ['topology_change_detected', '', 0], ['hello_timer', '', new Timer(0)], ['tcn_timer', '', new Timer(0)],
    ['topology_change_timer', '', new Timer(0)], ['gc_timer', '', new Timer(l.bridge!.gcTimerCs)],
    ['group_fwd_mask', '', hex0x(l.bridge!.groupFwdMask)],
    ['group_addr', 'group_address', '01:80:c2:00:00:00'], ['mcast_snooping', '', l.bridge!.mcastSnooping ? 1 : 0], ['no_linklocal_learn', '', 0],
    ['mcast_vlan_snooping', '', 0], ['mcast_router', '', 1], ['mcast_query_use_ifaddr', '', 0], ['mcast_querier', '', 0],
    ['mcast_hash_elasticity', '', 16], ['mcast_hash_max', '', 4096], ['mcast_last_member_cnt', 'mcast_last_member_count', 2],
    ['mcast_startup_query_cnt', 'mcast_startup_query_count', 2], ['mcast_last_member_intvl', 'mcast_last_member_interval', 100],
    ['mcast_membership_intvl', 'mcast_membership_interval', 26000], ['mcast_querier_intvl', 'mcast_querier_interval', 25500],
    ['mcast_query_intvl', 'mcast_query_interval', 12500], ['mcast_query_response_intvl', 'mcast_query_response_interval', 1000],
    ['mcast_startup_query_intvl', 'mcast_startup_query_interval', 3124], ['mcast_stats_enabled', '', 0],
    ['mcast_igmp_version', '', 2], ['mcast_mld_version', '', 1], ['nf_call_iptables', '', 0], ['nf_call_ip6tables', '', 0],
    ['nf_call_arptables', '', 0],
  ];
}
/** a port's options: with STP off it is the designated port of its segment, the bridge is root */
function bridgePortOpts(ctx: Ctx, l: LinkInfo, p: BridgePortInfo): BrOpt[] {
  const br = ctx.linkByIndex(l.master ?? 0);
  const masterId = br ? bridgeId(br) : '';
  const id = (p.priority << 10) | p.portNo;
  const on = (bit: number) => (p.flags & bit) !== 0;
  return [
    ['state', '', STP_STATES[p.state] ?? String(p.state)], ['priority', '', p.priority], ['cost', '', p.cost],
    ['hairpin', '', on(BR_HAIRPIN_MODE)], ['guard', '', false], ['root_block', '', false], ['fastleave', '', false], ['learning', '', on(BR_LEARNING)],
    ['flood', '', on(BR_FLOOD)], ['id', 'port_id', '0x' + id.toString(16)], ['no', 'port_no', '0x' + p.portNo.toString(16)],
    ['designated_port', '', id], ['designated_cost', '', 0], ['bridge_id', 'designated_bridge', masterId],
    ['root_id', 'designated_root', masterId], ['hold_timer', '', new Timer(0)], ['message_age_timer', '', new Timer(0)],
    ['forward_delay_timer', '', new Timer(p.fwdDelayTimerCs)], ['topology_change_ack', '', 0], ['config_pending', '', 0],
    ['proxy_arp', '', false], ['proxy_arp_wifi', '', false], ['multicast_router', 'mcast_router', 1],
    ['', 'mcast_fast_leave', false], ['mcast_flood', '', on(BR_MCAST_FLOOD)], ['bcast_flood', '', on(BR_BCAST_FLOOD)], ['mcast_to_unicast', '', false],
    ['neigh_suppress', '', false], ['group_fwd_mask', '', '0'], ['group_fwd_mask_str', '', '0x0'], ['vlan_tunnel', '', false],
    ['isolated', '', on(BR_ISOLATED)], ['locked', '', false],
  ];
}
function bridgeOptText(o: BrOpt[]): string {
  return o.map(([j, t, v]) => `${t || j} ${v instanceof Timer ? (v.cs / 100).toFixed(2).padStart(7) : typeof v === 'boolean' ? (v ? 'on' : 'off') : v} `).join('');
}
function bridgeOptJson(o: BrOpt[]): Record<string, Json> {
  return Object.fromEntries(o.filter(([j]) => j).map(([j, , v]) => [j, v instanceof Timer ? new JsonNumber((v.cs / 100).toFixed(2)) : v]));
}

/**
 * numtxqueues/numrxqueues and tso_max_size. The queues: a veth has one per possible CPU (2 on the machines this
 * models), a multi-queue tun 256, the rest one (alloc_etherdev and rtnl_create_link's default, the EMAC's included).
 */
function linkQueues(l: LinkInfo): { queues: number; tso: number } {
  const queues = l.tun ? (l.tun.flags & IFF_MULTI_QUEUE ? 256 : 1) : l.kind === 'veth' ? 2 : 1;
  return { queues, tso: l.tsoMaxSize ?? 65536 };
}

/** macvlan_print_opt() */
function macvlanText(l: LinkInfo): string {
  const m = l.macvlan!;
  let s = `mode ${m.mode} `;
  if (m.flags & MACVLAN_FLAG_NOPROMISC) s += 'nopromisc ';
  if (m.flags & MACVLAN_FLAG_NODST) s += 'nodst ';
  s += `bcqueuelen ${m.bcQueueLen} usedbcqueuelen ${m.bcQueueLenUsed} `;
  if (m.mode === 'source') s += 'remotes (0) ';
  return s;
}
function macvlanJson(l: LinkInfo): Record<string, Json> {
  const m = l.macvlan!;
  const o: Record<string, Json> = { mode: m.mode };
  if (m.flags & MACVLAN_FLAG_NOPROMISC) o.nopromisc = true;
  if (m.flags & MACVLAN_FLAG_NODST) o.nodst = true;
  Object.assign(o, { bcqueuelen: m.bcQueueLen, usedbcqueuelen: m.bcQueueLenUsed });
  if (m.mode === 'source') o.macaddr_count = 0;
  return o;
}

/** ll_proto_n2a() for the VLAN protocols, as lib/ll_proto.c names them */
function vlanProtoName(p: number): string {
  return p === 0x8100 ? '802.1Q' : p === 0x88a8 ? '802.1ad' : `[${p.toString(16)}]`;
}
const VLAN_FLAG_NAMES: [number, string][] = [
  [VLAN_FLAG_REORDER_HDR, 'REORDER_HDR'], [VLAN_FLAG_GVRP, 'GVRP'], [VLAN_FLAG_MVRP, 'MVRP'],
  [VLAN_FLAG_LOOSE_BINDING, 'LOOSE_BINDING'], [VLAN_FLAG_BRIDGE_BINDING, 'BRIDGE_BINDING'],
];
/** vlan_print_flags(): the names of the flags set; IFLA_VLAN_FLAGS is only sent when some are */
function vlanFlagNames(flags: number): string[] {
  const out: string[] = [];
  let f = flags;
  for (const [bit, name] of VLAN_FLAG_NAMES) if (f & bit) { f &= ~bit; out.push(name); }
  if (f) out.push(f.toString(16));
  return out;
}
/** vlan_print_opt() (ip/iplink_vlan.c) */
function vlanText(l: LinkInfo): string {
  const v = l.vlan!;
  let s = `protocol ${vlanProtoName(v.protocol)} id ${v.id} `;
  if (v.flags) s += `<${vlanFlagNames(v.flags).join(',')}> `;
  return s;
}
function vlanJson(l: LinkInfo): Record<string, Json> {
  const v = l.vlan!;
  const o: Record<string, Json> = { protocol: vlanProtoName(v.protocol), id: v.id };
  if (v.flags) o.flags = vlanFlagNames(v.flags);
  return o;
}

/** -brief: the name (with its link) in 16 columns and the operational state in 14, as print_linkinfo pads them */
export function linkBriefText(ctx: Ctx, l: LinkInfo): string {
  return ctx.paint('ifname', `${padBytes(nameAndLink(ctx, l), 16)} `) + operstateText(ctx, l, '%-14s ');
}

/**
 * print_operstate(): the state word, coloured by oper_state_color() (UP green, DOWN red, the others
 * plain) with the blank after it (text: "%s ", -brief: "%-14s ")
 */
function operstateText(ctx: Ctx, l: LinkInfo, fmt: '%s ' | '%-14s '): string {
  const word = OPERSTATES[l.operstate] ?? String(l.operstate);
  const color = word === 'UP' ? 'up' : word === 'DOWN' ? 'down' : undefined;
  return ctx.paint(color, (fmt === '%s ' ? word : word.padEnd(14)) + ' ');
}
export function linkBriefJson(ctx: Ctx, l: LinkInfo): Record<string, Json> {
  const o: Record<string, Json> = {};
  if (l.link && l.linkNetnsid !== undefined) o.link_index = l.link;
  else if (l.link) o.link = ctx.ifname(l.link);
  return Object.assign(o, { ifname: l.name, operstate: OPERSTATES[l.operstate] ?? String(l.operstate) });
}

export function linkHeaderJson(ctx: Ctx, l: LinkInfo, withMode: boolean, linkLayer = ctx.opt.family !== 'inet'): Record<string, Json> {
  const o: Record<string, Json> = { ifindex: l.ifindex };
  if (l.link && l.linkNetnsid !== undefined) o.link_index = l.link;
  else if (l.link) o.link = ctx.ifname(l.link);
  Object.assign(o, { ifname: l.name, flags: linkFlagNames(ctx, l), mtu: l.mtu, qdisc: l.qdisc });
  if (l.master) o.master = ctx.ifname(l.master);
  o.operstate = OPERSTATES[l.operstate] ?? String(l.operstate);
  if (withMode) o.linkmode = 'DEFAULT';
  // print_queuelen(): a queue length of 0 is not printed
  Object.assign(o, { group: groupName(l.group) }, l.txqlen ? { txqlen: l.txqlen } : {});
  if (linkLayer) {
    const type = linkType(l);
    o.link_type = type;
    if (type !== 'none') Object.assign(o, { address: formatMac(l.address), broadcast: formatMac(l.broadcast) });
    if (l.linkNetnsid !== undefined) o.link_netnsid = l.linkNetnsid;
  }
  if (ctx.opt.details) {
    Object.assign(o, { promiscuity: l.promiscuity ?? 0, allmulti: l.allmulti ?? 0, min_mtu: l.minMtu, max_mtu: l.maxMtu });
    if (l.kind === 'veth' || l.kind === 'dummy') o.linkinfo = { info_kind: l.kind };
    if (l.macvlan) o.linkinfo = { info_kind: 'macvlan', info_data: macvlanJson(l) };
    if (l.vlan) o.linkinfo = { info_kind: 'vlan', info_data: vlanJson(l) };
    if (l.tun) {
      const t = tunInfoData(l.tun.flags, l.tun.numqueues);
      const data: Record<string, Json> = { type: t.type, pi: t.pi, vnet_hdr: t.vnet_hdr, multi_queue: t.multi_queue };
      if (t.multi_queue) Object.assign(data, { numqueues: t.numqueues, numdisabled: 0 });
      data.persist = t.persist;
      o.linkinfo = { info_kind: 'tun', info_data: data };
    }
    if (l.bridge) o.linkinfo = { info_kind: 'bridge', info_data: bridgeOptJson(bridgeOpts(l)) };
    if (l.brport) {
      const li = (o.linkinfo ?? {}) as Record<string, Json>;
      o.linkinfo = { ...li, info_slave_kind: 'bridge', info_slave_data: bridgeOptJson(bridgePortOpts(ctx, l, l.brport)) };
    }
    const { queues, tso } = linkQueues(l);
    if (withMode) o.inet6_addr_gen_mode = 'eui64';
    Object.assign(o, {
      num_tx_queues: queues, num_rx_queues: queues, gso_max_size: 65536, gso_max_segs: 65535,
      tso_max_size: tso, tso_max_segs: 65535, gro_max_size: 65536,
    });
  }
  if (l.alias !== undefined && (withMode || ctx.opt.details)) o.ifalias = l.alias;
  return o;
}

/** tun_fill_info(): IFLA_TUN_* as iproute2 prints them */
function tunInfoData(flags: number, numqueues: number) {
  return {
    type: flags & IFF_TAP ? 'tap' : 'tun', pi: !(flags & IFF_NO_PI), vnet_hdr: !!(flags & IFF_VNET_HDR),
    multi_queue: !!(flags & IFF_MULTI_QUEUE), numqueues, persist: !!(flags & IFF_PERSIST),
  };
}

/**
 * size_columns(): the digits iproute2 gives a value (its loop stops at the first power of ten
 * not below it, so 10, 100, ... count one digit short)
 */
function digits(v: number): number {
  let len = 1;
  for (let p = 10; p < v; p *= 10) len++;
  return len;
}

/**
 * print_stats64() of iproute2 6.1: the RX/TX table, columns widened to fit the numbers; with
 * -s -s (`level` 2) the error lines and the carrier changes (transns) too.
 */
export function linkStatsText(l: LinkInfo, level: number): string {
  const s = l.stats;
  const z = (v: number | undefined) => v ?? 0;
  const rxErr = [0, z(s.rxLengthErrors), z(s.rxCrcErrors), z(s.rxFrameErrors), z(s.rxFifoErrors), z(s.rxOverErrors),
    z(s.rxNohandler), z(s.rxOtherhostDropped)];
  // the widths of "*X errors:", "packets", "errors", "dropped", "heartbt", "overrun", "compressed", "otherhost"
  const cols = [10, 7, 6, 7, 7, 7, 10, 9];
  const size = (vals: number[]) => vals.forEach((v, i) => { cols[i] = Math.max(cols[i], digits(v)); });
  size([s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissed, s.rxMcast, z(s.rxCompressed), 0]);
  if (level > 1) size(rxErr);
  size([s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrier, s.collisions, z(s.txCompressed), 0]);
  // (6.1 sizes the TX error values one column to the right of where it prints them)
  if (level > 1) size([0, 0, z(s.txAbortedErrors), z(s.txFifoErrors), z(s.txWindowErrors), z(s.txHeartbeatErrors), l.carrierChanges, 0]);
  const num = (i: number, v: number) => String(v).padStart(cols[i]) + ' ';
  const row = (first: number, vals: number[]) => vals.map((v, i) => num(first + i, v)).join('');
  const head = (tag: string, names: string[], compressed: number | undefined) =>
    `    ${tag}: ${'bytes'.padStart(cols[0] - 4)}` + names.map((n, i) => ' ' + n.padStart(cols[i + 1])).join('') +
    ' ' + (compressed ? 'compressed' : '').padStart(cols[6]) + '\n';
  let out = head('RX', ['packets', 'errors', 'dropped', 'missed', 'mcast'], s.rxCompressed) + '    ' +
    row(0, [s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissed, s.rxMcast]) + (s.rxCompressed ? num(6, s.rxCompressed) : '');
  if (level > 1) {
    out += '\n    RX errors:' + ''.padStart(cols[0] - 10) + ['length', 'crc', 'frame', 'fifo', 'overrun'].map((n, i) => ' ' + n.padStart(cols[i + 1])).join('') +
      (rxErr[6] ? ' nohandler'.padStart(cols[6] + 1) : '') + (rxErr[7] ? ' otherhost'.padStart(cols[7] + 1) : '') + '\n' +
      ''.padStart(cols[0] + 5) + row(1, rxErr.slice(1, 6)) + (rxErr[6] ? num(6, rxErr[6]) : '') + (rxErr[7] ? num(7, rxErr[7]) : '');
  }
  out += '\n' + head('TX', ['packets', 'errors', 'dropped', 'carrier', 'collsns'], s.txCompressed) + '    ' +
    row(0, [s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrier, s.collisions]) + (s.txCompressed ? num(6, s.txCompressed) : '');
  if (level > 1) {
    out += '\n    TX errors:' + ''.padStart(cols[0] - 10) + ['aborted', 'fifo', 'window', 'heartbt', 'transns'].map((n, i) => ' ' + n.padStart(cols[i + 1])).join('') +
      '\n' + ''.padStart(cols[0] + 5) +
      row(1, [z(s.txAbortedErrors), z(s.txFifoErrors), z(s.txWindowErrors), z(s.txHeartbeatErrors), l.carrierChanges]);
  }
  return out + '\n';
}

export function linkStatsJson(l: LinkInfo, level: number): Json {
  const s = l.stats;
  const z = (v: number | undefined) => v ?? 0;
  const rx: Record<string, Json> = {
    bytes: s.rxBytes, packets: s.rxPackets, errors: s.rxErrors, dropped: s.rxDropped, over_errors: z(s.rxOverErrors), multicast: s.rxMcast,
  };
  const tx: Record<string, Json> = {
    bytes: s.txBytes, packets: s.txPackets, errors: s.txErrors, dropped: s.txDropped, carrier_errors: s.txCarrier, collisions: s.collisions,
  };
  if (s.rxCompressed) rx.compressed = s.rxCompressed;
  if (s.txCompressed) tx.compressed = s.txCompressed;
  if (level > 1) {
    Object.assign(rx, {
      length_errors: z(s.rxLengthErrors), crc_errors: z(s.rxCrcErrors), frame_errors: z(s.rxFrameErrors),
      fifo_errors: z(s.rxFifoErrors), missed_errors: s.rxMissed,
    });
    if (s.rxNohandler) rx.nohandler = s.rxNohandler;
    if (s.rxOtherhostDropped) rx.otherhost = s.rxOtherhostDropped;
    Object.assign(tx, {
      aborted_errors: z(s.txAbortedErrors), fifo_errors: z(s.txFifoErrors), window_errors: z(s.txWindowErrors),
      heartbeat_errors: z(s.txHeartbeatErrors), carrier_changes: l.carrierChanges,
    });
  }
  return { rx, tx };
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
  link?: string; netns?: string; type?: string; typeArgs: string[];
  /** ifindex of `master DEV`, 0 for `nomaster` */
  master?: number;
  /** IFLA_IFALIAS (rtnl_newlink ignores it: only `set` gives a device one) */
  alias?: string;
  /** ifi_flags / ifi_change besides IFF_UP */
  flags?: number;
  change?: number;
  /** IFLA_CARRIER */
  carrier?: boolean;
}

/** the flag words of iplink_parse: the IFF_* bit, and whether `on` clears it (arp on = no IFF_NOARP) */
const FLAG_WORDS = new Map<string, [number, boolean]>([
  ['multicast', [IFF_MULTICAST, false]], ['allmulticast', [IFF_ALLMULTI, false]], ['promisc', [IFF_PROMISC, false]],
  ['trailers', [IFF_NOTRAILERS, true]], ['arp', [IFF_NOARP, true]], ['dynamic', [IFF_DYNAMIC, false]],
]);

/** parse_on_off(): exactly "on" or "off" */
function parseOnOff(what: string, v: string): boolean {
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new CmdFail(1, `Error: argument of "${what}" must be "on" or "off", not "${v}"\n`);
}

/** iplink_parse(): the generic link attributes, up to `type`; `netns` must name a box `ctx` can reach */
function parseLinkArgs(ctx: Ctx, argv: string[]): LinkArgs {
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
    } else if (FLAG_WORDS.has(w)) {
      // iplink_parse: `WORD on|off` sets or clears a flag in ifi_flags and names it in ifi_change
      const [bit, inverted] = FLAG_WORDS.get(w)!;
      const on = parseOnOff(w, a.next());
      r.change = (r.change ?? 0) | bit;
      r.flags = on !== inverted ? (r.flags ?? 0) | bit : (r.flags ?? 0) & ~bit;
    } else if (w === 'carrier') {
      // parse_one_of(): its own message, and -EINVAL as the exit status
      const v = a.next();
      if (v !== 'on' && v !== 'off') throw new CmdFail(22, `Error: argument of "carrier" must be one of "off", "on", not "${v}"\n`);
      r.carrier = v === 'on';
    } else if (w === 'alias') {
      const v = a.next();
      if (byteLength(v) >= 256) invarg('alias too long\n', v); // IFALIASZ
      r.alias = v;
    } else if (w === 'link') {
      r.link = a.next();
    } else if (w === 'master') {
      const v = a.next();
      const m = ctx.linkByName(v);
      if (!m) invarg('Device does not exist\n', v);
      r.master = m.ifindex;
    } else if (w === 'nomaster') {
      r.master = 0;
    } else if (w === 'netns') {
      const v = a.next();
      if (r.netns !== undefined) duparg('netns', v);
      if (!ctx.rtnl.netnsExists?.(v)) invarg('Invalid "netns" value\n', v);
      r.netns = v;
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
      checkAltIfname(v, '"dev" not a valid ifname');
      r.dev = v;
    }
  }
  return r;
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
  const r = parseLinkArgs(ctx, argv);
  if (r.netns !== undefined) {
    // only a new veth's peer can be made in another box; existing devices do not move
    ctx.err('Error: netpath: devices cannot move to another box (only "type veth peer ... netns NAME").\n');
    return 2;
  }
  if (cmd === 'add') {
    const kinds: Record<string, LinkKind> = { veth: 'veth', dummy: 'dummy', emac: 'emac', macvlan: 'macvlan', tun: 'tun', bridge: 'bridge', vlan: 'vlan' };
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
    if (r.change) { req.flags = r.flags ?? 0; req.change = r.change; }
    // iplink_modify: IFLA_LINK by name, resolved before the request
    if (r.link !== undefined) req.link = ctx.ifindexOrFail(r.link);
    const taken: string[] = [];
    if (kind === 'macvlan') req.macvlan = parseMacvlan(r.typeArgs);
    if (kind === 'vlan') req.vlan = parseVlan(r.typeArgs);
    if (kind === 'bridge') { const b = parseBridge(r.typeArgs); if (Object.keys(b).length) req.bridge = b; }
    if (kind === 'veth') {
      let peer: LinkArgs = { typeArgs: [] };
      if (r.typeArgs.length) {
        if (r.typeArgs[0] !== 'peer') throw new IpExit(255, 'Usage: ip link <options> type veth [peer <options>]\nTo get <options> type \'ip link add help\'\n');
        peer = parseLinkArgs(ctx, r.typeArgs.slice(1));
        if (peer.type !== undefined) duparg('type', peer.type);
      }
      const peerName = peer.dev ?? freeName(ctx, 'veth', taken);
      taken.push(peerName);
      req.peer = { name: peerName };
      if (peer.address) req.peer.address = peer.address;
      if (peer.mtu !== undefined) req.peer.mtu = peer.mtu;
      if (peer.txqlen !== undefined) req.peer.txqlen = peer.txqlen;
      if (peer.netns !== undefined) req.peer.netns = peer.netns;
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
  if (r.alias !== undefined) req.alias = r.alias;
  if (r.change) { req.flags = r.flags ?? 0; req.change = r.change; }
  if (r.carrier !== undefined) req.carrier = r.carrier;
  if (r.up !== undefined) req.up = r.up;
  if (r.type === 'macvlan') {
    const m = parseMacvlan(r.typeArgs);
    if (Object.keys(m).length) req.macvlan = m;
  }
  if (r.type === 'vlan') {
    // `set DEV type vlan ...`: vlan_changelink; only the flags are modelled
    const v = parseVlan(r.typeArgs);
    if (v.id !== undefined || v.protocol !== undefined) {
      ctx.err('Error: netpath: only the flags of a VLAN device can be changed.\n');
      return 2;
    }
    req.vlan = { flags: v.flags ?? 0, mask: v.mask ?? 0 };
  }
  if (r.type === 'bridge') {
    const b = parseBridge(r.typeArgs);
    if (Object.keys(b).length) req.bridge = b;
  }
  if (r.type === 'bridge_slave') {
    const p = parseBridgeSlave(r.typeArgs, ctx.linkByIndex(ifindex)?.brport);
    // rtnl_changelink: the slave kind must be the master's (EOPNOTSUPP for a device that is no bridge port)
    if (!ctx.linkByIndex(ifindex)?.brport) return ctx.check({ ok: false, errno: 95 }) ? 0 : 2;
    req.brport = p;
  }
  return ctx.check(ctx.rtnl.linkSet(req)) ? 0 : 2;
}

function linkShow(ctx: Ctx, argv: string[]): number {
  const a = new Args(argv);
  const f: LinkFilter = { up: false };
  let dev: string | undefined;
  for (; !a.done; a.skip()) {
    if (linkFilterWord(ctx, a, f)) continue;
    const w = a.cur;
    const v = w === 'dev' ? a.next() : w;
    if (dev !== undefined) duparg2('dev', v);
    dev = v;
  }
  let links = ctx.links();
  if (dev !== undefined) {
    const l = ctx.linkByName(dev);
    if (!l) throw new CmdFail(1, `Device "${dev}" does not exist.\n`);
    links = [l];
  }
  // without `dev`, the dump, which the kernel filters by master and kind; with it, that one device as it is
  if (dev === undefined) links = links.filter((l) => linkDumped(l, f));
  // print_linkinfo() refuses the rest after ipaddr_list_flush_or_save() (or iplink_get()) opened its
  // JSON object: `{}` in JSON, nothing in text
  if (ctx.opt.json) {
    ctx.jsonOut(links.map((l) => (linkShown(l, f, false) < 0 ? {} : linkShowJson(ctx, l))));
    return 0;
  }
  links = links.filter((l) => linkShown(l, f, false) > 0);
  if (ctx.opt.brief) {
    // the link address (devices without one, like tun, have none) and the flags; -s and -d add nothing
    for (const l of links) ctx.out(`${linkBriefText(ctx, l)}${l.address.length && linkType(l) !== 'none' ? ctx.paint('mac', formatMac(l.address) + ' ') : ''}<${linkFlagNames(ctx, l).join(',')}> \n`);
    return 0;
  }
  for (const l of links) {
    let s = linkHeaderText(ctx, l, true, true);
    if (ctx.opt.stats) s += linkStatsText(l, ctx.opt.stats);
    ctx.record(s);
  }
  return 0;
}

/** the device filters of ipaddr_list_flush_or_save() that `ip link show` and `ip addr show` share */
export interface LinkFilter { up: boolean; group?: number; master?: number; kind?: string; slaveKind?: string }

/** IFLA_INFO_KIND, the device's rtnl_link_ops (loopback and the EMAC have none) */
function linkKindName(l: LinkInfo): string | undefined { return l.kind === 'loopback' || l.kind === 'emac' ? undefined : l.kind; }
/** the kinds rtnl_link_ops_get() knows: netpath's drivers */
const LINK_KINDS = new Set(['veth', 'dummy', 'macvlan', 'vlan', 'tun', 'bridge']);

/** a device filter word at a (up, group, master, vrf, type), parsed into f; false for any other word */
export function linkFilterWord(ctx: Ctx, a: Args, f: LinkFilter): boolean {
  const w = a.cur;
  if (w === 'up') f.up = true;
  else if (w === 'group') {
    const v = a.next();
    const g = groupId(v);
    if (g === undefined) invarg('Invalid "group" value\n', v);
    f.group = g;
  } else if (w === 'master') {
    const v = a.next();
    const m = ctx.linkByName(v);
    if (!m) invarg('Device does not exist\n', v);
    f.master = m.ifindex;
  } else if (w === 'vrf') {
    // netpath has no VRF devices: ll_name_to_index() or name_is_vrf() fails
    invarg('Not a valid VRF name\n', a.next());
  } else if (w === 'type') {
    const v = a.next();
    if (v.endsWith('_slave')) f.slaveKind = v.slice(0, -'_slave'.length);
    else f.kind = v;
  } else return false;
  return true;
}

/**
 * rtnl_dump_ifinfo(): whether the dump holds the device, given the IFLA_MASTER and IFLA_INFO_KIND
 * iplink_filter_req() put in the request (link_master_filtered, link_kind_filtered: a kind the
 * kernel does not know filters nothing)
 */
export function linkDumped(l: LinkInfo, f: LinkFilter): boolean {
  if (f.master !== undefined && l.master !== f.master) return false;
  if (f.kind !== undefined && LINK_KINDS.has(f.kind) && linkKindName(l) !== f.kind) return false;
  return true;
}

/**
 * print_linkinfo()'s own filters in its order: -1 refused (up, group, master, kind, slave kind: nothing
 * printed), 0 under a label filter (nothing printed, the addresses follow), 1 printed
 */
export function linkShown(l: LinkInfo, f: LinkFilter, label: boolean): number {
  if (f.up && !(l.flags & IFF_UP)) return -1;
  if (label) return 0;
  if (f.group !== undefined && l.group !== f.group) return -1;
  if (f.master !== undefined && l.master !== f.master) return -1;
  if (f.kind !== undefined && linkKindName(l) !== f.kind) return -1; // match_link_kind()
  if (f.slaveKind !== undefined && (l.brport ? 'bridge' : undefined) !== f.slaveKind) return -1;
  return 1;
}

/** the JSON object of `ip link show` for one device: brief (the link address, if any, and the flags; -s and -d add nothing) or full */
function linkShowJson(ctx: Ctx, l: LinkInfo): Record<string, Json> {
  if (ctx.opt.brief) return Object.assign(linkBriefJson(ctx, l), l.address.length ? { address: formatMac(l.address) } : {}, { flags: linkFlagNames(ctx, l) });
  const o = linkHeaderJson(ctx, l, true, true);
  if (ctx.opt.stats) o.stats64 = linkStatsJson(l, ctx.opt.stats);
  return o;
}

const MACVLAN_USAGE = 'Usage: ... macvlan mode MODE [flag MODE_FLAG] MODE_OPTS [bcqueuelen BC_QUEUE_LEN]\n\n' +
  'MODE: private | vepa | bridge | passthru | source\n' +
  'MODE_FLAG: null | nopromisc | nodst\n' +
  'MODE_OPTS: for mode "source":\n' +
  '\tmacaddr { { add | del } <macaddr> | set [ <macaddr> [ <macaddr>  ... ] ] | flush }\n' +
  'BC_QUEUE_LEN: Length of the rx queue for broadcast/multicast: [0-4294967295]\n';

/**
 * macvlan_parse_opt() (ip/iplink_macvlan.c): the mode (a later one wins), the flags (`flag null` sends them
 * as they are, 0 if none), bcqueuelen; NOPROMISC needs `mode passthru` in the same command.
 */
function parseMacvlan(argv: string[]): MacvlanReq {
  const a = new Args(argv);
  const r: MacvlanReq = {};
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (matches(w, 'mode')) {
      const v = a.next();
      if (!(v in MACVLAN_MODES)) {
        throw new CmdFail(1, `Error: argument of "mode" must be "private", "vepa", "bridge", "passthru" or "source", not "${v}"\n`);
      }
      r.mode = v as MacvlanMode;
    } else if (matches(w, 'flag')) {
      const f = a.next();
      const bit = f === 'nopromisc' ? MACVLAN_FLAG_NOPROMISC : f === 'nodst' ? MACVLAN_FLAG_NODST : f === 'null' ? 0 : -1;
      if (bit < 0) throw new CmdFail(1, `Error: argument of "flag" must be "nopromisc", "nodst" or "null", not "${f}"\n`);
      r.flags = (r.flags ?? 0) | bit;
    } else if (matches(w, 'nopromisc')) {
      r.flags = (r.flags ?? 0) | MACVLAN_FLAG_NOPROMISC;
    } else if (matches(w, 'nodst')) {
      r.flags = (r.flags ?? 0) | MACVLAN_FLAG_NODST;
    } else if (matches(w, 'bcqueuelen')) {
      const v = a.next();
      const n = parseUint(v, 32);
      if (n === undefined) throw new CmdFail(1, `Error: argument of "bcqueuelen" must be a positive integer [0-4294967295], not "${v}"\n`);
      r.bcQueueLen = n;
    } else {
      throw new CmdFail(1, `macvlan: unknown option "${w}"?\n${MACVLAN_USAGE}`);
    }
  }
  if (r.flags !== undefined && (r.flags & MACVLAN_FLAG_NOPROMISC) && r.mode !== 'passthru') {
    throw new CmdFail(1, `macvlan: nopromisc flag only valid in passthru mode\n${MACVLAN_USAGE}`);
  }
  return r;
}

const VLAN_USAGE = 'Usage: ... vlan id VLANID\n' +
  '\t\t[ protocol VLANPROTO ]\n' +
  '\t\t[ reorder_hdr { on | off } ]\n' +
  '\t\t[ gvrp { on | off } ]\n' +
  '\t\t[ mvrp { on | off } ]\n' +
  '\t\t[ loose_binding { on | off } ]\n' +
  '\t\t[ bridge_binding { on | off } ]\n' +
  '\t\t[ ingress-qos-map QOS-MAP ]\n' +
  '\t\t[ egress-qos-map QOS-MAP ]\n' +
  '\n' +
  'VLANID := 0-4095\n' +
  'VLANPROTO: [ 802.1Q | 802.1ad ]\n' +
  'QOS-MAP := [ QOS-MAP ] QOS-MAPPING\n' +
  'QOS-MAPPING := FROM:TO\n';

/**
 * ll_proto_a2n() (lib/ll_proto.c): a name of its table, case-insensitive, or a number (get_be16, any
 * base). Only the table's common names are here; the kernel refuses every protocol but the two VLAN ones.
 */
const LL_PROTOS: Record<string, number> = {
  loop: 0x0060, ip: 0x0800, arp: 0x0806, rarp: 0x8035, ipv6: 0x86dd, '802.1q': 0x8100, '802.1ad': 0x88a8, all: 0x0003,
  '802.3': 0x0001, '802.2': 0x0004, mpls_uc: 0x8847, mpls_mc: 0x8848, teb: 0x6558, lldp: 0x88cc, ipx: 0x8137, snap: 0x0005,
};
function llProtoA2n(v: string): number | undefined {
  return LL_PROTOS[v.toLowerCase()] ?? parseUint(v, 16);
}

const BRIDGE_USAGE = 'Usage: ... bridge [ fdb_flush ]\n' + [
  'forward_delay FORWARD_DELAY', 'hello_time HELLO_TIME', 'max_age MAX_AGE', 'ageing_time AGEING_TIME', 'stp_state STP_STATE',
  'priority PRIORITY', 'group_fwd_mask MASK', 'group_address ADDRESS', 'no_linklocal_learn NO_LINKLOCAL_LEARN',
  'vlan_filtering VLAN_FILTERING', 'vlan_protocol VLAN_PROTOCOL', 'vlan_default_pvid VLAN_DEFAULT_PVID',
  'vlan_stats_enabled VLAN_STATS_ENABLED', 'vlan_stats_per_port VLAN_STATS_PER_PORT', 'mcast_snooping MULTICAST_SNOOPING',
  'mcast_vlan_snooping MULTICAST_VLAN_SNOOPING', 'mcast_router MULTICAST_ROUTER', 'mcast_query_use_ifaddr MCAST_QUERY_USE_IFADDR',
  'mcast_querier MULTICAST_QUERIER', 'mcast_hash_elasticity HASH_ELASTICITY', 'mcast_hash_max HASH_MAX',
  'mcast_last_member_count LAST_MEMBER_COUNT', 'mcast_startup_query_count STARTUP_QUERY_COUNT',
  'mcast_last_member_interval LAST_MEMBER_INTERVAL', 'mcast_membership_interval MEMBERSHIP_INTERVAL',
  'mcast_querier_interval QUERIER_INTERVAL', 'mcast_query_interval QUERY_INTERVAL',
  'mcast_query_response_interval QUERY_RESPONSE_INTERVAL', 'mcast_startup_query_interval STARTUP_QUERY_INTERVAL',
  'mcast_stats_enabled MCAST_STATS_ENABLED', 'mcast_igmp_version IGMP_VERSION', 'mcast_mld_version MLD_VERSION',
  'nf_call_iptables NF_CALL_IPTABLES', 'nf_call_ip6tables NF_CALL_IP6TABLES', 'nf_call_arptables NF_CALL_ARPTABLES',
].map((o) => `\t\t  [ ${o} ]\n`).join('') + '\nWhere: VLAN_PROTOCOL := { 802.1Q | 802.1ad }\n';

/**
 * The bridge options netpath's bridge has but cannot change, at the values `ip -d link` shows for them: a
 * request for that value changes nothing, any other is refused. Times are in centiseconds, as iproute2 takes
 * them; the kernel keeps them in jiffies, so a time is the same when it shows the same.
 */
const BRIDGE_FIXED: Record<string, number | string> = {
  forward_delay: 1500, hello_time: 200, max_age: 2000, stp_state: 0, priority: 32768, vlan_filtering: 0, vlan_protocol: '802.1Q',
  group_address: '01:80:c2:00:00:00', no_linklocal_learn: 0, vlan_default_pvid: 1, vlan_stats_enabled: 0,
  vlan_stats_per_port: 0, mcast_vlan_snooping: 0, mcast_router: 1, mcast_query_use_ifaddr: 0, mcast_querier: 0,
  mcast_hash_elasticity: 16, mcast_hash_max: 4096, mcast_last_member_count: 2, mcast_startup_query_count: 2,
  mcast_last_member_interval: 100, mcast_membership_interval: 26000, mcast_querier_interval: 25500, mcast_query_interval: 12500,
  mcast_query_response_interval: 1000, mcast_startup_query_interval: 3124, mcast_stats_enabled: 0, mcast_igmp_version: 2,
  mcast_mld_version: 1, nf_call_iptables: 0, nf_call_ip6tables: 0, nf_call_arptables: 0,
};
const isBridgeTime = (o: string) => /^(forward_delay|hello_time|max_age)$|_interval$/.test(o);
/** clock_t_to_jiffies then jiffies_to_clock_t at HZ 250: what the kernel shows back for a time given in centiseconds */
const shownTime = (cs: number) => Math.floor(Math.floor((cs * 250) / 100) * 4 / 10);

/**
 * bridge_parse_opt() (ip/iplink_bridge.c): ageing_time, group_fwd_mask and mcast_snooping are modelled; the options netpath's
 * bridge cannot change pass at the value it has and are refused otherwise; an unknown word is iproute2's usage.
 */
function parseBridge(argv: string[]): BridgeOptReq {
  const r: BridgeOptReq = {};
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i];
    const value = () => { if (++i >= argv.length) incomplete(); return argv[i]; };
    if (o === 'ageing_time') {
      const v = parseUint(value(), 32);
      if (v === undefined) invarg('invalid ageing_time', argv[i]);
      r.ageingCs = v;
    } else if (o === 'group_fwd_mask') {
      const v = parseUint(value(), 16);
      if (v === undefined) invarg('invalid group_fwd_mask', argv[i]);
      r.groupFwdMask = v;
    } else if (o === 'mcast_snooping') {
      const v = parseUint(value(), 8);
      if (v === undefined) invarg('invalid mcast_snooping', argv[i]);
      r.mcastSnooping = v !== 0;
    } else if (o === 'fdb_flush') {
      throw new CmdFail(2, 'Error: netpath: bridge option "fdb_flush" is not modelled.\n');
    } else if (o in BRIDGE_FIXED) {
      const v = value();
      const want = BRIDGE_FIXED[o];
      const n = parseUint(v, 64);
      const same = typeof want === 'string' ? v.toLowerCase() === want.toLowerCase() : n !== undefined && (isBridgeTime(o) ? shownTime(n) === want : n === want);
      if (!same) throw new CmdFail(2, `Error: netpath: bridge option "${o}" is not modelled: it stays ${want}.\n`);
    } else {
      throw new IpExit(1, `bridge: unknown command "${o}"?\n${BRIDGE_USAGE}`);
    }
  }
  return r;
}

const BRIDGE_SLAVE_USAGE = 'Usage: ... bridge_slave [ fdb_flush ]\n' + [
  'state STATE', 'priority PRIO', 'cost COST', 'guard {on | off}', 'hairpin {on | off}', 'fastleave {on | off}',
  'root_block {on | off}', 'learning {on | off}', 'flood {on | off}', 'proxy_arp {on | off}', 'proxy_arp_wifi {on | off}',
  'mcast_router MULTICAST_ROUTER', 'mcast_fast_leave {on | off}', 'mcast_flood {on | off}', 'bcast_flood {on | off}',
  'mcast_to_unicast {on | off}', 'group_fwd_mask MASK', 'neigh_suppress {on | off}', 'vlan_tunnel {on | off}',
  'isolated {on | off}', 'locked {on | off}',
].map((o) => `\t\t\t[ ${o} ]\n`).join('') + '\t\t\t[ backup_port DEVICE ] [ nobackup_port ]\n';
/** the port flags netpath models: `bridge_slave` and `bridge link set` option → BR_* bit */
export const PORT_FLAG_BITS: Record<string, number> = {
  hairpin: BR_HAIRPIN_MODE, learning: BR_LEARNING, flood: BR_FLOOD, mcast_flood: BR_MCAST_FLOOD, bcast_flood: BR_BCAST_FLOOD,
  isolated: BR_ISOLATED,
};
/** the port flags netpath's ports have but cannot change: each stays off */
export const PORT_FLAGS_FIXED_OFF = new Set([
  'guard', 'fastleave', 'root_block', 'proxy_arp', 'proxy_arp_wifi', 'mcast_fast_leave', 'mcast_to_unicast', 'neigh_suppress',
  'vlan_tunnel', 'locked',
]);
/** the refusal of a port option netpath does not model */
export const portOptionRefused = (o: string) => new CmdFail(2, `Error: netpath: bridge port option "${o}" is not modelled.\n`);

/**
 * bridge_slave_parse_opt() (ip/iplink_bridge_slave.c): the modelled flags, cost, priority and state become the
 * br_setport request; the options netpath's ports cannot change pass at the value they have and are refused
 * otherwise; bad values and unknown words as iproute2 answers.
 */
function parseBridgeSlave(argv: string[], port: BridgePortInfo | undefined): BridgePortReq {
  // on a device that is no port the kernel refuses the request whole (EOPNOTSUPP, after the parse)
  const refuse = (o: string) => { if (port) throw portOptionRefused(o); };
  const r: BridgePortReq = { mask: 0, flags: 0 };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i];
    const value = () => { if (++i >= argv.length) incomplete(); return argv[i]; };
    if (o in PORT_FLAG_BITS || PORT_FLAGS_FIXED_OFF.has(o)) {
      const v = value();
      if (v !== 'on' && v !== 'off') throw new CmdFail(1, `Error: argument of "${o}" must be one of "off", "on", not "${v}"\n`);
      const bit = PORT_FLAG_BITS[o];
      if (bit === undefined) { if (v === 'on') refuse(o); continue; }
      r.mask |= bit;
      if (v === 'on') r.flags |= bit; else r.flags &= ~bit;
    } else if (o === 'state' || o === 'priority' || o === 'cost') {
      const n = parseUint(value(), o === 'cost' ? 32 : o === 'priority' ? 16 : 8);
      if (n === undefined) invarg(`invalid ${o}`, argv[i]);
      r[o] = n;
    } else if (o === 'mcast_router' || o === 'group_fwd_mask') {
      const n = parseUint(value(), o === 'group_fwd_mask' ? 16 : 8);
      if (n === undefined) invarg(`invalid ${o}`, argv[i]);
      if (n !== (o === 'mcast_router' ? 1 : 0)) refuse(o);
    } else if (o === 'fdb_flush' || o === 'nobackup_port') refuse(o);
    else if (o === 'backup_port') { value(); refuse(o); }
    else throw new IpExit(1, `bridge_slave: unknown option "${o}"?\n${BRIDGE_SLAVE_USAGE}`);
  }
  return r;
}

/** vlan_parse_opt() (ip/iplink_vlan.c) */
function parseVlan(argv: string[]): { id?: number; protocol?: number; flags?: number; mask?: number } {
  const a = new Args(argv);
  const r: { id?: number; protocol?: number; flags?: number; mask?: number } = {};
  const flag = (name: string, bit: number) => {
    const v = a.next();
    r.mask = (r.mask ?? 0) | bit;
    if (v === 'on') r.flags = (r.flags ?? 0) | bit;
    else if (v === 'off') r.flags = (r.flags ?? 0) & ~bit;
    else throw new CmdFail(1, `Error: argument of "${name}" must be "on" or "off", not "${v}"\n`);
  };
  for (; !a.done; a.skip()) {
    const w = a.cur;
    if (matches(w, 'protocol')) {
      const v = a.next();
      const p = llProtoA2n(v);
      if (p === undefined) invarg('protocol is invalid', v);
      r.protocol = p;
    } else if (matches(w, 'id')) {
      const v = a.next();
      const n = parseUint(v, 16);
      if (n === undefined) invarg('id is invalid', v);
      r.id = n;
    } else if (matches(w, 'reorder_hdr')) flag('reorder_hdr', VLAN_FLAG_REORDER_HDR);
    else if (matches(w, 'gvrp')) flag('gvrp', VLAN_FLAG_GVRP);
    else if (matches(w, 'mvrp')) flag('mvrp', VLAN_FLAG_MVRP);
    else if (matches(w, 'loose_binding')) flag('loose_binding', VLAN_FLAG_LOOSE_BINDING);
    else if (matches(w, 'bridge_binding')) flag('bridge_binding', VLAN_FLAG_BRIDGE_BINDING);
    else if (matches(w, 'ingress-qos-map') || matches(w, 'egress-qos-map')) {
      throw new CmdFail(2, 'Error: netpath: VLAN QoS maps are not modelled.\n');
    } else if (matches(w, 'help')) {
      throw new CmdFail(1, VLAN_USAGE);
    } else {
      throw new CmdFail(1, `vlan: unknown command "${w}"?\n${VLAN_USAGE}`);
    }
  }
  return r;
}
