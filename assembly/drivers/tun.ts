// The TUN/TAP driver (drivers/net/tun.c): a network device whose other end is
// a file descriptor in user space, here the host (src/tun.ts). TUN devices
// carry bare IP packets (ARPHRD_NONE, no link-layer header), TAP devices
// Ethernet frames; one driver, one kind, IFF_TUN/IFF_TAP per device.
//
// write() is tun_get_user: the packet enters the stack as if received.
// The stack's transmit ends in tun_net_xmit, which queues the skb on the
// attached queue's ring (ptr_ring of tx_queue_len entries, allocated when the
// queue attaches or the length changes, never per packet); read() is
// tun_do_read/tun_put_user, one packet per call, counted as TX then.
//
// One queue (one "file") per device: a multi_queue device accepts one too.

import {
  devExists, devIsUp, devCarrier, devKind, devTxqlen, devByName, devGetValidName, devNameError, devType, KIND_TUN,
  IFF_POINTOPOINT, IFF_NOARP, IFF_MULTICAST, IFF_BROADCAST, ARPHRD_NONE,
} from "../core/netdevice";
import { register, carrierChange, rtnlDellink, randomMac } from "../core/dev";
import {
  netdevOpsRegister, netif_receive_skb, do_softirq, eth_type_trans, dev_core_stats_rx_dropped_inc,
  dev_core_stats_tx_dropped_inc, NETDEV_TX_OK, ETH_HLEN, ETH_P_IP, ETH_P_IPV6, ST_RX_PACKETS, ST_RX_BYTES,
  ST_TX_PACKETS, ST_TX_BYTES,
} from "../core/netif";
import {
  skbDev, skbLen, skbProtocol, skbDataPtr, skbFromBytes, skbResetMacHeader, skbResetNetworkHeader, SKB_POOL, skbLargeScarce,
} from "../core/skbuff";
import {
  kfree_skb_reason, kfree_skb, consume_skb, dropCount, SKB_DROP_REASON_DEV_READY, SKB_DROP_REASON_FULL_RING,
  SKB_DROP_REASON_INVALID_PROTO, SKB_DROP_REASON_NOMEM, SKB_DROP_REASON_PKT_TOO_BIG,
} from "../core/dropreason";
import { EBUSY, EINVAL, EIO, EAGAIN, ENOBUFS } from "../lib/errno";
import { trace, traceVerdict } from "../core/trace";
import { clockNow } from "../hw/clock";
import { TE_TUN_GET_USER, TE_TUN_NET_XMIT, TE_DROP, VERDICT_DROP } from "../core/trace_events";

// include/uapi/linux/if_tun.h
export const IFF_TUN: u32 = 0x0001, IFF_TAP: u32 = 0x0002, IFF_NO_CARRIER: u32 = 0x0040,
  IFF_MULTI_QUEUE: u32 = 0x0100, IFF_PERSIST: u32 = 0x0800, IFF_NO_PI: u32 = 0x1000, IFF_ONE_QUEUE: u32 = 0x2000,
  IFF_VNET_HDR: u32 = 0x4000, IFF_TUN_EXCL: u32 = 0x8000;
const TUN_TYPE_MASK: u32 = 0x000f;
/** TUN_FEATURES without the NAPI flags: what TUNSETIFF keeps in tun->flags */
const TUN_FEATURES: u32 = IFF_NO_PI | IFF_ONE_QUEUE | IFF_VNET_HDR | IFF_MULTI_QUEUE | IFF_NO_CARRIER;
/** struct tun_pi */
const TUN_PI_LEN: u32 = 4;
/** tun_pi.flags when tun_put_user cut the packet to the reader's buffer */
const TUN_PKT_STRIP: u16 = 0x0001;
const EBADFD: i32 = 77, EMSGSIZE: i32 = 90;

