// The contract between the host's iproute2-like front end (src/ip/) and the
// emulated kernel (the WASM core, bound in src/kernel.ts). It plays the role
// rtnetlink plays on Linux: requests carry already-parsed values, answers are
// dumps in kernel order, and failures are an errno plus the kernel's extack
// message, if it set one. Addresses are IPv4 numbers (host order, u32).

/** A failed request: positive errno (17 = EEXIST) and the kernel's extack text, without the final '.' */
export interface KernelError { errno: number; msg?: string }
export type Reply<T = void> = { ok: true; value: T } | ({ ok: false } & KernelError);

// IFF_* (include/uapi/linux/if.h)
export const IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_POINTOPOINT = 0x10,
  IFF_NOTRAILERS = 0x20, IFF_NOARP = 0x80, IFF_PROMISC = 0x100, IFF_ALLMULTI = 0x200, IFF_MULTICAST = 0x1000, IFF_DYNAMIC = 0x8000,
  IFF_LOWER_UP = 0x10000, IFF_DORMANT = 0x20000;
// IF_OPER_* (RFC 2863 operstate)
export const IF_OPER_UNKNOWN = 0, IF_OPER_DOWN = 2, IF_OPER_LOWERLAYERDOWN = 3, IF_OPER_UP = 6;

export type LinkKind = 'loopback' | 'veth' | 'dummy' | 'emac' | 'macvlan' | 'bridge' | 'tun' | 'vlan';

/** IFLA_MACVLAN_MODE values */
export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';
export const MACVLAN_MODES: Record<MacvlanMode, number> = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 };
/** MACVLAN_DEFAULT_BC_QUEUE_LEN: a macvlan's bcqueuelen when none is given */
export const MACVLAN_DEFAULT_BC_QUEUE_LEN = 1000;
/** IFLA_MACVLAN_FLAGS */
export const MACVLAN_FLAG_NOPROMISC = 1, MACVLAN_FLAG_NODST = 2;
/** bcQueueLen: what this macvlan asked for (IFLA_MACVLAN_BC_QUEUE_LEN); bcQueueLenUsed: its port's, the largest asked */
export interface MacvlanInfo { mode: MacvlanMode; flags: number; bcQueueLen: number; bcQueueLenUsed: number }
/** IFLA_INFO_DATA of a macvlan request: each option given */
export interface MacvlanReq { mode?: MacvlanMode; flags?: number; bcQueueLen?: number }
/** VLAN_FLAG_* (include/uapi/linux/if_vlan.h) */
export const VLAN_FLAG_REORDER_HDR = 0x1, VLAN_FLAG_GVRP = 0x2, VLAN_FLAG_LOOSE_BINDING = 0x4, VLAN_FLAG_MVRP = 0x8,
  VLAN_FLAG_BRIDGE_BINDING = 0x10;
/** IFLA_INFO_DATA of a VLAN device: IFLA_VLAN_PROTOCOL (ethertype, host order), IFLA_VLAN_ID, IFLA_VLAN_FLAGS */
export interface VlanInfo { protocol: number; id: number; flags: number }

