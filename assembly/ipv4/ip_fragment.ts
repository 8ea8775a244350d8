// net/ipv4/ip_fragment.c: reassembly of fragments addressed to us (ip_defrag).
// CONTRACT: takes a fragment skb (data at the IP header); returns the skb of
// the whole datagram when this fragment completed one, else -1 (queued or
// dropped with a reason). Uses the box's virtual time for ipfrag_time.
export function ip_defrag(skb: i32): i32 { return skb; }
