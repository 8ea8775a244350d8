// Port options set by netlink (net/bridge/br_netlink.c br_setport, reached by
// `bridge link set` (br_setlink) and `ip link set DEV type bridge_slave`
// (br_port_slave_changelink)): the port flags first, then the path cost, the
// priority and the state, each stopping the request with its error while what
// came before stays changed, as in the kernel.
import { devIsUp, devCarrier } from "../../core/netdevice";
import { EINVAL, ENETDOWN } from "../../lib/errno";
import {
  masterOf, portFlags, portCost, portPriority, portState, BR_STATE_BLOCKING, BR_STATE_DISABLED,
} from "./br_private";
import { br_port_state_selection, br_make_forwarding } from "./br_if";

const ERANGE: i32 = 34;
/** BR_MIN_PATH_COST, BR_MAX_PATH_COST, BR_MAX_PORT_PRIORITY ((u16)~0 >> BR_PORT_BITS) */
const BR_MIN_PATH_COST: u32 = 1, BR_MAX_PATH_COST: u32 = 65535, BR_MAX_PORT_PRIORITY: u32 = 63;

/** which of cost, priority and state a br_setport request carries */
export const BRPORT_SET_COST: u32 = 1, BRPORT_SET_PRIORITY: u32 = 2, BRPORT_SET_STATE: u32 = 4;

/**
 * br_set_port_state(). With STP off a port the user puts in BLOCKING is made forwarding again at once
 * (br_port_state_selection → br_make_forwarding), and a DISABLED port stays so until its carrier comes back.
 */
function br_set_port_state(p: i32, state: u32): i32 {
  if (state > <u32>BR_STATE_BLOCKING) return -EINVAL;
  if (!devIsUp(p) || (!devCarrier[p] && state != <u32>BR_STATE_DISABLED)) return -ENETDOWN;
  if (state == <u32>BR_STATE_BLOCKING) br_make_forwarding(p);
  else portState[p] = <u8>state;
  br_port_state_selection(masterOf(p));
  return 0;
}

/** br_setport(): 0 or -errno; `mask`/`flags` are the BR_* flags the request sets (1) or clears (0). */
export function br_setport(p: i32, mask: u32, flags: u32, have: u32, cost: u32, priority: u32, state: u32): i32 {
  portFlags[p] = (portFlags[p] & ~mask) | (flags & mask);
  if (have & BRPORT_SET_COST) {
    // br_stp_set_path_cost(); the cost stays the user's (BR_ADMIN_COST): speeds here never change
    if (cost < BR_MIN_PATH_COST || cost > BR_MAX_PATH_COST) return -ERANGE;
    portCost[p] = cost;
  }
  if (have & BRPORT_SET_PRIORITY) {
    // br_stp_set_port_priority()
    if (priority > BR_MAX_PORT_PRIORITY) return -ERANGE;
    portPriority[p] = <u16>priority;
  }
  if (have & BRPORT_SET_STATE) return br_set_port_state(p, state);
  return 0;
}
