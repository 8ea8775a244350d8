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
import { type NetExports, type PacketSocket, withVlanTag } from './hw/netif.js';
import { MODEL_COUNTERS, type ModelCounters, type TimedFrame } from './hw/emac.js';
import { readCapture, CaptureFormatError, LinkType, type CapturePacket, type PcapngWriter } from './pcap/index.js';
import { IFF_TAP } from './rtnl.js';
import { TunError, type TunDevice } from './tun.js';

export interface ReplayInput {
  /** The device the frame is received on (a veth end, an EMAC port, a tun/tap device). */
  dev: string;
  /** The whole Ethernet frame. */
  data: Uint8Array;
  /**
   * When it arrives, in ns of virtual time relative to the first input (optional: inputs then follow each other by `gapNs`).
   * An input enters no earlier than the devices are done with the one before (an EMAC moderates its interrupts by up to 250 us).
   */
  timeNs?: number;
  /** The capture's link type (LINKTYPE_*): RAW (101) inputs are IP packets for a tun device, others Ethernet frames. */
  linkType?: number;
}

export type Verdict = 'forward' | 'local' | 'consumed' | 'drop';
export interface ReplayOutput {
  dev: string;
  data: Uint8Array;
  /** when the device sent it, in ns of virtual time relative to the first input (as ReplayInput.timeNs) */
  timeNs: number;
}
export interface ReplayResult {
  in: number;
  verdict: Verdict;
  /** for drops: SKB_DROP_REASON_* without the prefix, or NIC_* / WIRE_* when the hardware lost the frame (no skb); '' otherwise */
  reason: string;
  /** the kernel functions the packet went through and the decisions taken */
  path: string[];
  out: ReplayOutput[];
}
export interface ReplayOptions {
  /** record the path; default true. Off, every path is empty; verdicts, reasons and outputs are the same */
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
  hwBusyUntil(): number;
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
const ERRNO: Record<number, string> = { 13: 'EACCES', 19: 'ENODEV', 22: 'EINVAL', 101: 'ENETUNREACH', 113: 'EHOSTUNREACH' };
const RXH = ['rx_handler', 'macvlan_handle_frame', 'host rx_handler', 'wire sink'];
const RX_RESULT = ['CONSUMED', 'ANOTHER', 'EXACT', 'PASS'];
const VERDICTS: Verdict[] = ['drop', 'forward', 'local', 'consumed', 'drop'];

/** the inet_protos handlers ip_protocol_deliver_rcu calls */
const PROTO_HANDLERS: Record<number, string> = { 1: 'icmp_rcv', 2: 'igmp_rcv', 6: 'tcp_v4_rcv', 17: 'udp_rcv' };
const TABLES: Record<number, string> = { 253: 'default', 254: 'main', 255: 'local' };
const table = (t: number) => TABLES[t] ?? String(t);
// RRD word 3 (emac-mac.h): the size with FCS and the status bits the driver reads
const RRD_PKT_SIZE_MASK = 0x3fff, RRD_L4F = 1 << 14;
/** EMAC_RRD_ERROR's bits, by name: any of them and emac_mac_rx_process frees the frame */
const RRD_ERRORS: [number, string][] = [
  [1 << 15, 'IPF (bad IP header checksum)'], [1 << 21, 'CRC (bad FCS)'], [1 << 22, 'FAE (alignment)'], [1 << 23, 'TRN (truncated)'],
  [1 << 24, 'RNT (runt)'], [1 << 25, 'INC (incomplete)'], [1 << 29, 'FOV (FIFO overflow)'], [1 << 30, 'LEN (length error)'],
];

/** What the decoder knows across the records of one packet. */
interface DecodeState {
  /** the martian reason of a failed input route */
  routeReason?: string;
  /** the EMAC driver freed the frame (an RRD error): dev_kfree_skb is consume_skb, no drop reason */
  driverFreed?: boolean;
}

/** What a path needs to name things: devices, EMAC NICs, drop reasons, the rules as `ip rule` prints them. */
interface DecodeNames {
  dev(ifindex: number): string;
  nic(index: number): string;
  drops: string[];
  /** `ip rule show` lines, in list order */
  rules: string[];
}

/** Decodes one trace record into the text pwru would show (one line or a few); '' for records that only carry data. */
function describe(ev: number, a: number, b: number, n: DecodeNames, st: DecodeState): string | string[] {
  const name = n.dev, drops = n.drops;
  switch (ev) {
    case 1: return `netif_receive_skb: ${name(a)} len ${b}`;
    case 2: return `ip_rcv: ${name(a)} len ${b}`;
    case 3: return `nf_hook: ${HOOKS[a] ?? a} (no rules)`;
    case 4: return ['ip_rcv_finish', `ip_route_input_noref: ${RTN[a & 0xff] ?? a & 0xff}${b ? ` table ${table(b)}` : ''}`];
    case 5: return `fib_table_lookup: route ${ip4(a)}/${b & 0xff} dev ${name(b >>> 8)}`;
    case 6: st.routeReason = drops[a] ?? String(a); return ['ip_rcv_finish', `ip_route_input_noref: martian, drop ${st.routeReason}`];
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
    case 70: {
      if (a === 0xfffffffe) return 'fib_lookup: no custom rules: table main (local merged into it), then default';
      if (a === 0xffffffff) return 'fib_rules_lookup: no rule decided, ENETUNREACH';
      const line = n.rules[a];
      return `fib_rules_lookup: ${line !== undefined && line.startsWith(`${b}:`) ? line.replace(/\t/g, ' ').trimEnd() : `rule ${b}`}`;
    }
    case 71: return `ip_route_output_key_hash: ${a >= 0xff000000 ? (ERRNO[a & 0xffff] ?? `errno ${a & 0xffff}`) : `${RTN[a & 0xff] ?? a & 0xff}${b ? ` table ${table(b)}` : ''}`}`;
    case 72: return ''; // the gateway: folded into the route line by decode()
    case 75: return `ip_protocol_deliver_rcu: protocol ${a} (${PROTO_HANDLERS[a] ?? 'no handler'})`;
    case 73: {
      const errs = RRD_ERRORS.filter(([bit]) => b & bit).map(([, what]) => what);
      const size = (b & RRD_PKT_SIZE_MASK) - 4;
      if (errs.length) {
        st.driverFreed = true;
        return [`emac_napi_rtx: ${n.nic(a)}`, `emac_mac_rx_process: RRD error ${errs.join(', ')}, len ${size}: dev_kfree_skb (consume_skb)`];
      }
      return [`emac_napi_rtx: ${n.nic(a)}`, `emac_mac_rx_process: len ${size}${b & RRD_L4F ? ', L4F: CHECKSUM_NONE' : ''}`];
    }
    case 74: return (a & 0x10000)
      ? `emac_mac_tx_buf_send: ${n.nic(a & 0xffff)} len ${b}: not queued (ring full, link down or bad offload), kfree_skb`
      : `emac_mac_tx_buf_send: ${n.nic(a & 0xffff)} len ${b}`;
    case 40: return `${RXH[a >>> 24] ?? 'rx_handler'}: ${name(a & 0xffffff)} → ${RX_RESULT[b & 0xff] ?? b & 0xff}${(b & 0xff) === 1 ? ` ${name(b >>> 8)}` : ''}`;
    case 41: return `macvlan_queue_xmit: ${name(a)} ${b ? 'to a bridge-mode sibling (dev_forward_skb)' : 'out the lower device'}`;
    case 42: return `macvlan_handle_frame: ${name(a)} ${['broadcast queued for bc_work', 'broadcast dropped, bc_queue full', 'back to its source port only'][b] ?? b}`;
    case 43: return `macvlan_broadcast: copy to ${name(a)}${b ? '' : ', dropped'}`;
    case 46: return `vlan_do_receive: ${name(a)} vid ${b >>> 20} → ${name(b & 0xfffff)}`;
    case 47: return `vlan_dev_hard_start_xmit: ${name(a)} → dev_queue_xmit on ${name(b)}`;
    case 44: return `veth_xmit: ${name(a)} to the peer's box, len ${b}`;
    case 45: return `veth_xmit: ${name(a)} to the peer's box, len ${b}: dropped, the ring to it is full (CPU_BACKLOG)`;
    case 60: return `tun_get_user: ${name(a)} len ${b}`;
    case 61: return `tun_net_xmit: ${name(a)} ring ${b}`;
  }
  return `event ${ev} ${a} ${b}`;
}

/**
 * Frames the hardware drops never become an skb: the kernel does not see them, only the NIC's counters
 * do. Each is one hardware step in the path and a NIC_* reason (not an SKB_DROP_REASON: there is no skb),
 * with where Linux's emac driver reports the count (emac_get_stats64 for `ip -s link`, ethtool -S otherwise).
 */
const HW_DROPS: { counter: keyof ModelCounters | 'rxRejected' | 'rxOverflow'; reason: string; step: string }[] = [
  { counter: 'rxRejected', reason: 'WIRE_BAD_FRAME', step: 'wire: empty, or longer than a frame can be: it never reached the EMAC' },
  { counter: 'rxOverflow', reason: 'WIRE_OVERFLOW', step: 'wire: more frames in flight than the link holds, lost before the EMAC' },
  { counter: 'rxDropDisabled', reason: 'NIC_RX_DISABLED', step: 'EMAC MAC: receiver off (RXEN/RXQ_EN clear: interface down or no link), dropped' },
  { counter: 'rxDropFilter', reason: 'NIC_ADDR_FILTER', step: 'EMAC MAC: address filter: not our address, broadcast or a joined group, dropped before DMA (ethtool -S rx_err_addr, not in ip -s link)' },
  { counter: 'rxDropOversize', reason: 'NIC_OVERSIZE', step: 'EMAC MAC: longer than MAX_FRAM_LEN_CTRL, dropped before DMA (rx_sz_ov: ip -s link RX errors)' },
  { counter: 'rxDropNoRfd', reason: 'NIC_RX_FIFO_OVERFLOW', step: 'EMAC RX DMA: no free RFD, dropped (rx_rxf_ov: ip -s link RX missed)' },
  { counter: 'rxDropRrdBusy', reason: 'NIC_RX_FIFO_OVERFLOW', step: 'EMAC RX DMA: RRD still owned by the driver, dropped (rx_rxf_ov: ip -s link RX missed)' },
  { counter: 'rxDropHalted', reason: 'NIC_RX_HALTED', step: 'EMAC RX DMA: queue halted by an earlier DMA error, dropped' },
  { counter: 'rxDropError', reason: 'NIC_RX_HALTED', step: 'EMAC RX DMA: bad descriptor ring, queue halted, dropped' },
];
/** where each HW_DROPS counter is read: its MODEL_COUNTERS index, or -1 - the wire counter (hwWireCounter) */
const HW_DROP_INDEX = HW_DROPS.map((h) => (h.counter === 'rxRejected' ? -1 : h.counter === 'rxOverflow' ? -2 : MODEL_COUNTERS.indexOf(h.counter)));
interface HwStep { step: string; reason: string }

/**
 * A frame the outside's packet socket on a veth peer refuses (packet_snd) never enters the box: like a frame the
 * wire refuses, a WIRE_* reason and the one step that says why.
 */
function vethRefusal(errno: number, peer: string, dev: string, mtu: number | undefined): HwStep {
  const [reason, why] = errno === 22 ? ['WIRE_BAD_FRAME', 'EINVAL: shorter than an Ethernet header (dev_validate_header)']
    : errno === 90 ? ['WIRE_BAD_FRAME', `EMSGSIZE: longer than ${peer}'s MTU${mtu ? ` (${mtu})` : ''} + 14`]
    : errno === 100 ? ['WIRE_DOWN', `ENETDOWN: ${peer} is down`]
    : errno === 105 ? ['WIRE_OVERFLOW', 'ENOBUFS: no buffer for it']
    : ['WIRE_BAD_FRAME', `errno ${errno}`];
  return { reason, step: `packet_snd on ${peer}: ${why}: it never reached ${dev}` };
}

interface Port {
  /** enters a frame; a step when the sender refused it, so that it never reached the device */
  dev: string; ifindex: number; inject(f: Uint8Array): HwStep | void; collect(): TimedFrame[];
  /** the hardware's drop counters (EMAC ports), in HW_DROPS order */
  hwDrops?(): number[];
}

/** Replays frames through the box; one result per input, in order. */
/** What replay() takes: an array of { dev, data, timeNs? } (checked before any frame enters). */
function checkInputs(inputs: unknown): asserts inputs is ReplayInput[] {
  if (!Array.isArray(inputs)) throw new TypeError('replay: the inputs are an array of { dev, data, timeNs? }');
  inputs.forEach((inp: Partial<ReplayInput> | null, k) => {
    const bad = (what: string) => new TypeError(`replay: input ${k}: ${what}`);
    if (inp === null || typeof inp !== 'object') throw bad('not an object { dev, data, timeNs? }');
    if (typeof inp.dev !== 'string') throw bad('dev is the name of a device of the box');
    if (!(inp.data instanceof Uint8Array)) throw bad('data is the frame, a Uint8Array');
    if (inp.timeNs !== undefined && !(typeof inp.timeNs === 'number' && inp.timeNs >= 0 && inp.timeNs < Infinity)) {
      throw bad('timeNs is a finite number of nanoseconds >= 0');
    }
  });
}

export function replayFrames(box: Box, inputs: ReplayInput[], opts: ReplayOptions = {}): ReplayResult[] {
  checkInputs(inputs);
  const x = box.kernel.core as unknown as TraceExports;
  const withPath = opts.trace ?? true;
  const gap = opts.gapNs ?? 2_500_000_000;
  const links = box.kernel.links();
  const byIndex = new Map(links.map((l) => [l.ifindex, l.name]));
  const name = (i: number) => byIndex.get(i) ?? `if${i}`;
  const drops = dropNames(x);
  const nics = new Map(links.filter((l) => l.kind === 'emac').map((l) => [box.emac(l.name).index, l.name]));
  const names: DecodeNames = {
    dev: name, nic: (i) => nics.get(i) ?? `emac${i}`, drops,
    rules: box.ip('rule show').stdout.split('\n').filter((l) => l !== ''),
  };
  // the ports: every device that receives an input, and every device that may transmit
  const ports = new Map<string, Port>();
  const sockets: PacketSocket[] = [];
  const tunFiles: TunDevice[] = [];
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
        inject: (f) => {
          const errno = s.send([f]).errors[0];
          if (errno) return vethRefusal(errno, peer, dev, links.find((k) => k.name === peer)?.mtu);
        },
        collect: () => s.recv().filter((r) => r.direction === 'in').map((r) => ({ ...r, data: withVlanTag(r) })),
      };
    } else if (l.kind === 'tun') {
      // the replay is the program holding the device's file: it writes the inputs and reads what the box routes there
      const tap = !!(l.tun!.flags & IFF_TAP);
      const t = box.tun(dev, { mode: tap ? 'tap' : 'tun' });
      tunFiles.push(t);
      p = {
        dev, ifindex: l.ifindex,
        // a write tun_get_user refuses is a drop the trace reports
        inject: (f) => { try { t.write(f); } catch (e) { if (!(e instanceof TunError)) throw e; } },
        collect: () => t.readBatchTimed(),
      };
    } else if (l.kind === 'emac') {
      const nic = box.emac(dev);
      p = {
        dev, ifindex: l.ifindex, inject: (f) => { nic.wire.inject([f]); }, collect: () => nic.wire.collectTimed(),
        hwDrops: () => {
          const hx = nic.hw.exports;
          return HW_DROP_INDEX.map((k) => (k < 0 ? hx.hwWireCounter(nic.index, -1 - k) : hx.hwEmacModelCounter(nic.index, k)));
        },
      };
    } else {
      const s = box.packet(dev);
      sockets.push(s);
      p = {
        dev, ifindex: l.ifindex,
        inject: () => { throw new Error(`replay: ${dev} is a ${l.kind} device: frames enter on EMAC ports, veth ends (through the peer) and tun/tap devices`); },
        collect: () => s.recv().filter((r) => r.direction === 'out').map((r) => ({ ...r, data: withVlanTag(r) })),
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
  for (const [k, inp] of inputs.entries()) {
    if (inp.linkType === undefined) continue;
    const l = links.find((x) => x.name === inp.dev);
    const l3 = !!l?.tun && !(l.tun.flags & IFF_TAP);
    if ((inp.linkType === LinkType.RAW) !== l3) {
      throw new Error(`replay: packet ${k}: ${inp.linkType === LinkType.RAW ? 'a RAW (IP) packet' : `link type ${inp.linkType}`} for ${inp.dev}, ` +
        `${l3 ? 'a tun device (RAW, IP packets)' : 'a device taking Ethernet frames'}`);
    }
  }
  for (const l of links) if ((l.kind === 'veth' || l.kind === 'emac' || l.kind === 'tun') && !wireSide.has(l.name)) portOf(l.name);
  for (const p of ports.values()) p.collect();
  // the wire side of each veth: what the box sends there stops there (its taps still see it)
  const sinks = links.filter((l) => wireSide.has(l.name)).map((l) => l.ifindex);
  const sunk = sinks.filter((i) => x.replaySink(i, 1) === 0);
  const wireSet = new Set(sinks);
  // the core traces either way: verdicts and reasons come from its records
  x.traceOnOff(1);
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
      const hw0 = port.hwDrops?.();
      const refused = port.inject(inp.data);
      const next = i + 1 < inputs.length ? t0 + (inputs[i + 1].timeNs ?? (i + 1) * gap) : at + gap;
      box.run({ ns: Math.max(0, next - box.now) });
      settle(box, x);
      const out: ReplayOutput[] = [];
      for (const p of ports.values()) for (const f of p.collect()) out.push({ dev: p.dev, data: f.data, timeNs: f.timeNs - t0 });
      const hw1 = port.hwDrops?.();
      const hw: HwStep[] = refused ? [refused] : hw0 && hw1 ? HW_DROPS.filter((_, k) => hw1[k] !== hw0[k]) : [];
      results.push(decode(x, i, out, names, withPath, wireSet, hw));
    }
  } finally {
    x.traceOnOff(0);
    for (const i of sunk) x.replaySink(i, 0);
    for (const s of sockets) s.close();
    for (const t of tunFiles) t.close();
  }
  return results;
}