// per device, by ifindex
const tunFlags = new Array<u32>();
const tunAttached = new Array<bool>();
/** dev->operstate is still IF_OPER_UNKNOWN: linkwatch has never seen a carrier change */
const tunOperUnknown = new Array<bool>();
const rxPackets = new Array<u64>();
const rxBytes = new Array<u64>();
const txPackets = new Array<u64>();
const txBytes = new Array<u64>();
// the queue's ptr_ring of skbs, and when each was queued (for readers that want times: replay)
const ring = new Array<StaticArray<i32>>();
const ringTime = new Array<StaticArray<i64>>();
const ringHead = new Array<i32>();
const ringCount = new Array<i32>();
/**
 * Not in Linux: all rings together hold at most TUN_SKB_MAX skbs (the pool's budget: see skbuff.ts);
 * past it tun_net_xmit drops as at a full ring. One device with the default tx_queue_len (500) stays
 * within it, so there the ring size is the binding limit, as in Linux.
 */
export const TUN_SKB_MAX: i32 = SKB_POOL / 8;
let ringSkbs: i32 = 0;

const EMPTY_RING = new StaticArray<i32>(0);
const EMPTY_TIMES = new StaticArray<i64>(0);
/** When the packet the last tun_do_read took was queued (virtual ns). */
export let tunReadQueuedAt: i64 = 0;
let opsRegistered = false;

function ensure(dev: i32): void {
  while (tunFlags.length <= dev) {
    tunFlags.push(0); tunAttached.push(false); tunOperUnknown.push(true); rxPackets.push(0); rxBytes.push(0);
    txPackets.push(0); txBytes.push(0); ring.push(EMPTY_RING); ringTime.push(EMPTY_TIMES); ringHead.push(0); ringCount.push(0);
  }
}

/** A live tun/tap device (the file's tun pointer is still good). */
export function tunValid(dev: i32): bool {
  return devExists(dev) && devKind[dev] == KIND_TUN && dev < tunFlags.length;
}

/** tun->flags as the tun_flags sysfs attribute shows them (iproute2's `ip tuntap show` reads it). */
export function tunFlagsOf(dev: i32): u32 { return tunValid(dev) ? tunFlags[dev] : 0; }
export function tunNumQueues(dev: i32): i32 { return tunValid(dev) && tunAttached[dev] ? 1 : 0; }
export function tunOperstateUnknown(dev: i32): bool { return tunValid(dev) && tunOperUnknown[dev]; }
export function tunRingCount(dev: i32): i32 { return tunValid(dev) ? ringCount[dev] : 0; }
export function tunRingSize(dev: i32): i32 { return tunValid(dev) ? ring[dev].length : 0; }

/** netif_carrier_on/off from the driver; the first real change gives linkwatch an operstate to set. */
function tunCarrier(dev: i32, on: bool): void {
  if (devCarrier[dev] == on) return;
  tunOperUnknown[dev] = false;
  carrierChange(dev, on);
}

/** tun_setup/tun_net_init: a new device, carrier on (a fresh netdevice has one), no queue yet. */
function tunCreate(name: string, flags: u32): i32 {
  const tap = (flags & TUN_TYPE_MASK) == IFF_TAP;
  const dev = tap
    ? register(name, KIND_TUN, 1500, randomMac(), 1000, IFF_BROADCAST | IFF_MULTICAST, 65535 - ETH_HLEN)
    : register(name, KIND_TUN, 1500, 0, 500, IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST, 65535);
  if (dev < 0) return dev;
  if (!tap) devType[dev] = ARPHRD_NONE;
  ensure(dev);
  tunFlags[dev] = (flags & (TUN_TYPE_MASK | TUN_FEATURES));
  tunAttached[dev] = false;
  tunOperUnknown[dev] = true;
  rxPackets[dev] = 0; rxBytes[dev] = 0; txPackets[dev] = 0; txBytes[dev] = 0;
  ring[dev] = EMPTY_RING; ringTime[dev] = EMPTY_TIMES; ringHead[dev] = 0; ringCount[dev] = 0;
  if (!opsRegistered) { netdevOpsRegister(KIND_TUN, tun_net_xmit, tun_net_get_stats64); opsRegistered = true; }
  return dev;
}

