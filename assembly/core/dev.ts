// Device lifecycle (net/core/dev.c, rtnetlink.c, drivers/net/veth.c, dummy.c,
// loopback.c): create, open, close, change, unregister, and the notifier
// chain that tells IPv4 (devinet, fib) about each event, in the kernel's order.
import {
  devRegister, devUnlink, devExists, devIsUp, devFlags, devCarrier, devKind, devMtu, devMinMtu, devMaxMtu, devMac,
  devCarrierChanges, devPeer, devTxqlen, devName, devQdisc, devByName, devGetValidName, devNameError, ifnamePolicyOk, KIND_LOOPBACK, KIND_VETH, KIND_DUMMY, KIND_EMAC,
  KIND_MACVLAN, KIND_TUN, KIND_BRIDGE, KIND_VLAN,
  IFF_UP, IFF_BROADCAST, IFF_LOOPBACK, IFF_MULTICAST, IFF_NOARP, IFF_PROMISC, IFF_ALLMULTI, IFF_DYNAMIC, IFF_NOTRAILERS,
  LOOPBACK_IFINDEX, devIndexesFree, devGflagsOf, devGflagsSet, netif_set_tso_max_size, GSO_MAX_SIZE,
} from "./netdevice";
import { EEXIST, EINVAL, ENODEV, EBUSY, EOPNOTSUPP, EADDRNOTAVAIL, EOVERFLOW, fail } from "../lib/errno";
import {
  inetdevInit, inetdevDestroy, inDevExists, inetNewAddr, inetdevArpNotify, devIfaHead, ifaNext, ifaLabel,
} from "../ipv4/devinet";
import { fibNetdevUp, fibNetdevDown, fibNetdevChange, fibDisableIp } from "../ipv4/fib_frontend";
import { fibSyncMtu } from "../ipv4/fib_table";
import { rulesAttach, rulesDetach } from "../ipv4/fib_rules";
import { neighIfdown, neigh_changeaddr, neighCarrierDown } from "../ipv4/arp";
import { rt_cache_flush } from "../ipv4/flow";
import { sysctlDevSetAll } from "./sysctl";
import { netifDevInit, qdisc_reset } from "./netif";
import { packetDevGone } from "./af_packet";
import {
  emacNetdevInit, emacNetdevProbe, emacNetdevRemove, emacNetdevOpen, emacNetdevClose, emacNetdevChangeMtu,
  emacNetdevSetMac, emacNetdevSetRxMode,
} from "../drivers/emac_netdev";
import {
  macvlanInit, macvlanBind, macvlan_open, macvlan_stop, macvlanUninit, macvlanChangeMtu, macvlanSetMac, macvlanLower,
  macvlanLowerChanged, macvlanLowerUnregister, macvlanLowerAddr, macvlanLowerFeatures, macvlanMode, MACVLAN_MODE_PASSTHRU,
} from "../drivers/macvlan";
import { tunNetdevRemove, tunQueueResize, tunFlagsOf, IFF_MULTI_QUEUE } from "../drivers/tun";
import { devMcInit, devMcList, dev_mc_add, dev_mc_del, dev_mc_sync, dev_mc_unsync, MC_IPV6_ALLNODES } from "./dev_addr_lists";

const IPV6_MIN_MTU: u32 = 1280;
import { ip_mc_up, ip_mc_down } from "../ipv4/igmp";
import { brDevInit, isBridge, masterOf } from "../net/bridge/br_private";
import { br_del_if, br_port_carrier_check, brPortMtuChanged, brPortMacChanged, brSetMac, brSetMtu } from "../net/bridge/br_if";
import { br_dev_init, br_dev_open, br_dev_stop, br_dev_uninit, br_ipv6_snoopers_gone } from "../net/bridge/br_device";
import { vethRemotePeer, vethRemotePeerIsUp } from "../drivers/veth";
import {
  vlanInit, vlanBind, vlanUninit, vlanLower, vlanLowerChanged, vlanLowerUp, vlanLowerDown, vlanLowerMtu, vlanLowerAddr,
  vlanLowerUnregister, vlanLowerFeatures,
} from "../net/8021q/vlan";
import { vlanDevBind, vlan_dev_open, vlan_dev_stop, vlan_dev_change_mtu, vlan_dev_set_mac_address } from "../net/8021q/vlan_dev";

// eth_hw_addr_random(): deterministic here, from a fixed-seed xorshift
let macSeed: u64 = 0x9e3779b97f4a7c15;
export function randomMac(): u64 {
  macSeed ^= macSeed << 13; macSeed ^= macSeed >> 7; macSeed ^= macSeed << 17;
  let m = macSeed & 0xffffffffffff;
  m &= ~(<u64>0x010000000000); // unicast
  m |= <u64>0x020000000000; // locally administered
  return m;
}

