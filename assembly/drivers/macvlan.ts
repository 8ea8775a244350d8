// MAC address based virtual devices on a real one (drivers/net/macvlan.c).
//
// The lower device gets a "port": macvlan_handle_frame as its rx_handler.
// Unicast to a macvlan's address (everything, in passthru mode) is redirected
// with skb->dev = macvlan and RX_HANDLER_ANOTHER; broadcasts go to the lower
// device (PASS) and a copy waits in the port's bc_queue for bc_work, which
// floods it to the macvlans the modes and their multicast filters allow; a
// group only one macvlan subscribed goes to it at once (bc_cutoff). The kernel runs bc_work from a
// work queue; here it runs in the softirq step, after the backlog, so the
// order is the same on every run.
//
// Transmit (macvlan_queue_xmit): bridge mode delivers to bridge-mode
// siblings directly (unicast through the lower's receive path, broadcasts
// copied to each) and everything else leaves through the lower device.
//
// Not modelled: source mode's address lists (a source-mode macvlan receives
// nothing), the hash collisions of the multicast filters (exact here), the
// bccutoff option, IP defragmentation before the broadcast copy.

import {
  devKind, devMac, devMtu, devMaxMtu, devCarrier, devIsUp, devExists, devByName, devGetValidName, devNameError, ifnamePolicyOk, devFlags,
  devType, KIND_MACVLAN, IFF_LOOPBACK, ARPHRD_ETHER, netif_inherit_tso_max,
} from "../core/netdevice";
import {
  netdev_rx_handler_register, netdev_rx_handler_unregister, netdevOpsRegister, softirqWorkRegister, netif_rx,
  dev_queue_xmit, dev_forward_skb, __dev_forward_skb, eth_type_trans, dev_core_stats_rx_dropped_inc, RX_HANDLER_CONSUMED,
  RX_HANDLER_ANOTHER, RX_HANDLER_PASS, NET_RX_SUCCESS, NET_RX_DROP, NET_XMIT_SUCCESS, NET_XMIT_CN, NETDEV_TX_OK,
  ETH_HLEN, ST_RX_PACKETS, ST_TX_PACKETS, ST_RX_BYTES, ST_TX_BYTES, ST_RX_ERRORS, ST_RX_DROPPED,
  ST_TX_DROPPED, ST_MULTICAST,
} from "../core/netif";
import { randomMac, POLICY_MSG, devGetPromiscuity, devGetAllmulti, netdevChangeMtu } from "../core/dev";
import { devMcList, devMcSynced } from "../core/dev_addr_lists";
import {
  skbDev, skbLen, skbPktType, skbProtocol, skbMacHeader, skbHead, skbNext, skbCopy,
  SKB_POOL, PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST,
} from "../core/skbuff";
import { kfree_skb, consume_skb } from "../core/dropreason";
import { trace } from "../core/trace";
import { TE_MACVLAN_XMIT, TE_MACVLAN_BC, TE_MACVLAN_BC_RX, RXH_MACVLAN } from "../core/trace_events";
import { EINVAL, EEXIST, EBUSY, ENODEV, EADDRNOTAVAIL, EADDRINUSE, EOPNOTSUPP, fail } from "../lib/errno";

// include/uapi/linux/if_link.h
export const MACVLAN_MODE_PRIVATE: u32 = 1, MACVLAN_MODE_VEPA: u32 = 2, MACVLAN_MODE_BRIDGE: u32 = 4,
  MACVLAN_MODE_PASSTHRU: u32 = 8, MACVLAN_MODE_SOURCE: u32 = 16;
export const MACVLAN_FLAG_NOPROMISC: u32 = 1, MACVLAN_FLAG_NODST: u32 = 2;
/** MACVLAN_DEFAULT_BC_CUTOFF: a group more macvlans subscribed than this goes through the broadcast queue */
const MACVLAN_DEFAULT_BC_CUTOFF: i32 = 1;
/** MACVLAN_DEFAULT_BC_QUEUE_LEN: what a macvlan asks for when `bcqueuelen` is not given */
export const MACVLAN_DEFAULT_BC_QUEUE_LEN: u32 = 1000;
const ETH_P_PAUSE: u16 = 0x8808;
const NONE: u64 = 0xffffffffffffffff;

