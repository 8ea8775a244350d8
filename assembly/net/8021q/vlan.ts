// 802.1Q/802.1ad VLAN devices (net/8021q/vlan.c, vlan_netlink.c): creation
// through rtnetlink, the lower device's notifier (vlan_device_event) and
// unregistration. Receive is in vlan_core.ts, transmit in vlan_dev.ts.
//
// Not modelled: ingress/egress QoS maps (priorities are 0), GVRP/MVRP (the
// flags are kept and shown, nothing is sent), reorder_hdr off on receive
// (the flag is kept and shown; taps on the VLAN device see the frame without
// its tag either way), the ioctl interface (vconfig).

import {
  devExists, devByName, devGetValidName, devNameError, ifnamePolicyOk, devKind, devType, devFlags, devMtu, devMinMtu,
  devMaxMtu, devMac, devCarrier, devIsUp, KIND_VLAN, ARPHRD_ETHER, IFF_UP, IFF_PROMISC, IFF_ALLMULTI, IFF_LOOPBACK, netif_inherit_tso_max,
} from "../../core/netdevice";
import { netdevOpsRegister } from "../../core/netif";
import { EINVAL, EEXIST, ENODEV, EOPNOTSUPP, ERANGE, EADDRNOTAVAIL, fail } from "../../lib/errno";
import {
  vlanEnsure, vlanGroup, vlanGroupAdd, vlanGroupDel, vlan_find_dev, vlanProto, vlanId, vlanReal, vlanFlags, vlanRealAddr,
  vlanStolen, vlanRxPackets, vlanRxBytes, vlanRxMcast, vlanTxPackets, vlanTxBytes, vlanTxDropped, ETH_P_8021Q, ETH_P_8021AD,
  VLAN_VID_MASK,
} from "./vlan_core";
import {
  vlan_dev_hard_start_xmit, vlan_dev_get_stats64, vlan_sync_address, vlanCarrier, VLAN_FLAG_REORDER_HDR,
  VLAN_FLAG_GVRP, VLAN_FLAG_LOOSE_BINDING, VLAN_FLAG_MVRP, VLAN_FLAG_BRIDGE_BINDING,
} from "./vlan_dev";

const POLICY_MSG = "Attribute failed policy validation";
const EPROTONOSUPPORT: i32 = 93;
const NONE: u64 = 0xffffffffffffffff;

/** The device layer's hooks (core/dev.ts), bound once to avoid an import cycle. */
export type RegisterFn = (name: string, kind: u8, mtu: u32, mac: u64, txqlen: u32, flags: u32) => i32;
export type DevFn = (dev: i32) => void;
export type OpenFn = (dev: i32) => i32;
export type MtuFn = (dev: i32, mtu: u32) => i32;
let registerFn: RegisterFn | null = null;
let unregisterFn: DevFn | null = null;
let openFn: OpenFn | null = null;
let closeFn: DevFn | null = null;
let mtuFn: MtuFn | null = null;
let changeAddrFn: DevFn | null = null;
export function vlanBind(reg: RegisterFn, unreg: DevFn, open: OpenFn, close: DevFn, mtu: MtuFn, changeAddr: DevFn): void {
  registerFn = reg; unregisterFn = unreg; openFn = open; closeFn = close; mtuFn = mtu; changeAddrFn = changeAddr;
}

/** vlan_proto_init / vlan_netlink_init: the net_device_ops of KIND_VLAN. */
export function vlanInit(): void {
  netdevOpsRegister(KIND_VLAN, vlan_dev_hard_start_xmit, vlan_dev_get_stats64);
}

export function is_vlan_dev(dev: i32): bool { return devExists(dev) && devKind[dev] == KIND_VLAN; }
/** vlan_dev_priv(dev)->real_dev (dev_get_iflink) */
export function vlanLower(dev: i32): i32 { return is_vlan_dev(dev) ? vlanReal[dev] : 0; }
export function vlanDevId(dev: i32): u32 { return is_vlan_dev(dev) ? <u32>vlanId[dev] : 0; }
export function vlanDevProto(dev: i32): u32 { return is_vlan_dev(dev) ? <u32>vlanProto[dev] : 0; }
export function vlanDevFlags(dev: i32): u32 { return is_vlan_dev(dev) ? vlanFlags[dev] : 0; }

