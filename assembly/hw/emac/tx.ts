// The EMAC transmit engine (what emac_mac_tx_buf_send and emac_mac_tx_process
// expect). After a MAILBOX_15 write, while TXEN and TXQ_EN are set, it walks
// the TPD ring from MAILBOX_2[31:16] towards the producer index, gathers the
// buffers of one packet up to the TPD with the last-fragment bit, applies the
// offloads of the first TPD's word 1 / word 3 and puts the frame(s) on the wire:
//
//   CSX (custom checksum): ones'-complement sum from 2*PAYLOAD_OFFSET to the end,
//       stored at 2*CXSUM_OFFSET (the field holds the pseudo-header seed).
//   LSO (TSO): segments at MSS = word1[30:18] with the TCP header at
//       TCPHDR_OFFSET = word1[7:0]; IPv4 (IPV4 or LSOv1) or IPv6 (LSOV without
//       IPV4). For IPv6 the driver first queues an extra TPD (LSO|LSOV, length 0,
//       word2 = packet length), which is skipped. Per segment: IPv4 total length,
//       ID + n and header checksum; IPv6 payload length; TCP sequence number,
//       FIN/PSH only on the last segment, CWR only on the first; TCP checksum
//       from the seed in the header plus the segment's TCP length.
//   INSTC: inserts 0x8100 + the byte-swapped word3[15:0] after the addresses.
//   The MAC pads to 60 bytes and appends the FCS (CRCE); wire records carry no FCS.
//
// A packet's frames become visible to collect() and MAILBOX_2 moves past its
// last TPD (with TX_PKT_INT) when its last bit has left the wire. While one is
// on the wire the engine reads ahead the plain packets behind it (one TPD with
// the last-fragment bit, no LSO or CSX, a frame that fits), up to TXQ_MAX, and
// stages them back to back; any other packet waits until the engine is empty,
// so its errors are raised when the engine gets to it. Each packet is counted
// (TXMAC statistics) when it starts. [model choice] A packet's TPD and buffer
// are read when it is read ahead (the driver gave them to the device with the
// MAILBOX_15 write); a write to MAC_CTRL, TXQ_CTRL_0 or MAX_FRAM_LEN_CTRL makes
// the engine forget the packets that have not started, as if never read.
//
// Bad guest values: ring size 0, a producer index past the ring or a TPD ring
// outside DMA memory halt the queue (TXQ_TO_INT / DMAR_TO_INT) until the next
// INTER_SRAM_PART9 or soft reset. A zero-length TPD, a buffer outside DMA memory,
// a chain longer than the maximum frame, or offload offsets outside the frame
// drop that packet: its TPDs are consumed, TXQ_TO_INT (or DMAR_TO_INT for a bad
// buffer address) is raised, and the drop is counted.

import { clockNow } from "../clock";
import { dmaMap } from "../dma";
import { csumAdd, csumFold, load16be, store16be, load32be, store32be } from "../checksum";
import {
  wireTxStageFrame, wireTxAbort, wireTxStagedBytes, wireTxStagedCount, wireTimeNs, WIRE_MAX_FRAME,
} from "../wire";
import {
  EmacDevice, MC_TX_DROP_ERROR, MC_DMA_FAULT, TXQ_MAX, SENT_BUCKET_SHIFT, SENT_BCAST, SENT_MCAST, SENT_OVERFLOW,
} from "./emac";
import { sizeBucket } from "./rx";
import {
  MAC_CTRL, MAX_FRAM_LEN_CTRL, CRCE, TXQ_TO_INT, DMAR_TO_INT, TPD_BYTES,
  TPD_CSX, TPD_LSO, TPD_LSOV, TPD_IPV4, TPD_TYP, TPD_LAST_FRAGMENT, TPD_PAYLOAD_OFFSET_MASK,
  TPD_CXSUM_OFFSET_SHIFT, TPD_CXSUM_OFFSET_MASK, TPD_MSS_SHIFT, TPD_MSS_MASK,
  TPD_CVLAN_TAG_MASK, TPD_INSTC, TPD_BUFFER_ADDR_H_SHIFT, NTPD_PROD_IDX_MASK,
  TX_BASE, TX_TRUNC, TX_LEN_ERR,
} from "./registers";
import { copyFrame } from "../../lib/mem";

