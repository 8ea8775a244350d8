// The multicast address list of each device (net/core/dev_addr_lists.c,
// dev_mc_add/dev_mc_del): reference-counted, in insertion order, as
// ndo_dflt_fdb_dump reports it (`bridge fdb show` prints the entries "self").
// The entries are those the stack itself joins: the IPv6 all-nodes group at
// registration (addrconf joins it even with IPv6 disabled), the IPv4
// all-hosts group while the device is up (ip_mc_up/ip_mc_down) and the
// bridge's multicast-snooping groups while a bridge is up.

export const MC_IPV6_ALLNODES: u64 = 0x333300000001, MC_IPV4_ALLHOSTS: u64 = 0x01005e000001;

const mcAddr = new Array<Array<u64>>();
const mcRefs = new Array<Array<i32>>();

function ensure(dev: i32): void {
  while (mcAddr.length <= dev) { mcAddr.push(new Array<u64>()); mcRefs.push(new Array<i32>()); }
}

/** A new device: an empty list. */
export function devMcInit(dev: i32): void {
  ensure(dev);
  mcAddr[dev].length = 0;
  mcRefs[dev].length = 0;
}

/** dev_mc_add(): appended, or one more reference to an existing entry. */
export function dev_mc_add(dev: i32, addr: u64): void {
  ensure(dev);
  const i = mcAddr[dev].indexOf(addr);
  if (i >= 0) { mcRefs[dev][i]++; return; }
  mcAddr[dev].push(addr);
  mcRefs[dev].push(1);
}

/** dev_mc_del(): one reference less; the entry goes with its last one. */
export function dev_mc_del(dev: i32, addr: u64): void {
  if (dev >= mcAddr.length) return;
  const i = mcAddr[dev].indexOf(addr);
  if (i < 0) return;
  if (--mcRefs[dev][i] > 0) return;
  mcAddr[dev].splice(i, 1);
  mcRefs[dev].splice(i, 1);
}

/** The device's list, in order. */
export function devMcList(dev: i32): Array<u64> {
  ensure(dev);
  return mcAddr[dev];
}
