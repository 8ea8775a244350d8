// Section 5 receive behaviours of emac-spec.md (6-11, 13-16, 22-24), bare mode:
// the reference driver (bare-driver.ts) or raw register pokes on the model.
import { describe, it, expect } from 'vitest';
import { bare, linked, rawRings, rrdAt, MAC_BYTES, US, MS, MOD_NS } from './helpers.js';
import { frame, macBytes, BCAST } from './frames.js';
import { BareEmacDriver } from './bare-driver.js';
import {
  EMAC, RX_PKT_INT0, RFD0_UR_INT, RXF_OF_INT, RRD_UPDT, RRD_CVTAG, RRD_L4F, RRD_IPF, RRD_CRC, RRD_TRN,
  EMAC_IRQ_MASK, VLAN_STRIP,
} from '../../src/hw/emac-regs.js';
import { MAC } from './helpers.js';

const tagged = (i: number) => frame({ dst: MAC_BYTES, payload: 64, fill: i }).bytes;

describe('6. Initial fill', () => {
  it('after ifup MAILBOX_0[11:0] = N-1 and RFD[0..N-2] hold non-zero addresses', async () => {
    const { hw, nic } = await bare();
    const drv = new BareEmacDriver(hw, nic, MAC);
    drv.probe();
    drv.open();
    const n = drv.rxDescs;
    expect(nic.mmio.read32(EMAC.MAILBOX_0) & 0xfff).toBe(n - 1);
    for (let i = 0; i < n - 1; i++) {
      const lo = hw.dma.read32(drv.rfdRing + i * 8), hi = hw.dma.read32(drv.rfdRing + i * 8 + 4);
      expect(hi * 2 ** 32 + lo).toBeGreaterThan(0);
    }
    expect(hw.dma.read32(drv.rfdRing + (n - 1) * 8)).toBe(0);
  });
});

describe('7. No RX before link', () => {
  it('does no RX DMA and raises no RX interrupt before emac_mac_start sets RXEN and RXQ_EN', async () => {
    const { hw, nic } = await bare();
    const drv = new BareEmacDriver(hw, nic, MAC);
    drv.probe();
    drv.open(); // emac_mac_up: rings, mask, but RXEN/RXQ_EN still 0
    nic.wire.inject([tagged(0), tagged(1)]);
    hw.run({ ns: 100 * US });
    expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(0);
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & RX_PKT_INT0).toBe(0);
    expect(hw.dma.view(drv.rrdRing, drv.rxDescs * 16).every((b) => b === 0)).toBe(true);
    expect(nic.counters.rxDropDisabled).toBe(2);
    drv.waitLink();
    nic.wire.inject([tagged(2)]);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(drv.stack.map((p) => p.data[14 + 20 + 8])).toEqual([tagged(2)[42]]);
  });
});

describe('8. RFD bound', () => {
  it('fills at most (prod - cons) mod N RFDs, never the producer slot, then drops with RFD0_UR_INT', async () => {
    const { hw, nic, drv } = await linked({ rxDescs: 16 });
    drv.irqsOff();
    const frames = Array.from({ length: 20 }, (_, i) => tagged(i));
    nic.wire.inject(frames);
    hw.run({ ns: 1 * MS });
    expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(15);
    expect(nic.counters.rxDropNoRfd).toBe(5);
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & RFD0_UR_INT).toBe(RFD0_UR_INT);
    for (let i = 0; i < 15; i++) expect(rrdAt(hw, drv.rrdRing, i)[0] >>> 20).toBe(i);
    expect(rrdAt(hw, drv.rrdRing, 15)[3]).toBe(0); // the producer slot was not used
    drv.irqsOn();
    expect(drv.stack.length).toBe(15);
    expect(drv.overWarnings).toBe(1); // ISR_OVER only warns
    expect(drv.stack.map((p) => p.data[42])).toEqual(frames.slice(0, 15).map((f) => f[42]));
    drv.updateHwStats();
    expect(drv.stats.rx_rxf_ov).toBe(5);
    // refilled: traffic goes on
    nic.wire.inject([tagged(99)]);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(drv.stack.length).toBe(16);
    expect(drv.stack[15].si).toBe(15);
  });
});

