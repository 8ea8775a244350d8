// Qualcomm EMAC register map, bit fields and descriptor layouts, as the mainline
// Linux driver (drivers/net/ethernet/qualcomm/emac/: emac.h, emac-mac.c,
// emac-mac.h, emac-phy.c, emac-sgmii*.c) uses them. Names follow the driver's
// macros without the EMAC_ prefix where that keeps them readable.

// ---- MMIO regions -------------------------------------------------------------------
/** res 0 ("base"): the core registers sit at 0x1400..0x1c04. */
export const REGION_BASE: i32 = 0;
/** res 1 ("csr"): the wrapper registers. */
export const REGION_CSR: i32 = 1;
/** The internal SGMII PHY's own MMIO region 0. */
export const REGION_SGMII: i32 = 2;

export const BASE_SIZE: u32 = 0x2000;
export const CSR_SIZE: u32 = 0x1000;
export const SGMII_SIZE: u32 = 0x1000;

/** First and last core register offset; storage covers this window. */
export const CORE_FIRST: u32 = 0x1400;
export const CORE_LAST: u32 = 0x1c04;
export const CORE_WORDS: i32 = <i32>((CORE_LAST - CORE_FIRST) >> 2) + 1;

// ---- Core / MAC / DMA control (emac.h, emac-mac.c) ------------------------------------
export const DMA_MAS_CTRL: u32 = 0x1400;
export const IRQ_MOD_TIM_INIT: u32 = 0x1408;
export const BLK_IDLE_STS: u32 = 0x140c;
export const MDIO_CTRL: u32 = 0x1414;
export const PHY_STS: u32 = 0x1418;
export const PHY_LINK_DELAY: u32 = 0x141c;
export const SYS_ALIV_CTRL: u32 = 0x1434;
export const MDIO_EX_CTRL: u32 = 0x1440;
export const MAC_CTRL: u32 = 0x1480;
export const MAC_IPGIFG_CTRL: u32 = 0x1484;
export const MAC_STA_ADDR0: u32 = 0x1488;
export const MAC_STA_ADDR1: u32 = 0x148c;
export const HASH_TAB_REG0: u32 = 0x1490;
export const HASH_TAB_REG1: u32 = 0x1494;
export const MAC_HALF_DPLX_CTRL: u32 = 0x1498;
export const MAX_FRAM_LEN_CTRL: u32 = 0x149c;
export const RSS_KEY0: u32 = 0x14b0;
export const INTER_SRAM_PART9: u32 = 0x1534;
export const DESC_CTRL_0: u32 = 0x1540; // RFD (and RRD) ring base [63:32]
export const DESC_CTRL_1: u32 = 0x1544; // TPD ring base [63:32]
export const DESC_CTRL_2: u32 = 0x1550; // RFD ring base [31:0]
export const DESC_CTRL_3: u32 = 0x1560; // RFD ring count [11:0]
export const DESC_CTRL_4: u32 = 0x1564; // RX buffer size [15:0]
export const DESC_CTRL_5: u32 = 0x1568; // RRD ring base [31:0]
export const DESC_CTRL_6: u32 = 0x1578; // RRD ring count [11:0]
export const DESC_CTRL_8: u32 = 0x1580; // TPD ring base [31:0]
export const DESC_CTRL_9: u32 = 0x1584; // TPD ring count [15:0]
export const DESC_CTRL_11: u32 = 0x1588; // TX data high address bits
export const TXQ_CTRL_0: u32 = 0x1590;
export const TXQ_CTRL_1: u32 = 0x1594;
export const TXQ_CTRL_2: u32 = 0x1598;
export const RXQ_CTRL_0: u32 = 0x15a0;
export const RXQ_CTRL_1: u32 = 0x15a4;
export const RXQ_CTRL_2: u32 = 0x15a8;
export const RXQ_CTRL_3: u32 = 0x15ac;
export const BASE_CPU_NUMBER: u32 = 0x15b8;
export const DMA_CTRL: u32 = 0x15c0;
export const MAILBOX_0: u32 = 0x15e0; // RFD0 producer [11:0], RFD0 process [27:16]
export const MAILBOX_2: u32 = 0x15f4; // NTPD consumer [31:16]
export const MAILBOX_3: u32 = 0x15f8; // RFD0 consumer [11:0]
export const INT_STATUS: u32 = 0x1600;
export const INT_MASK: u32 = 0x1604;
export const AXI_MAST_CTRL: u32 = 0x1610;
export const ATHR_HEADER_CTRL: u32 = 0x1620;
export const RXMAC_STATC_REG0: u32 = 0x1700;
export const RXMAC_STATC_REG22: u32 = 0x1758;
export const TXMAC_STATC_REG0: u32 = 0x1760;
export const TXMAC_STATC_REG24: u32 = 0x17c0;
export const CLK_GATE_CTRL: u32 = 0x1814;
export const CORE_HW_VERSION: u32 = 0x1974;
export const MISC_CTRL: u32 = 0x1990;
export const IDT_TABLE0: u32 = 0x1b00;
export const RXMAC_STATC_REG23: u32 = 0x1bc8;
export const RXMAC_STATC_REG24: u32 = 0x1bcc;
export const TXMAC_STATC_REG25: u32 = 0x1bd0;
export const MAILBOX_15: u32 = 0x1bd4; // NTPD producer [15:0]
export const INT1_MASK: u32 = 0x1bf0;
export const INT1_STATUS: u32 = 0x1bf4;
export const INT2_MASK: u32 = 0x1bf8;
export const INT2_STATUS: u32 = 0x1bfc;
export const INT3_MASK: u32 = 0x1c00;
export const INT3_STATUS: u32 = 0x1c04;

