// Bridge ports (net/bridge/br_if.c, br_stp_if.c, br_notify.c): enslaving
// and releasing devices, port states with STP off, the bridge's address
// (the lowest port address unless one was set), its MTU (the smallest port
// MTU unless one was set) and its carrier (on while a port forwards).
import {
  devMac, devMtu, devIsUp, devKind, devFlags, devExists, devRunning, devType, devTsoMaxSize, ARPHRD_ETHER, is_valid_ether_addr,
  KIND_LOOPBACK, KIND_BRIDGE, KIND_VETH, KIND_TUN, KIND_EMAC, KIND_MACVLAN, KIND_VLAN, netif_set_tso_max_size,
} from "../../core/netdevice";
import { netdev_rx_handler_register, netdev_rx_handler_unregister } from "../../core/netif";
import { EINVAL, EBUSY, EOPNOTSUPP, ENODEV, fail } from "../../lib/errno";

const ELOOP: i32 = 40;
import { carrierChange, dev_set_promiscuity, dev_set_allmulti, netdevChangeAddr, netdevChangeMtu, netdev_features_change } from "../../core/dev";
import {
  brEnsure, brPorts, brMtuByUser, brMacByUser, brCarrierTouched, portMaster, portState, portNo, portFlags, portPriority, portCost, portFwdDelayAt, masterOf,
  BR_STATE_DISABLED, BR_STATE_LISTENING, BR_STATE_LEARNING, BR_STATE_FORWARDING, BR_PORT_DEFAULT_FLAGS, BR_FORWARD_DELAY_NS,
} from "./br_private";
import { clockNow } from "../../hw/clock";
import { macvlanLower } from "../../drivers/macvlan";
import { vlanLower } from "../8021q/vlan";
import { fdb_add_local, br_fdb_delete_by_port, br_fdb_change_mac_address, br_fdb_changeaddr } from "./br_fdb";
import { br_handle_frame } from "./br_input";


/** br_port_state_selection() with STP off: carrier on while a port forwards. */
export function br_port_state_selection(br: i32): void {
  const ports = brPorts[br];
  let live = 0;
  for (let i = 0; i < ports.length; i++) if (portState[ports[i]] == BR_STATE_FORWARDING) live++;
  brCarrierTouched[br] = true;
  carrierChange(br, live > 0);
}

/**
 * br_make_forwarding() of a BLOCKING port with STP off: forwarding at once, and the forward-delay timer
 * started all the same (it changes nothing when it runs out; `ip -d link` shows it counting down).
 */
export function br_make_forwarding(p: i32): void {
  portState[p] = BR_STATE_FORWARDING;
  fwdDelayStart(p, clockNow());
}

// The earliest pending forward-delay timer of any port (i64.MAX_VALUE if none), for the box's timers.
let fwdDelayNext: i64 = i64.MAX_VALUE;
function fwdDelayStart(p: i32, from: i64): void {
  const at = from + BR_FORWARD_DELAY_NS;
  portFwdDelayAt[p] = at;
  if (at < fwdDelayNext) fwdDelayNext = at;
}
export function brTimerNext(): i64 { return fwdDelayNext; }

/**
 * br_forward_delay_timer_expired() of each port whose timer ran out: a LISTENING port goes LEARNING for
 * another forward delay, a LEARNING one FORWARDING (and the bridge's carrier on); a port in another state
 * (STP off made it forwarding at once) stays as it is.
 */
export function brTimerRun(): void {
  const now = clockNow();
  let next = i64.MAX_VALUE;
  for (let p = 1; p < portFwdDelayAt.length; p++) {
    const at = portFwdDelayAt[p];
    if (at == 0) continue;
    if (at <= now) {
      portFwdDelayAt[p] = 0;
      if (portState[p] == BR_STATE_LISTENING) {
        portState[p] = BR_STATE_LEARNING;
        fwdDelayStart(p, at);
      } else if (portState[p] == BR_STATE_LEARNING) {
        portState[p] = BR_STATE_FORWARDING;
        brCarrierTouched[portMaster[p]] = true;
        carrierChange(portMaster[p], true);
      }
    }
    const a = portFwdDelayAt[p];
    if (a != 0 && a < next) next = a;
  }
  fwdDelayNext = next;
}

/** br_stp_enable_port(): br_init_port (blocking), then br_port_state_selection makes it forwarding. */
function br_stp_enable_port(p: i32): void {
  br_make_forwarding(p);
  br_port_state_selection(portMaster[p]);
}

