// Bad guest values: descriptor or buffer addresses outside DMA memory, zero
// lengths, TPD chains longer than the maximum frame, ring size 0, indices past
// the ring. Each raises an error interrupt (ISR_ERROR) and counts a drop; none
// crashes the model or touches memory that is not the guest's.
import { describe, it, expect } from 'vitest';
import { bare, linked, rawRings, putTpd, rrdAt, MAC_BYTES, US, MS, MOD_NS } from './helpers.js';
import { frame } from './frames.js';
import {
  EMAC, DMAR_TO_INT, DMAW_TO_INT, TXQ_TO_INT, TX_PKT_INT, TPD_LAST_FRAGMENT, TPD_CSX, TPD_LSO,
  TPD_IPV4, TPD_MSS_SHIFT, TPD_CXSUM_OFFSET_SHIFT, ISR_ERROR,
} from '../../src/hw/emac-regs.js';
import type { EmacHw } from '../../src/hw/emac.js';

const DST = [0x02, 0, 0, 0, 0, 0x77];
const good = (i = 0) => frame({ dst: MAC_BYTES, payload: 64, fill: i }).bytes;

function snapshot(hw: EmacHw): Uint8Array { return hw.dma.read(hw.dma.base, hw.dma.size); }
function same(a: Uint8Array, b: Uint8Array): boolean { return Buffer.compare(a, b) === 0; }

describe('RX bad guest values', () => {
  const outside = (hw: EmacHw) => [0, 0x1000, hw.dma.base - 4096, hw.dma.base + hw.dma.size, hw.dma.base + hw.dma.size - 10, 2 ** 46 - 64];

  it('an RFD buffer outside DMA memory (wholly or partly): DMAW_TO_INT, a counted drop, no write anywhere', async () => {
    const { hw, nic } = await bare();
    for (const addr of outside(hw)) {
      const r = rawRings(hw, nic, { n: 4 });
      hw.dma.write32(r.rfd, addr >>> 0);
      hw.dma.write32(r.rfd + 4, Math.floor(addr / 2 ** 32));
      nic.mmio.read32(EMAC.INT_STATUS);
      const before = snapshot(hw);
      const drops = nic.counters.rxDropError;
      nic.wire.inject([good()]);
      hw.run({ ns: 20 * US });
      expect(nic.mmio.peek32(EMAC.INT_STATUS) & DMAW_TO_INT, `0x${addr.toString(16)}`).toBe(DMAW_TO_INT);
      expect(nic.counters.rxDropError).toBe(drops + 1);
      expect(same(before, snapshot(hw))).toBe(true);
      expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(0);
      // the queue stays halted until the rings are loaded again
      nic.wire.inject([good()]);
      hw.run({ ns: 20 * US });
      expect(nic.counters.rxDropHalted).toBeGreaterThan(0);
    }
    expect(nic.counters.dmaFault).toBe(outside(hw).length);
    // recovery: new rings, INTER_SRAM_PART9
    const r = rawRings(hw, nic, { n: 4 });
    nic.wire.inject([good(1)]);
    hw.run({ ns: 20 * US });
    expect(rrdAt(hw, r.rrd, 0)[3] >>> 31).toBe(1);
  });

  it('RFD or RRD ring outside DMA memory: DMAR_TO_INT / DMAW_TO_INT', async () => {
    const { hw, nic } = await bare();
    rawRings(hw, nic, { n: 4 });
    nic.mmio.write32(EMAC.DESC_CTRL_0, 0); // RFD ring at bus address 0x10
    nic.mmio.write32(EMAC.INTER_SRAM_PART9, 1);
    nic.mmio.write32(EMAC.MAILBOX_0, 3);
    nic.wire.inject([good()]);
    hw.run({ ns: 20 * US });
    expect(nic.mmio.read32(EMAC.INT_STATUS) & DMAR_TO_INT).toBe(DMAR_TO_INT);
    const r = rawRings(hw, nic, { n: 4 });
    nic.mmio.write32(EMAC.DESC_CTRL_5, (hw.dma.base + hw.dma.size - 8) >>> 0); // RRD half outside
    nic.mmio.write32(EMAC.INTER_SRAM_PART9, 1);
    nic.mmio.write32(EMAC.MAILBOX_0, 3);
    nic.mmio.read32(EMAC.INT_STATUS);
    nic.wire.inject([good()]);
    hw.run({ ns: 20 * US });
    expect(nic.mmio.read32(EMAC.INT_STATUS) & DMAW_TO_INT).toBe(DMAW_TO_INT);
    expect(hw.dma.read(r.bufs[0], 8).every((b) => b === 0)).toBe(true); // nothing copied either
  });

  it('ring size 0, RRD count unlike RFD count, buffer size 0, producer index past the ring: error interrupt, drop', async () => {
    const cases: Array<[string, number, number]> = [
      ['ring size 0', EMAC.DESC_CTRL_3, 0], ['RRD count', EMAC.DESC_CTRL_6, 8], ['buffer size 0', EMAC.DESC_CTRL_4, 0],
    ];
    for (const [what, reg, v] of cases) {
      const { hw, nic } = await bare();
      rawRings(hw, nic, { n: 4 });
      nic.mmio.write32(reg, v);
      nic.mmio.write32(EMAC.INTER_SRAM_PART9, 1);
      nic.mmio.write32(EMAC.MAILBOX_0, 3);
      nic.wire.inject([good()]);
      hw.run({ ns: 20 * US });
      expect(nic.mmio.read32(EMAC.INT_STATUS) & ISR_ERROR, what).toBe(DMAR_TO_INT);
      expect(nic.counters.rxDropError).toBe(1);
    }
    const { hw, nic } = await bare();
    rawRings(hw, nic, { n: 4 });
    nic.mmio.write32(EMAC.MAILBOX_0, 4 + 7);
    nic.wire.inject([good()]);
    hw.run({ ns: 20 * US });
    expect(nic.mmio.read32(EMAC.INT_STATUS) & DMAR_TO_INT).toBe(DMAR_TO_INT);
    expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(0);
  });

  it('the reference driver reinits on the error interrupt and traffic resumes', async () => {
    const { hw, nic, drv } = await linked();
    hw.dma.write32(drv.rfdRing, 0x100); // corrupt RFD 0
    hw.dma.write32(drv.rfdRing + 4, 0);
    nic.wire.inject([good(0)]);
    hw.run({ ns: 100 * US });
    expect(drv.reinits).toBe(1);
    expect(drv.log[0]).toMatch(/error interrupt/);
    drv.waitLink();
    nic.wire.inject([good(1)]);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(drv.stack.map((p) => p.data)).toEqual([good(1)]);
  });
});

