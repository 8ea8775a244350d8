// The receive side of 802.1Q/802.1ad VLAN devices (net/8021q/vlan_core.c) and
// skb_vlan_untag() of net/core/skbuff.c, which __netif_receive_skb_core runs
// on every frame whose outer type is a VLAN tag, whether or not a VLAN device
// exists.
//
// The per-lower vlan_info/vlan_group is a small list of (proto, vid, dev) per
// lower device, filled at configuration time: nothing is allocated per frame.
//
// skb->vlan_tci here is skbVlanTci: -1 when no tag is present, else the TCI in
// bits 0-15 and VLAN_TCI_STAG (bit 16) when skb->vlan_proto is 802.1ad.

import { devExists, devIsUp, devMac } from "../../core/netdevice";
import {
  skbDev, skbLen, skbData, skbMacHeader, skbProtocol, skbPktType, skbPriority, skbVlanTci, skbHead, skbPull,
  skbResetNetworkHeader, skbResetTransportHeader, PACKET_OTHERHOST, PACKET_HOST, PACKET_MULTICAST,
} from "../../core/skbuff";
import { kfree_skb } from "../../core/dropreason";
import { trace } from "../../core/trace";
import { TE_VLAN_RX } from "../../core/trace_events";

export const ETH_P_8021Q: u16 = 0x8100, ETH_P_8021AD: u16 = 0x88a8;
export const VLAN_VID_MASK: u32 = 0x0fff;
/** bit 16 of skbVlanTci: the tag's protocol is 802.1ad (skb->vlan_proto) */
export const VLAN_TCI_STAG: i32 = 0x10000;
const ETH_P_802_3_MIN: u16 = 0x0600, ETH_P_802_3: u16 = 0x0001, ETH_P_802_2: u16 = 0x0004;

// vlan_info of each lower device (by ifindex): its VLAN devices
const grpDevs = new Array<Array<i32>>();
/** per VLAN device (by ifindex): vlan_proto, vlan_id, real_dev */
export const vlanProto = new Array<u16>();
export const vlanId = new Array<u16>();
export const vlanReal = new Array<i32>();
/** vlan_pcpu_stats of each VLAN device */
export const vlanRxPackets = new Array<u64>();
export const vlanRxBytes = new Array<u64>();
export const vlanRxMcast = new Array<u64>();
export const vlanTxPackets = new Array<u64>();
export const vlanTxBytes = new Array<u64>();
export const vlanTxDropped = new Array<u64>();
/** VLAN_FLAG_* */
export const vlanFlags = new Array<u32>();
/** vlan->real_dev_addr: the lower's address the VLAN last synchronised with */
export const vlanRealAddr = new Array<u64>();
/** dev->addr_assign_type == NET_ADDR_STOLEN: the address was taken from the lower */
export const vlanStolen = new Array<bool>();

export function vlanEnsure(dev: i32): void {
  while (vlanProto.length <= dev) {
    grpDevs.push(new Array<i32>()); vlanProto.push(0); vlanId.push(0); vlanReal.push(0);
    vlanRxPackets.push(0); vlanRxBytes.push(0); vlanRxMcast.push(0); vlanTxPackets.push(0); vlanTxBytes.push(0);
    vlanTxDropped.push(0); vlanFlags.push(0); vlanRealAddr.push(0); vlanStolen.push(false);
  }
}

/** The VLAN devices on `lower`, in creation order (vlan_group_for_each_dev). */
export function vlanGroup(lower: i32): Array<i32> {
  vlanEnsure(lower);
  return grpDevs[lower];
}

/** vlan_find_dev(): the VLAN device of `lower` for (proto, vid), 0 if none. */
export function vlan_find_dev(lower: i32, proto: u16, vid: u16): i32 {
  if (lower <= 0 || lower >= grpDevs.length) return 0;
  const g = unchecked(grpDevs[lower]);
  for (let i = 0; i < g.length; i++) {
    const v = unchecked(g[i]);
    if (unchecked(vlanId[v]) == vid && unchecked(vlanProto[v]) == proto) return v;
  }
  return 0;
}

function load16be(p: usize): u16 { return bswap<u16>(load<u16>(p)); }