/** br_stp_disable_port(): disabled, its learnt addresses forgotten. */
function br_stp_disable_port(p: i32): void {
  const br = portMaster[p];
  portState[p] = BR_STATE_DISABLED;
  portFwdDelayAt[p] = 0;
  br_fdb_delete_by_port(br, p, false);
  br_port_state_selection(br);
}

/** netif_running() && netif_oper_up() of a port */
function portOperUp(p: i32): bool { return devRunning(p); }

/**
 * The bridge's address changes (br_stp_change_bridge_id; its own fdb entry follows), then NETDEV_CHANGEADDR
 * when the bridge chose it (a port came or went); dev_set_mac_address sends its own for a set address.
 */
function changeBridgeMac(br: i32, mac: u64, notify: bool): void {
  const old = devMac[br];
  devMac[br] = mac;
  br_fdb_change_mac_address(br, old, mac);
  br_port_state_selection(br);
  if (notify) netdevChangeAddr(br);
}

/**
 * br_stp_recalculate_bridge_id(): the lowest port address (00:00:00:00:00:00 once the last port left),
 * unless the address was set. true if it changed.
 */
function br_stp_recalculate_bridge_id(br: i32): bool {
  if (brMacByUser[br]) return false;
  const ports = brPorts[br];
  let mac: u64 = ports.length > 0 ? devMac[ports[0]] : 0;
  for (let i = 1; i < ports.length; i++) if (devMac[ports[i]] < mac) mac = devMac[ports[i]];
  if (mac == devMac[br]) return false;
  changeBridgeMac(br, mac, true);
  return true;
}

/** br_mtu_auto_adjust(): the smallest port MTU (1500 without ports), unless the MTU was set. */
function br_mtu_auto_adjust(br: i32): void {
  if (brMtuByUser[br]) return;
  const ports = brPorts[br];
  let mtu: u32 = 0;
  for (let i = 0; i < ports.length; i++) if (mtu == 0 || devMtu[ports[i]] < mtu) mtu = devMtu[ports[i]];
  const old = devMtu[br];
  devMtu[br] = mtu != 0 ? mtu : 1500;
  netdevChangeMtu(br, old);
}

/** br_set_gso_limits(): the smallest TSO limit of the ports (GSO_MAX_SIZE without ports) */
function br_set_gso_limits(br: i32): void {
  const ports = brPorts[br];
  let size: u32 = u32.MAX_VALUE; // TSO_MAX_SIZE
  for (let i = 0; i < ports.length; i++) if (devTsoMaxSize[ports[i]] < size) size = devTsoMaxSize[ports[i]];
  netif_set_tso_max_size(br, size);
}

/**
 * netdev_update_features() of the bridge: br_features_recompute leaves the features alone without ports, so they
 * change (NETDEV_FEAT_CHANGE) when the first port comes and when the last one goes. [model choice] Between ports
 * of different features Linux can change them too; the devices here (veth, tap, EMAC, macvlan) never do.
 */
function brUpdateFeatures(br: i32, hadPorts: bool): void {
  if (hadPorts != (brPorts[br].length > 0)) netdev_features_change(br);
}

/**
 * port_cost(): the STP path cost from the link speed ethtool reports: veth and tap 10 Gb/s → 2, the EMAC
 * 1 Gb/s → 4, a macvlan or VLAN device its lower's speed; devices without a speed 100.
 */
function port_cost(dev: i32): u32 {
  const k = devKind[dev];
  if (k == KIND_VETH || k == KIND_TUN) return 2;
  if (k == KIND_EMAC) return 4;
  if (k == KIND_MACVLAN) return port_cost(macvlanLower(dev));
  if (k == KIND_VLAN) return port_cost(vlanLower(dev));
  return 100;
}

/** find_portno(): the lowest free port number from 1. */
function findPortno(br: i32): u16 {
  const ports = brPorts[br];
  let n: u16 = 1;
  for (let i = 0; i < ports.length; i++) {
    if (portNo[ports[i]] == n) { n++; i = -1; }
  }
  return n;
}

