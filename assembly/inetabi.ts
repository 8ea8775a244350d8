// The ABI of local delivery (ipv4/icmp.ts, udp.ts, tcp_ipv4.ts, ip_fragment.ts,
// snmp.ts): the host's UDP sockets, the SNMP counters, the ICMP/reassembly
// sysctls, and test entry points. Bound by src/udp.ts, src/nstat.ts and the
// tests. Datagrams cross in batches through the wire stage area.
import { wireStagePtr, STAGE_SIZE } from "./hw/wire";
import { clockNow } from "./hw/clock";
import {
  skbFromBytes, skbDev, skbIif, skbPktType, skbRtType, skbRtFlags, skbRtDev, skbResetNetworkHeader, skbDataPtr,
  skbPoolFree,
} from "./core/skbuff";
import { dropCount, SKB_DROP_REASON_NOMEM, SKB_DROP_REASON_PKT_TOO_BIG } from "./core/dropreason";
import { load16be } from "./hw/checksum";
import { mib, icmpMsgIn, icmpMsgOut, MIB_COUNT, MIB_NAMES } from "./ipv4/snmp";
import { ipv4Sysctl, ipv4SysctlValue } from "./ipv4/sysctl_net_ipv4";
import {
  udpBind, udpClose, udpPort, udpRecv, udpSend, udpQueued, udpMembership, udpSetBroadcast, udpSetMulticastIf, udpSetMulticastTtl,
  udpSetMulticastLoop,
} from "./ipv4/udp";
import { ip_defrag, ipfragTimerNext, ipfragTimerRun, ipfragMem, ipfragQueued, ipfragQueues } from "./ipv4/ip_fragment";
import { ip_protocol_deliver } from "./ipv4/protocol";
import { icmpRateReset } from "./ipv4/icmp";
import {
  xmitCaptureEnable, xmitCapturePtr, xmitCaptureBytes, xmitCaptureCount, xmitCaptureReset,
} from "./ipv4/xmit";

// ---- sysctl: net.ipv4.icmp_*, ipfrag_*, ip_default_ttl (1 = not one of these keys) ----------
export function inetSysctlRw(key: string, write: bool, value: string): i32 { return ipv4Sysctl(key, write, value); }
export function inetSysctlGet(): string { return ipv4SysctlValue; }

// ---- SNMP ------------------------------------------------------------------------------------
export const SNMP_COUNT: i32 = MIB_COUNT;
export function snmpName(i: i32): string { return i >= 0 && i < MIB_COUNT ? MIB_NAMES[i] : ""; }
/** all counters in one call: MIB_COUNT u64, then IcmpMsg in[256], out[256], written to the stage area */
export function snmpDump(): usize {
  const p = wireStagePtr();
  for (let i = 0; i < MIB_COUNT; i++) store<u64>(p + <usize>(i << 3), unchecked(mib[i]));
  const o = p + <usize>(MIB_COUNT << 3);
  for (let t = 0; t < 256; t++) {
    store<u64>(o + <usize>(t << 3), unchecked(icmpMsgIn[t]));
    store<u64>(o + 2048 + <usize>(t << 3), unchecked(icmpMsgOut[t]));
  }
  return p;
}

// ---- UDP sockets ---------------------------------------------------------------------------------
export function udpSocketBind(addr: u32, port: u32): i32 { return udpBind(addr, port); }
export function udpSocketClose(s: i32): void { udpClose(s); }
/** SO_BROADCAST: 0 or -errno */
export function udpSocketSetBroadcast(s: i32, on: bool): i32 { return udpSetBroadcast(s, on); }
/** IP_MULTICAST_IF (ifindex or interface address, both 0: none), IP_MULTICAST_TTL, IP_MULTICAST_LOOP: 0 or -errno */
export function udpSocketSetMulticastIf(s: i32, ifindex: i32, addr: u32): i32 { return udpSetMulticastIf(s, ifindex, addr); }
export function udpSocketSetMulticastTtl(s: i32, ttl: i32): i32 { return udpSetMulticastTtl(s, ttl); }
export function udpSocketSetMulticastLoop(s: i32, on: bool): i32 { return udpSetMulticastLoop(s, on); }
/** IP_ADD_MEMBERSHIP (join) / IP_DROP_MEMBERSHIP: group, ifindex (0: any), interface address (0: none); 0 or -errno */
export function udpSocketMembership(s: i32, join: bool, group: u32, ifindex: i32, addr: u32): i32 {
  return udpMembership(s, join, group, ifindex, addr);
}
export function udpSocketPort(s: i32): u32 { return udpPort(s); }
export function udpSocketQueued(s: i32): u32 { return udpQueued(s); }
/** datagrams to the stage area: records (u32 len, u32 saddr, u32 daddr, u16 sport, u16 dport, i32 ifindex, payload, pad 4) */
export function udpRecvBatch(s: i32): i32 { return udpRecv(s, wireStagePtr(), STAGE_SIZE); }
/**
 * sendmsg for `count` stage records (u32 len, u32 daddr, u32 dport, payload, pad 4); each record's
 * length word is overwritten with 0 or -errno. Returns how many were sent.
 */
