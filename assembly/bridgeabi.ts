// The ABI of the bridge (net/bridge) and of what `bridge` and `ip link` read
// about masters and ports: bound by src/kernel.ts. Dumps go to one u32
// buffer read in place (bridgeDumpPtr).
import { clearExtack } from "./lib/errno";
import { devExists, devKind, KIND_LOOPBACK } from "./core/netdevice";
import { devMcList, devMcRefs, devMcGlobal, dev_mc_add_global, dev_mc_del_global } from "./core/dev_addr_lists";
import { inDevExists } from "./ipv4/devinet";
import { igmpGroups } from "./ipv4/igmp";
import { clockNow } from "./hw/clock";
import { devGetPromiscuity, devGetAllmulti, devUcList } from "./core/dev";
import { br_setport } from "./net/bridge/br_netlink";
import { masterOf, isBridge, portState, portNo, portFlags, portPriority, portCost, portFwdDelayAt, brCarrierTouched, brAgeingNs, brGroupFwdMask, BR_GROUPFWD_RESTRICTED, brMcastSnooping, brSnoopers6, brGcAt, brEnsure } from "./net/bridge/br_private";
import { brSetMaster } from "./net/bridge/br_if";
import { br_multicast_toggle } from "./net/bridge/br_device";
import { br_fdb_dump, br_gc_timer, fdbMac, fDst, fFlags, fUsed, fUpdated } from "./net/bridge/br_fdb";

const out = new Array<u32>();
export function bridgeDumpPtr(): usize { return out.dataStart; }

/** `ip link set DEV master BR` (0: nomaster): 0 or -errno */
export function linkSetMaster(ifindex: i32, master: i32): i32 { clearExtack(); return brSetMaster(ifindex, master); }
/** IFLA_MASTER: the bridge a device is a port of, 0 if none */
export function linkMaster(ifindex: i32): i32 { return devExists(ifindex) ? masterOf(ifindex) : 0; }
/** dev->promiscuity (what 0) or dev->allmulti (1) */
export function linkPromisc(ifindex: i32, what: i32): u32 {
  if (!devExists(ifindex)) return 0;
  return what == 0 ? devGetPromiscuity(ifindex) : devGetAllmulti(ifindex);
}
/** a port: state | port_no << 8; -1 if not a port */
export function brPortInfo(ifindex: i32): i32 {
  if (masterOf(ifindex) == 0) return -1;
  return <i32>portState[ifindex] | (<i32>portNo[ifindex] << 8);
}
/**
 * IFLA_BRPORT_* of a port: what 0 = the BR_* flags, 1 = priority, 2 = path cost, 3 = the forward-delay timer
 * (centiseconds left, 0 when not pending); -1 if not a port
 */
export function brPortGet(ifindex: i32, what: i32): i64 {
  if (masterOf(ifindex) == 0) return -1;
  if (what == 3) { const left = portFwdDelayAt[ifindex] - clockNow(); return left > 0 ? left / 10_000_000 : 0; }
  return what == 0 ? <i64>portFlags[ifindex] : what == 1 ? <i64>portPriority[ifindex] : <i64>portCost[ifindex];
}
/**
 * br_setport() of `bridge link set` (br_setlink) and `ip link set DEV type bridge_slave` (slave_changelink):
 * the flags in `mask` set to `flags`, then cost, priority and state where `have` has BRPORT_SET_*; 0 or -errno
 * (EOPNOTSUPP: not a port)
 */
export function brPortSet(ifindex: i32, mask: u32, flags: u32, have: u32, cost: u32, priority: u32, state: u32): i32 {
  clearExtack();
  if (!devExists(ifindex) || masterOf(ifindex) == 0) return -95;
  return br_setport(ifindex, mask, flags, have, cost, priority, state);
}
/**
 * IFLA_BR_* of a bridge: what 0 = ageing_time, 1 = gc_timer (centiseconds), 2 = mcast_snooping, 3 = whether
 * it joined ff02::6a, 4 = group_fwd_mask; -1 if not a bridge
 */
