// The ABI of nexthop objects (`ip nexthop`, ipv4/nexthop.ts). The dump goes to the shared dump buffer.
import { clearExtack } from "./lib/errno";
import {
  rtmNewNexthop, rtmDelNexthop, rtmGetNexthop, nexthopGroupBegin, nexthopGroupAdd, nexthopIds, nexthopFind, nhGw, nhOif,
  nhFlags, nhScope, nhReject, nhProto, nhIsGroup, nhgIds, nhgWeights,
} from "./ipv4/nexthop";
import { dumpReset, dumpPush } from "./abi";

/** NHA_GROUP of the next nexthopNew(): nexthopGrpBegin(), then nexthopGrpAdd() per entry */
export function nexthopGrpBegin(): void { nexthopGroupBegin(); }
export function nexthopGrpAdd(id: u32, weight: i32): void { nexthopGroupAdd(id, weight); }
/** RTM_NEWNEXTHOP: 0 or -errno */
export function nexthopNew(id: u32, family: i32, group: bool, blackhole: bool, fdb: bool, gw: u32, oif: i32, onlink: bool,
  proto: i32, create: bool, replace: bool): i32 {
  clearExtack();
  const r = rtmNewNexthop(id, family, group, blackhole, fdb, gw, oif, onlink, <u8>proto, create, replace);
  nexthopGroupBegin();
  return r;
}
export function nexthopDel(id: u32, present: bool, extra: bool): i32 { clearExtack(); return rtmDelNexthop(id, present, extra); }
export function nexthopGet(id: u32): i32 { clearExtack(); return rtmGetNexthop(id); }

export const NEXTHOP_OBJ_RECORD: i32 = 8;
/**
 * every object in id order (rtm_dump_nexthop): id, gw, oif, flags, scope, blackhole, proto, group entries n;
 * then each group's entries (id, weight) in the same order.
 */
export function nexthopDump(): i32 {
  dumpReset();
  const ids = nexthopIds();
  for (let i = 0; i < ids.length; i++) {
    const s = nexthopFind(ids[i]);
    // a blackhole is dumped without its device (lo) and scope (nh_fill_node)
    dumpPush(ids[i]); dumpPush(nhGw[s]); dumpPush(nhReject[s] ? 0 : <u32>nhOif[s]); dumpPush(nhFlags[s]);
    dumpPush(nhReject[s] ? 0 : nhScope[s]);
    dumpPush(nhReject[s] ? 1 : 0); dumpPush(nhProto[s]); dumpPush(nhIsGroup[s] ? <u32>nhgIds[s].length : 0);
  }
  for (let i = 0; i < ids.length; i++) {
    const s = nexthopFind(ids[i]);
    if (!nhIsGroup[s]) continue;
    for (let k = 0; k < nhgIds[s].length; k++) { dumpPush(nhgIds[s][k]); dumpPush(<u32>nhgWeights[s][k]); }
  }
  return ids.length;
}
