// The ABI of nexthop objects (`ip nexthop`, ipv4/nexthop.ts). The dump goes to the shared dump buffer.
import { clearExtack, fail, EINVAL, ENOENT } from "./lib/errno";
import {
  rtmNewNexthop, rtmDelNexthop, rtmGetNexthop, nexthopGroupBegin, nexthopGroupAdd, nexthopGroupType, nexthopIds, nexthopFind,
  nhId, nhGw, nhOif, nhFlags, nhScope, nhReject, nhProto, nhIsGroup, nhgIds, nhgWeights, NEXTHOP_GRP_TYPE_MPATH, NEXTHOP_GRP_TYPE_RES,
} from "./ipv4/nexthop";
import {
  nhResIs, resNumBuckets, nhResIdleTimer, nhResUnbTimer, nhResUnbalancedTime, nhResBucketNhId, nhResBucketIdleTime,
  jiffiesToClock,
} from "./ipv4/nexthop_res";
import { dumpReset, dumpPush } from "./abi";

/** NHA_GROUP of the next nexthopNew(): nexthopGrpBegin(), then nexthopGrpAdd() per entry */
export function nexthopGrpBegin(): void { nexthopGroupBegin(); }
export function nexthopGrpAdd(id: u32, weight: i32): void { nexthopGroupAdd(id, weight); }
/** NHA_GROUP_TYPE (0 mpath, 1 resilient) and the NHA_RES_GROUP nest of the next nexthopNew(), after nexthopGrpBegin() */
export function nexthopGrpType(type: i32, res: bool, hasBuckets: bool, buckets: i32, hasIdle: bool, idle: u32, hasUnb: bool,
  unb: u32): void {
  nexthopGroupType(type, res, hasBuckets, buckets, hasIdle, idle, hasUnb, unb);
}
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

export const NEXTHOP_OBJ_RECORD: i32 = 14;
/**
 * every object in id order (rtm_dump_nexthop): id, gw, oif, flags, scope, blackhole, proto, group entries n,
 * NHA_GROUP_TYPE + 1 (0 for a single nexthop), and for a resilient group NHA_RES_GROUP (nla_put_nh_group_res):
 * buckets, idle_timer, unbalanced_timer (clock_t), unbalanced_time (clock_t, low and high word);
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
    const res = nhResIs(s);
    dumpPush(!nhIsGroup[s] ? 0 : 1 + <u32>(res ? NEXTHOP_GRP_TYPE_RES : NEXTHOP_GRP_TYPE_MPATH));
    if (res) {
      const ut = jiffiesToClock(nhResUnbalancedTime(s));
      dumpPush(<u32>resNumBuckets[s]); dumpPush(<u32>jiffiesToClock(nhResIdleTimer(s))); dumpPush(<u32>jiffiesToClock(nhResUnbTimer(s)));
      dumpPush(<u32>ut); dumpPush(<u32>(ut >>> 32));
    } else {
      dumpPush(0); dumpPush(0); dumpPush(0); dumpPush(0); dumpPush(0);
    }
  }
  for (let i = 0; i < ids.length; i++) {
    const s = nexthopFind(ids[i]);
    if (!nhIsGroup[s]) continue;
    for (let k = 0; k < nhgIds[s].length; k++) { dumpPush(nhgIds[s][k]); dumpPush(<u32>nhgWeights[s][k]); }
  }
  return ids.length;
}

/** nexthop_find_group_resilient(): the slot of resilient group id, or -errno */
function findGroupResilient(id: u32): i32 {
  const s = nexthopFind(id);
  if (s < 0) return -ENOENT;
  if (!nhIsGroup[s]) return fail(EINVAL, "Not a nexthop group");
  if (!nhResIs(s)) return fail(EINVAL, "Nexthop group not of type resilient");
  return s;
}

function bucketPush(s: i32, b: i32): void {
  const idle = jiffiesToClock(nhResBucketIdleTime(s, b));
  dumpPush(nhId[s]); dumpPush(<u32>b); dumpPush(nhResBucketNhId(s, b)); dumpPush(<u32>idle); dumpPush(<u32>(idle >>> 32));
  dumpPush(nhProto[s]);
}
export const NEXTHOP_BUCKET_RECORD: i32 = 6;
/**
 * rtm_dump_nexthop_bucket(): the buckets of every resilient group (of group `id` only when not 0), in id and
 * index order, those whose member goes through oif (when not 0) and, when nhid is not 0, is nhid
 * (nh_dump_filtered() with NHA_OIF and NHA_RES_BUCKET_NH_ID); records of group id, index, member id,
 * idle_time (clock_t, low and high word), protocol. Returns how many, or -errno.
 */
export function nexthopBucketDump(id: u32, nhid: u32, oif: i32): i32 {
  clearExtack();
  dumpReset();
  let ids: Array<u32>;
  if (id != 0) {
    const s = findGroupResilient(id);
    if (s < 0) return s;
    ids = [id];
  } else ids = nexthopIds();
  let n = 0;
  for (let i = 0; i < ids.length; i++) {
    const s = nexthopFind(ids[i]);
    if (!nhResIs(s)) continue;
    for (let b = 0; b < resNumBuckets[s]; b++) {
      const m = nhResBucketNhId(s, b);
      if (oif != 0 && nhOif[nexthopFind(m)] != oif) continue;
      if (nhid != 0 && m != nhid) continue;
      bucketPush(s, b);
      n++;
    }
  }
  return n;
}
/** rtm_get_nexthop_bucket(): bucket `index` of resilient group id as one record, or -errno */
export function nexthopBucketGet(id: u32, index: i32): i32 {
  clearExtack();
  dumpReset();
  if (id == 0) return fail(EINVAL, "Invalid nexthop id");
  const s = findGroupResilient(id);
  if (s < 0) return s;
  if (index < 0 || index >= resNumBuckets[s]) return fail(ENOENT, "Bucket index out of bounds");
  bucketPush(s, index);
  return 1;
}