// DMA_MAS_CTRL
export const DEV_ID_NUM_MASK: u32 = 0x7f000000;
export const DEV_REV_NUM_MASK: u32 = 0x00ff0000;
export const INT_RD_CLR_EN: u32 = 0x4000;
export const IRQ_MODERATOR2_EN: u32 = 0x800;
export const IRQ_MODERATOR_EN: u32 = 0x400;
export const LPW_CLK_SEL: u32 = 0x80;
export const LPW_STATE: u32 = 0x20;
export const LPW_MODE: u32 = 0x10;
export const SOFT_RST: u32 = 0x1;
/** Model choice: the driver only prints DEV_ID/DEV_REV; no public value is known. */
export const MODEL_DEV_ID: u32 = 0x01;
export const MODEL_DEV_REV: u32 = 0x00;
/** Model choice for CORE_HW_VERSION: MAJOR 1, MINOR 0, STEP 0 (only printed by the driver). */
export const MODEL_CORE_HW_VERSION: u32 = 0x10000000;

// MAC_CTRL
export const TXEN: u32 = 1 << 0;
export const RXEN: u32 = 1 << 1;
export const TXFC: u32 = 1 << 2;
export const RXFC: u32 = 1 << 3;
export const MAC_LP_EN: u32 = 1 << 4;
export const FULLD: u32 = 1 << 5;
export const CRCE: u32 = 1 << 6;
export const PCRCE: u32 = 1 << 7;
export const FLCHK: u32 = 1 << 8;
export const HUGEN: u32 = 1 << 9;
export const PRLEN_SHIFT: u32 = 10; // [13:10]
export const VLAN_STRIP: u32 = 1 << 14;
export const PROM_MODE: u32 = 1 << 15;
export const TPAUSE: u32 = 1 << 16;
export const SIMR: u32 = 1 << 19;
export const SPEED_SHIFT: u32 = 20; // [21:20]: 1 = 10/100, 2 = 1000
export const HUGE: u32 = 1 << 23;
export const RX_CHKSUM_EN: u32 = 1 << 24;
export const MULTI_ALL: u32 = 1 << 25;
export const BROAD_EN: u32 = 1 << 26;
export const DEBUG_MODE: u32 = 1 << 27;
export const SINGLE_PAUSE_MODE: u32 = 1 << 28;

// TXQ_CTRL_0 / RXQ_CTRL_0
export const TXQ_EN: u32 = 1 << 5;
export const RXQ_EN: u32 = 1 << 31;

