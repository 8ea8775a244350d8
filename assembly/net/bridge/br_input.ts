// Frames received on a bridge port (net/bridge/br_input.c): br_handle_frame
// is the port's rx_handler. It learns the source, then by destination:
// a local fdb entry → up the stack of the bridge device (br_pass_frame_up:
// netif_receive_skb again, on br0); a learnt port → forwarded there;
// unknown unicast, multicast, broadcast → flooded (and a copy up for
// broadcast/multicast, or everything when br0 is promiscuous). Link-local
// 01:80:c2:00:00:0X with STP off: STP BPDUs (…:00) are flooded, PAUSE
// (…:01) dropped, the groups in group_fwd_mask flooded, the rest go up the
// port's own stack.
import { devMac, is_valid_ether_addr } from "../../core/netdevice";
import { devGetPromiscuity } from "../../core/dev";
import { skbDev, skbLen, skbMacPtr, skbPktType, PACKET_HOST } from "../../core/skbuff";
import { netif_receive_skb, RX_HANDLER_CONSUMED, RX_HANDLER_PASS } from "../../core/netif";
import {
  kfree_skb_reason, SKB_DROP_REASON_MAC_INVALID_SOURCE, SKB_DROP_REASON_MAC_IEEE_MAC_CONTROL,
  SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE,
} from "../../core/dropreason";
import { trace, traceVerdict } from "../../core/trace";
import {
  TE_BR_HANDLE_FRAME, TE_BR_FDB, TE_BR_PASS_UP, TE_BR_LEARN, TE_BR_LINK_LOCAL, TE_DROP, VERDICT_DROP,
  BR_DECIDE_FLOOD, BR_DECIDE_FORWARD, BR_DECIDE_LOCAL,
} from "../../core/trace_events";
import { clockNow } from "../../hw/clock";
import {
  portMaster, portState, portFlags, BR_LEARNING, brRxPackets, brRxBytes, brMulticast, brGroupFwdMask, BR_STATE_FORWARDING, BR_STATE_LEARNING, BR_STATE_DISABLED,
} from "./br_private";
import { br_fdb_find, br_fdb_update, fDst, fFlags, fUsed, BR_FDB_LOCAL } from "./br_fdb";
import { br_forward, br_flood, BR_PKT_UNICAST, BR_PKT_MULTICAST, BR_PKT_BROADCAST } from "./br_forward";

export function macAt(p: usize): u64 {
  return (<u64>load<u8>(p) << 40) | (<u64>load<u8>(p, 1) << 32) | (<u64>load<u8>(p, 2) << 24) |
    (<u64>load<u8>(p, 3) << 16) | (<u64>load<u8>(p, 4) << 8) | <u64>load<u8>(p, 5);
}

function drop(skb: i32, reason: u16): i32 {
  trace(TE_DROP, reason, 0);
  traceVerdict(skb, VERDICT_DROP, reason);
  kfree_skb_reason(skb, reason);
  return RX_HANDLER_CONSUMED;
}

/** br_pass_frame_up(): counted on the bridge device, then received again there. */
export function br_pass_frame_up(skb: i32, br: i32): void {
  brRxPackets[br]++;
  brRxBytes[br] += skbLen[skb];
  trace(TE_BR_PASS_UP, <u32>br, skbLen[skb]);
  skbDev[skb] = br;
  netif_receive_skb(skb);
}

/** br_fdb_update() when the port learns (BR_LEARNING) in a state that learns (nbp_state_should_learn) */
function learn(br: i32, port: i32, src: u64): void {
  if ((portFlags[port] & BR_LEARNING) == 0) return;
  const st = portState[port];
  if (st != BR_STATE_LEARNING && st != BR_STATE_FORWARDING) return;
  const r = br_fdb_update(br, port, src);
  if (r != 0) trace(TE_BR_LEARN, <u32>port, r);
}

/** br_handle_frame_finish(): learning, then the fdb decision. */
function br_handle_frame_finish(skb: i32, port: i32, br: i32, dst: u64, src: u64): i32 {
  if (portState[port] == BR_STATE_DISABLED) return drop(skb, SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE);
  learn(br, port, src);
  // a LEARNING port learns but forwards nothing
  if (portState[port] == BR_STATE_LEARNING) return drop(skb, SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE);
  // IFF_PROMISC of br0: its promiscuity count (the user's, a packet socket's, or uc addresses such as a macvlan's)
  let localRcv = devGetPromiscuity(br) != 0;
  if (dst & 0x010000000000) {
    // no querier, no mdb entry: multicast is flooded like broadcast, and a copy goes up
    localRcv = true;
    const bcast = dst == 0xffffffffffff;
    if (!bcast) brMulticast[br]++;
    trace(TE_BR_FDB, BR_DECIDE_FLOOD, 0);
    br_flood(br, skb, bcast ? BR_PKT_BROADCAST : BR_PKT_MULTICAST, localRcv, false);
  } else {
    const f = br_fdb_find(br, dst);
    if (f >= 0) {
      if (fFlags[f] & BR_FDB_LOCAL) {
        trace(TE_BR_FDB, BR_DECIDE_LOCAL, <u32>fDst[f]);
        br_pass_frame_up(skb, br);
        return RX_HANDLER_CONSUMED;
      }
      fUsed[f] = clockNow();
      trace(TE_BR_FDB, BR_DECIDE_FORWARD, <u32>fDst[f]);
      br_forward(fDst[f], skb, localRcv, false);
    } else {
      trace(TE_BR_FDB, BR_DECIDE_FLOOD, 0);
      br_flood(br, skb, BR_PKT_UNICAST, localRcv, false);
    }
  }
  if (localRcv) br_pass_frame_up(skb, br);
  return RX_HANDLER_CONSUMED;
}

/** br_handle_frame(): the rx_handler of every bridge port. */
export function br_handle_frame(skb: i32): i32 {
  const port = skbDev[skb];
  const br = portMaster[port];
  trace(TE_BR_HANDLE_FRAME, <u32>port, <u32>br);
  const m = skbMacPtr(skb);
  const dst = macAt(m), src = macAt(m + 6);
  if (!is_valid_ether_addr(src)) return drop(skb, SKB_DROP_REASON_MAC_INVALID_SOURCE);
  if ((dst & ~(<u64>0xf)) == 0x0180c2000000) {
    const low = <u32>(dst & 0xf);
    if (low == 1) return drop(skb, SKB_DROP_REASON_MAC_IEEE_MAC_CONTROL);
    // a group whose bit is in group_fwd_mask is forwarded like the bridge group address
    if (low != 0 && (<u32>brGroupFwdMask[br] & (1 << low)) == 0) {
      // __br_handle_local_finish: learnt, then up the port's own stack
      trace(TE_BR_LINK_LOCAL, low, 0);
      learn(br, port, src);
      return RX_HANDLER_PASS;
    }
    // the bridge group address with STP off (kept for loop detection), or a group in group_fwd_mask: forwarded
    trace(TE_BR_LINK_LOCAL, low, 1);
  }
  const st = portState[port];
  if (st != BR_STATE_FORWARDING && st != BR_STATE_LEARNING) return drop(skb, SKB_DROP_REASON_BRIDGE_INGRESS_STP_STATE);
  if (dst == devMac[br]) skbPktType[skb] = PACKET_HOST;
  return br_handle_frame_finish(skb, port, br, dst, src);
}
