// A small reference driver for the bare EMAC model, written in TypeScript on
// top of nic.mmio / nic.csr / nic.sgmii, box.dma and the IRQ line. It follows
// the mainline Linux driver's sequence and function structure
// (drivers/net/ethernet/qualcomm/emac/), so the hardware model can be tested
// without netpath's own driver model in the loop. The "stack" is an array of
// received packets; the "CPU" runs the ISR and NAPI when the line rises.
import type { EmacHw, EmacNic } from '../../src/hw/emac.js';
import {
  EMAC, CSR, SGMII, MII, SOFT_RST, INT_RD_CLR_EN, LPW_MODE, IRQ_MODERATOR_EN, IRQ_MODERATOR2_EN,
  TXEN, RXEN, TXFC, RXFC, MAC_LP_EN, FULLD, CRCE, PCRCE, FLCHK, HUGEN, PRLEN_SHIFT, VLAN_STRIP, PROM_MODE,
  TPAUSE, SIMR, SPEED_SHIFT, HUGE, RX_CHKSUM_EN, MULTI_ALL, BROAD_EN, DEBUG_MODE, SINGLE_PAUSE_MODE,
  TXQ_EN, RXQ_EN, MDIO_AP_EN, MDIO_BUSY, MDIO_START, SUP_PREAMBLE, MDIO_RD_NWR, MDIO_REG_ADDR_SHIFT,
  PHY_ADDR_MASK, PHY_ADDR_SHIFT, DIS_INT, RX_PKT_INT0, TX_PKT_INT, ISR_ERROR, ISR_OVER, EMAC_IRQ_MASK,
  TPD_CSX, TPD_LSO, TPD_LSOV, TPD_IPV4, TPD_TYP, TPD_CXSUM_OFFSET_SHIFT, TPD_MSS_SHIFT, TPD_LAST_FRAGMENT,
  TPD_INSTC, TPD_BUFFER_ADDR_H_SHIFT, RRD_UPDT, RRD_ERROR, RRD_L4F, RRD_CVTAG, RRD_PKT_SIZE_MASK,
  RX_STAT_NAMES, TX_STAT_NAMES,
} from '../../src/hw/emac-regs.js';
import { etherCrc, type Mac } from './frames.js';

export interface RxPacket { data: Uint8Array; vlan?: number; csum: 'none' | 'unnecessary'; si: number }
export interface TxOpts {
  vlan?: number;
  /** CHECKSUM_PARTIAL: csum_start and csum_offset (from csum_start). */
  csum?: { start: number; offset: number };
  /** GSO: mss, transport offset, IPv6 or IPv4. */
  tso?: { mss: number; l4: number; v6?: boolean };
  /** Split the linear data into fragments of these sizes (the remainder is the last one). */
  frags?: number[];
  /** Network header offset (for TPD TYP); default 14. */
  l3?: number;
}

const US = 1_000, MS = 1_000_000;
const NAPI_POLL_WEIGHT = 64;
const MAX_SKB_FRAGS = 17;
const EMAC_WATCHDOG_NS = 5_000 * MS;

function swab16(v: number): number { return ((v >> 8) & 0xff) | ((v & 0xff) << 8); }
function hi32(a: number): number { return Math.floor(a / 2 ** 32) >>> 0; }
function lo32(a: number): number { return a >>> 0; }

export class EmacError extends Error {}

export class BareEmacDriver {
  readonly mac: Mac;
  mtu = 1500;
  rxDescs = 256;
  txDescs = 512;
  promisc = false;
  allmulti = false;
  vlanRx = true; // NETIF_F_HW_VLAN_CTAG_RX
  rxcsum = true; // NETIF_F_RXCSUM
  mcList: Mac[] = [];

  irqMask = EMAC_IRQ_MASK;
  phyAddr = -1;
  rxbufSize = 1536;

  // rings (bus addresses)
  tpdRing = 0; rrdRing = 0; rfdRing = 0;
  rfdBuf: number[] = []; // per RFD slot: mapped buffer (0 = none)
  private rfdPool: number[] = []; // per slot: allocated DMA buffer
  private rfdPoolSize = 0;
  rfdProduce = 0; rfdProcess = 0; rfdConsume = 0; rrdConsume = 0;
  tpdProduce = 0; tpdConsume = 0;
  private tpdSkb: boolean[] = []; // true on the packet's last TPD
  private txArea = 0; private txAreaSize = 4 << 20; private txCursor = 0;
  queueStopped = false;

