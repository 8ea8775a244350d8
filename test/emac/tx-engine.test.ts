// The TX engine with several packets queued: each one completes (frames visible,
// MAILBOX_2 past it, TX_PKT_INT) when its own last bit leaves the wire, back to
// back after the one before, whatever steps the host runs the clock in, and a
// packet the engine cannot send is found when the engine gets to it, not earlier.
import { describe, it, expect } from 'vitest';
import { bare, linked, rawRings, putTpd, MOD_NS } from './helpers.js';
import { frame, checksumsOk } from './frames.js';
import type { EmacHw, EmacNic } from '../../src/hw/emac.js';
import {
  EMAC, INT_RD_CLR_EN, IRQ_MODERATOR_EN, IRQ_MODERATOR2_EN, TX_PKT_INT, TXQ_TO_INT, SOFT_RST, TPD_LAST_FRAGMENT, TXEN,
} from '../../src/hw/emac-regs.js';

const DST = [0x02, 0, 0, 0, 0, 0x77];
/** A frame's time on the wire at 1 Gb/s: at least 60 bytes, plus FCS, preamble and inter-frame gap. */
const wireNs = (len: number) => (Math.max(len, 60) + 24) * 8;

/** Raw rings with MOD1 and MOD2 on (125 counts: 250 us), as the drivers program them. */
async function engine() {
  const { hw, nic } = await bare();
  const r = rawRings(hw, nic, { n: 16, tpds: 64 });
  nic.mmio.write32(EMAC.IRQ_MOD_TIM_INIT, (125 << 16) | 125);
  nic.mmio.write32(EMAC.DMA_MAS_CTRL, INT_RD_CLR_EN | IRQ_MODERATOR_EN | IRQ_MODERATOR2_EN);
  return { hw, nic, tpd: r.tpd };
}

/** Writes frames into TPDs from index `at` (a length-0 entry: a TPD of length 0, which the engine must drop). */
function queue(hw: EmacHw, tpd: number, frames: (Uint8Array | null)[], at = 0): void {
  frames.forEach((f, i) => {
    const buf = hw.dma.alloc(512, 64);
    if (f) hw.dma.write(buf, f);
    putTpd(hw, tpd, at + i, f ? f.length : 0, TPD_LAST_FRAGMENT, buf);
  });
}

/** The end time of each frame sent back to back from `t0` on an idle wire. */
function backToBack(t0: number, frames: Uint8Array[]): number[] {
  let t = t0;
  return frames.map((f) => (t += wireNs(f.length)));
}

const mailbox2 = (nic: EmacNic) => nic.mmio.peek32(EMAC.MAILBOX_2) >>> 16;

