// Policy routing rules (net/core/fib_rules.c, net/ipv4/fib_rules.c).
import { inetMask, arrInsert } from "../lib/inet";
import { EINVAL, EEXIST, ENOENT, ENOBUFS, ESRCH, EAGAIN, ENETUNREACH, EACCES, fail } from "../lib/errno";
import {
  flSrc, flDst, flIif, flOif, flMark, flUid, flDscp, flProto, flSport, flDport, resAlias, resNh, resPrefixlen, resSetTclassid,
  rt_cache_flush,
} from "./flow";
import { fibGetTable, fibTableLookup, fibUnmerge, fibEmptyTable, tbId, aOif, RT_TABLE_MAIN, RT_TABLE_LOCAL, RT_TABLE_DEFAULT } from "./fib_table";
import { devByName, devGroup } from "../core/netdevice";

export const FR_ACT_UNSPEC: u8 = 0, FR_ACT_TO_TBL: u8 = 1, FR_ACT_GOTO: u8 = 2, FR_ACT_NOP: u8 = 3,
  FR_ACT_BLACKHOLE: u8 = 6, FR_ACT_UNREACHABLE: u8 = 7, FR_ACT_PROHIBIT: u8 = 8;
export const FIB_RULE_INVERT: u32 = 0x2;
const RTPROT_KERNEL: u8 = 2;

// rules in list order (sorted by pref, ties in insertion order): parallel arrays
export const rPref = new Array<u32>();
export const rAction = new Array<u8>();
export const rTable = new Array<u32>();
export const rFlags = new Array<u32>();
export const rSrc = new Array<u32>();
export const rSrcLen = new Array<i32>();
export const rDst = new Array<u32>();
export const rDstLen = new Array<i32>();
/** legacy tos selector (dsfield position), or the full dscp value when rDscpFull */
export const rDscp = new Array<u32>();
export const rDscpMask = new Array<u32>();
export const rDscpFull = new Array<bool>();
export const rMark = new Array<u32>();
export const rMarkMask = new Array<u32>();
export const rIifName = new Array<string>();
export const rOifName = new Array<string>();
/** 0 = no selector, -1 = named device missing ([detached]), else ifindex */
export const rIif = new Array<i32>();
export const rOif = new Array<i32>();
export const rUidStart = new Array<u32>();
export const rUidEnd = new Array<u32>();
export const rUidSet = new Array<bool>();
export const rIpProto = new Array<u8>();
export const rSportLo = new Array<u32>();
export const rSportHi = new Array<u32>();
export const rSportMask = new Array<u32>();
export const rDportLo = new Array<u32>();
export const rDportHi = new Array<u32>();
export const rDportMask = new Array<u32>();
export const rTarget = new Array<u32>();
/** the rule a goto jumps to: its pref plus resolution flag (rCtarget >= 0 = resolved, index re-found at lookup) */
export const rResolved = new Array<bool>();
export const rSuppressPlen = new Array<i32>();
export const rSuppressIfgroup = new Array<i32>();
export const rProto = new Array<u8>();
/** cached table index of a lookup rule (tables are never deleted), -1 until the table exists */
export const rTableIdx = new Array<i32>();
/** tun_id selector (0 = none): only flows from metadata tunnels carry one, so it never matches here */
export const rTunId = new Array<u64>();
/** l3mdev: the table comes from the flow's VRF; without VRFs it never matches */
export const rL3mdev = new Array<bool>();
/** realms (FRA_FLOW, from << 16 | to): route classification only, never a selector */
export const rFlow = new Array<u32>();
/** fib_num_tclassid_users: rules with realms force full source validation */
export let numTclassidUsers: i32 = 0;

/** number of rules that need ports/proto of the flow (fib_rules_require_fldissect) */
export let requireFlDissect: i32 = 0;

export function ruleCount(): i32 { return rPref.length; }

