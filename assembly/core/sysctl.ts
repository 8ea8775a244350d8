// The IPv4 sysctls the route decisions read: net.ipv4.ip_forward and
// net.ipv4.conf.{all,default,DEV}.* (net/ipv4/devinet.c devinet_conf_proc,
// devinet_sysctl_forward, inet_forward_change).
import { ENOENT, EINVAL } from "../lib/errno";
import { parseDecimal } from "../lib/parse";
import { rt_cache_flush } from "../ipv4/flow";
import { devByName, devList } from "./netdevice";
import {
  CONF_NAMES, CONF_COUNT, CONF_FORWARDING, CONF_ACCEPT_REDIRECTS, CONF_ROUTE_LOCALNET, CONF_PROMOTE_SECONDARIES,
  CONF_DISABLE_POLICY, CONF_DROP_UNICAST_IN_L2_MULTICAST, confAll, confDflt, devConf, inDevExists,
} from "../ipv4/devinet";

/** which conf values a device had set explicitly (in_dev->cnf.state): devConfSet[ifindex * CONF_COUNT + k] */
const devConfSet = new Array<bool>();
function markSet(dev: i32, k: i32): void {
  while (devConfSet.length < (dev + 1) * CONF_COUNT) devConfSet.push(false);
  devConfSet[dev * CONF_COUNT + k] = true;
}
function isSet(dev: i32, k: i32): bool {
  const i = dev * CONF_COUNT + k;
  return i < devConfSet.length && devConfSet[i];
}
/** ipv4_devconf_setall(): from then on the device's conf no longer follows conf/default (lo at each NETDEV_UP) */
export function sysctlDevSetAll(dev: i32): void {
  rt_cache_flush();
  for (let k = 0; k < CONF_COUNT; k++) markSet(dev, k);
}
/** a new in_device starts with nothing set explicitly */
export function sysctlDevReset(dev: i32): void {
  for (let k = 0; k < CONF_COUNT; k++) if (dev * CONF_COUNT + k < devConfSet.length) devConfSet[dev * CONF_COUNT + k] = false;
}

export let sysctlValue: string = "";

/** inet_forward_change(): ip_forward / conf.all.forwarding switch every device */
function forwardChange(on: i32): void {
  confAll[CONF_FORWARDING] = on;
  confAll[CONF_ACCEPT_REDIRECTS] = on != 0 ? 0 : 1;
  confDflt[CONF_FORWARDING] = on;
  for (let i = 0; i < devList.length; i++) {
    const d = devList[i];
    if (inDevExists(d)) devConf[d * CONF_COUNT + CONF_FORWARDING] = on;
  }
}

/** read (write = false) or write a sysctl; 0 with sysctlValue set, or -errno */
export function sysctl(key: string, write: bool, value: string): i32 {
  const k = key.replaceAll("/", ".");
  let v: i64 = 0;
  if (write) {
    rt_cache_flush(); // devinet_conf_proc / devinet_sysctl_forward flush the routes
    v = parseDecimal(value, 0x7fffffff);
    if (v == i64.MIN_VALUE) return -EINVAL;
  }
  if (k == "net.ipv4.ip_forward") {
    // devinet_sysctl_forward(): only a change of value switches the devices
    if (write && <i32>v != confAll[CONF_FORWARDING]) forwardChange(<i32>v);
    sysctlValue = confAll[CONF_FORWARDING].toString();
    return 0;
  }
  const pre = "net.ipv4.conf.";
  if (!k.startsWith(pre)) return -ENOENT;
  const rest = k.substring(pre.length);
  const dot = rest.lastIndexOf(".");
  if (dot <= 0) return -ENOENT;
  const scope = rest.substring(0, dot), name = rest.substring(dot + 1);
  const idx = CONF_NAMES.indexOf(name);
  if (idx < 0) return -ENOENT;
  if (scope == "all") {
    if (write) {
      if (idx == CONF_FORWARDING) { if (<i32>v != confAll[idx]) forwardChange(<i32>v); }
      else confAll[idx] = <i32>v;
    }
    sysctlValue = confAll[idx].toString();
    return 0;
  }
  if (scope == "default") {
    if (write) {
      confDflt[idx] = <i32>v;
      // devinet_copy_dflt_conf(): devices that never set it follow the default. forwarding has its own
      // handler and the "flushing" entries (ipv4_doint_and_flush) don't copy at all.
      if (idx != CONF_FORWARDING && idx != CONF_ROUTE_LOCALNET && idx != CONF_PROMOTE_SECONDARIES &&
        idx != CONF_DISABLE_POLICY && idx != CONF_DROP_UNICAST_IN_L2_MULTICAST) {
        for (let i = 0; i < devList.length; i++) {
          const d = devList[i];
          if (inDevExists(d) && !isSet(d, idx)) devConf[d * CONF_COUNT + idx] = <i32>v;
        }
      }
    }
    sysctlValue = confDflt[idx].toString();
    return 0;
  }
  const dev = devByName(scope);
  if (dev == 0 || !inDevExists(dev)) return -ENOENT;
  if (write) {
    devConf[dev * CONF_COUNT + idx] = <i32>v;
    markSet(dev, idx);
  }
  sysctlValue = devConf[dev * CONF_COUNT + idx].toString();
  return 0;
}
