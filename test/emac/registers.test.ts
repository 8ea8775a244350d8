// Section 5 behaviours 1-5, 12 and 25 of emac-spec.md, plus the register file's
// own rules (read-only, clear-on-read, peek, bad offsets), in bare mode.
import { describe, it, expect } from 'vitest';
import { bare, linked, rawRings, MAC_BYTES, US, MS, MOD_NS } from './helpers.js';
import { frame } from './frames.js';
import { BareEmacDriver } from './bare-driver.js';
import {
  EMAC, CSR, SGMII, MII, SOFT_RST, INT_RD_CLR_EN, RX_PKT_INT0, TX_PKT_INT, DIS_INT, EMAC_IRQ_MASK,
  MDIO_START, MDIO_BUSY, MDIO_RD_NWR, SUP_PREAMBLE, RXQ_EN, TXQ_EN, TXEN, RXEN,
} from '../../src/hw/emac-regs.js';

describe('1. RMW-safe readback', () => {
  it('reads back every field the driver writes with emac_reg_update32', async () => {
    const { nic } = await bare();
    const m = nic.mmio;
    const plain = [
      EMAC.MAC_CTRL, EMAC.TXQ_CTRL_0, EMAC.TXQ_CTRL_2, EMAC.RXQ_CTRL_0, EMAC.RXQ_CTRL_1, EMAC.RXQ_CTRL_2,
      EMAC.RXQ_CTRL_3, EMAC.AXI_MAST_CTRL, EMAC.HASH_TAB_REG0, EMAC.HASH_TAB_REG1, EMAC.PHY_STS,
      EMAC.ATHR_HEADER_CTRL, EMAC.IRQ_MOD_TIM_INIT, EMAC.DMA_CTRL, EMAC.MAX_FRAM_LEN_CTRL, EMAC.MAC_STA_ADDR0,
      EMAC.MAC_STA_ADDR1, EMAC.DESC_CTRL_4, EMAC.MISC_CTRL,
    ];
    for (const [k, off] of plain.entries()) {
      const v = (0x5a000000 + k * 0x01010101) >>> 0;
      m.write32(off, v);
      expect(m.read32(off), `0x${off.toString(16)}`).toBe(v);
      m.update32(off, 0xff, 0x3c);
      expect(m.read32(off)).toBe(((v & ~0xff) | 0x3c) >>> 0);
    }
    // MAILBOX_0: producer [11:0] and process [27:16] updated separately
    m.update32(EMAC.MAILBOX_0, 0xfff, 255);
    m.update32(EMAC.MAILBOX_0, 0x0fff0000, 17 << 16);
    expect(m.read32(EMAC.MAILBOX_0)).toBe((17 << 16) | 255);
    m.update32(EMAC.MAILBOX_0, 0xfff, 3);
    expect(m.read32(EMAC.MAILBOX_0)).toBe((17 << 16) | 3);
    m.update32(EMAC.MAILBOX_15, 0xffff, 511);
    expect(m.read32(EMAC.MAILBOX_15) & 0xffff).toBe(511);
    // DMA_MAS_CTRL: driver bits read back, DEV_ID/DEV_REV are read-only
    const id = m.read32(EMAC.DMA_MAS_CTRL) & 0x7fff0000;
    m.write32(EMAC.DMA_MAS_CTRL, 0x4c10);
    expect(m.read32(EMAC.DMA_MAS_CTRL)).toBe((id | 0x4c10) >>> 0);
    m.write32(EMAC.DMA_MAS_CTRL, 0x7fff4c10);
    expect(m.read32(EMAC.DMA_MAS_CTRL)).toBe((id | 0x4c10) >>> 0);
  });

  it('holds the values emac_mac_up and emac_mac_start program (MAC_CTRL 0x04205DE3 at 1000/full)', async () => {
    const { nic, drv } = await linked();
    const m = nic.mmio;
    expect(drv.speed).toBe(1000);
    expect(m.read32(EMAC.MAC_CTRL)).toBe(0x04205de3);
    expect(m.read32(EMAC.TXQ_CTRL_0)).toBe((0x010000c5 | TXQ_EN) >>> 0);
    expect(m.read32(EMAC.RXQ_CTRL_0)).toBe((0x40800080 | RXQ_EN) >>> 0);
    expect(m.read32(EMAC.DMA_MAS_CTRL) & 0xffff).toBe(0x4c10);
    expect(m.read32(EMAC.DMA_CTRL)).toBe(0x47c54);
    expect(m.read32(EMAC.IRQ_MOD_TIM_INIT)).toBe(0x007d007d);
    expect(m.read32(EMAC.INT_MASK)).toBe(EMAC_IRQ_MASK);
    expect(m.read32(EMAC.MAX_FRAM_LEN_CTRL)).toBe(1522);
    expect(nic.csr.read32(CSR.CSR1) & CSR.FREQ_MODE).toBe(CSR.FREQ_MODE);
  });

  it('keeps read-only registers read-only and peeks without side effects', async () => {
    const { nic } = await bare();
    const m = nic.mmio;
    const ver = m.read32(EMAC.CORE_HW_VERSION);
    m.write32(EMAC.CORE_HW_VERSION, 0x12345678);
    expect(m.read32(EMAC.CORE_HW_VERSION)).toBe(ver);
    m.write32(EMAC.MAILBOX_2, 0xffff0000);
    m.write32(EMAC.MAILBOX_3, 0xfff);
    expect(m.read32(EMAC.MAILBOX_2)).toBe(0);
    expect(m.read32(EMAC.MAILBOX_3)).toBe(0);
    m.write32(EMAC.RXMAC_STATC_REG0, 99);
    expect(m.read32(EMAC.RXMAC_STATC_REG0)).toBe(0);
  });
});