function insertAt(i: i32): void {
  arrInsert(rPref, i, <u32>0); arrInsert(rAction, i, <u8>0); arrInsert(rTable, i, <u32>0); arrInsert(rFlags, i, <u32>0);
  arrInsert(rSrc, i, <u32>0); arrInsert(rSrcLen, i, 0); arrInsert(rDst, i, <u32>0); arrInsert(rDstLen, i, 0);
  arrInsert(rDscp, i, <u32>0); arrInsert(rDscpMask, i, <u32>0); arrInsert(rDscpFull, i, false);
  arrInsert(rMark, i, <u32>0); arrInsert(rMarkMask, i, <u32>0); arrInsert(rIifName, i, ""); arrInsert(rOifName, i, "");
  arrInsert(rIif, i, 0); arrInsert(rOif, i, 0); arrInsert(rUidStart, i, <u32>0); arrInsert(rUidEnd, i, <u32>0xffffffff);
  arrInsert(rUidSet, i, false); arrInsert(rIpProto, i, <u8>0);
  arrInsert(rSportLo, i, <u32>0); arrInsert(rSportHi, i, <u32>0); arrInsert(rSportMask, i, <u32>0);
  arrInsert(rDportLo, i, <u32>0); arrInsert(rDportHi, i, <u32>0); arrInsert(rDportMask, i, <u32>0);
  arrInsert(rTarget, i, <u32>0); arrInsert(rResolved, i, false); arrInsert(rSuppressPlen, i, -1);
  arrInsert(rSuppressIfgroup, i, -1); arrInsert(rProto, i, <u8>0); arrInsert(rTableIdx, i, -1);
  arrInsert(rTunId, i, <u64>0); arrInsert(rL3mdev, i, false); arrInsert(rFlow, i, <u32>0);
}
function removeAt(i: i32): void {
  rPref.splice(i, 1); rAction.splice(i, 1); rTable.splice(i, 1); rFlags.splice(i, 1); rSrc.splice(i, 1);
  rSrcLen.splice(i, 1); rDst.splice(i, 1); rDstLen.splice(i, 1); rDscp.splice(i, 1); rDscpMask.splice(i, 1);
  rDscpFull.splice(i, 1); rMark.splice(i, 1); rMarkMask.splice(i, 1); rIifName.splice(i, 1); rOifName.splice(i, 1);
  rIif.splice(i, 1); rOif.splice(i, 1); rUidStart.splice(i, 1); rUidEnd.splice(i, 1); rUidSet.splice(i, 1);
  rIpProto.splice(i, 1); rSportLo.splice(i, 1); rSportHi.splice(i, 1); rSportMask.splice(i, 1);
  rDportLo.splice(i, 1); rDportHi.splice(i, 1); rDportMask.splice(i, 1); rTarget.splice(i, 1);
  rResolved.splice(i, 1); rSuppressPlen.splice(i, 1); rSuppressIfgroup.splice(i, 1); rProto.splice(i, 1);
  rTableIdx.splice(i, 1); rTunId.splice(i, 1); rL3mdev.splice(i, 1); rFlow.splice(i, 1);
}

// ---- the request being built (a parsed FIB rule message), set field by field by the ABI
export let qPref: u32 = 0; export let qHasPref: bool = false;
export let qAction: u8 = 0; export let qTable: u32 = 0; export let qFlags: u32 = 0;
export let qSrc: u32 = 0; export let qSrcLen: i32 = 0; export let qDst: u32 = 0; export let qDstLen: i32 = 0;
export let qTos: u32 = 0; export let qHasDscp: bool = false; export let qDscp: u32 = 0;
export let qHasDscpMask: bool = false; export let qDscpMask: u32 = 0;
export let qHasMark: bool = false; export let qMark: u32 = 0; export let qHasMask: bool = false; export let qMask: u32 = 0;
export let qIifName: string = ""; export let qOifName: string = "";
export let qHasUid: bool = false; export let qUidStart: u32 = 0; export let qUidEnd: u32 = 0;
export let qIpProto: u8 = 0;
export let qHasSport: bool = false; export let qSportLo: u32 = 0; export let qSportHi: u32 = 0;
export let qHasSportMask: bool = false; export let qSportMask: u32 = 0;
export let qHasDport: bool = false; export let qDportLo: u32 = 0; export let qDportHi: u32 = 0;
export let qHasDportMask: bool = false; export let qDportMask: u32 = 0;
export let qHasGoto: bool = false; export let qGoto: u32 = 0;
export let qSuppressPlen: i32 = -1; export let qSuppressIfgroup: i32 = -1;
export let qProto: u8 = 0;
export let qTunId: u64 = 0; export let qL3mdev: bool = false; export let qHasFlow: bool = false; export let qFlow: u32 = 0;