export interface LinkInfo {
  ifindex: number;
  name: string;
  kind: LinkKind;
  /** ifi_flags as the kernel reports them: IFF_UP, IFF_LOWER_UP (carrier and up), ... */
  flags: number;
  operstate: number;
  mtu: number;
  minMtu: number;
  maxMtu: number;
  txqlen: number;
  group: number;
  address: Uint8Array; // 6 bytes
  broadcast: Uint8Array; // 6 bytes
  /** IFLA_LINK: the veth peer's ifindex, a macvlan's lower device, 0 if none */
  link: number;
  /** dev->promiscuity (ip -d) */
  promiscuity?: number;
  /** IFLA_TSO_MAX_SIZE (ip -d) */
  tsoMaxSize?: number;
  /** IFLA_INFO_DATA of a macvlan */
  macvlan?: MacvlanInfo;
  /** IFLA_INFO_DATA of a VLAN device */
  vlan?: VlanInfo;
  /** whether qdisc is noqueue (virtual devices) or noop (down, never up) — as ip prints it */
  qdisc: string;
  stats: LinkStats;
  /** IFLA_CARRIER_CHANGES: carrier_up_count + carrier_down_count */
  carrierChanges: number;
  /** IFLA_IFALIAS, when the device has one */
  alias?: string;
  /** IFLA_LINK_NETNSID: `link` is an ifindex in another box (a veth peer), which this box numbers so */
  linkNetnsid?: number;
  /** the name of that box, when it was created with one (what iproute2 finds under /var/run/netns) */
  linkNetns?: string;
  /** tun/tap devices: tun->flags (the tun_flags sysfs attribute, IFF_TUN/IFF_TAP, IFF_NO_PI, IFF_PERSIST, ...) and attached queues */
  tun?: { flags: number; numqueues: number };
  /** IFLA_MASTER: the bridge this device is a port of */
  master?: number;
  /** IFLA_INFO_DATA of a bridge: ageing_time and the gc work's timer, in centiseconds */
  bridge?: { ageingCs: number; gcTimerCs: number; mcastSnooping: boolean; /** in ff02::6a */ snoopers6: boolean; /** IFLA_BR_GROUP_FWD_MASK */ groupFwdMask: number };
  /** IFLA_INFO_SLAVE_DATA of a bridge port */
  brport?: BridgePortInfo;
  /** dev->allmulti (ip -d) */
  allmulti?: number;
}

// TUN/TAP flags (include/uapi/linux/if_tun.h)
export const IFF_TUN = 0x0001, IFF_TAP = 0x0002, IFF_MULTI_QUEUE = 0x0100, IFF_PERSIST = 0x0800, IFF_NO_PI = 0x1000,
  IFF_ONE_QUEUE = 0x2000, IFF_VNET_HDR = 0x4000, IFF_TUN_EXCL = 0x8000;
export interface LinkStats {
  rxPackets: number; rxBytes: number; rxErrors: number; rxDropped: number; rxMissed: number; rxMcast: number;
  txPackets: number; txBytes: number; txErrors: number; txDropped: number; txCarrier: number; collisions: number;
  // the rest of rtnl_link_stats64 (ip -s -s link), when the kernel reports them
  rxLengthErrors?: number; rxOverErrors?: number; rxCrcErrors?: number; rxFrameErrors?: number; rxFifoErrors?: number;
  txAbortedErrors?: number; txFifoErrors?: number; txHeartbeatErrors?: number; txWindowErrors?: number;
  rxCompressed?: number; txCompressed?: number; rxNohandler?: number; rxOtherhostDropped?: number;
}

export interface LinkAddReq {
  name: string;
  kind: LinkKind;
  address?: Uint8Array;
  mtu?: number;
  txqlen?: number;
  up?: boolean;
  /** IFLA_LINK: the lower device (macvlan) */
  link?: number;
  /** ifi_flags / ifi_change besides IFF_UP, applied to the new device (rtnl_configure_link) */
  flags?: number;
  change?: number;
  macvlan?: MacvlanReq;
  /** IFLA_VLAN_*: id and protocol when given, the flags with their mask */
  vlan?: { id?: number; protocol?: number; flags?: number; mask?: number };
  /** IFLA_BR_*: the bridge options modelled (br_changelink) */
  bridge?: BridgeOptReq;
  /** veth: the peer, created first (so it gets the lower ifindex, as on Linux) */
  peer?: { name: string; address?: Uint8Array; mtu?: number; txqlen?: number; netns?: string };
}
export interface LinkSetReq {
  ifindex: number;
  up?: boolean;
  mtu?: number;
  address?: Uint8Array;
  name?: string;
  txqlen?: number;
  group?: number;
  /** IFLA_MASTER: a bridge's ifindex, 0 = nomaster */
  master?: number;
  /** IFLA_IFALIAS: "" removes it */
  alias?: string;
  /** ifi_flags / ifi_change besides IFF_UP: the bits of `flags` that `change` names */
  flags?: number;
  change?: number;
  /** IFLA_CARRIER */
  carrier?: boolean;
  /** `type vlan FLAG on|off` of a VLAN device: IFLA_VLAN_FLAGS */
  vlan?: { flags: number; mask: number };
  /** `type macvlan ...` of a macvlan (macvlan_changelink) */
  macvlan?: MacvlanReq;
  /** `type bridge ...` of a bridge */
  bridge?: BridgeOptReq;
  /** `type bridge_slave ...` of a bridge port (br_port_slave_changelink) */
  brport?: BridgePortReq;
}
/**
 * IFLA_BRPORT_* of br_setport(): the BR_* port flags in `mask` set to their bit in `flags`, then the path cost,
 * priority and STP state if given
 */
