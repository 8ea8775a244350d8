// Replay: frames enter the box as if received on a device, and every frame the
// box transmits is collected, per input packet, with the packet's verdict and
// its path through the kernel functions (decoded from the core's trace ring,
// like pwru). `netpath replay` (src/cli.ts) runs this on a capture file.
//
// Each input enters on the wire of an EMAC port, or through the peer of a
// veth (sent on the peer, so the device receives it). Between inputs, virtual
// time advances to the next input's timestamp: timers (ARP retransmits,
// neighbour failure) fire and what they send belongs to the packet before.
import type { Box } from './box.js';
import type { NetExports, PacketSocket } from './hw/netif.js';
import { readCapture, CaptureFormatError, type CapturePacket } from './pcap/index.js';

export interface ReplayInput {
  /** The device the frame is received on (a veth end, an EMAC port). */
  dev: string;
  /** The whole Ethernet frame. */
  data: Uint8Array;
  /** When it arrives, in ns of virtual time relative to the first input (optional: inputs then follow each other by `gapNs`). */
  timeNs?: number;
}

export type Verdict = 'forward' | 'local' | 'consumed' | 'drop';
export interface ReplayOutput { dev: string; data: Uint8Array }
export interface ReplayResult {
  in: number;
  verdict: Verdict;
  /** SKB_DROP_REASON_* without the prefix, for drops; '' otherwise */
  reason: string;
  /** the kernel functions the packet went through and the decisions taken */
  path: string[];
  out: ReplayOutput[];
}
export interface ReplayOptions {
  /** record the path (trace on); default true */
  trace?: boolean;
  /** virtual time between inputs without timestamps, and after the last one (ns); default 2.5 s */
  gapNs?: number;
}

/** The trace part of the core's exports (assembly/netabi.ts). */
interface TraceExports extends NetExports {
  traceOnOff(on: number): void;
  traceMark(id: number): void;
  traceRecords(): number;
  traceRecordsPtr(): number;
  traceClear(): void;
  replaySink(ifindex: number, on: number): number;
}

const DROP_NAMES_CACHE = new WeakMap<object, string[]>();
function dropNames(x: NetExports): string[] {
  let n = DROP_NAMES_CACHE.get(x);
  if (!n) {
    n = [];
    for (let r = 0; r < x.DROP_REASON_MAX.value; r++) n.push(x.dropReasonLabel(r));
    DROP_NAMES_CACHE.set(x, n);
  }
  return n;
}

const ip4 = (a: number) => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
const RTN = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];
const HOOKS = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];
const NUD: Record<number, string> = { 1: 'INCOMPLETE', 2: 'REACHABLE', 4: 'STALE', 8: 'DELAY', 16: 'PROBE', 32: 'FAILED', 64: 'NOARP', 128: 'PERMANENT' };
const ERRNO: Record<number, string> = { 13: 'EACCES', 22: 'EINVAL', 101: 'ENETUNREACH', 113: 'EHOSTUNREACH' };
const VERDICTS: Verdict[] = ['drop', 'forward', 'local', 'consumed', 'drop'];

