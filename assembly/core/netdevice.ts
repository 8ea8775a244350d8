// struct net_device, as struct-of-arrays indexed by ifindex. Only what the
// stack reads lives here; a device kind's own state lives with its model.

import { SlotTable, SLOTS, SLOT_SKEW } from "../lib/table";

export const KIND_LOOPBACK: u8 = 1, KIND_VETH: u8 = 2, KIND_DUMMY: u8 = 3, KIND_EMAC: u8 = 4;
export const KIND_BRIDGE: u8 = 6;
export const KIND_MACVLAN: u8 = 5;
/** tun and tap (drivers/tun.ts tells which) */
export const KIND_TUN: u8 = 7;
/** 802.1Q/802.1ad VLAN devices (net/8021q/) */
export const KIND_VLAN: u8 = 8;

// dev->type (include/uapi/linux/if_arp.h): Ethernet unless the device has no link-layer header
export const ARPHRD_ETHER: u16 = 1, ARPHRD_NONE: u16 = 0xfffe;

// include/uapi/linux/if.h
export const IFF_UP: u32 = 0x1, IFF_BROADCAST: u32 = 0x2, IFF_LOOPBACK: u32 = 0x8, IFF_POINTOPOINT: u32 = 0x10,
  IFF_RUNNING: u32 = 0x40, IFF_NOARP: u32 = 0x80, IFF_PROMISC: u32 = 0x100, IFF_ALLMULTI: u32 = 0x200,
  IFF_MULTICAST: u32 = 0x1000, IFF_LOWER_UP: u32 = 0x10000, IFF_NOTRAILERS: u32 = 0x20, IFF_DYNAMIC: u32 = 0x8000;

/** is_valid_ether_addr(): neither multicast nor all zeros */
// @ts-ignore: decorator
@inline export function is_valid_ether_addr(mac: u64): bool { return mac != 0 && (mac & 0x010000000000) == 0; }

export const LOOPBACK_IFINDEX: i32 = 1;
export const IFNAMSIZ: i32 = 16;

/**
 * [model limit] ifindexes are below DEV_MAX (Linux: 2^31), so the fields the packet path reads are
 * SlotTables: one load at a constant address, where a growing Array costs three dependent ones.
 */
export const DEV_MAX: i32 = SLOTS;
// Each table is a changetype of its own memory.data, so every access folds its address to a constant.

export const devAlive = changetype<SlotTable<bool>>(memory.data(DEV_MAX * sizeof<bool>() + SLOT_SKEW, 8));
export const devKind = changetype<SlotTable<u8>>(memory.data(DEV_MAX * sizeof<u8>() + SLOT_SKEW, 8));
/** administrative and static flags (IFF_UP, IFF_BROADCAST, ...); RUNNING/LOWER_UP are derived */
export const devFlags = changetype<SlotTable<u32>>(memory.data(DEV_MAX * sizeof<u32>() + SLOT_SKEW, 8));
export const devCarrier = changetype<SlotTable<bool>>(memory.data(DEV_MAX * sizeof<bool>() + SLOT_SKEW, 8));
/** dev->carrier_up_count + carrier_down_count (IFLA_CARRIER_CHANGES): transitions after registration */
export const devCarrierChanges = changetype<SlotTable<u32>>(memory.data(DEV_MAX * sizeof<u32>() + SLOT_SKEW, 8));
export const devMtu = changetype<SlotTable<u32>>(memory.data(DEV_MAX * sizeof<u32>() + SLOT_SKEW, 8));
export const devMinMtu = changetype<SlotTable<u32>>(memory.data(DEV_MAX * sizeof<u32>() + SLOT_SKEW, 8));
export const devMaxMtu = changetype<SlotTable<u32>>(memory.data(DEV_MAX * sizeof<u32>() + SLOT_SKEW, 8));
export const devMac = changetype<SlotTable<u64>>(memory.data(DEV_MAX * sizeof<u64>() + SLOT_SKEW, 8));
/** veth peer ifindex, 0 if none */
export const devPeer = changetype<SlotTable<i32>>(memory.data(DEV_MAX * sizeof<i32>() + SLOT_SKEW, 8));
export const devTxqlen = changetype<SlotTable<u32>>(memory.data(DEV_MAX * sizeof<u32>() + SLOT_SKEW, 8));
export const devGroup = changetype<SlotTable<u32>>(memory.data(DEV_MAX * sizeof<u32>() + SLOT_SKEW, 8));
export const devName = new Array<string>();
/** ARPHRD_*: ARPHRD_NONE devices (tun) have no header_ops, IP goes out without a link-layer header */
export const devType = changetype<SlotTable<u16>>(memory.data(DEV_MAX * sizeof<u16>() + SLOT_SKEW, 8));
/** 0: noop (never brought up), 1: noqueue */
export const devQdisc = changetype<SlotTable<u8>>(memory.data(DEV_MAX * sizeof<u8>() + SLOT_SKEW, 8));
/** dev->tso_max_size: what alloc_netdev_mqs gives (TSO_LEGACY_MAX_SIZE) unless the driver or a lower sets it */
export const devTsoMaxSize = changetype<SlotTable<u32>>(memory.data(DEV_MAX * sizeof<u32>() + SLOT_SKEW, 8));
export const TSO_LEGACY_MAX_SIZE: u32 = 65536;
/** GSO_MAX_SIZE on a 64-bit kernel: the largest tso_max_size (netif_set_tso_max_size clamps to it) */
export const GSO_MAX_SIZE: u32 = 524280;
/** dev->ifalias (IFLA_IFALIAS), "" for none; grown on the first alias set past its end */
const devAlias = new Array<string>();
/** IFALIASZ: an alias is shorter than this many bytes */
export const IFALIASZ: i32 = 256;

