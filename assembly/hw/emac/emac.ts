// The Qualcomm EMAC device: register file, interrupt line and the state the
// RX (rx.ts) and TX (tx.ts) engines work on. One read and one write handler per
// MMIO region, each a switch over the registers with side effects; everything
// else in the core window is plain storage that reads back what was written.
// updateIrq() is called after every change of status, mask or DIS_INT.
//
// Facts come from the mainline driver (see registers.ts); choices the driver
// does not pin down are marked [model choice] or [inferred].

import { clockNow, CLOCK_NEVER } from "../clock";
import { dmaMap } from "../dma";
import { WirePort, wirePort, wirePortCreate, wireTxAbort, wireTxCommitPart, wireTxAbortTo } from "../wire";
import { Phy } from "./phy";
import { Sgmii } from "./sgmii";
import {
  BASE_SIZE, CSR_SIZE, SGMII_SIZE, CORE_FIRST, CORE_LAST, CORE_WORDS,
  REGION_BASE, REGION_CSR, REGION_SGMII,
  DMA_MAS_CTRL, IRQ_MOD_TIM_INIT, MDIO_CTRL, PHY_STS, MAC_CTRL, MAC_STA_ADDR0, MAC_STA_ADDR1, MAX_FRAM_LEN_CTRL, INTER_SRAM_PART9,
  DESC_CTRL_0, DESC_CTRL_1, DESC_CTRL_2, DESC_CTRL_3, DESC_CTRL_4, DESC_CTRL_5, DESC_CTRL_6,
  DESC_CTRL_8, DESC_CTRL_9, TXQ_CTRL_0, RXQ_CTRL_0, MAILBOX_0, MAILBOX_2, MAILBOX_3, MAILBOX_15,
  INT_STATUS, INT_MASK, RXMAC_STATC_REG0, RXMAC_STATC_REG22, TXMAC_STATC_REG0, TXMAC_STATC_REG24,
  RXMAC_STATC_REG23, RXMAC_STATC_REG24, TXMAC_STATC_REG25, CORE_HW_VERSION,
  RX_STAT_COUNT, RX_CRC_ALIGN, RX_JABBERS, TX_BASE, TX_COL, STAT_SLOTS,
  TX_OK, TX_BCAST, TX_MCAST, TX_BYTE_CNT, TX_SZ_64, TX_BCAST_BYTE, TX_MCAST_BYTE,
  DEV_ID_NUM_MASK, DEV_REV_NUM_MASK, INT_RD_CLR_EN, SOFT_RST, MODEL_DEV_ID, MODEL_DEV_REV,
  MODEL_CORE_HW_VERSION, TXEN, RXEN, TXQ_EN, RXQ_EN, DIS_INT, RX_PKT_INT0, TX_PKT_INT,
  IRQ_MODERATOR_EN, IRQ_MODERATOR2_EN,
  MDIO_START, MDIO_BUSY, MDIO_RD_NWR, MDIO_REG_ADDR_MASK, MDIO_REG_ADDR_SHIFT, MDIO_DATA_MASK,
  PHY_ADDR_MASK, PHY_ADDR_SHIFT, RFD0_PROD_IDX_MASK, RFD0_PROC_IDX_SHIFT, NTPD_CONS_IDX_SHIFT,
  RFD_BYTES, RRD_BYTES, TPD_BYTES,
} from "./registers";

export const EMAC_MAX_DEVICES: i32 = 16;
/** MDIO frame time: 64 MDC cycles at 2.5 MHz. The driver polls every 100 us for up to 100 ms. */
export const MDIO_OP_NS: i64 = 25_600;
/**
 * [inferred] One count of IRQ_MOD_TIM_INIT: 2 us. The EMAC keeps the atl1c/alx
 * register layout (MASTER_CTRL at 0x1400 with the two ITIMER enables at b10/b11
 * and clear-on-read at b14, IRQ_MODRT_TIMER_INIT at 0x1408 with TX in [15:0] and
 * RX in [31:16]), whose timers count 2 us (atl1c: ict = 50000 is 100 ms), and the
 * driver writes its microseconds shifted right by one (250 >> 1).
 */
export const MOD_TICK_NS: i64 = 2000;
/** Packets the TX engine holds at once: on the wire, or read ahead and waiting behind it. */
export const TXQ_MAX: i32 = 128;