export function udpSendBatch(s: i32, count: i32): i32 {
  const stage = wireStagePtr();
  let off: u32 = 0, sent = 0;
  for (let i = 0; i < count; i++) {
    if (off + 12 > STAGE_SIZE) break;
    const len = load<u32>(stage + off);
    const rec = (12 + len + 3) & ~3;
    if (<u64>off + <u64>rec > <u64>STAGE_SIZE) break;
    const rc = udpSend(s, load<u32>(stage + off + 4), load<u32>(stage + off + 8), stage + off + 12, len);
    store<i32>(stage + off, rc);
    if (rc == 0) sent++;
    off += rec;
  }
  return sent;
}

// ---- reassembly ------------------------------------------------------------------------------------
export function ipfragNext(): f64 { return <f64>ipfragTimerNext(); }
export function ipfragRun(): void { ipfragTimerRun(); }
/** 0 bytes held, 1 fragments held, 2 queues */
export function ipfragCounter(which: i32): f64 {
  return which == 0 ? <f64>ipfragMem() : which == 1 ? <f64>ipfragQueued() : <f64>ipfragQueues();
}

// ---- test entry points -------------------------------------------------------------------------
/** Packets ip_local_out would have sent go to a capture ring instead (records: u32 len, bytes, pad 4). */
export function xmitCaptureOn(on: bool): void { xmitCaptureEnable(on); }
export function xmitCaptureBuf(): usize { return xmitCapturePtr(); }
export function xmitCaptureLen(): i32 { return xmitCaptureBytes(); }
export function xmitCaptured(): i32 { return xmitCaptureCount(); }
export function xmitCaptureClear(): void { xmitCaptureReset(); }
export function icmpRatelimitReset(): void { icmpRateReset(); }
/** the virtual clock (ns) */
export function inetNow(): f64 { return <f64>clockNow(); }
export function inetSkbFree(): i32 { return skbPoolFree(); }

/**
 * ip_local_deliver as ip_rcv_finish would call it, for a packet of `len` bytes in the stage area that
 * arrived on `ifindex` (pkt_type, and the input route's rt_type/rt_flags). Runs due reassembly timers
 * first. Returns 1 when a whole datagram reached ip_protocol_deliver, 0 when queued/dropped.
 */
export function inetDeliver(len: u32, ifindex: i32, pktType: u8, rtType: u8, rtFlags: u32): i32 {
  ipfragTimerRun();
  let skb = skbFromBytes(wireStagePtr(), len);
  if (skb < 0) { dropCount(skb == -1 ? SKB_DROP_REASON_NOMEM : SKB_DROP_REASON_PKT_TOO_BIG); return 0; }
  skbResetNetworkHeader(skb);
  skbDev[skb] = ifindex; skbIif[skb] = ifindex; skbPktType[skb] = pktType;
  skbRtType[skb] = rtType; skbRtFlags[skb] = rtFlags; skbRtDev[skb] = 1;
  const p = skbDataPtr(skb);
  if ((load16be(p + 6) & 0x3fff) != 0) {
    skb = ip_defrag(skb);
    if (skb < 0) return 0;
  }
  ip_protocol_deliver(skb, load<u8>(skbDataPtr(skb) + 9));
  return 1;
}