// MDIO_CTRL (emac-phy.c)
export const MDIO_MODE: u32 = 1 << 30;
export const MDIO_PR: u32 = 1 << 29;
export const MDIO_AP_EN: u32 = 1 << 28;
export const MDIO_BUSY: u32 = 1 << 27;
export const MDIO_CLK_SEL_MASK: u32 = 0x7000000;
export const MDIO_START: u32 = 1 << 23;
export const SUP_PREAMBLE: u32 = 1 << 22;
export const MDIO_RD_NWR: u32 = 1 << 21;
export const MDIO_REG_ADDR_MASK: u32 = 0x1f0000;
export const MDIO_REG_ADDR_SHIFT: u32 = 16;
export const MDIO_DATA_MASK: u32 = 0xffff;
// PHY_STS
export const PHY_ADDR_MASK: u32 = 0x1f0000;
export const PHY_ADDR_SHIFT: u32 = 16;

// INT_STATUS / INT_MASK (emac.h)
export const DIS_INT: u32 = 1 << 31;
export const PTP_INT: u32 = 1 << 30;
export const RFD4_UR_INT: u32 = 1 << 29;
export const TX_PKT_INT3: u32 = 1 << 26;
export const TX_PKT_INT2: u32 = 1 << 25;
export const TX_PKT_INT1: u32 = 1 << 24;
export const RX_PKT_INT3: u32 = 1 << 19;
export const RX_PKT_INT2: u32 = 1 << 18;
export const RX_PKT_INT1: u32 = 1 << 17;
export const RX_PKT_INT0: u32 = 1 << 16;
export const TX_PKT_INT: u32 = 1 << 15;
export const TXQ_TO_INT: u32 = 1 << 14;
export const GPHY_WAKEUP_INT: u32 = 1 << 13;
export const GPHY_LINK_DOWN_INT: u32 = 1 << 12;
export const GPHY_LINK_UP_INT: u32 = 1 << 11;
export const DMAW_TO_INT: u32 = 1 << 10;
export const DMAR_TO_INT: u32 = 1 << 9;
export const TXF_UR_INT: u32 = 1 << 8;
export const RFD3_UR_INT: u32 = 1 << 7;
export const RFD2_UR_INT: u32 = 1 << 6;
export const RFD1_UR_INT: u32 = 1 << 5;
export const RFD0_UR_INT: u32 = 1 << 4;
export const RXF_OF_INT: u32 = 1 << 3;
export const SW_MAN_INT: u32 = 1 << 2;
/** The driver's interrupt groups (emac.c). */
export const ISR_ERROR: u32 = DMAR_TO_INT | DMAW_TO_INT | TXQ_TO_INT; // 0x4600
export const ISR_OVER: u32 = RFD0_UR_INT | RFD1_UR_INT | RFD2_UR_INT | RFD3_UR_INT | RFD4_UR_INT | RXF_OF_INT | TXF_UR_INT; // 0x200001F8
export const ISR_TX_PKT: u32 = TX_PKT_INT | TX_PKT_INT1 | TX_PKT_INT2 | TX_PKT_INT3; // 0x07008000

// Index fields
export const RFD0_PROD_IDX_MASK: u32 = 0xfff; // MAILBOX_0 [11:0]
export const RFD0_PROC_IDX_SHIFT: u32 = 16; // MAILBOX_0 [27:16]
export const RFD0_CONS_IDX_MASK: u32 = 0xfff; // MAILBOX_3 [11:0]
export const NTPD_PROD_IDX_MASK: u32 = 0xffff; // MAILBOX_15 [15:0]
export const NTPD_CONS_IDX_SHIFT: u32 = 16; // MAILBOX_2 [31:16]

