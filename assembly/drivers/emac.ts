// The Qualcomm EMAC driver model: the mainline Linux driver's sequence
// (drivers/net/ethernet/qualcomm/emac/: emac.c, emac-mac.c, emac-phy.c,
// emac-sgmii.c), function by function, running against the hardware model in
// assembly/hw/emac/ through the same MMIO registers, DMA memory and IRQ line a
// real driver would use. Functions carry the Linux names.
//
// Not the kernel: the netdevice side lives in emac_netdev.ts. Received frames go
// to its emacRxFrame (netif_receive_skb; before that side is set up, to a
// per-adapter queue the host can collect), frames to send come in through its
// emac_start_xmit (dev_queue_xmit).
// NAPI runs right after the ISR (softirq on irq exit) with budget 64; the
// phylib poll is emac_phy_poll, to be called from a timer.
//
// No allocation per packet: rings, RX buffers and TX bounce buffers are
// allocated from DMA memory once, at open; "dma_map_single" of TX data is a
// copy into the TPD's bounce buffer.

import { EmacDevice, emacDevice } from "../hw/emac/emac";
import { dmaAlloc, dmaMap, DMA_BUS_BASE } from "../hw/dma";
import { hwDelay } from "../hw/run";
import { clockNow, CLOCK_NEVER } from "../hw/clock";
import { etherCrc, store16be } from "../hw/checksum";
import { WirePort, wirePort, wirePortCreate, wireTxStageFrame, wireTxCommit } from "../hw/wire";
import { trace as tracePath } from "../core/trace";
import { TE_EMAC_RX } from "../core/trace_events";
import {
  DMA_MAS_CTRL, IRQ_MOD_TIM_INIT, MDIO_CTRL, PHY_STS, MAC_CTRL, MAC_STA_ADDR0, MAC_STA_ADDR1,
  HASH_TAB_REG0, HASH_TAB_REG1, MAX_FRAM_LEN_CTRL, INTER_SRAM_PART9, DESC_CTRL_0, DESC_CTRL_1, DESC_CTRL_2,
  DESC_CTRL_3, DESC_CTRL_4, DESC_CTRL_5, DESC_CTRL_6, DESC_CTRL_8, DESC_CTRL_9, DESC_CTRL_11,
  TXQ_CTRL_0, TXQ_CTRL_1, TXQ_CTRL_2, RXQ_CTRL_0, RXQ_CTRL_1, RXQ_CTRL_2, RXQ_CTRL_3, DMA_CTRL,
  MAILBOX_0, MAILBOX_2, MAILBOX_3, MAILBOX_15, INT_STATUS, INT_MASK, AXI_MAST_CTRL, ATHR_HEADER_CTRL,
  CLK_GATE_CTRL, CORE_HW_VERSION, MISC_CTRL, RXMAC_STATC_REG0, TXMAC_STATC_REG0, RXMAC_STATC_REG23,
  RXMAC_STATC_REG24, TXMAC_STATC_REG25, RX_STAT_COUNT, TX_STAT_COUNT, TX_BASE, STAT_SLOTS,
  REGION_BASE, REGION_CSR, REGION_SGMII, EMAC_WRAPPER_CSR1, FREQ_MODE, SOFT_RST, INT_RD_CLR_EN, LPW_MODE,
  IRQ_MODERATOR_EN, IRQ_MODERATOR2_EN, TXEN, RXEN, TXFC, RXFC, MAC_LP_EN, FULLD, CRCE, PCRCE, FLCHK,
  HUGEN, PRLEN_SHIFT, VLAN_STRIP, PROM_MODE, TPAUSE, SIMR, SPEED_SHIFT, HUGE, RX_CHKSUM_EN, MULTI_ALL,
  BROAD_EN, DEBUG_MODE, SINGLE_PAUSE_MODE, TXQ_EN, RXQ_EN, MDIO_AP_EN, MDIO_BUSY, MDIO_START,
  SUP_PREAMBLE, MDIO_RD_NWR, PHY_ADDR_MASK, PHY_ADDR_SHIFT, DIS_INT, RX_PKT_INT0, TX_PKT_INT,
  ISR_ERROR, ISR_OVER, ISR_TX_PKT, TPD_CSX, TPD_LSO, TPD_LSOV, TPD_IPV4, TPD_CXSUM_OFFSET_SHIFT,
  TPD_MSS_SHIFT, TPD_LAST_FRAGMENT, TPD_INSTC, TPD_BUFFER_ADDR_H_SHIFT, RRD_UPDT, RRD_ERROR, RRD_L4F,
  RRD_CVTAG, RRD_PKT_SIZE_MASK, SGMII_SERDES_START, QSERDES_COM_RESET_SM, SERDES_READY,
  SGMII_PHY_INTERRUPT_MASK, SGMII_PHY_INTERRUPT_CLEAR, SGMII_PHY_IRQ_CMD, SGMII_PHY_INTERRUPT_STATUS,
  SGMII_PHY_AUTONEG_CFG2, AN_ENABLE, DECODE_CODE_ERR, DECODE_DISP_ERR, MII_BMCR, MII_BMSR, MII_PHYSID1,
  MII_PHYSID2, MII_ADVERTISE, MII_LPA, MII_CTRL1000, MII_STAT1000, BMCR_ANENABLE, BMCR_ANRESTART,
  BMSR_LSTATUS, BMSR_ANEGCOMPLETE, LPA_PAUSE_CAP, LPA_PAUSE_ASYM,
} from "../hw/emac/registers";
import { copyFrame } from "../lib/mem";
import { emacRxFrame } from "./emac_netdev";

const US: i64 = 1000;
const MS: i64 = 1_000_000;
const NAPI_POLL_WEIGHT: i32 = 64;
const MAX_SKB_FRAGS: u32 = 17;
/** TX bounce buffer per TPD: a TPD never carries more. */
const TX_BUF: u32 = 2048;
const EMAC_DEF_RX_DESCS: u32 = 256;
const EMAC_DEF_TX_DESCS: u32 = 512;
/** emac_probe: RX_PKT_INT0 | ISR_ERROR | ISR_OVER | ISR_TX_PKT */
const EMAC_IRQ_MASK: u32 = RX_PKT_INT0 | ISR_ERROR | ISR_OVER | ISR_TX_PKT;
/** SGMII_ISR_MASK: the internal PHY's decode errors (emac-sgmii.c). */
const SGMII_ISR_MASK: u32 = DECODE_CODE_ERR | DECODE_DISP_ERR;
/** DECODE_ERROR_LIMIT: consecutive decode errors that make emac_sgmii_interrupt schedule a reset. */
const DECODE_ERROR_LIMIT: i32 = 2;
/** EMAC_WATCHDOG_TIME (5 * HZ): netdev->watchdog_timeo, also the dev_watchdog timer period. */
export const EMAC_WATCHDOG_NS: i64 = 5_000_000_000;

// errno
export const EIO: i32 = 5;
export const ENOMEM: i32 = 12;
export const EBUSY: i32 = 16;
export const ENODEV: i32 = 19;

