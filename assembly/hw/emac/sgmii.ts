// The internal SGMII PHY / SerDes (emac-sgmii.c, emac-sgmii-fsm9900.c,
// emac-sgmii-qdf2400.c/-qdf2432.c): a plain register file plus the few
// behaviours the driver waits for.
//
// * SerDes ready: after the driver starts the SerDes (fsm9900: SERDES_START b0
//   at +0x0; qdf2400/2432: RESET_CTRL=0 at +0xa8 before RSM_START in the lane
//   block, which this model does not have), QSERDES_COM_RESET_SM.READY (+0xbc b5)
//   and LN_LANE_STATUS c_ready (+0xdc b1) read 1 after SERDES_READY_NS. The
//   driver polls 100 times with 100-200 us sleeps.
// * Interrupts: INTERRUPT_STATUS (+0xb8) bits are raised by the model
//   (emac_sgmii_raise, e.g. DECODE_CODE_ERR); IRQ_CMD=1 (+0xac) clears the bits
//   written to INTERRUPT_CLEAR (+0xb0) at once (the driver allows ~10 us).
//   The SGMII IRQ line is status & INTERRUPT_MASK.
// Note: fsm9900 shares this window with QSERDES registers; its PLL_CRCTRL write
// lands on +0xac with b0 set. With INTERRUPT_CLEAR 0 that clears nothing.

import { clockNow } from "../clock";
import {
  SGMII_SIZE, SGMII_SERDES_START, SGMII_PHY_RESET_CTRL, SGMII_PHY_IRQ_CMD,
  SGMII_PHY_INTERRUPT_CLEAR, SGMII_PHY_INTERRUPT_MASK, SGMII_PHY_INTERRUPT_STATUS,
  QSERDES_COM_RESET_SM, SGMII_PHY_RX_CHK_STATUS, SGMII_PHY_LN_LANE_STATUS,
  SERDES_START, SERDES_READY, LANE_C_READY, CDR_ALIGN_DET, IRQ_GLOBAL_CLEAR,
} from "./registers";

export const SERDES_READY_NS: i64 = 250_000;

export class Sgmii {
  regs: StaticArray<u32> = new StaticArray<u32>(<i32>(SGMII_SIZE >> 2));
  started: bool = false;
  startAt: i64 = 0;
  status: u32 = 0;
  /** Test-only (hwEmacTestFault TF_SERDES_NEVER_READY): the SerDes never reports ready. */
  testNeverReady: bool = false;
  /** Test-only (hwEmacTestFault TF_SGMII_CLEAR_STUCK): IRQ_CMD does not clear INTERRUPT_STATUS. */
  testClearStuck: bool = false;

  ready(): bool { return this.started && !this.testNeverReady && clockNow() - this.startAt >= SERDES_READY_NS; }

  // @ts-ignore: decorator
  @inline irqLevel(): bool {
    return (this.status & unchecked(this.regs[<i32>(SGMII_PHY_INTERRUPT_MASK >> 2)])) != 0;
  }

  /** off is 4-aligned and < SGMII_SIZE (checked by the caller). */
  read(off: u32): u32 {
    const stored = unchecked(this.regs[<i32>(off >> 2)]);
    switch (off) {
      case SGMII_PHY_INTERRUPT_STATUS: return this.status;
      case QSERDES_COM_RESET_SM: return this.ready() ? stored | SERDES_READY : stored & ~SERDES_READY;
      case SGMII_PHY_LN_LANE_STATUS: return this.ready() ? stored | LANE_C_READY : stored & ~LANE_C_READY;
      case SGMII_PHY_RX_CHK_STATUS: return this.ready() ? stored | CDR_ALIGN_DET : stored & ~CDR_ALIGN_DET;
      default: return stored;
    }
  }

  write(off: u32, v: u32): void {
    switch (off) {
      case SGMII_PHY_INTERRUPT_STATUS: return; // read-only
      case SGMII_SERDES_START:
        if ((v & SERDES_START) != 0 && !this.started) { this.started = true; this.startAt = clockNow(); }
        break;
      case SGMII_PHY_RESET_CTRL:
        if (v == 0 && !this.started) { this.started = true; this.startAt = clockNow(); }
        break;
      case SGMII_PHY_IRQ_CMD:
        if ((v & IRQ_GLOBAL_CLEAR) != 0 && !this.testClearStuck) {
          this.status &= ~(unchecked(this.regs[<i32>(SGMII_PHY_INTERRUPT_CLEAR >> 2)]) & 0xff);
        }
        break;
    }
    unchecked(this.regs[<i32>(off >> 2)] = v);
  }

}
