// The EMAC driver's ethtool operations (drivers/net/ethernet/qualcomm/emac/
// emac-ethtool.c), each working on the adapter and the hardware model as the
// mainline driver does: the setters store the adapter's fields and, on a
// running interface, run emac_reinit_locked; the register dump reads the
// registers through the device's read handler; nway_reset restarts
// autonegotiation over MDIO. The ethtool core's own checks (ring maximums, "no
// change") are the host's (src/ethtool.ts), as they are net/ethtool/'s in Linux.

import { EmacAdapter, emacAdapter, emac_reinit_locked, emac_mdio_read, emac_mdio_write, ENODEV, PHY_ADVERTISE } from "./emac";
import { emacNic, emacNetdevRelink } from "./emac_netdev";
import {
  DMA_MAS_CTRL, MAC_CTRL, TXQ_CTRL_0, RXQ_CTRL_0, DMA_CTRL, INT_MASK, AXI_MAST_CTRL, CORE_HW_VERSION, MISC_CTRL,
  MII_BMCR, BMCR_ANENABLE, BMCR_ANRESTART,
} from "../hw/emac/registers";

const EINVAL: i32 = 22;
// emac.h: the ring sizes ethtool -G may ask for
export const EMAC_MIN_TX_DESCS: u32 = 128;
export const EMAC_MAX_TX_DESCS: u32 = 16383;
export const EMAC_MIN_RX_DESCS: u32 = 128;
export const EMAC_MAX_RX_DESCS: u32 = 2047;
const BMCR_ISOLATE: u32 = 0x0400;
/** EMAC_PRIV_ENABLE_SINGLE_PAUSE: private flag 0, "single-pause-mode" */
const EMAC_PRIV_ENABLE_SINGLE_PAUSE: u32 = 1;

/** emac_regs: the registers emac_get_regs dumps, in its order */
const EMAC_REGS: StaticArray<u32> = [
  DMA_MAS_CTRL, MAC_CTRL, TXQ_CTRL_0, RXQ_CTRL_0, DMA_CTRL, INT_MASK, AXI_MAST_CTRL, CORE_HW_VERSION, MISC_CTRL,
];

// What emacEthtoolGet answers (`which`)
export const ET_RX_MAX: i32 = 0, ET_TX_MAX: i32 = 1, ET_RX_PENDING: i32 = 2, ET_TX_PENDING: i32 = 3, ET_PAUSE_AUTONEG: i32 = 4,
  ET_PAUSE_RX: i32 = 5, ET_PAUSE_TX: i32 = 6, ET_PRIV_FLAGS: i32 = 7, ET_REGS_LEN: i32 = 9,
  ET_PHY_ATTACHED: i32 = 10, ET_ADV_PAUSE: i32 = 11, ET_LP_PAUSE: i32 = 12, ET_LINK: i32 = 13, ET_SPEED: i32 = 14;

function clampVal(v: u32, lo: u32, hi: u32): u32 { return v < lo ? lo : v > hi ? hi : v; }

/** emac_set_ringparam: clamped into the driver's limits; a running port is reinitialised (its rings keep their sizes until the next open). */
function emac_set_ringparam(a: EmacAdapter, rx: u32, tx: u32, rxMini: u32, rxJumbo: u32): i32 {
  if (rxMini != 0 || rxJumbo != 0) return -EINVAL;
  a.txDescCnt = clampVal(tx, EMAC_MIN_TX_DESCS, EMAC_MAX_TX_DESCS);
  a.rxDescCnt = clampVal(rx, EMAC_MIN_RX_DESCS, EMAC_MAX_RX_DESCS);
  return a.up ? emac_reinit_locked(a) : 0;
}

/** emac_set_pauseparam */
function emac_set_pauseparam(a: EmacAdapter, autoneg: bool, rx: bool, tx: bool): i32 {
  a.automatic = autoneg;
  a.rxFlowControl = rx;
  a.txFlowControl = tx;
  return a.up ? emac_reinit_locked(a) : 0;
}

