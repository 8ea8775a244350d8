// The way out for packets this host originates in the local-delivery code
// (ICMP errors and replies, TCP resets, UDP datagrams): ip_local_out of
// ip_output.c, or — when a test turned capture on — a ring that keeps the
// packet as ip_local_out would have put it on the wire (tot_len, header
// checksum; id 0), so the builders can be checked without the output path.
import { skbDataPtr, skbLen, skbProtocol, skbResetNetworkHeader } from "../core/skbuff";
import { consume_skb } from "../core/dropreason";
import { ipHeaderSum, store16be } from "../hw/checksum";
import { ip_local_out } from "./ip_output";

export let xmitCapture: bool = false;
const CAP_BYTES: i32 = 1 << 18;
const capBuf = new StaticArray<u8>(CAP_BYTES);
let capLen: i32 = 0;
let capCount: i32 = 0;
/** ip_local_out's return values while not capturing (last one), for tests */
export let xmitLastRc: i32 = 0;

export function xmitCaptureEnable(on: bool): void { xmitCapture = on; capLen = 0; capCount = 0; }
export function xmitCapturePtr(): usize { return changetype<usize>(capBuf); }
export function xmitCaptureBytes(): i32 { return capLen; }
export function xmitCaptureCount(): i32 { return capCount; }
export function xmitCaptureReset(): void { capLen = 0; capCount = 0; }

/** ip_send_check(): header checksum of the IPv4 header at p */
export function ipSendCheck(p: usize): void {
  store<u16>(p + 10, 0);
  // the fold is in memory order: its complement stored the same way makes the header sum 0xffff
  store<u16>(p + 10, <u16>~ipHeaderSum(p, <u32>load<u8>(p) & 15));
}

/** Writes a 20-byte IPv4 header (no options) at p; tot_len and checksum filled, id as given. */
export function ipBuildHeader(p: usize, tos: u8, totLen: u32, id: u16, df: bool, ttl: u8, proto: u8, saddr: u32, daddr: u32): void {
  store<u8>(p, 0x45); store<u8>(p + 1, tos); store16be(p + 2, totLen);
  store16be(p + 4, id); store16be(p + 6, df ? 0x4000 : 0);
  store<u8>(p + 8, ttl); store<u8>(p + 9, proto);
  store<u8>(p + 12, <u8>(saddr >> 24)); store<u8>(p + 13, <u8>(saddr >> 16)); store<u8>(p + 14, <u8>(saddr >> 8)); store<u8>(p + 15, <u8>saddr);
  store<u8>(p + 16, <u8>(daddr >> 24)); store<u8>(p + 17, <u8>(daddr >> 16)); store<u8>(p + 18, <u8>(daddr >> 8)); store<u8>(p + 19, <u8>daddr);
  ipSendCheck(p);
}

/** Hands a complete IPv4 packet (skb data at its header) to ip_local_out; takes the skb. 0 or -errno. */
export function localOut(skb: i32): i32 {
  skbProtocol[skb] = 0x0800;
  skbResetNetworkHeader(skb);
  if (!xmitCapture) { xmitLastRc = ip_local_out(skb); return xmitLastRc; }
  const len = <i32>skbLen[skb];
  const rec = (4 + len + 3) & ~3;
  if (capLen + rec <= CAP_BYTES) {
    const d = changetype<usize>(capBuf) + <usize>capLen;
    store<u32>(d, <u32>len);
    memory.copy(d + 4, skbDataPtr(skb), <usize>len);
    capLen += rec;
    capCount++;
  }
  consume_skb(skb);
  return 0;
}