// Statistics: 23 RX counters at 0x1700, 25 TX counters at 0x1760, plus three stragglers.
export const RX_STAT_COUNT: i32 = 23;
export const TX_STAT_COUNT: i32 = 25;
// RX counter indices (order of struct emac_stats)
export const RX_OK: i32 = 0;
export const RX_BCAST: i32 = 1;
export const RX_MCAST: i32 = 2;
export const RX_PAUSE: i32 = 3;
export const RX_CTRL: i32 = 4;
export const RX_FCS_ERR: i32 = 5;
export const RX_LEN_ERR: i32 = 6;
export const RX_BYTE_CNT: i32 = 7;
export const RX_RUNT: i32 = 8;
export const RX_FRAG: i32 = 9;
export const RX_SZ_64: i32 = 10; // .. RX_SZ_1519_MAX = 16
export const RX_SZ_OV: i32 = 17;
export const RX_RXF_OV: i32 = 18;
export const RX_ALIGN_ERR: i32 = 19;
export const RX_BCAST_BYTE_CNT: i32 = 20;
export const RX_MCAST_BYTE_CNT: i32 = 21;
export const RX_ERR_ADDR: i32 = 22;
export const RX_CRC_ALIGN: i32 = 23; // 0x1bc8
export const RX_JABBERS: i32 = 24; // 0x1bcc
// TX counter indices, stored after the RX ones (TX_BASE + i)
export const TX_BASE: i32 = 25;
export const TX_OK: i32 = 0;
export const TX_BCAST: i32 = 1;
export const TX_MCAST: i32 = 2;
export const TX_BYTE_CNT: i32 = 7;
export const TX_SZ_64: i32 = 8; // .. TX_SZ_1519_MAX = 14
export const TX_UNDERRUN: i32 = 19;
export const TX_LEN_ERR: i32 = 21;
export const TX_TRUNC: i32 = 22;
export const TX_BCAST_BYTE: i32 = 23;
export const TX_MCAST_BYTE: i32 = 24;
export const TX_COL: i32 = 25; // 0x1bd0
export const STAT_SLOTS: i32 = TX_BASE + 26;

// ---- CSR wrapper region (emac-mac.h, emac.h) -----------------------------------------
export const EMAC_WRAPPER_CSR1: u32 = 0x0;
export const EMAC_WRAPPER_CSR2: u32 = 0x4;
export const EMAC_WRAPPER_TX_TS_LO: u32 = 0x104;
export const EMAC_WRAPPER_TX_TS_HI: u32 = 0x108;
export const EMAC_WRAPPER_TX_TS_INX: u32 = 0x10c;
export const FREQ_MODE: u32 = 1 << 9;
export const ENABLE_RRD_TIMESTAMP: u32 = 1 << 3;
export const PHY_RESET: u32 = 1 << 0;

// ---- SGMII / SerDes region (emac-sgmii.c, emac-sgmii-fsm9900.c, -qdf2400.c, emac.h) ----
export const SGMII_SERDES_START: u32 = 0x0000; // fsm9900: SERDES_START b0
export const SGMII_PHY_AUTONEG_CFG2: u32 = 0x0048;
export const SGMII_PHY_SPEED_CFG1: u32 = 0x0074;
export const SGMII_PHY_RESET_CTRL: u32 = 0x00a8; // qdf2400: written 0 to power up the PCS
export const SGMII_PHY_IRQ_CMD: u32 = 0x00ac;
export const SGMII_PHY_INTERRUPT_CLEAR: u32 = 0x00b0;
export const SGMII_PHY_INTERRUPT_MASK: u32 = 0x00b4;
export const SGMII_PHY_INTERRUPT_STATUS: u32 = 0x00b8;
export const QSERDES_COM_RESET_SM: u32 = 0x00bc; // fsm9900: READY b5
export const SGMII_PHY_RX_CHK_STATUS: u32 = 0x00d4; // CDR_ALIGN_DET b6
export const SGMII_PHY_LN_LANE_STATUS: u32 = 0x00dc; // qdf2400/2432: c_ready b1
export const SERDES_START: u32 = 1 << 0;
export const SERDES_READY: u32 = 1 << 5;
export const LANE_C_READY: u32 = 1 << 1;
export const CDR_ALIGN_DET: u32 = 1 << 6;
export const IRQ_GLOBAL_CLEAR: u32 = 1 << 0;
export const DECODE_CODE_ERR: u32 = 1 << 7;
export const DECODE_DISP_ERR: u32 = 1 << 6;
export const AN_ENABLE: u32 = 1 << 0;

