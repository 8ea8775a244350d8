// The forwarding database (net/bridge/br_fdb.c): one hash of MAC → entry per
// bridge, no VLANs (vlan_filtering 0, vid 0). Local entries (a port's own
// address, or the bridge's with no port) are permanent; learnt ones age out
// ageing_time after their last update on the virtual clock. An expired
// entry is removed when it is next looked at, which is the same moment to the
// packets; the gc work's schedule is kept only for its timer (`ip -d link`).
import { clockNow } from "../../hw/clock";
import { devMac, is_valid_ether_addr } from "../../core/netdevice";
import { brAgeingNs, brGcAt, brPorts, brEnsure } from "./br_private";

export const BR_FDB_LOCAL: u8 = 1, BR_FDB_STATIC: u8 = 2;

const fMac = new Array<u64>();
const fBr = new Array<i32>();
/** the port (ifindex) behind the address; 0 = the bridge itself (f->dst == NULL) */
export const fDst = new Array<i32>();
export const fFlags = new Array<u8>();
export const fUpdated = new Array<i64>();
export const fUsed = new Array<i64>();
/** creation order: the kernel adds to the head of br->fdb_list, so dumps show newest first */
const fSeq = new Array<u32>();
const fLive = new Array<bool>();
const freeList = new Array<i32>();
let seq: u32 = 0;
const hash = new Map<u64, i32>();

// @ts-ignore: decorator
@inline function key(br: i32, mac: u64): u64 { return (mac & 0xffffffffffff) | (<u64>br << 48); }

function fdbDestroy(f: i32): void {
  hash.delete(key(fBr[f], fMac[f]));
  fLive[f] = false;
  freeList.push(f);
}

/** fdb_create(): a new entry at the head of the bridge's list. */
function fdbCreate(br: i32, dst: i32, mac: u64, flags: u8): i32 {
  let f: i32;
  if (freeList.length > 0) f = freeList.pop();
  else {
    f = fMac.length;
    fMac.push(0); fBr.push(0); fDst.push(0); fFlags.push(0); fUpdated.push(0); fUsed.push(0); fSeq.push(0); fLive.push(false);
  }
  const now = clockNow();
  fMac[f] = mac; fBr[f] = br; fDst[f] = dst; fFlags[f] = flags; fUpdated[f] = now; fUsed[f] = now; fSeq[f] = seq++;
  fLive[f] = true;
  hash.set(key(br, mac), f);
  return f;
}

function expired(f: i32): bool {
  if (fFlags[f] & BR_FDB_STATIC) return false;
  return clockNow() >= fUpdated[f] + brAgeingNs[fBr[f]];
}

/** br_fdb_find_rcu(): the entry for mac on bridge br, or -1 (an aged-out entry goes first). */
export function br_fdb_find(br: i32, mac: u64): i32 {
  const k = key(br, mac);
  if (!hash.has(k)) return -1;
  const f = hash.get(k);
  if (expired(f)) { fdbDestroy(f); return -1; }
  return f;
}

/** br_fdb_update(): learn mac behind port (new entry, refresh, or move); local entries stay. */
export function br_fdb_update(br: i32, port: i32, mac: u64): u32 {
  if (brAgeingNs[br] == 0) return 0; // ageing_time 0: always flood
  const f = br_fdb_find(br, mac);
  if (f < 0) { fdbCreate(br, port, mac, 0); return 1; }
  if (fFlags[f] & BR_FDB_LOCAL) return 0; // "received packet on %s with own address as source address"
  fUpdated[f] = clockNow();
  if (fDst[f] != port) { fDst[f] = port; return 2; }
  return 0;
}

/** fdb_add_local(): a permanent entry for an address of port (0: the bridge); an existing local one wins. */
export function fdb_add_local(br: i32, port: i32, mac: u64): void {
  if (!is_valid_ether_addr(mac)) return;
  const f = br_fdb_find(br, mac);
  if (f >= 0) {
    if (fFlags[f] & BR_FDB_LOCAL) return;
    fdbDestroy(f);
  }
  fdbCreate(br, port, mac, BR_FDB_LOCAL | BR_FDB_STATIC);
}