/** loopback_setup() at namespace creation */
export function loopbackInit(): void {
  const ix = devRegister("lo", KIND_LOOPBACK, IFF_LOOPBACK, 65536, 0, 0, 0);
  netif_set_tso_max_size(ix, GSO_MAX_SIZE);
  netifDevInit(ix);
  emacNetdevInit(carrierChange);
  macvlanInit();
  macvlanBind(registerEther, unregister, dev_set_promiscuity, dev_uc_change, carrierChange);
  vlanInit();
  vlanBind(registerVlan, unregister, devOpen, devClose, devSetMtu, netdevChangeAddr);
  vlanDevBind(dev_uc_change, vlanCarrierSet);
  devCarrier[ix] = true;
  inetdevInit(ix);
}

/** register_netdevice() of a new device with its IPv4 state; drivers with other flags or max MTU pass them. */
/** register() with the defaults of an Ethernet device, as the macvlan driver needs it */
function registerEther(name: string, kind: u8, mtu: u32, mac: u64, txqlen: u32): i32 {
  return register(name, kind, mtu, mac, txqlen);
}

/** register() for a VLAN device: the flags come from its lower (vlan_dev_init). */
function registerVlan(name: string, kind: u8, mtu: u32, mac: u64, txqlen: u32, flags: u32): i32 {
  return register(name, kind, mtu, mac, txqlen, flags);
}

/** netif_carrier_on/off of a VLAN device: through linkwatch while up, only the state and its count otherwise. */
function vlanCarrierSet(dev: i32, on: bool, counted: bool): void {
  if (devIsUp(dev)) { carrierChange(dev, on); return; }
  if (devCarrier[dev] == on) return;
  devCarrier[dev] = on;
  if (counted) devCarrierChanges[dev]++;
  vlanLowerChanged(dev);
}

export function register(name: string, kind: u8, mtu: u32, mac: u64, txqlen: u32,
  baseFlags: u32 = IFF_BROADCAST | IFF_MULTICAST, devMaxMtu: u32 = 65535): i32 {
  let flags: u32 = baseFlags;
  let minMtu: u32 = 68, maxMtu: u32 = devMaxMtu;
  if (kind == KIND_DUMMY) { flags |= IFF_NOARP; minMtu = 0; maxMtu = 0; }
  if (kind == KIND_EMAC) { minMtu = 46; maxMtu = 9194; } // emac_probe: EMAC_MIN/MAX_ETH_FRAME_SIZE - 22
  const ix = devRegister(name, kind, flags, mtu, minMtu, maxMtu, mac);
  if (ix < 0) return ix;
  netifDevInit(ix);
  promiscInit(ix);
  brDevInit(ix);
  devMcInit(ix);
  // ipv6_add_dev: a device with IPv6 (an MTU of 1280 or more) joins the all-nodes group, even with IPv6 disabled
  if (mtu >= IPV6_MIN_MTU) dev_mc_add(ix, MC_IPV6_ALLNODES);
  devTxqlen[ix] = txqlen;
  // a fresh netdevice has its carrier on (the EMAC's until phylib attaches its PHY at ifup); veth_newlink
  // turns it off once the device is registered, which counts as a carrier change
  devCarrier[ix] = kind == KIND_DUMMY || kind == KIND_TUN || kind == KIND_EMAC;
  if (kind == KIND_VETH) devCarrierChanges[ix] = 1;
  if (kind == KIND_VETH) netif_set_tso_max_size(ix, GSO_MAX_SIZE); // veth_setup
  if (mtu >= 68) inetdevInit(ix);
  rulesAttach(ix, name);
  return ix;
}

/** dev_validate_mtu() */
function validateMtu(mtu: u32, minMtu: u32, maxMtu: u32): i32 {
  if (mtu < minMtu) return fail(EINVAL, "mtu less than device minimum");
  if (maxMtu > 0 && mtu > maxMtu) return fail(EINVAL, "mtu greater than device maximum");
  return 0;
}

const KINDS_MAX_MTU: u32 = 65535;
/** the extack of a request whose IFLA_IFNAME breaks the attribute policy (longer than 15 bytes) */
export const POLICY_MSG = "Attribute failed policy validation";