/** Delivery flags of emacRxFrame / the host queue. */
export const RXF_CSUM_UNNECESSARY: u32 = 1;
export const RXF_VLAN: u32 = 2;

/**
 * Set when the netdevice side (emac_netdev.ts) is there: received frames go to the stack
 * (emacRxFrame, a direct call); else they are queued for the host (emacDrvCollect).
 */
let emacRxToStack = false;
export function emacSetRxToStack(on: bool): void { emacRxToStack = on; }

/** phylib's phy_link_change (netif_carrier_on/off) for the link phy_stop takes down: (nic, up). */
export type EmacLinkChange = (nic: i32, up: bool) => void;
let emacLinkChange: EmacLinkChange | null = null;
export function emacSetLinkChange(h: EmacLinkChange | null): void { emacLinkChange = h; }

/** netif_stop_queue / netif_wake_queue: (nic, stopped). */
export type EmacTxqState = (nic: i32, stopped: bool) => void;
let emacTxqState: EmacTxqState | null = null;
export function emacSetTxqState(h: EmacTxqState | null): void { emacTxqState = h; }
/** The TX queue as the stack sees it after a.up or a.queueStopped changed: stopped while either says so. */
function txqSync(a: EmacAdapter): void {
  const h = emacTxqState;
  if (h != null) h(a.nic, !a.up || a.queueStopped);
}

export class EmacAdapter {
  dev: EmacDevice;
  /** The queue of received frames for the host without the netdevice side (a wire port's TX side). */
  upPort: i32;
  upQueue: WirePort;
  mac: StaticArray<u8> = new StaticArray<u8>(6);
  mtu: u32 = 1500;
  /** adpt->rx_desc_cnt / tx_desc_cnt: what ethtool -G asked; the rings take them at the next open */
  rxDescCnt: u32 = EMAC_DEF_RX_DESCS;
  txDescCnt: u32 = EMAC_DEF_TX_DESCS;
  /** rx_q.rfd.count (= rrd.count) and tx_q.tpd.count: the rings' sizes, set by emac_mac_rx_tx_rings_alloc_all */
  rfdCount: u32 = EMAC_DEF_RX_DESCS;
  tpdCount: u32 = EMAC_DEF_TX_DESCS;
  rxbufSize: u32 = 1536;
  irqMask: u32 = EMAC_IRQ_MASK;
  phyAddr: i32 = -1;
  promisc: bool = false;
  allmulti: bool = false;
  vlanRx: bool = true; // NETIF_F_HW_VLAN_CTAG_RX
  rxcsum: bool = true; // NETIF_F_RXCSUM
  /** emac_init_adapter: flow control follows the PHY (adpt->automatic), single-pause-mode off */
  automatic: bool = true;
  rxFlowControl: bool = false;
  txFlowControl: bool = false;
  singlePauseMode: bool = false;
  /** phydev->pause / asym_pause: the link partner's pause abilities (LPA) at the last link up */
  phyPause: bool = false;
  phyAsymPause: bool = false;
  /** emac_probe succeeded: there is a netdevice to open. */
  probed: bool = false;

  // emac_ring_header and the rings in it; the block and pools outlive close (DMA memory is never
  // freed) and are taken again when the rings fit them
  ringBlock: u64 = 0;
  ringBlockSize: u32 = 0;
  txPoolCount: u32 = 0;
  rfdPoolCount: u32 = 0;
  tpdRing: u64 = 0;
  rrdRing: u64 = 0;
  rfdRing: u64 = 0;
  rfdPool: u64 = 0;
  rfdPoolSize: u32 = 0;
  txPool: u64 = 0;
  // the CPU addresses of the same (ring->v_addr: what dma_alloc_coherent returns with the bus address)
  tpdV: usize = 0;
  rrdV: usize = 0;
  rfdV: usize = 0;
  rfdPoolV: usize = 0;
  txPoolV: usize = 0;
  rfdMapped: StaticArray<u8> = new StaticArray<u8>(4096); // rfbuff[i].dma_addr != 0
  tpdSkbEnd: StaticArray<u8> = new StaticArray<u8>(16384); // the skb sits on its last TPD
  rfdProduce: u32 = 0;
  rfdProcess: u32 = 0;
  rrdConsume: u32 = 0;
  tpdProduce: u32 = 0;
  tpdConsume: u32 = 0;

  up: bool = false;
  linkUp: bool = false;
  speed: u32 = 0;
  napiScheduled: bool = false;
  queueStopped: bool = false;
  reinitPending: bool = false;
  decodeErrors: i32 = 0;

  // 64-bit totals (emac_update_hw_stats) and driver counters
  stats: StaticArray<u64> = new StaticArray<u64>(STAT_SLOTS);
  rxPackets: u64 = 0;
  rxDropped: u64 = 0;
  txPackets: u64 = 0;
  txDropped: u64 = 0;
  reinits: u32 = 0;
  overWarnings: u32 = 0;
  lastIntMaskInPoll: u32 = 0;
  txTimeouts: u32 = 0;
  sgmiiIrqs: u32 = 0;

  // the netdev watchdog (dev_watchdog): timer expiry and txq->trans_start
  watchdogNext: i64 = CLOCK_NEVER;
  transStart: i64 = 0;

  constructor(readonly nic: i32) {
    this.dev = changetype<EmacDevice>(emacDevice(nic));
    const port = wirePortCreate();
    this.upPort = port;
    this.upQueue = changetype<WirePort>(wirePort(port));
  }

  // readl / writel / emac_reg_update32
  // @ts-ignore: decorator
  @inline readl(off: u32): u32 { return this.dev.read(REGION_BASE, off, true); }
  // @ts-ignore: decorator
  @inline writel(v: u32, off: u32): void { this.dev.write(REGION_BASE, off, v); }
  // @ts-ignore: decorator
  @inline update32(off: u32, mask: u32, val: u32): void { this.writel((this.readl(off) & ~mask) | val, off); }
}

const adapters = new StaticArray<EmacAdapter | null>(16);

/** The ring index after i (i < n), without a division. */
// @ts-ignore: decorator
@inline function ringNext(i: u32, n: u32): u32 { return i + 1 >= n ? 0 : i + 1; }

export function emacAdapter(nic: i32): EmacAdapter | null {
  if (nic < 0 || nic >= 16) return null;
  return unchecked(adapters[nic]);
}