  /** What went up the stack, in order. */
  readonly stack: RxPacket[] = [];
  txCompleted = 0;
  txDropped = 0;
  rxErrorsDropped = 0;
  overWarnings = 0;
  reinits = 0;
  readonly log: string[] = [];
  /** INT_MASK as seen at the end of each NAPI poll while it stayed scheduled, and after. */
  readonly napiMaskLog: number[] = [];
  readonly stats: Record<string, number> = {};

  linkUp = false;
  speed = 0;
  up = false;
  napiScheduled = false;
  /** false = the CPU has interrupts off: the ISR runs when they are turned back on. */
  private cpuIrqs = true;
  private reinitPending = false;
  private lastTxProgress = 0;
  private unsubscribe?: () => void;

  constructor(readonly hw: EmacHw, readonly nic: EmacNic, mac: string | Mac, readonly sgmiiKind: 'fsm9900' | 'qdf2400' = 'fsm9900') {
    this.mac = typeof mac === 'string' ? mac.split(':').map((h) => parseInt(h, 16)) : mac;
  }

  private get m() { return this.nic.mmio; }
  private sleep(ns: number): void { this.hw.run({ ns }); }

  /** readl_poll_timeout: polls `read` every `stepNs` until ok or `timeoutNs`. */
  private poll(read: () => number, ok: (v: number) => boolean, stepNs: number, timeoutNs: number): number | undefined {
    for (let t = 0; ; t += stepNs) {
      const v = read();
      if (ok(v)) return v;
      if (t >= timeoutNs) return undefined;
      this.sleep(stepNs);
    }
  }

  // ---- MDIO (emac-phy.c) -------------------------------------------------------------
  private autopollDisable(): void {
    this.m.update32(EMAC.MDIO_CTRL, MDIO_AP_EN, 0);
    if (this.poll(() => this.m.read32(EMAC.MDIO_CTRL), (v) => !(v & MDIO_BUSY), 100 * US, 100 * MS) === undefined) {
      this.m.update32(EMAC.MDIO_CTRL, 0, MDIO_AP_EN);
      throw new EmacError('EBUSY');
    }
  }

  mdioRead(addr: number, reg: number): number {
    this.autopollDisable();
    this.m.update32(EMAC.PHY_STS, PHY_ADDR_MASK, addr << PHY_ADDR_SHIFT);
    this.m.write32(EMAC.MDIO_CTRL, SUP_PREAMBLE | (reg << MDIO_REG_ADDR_SHIFT) | MDIO_START | MDIO_RD_NWR);
    const v = this.poll(() => this.m.read32(EMAC.MDIO_CTRL), (x) => !(x & (MDIO_START | MDIO_BUSY)), 100 * US, 100 * MS);
    this.m.update32(EMAC.MDIO_CTRL, 0, MDIO_AP_EN);
    if (v === undefined) throw new EmacError('EIO: mdio read timeout');
    return v & 0xffff;
  }

  mdioWrite(addr: number, reg: number, val: number): void {
    this.autopollDisable();
    this.m.update32(EMAC.PHY_STS, PHY_ADDR_MASK, addr << PHY_ADDR_SHIFT);
    this.m.write32(EMAC.MDIO_CTRL, SUP_PREAMBLE | (reg << MDIO_REG_ADDR_SHIFT) | (val & 0xffff) | MDIO_START);
    const v = this.poll(() => this.m.read32(EMAC.MDIO_CTRL), (x) => !(x & (MDIO_START | MDIO_BUSY)), 100 * US, 100 * MS);
    this.m.update32(EMAC.MDIO_CTRL, 0, MDIO_AP_EN);
    if (v === undefined) throw new EmacError('EIO: mdio write timeout');
  }

  /** emac_phy_config (ACPI path): phy_find_first over the bus. */
  phyConfig(): void {
    for (let a = 0; a < 32; a++) {
      const id = ((this.mdioRead(a, MII.PHYSID1) << 16) | this.mdioRead(a, MII.PHYSID2)) >>> 0;
      if ((id & 0x1fffffff) !== 0x1fffffff && id !== 0) { this.phyAddr = a; return; }
    }
    throw new EmacError('ENODEV: could not find external phy');
  }