// per macvlan device (by ifindex)
const mvLower = new Array<i32>();
const mvMode = new Array<u32>();
const mvFlags = new Array<u32>();
/** vlan->bc_queue_len_req (IFLA_MACVLAN_BC_QUEUE_LEN) */
const mvBcQueueLenReq = new Array<u32>();
/** vlan_pcpu_stats */
const mvRxPackets = new Array<u64>();
const mvRxBytes = new Array<u64>();
const mvRxMcast = new Array<u64>();
const mvRxErrors = new Array<u64>();
const mvTxPackets = new Array<u64>();
const mvTxBytes = new Array<u64>();
const mvTxDropped = new Array<u64>();

// per lower device (by ifindex): struct macvlan_port
const portOn = new Array<bool>();
const portPassthru = new Array<bool>();
/** port->vlans in creation order */
const portVlans = new Array<Array<i32>>();
/** the open macvlans (port->vlan_hash), in the order the kernel walks the hash: bucket, then newest first */
const portHash = new Array<Array<i32>>();
const bcHead = new Array<i32>();
const bcTail = new Array<i32>();
const bcLen = new Array<u32>();
/** port->bc_queue_len_used: the largest bc_queue_len_req of the port's macvlans */
const portBcQueueLenUsed = new Array<u32>();
/** MACVLAN_SKB_CB(skb)->src of a queued broadcast: the sending macvlan, 0 for an outside address */
const bcSrc = new StaticArray<i32>(SKB_POOL);
/** lower devices with broadcasts queued (bc_work scheduled) */
const bcPending = new Array<i32>();

function ensure(dev: i32): void {
  while (mvLower.length <= dev) {
    mvLower.push(0); mvMode.push(0); mvFlags.push(0); mvBcQueueLenReq.push(0); portBcQueueLenUsed.push(0); mvRxPackets.push(0); mvRxBytes.push(0); mvRxMcast.push(0);
    mvRxErrors.push(0); mvTxPackets.push(0); mvTxBytes.push(0); mvTxDropped.push(0);
    portOn.push(false); portPassthru.push(false); portVlans.push(new Array<i32>()); portHash.push(new Array<i32>());
    bcHead.push(-1); bcTail.push(-1); bcLen.push(0);
  }
}

/** Registered once: the net_device_ops of KIND_MACVLAN and bc_work in the softirq step. */
export function macvlanInit(): void {
  netdevOpsRegister(KIND_MACVLAN, macvlan_start_xmit, macvlan_dev_get_stats64);
  softirqWorkRegister(macvlan_process_broadcast);
}

export function netif_is_macvlan(dev: i32): bool { return devExists(dev) && devKind[dev] == KIND_MACVLAN; }
/** macvlan_dev_real_dev() */
export function macvlanLower(dev: i32): i32 { return netif_is_macvlan(dev) ? mvLower[dev] : 0; }
export function macvlanMode(dev: i32): u32 { return netif_is_macvlan(dev) ? mvMode[dev] : 0; }
export function macvlanFlags(dev: i32): u32 { return netif_is_macvlan(dev) ? mvFlags[dev] : 0; }
export function macvlanBcQueueLenReq(dev: i32): u32 { return netif_is_macvlan(dev) ? mvBcQueueLenReq[dev] : 0; }
export function macvlanBcQueueLenUsed(dev: i32): u32 { return netif_is_macvlan(dev) ? portBcQueueLenUsed[mvLower[dev]] : 0; }

/** update_port_bc_queue_len() */
function update_port_bc_queue_len(port: i32): void {
  const l = portVlans[port];
  let max: u32 = 0;
  for (let i = 0; i < l.length; i++) if (mvBcQueueLenReq[l[i]] > max) max = mvBcQueueLenReq[l[i]];
  portBcQueueLenUsed[port] = max;
}
export function netif_is_macvlan_port(dev: i32): bool { return dev > 0 && dev < portOn.length && portOn[dev]; }