export interface BridgePortReq { mask: number; flags: number; cost?: number; priority?: number; state?: number }
/** p->flags: the BR_* port flags netpath models */
export const BR_HAIRPIN_MODE = 1 << 0, BR_LEARNING = 1 << 5, BR_FLOOD = 1 << 6, BR_MCAST_FLOOD = 1 << 11, BR_BCAST_FLOOD = 1 << 14,
  BR_ISOLATED = 1 << 16;
export interface BridgeOptReq { mcastSnooping?: boolean; /** IFLA_BR_AGEING_TIME, centiseconds */ ageingCs?: number; /** IFLA_BR_GROUP_FWD_MASK */ groupFwdMask?: number }

/** One multicast address of a device: a link-layer one (`static`: the user added it), an IPv4 or IPv6 group. */
export interface MaddrEntry {
  ifindex: number; name: string; family: 'link' | 'inet' | 'inet6'; addr: string; users: number; static?: boolean;
}

/** One RTM_NEWNEIGH of an AF_BRIDGE dump, in the kernel's order. */
export interface FdbEntry {
  mac: Uint8Array;
  /** ndm_ifindex */
  ifindex: number;
  /** NTF_SELF: a device's own address list; otherwise NTF_MASTER with NDA_MASTER = master */
  self: boolean;
  master?: number;
  /** NUD_PERMANENT (local), NUD_NOARP (static) or NUD_REACHABLE (learnt) */
  state: number;
  /** NDA_CACHEINFO in centiseconds (bridge -s) */
  usedCs?: number;
  updatedCs?: number;
}
/** A bridge port (IFLA_PROTINFO of an AF_BRIDGE link dump) */
export interface BridgePortInfo {
  state: number; portNo: number; priority: number; cost: number; /** BR_* port flags */ flags: number;
  /** the forward-delay timer, centiseconds left */ fwdDelayTimerCs: number;
}

// Address scopes (rtm_scope / ifa_scope)
export const RT_SCOPE_UNIVERSE = 0, RT_SCOPE_SITE = 200, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254, RT_SCOPE_NOWHERE = 255;
// IFA_F_*
export const IFA_F_SECONDARY = 0x01, IFA_F_DEPRECATED = 0x20, IFA_F_NOPREFIXROUTE = 0x200, IFA_F_PERMANENT = 0x80;
/** INFINITY_LIFE_TIME: an address lifetime of `forever` */
export const INFINITY_LIFE_TIME = 0xffffffff;

