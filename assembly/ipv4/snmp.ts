// SNMP MIB counters as `nstat -az` names them (net/ipv4/proc.c: snmp4_*_list, the
// Ip, IpExt, Icmp, Udp and Tcp groups; the order is nstat's on Linux 6.18).
// IcmpMsg counters are per ICMP type: icmpMsgIn[type], icmpMsgOut[type].
import { Table } from "../lib/table";

export const MIB_IpInReceives: i32 = 0;
export const MIB_IpInHdrErrors: i32 = 1;
export const MIB_IpInAddrErrors: i32 = 2;
export const MIB_IpForwDatagrams: i32 = 3;
export const MIB_IpInUnknownProtos: i32 = 4;
export const MIB_IpInDiscards: i32 = 5;
export const MIB_IpInDelivers: i32 = 6;
export const MIB_IpOutRequests: i32 = 7;
export const MIB_IpOutDiscards: i32 = 8;
export const MIB_IpOutNoRoutes: i32 = 9;
export const MIB_IpReasmTimeout: i32 = 10;
export const MIB_IpReasmReqds: i32 = 11;
export const MIB_IpReasmOKs: i32 = 12;
export const MIB_IpReasmFails: i32 = 13;
export const MIB_IpFragOKs: i32 = 14;
export const MIB_IpFragFails: i32 = 15;
export const MIB_IpFragCreates: i32 = 16;
export const MIB_IpOutTransmits: i32 = 17;
export const MIB_IcmpInMsgs: i32 = 18;
export const MIB_IcmpInErrors: i32 = 19;
export const MIB_IcmpInCsumErrors: i32 = 20;
export const MIB_IcmpInDestUnreachs: i32 = 21;
export const MIB_IcmpInTimeExcds: i32 = 22;
export const MIB_IcmpInParmProbs: i32 = 23;
export const MIB_IcmpInSrcQuenchs: i32 = 24;
export const MIB_IcmpInRedirects: i32 = 25;
export const MIB_IcmpInEchos: i32 = 26;
export const MIB_IcmpInEchoReps: i32 = 27;
export const MIB_IcmpInTimestamps: i32 = 28;
export const MIB_IcmpInTimestampReps: i32 = 29;
export const MIB_IcmpInAddrMasks: i32 = 30;
export const MIB_IcmpInAddrMaskReps: i32 = 31;
export const MIB_IcmpOutMsgs: i32 = 32;
export const MIB_IcmpOutErrors: i32 = 33;
export const MIB_IcmpOutRateLimitGlobal: i32 = 34;
export const MIB_IcmpOutRateLimitHost: i32 = 35;
export const MIB_IcmpOutDestUnreachs: i32 = 36;
export const MIB_IcmpOutTimeExcds: i32 = 37;
export const MIB_IcmpOutParmProbs: i32 = 38;
export const MIB_IcmpOutSrcQuenchs: i32 = 39;
export const MIB_IcmpOutRedirects: i32 = 40;
export const MIB_IcmpOutEchos: i32 = 41;
export const MIB_IcmpOutEchoReps: i32 = 42;
export const MIB_IcmpOutTimestamps: i32 = 43;
export const MIB_IcmpOutTimestampReps: i32 = 44;
export const MIB_IcmpOutAddrMasks: i32 = 45;
export const MIB_IcmpOutAddrMaskReps: i32 = 46;
export const MIB_TcpActiveOpens: i32 = 47;
export const MIB_TcpPassiveOpens: i32 = 48;
export const MIB_TcpAttemptFails: i32 = 49;
export const MIB_TcpEstabResets: i32 = 50;
export const MIB_TcpInSegs: i32 = 51;
export const MIB_TcpOutSegs: i32 = 52;
export const MIB_TcpRetransSegs: i32 = 53;
export const MIB_TcpInErrs: i32 = 54;
export const MIB_TcpOutRsts: i32 = 55;
export const MIB_TcpInCsumErrors: i32 = 56;
export const MIB_UdpInDatagrams: i32 = 57;
export const MIB_UdpNoPorts: i32 = 58;
export const MIB_UdpInErrors: i32 = 59;
export const MIB_UdpOutDatagrams: i32 = 60;
export const MIB_UdpRcvbufErrors: i32 = 61;
export const MIB_UdpSndbufErrors: i32 = 62;
export const MIB_UdpInCsumErrors: i32 = 63;
export const MIB_UdpIgnoredMulti: i32 = 64;
export const MIB_UdpMemErrors: i32 = 65;
export const MIB_IpExtInNoRoutes: i32 = 66;
export const MIB_IpExtInTruncatedPkts: i32 = 67;
export const MIB_IpExtInMcastPkts: i32 = 68;
export const MIB_IpExtOutMcastPkts: i32 = 69;
export const MIB_IpExtInBcastPkts: i32 = 70;
export const MIB_IpExtOutBcastPkts: i32 = 71;
export const MIB_IpExtInOctets: i32 = 72;
export const MIB_IpExtOutOctets: i32 = 73;
export const MIB_IpExtInMcastOctets: i32 = 74;
export const MIB_IpExtOutMcastOctets: i32 = 75;
export const MIB_IpExtInBcastOctets: i32 = 76;
export const MIB_IpExtOutBcastOctets: i32 = 77;
export const MIB_IpExtInCsumErrors: i32 = 78;
export const MIB_IpExtInNoECTPkts: i32 = 79;
export const MIB_IpExtInECT1Pkts: i32 = 80;
export const MIB_IpExtInECT0Pkts: i32 = 81;
export const MIB_IpExtInCEPkts: i32 = 82;
export const MIB_IpExtReasmOverlaps: i32 = 83;
export const MIB_COUNT: i32 = 84;
export const MIB_NAMES: string[] = [
  "IpInReceives", "IpInHdrErrors", "IpInAddrErrors", "IpForwDatagrams", "IpInUnknownProtos", "IpInDiscards",
  "IpInDelivers", "IpOutRequests", "IpOutDiscards", "IpOutNoRoutes", "IpReasmTimeout", "IpReasmReqds",
  "IpReasmOKs", "IpReasmFails", "IpFragOKs", "IpFragFails", "IpFragCreates", "IpOutTransmits",
  "IcmpInMsgs", "IcmpInErrors", "IcmpInCsumErrors", "IcmpInDestUnreachs", "IcmpInTimeExcds", "IcmpInParmProbs",
  "IcmpInSrcQuenchs", "IcmpInRedirects", "IcmpInEchos", "IcmpInEchoReps", "IcmpInTimestamps", "IcmpInTimestampReps",
  "IcmpInAddrMasks", "IcmpInAddrMaskReps", "IcmpOutMsgs", "IcmpOutErrors", "IcmpOutRateLimitGlobal", "IcmpOutRateLimitHost",
  "IcmpOutDestUnreachs", "IcmpOutTimeExcds", "IcmpOutParmProbs", "IcmpOutSrcQuenchs", "IcmpOutRedirects", "IcmpOutEchos",
  "IcmpOutEchoReps", "IcmpOutTimestamps", "IcmpOutTimestampReps", "IcmpOutAddrMasks", "IcmpOutAddrMaskReps", "TcpActiveOpens",
  "TcpPassiveOpens", "TcpAttemptFails", "TcpEstabResets", "TcpInSegs", "TcpOutSegs", "TcpRetransSegs",
  "TcpInErrs", "TcpOutRsts", "TcpInCsumErrors", "UdpInDatagrams", "UdpNoPorts", "UdpInErrors",
  "UdpOutDatagrams", "UdpRcvbufErrors", "UdpSndbufErrors", "UdpInCsumErrors", "UdpIgnoredMulti", "UdpMemErrors",
  "IpExtInNoRoutes", "IpExtInTruncatedPkts", "IpExtInMcastPkts", "IpExtOutMcastPkts", "IpExtInBcastPkts", "IpExtOutBcastPkts",
  "IpExtInOctets", "IpExtOutOctets", "IpExtInMcastOctets", "IpExtOutMcastOctets", "IpExtInBcastOctets", "IpExtOutBcastOctets",
  "IpExtInCsumErrors", "IpExtInNoECTPkts", "IpExtInECT1Pkts", "IpExtInECT0Pkts", "IpExtInCEPkts", "IpExtReasmOverlaps",
];

export const mib = changetype<Table<u64>>(memory.data(MIB_COUNT * sizeof<u64>(), 8));
export const icmpMsgIn = changetype<Table<u64>>(memory.data(256 * sizeof<u64>(), 8));
export const icmpMsgOut = changetype<Table<u64>>(memory.data(256 * sizeof<u64>(), 8));

// @ts-ignore: decorator
@inline export function mibInc(m: i32): void { unchecked(mib[m] += 1); }
// @ts-ignore: decorator
@inline export function mibAdd(m: i32, v: u64): void { unchecked(mib[m] += v); }