export function ruleReqReset(): void {
  qPref = 0; qHasPref = false; qAction = 0; qTable = 0; qFlags = 0; qSrc = 0; qSrcLen = 0; qDst = 0; qDstLen = 0;
  qTos = 0; qHasDscp = false; qDscp = 0; qHasDscpMask = false; qDscpMask = 0; qHasMark = false; qMark = 0;
  qHasMask = false; qMask = 0; qIifName = ""; qOifName = ""; qHasUid = false; qUidStart = 0; qUidEnd = 0;
  qIpProto = 0; qHasSport = false; qSportLo = 0; qSportHi = 0; qHasSportMask = false; qSportMask = 0;
  qHasDport = false; qDportLo = 0; qDportHi = 0; qHasDportMask = false; qDportMask = 0; qHasGoto = false;
  qGoto = 0; qSuppressPlen = -1; qSuppressIfgroup = -1; qProto = 0; qTunId = 0; qL3mdev = false;
  qHasFlow = false; qFlow = 0;
}
export function ruleReqSet(field: i32, v: u32, v2: u32): void {
  switch (field) {
    case 0: qPref = v; qHasPref = true; break;
    case 1: qAction = <u8>v; break;
    case 2: qTable = v; break;
    case 3: qFlags = v; break;
    case 4: qSrc = v; qSrcLen = <i32>v2; break;
    case 5: qDst = v; qDstLen = <i32>v2; break;
    case 6: qTos = v; break;
    case 7: qHasDscp = true; qDscp = v; break;
    case 8: qHasDscpMask = true; qDscpMask = v; break;
    case 9: qHasMark = true; qMark = v; break;
    case 10: qHasMask = true; qMask = v; break;
    case 11: qHasUid = true; qUidStart = v; qUidEnd = v2; break;
    case 12: qIpProto = <u8>v; break;
    case 13: qHasSport = true; qSportLo = v; qSportHi = v2; break;
    case 14: qHasSportMask = true; qSportMask = v; break;
    case 15: qHasDport = true; qDportLo = v; qDportHi = v2; break;
    case 16: qHasDportMask = true; qDportMask = v; break;
    case 17: qHasGoto = true; qGoto = v; break;
    case 18: qSuppressPlen = <i32>v; break;
    case 19: qSuppressIfgroup = <i32>v; break;
    case 20: qProto = <u8>v; break;
    case 21: qTunId = (<u64>v2 << 32) | <u64>v; break;
    case 22: qL3mdev = v != 0; break;
    case 23: qHasFlow = true; qFlow = v; break;
  }
}
export function ruleReqSetIif(name: string): void { qIifName = name; }
export function ruleReqSetOif(name: string): void { qOifName = name; }

// the rule built from the request by fib_nl2rule()
let nPref: u32 = 0, nMarkMask: u32 = 0, nSportMask: u32 = 0, nDportMask: u32 = 0, nDscp: u32 = 0, nDscpMask: u32 = 0;
let nDscpFull: bool = false, nUidStart: u32 = 0, nUidEnd: u32 = 0xffffffff;

/** fib_default_rule_pref() */
function defaultPref(): u32 {
  if (rPref.length >= 2 && rPref[1] != 0) return rPref[1] - 1;
  return 0;
}

function portRangeValid(lo: u32, hi: u32): bool { return lo != 0 && hi != 0 && hi < 0xffff && lo <= hi; }