/** emac_set_priv_flags */
function emac_set_priv_flags(a: EmacAdapter, flags: u32): i32 {
  a.singlePauseMode = (flags & EMAC_PRIV_ENABLE_SINGLE_PAUSE) != 0;
  return a.up ? emac_reinit_locked(a) : 0;
}

/** emac_nway_reset: genphy_restart_aneg (BMCR: ANENABLE | ANRESTART, ISOLATE off) on the attached PHY; -ENODEV while down (phy_disconnect). */
function emac_nway_reset(a: EmacAdapter): i32 {
  if (!a.up) return -ENODEV;
  const bmcr = emac_mdio_read(a, a.phyAddr, MII_BMCR);
  if (bmcr < 0) return bmcr;
  return emac_mdio_write(a, a.phyAddr, MII_BMCR, (<u32>bmcr & ~BMCR_ISOLATE) | BMCR_ANENABLE | BMCR_ANRESTART);
}

/** emac_get_regs, register i (readl through the device's read handler) */
function emac_get_regs(a: EmacAdapter, i: i32): u32 { return a.readl(unchecked(EMAC_REGS[i])); }

function adapterOf(dev: i32): EmacAdapter | null { return emacAdapter(emacNic(dev)); }

/**
 * The get side for netdevice `dev`: emac_get_ringparam, emac_get_pauseparam,
 * emac_get_priv_flags, emac_get_regs_len, and what phylib
 * knows (PHY attached, our advertised and the partner's pause bits as
 * Pause | Asym_Pause << 1, link, speed). -1 when `dev` is no EMAC.
 */
export function emacEthtoolGet(dev: i32, which: i32): f64 {
  const a = adapterOf(dev);
  if (a == null) return -1;
  switch (which) {
    case ET_RX_MAX: return EMAC_MAX_RX_DESCS;
    case ET_TX_MAX: return EMAC_MAX_TX_DESCS;
    case ET_RX_PENDING: return a.rxDescCnt;
    case ET_TX_PENDING: return a.txDescCnt;
    case ET_PAUSE_AUTONEG: return a.automatic ? 1 : 0;
    case ET_PAUSE_RX: return a.rxFlowControl ? 1 : 0;
    case ET_PAUSE_TX: return a.txFlowControl ? 1 : 0;
    case ET_PRIV_FLAGS: return a.singlePauseMode ? EMAC_PRIV_ENABLE_SINGLE_PAUSE : 0;
    case ET_REGS_LEN: return EMAC_REGS.length * 4;
    case ET_PHY_ATTACHED: return a.up ? 1 : 0;
    case ET_ADV_PAUSE: return <f64>((PHY_ADVERTISE >> 10) & 3); // ADVERTISE_PAUSE_CAP, ADVERTISE_PAUSE_ASYM
    case ET_LP_PAUSE: return <f64>((a.phyPause ? 1 : 0) | (a.phyAsymPause ? 2 : 0));
    case ET_LINK: return a.linkUp ? 1 : 0;
    case ET_SPEED: return a.speed;
  }
  return -1;
}

/** emac_get_regs: register `i` of the dump (0 .. regs_len / 4 - 1) */
export function emacEthtoolReg(dev: i32, i: i32): f64 {
  const a = adapterOf(dev);
  if (a == null || i < 0 || i >= EMAC_REGS.length) return 0;
  return <f64>emac_get_regs(a, i);
}

/** The set side: 0 set_ringparam, 1 set_pauseparam (autoneg, rx, tx), 2 set_priv_flags, 3 nway_reset. 0 or -errno. */
export function emacEthtoolSet(dev: i32, op: i32, v0: u32, v1: u32, v2: u32, v3: u32): i32 {
  const a = adapterOf(dev);
  if (a == null) return -ENODEV;
  let r = 0;
  switch (op) {
    case 0: r = emac_set_ringparam(a, v0, v1, v2, v3); break;
    case 1: r = emac_set_pauseparam(a, v0 != 0, v1 != 0, v2 != 0); break;
    case 2: r = emac_set_priv_flags(a, v0); break;
    case 3: return emac_nway_reset(a);
    default: return -EINVAL;
  }
  emacNetdevRelink(dev);
  return r;
}