/**
 * rtnl_newlink for "vlan": vlan_validate, rtnl_create_link's MTU check, vlan_newlink
 * (vlan_check_real_dev), register_vlan_dev. mac = NONE: the lower's; mtu 0 = the lower's;
 * vid -1 = not given; proto 0 = not given (802.1Q); flagsMask/flags: IFLA_VLAN_FLAGS.
 * Returns the new ifindex or -errno.
 */
export function vlanNewlink(name: string, mac: u64, mtu: u32, txqlen: u32, link: i32, vid: i32, proto: u32,
  flagsMask: u32, flags: u32): i32 {
  if (!ifnamePolicyOk(name)) return fail(EINVAL, POLICY_MSG);
  // vlan_validate
  if (mac != NONE && (mac == 0 || (mac & 0x010000000000) != 0)) return fail(EADDRNOTAVAIL, "8021q: Invalid link address");
  if (proto != 0 && proto != ETH_P_8021Q && proto != ETH_P_8021AD) return fail(EPROTONOSUPPORT, "8021q: Invalid VLAN protocol");
  if (vid >= <i32>VLAN_VID_MASK) return fail(ERANGE, "8021q: Invalid VLAN id");
  if ((flags & flagsMask & ~(VLAN_FLAG_REORDER_HDR | VLAN_FLAG_GVRP | VLAN_FLAG_LOOSE_BINDING | VLAN_FLAG_MVRP |
    VLAN_FLAG_BRIDGE_BINDING)) != 0) return fail(EINVAL, "8021q: Invalid VLAN flags");
  if (devByName(name) != 0) return -EEXIST;
  // rtnl_create_link: dev_validate_mtu against 0..ETH_MAX_MTU
  if (mtu > 65535) return fail(EINVAL, "mtu greater than device maximum");
  // vlan_newlink
  if (vid < 0) return fail(EINVAL, "8021q: VLAN id not specified");
  if (link == 0) return fail(EINVAL, "8021q: link not specified");
  if (!devExists(link)) return fail(ENODEV, "8021q: link does not exist");
  const p = proto != 0 ? <u16>proto : ETH_P_8021Q;
  // vlan_check_real_dev: Ethernet devices only (loopback is NETIF_F_VLAN_CHALLENGED too)
  if (devType[link] != ARPHRD_ETHER || (devFlags[link] & IFF_LOOPBACK) != 0) return fail(EOPNOTSUPP, "8021q: VLANs not supported on device");
  if (vlan_find_dev(link, p, <u16>vid) != 0) return fail(EEXIST, "8021q: VLAN device already exists");
  if (mtu != 0 && mtu > devMtu[link]) return -EINVAL;
  const dn = devGetValidName(name);
  if (dn.length == 0) return devNameError;
  // vlan_setup/vlan_dev_init: the lower's flags without UP, PROMISC, ALLMULTI; its address if none given
  const reg = registerFn;
  const stolen = mac == NONE;
  const f = devFlags[link] & ~(IFF_UP | IFF_PROMISC | IFF_ALLMULTI);
  const dev = reg != null ? reg(dn, KIND_VLAN, mtu != 0 ? mtu : devMtu[link], stolen ? devMac[link] : mac, txqlen != 0 ? txqlen : 1000, f) : -1;
  if (dev < 0) return dev;
  vlanEnsure(dev);
  devMinMtu[dev] = 0; devMaxMtu[dev] = 65535;
  vlanProto[dev] = p; vlanId[dev] = <u16>vid; vlanReal[dev] = link;
  vlanFlags[dev] = (VLAN_FLAG_REORDER_HDR & ~flagsMask) | (flags & flagsMask);
  vlanStolen[dev] = stolen; vlanRealAddr[dev] = devMac[link];
  vlanRxPackets[dev] = 0; vlanRxBytes[dev] = 0; vlanRxMcast[dev] = 0;
  vlanTxPackets[dev] = 0; vlanTxBytes[dev] = 0; vlanTxDropped[dev] = 0;
  vlanGroupAdd(link, dev);
  netif_inherit_tso_max(dev, link); // vlan_dev_init
  // vlan_dev_init copies the lower's NOCARRIER state; netif_stacked_transfer_operstate changes nothing then
  devCarrier[dev] = devCarrier[link];
  return dev;
}