// ---- address hash (macvlan_eth_hash: hash_64 of the address as a little-endian u64 << 16) -------------
function ethHash(mac: u64): u32 {
  let v: u64 = 0;
  for (let i = 0; i < 6; i++) v |= ((mac >> (40 - 8 * <u64>i)) & 0xff) << (16 + 8 * <u64>i);
  return <u32>((v * 0x61c8864680b583eb) >> 56);
}

function hashAdd(port: i32, vlan: i32): void {
  const h = portHash[port];
  const b = ethHash(devMac[vlan]);
  // hlist_add_head: first in its bucket
  let i = 0;
  while (i < h.length && ethHash(devMac[h[i]]) < b) i++;
  h.push(0);
  for (let j = h.length - 1; j > i; j--) h[j] = h[j - 1];
  h[i] = vlan;
}
function hashDel(port: i32, vlan: i32): void {
  const h = portHash[port];
  const i = h.indexOf(vlan);
  if (i >= 0) h.splice(i, 1);
}
/** macvlan_hash_lookup(): the open macvlan with this address, 0 if none */
function hashLookup(port: i32, mac: u64): i32 {
  const h = portHash[port];
  for (let i = 0; i < h.length; i++) if (devMac[unchecked(h[i])] == mac) return unchecked(h[i]);
  return 0;
}
/** macvlan_addr_busy() */
function addrBusy(port: i32, mac: u64): bool { return devMac[port] == mac || hashLookup(port, mac) != 0; }

// ---- statistics ----------------------------------------------------------------------------------
/** macvlan_count_rx() */
function countRx(vlan: i32, len: u32, ok: bool, multicast: bool): void {
  if (ok) {
    mvRxPackets[vlan]++; mvRxBytes[vlan] += len;
    if (multicast) mvRxMcast[vlan]++;
  } else mvRxErrors[vlan]++;
}

/** macvlan_dev_get_stats64(): rx_dropped is rx_errors */
function macvlan_dev_get_stats64(dev: i32, s: StaticArray<u64>): void {
  if (dev >= mvLower.length) return;
  s[ST_RX_PACKETS] = mvRxPackets[dev]; s[ST_RX_BYTES] = mvRxBytes[dev]; s[ST_MULTICAST] = mvRxMcast[dev];
  s[ST_TX_PACKETS] = mvTxPackets[dev]; s[ST_TX_BYTES] = mvTxBytes[dev];
  s[ST_RX_ERRORS] = mvRxErrors[dev]; s[ST_RX_DROPPED] = mvRxErrors[dev]; s[ST_TX_DROPPED] = mvTxDropped[dev];
}

// ---- receive -------------------------------------------------------------------------------------
function macAt(p: usize): u64 {
  let m: u64 = 0;
  for (let i = 0; i < 6; i++) m = (m << 8) | <u64>load<u8>(p + <usize>i);
  return m;
}

/** macvlan_broadcast_one(): __dev_forward_skb for a sibling on transmit, else just retarget. 0 or NET_RX_DROP. */
function broadcastOne(skb: i32, vlan: i32, dst: u64, local: bool): i32 {
  if (local) {
    // is_skb_forwardable, skb_scrub_packet, eth_type_trans
    return __dev_forward_skb(vlan, skb);
  }
  skbDev[skb] = vlan;
  skbPktType[skb] = dst == 0xffffffffffff ? PACKET_BROADCAST : PACKET_MULTICAST;
  return 0;
}

/** a device with IFF_PROMISC or IFF_ALLMULTI: its multicast filter is full */
function allMulti(dev: i32): bool { return devGetPromiscuity(dev) != 0 || devGetAllmulti(dev) != 0; }

/**
 * A macvlan's mc_filter (macvlan_compute_filter with the device): the broadcast address and its own
 * multicast list (every address with PROMISC or ALLMULTI). The kernel hashes the addresses into 256 bits
 * with a per-device mix, so another group may collide into the filter there; here it is exact.
 */
