// The multicast address list of each device (net/core/dev_addr_lists.c,
// dev_mc_add/dev_mc_del): reference-counted, in insertion order, as
// ndo_dflt_fdb_dump reports it (`bridge fdb show` prints the entries "self").
// The entries are those the stack itself joins: the IPv6 all-nodes group at
// registration (addrconf joins it even with IPv6 disabled), the IPv4
// all-hosts group while the device is up (ip_mc_up/ip_mc_down) and the
// bridge's multicast-snooping groups while a bridge is up.

import { dev_set_rx_mode } from "./dev";

export const MC_IPV6_ALLNODES: u64 = 0x333300000001, MC_IPV4_ALLHOSTS: u64 = 0x01005e000001;

const mcAddr = new Array<Array<u64>>();
const mcRefs = new Array<Array<i32>>();
/** ha->global_use: the user added the entry (SIOCADDMULTI, `ip maddr add`); it holds one reference */
const mcGlobal = new Array<Array<bool>>();
/** ha->synced: references an upper device's list holds here (dev_mc_sync); ha->sync_cnt: lists this entry is synced to */
const mcSynced = new Array<Array<i32>>();
const mcSyncCnt = new Array<Array<i32>>();

function ensure(dev: i32): void {
  while (mcAddr.length <= dev) {
    mcAddr.push(new Array<u64>()); mcRefs.push(new Array<i32>()); mcGlobal.push(new Array<bool>());
    mcSynced.push(new Array<i32>()); mcSyncCnt.push(new Array<i32>());
  }
}

/** A new device: an empty list. */
export function devMcInit(dev: i32): void {
  ensure(dev);
  mcAddr[dev].length = 0; mcRefs[dev].length = 0; mcGlobal[dev].length = 0; mcSynced[dev].length = 0; mcSyncCnt[dev].length = 0;
}

/**
 * __hw_addr_add_ex(): appended, or one more reference; a global entry takes one reference only, and an
 * entry synced from a list already synced elsewhere (syncCount) is not synced twice. 0 or -EEXIST.
 */
function hwAddrAdd(dev: i32, addr: u64, global: bool, sync: bool = false, syncCount: i32 = 0): i32 {
  ensure(dev);
  const i = mcAddr[dev].indexOf(addr);
  if (i >= 0) {
    if (global) {
      if (mcGlobal[dev][i]) return 0;
      mcGlobal[dev][i] = true;
    }
    if (sync) {
      if (mcSynced[dev][i] != 0 && syncCount != 0) return -17;
      mcSynced[dev][i]++;
    }
    mcRefs[dev][i]++;
    return 0;
  }
  mcAddr[dev].push(addr); mcRefs[dev].push(1); mcGlobal[dev].push(global); mcSynced[dev].push(sync ? 1 : 0); mcSyncCnt[dev].push(0);
  return 0;
}

/** __hw_addr_del_entry(): one reference less; the entry goes with its last one */
function hwAddrDelEntry(dev: i32, i: i32, global: bool, sync: bool): void {
  if (global) mcGlobal[dev][i] = false;
  if (sync) mcSynced[dev][i]--;
  if (--mcRefs[dev][i] > 0) return;
  mcAddr[dev].splice(i, 1); mcRefs[dev].splice(i, 1); mcGlobal[dev].splice(i, 1); mcSynced[dev].splice(i, 1); mcSyncCnt[dev].splice(i, 1);
}

/** __hw_addr_del_ex(): 0 or -ENOENT */
function hwAddrDel(dev: i32, addr: u64, global: bool, sync: bool = false): i32 {
  if (dev >= mcAddr.length) return -2;
  const i = mcAddr[dev].indexOf(addr);
  if (i < 0 || (global && !mcGlobal[dev][i]) || (sync && mcSynced[dev][i] == 0)) return -2;
  hwAddrDelEntry(dev, i, global, sync);
  return 0;
}

// each change reaches the device's receive filter (__dev_mc_add/__dev_mc_del → __dev_set_rx_mode)
/** dev_mc_add(): the stack's own reference */
export function dev_mc_add(dev: i32, addr: u64): void { hwAddrAdd(dev, addr, false); dev_set_rx_mode(dev); }
/** dev_mc_del() */
export function dev_mc_del(dev: i32, addr: u64): void { if (hwAddrDel(dev, addr, false) == 0) dev_set_rx_mode(dev); }
/** dev_mc_add_global() */
export function dev_mc_add_global(dev: i32, addr: u64): void { hwAddrAdd(dev, addr, true); dev_set_rx_mode(dev); }
/** dev_mc_del_global(): 0 or -ENOENT */
export function dev_mc_del_global(dev: i32, addr: u64): i32 {
  const e = hwAddrDel(dev, addr, true);
  if (e == 0) dev_set_rx_mode(dev);
  return e;
}

/** __hw_addr_unsync_one(): the entry leaves `to`; on `from` it loses the reference the sync held */
function unsyncOne(to: i32, from: i32, i: i32): void {
  if (hwAddrDel(to, mcAddr[from][i], false, true) != 0) return;
  mcSyncCnt[from][i]--;
  hwAddrDelEntry(from, i, false, false);
}

/**
 * dev_mc_sync(): an upper device (macvlan, VLAN) puts its list into its lower's, each entry once;
 * entries the upper dropped meanwhile (only the sync's reference left) leave both lists.
 */
export function dev_mc_sync(to: i32, from: i32): void {
  ensure(to); ensure(from);
  for (let i = 0; i < mcAddr[from].length;) {
    if (mcSyncCnt[from][i] == mcRefs[from][i]) {
      const n = mcAddr[from].length;
      unsyncOne(to, from, i);
      if (mcAddr[from].length < n) continue;
    } else if (hwAddrAdd(to, mcAddr[from][i], false, true, mcSyncCnt[from][i]) == 0) {
      mcSyncCnt[from][i]++;
      mcRefs[from][i]++;
    }
    i++;
  }
  dev_set_rx_mode(to);
}

/** dev_mc_unsync(): at the upper's stop, what it synced leaves the lower */
export function dev_mc_unsync(to: i32, from: i32): void {
  ensure(to); ensure(from);
  for (let i = 0; i < mcAddr[from].length;) {
    if (mcSyncCnt[from][i] == 0) { i++; continue; }
    const n = mcAddr[from].length;
    unsyncOne(to, from, i);
    if (mcAddr[from].length == n) i++;
  }
  dev_set_rx_mode(to);
}

/** ha->synced of the entry for addr: how many upper devices' lists hold it here (0 if not listed) */
export function devMcSynced(dev: i32, addr: u64): i32 {
  if (dev >= mcAddr.length) return 0;
  const i = mcAddr[dev].indexOf(addr);
  return i < 0 ? 0 : mcSynced[dev][i];
}

/** An entry's references, and whether the user holds one of them (global_use). */
export function devMcRefs(dev: i32, i: i32): i32 { return mcRefs[dev][i]; }
export function devMcGlobal(dev: i32, i: i32): bool { return mcGlobal[dev][i]; }

/** The device's list, in order. */
export function devMcList(dev: i32): Array<u64> {
  ensure(dev);
  return mcAddr[dev];
}
