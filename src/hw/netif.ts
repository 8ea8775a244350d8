// The device layer of the core seen from the host: packet sockets (AF_PACKET,
// SOCK_RAW, ETH_P_ALL) and the kernel's drop-reason counters. Frames cross in
// batches through the shared stage area: one WASM call per batch.
//
//   const sock = box.packet('eth0');
//   sock.send([frame]);           // packet_snd → dev_queue_xmit on eth0
//   box.run({ ns: 1e6 });
//   sock.recv();                  // what the ptype_all tap saw, in order

/** The exports of assembly/netabi.ts (and the stage area of assembly/hw/abi.ts) the host uses. */
export interface NetExports {
  memory: WebAssembly.Memory;
  hwWireStagePtr(): number;
  hwWireStageSize(): number;
  hwClockNow(): number;
  netRun(deadline: number): number;
  netSoftirq(): void;
  linkNic(ifindex: number): number;
  linkName(ifindex: number): string;
  packetSocket(ifindex: number): number;
  packetSocketClose(s: number): void;
  packetSocketDrops(s: number): number;
  packetSendBatch(s: number, ifindex: number, count: number): number;
  packetRecvBatch(s: number): number;
  DROP_REASON_MAX: { value: number };
  dropReasonTotal(r: number): number;
  dropReasonLabel(r: number): string;
  netCounter(which: number): number;
  qdiscCounter(ifindex: number, which: number): number;
}

/** skb->pkt_type (PACKET_* of linux/if_packet.h) */
export type PktType = 'host' | 'broadcast' | 'multicast' | 'otherhost' | 'outgoing' | 'loopback';
const PKT_TYPES: PktType[] = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing', 'loopback'];

/** One frame a packet socket saw: the bytes from the Ethernet header on, and the sockaddr_ll facts. */
export interface PacketRecord {
  data: Uint8Array;
  ifindex: number;
  dev: string;
  /** 'out' for frames the box sent (PACKET_OUTGOING), 'in' for received ones */
  direction: 'in' | 'out';
  pktType: PktType;
  /** skb->protocol (ethertype, host order) */
  protocol: number;
  /** a hardware-stripped VLAN tag (PACKET_AUXDATA tp_vlan_tci), if any */
  vlanTci?: number;
  /** its protocol (PACKET_AUXDATA tp_vlan_tpid): 0x8100 or 0x88a8 */
  vlanTpid?: number;
  /** when the socket saw it: virtual ns, as box.now (the skb's timestamp, SO_TIMESTAMPNS) */
  timeNs: number;
}

export interface SendResult {
  /** frames handed to dev_queue_xmit */
  sent: number;
  /** per frame: 0, or the errno sendmsg would return (6 ENXIO, 100 ENETDOWN, 22 EINVAL, 90 EMSGSIZE, 105 ENOBUFS) */
  errors: number[];
}

const REC_HDR = 24;

/** A packet socket; bound to one device, or to all (`dev` undefined). */
export class PacketSocket {
  private closed = false;
  constructor(private readonly x: NetExports, readonly id: number, readonly ifindex: number,
    private readonly ifindexOf: (name: string) => number) {}

  /** sendmsg for each frame (Ethernet header included), in one call per stage-full. */
  send(frames: Uint8Array[], dev?: string): SendResult {
    if (this.closed) throw new Error('packet: socket closed');
    const ifindex = dev !== undefined ? this.ifindexOf(dev) : this.ifindex;
    if (!ifindex) throw new Error(dev === undefined ? 'packet: unbound socket: give a device' : `packet: no device ${dev}`);
    const x = this.x;
    const stage = x.hwWireStagePtr() >>> 0, size = x.hwWireStageSize() >>> 0;
    const errors: number[] = [];
    let sent = 0, i = 0;
    while (i < frames.length) {
      const start = i;
      let mem = new Uint8Array(x.memory.buffer), dv = new DataView(x.memory.buffer);
      let off = 0;
      for (; i < frames.length; i++) {
        const f = frames[i];
        if (f.length > 0xffff) throw new RangeError(`packet: frame of ${f.length} bytes`);
        const rec = (4 + f.length + 3) & ~3;
        if (off + rec > size) break;
        dv.setUint32(stage + off, f.length, true);
        mem.set(f, stage + off + 4);
        off += rec;
      }
      if (i === start) throw new RangeError('packet: frame larger than the stage area');
      sent += x.packetSendBatch(this.id, ifindex, i - start);
      dv = new DataView(x.memory.buffer);
      mem = new Uint8Array(x.memory.buffer);
      off = 0;
      for (let k = start; k < i; k++) {
        errors.push(-dv.getInt32(stage + off, true) | 0);
        off += (4 + frames[k].length + 3) & ~3;
      }
    }
    return { sent, errors };
  }

