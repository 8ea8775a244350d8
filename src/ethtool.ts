// `ethtool` (6.1) against the emulated kernel: -S and -i here, the statistics
// and driver information each device's driver gives Linux's ethtool core
// (ETHTOOL_GSTATS, ETHTOOL_GDRVINFO), with ethtool's own messages and exit codes
// when there are none; the ring, pause, register-dump, autonegotiation and
// private-flag modes in ethtool-ops.ts.
import type { IpResult } from './ip/index.js';
import type { LinkInfo, Rtnl } from './rtnl.js';
import { runEthtoolOp } from './ethtool-ops.js';
import { showSettings } from './ethtool-settings.js';

/** emac_ethtool_stat_strings (drivers/net/ethernet/qualcomm/emac/emac-ethtool.c), struct emac_stats order */
export const EMAC_STAT_NAMES = [
  'rx_ok', 'rx_bcast', 'rx_mcast', 'rx_pause', 'rx_ctrl', 'rx_fcs_err', 'rx_len_err', 'rx_byte_cnt', 'rx_runt',
  'rx_frag', 'rx_sz_64', 'rx_sz_65_127', 'rx_sz_128_255', 'rx_sz_256_511', 'rx_sz_512_1023', 'rx_sz_1024_1518',
  'rx_sz_1519_max', 'rx_sz_ov', 'rx_rxf_ov', 'rx_align_err', 'rx_bcast_byte_cnt', 'rx_mcast_byte_cnt',
  'rx_err_addr', 'rx_crc_align', 'rx_jabbers',
  'tx_ok', 'tx_bcast', 'tx_mcast', 'tx_pause', 'tx_exc_defer', 'tx_ctrl', 'tx_defer', 'tx_byte_cnt', 'tx_sz_64',
  'tx_sz_65_127', 'tx_sz_128_255', 'tx_sz_256_511', 'tx_sz_512_1023', 'tx_sz_1024_1518', 'tx_sz_1519_max',
  'tx_1_col', 'tx_2_col', 'tx_late_col', 'tx_abort_col', 'tx_underrun', 'tx_rd_eop', 'tx_len_err', 'tx_trunc',
  'tx_bcast_byte', 'tx_mcast_byte', 'tx_col',
];

/** veth_get_strings: peer_ifindex, then per RX queue veth_rq_stats_desc and per TX queue veth_tq_stats_desc (one queue each here) */
const VETH_RQ_STATS = ['xdp_packets', 'xdp_bytes', 'drops', 'xdp_redirect', 'xdp_drops', 'xdp_tx', 'xdp_tx_errors'];
const VETH_TQ_STATS = ['xdp_xmit', 'xdp_xmit_errors'];

/** A driver's ETHTOOL_GDRVINFO answer; `undefined` where ethtool_get_drvinfo returns -EOPNOTSUPP (loopback) */
interface DrvInfo { driver: string; version: string; fw: string; bus: string; stats: boolean; regdump: boolean; privFlags?: boolean }

const IFF_TAP = 0x2;
/**
 * ethtool_get_drvinfo starts the version with the kernel's release (init_uts_ns), which a driver
 * without get_drvinfo leaves there: the release netpath answers with.
 */
export const UTS_RELEASE = '6.18.0';

function drvInfo(l: LinkInfo): DrvInfo | undefined {
  switch (l.kind) {
    // veth_get_drvinfo
    case 'veth': return { driver: 'veth', version: '1.0', fw: '', bus: '', stats: true, regdump: false };
    // br_getinfo
    case 'bridge': return { driver: 'bridge', version: '2.3', fw: 'N/A', bus: 'N/A', stats: false, regdump: false };
    // macvlan_ethtool_get_drvinfo
    case 'macvlan': return { driver: 'macvlan', version: '0.1', fw: '', bus: '', stats: false, regdump: false };
    // vlan_ethtool_get_drvinfo (vlan_fullname, vlan_version); not checked against a kernel: the oracle has no 802.1Q
    case 'vlan': return { driver: '802.1Q VLAN Support', version: '1.8', fw: 'N/A', bus: '', stats: false, regdump: false };
    // tun_get_drvinfo: bus-info names the mode
    case 'tun': return { driver: 'tun', version: '1.6', fw: '', bus: ((l.tun?.flags ?? 0) & IFF_TAP) ? 'tap' : 'tun', stats: false, regdump: false };
    // dummy has no get_drvinfo and no parent device: the ethtool core names rtnl_link_ops->kind
    case 'dummy': return { driver: 'dummy', version: UTS_RELEASE, fw: '', bus: '', stats: false, regdump: false };
    // The EMAC driver has no get_drvinfo: the ethtool core names the parent platform device's driver
    // and the device (the ACPI enumeration of emac_acpi_match, HID QCOM8070 — a model choice: on a
    // device-tree board it is the node's name); emac_get_sset_count (statistics, one private flag) and
    // emac_get_regs_len say yes.
    case 'emac': return { driver: 'qcom-emac', version: UTS_RELEASE, fw: '', bus: 'QCOM8070:00', stats: true, regdump: true, privFlags: true };
    default: return undefined;
  }
}

