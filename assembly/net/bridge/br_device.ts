// The bridge device itself (net/bridge/br_device.c): creation, open/stop,
// br_dev_xmit (what the host sends through br0 is forwarded by the fdb or
// flooded, like a frame from a port), and its software counters.
import { devCarrier, devIsUp, devMtu } from "../../core/netdevice";
import { inDevExists } from "../../ipv4/devinet";
import { ip_mc_inc_group, ip_mc_dec_group } from "../../ipv4/igmp";
import { skbDev, skbLen, skbDataPtr, skbPull } from "../../core/skbuff";
import { netdevOpsRegister, ETH_HLEN, NETDEV_TX_OK, ST_RX_PACKETS, ST_RX_BYTES, ST_TX_PACKETS, ST_TX_BYTES, ST_MULTICAST } from "../../core/netif";
import { dev_mc_add, dev_mc_del } from "../../core/dev_addr_lists";
import { trace } from "../../core/trace";
import { TE_BR_XMIT, TE_BR_FDB, BR_DECIDE_FLOOD, BR_DECIDE_FORWARD } from "../../core/trace_events";
import { KIND_BRIDGE } from "../../core/netdevice";
import { devMac } from "../../core/netdevice";
import { clockNow } from "../../hw/clock";
import {
  brEnsure, brIsBridge, brGcAt, brMcastSnooping, brSnoopers6, brMacByUser, brRxPackets, brRxBytes, brTxPackets, brTxBytes, brMulticast, isBridge,
} from "./br_private";
import { fdb_add_local, br_fdb_find, br_fdb_delete_bridge, fDst, fUsed } from "./br_fdb";
import { br_forward, br_flood, BR_PKT_UNICAST, BR_PKT_MULTICAST, BR_PKT_BROADCAST } from "./br_forward";
import { br_stp_enable_bridge, br_stp_disable_bridge, br_dev_delete, br_port_state_selection } from "./br_if";
import { macAt } from "./br_input";
import { br_stp_llc_init } from "./br_stp_bpdu";

// the groups multicast snooping joins for multicast-router discovery (224.0.0.106, ff02::6a)
const INADDR_ALLSNOOPERS_GROUP: u32 = 0xe000006a, MC_ALLSNOOPERS6: u64 = 0x33330000006a;

/** br_dev_xmit(): counted, then to the port the fdb names, or flooded. */
function br_dev_xmit(skb: i32, br: i32): i32 {
  brTxPackets[br]++;
  brTxBytes[br] += skbLen[skb];
  trace(TE_BR_XMIT, <u32>br, skbLen[skb]);
  const dst = macAt(skbDataPtr(skb));
  skbPull(skb, ETH_HLEN);
  if (dst & 0x010000000000) {
    trace(TE_BR_FDB, BR_DECIDE_FLOOD, 0);
    br_flood(br, skb, dst == 0xffffffffffff ? BR_PKT_BROADCAST : BR_PKT_MULTICAST, false, true);
    return NETDEV_TX_OK;
  }
  const f = br_fdb_find(br, dst);
  if (f >= 0) {
    fUsed[f] = clockNow();
    trace(TE_BR_FDB, BR_DECIDE_FORWARD, <u32>fDst[f]);
    br_forward(fDst[f], skb, false, true);
  } else {
    trace(TE_BR_FDB, BR_DECIDE_FLOOD, 0);
    br_flood(br, skb, BR_PKT_UNICAST, false, true);
  }
  return NETDEV_TX_OK;
}

/** br_get_stats64(): dev->stats (multicast) plus the per-cpu tstats. */
function br_get_stats64(dev: i32, s: StaticArray<u64>): void {
  s[ST_RX_PACKETS] = brRxPackets[dev]; s[ST_RX_BYTES] = brRxBytes[dev];
  s[ST_TX_PACKETS] = brTxPackets[dev]; s[ST_TX_BYTES] = brTxBytes[dev];
  s[ST_MULTICAST] = brMulticast[dev];
}

let opsRegistered = false;

/** br_dev_setup() + br_dev_init() for a registered bridge device: carrier on, its own address in the fdb. */
export function br_dev_init(br: i32, macGiven: bool): void {
  if (!opsRegistered) { netdevOpsRegister(KIND_BRIDGE, br_dev_xmit, br_get_stats64); opsRegistered = true; }
  br_stp_llc_init();
  brEnsure(br);
  brIsBridge[br] = true;
  // an address given at creation is NET_ADDR_SET: ports never change it
  brMacByUser[br] = macGiven;
  devCarrier[br] = true;
  fdb_add_local(br, 0, devMac[br]);
  // br_dev_newlink with IFLA_ADDRESS: br_stp_change_bridge_id selects port states: no port, no carrier
  if (macGiven) br_port_state_selection(br);
}

/**
 * br_multicast_join_snoopers(): the IPv4 group through IGMP (reported like any other), the IPv6 one's
 * address if the bridge has an inet6_dev (an MTU of 1280 or more)
 */
function joinSnoopers(br: i32): void {
  if (inDevExists(br)) ip_mc_inc_group(br, INADDR_ALLSNOOPERS_GROUP);
  if (devMtu[br] >= 1280) { dev_mc_add(br, MC_ALLSNOOPERS6); brSnoopers6[br] = true; }
}
function leaveSnoopers(br: i32): void {
  if (inDevExists(br)) ip_mc_dec_group(br, INADDR_ALLSNOOPERS_GROUP);
  br_ipv6_snoopers_gone(br);
}

/** The bridge's IPv6 groups go (its inet6_dev went below IPV6_MIN_MTU, or snooping stopped); nothing joins them again until then. */
export function br_ipv6_snoopers_gone(br: i32): void {
  if (!isBridge(br) || !brSnoopers6[br]) return;
  dev_mc_del(br, MC_ALLSNOOPERS6);
  brSnoopers6[br] = false;
}

/** br_dev_open(): multicast snooping joins its groups, ports start, the fdb gc runs in 100 ms. */
export function br_dev_open(br: i32): void {
  brGcAt[br] = clockNow() + 100_000_000;
  if (brMcastSnooping[br]) joinSnoopers(br);
  br_stp_enable_bridge(br);
}

/** br_dev_stop() */
export function br_dev_stop(br: i32): void {
  brGcAt[br] = 0;
  br_stp_disable_bridge(br);
  if (brMcastSnooping[br]) leaveSnoopers(br);
}

/** br_multicast_toggle(): a running bridge joins or leaves the snoopers' groups at once */
export function br_multicast_toggle(br: i32, on: bool): void {
  if (brMcastSnooping[br] == on) return;
  brMcastSnooping[br] = on;
  if (!devIsUp(br)) return;
  if (on) joinSnoopers(br); else leaveSnoopers(br);
}

/** br_dev_delete() before unregistering: the ports are released, the fdb emptied. */
export function br_dev_uninit(br: i32): void {
  if (!isBridge(br)) return;
  br_dev_delete(br);
  br_fdb_delete_bridge(br);
  brIsBridge[br] = false;
}
