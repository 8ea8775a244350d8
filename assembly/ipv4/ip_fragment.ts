// net/ipv4/ip_fragment.c and net/ipv4/inet_fragment.c: reassembly of
// fragments addressed to us (ip_defrag → ip_find, ip_frag_queue,
// inet_frag_queue_insert, ip_frag_reasm, ip_expire). Queues are keyed by
// (saddr, daddr, id, protocol) in a fixed table; fragments stay in their skbs
// (linked through fragNext, sorted by offset); memory is bounded by
// ipfrag_high_thresh (bytes of queued skbs) and by a share of the skb pool.
// CONTRACT: takes a fragment skb (data at the IP header); returns the skb of
// the whole datagram when this fragment completed one, else -1 (queued or
// dropped with a reason). Uses the box's virtual time for ipfrag_time.
import {
  SKB_POOL, skbLen, skbDataPtr, skbDev, skbIif, skbPktType, skbMark, skbRtDev, skbRtType, skbRtFlags, skbRtGw, skbRtError,
  SKB_MAX_FRAME, skbData, skbBufSize, skbCopyExpand, skbFree, skbLargeScarce,
} from "../core/skbuff";
import {
  kfree_skb_reason, kfree_skb, consume_skb, SKB_DROP_REASON_NOT_SPECIFIED, SKB_DROP_REASON_DUP_FRAG,
  SKB_DROP_REASON_FRAG_REASM_TIMEOUT, SKB_DROP_REASON_PKT_TOO_BIG, SKB_DROP_REASON_NOMEM,
} from "../core/dropreason";
import { clockNow, CLOCK_NEVER } from "../hw/clock";
import { load16be, load32be, store16be } from "../hw/checksum";
import {
  mibInc, MIB_IpReasmReqds, MIB_IpReasmOKs, MIB_IpReasmFails, MIB_IpReasmTimeout, MIB_IpExtReasmOverlaps,
} from "./snmp";
import { ipfragTime, ipfragHighThresh } from "./sysctl_net_ipv4";
import { icmp_send, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME } from "./icmp";
import { ipSendCheck } from "./xmit";

const IP_DF: u32 = 0x4000, IP_MF: u32 = 0x2000, IP_OFFSET: u32 = 0x1fff;
const INET_FRAG_FIRST_IN: u8 = 1, INET_FRAG_LAST_IN: u8 = 2, INET_FRAG_COMPLETE: u8 = 4;
/** what one queued fragment costs against ipfrag_high_thresh besides its bytes (sk_buff + shared info) */
const SKB_OVERHEAD: i64 = 576;

export const IPQ_MAX: i32 = 64;
/** at most this many skbs of the pool sit in reassembly queues (the pool's budget: see skbuff.ts) */
export const FRAG_SKB_MAX: i32 = SKB_POOL / 8;

const qUsed = new StaticArray<bool>(IPQ_MAX);
const qSaddr = new StaticArray<u32>(IPQ_MAX);
const qDaddr = new StaticArray<u32>(IPQ_MAX);
const qId = new StaticArray<u16>(IPQ_MAX);
const qProto = new StaticArray<u8>(IPQ_MAX);
const qFlags = new StaticArray<u8>(IPQ_MAX);
const qLen = new StaticArray<u32>(IPQ_MAX);   // total payload length once known
const qMeat = new StaticArray<u32>(IPQ_MAX);  // payload bytes received
const qHead = new StaticArray<i32>(IPQ_MAX);  // first fragment (lowest offset), -1 = none
const qExpires = new StaticArray<i64>(IPQ_MAX);
const qMem = new StaticArray<i64>(IPQ_MAX);
const qMaxSize = new StaticArray<u32>(IPQ_MAX);
const qMaxDf = new StaticArray<u32>(IPQ_MAX);
const qCount = new StaticArray<i32>(IPQ_MAX);

const fragOff = new StaticArray<u32>(SKB_POOL);
const fragEnd = new StaticArray<u32>(SKB_POOL);
const fragNext = new StaticArray<i32>(SKB_POOL);

let fragMem: i64 = 0;
let fragSkbs: i32 = 0;
let nextExpiry: i64 = CLOCK_NEVER;