describe('2. MDIO', () => {
  it('completes a START read well within 100 ms: START and BUSY clear, data in [15:0]', async () => {
    const { hw, nic } = await bare();
    const m = nic.mmio;
    m.update32(EMAC.PHY_STS, 0x1f0000, 0 << 16);
    m.write32(EMAC.MDIO_CTRL, SUP_PREAMBLE | (MII.PHYSID1 << 16) | MDIO_START | MDIO_RD_NWR);
    expect(m.read32(EMAC.MDIO_CTRL) & (MDIO_START | MDIO_BUSY)).not.toBe(0); // the frame takes time
    const t0 = hw.now;
    let v = 0;
    while (((v = m.read32(EMAC.MDIO_CTRL)) & (MDIO_START | MDIO_BUSY)) !== 0) hw.run({ ns: 1 * US });
    expect(hw.now - t0).toBeLessThan(100 * MS);
    expect(hw.now - t0).toBeLessThan(100 * US);
    expect(v & 0xffff).toBe(0x004d);
  });

  it('lets phy_find_first find the PHY, reads 0xffff where nobody answers, and writes reach the PHY', async () => {
    const { hw } = await bare();
    const nic = hw.create('eth1', { driver: false, phyAddr: 7 });
    const drv = new BareEmacDriver(hw, nic, '02:00:00:00:00:07');
    drv.phyConfig();
    expect(drv.phyAddr).toBe(7);
    expect(drv.mdioRead(3, MII.BMSR)).toBe(0xffff);
    expect(drv.mdioRead(7, MII.PHYSID2)).toBe(0xd074);
    drv.mdioWrite(7, MII.ADVERTISE, 0x0de1);
    expect(drv.mdioRead(7, MII.ADVERTISE)).toBe(0x0de1);
  });

  it('autonegotiates: BMSR link latched low, then up with AN complete; carrier loss drops the link', async () => {
    const { hw, nic } = await bare();
    const drv = new BareEmacDriver(hw, nic, '02:00:00:00:00:07');
    drv.phyConfig();
    drv.mdioWrite(0, MII.BMCR, MII.BMCR_ANENABLE | MII.BMCR_ANRESTART);
    expect(drv.mdioRead(0, MII.BMCR) & MII.BMCR_ANRESTART).toBe(0); // self-clearing
    expect(drv.mdioRead(0, MII.BMSR) & (MII.BMSR_LSTATUS | MII.BMSR_ANEGCOMPLETE)).toBe(0);
    hw.run({ ns: 2 * MS });
    drv.mdioRead(0, MII.BMSR);
    expect(drv.mdioRead(0, MII.BMSR) & (MII.BMSR_LSTATUS | MII.BMSR_ANEGCOMPLETE)).toBe(MII.BMSR_LSTATUS | MII.BMSR_ANEGCOMPLETE);
    expect(drv.mdioRead(0, MII.STAT1000) & 0x0800).toBe(0x0800);
    nic.wire.carrier = false;
    expect(drv.mdioRead(0, MII.BMSR) & MII.BMSR_LSTATUS).toBe(0);
  });
});