  // ---- SGMII (emac-sgmii*.c) ---------------------------------------------------------
  /** emac_sgmii_init_fsm9900 / emac_sgmii_init_qdf2400 (register tables abridged). */
  sgmiiInit(): void {
    const s = this.nic.sgmii;
    if (this.sgmiiKind === 'fsm9900') {
      s.write32(0x58, 15); // CDR_CTRL0: CDR_MAX_CNT
      s.write32(0x80, 1); // POW_DWN_CTRL0: PWRDN_B
      s.write32(SGMII.SERDES_START, 1);
    } else {
      s.write32(0x80, 1);
      s.write32(SGMII.RESET_CTRL, 0);
    }
    const reg = this.sgmiiKind === 'fsm9900' ? SGMII.QSERDES_COM_RESET_SM : SGMII.LN_LANE_STATUS;
    const bit = this.sgmiiKind === 'fsm9900' ? SGMII.SERDES_READY : SGMII.LANE_C_READY;
    let i = 0;
    for (; i < 100; i++) {
      if (s.read32(reg) & bit) break;
      this.sleep(150 * US);
    }
    if (i === 100) throw new EmacError('EIO: ser/des failed to start');
    s.write32(SGMII.INTERRUPT_MASK, 0);
  }

  /** emac_sgmii_link_init */
  sgmiiLinkInit(): void {
    const s = this.nic.sgmii;
    s.write32(SGMII.AUTONEG_CFG2, ((s.read32(SGMII.AUTONEG_CFG2) & ~(SGMII.FORCE_AN_RX_CFG | SGMII.FORCE_AN_TX_CFG)) | SGMII.AN_ENABLE) >>> 0);
  }

  /** emac_sgmii_irq_clear: returns false (-EIO) if the bits do not clear within ~10 us. */
  sgmiiIrqClear(bits: number): boolean {
    const s = this.nic.sgmii;
    s.write32(SGMII.INTERRUPT_CLEAR, bits);
    s.write32(SGMII.IRQ_CMD, 1);
    if (this.poll(() => s.read32(SGMII.INTERRUPT_STATUS), (v) => !(v & bits), 1 * US, 10 * US) === undefined) return false;
    s.write32(SGMII.IRQ_CMD, 0);
    s.write32(SGMII.INTERRUPT_CLEAR, 0);
    return true;
  }

  /** emac_sgmii_common_open (with an SGMII IRQ) */
  sgmiiOpen(): void {
    if (!this.sgmiiIrqClear(0xff)) throw new EmacError('EIO: sgmii irq clear');
    this.nic.sgmii.write32(SGMII.INTERRUPT_MASK, 0);
  }

  /** emac_sgmii_common_reset: PHY_RESET pulse (at sgmii + CSR2, as mainline does), link init, init. */
  sgmiiReset(): void {
    const s = this.nic.sgmii;
    s.write32(CSR.CSR2, (s.read32(CSR.CSR2) | 1) >>> 0);
    this.sleep(50 * MS);
    s.write32(CSR.CSR2, (s.read32(CSR.CSR2) & ~1) >>> 0);
    this.sleep(50 * MS);
    this.sgmiiLinkInit();
    this.sgmiiInit();
  }

  // ---- probe / open ------------------------------------------------------------------
  /** emac_probe: MDIO + PHY, SerDes, then read the version registers. */
  probe(): { devId: number; devRev: number; hwVersion: number } {
    this.irqMask = EMAC_IRQ_MASK;
    this.phyConfig();
    this.sgmiiInit();
    this.sgmiiLinkInit();
    this.unsubscribe = this.nic.irq.onChange((level) => { if (level) this.onIrq(); });
    const mas = this.m.read32(EMAC.DMA_MAS_CTRL);
    return { devId: (mas >>> 24) & 0x7f, devRev: (mas >>> 16) & 0xff, hwVersion: this.m.read32(EMAC.CORE_HW_VERSION) };
  }

  /** emac_mac_rx_tx_rings_alloc_all: one block with TPD, RRD and RFD rings (8-byte aligned each). */
  private ringsAlloc(): void {
    const tpd = this.txDescs * 16, rrd = this.rxDescs * 16, rfd = this.rxDescs * 8;
    const base = this.hw.dma.alloc(tpd + rrd + rfd + 32, 8);
    this.tpdRing = base;
    this.rrdRing = base + tpd;
    this.rfdRing = base + tpd + rrd;
    this.rfdBuf = new Array(this.rxDescs).fill(0);
    this.tpdSkb = new Array(this.txDescs).fill(false);
    if (!this.txArea) this.txArea = this.hw.dma.alloc(this.txAreaSize, 64);
  }