/** fib_nl2rule() + fib4_rule_configure()'s checks; 0 or -errno */
function nl2rule(isAdd: bool): i32 {
  if (qSrcLen < 0 || qSrcLen > 32) return fail(EINVAL, "Invalid source address");
  if (qDstLen < 0 || qDstLen > 32) return fail(EINVAL, "Invalid dst address");
  nPref = qHasPref ? qPref : (isAdd ? defaultPref() : 0);
  nMarkMask = qHasMask ? qMask : (qHasMark && qMark != 0 ? 0xffffffff : 0);
  if (qL3mdev && qTable != 0) return fail(EINVAL, "l3mdev and table are mutually exclusive");
  if (qHasUid) {
    if (qUidStart > qUidEnd || qUidStart == 0xffffffff || qUidEnd == 0xffffffff) return fail(EINVAL, "Invalid uid range");
    nUidStart = qUidStart; nUidEnd = qUidEnd;
  } else { nUidStart = 0; nUidEnd = 0xffffffff; }
  nSportMask = 0; nDportMask = 0;
  if (qHasSport && !portRangeValid(qSportLo, qSportHi)) return fail(EINVAL, "Invalid sport range");
  if (qHasSportMask) {
    if (!qHasSport) return fail(EINVAL, "Source port mask without a source port");
    if (qSportLo != qSportHi) return fail(EINVAL, "Source port mask with a port range");
    if ((qSportLo & ~qSportMask) != 0) return fail(EINVAL, "Invalid source port mask");
    nSportMask = qSportMask;
  } else if (qHasSport && qSportLo == qSportHi) nSportMask = 0xffff;
  if (qHasDport && !portRangeValid(qDportLo, qDportHi)) return fail(EINVAL, "Invalid dport range");
  if (qHasDportMask) {
    if (!qHasDport) return fail(EINVAL, "Destination port mask without a destination port");
    if (qDportLo != qDportHi) return fail(EINVAL, "Destination port mask with a port range");
    if ((qDportLo & ~qDportMask) != 0) return fail(EINVAL, "Invalid destination port mask");
    nDportMask = qDportMask;
  } else if (qHasDport && qDportLo == qDportHi) nDportMask = 0xffff;
  // the goto checks come after the uid range and port checks (observed order on Linux 6.x)
  if (qHasGoto) {
    if (qAction != FR_ACT_GOTO) return fail(EINVAL, "Unexpected goto");
    if (qGoto <= nPref) return fail(EINVAL, "Backward goto not supported");
  } else if (qAction == FR_ACT_GOTO) return fail(EINVAL, "Missing goto target for action goto");
  return 0;
}

/** fib4_rule_configure()'s dsfield checks */
function configureDscp(): i32 {
  if (qTos & 3) return fail(EINVAL, "Invalid dsfield (tos): ECN bits must be 0");
  if (qTos & ~0x1e) return fail(EINVAL, "Invalid tos");
  nDscp = qTos & 0xfc; nDscpMask = 0; nDscpFull = false;
  if (qHasDscp) {
    if (qTos) return fail(EINVAL, "Cannot specify both TOS and DSCP");
    nDscp = qDscp << 2; nDscpMask = 0xfc; nDscpFull = true;
  }
  if (qHasDscpMask) {
    if (!qHasDscp) return fail(EINVAL, "Cannot specify DSCP mask without DSCP");
    if (qDscp & ~qDscpMask) return fail(EINVAL, "Invalid DSCP mask");
    nDscpMask = qDscpMask << 2;
  }
  return 0;
}

/** fib4_rule_compare(): the request's address and dsfield fields, where given */
function compare4(i: i32): bool {
  if (qSrcLen && rSrcLen[i] != qSrcLen) return false;
  if (qDstLen && rDstLen[i] != qDstLen) return false;
  // the request's whole dsfield, ECN bits included: `dsfield 0x02` is no rule's, so reaches the ECN check
  if (qTos && (rDscpFull[i] || rDscp[i] != qTos)) return false;
  if (qHasDscp && (!rDscpFull[i] || rDscp[i] != (qDscp << 2))) return false;
  if (qHasDscpMask && rDscpMask[i] != (qDscpMask << 2)) return false;
  if (qSrcLen && rSrc[i] != qSrc) return false;
  if (qDstLen && rDst[i] != qDst) return false;
  if (qHasFlow && rFlow[i] != qFlow) return false;
  return true;
}