/** unregister_vlan_dev (vlan_dellink, or the lower going away). */
export function vlanUninit(dev: i32): void {
  const lower = vlanReal[dev];
  if (lower > 0) vlanGroupDel(lower, dev);
  vlanReal[dev] = 0;
}

/** vlan_changelink() for the flags (`ip link set DEV type vlan reorder_hdr off`). */
export function vlanChangeFlags(dev: i32, flagsMask: u32, flags: u32): i32 {
  if (!is_vlan_dev(dev)) return -EOPNOTSUPP;
  if ((flags & flagsMask & ~(VLAN_FLAG_REORDER_HDR | VLAN_FLAG_GVRP | VLAN_FLAG_LOOSE_BINDING | VLAN_FLAG_MVRP |
    VLAN_FLAG_BRIDGE_BINDING)) != 0) return fail(EINVAL, "8021q: Invalid VLAN flags");
  vlanFlags[dev] = (vlanFlags[dev] & ~flagsMask) | (flags & flagsMask);
  return 0;
}

function hasVlans(lower: i32): bool { return lower > 0 && vlanGroup(lower).length > 0; }

/** netif_stacked_transfer_operstate(lower, vlan): the carrier follows the lower's. */
function transferOperstate(lower: i32, v: i32): void {
  if ((vlanFlags[v] & VLAN_FLAG_BRIDGE_BINDING) != 0) return;
  if (devCarrier[v] != devCarrier[lower]) vlanCarrier(v, devCarrier[lower]);
}

/** vlan_device_event(NETDEV_CHANGE) on the lower: the carrier follows. */
export function vlanLowerChanged(lower: i32): void {
  if (!hasVlans(lower)) return;
  const g = vlanGroup(lower);
  for (let i = 0; i < g.length; i++) transferOperstate(lower, g[i]);
}

/** vlan_device_event(NETDEV_UP): every VLAN device comes up with its lower (unless loose_binding). */
export function vlanLowerUp(lower: i32): void {
  if (!hasVlans(lower)) return;
  const g = vlanGroup(lower).slice();
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    if (devIsUp(v)) continue;
    if ((vlanFlags[v] & VLAN_FLAG_LOOSE_BINDING) == 0) { const f = openFn; if (f != null) f(v); }
    transferOperstate(lower, v);
  }
}

/** vlan_device_event(NETDEV_DOWN): every VLAN device goes down with its lower (unless loose_binding). */
export function vlanLowerDown(lower: i32): void {
  if (!hasVlans(lower)) return;
  const g = vlanGroup(lower).slice();
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    if (!devIsUp(v)) continue;
    if ((vlanFlags[v] & VLAN_FLAG_LOOSE_BINDING) == 0) { const f = closeFn; if (f != null) f(v); }
    transferOperstate(lower, v);
  }
}

/** vlan_device_event(NETDEV_CHANGEMTU): VLAN devices above the lower's new MTU take it. */
export function vlanLowerMtu(lower: i32): void {
  if (!hasVlans(lower)) return;
  const g = vlanGroup(lower).slice();
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    if (devMtu[v] <= devMtu[lower]) continue;
    const f = mtuFn; if (f != null) f(v, devMtu[lower]);
  }
}

/** vlan_device_event(NETDEV_FEAT_CHANGE): vlan_transfer_features gives each VLAN device the lower's TSO limit. */
export function vlanLowerFeatures(lower: i32): void {
  if (!hasVlans(lower)) return;
  const g = vlanGroup(lower);
  for (let i = 0; i < g.length; i++) netif_inherit_tso_max(g[i], lower);
}

/** vlan_device_event(NETDEV_CHANGEADDR): up VLAN devices synchronise (vlan_sync_address). */
export function vlanLowerAddr(lower: i32): void {
  if (!hasVlans(lower)) return;
  const g = vlanGroup(lower).slice();
  for (let i = 0; i < g.length; i++) {
    const v = g[i];
    if (!devIsUp(v)) continue;
    if (vlan_sync_address(lower, v)) { const f = changeAddrFn; if (f != null) f(v); }
  }
}

/** vlan_device_event(NETDEV_UNREGISTER): the VLAN devices go with their lower. */
export function vlanLowerUnregister(lower: i32): void {
  if (!hasVlans(lower)) return;
  const f = unregisterFn;
  const g = vlanGroup(lower);
  while (g.length > 0 && f != null) f(g[g.length - 1]);
}