// ---- Descriptors (emac-mac.h) -------------------------------------------------------
export const TPD_BYTES: u32 = 16;
export const RFD_BYTES: u32 = 8;
export const RRD_BYTES: u32 = 16;
// TPD word 1
export const TPD_PAYLOAD_OFFSET_MASK: u32 = 0xff; // [7:0], /2; or TCPHDR_OFFSET (bytes) with LSO
export const TPD_CSX: u32 = 1 << 8;
export const TPD_LSO: u32 = 1 << 12;
export const TPD_LSOV: u32 = 1 << 13;
export const TPD_IPV4: u32 = 1 << 16;
export const TPD_TYP: u32 = 1 << 17;
export const TPD_CXSUM_OFFSET_SHIFT: u32 = 18; // [25:18], /2
export const TPD_CXSUM_OFFSET_MASK: u32 = 0xff;
export const TPD_MSS_SHIFT: u32 = 18; // [30:18] with LSO
export const TPD_MSS_MASK: u32 = 0x1fff;
export const TPD_LAST_FRAGMENT: u32 = 1 << 31;
// TPD word 3
export const TPD_CVLAN_TAG_MASK: u32 = 0xffff;
export const TPD_INSTC: u32 = 1 << 17;
export const TPD_BUFFER_ADDR_H_SHIFT: u32 = 18; // [31:18] = address [45:32]
// RRD word 0
export const RRD_NOR_SHIFT: u32 = 16; // [19:16]
export const RRD_SI_SHIFT: u32 = 20; // [31:20]
// RRD word 3
export const RRD_PKT_SIZE_MASK: u32 = 0x3fff;
export const RRD_L4F: u32 = 1 << 14;
export const RRD_IPF: u32 = 1 << 15;
export const RRD_CVTAG: u32 = 1 << 16;
export const RRD_CRC: u32 = 1 << 21;
export const RRD_FAE: u32 = 1 << 22;
export const RRD_TRN: u32 = 1 << 23;
export const RRD_RNT: u32 = 1 << 24;
export const RRD_INC: u32 = 1 << 25;
export const RRD_FOV: u32 = 1 << 29;
export const RRD_LEN: u32 = 1 << 30;
export const RRD_UPDT: u32 = 1 << 31;
/** EMAC_RRD_ERROR in emac-mac.c: the driver drops frames with any of these. */
export const RRD_ERROR: u32 = RRD_IPF | RRD_CRC | RRD_FAE | RRD_TRN | RRD_RNT | RRD_INC | RRD_FOV | RRD_LEN;

// ---- Clause-22 PHY (include/uapi/linux/mii.h) ----------------------------------------
export const MII_BMCR: u32 = 0x00;
export const MII_BMSR: u32 = 0x01;
export const MII_PHYSID1: u32 = 0x02;
export const MII_PHYSID2: u32 = 0x03;
export const MII_ADVERTISE: u32 = 0x04;
export const MII_LPA: u32 = 0x05;
export const MII_EXPANSION: u32 = 0x06;
export const MII_CTRL1000: u32 = 0x09;
export const MII_STAT1000: u32 = 0x0a;
export const MII_ESTATUS: u32 = 0x0f;
export const BMCR_RESET: u32 = 0x8000;
export const BMCR_LOOPBACK: u32 = 0x4000;
export const BMCR_SPEED100: u32 = 0x2000;
export const BMCR_ANENABLE: u32 = 0x1000;
export const BMCR_PDOWN: u32 = 0x0800;
export const BMCR_ISOLATE: u32 = 0x0400;
export const BMCR_ANRESTART: u32 = 0x0200;
export const BMCR_FULLDPLX: u32 = 0x0100;
export const BMCR_SPEED1000: u32 = 0x0040;
/** LPA: the link partner's pause abilities (phylib's phydev->pause / asym_pause) */
export const LPA_PAUSE_CAP: u32 = 0x0400;
export const LPA_PAUSE_ASYM: u32 = 0x0800;
export const BMSR_LSTATUS: u32 = 0x0004;
export const BMSR_ANEGCOMPLETE: u32 = 0x0020;
/** BMSR without the dynamic bits: 100FD/HD, 10FD/HD, ESTATEN, MFPRESUPP, ANEGCAPABLE, ERCAP. */
export const BMSR_CAPS: u32 = 0x7949;