/** rtnl_newlink(): mac/peerMac = 0xffff_ffffffff for "not given", mtu/txqlen 0 = default */
export function rtnlNewlink(kind: u8, name: string, mac: u64, mtu: u32, txqlen: u32,
  peerName: string, peerMac: u64, peerMtu: u32, peerTxqlen: u32): i32 {
  if (kind == KIND_TUN) return fail(EOPNOTSUPP, "tun/tap creation via rtnetlink is not supported");
  if (kind != KIND_VETH && kind != KIND_DUMMY && kind != KIND_EMAC && kind != KIND_BRIDGE) return fail(EOPNOTSUPP, "Unknown device type");
  if (!ifnamePolicyOk(name)) return fail(EINVAL, POLICY_MSG);
  if (devByName(name) != 0) return -EEXIST;
  const NONE: u64 = 0xffffffffffffffff;
  if (mac != NONE && (mac & 0x010000000000) != 0 || mac == 0) return -EADDRNOTAVAIL;
  const m = mtu != 0 ? mtu : 1500;
  if (kind != KIND_DUMMY) { const e = validateMtu(m, 68, KINDS_MAX_MTU); if (e < 0) return e; }
  if (kind == KIND_VETH) {
    if (!ifnamePolicyOk(peerName)) return fail(EINVAL, POLICY_MSG);
    const pn = peerName.length != 0 ? peerName : "veth%d"; // veth_newlink: DRV_NAME "%d"
    if (peerMac != NONE && ((peerMac & 0x010000000000) != 0 || peerMac == 0)) return -EADDRNOTAVAIL;
    // with `peer ...` given, the peer has only its own attributes; without, it shares the device's
    const pm = peerMtu != 0 ? peerMtu : (peerName.length != 0 ? 1500 : m);
    const e = validateMtu(pm, 68, KINDS_MAX_MTU);
    if (e < 0) return e;
    // register_netdevice checks each name (dev_get_valid_name): the peer's first, as it is registered
    // first (and gets the lower ifindex); when the device's name fails, the peer is unregistered again
    const pv = devGetValidName(pn);
    if (pv.length == 0) return devNameError;
    if (devIndexesFree() < 2) return -EBUSY; // the pair registers both or neither
    const p = register(pv, KIND_VETH, pm, peerMac != NONE ? peerMac : randomMac(), peerTxqlen != 0 ? peerTxqlen : 1000);
    const dm = mac != NONE ? mac : randomMac();
    const dv = devGetValidName(name);
    if (dv.length == 0) { unregister(p); return devNameError; }
    const d = register(dv, KIND_VETH, m, dm, txqlen != 0 ? txqlen : 1000);
    devPeer[p] = d; devPeer[d] = p;
    return d;
  }
  const dn = devGetValidName(name);
  if (dn.length == 0) return devNameError;
  if (kind == KIND_EMAC) {
    if (m > 9194) return fail(EINVAL, "mtu greater than device maximum");
    const d = register(dn, kind, m, mac != NONE ? mac : randomMac(), txqlen != 0 ? txqlen : 1000);
    if (d < 0) return d;
    // the platform device probes and registers its netdevice: NIC, PHY on MDIO, SerDes
    const e = emacNetdevProbe(d);
    if (e < 0) { unregister(d); return e; }
    return d;
  }
  const d = register(dn, kind, m, mac != NONE ? mac : randomMac(), txqlen != 0 ? txqlen : 1000);
  if (d < 0) return d;
  if (kind == KIND_BRIDGE) br_dev_init(d, mac != NONE);
  return d;
}

/**
 * netdev_state_change(): NETDEV_CHANGE without a change of flags or carrier, as rtnl_changelink sends it after
 * a kind's or a master's changelink. A bridge checks its port's carrier (a running port with its carrier that
 * was disabled forwards again); [model choice] the other listeners (ARP, the FIB, an upper device) act only on
 * a carrier that went away, which they saw when it did.
 */
export function netdev_state_change(dev: i32): void {
  br_port_carrier_check(dev);
}

/** netif_carrier_on/off as linkwatch applies them (at once: no linkwatch delay): NETDEV_CHANGE to the FIB while the device is up. */
export function carrierChange(dev: i32, on: bool): void {
  if (devCarrier[dev] == on) return;
  devCarrier[dev] = on;
  devCarrierChanges[dev]++; // carrier_up_count / carrier_down_count
  // linkwatch_do_dev: dev_deactivate on an up device that lost its carrier empties its qdisc
  if (!on && devIsUp(dev)) {
    qdisc_reset(dev);
    neighCarrierDown(dev); // NETDEV_CHANGE: arp_netdev_event
  }
  if (devIsUp(dev)) fibNetdevChange(dev, on);
  macvlanLowerChanged(dev);
  vlanLowerChanged(dev);
  br_port_carrier_check(dev);
}