  /** emac_open */
  open(): void {
    this.ringsAlloc();
    this.sgmiiOpen();
    this.macUp();
  }

  /** emac_mac_up */
  macUp(): void {
    this.rfdProduce = this.rfdProcess = this.rfdConsume = this.rrdConsume = 0;
    this.tpdProduce = this.tpdConsume = 0;
    this.macConfig();
    this.rxDescsRefill();
    this.m.write32(EMAC.INT_STATUS, ~DIS_INT >>> 0);
    this.m.write32(EMAC.INT_MASK, this.irqMask);
    this.phyStart();
    this.up = true;
    this.queueStopped = false;
    this.lastTxProgress = this.hw.now;
  }

  /** emac_mac_config */
  private macConfig(): void {
    const m = this.m;
    const mac = this.mac;
    m.write32(EMAC.MAC_STA_ADDR0, ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0);
    m.write32(EMAC.MAC_STA_ADDR1, (mac[0] << 8) | mac[1]);
    this.rxbufSize = this.mtu > 1536 ? (this.mtu + 22 + 7) & ~7 : 1536;
    // emac_mac_dma_rings_config
    m.write32(EMAC.DESC_CTRL_1, hi32(this.tpdRing));
    m.write32(EMAC.DESC_CTRL_8, lo32(this.tpdRing));
    m.write32(EMAC.DESC_CTRL_9, this.txDescs & 0xffff);
    m.write32(EMAC.DESC_CTRL_0, hi32(this.rfdRing));
    m.write32(EMAC.DESC_CTRL_2, lo32(this.rfdRing));
    m.write32(EMAC.DESC_CTRL_5, lo32(this.rrdRing));
    m.write32(EMAC.DESC_CTRL_3, this.rxDescs & 0xfff);
    m.write32(EMAC.DESC_CTRL_6, this.rxDescs & 0xfff);
    m.write32(EMAC.DESC_CTRL_4, this.rxbufSize & 0xffff);
    m.write32(EMAC.DESC_CTRL_11, 0);
    m.write32(EMAC.INTER_SRAM_PART9, 1);
    m.write32(EMAC.MAX_FRAM_LEN_CTRL, this.mtu + 14 + 4 + 4);
    // emac_mac_tx_config
    m.write32(EMAC.TXQ_CTRL_1, (9216 >> 3) & 0x7ff);
    m.write32(EMAC.TXQ_CTRL_0, 0x010000c5);
    m.update32(EMAC.TXQ_CTRL_2, 0x0fff0000 | 0xfff, 0);
    // emac_mac_rx_config
    m.write32(EMAC.RXQ_CTRL_0, 0x40800080);
    m.update32(EMAC.RXQ_CTRL_1, 0xf000 | 0xfc0 | 0x3f, (4 << 12) | (0x10 << 6) | 0x10);
    m.update32(EMAC.RXQ_CTRL_2, 0x0fff0000 | 0xfff, (0x1a0 << 16) | 0xbe);
    m.update32(EMAC.RXQ_CTRL_3, 0xffff0000 | 0xfff, 0x100);
    // emac_mac_dma_config
    m.write32(EMAC.DMA_CTRL, 0x47c54);
    m.update32(EMAC.AXI_MAST_CTRL, (1 << 3) | (1 << 1), 1);
    m.write32(EMAC.CLK_GATE_CTRL, 0);
    m.write32(EMAC.MISC_CTRL, 1);
  }