export interface AddrInfo {
  ifindex: number;
  local: number;
  /** IFA_ADDRESS: the peer for point-to-point, else equal to local */
  address: number;
  prefixlen: number;
  /** IFA_BROADCAST, only when one was configured */
  broadcast?: number;
  scope: number;
  flags: number;
  label: string;
  /** IFA_RT_PRIORITY ('metric'), 0 when unset */
  metric: number;
  /** IFA_CACHEINFO: the valid and preferred lifetimes left, in seconds (INFINITY_LIFE_TIME: forever) */
  validLft: number;
  preferredLft: number;
  /** IFA_CACHEINFO's cstamp and tstamp: when the address was made and its lifetimes last set, in hundredths of a second of virtual time */
  cstamp: number;
  tstamp: number;
}
export interface AddrReq {
  ifindex: number;
  local: number;
  address?: number; // peer
  prefixlen: number;
  broadcast?: number;
  scope?: number; // default universe
  label?: string;
  metric?: number;
  noprefixroute?: boolean;
  /** IFA_F_MCAUTOJOIN: the address (a group) is joined on the device */
  autojoin?: boolean;
  /** a delete without IFA_LOCAL (`ip -4 addr del dev DEV`): the first address that matches the rest goes */
  noLocal?: boolean;
  /** IFA_CACHEINFO's lifetimes in seconds (INFINITY_LIFE_TIME: forever); none given is forever for both */
  validLft?: number;
  preferredLft?: number;
}

// Route types (RTN_*)
export const RTN_UNSPEC = 0, RTN_UNICAST = 1, RTN_LOCAL = 2, RTN_BROADCAST = 3, RTN_ANYCAST = 4,
  RTN_MULTICAST = 5, RTN_BLACKHOLE = 6, RTN_UNREACHABLE = 7, RTN_PROHIBIT = 8, RTN_THROW = 9, RTN_NAT = 10;
// Protocols (RTPROT_*)
export const RTPROT_UNSPEC = 0, RTPROT_REDIRECT = 1, RTPROT_KERNEL = 2, RTPROT_BOOT = 3, RTPROT_STATIC = 4;
// Tables
export const RT_TABLE_UNSPEC = 0, RT_TABLE_DEFAULT = 253, RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255;
// RTNH_F_*
export const RTNH_F_DEAD = 1, RTNH_F_PERVASIVE = 2, RTNH_F_ONLINK = 4, RTNH_F_LINKDOWN = 16;

// RTA_METRICS (RTAX_*, include/uapi/linux/rtnetlink.h): those the host side names
export const RTAX_LOCK = 1, RTAX_MTU = 2, RTAX_FEATURES = 12, RTAX_CC_ALGO = 16, RTAX_MAX = 17;
/** netpath's TCP congestion control algorithms by key (RTAX_CC_ALGO): the two Linux always has built in */
export const TCP_CA_NAMES = ['', 'reno', 'cubic'];
/** one RTA_METRICS attribute of a request: RTAX_* and its u32 (RTAX_CC_ALGO: a key of TCP_CA_NAMES, 0 = unknown) */
export interface RouteMetric { type: number; value: number }
/** a route's metrics as the kernel keeps them: values[RTAX_*] (0 = not set), lock the RTAX_LOCK bits */
export interface RouteMetrics { lock: number; values: number[] }