describe('9. Buffer bound', () => {
  it('never writes more than DESC_CTRL_4 bytes into an RFD buffer', async () => {
    const { hw, nic } = await bare();
    const r = rawRings(hw, nic, { n: 8, bufSize: 256 });
    const canary = r.bufs[0] + 256;
    hw.dma.view(canary, 64).fill(0xa5);
    nic.wire.inject([frame({ dst: MAC_BYTES, payload: 900 }).bytes]);
    hw.run({ ns: 50 * US });
    const w = rrdAt(hw, r.rrd, 0);
    expect((w[3]) >>> 31).toBe(1);
    expect(w[3] & RRD_TRN).toBe(RRD_TRN); // cut short: an error the driver drops
    expect(w[3] & 0x3fff).toBe(14 + 20 + 8 + 900 + 4);
    expect(hw.dma.view(canary, 64).every((b) => b === 0xa5)).toBe(true);
  });
});

describe('10. RRD contents', () => {
  it('gives NOR=1, SI in order, PKT_SIZE = len + 4, UPDT=1, all visible before MAILBOX_3 moves', async () => {
    const { hw, nic } = await bare();
    const r = rawRings(hw, nic, { n: 8 });
    const seen: number[][] = [];
    nic.irq.onChange((level) => {
      if (!level) return;
      const idx = nic.mmio.read32(EMAC.MAILBOX_3);
      for (let i = 0; i < idx; i++) seen.push(rrdAt(hw, r.rrd, i));
      nic.mmio.read32(EMAC.INT_STATUS);
    });
    const lens = [60, 100, 1514];
    nic.wire.inject(lens.map((l) => frame({ dst: MAC_BYTES, payload: l - 42 }).bytes));
    hw.run({ ns: 100 * US });
    expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(3);
    for (let i = 0; i < 3; i++) {
      const w = rrdAt(hw, r.rrd, i);
      expect((w[0] >>> 16) & 0xf).toBe(1);
      expect(w[0] >>> 20).toBe(i);
      expect(w[3] & 0x3fff).toBe(lens[i] + 4);
      expect((w[3]) >>> 31).toBe(1);
      expect(hw.dma.read(r.bufs[i], lens[i])).toEqual(frame({ dst: MAC_BYTES, payload: lens[i] - 42 }).bytes);
    }
    expect(seen.length).toBeGreaterThan(0);
    for (const w of seen) expect((w[3]) >>> 31).toBe(1);
  });
});

describe('11. RRD slot ownership', () => {
  it('writes an RRD slot only after the driver cleared its UPDT', async () => {
    const { hw, nic } = await bare();
    const r = rawRings(hw, nic, { n: 4 });
    nic.wire.inject([tagged(0), tagged(1), tagged(2)]);
    hw.run({ ns: 50 * US });
    expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(3);
    // A buggy driver hands RFDs 3, 0 and 1 back without clearing the UPDT bits of RRD 0..2.
    for (const i of [3]) {
      hw.dma.write32(r.rfd + i * 8, r.bufs[i] >>> 0);
      hw.dma.write32(r.rfd + i * 8 + 4, Math.floor(r.bufs[i] / 2 ** 32));
    }
    nic.mmio.update32(EMAC.MAILBOX_0, 0xfff, 2);
    const before = rrdAt(hw, r.rrd, 0);
    nic.wire.inject([tagged(3), tagged(4)]);
    hw.run({ ns: 50 * US });
    expect(rrdAt(hw, r.rrd, 3)[0] >>> 20).toBe(3); // slot 3 was free
    expect(rrdAt(hw, r.rrd, 0)).toEqual(before); // slot 0 still the driver's
    expect(nic.counters.rxDropRrdBusy).toBe(1);
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & RXF_OF_INT).toBe(RXF_OF_INT);
    // once the driver clears UPDT, the slot is used again
    hw.dma.write32(r.rrd + 12, before[3] & ~RRD_UPDT);
    nic.wire.inject([tagged(5)]);
    hw.run({ ns: 50 * US });
    expect((rrdAt(hw, r.rrd, 0)[3]) >>> 31).toBe(1);
    expect(hw.dma.read(r.bufs[0], 60)).toEqual(tagged(5).subarray(0, 60));
  });
});

