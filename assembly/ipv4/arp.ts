// The IPv4 neighbour table (net/core/neighbour.c with arp_tbl): static
// entries configured with `ip neigh`; resolution comes with the packet path.
import { EEXIST, ENOENT } from "../lib/errno";

export const NUD_INCOMPLETE: u8 = 0x01, NUD_REACHABLE: u8 = 0x02, NUD_STALE: u8 = 0x04, NUD_FAILED: u8 = 0x20,
  NUD_NOARP: u8 = 0x40, NUD_PERMANENT: u8 = 0x80;
export const NTF_ROUTER: u8 = 0x80;

export const nDev = new Array<i32>();
export const nDst = new Array<u32>();
export const nLladdr = new Array<u64>();
export const nHasLladdr = new Array<bool>();
export const nState = new Array<u8>();
export const nFlags = new Array<u8>();

function find(dev: i32, dst: u32): i32 {
  for (let i = 0; i < nDev.length; i++) if (nDev[i] == dev && nDst[i] == dst) return i;
  return -1;
}

/** neigh_add(): replace = NLM_F_REPLACE, create = NLM_F_CREATE (iproute2's add = create|excl) */
export function neighAdd(dev: i32, dst: u32, lladdr: u64, hasLladdr: bool, state: u8, flags: u8, create: bool, replace: bool): i32 {
  let i = find(dev, dst);
  if (i >= 0) {
    if (!replace) return -EEXIST;
  } else {
    if (!create) return -ENOENT;
    i = nDev.length;
    nDev.push(dev); nDst.push(dst); nLladdr.push(0); nHasLladdr.push(false); nState.push(0); nFlags.push(0);
  }
  nLladdr[i] = lladdr; nHasLladdr[i] = hasLladdr; nState[i] = state; nFlags[i] = flags;
  return 0;
}

/** neigh_delete() */
export function neighDel(dev: i32, dst: u32): i32 {
  const i = find(dev, dst);
  if (i < 0) return -ENOENT;
  removeAt(i);
  return 0;
}

function removeAt(i: i32): void {
  nDev.splice(i, 1); nDst.splice(i, 1); nLladdr.splice(i, 1); nHasLladdr.splice(i, 1); nState.splice(i, 1); nFlags.splice(i, 1);
}

/** neigh_ifdown(): a device going down or away loses its entries */
export function neighIfdown(dev: i32): void {
  for (let i = nDev.length - 1; i >= 0; i--) if (nDev[i] == dev) removeAt(i);
}

export function neighCount(): i32 { return nDev.length; }