// ---- Trace points (observability for regression tests) -------------------------------------
// Off unless a test enables them (hwEmacDrvTestTrace). Each point records a
// snapshot of the device as the driver sees it at that moment, read without side
// effects, so a test can check states that the driver changes again before it
// returns (the line inside the ISR, the device right after SOFT_RST).
export const TP_ISR_ENTRY: i32 = 1; // emac_isr entered
export const TP_ISR_MASKED: i32 = 2; // after writel(0, INT_MASK)
export const TP_ISR_STATUS: i32 = 3; // after the INT_STATUS read; arg = status & irq mask
export const TP_NAPI_POLL: i32 = 4; // emac_napi_rtx after emac_mac_rx_process; arg = work done
export const TP_SOFT_RST: i32 = 5; // emac_mac_reset right before the SOFT_RST write
export const TP_RESET_DONE: i32 = 6; // emac_mac_reset after the reset wait, before INT_RD_CLR_EN
export const TP_SERDES_READY: i32 = 7; // SerDes init saw READY; arg = polls that read not ready
export const TP_TX_TIMEOUT: i32 = 8; // emac_tx_timeout; arg = ns since trans_start
export const TP_SGMII_ISR: i32 = 9; // emac_sgmii_interrupt; arg = status & SGMII_ISR_MASK
/**
 * Fields per entry: 0 point, 1 nic, 2 time (ns), 3 arg, 4 DMA_MAS_CTRL, 5 INT_STATUS,
 * 6 INT_MASK, 7 IRQ line, 8 MAILBOX_0, 9 MAILBOX_2, 10 MAILBOX_3, 11 MAILBOX_15,
 * 12 MAC_CTRL, 13 TXQ_CTRL_0, 14 RXQ_CTRL_0, 15 TX DMA busy (a packet in flight),
 * 16 SGMII INTERRUPT_STATUS, 17 SGMII line.
 */
export const TRACE_FIELDS: i32 = 18;
export const TRACE_MAX: i32 = 1024;
let traceOn = false;
let traceBuf: StaticArray<f64> | null = null;
let traceCount: i32 = 0;

/** Enables (and clears) or disables the trace. The buffer is allocated once, at the first enable. */
export function emacTraceEnable(on: bool): void {
  if (on && traceBuf == null) traceBuf = new StaticArray<f64>(TRACE_FIELDS * TRACE_MAX);
  traceOn = on;
  traceCount = 0;
}
export function emacTraceCount(): i32 { return traceCount; }
export function emacTraceField(i: i32, f: i32): f64 {
  const b = traceBuf;
  if (b == null || i < 0 || i >= traceCount || f < 0 || f >= TRACE_FIELDS) return 0;
  return unchecked(b[i * TRACE_FIELDS + f]);
}

// @ts-ignore: decorator
@inline function trace(a: EmacAdapter, point: i32, arg: f64): void {
  if (traceOn) traceRecord(a, point, arg);
}
function traceRecord(a: EmacAdapter, point: i32, arg: f64): void {
  const b = traceBuf;
  if (b == null || traceCount >= TRACE_MAX) return;
  const d = a.dev;
  const o = traceCount * TRACE_FIELDS;
  unchecked(b[o] = <f64>point);
  unchecked(b[o + 1] = <f64>a.nic);
  unchecked(b[o + 2] = <f64>clockNow());
  unchecked(b[o + 3] = arg);
  unchecked(b[o + 4] = <f64>d.read(REGION_BASE, DMA_MAS_CTRL, false));
  unchecked(b[o + 5] = <f64>d.read(REGION_BASE, INT_STATUS, false));
  unchecked(b[o + 6] = <f64>d.read(REGION_BASE, INT_MASK, false));
  unchecked(b[o + 7] = d.irqLine ? 1 : 0);
  unchecked(b[o + 8] = <f64>d.read(REGION_BASE, MAILBOX_0, false));
  unchecked(b[o + 9] = <f64>d.read(REGION_BASE, MAILBOX_2, false));
  unchecked(b[o + 10] = <f64>d.read(REGION_BASE, MAILBOX_3, false));
  unchecked(b[o + 11] = <f64>d.read(REGION_BASE, MAILBOX_15, false));
  unchecked(b[o + 12] = <f64>d.read(REGION_BASE, MAC_CTRL, false));
  unchecked(b[o + 13] = <f64>d.read(REGION_BASE, TXQ_CTRL_0, false));
  unchecked(b[o + 14] = <f64>d.read(REGION_BASE, RXQ_CTRL_0, false));
  unchecked(b[o + 15] = d.txInFlight ? 1 : 0);
  unchecked(b[o + 16] = <f64>d.read(REGION_SGMII, SGMII_PHY_INTERRUPT_STATUS, false));
  unchecked(b[o + 17] = d.sgmii.irqLevel() ? 1 : 0);
  traceCount++;
}

// ---- MDIO (emac-phy.c) ----------------------------------------------------------------
function mdioWait(a: EmacAdapter, bits: u32): i32 {
  for (let i = 0; i < 1000; i++) {
    const v = a.readl(MDIO_CTRL);
    if ((v & bits) == 0) return <i32>(v & 0xffff);
    hwDelay(100 * US);
  }
  return -1;
}

function emac_phy_mdio_autopoll_disable(a: EmacAdapter): i32 {
  a.update32(MDIO_CTRL, MDIO_AP_EN, 0);
  if (mdioWait(a, MDIO_BUSY) >= 0) return 0;
  a.update32(MDIO_CTRL, 0, MDIO_AP_EN);
  return -EBUSY;
}

export function emac_mdio_read(a: EmacAdapter, addr: i32, regnum: u32): i32 {
  const r = emac_phy_mdio_autopoll_disable(a);
  if (r != 0) return r;
  a.update32(PHY_STS, PHY_ADDR_MASK, <u32>addr << PHY_ADDR_SHIFT);
  a.writel(SUP_PREAMBLE | (regnum << 16) | MDIO_START | MDIO_RD_NWR, MDIO_CTRL);
  const v = mdioWait(a, MDIO_START | MDIO_BUSY);
  a.update32(MDIO_CTRL, 0, MDIO_AP_EN);
  return v < 0 ? -EIO : v;
}

export function emac_mdio_write(a: EmacAdapter, addr: i32, regnum: u32, val: u32): i32 {
  const r = emac_phy_mdio_autopoll_disable(a);
  if (r != 0) return r;
  a.update32(PHY_STS, PHY_ADDR_MASK, <u32>addr << PHY_ADDR_SHIFT);
  a.writel(SUP_PREAMBLE | (regnum << 16) | (val & 0xffff) | MDIO_START, MDIO_CTRL);
  const v = mdioWait(a, MDIO_START | MDIO_BUSY);
  a.update32(MDIO_CTRL, 0, MDIO_AP_EN);
  return v < 0 ? -EIO : 0;
}

/** emac_phy_config, ACPI path: phy_find_first over the MDIO bus. */
function emac_phy_config(a: EmacAdapter): i32 {
  for (let addr = 0; addr < 32; addr++) {
    const id1 = emac_mdio_read(a, addr, MII_PHYSID1);
    const id2 = emac_mdio_read(a, addr, MII_PHYSID2);
    if (id1 < 0 || id2 < 0) return -EIO;
    const id = (<u32>id1 << 16) | <u32>id2;
    if ((id & 0x1fffffff) != 0x1fffffff && id != 0) { a.phyAddr = addr; return 0; }
  }
  return -ENODEV;
}

// ---- SGMII (emac-sgmii.c, emac-sgmii-fsm9900.c) ----------------------------------------
function sgmiiWrite(a: EmacAdapter, off: u32, v: u32): void { a.dev.write(REGION_SGMII, off, v); }
function sgmiiRead(a: EmacAdapter, off: u32): u32 { return a.dev.read(REGION_SGMII, off, true); }

