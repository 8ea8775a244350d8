// VLAN devices' packets against the kernel (see vlan-scenarios.ts for why the
// VLAN device's own frames are compared through the kernel's answers on an
// untagged port: this project's oracle kernel has no CONFIG_VLAN_8021Q).
// Frames go in through a veth (tagged in-band) and through an EMAC port
// (the tag stripped by the hardware, RRD_CVTAG, and inserted on transmit,
// TPD_INSTC); the frames that come out are compared byte for byte (IP IDs of
// the box's own packets masked, as in the packet differential), and the
// ports' counters too. The kernel's answers are recorded in
// test/fixtures/devices/vlan-packets.json (RECORD=1 rewrites it); where
// namespaces can be made the live kernel is asked as well.
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { Box } from '../../src/box.js';
import { buildScenarioBox, runPacketsNetpath } from '../pktdiff/netpath.js';
import { canRunPackets, runPacketsKernel, type FrameResult, type OutFrame } from '../pktdiff/kernel.js';
import { normalize } from '../pktdiff/compare.js';
import type { PktScenario } from '../pktdiff/gen.js';
import {
  TRANSPARENT_KERNEL, transparentVlan, UNKNOWN_VID_KERNEL, UNKNOWN_VID_NETPATH, VID, P0, kernelPortStats, type PortStats,
} from './vlan-scenarios.js';

interface Recorded { transparent: FrameResult[]; unknownVid: FrameResult[]; transparentStats: PortStats; unknownVidStats: PortStats }
const FIXTURE = new URL('../fixtures/devices/vlan-packets.json', import.meta.url);
const can = canRunPackets();

async function kernelAnswers(): Promise<Recorded> {
  return {
    transparent: await runPacketsKernel(TRANSPARENT_KERNEL, { nsPrefix: 'np-vlan' }),
    unknownVid: await runPacketsKernel(UNKNOWN_VID_KERNEL, { nsPrefix: 'np-vlan' }),
    transparentStats: await kernelPortStats(TRANSPARENT_KERNEL),
    unknownVidStats: await kernelPortStats(UNKNOWN_VID_KERNEL),
  };
}
let recorded: Recorded;
if (process.env.RECORD && can.ok) writeFileSync(FIXTURE, JSON.stringify(await kernelAnswers(), null, 1) + '\n');
recorded = JSON.parse(readFileSync(FIXTURE, 'utf8'));

const ORDER = ['p0', 'p1'];
/** The kernel's outputs for one frame, masked (normalize), with `vid`'s tag added to every frame on p0 after masking. */
function expectTagged(kernelIn: string, outs: OutFrame[], tpid = 0x8100): string[] {
  return normalize(kernelIn, outs, ORDER).map((o) => `${o.port} ${o.port === 'p0' ? o.hex.slice(0, 24) + tpid.toString(16) + VID.toString(16).padStart(4, '0') + o.hex.slice(24) : o.hex}`);
}
/** netpath's outputs: a frame on p0 must carry the tag; it is taken out for masking, then put back. */
function gotTagged(kernelIn: string, outs: OutFrame[], tpid = 0x8100): string[] {
  const tag = tpid.toString(16) + VID.toString(16).padStart(4, '0');
  const strip = outs.map((o) => (o.port !== 'p0' ? o : o.hex.slice(24, 32) === tag ? { ...o, hex: o.hex.slice(0, 24) + o.hex.slice(32) } : { ...o, hex: `untagged:${o.hex}` }));
  return normalize(kernelIn, strip.filter((o) => !o.hex.startsWith('untagged:')), ORDER)
    .map((o) => `${o.port} ${o.port === 'p0' ? o.hex.slice(0, 24) + tag + o.hex.slice(24) : o.hex}`)
    .concat(strip.filter((o) => o.hex.startsWith('untagged:')).map((o) => `${o.port} ${o.hex}`));
}
const plain = (inHex: string, outs: OutFrame[]) => normalize(inHex, outs, ORDER).map((o) => `${o.port} ${o.hex}`);

