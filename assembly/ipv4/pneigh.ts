// Proxy neighbour entries of arp_tbl (the pneigh table of net/core/neighbour.c): what
// `ip neigh add|del|replace proxy ADDR [dev DEV]` makes and arp_process consults
// (pneigh_lookup) before answering a request for an address it would forward.
//
// As in the kernel: 16 hash chains (pneigh_hash folds the address to a nibble), a new
// entry at the head of its chain, a dump walks chain 0 to 15; an entry without a device
// matches a lookup on any device (so adding ADDR dev D where a device-less ADDR exists
// changes that entry and makes none), deletion needs the exact device; flags are replaced
// by every add; entries go with their device (pneigh_ifdown: on down and unregister, and
// the non-permanent ones on carrier loss). [model choice] The table is fixed at
// PNEIGH_MAX entries (Linux allocates each one): one more is refused with ENOBUFS, as a
// failed allocation is.
import { ENOENT, ENOBUFS, fail } from "../lib/errno";

export const PNEIGH_MAX: i32 = 1024;
const PNEIGH_HASHMASK: u32 = 0xf;

const pnHead = new StaticArray<i32>(16);
const pnNext = new StaticArray<i32>(PNEIGH_MAX);
const pnKey = new StaticArray<u32>(PNEIGH_MAX);
const pnDev = new StaticArray<i32>(PNEIGH_MAX);
const pnFlags = new StaticArray<u8>(PNEIGH_MAX);
const pnPermanent = new StaticArray<bool>(PNEIGH_MAX);
let pnFree: i32 = 0;
let pnCount: i32 = 0;

/** sets the table empty (kernelInit) */
export function pneighInit(): void {
  for (let h = 0; h < 16; h++) unchecked(pnHead[h] = -1);
  for (let i = 0; i < PNEIGH_MAX; i++) unchecked(pnNext[i] = i + 1 < PNEIGH_MAX ? i + 1 : -1);
  pnFree = 0;
  pnCount = 0;
}
pneighInit();

/** pneigh_hash(): the last four key bytes folded to a nibble (an xor of all eight nibbles, so byte order does not matter) */
@inline function pneighHash(key: u32): u32 {
  let h = key;
  h ^= h >> 16;
  h ^= h >> 8;
  h ^= h >> 4;
  return h & PNEIGH_HASHMASK;
}

/** pneigh_lookup(): the entry for key on dev or on no device; -1 if none */
export function pneighLookup(key: u32, dev: i32): i32 {
  let i = unchecked(pnHead[pneighHash(key)]);
  while (i >= 0) {
    if (unchecked(pnKey[i]) == key && (unchecked(pnDev[i]) == dev || unchecked(pnDev[i]) == 0)) return i;
    i = unchecked(pnNext[i]);
  }
  return -1;
}

/**
 * neigh_add() with NTF_PROXY: pneigh_create() (an existing match is reused, whatever the
 * NLM_F_* flags), then its flags and permanence as given. 0 or -ENOBUFS.
 */
export function pneighAdd(key: u32, dev: i32, flags: u8, permanent: bool): i32 {
  let i = pneighLookup(key, dev);
  if (i < 0) {
    if (pnFree < 0) return -ENOBUFS;
    i = pnFree;
    pnFree = unchecked(pnNext[i]);
    const h = pneighHash(key);
    unchecked(pnKey[i] = key);
    unchecked(pnDev[i] = dev);
    unchecked(pnNext[i] = pnHead[h]);
    unchecked(pnHead[h] = i);
    pnCount++;
  }
  unchecked(pnFlags[i] = flags);
  unchecked(pnPermanent[i] = permanent);
  return 0;
}

/** unlinks the entry after `prev` (or the chain's head) in chain h */
function unlinkAt(h: u32, prev: i32, i: i32): void {
  if (prev < 0) unchecked(pnHead[h] = pnNext[i]);
  else unchecked(pnNext[prev] = pnNext[i]);
  unchecked(pnNext[i] = pnFree);
  pnFree = i;
  pnCount--;
}

/** pneigh_delete(): the entry for key on exactly dev (0: the device-less one) */
export function pneighDel(key: u32, dev: i32): i32 {
  const h = pneighHash(key);
  let prev = -1, i = unchecked(pnHead[h]);
  while (i >= 0) {
    if (unchecked(pnKey[i]) == key && unchecked(pnDev[i]) == dev) {
      unlinkAt(h, prev, i);
      return 0;
    }
    prev = i;
    i = unchecked(pnNext[i]);
  }
  return -ENOENT;
}

/** pneigh_ifdown(): dev's entries go (with skipPerm, as neigh_carrier_down asks, the permanent ones stay) */
export function pneighIfdown(dev: i32, skipPerm: bool): void {
  if (pnCount == 0) return;
  for (let h: u32 = 0; h < 16; h++) {
    let prev = -1, i = unchecked(pnHead[h]);
    while (i >= 0) {
      const next = unchecked(pnNext[i]);
      if (unchecked(pnDev[i]) == dev && !(skipPerm && unchecked(pnPermanent[i]))) unlinkAt(h, prev, i);
      else prev = i;
      i = next;
    }
  }
}

/** neigh_get() with NTF_PROXY: the entry pneigh_lookup finds, or ENOENT with the kernel's message */
export function pneighGet(key: u32, dev: i32): i32 {
  const i = pneighLookup(key, dev);
  if (i < 0) return fail(ENOENT, "Proxy neighbour entry not found");
  return i;
}

export function pneighCount(): i32 { return pnCount; }
/** the entries in pneigh_dump_table's order (chain 0 to 15, each from its head) into `out` */
export function pneighOrder(out: Array<i32>): void {
  for (let h = 0; h < 16; h++) {
    let i = unchecked(pnHead[h]);
    while (i >= 0) { out.push(i); i = unchecked(pnNext[i]); }
  }
}
export function pneighKey(i: i32): u32 { return pnKey[i]; }
export function pneighDev(i: i32): i32 { return pnDev[i]; }
export function pneighFlags(i: i32): u8 { return pnFlags[i]; }