function vlanFilter(vlan: i32, dst: u64): bool {
  return dst == 0xffffffffffff || allMulti(vlan) || devMcList(vlan).includes(dst);
}

/**
 * The port's filters (macvlan_compute_filter of the lower device, mc_hash without a mix): 2 (bc_filter: to
 * the broadcast queue) for the broadcast address and groups more than bc_cutoff macvlans subscribed (all with
 * the lower PROMISC or ALLMULTI), 1 (mc_filter: to the macvlans at once) for a group one macvlan subscribed, else 0.
 */
function portFilter(port: i32, dst: u64): i32 {
  if (dst == 0xffffffffffff || allMulti(port)) return 2;
  const synced = devMcSynced(port, dst);
  return synced > MACVLAN_DEFAULT_BC_CUTOFF ? 2 : synced > 0 ? 1 : 0;
}

/** macvlan_broadcast(): a copy to each open macvlan of `mode` whose filter takes the address, except the source. */
function macvlan_broadcast(skb: i32, port: i32, src: i32, mode: u32): void {
  if (skbProtocol[skb] == ETH_P_PAUSE) return;
  const dst = macAt(skbHead(skb) + <usize>skbMacHeader[skb]);
  const h = portHash[port];
  for (let i = 0; i < h.length; i++) {
    const vlan = unchecked(h[i]);
    if (vlan == src || (mvMode[vlan] & mode) == 0 || !vlanFilter(vlan, dst)) continue;
    let err = NET_RX_DROP;
    const nskb = skbCopy(skb);
    if (nskb >= 0) {
      err = broadcastOne(nskb, vlan, dst, mode == MACVLAN_MODE_BRIDGE);
      if (err == 0) err = netif_rx(nskb);
    }
    trace(TE_MACVLAN_BC_RX, <u32>vlan, err == NET_RX_SUCCESS ? 1 : 0);
    countRx(vlan, skbLen[skb] + ETH_HLEN, err == NET_RX_SUCCESS, true);
  }
}

/** macvlan_broadcast_enqueue(): a copy for bc_work; a full queue drops it (lower rx_dropped). */
function broadcastEnqueue(port: i32, src: i32, skb: i32): void {
  const nskb = bcLen[port] < portBcQueueLenUsed[port] ? skbCopy(skb) : -1;
  if (nskb < 0) {
    trace(TE_MACVLAN_BC, <u32>port, 1);
    dev_core_stats_rx_dropped_inc(skbDev[skb]);
    return;
  }
  trace(TE_MACVLAN_BC, <u32>port, 0);
  unchecked(bcSrc[nskb] = src);
  skbNext[nskb] = -1;
  if (bcTail[port] >= 0) skbNext[bcTail[port]] = nskb; else bcHead[port] = nskb;
  bcTail[port] = nskb;
  bcLen[port]++;
  if (bcPending.indexOf(port) < 0) bcPending.push(port);
}

/** macvlan_multicast_rx(): to the macvlans by the source's mode */
function macvlan_multicast_rx(port: i32, src: i32, skb: i32): void {
  if (src == 0 || !netif_is_macvlan(src)) {
    // from an outside address
    macvlan_broadcast(skb, port, 0, MACVLAN_MODE_PRIVATE | MACVLAN_MODE_VEPA | MACVLAN_MODE_PASSTHRU | MACVLAN_MODE_BRIDGE);
  } else if (mvMode[src] == MACVLAN_MODE_VEPA) {
    // reflected by the switch: everyone but the source
    macvlan_broadcast(skb, port, src, MACVLAN_MODE_VEPA | MACVLAN_MODE_BRIDGE);
  } else {
    // bridge ports saw it on the way out
    macvlan_broadcast(skb, port, src, MACVLAN_MODE_VEPA);
  }
}