  /** Everything queued on the socket, in arrival order (one call per stage-full). */
  recv(): PacketRecord[] {
    if (this.closed) return [];
    const x = this.x;
    const out: PacketRecord[] = [];
    const names = new Map<number, string>();
    for (;;) {
      const n = x.packetRecvBatch(this.id);
      if (n === 0) break;
      const stage = x.hwWireStagePtr() >>> 0;
      const mem = new Uint8Array(x.memory.buffer), dv = new DataView(x.memory.buffer);
      let off = 0;
      for (let k = 0; k < n; k++) {
        const len = dv.getUint32(stage + off, true);
        const ifindex = dv.getUint32(stage + off + 4, true);
        const pt = mem[stage + off + 8], flags = mem[stage + off + 9];
        const r: PacketRecord = {
          data: mem.slice(stage + off + REC_HDR, stage + off + REC_HDR + len), ifindex, dev: '',
          direction: pt === 4 ? 'out' : 'in', pktType: PKT_TYPES[pt] ?? 'host',
          protocol: dv.getUint16(stage + off + 10, true), timeNs: Number(dv.getBigInt64(stage + off + 16, true)),
        };
        if (flags & 1) {
          // tp_vlan_tci, and tp_vlan_tpid (TP_STATUS_VLAN_TPID_VALID): 802.1ad when the core's bit 16 is set
          const t = dv.getUint32(stage + off + 12, true);
          r.vlanTci = t & 0xffff;
          r.vlanTpid = t & 0x10000 ? 0x88a8 : 0x8100;
        }
        out.push(r);
        off += (REC_HDR + len + 3) & ~3;
      }
    }
    for (const r of out) {
      let name = names.get(r.ifindex);
      if (name === undefined) { name = x.linkName(r.ifindex); names.set(r.ifindex, name); }
      r.dev = name;
    }
    return out;
  }

  /** Frames lost because the socket's receive buffer was full (tp_drops). */
  get drops(): number { return this.x.packetSocketDrops(this.id); }

  close(): void {
    if (!this.closed) this.x.packetSocketClose(this.id);
    this.closed = true;
  }
}

/** The kernel's drop counters by SKB_DROP_REASON_* name (without the prefix), non-zero ones only. */
export function dropReasons(x: NetExports): Record<string, number> {
  const r: Record<string, number> = {};
  const max = x.DROP_REASON_MAX.value;
  for (let i = 2; i < max; i++) {
    const v = x.dropReasonTotal(i);
    if (v) r[x.dropReasonLabel(i)] = v;
  }
  return r;
}

/** The skb pool and the backlog. */
export function netCounters(x: NetExports): { skbFree: number; skbPool: number; skbAllocFailures: number; backlog: number; backlogDropped: number; consumed: number } {
  return {
    skbFree: x.netCounter(0), skbPool: x.netCounter(1), skbAllocFailures: x.netCounter(2),
    backlog: x.netCounter(3), backlogDropped: x.netCounter(4), consumed: x.dropReasonTotal(1),
  };
}

/**
 * The frame as it was on the wire: a tag the device had taken out (hardware stripping, or
 * skb_vlan_untag on receive) written back after the MAC addresses, as libpcap does from
 * PACKET_AUXDATA.
 */
export function withVlanTag(r: PacketRecord): Uint8Array {
  if (r.vlanTci === undefined || r.data.length < 12) return r.data;
  const out = new Uint8Array(r.data.length + 4);
  out.set(r.data.subarray(0, 12), 0);
  const tpid = r.vlanTpid ?? 0x8100;
  out[12] = tpid >> 8; out[13] = tpid & 255; out[14] = (r.vlanTci >> 8) & 255; out[15] = r.vlanTci & 255;
  out.set(r.data.subarray(12), 16);
  return out;
}
