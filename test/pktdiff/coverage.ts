// The cases the packet differential must cover (the list), and which
// injected frames exercise each one.
//
// A generator case name says what a frame was meant to be; whether it really
// is that depends on the scenario too: a "df-too-big" frame is too big only
// when some port has a smaller MTU, "no-route" is no route only without a
// default route, a forwarded case forwards only where the ingress port has
// forwarding on. Each required case below is a predicate over the scenario's
// configuration and the frame, so the tally counts frames that really are the
// case, not frames that were only named after it.
import { decode, fromHex } from './frames.js';
import type { Inject, PktScenario } from './gen.js';

/** What the steps configured, as far as the predicates need it. */
export interface DutFacts {
  forwarding(port: string): boolean;
  redirects(port: string): boolean;
  mtu(port: string): number;
  mainDefault: boolean;
  sourceRule: boolean;
  fwmarkRule: boolean;
  /** a per-device conf key of a port as the kernel reads it: conf/all and the port's, combined as CONF_USE says */
  conf(port: string, key: string): number;
  /** a net.ipv4 sysctl (not per device) as written, undefined when the steps never write it */
  ipv4(key: string): number | undefined;
}

/** How the kernel combines conf/all with a device's value (IN_DEV_ORCONF / ANDCONF / MAXCONF in inetdevice.h). */
export const CONF_USE: Record<string, 'or' | 'and' | 'max'> = {
  route_localnet: 'or', accept_source_route: 'and', bc_forwarding: 'and', proxy_arp: 'or', arp_ignore: 'max', arp_announce: 'max',
  arp_filter: 'or', arp_accept: 'max', drop_gratuitous_arp: 'or', shared_media: 'or', send_redirects: 'or', rp_filter: 'max', accept_local: 'or',
};

export function dutFacts(sc: Pick<PktScenario, 'steps'>): DutFacts {
  const sys = new Map<string, string>();
  const ips: string[] = [];
  for (const s of sc.steps) {
    if ('sysctl' in s) sys.set(s.sysctl[0], s.sysctl[1]);
    else if ('ip' in s) ips.push(s.ip);
  }
  const on = (k: string) => sys.get(k) === '1';
  const mtus = new Map<string, number>();
  for (const l of ips) { const m = /^link set (\S+) mtu (\d+)$/.exec(l); if (m) mtus.set(m[1], Number(m[2])); }
  return {
    // ip_forward writes every device's forwarding; a per-port write after it wins
    forwarding: (p) => (sys.has(`net.ipv4.conf.${p}.forwarding`) ? on(`net.ipv4.conf.${p}.forwarding`) : on('net.ipv4.ip_forward')),
    // IN_DEV_TX_REDIRECTS: conf/all OR the port's (which starts at conf/default)
    redirects: (p) => on('net.ipv4.conf.all.send_redirects') || (sys.get(`net.ipv4.conf.${p}.send_redirects`) ?? sys.get('net.ipv4.conf.default.send_redirects')) === '1',
    mtu: (p) => mtus.get(p) ?? 1500,
    conf: (p, k) => {
      const all = Number(sys.get(`net.ipv4.conf.all.${k}`) ?? 0);
      // a port starts with conf/default (written before any port exists), unless it has its own
      const dev = Number(sys.get(`net.ipv4.conf.${p}.${k}`) ?? sys.get(`net.ipv4.conf.default.${k}`) ?? 0);
      const use = CONF_USE[k];
      if (!use) throw new Error(`conf ${k}: how the kernel combines it is not listed`);
      return use === 'or' ? Number(all !== 0 || dev !== 0) : use === 'and' ? Number(all !== 0 && dev !== 0) : Math.max(all, dev);
    },
    ipv4: (k) => (sys.has(`net.ipv4.${k}`) ? Number(sys.get(`net.ipv4.${k}`)) : undefined),
    mainDefault: ips.some((l) => /^route add default /.test(l) && !/ table /.test(l)),
    sourceRule: ips.some((l) => /^rule add .*\bfrom \S+/.test(l)),
    fwmarkRule: ips.some((l) => /^rule add .*\bfwmark /.test(l)),
  };
}

type Pred = (f: Inject, facts: DutFacts) => boolean;
const ipOf = (f: Inject) => decode(fromHex(f.hex)).ip;
const arpOf = (f: Inject) => decode(fromHex(f.hex)).arp;
const is = (...cases: string[]): Pred => (f) => cases.includes(f.case);
/** The ingress port forwards (otherwise a "forwarded" frame only tests the forwarding switch). */
const fwdOn = (...cases: string[]): Pred => (f, d) => cases.includes(f.case) && d.forwarding(f.port);
/** The egress port a forwarded case meant, from the generator's note ("... p0->p2"). */
const egress = (f: Inject) => /(p\d+)->(p\d+)$/.exec(f.note ?? '')?.[2];
const overMtu = (df: boolean): Pred => (f, d) => {
  const ip = ipOf(f), out = egress(f);
  return !!ip && !!out && ip.df === df && d.forwarding(f.port) && ip.totalLength > d.mtu(out);
};