/** macvlan_process_broadcast(): bc_work for every port with broadcasts queued. Returns frames handled. */
function macvlan_process_broadcast(): i32 {
  let n = 0;
  while (bcPending.length > 0) {
    const port = bcPending.shift();
    while (port < bcHead.length && bcHead[port] >= 0) {
      const skb = bcHead[port];
      bcHead[port] = skbNext[skb];
      if (bcHead[port] < 0) bcTail[port] = -1;
      bcLen[port]--;
      skbNext[skb] = -1;
      macvlan_multicast_rx(port, unchecked(bcSrc[skb]), skb);
      consume_skb(skb);
      n++;
    }
  }
  return n;
}

/** bc_work cancelled and the queue purged (macvlan_port_destroy). */
function bcPurge(port: i32): void {
  while (bcHead[port] >= 0) {
    const skb = bcHead[port];
    bcHead[port] = skbNext[skb];
    kfree_skb(skb);
  }
  bcTail[port] = -1;
  bcLen[port] = 0;
  const i = bcPending.indexOf(port);
  if (i >= 0) bcPending.splice(i, 1);
}

/** macvlan_handle_frame(): the rx_handler of the lower device. */
function macvlan_handle_frame(skb: i32): i32 {
  const port = skbDev[skb];
  const p = skbHead(skb) + <usize>skbMacHeader[skb];
  const dst = macAt(p);
  if ((dst & 0x010000000000) != 0) {
    const src = hashLookup(port, macAt(p + 6));
    if (src != 0 && mvMode[src] != MACVLAN_MODE_VEPA && mvMode[src] != MACVLAN_MODE_BRIDGE) {
      // back to the private/passthru/source port that sent it, to nobody else (len stays 0, as in the kernel)
      trace(TE_MACVLAN_BC, <u32>port, 2);
      broadcastOne(skb, src, dst, false);
      countRx(src, 0, netif_rx(skb) == NET_RX_SUCCESS, false);
      return RX_HANDLER_CONSUMED;
    }
    const f = portFilter(port, dst);
    if (f == 2) broadcastEnqueue(port, src, skb);
    else if (f == 1) macvlan_multicast_rx(port, src, skb);
    return RX_HANDLER_PASS;
  }
  const vlan = portPassthru[port] ? (portVlans[port].length > 0 ? portVlans[port][0] : 0) : hashLookup(port, dst);
  if (vlan == 0 || mvMode[vlan] == MACVLAN_MODE_SOURCE) return RX_HANDLER_PASS;
  if (!devIsUp(vlan)) {
    kfree_skb(skb);
    return RX_HANDLER_CONSUMED;
  }
  const len = skbLen[skb] + ETH_HLEN;
  skbDev[skb] = vlan;
  skbPktType[skb] = PACKET_HOST;
  countRx(vlan, len, true, false);
  return RX_HANDLER_ANOTHER;
}

// ---- transmit ------------------------------------------------------------------------------------
/** macvlan_queue_xmit() */
function macvlan_queue_xmit(skb: i32, dev: i32): i32 {
  const lower = mvLower[dev];
  if (mvMode[dev] == MACVLAN_MODE_BRIDGE) {
    const p = skbHead(skb) + <usize>skbMacHeader[skb];
    const dst = macAt(p);
    if ((dst & 0x010000000000) != 0) {
      // to the other bridge ports directly, and out
      macvlan_broadcast(skb, lower, dev, MACVLAN_MODE_BRIDGE);
    } else {
      const dest = hashLookup(lower, dst);
      if (dest != 0 && mvMode[dest] == MACVLAN_MODE_BRIDGE) {
        // through the lower device's receive path, for its taps
        trace(TE_MACVLAN_XMIT, <u32>dev, 1);
        dev_forward_skb(lower, skb);
        return NET_XMIT_SUCCESS;
      }
    }
  }
  trace(TE_MACVLAN_XMIT, <u32>dev, 0);
  skbDev[skb] = lower;
  return dev_queue_xmit(skb);
}

/** macvlan_start_xmit(): tx counted when the lower took it (NET_XMIT_SUCCESS or CN), else tx_dropped. */
function macvlan_start_xmit(skb: i32, dev: i32): i32 {
  const len = skbLen[skb];
  const ret = macvlan_queue_xmit(skb, dev);
  if (ret == NET_XMIT_SUCCESS || ret == NET_XMIT_CN) { mvTxPackets[dev]++; mvTxBytes[dev] += len; }
  else mvTxDropped[dev]++;
  return NETDEV_TX_OK;
}

