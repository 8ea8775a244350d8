// net/ipv4/ip_options.c, the reply side: __ip_options_echo() (the options of a received header, turned
// around for the answer: record route and timestamp copied with room claimed for our own entries, a source
// route reversed) and ip_options_build() (written into the answer's header once its source is known).
// Used by the ICMP replies and errors (icmp.ts) and the TCP resets (tcp_ipv4.ts).
import { clockNow } from "../hw/clock";
import { load32be, store32be } from "../hw/checksum";
import { ipSendCheck } from "./xmit";

const optBuf = new StaticArray<u8>(40);
/** length of the echoed options (a multiple of 4), 0 when none */
export let echoOptLen: u32 = 0;
/** the first hop of a reversed source route (the answer is routed there), 0 when there is none */
export let echoFaddr: u32 = 0;
let dRr: u32 = 0, dRrNeed: bool = false, dTs: u32 = 0, dTsNeedAddr: bool = false, dTsNeedTime: bool = false, dSrr: u32 = 0;

/**
 * __ip_options_echo(): the options of the received header at iph, turned around for the answer.
 * The receive path has already recorded the receiving address and advanced the pointers, so an option
 * whose pointer is still inside it had room (rr_needaddr / ts_need*). False: the options cannot be echoed.
 */
export function ipOptionsEcho(iph: usize, avail: i64): bool {
  echoOptLen = 0; echoFaddr = 0; dRr = 0; dRrNeed = false; dTs = 0; dTsNeedAddr = false; dTsNeedTime = false; dSrr = 0;
  const ihl = (<u32>load<u8>(iph) & 15) << 2;
  if (ihl <= 20 || <i64>ihl > avail) return true;
  let rr: u32 = 0, ts: u32 = 0, srr: u32 = 0;
  for (let o: u32 = 20; o < ihl;) {
    const t = load<u8>(iph + o);
    if (t == 0) break;
    if (t == 1) { o++; continue; }
    if (o + 1 >= ihl) break;
    const l = <u32>load<u8>(iph + o + 1);
    if (l < 2 || o + l > ihl) break;
    if (t == 7 && rr == 0) rr = o;
    else if (t == 0x44 && ts == 0) ts = o;
    else if ((t == 0x83 || t == 0x89) && srr == 0) srr = o;
    o += l;
  }
  const dp = changetype<usize>(optBuf);
  if (rr != 0) {
    const ol = <u32>load<u8>(iph + rr + 1), so = <u32>load<u8>(iph + rr + 2);
    dRr = 20 + echoOptLen;
    memory.copy(dp + echoOptLen, iph + rr, ol);
    if (so <= ol && so >= 4) {
      if (so + 3 > ol) return false;
      store<u8>(dp + echoOptLen + 2, <u8>(so + 4));
      dRrNeed = true;
    }
    echoOptLen += ol;
  }
  if (ts != 0) {
    const ol = <u32>load<u8>(iph + ts + 1);
    let so = <u32>load<u8>(iph + ts + 2);
    if (ol >= 4 && echoOptLen + ol <= 40) {
      dTs = 20 + echoOptLen;
      memory.copy(dp + echoOptLen, iph + ts, ol);
      if (so <= ol && so >= 5) {
        const flag = <u32>load<u8>(iph + ts + 3) & 15;
        if (flag == 1) { if (so + 3 > ol) return false; dTsNeedAddr = true; so += 4; }
        if (flag == 0 || flag == 1) { if (so + 3 > ol) return false; dTsNeedTime = true; so += 4; }
        store<u8>(dp + echoOptLen + 2, <u8>so);
      }
      echoOptLen += ol;
    }
  }
  if (srr != 0) {
    // the hops already passed, newest first: the answer goes to the last of them and the route ends at the
    // sender (ip_options_build writes it into the slot left at the end); a first hop that is the sender
    // itself is dropped (RFC 1812)
    const start = iph + srr;
    const ol = <u32>load<u8>(start + 1);
    let so = <i32>load<u8>(start + 2);
    if (so > <i32>ol) so = <i32>ol + 1;
    so -= 4;
    let doff: i32 = 0;
    let faddr: u32 = 0;
    const d = dp + echoOptLen;
    if (so > 3) {
      faddr = load32be(start + <usize>(so - 1));
      for (so -= 4, doff = 4; so > 3; so -= 4, doff += 4) {
        if (echoOptLen + <u32>doff + 3 > 40) return false;
        memory.copy(d + <usize>(doff - 1), start + <usize>(so - 1), 4);
      }
      if (load32be(iph + 12) == load32be(start + <usize>(so + 3))) doff -= 4;
    }
    if (doff > 3) {
      if (echoOptLen + <u32>doff + 3 > 40) return false;
      echoFaddr = faddr;
      store<u8>(d, load<u8>(start));
      store<u8>(d + 1, <u8>(doff + 3));
      store<u8>(d + 2, 4);
      dSrr = 20 + echoOptLen;
      echoOptLen += <u32>doff + 3;
    }
  }
  while (echoOptLen & 3) { store<u8>(dp + echoOptLen, 0); echoOptLen++; }
  return true;
}

/**
 * ip_options_build(): the echoed options into the header at p (whose ihl it sets), with our address and time
 * where room was claimed and the final destination at the end of a reversed source route; the header
 * checksum is computed again.
 */
export function ipOptionsBuild(p: usize, saddr: u32, finalDaddr: u32): void {
  if (echoOptLen == 0) return;
  store<u8>(p, <u8>(0x40 | ((20 + echoOptLen) >> 2)));
  memory.copy(p + 20, changetype<usize>(optBuf), echoOptLen);
  if (dSrr) store32be(p + dSrr + <usize>load<u8>(p + dSrr + 1) - 4, finalDaddr);
  if (dRrNeed) store32be(p + dRr + <usize>load<u8>(p + dRr + 2) - 5, saddr);
  if (dTsNeedAddr) store32be(p + dTs + <usize>load<u8>(p + dTs + 2) - 9, saddr);
  if (dTsNeedTime) store32be(p + dTs + <usize>load<u8>(p + dTs + 2) - 5, currentTimestamp());
  ipSendCheck(p);
}

/** inet_current_timestamp(): ms since midnight UT of the virtual clock */
export function currentTimestamp(): u32 { return <u32>((clockNow() / 1000000) % 86400000); }
