// The EMAC driver model (assembly/drivers/emac.ts) seen from the host: the Linux
// driver's sequence running in WASM on a NIC of EmacHw. Until the core's
// netdevice layer binds it (ip link add ... type emac), this is how tests and
// tools drive it: probe, open, phy polls, batched xmit and collect of what the
// driver handed up. Its interrupt handler runs inside hw.run().
import type { EmacHw, EmacNic } from './emac.js';

export interface DriverTxOptions {
  vlan?: number;
  csum?: { start: number; offset: number };
  tso?: { mss: number; l4: number; v6?: boolean };
}
export interface DriverRxPacket { data: Uint8Array; csumUnnecessary: boolean; hwVlan: boolean }

const COUNTERS = ['rxPackets', 'rxDropped', 'txPackets', 'txDropped', 'reinits', 'overWarnings', 'intMaskInPoll', 'linkUp', 'speed',
  'rxbufSize', 'txTimeouts', 'queueStopped', 'decodeErrors', 'sgmiiIrqs', 'phyAddr'] as const;
export type DriverCounters = Record<(typeof COUNTERS)[number], number>;

/** Trace points of the driver model (TP_* in assembly/drivers/emac.ts), by number. */
export const TRACE_POINTS = ['', 'isr-entry', 'isr-masked', 'isr-status', 'napi-poll', 'soft-rst', 'reset-done',
  'serdes-ready', 'tx-timeout', 'sgmii-isr'] as const;
export type TracePoint = Exclude<(typeof TRACE_POINTS)[number], ''>;
/** One trace entry: the device as the driver model saw it at a trace point (registers read without side effects). */
export interface TraceEntry {
  point: TracePoint; nic: number; t: number; arg: number;
  dmaMasCtrl: number; intStatus: number; intMask: number; irq: boolean;
  mailbox0: number; mailbox2: number; mailbox3: number; mailbox15: number;
  macCtrl: number; txqCtrl0: number; rxqCtrl0: number; txBusy: boolean;
  sgmiiStatus: number; sgmiiIrq: boolean;
}
const TRACE_FIELDS = 18;

function errno(rc: number, what: string): void {
  if (rc < 0) throw new Error(`${what}: errno ${-rc}`);
}

export class EmacDriverModel {
  constructor(readonly hw: EmacHw, readonly nic: EmacNic) {}

  private get x() { return this.hw.exports; }

  /** emac_probe with the permanent MAC address. */
  probe(mac: string): void {
    const b = mac.split(':').map((h) => parseInt(h, 16));
    errno(this.x.hwEmacDrvProbe(this.nic.index, (b[0] << 8) | b[1], ((b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5]) >>> 0), 'emac_probe');
  }
  /** emac_open (ndo_open). */
  open(): void { errno(this.x.hwEmacDrvOpen(this.nic.index), 'emac_open'); }
  close(): void { this.x.hwEmacDrvClose(this.nic.index); }
  changeMtu(mtu: number): void { errno(this.x.hwEmacDrvChangeMtu(this.nic.index, mtu), 'change_mtu'); }
  /** The phylib timer, every `everyNs`, until the link is up. */
  waitLink(everyNs = 1_000_000, timeoutNs = 100_000_000): void {
    for (let t = 0; this.x.hwEmacDrvPhyPoll(this.nic.index) !== 1; t += everyNs) {
      if (t > timeoutNs) throw new Error('emac: link did not come up');
      this.hw.run({ ns: everyNs });
    }
  }
  phyPoll(): boolean { return this.x.hwEmacDrvPhyPoll(this.nic.index) === 1; }

  /** dev_queue_xmit for a batch with the same offloads. Returns how many were queued. */
  xmit(frames: Uint8Array[], o: DriverTxOptions = {}): number {
    const x = this.x;
    const stage = x.hwWireStagePtr() >>> 0, size = x.hwWireStageSize() >>> 0;
    let queued = 0, i = 0;
    while (i < frames.length) {
      const mem = new Uint8Array(x.memory.buffer), dv = new DataView(x.memory.buffer);
      let off = 0, n = 0;
      for (; i < frames.length; i++, n++) {
        const f = frames[i];
        const rec = (4 + f.length + 3) & ~3;
        if (off + rec > size) break;
        dv.setUint32(stage + off, f.length, true);
        mem.set(f, stage + off + 4);
        off += rec;
      }
      if (n === 0) throw new RangeError('xmit: frame larger than the stage area');
      queued += x.hwEmacDrvXmit(this.nic.index, n, o.vlan ?? -1, o.csum?.start ?? -1, o.csum?.offset ?? 0,
        o.tso?.mss ?? 0, o.tso?.v6 ? 1 : 0, o.tso?.l4 ?? 0);
    }
    return queued;
  }

