// net/ipv4/ip_output.c: locally generated packets out (ip_local_out), the
// output path (ip_output, ip_finish_output2 via the neighbour) and ip_fragment.
// CONTRACT (filled in by the packet-path work): skb data starts at a complete
// IPv4 header whose saddr/daddr/protocol/ttl/tos are set; ip_local_out sets
// tot_len, id and the header checksum, makes the output route decision
// (ipRouteOutput) unless the caller routed it, and transmits it. It always
// takes the skb (frees or sends it) and returns 0 or -errno.
export function ip_local_out(skb: i32): i32 {
  return -95; // EOPNOTSUPP until implemented
}