describe('TX bad guest values', () => {
  async function txSetup() {
    const { hw, nic } = await bare();
    const r = rawRings(hw, nic, { tpds: 8 });
    const f = frame({ dst: DST, payload: 100 }).bytes;
    const buf = hw.dma.alloc(4096);
    hw.dma.write(buf, f);
    return { hw, nic, r, f, buf };
  }

  it('a TPD buffer outside DMA memory: DMAR_TO_INT, the packet is dropped and consumed, the next one goes', async () => {
    const { hw, nic, r, f, buf } = await txSetup();
    putTpd(hw, r.tpd, 0, 50, 0, buf);
    putTpd(hw, r.tpd, 1, 50, TPD_LAST_FRAGMENT, hw.dma.base + hw.dma.size - 20);
    putTpd(hw, r.tpd, 2, f.length, TPD_LAST_FRAGMENT, buf);
    nic.mmio.write32(EMAC.MAILBOX_15, 3);
    hw.run({ ns: 50 * US });
    const st = nic.mmio.read32(EMAC.INT_STATUS);
    expect(st & DMAR_TO_INT).toBe(DMAR_TO_INT);
    expect(st & TX_PKT_INT).toBe(TX_PKT_INT);
    expect(nic.mmio.read32(EMAC.MAILBOX_2) >>> 16).toBe(3);
    expect(nic.wire.collect()).toEqual([f]);
    expect(nic.counters.txDropError).toBe(1);
    expect(nic.counters.dmaFault).toBe(1);
  });

  it('a zero-length TPD: TXQ_TO_INT and a drop', async () => {
    const { hw, nic, r, f, buf } = await txSetup();
    putTpd(hw, r.tpd, 0, 0, TPD_LAST_FRAGMENT, buf);
    putTpd(hw, r.tpd, 1, f.length, TPD_LAST_FRAGMENT, buf);
    nic.mmio.write32(EMAC.MAILBOX_15, 2);
    hw.run({ ns: 50 * US });
    expect(nic.mmio.read32(EMAC.INT_STATUS) & TXQ_TO_INT).toBe(TXQ_TO_INT);
    expect(nic.wire.collect()).toEqual([f]);
    expect(nic.counters.txDropError).toBe(1);
  });

  it('a TPD chain longer than the maximum frame: TXQ_TO_INT and a drop (plain and LSO)', async () => {
    const { hw, nic, r, f, buf } = await txSetup();
    for (let i = 0; i < 3; i++) putTpd(hw, r.tpd, i, 1000, i === 2 ? TPD_LAST_FRAGMENT : 0, buf);
    putTpd(hw, r.tpd, 3, f.length, TPD_LAST_FRAGMENT, buf);
    // LSO: 7 x 10000 bytes is more than a 64 KiB TSO packet
    const big = hw.dma.alloc(10000);
    for (let i = 4; i < 11; i++) putTpd(hw, r.tpd, i % 8, 10000, TPD_LSO | TPD_IPV4 | 34 | (1000 << TPD_MSS_SHIFT) | (i === 10 ? TPD_LAST_FRAGMENT : 0), big);
    nic.mmio.write32(EMAC.MAILBOX_15, 4);
    hw.run({ ns: 50 * US });
    expect(nic.mmio.read32(EMAC.INT_STATUS) & TXQ_TO_INT).toBe(TXQ_TO_INT);
    expect(nic.wire.collect()).toEqual([f]);
    nic.mmio.write32(EMAC.MAILBOX_15, 11 % 8);
    hw.run({ ns: 50 * US });
    expect(nic.mmio.read32(EMAC.INT_STATUS) & TXQ_TO_INT).toBe(TXQ_TO_INT);
    expect(nic.mmio.read32(EMAC.MAILBOX_2) >>> 16).toBe(3);
    expect(nic.counters.txDropError).toBe(2);
    expect(nic.wire.collect()).toEqual([]);
  });

  it('offload offsets outside the frame, MSS 0 or a non-TCP LSO header: TXQ_TO_INT and a drop', async () => {
    const { hw, nic, r, f, buf } = await txSetup();
    putTpd(hw, r.tpd, 0, f.length, TPD_LAST_FRAGMENT | TPD_CSX | 100 | (200 << TPD_CXSUM_OFFSET_SHIFT), buf);
    putTpd(hw, r.tpd, 1, f.length, TPD_LAST_FRAGMENT | TPD_LSO | TPD_IPV4 | 34, buf);
    putTpd(hw, r.tpd, 2, f.length, TPD_LAST_FRAGMENT | TPD_LSO | TPD_IPV4 | 200 | (100 << TPD_MSS_SHIFT), buf);
    putTpd(hw, r.tpd, 3, f.length, TPD_LAST_FRAGMENT, buf);
    nic.mmio.write32(EMAC.MAILBOX_15, 4);
    hw.run({ ns: 50 * US });
    expect(nic.counters.txDropError).toBe(3);
    expect(nic.wire.collect()).toEqual([f]);
  });

  it('ring size 0, a TPD ring outside DMA memory, a producer index past the ring: the queue halts with an error', async () => {
    for (const what of ['size0', 'outside', 'index'] as const) {
      const { hw, nic, r, f, buf } = await txSetup();
      putTpd(hw, r.tpd, 0, f.length, TPD_LAST_FRAGMENT, buf);
      if (what === 'size0') { nic.mmio.write32(EMAC.DESC_CTRL_9, 0); nic.mmio.write32(EMAC.INTER_SRAM_PART9, 1); }
      if (what === 'outside') { nic.mmio.write32(EMAC.DESC_CTRL_1, 0); nic.mmio.write32(EMAC.INTER_SRAM_PART9, 1); }
      nic.mmio.write32(EMAC.MAILBOX_15, what === 'index' ? 8 + 1 : 1);
      hw.run({ ns: 50 * US });
      const st = nic.mmio.read32(EMAC.INT_STATUS);
      expect(st & ISR_ERROR, what).toBe(what === 'outside' ? DMAR_TO_INT : TXQ_TO_INT);
      expect(nic.counters.txDropError).toBe(1);
      hw.run({ ns: 50 * US });
      expect(nic.counters.txDropError).toBe(1); // halted: no error storm
      expect(nic.wire.collect()).toEqual([]);
      // INTER_SRAM_PART9 with good values restarts it
      nic.mmio.write32(EMAC.DESC_CTRL_1, Math.floor(r.tpd / 2 ** 32));
      nic.mmio.write32(EMAC.DESC_CTRL_9, 8);
      nic.mmio.write32(EMAC.INTER_SRAM_PART9, 1);
      nic.mmio.write32(EMAC.MAILBOX_15, 1);
      hw.run({ ns: 50 * US });
      expect(nic.wire.collect()).toEqual([f]);
    }
  });

  it('a chain with no last fragment waits for the producer; it is not an error', async () => {
    const { hw, nic, r, f, buf } = await txSetup();
    putTpd(hw, r.tpd, 0, 50, 0, buf);
    nic.mmio.write32(EMAC.MAILBOX_15, 1);
    hw.run({ ns: 50 * US });
    expect(nic.mmio.read32(EMAC.INT_STATUS) & (ISR_ERROR | TX_PKT_INT)).toBe(0);
    putTpd(hw, r.tpd, 1, f.length - 50, TPD_LAST_FRAGMENT, buf + 50);
    nic.mmio.write32(EMAC.MAILBOX_15, 2);
    hw.run({ ns: 50 * US });
    expect(nic.wire.collect()).toEqual([f]);
  });
});