/** emac_sgmii_init_fsm9900 (register tables abridged: the model keeps them as storage). */
function emac_sgmii_init_fsm9900(a: EmacAdapter): i32 {
  sgmiiWrite(a, 0x58, 15); // CDR_CTRL0
  sgmiiWrite(a, 0x80, 1); // POW_DWN_CTRL0: PWRDN_B
  sgmiiWrite(a, SGMII_SERDES_START, 1);
  let i = 0;
  for (; i < 100; i++) {
    if (sgmiiRead(a, QSERDES_COM_RESET_SM) & SERDES_READY) break;
    hwDelay(150 * US);
  }
  if (i == 100) return -EIO;
  trace(a, TP_SERDES_READY, <f64>i);
  sgmiiWrite(a, SGMII_PHY_INTERRUPT_MASK, 0);
  return 0;
}

function emac_sgmii_link_init(a: EmacAdapter): void {
  sgmiiWrite(a, SGMII_PHY_AUTONEG_CFG2, (sgmiiRead(a, SGMII_PHY_AUTONEG_CFG2) & ~0x30) | AN_ENABLE);
}

function emac_sgmii_irq_clear(a: EmacAdapter, bits: u32): i32 {
  sgmiiWrite(a, SGMII_PHY_INTERRUPT_CLEAR, bits);
  sgmiiWrite(a, SGMII_PHY_IRQ_CMD, 1);
  let ok = false;
  for (let i = 0; i < 10; i++) {
    if ((sgmiiRead(a, SGMII_PHY_INTERRUPT_STATUS) & bits) == 0) { ok = true; break; }
    hwDelay(1 * US);
  }
  if (!ok) return -EIO;
  sgmiiWrite(a, SGMII_PHY_IRQ_CMD, 0);
  sgmiiWrite(a, SGMII_PHY_INTERRUPT_CLEAR, 0);
  return 0;
}

/**
 * emac_sgmii_interrupt: the SGMII block's handler (bound at open, as
 * emac_sgmii_common_open does with request_irq). Every DECODE_ERROR_LIMIT-th
 * decode error, or a status that does not clear, schedules the reset work
 * (emac_work_thread: emac_reinit_locked), which runs on the way out.
 */
export function emac_sgmii_interrupt(nic: i32): void {
  const a = emacAdapter(nic);
  if (a == null) return;
  const status = sgmiiRead(a, SGMII_PHY_INTERRUPT_STATUS) & SGMII_ISR_MASK;
  trace(a, TP_SGMII_ISR, <f64>status);
  if (status == 0) return;
  a.sgmiiIrqs++;
  // every status bit in SGMII_ISR_MASK is a decode error: count consecutive ones
  a.decodeErrors++;
  if (a.decodeErrors == DECODE_ERROR_LIMIT) { a.reinitPending = true; a.decodeErrors = 0; }
  if (emac_sgmii_irq_clear(a, status) != 0) a.reinitPending = true;
  if (a.reinitPending && a.up) { a.reinitPending = false; emac_reinit_locked(a); }
}

function emac_sgmii_reset(a: EmacAdapter): void {
  // emac_sgmii_reset_prepare pulses PHY_RESET at sgmii base + CSR2 (0x4), as mainline does
  sgmiiWrite(a, 0x4, sgmiiRead(a, 0x4) | 1);
  hwDelay(50 * MS);
  sgmiiWrite(a, 0x4, sgmiiRead(a, 0x4) & ~1);
  hwDelay(50 * MS);
  emac_sgmii_link_init(a);
  emac_sgmii_init_fsm9900(a);
}

// ---- probe ----------------------------------------------------------------------------
/** emac_probe: irq mask, PHY on the MDIO bus, SerDes, versions. Binds the ISR. Returns 0 or -errno. */
export function emac_probe(nic: i32, macHi: u32, macLo: u32): i32 {
  const d = emacDevice(nic);
  if (d == null) return -ENODEV;
  let a = emacAdapter(nic);
  if (a == null) { a = new EmacAdapter(nic); unchecked(adapters[nic] = a); }
  const ad = changetype<EmacAdapter>(a);
  ad.mac[0] = <u8>(macHi >> 8); ad.mac[1] = <u8>macHi;
  ad.mac[2] = <u8>(macLo >> 24); ad.mac[3] = <u8>(macLo >> 16); ad.mac[4] = <u8>(macLo >> 8); ad.mac[5] = <u8>macLo;
  ad.irqMask = EMAC_IRQ_MASK;
  ad.probed = false;
  let r = emac_phy_config(ad);
  if (r != 0) return r;
  r = emac_sgmii_init_fsm9900(ad);
  if (r != 0) return r;
  emac_sgmii_link_init(ad);
  ad.readl(DMA_MAS_CTRL);
  ad.readl(CORE_HW_VERSION);
  d.irqHandler = emac_isr;
  ad.probed = true;
  return 0;
}

// ---- rings ------------------------------------------------------------------------------
/**
 * emac_mac_rx_tx_rings_alloc_all (at open only): the rings take their sizes from
 * rx_desc_cnt / tx_desc_cnt here, TPD, RRD and RFD rings in one block, plus a TX
 * bounce buffer per TPD. A block or pool too small for the new sizes is replaced
 * (the old one stays allocated: DMA memory is a bump allocator); -ENOMEM leaves
 * the rings as they were.
 */
function emac_mac_rx_tx_rings_alloc_all(a: EmacAdapter): i32 {
  const tpdCount = a.txDescCnt, rfdCount = a.rxDescCnt;
  const tpd = tpdCount * 16, rrd = rfdCount * 16, rfd = rfdCount * 8;
  if (tpd + rrd + rfd > a.ringBlockSize) {
    const off = dmaAlloc(tpd + rrd + rfd, 8);
    if (off < 0) return -ENOMEM;
    a.ringBlock = DMA_BUS_BASE + <u64>off;
    a.ringBlockSize = tpd + rrd + rfd;
  }
  if (tpdCount > a.txPoolCount) {
    const pool = dmaAlloc(tpdCount * TX_BUF, 64);
    if (pool < 0) return -ENOMEM;
    a.txPool = DMA_BUS_BASE + <u64>pool;
    a.txPoolCount = tpdCount;
  }
  a.tpdCount = tpdCount;
  a.rfdCount = rfdCount;
  a.tpdRing = a.ringBlock;
  a.rrdRing = a.tpdRing + tpd;
  a.rfdRing = a.rrdRing + rrd;
  a.tpdV = dmaMap(a.tpdRing, tpd);
  a.rrdV = dmaMap(a.rrdRing, rrd);
  a.rfdV = dmaMap(a.rfdRing, rfd);
  a.txPoolV = dmaMap(a.txPool, tpdCount * TX_BUF);
  return 0;
}

/** RX buffers, rxbuf_size each, one per RFD (re-allocated when the MTU or the ring grows). */
function rxPoolEnsure(a: EmacAdapter): i32 {
  if (a.rfdPoolSize >= a.rxbufSize && a.rfdPoolCount >= a.rfdCount) return 0;
  const off = dmaAlloc(a.rfdCount * a.rxbufSize, 64);
  if (off < 0) return -ENOMEM;
  a.rfdPool = DMA_BUS_BASE + <u64>off;
  a.rfdPoolSize = a.rxbufSize;
  a.rfdPoolCount = a.rfdCount;
  a.rfdPoolV = dmaMap(a.rfdPool, a.rfdCount * a.rxbufSize);
  return 0;
}