/** netif_carrier_on() from an ndo_open: IFF_UP is not set yet, so only the carrier and its count change. */
function carrierOnOpening(dev: i32): void {
  if (devCarrier[dev]) return;
  devCarrier[dev] = true;
  devCarrierChanges[dev]++;
}

/** dev_open(): 0, or the driver's ndo_open error (the device stays down) */
export function devOpen(dev: i32): i32 {
  if (devIsUp(dev)) return 0;
  const emac = devKind[dev] == KIND_EMAC;
  if (emac) {
    // ndo_open runs before IFF_UP is set; the link comes later, through phylib
    const e = emacNetdevOpen(dev);
    if (e < 0) return e;
  }
  if (devKind[dev] == KIND_MACVLAN) {
    const e = macvlan_open(dev);
    if (e < 0) return e;
  }
  if (devKind[dev] == KIND_VLAN) {
    const e = vlan_dev_open(dev);
    if (e < 0) return e;
  }
  upperRxFlagsToLower(dev, 1);
  if (devKind[dev] == KIND_BRIDGE) br_dev_open(dev);
  devFlags[dev] |= IFF_UP;
  dev_set_rx_mode(dev);
  // dev_activate: a device with a TX queue length (a real NIC, tun/tap) gets the default qdisc (pfifo_fast),
  // a multiqueue one mq, virtual ones noqueue
  const tun = devKind[dev] == KIND_TUN;
  devQdisc[dev] = tun && (tunFlagsOf(dev) & IFF_MULTI_QUEUE) != 0 ? 3 : emac || tun ? 2 : 1;
  if (devKind[dev] == KIND_VETH) {
    // veth_open(): carrier when both ends are up
    const p = devPeer[dev];
    if (p != 0 && devIsUp(p)) { carrierOnOpening(dev); carrierChange(p, true); }
    // the peer in another box: its carrier follows when the host tells it we are up
    else if (vethRemotePeerIsUp(dev)) carrierOnOpening(dev);
  }
  if (devKind[dev] == KIND_LOOPBACK) devCarrier[dev] = true;
  // NETDEV_UP: inetdev_event (lo gets 127.0.0.1/8), then fib_netdev_event
  if (inDevExists(dev) && (devFlags[dev] & IFF_LOOPBACK)) {
    sysctlDevSetAll(dev);
    inetNewAddr(dev, 0x7f000001, 0x7f000001, 8, 0, 254, 0, "", 0, false, 0xffffffff, 0xffffffff);
  }
  inetdevArpNotify(dev);
  fibNetdevUp(dev);
  // the link as phylib saw it while ifup ran the clock through autonegotiation
  if (emac && devCarrier[dev]) fibNetdevChange(dev, true);
  macvlanLowerChanged(dev);
  if (inDevExists(dev)) ip_mc_up(dev);
  br_port_carrier_check(dev);
  vlanLowerUp(dev);
  return 0;
}

/** dev_close() */
export function devClose(dev: i32): void {
  if (!devIsUp(dev)) return;
  devFlags[dev] &= ~IFF_UP;
  if (devKind[dev] == KIND_EMAC) {
    qdisc_reset(dev); // dev_deactivate
    emacNetdevClose(dev);
  }
  if (devKind[dev] == KIND_TUN) qdisc_reset(dev);
  if (devKind[dev] == KIND_VETH) {
    if (devCarrier[dev]) { devCarrier[dev] = false; devCarrierChanges[dev]++; }
    const p = devPeer[dev];
    if (p != 0) carrierChange(p, false);
  }
  upperRxFlagsToLower(dev, -1);
  if (devKind[dev] == KIND_MACVLAN) macvlan_stop(dev);
  if (devKind[dev] == KIND_VLAN) vlan_dev_stop(dev);
  // macvlan_stop / vlan_dev_stop: what the device synced leaves its lower's multicast list
  if (devKind[dev] == KIND_MACVLAN || devKind[dev] == KIND_VLAN) dev_mc_unsync(dev_get_iflink(dev), dev);
  if (devKind[dev] == KIND_BRIDGE) br_dev_stop(dev);
  fibNetdevDown(dev);
  neighIfdown(dev);
  if (inDevExists(dev)) ip_mc_down(dev);
  macvlanLowerChanged(dev);
  br_port_carrier_check(dev);
  vlanLowerDown(dev);
}