export function brInfo(ifindex: i32, what: i32): i64 {
  if (!isBridge(ifindex)) return -1;
  if (what == 2) return brMcastSnooping[ifindex] ? 1 : 0;
  if (what == 3) return brSnoopers6[ifindex] ? 1 : 0;
  if (what == 4) return brGroupFwdMask[ifindex];
  return (what == 0 ? brAgeingNs[ifindex] : br_gc_timer(ifindex)) / 10_000_000;
}
/** IFLA_BR_AGEING_TIME (centiseconds; br_set_ageing_time: kept in jiffies, the fdb gc runs at once): 0 or -errno */
export function brSetAgeing(ifindex: i32, cs: u32): i32 {
  if (!isBridge(ifindex)) return -95; // EOPNOTSUPP: not a bridge
  const jiffies = <i64>cs * 250 / 100; // clock_t_to_jiffies at HZ 250
  brAgeingNs[ifindex] = jiffies * 4_000_000;
  if (brGcAt[ifindex] != 0) brGcAt[ifindex] = clockNow();
  return 0;
}
/** IFLA_BR_GROUP_FWD_MASK: 0 or -errno (the groups 802.1D reserves, BR_GROUPFWD_RESTRICTED, cannot be forwarded) */
export function brSetGroupFwdMask(ifindex: i32, mask: u32): i32 {
  if (!isBridge(ifindex)) return -95; // EOPNOTSUPP: not a bridge
  if ((mask & BR_GROUPFWD_RESTRICTED) != 0 || mask > 0xffff) return -22; // EINVAL
  brGroupFwdMask[ifindex] = <u16>mask;
  return 0;
}
/** IFLA_BR_MCAST_SNOOPING: 0 or -errno */
export function brSetMcastSnooping(ifindex: i32, on: bool): i32 {
  if (!isBridge(ifindex)) return -95; // EOPNOTSUPP: not a bridge
  br_multicast_toggle(ifindex, on);
  return 0;
}
/** whether the bridge's carrier was ever set: until then its operstate is UNKNOWN */
export function brOperKnown(ifindex: i32): bool { return isBridge(ifindex) && brCarrierTouched[ifindex]; }

export const FDB_RECORD: i32 = 6;
/**
 * br_fdb_dump(): entries of bridge `br` behind port `port` (-1: the bridge's own), newest first. Records:
 * macHi, macLo, port (0: the bridge), flags (1 local, 2 static), centiseconds since used, since updated.
 */
export function brFdbDump(br: i32, port: i32): i32 {
  out.length = 0;
  if (!isBridge(br)) return 0;
  const list = br_fdb_dump(br, port);
  const now = clockNow();
  for (let i = 0; i < list.length; i++) {
    const f = list[i];
    const m = fdbMac(f);
    out.push(<u32>(m >> 32)); out.push(<u32>m); out.push(<u32>fDst[f]); out.push(fFlags[f]);
    out.push(<u32>((now - fUsed[f]) / 10_000_000)); out.push(<u32>((now - fUpdated[f]) / 10_000_000));
  }
  return list.length;
}
/** the device's multicast address list (dev->mc), in order: macHi, macLo, references, global_use per entry */
export function devMcDump(ifindex: i32): i32 {
  out.length = 0;
  if (!devExists(ifindex)) return 0;
  const l = devMcList(ifindex);
  for (let i = 0; i < l.length; i++) {
    out.push(<u32>(l[i] >> 32)); out.push(<u32>l[i]); out.push(<u32>devMcRefs(ifindex, i)); out.push(devMcGlobal(ifindex, i) ? 1 : 0);
  }
  return l.length;
}
/** the device's unicast address list (dev->uc), in order: macHi, macLo, references, 0 per entry */
export function devUcDump(ifindex: i32): i32 {
  out.length = 0;
  if (!devExists(ifindex)) return 0;
  const l = devUcList(ifindex);
  for (let i = 0; i < l.length; i++) { out.push(<u32>(l[i] >> 32)); out.push(<u32>l[i]); out.push(0); out.push(0); }
  return l.length;
}
/** the IPv4 groups of the device (/proc/net/igmp), newest first: group, users per entry */
export function igmpDump(ifindex: i32): i32 {
  out.length = 0;
  if (!devExists(ifindex) || !inDevExists(ifindex)) return 0;
  igmpGroups(ifindex, out);
  return out.length >> 1;
}
/** SIOCADDMULTI / SIOCDELMULTI (`ip maddr add|del`): 0 or -errno */
export function devMcModify(ifindex: i32, hi: u32, lo: u32, add: bool): i32 {
  if (!devExists(ifindex)) return -19; // ENODEV
  // the loopback device has no ndo_set_rx_mode
  if (devKind[ifindex] == KIND_LOOPBACK) return -22; // EINVAL
  const addr = (<u64>(hi & 0xffff) << 32) | <u64>lo;
  if (add) { dev_mc_add_global(ifindex, addr); return 0; }
  return dev_mc_del_global(ifindex, addr);
}
