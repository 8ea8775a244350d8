// rx_handlers written by the host (box.link(name).setRxHandler(fn)). The
// handler is registered with netdev_rx_handler_register like any other, so a
// device keeps one handler (EBUSY for a second). Calling out of WASM for each
// frame would cost a boundary crossing per frame, so the core's handler only
// parks the skb and its place in __netif_receive_skb_core; when the softirq
// step is done, netRun returns to the host, which runs its functions over the
// whole batch through one memory view and calls hostRxResume: each skb goes on
// where the handler was called, in the order the frames arrived.
//
// Park record (u32 each): token, ifindex, frame pointer, frame length (from
// the Ethernet header), protocol, pkt_type, result (host writes RX_HANDLER_*),
// new device for ANOTHER (host writes).

import { skbDev, skbHead, skbMacHeader, skbData, skbLen, skbProtocol, skbPktType, SKB_POOL } from "./skbuff";
import {
  netdev_rx_handler_register, netdev_rx_handler_unregister, netdevRxHandlerId, netif_receive_skb_resume,
  RX_HANDLER_PARKED, RX_HANDLER_CONSUMED, RX_HANDLER_ANOTHER, RX_HANDLER_PASS,
} from "./netif";
import { devExists } from "./netdevice";
import { kfree_skb, consume_skb } from "./dropreason";
import { RXH_HOST } from "./trace_events";

export const PARK_REC: i32 = 8;
const parkRec = new StaticArray<u32>(SKB_POOL * PARK_REC);
const parkSkb = new StaticArray<i32>(SKB_POOL);
let parkN: i32 = 0;
/** the host's handler token per device (by ifindex) */
const hostToken = new Array<u32>();

function hostRxHandler(skb: i32): i32 {
  const dev = skbDev[skb];
  if (parkN >= SKB_POOL) return RX_HANDLER_PASS; // cannot happen: every parked skb is a live one from the pool
  const o = parkN * PARK_REC;
  const mac = skbMacHeader[skb];
  const start: u32 = mac >= 0 && <u32>mac <= skbData[skb] ? <u32>mac : skbData[skb];
  unchecked(parkRec[o] = dev < hostToken.length ? hostToken[dev] : 0);
  unchecked(parkRec[o + 1] = <u32>dev);
  unchecked(parkRec[o + 2] = <u32>(skbHead(skb) + <usize>start));
  unchecked(parkRec[o + 3] = skbData[skb] - start + skbLen[skb]);
  unchecked(parkRec[o + 4] = skbProtocol[skb]);
  unchecked(parkRec[o + 5] = skbPktType[skb]);
  unchecked(parkRec[o + 6] = <u32>RX_HANDLER_PASS);
  unchecked(parkRec[o + 7] = 0);
  unchecked(parkSkb[parkN] = skb);
  parkN++;
  return RX_HANDLER_PARKED;
}

/**
 * Sets (token != 0) or removes (0) the host's handler on ifindex. Replacing the host's own handler
 * keeps the registration; anyone else's gives -EBUSY (netdev_rx_handler_register). 0 or -errno.
 */
export function hostRxHandlerSet(ifindex: i32, token: u32): i32 {
  if (!devExists(ifindex)) return -19;
  while (hostToken.length <= ifindex) hostToken.push(0);
  const ours = netdevRxHandlerId(ifindex) == RXH_HOST;
  if (token == 0) {
    if (!ours) return -2; // ENOENT: no handler of the host there
    netdev_rx_handler_unregister(ifindex);
    hostToken[ifindex] = 0;
    return 0;
  }
  if (!ours) {
    const e = netdev_rx_handler_register(ifindex, hostRxHandler, RXH_HOST);
    if (e < 0) return e;
  }
  hostToken[ifindex] = token;
  return 0;
}

export function hostRxParked(): i32 { return parkN; }
export function hostRxParkPtr(): usize { return changetype<usize>(parkRec); }

/**
 * The batch's results are in: every parked skb goes on (frames parked again meanwhile, by an ANOTHER
 * to a device with a host handler, stay for the next batch). Returns how many went on.
 */
export function hostRxResume(): i32 {
  const n = parkN;
  for (let i = 0; i < n; i++) {
    const o = i * PARK_REC;
    const skb = unchecked(parkSkb[i]);
    const dev = <i32>unchecked(parkRec[o + 1]);
    let r = <i32>unchecked(parkRec[o + 6]);
    if (r < RX_HANDLER_CONSUMED || r > RX_HANDLER_PASS) r = RX_HANDLER_PASS;
    if (r == RX_HANDLER_CONSUMED) {
      // the host took the frame (it has read what it wanted): the core finishes the round (its
      // trace and verdict), then frees it
      netif_receive_skb_resume(skb, dev, RXH_HOST, r);
      consume_skb(skb);
      continue;
    }
    if (r == RX_HANDLER_ANOTHER) {
      const nd = <i32>unchecked(parkRec[o + 7]);
      if (!devExists(nd)) { kfree_skb(skb); continue; }
      skbDev[skb] = nd;
    }
    netif_receive_skb_resume(skb, dev, RXH_HOST, r);
  }
  // what was parked while resuming moves to the front
  const left = parkN - n;
  for (let i = 0; i < left; i++) {
    unchecked(parkSkb[i] = parkSkb[n + i]);
    for (let k = 0; k < PARK_REC; k++) unchecked(parkRec[i * PARK_REC + k] = parkRec[(n + i) * PARK_REC + k]);
  }
  parkN = left;
  return n;
}
