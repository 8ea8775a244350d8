// net/ipv4/ip_input.c ip_protocol_deliver_rcu(): the transport protocols of
// locally delivered packets (ICMP, UDP, TCP, IGMP; no raw sockets), anything
// else → IpInUnknownProtos + ICMP protocol unreachable (3/2).
// CONTRACT: called by ip_local_deliver with skb data at the IP header of a
// whole (reassembled) packet; takes the skb.

import { ipDrop } from "./ip_input";
import { SKB_DROP_REASON_IP_NOPROTO } from "../core/dropreason";
import { mibInc, MIB_IpInDelivers, MIB_IpInUnknownProtos } from "./snmp";
import { icmp_rcv, icmp_send, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH } from "./icmp";
import { udp_rcv } from "./udp";
import { tcp_v4_rcv } from "./tcp_ipv4";
import { igmp_rcv } from "./igmp";

export function ip_protocol_deliver(skb: i32, proto: u8): void {
  switch (proto) {
    case 1: icmp_rcv(skb); break;
    case 6: tcp_v4_rcv(skb); break;
    case 17: udp_rcv(skb); break;
    case 2: igmp_rcv(skb); break;
    default:
      mibInc(MIB_IpInUnknownProtos);
      icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH, 0);
      ipDrop(skb, SKB_DROP_REASON_IP_NOPROTO);
      return;
  }
  mibInc(MIB_IpInDelivers);
}

