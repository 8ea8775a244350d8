// Register offsets and bits of the Qualcomm EMAC for host-side drivers and
// tests; the same facts as assembly/hw/emac/registers.ts (from the mainline
// driver, drivers/net/ethernet/qualcomm/emac/).

export const EMAC = {
  DMA_MAS_CTRL: 0x1400, IRQ_MOD_TIM_INIT: 0x1408, BLK_IDLE_STS: 0x140c, MDIO_CTRL: 0x1414,
  PHY_STS: 0x1418, MAC_CTRL: 0x1480, MAC_IPGIFG_CTRL: 0x1484, MAC_STA_ADDR0: 0x1488, MAC_STA_ADDR1: 0x148c,
  HASH_TAB_REG0: 0x1490, HASH_TAB_REG1: 0x1494, MAX_FRAM_LEN_CTRL: 0x149c, INTER_SRAM_PART9: 0x1534,
  DESC_CTRL_0: 0x1540, DESC_CTRL_1: 0x1544, DESC_CTRL_2: 0x1550, DESC_CTRL_3: 0x1560, DESC_CTRL_4: 0x1564,
  DESC_CTRL_5: 0x1568, DESC_CTRL_6: 0x1578, DESC_CTRL_8: 0x1580, DESC_CTRL_9: 0x1584, DESC_CTRL_11: 0x1588,
  TXQ_CTRL_0: 0x1590, TXQ_CTRL_1: 0x1594, TXQ_CTRL_2: 0x1598,
  RXQ_CTRL_0: 0x15a0, RXQ_CTRL_1: 0x15a4, RXQ_CTRL_2: 0x15a8, RXQ_CTRL_3: 0x15ac, DMA_CTRL: 0x15c0,
  MAILBOX_0: 0x15e0, MAILBOX_2: 0x15f4, MAILBOX_3: 0x15f8, INT_STATUS: 0x1600, INT_MASK: 0x1604,
  AXI_MAST_CTRL: 0x1610, ATHR_HEADER_CTRL: 0x1620, RXMAC_STATC_REG0: 0x1700, TXMAC_STATC_REG0: 0x1760,
  CLK_GATE_CTRL: 0x1814, CORE_HW_VERSION: 0x1974, MISC_CTRL: 0x1990,
  RXMAC_STATC_REG23: 0x1bc8, RXMAC_STATC_REG24: 0x1bcc, TXMAC_STATC_REG25: 0x1bd0, MAILBOX_15: 0x1bd4,
} as const;

export const CSR = { CSR1: 0x0, CSR2: 0x4, FREQ_MODE: 1 << 9 } as const;

export const SGMII = {
  SERDES_START: 0x0, AUTONEG_CFG2: 0x48, RESET_CTRL: 0xa8, IRQ_CMD: 0xac, INTERRUPT_CLEAR: 0xb0,
  INTERRUPT_MASK: 0xb4, INTERRUPT_STATUS: 0xb8, QSERDES_COM_RESET_SM: 0xbc, LN_LANE_STATUS: 0xdc,
  SERDES_READY: 1 << 5, LANE_C_READY: 1 << 1, IRQ_GLOBAL_CLEAR: 1, AN_ENABLE: 1,
  FORCE_AN_RX_CFG: 1 << 4, FORCE_AN_TX_CFG: 1 << 5, DECODE_CODE_ERR: 1 << 7, DECODE_DISP_ERR: 1 << 6,
} as const;

// DMA_MAS_CTRL
export const SOFT_RST = 0x1, LPW_MODE = 0x10, IRQ_MODERATOR_EN = 0x400, IRQ_MODERATOR2_EN = 0x800,
  INT_RD_CLR_EN = 0x4000;
// MAC_CTRL
export const TXEN = 1 << 0, RXEN = 1 << 1, TXFC = 1 << 2, RXFC = 1 << 3, MAC_LP_EN = 1 << 4, FULLD = 1 << 5,
  CRCE = 1 << 6, PCRCE = 1 << 7, FLCHK = 1 << 8, HUGEN = 1 << 9, PRLEN_SHIFT = 10, VLAN_STRIP = 1 << 14,
  PROM_MODE = 1 << 15, TPAUSE = 1 << 16, SIMR = 1 << 19, SPEED_SHIFT = 20, HUGE = 1 << 23,
  RX_CHKSUM_EN = 1 << 24, MULTI_ALL = 1 << 25, BROAD_EN = 1 << 26, DEBUG_MODE = 1 << 27,
  SINGLE_PAUSE_MODE = 1 << 28;