/**
 * open("/dev/net/tun") + ioctl(TUNSETIFF): attaches the queue to device `name`, created
 * when there is none ("" = tun%d/tap%d). Returns the ifindex or -errno.
 */
export function tun_set_iff(name: string, flags: u32): i32 {
  const type = flags & TUN_TYPE_MASK;
  let dev = name.length != 0 ? devByName(name) : 0;
  if (dev != 0) {
    if ((flags & IFF_TUN_EXCL) != 0) return -EBUSY;
    if (devKind[dev] != KIND_TUN) return -EINVAL;
    const have = tunFlags[dev];
    if (type != (have & TUN_TYPE_MASK)) return -EINVAL;
    if ((flags & IFF_MULTI_QUEUE) != (have & IFF_MULTI_QUEUE)) return -EINVAL;
    if (tunAttached[dev]) return -EBUSY;
    // an existing device takes the new file's features (tun_set_iff, "tun->flags = ...")
    tunFlags[dev] = (have & ~TUN_FEATURES) | (flags & TUN_FEATURES);
  } else {
    if (type != IFF_TUN && type != IFF_TAP) return -EINVAL;
    const n = name.length != 0 ? name : type == IFF_TUN ? "tun%d" : "tap%d";
    const v = devGetValidName(n);
    if (v.length == 0) return devNameError;
    dev = tunCreate(v, flags);
    if (dev < 0) return dev;
  }
  tun_attach(dev);
  return dev;
}

/** tun_attach(): the queue's ring of tx_queue_len entries, then carrier on unless IFF_NO_CARRIER. */
function tun_attach(dev: i32): void {
  tunAttached[dev] = true;
  ringResize(dev, <i32>devTxqlen[dev]);
  if ((tunFlags[dev] & IFF_NO_CARRIER) == 0) tunCarrier(dev, true);
}

/** TUNSETPERSIST */
export function tunSetPersist(dev: i32, on: bool): i32 {
  if (!tunValid(dev)) return -EBADFD;
  if (on) tunFlags[dev] |= IFF_PERSIST; else tunFlags[dev] &= ~IFF_PERSIST;
  return 0;
}

/** close() of the file (tun_detach): the ring is purged; carrier off; a device that is not persistent goes away. */
export function tun_detach(dev: i32): void {
  if (!tunValid(dev) || !tunAttached[dev]) return;
  tunAttached[dev] = false;
  ringPurge(dev);
  ring[dev] = EMPTY_RING;
  ringTime[dev] = EMPTY_TIMES;
  if ((tunFlags[dev] & IFF_PERSIST) == 0) { rtnlDellink(dev); return; }
  tunCarrier(dev, false);
}

/** unregister_netdevice() of a tun device (rtnl dellink, or the last close): the queued skbs are freed. */
export function tunNetdevRemove(dev: i32): void {
  if (dev >= tunFlags.length) return;
  ringPurge(dev);
  ring[dev] = EMPTY_RING;
  ringTime[dev] = EMPTY_TIMES;
  tunAttached[dev] = false;
}

/** tun_queue_resize() on NETDEV_CHANGE_TX_QUEUE_LEN: ptr_ring_resize keeps the oldest that fit. */
export function tunQueueResize(dev: i32): void {
  if (tunValid(dev) && tunAttached[dev]) ringResize(dev, <i32>devTxqlen[dev]);
}