function dmaZero(bus: u64, n: u32): void { const p = dmaMap(bus, n); if (p != 0) memory.fill(p, 0, n); }

/** emac_mac_rx_descs_refill: fill the current slot while the next one has no buffer. */
function emac_mac_rx_descs_refill(a: EmacAdapter): void {
  const n = a.rfdCount;
  let count = 0;
  let next = ringNext(a.rfdProduce, n);
  while (unchecked(a.rfdMapped[<i32>next]) == 0) {
    const slot = a.rfdProduce;
    const buf = a.rfdPool + <u64>slot * a.rfdPoolSize;
    unchecked(a.rfdMapped[<i32>slot] = 1);
    store<u64>(a.rfdV + <usize>slot * 8, buf); // RFD words 0 and 1: the buffer's bus address, low word first
    a.rfdProduce = ringNext(slot, n);
    next = ringNext(a.rfdProduce, n);
    count++;
  }
  if (count) a.update32(MAILBOX_0, 0xfff, a.rfdProduce);
}

// ---- up / down -------------------------------------------------------------------------
/** emac_mac_config */
function emac_mac_config(a: EmacAdapter): void {
  const m = a.mac;
  a.writel((<u32>m[2] << 24) | (<u32>m[3] << 16) | (<u32>m[4] << 8) | <u32>m[5], MAC_STA_ADDR0);
  a.writel((<u32>m[0] << 8) | <u32>m[1], MAC_STA_ADDR1);
  a.rxbufSize = a.mtu > 1536 ? (a.mtu + 22 + 7) & ~7 : 1536;
  // emac_mac_dma_rings_config
  a.writel(<u32>(a.tpdRing >> 32), DESC_CTRL_1);
  a.writel(<u32>a.tpdRing, DESC_CTRL_8);
  a.writel(a.tpdCount & 0xffff, DESC_CTRL_9);
  a.writel(<u32>(a.rfdRing >> 32), DESC_CTRL_0);
  a.writel(<u32>a.rfdRing, DESC_CTRL_2);
  a.writel(<u32>a.rrdRing, DESC_CTRL_5);
  a.writel(a.rfdCount & 0xfff, DESC_CTRL_3);
  a.writel(a.rfdCount & 0xfff, DESC_CTRL_6);
  a.writel(a.rxbufSize & 0xffff, DESC_CTRL_4);
  a.writel(0, DESC_CTRL_11);
  a.writel(1, INTER_SRAM_PART9);
  a.writel(a.mtu + 14 + 4 + 4, MAX_FRAM_LEN_CTRL);
  // emac_mac_tx_config
  a.writel((9216 >> 3) & 0x7ff, TXQ_CTRL_1);
  a.writel(0x010000c5, TXQ_CTRL_0);
  a.update32(TXQ_CTRL_2, 0x0fff0fff, 0);
  // emac_mac_rx_config
  a.writel(0x40800080, RXQ_CTRL_0);
  a.update32(RXQ_CTRL_1, 0xffff, (4 << 12) | (0x10 << 6) | 0x10);
  a.update32(RXQ_CTRL_2, 0x0fff0fff, (0x1a0 << 16) | 0xbe);
  a.update32(RXQ_CTRL_3, 0xffff0fff, 0x100);
  // emac_mac_dma_config
  a.writel(0x47c54, DMA_CTRL);
  a.update32(AXI_MAST_CTRL, (1 << 3) | (1 << 1), 1);
  a.writel(0, CLK_GATE_CTRL);
  a.writel(1, MISC_CTRL);
}

/** What phy_start advertises (phydev->advertising): 10/100 half and full, CSMA; no pause. */
export const PHY_ADVERTISE: u32 = 0x01e1;

/** phy_start with genphy: advertise, restart autonegotiation. */
function phy_start(a: EmacAdapter): void {
  a.linkUp = false;
  emac_mdio_write(a, a.phyAddr, MII_ADVERTISE, PHY_ADVERTISE);
  emac_mdio_write(a, a.phyAddr, MII_CTRL1000, 0x0200);
  emac_mdio_write(a, a.phyAddr, MII_BMCR, BMCR_ANENABLE | BMCR_ANRESTART);
}

/** emac_mac_up */
export function emac_mac_up(a: EmacAdapter): i32 {
  a.rfdProduce = 0; a.rfdProcess = 0; a.rrdConsume = 0; a.tpdProduce = 0; a.tpdConsume = 0;
  emac_mac_config(a);
  const r = rxPoolEnsure(a);
  if (r != 0) return r;
  emac_mac_rx_descs_refill(a);
  a.writel(~DIS_INT, INT_STATUS);
  a.writel(a.irqMask, INT_MASK);
  // phy_connect_direct → phy_attach_direct: the carrier is off while the PHY is (re)initialised
  const h = emacLinkChange;
  if (h != null) h(a.nic, false);
  phy_start(a);
  a.up = true;
  a.napiScheduled = false;
  a.queueStopped = false;
  txqSync(a); // netif_start_queue
  return 0;
}

/** emac_open */
export function emac_open(nic: i32): i32 {
  const a = emacAdapter(nic);
  if (a == null || !a.probed) return -ENODEV;
  let r = emac_mac_rx_tx_rings_alloc_all(a);
  if (r != 0) return r;
  // emac_sgmii_common_open: clear and mask, then request_irq(emac_sgmii_interrupt)
  r = emac_sgmii_irq_clear(a, 0xff);
  if (r != 0) return r;
  sgmiiWrite(a, SGMII_PHY_INTERRUPT_MASK, 0);
  a.dev.sgmiiIrqHandler = emac_sgmii_interrupt;
  r = emac_mac_up(a);
  if (r != 0) return r;
  // dev_activate: netif_trans_update, dev_watchdog_up
  a.transStart = clockNow();
  a.watchdogNext = clockNow() + EMAC_WATCHDOG_NS;
  return 0;
}

