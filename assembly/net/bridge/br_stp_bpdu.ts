// The bridge module brings the LLC layer with it (bridge → stp → llc): once
// loaded, llc_rcv is the ETH_P_802_2 handler on every device. With STP off
// nothing consumes a BPDU: br_stp_rcv (net/bridge/br_stp_bpdu.c) frees one
// that did not arrive on a port in the listening..forwarding states, and
// llc_rcv frees any other 802.2 frame without a SAP. Either way the frame is
// gone without a counter, where a device without the handler would count it
// in rx_dropped (an STP BPDU flooded by a bridge also goes up br0).
import { ETH_P_802_2, NET_RX_DROP, dev_add_pack } from "../../core/netif";
import { kfree_skb_reason, SKB_DROP_REASON_NOT_SPECIFIED } from "../../core/dropreason";
import { trace, traceVerdict } from "../../core/trace";
import { TE_DROP, VERDICT_DROP } from "../../core/trace_events";

let llcLoaded = false;

function llc_rcv(skb: i32, dev: i32, origDev: i32): i32 {
  trace(TE_DROP, SKB_DROP_REASON_NOT_SPECIFIED, ETH_P_802_2);
  traceVerdict(skb, VERDICT_DROP, SKB_DROP_REASON_NOT_SPECIFIED);
  kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return NET_RX_DROP;
}

/** stp_proto_register() → llc_add_pack(): once, when the first bridge is created (the module loads). */
export function br_stp_llc_init(): void {
  if (llcLoaded) return;
  llcLoaded = true;
  dev_add_pack(ETH_P_802_2, llc_rcv);
}