/** rule_exists(): every field equal */
function ruleExists(): bool {
  for (let i = 0; i < rPref.length; i++) {
    if (rAction[i] != qAction || rTable[i] != qTable || rPref[i] != nPref) continue;
    if (rIifName[i] != qIifName || rOifName[i] != qOifName) continue;
    if (rMark[i] != qMark || rMarkMask[i] != nMarkMask) continue;
    if (rSuppressIfgroup[i] != qSuppressIfgroup || rSuppressPlen[i] != qSuppressPlen) continue;
    if (rUidStart[i] != nUidStart || rUidEnd[i] != nUidEnd) continue;
    if (rIpProto[i] != qIpProto || rProto[i] != qProto) continue;
    if (rTunId[i] != qTunId || rL3mdev[i] != qL3mdev) continue;
    if (rSportLo[i] != (qHasSport ? qSportLo : 0) || rSportHi[i] != (qHasSport ? qSportHi : 0)) continue;
    if (rDportLo[i] != (qHasDport ? qDportLo : 0) || rDportHi[i] != (qHasDport ? qDportHi : 0)) continue;
    if (rSportMask[i] != nSportMask || rDportMask[i] != nDportMask) continue;
    if (!compare4(i)) continue;
    return true;
  }
  return false;
}

function resolveDev(name: string): i32 {
  if (name.length == 0) return 0;
  const ix = devByName(name);
  return ix > 0 ? ix : -1;
}

/** fib_newrule(): ip rule add (always NLM_F_EXCL from iproute2) */
export function fibNewRule(excl: bool): i32 {
  let err = nl2rule(true);
  if (err < 0) return err;
  if (excl && ruleExists()) return -EEXIST;
  err = configureDscp();
  if (err < 0) return err;
  fibUnmerge();
  let table = qTable;
  if (table == 0 && qAction == FR_ACT_TO_TBL && !qL3mdev) {
    const t = fibEmptyTable();
    if (t < 0) return -ENOBUFS;
    table = tbId[t];
  }
  // after all rules with pref <= ours
  let at = 0;
  while (at < rPref.length && rPref[at] <= nPref) at++;
  insertAt(at);
  rPref[at] = nPref; rAction[at] = qAction; rTable[at] = table; rFlags[at] = qFlags;
  rSrc[at] = qSrc; rSrcLen[at] = qSrcLen; rDst[at] = qDst; rDstLen[at] = qDstLen;
  rDscp[at] = nDscp; rDscpMask[at] = nDscpMask; rDscpFull[at] = nDscpFull;
  rMark[at] = qMark; rMarkMask[at] = nMarkMask;
  rIifName[at] = qIifName; rOifName[at] = qOifName; rIif[at] = resolveDev(qIifName); rOif[at] = resolveDev(qOifName);
  rUidStart[at] = nUidStart; rUidEnd[at] = nUidEnd; rUidSet[at] = qHasUid; rIpProto[at] = qIpProto;
  rSportLo[at] = qHasSport ? qSportLo : 0; rSportHi[at] = qHasSport ? qSportHi : 0; rSportMask[at] = nSportMask;
  rDportLo[at] = qHasDport ? qDportLo : 0; rDportHi[at] = qHasDport ? qDportHi : 0; rDportMask[at] = nDportMask;
  rTarget[at] = qHasGoto ? qGoto : 0;
  rSuppressPlen[at] = qSuppressPlen; rSuppressIfgroup[at] = qSuppressIfgroup; rProto[at] = qProto;
  rTableIdx[at] = -1;
  rTunId[at] = qTunId; rL3mdev[at] = qL3mdev; rFlow[at] = qFlow;
  if (qFlow != 0) numTclassidUsers++;
  rResolved[at] = qAction == FR_ACT_GOTO && findPref(qGoto) >= 0;
  // unresolved gotos pointing at this pref resolve now
  for (let i = 0; i < rPref.length; i++) {
    if (rAction[i] == FR_ACT_GOTO && rTarget[i] == nPref && !rResolved[i]) rResolved[i] = true;
  }
  if (qIpProto != 0 || qHasSport || qHasDport) requireFlDissect++;
  rulesCompile();
  return 0;
}

function findPref(pref: u32): i32 {
  for (let i = 0; i < rPref.length; i++) if (rPref[i] == pref) return i;
  return -1;
}