/** bytes held by reassembly queues (frag_mem_limit) */
export function ipfragMem(): i64 { return fragMem; }
/** fragments held */
export function ipfragQueued(): i32 { return fragSkbs; }
/** queues alive */
export function ipfragQueues(): i32 { let n = 0; for (let i = 0; i < IPQ_MAX; i++) if (unchecked(qUsed[i])) n++; return n; }

function recomputeExpiry(): void {
  let t = CLOCK_NEVER;
  for (let i = 0; i < IPQ_MAX; i++) if (unchecked(qUsed[i]) && unchecked(qExpires[i]) < t) t = unchecked(qExpires[i]);
  nextExpiry = t;
}

/** inet_frag_kill() + inet_frag_destroy(): the queue goes, its fragments are freed with `reason` */
function qKill(q: i32, reason: u16): void {
  let s = unchecked(qHead[q]);
  while (s >= 0) {
    const n = unchecked(fragNext[s]);
    kfree_skb_reason(s, reason);
    s = n;
  }
  fragMem -= unchecked(qMem[q]);
  fragSkbs -= unchecked(qCount[q]);
  unchecked(qUsed[q] = false);
  unchecked(qHead[q] = -1);
  if (unchecked(qExpires[q]) <= nextExpiry) recomputeExpiry();
}

/** ip_find() → inet_frag_find(): the queue of this datagram, created if needed; -1 when over the limits */
function ipFind(saddr: u32, daddr: u32, id: u16, proto: u8): i32 {
  let free = -1;
  for (let i = 0; i < IPQ_MAX; i++) {
    if (!unchecked(qUsed[i])) { if (free < 0) free = i; continue; }
    if (unchecked(qSaddr[i]) == saddr && unchecked(qDaddr[i]) == daddr && unchecked(qId[i]) == id && unchecked(qProto[i]) == proto) return i;
  }
  if (free < 0 || ipfragHighThresh == 0 || fragMem > ipfragHighThresh || fragSkbs >= FRAG_SKB_MAX) return -1;
  const q = free;
  unchecked(qUsed[q] = true); unchecked(qSaddr[q] = saddr); unchecked(qDaddr[q] = daddr); unchecked(qId[q] = id);
  unchecked(qProto[q] = proto); unchecked(qFlags[q] = 0); unchecked(qLen[q] = 0); unchecked(qMeat[q] = 0);
  unchecked(qHead[q] = -1); unchecked(qMem[q] = 0); unchecked(qMaxSize[q] = 0); unchecked(qMaxDf[q] = 0); unchecked(qCount[q] = 0);
  const exp = clockNow() + <i64>ipfragTime * 1000000000;
  unchecked(qExpires[q] = exp);
  if (exp < nextExpiry) nextExpiry = exp;
  return q;
}

const IPFRAG_OK: i32 = 0, IPFRAG_DUP: i32 = 1, IPFRAG_OVERLAP: i32 = 2;

/** inet_frag_queue_insert(): sorted by offset; inside an existing run → DUP, a partial overlap → OVERLAP */
function queueInsert(q: i32, skb: i32, off: u32, end: u32): i32 {
  let prev = -1, cur = unchecked(qHead[q]);
  while (cur >= 0 && unchecked(fragOff[cur]) < off) { prev = cur; cur = unchecked(fragNext[cur]); }
  // overlap with the previous one or the following ones?
  const overlapsPrev = prev >= 0 && unchecked(fragEnd[prev]) > off;
  const overlapsNext = cur >= 0 && unchecked(fragOff[cur]) < end;
  if (overlapsPrev || overlapsNext) {
    // the run (adjacent fragments) holding the overlapped part: is [off, end) entirely inside it?
    let runStart = unchecked(qHead[q]);
    let s = runStart;
    let runOff = unchecked(fragOff[s]), runEnd = unchecked(fragEnd[s]);
    while (s >= 0) {
      const n = unchecked(fragNext[s]);
      if (n >= 0 && unchecked(fragOff[n]) == unchecked(fragEnd[s])) { runEnd = unchecked(fragEnd[n]); s = n; continue; }
      if (off < runEnd && end > runOff) return off >= runOff && end <= runEnd ? IPFRAG_DUP : IPFRAG_OVERLAP;
      if (n < 0) break;
      s = n; runOff = unchecked(fragOff[n]); runEnd = unchecked(fragEnd[n]);
    }
    return IPFRAG_OVERLAP;
  }
  unchecked(fragOff[skb] = off); unchecked(fragEnd[skb] = end);
  unchecked(fragNext[skb] = cur);
  if (prev >= 0) unchecked(fragNext[prev] = skb); else unchecked(qHead[q] = skb);
  return IPFRAG_OK;
}