/** Largest gathered packet: a 64 KiB TSO payload plus headers. */
export const TX_GATHER_MAX: u32 = 0x10000 + 0x200;
const SEG_MAX: u32 = WIRE_MAX_FRAME;
const MIN_FRAME: u32 = 60;

let gather: usize = 0;
let segBuf: usize = 0;

function buffers(): void {
  if (gather == 0) {
    gather = heap.alloc(<usize>TX_GATHER_MAX);
    segBuf = heap.alloc(<usize>SEG_MAX);
  }
}

/** True when the TX engine has a TPD to read now (behind a busy wire: room, and no packet waiting for it to empty). */
// @ts-ignore: decorator
@inline export function txReady(d: EmacDevice): bool {
  if (d.txHalted || !d.txEnabled()) return false;
  if (d.txInFlight && (d.txAheadBlocked || d.txqLen >= TXQ_MAX)) return false;
  const prod = d.mailbox15 & NTPD_PROD_IDX_MASK;
  if (prod == d.tpdNext) return false;
  return d.txWaitProd != <i32>prod;
}

function txHalt(d: EmacDevice, bit: u32, dmaFault: bool): void {
  d.txHalted = true;
  d.count(MC_TX_DROP_ERROR);
  if (dmaFault) d.count(MC_DMA_FAULT);
  d.raise(bit);
}

/** Drops the packet whose TPDs end before `next` (the engine is empty): consume them and raise the error. */
function txDropPacket(d: EmacDevice, next: u32, bit: u32): void {
  wireTxAbort(d.wire);
  d.tpdCons = next;
  d.tpdNext = next;
  d.count(MC_TX_DROP_ERROR);
  d.raise(bit);
}

// Per-packet results of staging frames: when the packet's first frame starts on the
// wire, and the wire time of the frames staged so far (each is stamped with its end).
let txStartNs: i64 = 0;
let stagedNs: i64 = 0;
let stageError: bool = false;

/** The length of a TPD chain's frame without the FCS the buffer carries when CRCE is clear. */
// @ts-ignore: decorator
@inline function frameLen(d: EmacDevice, len: u32): u32 {
  // [model choice] Without CRCE the buffer carries its own FCS; the wire record does not.
  return (d.reg(MAC_CTRL) & CRCE) == 0 && len >= 18 ? len - 4 : len;
}

/** Whether a frame of `len` bytes (after frameLen) with word 3 `w3` can go on the wire. */
// @ts-ignore: decorator
@inline function frameFits(d: EmacDevice, len: u32, w3: u32): bool {
  const outLen = (w3 & TPD_INSTC) != 0 ? len + 4 : len;
  return !(outLen + 4 > d.reg(MAX_FRAM_LEN_CTRL) || outLen > WIRE_MAX_FRAME || len < 14);
}

/** Puts one frame (in segBuf or gather) on the TX queue with VLAN insertion and padding. */
function stageFrame(d: EmacDevice, src: usize, len: u32, w3: u32): void {
  len = frameLen(d, len);
  if (!frameFits(d, len, w3)) {
    d.stat(TX_BASE + (len < 14 ? TX_LEN_ERR : TX_TRUNC));
    stageError = true;
    return;
  }
  const padded = paddedLen(len, w3);
  stagedNs += wireTimeNs(d.wire, padded);
  d.countSent(putFrame(d, src, len, w3, padded, txStartNs + stagedNs));
}

/** The frame's length on the wire record: with the inserted tag, padded to 60 bytes. */
// @ts-ignore: decorator
@inline function paddedLen(len: u32, w3: u32): u32 {
  const outLen = (w3 & TPD_INSTC) != 0 ? len + 4 : len;
  return outLen < MIN_FRAME ? MIN_FRAME : outLen;
}

/**
 * Stages a frame that fits on the wire, its last bit out at `endNs`. Returns what the
 * MAC's counters count for it when it starts (SENT_* for countSent).
 */
