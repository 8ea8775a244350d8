// The state of the Linux bridge (net/bridge/br_private.h): struct net_bridge
// per bridge device and struct net_bridge_port per enslaved device, as
// arrays indexed by ifindex. STP is off (BR_NO_STP): a port is DISABLED or
// FORWARDING, or what the user set: BLOCKING turns FORWARDING at once (as
// br_make_forwarding does), LISTENING and LEARNING move on when the port's
// forward-delay timer runs out, if it is pending.

export const BR_STATE_DISABLED: u8 = 0, BR_STATE_LISTENING: u8 = 1, BR_STATE_LEARNING: u8 = 2,
  BR_STATE_FORWARDING: u8 = 3, BR_STATE_BLOCKING: u8 = 4;

/** br->ageing_time default: 300 s (BR_DEFAULT_AGEING_TIME) */
export const BR_DEFAULT_AGEING_NS: i64 = 300_000_000_000;

// ---- per bridge device
export const brIsBridge = new Array<bool>();
/** br->port_list: port ifindexes, newest first (list_add_rcu) */
export const brPorts = new Array<Array<i32>>();
/** BROPT_MTU_SET_BY_USER */
export const brMtuByUser = new Array<bool>();
/** dev->addr_assign_type == NET_ADDR_SET: the address was set, ports no longer choose it */
export const brMacByUser = new Array<bool>();
export const brAgeingNs = new Array<i64>();
/** BR_GROUPFWD_RESTRICTED: STP, PAUSE and the 802.1X/slow-protocols group (bits 0-2) are never forwarded by the mask */
export const BR_GROUPFWD_RESTRICTED: u32 = 0x0007;
/** br->group_fwd_mask: the link-local groups 01:80:c2:00:00:0X (bit X) forwarded rather than passed up */
export const brGroupFwdMask = new Array<u16>();
/** BROPT_MULTICAST_ENABLED (mcast_snooping): on, the bridge joins the snoopers' groups while up */
export const brMcastSnooping = new Array<bool>();
/** the bridge joined ff02::6a (all snoopers) on its inet6_dev */
export const brSnoopers6 = new Array<bool>();
/** when br->gc_work runs next (virtual ns), 0 while it is not scheduled (the bridge is down) */
export const brGcAt = new Array<i64>();
/** whether netif_carrier_on/off ever ran for the bridge: until then its operstate is UNKNOWN */
export const brCarrierTouched = new Array<bool>();
/** software counters of br_dev_xmit / br_pass_frame_up (dev->tstats) and dev->stats.multicast */
export const brRxPackets = new Array<u64>();
export const brRxBytes = new Array<u64>();
export const brTxPackets = new Array<u64>();
export const brTxBytes = new Array<u64>();
export const brMulticast = new Array<u64>();

// ---- per port device
/** the bridge a device is enslaved to (netdev_master_upper_dev_get), 0 if none */
export const portMaster = new Array<i32>();
export const portState = new Array<u8>();
export const portNo = new Array<u16>();
/** p->flags: the BR_* port flags netpath models (the kernel's bit numbers) */
export const portFlags = new Array<u32>();
export const BR_HAIRPIN_MODE: u32 = 1 << 0, BR_LEARNING: u32 = 1 << 5, BR_FLOOD: u32 = 1 << 6, BR_MCAST_FLOOD: u32 = 1 << 11,
  BR_BCAST_FLOOD: u32 = 1 << 14, BR_ISOLATED: u32 = 1 << 16;
/** new_nbp(): a new port learns and floods every kind of frame */
export const BR_PORT_DEFAULT_FLAGS: u32 = BR_LEARNING | BR_FLOOD | BR_MCAST_FLOOD | BR_BCAST_FLOOD;
/** p->priority (0x8000 >> BR_PORT_BITS at first) and p->path_cost */
export const portPriority = new Array<u16>();
/** when p->forward_delay_timer runs out (virtual ns), 0 while it is not pending */
export const portFwdDelayAt = new Array<i64>();
/** br->forward_delay: 15 s (BR_DEFAULT_FORWARD_DELAY, not changeable here) */
export const BR_FORWARD_DELAY_NS: i64 = 15_000_000_000;
export const portCost = new Array<u32>();

export function brEnsure(dev: i32): void {
  while (brIsBridge.length <= dev) {
    brIsBridge.push(false); brPorts.push(new Array<i32>()); brMtuByUser.push(false); brMacByUser.push(false);
    brAgeingNs.push(BR_DEFAULT_AGEING_NS); brGroupFwdMask.push(0); brMcastSnooping.push(true); brSnoopers6.push(false); brGcAt.push(0); brCarrierTouched.push(false); brRxPackets.push(0); brRxBytes.push(0);
    brTxPackets.push(0); brTxBytes.push(0); brMulticast.push(0);
    portMaster.push(0); portState.push(0); portNo.push(0); portFlags.push(0); portPriority.push(0); portCost.push(0); portFwdDelayAt.push(0);
  }
}

/** netif_is_bridge_master() */
export function isBridge(dev: i32): bool { return dev > 0 && dev < brIsBridge.length && unchecked(brIsBridge[dev]); }
/** the device's bridge when it is a bridge port (br_port_get_rcu), else 0 */
export function masterOf(dev: i32): i32 { return dev > 0 && dev < portMaster.length ? unchecked(portMaster[dev]) : 0; }

/** A device registers (or an ifindex is reused): no bridge, no port, counters at 0. */
export function brDevInit(dev: i32): void {
  brEnsure(dev);
  brIsBridge[dev] = false; brPorts[dev] = new Array<i32>(); brMtuByUser[dev] = false; brMacByUser[dev] = false;
  brAgeingNs[dev] = BR_DEFAULT_AGEING_NS; brGroupFwdMask[dev] = 0; brMcastSnooping[dev] = true; brSnoopers6[dev] = false; brGcAt[dev] = 0; brCarrierTouched[dev] = false; brRxPackets[dev] = 0; brRxBytes[dev] = 0;
  brTxPackets[dev] = 0; brTxBytes[dev] = 0; brMulticast[dev] = 0;
  portMaster[dev] = 0; portState[dev] = BR_STATE_DISABLED; portNo[dev] = 0; portFlags[dev] = 0; portPriority[dev] = 0; portCost[dev] = 0; portFwdDelayAt[dev] = 0;
}