describe('13. Budget', () => {
  it('delivers a burst of 200 frames in order; INT_MASK is 0x2700C7F8 while polling, 0x2701C7F8 after', async () => {
    const { hw, nic, drv } = await linked();
    drv.irqsOff(); // the CPU is busy: the frames pile up
    const frames = Array.from({ length: 200 }, (_, i) => frame({ dst: MAC_BYTES, payload: 46, fill: i, seq: i }).bytes);
    nic.wire.inject(frames);
    hw.run({ ns: 5 * MS });
    expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(200);
    drv.irqsOn();
    expect(drv.stack.length).toBe(200);
    drv.stack.forEach((p, i) => expect(p.data).toEqual(frames[i]));
    // polls of 64, 64, 64 (still scheduled, RX masked), then 8 (complete, RX unmasked)
    expect(drv.napiMaskLog).toEqual([0x2700c7f8, 0x2700c7f8, 0x2700c7f8, 0x2700c7f8, 0x2701c7f8]);
    expect(nic.mmio.read32(EMAC.INT_MASK)).toBe(EMAC_IRQ_MASK);
  });

  it('keeps up with frames arriving while NAPI runs, with no lost edge', async () => {
    const { hw, nic, drv } = await linked();
    // 128-byte frames (1.2 us on the wire): one moderation window at line rate brings
    // about 205 of them, fewer than the 255 free RFDs, so the ring never runs out
    // (88-byte frames would bring 279 per window and overrun it).
    const frames = Array.from({ length: 500 }, (_, i) => frame({ dst: MAC_BYTES, payload: 86, fill: i }).bytes);
    nic.wire.inject(frames);
    hw.run({ ns: 10 * MS });
    expect(drv.stack.length).toBe(500);
    drv.stack.forEach((p, i) => expect(p.data).toEqual(frames[i]));
  });

  it('re-raises RX_PKT_INT0 on unmask when RRDs are outstanding (lost-edge guard)', async () => {
    const { hw, nic } = await bare();
    rawRings(hw, nic, { n: 8 });
    const m = nic.mmio;
    m.write32(EMAC.INT_MASK, EMAC_IRQ_MASK & ~RX_PKT_INT0); // NAPI is polling
    nic.wire.inject([tagged(0)]);
    hw.run({ ns: 20 * US });
    m.read32(EMAC.INT_STATUS); // a TX/error ISR reads and clears the RX bit
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    m.write32(EMAC.INT_MASK, EMAC_IRQ_MASK); // napi_complete_done
    expect(nic.irq.level).toBe(true);
    m.read32(EMAC.INT_STATUS);
    m.update32(EMAC.MAILBOX_0, 0x0fff0000, 1 << 16); // processed
    m.write32(EMAC.INT_MASK, 0);
    m.write32(EMAC.INT_MASK, EMAC_IRQ_MASK);
    expect(nic.irq.level).toBe(false);
  });
});

describe('14. Error drop', () => {
  it('drops a frame with an EMAC_RRD_ERROR bit but recycles its RFD; L4F alone is CHECKSUM_NONE', async () => {
    const { hw, nic, drv } = await linked();
    nic.wire.inject([tagged(0)]);
    nic.wire.inject([tagged(1)], { badFcs: true });
    nic.wire.inject([frame({ dst: MAC_BYTES, badL4: true }).bytes, tagged(3)]);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(rrdAt(hw, drv.rrdRing, 1)[3] & RRD_CRC).toBe(RRD_CRC);
    expect(drv.rxErrorsDropped).toBe(1);
    expect(drv.stack.length).toBe(3);
    expect(drv.stack.map((p) => p.si)).toEqual([0, 2, 3]);
    expect(drv.stack[1].csum).toBe('none');
    expect(drv.stack[0].csum).toBe('unnecessary');
    expect((nic.mmio.read32(EMAC.MAILBOX_0) >>> 16) & 0xfff).toBe(4); // process index past all four
    expect(nic.mmio.read32(EMAC.MAILBOX_0) & 0xfff).toBe((4 + 255) % 256); // and refilled
    drv.updateHwStats();
    expect(drv.stats.rx_fcs_err).toBe(1);
    expect(drv.stats.rx_ok).toBe(3);
  });
});

