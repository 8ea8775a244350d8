// The SNMP counters of the emulated kernel as `nstat -az` prints them
// (iproute2 misc/nstat.c: "%-32s%-16llu%6.1f" per line under "#kernel"), in
// the order the kernel's /proc/net/snmp and /proc/net/netstat list them:
// Ip, Icmp, IcmpMsg (InTypeN then OutTypeN, non-zero types only), Tcp, Udp,
// UdpLite, then IpExt. Icmp In/Out per-type counters are the IcmpMsg ones
// (icmp_put in net/ipv4/proc.c). A second section counts skb drops by reason.

/** The exports of assembly/inetabi.ts used here. */
export interface SnmpExports {
  memory: WebAssembly.Memory;
  SNMP_COUNT: { value: number };
  snmpName(i: number): string;
  snmpDump(): number;
  DROP_REASON_MAX: { value: number };
  dropReasonTotal(r: number): number;
  dropReasonLabel(r: number): string;
}

// icmpmibmap (net/ipv4/proc.c): the Icmp per-type names and their ICMP types
const ICMP_MIB_MAP: [string, number][] = [
  ['DestUnreachs', 3], ['TimeExcds', 11], ['ParmProbs', 12], ['SrcQuenchs', 4], ['Redirects', 5], ['Echos', 8],
  ['EchoReps', 0], ['Timestamps', 13], ['TimestampReps', 14], ['AddrMasks', 17], ['AddrMaskReps', 18],
];
const UDP_NAMES = ['InDatagrams', 'NoPorts', 'InErrors', 'OutDatagrams', 'RcvbufErrors', 'SndbufErrors', 'InCsumErrors',
  'IgnoredMulti', 'MemErrors'];

/** All counters by nstat name, in nstat's order. */
export function snmpCounters(x: SnmpExports): [string, bigint][] {
  const n = x.SNMP_COUNT.value;
  const names: string[] = [];
  for (let i = 0; i < n; i++) names.push(x.snmpName(i));
  const p = x.snmpDump() >>> 0;
  const v = new BigUint64Array(x.memory.buffer, p, n + 512).slice();
  const val = new Map<string, bigint>();
  names.forEach((name, i) => val.set(name, v[i]));
  const msgIn = (t: number) => v[n + t], msgOut = (t: number) => v[n + 256 + t];
  for (const [name, t] of ICMP_MIB_MAP) { val.set(`IcmpIn${name}`, msgIn(t)); val.set(`IcmpOut${name}`, msgOut(t)); }
  const out: [string, bigint][] = [];
  const group = (prefix: string) => { for (const name of names) if (name.startsWith(prefix)) out.push([name, val.get(name)!]); };
  for (const name of names) if (name.startsWith('Ip') && !name.startsWith('IpExt')) out.push([name, val.get(name)!]);
  group('Icmp');
  for (let t = 0; t < 256; t++) if (msgIn(t)) out.push([`IcmpMsgInType${t}`, msgIn(t)]);
  for (let t = 0; t < 256; t++) if (msgOut(t)) out.push([`IcmpMsgOutType${t}`, msgOut(t)]);
  group('Tcp');
  group('Udp');
  for (const u of UDP_NAMES) out.push([`UdpLite${u}`, 0n]);
  group('IpExt');
  return out;
}

/** Drop counts by SKB_DROP_REASON_* name (without the prefix), every reason including CONSUMED. */
export function dropCounters(x: SnmpExports): [string, number][] {
  const out: [string, number][] = [];
  for (let i = 1; i < x.DROP_REASON_MAX.value; i++) out.push([x.dropReasonLabel(i), x.dropReasonTotal(i)]);
  return out;
}

function line(name: string, value: bigint | number): string {
  const v = String(value);
  return `${name.padEnd(32)}${v.padEnd(16)}${'0.0'.padStart(6)}\n`;
}

export interface NstatOptions {
  /** nstat -z: zero counters too (default true, as `nstat -az`) */
  zeros?: boolean;
  /** append the per-drop-reason section (default true) */
  drops?: boolean;
  /** only names matching one of these (nstat's PATTERN arguments: shell globs) */
  patterns?: string[];
}

function globMatch(pat: string, s: string): boolean {
  const re = new RegExp('^' + pat.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(s);
}

/** The text of `nstat -az` for the emulated kernel, plus a `#drop_reason` section. */
export function formatNstat(x: SnmpExports, opts: NstatOptions = {}): string {
  const zeros = opts.zeros ?? true, drops = opts.drops ?? true, pats = opts.patterns ?? [];
  const keep = (name: string, v: bigint | number) =>
    (zeros || v !== 0n && v !== 0) && (pats.length === 0 || pats.some((p) => globMatch(p, name)));
  let s = '#kernel\n';
  for (const [name, v] of snmpCounters(x)) if (keep(name, v)) s += line(name, v);
  if (drops) {
    // our own section (nstat has none): its header only above lines, so a pattern that leaves none prints as nstat does
    let d = '';
    for (const [name, v] of dropCounters(x)) if (keep(name, v)) d += line(name, v);
    if (d) s += '#drop_reason\n' + d;
  }
  return s;
}
