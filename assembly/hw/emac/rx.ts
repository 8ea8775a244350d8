// The EMAC receive engine: one frame from the wire into the guest's RFD/RRD
// rings (what emac_mac_rx_process and emac_mac_rx_descs_refill expect).
//
//   MAC:  RXEN and RXQ_CTRL_0.RXQ_EN gate everything; address filter (station
//         address, broadcast with BROAD_EN, multicast hash or MULTI_ALL,
//         PROM_MODE); frames longer than MAX_FRAM_LEN_CTRL are dropped.
//   DMA:  take RFD[rfdCons] if the driver has produced it (never the slot at the
//         producer index), copy at most DESC_CTRL_4 bytes into its buffer
//         (VLAN tag stripped with VLAN_STRIP), write RRD[rrdProd] words 0..2 and
//         then word 3 with UPDT, advance MAILBOX_3, raise RX_PKT_INT0.
//   No free RFD: drop, count (rx_rxf_ov) and raise RFD0_UR_INT.
//   Bad guest values (ring size 0, producer index past the ring, ring or buffer
//   outside DMA memory, buffer size 0): the RX queue halts until the next
//   INTER_SRAM_PART9 or soft reset, DMAR_TO_INT (reading a descriptor) or
//   DMAW_TO_INT (writing a buffer or RRD) is raised and the frame is counted.

import { dmaMap } from "../dma";
import { csumAdd, csumFold, load16be, etherCrc, ipHeaderSum } from "../checksum";
import { WIRE_FLAG_BAD_FCS } from "../wire";
import {
  EmacDevice, MC_RX_DELIVERED, MC_RX_DROP_DISABLED, MC_RX_DROP_FILTER, MC_RX_DROP_NO_RFD,
  MC_RX_DROP_RRD_BUSY, MC_RX_DROP_OVERSIZE, MC_RX_DROP_ERROR, MC_DMA_FAULT, MC_RX_DROP_HALTED,
} from "./emac";
import {
  MAC_CTRL, HASH_TAB_REG0, HASH_TAB_REG1, MAX_FRAM_LEN_CTRL,
  PROM_MODE, BROAD_EN, MULTI_ALL, VLAN_STRIP, RX_PKT_INT0, RFD0_UR_INT, RXF_OF_INT,
  DMAR_TO_INT, DMAW_TO_INT, RFD_BYTES, RRD_BYTES, RRD_NOR_SHIFT, RRD_SI_SHIFT,
  RRD_PKT_SIZE_MASK, RRD_L4F, RRD_IPF, RRD_CVTAG, RRD_CRC, RRD_TRN, RRD_UPDT,
  RX_OK, RX_BCAST, RX_MCAST, RX_FCS_ERR, RX_BYTE_CNT, RX_SZ_64, RX_SZ_OV, RX_RXF_OV,
  RX_BCAST_BYTE_CNT, RX_MCAST_BYTE_CNT, RX_ERR_ADDR,
} from "./registers";
import { copyFrame } from "../../lib/mem";

const ETH_P_8021Q: u32 = 0x8100;
const ETH_P_IP: u32 = 0x0800;
const ETH_P_IPV6: u32 = 0x86dd;

/** Size bucket index for a frame of `wireLen` bytes including FCS (64, 65-127, ... 1519+). */
export function sizeBucket(wireLen: u32): i32 {
  if (wireLen <= 64) return 0;
  if (wireLen <= 127) return 1;
  if (wireLen <= 255) return 2;
  if (wireLen <= 511) return 3;
  if (wireLen <= 1023) return 4;
  if (wireLen <= 1518) return 5;
  return 6;
}

function isBroadcast(p: usize): bool {
  return load<u32>(p) == 0xffffffff && load<u16>(p + 4) == 0xffff;
}

/** The MAC address filter (emac_rx_mode_set / emac_mac_multicast_addr_set). */
export function rxAddressMatch(d: EmacDevice, p: usize): bool {
  const ctrl = d.reg(MAC_CTRL);
  if (ctrl & PROM_MODE) return true;
  if (isBroadcast(p)) return (ctrl & BROAD_EN) != 0;
  if (load<u8>(p) & 1) {
    if (ctrl & MULTI_ALL) return true;
    const crc = etherCrc(p, 6);
    const bit = (crc >>> 26) & 0x1f;
    const reg = (crc >>> 31) != 0 ? d.reg(HASH_TAB_REG1) : d.reg(HASH_TAB_REG0);
    return ((reg >>> bit) & 1) != 0;
  }
  // the station address (MAC_STA_ADDR0/1, as the write handler keeps it)
  return load<u32>(p) == d.staLo && <u32>load<u16>(p, 4) == d.staHi;
}

