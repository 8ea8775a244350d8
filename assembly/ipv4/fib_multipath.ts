// Multipath routes: which nexthop a flow takes. fib_multipath_hash() (net/ipv4/route.c)
// with __flow_hash_from_keys() (net/core/flow_dissector.c) over struct flow_keys, and
// fib_select_multipath() (net/ipv4/fib_semantics.c) against the upper bounds
// fib_rebalance() gave the nexthops (fib_table.ts).
import { siphash } from "../lib/siphash";
import { inetSelectAddr } from "./devinet";
import { aNhNext, aNhUpper, aOif, aGw, aScope, aNhScope, aNhId, RT_SCOPE_LINK } from "./fib_table";
import { neighState, NUD_VALID } from "./arp";
import { fibMultipathHashSeed, fibMultipathHashPolicy, fibMultipathHashFields, fibMultipathUseNeigh } from "./sysctl_net_ipv4";
import { flowDissectPorts } from "./flow";
import { nexthopFind } from "./nexthop";
import { nhResIs, nexthopSelectPathRes } from "./nexthop_res";

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
 * fib_multipath_hash_from_keys() of a struct flow_keys holding only these (IPv4 addresses): the addresses and
 * ports as the packet carries them (a u32 load of its bytes), ip_proto.
 */
function hashKeys(src: u32, dst: u32, proto: u32, ports: u32): u32 {
  memory.fill(keys, 0, KEYS_LEN);
  store<u8>(keys + K_PROTO, <u8>proto);
  store<u32>(keys + K_SPORT, ports);
  store<u32>(keys + K_SRC, src);
  store<u32>(keys + K_DST, dst);
  return flowHashFromKeys();
}

/** struct flow_dissector_key_ports from the ports as numbers: source then destination, each big-endian, as a u32 load reads them */
// @ts-ignore: decorator
@inline function wirePorts(sport: u32, dport: u32): u32 { return <u32>bswap<u16>(<u16>sport) | (<u32>bswap<u16>(<u16>dport) << 16); }

// FIB_MULTIPATH_HASH_FIELD_* (include/net/ip_fib.h): the bits of net.ipv4.fib_multipath_hash_fields
const F_SRC_IP: u32 = 1, F_DST_IP: u32 = 2, F_IP_PROTO: u32 = 4, F_SRC_PORT: u32 = 0x10, F_DST_PORT: u32 = 0x20;
const F_OUTER_MASK: u32 = 0x3f, F_INNER_MASK: u32 = 0xfc0;

/** the keys that fields (FIB_MULTIPATH_HASH_FIELD_* of one header, shifted down to the outer bits) select, hashed */
function customHashKeys(fields: u32, src: u32, dst: u32, proto: u32, ports: u32): u32 {
  return hashKeys(fields & F_SRC_IP ? src : 0, fields & F_DST_IP ? dst : 0, fields & F_IP_PROTO ? proto : 0,
    (fields & F_SRC_PORT ? ports & 0xffff : 0) | (fields & F_DST_PORT ? ports & 0xffff0000 : 0));
}

/**
 * fib_multipath_hash() without an skb, of the flow (fl4): policy 0 and 2 its addresses, 1 with its protocol and
 * ports, 3 the fields fib_multipath_hash_fields picks (fib_multipath_custom_hash_fl4(); the outer ones only,
 * 0 when none of those is set). The hash is 31 bits.
 */