/**
 * skb_vlan_untag(): data is just past the Ethernet header and skb->protocol is a VLAN type: the
 * tag goes to skb->vlan_tci, skb->protocol becomes the encapsulated type (vlan_set_encap_proto),
 * and the MAC addresses move up 4 bytes so the mac header is an untagged Ethernet header again
 * (skb_reorder_vlan_header). Returns false when the frame was too short and has been freed.
 */
export function skb_vlan_untag(skb: i32): bool {
  if (unchecked(skbVlanTci[skb]) >= 0) return true; // a tag already set up: left for another time
  // pskb_may_pull(VLAN_HLEN + 2)
  if (unchecked(skbLen[skb]) < 6) { kfree_skb(skb); return false; }
  const head = skbHead(skb);
  const p = head + <usize>unchecked(skbData[skb]);
  const tci = <i32>load16be(p);
  const outer = unchecked(skbProtocol[skb]);
  unchecked(skbVlanTci[skb] = tci | (outer == ETH_P_8021AD ? VLAN_TCI_STAG : 0));
  skbPull(skb, 4);
  const t = load16be(p + 2);
  let proto: u16;
  if (t >= ETH_P_802_3_MIN) proto = t;
  else if (unchecked(skbLen[skb]) >= 2 && load16be(p + 4) == 0xffff) proto = ETH_P_802_3;
  else proto = ETH_P_802_2;
  unchecked(skbProtocol[skb] = proto);
  // skb_reorder_vlan_header: the 12 address bytes move 4 bytes up, over the tag
  const mac = head + <usize>unchecked(skbMacHeader[skb]);
  memory.copy(mac + 4, mac, 12);
  unchecked(skbMacHeader[skb] = skbMacHeader[skb] + 4);
  skbResetNetworkHeader(skb);
  skbResetTransportHeader(skb);
  return true;
}

/** vlan_do_receive() results: no VLAN device (the tag stays), delivered to one (another round), freed. */
export const VLAN_RX_NONE: i32 = 0, VLAN_RX_ANOTHER: i32 = 1, VLAN_RX_FREED: i32 = 2;

/**
 * vlan_do_receive(): the frame's tag names a VLAN device of skb->dev: skb->dev becomes it,
 * pkt_type is fixed against its address, priority from the (empty) ingress map, the tag is
 * cleared and the device's rx counters count it. A VLAN device that is down frees the frame.
 */
export function vlan_do_receive(skb: i32): i32 {
  const lower = unchecked(skbDev[skb]);
  const tci = unchecked(skbVlanTci[skb]);
  const proto = (tci & VLAN_TCI_STAG) != 0 ? ETH_P_8021AD : ETH_P_8021Q;
  const vid = <u16>(<u32>tci & VLAN_VID_MASK);
  const v = vlan_find_dev(lower, proto, vid);
  if (v == 0 || !devExists(v)) return VLAN_RX_NONE;
  trace(TE_VLAN_RX, <u32>lower, <u32>v | (<u32>vid << 20));
  if (!devIsUp(v)) { kfree_skb(skb); return VLAN_RX_FREED; }
  unchecked(skbDev[skb] = v);
  if (unchecked(skbPktType[skb]) == PACKET_OTHERHOST) {
    // the lower thought it was not local: the VLAN device may have an address of its own
    const mac = skbHead(skb) + <usize>unchecked(skbMacHeader[skb]);
    const dst = (<u64>bswap<u32>(load<u32>(mac)) << 16) | <u64>bswap<u16>(load<u16>(mac, 4));
    if (dst == unchecked(devMac[v])) unchecked(skbPktType[skb] = PACKET_HOST);
  }
  // vlan_get_ingress_priority: no ingress-qos-map, so 0
  unchecked(skbPriority[skb] = 0);
  unchecked(skbVlanTci[skb] = -1);
  vlanRxPackets[v]++;
  vlanRxBytes[v] += unchecked(skbLen[skb]);
  if (unchecked(skbPktType[skb]) == PACKET_MULTICAST) vlanRxMcast[v]++;
  return VLAN_RX_ANOTHER;
}

/** A VLAN device joins its lower's group (register_vlan_dev: vlan_group_set_device). */
export function vlanGroupAdd(lower: i32, dev: i32): void { vlanGroup(lower).push(dev); }
/** unregister_vlan_dev: out of the group. */
export function vlanGroupDel(lower: i32, dev: i32): void {
  const g = vlanGroup(lower);
  const i = g.indexOf(dev);
  if (i >= 0) g.splice(i, 1);
}