export interface RouteMsg {
  table: number;
  dst: number;
  dstLen: number;
  tos: number;
  priority: number; // metric, 0 if unset
  type: number;
  scope: number;
  protocol: number;
  prefsrc?: number;
  gateway?: number;
  oif: number; // 0 if none
  /** rtm_flags: RTNH_F_* of the route (DEAD, LINKDOWN) and, without `nexthops`, of its nexthop (ONLINK too) */
  nhFlags: number;
  /** RTA_MULTIPATH: the nexthops of a route with more than one (then no gateway or oif of its own) */
  nexthops?: RouteNexthop[];
  /** RTA_NH_ID: the nexthop object the route uses (its paths are given as above too) */
  nhid?: number;
  /** RTA_METRICS, when the route has any */
  metrics?: RouteMetrics;
}
/** One nexthop of a multipath route (struct rtnexthop and its RTA_GATEWAY) */
export interface RouteNexthop {
  gateway?: number;
  oif: number;
  /** RTNH_F_*: ONLINK, DEAD, LINKDOWN */
  flags: number;
  /** 1..256 (rtnh_hops + 1) */
  weight: number;
}
/** NLM_F_* the way iproute2 sets them: add = create|excl, replace = create|replace, change = replace, append = create|append, prepend = create */
export interface RouteModFlags { create?: boolean; excl?: boolean; replace?: boolean; append?: boolean }
/** A route to add, or the selector of a route to delete (unset fields match anything). */
export interface RouteReq {
  table: number;
  dst: number;
  dstLen: number;
  tos: number;
  priority?: number;
  type: number; // RTN_UNSPEC in a delete = any
  scope: number; // RT_SCOPE_NOWHERE in a delete = any
  protocol: number; // RTPROT_UNSPEC in a delete = any
  prefsrc?: number;
  gateway?: number;
  oif?: number;
  onlink?: boolean;
  /** RTA_MULTIPATH: `nexthop` groups (in a delete: each selects the route's nexthop at its place) */
  nexthops?: RouteNexthop[];
  /** RTA_NH_ID: use (or, in a delete, select routes using) this nexthop object; 0 = none */
  nhid?: number;
  /** RTA_METRICS as sent, in order (in a delete: each must have that value in the route) */
  metrics?: RouteMetric[];
}

/** A nexthop object (struct nhmsg and its NHA_* attributes), as `ip nexthop` dumps it */
export interface NexthopMsg {
  id: number;
  gateway?: number;
  oif: number; // 0 for a group or a blackhole
  /** RTNH_F_ONLINK */
  flags: number;
  scope: number;
  blackhole: boolean;
  protocol: number;
  /** NHA_GROUP: the entries of a group (weight 1..256) */
  group?: { id: number; weight: number }[];
  /** NHA_GROUP_TYPE of a group */
  groupType?: 'mpath' | 'resilient';
  /** NHA_RES_GROUP of a resilient group: the timers and the time it has been unbalanced in clock_t (1/100 s) */
  resilient?: { buckets: number; idleTimer: number; unbalancedTimer: number; unbalancedTime: number };
}
/** A bucket of a resilient group (RTM_NEWNEXTHOPBUCKET: NHA_ID and NHA_RES_BUCKET) */
export interface NexthopBucketMsg {
  /** the group */
  id: number;
  index: number;
  /** NHA_RES_BUCKET_NH_ID: the member it holds */
  nhid: number;
  /** NHA_RES_BUCKET_IDLE_TIME in clock_t (1/100 s) */
  idleTime: number;
  protocol: number;
  flags: number;
}
/** RTM_NEWNEXTHOP: id 0 = let the kernel pick one; family 0 (AF_UNSPEC) or 2 (AF_INET) */
export interface NexthopReq {
  id: number;
  family: number;
  gateway?: number;
  oif?: number;
  onlink?: boolean;
  blackhole?: boolean;
  fdb?: boolean;
  protocol?: number;
  group?: { id: number; weight: number }[];
  /** NHA_GROUP_TYPE; undefined: the attribute is not sent (mpath) */
  groupType?: 'mpath' | 'resilient';
  /** the NHA_RES_GROUP nest, when sent: NHA_RES_GROUP_BUCKETS, _IDLE_TIMER, _UNBALANCED_TIMER (clock_t) as given */
  resilient?: { buckets?: number; idleTimer?: number; unbalancedTimer?: number };
}

export interface RouteGetReq {
  dst: number;
  src?: number;
  iif?: number;
  oif?: number;
  mark?: number;
  uid?: number;
  tos?: number;
  ipproto?: number;
  sport?: number;
  dport?: number;
  fibmatch?: boolean;
}
// RTCF_* (include/uapi/linux/in_route.h), in RouteGetReply.rtFlags
export const RTCF_NOTIFY = 0x10000, RTCF_DIRECTDST = 0x20000, RTCF_REDIRECTED = 0x40000, RTCF_DOREDIRECT = 0x01000000,
  RTCF_DIRECTSRC = 0x04000000, RTCF_DNAT = 0x08000000, RTCF_BROADCAST = 0x10000000, RTCF_MULTICAST = 0x20000000,
  RTCF_LOCAL = 0x80000000;
