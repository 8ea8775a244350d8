// `ethtool DEV` (ethtool 6.1 over netlink: link modes, link info, debug, link
// state) for the virtual devices, from their drivers' get_link_ksettings:
// veth_get_link_ksettings and tun_get_link_ksettings (10000 Mb/s full duplex,
// twisted pair), macvlan's (its lower device's), br_get_link_ksettings (the
// fastest running port with carrier, duplex unknown) and loopback's (link state
// only). The EMAC's (phylib's, from the PHY) is not offered.
import type { IpResult } from './ip/index.js';
import { IFF_LOWER_UP, IFF_UP, type LinkInfo, type Rtnl } from './rtnl.js';

const SPEED_UNKNOWN = -1;
const IF_OPER_UNKNOWN = 0, IF_OPER_UP = 6;
// what EmacEthtoolOps.get answers (ET_* in assembly/drivers/emac_ethtool.ts)
const ET_LINK = 13, ET_SPEED = 14;

interface Ksettings { speed: number; full: boolean; tp: boolean }

/** __ethtool_get_link_ksettings; undefined where netpath does not have the driver's answer */
function ksettings(rtnl: Rtnl, l: LinkInfo, links: LinkInfo[]): Ksettings | undefined | 'none' {
  switch (l.kind) {
    case 'veth': case 'tun': return { speed: 10000, full: true, tp: true };
    // vlan_ethtool_get_link_ksettings: the real device's, as macvlan's
    case 'vlan':
    case 'macvlan': {
      const lower = links.find((x) => x.ifindex === l.link);
      return lower ? ksettings(rtnl, lower, links) : undefined;
    }
    case 'bridge': {
      let speed = SPEED_UNKNOWN;
      for (const p of links) {
        // ports that are running and operationally up, with a known speed
        if (p.master !== l.ifindex || !(p.flags & IFF_UP) || (p.operstate !== IF_OPER_UP && p.operstate !== IF_OPER_UNKNOWN)) continue;
        let v = SPEED_UNKNOWN;
        if (p.kind === 'emac') {
          const e = rtnl.emacEthtool?.(p.ifindex); // phylib's speed while the link is up
          if (e?.get(ET_LINK)) v = e.get(ET_SPEED);
        } else {
          const s = ksettings(rtnl, p, links);
          if (s && s !== 'none') v = s.speed;
        }
        if (v > speed) speed = v;
      }
      return { speed, full: false, tp: false };
    }
    case 'loopback': return 'none';
    default: return undefined;
  }
}

/** `ethtool DEV`: undefined when netpath does not have this device's answer */
export function showSettings(rtnl: Rtnl, dev: string): IpResult | undefined {
  const links = rtnl.links();
  const l = links.find((x) => x.name === dev);
  if (!l) {
    // LINKMODES, LINKINFO, WOL, DEBUG and LINKSTATE each find no device
    return { status: 75, stdout: 'No data available\n',
      stderr: 'netlink error: no device matches name (offset 24)\nnetlink error: No such device\n'.repeat(5) };
  }
  const k = ksettings(rtnl, l, links);
  if (k === undefined) return undefined;
  let out = `Settings for ${dev}:\n`;
  if (k !== 'none') {
    out += '\tSupported ports: [  ]\n\tSupported link modes:   Not reported\n\tSupported pause frame use: No\n' +
      '\tSupports auto-negotiation: No\n\tSupported FEC modes: Not reported\n\tAdvertised link modes:  Not reported\n' +
      '\tAdvertised pause frame use: No\n\tAdvertised auto-negotiation: No\n\tAdvertised FEC modes: Not reported\n' +
      `\tSpeed: ${k.speed === SPEED_UNKNOWN ? 'Unknown!' : `${k.speed}Mb/s`}\n\tDuplex: ${k.full ? 'Full' : 'Unknown! (255)'}\n` +
      `\tAuto-negotiation: off\n\tPort: ${k.tp ? 'Twisted Pair' : 'Other'}\n\tPHYAD: 0\n\tTransceiver: internal\n` +
      (k.tp ? '\tMDI-X: Unknown\n' : '');
  }
  // tun_get_msglevel: the debug reply, as ethtool prints a message level with no flag set
  if (l.kind === 'tun') out += `        Current message level: 0x00000000 (0)\n${' '.repeat(30)}\n`;
  // __ethtool_get_link: running and carrier (loopback: running)
  const link = l.kind === 'loopback' ? l.flags & IFF_UP : l.flags & IFF_LOWER_UP;
  return { status: 0, stdout: `${out}\tLink detected: ${link ? 'yes' : 'no'}\n`, stderr: '' };
}