/** ip_defrag() */
export function ip_defrag(skb: i32): i32 {
  mibInc(MIB_IpReasmReqds);
  const iph = skbDataPtr(skb);
  const q = skbLargeScarce(skb) ? -1 : ipFind(load32be(iph + 12), load32be(iph + 16), <u16>load16be(iph + 4), load<u8>(iph + 9));
  if (q < 0) {
    mibInc(MIB_IpReasmFails);
    kfree_skb(skb);
    return -1;
  }
  return ipFragQueue(q, skb, iph);
}

function discardQp(q: i32, skb: i32): i32 {
  qKill(q, SKB_DROP_REASON_FRAG_REASM_TIMEOUT);
  mibInc(MIB_IpReasmFails);
  kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED);
  return -1;
}

/** ip_frag_queue() */
function ipFragQueue(q: i32, skb: i32, iph: usize): i32 {
  if (unchecked(qFlags[q]) & INET_FRAG_COMPLETE) { kfree_skb_reason(skb, SKB_DROP_REASON_NOT_SPECIFIED); return -1; }
  const fo = load16be(iph + 6);
  const flags = fo & ~IP_OFFSET;
  const offset = (fo & IP_OFFSET) << 3;
  const ihl = (<u32>load<u8>(iph) & 15) << 2;
  let end = offset + unchecked(skbLen[skb]) - ihl;
  if ((flags & IP_MF) == 0) {
    // the last fragment: nothing may lie beyond it, and a second last one must agree
    if (end < unchecked(qLen[q]) || ((unchecked(qFlags[q]) & INET_FRAG_LAST_IN) != 0 && end != unchecked(qLen[q]))) return discardQp(q, skb);
    unchecked(qFlags[q] = qFlags[q] | INET_FRAG_LAST_IN);
    unchecked(qLen[q] = end);
  } else {
    if (end & 7) end &= ~7;
    if (end > unchecked(qLen[q])) {
      if (unchecked(qFlags[q]) & INET_FRAG_LAST_IN) return discardQp(q, skb);
      unchecked(qLen[q] = end);
    }
  }
  if (end == offset) return discardQp(q, skb);
  // pskb_trim_rcsum(skb, end - offset) (the data stays at the IP header here)
  skbLen[skb] = ihl + (end - offset);
  const r = queueInsert(q, skb, offset, end);
  if (r == IPFRAG_DUP) { kfree_skb_reason(skb, SKB_DROP_REASON_DUP_FRAG); return -1; }
  if (r == IPFRAG_OVERLAP) { mibInc(MIB_IpExtReasmOverlaps); return discardQp(q, skb); }
  unchecked(qMeat[q] = qMeat[q] + (end - offset));
  const truesize = <i64>skbLen[skb] + SKB_OVERHEAD;
  unchecked(qMem[q] = qMem[q] + truesize);
  fragMem += truesize;
  unchecked(qCount[q] = qCount[q] + 1);
  fragSkbs++;
  if (offset == 0) unchecked(qFlags[q] = qFlags[q] | INET_FRAG_FIRST_IN);
  const fragsize = unchecked(skbLen[skb]);
  if (fragsize > unchecked(qMaxSize[q])) unchecked(qMaxSize[q] = fragsize);
  if ((fo & IP_DF) != 0 && fragsize > unchecked(qMaxDf[q])) unchecked(qMaxDf[q] = fragsize);
  if (unchecked(qFlags[q]) == (INET_FRAG_FIRST_IN | INET_FRAG_LAST_IN) && unchecked(qMeat[q]) == unchecked(qLen[q])) {
    return ipFragReasm(q, skb);
  }
  return -1;
}