// ---- link operations -------------------------------------------------------------------------------
/** The device layer's hooks this driver needs (core/dev.ts), set once to avoid an import cycle. */
export type RegisterFn = (name: string, kind: u8, mtu: u32, mac: u64, txqlen: u32) => i32;
export type UnregisterFn = (dev: i32) => void;
/** dev_set_promiscuity: 0 or -EOVERFLOW */
export type PromiscFn = (dev: i32, inc: i32) => i32;
/** dev_uc_add (+1) / dev_uc_del (-1) of an address */
export type UcFn = (dev: i32, addr: u64, inc: i32) => void;
export type CarrierSetFn = (dev: i32, on: bool) => void;
let registerFn: RegisterFn | null = null;
let unregisterFn: UnregisterFn | null = null;
let promiscFn: PromiscFn | null = null;
let ucFn: UcFn | null = null;
let carrierFn: CarrierSetFn | null = null;
export function macvlanBind(reg: RegisterFn, unreg: UnregisterFn, promisc: PromiscFn, uc: UcFn, carrier: CarrierSetFn): void {
  registerFn = reg; unregisterFn = unreg; promiscFn = promisc; ucFn = uc; carrierFn = carrier;
}

/** macvlan_port_create(): Ethernet devices only (not a tun, not loopback); the rx_handler slot must be free. */
function portCreate(lower: i32): i32 {
  if (devType[lower] != ARPHRD_ETHER || (devFlags[lower] & IFF_LOOPBACK) != 0 || devKind[lower] == 0) return -EINVAL;
  const e = netdev_rx_handler_register(lower, macvlan_handle_frame, RXH_MACVLAN);
  if (e < 0) return e;
  ensure(lower);
  portOn[lower] = true;
  portPassthru[lower] = false;
  portVlans[lower].length = 0;
  portHash[lower].length = 0;
  return 0;
}

/** macvlan_port_destroy() */
function portDestroy(lower: i32): void {
  portOn[lower] = false;
  portPassthru[lower] = false;
  netdev_rx_handler_unregister(lower);
  bcPurge(lower);
}

/**
 * rtnl_newlink for "macvlan" (macvlan_common_newlink). mac = NONE for a random one, mtu 0 = the
 * lower's. Returns the new ifindex or -errno.
 */
