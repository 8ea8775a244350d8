// net/ipv4/icmp.c: ICMP errors about a received packet (icmp_send, with the
// kernel's rules and rate limits) and ICMP input (icmp_rcv: echo, errors).
// CONTRACT: icmp_send(skbIn, type, code, info) never takes skbIn (the caller
// still owns and drops it); it builds the error in a new skb and sends it with
// ip_local_out. `info` is the next-hop MTU for 3/4, the gateway for redirects.
export function icmp_send(skbIn: i32, type: u8, code: u8, info: u32): void {}