  /** emac_mac_rx_descs_refill: fill the current slot while the next one has no buffer. */
  rxDescsRefill(): void {
    const n = this.rxDescs;
    if (this.rfdPoolSize < this.rxbufSize) {
      this.rfdPool = [];
      for (let i = 0; i < n; i++) this.rfdPool.push(this.hw.dma.alloc(this.rxbufSize, 64));
      this.rfdPoolSize = this.rxbufSize;
    }
    let count = 0;
    let next = (this.rfdProduce + 1) % n;
    while (!this.rfdBuf[next]) {
      const slot = this.rfdProduce;
      const buf = this.rfdPool[slot];
      this.rfdBuf[slot] = buf;
      this.hw.dma.write32(this.rfdRing + slot * 8, lo32(buf));
      this.hw.dma.write32(this.rfdRing + slot * 8 + 4, hi32(buf));
      this.rfdProduce = (slot + 1) % n;
      next = (this.rfdProduce + 1) % n;
      count++;
    }
    if (count) this.m.update32(EMAC.MAILBOX_0, 0xfff, this.rfdProduce);
  }

  // ---- PHY and link ------------------------------------------------------------------
  /** phy_start with genphy: advertise and (re)start autonegotiation. */
  private phyStart(): void {
    this.linkUp = false;
    this.mdioWrite(this.phyAddr, MII.ADVERTISE, 0x01e1);
    this.mdioWrite(this.phyAddr, MII.CTRL1000, 0x0200);
    this.mdioWrite(this.phyAddr, MII.BMCR, MII.BMCR_ANENABLE | MII.BMCR_ANRESTART);
  }

  /** One phylib state-machine poll; calls emac_adjust_link on a change. */
  phyPoll(): void {
    this.mdioRead(this.phyAddr, MII.BMSR);
    const bmsr = this.mdioRead(this.phyAddr, MII.BMSR);
    const link = !!(bmsr & MII.BMSR_LSTATUS) && !!(bmsr & MII.BMSR_ANEGCOMPLETE);
    if (link && !this.linkUp) {
      const stat1000 = this.mdioRead(this.phyAddr, MII.STAT1000);
      const lpa = this.mdioRead(this.phyAddr, MII.LPA);
      this.speed = stat1000 & 0x0800 ? 1000 : lpa & 0x0100 ? 100 : 10;
      this.linkUp = true;
      this.macStart();
      this.sgmiiLinkChange(true);
    } else if (!link && this.linkUp) {
      this.linkUp = false;
      this.sgmiiLinkChange(false);
      this.macStop();
    }
  }

  /** Polls the PHY every 1 ms of virtual time until the link is up. */
  waitLink(timeoutNs = 100 * MS): void {
    for (let t = 0; !this.linkUp; t += MS) {
      if (t > timeoutNs) throw new EmacError('link did not come up');
      this.sleep(MS);
      this.phyPoll();
    }
  }

  private sgmiiLinkChange(up: boolean): void {
    if (up) {
      if (!this.sgmiiIrqClear(0xff)) throw new EmacError('EIO: sgmii irq clear');
      this.nic.sgmii.write32(SGMII.INTERRUPT_MASK, SGMII.DECODE_CODE_ERR | SGMII.DECODE_DISP_ERR);
    } else {
      this.nic.sgmii.write32(SGMII.INTERRUPT_MASK, 0);
    }
  }

  /** emac_mac_start */
  macStart(): void {
    const m = this.m;
    m.update32(EMAC.TXQ_CTRL_0, 0, TXQ_EN);
    m.update32(EMAC.RXQ_CTRL_0, 0, RXQ_EN);
    let mac = m.read32(EMAC.MAC_CTRL);
    mac |= TXEN | RXEN;
    mac = (mac & ~(3 << SPEED_SHIFT)) | ((this.speed === 1000 ? 2 : 1) << SPEED_SHIFT);
    this.nic.csr.update32(CSR.CSR1, CSR.FREQ_MODE, this.speed === 1000 ? CSR.FREQ_MODE : 0);
    mac |= FULLD;
    mac &= ~(RXFC | TXFC); // no pause
    mac |= CRCE | PCRCE | (7 << PRLEN_SHIFT) | BROAD_EN | FLCHK;
    mac &= ~(RX_CHKSUM_EN | HUGEN | VLAN_STRIP | TPAUSE | SIMR | HUGE | MULTI_ALL | DEBUG_MODE | SINGLE_PAUSE_MODE);
    m.write32(EMAC.MAC_CTRL, mac >>> 0);
    m.write32(EMAC.IRQ_MOD_TIM_INIT, (125 << 16) | 125);
    m.write32(EMAC.DMA_MAS_CTRL, INT_RD_CLR_EN | LPW_MODE | IRQ_MODERATOR_EN | IRQ_MODERATOR2_EN);
    this.macModeConfig();
    m.update32(EMAC.ATHR_HEADER_CTRL, 3, 0);
  }