export function macvlanNewlink(name: string, mac: u64, mtu: u32, txqlen: u32, link: i32, mode: u32, flags: u32, bcQueueLen: u32): i32 {
  if (!ifnamePolicyOk(name)) return fail(EINVAL, POLICY_MSG);
  if (devByName(name) != 0) return -EEXIST;
  // macvlan_validate
  if (mac != NONE && ((mac & 0x010000000000) != 0 || mac == 0)) return -EADDRNOTAVAIL;
  if ((flags & ~(MACVLAN_FLAG_NOPROMISC | MACVLAN_FLAG_NODST)) != 0) return -EINVAL;
  if (mode != MACVLAN_MODE_PRIVATE && mode != MACVLAN_MODE_VEPA && mode != MACVLAN_MODE_BRIDGE &&
    mode != MACVLAN_MODE_PASSTHRU && mode != MACVLAN_MODE_SOURCE) return -EINVAL;
  // rtnl_create_link: dev_validate_mtu against ETH_MIN_MTU..ETH_MAX_MTU
  if (mtu != 0 && mtu < 68) return fail(EINVAL, "mtu less than device minimum");
  if (mtu > 65535) return fail(EINVAL, "mtu greater than device maximum");
  if (link == 0) return -EINVAL;
  if (!devExists(link)) return -ENODEV;
  // on top of another macvlan: the real device is the lower
  let lower = link;
  if (netif_is_macvlan(lower)) lower = mvLower[lower];
  if (mtu != 0 && mtu > devMtu[lower]) return -EINVAL;
  ensure(lower);
  const created = !portOn[lower];
  if (created) { const e = portCreate(lower); if (e < 0) return e; }
  // only one macvlan on a passthru port, and passthru only on a port without macvlans
  if (portPassthru[lower] || (mode == MACVLAN_MODE_PASSTHRU && portVlans[lower].length > 0)) {
    if (created) portDestroy(lower);
    return -EINVAL;
  }
  // no address given: eth_hw_addr_random(); passthru then takes the lower's (eth_hw_addr_inherit)
  let addr = mac != NONE ? mac : randomMac();
  if (mode == MACVLAN_MODE_PASSTHRU) addr = devMac[lower];
  // register_netdevice: dev_get_valid_name
  const dn = devGetValidName(name);
  if (dn.length == 0) {
    if (created) portDestroy(lower);
    return devNameError;
  }
  const reg = registerFn;
  const dev = reg != null ? reg(dn, KIND_MACVLAN, mtu != 0 ? mtu : devMtu[lower], addr, txqlen != 0 ? txqlen : 1000) : -1;
  if (dev < 0) { if (created) portDestroy(lower); return dev; }
  ensure(dev);
  devMaxMtu[dev] = 65535;
  mvLower[dev] = lower; mvMode[dev] = mode; mvFlags[dev] = flags;
  mvRxPackets[dev] = 0; mvRxBytes[dev] = 0; mvRxMcast[dev] = 0; mvRxErrors[dev] = 0;
  mvTxPackets[dev] = 0; mvTxBytes[dev] = 0; mvTxDropped[dev] = 0;
  if (mode == MACVLAN_MODE_PASSTHRU) portPassthru[lower] = true;
  mvBcQueueLenReq[dev] = bcQueueLen;
  portVlans[lower].push(dev);
  update_port_bc_queue_len(lower);
  netif_inherit_tso_max(dev, lower); // macvlan_init
  // netif_stacked_transfer_operstate (Linux counts no carrier change here, whatever the lower's carrier)
  devCarrier[dev] = devCarrier[lower];
  return dev;
}

/** macvlan_open(): passthru makes the lower promiscuous; others add their address to it (EBUSY if taken). */
export function macvlan_open(dev: i32): i32 {
  const lower = mvLower[dev];
  if (portPassthru[lower]) {
    if ((mvFlags[dev] & MACVLAN_FLAG_NOPROMISC) == 0) {
      const f = promiscFn;
      if (f != null) { const e = f(lower, 1); if (e < 0) return e; }
    }
  } else {
    if (addrBusy(lower, devMac[dev])) return -EBUSY;
    const f = ucFn;
    if (f != null) f(lower, devMac[dev], 1); // dev_uc_add
  }
  hashAdd(lower, dev);
  return 0;
}

/** macvlan_stop() */
export function macvlan_stop(dev: i32): void {
  const lower = mvLower[dev];
  if (portPassthru[lower]) {
    if ((mvFlags[dev] & MACVLAN_FLAG_NOPROMISC) == 0) { const f = promiscFn; if (f != null) f(lower, -1); }
  } else {
    const f = ucFn;
    if (f != null) f(lower, devMac[dev], -1); // dev_uc_del
  }
  hashDel(lower, dev);
}

/** macvlan_dellink + ndo_uninit: off the port's list; the last one takes the port away. */
export function macvlanUninit(dev: i32): void {
  const lower = mvLower[dev];
  if (lower <= 0 || lower >= portVlans.length) return;
  const l = portVlans[lower];
  const i = l.indexOf(dev);
  if (i >= 0) l.splice(i, 1);
  update_port_bc_queue_len(lower);
  hashDel(lower, dev);
  mvLower[dev] = 0;
  if (l.length == 0 && portOn[lower]) portDestroy(lower);
}

/**
 * macvlan_changelink(): mode 0 = unchanged, flags/bcQueueLen < 0 = not given. Passthru can be neither set nor
 * left (EINVAL); on a passthru port a changed NOPROMISC moves the lower's promiscuity at once, up or not (and
 * fails with EOVERFLOW where that count would come back to 0 going up); the mode is set last.
 */
