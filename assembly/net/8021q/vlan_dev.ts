// The VLAN device's net_device_ops (net/8021q/vlan_dev.c): transmit through
// the lower device with the tag, open/stop, MTU, statistics.

import { devMac, devIsUp, devCarrier, devMtu } from "../../core/netdevice";
import {
  dev_queue_xmit, NET_XMIT_SUCCESS, NET_XMIT_CN, NETDEV_TX_OK, ST_RX_PACKETS, ST_TX_PACKETS, ST_RX_BYTES, ST_TX_BYTES,
  ST_TX_DROPPED, ST_MULTICAST,
} from "../../core/netif";
import { skbDev, skbLen, skbVlanTci } from "../../core/skbuff";
import { trace } from "../../core/trace";
import { TE_VLAN_XMIT } from "../../core/trace_events";
import { ENETDOWN, ERANGE } from "../../lib/errno";
import {
  vlanProto, vlanId, vlanReal, vlanFlags, vlanRealAddr, vlanStolen, vlanRxPackets, vlanRxBytes, vlanRxMcast,
  vlanTxPackets, vlanTxBytes, vlanTxDropped, ETH_P_8021AD, VLAN_TCI_STAG,
} from "./vlan_core";

// include/uapi/linux/if_vlan.h
export const VLAN_FLAG_REORDER_HDR: u32 = 0x1, VLAN_FLAG_GVRP: u32 = 0x2, VLAN_FLAG_LOOSE_BINDING: u32 = 0x4,
  VLAN_FLAG_MVRP: u32 = 0x8, VLAN_FLAG_BRIDGE_BINDING: u32 = 0x10;

/** The device layer's hooks (core/dev.ts), bound once to avoid an import cycle. */
/** dev_uc_add (+1) / dev_uc_del (-1) of an address */
export type UcFn = (dev: i32, addr: u64, inc: i32) => void;
export type CarrierFn = (dev: i32, on: bool, counted: bool) => void;
let ucFn: UcFn | null = null;
let carrierFn: CarrierFn | null = null;
export function vlanDevBind(uc: UcFn, carrier: CarrierFn): void { ucFn = uc; carrierFn = carrier; }
function ucChange(dev: i32, addr: u64, inc: i32): void { const f = ucFn; if (f != null) f(dev, addr, inc); }
export function vlanCarrier(dev: i32, on: bool, counted: bool = true): void { const f = carrierFn; if (f != null) f(dev, on, counted); }

/**
 * vlan_dev_hard_start_xmit(): the tag goes into skb->vlan_tci (__vlan_hwaccel_put_tag: the vid,
 * the egress-qos-map's priority, none here), skb->dev becomes the lower device and dev_queue_xmit
 * sends it; validate_xmit_vlan there writes it into the frame when the lower cannot insert it.
 * tx counted when the lower took it (NET_XMIT_SUCCESS or CN), else tx_dropped.
 * [model choice] With reorder_hdr off Linux builds the tag into the header (vlan_dev_hard_header)
 * and this function leaves it there; the frame on the wire is the same, so netpath always takes
 * the first path.
 */
export function vlan_dev_hard_start_xmit(skb: i32, dev: i32): i32 {
  const tci = <i32>vlanId[dev] | (vlanProto[dev] == ETH_P_8021AD ? VLAN_TCI_STAG : 0);
  unchecked(skbVlanTci[skb] = tci);
  const lower = vlanReal[dev];
  unchecked(skbDev[skb] = lower);
  const len = unchecked(skbLen[skb]);
  trace(TE_VLAN_XMIT, <u32>dev, <u32>lower);
  const ret = dev_queue_xmit(skb);
  if (ret == NET_XMIT_SUCCESS || ret == NET_XMIT_CN) { vlanTxPackets[dev]++; vlanTxBytes[dev] += len; }
  else vlanTxDropped[dev]++;
  return NETDEV_TX_OK;
}

/** vlan_dev_get_stats64() */
export function vlan_dev_get_stats64(dev: i32, s: StaticArray<u64>): void {
  if (dev >= vlanProto.length) return;
  s[ST_RX_PACKETS] = vlanRxPackets[dev]; s[ST_RX_BYTES] = vlanRxBytes[dev]; s[ST_MULTICAST] = vlanRxMcast[dev];
  s[ST_TX_PACKETS] = vlanTxPackets[dev]; s[ST_TX_BYTES] = vlanTxBytes[dev]; s[ST_TX_DROPPED] = vlanTxDropped[dev];
}

/** vlan_dev_inherit_address(): a stolen address follows the lower's. */
export function vlan_dev_inherit_address(dev: i32, lower: i32): bool {
  if (!vlanStolen[dev]) return false;
  devMac[dev] = devMac[lower];
  return true;
}

/**
 * vlan_dev_open(): the lower must be up (ENETDOWN); an address of its own goes into the lower's
 * unicast list (dev_uc_add: a lower without a unicast filter turns promiscuous); the carrier
 * follows the lower's.
 */
export function vlan_dev_open(dev: i32): i32 {
  const lower = vlanReal[dev];
  if (!devIsUp(lower) && (vlanFlags[dev] & VLAN_FLAG_LOOSE_BINDING) == 0) return -ENETDOWN;
  if (devMac[dev] != devMac[lower] && !vlan_dev_inherit_address(dev, lower)) ucChange(lower, devMac[dev], 1);
  vlanRealAddr[dev] = devMac[lower];
  if (devCarrier[lower] && (vlanFlags[dev] & VLAN_FLAG_BRIDGE_BINDING) == 0) vlanCarrier(dev, true);
  return 0;
}

/** vlan_dev_stop(): the address leaves the lower's unicast list; carrier off. */
export function vlan_dev_stop(dev: i32): void {
  const lower = vlanReal[dev];
  if (devMac[dev] != devMac[lower]) ucChange(lower, devMac[dev], -1);
  if ((vlanFlags[dev] & VLAN_FLAG_BRIDGE_BINDING) == 0) vlanCarrier(dev, false);
}

/** vlan_dev_change_mtu(): not above the lower's (ERANGE). */
export function vlan_dev_change_mtu(dev: i32, mtu: u32): i32 {
  return mtu > devMtu[vlanReal[dev]] ? -ERANGE : 0;
}

/** vlan_dev_set_mac_address(): on an up device the lower's unicast list follows; the address is no longer stolen. */
export function vlan_dev_set_mac_address(dev: i32, mac: u64): void {
  const lower = vlanReal[dev];
  if (devIsUp(dev)) {
    if (mac != devMac[lower]) ucChange(lower, mac, 1);
    if (devMac[dev] != devMac[lower]) ucChange(lower, devMac[dev], -1);
  }
  vlanStolen[dev] = false;
}

/** vlan_sync_address() on the lower's NETDEV_CHANGEADDR, for an up VLAN device. Returns true when its own address changed. */
export function vlan_sync_address(lower: i32, dev: i32): bool {
  const old = vlanRealAddr[dev];
  const now = devMac[lower];
  if (old == now) return false;
  let changed = false;
  if (vlan_dev_inherit_address(dev, lower)) changed = true;
  else {
    const mine = devMac[dev];
    if (mine != old && mine == now) ucChange(lower, mine, -1);
    if (mine == old && mine != now) ucChange(lower, mine, 1);
  }
  vlanRealAddr[dev] = now;
  return changed;
}
