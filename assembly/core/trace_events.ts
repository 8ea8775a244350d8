// The trace events of the packet path (see trace.ts) and the verdicts the
// host's replay reports. The host (src/replay.ts) decodes them into kernel
// function names, the way pwru prints a packet's path.

export const TE_NETIF_RECEIVE: u32 = 1;   // a = dev, b = len
export const TE_IP_RCV: u32 = 2;          // a = dev, b = len
export const TE_NF_HOOK: u32 = 3;         // a = NF_INET_* hook, b = dev
export const TE_ROUTE_INPUT: u32 = 4;     // a = rt_type | flags<<8 (RTCF top byte), b = table; then TE_FIB_RULE, TE_ROUTE_DST, TE_ROUTE_GW (route.ts traceRoute)
export const TE_ROUTE_DST: u32 = 5;       // a = prefix, b = prefixlen | out dev << 8
export const TE_ROUTE_FAIL: u32 = 6;      // a = route drop reason (route.ts DROP_*), b = 0
export const TE_LOCAL_DELIVER: u32 = 7;   // a = protocol (of the datagram or its first fragment seen)
export const TE_FORWARD: u32 = 8;         // a = out dev, b = ttl after decrement
export const TE_IP_ERROR: u32 = 9;        // a = errno, b = icmp code sent (or 0xff = none)
export const TE_OUTPUT: u32 = 10;         // a = dev, b = next hop
export const TE_NEIGH: u32 = 11;          // a = NUD state, b = next hop
export const TE_XMIT: u32 = 12;           // a = dev, b = len
export const TE_DROP: u32 = 13;           // a = SKB_DROP_REASON_*, b = route reason (route.ts DROP_*) or 0
export const TE_VERDICT: u32 = 14;        // a = VERDICT_*, b = SKB_DROP_REASON_* for drops
export const TE_ARP_RCV: u32 = 15;        // a = op, b = target ip
export const TE_ARP_SEND: u32 = 16;       // a = op, b = target ip
export const TE_FRAGMENT: u32 = 17;       // a = fragments, b = mtu
export const TE_DEFRAG: u32 = 18;         // a = 1 when the datagram is complete
export const TE_REDIRECT: u32 = 19;       // a = gateway
export const TE_LOCAL_OUT: u32 = 20;      // a = daddr, b = protocol
export const TE_NEIGH_QUEUE: u32 = 21;    // a = next hop, b = queued packets
export const TE_NEIGH_FAILED: u32 = 22;   // a = next hop
export const TE_TTL_EXCEEDED: u32 = 23;   // a = ttl
export const TE_FRAG_NEEDED: u32 = 24;    // a = mtu
export const TE_OPTIONS: u32 = 25;        // a = 0 ok, 1 parameter problem (b = pointer), 2 source route dropped
export const TE_FIB_RULE: u32 = 70;       // a = index of the deciding rule in list order (0xffffffff: none decided; 0xfffffffe: no custom rules, main then default), b = its pref
export const TE_ROUTE_OUTPUT: u32 = 71;   // a = rt_type | flags<<8 (RTCF top byte), or 0xff000000 | errno when it failed; b = table; then TE_FIB_RULE, TE_ROUTE_DST
export const TE_ROUTE_GW: u32 = 72;       // a = the route's gateway (after TE_ROUTE_DST, only for routes through one)
export const TE_EMAC_RX: u32 = 73;        // a = EMAC NIC index, b = RRD word 3 (size with FCS, L4F/IPF/CRC/... flags)
export const TE_PROTOCOL_DELIVER: u32 = 75; // a = protocol: ip_local_deliver_finish hands the datagram to its handler
export const TE_EMAC_TX: u32 = 74;        // a = EMAC NIC index | 1<<16 when the driver dropped it, b = len
// rx_handler, macvlan and veth between boxes (40-49)
export const TE_RX_HANDLER: u32 = 40;     // a = dev | RXH_* << 24, b = RX_HANDLER_* | skb->dev after << 8
export const TE_MACVLAN_XMIT: u32 = 41;   // a = macvlan dev, b = 0 out the lower (dev_queue_xmit), 1 to a bridge-mode sibling (dev_forward_skb)
export const TE_MACVLAN_BC: u32 = 42;     // a = lower dev, b = 0 queued for bc_work, 1 bc_queue full (dropped), 2 back to its private source
export const TE_MACVLAN_BC_RX: u32 = 43;  // a = macvlan dev receiving a broadcast/multicast copy, b = 1 queued on the backlog, 0 dropped
export const TE_VETH_REMOTE: u32 = 44;    // a = veth dev, b = len: the frame crosses to the peer's box
export const TE_VLAN_RX: u32 = 46;        // a = lower dev, b = VLAN dev | vid << 20: vlan_do_receive found the device
export const TE_VLAN_XMIT: u32 = 47;      // a = VLAN dev, b = lower dev: vlan_dev_hard_start_xmit
export const TE_VETH_REMOTE_FULL: u32 = 45; // a = veth dev, b = len: the outbound ring to the peer's box is full (CPU_BACKLOG)
/** who registered an rx_handler (TE_RX_HANDLER) */
export const RXH_OTHER: u8 = 0, RXH_MACVLAN: u8 = 1, RXH_HOST: u8 = 2, RXH_WIRE_SINK: u8 = 3;
export const TE_TUN_GET_USER: u32 = 60;   // a = dev, b = len (without the PI header)
export const TE_TUN_NET_XMIT: u32 = 61;   // a = dev, b = packets already on the ring

export const VERDICT_FORWARD: u32 = 1, VERDICT_LOCAL: u32 = 2, VERDICT_CONSUMED: u32 = 3, VERDICT_DROP: u32 = 4;

// the bridge (net/bridge): events 50-59
export const TE_BR_HANDLE_FRAME: u32 = 50; // a = port, b = bridge
export const TE_BR_FDB: u32 = 51;          // a = BR_DECIDE_*, b = the port the fdb names (0: none)
export const TE_BR_DELIVER: u32 = 52;      // a = egress port, b = 1 when a clone
export const TE_BR_PASS_UP: u32 = 53;      // a = bridge, b = len
export const TE_BR_LEARN: u32 = 54;        // a = port, b = 1 new entry, 2 moved from another port
export const TE_BR_LINK_LOCAL: u32 = 55;   // a = last byte of 01:80:c2:00:00:0X, b = 1 forwarded, 0 to the port's stack
export const TE_BR_XMIT: u32 = 56;         // a = bridge, b = len
export const BR_DECIDE_FLOOD: u32 = 0, BR_DECIDE_FORWARD: u32 = 1, BR_DECIDE_LOCAL: u32 = 2, BR_DECIDE_NONE: u32 = 3;
