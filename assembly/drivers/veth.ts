// A veth end whose peer lives in another box (drivers/net/veth.c with the
// peer in another network namespace). Linux's veth_xmit hands the skb to the
// peer's dev_forward_skb at once; between two WASM instances the frame waits
// in this box's outbound ring until the host pumps it into the peer's box,
// which runs dev_forward_skb → netif_rx there. The answer (accepted or
// dropped) comes back with the completion, so the counters end where Linux
// has them: TX (or priv->dropped) on the sender, RX on the peer.
//
// Ring records: [u32 dev][u32 len][i32 status][bytes, padded to 4].

import { devExists, devIsUp, devKind, devByName, devValidName, ifnamePolicyOk, KIND_VETH } from "../core/netdevice";
import { skbLen, skbDataPtr } from "../core/skbuff";
import { consume_skb, kfree_skb_reason, SKB_DROP_REASON_CPU_BACKLOG } from "../core/dropreason";
import {
  dev_forward_skb, dev_lstats_add, allocRx, veth_dropped_inc, NET_RX_SUCCESS, NET_XMIT_DROP, NETDEV_TX_OK, ST_RX_PACKETS,
  ST_RX_BYTES, ETH_HLEN,
} from "../core/netif";
import { carrierChange, register, POLICY_MSG } from "../core/dev";
import { EEXIST, EINVAL, EADDRNOTAVAIL, fail } from "../lib/errno";
import { trace } from "../core/trace";
import { TE_VETH_REMOTE, TE_VETH_REMOTE_FULL } from "../core/trace_events";

/** The outbound ring: as many frames as the default netdev_max_backlog holds, and the bytes for them. */
export const VETH_RING_FRAMES: i32 = 1000;
export const VETH_RING_BYTES: u32 = 1 << 20;
const HDR: u32 = 12;

/** the nsid (peernet2id) of the peer's box, as this box numbers the others */
const remoteNsid = new Array<i32>();
/** the peer's ifindex in its own box (dev_get_iflink), 0 for devices that are not such an end */
const remotePeer = new Array<i32>();
/** IFF_UP of the peer, as the host last told us */
const remotePeerUp = new Array<bool>();
/** the peer's TX counters as it reported them through completions: our RX (veth_get_stats64) */
const remoteRxPackets = new Array<u64>();
const remoteRxBytes = new Array<u64>();
let ringPtr: usize = 0;
let ringUsed: u32 = 0;
let ringCount: i32 = 0;

function ensure(dev: i32): void {
  while (remotePeer.length <= dev) {
    remotePeer.push(0); remoteNsid.push(-1); remotePeerUp.push(false); remoteRxPackets.push(0); remoteRxBytes.push(0);
  }
}

/** Whether `dev` is a live veth end with its peer in another box. */
export function vethIsRemote(dev: i32): bool {
  return devExists(dev) && devKind[dev] == KIND_VETH && dev < remotePeer.length && remotePeer[dev] != 0;
}

/** The peer's ifindex in its box (IFLA_LINK with IFLA_LINK_NETNSID), 0 if `dev` is not a remote end. */
export function vethRemotePeer(dev: i32): i32 { return vethIsRemote(dev) ? remotePeer[dev] : 0; }

/** veth_open(): with the peer in another box, its IFF_UP as last mirrored. */
export function vethRemotePeerIsUp(dev: i32): bool { return vethIsRemote(dev) && remotePeerUp[dev]; }

/**
 * veth_newlink() of the end in this box: the checks rtnl_newlink makes for one device, then (unless
 * `check`) register_netdevice. Returns the ifindex (0 when only checking) or -errno. The creating box
 * draws both addresses (eth_hw_addr_random), so `mac` is always given.
 */
export function vethNewlinkRemote(name: string, mac: u64, mtu: u32, txqlen: u32, check: bool): i32 {
  if (!ifnamePolicyOk(name)) return fail(EINVAL, POLICY_MSG);
  if (!devValidName(name)) return -EINVAL;
  if (devByName(name) != 0) return -EEXIST;
  if ((mac & 0x010000000000) != 0 || mac == 0) return -EADDRNOTAVAIL;
  const m = mtu != 0 ? mtu : 1500;
  if (m < 68) return fail(EINVAL, "mtu less than device minimum");
  if (m > 65535) return fail(EINVAL, "mtu greater than device maximum");
  if (check) return 0;
  const dev = register(name, KIND_VETH, m, mac, txqlen != 0 ? txqlen : 1000);
  if (dev < 0) return dev;
  ensure(dev);
  remotePeer[dev] = 0; remoteNsid[dev] = -1; remotePeerUp[dev] = false; remoteRxPackets[dev] = 0; remoteRxBytes[dev] = 0;
  return dev;
}