describe('3. SerDes ready', () => {
  for (const kind of ['fsm9900', 'qdf2400'] as const) {
    it(`${kind}: the ready bit reads 1 within 100 polls`, async () => {
      const { hw, nic } = await bare();
      const reg = kind === 'fsm9900' ? SGMII.QSERDES_COM_RESET_SM : SGMII.LN_LANE_STATUS;
      const bit = kind === 'fsm9900' ? SGMII.SERDES_READY : SGMII.LANE_C_READY;
      expect(nic.sgmii.read32(reg) & bit).toBe(0);
      const drv = new BareEmacDriver(hw, nic, '02:00:00:00:00:07', kind);
      drv.sgmiiInit(); // throws EIO after 100 polls
      expect(nic.sgmii.read32(reg) & bit).toBe(bit);
      drv.sgmiiLinkInit();
      expect(nic.sgmii.read32(SGMII.AUTONEG_CFG2) & 0x31).toBe(SGMII.AN_ENABLE);
    });
  }
});

describe('4. SGMII IRQ clear', () => {
  it('drops the requested INTERRUPT_STATUS bits right after IRQ_CMD=1; the SGMII line follows status & mask', async () => {
    const { hw, nic } = await bare();
    const drv = new BareEmacDriver(hw, nic, '02:00:00:00:00:07');
    drv.sgmiiInit();
    const s = nic.sgmii;
    nic.sgmiiRaise(SGMII.DECODE_CODE_ERR | 0x01);
    expect(s.read32(SGMII.INTERRUPT_STATUS)).toBe(SGMII.DECODE_CODE_ERR | 0x01);
    expect(nic.sgmiiIrq.level).toBe(false); // masked after init
    s.write32(SGMII.INTERRUPT_MASK, SGMII.DECODE_CODE_ERR | SGMII.DECODE_DISP_ERR);
    expect(nic.sgmiiIrq.level).toBe(true);
    const t0 = hw.now;
    expect(drv.sgmiiIrqClear(SGMII.DECODE_CODE_ERR)).toBe(true);
    expect(hw.now - t0).toBeLessThanOrEqual(10 * US);
    expect(s.read32(SGMII.INTERRUPT_STATUS)).toBe(0x01); // only the requested bits
    expect(nic.sgmiiIrq.level).toBe(false);
    expect(s.read32(SGMII.IRQ_CMD)).toBe(0);
    drv.sgmiiOpen();
    expect(s.read32(SGMII.INTERRUPT_STATUS)).toBe(0);
  });
});

describe('5. Soft reset', () => {
  it('self-clears, idles the DMA, lowers the line and restarts the ring indices', async () => {
    const { hw, nic, drv } = await linked();
    const m = nic.mmio;
    drv.irqsOff(); // leave the interrupt pending
    nic.wire.inject([frame({ dst: MAC_BYTES }).bytes]);
    hw.run({ ns: MOD_NS + 50 * US }); // past the RX moderator
    expect(nic.irq.level).toBe(true);
    expect(m.read32(EMAC.MAILBOX_3)).toBe(1);
    m.update32(EMAC.DMA_MAS_CTRL, 0, SOFT_RST);
    expect(m.read32(EMAC.DMA_MAS_CTRL) & SOFT_RST).toBe(0);
    expect(nic.irq.level).toBe(false);
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    expect(m.read32(EMAC.MAILBOX_3)).toBe(0);
    expect(m.read32(EMAC.MAILBOX_2)).toBe(0);
    expect(m.read32(EMAC.MAC_CTRL) & (TXEN | RXEN)).toBe(0);
    expect(m.read32(EMAC.RXQ_CTRL_0) & RXQ_EN).toBe(0);
    // DMA idle: nothing is received or sent after the reset
    nic.wire.inject([frame({ dst: MAC_BYTES }).bytes]);
    hw.run({ ns: 150 * US });
    expect(m.read32(EMAC.MAILBOX_3)).toBe(0);
    expect(nic.counters.rxDropDisabled).toBe(1);
    m.update32(EMAC.DMA_MAS_CTRL, 0, INT_RD_CLR_EN); // as emac_mac_reset does next
    expect(m.read32(EMAC.DMA_MAS_CTRL) & 0xffff).toBe(INT_RD_CLR_EN);
  });
});