/**
 * Checks the IPv4 header checksum and the TCP/UDP checksum of an IPv4 or IPv6
 * frame (no IPv6 extension headers, no IP fragments) and returns RRD_IPF /
 * RRD_L4F bits. [model choice] The check runs whatever RX_CHKSUM_EN says: the
 * driver clears that bit yet trusts L4F=0 (CHECKSUM_UNNECESSARY).
 */
export function rxChecksumFlags(p: usize, len: u32): u32 {
  let l3: u32 = 14;
  if (len < 14) return 0;
  let type = load16be(p + 12);
  if (type == ETH_P_8021Q) {
    if (len < 18) return 0;
    type = load16be(p + 16);
    l3 = 18;
  }
  let l4: u32 = 0;
  let l4len: u32 = 0;
  let proto: u32 = 0;
  // the pseudo header's addresses: summed only for a checksum that is checked
  let addrs: usize = 0;
  let addrLen: u32 = 0;
  if (type == ETH_P_IP) {
    if (l3 + 20 > len) return 0;
    const vihl = <u32>load<u8>(p + l3);
    const ihl = (vihl & 0xf) << 2;
    if ((vihl >> 4) != 4 || ihl < 20 || l3 + ihl > len) return 0;
    if (ipHeaderSum(p + l3, ihl >> 2) != 0xffff) return RRD_IPF;
    const tot = load16be(p + l3 + 2);
    if (tot < ihl || l3 + tot > len) return 0;
    if ((load16be(p + l3 + 6) & 0x3fff) != 0) return 0; // fragment
    proto = <u32>load<u8>(p + l3 + 9);
    l4 = l3 + ihl;
    l4len = tot - ihl;
    addrs = p + l3 + 12; addrLen = 8; // saddr, daddr
  } else if (type == ETH_P_IPV6) {
    if (l3 + 40 > len) return 0;
    if ((<u32>load<u8>(p + l3) >> 4) != 6) return 0;
    const plen = load16be(p + l3 + 4);
    if (l3 + 40 + plen > len) return 0;
    proto = <u32>load<u8>(p + l3 + 6);
    l4 = l3 + 40;
    l4len = plen;
    addrs = p + l3 + 8; addrLen = 32;
  } else {
    return 0;
  }
  if (proto == 6) {
    if (l4len < 20) return RRD_L4F;
  } else if (proto == 17) {
    if (l4len < 8) return RRD_L4F;
    if (type == ETH_P_IP && load16be(p + l4 + 6) == 0) return 0; // no UDP checksum
  } else {
    return 0;
  }
  let sum = csumAdd(<u64>proto + <u64>l4len, addrs, addrLen);
  sum = csumAdd(sum, p + l4, l4len);
  return csumFold(sum) == 0xffff ? 0 : RRD_L4F;
}

function rxHalt(d: EmacDevice, bit: u32, dmaFault: bool): void {
  d.rxHalted = true;
  d.rxReady = false;
  d.count(MC_RX_DROP_ERROR);
  if (dmaFault) d.count(MC_DMA_FAULT);
  d.raise(bit);
}

/** No free RFD: the slot at the producer index is never used, at most (prod - cons) mod n are free. */
function rxNoFreeRfd(d: EmacDevice): void {
  d.stat(RX_RXF_OV);
  d.count(MC_RX_DROP_NO_RFD);
  d.raise(RFD0_UR_INT);
}