/** ip_frag_reasm(): the payloads copied behind the first fragment's header; the completing skb's route is kept */
function ipFragReasm(q: i32, last: i32): i32 {
  let head = unchecked(qHead[q]);
  const ihl = (<u32>load<u8>(skbDataPtr(head)) & 15) << 2;
  const total = ihl + unchecked(qLen[q]);
  if (total > 65535 || total > SKB_MAX_FRAME) {
    // out_oversize
    unchecked(qFlags[q] = qFlags[q] | INET_FRAG_COMPLETE);
    qKill(q, SKB_DROP_REASON_PKT_TOO_BIG);
    mibInc(MIB_IpReasmFails);
    return -1;
  }
  let s = unchecked(fragNext[head]);
  if (unchecked(skbData[head]) + total > skbBufSize(head)) {
    // inet_frag_reasm_prepare → pskb_expand_head: the datagram needs a larger buffer than the first fragment's
    const big = skbCopyExpand(head, total);
    if (big < 0) {
      // out_nomem: ReasmFails, and ip_frag_queue kills the queue
      unchecked(qFlags[q] = qFlags[q] | INET_FRAG_COMPLETE);
      qKill(q, SKB_DROP_REASON_NOMEM);
      mibInc(MIB_IpReasmFails);
      return -1;
    }
    skbFree(head); // the same sk_buff in the kernel, only its data moved: not a consume or a drop
    if (last == head) last = big;
    head = big;
  }
  const hp = skbDataPtr(head);
  while (s >= 0) {
    const n = unchecked(fragNext[s]);
    const sp = skbDataPtr(s);
    const sihl = (<u32>load<u8>(sp) & 15) << 2;
    memory.copy(hp + ihl + unchecked(fragOff[s]), sp + sihl, unchecked(fragEnd[s]) - unchecked(fragOff[s]));
    if (s != last) consume_skb(s);
    s = n;
  }
  skbLen[head] = total;
  // the datagram takes the completing fragment's arrival facts and route (skb_morph of the kernel)
  if (last != head) {
    unchecked(skbDev[head] = skbDev[last]); unchecked(skbIif[head] = skbIif[last]); unchecked(skbPktType[head] = skbPktType[last]);
    unchecked(skbMark[head] = skbMark[last]); unchecked(skbRtDev[head] = skbRtDev[last]); unchecked(skbRtType[head] = skbRtType[last]);
    unchecked(skbRtFlags[head] = skbRtFlags[last]); unchecked(skbRtGw[head] = skbRtGw[last]); unchecked(skbRtError[head] = skbRtError[last]);
    consume_skb(last);
  }
  store16be(hp + 2, total);
  store16be(hp + 6, unchecked(qMaxDf[q]) != 0 && unchecked(qMaxDf[q]) == unchecked(qMaxSize[q]) ? IP_DF : 0);
  ipSendCheck(hp);
  // the queue is done: its skbs are consumed or became the datagram
  unchecked(qHead[q] = -1);
  fragMem -= unchecked(qMem[q]);
  fragSkbs -= unchecked(qCount[q]);
  unchecked(qUsed[q] = false);
  if (unchecked(qExpires[q]) <= nextExpiry) recomputeExpiry();
  mibInc(MIB_IpReasmOKs);
  return head;
}

/** when the next queue times out (virtual ns), CLOCK_NEVER if none */
export function ipfragTimerNext(): i64 { return nextExpiry; }

/** ip_expire() for every queue due: ReasmFails, ReasmTimeout, and 11/1 about the first fragment if it came */
export function ipfragTimerRun(): void {
  const now = clockNow();
  if (now < nextExpiry) return;
  for (let q = 0; q < IPQ_MAX; q++) {
    if (!unchecked(qUsed[q]) || unchecked(qExpires[q]) > now) continue;
    mibInc(MIB_IpReasmFails);
    mibInc(MIB_IpReasmTimeout);
    const head = unchecked(qHead[q]);
    if ((unchecked(qFlags[q]) & INET_FRAG_FIRST_IN) != 0 && head >= 0 && unchecked(fragOff[head]) == 0) {
      icmp_send(head, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0);
    }
    qKill(q, SKB_DROP_REASON_FRAG_REASM_TIMEOUT);
  }
  recomputeExpiry();
}