/** emac_mac_start (called from emac_adjust_link on link up) */
function emac_mac_start(a: EmacAdapter): void {
  a.update32(TXQ_CTRL_0, 0, TXQ_EN);
  a.update32(RXQ_CTRL_0, 0, RXQ_EN);
  let mac = a.readl(MAC_CTRL);
  mac |= TXEN | RXEN;
  mac = (mac & ~(3 << SPEED_SHIFT)) | ((a.speed == 1000 ? 2 : 1) << SPEED_SHIFT);
  const csr1 = a.dev.read(REGION_CSR, EMAC_WRAPPER_CSR1, true);
  a.dev.write(REGION_CSR, EMAC_WRAPPER_CSR1, a.speed == 1000 ? csr1 | FREQ_MODE : csr1 & ~FREQ_MODE);
  mac |= FULLD;
  // flow control: automatic follows the PHY's resolution, else what ethtool -A set
  mac &= ~(RXFC | TXFC);
  if (a.automatic) {
    a.rxFlowControl = a.phyPause;
    a.txFlowControl = a.phyPause != a.phyAsymPause;
  }
  if (a.rxFlowControl) mac |= RXFC;
  if (a.txFlowControl) mac |= TXFC;
  mac |= CRCE | PCRCE | (7 << PRLEN_SHIFT) | BROAD_EN | FLCHK;
  mac &= ~(RX_CHKSUM_EN | HUGEN | VLAN_STRIP | TPAUSE | SIMR | HUGE | MULTI_ALL | DEBUG_MODE | SINGLE_PAUSE_MODE);
  if (a.singlePauseMode) mac |= SINGLE_PAUSE_MODE;
  a.writel(mac, MAC_CTRL);
  a.writel((125 << 16) | 125, IRQ_MOD_TIM_INIT);
  a.writel(INT_RD_CLR_EN | LPW_MODE | IRQ_MODERATOR_EN | IRQ_MODERATOR2_EN, DMA_MAS_CTRL);
  emac_mac_mode_config(a);
  a.update32(ATHR_HEADER_CTRL, 3, 0);
}

/** emac_mac_mode_config */
export function emac_mac_mode_config(a: EmacAdapter): void {
  let mac = a.readl(MAC_CTRL);
  mac = a.vlanRx ? mac | VLAN_STRIP : mac & ~VLAN_STRIP;
  mac = a.promisc ? mac | PROM_MODE : mac & ~PROM_MODE;
  mac = a.allmulti ? mac | MULTI_ALL : mac & ~MULTI_ALL;
  mac &= ~MAC_LP_EN;
  a.writel(mac, MAC_CTRL);
}

/** emac_mac_multicast_addr_set */
export function emac_mac_multicast_addr_set(a: EmacAdapter, addr: usize): void {
  const crc = etherCrc(addr, 6);
  a.update32((crc >>> 31) != 0 ? HASH_TAB_REG1 : HASH_TAB_REG0, 0, 1 << ((crc >>> 26) & 0x1f));
}
/** emac_mac_multicast_addr_clear */
export function emac_mac_multicast_addr_clear(a: EmacAdapter): void {
  a.writel(0, HASH_TAB_REG0);
  a.writel(0, HASH_TAB_REG1);
}

/** emac_mac_stop */
function emac_mac_stop(a: EmacAdapter): void {
  a.update32(RXQ_CTRL_0, RXQ_EN, 0);
  a.update32(TXQ_CTRL_0, TXQ_EN, 0);
  a.update32(MAC_CTRL, TXEN | RXEN, 0);
  hwDelay(1 * MS);
}

/** emac_mac_reset */
function emac_mac_reset(a: EmacAdapter): void {
  emac_mac_stop(a);
  trace(a, TP_SOFT_RST, 0);
  a.update32(DMA_MAS_CTRL, 0, SOFT_RST);
  hwDelay(100 * US);
  trace(a, TP_RESET_DONE, 0);
  a.update32(DMA_MAS_CTRL, 0, INT_RD_CLR_EN);
}

/** emac_mac_down */
export function emac_mac_down(a: EmacAdapter): void {
  a.up = false;
  txqSync(a); // netif_stop_queue
  a.napiScheduled = false;
  // phy_stop: a link that was up goes down (phy_link_down: the carrier at once, then
  // emac_adjust_link: SGMII error interrupts off)
  if (a.linkUp) {
    a.linkUp = false;
    const h = emacLinkChange;
    if (h != null) h(a.nic, false);
    sgmiiWrite(a, SGMII_PHY_INTERRUPT_MASK, 0);
  }
  a.writel(DIS_INT, INT_STATUS);
  a.writel(0, INT_MASK);
  emac_mac_reset(a);
  // free the TX and RX buffers and zero the rings
  dmaZero(a.tpdRing, a.tpdCount * 16);
  dmaZero(a.rrdRing, a.rfdCount * 16);
  dmaZero(a.rfdRing, a.rfdCount * 8);
  for (let i = 0; i < <i32>a.rfdCount; i++) unchecked(a.rfdMapped[i] = 0);
  for (let i = 0; i < <i32>a.tpdCount; i++) unchecked(a.tpdSkbEnd[i] = 0);
}

/** emac_reinit_locked: down, SGMII reset, up (with the rings open gave: their sizes change only at open). */
export function emac_reinit_locked(a: EmacAdapter): i32 {
  a.reinits++;
  emac_mac_down(a);
  emac_sgmii_reset(a);
  return emac_mac_up(a);
}

/** emac_close */
export function emac_close(nic: i32): void {
  const a = emacAdapter(nic);
  if (a == null) return;
  // emac_sgmii_common_close: mask, free_irq; dev_deactivate stops the watchdog
  sgmiiWrite(a, SGMII_PHY_INTERRUPT_MASK, 0);
  a.dev.sgmiiIrqHandler = null;
  a.watchdogNext = CLOCK_NEVER;
  emac_mac_down(a);
}

/** ndo_change_mtu: reinit when running. */
export function emac_change_mtu(nic: i32, mtu: u32): i32 {
  const a = emacAdapter(nic);
  if (a == null) return -ENODEV;
  if (mtu < 46 || mtu > 9194) return -22;
  a.mtu = mtu;
  if (a.up) emac_reinit_locked(a);
  return 0;
}

// ---- link --------------------------------------------------------------------------
/** One phylib poll (genphy_update_link / genphy_read_status), then emac_adjust_link on a change. */
export function emac_phy_poll(nic: i32): i32 {
  const a = emacAdapter(nic);
  if (a == null || !a.up) return 0;
  emac_mdio_read(a, a.phyAddr, MII_BMSR);
  const bmsr = emac_mdio_read(a, a.phyAddr, MII_BMSR);
  if (bmsr < 0) return bmsr;
  const link = (bmsr & BMSR_LSTATUS) != 0 && (bmsr & BMSR_ANEGCOMPLETE) != 0;
  if (link && !a.linkUp) {
    const stat1000 = emac_mdio_read(a, a.phyAddr, MII_STAT1000);
    const lpa = emac_mdio_read(a, a.phyAddr, MII_LPA);
    a.speed = (stat1000 & 0x0800) != 0 ? 1000 : (lpa & 0x0100) != 0 ? 100 : 10;
    a.phyPause = (lpa & LPA_PAUSE_CAP) != 0;
    a.phyAsymPause = (lpa & LPA_PAUSE_ASYM) != 0;
    a.linkUp = true;
    emac_adjust_link(a);
  } else if (!link && a.linkUp) {
    a.linkUp = false;
    emac_adjust_link(a);
  }
  return a.linkUp ? 1 : 0;
}

/** emac_adjust_link */
function emac_adjust_link(a: EmacAdapter): void {
  if (a.linkUp) {
    emac_mac_start(a);
    // emac_sgmii_common_link_change(up): clear, then enable the error interrupts
    if (emac_sgmii_irq_clear(a, 0xff) == 0) sgmiiWrite(a, SGMII_PHY_INTERRUPT_MASK, SGMII_ISR_MASK);
    // netif_carrier_on: __netdev_watchdog_up re-arms the watchdog timer
    if (a.watchdogNext != CLOCK_NEVER) a.watchdogNext = clockNow() + EMAC_WATCHDOG_NS;
  } else {
    sgmiiWrite(a, SGMII_PHY_INTERRUPT_MASK, 0);
    emac_mac_stop(a);
  }
}