const USAGE_ERR = 'ethtool: bad command line argument(s)\nFor more information run ethtool -h\n';
const SUPPORTED = 'DEV (virtual devices), -S|--statistics DEV, -i|--driver DEV, -g|-G, -a|-A, -d, -r, --show-priv-flags|--set-priv-flags';

/** Runs `ethtool ARGV`: -S / --statistics, -i / --driver and the modes of ethtool-ops.ts; other modes say that netpath does not have them */
export function runEthtool(rtnl: Rtnl, argv: string[]): IpResult {
  const out = (stdout: string, status = 0): IpResult => ({ status, stdout, stderr: '' });
  const err = (stderr: string, status: number, stdout = ''): IpResult => ({ status, stdout, stderr });
  if (argv.length === 0) return err(USAGE_ERR, 1);
  const [mode, dev, ...rest] = argv;
  const linkOf = (name: string) => rtnl.links().find((x) => x.name === name);
  const op = runEthtoolOp(rtnl, mode, dev, rest, linkOf, (l) => drvInfo(l)?.regdump);
  if (op) return op;
  const stats = mode === '-S' || mode === '--statistics';
  const driver = mode === '-i' || mode === '--driver';
  if (!stats && !driver) {
    if (mode.startsWith('-')) return err(`netpath ethtool: ${mode} is not supported by netpath (${SUPPORTED})\n`, 1);
    const settings = showSettings(rtnl, mode);
    if (settings) return settings;
    return err(`netpath ethtool: link settings of ${mode} are not supported by netpath (${SUPPORTED})\n`, 1);
  }
  if (dev === undefined) return err(USAGE_ERR, 1);
  if (rest.length > 0) {
    return stats ? err(`ethtool (-S): unknown parameter '${rest[0]}'\n`, 1) : err(USAGE_ERR, 1);
  }
  const l = linkOf(dev);
  if (driver) {
    if (!l) return err('Cannot get driver information: No such device\n', 71);
    const d = drvInfo(l);
    if (!d) return err('Cannot get driver information: Operation not supported\n', 71);
    const yn = (b: boolean) => (b ? 'yes' : 'no');
    return out(`driver: ${d.driver}\nversion: ${d.version}\nfirmware-version: ${d.fw}\nexpansion-rom-version: \n` +
      `bus-info: ${d.bus}\nsupports-statistics: ${yn(d.stats)}\nsupports-test: no\nsupports-eeprom-access: no\n` +
      `supports-register-dump: ${yn(d.regdump)}\nsupports-priv-flags: ${yn(!!d.privFlags)}\n`);
  }
  if (!l) return err('Cannot get stats strings information: No such device\n', 96);
  let rows: [string, number][] | undefined;
  if (l.kind === 'emac') {
    const v = rtnl.emacStats?.(l.ifindex);
    if (v) rows = EMAC_STAT_NAMES.map((n, i) => [n, v[i]]);
  } else if (l.kind === 'veth') {
    // veth_get_ethtool_stats: the peer's ifindex (in its own namespace), then the XDP queue counters, which
    // only an XDP program or GRO's NAPI mode moves (neither exists here)
    rows = [['peer_ifindex', l.link],
      ...VETH_RQ_STATS.map((n): [string, number] => [`rx_queue_0_${n}`, 0]),
      ...VETH_TQ_STATS.map((n): [string, number] => [`tx_queue_0_${n}`, 0])];
  }
  // drivers without get_sset_count (bridge, macvlan, tun, loopback): ethtool finds no strings
  if (!rows) return err('no stats available\n', 94);
  return out(`NIC statistics:\n${rows.map(([n, v]) => `     ${n}: ${v}\n`).join('')}`);
}
