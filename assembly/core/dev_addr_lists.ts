// The multicast address list of each device (net/core/dev_addr_lists.c,
// dev_mc_add/dev_mc_del): reference-counted, in insertion order, as
// ndo_dflt_fdb_dump reports it (`bridge fdb show` prints the entries "self").
// The entries are those the stack itself joins: the IPv6 all-nodes group at
// registration (addrconf joins it even with IPv6 disabled), the IPv4
// all-hosts group while the device is up (ip_mc_up/ip_mc_down) and the
// bridge's multicast-snooping groups while a bridge is up.

import { driverRxMode } from "./dev";

export const MC_IPV6_ALLNODES: u64 = 0x333300000001, MC_IPV4_ALLHOSTS: u64 = 0x01005e000001;

const mcAddr = new Array<Array<u64>>();
const mcRefs = new Array<Array<i32>>();
/** ha->global_use: the user added the entry (SIOCADDMULTI, `ip maddr add`); it holds one reference */
const mcGlobal = new Array<Array<bool>>();

function ensure(dev: i32): void {
  while (mcAddr.length <= dev) { mcAddr.push(new Array<u64>()); mcRefs.push(new Array<i32>()); mcGlobal.push(new Array<bool>()); }
}

/** A new device: an empty list. */
export function devMcInit(dev: i32): void {
  ensure(dev);
  mcAddr[dev].length = 0;
  mcRefs[dev].length = 0;
  mcGlobal[dev].length = 0;
}

/** __hw_addr_add_ex(): appended, or one more reference; a global entry takes one reference only. */
function hwAddrAdd(dev: i32, addr: u64, global: bool): void {
  ensure(dev);
  const i = mcAddr[dev].indexOf(addr);
  if (i >= 0) {
    if (global) {
      if (mcGlobal[dev][i]) return;
      mcGlobal[dev][i] = true;
    }
    mcRefs[dev][i]++;
    return;
  }
  mcAddr[dev].push(addr);
  mcRefs[dev].push(1);
  mcGlobal[dev].push(global);
}

/** __hw_addr_del_ex(): one reference less; the entry goes with its last one. 0 or -ENOENT. */
function hwAddrDel(dev: i32, addr: u64, global: bool): i32 {
  if (dev >= mcAddr.length) return -2;
  const i = mcAddr[dev].indexOf(addr);
  if (i < 0 || (global && !mcGlobal[dev][i])) return -2;
  if (global) mcGlobal[dev][i] = false;
  if (--mcRefs[dev][i] > 0) return 0;
  mcAddr[dev].splice(i, 1);
  mcRefs[dev].splice(i, 1);
  mcGlobal[dev].splice(i, 1);
  return 0;
}

// each change reaches the driver's filter (__dev_mc_add/__dev_mc_del → __dev_set_rx_mode)
/** dev_mc_add(): the stack's own reference */
export function dev_mc_add(dev: i32, addr: u64): void { hwAddrAdd(dev, addr, false); driverRxMode(dev); }
/** dev_mc_del() */
export function dev_mc_del(dev: i32, addr: u64): void { if (hwAddrDel(dev, addr, false) == 0) driverRxMode(dev); }
/** dev_mc_add_global() */
export function dev_mc_add_global(dev: i32, addr: u64): void { hwAddrAdd(dev, addr, true); driverRxMode(dev); }
/** dev_mc_del_global(): 0 or -ENOENT */
export function dev_mc_del_global(dev: i32, addr: u64): i32 {
  const e = hwAddrDel(dev, addr, true);
  if (e == 0) driverRxMode(dev);
  return e;
}

/** An entry's references, and whether the user holds one of them (global_use). */
export function devMcRefs(dev: i32, i: i32): i32 { return mcRefs[dev][i]; }
export function devMcGlobal(dev: i32, i: i32): bool { return mcGlobal[dev][i]; }

/** The device's list, in order. */
export function devMcList(dev: i32): Array<u64> {
  ensure(dev);
  return mcAddr[dev];
}