// @ts-ignore: decorator
@inline function putFrame(d: EmacDevice, src: usize, len: u32, w3: u32, padded: u32, endNs: i64): u32 {
  let sent = padded | (<u32>sizeBucket(padded + 4) << SENT_BUCKET_SHIFT);
  if (load<u32>(src) == 0xffffffff && load<u16>(src + 4) == 0xffff) sent |= SENT_BCAST;
  else if (load<u8>(src) & 1) sent |= SENT_MCAST;
  const dst = wireTxStageFrame(d.wire, padded, endNs);
  if (dst == 0) return sent | SENT_OVERFLOW;
  let outLen = len;
  if ((w3 & TPD_INSTC) != 0) {
    const tci = w3 & TPD_CVLAN_TAG_MASK;
    memory.copy(dst, src, 12);
    store16be(dst + 12, 0x8100);
    // word3[15:0] holds the tag byte-swapped (EMAC_VLAN_TO_TAG)
    store<u8>(dst + 14, <u8>(tci & 0xff));
    store<u8>(dst + 15, <u8>(tci >> 8));
    memory.copy(dst + 16, src + 12, len - 12);
    outLen = len + 4;
  } else {
    copyFrame(dst, src, len);
  }
  if (padded > outLen) memory.fill(dst + outLen, 0, padded - outLen);
  return sent;
}

/** CSX: the custom checksum over [css, len) stored at cso. False if the offsets do not fit. */
function customChecksum(p: usize, len: u32, w1: u32): bool {
  const css = (w1 & TPD_PAYLOAD_OFFSET_MASK) << 1;
  const cso = ((w1 >>> TPD_CXSUM_OFFSET_SHIFT) & TPD_CXSUM_OFFSET_MASK) << 1;
  if (css >= len || cso + 2 > len) return false;
  const sum = csumFold(csumAdd(0, p + css, len - css));
  store16be(p + cso, ~sum & 0xffff);
  return true;
}

/** LSO: segments the gathered packet. False if its headers are not what LSO needs. */
function segment(d: EmacDevice, total: u32, w1: u32, w3: u32): bool {
  const mss = (w1 >>> TPD_MSS_SHIFT) & TPD_MSS_MASK;
  const tcpOff = w1 & TPD_PAYLOAD_OFFSET_MASK; // TCPHDR_OFFSET, in bytes
  if (mss == 0 || tcpOff + 20 > total) return false;
  let ipOff: u32 = (w1 & TPD_TYP) != 0 ? 22 : 14; // 802.3/LLC-SNAP or Ethernet II
  if (ipOff == 14 && load16be(gather + 12) == 0x8100) ipOff = 18;
  const v6 = (w1 & TPD_LSOV) != 0 && (w1 & TPD_IPV4) == 0;
  if (ipOff >= tcpOff) return false;
  const ver = <u32>load<u8>(gather + ipOff) >> 4;
  if (v6 ? ver != 6 : ver != 4) return false;
  const ihl = v6 ? 40 : (<u32>load<u8>(gather + ipOff) & 0xf) << 2;
  if ((!v6 && ihl < 20) || ipOff + ihl > tcpOff) return false;
  const thl = (<u32>load<u8>(gather + tcpOff + 12) >> 4) << 2;
  if (thl < 20 || tcpOff + thl > total) return false;
  const hdrLen = tcpOff + thl;
  if (hdrLen > SEG_MAX) return false;
  const payload = total - hdrLen;
  const id0 = v6 ? 0 : load16be(gather + ipOff + 4);
  const seq0 = load32be(gather + tcpOff + 4);
  const flags0 = <u32>load<u8>(gather + tcpOff + 13);

  let off: u32 = 0;
  let n: u32 = 0;
  do {
    const chunk = payload - off < mss ? payload - off : mss;
    const segLen = hdrLen + chunk;
    if (segLen > SEG_MAX) return false;
    memory.copy(segBuf, gather, hdrLen);
    memory.copy(segBuf + hdrLen, gather + hdrLen + off, chunk);
    const ip = segBuf + ipOff;
    if (v6) {
      store16be(ip + 4, segLen - ipOff - 40);
    } else {
      store16be(ip + 2, segLen - ipOff);
      store16be(ip + 4, (id0 + n) & 0xffff);
      store16be(ip + 10, 0);
      store16be(ip + 10, ~csumFold(csumAdd(0, ip, ihl)) & 0xffff);
    }
    const tcp = segBuf + tcpOff;
    store32be(tcp + 4, seq0 + off);
    const last = off + chunk >= payload;
    let fl = flags0;
    if (!last) fl &= ~0x09; // FIN, PSH only on the last segment
    if (n != 0) fl &= ~0x80; // CWR only on the first
    store<u8>(tcp + 13, <u8>fl);
    // The check field holds the pseudo-header seed without length (emac_tso_csum).
    const tcpLen = segLen - tcpOff;
    const sum = csumFold(csumAdd(<u64>tcpLen, tcp, tcpLen));
    store16be(tcp + 16, ~sum & 0xffff);
    stageFrame(d, segBuf, segLen, w3);
    if (stageError) return true;
    off += chunk;
    n++;
  } while (off < payload);
  return true;
}

