// Multipath routes: which nexthop a flow takes. fib_multipath_hash() (net/ipv4/route.c)
// with __flow_hash_from_keys() (net/core/flow_dissector.c) over struct flow_keys, and
// fib_select_multipath() (net/ipv4/fib_semantics.c) against the upper bounds
// fib_rebalance() gave the nexthops (fib_table.ts).
import { siphash } from "../lib/siphash";
import { inetSelectAddr } from "./devinet";
import { aNhNext, aNhUpper, aOif, aGw, aScope, aNhScope, aNhId, RT_SCOPE_LINK } from "./fib_table";
import { neighState, NUD_VALID } from "./arp";
import { fibMultipathHashSeed, fibMultipathHashPolicy, fibMultipathUseNeigh } from "./sysctl_net_ipv4";
import { flowDissectPorts } from "./flow";

/**
 * struct flow_keys from its hashed part on (FLOW_KEYS_HASH_OFFSET, 8 bytes of flow_dissector_key_control
 * before it): basic (n_proto, ip_proto, padding) @0, tags @4, vlan @8, cvlan @16, keyid @24,
 * ports (src, dst) @28, icmp @32, addrs @36 (v4: src, dst). flow_keys_hash_length() for IPv4
 * addresses is sizeof(struct flow_keys) - 8 - (sizeof addrs - sizeof v4addrs) = 80 - 8 - 24 = 48.
 */
const KEYS_LEN: i32 = 48;
const keys = memory.data(KEYS_LEN, 8);
const K_PROTO: usize = 2, K_SPORT: usize = 28, K_DPORT: usize = 30, K_SRC: usize = 36, K_DST: usize = 40;

/**
 * The siphash key when fib_multipath_hash_seed is 0. Linux then uses a random seed drawn once per boot
 * (proc_fib_multipath_hash_rand_seed); netpath is deterministic, so it uses this fixed one instead
 * (a model choice: a kernel with seed 0 picks other nexthops, and differently after every boot).
 */
export const NETPATH_RAND_SEED: u32 = 0x6e657470;

/** __flow_hash_from_keys() with fib_multipath_hash_construct_key(): the seed, twice, in both key halves */
function flowHashFromKeys(): u32 {
  // __flow_hash_consistentify(): the lower address (and port), as the CPU reads the wire bytes, first
  if (load<u32>(keys + K_DST) < load<u32>(keys + K_SRC)) {
    const t = load<u32>(keys + K_SRC); store<u32>(keys + K_SRC, load<u32>(keys + K_DST)); store<u32>(keys + K_DST, t);
  }
  if (load<u16>(keys + K_DPORT) < load<u16>(keys + K_SPORT)) {
    const t = load<u16>(keys + K_SPORT); store<u16>(keys + K_SPORT, load<u16>(keys + K_DPORT)); store<u16>(keys + K_DPORT, t);
  }
  const seed = fibMultipathHashSeed != 0 ? fibMultipathHashSeed : NETPATH_RAND_SEED;
  const k = (<u64>seed << 32) | <u64>seed;
  const h = <u32>siphash(keys, KEYS_LEN, k, k);
  return h != 0 ? h : 1;
}

/**
 * fib_multipath_hash(): the flow's hash (31 bits). src/dst, proto and ports are the packet's (or the flow's
 * when no packet, as for a local socket); l3src/l3dst the addresses ip_multipath_l3_keys() takes for a
 * forwarded packet (those of the offending packet an ICMP error quotes), else src/dst.
 */
export function fibMultipathHash(src: u32, dst: u32, l3src: u32, l3dst: u32, proto: u32, sport: u32, dport: u32): i32 {
  memory.fill(keys, 0, KEYS_LEN);
  const policy = fibMultipathHashPolicy;
  if (policy == 0) { src = l3src; dst = l3dst; }
  else if (policy == 1) {
    store<u8>(keys + K_PROTO, <u8>proto);
    store<u16>(keys + K_SPORT, bswap<u16>(<u16>sport));
    store<u16>(keys + K_DPORT, bswap<u16>(<u16>dport));
  }
  store<u32>(keys + K_SRC, bswap<u32>(src));
  store<u32>(keys + K_DST, bswap<u32>(dst));
  return <i32>(flowHashFromKeys() >>> 1);
}

/**
 * ip_multipath_l3_keys(): an ICMP error (icmp_is_err(), not a later fragment) whose ICMP header and quoted IP
 * header lie in the packet at `iph` (header `hlen`, `len` bytes) is keyed by the quoted packet's addresses.
 * Returns the quoted IP header, or 0 when the packet's own addresses are the keys.
 */