// A frame the MAC starts sending, as its counters see it (EmacDevice.countSent): the
// length on the wire record, its size bucket, broadcast or multicast, lost at the wire.
export const SENT_LEN_MASK: u32 = 0xffff;
export const SENT_BUCKET_SHIFT: u32 = 16;
export const SENT_BCAST: u32 = 1 << 20;
export const SENT_MCAST: u32 = 1 << 21;
export const SENT_OVERFLOW: u32 = 1 << 22;
/** [model choice] Reset value of MAX_FRAM_LEN_CTRL (unknown on hardware): MTU 1500 + 22. */
const MAX_FRAM_LEN_RESET: u32 = 1522;

// Model-side counters (not hardware registers): why frames were dropped and
// which bad guest values were seen. Read with emac_model_counter().
export const MC_BAD_MMIO: i32 = 0; // misaligned or out-of-region register access
export const MC_RX_DELIVERED: i32 = 1; // RRDs written (good or with error bits)
export const MC_RX_DROP_DISABLED: i32 = 2; // RXEN or RXQ_EN clear when the frame arrived
export const MC_RX_DROP_FILTER: i32 = 3; // address filter
export const MC_RX_DROP_NO_RFD: i32 = 4; // no free RFD (RFD0_UR_INT)
export const MC_RX_DROP_RRD_BUSY: i32 = 5; // RRD slot still owned by the driver (RXF_OF_INT)
export const MC_RX_DROP_OVERSIZE: i32 = 6; // longer than MAX_FRAM_LEN_CTRL
export const MC_RX_DROP_ERROR: i32 = 7; // bad guest value on the RX side (error interrupt)
export const MC_TX_SENT: i32 = 8; // frames put on the wire
export const MC_TX_DROP_ERROR: i32 = 9; // packets dropped for a bad guest value (error interrupt)
export const MC_DMA_FAULT: i32 = 10; // descriptor or buffer address outside DMA memory
export const MC_RX_DROP_HALTED: i32 = 11; // RX queue halted by an earlier error
export const MC_TX_WIRE_OVERFLOW: i32 = 12; // TX frames lost because collect() was not called
export const MC_COUNT: i32 = 13;

// Test-only faults (hwEmacTestFault): which knob.
export const TF_MDIO_HANG: i32 = 0;
export const TF_SERDES_NEVER_READY: i32 = 1;
export const TF_SGMII_CLEAR_STUCK: i32 = 2;
export const TF_TX_HANG: i32 = 3;
export const TF_IRQ_HELD: i32 = 4;

/** Set whenever some device's IRQ line changes level; the run loop returns to the host. */
export let irqChanged: bool = false;
export function clearIrqChanged(): void { irqChanged = false; }

/** A packet the TX engine holds: on the wire, or read ahead and waiting behind it. */
@unmanaged export class TxPacket {
  /** when its last bit leaves the wire */
  done: i64;
  /** MAILBOX_2 once it is out */
  next: u32;
  /** its staged wire bytes and frames */
  bytes: u32;
  frames: u32;
  /** read ahead: its frame's counters wait for its start (a SENT_* word for countSent); 0 once counted */
  sent: u32;
}
const TXQ_ENTRY: usize = offsetof<TxPacket>();