describe('TX engine with packets queued behind each other', () => {
  it('completes each packet at its own time: MAILBOX_2 and the wire follow, whatever steps the host runs', async () => {
    const { hw, nic, tpd } = await engine();
    const frames = Array.from({ length: 24 }, (_, i) => frame({ dst: DST, payload: 20 + ((i * 37) % 150), fill: i }).bytes);
    queue(hw, tpd, frames);
    const t0 = hw.now;
    nic.mmio.write32(EMAC.MAILBOX_15, frames.length);
    const ends = backToBack(t0, frames);
    const seen: { data: Uint8Array; timeNs: number }[] = [];
    // uneven steps, some ending exactly on a frame's last bit
    const steps = [1, 333, ends[0] - t0 - 334, 1, 250, 4000, ends[10] - t0 - 4585, 7, 9999, 50_000];
    for (const s of steps) {
      hw.run({ ns: s });
      const out = ends.filter((e) => e <= hw.now).length;
      expect(mailbox2(nic), `MAILBOX_2 at +${hw.now - t0} ns`).toBe(out);
      seen.push(...nic.wire.collectTimed());
      expect(seen.length, `frames out at +${hw.now - t0} ns`).toBe(out);
    }
    expect(seen.map((f) => f.data)).toEqual(frames);
    expect(seen.map((f) => f.timeNs)).toEqual(ends);
    // MOD1 held TX_PKT_INT from the first completion
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & TX_PKT_INT).toBe(0);
    hw.run({ ns: ends[0] + MOD_NS - hw.now - 1 });
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & TX_PKT_INT).toBe(0);
    hw.run({ ns: 1 });
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & TX_PKT_INT).toBe(TX_PKT_INT);
  });

  it('packets queued while others are on the wire follow them without a gap', async () => {
    const { hw, nic, tpd } = await engine();
    const a = Array.from({ length: 5 }, (_, i) => frame({ dst: DST, payload: 100, fill: i }).bytes);
    const b = Array.from({ length: 5 }, (_, i) => frame({ dst: DST, payload: 40, fill: 10 + i }).bytes);
    queue(hw, tpd, a);
    const t0 = hw.now;
    nic.mmio.write32(EMAC.MAILBOX_15, 5);
    hw.run({ ns: 1500 }); // the second frame of `a` is on the wire
    queue(hw, tpd, b, 5);
    nic.mmio.write32(EMAC.MAILBOX_15, 10);
    hw.run({ ns: 100_000 });
    const out = nic.wire.collectTimed();
    expect(out.map((f) => f.data)).toEqual([...a, ...b]);
    expect(out.map((f) => f.timeNs)).toEqual(backToBack(t0, [...a, ...b]));
    expect(mailbox2(nic)).toBe(10);
  });

  it('a bad TPD behind packets on the wire raises TXQ_TO_INT when the engine gets to it; the packet after it goes on', async () => {
    const { hw, nic, tpd } = await engine();
    const f = Array.from({ length: 4 }, (_, i) => frame({ dst: DST, payload: 60, fill: i }).bytes);
    queue(hw, tpd, [f[0], f[1], f[2], null, f[3]]);
    const t0 = hw.now;
    const edges: number[] = [];
    nic.irq.onChange((level) => { if (level) edges.push(hw.now - t0); });
    nic.mmio.write32(EMAC.MAILBOX_15, 5);
    const ends = backToBack(t0, f.slice(0, 3));
    hw.run({ ns: ends[2] - t0 - 1 });
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & TXQ_TO_INT).toBe(0);
    expect(mailbox2(nic)).toBe(2);
    hw.run({ ns: 1 });
    expect(edges).toEqual([ends[2] - t0]);
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & TXQ_TO_INT).toBe(TXQ_TO_INT);
    expect(mailbox2(nic)).toBe(4); // past the three packets and the dropped TPD
    hw.run({ ns: 10_000 });
    const out = nic.wire.collectTimed();
    expect(out.map((x) => x.data)).toEqual(f);
    expect(out.map((x) => x.timeNs)).toEqual([...ends, ends[2] + wireNs(f[3].length)]);
    expect(mailbox2(nic)).toBe(5);
  });

  it('counts each packet in the TXMAC statistics when it starts, not before', async () => {
    const { hw, nic, tpd } = await engine();
    const frames = Array.from({ length: 5 }, (_, i) => frame({ dst: DST, payload: 100, fill: i }).bytes);
    queue(hw, tpd, frames);
    const t0 = hw.now;
    nic.mmio.write32(EMAC.MAILBOX_15, frames.length);
    const ends = backToBack(t0, frames);
    const txOk = () => nic.mmio.peek32(EMAC.TXMAC_STATC_REG0); // TX_OK (peek: no clear-on-read)
    hw.run({ ns: 1 });
    expect(txOk()).toBe(1);
    hw.run({ ns: ends[1] - hw.now - 1 }); // the second frame's last bit is still on the wire
    expect(txOk()).toBe(2);
    hw.run({ ns: 1 }); // it leaves; the third starts
    expect(txOk()).toBe(3);
    hw.run({ ns: 100_000 });
    expect(txOk()).toBe(5);
  });

  it('clearing TXEN lets the packet on the wire finish and holds the rest until TXEN is set again', async () => {
    const { hw, nic, tpd } = await engine();
    const frames = Array.from({ length: 6 }, (_, i) => frame({ dst: DST, payload: 90, fill: i }).bytes);
    queue(hw, tpd, frames);
    const t0 = hw.now;
    nic.mmio.write32(EMAC.MAILBOX_15, frames.length);
    const ends = backToBack(t0, frames);
    hw.run({ ns: Math.floor((ends[1] + ends[2]) / 2) - t0 }); // the third frame is on the wire
    const ctrl = nic.mmio.read32(EMAC.MAC_CTRL);
    nic.mmio.write32(EMAC.MAC_CTRL, ctrl & ~TXEN);
    hw.run({ ns: 50_000 });
    const first = nic.wire.collectTimed();
    expect(first.map((f) => f.data)).toEqual(frames.slice(0, 3));
    expect(first.map((f) => f.timeNs)).toEqual(ends.slice(0, 3));
    expect(mailbox2(nic)).toBe(3);
    expect(nic.mmio.peek32(EMAC.TXMAC_STATC_REG0)).toBe(3);
    const t1 = hw.now;
    nic.mmio.write32(EMAC.MAC_CTRL, ctrl);
    hw.run({ ns: 50_000 });
    const rest = nic.wire.collectTimed();
    expect(rest.map((f) => f.data)).toEqual(frames.slice(3));
    expect(rest.map((f) => f.timeNs)).toEqual(backToBack(t1, frames.slice(3)));
    expect(mailbox2(nic)).toBe(6);
    expect(nic.mmio.peek32(EMAC.TXMAC_STATC_REG0)).toBe(6);
  });

  it('a soft reset keeps the frames already out and abandons the rest', async () => {
    const { hw, nic, tpd } = await engine();
    const frames = Array.from({ length: 6 }, (_, i) => frame({ dst: DST, payload: 80, fill: i }).bytes);
    queue(hw, tpd, frames);
    const t0 = hw.now;
    nic.mmio.write32(EMAC.MAILBOX_15, frames.length);
    const ends = backToBack(t0, frames);
    hw.run({ ns: Math.floor((ends[1] + ends[2]) / 2) - t0 });
    nic.mmio.write32(EMAC.DMA_MAS_CTRL, SOFT_RST);
    expect(mailbox2(nic)).toBe(0);
    hw.run({ ns: 100_000 });
    expect(nic.wire.collect()).toEqual(frames.slice(0, 2));
  });

  it('the reference driver: plain, checksum-offload and multi-buffer packets go out back to back, in order', async () => {
    const { hw, nic, drv } = await linked();
    const plain = (i: number) => frame({ dst: DST, payload: 64 + i, fill: i }).bytes;
    const csx = frame({ dst: DST, proto: 'tcp', payload: 200, seedOnly: 'csx' });
    const sent: Uint8Array[] = [];
    const t0 = hw.now;
    for (let i = 0; i < 12; i++) {
      if (i === 4) {
        drv.xmit(csx.bytes, { csum: { start: csx.l4, offset: csx.csumOff - csx.l4 } });
        sent.push(frame({ dst: DST, proto: 'tcp', payload: 200 }).bytes);
      } else if (i === 7) {
        const f = plain(i);
        drv.xmit(f, { frags: [20, 30] });
        sent.push(f);
      } else {
        const f = plain(i);
        drv.xmit(f);
        sent.push(f);
      }
    }
    hw.run({ ns: MOD_NS + 100_000 });
    const out = nic.wire.collectTimed();
    expect(out.map((f) => f.data)).toEqual(sent);
    expect(checksumsOk(out[4].data)).toBe(true);
    expect(out.map((f) => f.timeNs)).toEqual(backToBack(t0, sent));
    expect(drv.txCompleted).toBe(12);
  });
});
