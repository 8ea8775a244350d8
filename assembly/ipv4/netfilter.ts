// The netfilter hook points of the IPv4 path (include/uapi/linux/netfilter.h
// NF_INET_*; NF_HOOK in ip_input.c, ip_forward.c, ip_output.c). No tables are
// registered yet: every hook accepts. One flag keeps the cost at a branch.
import { trace } from "../core/trace";
import { TE_NF_HOOK } from "../core/trace_events";

export const NF_INET_PRE_ROUTING: u32 = 0, NF_INET_LOCAL_IN: u32 = 1, NF_INET_FORWARD: u32 = 2,
  NF_INET_LOCAL_OUT: u32 = 3, NF_INET_POST_ROUTING: u32 = 4;
export const NF_DROP: i32 = 0, NF_ACCEPT: i32 = 1;

/** whether any hook has entries (nf_hook_entries_head != NULL) */
export let nfHooksActive: bool = false;

/** nf_hook(): runs the hook's entries; NF_ACCEPT lets the caller continue (okfn), anything else took the skb. */
// @ts-ignore: decorator
@inline export function nf_hook(hook: u32, skb: i32, indev: i32, outdev: i32): i32 {
  trace(TE_NF_HOOK, hook, indev != 0 ? <u32>indev : <u32>outdev);
  if (!nfHooksActive) return NF_ACCEPT;
  return nfHookSlow(hook, skb, indev, outdev);
}

function nfHookSlow(hook: u32, skb: i32, indev: i32, outdev: i32): i32 { return NF_ACCEPT; }