function ringResize(dev: i32, size: i32): void {
  const old = ring[dev];
  if (old.length == size && old != EMPTY_RING) return;
  const oldTimes = ringTime[dev];
  const r = size > 0 ? new StaticArray<i32>(size) : EMPTY_RING;
  const t = size > 0 ? new StaticArray<i64>(size) : EMPTY_TIMES;
  let n = 0;
  const h = ringHead[dev], c = ringCount[dev];
  for (let i = 0; i < c; i++) {
    const k = (h + i) % old.length;
    if (n < size) { unchecked(t[n] = oldTimes[k]); unchecked(r[n++] = old[k]); }
    else kfree_skb(unchecked(old[k])); // tun_ptr_free
  }
  ring[dev] = r;
  ringTime[dev] = t;
  ringHead[dev] = 0;
  ringCount[dev] = n;
  ringSkbs -= c - n;
}

function ringPurge(dev: i32): void {
  const r = ring[dev];
  const h = ringHead[dev];
  for (let i = 0; i < ringCount[dev]; i++) kfree_skb(unchecked(r[(h + i) % r.length])); // tun_ptr_free
  ringSkbs -= ringCount[dev];
  ringHead[dev] = 0;
  ringCount[dev] = 0;
}

/** A drop of the driver's own, with its reason in the packet's trace. */
function tunDrop(skb: i32, reason: u16): void {
  trace(TE_DROP, reason, 0);
  traceVerdict(skb, VERDICT_DROP, reason);
  kfree_skb_reason(skb, reason);
}

function load16be(p: usize): u16 { return <u16>((<u32>load<u8>(p) << 8) | <u32>load<u8>(p, 1)); }

/**
 * write() on the file (tun_get_user) of [p, p+len): the bytes written (also when
 * the stack drops the packet later) or -errno. Order of the checks as the kernel
 * makes them: the PI header, the TAP frame length, the IP version of a TUN packet
 * without PI, then the device being up.
 */
export function tun_get_user(dev: i32, p: usize, len: u32): i32 {
  if (!tunValid(dev) || !tunAttached[dev]) return -EBADFD;
  const flags = tunFlags[dev];
  const tap = (flags & TUN_TYPE_MASK) == IFF_TAP;
  let off: u32 = 0;
  let proto: u16 = 0;
  if ((flags & IFF_NO_PI) == 0) {
    if (len < TUN_PI_LEN) return -EINVAL;
    proto = load16be(p + 2); // pi.flags are ignored; pi.proto becomes skb->protocol as it is
    off = TUN_PI_LEN;
  }
  if ((flags & IFF_VNET_HDR) != 0) return -EINVAL; // virtio-net headers are not modelled
  const plen = len - off;
  if (tap && plen < ETH_HLEN) return -EINVAL;
  const skb = skbFromBytes(p + off, plen);
  if (skb < 0) {
    dev_core_stats_rx_dropped_inc(dev);
    dropCount(skb == -1 ? SKB_DROP_REASON_NOMEM : SKB_DROP_REASON_PKT_TOO_BIG);
    return skb == -1 ? -ENOBUFS : -EMSGSIZE;
  }
  trace(TE_TUN_GET_USER, <u32>dev, plen);
  if (tap) {
    eth_type_trans(skb, dev);
  } else {
    if ((flags & IFF_NO_PI) != 0) {
      const version = plen > 0 ? <u32>load<u8>(p + off) >> 4 : 0;
      if (version == 4) proto = ETH_P_IP;
      else if (version == 6) proto = ETH_P_IPV6;
      else {
        dev_core_stats_rx_dropped_inc(dev);
        tunDrop(skb, SKB_DROP_REASON_INVALID_PROTO);
        return -EINVAL;
      }
    }
    skbDev[skb] = dev;
    skbResetMacHeader(skb);
    skbResetNetworkHeader(skb);
    skbProtocol[skb] = proto;
  }
  if (!devIsUp(dev)) {
    dev_core_stats_rx_dropped_inc(dev);
    tunDrop(skb, SKB_DROP_REASON_DEV_READY);
    return -EIO;
  }
  rxPackets[dev]++;
  rxBytes[dev] += plen;
  // tun_rx_batched: netif_receive_skb with bottom halves off; local_bh_enable runs the softirq
  netif_receive_skb(skb);
  do_softirq();
  return <i32>len;
}