/** fib_delrule(): the first rule the request's given fields match */
export function fibDelRule(): i32 {
  let err = nl2rule(false);
  if (err < 0) return err;
  // fib4_rule_configure is not run for a delete, but the dsfield is compared as given
  for (let i = 0; i < rPref.length; i++) {
    if (qAction != 0 && rAction[i] != qAction) continue;
    if (qTable != 0 && rTable[i] != qTable) continue;
    if (qHasPref && rPref[i] != nPref) continue;
    if (qIifName.length && rIifName[i] != qIifName) continue;
    if (qOifName.length && rOifName[i] != qOifName) continue;
    if (qMark != 0 && rMark[i] != qMark) continue;
    if (qSuppressIfgroup != -1 && rSuppressIfgroup[i] != qSuppressIfgroup) continue;
    if (qSuppressPlen != -1 && rSuppressPlen[i] != qSuppressPlen) continue;
    if (nMarkMask != 0 && rMarkMask[i] != nMarkMask) continue;
    if (qHasUid && (rUidStart[i] != nUidStart || rUidEnd[i] != nUidEnd)) continue;
    if (qIpProto != 0 && rIpProto[i] != qIpProto) continue;
    if (qProto != 0 && rProto[i] != qProto) continue;
    if (qTunId != 0 && rTunId[i] != qTunId) continue;
    if (qL3mdev && !rL3mdev[i]) continue;
    if (qHasSport && (rSportLo[i] != qSportLo || rSportHi[i] != qSportHi)) continue;
    if (qHasDport && (rDportLo[i] != qDportLo || rDportHi[i] != qDportHi)) continue;
    if (nSportMask != 0 && qHasSportMask && rSportMask[i] != nSportMask) continue;
    if (nDportMask != 0 && qHasDportMask && rDportMask[i] != nDportMask) continue;
    if (!compare4(i)) continue;
    return deleteAt(i);
  }
  return -ENOENT;
}

function deleteAt(i: i32): i32 {
  fibUnmerge();
  const pref = rPref[i];
  if (rIpProto[i] != 0 || rSportLo[i] != 0 || rDportLo[i] != 0) requireFlDissect--;
  if (rFlow[i] != 0) numTclassidUsers--;
  // gotos that pointed here move to the next rule of the same pref, or become unresolved
  const nextSame = i + 1 < rPref.length && rPref[i + 1] == pref;
  removeAt(i);
  if (!nextSame) {
    for (let j = 0; j < rPref.length; j++) {
      if (rAction[j] == FR_ACT_GOTO && rTarget[j] == pref && rResolved[j] && findPref(pref) < 0) rResolved[j] = false;
    }
  }
  rulesCompile();
  return 0;
}

/** NETDEV_REGISTER / NETDEV_UNREGISTER / rename: rules follow device names */
export function rulesAttach(ifindex: i32, name: string): void {
  for (let i = 0; i < rPref.length; i++) {
    if (rIif[i] == -1 && rIifName[i] == name) rIif[i] = ifindex;
    if (rOif[i] == -1 && rOifName[i] == name) rOif[i] = ifindex;
  }
  rulesCompile();
}
export function rulesDetach(ifindex: i32): void {
  for (let i = 0; i < rPref.length; i++) {
    if (rIif[i] == ifindex) rIif[i] = -1;
    if (rOif[i] == ifindex) rOif[i] = -1;
  }
  rulesCompile();
}

/** fib_default_rules_init() */
export function fibDefaultRulesInit(): void {
  const prefs: u32[] = [0, 0x7ffe, 0x7fff];
  const tables: u32[] = [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT];
  for (let k = 0; k < 3; k++) {
    const at = rPref.length;
    insertAt(at);
    rPref[at] = prefs[k]; rAction[at] = FR_ACT_TO_TBL; rTable[at] = tables[k]; rProto[at] = RTPROT_KERNEL;
  }
  rulesCompile();
}

// ---- lookup over a compiled copy of the rules: one packed record per rule in
// linear memory, rebuilt after every rule change, so a lookup walks contiguous words.
const W: usize = 24; // words per record
const R_IIF = 0, R_OIF = 1, R_MARK = 2, R_MARKMASK = 3, R_UIDLO = 4, R_UIDHI = 5, R_SRC = 6, R_SRCMASK = 7,
  R_DST = 8, R_DSTMASK = 9, R_DSCP = 10, R_DSCPMASK = 11, R_FLAGS = 12, R_SPORT = 13, R_SPORTMASK = 14,
  R_DPORT = 15, R_DPORTMASK = 16, R_SUPPLEN = 17, R_SUPGROUP = 18, R_TABLE = 19, R_GOTO = 20, R_TBLIDX = 21,
  R_IIFMASK = 22, R_OIFMASK = 23;