export interface RouteGetReply {
  type: number;
  dst: number;
  /** present when the request gave `from` */
  src?: number;
  /** rtm_tos: the dscp of the FIB entry the decision used, when it has one */
  tos?: number;
  /** RTA_FLOW: the route's realms (from << 16 | to), from the deciding rule and source validation */
  realms?: number;
  gateway?: number;
  oif: number;
  /** RTA_TABLE of the FIB result, 0 when none (on-link fallback) */
  table: number;
  prefsrc?: number;
  mark?: number;
  uid?: number;
  /** input route: the ingress ifindex */
  iif?: number;
  /** rtm_flags as the kernel fills them: RTCF_* bits of the route, plus RTM_F_CLONED (0x200) */
  rtFlags: number;
  /** set for `fibmatch`: the FIB entry, printed like `ip route show` */
  fib?: RouteMsg;
  /** RTA_METRICS of the route (dst metrics), when it has any */
  metrics?: RouteMetrics;
  /** RTA_CACHEINFO rta_expires: clock ticks (USER_HZ) until the nexthop exception the route took expires */
  expires?: number;
}

// Rule actions (FR_ACT_*)
export const FR_ACT_TO_TBL = 1, FR_ACT_GOTO = 2, FR_ACT_NOP = 3, FR_ACT_BLACKHOLE = 6, FR_ACT_UNREACHABLE = 7, FR_ACT_PROHIBIT = 8;
export interface RuleMsg {
  priority: number;
  action: number;
  table: number;
  invert: boolean;
  src: number; srcLen: number;
  dst: number; dstLen: number;
  tos: number;
  /** dscp selector, undefined if not set */
  dscp?: number; dscpMask?: number;
  fwmark: number; fwmask: number;
  iifname?: string; iifDetached: boolean;
  oifname?: string; oifDetached: boolean;
  /** undefined when no uidrange was given */
  uidStart?: number; uidEnd?: number;
  ipproto: number;
  sport?: [number, number]; sportMask?: number;
  dport?: [number, number]; dportMask?: number;
  gotoTarget: number;
  unresolved: boolean;
  /** -1 when unset */
  suppressPrefixlen: number;
  suppressIfgroup: number;
  protocol: number;
  l3mdev: boolean;
  /** tun_id selector, 0 when unset */
  tunId: bigint;
  /** realms (from << 16 | to), 0 when unset */
  realms: number;
}
/** A rule to add, or the selector of a rule to delete. Undefined = not given (matches anything in a delete). */
export interface RuleReq {
  priority?: number;
  action?: number;
  table?: number;
  invert?: boolean;
  src?: number; srcLen?: number;
  dst?: number; dstLen?: number;
  tos?: number;
  dscp?: number; dscpMask?: number;
  fwmark?: number; fwmask?: number;
  iifname?: string; oifname?: string;
  uidStart?: number; uidEnd?: number;
  ipproto?: number;
  sport?: [number, number]; sportMask?: number;
  dport?: [number, number]; dportMask?: number;
  gotoTarget?: number;
  suppressPrefixlen?: number;
  suppressIfgroup?: number;
  protocol?: number;
  tunId?: bigint;
  l3mdev?: boolean;
  realms?: number;
}

// NUD_* neighbour states
export const NUD_INCOMPLETE = 0x01, NUD_REACHABLE = 0x02, NUD_STALE = 0x04, NUD_DELAY = 0x08, NUD_PROBE = 0x10,
  NUD_FAILED = 0x20, NUD_NOARP = 0x40, NUD_PERMANENT = 0x80;