export function fibMultipathHash(src: u32, dst: u32, proto: u32, sport: u32, dport: u32): i32 {
  const policy = fibMultipathHashPolicy;
  const s = bswap<u32>(src), d = bswap<u32>(dst);
  let h: u32;
  if (policy == 3) {
    h = (fibMultipathHashFields & F_OUTER_MASK) != 0 ? customHashKeys(fibMultipathHashFields, s, d, proto, wirePorts(sport, dport)) : 0;
  } else {
    h = policy == 1 ? hashKeys(s, d, proto, wirePorts(sport, dport)) : hashKeys(s, d, 0, 0);
  }
  return <i32>(h >>> 1);
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

/** whether the multipath hash of the packet at iph (0: none, the flow's) is keyed by (saddr, daddr) under policy 0 */
export function multipathL3KeysOwn(iph: usize, len: u32, saddr: u32, daddr: u32): bool {
  if (iph == 0) return true;
  const q = icmpErrQuoted(iph, (<u32>load<u8>(iph) & 15) << 2, len);
  const k = q != 0 ? q : iph;
  return bswap<u32>(load<u32>(k, 12)) == saddr && bswap<u32>(load<u32>(k, 16)) == daddr;
}

// What __skb_flow_dissect() (net/core/flow_dissector.c) leaves in the struct flow_keys of an IPv4 packet for
// skb_flow_dissect_flow_keys(): the addresses (as the packet carries them), ip_proto and ports of the last
// IPv4 header it reached, and FLOW_DIS_ENCAPSULATION.
let dkSrc: u32 = 0, dkDst: u32 = 0, dkProto: u32 = 0, dkPorts: u32 = 0;
let dkEncap = false;
/** MAX_FLOW_DISSECT_HDRS: how many times skb_flow_dissect_allowed() lets the dissector start on a header again */
const MAX_FLOW_DISSECT_HDRS = 15;
const GRE_CSUM: u32 = 0x8000, GRE_ROUTING: u32 = 0x4000, GRE_KEY: u32 = 0x2000, GRE_SEQ: u32 = 0x1000, GRE_ACK: u32 = 0x0080;
const GRE_VERSION: u32 = 7, GRE_PROTO_PPP: u32 = 0x880b, PPP_IP: u16 = 0x21;
const ETH_P_IP: u32 = 0x0800, ETH_P_TEB: u32 = 0x6558;

/**
 * __skb_flow_dissect() with the flow_keys dissector from the IPv4 header at `iph` (`len` bytes from it on).
 * Each IPv4 header (FLOW_DISSECT_RET_PROTO_AGAIN) gives the addresses and ip_proto; a fragment ends there
 * without ports. IPPROTO_IPIP and GRE (__skb_flow_dissect_gre(): version 0 without routing, past its checksum,
 * key and sequence number, an ETH_P_TEB payload past its Ethernet header) set FLOW_DIS_ENCAPSULATION and,
 * unless stopAtEncap (FLOW_DISSECTOR_F_STOP_AT_ENCAP), go on into the payload when it is IPv4; any other
 * payload, or a header cut short, ends it (out_bad: the keys of the header before). The ports of the last
 * header reached are __skb_flow_get_ports()'s (flowDissectPorts). Not modelled: IPv6 inside (IPPROTO_IPV6,
 * a GRE, TEB or PPP payload of IPv6: the kernel then hashes IPv6 keys), VLAN, MPLS and PPPoE inside GRE;
 * the dissection ends at those as at a payload it does not know.
 */
function flowDissect(iph: usize, len: u32, stopAtEncap: bool): void {
  dkEncap = false; dkPorts = 0;
  let off: u32 = 0;
  for (let hdrs = 0; ; hdrs++) {
    // case htons(ETH_P_IP): the header, the addresses, ip_proto; a fragment stops (no FLOW_DISSECTOR_F_PARSE_1ST_FRAG)
    if (len < off + 20) return;
    const p = iph + off;
    const hlen = (<u32>load<u8>(p) & 15) << 2;
    if (hlen < 20) return;
    dkSrc = load<u32>(p, 12); dkDst = load<u32>(p, 16); dkProto = <u32>load<u8>(p, 9);
    if ((load<u8>(p, 6) & 0x3f) != 0 || load<u8>(p, 7) != 0) return;
    const ports = flowDissectPorts(p, hlen, len - off);
    dkPorts = wirePorts(ports >>> 16, ports & 0xffff);
    off += hlen;
    if (dkProto == 4) {
      dkEncap = true;
      if (stopAtEncap || hdrs >= MAX_FLOW_DISSECT_HDRS) return;
    } else if (dkProto == 47) {
      if (len < off + 4) return;
      const flags = <u32>bswap<u16>(load<u16>(iph + off));
      let proto = <u32>bswap<u16>(load<u16>(iph + off, 2));
      const ver = flags & GRE_VERSION;
      if ((flags & GRE_ROUTING) != 0 || ver > 1) return;
      // version 1 must be PPTP: PPP with a key
      if (ver == 1 && (proto != GRE_PROTO_PPP || (flags & GRE_KEY) == 0)) return;
      let g: u32 = 4;
      if (flags & GRE_CSUM) g += 4;
      if (flags & GRE_KEY) { if (len < off + g + 4) return; g += 4; }
      if (flags & GRE_SEQ) g += 4;
      if (ver == 0 && proto == ETH_P_TEB) {
        if (len < off + g + 14) return;
        proto = <u32>bswap<u16>(load<u16>(iph + off + g, 12));
        g += 14;
      } else if (ver == 1) {
        // the PPP header after the acknowledgment number: PPP_IP is IPv4, anything else the dissector
        // does not know (PPP_IPV6 included, here)
        if (flags & GRE_ACK) g += 4;
        if (len < off + g + 4) return;
        if (bswap<u16>(load<u16>(iph + off + g, 2)) == PPP_IP) proto = ETH_P_IP;
        g += 4;
      }
      off += g;
      dkEncap = true;
      if (stopAtEncap || proto != ETH_P_IP || hdrs >= MAX_FLOW_DISSECT_HDRS) return;
    } else return;
  }
}

/** jhash_2words(a, b, 0) (include/linux/jhash.h): __jhash_nwords() with __jhash_final() */
function jhash2Words(a: u32, b: u32): u32 {
  const init: u32 = 0xdeadbeef + (2 << 2);
  a += init; b += init;
  let c: u32 = init;
  c ^= b; c -= rotl<u32>(b, 14);
  a ^= c; a -= rotl<u32>(c, 11);
  b ^= a; b -= rotl<u32>(a, 25);
  c ^= b; c -= rotl<u32>(b, 16);
  a ^= c; a -= rotl<u32>(c, 4);
  b ^= a; b -= rotl<u32>(a, 14);
  c ^= b; c -= rotl<u32>(b, 24);
  return c;
}

/**
 * fib_multipath_custom_hash_skb(): fib_multipath_custom_hash_outer() (the outer fields of the outer header,
 * dissected with FLOW_DISSECTOR_F_STOP_AT_ENCAP) and fib_multipath_custom_hash_inner() (the inner fields of
 * what a full dissection reaches, when it went through an encapsulation; else 0), through jhash_2words().
 */
function customHashSkb(iph: usize, len: u32): u32 {
  const fields = fibMultipathHashFields;
  let outer: u32 = 0, inner: u32 = 0;
  let hasInner = true;
  if ((fields & F_OUTER_MASK) != 0) {
    flowDissect(iph, len, true);
    outer = customHashKeys(fields, dkSrc, dkDst, dkProto, dkPorts);
    hasInner = dkEncap;
  }
  if (hasInner && (fields & F_INNER_MASK) != 0) {
    flowDissect(iph, len, false);
    if (dkEncap) inner = customHashKeys(fields >>> 6, dkSrc, dkDst, dkProto, dkPorts);
  }
  return jhash2Words(outer, inner);
}

/**
 * fib_multipath_hash() given a packet (skb) rather than only a flow: the keys come from the IPv4 packet at
 * `iph`, `len` bytes from its header on. Policy 0: the addresses ip_multipath_l3_keys() takes (for an ICMP
 * error, those of the packet it quotes); policy 1: the addresses, protocol and ports the flow dissector
 * finds (skb_flow_dissect_flow_keys with FLOW_DISSECTOR_F_STOP_AT_ENCAP, no ports for a fragment); policy 2:
 * the addresses of the innermost IPv4 header the dissector reaches (through IPIP and GRE); policy 3: the
 * custom fields, outer and inner (customHashSkb). The callers that pass one: ip_mkroute_input() (a forwarded
 * packet), icmp_route_lookup() (the offending packet skb_in) and inet_rtm_getroute() (the packet
 * inet_rtm_getroute_build_skb() made).
 */
export function fibMultipathHashSkb(iph: usize, len: u32): i32 {
  const policy = fibMultipathHashPolicy;
  let h: u32;
  if (policy == 3) h = customHashSkb(iph, len);
  else if (policy == 2) {
    flowDissect(iph, len, false);
    h = hashKeys(dkSrc, dkDst, 0, 0);
  } else {
    const hlen = (<u32>load<u8>(iph) & 15) << 2;
    const q = policy == 0 ? icmpErrQuoted(iph, hlen, len) : 0;
    const k = q != 0 ? q : iph;
    if (policy == 0) h = hashKeys(load<u32>(k, 12), load<u32>(k, 16), 0, 0);
    else {
      const ports = flowDissectPorts(iph, hlen, len);
      h = hashKeys(load<u32>(iph, 12), load<u32>(iph, 16), <u32>load<u8>(iph, 9), wirePorts(ports >>> 16, ports & 0xffff));
    }
  }
  return <i32>(h >>> 1);
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
 * nexthop_select_path() for a route using a nexthop group: a resilient group's bucket for the hash names the
 * member (nexthop_select_path_res(), whatever its neighbour's state), else nexthop_select_path_hthr(). The
 * route's nexthops are the group's members in order.
 */
function nexthopSelectPath(a: i32, hash: i32): i32 {
  const s = nexthopFind(unchecked(aNhId[a]));
  if (!nhResIs(s)) return nexthopSelectPathHthr(a, hash);
  let k = nexthopSelectPathRes(s, hash);
  let nh = a;
  while (k > 0 && unchecked(aNhNext[nh]) >= 0) { nh = unchecked(aNhNext[nh]); k--; }
  return nh;
}

/**
 * fib_select_multipath(): the nexthop of route a for the hash. Nexthops with no traffic share (upper bound -1)
 * are passed over; one whose source address (nh_saddr) is the flow's saddr is preferred, then one whose
 * bound covers the hash, the first of the best kind. `cur`, the lookup's nexthop, stays when none qualifies.
 */
export function fibSelectMultipath(a: i32, cur: i32, hash: i32, saddr: u32): i32 {
  if (unchecked(aNhId[a]) != 0) return nexthopSelectPath(a, hash);
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