// ---- interrupt, NAPI, RX ------------------------------------------------------------
/** emac_isr; NAPI and the error work run right after it (softirq and workqueue on irq exit). */
export function emac_isr(nic: i32): void {
  const a = emacAdapter(nic);
  if (a == null || !a.up) return;
  trace(a, TP_ISR_ENTRY, 0);
  a.writel(0, INT_MASK);
  trace(a, TP_ISR_MASKED, 0);
  const status = a.readl(INT_STATUS) & a.irqMask;
  trace(a, TP_ISR_STATUS, <f64>status);
  if (status & ISR_ERROR) a.reinitPending = true;
  if ((status & RX_PKT_INT0) != 0 && !a.napiScheduled) {
    a.irqMask &= ~RX_PKT_INT0;
    a.napiScheduled = true;
  }
  if (status & TX_PKT_INT) emac_mac_tx_process(a);
  if (status & ISR_OVER) a.overWarnings++;
  a.writel(a.irqMask, INT_MASK);
  while (a.napiScheduled) emac_napi_rtx(a, NAPI_POLL_WEIGHT);
  if (a.reinitPending) { a.reinitPending = false; emac_reinit_locked(a); }
}

/** emac_napi_rtx */
function emac_napi_rtx(a: EmacAdapter, budget: i32): i32 {
  const work = emac_mac_rx_process(a, budget);
  trace(a, TP_NAPI_POLL, <f64>work);
  a.lastIntMaskInPoll = a.dev.read(REGION_BASE, INT_MASK, false);
  if (work < budget) {
    a.napiScheduled = false; // napi_complete_done
    a.irqMask |= RX_PKT_INT0;
    a.writel(a.irqMask, INT_MASK);
  }
  return work;
}

/** Hands a frame to the stack (emacRxFrame), or to the host's queue (tag pushed back inline). */
function emac_receive_skb(a: EmacAdapter, p: usize, len: u32, vlanTci: i32, flags: u32): void {
  if (emacRxToStack) { emacRxFrame(a.nic, p, len, vlanTci, flags); return; }
  const outLen = vlanTci >= 0 ? len + 4 : len;
  // the record's flags carry the delivery flags
  const dst = wireTxStageFrame(a.upQueue, outLen, clockNow(), flags);
  if (dst == 0) { a.rxDropped++; return; }
  if (vlanTci >= 0) {
    memory.copy(dst, p, 12);
    store16be(dst + 12, 0x8100);
    store16be(dst + 14, <u32>vlanTci);
    memory.copy(dst + 16, p + 12, len - 12);
  } else {
    memory.copy(dst, p, len);
  }
  wireTxCommit(a.upQueue);
}

/** emac_mac_rx_process */
function emac_mac_rx_process(a: EmacAdapter, budget: i32): i32 {
  const n = a.rfdCount;
  const hw = a.readl(MAILBOX_3) & 0xfff;
  let avail = (hw + n - a.rrdConsume) % n;
  let count = 0;
  let work = 0;
  do {
    if (avail == 0) break;
    // emac_rx_process_rrd
    const rrd = a.rrdV + <usize>a.rrdConsume * 16;
    const w3 = load<u32>(rrd, 12);
    if ((w3 & RRD_UPDT) == 0) break;
    const w0 = load<u32>(rrd);
    const w2 = load<u32>(rrd, 8);
    store<u32>(rrd, w3 & ~RRD_UPDT, 12);
    a.rrdConsume = ringNext(a.rrdConsume, n);
    const nor = (w0 >>> 16) & 0xf;
    const si = w0 >>> 20;
    if (nor != 1 || si >= n) break; // "multi-RFD not support yet"
    unchecked(a.rfdMapped[<i32>si] = 0);
    a.rfdProcess = ringNext(si, n); // emac_rx_rfd_clean
    avail--;
    count++;
    tracePath(TE_EMAC_RX, <u32>a.nic, w3); // the packet path: each RRD taken, error flags included
    if (w3 & RRD_ERROR) { a.rxDropped++; continue; }
    let len = (w3 & RRD_PKT_SIZE_MASK) - 4;
    if (len > a.rfdPoolSize) len = a.rfdPoolSize;
    const buf = a.rfdPoolV + <usize>si * a.rfdPoolSize;
    let flags: u32 = 0;
    if (a.rxcsum && (w3 & RRD_L4F) == 0) flags |= RXF_CSUM_UNNECESSARY;
    let tci: i32 = -1;
    if (w3 & RRD_CVTAG) { tci = <i32>(((w2 >> 8) & 0xff) | ((w2 & 0xff) << 8)); flags |= RXF_VLAN; }
    emac_receive_skb(a, buf, len, tci, flags);
    a.rxPackets++;
    work++;
  } while (work < budget);
  if (count) {
    a.update32(MAILBOX_0, 0x0fff0000, (a.rfdProcess << 16) & 0x0fff0000);
    emac_mac_rx_descs_refill(a);
  }
  return work;
}

// ---- TX ---------------------------------------------------------------------------------
function txFree(a: EmacAdapter): u32 {
  const n = a.tpdCount;
  return a.tpdConsume > a.tpdProduce ? a.tpdConsume - a.tpdProduce - 1 : n + a.tpdConsume - a.tpdProduce - 1;
}

function emac_tx_tpd_create(a: EmacAdapter, w0: u32, w1: u32, w2: u32, w3: u32): u32 {
  const idx = a.tpdProduce;
  const t = a.tpdV + <usize>idx * 16;
  store<u32>(t, w0); store<u32>(t, w1, 4); store<u32>(t, w2, 8); store<u32>(t, w3, 12);
  a.tpdProduce = ringNext(idx, a.tpdCount);
  return idx;
}

/** dma_map_single of [p, p+len) for TPD idx: a copy into its bounce buffer. */
function mapTx(a: EmacAdapter, idx: u32, p: usize, len: u32): u64 {
  copyFrame(a.txPoolV + <usize>idx * TX_BUF, p, len);
  return a.txPool + <u64>idx * TX_BUF;
}

/**
 * emac_mac_tx_buf_send (with emac_tso_csum and emac_tx_fill_tpd): queues the
 * frame [p, p+len) with the skb's offloads: VLAN tag to insert (-1 none), CHECKSUM_PARTIAL
 * start and offset (start -1 none), GSO size (0 none; IPv6 or IPv4) and the transport offset.
 * The frames start with an Ethernet II header (skb_network_offset is ETH_HLEN: TPD_TYP stays
 * clear). Returns 0, or -1 when dropped
 * (odd checksum start, ring full, link down) like NETDEV_TX_OK after a free.
 */
