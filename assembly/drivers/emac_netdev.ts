// The netdevice side of the EMAC driver (emac.c: emac_probe's register_netdev,
// the net_device_ops emac_open/emac_close/emac_start_xmit/emac_change_mtu/
// emac_get_stats64, and phylib's polling state machine that turns PHY link
// into netif_carrier_on/off). The driver proper is assembly/drivers/emac.ts.
//
// One netdevice of kind emac owns one NIC of the hardware model. phylib polls
// the PHY every PHY_STATE_TIME (1 s, as phy.c does for PHY_POLL devices); the
// timer runs in the box's virtual time (netRun).

import {
  emac_probe, emac_open, emac_close, emac_phy_poll, emac_change_mtu, emac_mac_tx_buf_send, emac_update_hw_stats,
  emac_set_mac_address, emacAdapter, emacSetRxToStack, RXF_CSUM_UNNECESSARY, emac_watchdog_next,
  emac_watchdog_run, emac_rx_mode_set, emacSetLinkChange, emacSetTxqState,
} from "./emac";
import { emacCreate, emacDevice } from "../hw/emac/emac";
import { wirePortReset } from "../hw/wire";
import { clockNow, CLOCK_NEVER } from "../hw/clock";
import { hwDelay } from "../hw/run";
import { dmaInit } from "../hw/dma";
import {
  RX_OK, RX_MCAST, RX_FCS_ERR, RX_LEN_ERR, RX_BYTE_CNT, RX_FRAG, RX_SZ_OV, RX_RXF_OV, RX_ALIGN_ERR, TX_BASE, TX_OK,
  TX_BYTE_CNT, TX_UNDERRUN, TX_TRUNC,
} from "../hw/emac/registers";
import { devMac, devMtu, KIND_EMAC, DEV_MAX } from "../core/netdevice";
import { skbDataPtr, skbLen, skbVlanTci, CHECKSUM_NONE, CHECKSUM_UNNECESSARY } from "../core/skbuff";
import { consume_skb, kfree_skb } from "../core/dropreason";
import { trace } from "../core/trace";
import { TE_EMAC_TX } from "../core/trace_events";
import {
  netdevOpsRegister, netifReceiveFrame, netif_stop_queue, netif_wake_queue, NETDEV_TX_OK, NETDEV_TX_BUSY, ST_RX_PACKETS, ST_TX_PACKETS, ST_RX_BYTES,
  ST_TX_BYTES, ST_MULTICAST, ST_COLLISIONS, ST_RX_ERRORS, ST_RX_FIFO_ERRORS, ST_RX_LENGTH_ERRORS, ST_RX_CRC_ERRORS,
  ST_RX_FRAME_ERRORS, ST_RX_OVER_ERRORS, ST_RX_MISSED_ERRORS, ST_TX_ERRORS, ST_TX_FIFO_ERRORS, ST_TX_ABORTED_ERRORS,
  ST_TX_WINDOW_ERRORS,
} from "../core/netif";
import { Table, SlotTable, SLOT_SKEW } from "../lib/table";

/** PHY_STATE_TIME: phylib polls a PHY without interrupt once per second. */
export const PHY_POLL_NS: i64 = 1_000_000_000;
/** ifup runs the virtual clock through autonegotiation for at most this many phylib polls. */
const IFUP_LINK_POLLS: i32 = 5;
const MAX_NICS: i32 = 16;
// struct emac_stats, TX side (TX_BASE + i)
const TX_1_COL: i32 = 15, TX_2_COL: i32 = 16, TX_LATE_COL: i32 = 17, TX_ABORT_COL: i32 = 18;

/** nic index + 1 of each emac netdevice (by ifindex), 0 if none */
const nicOf = changetype<SlotTable<i32>>(memory.data(DEV_MAX * sizeof<i32>() + SLOT_SKEW, 8));
/** ifindex bound to each nic, 0 if none */
const devOf = changetype<Table<i32>>(memory.data(MAX_NICS * sizeof<i32>(), 8));
const nextPoll = changetype<Table<i64>>(memory.data(MAX_NICS * sizeof<i64>(), 8));
/** NICs whose netdevice was deleted: reused by the next `ip link add ... type emac` */
const spare = new Array<i32>();