/** unregister_netdevice() */
function unregister(dev: i32): void {
  // NETDEV_UNREGISTER: the macvlans on it go first
  macvlanLowerUnregister(dev);
  vlanLowerUnregister(dev);
  br_dev_uninit(dev);
  devClose(dev);
  if (devKind[dev] == KIND_MACVLAN) macvlanUninit(dev);
  if (devKind[dev] == KIND_VLAN) vlanUninit(dev);
  if (masterOf(dev) != 0) br_del_if(masterOf(dev), dev);
  inetdevDestroy(dev);
  fibDisableIp(dev, true, true);
  rulesDetach(dev);
  neighIfdown(dev);
  if (devKind[dev] == KIND_EMAC) emacNetdevRemove(dev);
  if (devKind[dev] == KIND_TUN) tunNetdevRemove(dev);
  packetDevGone(dev);
  devUnlink(dev);
}

/** rtnl_dellink() */
export function rtnlDellink(dev: i32): i32 {
  if (!devExists(dev)) return -ENODEV;
  if (devKind[dev] == KIND_LOOPBACK) return -EOPNOTSUPP;
  const p = devPeer[dev];
  unregister(dev);
  if (p != 0 && devExists(p)) unregister(p);
  return 0;
}

export function devSetUp(dev: i32, up: bool): i32 {
  if (!devExists(dev)) return -ENODEV;
  if (up) return devOpen(dev);
  devClose(dev);
  return 0;
}

/**
 * dev_set_mtu(): IPv4 goes away below 68 and comes back above. The MTU the device has already is
 * no change at all: no range check, no notifier (a bridge set to the MTU it has keeps following its ports).
 */
export function devSetMtu(dev: i32, mtu: u32): i32 {
  if (!devExists(dev)) return -ENODEV;
  if (devMtu[dev] == mtu) return 0;
  if (devKind[dev] != KIND_DUMMY && devKind[dev] != KIND_LOOPBACK) {
    const e = validateMtu(mtu, devMinMtu[dev], devMaxMtu[dev]);
    if (e < 0) return e;
  }
  if (devKind[dev] == KIND_MACVLAN) {
    const e = macvlanChangeMtu(dev, mtu);
    if (e < 0) return e;
  }
  if (devKind[dev] == KIND_VLAN) {
    const e = vlan_dev_change_mtu(dev, mtu);
    if (e < 0) return e;
  }
  if (devKind[dev] == KIND_EMAC && devMtu[dev] != mtu) {
    const e = emacNetdevChangeMtu(dev, mtu);
    if (e < 0) return e;
  }
  const old = devMtu[dev];
  devMtu[dev] = mtu;
  netdevChangeMtu(dev, old);
  if (isBridge(dev)) brSetMtu(dev);
  else brPortMtuChanged(dev);
  if (mtu < 68) inetdevDestroy(dev);
  else if (!inDevExists(dev)) { inetdevInit(dev); if (devIsUp(dev)) fibNetdevUp(dev); }
  macvlanLowerChanged(dev);
  vlanLowerMtu(dev);
  return 0;
}

/**
 * The NETDEV_CHANGEMTU notifiers, for every way an MTU changes (dev_set_mtu, a bridge following its ports, a
 * macvlan its lower): fib_netdev_event's fib_sync_mtu (the learned path MTUs through the device), then addrconf.
 */
export function netdevChangeMtu(dev: i32, old: u32): void {
  fibSyncMtu(dev, old);
  addrconfMtuChanged(dev, old);
}

/**
 * addrconf_notify(NETDEV_CHANGEMTU): below IPV6_MIN_MTU the inet6_dev goes with its groups, above it they come back.
 */
function addrconfMtuChanged(dev: i32, old: u32): void {
  if (devKind[dev] == KIND_LOOPBACK) return;
  const mtu = devMtu[dev];
  if (old >= IPV6_MIN_MTU && mtu < IPV6_MIN_MTU) { dev_mc_del(dev, MC_IPV6_ALLNODES); br_ipv6_snoopers_gone(dev); }
  else if (old < IPV6_MIN_MTU && mtu >= IPV6_MIN_MTU) dev_mc_add(dev, MC_IPV6_ALLNODES);
}

/**
 * netdev_features_change(): call_netdevice_notifiers(NETDEV_FEAT_CHANGE). The macvlans (macvlan_device_event)
 * and VLAN devices (vlan_transfer_features) above take the device's TSO limit again.
 */
export function netdev_features_change(dev: i32): void {
  macvlanLowerFeatures(dev);
  vlanLowerFeatures(dev);
}

