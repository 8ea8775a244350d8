// Batches across the JS/WASM boundary: the host writes records into one
// scratch region of linear memory and makes one call for all of them.
import { inetRtmNewroute } from "./ipv4/fib_frontend";
import { mpReset } from "./ipv4/fib_table";
import { mxReqReset } from "./ipv4/metrics";
import {
  ipRouteInput, ipRouteOutput, rtError, rtDev, rtGw, rcacheSet, rcacheHits, rcacheMisses, rcacheMismatches,
} from "./ipv4/route";
import { NLM_F_CREATE, NLM_F_EXCL, RTN_UNICAST, RT_SCOPE_UNIVERSE, RT_SCOPE_LINK } from "./ipv4/fib_table";
import { clearExtack, EINVAL } from "./lib/errno";

let scratchPtr: usize = 0;
let scratchCap: usize = 0;

/** a scratch region of at least `bytes`, reused between calls; its address may change when it grows */
export function scratchReserve(bytes: usize): usize {
  if (bytes > scratchCap) {
    if (scratchPtr != 0) heap.free(scratchPtr);
    scratchPtr = heap.alloc(bytes);
    scratchCap = bytes;
  }
  return scratchPtr;
}

export const ROUTE_ADD_RECORD: i32 = 6;
/**
 * `ip route add` for n unicast routes, records [table, dst, len, gateway, oif, metric] (u32 each),
 * proto boot and the scope iproute2 would pick. Stops at the first failure: returns the number
 * added, or -(index + 1) with the error in the record's first word.
 */
export function routeAddBatch(n: i32): i32 {
  clearExtack();
  // single-path routes without metrics: no RTA_MULTIPATH or RTA_METRICS left over from a routeNhAdd() or
  // routeMxAdd() without its request
  mpReset();
  mxReqReset();
  for (let i = 0; i < n; i++) {
    const r = scratchPtr + <usize>i * 24;
    const gw = load<u32>(r, 12);
    const err = inetRtmNewroute(load<u32>(r), load<u32>(r, 4), load<i32>(r, 8), 0, load<u32>(r, 20), RTN_UNICAST,
      gw != 0 ? <u8>RT_SCOPE_UNIVERSE : <u8>RT_SCOPE_LINK, 3, 0, gw, load<i32>(r, 16), false, NLM_F_CREATE | NLM_F_EXCL, 0);
    if (err < 0) { store<i32>(r, err); return -(i + 1); }
  }
  return n;
}

/**
 * n route decisions. In: records [dst, src] (u32 each). Out, in place: [oif or -errno, gateway].
 * iif = 0 asks the output decision (a locally sent packet); else the input decision for a packet
 * received on iif (forward or local delivery), as `ip route get ... iif` does.
 */
export function routeDecideBatch(n: i32, iif: i32, mark: u32): void {
  for (let i = 0; i < n; i++) {
    const r = scratchPtr + (<usize>i << 3);
    const dst = load<u32>(r), src = load<u32>(r, 4);
    let res: i32;
    if (iif != 0) {
      res = ipRouteInput(dst, src, 0, iif, mark, 0, 0, 0, 0, 0) != 0 ? -EINVAL : (rtError != 0 ? -rtError : rtDev);
    } else {
      const err = ipRouteOutput(dst, src, 0, mark, 0, 0, 17, 0, 0);
      res = err != 0 ? err : rtDev;
    }
    store<i32>(r, res);
    store<u32>(r, res > 0 ? rtGw : 0, 4);
  }
}

/**
 * The input-route cache of the receive path (route.ts): on/off (off = every packet
 * takes the uncached decision) and verify (every hit is checked against the uncached
 * decision). Clears the counters.
 */
export function routeCacheSet(enabled: bool, verify: bool): void { rcacheSet(enabled, verify); }
/** 0 hits, 1 misses, 2 verify mismatches (must stay 0) */
export function routeCacheCounter(which: i32): f64 {
  return which == 0 ? <f64>rcacheHits : which == 1 ? <f64>rcacheMisses : which == 2 ? <f64>rcacheMismatches : 0;
}
