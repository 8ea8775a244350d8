// IPv6 receive in a box whose devices all have IPv6 disabled
// (net.ipv6.conf.*.disable_ipv6=1, as in the differential tests' kernels):
// netpath has no IPv6 stack, but the kernel's ipv6_rcv is still registered for
// ETH_P_IPV6, so such frames are the IPv6 layer's drops (IPV6DISABLED), not
// unhandled protocols counted in the device's rx_dropped.

import { NET_RX_DROP, dev_add_pack, ETH_P_IPV6 } from "../core/netif";
import { skbPktType, PACKET_OTHERHOST } from "../core/skbuff";
import { SKB_DROP_REASON_OTHERHOST, SKB_DROP_REASON_IPV6DISABLED } from "../core/dropreason";
import { ipDrop } from "../ipv4/ip_input";

/** ipv6_rcv(): ip6_rcv_core drops everything, as for a device with disable_ipv6 set. */
export function ipv6_rcv(skb: i32, dev: i32, origDev: i32): i32 {
  ipDrop(skb, unchecked(skbPktType[skb]) == PACKET_OTHERHOST ? SKB_DROP_REASON_OTHERHOST : SKB_DROP_REASON_IPV6DISABLED);
  return NET_RX_DROP;
}

/** dev_add_pack(ETH_P_IPV6, ipv6_rcv) (inet6_init) */
export function ipv6Init(): void {
  dev_add_pack(ETH_P_IPV6, ipv6_rcv);
}