/**
 * fdb_delete_local(): a local address is going away from `port` (0: from the bridge). Another port or the
 * bridge with the same address keeps the entry.
 */
function fdb_delete_local(br: i32, port: i32, f: i32): void {
  const mac = fMac[f];
  const ports = brPorts[br];
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    if (p != port && devMac[p] == mac) { fDst[f] = p; return; }
  }
  if (port != 0 && devMac[br] == mac) { fDst[f] = 0; return; }
  fdbDestroy(f);
}

/** br_fdb_delete_by_port(): the port's learnt entries (do_all: its local ones too). */
export function br_fdb_delete_by_port(br: i32, port: i32, doAll: bool): void {
  for (let f = 0; f < fLive.length; f++) {
    if (!fLive[f] || fBr[f] != br || fDst[f] != port) continue;
    if (fFlags[f] & BR_FDB_STATIC) {
      if (!doAll) continue;
      if (fFlags[f] & BR_FDB_LOCAL) { fdb_delete_local(br, port, f); continue; }
    }
    fdbDestroy(f);
  }
}

/** br_fdb_changeaddr(): a port's address changed; its local entry follows. */
export function br_fdb_changeaddr(br: i32, port: i32, oldMac: u64, newMac: u64): void {
  const f = br_fdb_find(br, oldMac);
  if (f >= 0 && fDst[f] == port && (fFlags[f] & BR_FDB_LOCAL)) fdb_delete_local(br, port, f);
  fdb_add_local(br, port, newMac);
}

/** br_fdb_change_mac_address(): the bridge's own entry moves from oldMac to newMac. */
export function br_fdb_change_mac_address(br: i32, oldMac: u64, newMac: u64): void {
  const f = br_fdb_find(br, oldMac);
  if (f >= 0 && fDst[f] == 0 && (fFlags[f] & BR_FDB_LOCAL)) fdb_delete_local(br, 0, f);
  fdb_add_local(br, 0, newMac);
}

/** br_fdb_flush of a deleted bridge: every entry goes. */
export function br_fdb_delete_bridge(br: i32): void {
  for (let f = 0; f < fLive.length; f++) if (fLive[f] && fBr[f] == br) fdbDestroy(f);
}

/**
 * br_fdb_dump(): entries of bridge br behind `port` (-1: the bridge's own, f->dst == NULL), newest first,
 * aged-out ones removed first. Returns entry ids.
 */
export function br_fdb_dump(br: i32, port: i32): Array<i32> {
  brEnsure(br);
  const out = new Array<i32>();
  for (let f = 0; f < fLive.length; f++) {
    if (!fLive[f] || fBr[f] != br) continue;
    if (expired(f)) { fdbDestroy(f); continue; }
    if (fDst[f] != (port < 0 ? 0 : port)) continue;
    out.push(f);
  }
  out.sort((a: i32, b: i32): i32 => fSeq[b] > fSeq[a] ? 1 : fSeq[b] < fSeq[a] ? -1 : 0);
  return out;
}
export function fdbMac(f: i32): u64 { return fMac[f]; }

/**
 * The time left on br->gc_work (ns), 0 when it is not scheduled. br_fdb_cleanup() runs it again after
 * ageing_time, or when the next learnt entry expires if that is sooner; the runs since the last look are
 * replayed against the entries' current update times.
 */
export function br_gc_timer(br: i32): i64 {
  brEnsure(br);
  let at = brGcAt[br];
  if (at == 0) return 0;
  const now = clockNow(), delay = brAgeingNs[br];
  if (delay <= 0) return 0;
  while (at <= now) {
    let next = delay;
    for (let f = 0; f < fLive.length; f++) {
      if (!fLive[f] || fBr[f] != br || (fFlags[f] & BR_FDB_STATIC) != 0) continue;
      const t = fUpdated[f] + delay;
      if (t > at && t - at < next) next = t - at;
    }
    if (next <= 0) next = delay;
    at += next;
  }
  brGcAt[br] = at;
  return at - now;
}