export interface NeighInfo {
  ifindex: number; dst: number; lladdr?: Uint8Array; state: number; router: boolean; externLearn?: boolean;
  /** NDA_CACHEINFO: ages in USER_HZ ticks (1/100 s) since last used, confirmed and updated; refcnt - 1 */
  used: number; confirmed: number; updated: number; refcnt: number;
  /** NDA_PROBES: probes sent since the resolution started */
  probes: number;
  /** NTF_PROXY: a proxy entry (state 0, no lladdr, no cacheinfo; ifindex 0 = on no device) */
  proxy?: boolean;
}
/** proxy: NTF_PROXY (the pneigh table; ifindex 0 = no device) */
export interface NeighReq { ifindex: number; dst: number; lladdr?: Uint8Array; state?: number; router?: boolean; externLearn?: boolean; proxy?: boolean }

/** NDTA_PARMS of a neighbour table (times in ms) */
export interface NeighTableParms {
  ifindex?: number; refcnt: number; reachable: number; baseReachable: number; retrans: number; gcStale: number;
  delayProbe: number; queue: number; queueBytes: number; appProbes: number; ucastProbes: number; mcastProbes: number;
  mcastReprobes: number; anycastDelay: number; proxyDelay: number; proxyQueue: number; locktime: number;
}
/** RTM_NEWNEIGHTBL: a table's own message (thresholds, config, stats, its parms) or a device's parms */
export interface NeighTableMsg {
  family: 'inet'; name: string;
  thresh?: { thresh1: number; thresh2: number; thresh3: number; gcInterval: number };
  config?: { keyLen: number; entrySize: number; entries: number; lastFlush: number; lastRand: number; hashRnd: number;
    hashMask: number; hashChainGc: number; proxyQlen: number };
  stats?: { allocs: number; destroys: number; hashGrows: number; resFailed: number; lookups: number; hits: number;
    rcvProbesMcast: number; rcvProbesUcast: number; periodicGcRuns: number; forcedGcRuns: number; tableFulls: number };
  parms: NeighTableParms;
}
/** RTM_SETNEIGHTBL: NDTA_PARMS as NDTPA attribute number -> value, thresholds/gc_int as given */
export interface NeighTableReq {
  family: number; name: string; ifindex?: number; parms: Map<number, bigint>;
  thresh1?: number; thresh2?: number; thresh3?: number; gcInterval?: bigint;
}

/** The EMAC driver's ethtool operations on one device (assembly/drivers/emac_ethtool.ts) */
export interface EmacEthtoolOps {
  /** a value the get side answers (ET_* in emac_ethtool.ts) */
  get(which: number): number;
  /** register `i` of emac_get_regs */
  reg(i: number): number;
  /** a set operation (0 rings, 1 pause, 2 private flags, 3 nway_reset) */
  set(op: number, v0?: number, v1?: number, v2?: number, v3?: number): Reply;
}

/** What the `ip` front end asks of the kernel. Every mutating call changes nothing when it fails. */
export interface Rtnl {
  links(): LinkInfo[];
  linkAdd(req: LinkAddReq): Reply;
  linkDel(ifindex: number): Reply;
  linkSet(req: LinkSetReq): Reply;
  /** Whether `ip ... netns NAME` names a box this one can reach (boxes created with a netns name in one World). */
  netnsExists?(name: string): boolean;
  /** An EMAC's MAC statistics as `ethtool -S` reads them (emac_get_ethtool_stats, struct emac_stats order); undefined for other devices */
  emacStats?(ifindex: number): number[] | undefined;
  /** An EMAC's ethtool operations (the driver's, emac-ethtool.c); undefined for other devices */
  emacEthtool?(ifindex: number): EmacEthtoolOps | undefined;

  addrs(): AddrInfo[];
  addrAdd(req: AddrReq, replace: boolean): Reply;
  addrDel(req: AddrReq): Reply;