describe('12. RX interrupt', () => {
  it('sets INT_STATUS b16; the line rises only with MASK b16; reading clears without re-raising', async () => {
    const { hw, nic } = await bare();
    const r = rawRings(hw, nic);
    const m = nic.mmio;
    const edges: boolean[] = [];
    nic.irq.onChange((l) => edges.push(l));
    m.write32(EMAC.INT_MASK, EMAC_IRQ_MASK & ~RX_PKT_INT0);
    nic.wire.inject([frame({ dst: MAC_BYTES }).bytes]);
    hw.run({ ns: 20 * US });
    expect(m.peek32(EMAC.INT_STATUS) & RX_PKT_INT0).toBe(RX_PKT_INT0);
    expect(nic.irq.level).toBe(false);
    m.write32(EMAC.INT_MASK, EMAC_IRQ_MASK);
    expect(nic.irq.level).toBe(true);
    expect(m.read32(EMAC.INT_STATUS) & RX_PKT_INT0).toBe(RX_PKT_INT0);
    expect(nic.irq.level).toBe(false);
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    hw.run({ ns: 20 * US });
    expect(nic.irq.level).toBe(false);
    expect(edges).toEqual([true, false]);
    expect(r.n).toBe(16);
  });

  it('without INT_RD_CLR_EN reads do not clear; writes are W1C; DIS_INT masks the line', async () => {
    const { hw, nic } = await bare();
    rawRings(hw, nic);
    const m = nic.mmio;
    m.write32(EMAC.DMA_MAS_CTRL, 0);
    nic.wire.inject([frame({ dst: MAC_BYTES }).bytes]);
    hw.run({ ns: 20 * US });
    expect(m.read32(EMAC.INT_STATUS) & RX_PKT_INT0).toBe(RX_PKT_INT0);
    expect(m.read32(EMAC.INT_STATUS) & RX_PKT_INT0).toBe(RX_PKT_INT0);
    m.write32(EMAC.INT_STATUS, DIS_INT);
    expect(nic.irq.level).toBe(false);
    expect(m.peek32(EMAC.INT_STATUS)).toBe((DIS_INT | RX_PKT_INT0) >>> 0);
    m.write32(EMAC.INT_STATUS, RX_PKT_INT0);
    expect(m.peek32(EMAC.INT_STATUS)).toBe(0);
    m.write32(EMAC.INT_STATUS, TX_PKT_INT); // clears DIS_INT too
    nic.wire.inject([frame({ dst: MAC_BYTES }).bytes]);
    hw.run({ ns: 20 * US });
    expect(nic.irq.level).toBe(true);
  });
});

describe('25. Statistics', () => {
  it('counts N good RX frames once: the counters clear on read', async () => {
    const { hw, nic, drv } = await linked();
    const frames = Array.from({ length: 10 }, (_, i) => frame({ dst: MAC_BYTES, payload: 100 + i }).bytes);
    nic.wire.inject(frames);
    hw.run({ ns: 1 * MS });
    expect(drv.stack.length).toBe(10);
    expect(nic.mmio.peek32(EMAC.RXMAC_STATC_REG0)).toBe(10); // peek leaves it
    drv.updateHwStats();
    drv.updateHwStats();
    expect(drv.stats.rx_ok).toBe(10);
    expect(drv.stats.rx_byte_cnt).toBe(frames.reduce((s, f) => s + f.length, 0));
    expect(drv.stats.rx_sz_128_255).toBe(10);
    drv.xmit(frames[0]);
    hw.run({ ns: 1 * MS });
    drv.updateHwStats();
    drv.updateHwStats();
    expect(drv.stats.tx_ok).toBe(1);
    expect(drv.stats.tx_byte_cnt).toBe(frames[0].length);
    expect(drv.stats.rx_ok).toBe(10);
  });
});

describe('MMIO access rules', () => {
  it('ignores and counts misaligned and out-of-region accesses', async () => {
    const { nic } = await bare();
    expect(nic.mmio.read32(0x1402)).toBe(0xffffffff);
    nic.mmio.write32(0x2000, 1);
    nic.csr.write32(0x1000, 1);
    nic.sgmii.read32(0x4000);
    expect(nic.counters.badMmio).toBe(4);
    expect(nic.mmio.read32(0x100)).toBe(0); // below the core window: reads 0
  });
});
