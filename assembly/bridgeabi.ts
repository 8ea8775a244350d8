// The ABI of the bridge (net/bridge) and of what `bridge` and `ip link` read
// about masters and ports: bound by src/kernel.ts. Dumps go to one u32
// buffer read in place (bridgeDumpPtr).
import { clearExtack } from "./lib/errno";
import { devExists } from "./core/netdevice";
import { devMcList } from "./core/dev_addr_lists";
import { clockNow } from "./hw/clock";
import { devGetPromiscuity, devGetAllmulti } from "./core/dev";
import { masterOf, isBridge, portState, portNo, brCarrierTouched, brAgeingNs, brEnsure } from "./net/bridge/br_private";
import { brSetMaster } from "./net/bridge/br_if";
import { br_fdb_dump, br_gc_timer, fdbMac, fDst, fFlags, fUsed, fUpdated } from "./net/bridge/br_fdb";

const out = new Array<u32>();
export function bridgeDumpPtr(): usize { return out.dataStart; }

/** `ip link set DEV master BR` (0: nomaster): 0 or -errno */
export function linkSetMaster(ifindex: i32, master: i32): i32 { clearExtack(); return brSetMaster(ifindex, master); }
/** IFLA_MASTER: the bridge a device is a port of, 0 if none */
export function linkMaster(ifindex: i32): i32 { return devExists(ifindex) ? masterOf(ifindex) : 0; }
/** dev->promiscuity | dev->allmulti << 16 */
export function linkPromisc(ifindex: i32): u32 {
  if (!devExists(ifindex)) return 0;
  return <u32>devGetPromiscuity(ifindex) | (<u32>devGetAllmulti(ifindex) << 16);
}
/** a port: state | port_no << 8; -1 if not a port */
export function brPortInfo(ifindex: i32): i32 {
  if (masterOf(ifindex) == 0) return -1;
  return <i32>portState[ifindex] | (<i32>portNo[ifindex] << 8);
}
/** IFLA_BR_* of a bridge in centiseconds (clock_t): what 0 = ageing_time, 1 = gc_timer; -1 if not a bridge */
export function brInfo(ifindex: i32, what: i32): i64 {
  if (!isBridge(ifindex)) return -1;
  return (what == 0 ? brAgeingNs[ifindex] : br_gc_timer(ifindex)) / 10_000_000;
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
/** the device's multicast address list (dev->mc), in order: macHi, macLo per entry */
export function devMcDump(ifindex: i32): i32 {
  out.length = 0;
  if (!devExists(ifindex)) return 0;
  const l = devMcList(ifindex);
  for (let i = 0; i < l.length; i++) { out.push(<u32>(l[i] >> 32)); out.push(<u32>l[i]); }
  return l.length;
}