  /** every route of every table, in the order `ip route show table all` prints them */
  routes(): RouteMsg[];
  routeAdd(req: RouteReq, flags: RouteModFlags): Reply;
  routeDel(req: RouteReq): Reply;
  /** every nexthop object, by id */
  nexthops(): NexthopMsg[];
  nexthopAdd(req: NexthopReq, flags: { create?: boolean; replace?: boolean }): Reply;
  /** RTM_DELNEXTHOP: id undefined = no NHA_ID; `extra` = the request carried other attributes */
  nexthopDel(id: number | undefined, extra: boolean): Reply;
  /** RTM_GETNEXTHOP: the object, or the kernel's error (EINVAL for id 0, ENOENT) */
  nexthopGet(id: number): Reply<NexthopMsg>;
  /** RTM_GETNEXTHOPBUCKET dump: the buckets of resilient groups; filters of 0/undefined select all */
  nexthopBuckets(filter: { id?: number; nhid?: number; oif?: number }): Reply<NexthopBucketMsg[]>;
  /** RTM_GETNEXTHOPBUCKET: one bucket */
  nexthopBucketGet(id: number, index: number): Reply<NexthopBucketMsg>;
  routeGet(req: RouteGetReq): Reply<RouteGetReply>;
  /** the routing cache as `ip route show cache` lists it: the nexthop exceptions routes have taken */
  routeCache(): RouteGetReply[];
  /** `ip route flush cache` (/proc/sys/net/ipv4/route/flush) */
  routeCacheFlush(): void;

  rules(): RuleMsg[];
  ruleAdd(req: RuleReq): Reply;
  ruleDel(req: RuleReq): Reply;

  /** RTM_GETNEIGH dump; proxy: with NTF_PROXY in the request (the proxy entries instead) */
  neighs(proxy?: boolean): NeighInfo[];
  /** replace: NLM_F_REPLACE; create: NLM_F_CREATE (false for `ip neigh change`) */
  neighAdd(req: NeighReq, replace: boolean, create?: boolean): Reply;
  neighDel(req: NeighReq): Reply;
  /** RTM_GETNEIGH for one entry (neigh_get): req.proxy for a proxy entry */
  neighGet?(req: NeighReq): Reply<NeighInfo>;
  /** RTM_GETNEIGHTBL dump: the neighbour tables and their per-device parms */
  neighTables?(): NeighTableMsg[];
  /** RTM_SETNEIGHTBL */
  neighTableSet?(req: NeighTableReq): Reply;
  /** the box's clock (ns since it started), which its wall clock also reads (from the epoch, UTC) */
  nowNs?(): number;

  /** sysctl by its dotted name; undefined value = read. Errors: ENOENT for an unknown key, EINVAL for a bad value */
  sysctl(key: string, value?: string): Reply<string>;

  /** the bridge's forwarding database (`bridge fdb show`) and a port's state (`bridge link`); optional for fakes */
  bridgeFdb?(): FdbEntry[];
  /** the multicast addresses of every device (/proc/net/dev_mcast, igmp, igmp6), device by device */
  maddrs?(): MaddrEntry[];
  /** SIOCADDMULTI / SIOCDELMULTI */
  maddrModify?(ifindex: number, lladdr: Uint8Array, add: boolean): Reply;
  bridgePort?(ifindex: number): BridgePortInfo | undefined;
  /** RTM_SETLINK of family AF_BRIDGE with IFLA_PROTINFO (`bridge link set`): br_setlink's br_setport */
  bridgePortSet?(ifindex: number, req: BridgePortReq): Reply;

  /** whether the FIB table exists (tables come into being on first use and never go away) */
  tableExists(id: number): boolean;

  /** open("/dev/net/tun") + ioctl(TUNSETIFF): a file attached to device `name` (created if missing); its ifindex */
  tunSetIff?(name: string, flags: number): Reply<number>;
  /** ioctl(TUNSETPERSIST) on that file */
  tunSetPersist?(ifindex: number, on: boolean): Reply;
  /** close() of that file */
  tunClose?(ifindex: number): void;
}