/** the counters the test compares: what a VLAN changes on its lower is the tag's 4 bytes on received frames */
function counters(s: PortStats): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [dev, v] of Object.entries(s)) {
    const { rx, tx } = v as { rx: Record<string, number>; tx: Record<string, number> };
    out[dev] = { rxBytes: rx.bytes, rxPackets: rx.packets, rxDropped: rx.dropped, rxOtherhost: rx.otherhost ?? 0, txBytes: tx.bytes, txPackets: tx.packets, txDropped: tx.dropped };
  }
  return out;
}
async function netpathStats(sc: PktScenario, at: number[], box?: Box): Promise<{ stats: PortStats; box: Box }> {
  const b = box ?? await buildScenarioBox(sc);
  b.replay(sc.frames.map((f, i) => ({ dev: f.port, data: new Uint8Array(Buffer.from(f.hex, 'hex')), timeNs: Math.round(at[i] * 1e6) })), { trace: false });
  const stats: PortStats = {};
  for (const p of sc.ports) stats[p.name] = (JSON.parse(b.ip(`-s -s -j link show ${p.name}`).stdout) as { stats64: unknown }[])[0].stats64;
  return { stats, box: b };
}

/** The EMAC variant: p0 is an EMAC port (02:00:00:00:00:01) instead of a veth end. */
function onEmac(sc: PktScenario): PktScenario {
  return { ...sc, steps: sc.steps.flatMap((s) => ('port' in s && s.port.name === 'p0' ? [{ ip: `link add p0 address ${P0.mac} type emac` }] : [s])) };
}

function checkTransparent(kernel: FrameResult[], netpath: FrameResult[], tpid = 0x8100) {
  const k = TRANSPARENT_KERNEL.frames.map((f, i) => [f.case, expectTagged(f.hex, kernel[i].out, tpid)]);
  const n = TRANSPARENT_KERNEL.frames.map((f, i) => [f.case, gotTagged(f.hex, netpath[i].out, tpid)]);
  expect(n).toEqual(k);
}