/** The list, in its order: name and which frames are that case. */
export const REQUIRED: { name: string; is: Pred }[] = [
  { name: 'forwarded UDP', is: fwdOn('fwd-udp') },
  { name: 'forwarded TCP', is: fwdOn('fwd-tcp') },
  { name: 'forwarded ICMP', is: fwdOn('fwd-icmp') },
  { name: 'TTL 1', is: fwdOn('ttl1') },
  { name: 'TTL 2', is: fwdOn('ttl2') },
  { name: 'bad IP checksum', is: is('bad-ip-checksum') },
  { name: 'truncated frame', is: is('truncated') },
  { name: 'bad IP version', is: is('bad-version') },
  { name: 'bad header length', is: is('bad-ihl') },
  { name: 'total length short', is: is('total-length-short') },
  { name: 'total length long', is: is('total-length-long') },
  { name: 'UDP to a closed port', is: is('udp-closed-port') },
  { name: 'TCP SYN to a closed port', is: is('tcp-syn-closed-port') },
  { name: 'ICMP echo to the box', is: is('echo') },
  { name: 'unknown IP protocol', is: is('fwd-unknown-proto', 'unknown-proto-local') },
  { name: 'blackhole route', is: fwdOn('route-blackhole') },
  { name: 'prohibit route', is: fwdOn('route-prohibit') },
  { name: 'unreachable route', is: fwdOn('route-unreachable') },
  { name: 'DF set, too big for the out MTU', is: (f, d) => f.case === 'df-too-big' && overMtu(true)(f, d) },
  { name: 'fragmented onto a smaller MTU', is: (f, d) => f.case === 'fragment-onto-smaller-mtu' && overMtu(false)(f, d) },
  { name: 'martian source', is: is('martian-source') },
  { name: 'broadcast', is: is('broadcast') },
  { name: 'IP options', is: is('ip-options') },
  { name: 'policy routing by source', is: (f, d) => f.case === 'policy-source' && d.sourceRule && d.forwarding(f.port) },
  { name: 'policy routing by fwmark', is: (f, d) => f.case === 'policy-fwmark' && d.fwmarkRule && d.forwarding(f.port) },
  { name: 'ARP request', is: (f) => f.case === 'arp-request' && decode(fromHex(f.hex)).arp?.op === 1 },
  { name: 'no route', is: (f, d) => f.case === 'no-route' && !d.mainDefault && d.forwarding(f.port) },
  { name: 'IP fragments arriving', is: is('fragments-local', 'fragments-fwd', 'fragment-incomplete') },
  { name: 'foreign destination MAC', is: is('foreign-dst-mac') },
  { name: 'multicast', is: is('multicast') },
  { name: 'ICMP redirect', is: (f, d) => f.case === 'redirect' && d.forwarding(f.port) && d.redirects(f.port) },
  // generator 3: the knobs it draws, each where a frame meets it switched on
  { name: '127/8 with route_localnet', is: (f, d) => f.case === 'localnet' && d.conf(f.port, 'route_localnet') === 1 },
  { name: 'source route accepted', is: (f, d) => isSrr(f) && d.conf(f.port, 'accept_source_route') === 1 },
  { name: 'source route refused', is: (f, d) => isSrr(f) && d.conf(f.port, 'accept_source_route') === 0 },
  { name: 'directed broadcast with bc_forwarding', is: (f, d) => f.case === 'bc-forward' && d.forwarding(f.port) && d.conf(f.port, 'bc_forwarding') === 1 },
  { name: 'proxy ARP', is: (f, d) => f.case === 'proxy-arp' && d.forwarding(f.port) && d.conf(f.port, 'proxy_arp') === 1 },
  { name: 'ARP request, arp_ignore 1 or 2', is: (f, d) => arpForDut(f) && [1, 2].includes(d.conf(f.port, 'arp_ignore')) },
  { name: 'ARP request, arp_ignore 8', is: (f, d) => arpForDut(f) && d.conf(f.port, 'arp_ignore') === 8 },
  { name: 'ARP request, arp_filter', is: (f, d) => arpForDut(f) && d.conf(f.port, 'arp_filter') === 1 },
  // an echo the DUT ignores makes it send nothing, so no ARP either
  { name: 'ARP sent with arp_announce 1 or 2', is: (f, d) => f.case === 'arp-announce' && d.conf(f.port, 'arp_announce') >= 1 && !(ipOf(f)?.proto === 1 && d.ipv4('icmp_echo_ignore_all') === 1) },
  // not dropped first by drop_gratuitous_arp (sender = target)
  { name: 'ARP learnt with arp_accept', is: (f, d) => f.case === 'garp' && !!arpOf(f) && d.conf(f.port, 'arp_accept') >= 1 && (arpOf(f)!.spa !== arpOf(f)!.tpa || d.conf(f.port, 'drop_gratuitous_arp') === 0) },
];

/** a frame with a source route option (the source-route case, the ip-options case's lsrr-fwd) */
const isSrr = (f: Inject) => f.case === 'source-route' || (f.case === 'ip-options' && f.note === 'lsrr-fwd');
/** an ARP request for one of the DUT's addresses */
const arpForDut = (f: Inject) => f.case === 'arp-dut' || (f.case === 'arp-request' && /^(dut-address|probe-sender-zero|unicast-to-dut|foreign-sender)/.test(f.note ?? ''));

/** The required cases frame i of a scenario is (often none, sometimes several). */
export function requiredOf(sc: Pick<PktScenario, 'steps' | 'frames'>, facts = dutFacts(sc)): string[][] {
  return sc.frames.map((f) => REQUIRED.filter((c) => c.is(f, facts)).map((c) => c.name));
}

/** Required cases with no frame among the scenarios. */
export function missingRequired(scs: Pick<PktScenario, 'steps' | 'frames'>[]): string[] {
  const seen = new Set(scs.flatMap((sc) => requiredOf(sc).flat()));
  return REQUIRED.map((c) => c.name).filter((n) => !seen.has(n));
}