describe('wire and MMIO bad values', () => {
  it('a batch larger than the RX wire queue: the frames that fit arrive, the rest are counted as overflow', async () => {
    const { hw, nic } = await bare();
    rawRings(hw, nic, { n: 8 });
    const big = frame({ dst: MAC_BYTES, payload: 1400 }).bytes;
    const seen = () => nic.counters.rxDelivered + nic.counters.rxDropNoRfd;
    // 800 records of ~1.46 KB do not fit in the 1 MiB queue
    const accepted = nic.wire.inject(Array.from({ length: 800 }, () => big));
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(800);
    expect(nic.wire.counters.rxOverflow).toBe(800 - accepted);
    hw.run({ ns: 20 * MS });
    // every accepted frame reached the MAC (the 7 free RFDs take 7, the rest find none)
    expect(seen()).toBe(accepted);
    expect(nic.counters.rxDelivered).toBe(7);
    // the emptied queue takes as many again
    expect(nic.wire.inject(Array.from({ length: 800 }, () => big))).toBe(accepted);
    hw.run({ ns: 20 * MS });
    expect(seen()).toBe(2 * accepted);
    expect(nic.wire.counters.rxOverflow).toBe(2 * (800 - accepted));
  });

  it('rejects empty and oversized frames at inject, and survives garbage everywhere', async () => {
    const { hw, nic } = await bare();
    rawRings(hw, nic, { n: 8 });
    expect(nic.wire.inject([new Uint8Array(0), new Uint8Array(20000), good()])).toBe(1);
    expect(nic.wire.counters.rxRejected).toBe(2);
    // a storm of random register writes must not crash the model
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 3000; i++) {
      const off = 0x1400 + ((rnd() % 0x808) & ~3);
      if (off === EMAC.DMA_MAS_CTRL) continue;
      nic.mmio.write32(off, rnd());
      if (i % 50 === 0) { nic.wire.inject([good(i)]); hw.run({ ns: 5 * US }); }
    }
    hw.run({ ns: 1 * MS });
    expect(typeof nic.counters.rxDelivered).toBe('number');
    expect(hw.now).toBeGreaterThan(0);
  });
});
