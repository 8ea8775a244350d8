// The ABI of veth pairs between boxes (drivers/veth.ts): the host creates the
// two ends, mirrors each end's IFF_UP to the other, and pumps the outbound
// ring of one box into the other in batches (the peer reads them from its
// wire stage area, hwWireStagePtr). Bound by src/world.ts.

import {
  vethNewlinkRemote, vethRemoteBind, vethRemoteSetPeerUp, vethRemotePeer, vethRemoteNsid, vethRingPtr, vethRingCount,
  vethRingComplete, vethRemoteRx,
} from "./drivers/veth";
import { randomMac } from "./core/dev";
import { devExists, devIsUp } from "./core/netdevice";
import { timersNext } from "./core/timers";
import { wireStagePtr, STAGE_SIZE } from "./hw/wire";
import { clearExtack } from "./lib/errno";

/** eth_hw_addr_random() of the creating box, for the end made in the other one (48 bits in an f64). */
export function vethRandomMac(): f64 { return <f64>randomMac(); }

/** One end of a pair whose peer is in another box: its ifindex, 0 when `check` only validates, or -errno. */
export function vethAdd(name: string, macHi: u32, macLo: u32, mtu: u32, txqlen: u32, check: bool): i32 {
  clearExtack();
  return vethNewlinkRemote(name, (<u64>macHi << 32) | <u64>macLo, mtu, txqlen, check);
}
export function vethBind(ifindex: i32, peer: i32, nsid: i32): void { vethRemoteBind(ifindex, peer, nsid); }
/** The peer's IFF_UP changed (or is being told for the first time). */
export function vethPeerUp(ifindex: i32, up: bool): void { vethRemoteSetPeerUp(ifindex, up); }
/** 0 the peer's ifindex (0: not a remote end, or gone), 1 its nsid (-1), 2 our IFF_UP */
export function vethInfo(ifindex: i32, which: i32): i32 {
  switch (which) {
    case 0: return vethRemotePeer(ifindex);
    case 1: return vethRemoteNsid(ifindex);
    case 2: return devExists(ifindex) && devIsUp(ifindex) ? 1 : 0;
  }
  return 0;
}

/** The outbound ring: records [u32 dev][u32 len][i32 status][bytes, padded to 4]. */
export function vethOutPtr(): usize { return vethRingPtr(); }
export function vethOutCount(): i32 { return vethRingCount(); }
/** After the host wrote every record's status: counts them and empties the ring. */
export function vethOutComplete(): i32 { return vethRingComplete(); }
/** `count` records [u32 dev][u32 len][bytes] in the stage area enter their devices; returns how many were accepted. */
export function vethIn(count: i32): i32 { return vethRemoteRx(wireStagePtr(), STAGE_SIZE, count); }

/** The time (ns) of the box's next timer (core/timers.ts), -1 if none. */
export function netNextTimer(): f64 {
  const t = timersNext();
  return t == i64.MAX_VALUE ? -1 : <f64>t;
}