describe('VLAN device packets: the kernel\'s answers with the tag', () => {
  const at = recorded.transparent.map((r) => r.at);
  it('over a veth: ARP reply and echo replies tagged, forwarding between the VLAN and an untagged port, the ARP request of a resolution tagged', async () => {
    checkTransparent(recorded.transparent, await runPacketsNetpath(transparentVlan(), at));
  });
  it('802.1ad (protocol 802.1ad): the same with the 0x88a8 tag', async () => {
    checkTransparent(recorded.transparent, await runPacketsNetpath(transparentVlan(0x88a8), at), 0x88a8);
  });
  it('over an EMAC port: the tag stripped by the MAC (RRD_CVTAG) on receive and inserted by it (TPD_INSTC) on transmit', async () => {
    const sc = onEmac(transparentVlan());
    const box = await buildScenarioBox(sc);
    const trace = box.replay(sc.frames.map((f, i) => ({ dev: f.port, data: new Uint8Array(Buffer.from(f.hex, 'hex')), timeNs: Math.round(at[i] * 1e6) })));
    // the MAC pads short frames to 60 bytes on the wire; the kernel's veth sent them unpadded
    const unpad = (h: string) => {
      const b = Buffer.from(h, 'hex');
      const l3 = b.readUInt16BE(16) === 0x0806 ? 28 : b.readUInt16BE(16) === 0x0800 ? b.readUInt16BE(20) : b.length - 18;
      return b.length === 60 && b.subarray(18 + l3).every((x) => x === 0) ? h.slice(0, (18 + l3) * 2) : h;
    };
    const got = trace.map((r) => ({ at: 0, out: r.out.map((o) => ({ port: o.dev, hex: o.dev === 'p0' ? unpad(Buffer.from(o.data).toString('hex')) : Buffer.from(o.data).toString('hex') })) }));
    checkTransparent(recorded.transparent, got);
    // the driver saw the hardware's tag, and the driver asked the hardware to insert one
    expect(trace[1].path.join('\n')).toMatch(/vlan_do_receive: p0 vid 10 → p0\.10/);
    expect(trace[1].path.join('\n')).toMatch(/vlan_dev_hard_start_xmit: p0\.10 → dev_queue_xmit on p0/);
    expect(box.ethtool('-S p0').stdout).toContain(`rx_ok: ${sc.frames.filter((f) => f.port === 'p0').length}\n`);
  });
  it('counters: the lower counts the tag\'s 4 bytes in (in-band from the wire) but not out (inserted by its driver); the VLAN device counts as vlan_do_receive and vlan_dev_hard_start_xmit do', async () => {
    const { stats, box } = await netpathStats(transparentVlan(), at);
    const k = counters(recorded.transparentStats), n = counters(stats);
    expect(n.p1).toEqual(k.p1);
    expect(n.p0).toEqual({ ...k.p0, rxBytes: k.p0.rxBytes + 4 * TRANSPARENT_KERNEL.frames.filter((f) => f.port === 'p0').length });
    // the VLAN device: rx bytes without the Ethernet header (skb->len after eth_type_trans), tx bytes with it
    const inP0 = TRANSPARENT_KERNEL.frames.filter((f) => f.port === 'p0').map((f) => f.hex.length / 2);
    const outP0 = recorded.transparent.flatMap((r) => r.out.filter((o) => o.port === 'p0')).map((o) => o.hex.length / 2);
    const v = (JSON.parse(box.ip(`-s -j link show p0.${VID}`).stdout) as { stats64: { rx: Record<string, number>; tx: Record<string, number> } }[])[0].stats64;
    expect([v.rx.packets, v.rx.bytes, v.tx.packets, v.tx.bytes, v.rx.dropped, v.tx.dropped])
      .toEqual([inP0.length, inP0.reduce((a, b) => a + b - 14, 0), outP0.length, outP0.reduce((a, b) => a + b, 0), 0, 0]);
  });
});

describe('tagged frames without a VLAN device of their id: as the kernel', () => {
  it('vid 20: nothing answers (ip_rcv drops PACKET_OTHERHOST, counted as otherhost; arp_rcv consumes); vid 0: p0 itself answers', async () => {
    const n = await runPacketsNetpath(UNKNOWN_VID_NETPATH, recorded.unknownVid.map((r) => r.at));
    expect(UNKNOWN_VID_NETPATH.frames.map((f, i) => [f.case, plain(f.hex, n[i].out)]))
      .toEqual(UNKNOWN_VID_KERNEL.frames.map((f, i) => [f.case, plain(f.hex, recorded.unknownVid[i].out)]));
    const { stats } = await netpathStats(UNKNOWN_VID_NETPATH, recorded.unknownVid.map((r) => r.at));
    expect(counters(stats)).toEqual(counters(recorded.unknownVidStats));
    expect(counters(stats).p0.rxOtherhost).toBe(2);
  });
});

describe('live kernel', () => {
  it.skipIf(!can.ok)('answers as recorded (frames after masking, counters)', async () => {
    const live = await kernelAnswers();
    const m = (sc: PktScenario, r: FrameResult[]) => sc.frames.map((f, i) => plain(f.hex, r[i].out));
    expect(m(TRANSPARENT_KERNEL, live.transparent)).toEqual(m(TRANSPARENT_KERNEL, recorded.transparent));
    expect(m(UNKNOWN_VID_KERNEL, live.unknownVid)).toEqual(m(UNKNOWN_VID_KERNEL, recorded.unknownVid));
    expect(counters(live.transparentStats)).toEqual(counters(recorded.transparentStats));
    expect(counters(live.unknownVidStats)).toEqual(counters(recorded.unknownVidStats));
  }, 60_000);
  it.skipIf(can.ok)(`live kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
});