describe('15. RX checksum', () => {
  it('sets L4F only for wrong TCP/UDP checksums (IPv4 and IPv6); IPF for a bad IPv4 header', async () => {
    const { hw, nic, drv } = await linked();
    const cases = [
      frame({ dst: MAC_BYTES, proto: 'udp' }), frame({ dst: MAC_BYTES, proto: 'tcp' }),
      frame({ dst: MAC_BYTES, proto: 'udp', v6: true }), frame({ dst: MAC_BYTES, proto: 'tcp', v6: true }),
      frame({ dst: MAC_BYTES, proto: 'udp', badL4: true }), frame({ dst: MAC_BYTES, proto: 'tcp', badL4: true }),
      frame({ dst: MAC_BYTES, proto: 'udp', v6: true, badL4: true }), frame({ dst: MAC_BYTES, proto: 'tcp', v6: true, badL4: true }),
      frame({ dst: MAC_BYTES, badIp: true }),
    ];
    nic.wire.inject(cases.map((c) => c.bytes));
    hw.run({ ns: 500 * US });
    const flags = cases.map((_, i) => rrdAt(hw, drv.rrdRing, i)[3] & (RRD_L4F | RRD_IPF));
    expect(flags).toEqual([0, 0, 0, 0, RRD_L4F, RRD_L4F, RRD_L4F, RRD_L4F, RRD_IPF]);
    expect(drv.stack.map((p) => p.csum)).toEqual(['unnecessary', 'unnecessary', 'unnecessary', 'unnecessary', 'none', 'none', 'none', 'none']);
    expect(drv.rxErrorsDropped).toBe(1);
  });
});

describe('16. VLAN strip', () => {
  it('strips the tag with VLAN_STRIP: CVTAG=1 and word2 = byte-swapped TCI', async () => {
    const { hw, nic, drv } = await linked();
    const t = frame({ dst: MAC_BYTES, vlan: 0x2064 });
    const u = frame({ dst: MAC_BYTES });
    nic.wire.inject([t.bytes]);
    hw.run({ ns: MOD_NS + 50 * US });
    const w = rrdAt(hw, drv.rrdRing, 0);
    expect(w[3] & RRD_CVTAG).toBe(RRD_CVTAG);
    expect(w[2] & 0xffff).toBe(0x6420);
    expect(w[3] & 0x3fff).toBe(t.bytes.length - 4 + 4);
    expect(drv.stack[0].vlan).toBe(0x2064);
    expect(drv.stack[0].data).toEqual(u.bytes);
    expect(drv.stack[0].csum).toBe('unnecessary');
    // without VLAN_STRIP the tag stays in the frame
    drv.vlanRx = false;
    drv.rxModeSet();
    expect(nic.mmio.read32(EMAC.MAC_CTRL) & VLAN_STRIP).toBe(0);
    nic.wire.inject([t.bytes]);
    hw.run({ ns: MOD_NS + 50 * US });
    expect(drv.stack[1].vlan).toBeUndefined();
    expect(drv.stack[1].data).toEqual(t.bytes);
  });
});

describe('22. Reinit', () => {
  it('after ifdown/ifup the first RX uses RFD 0 / RRD 0 and the first TX uses TPD 0', async () => {
    const { hw, nic, drv } = await linked();
    nic.wire.inject([tagged(0), tagged(1), tagged(2)]);
    drv.xmit(tagged(7));
    drv.xmit(tagged(8));
    hw.run({ ns: 200 * US });
    expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(3);
    expect(nic.mmio.read32(EMAC.MAILBOX_2) >>> 16).toBe(2);
    nic.wire.collect();
    drv.reinit();
    expect(nic.mmio.read32(EMAC.MAILBOX_3)).toBe(0);
    expect(nic.mmio.read32(EMAC.MAILBOX_2)).toBe(0);
    drv.waitLink();
    drv.stack.length = 0;
    nic.wire.inject([tagged(3)]);
    drv.xmit(tagged(9));
    hw.run({ ns: MOD_NS + 100 * US });
    expect(drv.stack.map((p) => p.si)).toEqual([0]);
    expect(rrdAt(hw, drv.rrdRing, 0)[0] >>> 20).toBe(0);
    expect(hw.dma.read32(drv.tpdRing) & 0xffff).toBe(tagged(9).length);
    expect(nic.mmio.read32(EMAC.MAILBOX_2) >>> 16).toBe(1);
    expect(nic.wire.collect()).toEqual([tagged(9)]);
  });
});