// @ts-ignore: decorator
@inline export function emac_mac_tx_buf_send(a: EmacAdapter, p: usize, len: u32, vlanTci: i32, csumStart: i32,
  csumOffset: i32, gsoSize: u32, gsoV6: bool, transportOffset: u32): i32 {
  if (!a.up || a.queueStopped || len < 14) { a.txDropped++; return -1; }
  // worst case: an extra TPD, the header TPD and the data in TX_BUF pieces
  if (txFree(a) < len / TX_BUF + 3) { a.queueStopped = true; txqSync(a); a.txDropped++; return -1; }
  let w1: u32 = 0;
  let w3: u32 = 0;
  let hdrLen: u32 = 0;
  if (gsoSize != 0) {
    if (gsoV6) {
      emac_tx_tpd_create(a, 0, TPD_LSO | TPD_LSOV, len, 0); // the extra TPD: packet length
      w1 |= TPD_LSOV;
    } else {
      w1 |= TPD_IPV4;
    }
    w1 |= TPD_LSO | (transportOffset & 0xff) | ((gsoSize & 0x1fff) << TPD_MSS_SHIFT);
    hdrLen = transportOffset + ((<u32>load<u8>(p + transportOffset + 12) >> 4) << 2);
    if (hdrLen > len) { a.txDropped++; return -1; }
  } else if (csumStart >= 0) {
    const css = <u32>csumStart;
    if (css & 1) { a.txDropped++; return -1; } // "odd offset" drop
    w1 |= TPD_CSX | ((css >> 1) & 0xff) | ((((css + <u32>csumOffset) >> 1) & 0xff) << TPD_CXSUM_OFFSET_SHIFT);
  }
  if (vlanTci >= 0) {
    const t = <u32>vlanTci;
    w3 |= ((t >> 8) & 0xff) | ((t & 0xff) << 8) | TPD_INSTC; // EMAC_VLAN_TO_TAG
  }
  let off: u32 = 0;
  let last: u32 = 0;
  while (off < len) {
    const piece = off == 0 && hdrLen != 0 ? hdrLen : (len - off < TX_BUF ? len - off : TX_BUF);
    const idx = a.tpdProduce;
    const bus = mapTx(a, idx, p + off, piece);
    last = emac_tx_tpd_create(a, piece, w1, <u32>bus, (w3 & 0x3ffff) | (<u32>(bus >> 32) << TPD_BUFFER_ADDR_H_SHIFT));
    off += piece;
  }
  // wmb(); the last TPD gets bit 31 and the skb
  const t = a.tpdV + <usize>last * 16;
  store<u32>(t, load<u32>(t, 4) | TPD_LAST_FRAGMENT, 4);
  unchecked(a.tpdSkbEnd[<i32>last] = 1);
  if (txFree(a) < MAX_SKB_FRAGS + 3) { a.queueStopped = true; txqSync(a); }
  a.update32(MAILBOX_15, 0xffff, a.tpdProduce);
  a.transStart = clockNow(); // txq_trans_update after NETDEV_TX_OK
  return 0;
}

/** emac_mac_tx_process */
function emac_mac_tx_process(a: EmacAdapter): void {
  const hw = (a.readl(MAILBOX_2) >>> 16) & 0xffff;
  while (a.tpdConsume != hw && a.tpdConsume < a.tpdCount) {
    if (unchecked(a.tpdSkbEnd[<i32>a.tpdConsume]) != 0) {
      unchecked(a.tpdSkbEnd[<i32>a.tpdConsume] = 0);
      a.txPackets++;
    }
    a.tpdConsume = ringNext(a.tpdConsume, a.tpdCount);
  }
  if (a.queueStopped && txFree(a) > MAX_SKB_FRAGS + 1) { a.queueStopped = false; txqSync(a); }
}

// ---- TX watchdog (dev_watchdog, emac_tx_timeout) ------------------------------------------
/**
 * emac_tx_timeout: the netdev watchdog's ndo_tx_timeout. The driver schedules
 * its work_thread (emac_work_thread), which runs emac_reinit_locked.
 */
function emac_tx_timeout(a: EmacAdapter): void {
  a.txTimeouts++;
  trace(a, TP_TX_TIMEOUT, <f64>(clockNow() - a.transStart));
  emac_reinit_locked(a);
}

/** When the netdev watchdog timer of NIC `nic` fires next (CLOCK_NEVER while closed). */
export function emac_watchdog_next(nic: i32): i64 {
  const a = emacAdapter(nic);
  return a == null ? CLOCK_NEVER : a.watchdogNext;
}

/**
 * dev_watchdog, if its timer is due: with the carrier up and the TX queue
 * stopped (the ring full, as netif_xmit_stopped), more than watchdog_timeo since
 * the last packet was queued (trans_start) means a TX timeout. Re-arms itself
 * every watchdog_timeo while the device is open.
 */
export function emac_watchdog_run(nic: i32): void {
  const a = emacAdapter(nic);
  if (a == null || a.watchdogNext == CLOCK_NEVER || clockNow() < a.watchdogNext) return;
  const now = clockNow();
  a.watchdogNext = now + EMAC_WATCHDOG_NS;
  if (a.up && a.linkUp && a.queueStopped && now - a.transStart > EMAC_WATCHDOG_NS) emac_tx_timeout(a);
}

// ---- statistics and rx mode ------------------------------------------------------------
/** emac_update_hw_stats */
export function emac_update_hw_stats(a: EmacAdapter): void {
  for (let i = 0; i < RX_STAT_COUNT; i++) {
    unchecked(a.stats[i] += <u64>a.readl(RXMAC_STATC_REG0 + (<u32>i << 2)));
  }
  unchecked(a.stats[RX_STAT_COUNT] += <u64>a.readl(RXMAC_STATC_REG23));
  unchecked(a.stats[RX_STAT_COUNT + 1] += <u64>a.readl(RXMAC_STATC_REG24));
  for (let i = 0; i < TX_STAT_COUNT; i++) {
    unchecked(a.stats[TX_BASE + i] += <u64>a.readl(TXMAC_STATC_REG0 + (<u32>i << 2)));
  }
  unchecked(a.stats[TX_BASE + TX_STAT_COUNT] += <u64>a.readl(TXMAC_STATC_REG25));
}

/** emac_rx_mode_set (multicast list given as `count` 6-byte addresses at p). */
export function emac_rx_mode_set(a: EmacAdapter, promisc: bool, allmulti: bool, p: usize, count: i32): void {
  a.promisc = promisc;
  a.allmulti = allmulti;
  emac_mac_mode_config(a);
  emac_mac_multicast_addr_clear(a);
  for (let i = 0; i < count; i++) emac_mac_multicast_addr_set(a, p + <usize>i * 6);
}


/** eth_mac_addr for a stopped port: the address emac_mac_config programs at the next open. */
export function emac_set_mac_address(nic: i32, macHi: u32, macLo: u32): void {
  const a = emacAdapter(nic);
  if (a == null) return;
  a.mac[0] = <u8>(macHi >> 8); a.mac[1] = <u8>macHi;
  a.mac[2] = <u8>(macLo >> 24); a.mac[3] = <u8>(macLo >> 16); a.mac[4] = <u8>(macLo >> 8); a.mac[5] = <u8>macLo;
}
