// Interrupt moderation: DMA_MAS_CTRL IRQ_MODERATOR_EN (MOD1) holds TX_PKT_INT and
// IRQ_MODERATOR2_EN (MOD2) holds RX_PKT_INT0 for IRQ_MOD_TIM_INIT [15:0] / [31:16]
// counts of 2 us, from the first cause each holds; every other cause is raised at
// once. Raw register pokes on the model, then the reference driver and the driver
// model, which program 125 counts (250 us, MOD_NS) for both.
import { describe, it, expect } from 'vitest';
import { bare, linked, modelUp, rawRings, putTpd, MAC_BYTES, US, MOD_NS } from './helpers.js';
import { frame } from './frames.js';
import type { EmacHw, EmacNic } from '../../src/hw/emac.js';
import {
  EMAC, INT_RD_CLR_EN, IRQ_MODERATOR_EN, IRQ_MODERATOR2_EN, RX_PKT_INT0, TX_PKT_INT, RFD0_UR_INT, SOFT_RST,
  TPD_LAST_FRAGMENT, EMAC_IRQ_MASK,
} from '../../src/hw/emac-regs.js';

const DST = [0x02, 0, 0, 0, 0, 0x77];
const MOD_BOTH = IRQ_MODERATOR_EN | IRQ_MODERATOR2_EN;
/** IRQ_MOD_TIM_INIT as the drivers write it: 125 counts for MOD2 (RX, [31:16]) and MOD1 (TX, [15:0]). */
const INIT_125 = (125 << 16) | 125;
/** A frame's time on the wire at 1 Gb/s: at least 60 bytes, plus FCS, preamble and inter-frame gap. */
const wireNs = (len: number) => (Math.max(len, 60) + 24) * 8;
const rxFrames = (n: number) => Array.from({ length: n }, (_, i) => frame({ dst: MAC_BYTES, fill: i }).bytes);
const RX_LEN = rxFrames(1)[0].length;

/** Raw rings of `n` descriptors with the moderators programmed as given. */
async function moderated(init = INIT_125, enables = MOD_BOTH, n = 16) {
  const { hw, nic } = await bare();
  const r = rawRings(hw, nic, { n });
  nic.mmio.write32(EMAC.IRQ_MOD_TIM_INIT, init);
  nic.mmio.write32(EMAC.DMA_MAS_CTRL, INT_RD_CLR_EN | enables);
  return { hw, nic, r, m: nic.mmio };
}

/** Queues `count` frames for TX on the raw rings (TPD 0 on); returns them. */
function send(hw: EmacHw, nic: EmacNic, tpd: number, count = 1): Uint8Array[] {
  const frames = Array.from({ length: count }, (_, i) => frame({ dst: DST, fill: i }).bytes);
  frames.forEach((f, i) => {
    const buf = hw.dma.alloc(256, 64);
    hw.dma.write(buf, f);
    putTpd(hw, tpd, i, f.length, TPD_LAST_FRAGMENT, buf);
  });
  nic.mmio.write32(EMAC.MAILBOX_15, count);
  return frames;
}

/**
 * Every rising edge of the line, in ns from now, with what a clear-on-read of
 * INT_STATUS returned (the acknowledgement lowers the line for the next edge).
 */
function ackEdges(hw: EmacHw, nic: EmacNic): { t: number; status: number }[] {
  const t0 = hw.now;
  const edges: { t: number; status: number }[] = [];
  nic.irq.onChange((level) => { if (level) edges.push({ t: hw.now - t0, status: nic.mmio.read32(EMAC.INT_STATUS) }); });
  return edges;
}

