// struct flowi4 and struct fib_result, as module state: a lookup reads the
// flow and writes the result. Callers that nest lookups save what they need.

export let flDst: u32 = 0, flSrc: u32 = 0;
export let flOif: i32 = 0, flIif: i32 = 0;
export let flMark: u32 = 0, flUid: u32 = 0;
/** dscp in dsfield position (tos & 0xfc) */
export let flDscp: u32 = 0;
export let flScope: i32 = 0;
export let flProto: u32 = 0, flSport: u32 = 0, flDport: u32 = 0;

export function flowInit(dst: u32, src: u32, oif: i32, iif: i32, mark: u32, uid: u32, dscp: u32, scope: i32): void {
  flDst = dst; flSrc = src; flOif = oif; flIif = iif; flMark = mark; flUid = uid; flDscp = dscp; flScope = scope;
  flProto = 0; flSport = 0; flDport = 0;
}
export function flowPorts(proto: u32, sport: u32, dport: u32): void { flProto = proto; flSport = sport; flDport = dport; }
export function flowSetOif(oif: i32): void { flOif = oif; }

/** TCP, UDP, DCCP and ESP (its SPI) as bits: the protocols below 64 whose first 4 bytes are the ports */
const PORTS_FIRST: u64 = (<u64>1 << 6) | (<u64>1 << 17) | (<u64>1 << 33) | (<u64>1 << 50);

/**
 * The ports the flow dissector gives fib4_rules_early_flow_dissect() and fib_multipath_hash() for an IPv4
 * packet, as (sport << 16) | dport: __skb_flow_get_ports() at the offset proto_ports_offset() names (0 for
 * TCP, UDP, DCCP, SCTP, UDP-Lite and ESP, whose SPI gives its halves; 4 for AH, its SPI), none for a fragment
 * (__skb_flow_dissect stops at the IP header of any fragment without FLOW_DISSECTOR_F_PARSE_1ST_FRAG), none
 * for other protocols or when the 4 bytes lie beyond the packet. `p` the IP header, `len` the packet's length.
 */
export function flowDissectPorts(p: usize, hlen: u32, len: u32): u32 {
  if ((load<u8>(p, 6) & 0x3f) != 0 || load<u8>(p, 7) != 0) return 0; // IP_MF | IP_OFFSET
  const proto = <u32>load<u8>(p, 9);
  let off: u32;
  if (proto < 64 ? ((PORTS_FIRST >> <u64>proto) & 1) != 0 : proto == 132 || proto == 136) off = hlen;
  else if (proto == 51) off = hlen + 4;
  else return 0;
  if (len < off + 4) return 0;
  return bswap<u32>(load<u32>(p + off));
}
export function flowSetSrc(src: u32): void { flSrc = src; }
export function flowSetDst(dst: u32): void { flDst = dst; }
export function flowSetScope(s: i32): void { flScope = s; }
export function flowSetIif(i: i32): void { flIif = i; }
export function flowSetMark(m: u32): void { flMark = m; }

/**
 * rt_genid (net->ipv4.rt_genid): bumped by rt_cache_flush() on every change a
 * route decision reads (routes, rules, addresses, device state, devinet
 * sysctls), where Linux flushes its cached routes. Entries of the input-route
 * cache (route.ts) from an older generation are never used.
 */
export let rtGenid: u32 = 1;
export function rt_cache_flush(): void { rtGenid++; }

// fib_result
export let resAlias: i32 = -1; // the fib alias (route) found, -1 if none
/** res->nhc: the route's nexthop the lookup (then fib_select_multipath) chose; a nexthop slot (fib_table.ts) */
export let resNh: i32 = -1;
export let resTable: i32 = -1; // table index the lookup was done in, -1 if none
export let resType: u8 = 0;
export let resPrefix: u32 = 0;
export let resPrefixlen: i32 = 0;

/** res->tclassid: the realms of the rule that decided the lookup (0 without rules) */
export let resTclassid: u32 = 0;
export function resSetTclassid(t: u32): void { resTclassid = t; }

export function resClear(): void { resAlias = -1; resNh = -1; resTable = -1; resType = 0; resPrefix = 0; resPrefixlen = 0; resTclassid = 0; }
export function resSet(alias: i32, nh: i32, table: i32, type: u8, prefix: u32, plen: i32): void {
  resAlias = alias; resNh = nh; resTable = table; resType = type; resPrefix = prefix; resPrefixlen = plen;
}
export function resSetType(t: u8): void { resType = t; }
export function resSetNh(nh: i32): void { resNh = nh; }