  /** emac_mac_mode_config */
  macModeConfig(): void {
    let mac = this.m.read32(EMAC.MAC_CTRL);
    mac = this.vlanRx ? mac | VLAN_STRIP : mac & ~VLAN_STRIP;
    mac = this.promisc ? mac | PROM_MODE : mac & ~PROM_MODE;
    mac = this.allmulti ? mac | MULTI_ALL : mac & ~MULTI_ALL;
    mac &= ~MAC_LP_EN;
    this.m.write32(EMAC.MAC_CTRL, mac >>> 0);
  }

  /** emac_rx_mode_set: mode bits, then the multicast hash. */
  rxModeSet(): void {
    this.macModeConfig();
    this.m.write32(EMAC.HASH_TAB_REG0, 0);
    this.m.write32(EMAC.HASH_TAB_REG1, 0);
    for (const a of this.mcList) {
      const crc = etherCrc(a);
      const reg = crc >>> 31 ? EMAC.HASH_TAB_REG1 : EMAC.HASH_TAB_REG0;
      const bit = (crc >>> 26) & 0x1f;
      this.m.update32(reg, 0, (1 << bit) >>> 0);
    }
  }

  /** emac_mac_stop */
  macStop(): void {
    this.m.update32(EMAC.RXQ_CTRL_0, RXQ_EN, 0);
    this.m.update32(EMAC.TXQ_CTRL_0, TXQ_EN, 0);
    this.m.update32(EMAC.MAC_CTRL, TXEN | RXEN, 0);
    this.sleep(1 * MS);
  }

  /** emac_mac_reset */
  macReset(): void {
    this.macStop();
    this.m.update32(EMAC.DMA_MAS_CTRL, 0, SOFT_RST);
    this.sleep(100 * US);
    this.m.update32(EMAC.DMA_MAS_CTRL, 0, INT_RD_CLR_EN);
  }

  /** emac_mac_down */
  macDown(): void {
    this.up = false;
    this.napiScheduled = false;
    this.linkUp = false;
    this.m.write32(EMAC.INT_STATUS, DIS_INT);
    this.m.write32(EMAC.INT_MASK, 0);
    this.macReset();
    // free TX buffers and zero the TPD ring; free RX buffers and zero the RRD and RFD rings
    this.hw.dma.view(this.tpdRing, this.txDescs * 16).fill(0);
    this.hw.dma.view(this.rrdRing, this.rxDescs * 16).fill(0);
    this.hw.dma.view(this.rfdRing, this.rxDescs * 8).fill(0);
    this.rfdBuf.fill(0);
    this.tpdSkb.fill(false);
  }

  /** emac_reinit_locked: down, SGMII reset, up. */
  reinit(): void {
    this.reinits++;
    this.macDown();
    this.sgmiiReset();
    this.macUp();
  }

  /** ndo_change_mtu */
  changeMtu(mtu: number): void {
    this.mtu = mtu;
    if (this.up) this.reinit();
  }

  // ---- interrupts and NAPI -------------------------------------------------------------
  /** local_irq_disable / local_irq_enable for tests that need the CPU to be late. */
  irqsOff(): void { this.cpuIrqs = false; }
  irqsOn(): void {
    this.cpuIrqs = true;
    if (this.nic.irq.level) this.onIrq();
  }

  private onIrq(): void {
    if (!this.cpuIrqs || !this.up) return;
    this.isr();
    // softirq on irq exit
    while (this.napiScheduled) this.napiPoll(NAPI_POLL_WEIGHT);
    if (this.reinitPending) { this.reinitPending = false; this.reinit(); }
  }

  /** emac_isr */
  isr(): void {
    this.m.write32(EMAC.INT_MASK, 0);
    const status = this.m.read32(EMAC.INT_STATUS) & this.irqMask;
    if (status & ISR_ERROR) { this.log.push(`error interrupt 0x${status.toString(16)}`); this.reinitPending = true; }
    if (status & RX_PKT_INT0 && !this.napiScheduled) {
      this.irqMask = (this.irqMask & ~RX_PKT_INT0) >>> 0;
      this.napiScheduled = true;
    }
    if (status & TX_PKT_INT) this.txProcess();
    if (status & ISR_OVER) this.overWarnings++;
    this.m.write32(EMAC.INT_MASK, this.irqMask);
  }