/** dev_set_mac_address() */
export function devSetMac(dev: i32, mac: u64): i32 {
  if (!devExists(dev)) return -ENODEV;
  if (devKind[dev] == KIND_LOOPBACK) return -EOPNOTSUPP;
  if ((mac & 0x010000000000) != 0 || mac == 0) return -EADDRNOTAVAIL;
  if (devKind[dev] == KIND_EMAC) { const e = emacNetdevSetMac(dev, mac); if (e < 0) return e; }
  if (isBridge(dev)) { brSetMac(dev, mac); netdevChangeAddr(dev); return 0; }
  if (devKind[dev] == KIND_MACVLAN) {
    const e = macvlanSetMac(dev, mac);
    if (e < 0) return e;
    if (e == 1) {
      // passthru: the lower's address (ours follows it), then our own NETDEV_CHANGEADDR
      const l = devSetMac(macvlanLower(dev), mac);
      if (l < 0) return l;
      netdevChangeAddr(dev);
      return 0;
    }
  }
  if (devKind[dev] == KIND_VLAN) vlan_dev_set_mac_address(dev, mac);
  const old = devMac[dev];
  devMac[dev] = mac;
  netdevChangeAddr(dev);
  if (old != mac) brPortMacChanged(dev, old);
  return 0;
}

/**
 * call_netdevice_notifiers(NETDEV_CHANGEADDR), also when the address did not change: arp_netdev_event
 * (the neighbour entries go), inetdev_event (arp_notify), macvlan_device_event (passthru follows).
 */
export function netdevChangeAddr(dev: i32): void {
  neigh_changeaddr(dev);
  inetdevArpNotify(dev);
  macvlanLowerAddr(dev);
  vlanLowerAddr(dev);
}

/** dev_change_name() and inetdev_changename() */
export function devSetName(dev: i32, newName: string): i32 {
  if (!devExists(dev)) return -ENODEV;
  if (!ifnamePolicyOk(newName)) return fail(EINVAL, POLICY_MSG);
  if (devName[dev] == newName) return 0;
  // dev_change_name: dev_get_valid_name ("%d" too); Linux 6.x renames devices that are up too (observed on the oracle kernel)
  const name = devGetValidName(newName);
  if (name.length == 0) return devNameError;
  rulesDetach(dev);
  devName[dev] = name;
  rulesAttach(dev, name);
  if (inDevExists(dev)) {
    let named = 0;
    for (let i = devIfaHead[dev]; i >= 0; i = ifaNext[i]) {
      const old = ifaLabel[i];
      if (named++ == 0) { ifaLabel[i] = name; continue; }
      const c = old.indexOf(":");
      const dot = c >= 0 ? old.substring(c) : ":" + named.toString();
      ifaLabel[i] = dot.length + name.length < 16 ? name + dot : name.substring(0, 16 - dot.length - 1) + dot;
    }
  }
  return 0;
}

export function devSetTxqlen(dev: i32, q: u32): i32 {
  if (!devExists(dev)) return -ENODEV;
  devTxqlen[dev] = q;
  if (devKind[dev] == KIND_TUN) tunQueueResize(dev); // NETDEV_CHANGE_TX_QUEUE_LEN
  return 0;
}

export function loopbackIfindex(): i32 { return LOOPBACK_IFINDEX; }

// ---- promiscuity (dev_set_promiscuity, dev_uc_add/del, __dev_set_rx_mode) ----------------------------
/** dev->promiscuity: unsigned, as in the kernel (a count taken below 0 wraps) */
const devPromiscuity = new Array<u32>();
/** dev->allmulti: unsigned, as in the kernel */
const devAllmulti = new Array<u32>();
/** dev->uc: the secondary unicast addresses in the order they were added, and each one's references */
const devUcAddrs = new Array<Array<u64>>();
const devUcRefs = new Array<Array<i32>>();
/** dev->uc_promisc: promiscuous because the device has no unicast filter (IFF_UNICAST_FLT) */
const devUcPromisc = new Array<bool>();

function promiscInit(dev: i32): void {
  while (devPromiscuity.length <= dev) {
    devPromiscuity.push(0); devAllmulti.push(0); devUcAddrs.push(new Array<u64>()); devUcRefs.push(new Array<i32>()); devUcPromisc.push(false);
  }
  devPromiscuity[dev] = 0; devAllmulti[dev] = 0; devUcAddrs[dev].length = 0; devUcRefs[dev].length = 0; devUcPromisc[dev] = false;
}

export function devGetPromiscuity(dev: i32): u32 { return dev > 0 && dev < devPromiscuity.length ? devPromiscuity[dev] : 0; }
export function devGetAllmulti(dev: i32): u32 { return dev > 0 && dev < devAllmulti.length ? devAllmulti[dev] : 0; }