const F_INVERT: u32 = 1, F_PORTS: u32 = 2, F_NEVER: u32 = 4;
let tab: usize = 0;
let tabCap: i32 = 0;
let tabLen: i32 = 0;

// @ts-ignore: decorator
@inline function rw(i: i32, f: i32): u32 { return load<u32>(tab + ((<usize>i * W + <usize>f) << 2)); }
// @ts-ignore: decorator
@inline function rwSet(i: i32, f: i32, v: u32): void { store<u32>(tab + ((<usize>i * W + <usize>f) << 2), v); }

/** recompiles the rule table; called after every change to the rules or the devices they name */
export function rulesCompile(): void {
  rt_cache_flush();
  const n = rPref.length;
  if (n > tabCap) {
    if (tab != 0) heap.free(tab);
    tabCap = n < 16 ? 16 : n * 2;
    tab = heap.alloc(<usize>tabCap * W * 4);
  }
  tabLen = n;
  for (let i = 0; i < n; i++) {
    // a device selector is a value under an all-ones mask (an unresolved name, -1, matches no device)
    rwSet(i, R_IIF, <u32>rIif[i]); rwSet(i, R_IIFMASK, rIif[i] != 0 ? <u32>-1 : 0);
    rwSet(i, R_OIF, <u32>rOif[i]); rwSet(i, R_OIFMASK, rOif[i] != 0 ? <u32>-1 : 0);
    rwSet(i, R_MARK, rMark[i]); rwSet(i, R_MARKMASK, rMarkMask[i]);
    rwSet(i, R_UIDLO, rUidStart[i]); rwSet(i, R_UIDHI, rUidEnd[i]);
    const sm = inetMask(rSrcLen[i]), dm = inetMask(rDstLen[i]);
    rwSet(i, R_SRC, rSrc[i] & sm); rwSet(i, R_SRCMASK, sm); rwSet(i, R_DST, rDst[i] & dm); rwSet(i, R_DSTMASK, dm);
    // the legacy tos selector compares the TOS bits only; dscp compares under its mask
    rwSet(i, R_DSCP, rDscp[i]);
    rwSet(i, R_DSCPMASK, rDscpFull[i] ? rDscpMask[i] : (rDscp[i] != 0 ? <u32>0x1c : 0));
    const ports = rSportLo[i] != 0 || rDportLo[i] != 0 || rIpProto[i] != 0;
    rwSet(i, R_FLAGS, ((rFlags[i] & FIB_RULE_INVERT) ? F_INVERT : 0) | (ports ? F_PORTS : 0) |
      (rTunId[i] != 0 || rL3mdev[i] ? F_NEVER : 0) |
      (<u32>rAction[i] << 8) | (<u32>rIpProto[i] << 16) | ((rResolved[i] ? 1 : 0) << 24));
    rwSet(i, R_SPORT, rSportLo[i] | (rSportHi[i] << 16)); rwSet(i, R_SPORTMASK, rSportMask[i]);
    rwSet(i, R_DPORT, rDportLo[i] | (rDportHi[i] << 16)); rwSet(i, R_DPORTMASK, rDportMask[i]);
    rwSet(i, R_SUPPLEN, <u32>rSuppressPlen[i]); rwSet(i, R_SUPGROUP, <u32>rSuppressIfgroup[i]);
    rwSet(i, R_TABLE, rTable[i]);
    rwSet(i, R_GOTO, rAction[i] == FR_ACT_GOTO ? <u32>findPref(rTarget[i]) : <u32>-1);
    rwSet(i, R_TBLIDX, <u32>-1);
  }
}

/** the rule that decided the last fib_rules_lookup(), -1 if none */
export let lastRule: i32 = -1;

// @ts-ignore: decorator
@inline function portMatch(range: u32, mask: u32, port: u32): bool {
  const lo = range & 0xffff, hi = range >>> 16;
  if (lo == 0) return true;
  if (mask != 0 && lo == hi) return ((lo ^ port) & mask) == 0;
  return port >= lo && port <= hi;
}