  /** emac_napi_rtx */
  napiPoll(budget: number): number {
    const work = this.rxProcess(budget);
    this.napiMaskLog.push(this.m.peek32(EMAC.INT_MASK));
    if (work < budget) {
      this.napiScheduled = false;
      this.irqMask = (this.irqMask | RX_PKT_INT0) >>> 0;
      this.m.write32(EMAC.INT_MASK, this.irqMask);
      this.napiMaskLog.push(this.m.peek32(EMAC.INT_MASK));
    }
    return work;
  }

  /** emac_mac_rx_process */
  rxProcess(budget: number): number {
    const n = this.rxDescs;
    const dma = this.hw.dma;
    const hwConsume = this.m.read32(EMAC.MAILBOX_3) & 0xfff;
    let avail = (hwConsume - this.rrdConsume + n) % n;
    let count = 0, work = 0;
    do {
      if (!avail) break;
      // emac_rx_process_rrd
      const rrd = this.rrdRing + this.rrdConsume * 16;
      const w3 = dma.read32(rrd + 12);
      if (!(w3 & RRD_UPDT)) break;
      const w0 = dma.read32(rrd), w2 = dma.read32(rrd + 8);
      dma.write32(rrd + 12, (w3 & ~RRD_UPDT) >>> 0);
      this.rrdConsume = (this.rrdConsume + 1) % n;
      const nor = (w0 >>> 16) & 0xf, si = w0 >>> 20;
      if (nor !== 1) { this.log.push('error: multi-RFD not support yet!'); break; }
      const buf = this.rfdBuf[si];
      this.rfdBuf[si] = 0;
      // emac_rx_rfd_clean
      this.rfdConsume = this.rfdProcess = (si + nor) % n;
      avail--;
      count++;
      if (w3 & RRD_ERROR) { this.rxErrorsDropped++; continue; }
      const len = (w3 & RRD_PKT_SIZE_MASK) - 4;
      if (!buf) { this.log.push(`RRD names RFD ${si} with no buffer`); continue; }
      const data = dma.read(buf, Math.min(len, this.rxbufSize));
      this.stack.push({
        data, si,
        vlan: w3 & RRD_CVTAG ? swab16(w2 & 0xffff) : undefined,
        csum: this.rxcsum && !(w3 & RRD_L4F) ? 'unnecessary' : 'none',
      });
      work++;
    } while (work < budget);
    if (count) {
      this.m.update32(EMAC.MAILBOX_0, 0x0fff0000, (this.rfdProcess << 16) & 0x0fff0000);
      this.rxDescsRefill();
    }
    return work;
  }

  // ---- transmit ----------------------------------------------------------------------
  private txFree(): number {
    const n = this.txDescs;
    return this.tpdConsume > this.tpdProduce ? this.tpdConsume - this.tpdProduce - 1 : n + this.tpdConsume - this.tpdProduce - 1;
  }

  private tpdCreate(w: [number, number, number, number]): number {
    const at = this.tpdRing + this.tpdProduce * 16;
    for (let i = 0; i < 4; i++) this.hw.dma.write32(at + i * 4, w[i] >>> 0);
    const idx = this.tpdProduce;
    this.tpdProduce = (this.tpdProduce + 1) % this.txDescs;
    return idx;
  }

  private map(bytes: Uint8Array): number {
    if (this.txCursor + bytes.length + 64 > this.txAreaSize) this.txCursor = 0;
    const a = this.txArea + this.txCursor;
    this.hw.dma.write(a, bytes);
    this.txCursor = (this.txCursor + bytes.length + 63) & ~63;
    return a;
  }

