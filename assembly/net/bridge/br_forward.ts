// Forwarding out of bridge ports (net/bridge/br_forward.c): one port
// (br_forward), every port that floods that kind of frame (br_flood), never
// back out of the ingress port unless it is in hairpin mode, never from one
// isolated port to another, only through FORWARDING ports, and only frames the
// egress device can carry (is_skb_forwardable).
import { devIsUp, devMtu } from "../../core/netdevice";
import { skbDev, skbLen, skbPush, skbCopy } from "../../core/skbuff";
import { dev_queue_xmit, dev_core_stats_tx_dropped_inc, ETH_HLEN, VLAN_HLEN } from "../../core/netif";
import {
  kfree_skb, kfree_skb_reason, SKB_DROP_REASON_NOMEM, SKB_DROP_REASON_NO_TX_TARGET, SKB_DROP_REASON_NOT_SPECIFIED,
} from "../../core/dropreason";
import { trace, traceVerdict } from "../../core/trace";
import { TE_BR_DELIVER, TE_DROP, VERDICT_DROP, VERDICT_FORWARD } from "../../core/trace_events";
import {
  brPorts, portState, portFlags, BR_STATE_FORWARDING, BR_HAIRPIN_MODE, BR_ISOLATED, BR_FLOOD, BR_MCAST_FLOOD, BR_BCAST_FLOOD,
} from "./br_private";

export const BR_PKT_UNICAST: u8 = 0, BR_PKT_MULTICAST: u8 = 1, BR_PKT_BROADCAST: u8 = 2;

// Verdicts are about the frame that came in: what the host sends through br0 (local_orig) leaves none.
function brDrop(skb: i32, reason: u16, localOrig: bool): void {
  trace(TE_DROP, reason, 0);
  if (!localOrig) traceVerdict(skb, VERDICT_DROP, reason);
  kfree_skb_reason(skb, reason);
}

/**
 * should_deliver(): not back where it came from (but in hairpin mode), only through a forwarding port, and
 * not between isolated ports (br_skb_isolated). The skb's device is still the ingress port, whose flags give
 * BR_INPUT_SKB_CB(skb)->src_port_isolated (br0 for what the host sends: it is no port, its flags are 0).
 */
function should_deliver(p: i32, skb: i32): bool {
  const fl = portFlags[p];
  const from = skbDev[skb];
  return ((fl & BR_HAIRPIN_MODE) != 0 || from != p) && portState[p] == BR_STATE_FORWARDING &&
    !((fl & BR_ISOLATED) != 0 && (portFlags[from] & BR_ISOLATED) != 0);
}

/** br_dev_queue_push_xmit(): the Ethernet header back on, then the port's dev_queue_xmit. */
function br_dev_queue_push_xmit(skb: i32): void {
  const dev = skbDev[skb];
  skbPush(skb, ETH_HLEN);
  // is_skb_forwardable()
  if (!devIsUp(dev) || skbLen[skb] > devMtu[dev] + ETH_HLEN + VLAN_HLEN) { kfree_skb(skb); return; }
  dev_queue_xmit(skb);
}

/** __br_forward(): out of port `to` (NF_BR_FORWARD or NF_BR_LOCAL_OUT: no rules here). */
function __br_forward(to: i32, skb: i32, clone: bool, localOrig: bool): void {
  trace(TE_BR_DELIVER, <u32>to, clone ? 1 : 0);
  if (!localOrig) traceVerdict(skb, VERDICT_FORWARD, 0);
  skbDev[skb] = to;
  br_dev_queue_push_xmit(skb);
}

/** deliver_clone(): a copy goes out of `to`, the original stays with the caller. */
function deliver_clone(to: i32, skb: i32, localOrig: bool): void {
  const c = skbCopy(skb);
  if (c < 0) { dev_core_stats_tx_dropped_inc(skbDev[skb]); return; }
  __br_forward(to, c, true, localOrig);
}

/**
 * br_forward(): to one port (0: nowhere, the entry has no port); local_rcv keeps the skb for the bridge,
 * local_orig: sent by the host through br0.
 */
export function br_forward(to: i32, skb: i32, localRcv: bool, localOrig: bool): void {
  if (to != 0 && should_deliver(to, skb)) {
    if (localRcv) deliver_clone(to, skb, localOrig);
    else __br_forward(to, skb, false, localOrig);
    return;
  }
  if (!localRcv) brDrop(skb, SKB_DROP_REASON_NOT_SPECIFIED, localOrig);
}

/**
 * br_flood(): out of every port that floods this kind of frame and should_deliver allows, in port-list order
 * (each port but the last gets a clone); local_rcv keeps the skb for the bridge. With flood, mcast_flood or
 * bcast_flood off a port gets no such frames, except multicast and broadcast the host sends through br0.
 */
export function br_flood(br: i32, skb: i32, pktType: u8, localRcv: bool, localOrig: bool): void {
  const ports = brPorts[br];
  const need = pktType == BR_PKT_UNICAST ? BR_FLOOD : pktType == BR_PKT_MULTICAST ? BR_MCAST_FLOOD : BR_BCAST_FLOOD;
  const fromBr = skbDev[skb] == br;
  let prev = 0;
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    if ((portFlags[p] & need) == 0 && (pktType == BR_PKT_UNICAST || !fromBr)) continue;
    if (!should_deliver(p, skb)) continue;
    if (prev != 0) {
      const c = skbCopy(skb);
      if (c < 0) {
        dev_core_stats_tx_dropped_inc(skbDev[skb]);
        if (!localRcv) brDrop(skb, SKB_DROP_REASON_NOMEM, localOrig);
        return;
      }
      __br_forward(prev, c, true, localOrig);
    }
    prev = p;
  }
  if (prev == 0) {
    if (!localRcv) brDrop(skb, SKB_DROP_REASON_NO_TX_TARGET, localOrig);
    return;
  }
  if (localRcv) deliver_clone(prev, skb, localOrig);
  else __br_forward(prev, skb, false, localOrig);
}