describe('23. MTU edge', () => {
  it('MTU 9000 gives 9024-byte buffers and a 9014-byte frame arrives whole', async () => {
    const { hw, nic, drv } = await linked();
    drv.changeMtu(9000);
    drv.waitLink();
    expect(nic.mmio.read32(EMAC.DESC_CTRL_4)).toBe(9024);
    expect(nic.mmio.read32(EMAC.MAX_FRAM_LEN_CTRL)).toBe(9022);
    const big = frame({ dst: MAC_BYTES, payload: 9000 - 28 }).bytes;
    expect(big.length).toBe(9014);
    nic.wire.inject([big]);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(drv.stack.length).toBe(1);
    expect(drv.stack[0].data).toEqual(big);
    expect(drv.stack[0].si).toBe(0);
  });

  it('MTU 1530: MAX_FRAM_LEN 1552 but a 1536-byte buffer, so a 1544-byte frame is cut (TRN) and dropped', async () => {
    const { hw, nic, drv } = await linked();
    drv.changeMtu(1530);
    drv.waitLink();
    expect(nic.mmio.read32(EMAC.DESC_CTRL_4)).toBe(1536);
    nic.wire.inject([frame({ dst: MAC_BYTES, payload: 1530 - 28 }).bytes, tagged(1)]);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(rrdAt(hw, drv.rrdRing, 0)[3] & RRD_TRN).toBe(RRD_TRN);
    expect(drv.rxErrorsDropped).toBe(1);
    expect(drv.stack.map((p) => p.si)).toEqual([1]);
  });

  it('drops frames longer than MAX_FRAM_LEN_CTRL before the DMA', async () => {
    const { hw, nic, drv } = await linked();
    nic.wire.inject([frame({ dst: MAC_BYTES, payload: 1500 - 28 + 8 }).bytes]);
    hw.run({ ns: MOD_NS + 100 * US });
    expect(drv.stack.length).toBe(0);
    expect(nic.counters.rxDropOversize).toBe(1);
    drv.updateHwStats();
    expect(drv.stats.rx_sz_ov).toBe(1);
  });
});

describe('24. Filters', () => {
  it('accepts the station address, broadcast with BROAD_EN, hashed multicast; PROM_MODE and MULTI_ALL widen it', async () => {
    const { hw, nic, drv } = await linked();
    const mc1 = macBytes('01:00:5e:00:00:fb'), mc2 = macBytes('33:33:00:00:00:01'), other = macBytes('02:00:00:00:00:aa');
    drv.mcList = [mc1];
    drv.rxModeSet();
    const send = (dst: number[]) => {
      const before = drv.stack.length;
      nic.wire.inject([frame({ dst }).bytes]);
      hw.run({ ns: MOD_NS + 50 * US });
      return drv.stack.length - before;
    };
    expect(send(MAC_BYTES)).toBe(1);
    expect(send(other)).toBe(0);
    // every byte of the station address counts: ADDR1 holds bytes 0-1, ADDR0 bytes 2-5
    for (let i = 0; i < 6; i++) {
      const near = [...MAC_BYTES];
      near[i] ^= 0x04;
      expect(send(near)).toBe(0);
    }
    expect(send(BCAST)).toBe(1);
    expect(send(mc1)).toBe(1);
    expect(send(mc2)).toBe(0);
    drv.updateHwStats();
    expect(drv.stats.rx_err_addr).toBe(8);
    expect(drv.stats.rx_bcast).toBe(1);
    expect(drv.stats.rx_mcast).toBe(1);
    drv.allmulti = true;
    drv.rxModeSet();
    expect(send(mc2)).toBe(1);
    expect(send(other)).toBe(0);
    drv.promisc = true;
    drv.rxModeSet();
    expect(send(other)).toBe(1);
    // BROAD_EN off: broadcast dropped
    drv.promisc = false;
    drv.rxModeSet();
    nic.mmio.update32(EMAC.MAC_CTRL, 1 << 26, 0);
    expect(send(BCAST)).toBe(0);
  });
});