/**
 * Runs on until the devices are done with what they hold: an EMAC moderates its
 * interrupts (up to 250 us), so a frame can still wait in the RX ring when the
 * next input is due. Its outputs and path stay its own; the next input enters later.
 */
function settle(box: Box, x: TraceExports): void {
  for (let k = 0; k < 64; k++) {
    const u = x.hwBusyUntil();
    if (!(u > box.now)) return;
    box.run({ ns: u - box.now });
  }
}

function decode(x: TraceExports, id: number, out: ReplayOutput[], names: DecodeNames, withPath: boolean,
  wire: Set<number>, hw: HwStep[]): ReplayResult {
  const drops = names.drops;
  const path: string[] = withPath ? hw.map((h) => h.step) : [];
  let verdict: Verdict = 'drop';
  let reason = '';
  let seen = false;
  const st: DecodeState = {};
  const n = x.traceRecords();
  const dv = new DataView(x.memory.buffer, x.traceRecordsPtr() >>> 0, n * 16);
  for (let k = 0; k < n; k++) {
    const pkt = dv.getUint32(k * 16, true);
    if (pkt !== id) continue;
    const ev = dv.getUint32(k * 16 + 4, true), a = dv.getUint32(k * 16 + 8, true), b = dv.getUint32(k * 16 + 12, true);
    if (((ev === 1 || ev === 12) && wire.has(a)) || (ev === 40 && wire.has(a & 0xffffff))) continue; // the wire side of a veth
    if (ev === 14) {
      // the last verdict wins (a forwarded packet may still die waiting for its neighbour)
      verdict = VERDICTS[a] ?? 'drop';
      reason = verdict === 'drop' ? (st.routeReason && drops[b] === 'NOT_SPECIFIED' ? st.routeReason : drops[b] ?? String(b)) : '';
      seen = true;
      continue;
    }
    // without the path, only the records that decide the verdict are read (describe() keeps them in st)
    if (!withPath && ev !== 6 && ev !== 73) continue;
    if (ev === 72 && path.length) { path[path.length - 1] = path[path.length - 1].replace(/ dev /, ` via ${ip4(a)} dev `); continue; }
    const d = describe(ev, a, b, names, st);
    if (!withPath) continue;
    if (Array.isArray(d)) path.push(...d);
    else if (d) path.push(d);
  }
  if (!seen) {
    // before the stack: the hardware dropped it, or the driver freed it (consume_skb, no drop reason)
    if (hw.length) { verdict = 'drop'; reason = hw[0].reason; }
    else if (st.driverFreed) { verdict = 'consumed'; reason = ''; }
    else { verdict = 'drop'; reason = 'NOT_SPECIFIED'; }
  }
  return { in: id, verdict, reason, path, out };
}