/** Joins a device made by vethNewlinkRemote to its peer: `peer` in the box this one numbers `nsid`. */
export function vethRemoteBind(dev: i32, peer: i32, nsid: i32): void {
  if (!devExists(dev) || devKind[dev] != KIND_VETH || dev >= remotePeer.length) return;
  remotePeer[dev] = peer; remoteNsid[dev] = nsid;
}

/** IFLA_LINK_NETNSID of a remote end, -1 for other devices. */
export function vethRemoteNsid(dev: i32): i32 { return vethIsRemote(dev) ? remoteNsid[dev] : -1; }

/**
 * The peer went up or down in its box: veth_open/veth_close set the carrier of both ends,
 * so ours is on exactly when both ends are up.
 */
export function vethRemoteSetPeerUp(dev: i32, up: bool): void {
  if (!vethIsRemote(dev)) return;
  remotePeerUp[dev] = up;
  carrierChange(dev, up && devIsUp(dev));
}

/** veth_get_stats64(): RX from the peer's TX counters. */
export function vethRemoteRxStats(dev: i32, s: StaticArray<u64>): void {
  if (!vethIsRemote(dev)) return;
  s[ST_RX_PACKETS] = remoteRxPackets[dev]; s[ST_RX_BYTES] = remoteRxBytes[dev];
}

/** The ring (allocated on first use). */
export function vethRingPtr(): usize {
  if (ringPtr == 0) ringPtr = heap.alloc(<usize>VETH_RING_BYTES);
  return ringPtr;
}
export function vethRingCount(): i32 { return ringCount; }

/**
 * veth_xmit() toward another box: the frame is copied into the outbound ring and the skb consumed.
 * A full ring stands for the peer's full backlog (enqueue_to_backlog): priv->dropped, CPU_BACKLOG.
 */
export function veth_xmit_remote(skb: i32, dev: i32): i32 {
  const len = skbLen[skb];
  const rec = (HDR + len + 3) & ~3;
  if (ringCount >= VETH_RING_FRAMES || <u64>ringUsed + <u64>rec > <u64>VETH_RING_BYTES) {
    trace(TE_VETH_REMOTE_FULL, <u32>dev, len);
    kfree_skb_reason(skb, SKB_DROP_REASON_CPU_BACKLOG);
    veth_dropped_inc(dev);
    return NET_XMIT_DROP;
  }
  const r = vethRingPtr() + ringUsed;
  store<u32>(r, <u32>dev); store<u32>(r, len, 4); store<i32>(r, -1, 8);
  memory.copy(r + HDR, skbDataPtr(skb), len);
  ringUsed += rec;
  ringCount++;
  trace(TE_VETH_REMOTE, <u32>dev, len);
  consume_skb(skb);
  return NETDEV_TX_OK;
}

/**
 * The completion of the whole ring, each record's status written by the host from the peer's answer
 * (0 accepted, else dropped): lstats for the accepted, priv->dropped for the others. Empties the ring.
 */
export function vethRingComplete(): i32 {
  let off: u32 = 0;
  for (let i = 0; i < ringCount; i++) {
    const r = ringPtr + off;
    const dev = <i32>load<u32>(r), len = load<u32>(r, 4);
    if (vethIsRemote(dev)) {
      if (load<i32>(r, 8) == NET_RX_SUCCESS) dev_lstats_add(dev, len);
      else veth_dropped_inc(dev);
    }
    off += (HDR + len + 3) & ~3;
  }
  const n = ringCount;
  ringUsed = 0;
  ringCount = 0;
  return n;
}

/**
 * Frames from the peer's box: records [u32 dev][u32 len][bytes, padded to 4] at `p` (at most `size`
 * bytes). Each enters its device through dev_forward_skb (MTU and up checks, the backlog); the frame
 * crosses as bytes, so the skb's mark, priority and socket stay behind, as skb_scrub_packet() with
 * xnet clears them. The first word of each record becomes 0 (accepted) or 1 (dropped). Returns the
 * number accepted.
 */
export function vethRemoteRx(p: usize, size: u32, count: i32): i32 {
  let off: u32 = 0;
  let ok = 0;
  for (let i = 0; i < count; i++) {
    if (off + 8 > size) break;
    const dev = <i32>load<u32>(p + off), len = load<u32>(p + off, 4);
    if (<u64>len > <u64>(size - off - 8)) { store<i32>(p + off, 1); break; }
    let rc = 1;
    if (vethIsRemote(dev) && len >= ETH_HLEN) {
      const skb = allocRx(dev, p + off + 8, len);
      if (skb >= 0 && dev_forward_skb(dev, skb) == NET_RX_SUCCESS) {
        remoteRxPackets[dev]++; remoteRxBytes[dev] += len;
        rc = 0; ok++;
      }
    }
    store<i32>(p + off, rc);
    off += (8 + len + 3) & ~3;
  }
  return ok;
}