export const TXQ_EN = 1 << 5, RXQ_EN = 1 << 31 >>> 0;
// MDIO_CTRL / PHY_STS
export const MDIO_AP_EN = 1 << 28, MDIO_BUSY = 1 << 27, MDIO_START = 1 << 23, SUP_PREAMBLE = 1 << 22,
  MDIO_RD_NWR = 1 << 21, MDIO_REG_ADDR_SHIFT = 16, PHY_ADDR_SHIFT = 16, PHY_ADDR_MASK = 0x1f0000;
// INT_STATUS / INT_MASK
export const DIS_INT = 0x80000000, RFD4_UR_INT = 1 << 29, RX_PKT_INT0 = 1 << 16, TX_PKT_INT = 1 << 15,
  TXQ_TO_INT = 1 << 14, DMAW_TO_INT = 1 << 10, DMAR_TO_INT = 1 << 9, TXF_UR_INT = 1 << 8,
  RFD0_UR_INT = 1 << 4, RXF_OF_INT = 1 << 3;
export const ISR_ERROR = 0x4600, ISR_OVER = 0x200001f8, ISR_TX_PKT = 0x07008000;
/** The driver's interrupt mask (emac_probe): RX_PKT_INT0 | ISR_ERROR | ISR_OVER | ISR_TX_PKT. */
export const EMAC_IRQ_MASK = 0x2701c7f8;

// TPD word 1 / word 3
export const TPD_CSX = 1 << 8, TPD_LSO = 1 << 12, TPD_LSOV = 1 << 13, TPD_IPV4 = 1 << 16, TPD_TYP = 1 << 17,
  TPD_CXSUM_OFFSET_SHIFT = 18, TPD_MSS_SHIFT = 18, TPD_LAST_FRAGMENT = 0x80000000,
  TPD_INSTC = 1 << 17, TPD_BUFFER_ADDR_H_SHIFT = 18;
// RRD word 0 / word 3
export const RRD_NOR_SHIFT = 16, RRD_SI_SHIFT = 20, RRD_PKT_SIZE_MASK = 0x3fff, RRD_L4F = 1 << 14,
  RRD_IPF = 1 << 15, RRD_CVTAG = 1 << 16, RRD_CRC = 1 << 21, RRD_FAE = 1 << 22, RRD_TRN = 1 << 23,
  RRD_RNT = 1 << 24, RRD_INC = 1 << 25, RRD_FOV = 1 << 29, RRD_LEN = 1 << 30, RRD_UPDT = 0x80000000;
/** EMAC_RRD_ERROR (emac-mac.c): frames with any of these bits are dropped by the driver. */
export const RRD_ERROR = (RRD_IPF | RRD_CRC | RRD_FAE | RRD_TRN | RRD_RNT | RRD_INC | RRD_FOV | RRD_LEN) >>> 0;

// MII (clause 22)
export const MII = {
  BMCR: 0, BMSR: 1, PHYSID1: 2, PHYSID2: 3, ADVERTISE: 4, LPA: 5, CTRL1000: 9, STAT1000: 10,
  BMCR_RESET: 0x8000, BMCR_ANENABLE: 0x1000, BMCR_ANRESTART: 0x200, BMCR_PDOWN: 0x800,
  BMSR_LSTATUS: 0x4, BMSR_ANEGCOMPLETE: 0x20,
} as const;

/** RX statistics counters in the order of struct emac_stats (0x1700 + 4 * i). */
export const RX_STAT_NAMES = [
  'rx_ok', 'rx_bcast', 'rx_mcast', 'rx_pause', 'rx_ctrl', 'rx_fcs_err', 'rx_len_err', 'rx_byte_cnt',
  'rx_runt', 'rx_frag', 'rx_sz_64', 'rx_sz_65_127', 'rx_sz_128_255', 'rx_sz_256_511', 'rx_sz_512_1023',
  'rx_sz_1024_1518', 'rx_sz_1519_max', 'rx_sz_ov', 'rx_rxf_ov', 'rx_align_err', 'rx_bcast_byte_cnt',
  'rx_mcast_byte_cnt', 'rx_err_addr',
] as const;
/** TX statistics counters in the order of struct emac_stats (0x1760 + 4 * i). */
export const TX_STAT_NAMES = [
  'tx_ok', 'tx_bcast', 'tx_mcast', 'tx_pause', 'tx_exc_defer', 'tx_ctrl', 'tx_defer', 'tx_byte_cnt',
  'tx_sz_64', 'tx_sz_65_127', 'tx_sz_128_255', 'tx_sz_256_511', 'tx_sz_512_1023', 'tx_sz_1024_1518',
  'tx_sz_1519_max', 'tx_1_col', 'tx_2_col', 'tx_late_col', 'tx_abort_col', 'tx_underrun', 'tx_rd_eop',
  'tx_len_err', 'tx_trunc', 'tx_bcast_byte', 'tx_mcast_byte',
] as const;
