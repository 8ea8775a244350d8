// ethtool 6.1's ring, pause, register-dump, autonegotiation-restart and
// private-flag modes (-g -G -a -A -d -r --show-priv-flags --set-priv-flags)
// against the emulated kernel. Only the EMAC's driver implements these ops
// (emac-ethtool.c, run in the core: assembly/drivers/emac_ethtool.ts); the
// checks the ethtool core makes before calling a driver (net/ethtool/rings.c,
// pause.c, privflags.c: no change means no call, ring maximums) and ethtool's
// own parsing and messages are here. Every other device answers what Linux's
// drivers answer: they have none of these ops.
import type { IpResult } from './ip/index.js';
import type { EmacEthtoolOps, LinkInfo, Rtnl } from './rtnl.js';
import { strerror } from './ip/errors.js';

// what EmacEthtoolOps.get answers (ET_* in assembly/drivers/emac_ethtool.ts)
const ET_RX_MAX = 0, ET_TX_MAX = 1, ET_RX_PENDING = 2, ET_TX_PENDING = 3, ET_PAUSE_AUTONEG = 4, ET_PAUSE_RX = 5,
  ET_PAUSE_TX = 6, ET_PRIV_FLAGS = 7, ET_REGS_LEN = 9, ET_PHY_ATTACHED = 10, ET_ADV_PAUSE = 11, ET_LP_PAUSE = 12;
// EmacEthtoolOps.set operations
const OP_RINGS = 0, OP_PAUSE = 1, OP_PRIV_FLAGS = 2, OP_NWAY_RESET = 3;
/** emac_get_strings(ETH_SS_PRIV_FLAGS) */
const EMAC_PRIV_FLAGS = ['single-pause-mode'];

const EINVAL = 22, ENODEV = 19, EOPNOTSUPP = 95;
const BAD_ARGS = 'ethtool: bad command line argument(s)\nFor more information run ethtool -h\n';
/** what ethtool prints for a netlink request about a device that does not exist (the DEV_NAME attribute is at 24) */
const NL_NO_DEV = 'netlink error: no device matches name (offset 24)\nnetlink error: No such device\n';
const nlError = (errno: number, msg?: string, offset?: number): string =>
  (msg ? `netlink error: ${msg}${offset !== undefined ? ` (offset ${offset})` : ''}\n` : '') + `netlink error: ${strerror(errno)}\n`;

const ok = (stdout = ''): IpResult => ({ status: 0, stdout, stderr: '' });
const fail = (stderr: string, status: number, stdout = ''): IpResult => ({ status, stdout, stderr });
const onOff = (b: boolean | number): string => (b ? 'on' : 'off');

/** NLA_ALIGN(NLA_HDRLEN + strlen + 1): a string attribute's size */
const strAttrLen = (s: string): number => (4 + new TextEncoder().encode(s).length + 1 + 3) & ~3;
/** offset of the first attribute after the request header nest (nlmsghdr 16, genlmsghdr 4, nest 4, DEV_NAME) */
const afterHeader = (dev: string): number => 24 + strAttrLen(dev);

type Params = Map<string, string>;
/** ethtool's nl_parser over `name value` pairs: the messages it prints, or the pairs in command-line order */
function parsePairs(cmd: string, args: string[], known: string[], check: (v: string) => boolean): Params | string {
  const got: Params = new Map();
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i];
    if (!known.includes(name)) return `ethtool (${cmd}): unknown parameter '${name}'\n`;
    if (got.has(name)) return `ethtool (${cmd}): duplicate parameter '${name}'\n`;
    if (i + 1 >= args.length) return `ethtool (${cmd}): no value for parameter '${name}'\n`;
    if (!check(args[i + 1])) return `ethtool (${cmd}): invalid value '${args[i + 1]}' for parameter '${name}'\n`;
    got.set(name, args[i + 1]);
  }
  return got;
}
/** strtoul(.., 0) as nl_parse_direct_u32 takes it: decimal, 0x hex or 0 octal, within u32 */
function parseU32(v: string): number | undefined {
  if (!/^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(v)) return undefined;
  const n = /^0[0-7]+$/.test(v) ? parseInt(v, 8) : Number(v);
  return n <= 0xffffffff ? n : undefined;
}
const isBool = (v: string): boolean => v === 'on' || v === 'off';

/** -g: rings_reply_cb for the attributes rings_fill_reply sends (maximums and sizes the driver has, TX push off) */
function showRings(dev: string, e: EmacEthtoolOps): string {
  return `Ring parameters for ${dev}:\nPre-set maximums:\nRX:\t\t${e.get(ET_RX_MAX)}\nRX Mini:\tn/a\nRX Jumbo:\tn/a\n` +
    `TX:\t\t${e.get(ET_TX_MAX)}\nCurrent hardware settings:\nRX:\t\t${e.get(ET_RX_PENDING)}\nRX Mini:\tn/a\n` +
    `RX Jumbo:\tn/a\nTX:\t\t${e.get(ET_TX_PENDING)}\nRX Buf Len:\t\tn/a\nCQE Size:\t\tn/a\nTX Push:\toff\nTCP data split:\tn/a\n`;
}

