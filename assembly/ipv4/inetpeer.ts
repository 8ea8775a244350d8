// net/ipv4/inetpeer.c: the long-lived state kept per remote address (struct
// inet_peer), one table for every user, as net->ipv4.peers is: icmp.c's
// per-destination ICMP limit (inet_peer_xrlim_allow) and route.c's ip_error
// token bucket and ip_rt_send_redirect backoff all read and write the same
// rate_tokens / rate_last of the peer, so an ICMP error ip_error lets through
// still pays icmpv4_xrlim_allow's toll on the same bucket.
//
// Fixed size, no allocation: PEER_BUCKETS sets of PEER_WAYS entries, found by
// a hash of the address. The kernel keeps up to inet_peer_threshold (65,664)
// peers and lets inet_peer_gc remove those idle longer than a ttl of 2 to 10
// minutes; a peer idle that long has refilled every bucket and outlived
// redirect_silence, so forgetting it changes nothing. Here a new peer takes a
// free way of its set or the one idle the longest: only when PEER_WAYS peers
// of one set are all active at once does one lose its state early.
import { clockNow } from "../hw/clock";
import { HZ, NS_PER_JIFFY } from "./sysctl_net_ipv4";

const PEER_WAYS: i32 = 8;
const PEER_BUCKETS: i32 = 128; // a power of two
const PEERS: i32 = PEER_WAYS * PEER_BUCKETS;

const peerAddr = new StaticArray<u32>(PEERS);
const peerUsed = new StaticArray<bool>(PEERS);
/** dtime: the jiffies of the last inet_getpeer() that found or made the peer */
const peerDtime = new StaticArray<i64>(PEERS);
/** rate_tokens, rate_last: the token bucket shared by ip_error, the redirect backoff and the ICMP limit */
export const peerRateTokens = new StaticArray<i64>(PEERS);
export const peerRateLast = new StaticArray<i64>(PEERS);
/** n_redirects: redirects sent since the last silence (ip_rt_send_redirect) */
export const peerNRedirects = new StaticArray<i32>(PEERS);

/** jiffies from the virtual clock */
// @ts-ignore: decorator
@inline export function jiffies(): i64 { return clockNow() / NS_PER_JIFFY; }

/** inet_getpeer_v4() (no VRFs: vif 0): the peer of addr, made when new with rate_last 60 s back, so its first bucket is full */
export function inetGetpeerV4(addr: u32): i32 {
  const now = jiffies();
  const base = <i32>((addr * 0x9e3779b1) >>> 25) * PEER_WAYS; // 7 bits: PEER_BUCKETS sets
  let free = -1, idlest = base;
  for (let i = base; i < base + PEER_WAYS; i++) {
    if (!unchecked(peerUsed[i])) { if (free < 0) free = i; continue; }
    if (unchecked(peerAddr[i]) == addr) { unchecked(peerDtime[i] = now); return i; }
    if (unchecked(peerDtime[i]) < unchecked(peerDtime[idlest])) idlest = i;
  }
  const p = free >= 0 ? free : idlest;
  unchecked(peerUsed[p] = true); unchecked(peerAddr[p] = addr); unchecked(peerDtime[p] = now);
  unchecked(peerRateTokens[p] = 0); unchecked(peerNRedirects[p] = 0);
  unchecked(peerRateLast[p] = now - 60 * HZ);
  return p;
}

const XRLIM_BURST_FACTOR: i64 = 6;

/**
 * inet_peer_xrlim_allow(): one token of `timeout` jiffies from the peer's bucket, which holds 6 at most. The
 * refill and the cap apply only when a jiffy has passed since rate_last: right after ip_error() (same jiffy)
 * the bucket keeps what ip_error left, more than 6 tokens of a small timeout.
 */
export function inetPeerXrlimAllow(p: i32, timeout: i64): bool {
  const now = jiffies();
  let token = unchecked(peerRateTokens[p]);
  const delta = now - unchecked(peerRateLast[p]);
  if (delta != 0) {
    unchecked(peerRateLast[p] = now);
    token += delta;
    if (token > XRLIM_BURST_FACTOR * timeout) token = XRLIM_BURST_FACTOR * timeout;
  }
  let rc = false;
  if (token >= timeout) { token -= timeout; rc = true; }
  unchecked(peerRateTokens[p] = token);
  return rc;
}

/** Forgets every peer (tests between cases; a new box starts with none). */
export function inetPeersReset(): void {
  for (let i = 0; i < PEERS; i++) unchecked(peerUsed[i] = false);
}