let mcScratch = new StaticArray<u8>(0);

/**
 * __dev_set_rx_mode() of an up device: the driver's receive filter (ndo_set_rx_mode), the EMAC's
 * PROM_MODE and MULTI_ALL bits and its multicast hash of the device's address list.
 */
function driverRxMode(dev: i32): void {
  if (devKind[dev] != KIND_EMAC || !devIsUp(dev)) return;
  const l = devMcList(dev);
  if (mcScratch.length < l.length * 6) mcScratch = new StaticArray<u8>(l.length * 6);
  const p = changetype<usize>(mcScratch);
  for (let i = 0; i < l.length; i++) {
    const a = l[i];
    for (let k = 0; k < 6; k++) store<u8>(p + <usize>(i * 6 + k), <u8>(a >> (40 - 8 * k)));
  }
  emacNetdevSetRxMode(dev, devPromiscuity[dev] != 0, devAllmulti[dev] != 0, p, l.length);
}

/**
 * The count after adding inc (__dev_set_promiscuity, __dev_set_allmulti): the flag is on while it is not 0;
 * one that would come back to 0 going up stays (-EOVERFLOW), one taken below 0 wraps, as the kernel's unsigned does.
 */
// @ts-ignore: decorator
@inline function countAdd(old: u32, inc: i32): u32 {
  const n = old + <u32>inc;
  return n == 0 && inc > 0 ? old : n;
}

/** __dev_set_promiscuity(): IFF_PROMISC going on or off is a dev_change_rx_flags; 0 or -EOVERFLOW */
function __dev_set_promiscuity(dev: i32, inc: i32): i32 {
  const old = devPromiscuity[dev];
  const n = countAdd(old, inc);
  if (n == old) return -EOVERFLOW;
  devPromiscuity[dev] = n;
  if ((old != 0) != (n != 0)) dev_change_rx_flags(dev, IFF_PROMISC, n != 0);
  return 0;
}

/** dev_set_promiscuity(): 0 or -EOVERFLOW */
export function dev_set_promiscuity(dev: i32, inc: i32): i32 {
  if (dev <= 0 || dev >= devPromiscuity.length) return 0;
  const e = __dev_set_promiscuity(dev, inc);
  dev_set_rx_mode(dev);
  return e;
}

/** dev_set_allmulti() / __dev_set_allmulti(): IFF_ALLMULTI going on or off is a dev_change_rx_flags */
export function dev_set_allmulti(dev: i32, inc: i32): void {
  if (dev <= 0 || dev >= devAllmulti.length) return;
  const old = devAllmulti[dev];
  const n = countAdd(old, inc);
  devAllmulti[dev] = n;
  if ((old != 0) != (n != 0)) dev_change_rx_flags(dev, IFF_ALLMULTI, n != 0);
  dev_set_rx_mode(dev);
}

/** The device a macvlan or VLAN device hands its PROMISC and ALLMULTI to (0: none; a passthru macvlan keeps PROMISC) */
function rxFlagsLower(dev: i32, flag: u32): i32 {
  if (devKind[dev] == KIND_VLAN) return vlanLower(dev);
  if (devKind[dev] != KIND_MACVLAN) return 0;
  return flag == IFF_PROMISC && macvlanMode(dev) == MACVLAN_MODE_PASSTHRU ? 0 : macvlanLower(dev);
}

/** ndo_change_rx_flags (macvlan_change_rx_flags, vlan_dev_change_rx_flags): while up, the lower's count follows */
function dev_change_rx_flags(dev: i32, flag: u32, on: bool): void {
  if (!devIsUp(dev)) return;
  const lower = rxFlagsLower(dev, flag);
  if (lower == 0) return;
  if (flag == IFF_PROMISC) dev_set_promiscuity(lower, on ? 1 : -1);
  else dev_set_allmulti(lower, on ? 1 : -1);
}

/**
 * macvlan_open/stop and vlan_dev_open/stop: the lower counts the device's ALLMULTI and PROMISC while it is up
 * (+1 / -1); a passthru macvlan hands neither (it makes the lower promiscuous itself).
 */
function upperRxFlagsToLower(dev: i32, inc: i32): void {
  if (devKind[dev] == KIND_MACVLAN && macvlanMode(dev) == MACVLAN_MODE_PASSTHRU) return;
  if (devGetAllmulti(dev) != 0) { const l = rxFlagsLower(dev, IFF_ALLMULTI); if (l != 0) dev_set_allmulti(l, inc); }
  if (devGetPromiscuity(dev) != 0) { const l = rxFlagsLower(dev, IFF_PROMISC); if (l != 0) dev_set_promiscuity(l, inc); }
}