/** Receives one frame (no FCS) of `len` bytes at `p` with wire flags `wflags`. */
export function emacReceive(d: EmacDevice, p: usize, len: u32, wflags: u32): void {
  // what only a config write or a halt changes, checked once (rxReady) while it holds
  const ready = d.rxReady;
  if (!ready) {
    // No RX before emac_mac_start sets RXEN and RXQ_EN: nothing reaches the DMA.
    if (!d.rxEnabled()) { d.count(MC_RX_DROP_DISABLED); return; }
    if (d.rxHalted) { d.count(MC_RX_DROP_HALTED); return; }
  }
  if (len < 14) { d.count(MC_RX_DROP_FILTER); return; }

  if (!rxAddressMatch(d, p)) {
    d.stat(RX_ERR_ADDR);
    d.count(MC_RX_DROP_FILTER);
    return;
  }
  if (len + 4 > d.reg(MAX_FRAM_LEN_CTRL)) {
    d.stat(RX_SZ_OV);
    d.count(MC_RX_DROP_OVERSIZE);
    return;
  }

  const n = d.rfdCount;
  const prod = d.rfdProducer();
  const cons = d.rfdCons;
  let rfd: usize;
  let rrd: usize;
  if (ready) {
    // the rings are latched, sane and in DMA memory: only the producer index can be wrong
    if (prod >= n) { rxHalt(d, DMAR_TO_INT, false); return; }
    if (prod == cons) { rxNoFreeRfd(d); return; }
    rfd = d.rfdRing + <usize>cons * RFD_BYTES;
    rrd = d.rrdRing + <usize>d.rrdProd * RRD_BYTES;
  } else {
    // Ring sanity: what INTER_SRAM_PART9 latched and what the driver produced.
    if (n == 0 || d.rrdCount != n || d.rxBufSize == 0 || prod >= n || cons >= n) { rxHalt(d, DMAR_TO_INT, false); return; }
    if (prod == cons) { rxNoFreeRfd(d); return; }
    rfd = d.rfdRing != 0 ? d.rfdRing + <usize>cons * RFD_BYTES : dmaMap(d.rfdBase + <u64>cons * RFD_BYTES, RFD_BYTES);
    if (rfd == 0) { rxHalt(d, DMAR_TO_INT, true); return; }
    rrd = d.rrdRing != 0 ? d.rrdRing + <usize>d.rrdProd * RRD_BYTES : dmaMap(d.rrdBase + <u64>d.rrdProd * RRD_BYTES, RRD_BYTES);
    if (rrd == 0) { rxHalt(d, DMAW_TO_INT, true); return; }
  }
  // The driver owns an RRD until it clears UPDT; never overwrite one it has not consumed.
  if ((load<u32>(rrd, 12) & RRD_UPDT) != 0) {
    d.stat(RX_RXF_OV);
    d.count(MC_RX_DROP_RRD_BUSY);
    d.raise(RXF_OF_INT);
    return;
  }

  // VLAN strip
  let vlanTag: u32 = 0;
  let stripped = false;
  if ((d.reg(MAC_CTRL) & VLAN_STRIP) != 0 && len >= 18 && load16be(p + 12) == ETH_P_8021Q) {
    stripped = true;
    vlanTag = load16be(p + 14);
  }
  const outLen = stripped ? len - 4 : len;
  const bufSize = d.rxBufSize;
  // [model choice] A frame longer than the RFD buffer is cut at DESC_CTRL_4 bytes and
  // marked TRN (an RRD error bit), so the driver recycles the RFD. The hardware
  // probably chains RFDs (NOR > 1), which the mainline driver cannot handle.
  // (Used here, before any branch, so V8 computes the lengths once, not in each block.)
  let flags: u32 = outLen > bufSize ? RRD_TRN : 0;
  const copyLen = outLen > bufSize ? bufSize : outLen;
  const bufAddr = (<u64>load<u32>(rfd, 4) << 32) | <u64>load<u32>(rfd);
  const buf = dmaMap(bufAddr, copyLen);
  if (buf == 0) { rxHalt(d, DMAW_TO_INT, true); return; }

  flags |= rxChecksumFlags(p, len);
  if (wflags & WIRE_FLAG_BAD_FCS) flags |= RRD_CRC;

  if (stripped) {
    memory.copy(buf, p, copyLen < 12 ? <usize>copyLen : <usize>12);
    if (copyLen > 12) memory.copy(buf + 12, p + 16, copyLen - 12);
    flags |= RRD_CVTAG;
  } else {
    copyFrame(buf, p, copyLen);
  }

  // RRD: words 0..2 first, word 3 (with UPDT) last, then the index moves.
  store<u32>(rrd, (cons << RRD_SI_SHIFT) | (1 << RRD_NOR_SHIFT));
  store<u32>(rrd, 0, 4);
  store<u32>(rrd, stripped ? (((vlanTag & 0xff) << 8) | ((vlanTag >> 8) & 0xff)) : 0, 8);
  store<u32>(rrd, ((outLen + 4) & RRD_PKT_SIZE_MASK) | flags | RRD_UPDT, 12);
  // both indices are below n (checked above): the next one without a division
  d.rfdCons = cons + 1 >= n ? 0 : cons + 1;
  d.rrdProd = d.rrdProd + 1 >= n ? 0 : d.rrdProd + 1;
  d.count(MC_RX_DELIVERED);

  // Statistics: good frames and bytes without FCS, size buckets with FCS.
  if (flags & RRD_CRC) d.stat(RX_FCS_ERR);
  else if (flags & RRD_TRN) d.stat(RX_SZ_OV);
  else {
    d.stat(RX_OK);
    d.stat(RX_BYTE_CNT, len);
    d.stat(RX_SZ_64 + sizeBucket(len + 4));
    if (isBroadcast(p)) { d.stat(RX_BCAST); d.stat(RX_BCAST_BYTE_CNT, len); }
    else if (load<u8>(p) & 1) { d.stat(RX_MCAST); d.stat(RX_MCAST_BYTE_CNT, len); }
  }
  d.raise(RX_PKT_INT0);
}