/** dev_set_alias(): "" removes it; -EINVAL when the UTF-8 bytes do not fit in IFALIASZ - 1 */
export function devSetAlias(ifindex: i32, alias: string): i32 {
  if (String.UTF8.byteLength(alias) >= IFALIASZ) return -22;
  while (devAlias.length <= ifindex) devAlias.push("");
  devAlias[ifindex] = alias;
  return 0;
}
export function devAliasOf(ifindex: i32): string { return ifindex < devAlias.length ? devAlias[ifindex] : ""; }

/** ifindexes in registration order: for_each_netdev() */
export const devList = new Array<i32>();

let nextIfindex: i32 = 1;

// @ts-ignore: decorator
@inline export function devExists(ifindex: i32): bool {
  return ifindex > 0 && ifindex < DEV_MAX && unchecked(devAlive[ifindex]);
}
// @ts-ignore: decorator
@inline export function devIsUp(ifindex: i32): bool { return (unchecked(devFlags[ifindex]) & IFF_UP) != 0; }

/** netif_carrier_ok() && up: what the kernel reports as IFF_RUNNING | IFF_LOWER_UP */
export function devRunning(ifindex: i32): bool {
  return devIsUp(ifindex) && devCarrier[ifindex];
}

/** dev->gflags: IFF_PROMISC and IFF_ALLMULTI as userspace asked for them (grown on the first request past its end) */
const devGflags = new Array<u32>();
export function devGflagsOf(ifindex: i32): u32 { return ifindex < devGflags.length ? devGflags[ifindex] : 0; }
export function devGflagsSet(ifindex: i32, g: u32): void {
  while (devGflags.length <= ifindex) devGflags.push(0);
  devGflags[ifindex] = g;
}

/** dev_get_flags(): the flags userspace sees (promiscuity and allmulti only as it asked for them) */
export function devGetFlags(ifindex: i32): u32 {
  let f = devFlags[ifindex] | devGflagsOf(ifindex);
  if (devRunning(ifindex)) f |= IFF_RUNNING | IFF_LOWER_UP;
  return f;
}

/** __dev_get_by_name(); 0 if none */
export function devByName(name: string): i32 {
  for (let i = 0; i < devList.length; i++) {
    const ix = devList[i];
    if (devName[ix] == name) return ix;
  }
  return 0;
}

/** ifindexes no device has: what register_netdevice can still give */
export function devIndexesFree(): i32 { return DEV_MAX - 1 - devList.length; }

/**
 * dev_index_reserve(): the first free ifindex from the one after the last given, cyclic below DEV_MAX
 * (xa_alloc_cyclic; Linux wraps at 2^31), so an index is not reused before the others were; -EBUSY
 * when every one is taken.
 */