/** -G: ethnl_set_rings (nothing changed: no call; above a maximum: EINVAL on that attribute), then emac_set_ringparam */
function setRings(dev: string, e: EmacEthtoolOps, p: Params): IpResult {
  const cur: Record<string, number> = { rx: e.get(ET_RX_PENDING), 'rx-mini': 0, 'rx-jumbo': 0, tx: e.get(ET_TX_PENDING) };
  const max: Record<string, number> = { rx: e.get(ET_RX_MAX), 'rx-mini': 0, 'rx-jumbo': 0, tx: e.get(ET_TX_MAX) };
  const want = { ...cur };
  let mod = false;
  for (const [k, v] of p) { want[k] = parseU32(v)!; mod ||= want[k] !== cur[k]; }
  if (!mod) return ok();
  const over = ['rx', 'rx-mini', 'rx-jumbo', 'tx'].find((k) => want[k] > max[k]);
  if (over) {
    const offset = afterHeader(dev) + 8 * [...p.keys()].indexOf(over);
    return fail(nlError(EINVAL, 'requested ring size exceeds maximum', offset), 81);
  }
  const r = e.set(OP_RINGS, want.rx, want.tx, want['rx-mini'], want['rx-jumbo']);
  return r.ok ? ok() : fail(nlError(r.errno), 81);
}

/** -a: pause_reply_cb, with the negotiated pause from the link modes (phylib's; none without an attached PHY) */
function showPause(dev: string, e: EmacEthtoolOps): IpResult {
  const autoneg = e.get(ET_PAUSE_AUTONEG);
  let out = `Pause parameters for ${dev}:\nAutonegotiate:\t${onOff(autoneg)}\nRX:\t\t${onOff(e.get(ET_PAUSE_RX))}\n` +
    `TX:\t\t${onOff(e.get(ET_PAUSE_TX))}\n`;
  let err = '';
  if (autoneg) {
    if (!e.get(ET_PHY_ATTACHED)) {
      // linkmodes_prepare_data: phy_ethtool_get_link_ksettings has no phydev while the port is down
      err = nlError(ENODEV, 'failed to retrieve link settings');
    } else {
      // Pause bit 0, Asym_Pause bit 1: ours (advertised) and the partner's, resolved as ethtool resolves them
      const ours = e.get(ET_ADV_PAUSE), peer = e.get(ET_LP_PAUSE);
      let rx = false, tx = false;
      if (ours & peer & 1) rx = tx = true;
      else if (ours & peer & 2) { if (ours & 1) rx = true; else if (peer & 1) tx = true; }
      out += `RX negotiated:\t${onOff(rx)}\nTX negotiated:\t${onOff(tx)}\n`;
    }
  }
  return { status: 0, stdout: out + '\n', stderr: err };
}

/** -A: ethnl_set_pause (nothing changed: no call), then emac_set_pauseparam */
function setPause(e: EmacEthtoolOps, p: Params): IpResult {
  const cur = { autoneg: !!e.get(ET_PAUSE_AUTONEG), rx: !!e.get(ET_PAUSE_RX), tx: !!e.get(ET_PAUSE_TX) };
  const want = { ...cur };
  for (const [k, v] of p) want[k as keyof typeof want] = v === 'on';
  if (want.autoneg === cur.autoneg && want.rx === cur.rx && want.tx === cur.tx) return ok();
  const r = e.set(OP_PAUSE, +want.autoneg, +want.rx, +want.tx);
  return r.ok ? ok() : fail(nlError(r.errno), 76);
}

/** -d: emac_get_regs as ethtool's dump_hex prints a driver it has no pretty-printer for (little-endian bytes) */
function regDump(e: EmacEthtoolOps): string {
  const n = e.get(ET_REGS_LEN);
  const bytes = new Uint8Array(n);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n / 4; i++) view.setUint32(i * 4, e.reg(i), true);
  let out = 'Offset\t\tValues\n------\t\t------';
  bytes.forEach((b, i) => {
    if (i % 16 === 0) out += `\n0x${i.toString(16).padStart(4, '0')}:\t\t`;
    out += `${b.toString(16).padStart(2, '0')} `;
  });
  return out + '\n';
}

/** --set-priv-flags: ethnl_set_privflags over the names given (the first unknown name: EOPNOTSUPP on its attribute) */
function setPrivFlags(dev: string, e: EmacEthtoolOps, args: string[]): IpResult {
  let flags = e.get(ET_PRIV_FLAGS);
  const cur = flags;
  // the request: FLAGS nest, BITS nest, then per flag a BIT nest of NAME and, when on, the VALUE flag
  let offset = afterHeader(dev) + 8;
  for (let i = 0; i < args.length; i += 2) {
    const bit = EMAC_PRIV_FLAGS.indexOf(args[i]);
    if (bit < 0) return fail(nlError(EOPNOTSUPP, 'bit name not found', offset + 4), 1);
    flags = args[i + 1] === 'on' ? flags | (1 << bit) : flags & ~(1 << bit);
    offset += 4 + strAttrLen(args[i]) + (args[i + 1] === 'on' ? 4 : 0);
  }
  if (flags === cur) return ok();
  const r = e.set(OP_PRIV_FLAGS, flags);
  return r.ok ? ok() : fail(nlError(r.errno), 1);
}