/** Reads the TPD ring from tpdNext: the packets it can start or read ahead (scheduler calls this when txReady). */
export function txStart(d: EmacDevice): void {
  buffers();
  do {
    const n = d.tpdCount;
    const prod = d.mailbox15 & NTPD_PROD_IDX_MASK;
    if (n == 0 || prod >= n || d.tpdNext >= n) { txNotPlain(d, TXQ_TO_INT, false); return; }
    const ring = d.tpdRing != 0 ? d.tpdRing : dmaMap(d.tpdBase, n * TPD_BYTES);
    if (ring == 0) { txNotPlain(d, DMAR_TO_INT, true); return; }
    txPlainRun(d, ring, n, prod);
    // behind packets in the engine only plain ones are read; with it empty, the walk takes the next
    if (d.txInFlight || d.tpdNext == prod) return;
    if (!txGather(d, ring, n, prod)) return;
  } while (txReady(d));
}

/**
 * The common packets, from tpdNext on: one TPD with the last-fragment bit, no LSO or CSX,
 * its buffer in DMA memory, a frame that fits. Each goes to the wire straight from there,
 * right after the one before, as the walk of txGather would send it. Stops at any other
 * packet: behind packets in the engine it waits until the engine is empty.
 */
// @ts-ignore: decorator
@inline function txPlainRun(d: EmacDevice, ring: usize, n: u32, prod: u32): void {
  const wire = d.wire;
  const now = clockNow();
  // what each packet stages on the wire: the queue changes only here while the loop runs
  let bytes = wireTxStagedBytes(wire);
  let frames = wireTxStagedCount(wire);
  let idx = d.tpdNext;
  while (idx != prod && d.txqLen < TXQ_MAX) {
    const t = ring + <usize>idx * TPD_BYTES;
    const w1 = load<u32>(t, 4);
    const len0 = load<u32>(t) & 0xffff;
    if ((w1 & (TPD_LAST_FRAGMENT | TPD_LSO | TPD_LSOV | TPD_CSX)) != TPD_LAST_FRAGMENT || len0 == 0) break;
    const w3 = load<u32>(t, 12);
    const src = dmaMap((<u64>(w3 >>> TPD_BUFFER_ADDR_H_SHIFT) << 32) | <u64>load<u32>(t, 8), len0);
    const len = frameLen(d, len0);
    // len's first use is on every path: V8 computes it once instead of once in each block using it
    if (!frameFits(d, len, w3) || src == 0) break;
    const next = idx + 1 == n ? 0 : idx + 1;
    const padded = paddedLen(len, w3);
    const busy = wire.txBusyUntil;
    const done = (busy > now ? busy : now) + wireTimeNs(wire, padded);
    let sent = putFrame(d, src, len, w3, padded, done);
    // a packet behind another is counted when it starts (txRetire), one on an idle wire now
    if (!d.txInFlight) { d.countSent(sent); sent = 0; }
    const bytesNow = wireTxStagedBytes(wire);
    const framesNow = wireTxStagedCount(wire);
    txqPush(d, done, next, bytesNow - bytes, framesNow - frames, sent);
    bytes = bytesNow;
    frames = framesNow;
    idx = next;
  }
  if (idx != prod && d.txInFlight && d.txqLen < TXQ_MAX) d.txAheadBlocked = true;
}

/** The engine holds a packet staged on the wire: its last bit leaves at `done`, its TPDs end before `next`. */
// @ts-ignore: decorator
@inline function txqPush(d: EmacDevice, done: i64, next: u32, bytes: u32, frames: u32, sent: u32): void {
  d.wire.txBusyUntil = done;
  const e = d.txqAt(d.txqHead + d.txqLen);
  e.done = done;
  e.next = next;
  e.bytes = bytes;
  e.frames = frames;
  e.sent = sent;
  if (d.txqLen++ == 0) { d.txDoneAt = done; d.txInFlight = true; }
  d.tpdNext = next;
}

