// Local delivery driven directly (assembly/inetabi.ts inetDeliver: what
// ip_local_deliver does with a packet whose input route is given), with the
// packets it originates captured instead of sent (xmitCaptureOn), so ICMP,
// TCP reset and UDP building can be checked without the rest of the path.
import { readFileSync, readdirSync } from 'node:fs';
import { Box } from '../../src/box.js';
import type { PktScenario } from '../pktdiff/gen.js';
import type { FrameResult } from '../pktdiff/kernel.js';

export interface InetCore {
  memory: WebAssembly.Memory;
  hwWireStagePtr(): number;
  inetDeliver(len: number, ifindex: number, pktType: number, rtType: number, rtFlags: number): number;
  xmitCaptureOn(on: boolean): void;
  xmitCaptureBuf(): number;
  xmitCaptureLen(): number;
  xmitCaptureClear(): void;
  icmpRatelimitReset(): void;
  inetSkbFree(): number;
  ipfragCounter(which: number): number;
  ipfragRun(): void;
  netRun(deadline: number): number;
  hwClockNow(): number;
  dropReasonTotal(r: number): number;
  DROP_REASON_MAX: { value: number };
  dropReasonLabel(r: number): string;
}

export const RTN_LOCAL = 2, RTN_BROADCAST = 3, RTN_MULTICAST = 5;
export const RTCF_LOCAL = 0x80000000, RTCF_BROADCAST = 0x10000000, RTCF_MULTICAST = 0x20000000;
export const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2;

export function core(box: Box): InetCore { return box.kernel.core as unknown as InetCore; }

/** Delivers an IPv4 packet (no Ethernet header) as received on `dev`; returns what was captured. */
export function deliver(box: Box, pkt: Uint8Array, dev: string, o: { pktType?: number; rtType?: number; rtFlags?: number } = {}): Uint8Array[] {
  const c = core(box);
  const ifindex = box.kernel.links().find((l) => l.name === dev)?.ifindex ?? 0;
  c.xmitCaptureOn(true);
  const stage = c.hwWireStagePtr() >>> 0; // first: the call may grow memory and detach older views
  new Uint8Array(c.memory.buffer).set(pkt, stage);
  c.inetDeliver(pkt.length, ifindex, o.pktType ?? PACKET_HOST, o.rtType ?? RTN_LOCAL, o.rtFlags ?? RTCF_LOCAL);
  return captured(box);
}

/** the packets captured since the last call */
export function captured(box: Box): Uint8Array[] {
  const c = core(box);
  const base = c.xmitCaptureBuf() >>> 0, n = c.xmitCaptureLen();
  const mem = new Uint8Array(c.memory.buffer), dv = new DataView(c.memory.buffer);
  const out: Uint8Array[] = [];
  for (let off = 0; off < n;) {
    const len = dv.getUint32(base + off, true);
    out.push(mem.slice(base + off + 4, base + off + 4 + len));
    off += (4 + len + 3) & ~3;
  }
  c.xmitCaptureClear();
  return out;
}

/** A box configured as a scenario's DUT (ports are veth pairs whose peers are up). */
export async function scenarioBox(sc: PktScenario): Promise<Box> {
  const box = await Box.create();
  for (const st of sc.steps) {
    if ('sysctl' in st) {
      try { box.sysctl(st.sysctl[0], st.sysctl[1]); } catch { /* keys netpath does not model */ }
    } else if ('port' in st) {
      const p = st.port;
      const r = box.ip(`link add ${p.name} address ${p.mac} type veth peer name t${p.name} address ${p.peerMac}`);
      if (r.status !== 0) throw new Error(r.stderr);
      box.ip(`link set t${p.name} up`);
    } else {
      const r = box.ip(st.ip);
      if (r.status !== 0) throw new Error(`${st.ip}: ${r.stderr}`);
    }
  }
  return box;
}

export interface Fixture extends PktScenario { kernel: FrameResult[] }
export function fixtures(): Fixture[] {
  const dir = new URL('../fixtures/packets/', import.meta.url);
  return readdirSync(dir).filter((f) => /^seed-\d+\.json$/.test(f)).sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture);
}

export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** IP id and header checksum zeroed (what the differential test masks in originated packets) */
export function maskOriginated(ipPkt: Uint8Array): string {
  const b = ipPkt.slice();
  b[4] = 0; b[5] = 0; b[10] = 0; b[11] = 0;
  return hexOf(b);
}