export function macvlanChangelink(dev: i32, mode: u32, flags: i32, bcQueueLen: i64): i32 {
  if (!netif_is_macvlan(dev)) return -EOPNOTSUPP;
  if (mode != 0) {
    if ((mode == MACVLAN_MODE_PASSTHRU) != (mvMode[dev] == MACVLAN_MODE_PASSTHRU)) return -EINVAL;
  }
  if (flags >= 0) {
    const lower = mvLower[dev];
    if (portPassthru[lower] && ((<u32>flags ^ mvFlags[dev]) & MACVLAN_FLAG_NOPROMISC) != 0) {
      const f = promiscFn;
      if (f != null) {
        const e = f(lower, (<u32>flags & MACVLAN_FLAG_NOPROMISC) != 0 ? -1 : 1);
        if (e < 0) return e;
      }
    }
    mvFlags[dev] = <u32>flags;
  }
  if (bcQueueLen >= 0) {
    mvBcQueueLenReq[dev] = <u32>bcQueueLen;
    update_port_bc_queue_len(mvLower[dev]);
  }
  if (mode != 0) mvMode[dev] = mode;
  return 0;
}

/** macvlan_change_mtu(): not above the lower's. */
export function macvlanChangeMtu(dev: i32, mtu: u32): i32 {
  return mtu > devMtu[mvLower[dev]] ? -EINVAL : 0;
}

/**
 * macvlan_device_event() for the lower device: carrier follows it (NETDEV_UP/DOWN/CHANGE),
 * macvlans above its MTU shrink (NETDEV_CHANGEMTU), and its unregistration takes them with it.
 */
export function macvlanLowerChanged(lower: i32): void {
  if (!netif_is_macvlan_port(lower)) return;
  const l = portVlans[lower];
  for (let i = 0; i < l.length; i++) {
    const v = l[i];
    if (devMtu[v] > devMtu[lower]) { const old = devMtu[v]; devMtu[v] = devMtu[lower]; netdevChangeMtu(v, old); }
    if (devCarrier[v] != devCarrier[lower]) { const f = carrierFn; if (f != null) f(v, devCarrier[lower]); }
  }
}
export function macvlanLowerUnregister(lower: i32): void {
  if (!netif_is_macvlan_port(lower)) return;
  const f = unregisterFn;
  const l = portVlans[lower];
  while (l.length > 0 && f != null) f(l[l.length - 1]);
}
/** macvlan_device_event(NETDEV_FEAT_CHANGE): the macvlans take the lower's TSO limit again. */
export function macvlanLowerFeatures(lower: i32): void {
  if (!netif_is_macvlan_port(lower)) return;
  const l = portVlans[lower];
  for (let i = 0; i < l.length; i++) netif_inherit_tso_max(l[i], lower);
}
/** passthru: the macvlan takes the lower's new address (NETDEV_CHANGEADDR). */
export function macvlanLowerAddr(lower: i32): void {
  if (!netif_is_macvlan_port(lower) || !portPassthru[lower] || portVlans[lower].length == 0) return;
  const v = portVlans[lower][0];
  hashDel(lower, v);
  devMac[v] = devMac[lower];
  if (devIsUp(v)) hashAdd(lower, v);
}
/** macvlan_set_mac_address(): passthru sets the lower's; the others need an address no one on the port has. */
export function macvlanSetMac(dev: i32, mac: u64): i32 {
  const lower = mvLower[dev];
  if (mvMode[dev] == MACVLAN_MODE_PASSTHRU) return 1; // the caller sets the lower's address
  if (addrBusy(lower, mac)) return -EADDRINUSE;
  if (!devIsUp(dev)) return 0;
  // macvlan_sync_address: the lower's unicast list takes the new address, then loses the old one
  const f = ucFn;
  if (f != null) { f(lower, mac, 1); f(lower, devMac[dev], -1); }
  hashDel(lower, dev);
  devMac[dev] = mac;
  hashAdd(lower, dev);
  return 0;
}
