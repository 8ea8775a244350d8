// The external clause-22 PHY on the EMAC's MDIO bus (what phylib and genphy
// read: BMCR/BMSR, the ID registers, advertisement and link-partner ability).
// Autonegotiation takes PHY_AN_NS of virtual time after a reset or restart and
// always resolves to 1000 Mb/s full duplex without pause, against a partner
// that is present whenever the port has carrier. The driver polls the PHY
// (phydev->irq = PHY_POLL in emac_mac_up), so no PHY interrupt is modelled.

import { clockNow } from "../clock";
import {
  MII_BMCR, MII_BMSR, MII_PHYSID1, MII_PHYSID2, MII_ADVERTISE, MII_LPA, MII_EXPANSION,
  MII_CTRL1000, MII_STAT1000, MII_ESTATUS, BMCR_RESET, BMCR_ANENABLE, BMCR_ANRESTART,
  BMCR_PDOWN, BMCR_FULLDPLX, BMCR_SPEED1000, BMSR_LSTATUS, BMSR_ANEGCOMPLETE, BMSR_CAPS,
} from "./registers";

/** Model choice: an Atheros AR8031-style ID (OUI 0x001374); the driver never checks it. */
export const PHY_ID1: u32 = 0x004d;
export const PHY_ID2: u32 = 0xd074;
/** Model choice: the PHY answers at MDIO address 0. */
export const PHY_DEFAULT_ADDR: u32 = 0;
/** Virtual time from (re)start of autonegotiation to link up. */
export const PHY_AN_NS: i64 = 1_000_000;

const BMCR_DEFAULT: u32 = BMCR_ANENABLE | BMCR_FULLDPLX | BMCR_SPEED1000; // 0x1140
const ADVERTISE_DEFAULT: u32 = 0x01e1; // 100/10 full/half, CSMA
const CTRL1000_DEFAULT: u32 = 0x0200; // advertise 1000 full
/** Link partner: ACK | 100/10 full/half | CSMA, no pause. */
const LPA_PARTNER: u32 = 0x41e1;
/** Partner is 1000 full; local and remote receivers OK. */
const STAT1000_PARTNER: u32 = 0x3800;
const ESTATUS_1000T: u32 = 0x3000;

export class Phy {
  addr: u32 = PHY_DEFAULT_ADDR;
  bmcr: u32 = BMCR_DEFAULT;
  advertise: u32 = ADVERTISE_DEFAULT;
  ctrl1000: u32 = CTRL1000_DEFAULT;
  anStart: i64 = 0;
  /** BMSR link status is latched low until BMSR is read (802.3 22.2.4.2.13). */
  linkLatchedDown: bool = true;
  /** Vendor registers 0x10..0x1f: plain storage. */
  vendor: StaticArray<u16> = new StaticArray<u16>(16);

  reset(): void {
    this.bmcr = BMCR_DEFAULT;
    this.advertise = ADVERTISE_DEFAULT;
    this.ctrl1000 = CTRL1000_DEFAULT;
    this.restartAn();
  }

  restartAn(): void {
    this.anStart = clockNow();
    this.linkLatchedDown = true;
  }

  anComplete(carrier: bool): bool {
    return carrier && (this.bmcr & BMCR_ANENABLE) != 0 && (this.bmcr & BMCR_PDOWN) == 0
      && clockNow() - this.anStart >= PHY_AN_NS;
  }

  linkUp(carrier: bool): bool {
    if (!carrier || (this.bmcr & BMCR_PDOWN) != 0) return false;
    if ((this.bmcr & BMCR_ANENABLE) == 0) return true; // forced mode
    return this.anComplete(carrier);
  }

  /** Carrier lost on the wire: latch link-down. */
  carrierChanged(up: bool): void {
    if (!up) this.linkLatchedDown = true;
    else this.restartAn();
  }

  read(reg: u32, carrier: bool): u32 {
    switch (reg) {
      case MII_BMCR: return this.bmcr;
      case MII_BMSR: {
        let v = BMSR_CAPS;
        const up = this.linkUp(carrier);
        if (up && !this.linkLatchedDown) v |= BMSR_LSTATUS;
        this.linkLatchedDown = !up;
        if (this.anComplete(carrier)) v |= BMSR_ANEGCOMPLETE;
        return v;
      }
      case MII_PHYSID1: return PHY_ID1;
      case MII_PHYSID2: return PHY_ID2;
      case MII_ADVERTISE: return this.advertise;
      case MII_LPA: return this.anComplete(carrier) ? LPA_PARTNER : 0;
      case MII_EXPANSION: return this.anComplete(carrier) ? 1 : 0;
      case MII_CTRL1000: return this.ctrl1000;
      case MII_STAT1000: return this.anComplete(carrier) ? STAT1000_PARTNER : 0;
      case MII_ESTATUS: return ESTATUS_1000T;
      default:
        if (reg >= 0x10 && reg < 0x20) return <u32>unchecked(this.vendor[<i32>reg - 0x10]);
        return 0;
    }
  }

  write(reg: u32, v: u32): void {
    v &= 0xffff;
    switch (reg) {
      case MII_BMCR: {
        if (v & BMCR_RESET) { this.reset(); return; }
        const wasDown = (this.bmcr & BMCR_PDOWN) != 0;
        this.bmcr = v & ~(BMCR_RESET | BMCR_ANRESTART);
        if ((v & BMCR_ANRESTART) != 0 || (wasDown && (v & BMCR_PDOWN) == 0)) this.restartAn();
        if ((v & BMCR_PDOWN) != 0) this.linkLatchedDown = true;
        break;
      }
      case MII_ADVERTISE: this.advertise = v; break;
      case MII_CTRL1000: this.ctrl1000 = v; break;
      default:
        if (reg >= 0x10 && reg < 0x20) unchecked(this.vendor[<i32>reg - 0x10] = <u16>v);
    }
  }
}