/** Decodes one trace record into the text pwru would show; '' for records that only carry data. */
function describe(ev: number, a: number, b: number, name: (i: number) => string, drops: string[], st: { routeReason?: string }): string {
  switch (ev) {
    case 1: return `netif_receive_skb: ${name(a)} len ${b}`;
    case 2: return `ip_rcv: ${name(a)} len ${b}`;
    case 3: return `nf_hook: ${HOOKS[a] ?? a} (no rules)`;
    case 4: return `ip_route_input_noref: ${RTN[a & 0xff] ?? a & 0xff}${b ? ` table ${b}` : ''}`;
    case 5: return `fib_table_lookup: route ${ip4(a)}/${b & 0xff} dev ${name(b >>> 8)}`;
    case 6: st.routeReason = drops[a] ?? String(a); return `ip_route_input_noref: martian, drop ${st.routeReason}`;
    case 7: return `ip_local_deliver: protocol ${a}`;
    case 8: return `ip_forward: out ${name(a)} ttl ${b}`;
    case 9: return `ip_error: ${ERRNO[a] ?? a}${b === 0xff ? ', no icmp' : `, icmp_send 3/${b}`}`;
    case 10: return `ip_finish_output2: dev ${name(a)} nexthop ${ip4(b)}`;
    case 11: return `neigh_output: ${ip4(b)} ${NUD[a] ?? a}`;
    case 12: return `dev_queue_xmit: ${name(a)} len ${b}`;
    case 13: return `kfree_skb_reason: ${drops[a] ?? a}`;
    case 14: return '';
    case 15: return `arp_process: ${a === 1 ? 'request' : a === 2 ? 'reply' : `op ${a}`} for ${ip4(b)}`;
    case 16: return `arp_send: ${a === 1 ? 'request' : 'reply'} to ${ip4(b)}`;
    case 17: return `ip_fragment: ${a} fragments, mtu ${b}`;
    case 18: return `ip_defrag: ${a ? 'complete' : 'queued'}`;
    case 19: return `ip_rt_send_redirect: gateway ${ip4(a)}`;
    case 20: return `ip_local_out: to ${ip4(a)} protocol ${b}`;
    case 21: return `neigh_resolve_output: queued for ${ip4(a)} (${b} waiting)`;
    case 22: return `neigh_invalidate: ${ip4(a)} FAILED`;
    case 23: return `ip_forward: ttl ${a}, icmp_send 11/0`;
    case 24: return `ip_forward: DF and mtu ${a}, icmp_send 3/4`;
    case 50: return `br_handle_frame: ${name(a)} (bridge ${name(b)})`;
    case 51: return a === 0 ? 'br_fdb_find: miss or group address, flood' : a === 1 ? `br_fdb_find: forward to ${name(b)}`
      : a === 2 ? `br_fdb_find: local${b ? ` (${name(b)})` : ''}, br_pass_frame_up` : `br_fdb_find: ${a}`;
    case 52: return `br_forward: out ${name(a)}${b ? ' (clone)' : ''}`;
    case 53: return `br_pass_frame_up: ${name(a)} len ${b}`;
    case 54: return `br_fdb_update: ${b === 1 ? 'learnt' : 'moved'} on ${name(a)}`;
    case 55: return `br_handle_frame: link-local 01:80:c2:00:00:${a.toString(16).padStart(2, '0')}, ${b ? 'forwarded (STP off)' : 'up the port\'s stack'}`;
    case 56: return `br_dev_xmit: ${name(a)} len ${b}`;
    case 25: return a === 0 ? 'ip_rcv_options: ok' : a === 1 ? `ip_options_compile: bad option at ${b}, icmp_send 12/0` : 'ip_rcv_options: source route, accept_source_route off';
  }
  return `event ${ev} ${a} ${b}`;
}

interface Port { dev: string; ifindex: number; inject(f: Uint8Array): void; collect(): Uint8Array[] }

/** Replays frames through the box; one result per input, in order. */
export function replayFrames(box: Box, inputs: ReplayInput[], opts: ReplayOptions = {}): ReplayResult[] {
  const x = box.kernel.core as unknown as TraceExports;
  const traceOn = opts.trace ?? true;
  const gap = opts.gapNs ?? 2_500_000_000;
  const links = box.kernel.links();
  const byIndex = new Map(links.map((l) => [l.ifindex, l.name]));
  const name = (i: number) => byIndex.get(i) ?? `if${i}`;
  const drops = dropNames(x);
  // the ports: every device that receives an input, and every device that may transmit
  const ports = new Map<string, Port>();
  const sockets: PacketSocket[] = [];
  const portOf = (dev: string): Port => {
    let p = ports.get(dev);
    if (p) return p;
    const l = links.find((k) => k.name === dev);
    if (!l) throw new Error(`replay: no device ${dev}`);
    if (l.kind === 'veth') {
      const peer = byIndex.get(l.link);
      if (!peer) throw new Error(`replay: veth ${dev} has no peer`);
      const s = box.packet(peer);
      sockets.push(s);
      p = {
        dev, ifindex: l.ifindex,
        inject: (f) => { s.send([f]); },
        collect: () => s.recv().filter((r) => r.direction === 'in').map((r) => r.data),
      };
    } else if (l.kind === 'emac') {
      const nic = box.emac(dev);
      p = { dev, ifindex: l.ifindex, inject: (f) => { nic.wire.inject([f]); }, collect: () => nic.wire.collect() };
    } else {
      const s = box.packet(dev);
      sockets.push(s);
      p = {
        dev, ifindex: l.ifindex,
        inject: () => { throw new Error(`replay: ${dev} is a ${l.kind} device: frames enter on EMAC ports or through a veth peer`); },
        collect: () => s.recv().filter((r) => r.direction === 'out').map((r) => r.data),
      };
    }
    ports.set(dev, p);
    return p;
  };
  // Which end of a veth pair is the box's port and which the wire: the end frames are sent to is the
  // port; for pairs without inputs, the end with an IPv4 address, else the one created first.
  const inputDevs = new Set(inputs.map((i) => i.dev));
  let addressed: Set<string>;
  try {
    addressed = new Set((JSON.parse(box.ip('-j -4 addr show').stdout) as { ifname: string; addr_info?: unknown[] }[])
      .filter((a) => a.addr_info?.length).map((a) => a.ifname));
  } catch { addressed = new Set(); }
  const wireSide = new Set<string>();
  for (const l of links) {
    if (l.kind !== 'veth') continue;
    const peer = links.find((k) => k.ifindex === l.link);
    if (!peer || wireSide.has(l.name) || wireSide.has(peer.name)) continue;
    const score = (d: typeof l) => (inputDevs.has(d.name) ? 4 : 0) + (addressed.has(d.name) ? 2 : 0) + (d.ifindex < (d === l ? peer : l).ifindex ? 1 : 0);
    wireSide.add(score(l) >= score(peer) ? peer.name : l.name);
  }
  for (const d of inputDevs) if (wireSide.has(d)) throw new Error(`replay: ${d} is the wire side of a veth pair whose other end also receives inputs`);
  for (const l of links) if ((l.kind === 'veth' || l.kind === 'emac') && !wireSide.has(l.name)) portOf(l.name);
  for (const p of ports.values()) p.collect();
  // the wire side of each veth: what the box sends there stops there (its taps still see it)
  const sinks = links.filter((l) => wireSide.has(l.name)).map((l) => l.ifindex);
  const sunk = sinks.filter((i) => x.replaySink(i, 1) === 0);
  x.traceOnOff(traceOn ? 1 : 0);
  const results: ReplayResult[] = [];
  const t0 = box.now;
  try {
    for (let i = 0; i < inputs.length; i++) {
      const inp = inputs[i];
      const port = portOf(inp.dev);
      const at = t0 + (inp.timeNs ?? i * gap);
      if (at > box.now) box.run({ ns: at - box.now });
      x.traceClear();
      x.traceMark(i);
      port.inject(inp.data);
      const next = i + 1 < inputs.length ? t0 + (inputs[i + 1].timeNs ?? (i + 1) * gap) : at + gap;
      box.run({ ns: Math.max(0, next - box.now) });
      const out: ReplayOutput[] = [];
      for (const p of ports.values()) for (const d of p.collect()) out.push({ dev: p.dev, data: d });
      results.push(decode(x, i, out, name, drops, traceOn, new Set(sinks)));
    }
  } finally {
    x.traceOnOff(0);
    for (const i of sunk) x.replaySink(i, 0);
    for (const s of sockets) s.close();
  }
  return results;
}