/** The modes of this file: `mode` is the option as given; undefined when it is none of them */
export function runEthtoolOp(rtnl: Rtnl, mode: string, dev: string | undefined, rest: string[],
  linkOf: (dev: string) => LinkInfo | undefined, regdump: (l: LinkInfo) => boolean | undefined): IpResult | undefined {
  const emac = (l: LinkInfo | undefined) => (l ? rtnl.emacEthtool?.(l.ifindex) : undefined);
  switch (mode) {
    case '-g': case '--show-ring': case '-a': case '--show-pause': case '--show-priv-flags': {
      if (dev === undefined) return fail(BAD_ARGS, 1);
      if (rest.length) return fail(`ethtool: unexpected parameter '${rest[0]}'\n`, 1);
      const l = linkOf(dev);
      if (!l) return fail(NL_NO_DEV, 1);
      const e = emac(l);
      if (!e) return fail(nlError(EOPNOTSUPP), 1);
      if (mode === '-g' || mode === '--show-ring') return ok(showRings(dev, e));
      if (mode === '--show-priv-flags') {
        const f = e.get(ET_PRIV_FLAGS);
        const w = Math.max(...EMAC_PRIV_FLAGS.map((n) => n.length));
        return ok(`Private flags for ${dev}:\n${EMAC_PRIV_FLAGS.map((n, i) => `${n.padEnd(w)}: ${onOff(f & (1 << i))}\n`).join('')}`);
      }
      return showPause(dev, e);
    }
    case '-G': case '--set-ring': case '-A': case '--pause': {
      if (dev === undefined) return fail(BAD_ARGS, 1);
      const rings = mode === '-G' || mode === '--set-ring';
      const p = rings ? parsePairs('-G', rest, ['rx', 'rx-mini', 'rx-jumbo', 'tx'], (v) => parseU32(v) !== undefined)
        : parsePairs('-A', rest, ['autoneg', 'rx', 'tx'], isBool);
      if (typeof p === 'string') return fail(p, 1);
      const status = rings ? 81 : 76;
      const l = linkOf(dev);
      if (!l) return fail(NL_NO_DEV, status);
      const e = emac(l);
      if (!e) return fail(nlError(EOPNOTSUPP), status);
      return rings ? setRings(dev, e, p) : setPause(e, p);
    }
    case '--set-priv-flags': {
      if (dev === undefined) return fail(BAD_ARGS, 1);
      for (let i = 0; i < rest.length; i += 2) {
        if (!isBool(rest[i + 1] ?? '')) {
          return fail(`ethtool (--set-priv-flags): flag '${rest[i]}' for parameter '(null)' is not followed by 'on' or 'off'\n`, 1);
        }
      }
      const l = linkOf(dev);
      if (!l) return fail(NL_NO_DEV, 1);
      const e = emac(l);
      if (!e) return fail(nlError(EOPNOTSUPP), 1);
      return setPrivFlags(dev, e, rest);
    }
    case '-d': case '--register-dump': {
      // ETHTOOL_GDRVINFO, then ETHTOOL_GREGS; `hex on|off` and `raw off` change nothing for a driver without a pretty-printer
      if (dev === undefined || rest.length % 2 || !rest.every((a, i) => (i % 2 ? isBool(a) : a === 'hex' || a === 'raw'))) {
        return fail(BAD_ARGS, 1);
      }
      if (rest.some((a, i) => a === 'raw' && rest[i + 1] === 'on')) {
        return fail('netpath ethtool: -d raw on is not supported by netpath (it would write binary)\n', 1);
      }
      const l = linkOf(dev);
      if (!l) return fail(`Cannot get driver information: ${strerror(ENODEV)}\n`, 72);
      const rd = regdump(l);
      if (rd === undefined) return fail(`Cannot get driver information: ${strerror(EOPNOTSUPP)}\n`, 72);
      const e = emac(l);
      if (!rd || !e) return fail(`Cannot get register dump: ${strerror(EOPNOTSUPP)}\n`, 74);
      return ok(regDump(e));
    }
    case '-r': case '--negotiate': {
      if (dev === undefined || rest.length) return fail(BAD_ARGS, 1);
      // ETHTOOL_NWAY_RST: emac_nway_reset; ethtool exits with the ioctl's -1
      const l = linkOf(dev);
      const r = l ? emac(l)?.set(OP_NWAY_RESET) : undefined;
      const errno = !l ? ENODEV : !r ? EOPNOTSUPP : r.ok ? 0 : r.errno;
      return errno ? fail(`Cannot restart autonegotiation: ${strerror(errno)}\n`, 255) : ok();
    }
  }
  return undefined;
}

/** whether a successful `ethtool ARGV` changed the device's state (to be logged and replayed, as `ip` changes are) */
export function ethtoolMutates(argv: string[]): boolean {
  return ['-G', '--set-ring', '-A', '--pause', '--set-priv-flags'].includes(argv[0]);
}