/** dev_uc_add (+1) / dev_uc_del (-1) of one address: __hw_addr_add appends a new one, a known one gains a reference */
function dev_uc_change(dev: i32, addr: u64, inc: i32): void {
  if (dev <= 0 || dev >= devUcAddrs.length) return;
  const a = devUcAddrs[dev], r = devUcRefs[dev];
  const i = a.indexOf(addr);
  if (inc > 0) {
    if (i >= 0) r[i]++;
    else { a.push(addr); r.push(1); }
  } else if (i >= 0 && --r[i] == 0) { a.splice(i, 1); r.splice(i, 1); }
  dev_set_rx_mode(dev);
}

/** dev->uc in list order (ndo_dflt_fdb_dump's "self" entries) */
export function devUcList(dev: i32): Array<u64> { return dev > 0 && dev < devUcAddrs.length ? devUcAddrs[dev] : new Array<u64>(); }

/**
 * __dev_set_rx_mode(): only while up. Without a unicast filter (veth, EMAC, ...) secondary
 * addresses make the device promiscuous; macvlans have one. A macvlan or VLAN device puts its
 * multicast list into its lower device's (macvlan_set_mac_lists, vlan_dev_set_rx_mode: dev_mc_sync).
 */
export function dev_set_rx_mode(dev: i32): void {
  if (!devIsUp(dev) || dev >= devPromiscuity.length) return;
  if (devKind[dev] != KIND_MACVLAN && devKind[dev] != KIND_VLAN) {
    const uc = devUcAddrs[dev].length;
    if (uc > 0 && !devUcPromisc[dev]) { __dev_set_promiscuity(dev, 1); devUcPromisc[dev] = true; }
    else if (uc == 0 && devUcPromisc[dev]) { __dev_set_promiscuity(dev, -1); devUcPromisc[dev] = false; }
  } else dev_mc_sync(dev_get_iflink(dev), dev);
  driverRxMode(dev);
}

/**
 * __dev_change_flags() for the flags `ip link set` may change besides IFF_UP: NOARP, MULTICAST, DYNAMIC
 * and NOTRAILERS in dev->flags, PROMISC and ALLMULTI as the user's share of the counts (gflags).
 * `change` says which bits of `flags` are meant. NETDEV_CHANGE follows when dev->flags moved: ARP
 * forgets the device's entries when NOARP changed (arp_netdev_event), the route cache goes.
 */
export function devChangeFlags(dev: i32, flags: u32, change: u32): i32 {
  if (!devExists(dev)) return -ENODEV;
  const direct = change & (IFF_NOARP | IFF_MULTICAST | IFF_DYNAMIC | IFF_NOTRAILERS);
  const old = devFlags[dev];
  devFlags[dev] = (old & ~direct) | (flags & direct);
  let g = devGflagsOf(dev);
  if ((change & IFF_PROMISC) != 0 && ((flags ^ g) & IFF_PROMISC) != 0) {
    g ^= IFF_PROMISC;
    dev_set_promiscuity(dev, (g & IFF_PROMISC) != 0 ? 1 : -1);
  }
  if ((change & IFF_ALLMULTI) != 0 && ((flags ^ g) & IFF_ALLMULTI) != 0) {
    g ^= IFF_ALLMULTI;
    dev_set_allmulti(dev, (g & IFF_ALLMULTI) != 0 ? 1 : -1);
  }
  devGflagsSet(dev, g);
  if (((old ^ devFlags[dev]) & IFF_NOARP) != 0) neigh_changeaddr(dev);
  if (old != devFlags[dev]) rt_cache_flush();
  return 0;
}

/** ndo_change_carrier (IFLA_CARRIER): dummy and tun have one; other devices say EOPNOTSUPP */
export function devChangeCarrier(dev: i32, on: bool): i32 {
  if (!devExists(dev)) return -ENODEV;
  if (devKind[dev] != KIND_DUMMY && devKind[dev] != KIND_TUN) return -EOPNOTSUPP;
  carrierChange(dev, on);
  return 0;
}

/** dev_get_iflink(): the lower device of a macvlan, a veth's peer, 0 otherwise */
export function dev_get_iflink(dev: i32): i32 {
  if (devKind[dev] == KIND_MACVLAN) return macvlanLower(dev);
  if (devKind[dev] == KIND_VLAN) return vlanLower(dev);
  return devPeer[dev] != 0 ? devPeer[dev] : vethRemotePeer(dev);
}