/** Reads a capture (pcap or pcapng) into replay inputs: device from the pcapng if_name, or `dev` for classic pcap. */
export function inputsFromCapture(buf: Uint8Array, dev?: string): ReplayInput[] { return captureInputs(buf, dev).inputs; }

/** inputsFromCapture, and the capture time of the first packet (ns since the epoch; 0 for an empty capture). */
export function captureInputs(buf: Uint8Array, dev?: string): { inputs: ReplayInput[]; startNs: bigint } {
  const cap = readCapture(buf, { pcapIfName: dev });
  const pk: CapturePacket[] = cap.packets;
  if (!pk.length) return { inputs: [], startNs: 0n };
  const t0 = pk[0].tsNs;
  const inputs = pk.map((p) => {
    const d = p.ifName ?? cap.interfaces[p.ifIndex]?.name ?? dev;
    if (!d) throw new CaptureFormatError(cap.format, p.offset, 'its interface has no name (if_name; for a classic pcap give --dev NAME)', 'packet');
    return { dev: d, data: p.data.slice(), timeNs: Number(p.tsNs - t0), linkType: p.linkType };
  });
  return { inputs, startNs: t0 };
}

/**
 * Writes what a replay sent into a pcapng (what `netpath replay -w` writes): one interface per
 * device that sent, named after it (tun devices carry IP packets: RAW), each frame stamped with
 * the time its device sent it, all in the order they were sent. `startNs`: the capture time of
 * the first input (captureInputs), so the output shares the input's clock; `comment`: each
 * frame's opt_comment, by default the input's number and verdict.
 */
export function writeReplayPcapng(
  box: Box, results: readonly ReplayResult[], w: PcapngWriter,
  opts: { startNs?: bigint; comment?: (r: ReplayResult, k: number) => string } = {},
): void {
  const raw = new Set(box.kernel.links().filter((l) => l.tun && !(l.tun.flags & IFF_TAP)).map((l) => l.name));
  const t0 = opts.startNs ?? 0n;
  const note = opts.comment ?? ((r) => `in ${r.in}: ${r.verdict}${r.reason ? ' ' + r.reason : ''}`);
  // a stable sort: frames sent at the same time keep the order of their inputs
  const sent = results.flatMap((r, k) => r.out.map((o) => ({ o, r, k }))).sort((a, b) => a.o.timeNs - b.o.timeNs);
  for (const { o, r, k } of sent) {
    w.writePacket({
      ifIndex: w.interfaceFor(o.dev, raw.has(o.dev) ? LinkType.RAW : LinkType.ETHERNET),
      tsNs: t0 + BigInt(Math.round(o.timeNs)), data: o.data, direction: 'out', comment: note(r, k),
    });
  }
}