/** fib_rule_match() + fib4_rule_match() on the compiled record at p, before the
 * invert flag. Every selector but the uid range and the ports is a value under a
 * mask; the most selective come first, and each miss leaves at once. The flow comes
 * in as arguments so the walk keeps it in registers. */
// @ts-ignore: decorator
@inline function ruleSelectorsMatch(p: usize, flags: u32, iif: u32, oif: u32, mark: u32, uid: u32, src: u32, dst: u32, dscp: u32): bool {
  if (((load<u32>(p, R_MARK << 2) ^ mark) & load<u32>(p, R_MARKMASK << 2)) != 0) return false;
  if (((load<u32>(p, R_SRC << 2) ^ src) & load<u32>(p, R_SRCMASK << 2)) != 0) return false;
  if (((load<u32>(p, R_DST << 2) ^ dst) & load<u32>(p, R_DSTMASK << 2)) != 0) return false;
  if ((((load<u32>(p, R_IIF << 2) ^ iif) & load<u32>(p, R_IIFMASK << 2)) |
    ((load<u32>(p, R_OIF << 2) ^ oif) & load<u32>(p, R_OIFMASK << 2)) |
    ((load<u32>(p, R_DSCP << 2) ^ dscp) & load<u32>(p, R_DSCPMASK << 2))) != 0) return false;
  const uidLo = load<u32>(p, R_UIDLO << 2);
  if (uid - uidLo > load<u32>(p, R_UIDHI << 2) - uidLo || (flags & F_NEVER) != 0) return false;
  if ((flags & F_PORTS) == 0) return true;
  const proto = (flags >>> 16) & 0xff;
  return (proto == 0 || proto == flProto) && portMatch(load<u32>(p, R_SPORT << 2), load<u32>(p, R_SPORTMASK << 2), flSport) &&
    portMatch(load<u32>(p, R_DPORT << 2), load<u32>(p, R_DPORTMASK << 2), flDport);
}

/** fib4_rule_suppress() */
function suppressed(i: i32): bool {
  if (resPrefixlen <= <i32>rw(i, R_SUPPLEN)) return true;
  const g = <i32>rw(i, R_SUPGROUP);
  if (g != -1 && resAlias >= 0) {
    const dev = aOif[resNh];
    if (dev > 0 && <i32>devGroup[dev] == g) return true;
  }
  return false;
}

/** __fib_lookup(): walk the rules; 0 or -errno (-ENETUNREACH when none decided) */
export function fibRulesLookup(flags: i32): i32 {
  const n = tabLen, base = tab;
  const iif = <u32>flIif, oif = <u32>flOif, mark = flMark, uid = flUid, src = flSrc, dst = flDst, dscp = flDscp;
  for (let i = 0; i < n; i++) {
    const p = base + ((<usize>i * W) << 2), rf = load<u32>(p, R_FLAGS << 2);
    if (ruleSelectorsMatch(p, rf, iif, oif, mark, uid, src, dst, dscp) == ((rf & F_INVERT) != 0)) continue;
    const act = <u8>((rf >>> 8) & 0xff);
    if (act == FR_ACT_GOTO) {
      // jump: matching goes on from the first rule of the target pref (unresolved: skip)
      const t = <i32>rw(i, R_GOTO);
      if (t < 0 || ((rf >>> 24) & 1) == 0) continue;
      i = t - 1;
      continue;
    }
    if (act == FR_ACT_NOP) continue;
    let err: i32;
    if (act == FR_ACT_TO_TBL) {
      let t = <i32>rw(i, R_TBLIDX);
      if (t < 0) { t = fibGetTable(rw(i, R_TABLE)); rwSet(i, R_TBLIDX, <u32>t); }
      err = t >= 0 ? fibTableLookup(t, flags) : -EAGAIN;
    } else if (act == FR_ACT_UNREACHABLE) err = -ENETUNREACH;
    else if (act == FR_ACT_PROHIBIT) err = -EACCES;
    else err = -EINVAL;
    if (err == 0 && suppressed(i)) continue;
    if (err != -EAGAIN) { lastRule = i; resSetTclassid(unchecked(rFlow[i])); return err; }
  }
  lastRule = -1;
  resSetTclassid(0);
  return -ENETUNREACH;
}