/** Carrier hook into the device layer (netif_carrier_on/off in core/dev.ts). */
export type CarrierFn = (dev: i32, on: bool) => void;
let carrierFn: CarrierFn | null = null;

export function emacNetdevInit(carrier: CarrierFn): void {
  carrierFn = carrier;
  for (let i = 0; i < MAX_NICS; i++) unchecked(nextPoll[i] = CLOCK_NEVER);
  netdevOpsRegister(KIND_EMAC, emac_start_xmit, emac_get_stats64);
  emacSetRxToStack(true);
  emacSetLinkChange(linkChange);
  emacSetTxqState(txqState);
}

/** The driver's netif_stop_queue / netif_wake_queue on the NIC's netdevice. */
function txqState(nic: i32, stopped: bool): void {
  const dev = nic >= 0 && nic < MAX_NICS ? unchecked(devOf[nic]) : 0;
  if (dev == 0) return;
  if (stopped) netif_stop_queue(dev);
  else netif_wake_queue(dev);
}

/** phy_link_change: the carrier follows the link phylib reports. */
function linkChange(nic: i32, up: bool): void {
  if (nic < 0 || nic >= MAX_NICS) return;
  const dev = unchecked(devOf[nic]);
  const f = carrierFn;
  if (dev != 0 && f != null) f(dev, up);
}

export function emacNic(dev: i32): i32 { return dev > 0 && dev < DEV_MAX ? nicOf[dev] - 1 : -1; }

function macHi(m: u64): u32 { return <u32>(m >> 32) & 0xffff; }
function macLo(m: u64): u32 { return <u32>m; }

/** emac_probe + register: binds a NIC to netdevice `dev`. 0 or -errno. */
export function emacNetdevProbe(dev: i32): i32 {
  dmaInit();
  let nic = -1;
  if (spare.length > 0) nic = spare.shift();
  else nic = emacCreate();
  if (nic < 0 || nic >= MAX_NICS) return -28; // ENOSPC: no NIC left in this box
  const d = emacDevice(nic);
  if (d == null) return -19;
  wirePortReset(d.port);
  const r = emac_probe(nic, macHi(devMac[dev]), macLo(devMac[dev]));
  if (r < 0) { spare.push(nic); return r; }
  const a = emacAdapter(nic);
  if (a != null) { wirePortReset(a.upPort); a.mtu = devMtu[dev]; }
  nicOf[dev] = nic + 1;
  unchecked(devOf[nic] = dev);
  netif_stop_queue(dev); // until emac_mac_up starts it
  unchecked(nextPoll[nic] = CLOCK_NEVER);
  return 0;
}

/** unregister: the NIC goes back to the spare list. */
export function emacNetdevRemove(dev: i32): void {
  const nic = emacNic(dev);
  if (nic < 0) return;
  emac_close(nic);
  unchecked(devOf[nic] = 0);
  unchecked(nextPoll[nic] = CLOCK_NEVER);
  nicOf[dev] = 0;
  spare.push(nic);
}

/** phylib: one poll of the state machine; carrier follows the link. */
function phyPoll(nic: i32): void {
  const dev = unchecked(devOf[nic]);
  const a = emacAdapter(nic);
  if (dev == 0 || a == null) return;
  emac_phy_poll(nic);
  const f = carrierFn;
  if (f != null) f(dev, a.linkUp);
}

/** Runs the clock phylib poll by phylib poll until the link is up (or IFUP_LINK_POLLS passed). */
function waitLink(nic: i32): void {
  const a = emacAdapter(nic);
  if (a == null) return;
  phyPoll(nic); // phy_start: phy_trigger_machine
  for (let i = 0; i < IFUP_LINK_POLLS && !a.linkUp && a.up; i++) {
    hwDelay(PHY_POLL_NS);
    phyPoll(nic);
  }
  unchecked(nextPoll[nic] = clockNow() + PHY_POLL_NS);
}