export function icmpErrQuoted(iph: usize, hlen: u32, len: u32): usize {
  if (load<u8>(iph, 9) != 1 || (load<u16>(iph, 6) & 0xff1f) != 0 || len < hlen + 28) return 0;
  const t = <u32>load<u8>(iph + hlen);
  return t == 3 || t == 4 || t == 5 || t == 11 || t == 12 ? iph + hlen + 8 : 0;
}

/**
 * fib_multipath_hash() given a packet (skb) rather than only a flow: the keys come from the IPv4 packet at
 * `iph`, `len` bytes from its header on. Policy 0: the addresses ip_multipath_l3_keys() takes (for an ICMP
 * error, those of the packet it quotes); policy 1: the addresses, protocol and ports the flow dissector
 * finds (skb_flow_dissect_flow_keys, no ports for a fragment); policy 2: the dissector's addresses. The
 * callers that pass one: icmp_route_lookup() (the offending packet skb_in) and inet_rtm_getroute() (the
 * packet inet_rtm_getroute_build_skb() made).
 */
export function fibMultipathHashSkb(iph: usize, len: u32): i32 {
  const hlen = (<u32>load<u8>(iph) & 15) << 2;
  const proto = <u32>load<u8>(iph, 9);
  const src = bswap<u32>(load<u32>(iph, 12)), dst = bswap<u32>(load<u32>(iph, 16));
  const q = icmpErrQuoted(iph, hlen, len);
  const l3src = q != 0 ? bswap<u32>(load<u32>(q, 12)) : src, l3dst = q != 0 ? bswap<u32>(load<u32>(q, 16)) : dst;
  const ports = flowDissectPorts(iph, hlen, len);
  return fibMultipathHash(src, dst, l3src, l3dst, proto, ports >>> 16, ports & 0xffff);
}

/** fib_good_nh(): with fib_multipath_use_neigh, a gateway whose neighbour entry is not valid is passed over */
function goodNhNeigh(nh: i32): bool {
  if (<i32>aNhScope[nh] != RT_SCOPE_LINK) return true;
  const st = neighState(aOif[nh], aGw[nh]);
  return st < 0 || (<u8>st & NUD_VALID) != 0; // no entry counts as NUD_REACHABLE
}

/**
 * nexthop_select_path_hthr() (net/ipv4/nexthop.c), as fib_select_multipath() calls it for a route using a
 * nexthop group: the first entry whose neighbour is not known bad (nexthop_is_good_nh(), whatever
 * fib_multipath_use_neigh says) and whose bound covers the hash; else the first good entry, else the first.
 * The entries are the route's nexthops, their bounds from fib_rebalance() (nh_hthr_group_rebalance()'s sums).
 */
function nexthopSelectPathHthr(a: i32, hash: i32): i32 {
  let first = -1;
  for (let nh = a; nh >= 0; nh = unchecked(aNhNext[nh])) {
    const st = neighState(aOif[nh], aGw[nh]);
    if (st >= 0 && (<u8>st & NUD_VALID) == 0) continue;
    if (first < 0) first = nh;
    if (hash <= unchecked(aNhUpper[nh])) return nh;
  }
  return first >= 0 ? first : a;
}

/**
 * fib_select_multipath(): the nexthop of route a for the hash. Nexthops with no traffic share (upper bound -1)
 * are passed over; one whose source address (nh_saddr) is the flow's saddr is preferred, then one whose
 * bound covers the hash, the first of the best kind. `cur`, the lookup's nexthop, stays when none qualifies.
 */
export function fibSelectMultipath(a: i32, cur: i32, hash: i32, saddr: u32): i32 {
  if (unchecked(aNhId[a]) != 0) return nexthopSelectPathHthr(a, hash);
  let score = -1;
  let sel = cur;
  for (let nh = a; nh >= 0; nh = unchecked(aNhNext[nh])) {
    const upper = unchecked(aNhUpper[nh]);
    if (upper == -1 || (fibMultipathUseNeigh != 0 && !goodNhNeigh(nh))) continue;
    let s = 0;
    if (saddr != 0 && inetSelectAddr(aOif[nh], aGw[nh], <i32>aScope[a]) == saddr) s += 2;
    if (hash <= upper) s++;
    if (score < s) {
      sel = nh;
      if (s == 3 || (saddr == 0 && s == 1)) return sel;
      score = s;
    }
  }
  return sel;
}
