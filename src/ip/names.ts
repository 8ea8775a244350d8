// Number <-> name tables as iproute2 6.1 ships them in /etc/iproute2 and
// /etc/protocols, with the parsing rules of lib/rt_names.c, lib/utils.c and
// ip/rtm_map.c. Kept in one place so show, parse and filters agree.
import { matches } from './parse.js';

const TABLES: [number, string][] = [[255, 'local'], [254, 'main'], [253, 'default'], [0, 'unspec']];
const PROTOS: [number, string][] = [
  [0, 'unspec'], [1, 'redirect'], [2, 'kernel'], [3, 'boot'], [4, 'static'], [8, 'gated'], [9, 'ra'],
  [10, 'mrt'], [11, 'zebra'], [12, 'bird'], [13, 'dnrouted'], [14, 'xorp'], [15, 'ntk'], [16, 'dhcp'],
  [18, 'keepalived'], [42, 'babel'], [99, 'openr'], [186, 'bgp'], [187, 'isis'], [188, 'ospf'],
  [189, 'rip'], [192, 'eigrp'],
];
const SCOPES: [number, string][] = [[0, 'global'], [255, 'nowhere'], [254, 'host'], [253, 'link'], [200, 'site']];
const DSFIELDS: [number, string][] = [
  [0x0, 'default'], [0x28, 'AF11'], [0x30, 'AF12'], [0x38, 'AF13'], [0x48, 'AF21'], [0x50, 'AF22'],
  [0x58, 'AF23'], [0x68, 'AF31'], [0x70, 'AF32'], [0x78, 'AF33'], [0x88, 'AF41'], [0x90, 'AF42'],
  [0x98, 'AF43'], [0x20, 'CS1'], [0x40, 'CS2'], [0x60, 'CS3'], [0x80, 'CS4'], [0xA0, 'CS5'],
  [0xC0, 'CS6'], [0xE0, 'CS7'], [0xB8, 'EF'],
];
const GROUPS: [number, string][] = [[0, 'default']];
/** /etc/protocols, first name per number (what getprotobynumber returns) */
const IPPROTOS: [number, string][] = [
  [0, 'ip'], [1, 'icmp'], [2, 'igmp'], [3, 'ggp'], [4, 'ipencap'], [5, 'st'], [6, 'tcp'], [8, 'egp'],
  [9, 'igp'], [12, 'pup'], [17, 'udp'], [20, 'hmp'], [22, 'xns-idp'], [27, 'rdp'], [29, 'iso-tp4'],
  [33, 'dccp'], [36, 'xtp'], [37, 'ddp'], [38, 'idpr-cmtp'], [41, 'ipv6'], [43, 'ipv6-route'],
  [44, 'ipv6-frag'], [45, 'idrp'], [46, 'rsvp'], [47, 'gre'], [50, 'esp'], [51, 'ah'], [57, 'skip'],
  [58, 'ipv6-icmp'], [59, 'ipv6-nonxt'], [60, 'ipv6-opts'], [73, 'rspf'], [81, 'vmtp'], [88, 'eigrp'],
  [89, 'ospf'], [93, 'ax.25'], [94, 'ipip'], [97, 'etherip'], [98, 'encap'], [103, 'pim'],
  [108, 'ipcomp'], [112, 'vrrp'], [115, 'l2tp'], [124, 'isis'], [132, 'sctp'], [133, 'fc'],
  [135, 'mobility-header'], [136, 'udplite'], [137, 'mpls-in-ip'], [138, 'manet'], [139, 'hip'],
  [140, 'shim6'], [141, 'wesp'], [142, 'rohc'], [143, 'ethernet'],
];
const IPPROTO_ALIASES: Record<string, number> = { hopopt: 0, mptcp: 262 };

function byNum(t: [number, string][], n: number): string | undefined {
  for (const [k, v] of t) if (k === n) return v;
  return undefined;
}
function byName(t: [number, string][], s: string): number | undefined {
  for (const [k, v] of t) if (v === s) return k;
  return undefined;
}