describe('RX moderator (MOD2)', () => {
  it('holds RX_PKT_INT0 until 250 us after the first frame, raises it once for the whole burst, and the next frame starts a new window', async () => {
    const { hw, nic, m } = await moderated();
    const t0 = hw.now;
    const edges = ackEdges(hw, nic);
    nic.wire.inject(rxFrames(10));
    hw.run({ ns: MOD_NS });
    expect(m.peek32(EMAC.MAILBOX_3)).toBe(10); // all ten in memory, RRDs written
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    expect(nic.irq.level).toBe(false);
    hw.run({ ns: 50 * US });
    expect(edges).toEqual([{ t: wireNs(RX_LEN) + MOD_NS, status: RX_PKT_INT0 }]);
    // a lone frame later: its own 250 us
    const t1 = hw.now - t0;
    nic.wire.inject(rxFrames(1));
    hw.run({ ns: MOD_NS + 50 * US });
    expect(edges.slice(1)).toEqual([{ t: t1 + wireNs(RX_LEN) + MOD_NS, status: RX_PKT_INT0 }]);
  });

  it('the reference driver takes one interrupt for a burst, and NAPI takes every frame', async () => {
    const { hw, nic, drv } = await linked();
    const t0 = hw.now;
    const isrs: { t: number; status: number; rrds: number }[] = [];
    const isr = drv.isr.bind(drv);
    drv.isr = () => {
      isrs.push({ t: hw.now - t0, status: nic.mmio.peek32(EMAC.INT_STATUS), rrds: nic.mmio.peek32(EMAC.MAILBOX_3) });
      isr();
    };
    const frames = rxFrames(100); // 78 us of line rate: one window
    nic.wire.inject(frames);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(isrs).toEqual([{ t: wireNs(RX_LEN) + MOD_NS, status: RX_PKT_INT0, rrds: 100 }]);
    expect(drv.stack.map((p) => p.data)).toEqual(frames);
  });

  it('the driver model takes one interrupt for a burst: NAPI polls 64 then 36', async () => {
    const { hw, nic, drv } = await modelUp();
    const t0 = hw.now;
    drv.traceOn();
    const frames = rxFrames(100);
    nic.wire.inject(frames);
    hw.run({ ns: MOD_NS + 100 * US });
    const isrs = drv.trace('isr-entry');
    expect(isrs.map((e) => [e.t - t0, e.intStatus, e.mailbox3])).toEqual([[wireNs(RX_LEN) + MOD_NS, RX_PKT_INT0, 100]]);
    expect(drv.trace('napi-poll').map((e) => e.arg)).toEqual([64, 36]);
    expect(drv.collect().map((p) => p.data)).toEqual(frames);
    drv.traceOff();
  });

  it('another interrupt in the RX window does not pull RX forward: the ISR\'s unmask with RRDs outstanding waits for MOD2 too', async () => {
    const { hw, nic, drv } = await modelUp();
    const t0 = hw.now;
    drv.traceOn();
    const tx = frame({ dst: DST }).bytes;
    drv.xmit([tx]);
    const [rx] = rxFrames(1);
    nic.wire.inject([rx], { gapNs: 100 * US });
    hw.run({ ns: 2 * MOD_NS });
    // the TX interrupt comes first (its own window); RX comes 250 us after its frame, once
    const isrs = drv.trace('isr-entry').map((e) => [e.t - t0, e.intStatus]);
    expect(isrs).toEqual([[wireNs(tx.length) + MOD_NS, TX_PKT_INT], [100 * US + wireNs(RX_LEN) + MOD_NS, RX_PKT_INT0]]);
    expect(drv.trace('napi-poll').map((e) => e.arg)).toEqual([1]);
    expect(drv.collect().map((p) => p.data)).toEqual([rx]);
    drv.traceOff();
  });
});

describe('TX moderator (MOD1)', () => {
  it('holds TX_PKT_INT until 250 us after the first completion; the frames go out and MAILBOX_2 moves meanwhile', async () => {
    const { hw, nic, r, m } = await moderated();
    const edges = ackEdges(hw, nic);
    const frames = send(hw, nic, r.tpd, 5);
    hw.run({ ns: MOD_NS });
    expect(nic.wire.collect()).toEqual(frames);
    expect(m.peek32(EMAC.MAILBOX_2) >>> 16).toBe(5);
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    hw.run({ ns: 50 * US });
    expect(edges).toEqual([{ t: wireNs(frames[0].length) + MOD_NS, status: TX_PKT_INT }]);
  });

  it('the reference driver completes a batch of 20 in one TX interrupt', async () => {
    const { hw, nic, drv } = await linked();
    const statuses: number[] = [];
    const isr = drv.isr.bind(drv);
    drv.isr = () => { statuses.push(nic.mmio.peek32(EMAC.INT_STATUS)); isr(); };
    for (let i = 0; i < 20; i++) drv.xmit(frame({ dst: DST, payload: 100, fill: i }).bytes);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(nic.wire.collect().length).toBe(20);
    expect(statuses).toEqual([TX_PKT_INT]);
    expect(drv.txCompleted).toBe(20);
  });
});

describe('causes that are not moderated', () => {
  it('RFD0_UR_INT raises the line as each frame finds no RFD, while RX_PKT_INT0 still waits for its moderator', async () => {
    const { hw, nic, m } = await moderated(INIT_125, MOD_BOTH, 8); // 7 RFDs
    const edges = ackEdges(hw, nic);
    nic.wire.inject(rxFrames(10));
    hw.run({ ns: MOD_NS + 50 * US });
    const w = wireNs(RX_LEN);
    expect(edges).toEqual([
      { t: 8 * w, status: RFD0_UR_INT }, { t: 9 * w, status: RFD0_UR_INT }, { t: 10 * w, status: RFD0_UR_INT },
      { t: w + MOD_NS, status: RX_PKT_INT0 },
    ]);
    expect(m.peek32(EMAC.MAILBOX_3)).toBe(7);
    expect(nic.counters.rxDropNoRfd).toBe(3);
  });
});