/** ndo_open (emac_open) and then the link: 0 or -errno (the device stays down). */
export function emacNetdevOpen(dev: i32): i32 {
  const nic = emacNic(dev);
  if (nic < 0) return -19;
  const a = emacAdapter(nic);
  if (a != null) { emac_set_mac_address(nic, macHi(devMac[dev]), macLo(devMac[dev])); a.mtu = devMtu[dev]; }
  const r = emac_open(nic);
  if (r < 0) return r;
  waitLink(nic);
  return 0;
}

/** ndo_stop (emac_close): phy_stop takes the carrier away. */
export function emacNetdevClose(dev: i32): void {
  const nic = emacNic(dev);
  if (nic < 0) return;
  emac_close(nic);
  unchecked(nextPoll[nic] = CLOCK_NEVER);
  const f = carrierFn;
  if (f != null) f(dev, false);
}

/** ndo_change_mtu: emac_change_mtu reinitialises a running port; the link then comes back through phylib. */
export function emacNetdevChangeMtu(dev: i32, mtu: u32): i32 {
  const nic = emacNic(dev);
  if (nic < 0) return -19;
  const r = emac_change_mtu(nic, mtu);
  if (r < 0) return r;
  emacNetdevRelink(dev);
  return 0;
}

/** After emac_reinit_locked on a running port (MTU, ethtool -G/-A/--set-priv-flags): the carrier follows the link, which phylib brings back. */
export function emacNetdevRelink(dev: i32): void {
  const nic = emacNic(dev);
  const a = emacAdapter(nic);
  if (a == null || !a.up) return;
  const f = carrierFn;
  if (f != null) f(dev, a.linkUp);
  waitLink(nic);
}

/** eth_mac_addr: only while down (the EMAC has no IFF_LIVE_ADDR_CHANGE). 0 or -EBUSY. */
export function emacNetdevSetMac(dev: i32, mac: u64): i32 {
  const nic = emacNic(dev);
  if (nic < 0) return 0;
  const a = emacAdapter(nic);
  if (a != null && a.up) return -16;
  emac_set_mac_address(nic, macHi(mac), macLo(mac));
  return 0;
}

/** ndo_set_rx_mode (emac_set_rx_mode): promiscuous and all-multicast as the device's counters ask, the multicast hash of its list */
export function emacNetdevSetRxMode(dev: i32, promisc: bool, allmulti: bool, mc: usize, count: i32): void {
  const nic = emacNic(dev);
  if (nic < 0) return;
  const a = emacAdapter(nic);
  if (a != null) emac_rx_mode_set(a, promisc, allmulti, mc, count);
}

// ---- phylib timers in virtual time ---------------------------------------------------------
export function emacTimerNext(): i64 {
  let t = CLOCK_NEVER;
  for (let i = 0; i < MAX_NICS; i++) {
    const n = unchecked(nextPoll[i]);
    if (n < t) t = n;
    if (unchecked(devOf[i]) != 0) { const w = emac_watchdog_next(i); if (w < t) t = w; }
  }
  return t;
}
/** Fires every timer due at the current time, in NIC order: the phylib poll, then dev_watchdog. */
export function emacTimerRun(): void {
  const now = clockNow();
  for (let i = 0; i < MAX_NICS; i++) {
    if (unchecked(nextPoll[i]) <= now) {
      unchecked(nextPoll[i] = now + PHY_POLL_NS);
      phyPoll(i);
    }
    if (unchecked(devOf[i]) != 0 && emac_watchdog_next(i) <= now) emac_watchdog_run(i);
  }
}