  /** What the driver handed up (netif_receive_skb), in order. A stripped VLAN tag is pushed back inline. */
  collect(): DriverRxPacket[] {
    const x = this.x;
    const out: DriverRxPacket[] = [];
    for (;;) {
      const n = x.hwEmacDrvCollect(this.nic.index);
      if (n === 0) break;
      const stage = x.hwWireStagePtr() >>> 0;
      const mem = new Uint8Array(x.memory.buffer), dv = new DataView(x.memory.buffer);
      let off = 0;
      for (let k = 0; k < n; k++) {
        const w = dv.getUint32(stage + off, true);
        const len = w & 0xffff, fl = w >>> 16;
        out.push({ data: mem.slice(stage + off + 4, stage + off + 4 + len), csumUnnecessary: !!(fl & 1), hwVlan: !!(fl & 2) });
        off += (4 + len + 3) & ~3;
      }
    }
    return out;
  }

  /** emac_rx_mode_set */
  rxMode(o: { promisc?: boolean; allmulti?: boolean; mc?: number[][] }): void {
    const x = this.x;
    const mc = o.mc ?? [];
    const mem = new Uint8Array(x.memory.buffer);
    const stage = x.hwWireStagePtr() >>> 0;
    mc.forEach((a, i) => mem.set(a, stage + i * 6));
    x.hwEmacDrvRxMode(this.nic.index, o.promisc ? 1 : 0, o.allmulti ? 1 : 0, mc.length);
  }

  get counters(): DriverCounters {
    const r = {} as DriverCounters;
    COUNTERS.forEach((k, i) => { r[k] = this.x.hwEmacDrvCounter(this.nic.index, i); });
    return r;
  }

  /** Lets `ns` of virtual time pass with the driver model's timers (the netdev TX watchdog) firing when due. */
  run(ns: number): void {
    const end = this.hw.now + Math.floor(ns);
    for (;;) {
      const t = this.x.hwEmacDrvTimerNext(this.nic.index);
      if (t < 0 || t > end) break;
      this.hw.run({ ns: Math.max(0, t - this.hw.now) });
      this.x.hwEmacDrvTimerRun(this.nic.index);
    }
    this.hw.run({ ns: Math.max(0, end - this.hw.now) });
  }

  /** TEST ONLY: starts recording the driver model's trace points (clears earlier entries). */
  traceOn(): void { this.x.hwEmacDrvTestTrace(1); }
  /** TEST ONLY: the entries recorded since traceOn(), in order; `point` filters. */
  trace(point?: TracePoint): TraceEntry[] {
    const x = this.x, out: TraceEntry[] = [];
    const n = x.hwEmacDrvTestTraceCount();
    for (let i = 0; i < n; i++) {
      const f = Array.from({ length: TRACE_FIELDS }, (_, k) => x.hwEmacDrvTestTraceField(i, k));
      const e: TraceEntry = {
        point: TRACE_POINTS[f[0]] as TracePoint, nic: f[1], t: f[2], arg: f[3],
        dmaMasCtrl: f[4] >>> 0, intStatus: f[5] >>> 0, intMask: f[6] >>> 0, irq: f[7] !== 0,
        mailbox0: f[8] >>> 0, mailbox2: f[9] >>> 0, mailbox3: f[10] >>> 0, mailbox15: f[11] >>> 0,
        macCtrl: f[12] >>> 0, txqCtrl0: f[13] >>> 0, rxqCtrl0: f[14] >>> 0, txBusy: f[15] !== 0,
        sgmiiStatus: f[16] >>> 0, sgmiiIrq: f[17] !== 0,
      };
      if (e.nic === this.nic.index && (point === undefined || e.point === point)) out.push(e);
    }
    return out;
  }
  /** TEST ONLY: stops recording. */
  traceOff(): void { this.x.hwEmacDrvTestTrace(0); }

  /** emac_update_hw_stats, then the 64-bit total at `index` (struct emac_stats order; TX from 25). */
  stat(index: number, update = true): number { return this.x.hwEmacDrvStat(this.nic.index, index, update ? 1 : 0); }
}