describe('configuration', () => {
  // Which causes are raised at once (10 us after the frames) rather than 250 us later.
  const cases: { what: string; init: number; enables: number; atOnce: number }[] = [
    { what: 'both moderators', init: INIT_125, enables: MOD_BOTH, atOnce: 0 },
    { what: 'IRQ_MOD_TIM_INIT = 0', init: 0, enables: MOD_BOTH, atOnce: RX_PKT_INT0 | TX_PKT_INT },
    { what: 'both enables clear', init: INIT_125, enables: 0, atOnce: RX_PKT_INT0 | TX_PKT_INT },
    { what: 'only the RX count ([31:16])', init: 125 << 16, enables: MOD_BOTH, atOnce: TX_PKT_INT },
    { what: 'only the TX count ([15:0])', init: 125, enables: MOD_BOTH, atOnce: RX_PKT_INT0 },
    { what: 'only IRQ_MODERATOR2_EN (RX)', init: INIT_125, enables: IRQ_MODERATOR2_EN, atOnce: TX_PKT_INT },
    { what: 'only IRQ_MODERATOR_EN (TX)', init: INIT_125, enables: IRQ_MODERATOR_EN, atOnce: RX_PKT_INT0 },
  ];
  const names = (bits: number) => [bits & RX_PKT_INT0 ? 'RX_PKT_INT0' : '', bits & TX_PKT_INT ? 'TX_PKT_INT' : '']
    .filter((x) => x).join(' and ') || 'nothing';
  for (const c of cases) {
    it(`${c.what}: ${names(c.atOnce)} at once, the rest after 250 us`, async () => {
      const { hw, nic, r, m } = await moderated(c.init, c.enables);
      nic.wire.inject(rxFrames(1));
      send(hw, nic, r.tpd);
      hw.run({ ns: 10 * US });
      expect(m.peek32(EMAC.INT_STATUS)).toBe(c.atOnce);
      expect(nic.irq.level).toBe(c.atOnce !== 0);
      hw.run({ ns: MOD_NS });
      expect(m.peek32(EMAC.INT_STATUS)).toBe(RX_PKT_INT0 | TX_PKT_INT);
    });
  }
});

describe('releasing and dropping held causes', () => {
  it('clearing an enable bit releases what that moderator holds at once, and stops its timer', async () => {
    const { hw, nic, r, m } = await moderated();
    nic.wire.inject(rxFrames(1));
    send(hw, nic, r.tpd);
    hw.run({ ns: 50 * US });
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    m.update32(EMAC.DMA_MAS_CTRL, IRQ_MODERATOR2_EN, 0);
    expect(m.peek32(EMAC.INT_STATUS)).toBe(RX_PKT_INT0); // MOD1 still holds TX
    expect(nic.irq.level).toBe(true);
    m.update32(EMAC.DMA_MAS_CTRL, IRQ_MODERATOR_EN, 0);
    expect(m.peek32(EMAC.INT_STATUS)).toBe(RX_PKT_INT0 | TX_PKT_INT);
    m.read32(EMAC.INT_STATUS);
    // enabled again, MOD2 starts afresh with the next frame: the old timer, due 250 us
    // after the first frame, is gone and nothing is raised a second time
    m.update32(EMAC.DMA_MAS_CTRL, 0, MOD_BOTH);
    nic.wire.inject(rxFrames(1));
    hw.run({ ns: MOD_NS });
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    hw.run({ ns: 10 * US });
    expect(m.peek32(EMAC.INT_STATUS)).toBe(RX_PKT_INT0);
  });

  it('SOFT_RST drops the held causes and stops the timers', async () => {
    const { hw, nic, r, m } = await moderated();
    nic.wire.inject(rxFrames(1));
    send(hw, nic, r.tpd);
    hw.run({ ns: 50 * US });
    m.update32(EMAC.DMA_MAS_CTRL, 0, SOFT_RST);
    // emac_mac_reset's next write: moderators off, which would release anything still held
    m.update32(EMAC.DMA_MAS_CTRL, 0, INT_RD_CLR_EN);
    m.write32(EMAC.INT_MASK, EMAC_IRQ_MASK); // unmasked, so a late cause would show on the line
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    hw.run({ ns: MOD_NS + 50 * US });
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    expect(nic.irq.level).toBe(false);
  });
});