  /** emac_mac_tx_buf_send (+ emac_tso_csum, emac_tx_fill_tpd). Returns false if dropped. */
  xmit(frame: Uint8Array, o: TxOpts = {}): boolean {
    if (this.queueStopped) return false;
    let w1 = 0, w3 = 0;
    let hdrLen = 0;
    if (o.tso) {
      if (o.tso.v6) {
        this.tpdCreate([0, TPD_LSO | TPD_LSOV, frame.length, 0]); // the extra TPD
        w1 |= TPD_LSOV;
      } else {
        w1 |= TPD_IPV4;
      }
      w1 |= TPD_LSO | (o.tso.l4 & 0xff) | ((o.tso.mss & 0x1fff) << TPD_MSS_SHIFT);
      hdrLen = o.tso.l4 + ((frame[o.tso.l4 + 12] >> 4) * 4);
    } else if (o.csum) {
      if (o.csum.start & 1) { this.txDropped++; return false; }
      w1 |= TPD_CSX | ((o.csum.start >> 1) & 0xff) | ((((o.csum.start + o.csum.offset) >> 1) & 0xff) << TPD_CXSUM_OFFSET_SHIFT);
    }
    if (o.vlan !== undefined) w3 |= swab16(o.vlan) | TPD_INSTC;
    if ((o.l3 ?? 14) !== 14) w1 |= TPD_TYP;

    // emac_tx_fill_tpd: headers first with LSO, then the rest in fragments
    const pieces: Uint8Array[] = [];
    let off = 0;
    if (hdrLen) { pieces.push(frame.subarray(0, hdrLen)); off = hdrLen; }
    for (const f of o.frags ?? []) {
      if (off >= frame.length) break;
      pieces.push(frame.subarray(off, Math.min(frame.length, off + f)));
      off += f;
    }
    if (off < frame.length) pieces.push(frame.subarray(off));
    let last = -1;
    for (const p of pieces) {
      const a = this.map(p);
      last = this.tpdCreate([p.length, w1, lo32(a), ((w3 & 0x3ffff) | ((hi32(a) & 0x3fff) << TPD_BUFFER_ADDR_H_SHIFT)) >>> 0]);
    }
    // wmb(); mark the last TPD; the skb lives on it
    const at = this.tpdRing + last * 16 + 4;
    this.hw.dma.write32(at, (this.hw.dma.read32(at) | TPD_LAST_FRAGMENT) >>> 0);
    this.tpdSkb[last] = true;
    if (this.txFree() < MAX_SKB_FRAGS + 3) this.queueStopped = true;
    this.m.update32(EMAC.MAILBOX_15, 0xffff, this.tpdProduce);
    return true;
  }

  /** emac_mac_tx_process */
  txProcess(): void {
    const hwConsume = (this.m.read32(EMAC.MAILBOX_2) >>> 16) & 0xffff;
    if (hwConsume !== this.tpdConsume) this.lastTxProgress = this.hw.now;
    while (this.tpdConsume !== hwConsume) {
      if (this.tpdSkb[this.tpdConsume]) { this.txCompleted++; this.tpdSkb[this.tpdConsume] = false; }
      this.tpdConsume = (this.tpdConsume + 1) % this.txDescs;
    }
    if (this.queueStopped && this.txFree() > MAX_SKB_FRAGS + 1) this.queueStopped = false;
  }

  /** dev_watchdog: a TX timeout (5 s without progress while TPDs are pending) reinits. */
  watchdog(): boolean {
    if (this.tpdConsume !== this.tpdProduce && this.hw.now - this.lastTxProgress >= EMAC_WATCHDOG_NS) {
      this.log.push('tx timeout');
      this.reinit();
      return true;
    }
    return false;
  }

  // ---- statistics --------------------------------------------------------------------
  /** emac_update_hw_stats: add every counter register to the 64-bit totals. */
  updateHwStats(): Record<string, number> {
    RX_STAT_NAMES.forEach((k, i) => { this.stats[k] = (this.stats[k] ?? 0) + this.m.read32(EMAC.RXMAC_STATC_REG0 + 4 * i); });
    this.stats.rx_crc_align = (this.stats.rx_crc_align ?? 0) + this.m.read32(EMAC.RXMAC_STATC_REG23);
    this.stats.rx_jabbers = (this.stats.rx_jabbers ?? 0) + this.m.read32(EMAC.RXMAC_STATC_REG24);
    TX_STAT_NAMES.forEach((k, i) => { this.stats[k] = (this.stats[k] ?? 0) + this.m.read32(EMAC.TXMAC_STATC_REG0 + 4 * i); });
    this.stats.tx_col = (this.stats.tx_col ?? 0) + this.m.read32(EMAC.TXMAC_STATC_REG25);
    return this.stats;
  }

  /** probe + open + link up: the device ready for traffic. */
  bringUp(): void {
    this.probe();
    this.open();
    this.waitLink();
  }

  remove(): void { this.unsubscribe?.(); }
}