/** Zeroed memory outside the managed heap, kept for the device's lifetime. */
function allocZeroed(bytes: usize): usize {
  const p = heap.alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

/** An in-WASM interrupt handler (a driver model's ISR), called with the device index. */
export type IrqHandler = (nic: i32) => void;

export class EmacDevice {
  readonly wire: WirePort;
  /** Set when a driver model is bound: the run loop calls it while the line is high. */
  irqHandler: IrqHandler | null = null;
  /** The driver model's handler of the SGMII block's line (request_irq in emac_sgmii_common_open). */
  sgmiiIrqHandler: IrqHandler | null = null;
  regs: StaticArray<u32> = new StaticArray<u32>(CORE_WORDS);
  csr: StaticArray<u32> = new StaticArray<u32>(<i32>(CSR_SIZE >> 2));
  sgmii: Sgmii = new Sgmii();
  phy: Phy = new Phy();
  stats: StaticArray<u32> = new StaticArray<u32>(STAT_SLOTS);
  model: StaticArray<u32> = new StaticArray<u32>(MC_COUNT);

  // Interrupts (INT_STATUS / INT_MASK; DIS_INT is kept apart from the status bits)
  intStatus: u32 = 0;
  intMask: u32 = 0;
  intDisabled: bool = false;
  irqLine: bool = false;
  /** The line changed level since the run loop last looked. */
  irqDirty: bool = false;

  // Interrupt moderation (DMA_MAS_CTRL IRQ_MODERATOR_EN / IRQ_MODERATOR2_EN): a packet
  // cause waits in modHeld until its moderator's timer, started by the first cause it
  // holds, runs out; then it enters INT_STATUS. MOD1 holds TX_PKT_INT, MOD2 RX_PKT_INT0.
  modHeld: u32 = 0;
  /** When MOD1 (TX) / MOD2 (RX) releases what it holds; CLOCK_NEVER while idle. */
  modTxAt: i64 = CLOCK_NEVER;
  modRxAt: i64 = CLOCK_NEVER;

  // MDIO master
  mdioCtrl: u32 = 0;
  mdioDoneAt: i64 = 0;
  mdioBusy: bool = false;
  mdioData: u32 = 0;

  // Ring configuration latched by INTER_SRAM_PART9
  rfdBase: u64 = 0;
  rrdBase: u64 = 0;
  tpdBase: u64 = 0;
  rfdCount: u32 = 0;
  rrdCount: u32 = 0;
  tpdCount: u32 = 0;
  rxBufSize: u32 = 0;
  /**
   * The station address (MAC_STA_ADDR0/1) as the first 4 and next 2 bytes of a frame
   * read little-endian, kept by the write handler: the RX filter compares each frame
   * with it without reassembling the address from the registers.
   */
  staLo: u32 = 0;
  staHi: u32 = 0;
  /**
   * Where each latched ring lies in linear memory, or 0 unless all of it is in DMA
   * memory (then every access maps its own descriptor and a bad one faults there):
   * a slot of a whole ring needs no check of its own.
   */
  rfdRing: usize = 0;
  rrdRing: usize = 0;
  tpdRing: usize = 0;

  // Hardware ring indices
  rfdCons: u32 = 0; // next RFD the device will fill
  rrdProd: u32 = 0; // next RRD slot; MAILBOX_3 reads this
  tpdCons: u32 = 0; // MAILBOX_2[31:16]
  mailbox0: u32 = 0;
  mailbox15: u32 = 0;
  rxHalted: bool = false;
  txHalted: bool = false;
  /**
   * What the RX engine checks for every frame and only a config write or a halt changes:
   * RXEN and RXQ_EN set, not halted, rings latched with equal non-zero sizes, a buffer size,
   * both rings in DMA memory. Set again by updateRxReady after each such change.
   */
  rxReady: bool = false;

  // TX engine. While the wire is busy it reads ahead the plain packets (one TPD each, no
  // LSO or CSX) the driver has produced and stages them back to back; each one's completion
  // (frames visible, MAILBOX_2 past it, TX_PKT_INT) happens at its time, applied by
  // txRetire before anything can see it: a register access, this device's next event, the
  // end of a run. It needs an event of its own only when it could change the IRQ line.
  /** Packets in the engine (txqLen > 0); txDoneAt: when the oldest one's last bit leaves. */
  txInFlight: bool = false;
  txDoneAt: i64 = 0;
  /** The packets in the engine, oldest first from txqHead: TXQ_MAX entries (txqAt). */
  readonly txq: usize = allocZeroed(<usize>TXQ_MAX * TXQ_ENTRY);
  txqHead: i32 = 0;
  txqLen: i32 = 0;
  /** Next TPD the engine reads (MAILBOX_2 when nothing is in the engine). */
  tpdNext: u32 = 0;
  /** The next packet is not a plain one: it waits until the engine is empty. */
  txAheadBlocked: bool = false;
  /** Producer index at which the TPD scan found no last fragment; wait for a new MAILBOX_15 write. */
  txWaitProd: i32 = -1;

  // ---- Test-only fault injection ------------------------------------------------------
  // Set only through hwEmacTestFault (assembly/hw/abi.ts), never by the model itself;
  // all false on the normal path. See TF_* below.
  /** TF_MDIO_HANG: an MDIO frame never completes (START/BUSY stay set): a bus nobody answers on. */
  testMdioHang: bool = false;
  /** TF_TX_HANG: the TX DMA engine hangs: the packet it is sending never finishes, MAILBOX_2 stops; a soft reset recovers. */
  testTxHang: bool = false;
  /** TF_IRQ_HELD: the CPU does not take this device's interrupt (disable_irq): in-WASM handlers wait. */
  testIrqHeld: bool = false;

  constructor(readonly index: i32, readonly port: i32) {
    this.wire = changetype<WirePort>(wirePort(port));
    this.powerOn();
  }

  private powerOn(): void {
    for (let i = 0; i < CORE_WORDS; i++) unchecked(this.regs[i] = 0);
    this.setReg(MAX_FRAM_LEN_CTRL, MAX_FRAM_LEN_RESET);
    this.softReset();
    this.phy.reset();
  }

  /** The engine's queue entry k (taken modulo TXQ_MAX). */
  // @ts-ignore: decorator
  @inline txqAt(k: i32): TxPacket { return changetype<TxPacket>(this.txq + <usize>(k & (TXQ_MAX - 1)) * TXQ_ENTRY); }

  // @ts-ignore: decorator
  @inline reg(off: u32): u32 { return unchecked(this.regs[<i32>((off - CORE_FIRST) >> 2)]); }
  // @ts-ignore: decorator
  @inline setReg(off: u32, v: u32): void { unchecked(this.regs[<i32>((off - CORE_FIRST) >> 2)] = v); }

  macCtrl(): u32 { return this.reg(MAC_CTRL); }
  rxEnabled(): bool {
    return (this.reg(MAC_CTRL) & RXEN) != 0 && (this.reg(RXQ_CTRL_0) & RXQ_EN) != 0;
  }
  txEnabled(): bool {
    return (this.reg(MAC_CTRL) & TXEN) != 0 && (this.reg(TXQ_CTRL_0) & TXQ_EN) != 0;
  }

  /** The level IRQ line: any unmasked status bit, unless DIS_INT. */
  updateIrq(): void {
    const level = !this.intDisabled && (this.intStatus & this.intMask & ~DIS_INT) != 0;
    if (level != this.irqLine) {
      this.irqLine = level;
      this.irqDirty = true;
      irqChanged = true;
    }
  }

  raise(bits: u32): void { this.raiseAt(bits, clockNow()); }

  /** raise() of a cause that happened at time `at` (<= now): a moderator starts from then. */
  raiseAt(bits: u32, at: i64): void {
    bits &= ~DIS_INT;
    if (bits & (RX_PKT_INT0 | TX_PKT_INT)) bits = this.moderate(bits, at);
    if (bits == 0) return;
    this.intStatus |= bits;
    this.updateIrq();
  }

  /** Holds the packet causes an enabled moderator (with a non-zero count) delays; returns the rest. */
  private moderate(bits: u32, at: i64): u32 {
    const ctl = this.reg(DMA_MAS_CTRL);
    const init = this.reg(IRQ_MOD_TIM_INIT);
    if ((bits & RX_PKT_INT0) != 0 && (ctl & IRQ_MODERATOR2_EN) != 0 && (init >>> 16) != 0) {
      bits &= ~RX_PKT_INT0;
      this.modHeld |= RX_PKT_INT0;
      if (this.modRxAt == CLOCK_NEVER) this.modRxAt = at + <i64>(init >>> 16) * MOD_TICK_NS;
    }
    if ((bits & TX_PKT_INT) != 0 && (ctl & IRQ_MODERATOR_EN) != 0 && (init & 0xffff) != 0) {
      bits &= ~TX_PKT_INT;
      this.modHeld |= TX_PKT_INT;
      if (this.modTxAt == CLOCK_NEVER) this.modTxAt = at + <i64>(init & 0xffff) * MOD_TICK_NS;
    }
    return bits;
  }

  /** MOD1 holds TX_PKT_INT: a TX completion never changes the line by itself. */
  txModerated(): bool {
    return (this.reg(DMA_MAS_CTRL) & IRQ_MODERATOR_EN) != 0 && (this.reg(IRQ_MOD_TIM_INIT) & 0xffff) != 0;
  }

  /**
   * Completes, in order, each packet in the TX engine whose last bit has left by `now`:
   * its frames become visible on the wire, MAILBOX_2 moves past its TPDs, TX_PKT_INT is
   * raised at its time (once for them all: a second raise before anything reads or clears
   * it changes nothing). A hung engine (test-only) completes nothing.
   */
  txRetire(now: i64): void {
    if (!this.txInFlight || this.txDoneAt > now || this.testTxHang) return;
    const at = this.txDoneAt;
    let h = this.txqHead;
    let left = this.txqLen;
    let bytes: u32 = 0;
    let frames: u32 = 0;
    let next: u32 = 0;
    do {
      const e = this.txqAt(h);
      // a packet that started and ended since the last retire is counted now
      if (e.sent != 0) this.countSent(e.sent);
      bytes += e.bytes;
      frames += e.frames;
      next = e.next;
      h = (h + 1) & (TXQ_MAX - 1);
    } while (--left != 0 && this.txqAt(h).done <= now);
    wireTxCommitPart(this.wire, bytes, frames);
    this.tpdCons = next;
    this.txqHead = h;
    this.txqLen = left;
    if (left == 0) { this.txInFlight = false; this.txAheadBlocked = false; }
    else {
      const e = this.txqAt(h);
      this.txDoneAt = e.done;
      // the packet now on the wire started when the one before it ended
      if (e.sent != 0) { this.countSent(e.sent); e.sent = 0; }
    }
    this.raiseAt(TX_PKT_INT, at);
  }

  /** The MAC's counters for a frame it starts sending (a SENT_* word). */
  countSent(w: u32): void {
    const len = w & SENT_LEN_MASK;
    this.count(MC_TX_SENT);
    this.stat(TX_BASE + TX_OK);
    this.stat(TX_BASE + TX_BYTE_CNT, len);
    this.stat(TX_BASE + TX_SZ_64 + <i32>((w >>> SENT_BUCKET_SHIFT) & 7));
    if (w & SENT_BCAST) { this.stat(TX_BASE + TX_BCAST); this.stat(TX_BASE + TX_BCAST_BYTE, len); }
    else if (w & SENT_MCAST) { this.stat(TX_BASE + TX_MCAST); this.stat(TX_BASE + TX_MCAST_BYTE, len); }
    if (w & SENT_OVERFLOW) { this.wire.txOverflow++; this.count(MC_TX_WIRE_OVERFLOW); }
  }

  /**
   * The TX configuration changed (TXEN, TXQ_EN, CRCE, the maximum frame length): the
   * packets read ahead that have not started are forgotten, their frames taken off the
   * wire, to be read again as the engine reaches them. The one on the wire goes on.
   */
  private txUnread(): void {
    if (this.txqLen <= 1) return; // write() retired what is out by now
    const e = this.txqAt(this.txqHead);
    wireTxAbortTo(this.wire, e.bytes, e.frames);
    this.tpdNext = e.next;
    this.wire.txBusyUntil = this.txDoneAt;
    this.txqLen = 1;
    this.txAheadBlocked = false;
  }

  /** txRetire up to now, before any register access: what a packet's completion changed is there. */
  // @ts-ignore: decorator
  @inline txCatchUp(): void {
    if (this.txInFlight && this.txDoneAt <= clockNow()) this.txRetire(clockNow());
  }

  /** When the next moderator runs out (CLOCK_NEVER if none runs). */
  // @ts-ignore: decorator
  @inline modNext(): i64 { return this.modRxAt < this.modTxAt ? this.modRxAt : this.modTxAt; }

  /** Releases into INT_STATUS what each moderator whose time is up (or that was disabled) holds. */
  modExpire(): void {
    const now = clockNow();
    const ctl = this.reg(DMA_MAS_CTRL);
    let out: u32 = 0;
    if (this.modRxAt <= now || (ctl & IRQ_MODERATOR2_EN) == 0) {
      out |= this.modHeld & RX_PKT_INT0;
      this.modRxAt = CLOCK_NEVER;
    }
    if (this.modTxAt <= now || (ctl & IRQ_MODERATOR_EN) == 0) {
      out |= this.modHeld & TX_PKT_INT;
      this.modTxAt = CLOCK_NEVER;
    }
    if (out == 0) return;
    this.modHeld &= ~out;
    this.intStatus |= out;
    this.updateIrq();
  }

  count(which: i32): void { unchecked(this.model[which] = this.model[which] + 1); }
  stat(which: i32, n: u32 = 1): void { unchecked(this.stats[which] = this.stats[which] + n); }

  /**
   * DMA_MAS_CTRL.SOFT_RST (emac_mac_reset). [inferred] It self-clears at once and
   * resets the DMA engines: queues stopped, hardware and mailbox indices 0, any
   * halt cleared, frames in flight abandoned, INT_STATUS/INT_MASK 0 (line low),
   * DMA_MAS_CTRL 0 (so INT_RD_CLR_EN must be set again, as the driver does) and
   * the statistics cleared. Addresses, MAC_CTRL config bits and DESC_CTRL_* keep
   * their values; the driver rewrites them anyway.
   */
  softReset(): void {
    this.setReg(DMA_MAS_CTRL, 0);
    this.setReg(MAC_CTRL, this.reg(MAC_CTRL) & ~(TXEN | RXEN));
    this.setReg(TXQ_CTRL_0, this.reg(TXQ_CTRL_0) & ~TXQ_EN);
    this.setReg(RXQ_CTRL_0, this.reg(RXQ_CTRL_0) & ~RXQ_EN);
    this.resetIndices();
    for (let i = 0; i < STAT_SLOTS; i++) unchecked(this.stats[i] = 0);
    this.intStatus = 0;
    this.intMask = 0;
    this.intDisabled = false;
    this.modHeld = 0;
    this.modRxAt = CLOCK_NEVER;
    this.modTxAt = CLOCK_NEVER;
    this.testTxHang = false; // the reset recovers a hung TX engine
    this.updateIrq();
  }

  private resetIndices(): void {
    this.rfdCons = 0;
    this.rrdProd = 0;
    this.tpdCons = 0;
    this.tpdNext = 0;
    this.mailbox0 = 0;
    this.mailbox15 = 0;
    this.rxHalted = false;
    this.txHalted = false;
    if (this.txInFlight) wireTxAbort(this.wire);
    this.txInFlight = false;
    this.txqLen = 0;
    this.txqHead = 0;
    this.txAheadBlocked = false;
    this.txWaitProd = -1;
    this.updateRxReady();
  }

  updateRxReady(): void {
    this.rxReady = this.rxEnabled() && !this.rxHalted && this.rfdCount != 0 && this.rrdCount == this.rfdCount &&
      this.rxBufSize != 0 && this.rfdRing != 0 && this.rrdRing != 0;
  }

  /**
   * INTER_SRAM_PART9 = 1: "load all of the base addresses". [inferred] The ring
   * bases, counts and buffer size are copied from DESC_CTRL_* into the engines,
   * and all ring indices (hardware and mailbox) restart at 0, since the driver
   * resets its own indices before every config (emac_mac_rx_tx_ring_reset_all).
   * RRD ring high address = DESC_CTRL_0, as for the RFD ring (no other register
   * is written by the driver).
   */
  latchRings(): void {
    const rxHi = <u64>this.reg(DESC_CTRL_0) << 32;
    const txHi = <u64>this.reg(DESC_CTRL_1) << 32;
    this.rfdBase = rxHi | <u64>this.reg(DESC_CTRL_2);
    this.rrdBase = rxHi | <u64>this.reg(DESC_CTRL_5);
    this.tpdBase = txHi | <u64>this.reg(DESC_CTRL_8);
    this.rfdCount = this.reg(DESC_CTRL_3) & 0xfff;
    this.rrdCount = this.reg(DESC_CTRL_6) & 0xfff;
    this.tpdCount = this.reg(DESC_CTRL_9) & 0xffff;
    this.rxBufSize = this.reg(DESC_CTRL_4) & 0xffff;
    this.rfdRing = this.rfdCount != 0 ? dmaMap(this.rfdBase, this.rfdCount * RFD_BYTES) : 0;
    this.rrdRing = this.rrdCount != 0 ? dmaMap(this.rrdBase, this.rrdCount * RRD_BYTES) : 0;
    this.tpdRing = this.tpdCount != 0 ? dmaMap(this.tpdBase, this.tpdCount * TPD_BYTES) : 0;
    this.resetIndices();
  }

  rfdProducer(): u32 { return this.mailbox0 & RFD0_PROD_IDX_MASK; }
  rfdProcess(): u32 { return (this.mailbox0 >>> RFD0_PROC_IDX_SHIFT) & 0xfff; }

  // ---- MDIO master (emac_mdio_read / emac_mdio_write) --------------------------------
  private mdioStart(v: u32): void {
    const phyAddr = (this.reg(PHY_STS) & PHY_ADDR_MASK) >>> PHY_ADDR_SHIFT;
    const regNum = (v & MDIO_REG_ADDR_MASK) >>> MDIO_REG_ADDR_SHIFT;
    let data: u32 = 0xffff; // nobody answers at other addresses: the bus floats high
    if (phyAddr == this.phy.addr) {
      if (v & MDIO_RD_NWR) data = this.phy.read(regNum, this.wire.carrier);
      else { this.phy.write(regNum, v & MDIO_DATA_MASK); data = v & MDIO_DATA_MASK; }
    } else if (!(v & MDIO_RD_NWR)) {
      data = v & MDIO_DATA_MASK;
    }
    this.mdioData = data;
    this.mdioBusy = true;
    this.mdioDoneAt = clockNow() + MDIO_OP_NS;
    this.mdioCtrl = v | MDIO_BUSY;
  }

  /** Completes an MDIO frame whose time is up: START and BUSY clear, data in [15:0]. */
  private mdioPoll(): void {
    if (this.mdioBusy && !this.testMdioHang && clockNow() >= this.mdioDoneAt) {
      this.mdioBusy = false;
      this.mdioCtrl = (this.mdioCtrl & ~(MDIO_START | MDIO_BUSY | MDIO_DATA_MASK)) | this.mdioData;
    }
  }

  // ---- Region 0: core registers ---------------------------------------------------------
  /** Reads a core register; sideEffects=false is the debugger's peek. */
  readBase(off: u32, sideEffects: bool): u32 {
    if (off < CORE_FIRST || off > CORE_LAST) return 0; // unimplemented window reads 0
    // the registers of every packet first: the cases are tested in this order
    switch (off) {
      case INT_STATUS: {
        const v = this.intStatus | (this.intDisabled ? DIS_INT : 0);
        // Clear-on-read when DMA_MAS_CTRL.INT_RD_CLR_EN (emac_isr never writes INT_STATUS).
        if (sideEffects && (this.reg(DMA_MAS_CTRL) & INT_RD_CLR_EN) != 0) {
          this.intStatus = 0;
          this.updateIrq();
        }
        return v;
      }
      case MAILBOX_0: return this.mailbox0;
      case MAILBOX_3: return this.rrdProd;
      case MAILBOX_2: return this.tpdCons << NTPD_CONS_IDX_SHIFT;
      case MAILBOX_15: return this.mailbox15;
      case INT_MASK: return this.intMask;
      case DMA_MAS_CTRL:
        return (this.reg(DMA_MAS_CTRL) & ~(DEV_ID_NUM_MASK | DEV_REV_NUM_MASK))
          | (MODEL_DEV_ID << 24) | (MODEL_DEV_REV << 16);
      case MDIO_CTRL:
        this.mdioPoll();
        return this.mdioCtrl;
      case INTER_SRAM_PART9: return 0; // a trigger; reads 0
      case CORE_HW_VERSION: return MODEL_CORE_HW_VERSION;
      case RXMAC_STATC_REG23: return this.readStat(RX_CRC_ALIGN, sideEffects);
      case RXMAC_STATC_REG24: return this.readStat(RX_JABBERS, sideEffects);
      case TXMAC_STATC_REG25: return this.readStat(TX_BASE + TX_COL, sideEffects);
      default:
        if (off >= RXMAC_STATC_REG0 && off <= RXMAC_STATC_REG22) {
          return this.readStat(<i32>((off - RXMAC_STATC_REG0) >> 2), sideEffects);
        }
        if (off >= TXMAC_STATC_REG0 && off <= TXMAC_STATC_REG24) {
          return this.readStat(TX_BASE + <i32>((off - TXMAC_STATC_REG0) >> 2), sideEffects);
        }
        return this.reg(off);
    }
  }

  /** [inferred] Statistics clear on read: emac_update_hw_stats adds each read to 64-bit totals. */
  private readStat(i: i32, sideEffects: bool): u32 {
    const v = unchecked(this.stats[i]);
    if (sideEffects) unchecked(this.stats[i] = 0);
    return v;
  }

  writeBase(off: u32, v: u32): void {
    if (off < CORE_FIRST || off > CORE_LAST) return; // unimplemented window ignores writes
    // the registers of every packet first: the cases are tested in this order
    switch (off) {
      case INT_MASK: {
        const was = this.intMask;
        this.intMask = v;
        // [inferred] Unmasking RX while RRDs are outstanding (the device is ahead of the
        // driver's process index in MAILBOX_0[27:16]) re-raises RX_PKT_INT0, so an edge
        // cleared by a read during NAPI polling is not lost (spec section 3, lost-edge risk).
        // It is a packet cause like any other: with MOD2 on it waits for the moderator.
        if ((v & RX_PKT_INT0) != 0 && (was & RX_PKT_INT0) == 0 && this.rfdCount != 0
          && this.rfdProcess() != this.rfdCons) {
          this.raise(RX_PKT_INT0);
        }
        this.updateIrq();
        return;
      }
      case MAILBOX_0:
        this.mailbox0 = v;
        return;
      case MAILBOX_15:
        this.mailbox15 = v;
        this.txWaitProd = -1; // a new producer index: look at the ring again
        return;
      case DMA_MAS_CTRL:
        if (v & SOFT_RST) { this.softReset(); return; }
        this.setReg(DMA_MAS_CTRL, v & ~(DEV_ID_NUM_MASK | DEV_REV_NUM_MASK | SOFT_RST));
        if (this.modHeld != 0) this.modExpire(); // a moderator switched off lets go of what it holds
        return;
      case MDIO_CTRL:
        this.mdioPoll();
        if (v & MDIO_START) this.mdioStart(v);
        else if (this.mdioBusy) this.mdioCtrl = v | MDIO_START | MDIO_BUSY; // frame still running
        else this.mdioCtrl = v;
        return;
      case INTER_SRAM_PART9:
        if (v & 1) this.latchRings();
        return;
      case MAILBOX_2:
      case MAILBOX_3:
      case CORE_HW_VERSION:
        return; // read-only
      case INT_STATUS:
        // atl1c lineage [inferred]: b31 sets/clears DIS_INT; other bits are write-1-to-clear.
        this.intDisabled = (v & DIS_INT) != 0;
        this.intStatus &= ~(v & ~DIS_INT);
        this.updateIrq();
        return;
      default:
        if ((off >= RXMAC_STATC_REG0 && off <= TXMAC_STATC_REG24)
          || off == RXMAC_STATC_REG23 || off == RXMAC_STATC_REG24 || off == TXMAC_STATC_REG25) {
          return; // counters are read-only
        }
        this.setReg(off, v);
        if (off == MAC_STA_ADDR0 || off == MAC_STA_ADDR1) this.latchStation();
        else if (off == MAC_CTRL || off == TXQ_CTRL_0 || off == MAX_FRAM_LEN_CTRL) this.txUnread();
        if (off == MAC_CTRL || off == RXQ_CTRL_0) this.updateRxReady();
    }
  }

  /** Bytes 0-1 of the address are in ADDR1[15:0], bytes 2-5 in ADDR0, most significant first. */
  private latchStation(): void {
    const a0 = bswap<u32>(this.reg(MAC_STA_ADDR0));
    const a1 = <u32>bswap<u16>(<u16>this.reg(MAC_STA_ADDR1));
    this.staLo = a1 | (a0 << 16);
    this.staHi = a0 >>> 16;
  }

  // ---- Region 1: CSR wrapper (plain storage; FREQ_MODE etc. have no modelled effect) ----
  readCsr(off: u32): u32 { return unchecked(this.csr[<i32>(off >> 2)]); }
  writeCsr(off: u32, v: u32): void { unchecked(this.csr[<i32>(off >> 2)] = v); }

  // ---- Dispatch ---------------------------------------------------------------------
  // @ts-ignore: decorator
  @inline read(region: i32, off: u32, sideEffects: bool): u32 {
    this.txCatchUp();
    if ((off & 3) != 0) { this.count(MC_BAD_MMIO); return 0xffffffff; }
    if (region == REGION_BASE && off < BASE_SIZE) return this.readBase(off, sideEffects);
    if (region == REGION_CSR && off < CSR_SIZE) return this.readCsr(off);
    if (region == REGION_SGMII && off < SGMII_SIZE) return this.sgmii.read(off);
    this.count(MC_BAD_MMIO);
    return 0xffffffff;
  }

  // @ts-ignore: decorator
  @inline write(region: i32, off: u32, v: u32): void {
    this.txCatchUp();
    if ((off & 3) != 0) { this.count(MC_BAD_MMIO); return; }
    if (region == REGION_BASE && off < BASE_SIZE) { this.writeBase(off, v); return; }
    if (region == REGION_CSR && off < CSR_SIZE) { this.writeCsr(off, v); return; }
    if (region == REGION_SGMII && off < SGMII_SIZE) { this.sgmii.write(off, v); return; }
    this.count(MC_BAD_MMIO);
  }
}

/** Sets or clears test-only fault `which` (TF_*). Unknown knobs are ignored. */
export function emacTestFault(d: EmacDevice, which: i32, on: bool): void {
  if (which == TF_MDIO_HANG) d.testMdioHang = on;
  else if (which == TF_SERDES_NEVER_READY) d.sgmii.testNeverReady = on;
  else if (which == TF_SGMII_CLEAR_STUCK) d.sgmii.testClearStuck = on;
  else if (which == TF_TX_HANG) { d.txRetire(clockNow()); d.testTxHang = on; }
  else if (which == TF_IRQ_HELD) d.testIrqHeld = on;
}

// ---- The device pool ------------------------------------------------------------------
const devices = new StaticArray<EmacDevice | null>(EMAC_MAX_DEVICES);
let deviceCount: i32 = 0;

/** Creates an EMAC with its own wire port; returns its index or -1. */
export function emacCreate(): i32 {
  if (deviceCount >= EMAC_MAX_DEVICES) return -1;
  const port = wirePortCreate();
  if (port < 0) return -1;
  const i = deviceCount++;
  unchecked(devices[i] = new EmacDevice(i, port));
  return i;
}

export function emacCount(): i32 { return deviceCount; }

export function emacDevice(i: i32): EmacDevice | null {
  if (i < 0 || i >= deviceCount) return null;
  return unchecked(devices[i]);
}