/**
 * Any packet, with the engine empty: gathers its TPDs from tpdNext up to the one with the
 * last-fragment bit and sends it with its offloads. False if none was queued (dropped,
 * or no last fragment before the producer index yet).
 */
function txGather(d: EmacDevice, ring: usize, n: u32, prod: u32): bool {
  let idx = d.tpdNext;
  let total: u32 = 0;
  let w1first: u32 = 0;
  let w3first: u32 = 0;
  let haveFirst = false;
  let extraSeen = false;
  let err: u32 = 0;
  let complete = false;
  // a packet in one buffer without LSO or CSX goes to the wire straight from DMA memory
  let direct: usize = 0;
  while (idx != prod) {
    const t = ring + <usize>idx * TPD_BYTES;
    const w0 = load<u32>(t);
    const w1 = load<u32>(t, 4);
    const w2 = load<u32>(t, 8);
    const w3 = load<u32>(t, 12);
    idx = idx + 1 == n ? 0 : idx + 1;
    const len = w0 & 0xffff;
    if (!haveFirst && !extraSeen && len == 0 && (w1 & (TPD_LSO | TPD_LSOV)) == (TPD_LSO | TPD_LSOV)) {
      extraSeen = true; // IPv6 LSOv2 extra TPD: word2 is the packet length
      if (w1 & TPD_LAST_FRAGMENT) { err = TXQ_TO_INT; complete = true; break; }
      continue;
    }
    if (!haveFirst) { w1first = w1; w3first = w3; haveFirst = true; }
    if (err == 0) {
      if (len == 0 || <u64>total + <u64>len > <u64>TX_GATHER_MAX) {
        err = TXQ_TO_INT;
      } else {
        const addr = (<u64>(w3 >>> TPD_BUFFER_ADDR_H_SHIFT) << 32) | <u64>w2;
        const src = dmaMap(addr, len);
        if (src == 0) { err = DMAR_TO_INT; d.count(MC_DMA_FAULT); }
        else if (total == 0 && (w1 & (TPD_LAST_FRAGMENT | TPD_LSO | TPD_CSX)) == TPD_LAST_FRAGMENT) { direct = src; total = len; }
        else { memory.copy(gather + total, src, len); total += len; }
      }
    }
    if (w1 & TPD_LAST_FRAGMENT) { complete = true; break; }
  }
  if (!complete) {
    // No last fragment before the producer index: wait for the driver to produce more.
    d.txWaitProd = <i32>prod;
    return false;
  }
  if (err != 0) { txDropPacket(d, idx, err); return false; }
  return txSend(d, direct != 0 ? direct : gather, total, w1first, w3first, idx);
}

/** A ring the engine cannot read: halt, or behind packets in the engine, wait until it is empty. */
function txNotPlain(d: EmacDevice, bit: u32, dmaFault: bool): void {
  if (d.txInFlight) d.txAheadBlocked = true;
  else txHalt(d, bit, dmaFault);
}

/**
 * Puts the gathered packet [p, p+total) on the wire with its offloads (the engine is
 * empty); its TPDs end before `next`. False if it was dropped.
 */
function txSend(d: EmacDevice, p: usize, total: u32, w1first: u32, w3first: u32, next: u32): bool {
  const now = clockNow();
  txStartNs = d.wire.txBusyUntil > now ? d.wire.txBusyUntil : now;
  stagedNs = 0;
  stageError = false;
  let ok = true;
  if ((w1first & TPD_LSO) != 0) {
    ok = segment(d, total, w1first, w3first);
  } else {
    if ((w1first & TPD_CSX) != 0) ok = customChecksum(p, total, w1first);
    if (ok) stageFrame(d, p, total, w3first);
  }
  if (!ok || stageError) { txDropPacket(d, next, TXQ_TO_INT); return false; }
  txqPush(d, txStartNs + stagedNs, next, wireTxStagedBytes(d.wire), wireTxStagedCount(d.wire), 0);
  return true;
}
