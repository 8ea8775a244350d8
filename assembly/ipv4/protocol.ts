// net/ipv4/ip_input.c ip_protocol_deliver_rcu(): the transport protocols of
// locally delivered packets (ICMP, UDP, TCP, raw, unknown -> 3/2).
// CONTRACT: called by ip_local_deliver with skb data at the IP header of a
// whole (reassembled) packet; takes the skb.
export function ip_protocol_deliver(skb: i32, proto: u8): void {}