/** strtoul(s, &end, base) accepting the whole string only; base 0 = C auto-detect (0x, leading 0). */
export function parseUnsigned(s: string, base = 0): number | undefined {
  let t = s.trim() === s ? s : s.trimStart(); // strtoul skips leading white space
  let neg = false;
  if (t.startsWith('+')) t = t.slice(1);
  else if (t.startsWith('-')) { neg = true; t = t.slice(1); }
  let b = base, digits = t;
  if ((b === 0 || b === 16) && /^0[xX][0-9a-fA-F]/.test(t)) { b = 16; digits = t.slice(2); }
  else if (b === 0 && /^0[0-7]*$/.test(t)) { b = 8; digits = t; }
  else if (b === 0) b = 10;
  const re = b === 16 ? /^[0-9a-fA-F]+$/ : b === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!re.test(digits)) return undefined;
  let v = 0;
  for (const c of digits) v = v * b + parseInt(c, b);
  if (neg) v = v === 0 ? 0 : 2 ** 64 - v; // strtoul wraps negatives; callers range-check
  return v;
}
/** get_u32/get_unsigned: a whole number that fits in `bits` bits */
export function parseUint(s: string, bits: number, base = 0): number | undefined {
  if (s === '' || s.startsWith('-')) return undefined;
  const v = parseUnsigned(s, base);
  if (v === undefined || v > 2 ** bits - 1) return undefined;
  return v;
}
/** get_integer / get_s32: a signed int */
export function parseInt32(s: string, base = 0): number | undefined {
  const neg = s.startsWith('-');
  const v = parseUnsigned(neg ? s.slice(1) : s, base);
  if (v === undefined) return undefined;
  const r = neg ? -v : v;
  if (r > 0x7fffffff || r < -0x80000000) return undefined;
  return r;
}

export function tableName(id: number): string { return byNum(TABLES, id) ?? String(id); }
export function tableId(s: string): number | undefined { return byName(TABLES, s) ?? parseUint(s, 32); }
export function protoName(id: number): string { return byNum(PROTOS, id) ?? String(id); }
export function protoId(s: string): number | undefined { return byName(PROTOS, s) ?? parseUint(s, 8); }
export function scopeName(id: number): string { return byNum(SCOPES, id) ?? String(id); }
export function scopeId(s: string): number | undefined { return byName(SCOPES, s) ?? parseUint(s, 8); }
export function groupName(id: number): string { return byNum(GROUPS, id) ?? String(id); }
export function groupId(s: string): number | undefined { return byName(GROUPS, s) ?? parseInt32(s); }
export function dsfieldName(v: number): string {
  return byNum(DSFIELDS, v) ?? '0x' + v.toString(16).padStart(2, '0');
}
/** rtnl_dsfield_a2n: a name, else a hexadecimal number (even without 0x) up to 255 */
export function dsfieldId(s: string): number | undefined {
  const n = byName(DSFIELDS, s);
  if (n !== undefined) return n;
  const v = parseUnsigned(s, 16);
  return v !== undefined && v <= 255 ? v : undefined;
}
export function ipprotoName(n: number): string { return byNum(IPPROTOS, n) ?? String(n); }
export function ipprotoId(s: string): number | undefined {
  const v = parseUint(s, 8, 10);
  if (v !== undefined) return v;
  return byName(IPPROTOS, s) ?? IPPROTO_ALIASES[s];
}

const RTN_NAMES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole',
  'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];
export function rtnTypeName(t: number): string { return t > 0 && t < RTN_NAMES.length ? RTN_NAMES[t] : String(t); }
/** rtnl_rtntype_a2n: some names only exactly, most by unambiguous prefix, else a number */
export function rtnTypeId(s: string): number | undefined {
  if (s === 'local') return 2;
  if (s === 'nat') return 10;
  if (matches(s, 'broadcast') || s === 'brd') return 3;
  if (matches(s, 'anycast')) return 4;
  if (matches(s, 'multicast')) return 5;
  if (matches(s, 'prohibit')) return 8;
  if (matches(s, 'unreachable')) return 7;
  if (matches(s, 'blackhole')) return 6;
  if (matches(s, 'xresolve')) return 11;
  if (matches(s, 'unicast')) return 1;
  if (s === 'throw') return 9;
  const v = parseUnsigned(s, 0);
  return v !== undefined && v <= 255 ? v : undefined;
}