function devIndexReserve(): i32 {
  for (let n = 1; n < DEV_MAX; n++) {
    const ix = nextIfindex;
    nextIfindex = ix + 1 < DEV_MAX ? ix + 1 : 1;
    if (!devAlive[ix]) return ix;
  }
  return -16;
}

/** register_netdevice(): the new device's ifindex, or -EBUSY when no ifindex is free */
export function devRegister(name: string, kind: u8, flags: u32, mtu: u32, minMtu: u32, maxMtu: u32, mac: u64): i32 {
  const ix = devIndexReserve();
  if (ix < 0) return ix;
  while (devName.length <= ix) devName.push("");
  devAlive[ix] = true;
  devKind[ix] = kind;
  devFlags[ix] = flags;
  devCarrier[ix] = false;
  devCarrierChanges[ix] = 0;
  devMtu[ix] = mtu;
  devMinMtu[ix] = minMtu;
  devMaxMtu[ix] = maxMtu;
  devMac[ix] = mac;
  devPeer[ix] = 0;
  devTxqlen[ix] = 1000;
  devGroup[ix] = 0;
  devName[ix] = name;
  devQdisc[ix] = 0;
  devType[ix] = ARPHRD_ETHER;
  devTsoMaxSize[ix] = TSO_LEGACY_MAX_SIZE;
  if (ix < devAlias.length) devAlias[ix] = "";
  if (ix < devGflags.length) devGflags[ix] = 0;
  devList.push(ix);
  return ix;
}

export function netif_set_tso_max_size(dev: i32, size: u32): void { devTsoMaxSize[dev] = size < GSO_MAX_SIZE ? size : GSO_MAX_SIZE; }
/** netif_inherit_tso_max(): an upper device (macvlan, VLAN) takes its lower's TSO limit */
export function netif_inherit_tso_max(to: i32, from: i32): void { devTsoMaxSize[to] = devTsoMaxSize[from]; }

export function devUnlink(ifindex: i32): void {
  devAlive[ifindex] = false;
  const i = devList.indexOf(ifindex);
  if (i >= 0) devList.splice(i, 1);
}

/**
 * dev_valid_name() on the name's UTF-8 bytes: not empty, shorter than IFNAMSIZ,
 * not "." or "..", no '/', ':' or byte the kernel's isspace() takes for a space
 * (its ctype table is Latin-1: 9-13, 32 and 0xA0, so 'à' (C3 A0) is refused).
 */
export function devValidName(name: string): bool {
  if (name.length == 0 || name == "." || name == "..") return false;
  const b = String.UTF8.encode(name);
  const n = b.byteLength;
  if (n >= IFNAMSIZ) return false;
  const p = changetype<usize>(b);
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c == 47 /* / */ || c == 58 /* : */ || c == 32 || (c >= 9 && c <= 13) || c == 0xa0) return false;
  }
  return true;
}

/** The IFLA_IFNAME policy (NLA_STRING, at most IFNAMSIZ - 1 bytes): checked when the request is parsed. */
export function ifnamePolicyOk(name: string): bool { return String.UTF8.byteLength(name) < IFNAMSIZ; }

/** why devGetValidName() refused a name: -EINVAL, -EEXIST or -ENFILE */
export let devNameError: i32 = 0;

/**
 * dev_get_valid_name(): the name register_netdevice gives the device, "" when it refuses it
 * (devNameError says why). A name with "%d" takes the lowest number no device has
 * (dev_alloc_name: one "%d" and no other '%'; at most 32768 of them).
 */
export function devGetValidName(name: string): string {
  if (!devValidName(name)) { devNameError = -22; return ""; }
  const p = name.indexOf("%");
  if (p < 0) {
    if (devByName(name) == 0) return name;
    devNameError = -17;
    return "";
  }
  if (p + 1 >= name.length || name.charCodeAt(p + 1) != 100 /* d */ || name.indexOf("%", p + 2) >= 0) {
    devNameError = -22;
    return "";
  }
  const head = name.substring(0, p), tail = name.substring(p + 2);
  for (let i = 0; i < 32768; i++) {
    const n = head + i.toString() + tail;
    if (devByName(n) == 0) return n;
  }
  devNameError = -23;
  return "";
}