/** br_add_if(): 0 or -errno (nothing changed on failure). */
export function br_add_if(br: i32, dev: i32): i32 {
  brEnsure(dev);
  // only Ethernet-like devices with a valid unicast address (a tun is ARPHRD_NONE)
  if ((devFlags[dev] & 0x8 /* IFF_LOOPBACK */) != 0 || devKind[dev] == KIND_LOOPBACK || devType[dev] != ARPHRD_ETHER ||
    !is_valid_ether_addr(devMac[dev])) return -EINVAL;
  if (devKind[dev] == KIND_BRIDGE) return fail(ELOOP, "Can not enslave a bridge to a bridge");
  if (masterOf(dev) != 0) return -EBUSY;
  const e = netdev_rx_handler_register(dev, br_handle_frame);
  if (e < 0) return e;
  portNo[dev] = findPortno(br);
  // new_nbp()
  portFlags[dev] = BR_PORT_DEFAULT_FLAGS;
  portPriority[dev] = 0x8000 >> 10; // BR_PORT_BITS
  portCost[dev] = port_cost(dev);
  dev_set_promiscuity(dev, 1);
  dev_set_allmulti(dev, 1);
  portMaster[dev] = br;
  portState[dev] = BR_STATE_DISABLED;
  const hadPorts = brPorts[br].length > 0;
  brPorts[br].unshift(dev);
  fdb_add_local(br, dev, devMac[dev]);
  brUpdateFeatures(br, hadPorts); // before the limits, as br_add_if calls them
  br_mtu_auto_adjust(br);
  br_set_gso_limits(br);
  br_stp_recalculate_bridge_id(br);
  if (portOperUp(dev) && devIsUp(br)) br_stp_enable_port(dev);
  return 0;
}

/** br_del_if() / del_nbp(): the port leaves; 0, or -EINVAL when dev is not a port of br. */
export function br_del_if(br: i32, dev: i32): i32 {
  if (masterOf(dev) != br) return -EINVAL;
  br_stp_disable_port(dev);
  const ports = brPorts[br];
  ports.splice(ports.indexOf(dev), 1);
  br_fdb_delete_by_port(br, dev, true);
  dev_set_promiscuity(dev, -1);
  dev_set_allmulti(dev, -1);
  netdev_rx_handler_unregister(dev);
  portMaster[dev] = 0;
  portNo[dev] = 0;
  portFlags[dev] = 0;
  br_mtu_auto_adjust(br);
  br_set_gso_limits(br);
  br_stp_recalculate_bridge_id(br);
  brUpdateFeatures(br, true);
  return 0;
}

/** do_set_master(): leave the current master, join `master` (0: nomaster). */
export function brSetMaster(dev: i32, master: i32): i32 {
  if (!devExists(dev)) return -ENODEV;
  const cur = masterOf(dev);
  if (cur == master) return 0;
  if (master != 0) {
    if (!devExists(master)) return -EINVAL;
    if (devKind[master] != KIND_BRIDGE) return -EOPNOTSUPP; // no ndo_add_slave
  }
  if (cur != 0) br_del_if(cur, dev);
  if (master != 0) return br_add_if(master, dev);
  return 0;
}

/** br_dev_open's br_stp_enable_bridge(): running ports start forwarding. */
export function br_stp_enable_bridge(br: i32): void {
  const ports = brPorts[br];
  for (let i = 0; i < ports.length; i++) if (portOperUp(ports[i])) br_stp_enable_port(ports[i]);
}

/** br_dev_stop's br_stp_disable_bridge(): every port disabled. */
export function br_stp_disable_bridge(br: i32): void {
  const ports = brPorts[br];
  for (let i = 0; i < ports.length; i++) if (portState[ports[i]] != BR_STATE_DISABLED) br_stp_disable_port(ports[i]);
}

/** br_port_carrier_check() on a port's NETDEV_UP/DOWN/CHANGE. */
export function br_port_carrier_check(dev: i32): void {
  const br = masterOf(dev);
  if (br == 0 || !devIsUp(br)) return;
  if (portOperUp(dev)) {
    if (portState[dev] == BR_STATE_DISABLED) br_stp_enable_port(dev);
  } else if (portState[dev] != BR_STATE_DISABLED) br_stp_disable_port(dev);
}

/** NETDEV_CHANGEMTU of a port */
export function brPortMtuChanged(dev: i32): void {
  const br = masterOf(dev);
  if (br != 0) br_mtu_auto_adjust(br);
}

/** NETDEV_CHANGEADDR of a port: its local entry moves, the bridge may take the new address. */
export function brPortMacChanged(dev: i32, oldMac: u64): void {
  const br = masterOf(dev);
  if (br == 0) return;
  br_fdb_changeaddr(br, dev, oldMac, devMac[dev]);
  br_stp_recalculate_bridge_id(br);
}

/** br_set_mac_address(): set by the user, ports no longer choose it. */
export function brSetMac(br: i32, mac: u64): void {
  brMacByUser[br] = true;
  if (mac != devMac[br]) changeBridgeMac(br, mac, false);
}

/** br_change_mtu(): set by the user. */
export function brSetMtu(br: i32): void { brMtuByUser[br] = true; }

/** br_dev_delete(): every port released. */
export function br_dev_delete(br: i32): void {
  const ports = brPorts[br];
  while (ports.length > 0) br_del_if(br, ports[0]);
}