// ---- data path ---------------------------------------------------------------------------
/** emac_receive_skb → napi_gro_receive: the frame becomes an skb for netif_receive_skb (NAPI context). */
export function emacRxFrame(nic: i32, data: usize, len: u32, vlanTci: i32, flags: u32): void {
  const dev = nic >= 0 && nic < MAX_NICS ? unchecked(devOf[nic]) : 0;
  if (dev == 0) return;
  netifReceiveFrame(dev, data, len, vlanTci, (flags & RXF_CSUM_UNNECESSARY) != 0 ? CHECKSUM_UNNECESSARY : CHECKSUM_NONE);
}

/** emac_start_xmit: the frame goes into the TPD ring (copied: the skb is done with at once). */
export function emac_start_xmit(skb: i32, dev: i32): i32 { return emacStartXmit(skb, dev); }
/** emac_start_xmit's body, inlined where the IPv4 forwarding path sends (xmit_one with inlineDriver). */
// @ts-ignore: decorator
@inline export function emacStartXmit(skb: i32, dev: i32): i32 {
  const nic = emacNic(dev);
  const a = emacAdapter(nic);
  if (a == null) { kfree_skb(skb); return NETDEV_TX_OK; }
  if (a.queueStopped) return NETDEV_TX_BUSY;
  const sent = emac_mac_tx_buf_send(a, skbDataPtr(skb), skbLen[skb], skbVlanTci[skb], -1, 0, 0, false, 0) == 0;
  trace(TE_EMAC_TX, <u32>nic | (sent ? 0 : 0x10000), skbLen[skb]);
  if (sent) consume_skb(skb);
  else kfree_skb(skb); // the driver frees it and returns NETDEV_TX_OK, uncounted
  return NETDEV_TX_OK;
}

/** emac_get_stats64: the MAC's counters (emac_update_hw_stats first), mapped as the driver maps them. */
function emac_get_stats64(dev: i32, s: StaticArray<u64>): void {
  const a = emacAdapter(emacNic(dev));
  if (a == null) return;
  emac_update_hw_stats(a);
  const t = a.stats;
  s[ST_RX_PACKETS] = t[RX_OK];
  s[ST_TX_PACKETS] = t[TX_BASE + TX_OK];
  s[ST_RX_BYTES] = t[RX_BYTE_CNT];
  s[ST_TX_BYTES] = t[TX_BASE + TX_BYTE_CNT];
  s[ST_MULTICAST] = t[RX_MCAST];
  s[ST_COLLISIONS] = t[TX_BASE + TX_1_COL] + t[TX_BASE + TX_2_COL] * 2 + t[TX_BASE + TX_LATE_COL] + t[TX_BASE + TX_ABORT_COL];
  s[ST_RX_ERRORS] = t[RX_FRAG] + t[RX_FCS_ERR] + t[RX_LEN_ERR] + t[RX_SZ_OV] + t[RX_ALIGN_ERR];
  s[ST_RX_FIFO_ERRORS] = t[RX_RXF_OV];
  s[ST_RX_LENGTH_ERRORS] = t[RX_LEN_ERR];
  s[ST_RX_CRC_ERRORS] = t[RX_FCS_ERR];
  s[ST_RX_FRAME_ERRORS] = t[RX_ALIGN_ERR];
  s[ST_RX_OVER_ERRORS] = t[RX_RXF_OV];
  s[ST_RX_MISSED_ERRORS] = t[RX_RXF_OV];
  s[ST_TX_ERRORS] = t[TX_BASE + TX_LATE_COL] + t[TX_BASE + TX_ABORT_COL] + t[TX_BASE + TX_UNDERRUN] + t[TX_BASE + TX_TRUNC];
  s[ST_TX_FIFO_ERRORS] = t[TX_BASE + TX_UNDERRUN];
  s[ST_TX_ABORTED_ERRORS] = t[TX_BASE + TX_ABORT_COL];
  s[ST_TX_WINDOW_ERRORS] = t[TX_BASE + TX_LATE_COL];
}