function decode(x: TraceExports, id: number, out: ReplayOutput[], name: (i: number) => string, drops: string[], traceOn: boolean,
  wire: Set<number>): ReplayResult {
  const path: string[] = [];
  let verdict: Verdict = 'drop';
  let reason = '';
  let seen = false;
  if (traceOn) {
    const n = x.traceRecords();
    const dv = new DataView(x.memory.buffer, x.traceRecordsPtr() >>> 0, n * 16);
    const st: { routeReason?: string } = {};
    for (let k = 0; k < n; k++) {
      const pkt = dv.getUint32(k * 16, true);
      if (pkt !== id) continue;
      const ev = dv.getUint32(k * 16 + 4, true), a = dv.getUint32(k * 16 + 8, true), b = dv.getUint32(k * 16 + 12, true);
      if ((ev === 1 || ev === 12) && wire.has(a)) continue; // the wire side of a veth
      if (ev === 14) {
        // the last verdict wins (a forwarded packet may still die waiting for its neighbour)
        verdict = VERDICTS[a] ?? 'drop';
        reason = verdict === 'drop' ? (st.routeReason && drops[b] === 'NOT_SPECIFIED' ? st.routeReason : drops[b] ?? String(b)) : '';
        seen = true;
        continue;
      }
      const d = describe(ev, a, b, name, drops, st);
      if (d) path.push(d);
    }
  }
  if (!seen) { verdict = 'drop'; reason = traceOn ? 'NOT_SPECIFIED' : ''; }
  return { in: id, verdict, reason, path, out };
}

/** Reads a capture (pcap or pcapng) into replay inputs: device from the pcapng if_name, or `dev` for classic pcap. */
export function inputsFromCapture(buf: Uint8Array, dev?: string): ReplayInput[] {
  const cap = readCapture(buf, { pcapIfName: dev });
  const pk: CapturePacket[] = cap.packets;
  if (!pk.length) return [];
  const t0 = pk[0].tsNs;
  return pk.map((p) => {
    const d = p.ifName ?? cap.interfaces[p.ifIndex]?.name ?? dev;
    if (!d) throw new CaptureFormatError(cap.format, p.offset, 'its interface has no name (if_name; for a classic pcap give --dev NAME)', 'packet');
    return { dev: d, data: p.data.slice(), timeNs: Number(p.tsNs - t0) };
  });
}