/** ndo_start_xmit (tun_net_xmit): onto the ring of the attached queue, or dropped (tx_dropped). */
function tun_net_xmit(skb: i32, dev: i32): i32 {
  if (!tunAttached[dev]) {
    dev_core_stats_tx_dropped_inc(dev);
    tunDrop(skb, SKB_DROP_REASON_DEV_READY);
    return NETDEV_TX_OK;
  }
  const r = ring[dev];
  const c = ringCount[dev];
  trace(TE_TUN_NET_XMIT, <u32>dev, <u32>c);
  if (c >= r.length || ringSkbs >= TUN_SKB_MAX || skbLargeScarce(skb)) {
    dev_core_stats_tx_dropped_inc(dev);
    tunDrop(skb, SKB_DROP_REASON_FULL_RING);
    return NETDEV_TX_OK;
  }
  const k = (ringHead[dev] + c) % r.length;
  unchecked(r[k] = skb);
  unchecked(ringTime[dev][k] = clockNow());
  ringCount[dev] = c + 1;
  ringSkbs++;
  return NETDEV_TX_OK;
}

/** tun_net_get_stats64: the software counters; drops come from the core counters. */
function tun_net_get_stats64(dev: i32, s: StaticArray<u64>): void {
  if (!tunValid(dev)) return;
  s[ST_RX_PACKETS] = rxPackets[dev]; s[ST_RX_BYTES] = rxBytes[dev];
  s[ST_TX_PACKETS] = txPackets[dev]; s[ST_TX_BYTES] = txBytes[dev];
}

/**
 * read() on the file (tun_do_read + tun_put_user) into [out, out+cap), cap > 0: one
 * packet, [struct tun_pi][packet]. Returns the bytes stored (a packet longer than the
 * buffer is cut, the rest lost, PI flags TUN_PKT_STRIP) or -EAGAIN when the ring is
 * empty. A PI reader whose buffer cannot hold the header gets -EINVAL, and the packet,
 * already taken off the ring, is freed.
 */
export function tun_do_read(dev: i32, out: usize, cap: u32): i32 {
  if (!tunValid(dev) || !tunAttached[dev]) return -EBADFD;
  const c = ringCount[dev];
  if (c == 0) return -EAGAIN;
  const r = ring[dev];
  const skb = unchecked(r[ringHead[dev]]);
  tunReadQueuedAt = unchecked(ringTime[dev][ringHead[dev]]);
  ringHead[dev] = (ringHead[dev] + 1) % r.length;
  ringCount[dev] = c - 1;
  ringSkbs--;
  const pi = (tunFlags[dev] & IFF_NO_PI) == 0;
  if (pi && cap < TUN_PI_LEN) { kfree_skb(skb); return -EINVAL; }
  const len = skbLen[skb];
  let o: u32 = 0;
  let room = cap;
  if (pi) {
    // struct tun_pi: flags in the machine's byte order (little-endian x86-64 here), proto big-endian
    store<u16>(out, len > cap - TUN_PI_LEN ? TUN_PKT_STRIP : 0);
    const proto = skbProtocol[skb];
    store<u8>(out, <u8>(proto >> 8), 2); store<u8>(out, <u8>proto, 3);
    o = TUN_PI_LEN;
    room -= TUN_PI_LEN;
  }
  const n = len < room ? len : room;
  memory.copy(out + o, skbDataPtr(skb), n);
  txPackets[dev]++;
  txBytes[dev] += len;
  consume_skb(skb);
  return <i32>(o + n);
}

/** tun_peek_len(): what the next read() returns with a large enough buffer (PI included), 0 if the ring is empty. */
export function tun_peek_len(dev: i32): u32 {
  if (!tunValid(dev) || ringCount[dev] == 0) return 0;
  const skb = unchecked(ring[dev][ringHead[dev]]);
  return skbLen[skb] + ((tunFlags[dev] & IFF_NO_PI) == 0 ? TUN_PI_LEN : 0);
}
