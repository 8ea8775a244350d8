// ethtool -g/-G, -a/-A, -d, -r, --show-priv-flags/--set-priv-flags. The virtual
// devices have none of these ops in Linux: their answers were recorded from
// ethtool 6.1 on the kernel (test/fixtures/ethtool/ops.json, NP_RECORD=1) and are
// asked again when a namespace can be made. The EMAC has no kernel here: its ops
// are checked by what they do to the driver model and the hardware model
// (emac-ethtool.c's behaviour: ring sizes in the descriptor registers and DMA
// memory, the MAC_CTRL flow-control bits, the registers it dumps).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Box } from '../src/box.js';
import { EMAC, RXFC, TXFC, SINGLE_PAUSE_MODE } from '../src/hw/emac-regs.js';
import { runCli } from './util/cli.js';
import { udpFrame } from './util/frames.js';
import { ETHTOOL_SETUP, ethtoolCases, ethtoolWhyNot } from './util/recorded.js';

const FIXTURE = new URL('./fixtures/ethtool/ops.json', import.meta.url);
const CASES = [
  '-g va', '-g br0', '-g mv', '-g tp0', '-g tn0', '-g lo', '-g nosuch', '--show-ring va', '-g va extra', '-g',
  '-G va rx 256', '-G lo tx 512', '-G br0 rx 1', '-G nosuch rx 256', '-G va', '-G va rx', '-G va rx abc', '-G va foo 1',
  '-G va rx -1', '-G va rx 0x100', '-G va rx 4294967296', '-G va rx 1 rx 2', '--set-ring mv tx 128', '-G',
  '-a va', '-a br0', '-a mv', '-a tp0', '-a lo', '-a nosuch', '--show-pause va', '-a va extra',
  '-A va rx on', '-A va autoneg off rx off tx off', '-A tn0 tx on', '-A nosuch rx on', '-A va rx maybe', '-A va',
  '-A va foo on', '-A va rx', '--pause br0 rx on',
  '-d va', '-d br0', '-d mv', '-d tp0', '-d tn0', '-d lo', '-d nosuch', '--register-dump va', '-d va extra', '-d va hex on',
  '-r va', '-r br0', '-r lo', '-r nosuch', '--negotiate mv', '-r va extra', '-r',
  '--show-priv-flags va', '--show-priv-flags lo', '--show-priv-flags nosuch', '--show-priv-flags va extra',
  '--set-priv-flags va foo on', '--set-priv-flags nosuch foo on', '--set-priv-flags va', '--set-priv-flags va foo',
  '--set-priv-flags va foo maybe',
];

const why = await ethtoolWhyNot();

describe('ethtool ring, pause, dump, renegotiation and private-flag modes on the virtual devices: as ethtool 6.1 on Linux', () => {
  ethtoolCases({ fixture: FIXTURE, netns: 'np-eth-ops', setup: ETHTOOL_SETUP, cases: CASES, why });
});

const SETTINGS_FIXTURE = new URL('./fixtures/ethtool/settings.json', import.meta.url);
const SETTINGS_SETUP = [...ETHTOOL_SETUP, 'link add br1 type bridge',
  ...['va', 'vb', 'br0', 'mv', 'lo', 'tp0'].map((d) => `link set ${d} up`)];

describe('ethtool DEV (link settings) on the virtual devices: as ethtool 6.1 on Linux', () => {
  ethtoolCases({ fixture: SETTINGS_FIXTURE, netns: 'np-eth-set', setup: SETTINGS_SETUP,
    cases: ['va', 'vb', 'br0', 'br1', 'mv', 'lo', 'tp0', 'tn0', 'nosuch', 'va extra'], why });
  it('is not offered for an EMAC (phylib\'s answer), nor for a macvlan on one', async () => {
    const box = await Box.create();
    for (const c of ['link add eth0 type emac', 'link add mv0 link eth0 type macvlan']) expect(box.ip(c).status).toBe(0);
    for (const d of ['eth0', 'mv0']) {
      expect(box.ethtool([d])).toMatchObject({ status: 1, stdout: '' });
      expect(box.ethtool([d]).stderr).toMatch(new RegExp(`^netpath ethtool: link settings of ${d} are not supported by netpath`));
    }
  });
});

// ---- the EMAC, by behaviour ----------------------------------------------------------------
/** a 100-byte UDP frame 192.0.2.10 -> 198.51.100.2 to eth0's address, payload bytes `tag` */
const udp = (tag: number) => udpFrame({ src: '192.0.2.10', dst: '198.51.100.2', srcMac: '02:00:00:00:00:20',
  dstMac: '02:00:00:00:00:10', payload: new Uint8Array(58).fill(tag) });

/** a router: eth0 (192.0.2.1) and eth1 (198.51.100.1) up, forwarding to a permanent neighbour on eth1 */
async function router(pre: string[] = []): Promise<Box> {
  const box = await Box.create();
  for (const c of [
    'link add eth0 address 02:00:00:00:00:10 type emac', 'link add eth1 address 02:00:00:00:00:11 type emac',
  ]) expect(box.ip(c).status, c).toBe(0);
  for (const c of pre) expect(box.ethtool(c).status, c).toBe(0);
  for (const c of [
    'link set eth0 up', 'link set eth1 up', 'addr add 192.0.2.1/24 dev eth0', 'addr add 198.51.100.1/24 dev eth1',
    'neigh add 198.51.100.2 lladdr 02:00:00:00:00:99 dev eth1 nud permanent',
  ]) expect(box.ip(c).status, c).toBe(0);
  box.sysctl('net.ipv4.ip_forward', 1);
  box.run({ ns: 3e9 }); // autonegotiation
  return box;
}

/** frames in on eth0, what comes out of eth1 */
function forward(box: Box, n: number): Uint8Array[] {
  box.link('eth0').wire.inject(Array.from({ length: n }, (_, i) => udp(i & 255)));
  box.run({ ns: 1e7 });
  return box.link('eth1').wire.collect();
}
const reg = (box: Box, dev: string, off: number) => box.emac(dev).mmio.peek32(off);
const reinits = (box: Box, dev: string) =>
  box.kernel.core.hwEmacDrvCounter(box.kernel.core.linkNic(box.link(dev).ifindex), 4);
const rxOk = (box: Box, dev: string) => Number(/rx_ok: (\d+)/.exec(box.ethtool(['-S', dev]).stdout)![1]);
const ringLine = (box: Box, dev: string) => {
  const m = /Current hardware settings:\nRX:\t\t(\d+)\n(?:.*\n){2}TX:\t\t(\d+)\n/.exec(box.ethtool(['-g', dev]).stdout);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};

describe('ethtool -g / -G on an EMAC: emac_get_ringparam, emac_set_ringparam', () => {
  it('-g gives the driver\'s maximums and ring sizes as ethtool 6.1 prints them', async () => {
    const box = await router();
    expect(box.ethtool('-g eth0')).toEqual({
      status: 0, stderr: '',
      stdout: 'Ring parameters for eth0:\nPre-set maximums:\nRX:\t\t2047\nRX Mini:\tn/a\nRX Jumbo:\tn/a\nTX:\t\t16383\n' +
        'Current hardware settings:\nRX:\t\t256\nRX Mini:\tn/a\nRX Jumbo:\tn/a\nTX:\t\t512\nRX Buf Len:\t\tn/a\n' +
        'CQE Size:\t\tn/a\nTX Push:\toff\nTCP data split:\tn/a\n',
    });
  });

  it('-G on a down port: the rings are allocated in the new sizes at open, in DMA memory and in DESC_CTRL, and forward as before', async () => {
    const plain = await router();
    const want = forward(plain, 8);
    expect(want).toHaveLength(8);
    const box = await router(['-G eth0 rx 1024 tx 2048']);
    expect(ringLine(box, 'eth0')).toEqual([1024, 2048]);
    expect(reg(box, 'eth0', EMAC.DESC_CTRL_3) & 0xfff).toBe(1024);
    expect(reg(box, 'eth0', EMAC.DESC_CTRL_6) & 0xfff).toBe(1024);
    expect(reg(box, 'eth0', EMAC.DESC_CTRL_9) & 0xffff).toBe(2048);
    // emac_mac_rx_descs_refill filled every RFD but one: the producer index and the last buffer in DMA memory
    expect(reg(box, 'eth0', EMAC.MAILBOX_0) & 0xfff).toBe(1023);
    const rfd = (reg(box, 'eth0', EMAC.DESC_CTRL_0) * 2 ** 32) + reg(box, 'eth0', EMAC.DESC_CTRL_2);
    expect(box.dma.read32(rfd + 1022 * 8)).not.toBe(0);
    expect(reinits(box, 'eth0')).toBe(0);
    const before = rxOk(box, 'eth0');
    expect(forward(box, 8)).toEqual(want);
    expect(rxOk(box, 'eth0') - before).toBe(8);
  });

  it('-G on a running port: emac_reinit_locked, the rings keep their sizes until the next open (as in mainline), traffic flows throughout', async () => {
    const box = await router();
    const want = forward(box, 8);
    expect(box.ethtool('-G eth0 rx 512 tx 1024')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(reinits(box, 'eth0')).toBe(1);
    expect(ringLine(box, 'eth0')).toEqual([512, 1024]);
    // emac_mac_up programs tx_q.tpd.count / rx_q.rfd.count, which only emac_open's ring allocation sets
    expect(reg(box, 'eth0', EMAC.DESC_CTRL_3) & 0xfff).toBe(256);
    expect(reg(box, 'eth0', EMAC.DESC_CTRL_9) & 0xffff).toBe(512);
    expect(forward(box, 8)).toEqual(want);
    for (const c of ['link set eth0 down', 'link set eth0 up']) expect(box.ip(c).status).toBe(0);
    box.run({ ns: 3e9 });
    expect(reg(box, 'eth0', EMAC.DESC_CTRL_3) & 0xfff).toBe(512);
    expect(reg(box, 'eth0', EMAC.DESC_CTRL_9) & 0xffff).toBe(1024);
    expect(reg(box, 'eth0', EMAC.MAILBOX_0) & 0xfff).toBe(511);
    const before = rxOk(box, 'eth0');
    expect(forward(box, 8)).toEqual(want);
    expect(rxOk(box, 'eth0') - before).toBe(8);
    // the same values again: the ethtool core calls nothing
    expect(box.ethtool('-G eth0 rx 512 tx 1024').status).toBe(0);
    expect(reinits(box, 'eth0')).toBe(1);
  });

  it('sizes beyond the maximums are refused by the core with nothing changed; below the minimums the driver clamps', async () => {
    const box = await router();
    const regs = () => [EMAC.DESC_CTRL_3, EMAC.DESC_CTRL_9, EMAC.MAC_CTRL].map((o) => reg(box, 'eth0', o));
    const r0 = regs();
    const exceeds = (offset: number) => ({ status: 81, stdout: '',
      stderr: `netlink error: requested ring size exceeds maximum (offset ${offset})\nnetlink error: Invalid argument\n` });
    expect(box.ethtool('-G eth0 rx 2048')).toEqual(exceeds(36));
    expect(box.ethtool('-G eth0 rx 300 tx 16384')).toEqual(exceeds(44));
    expect(box.ethtool('-G eth0 rx-mini 1')).toEqual(exceeds(36));
    expect(box.ethtool('-G eth0 rx 4294967295')).toEqual(exceeds(36));
    expect(box.ethtool('-G eth0 rx 4294967296')).toEqual({ status: 1, stdout: '',
      stderr: "ethtool (-G): invalid value '4294967296' for parameter 'rx'\n" });
    expect(box.ethtool('-G eth0 tx')).toEqual({ status: 1, stdout: '', stderr: "ethtool (-G): no value for parameter 'tx'\n" });
    expect(ringLine(box, 'eth0')).toEqual([256, 512]);
    expect(regs()).toEqual(r0);
    expect(reinits(box, 'eth0')).toBe(0);
    expect(box.ethtool('-G eth0 rx 1 tx 0').status).toBe(0);
    expect(ringLine(box, 'eth0')).toEqual([128, 128]);
    expect(box.ethtool('-G nosuch rx 256')).toEqual({ status: 81, stdout: '',
      stderr: 'netlink error: no device matches name (offset 24)\nnetlink error: No such device\n' });
  });
});

describe('ethtool -a / -A on an EMAC: emac_get_pauseparam, emac_set_pauseparam and the MAC_CTRL bits emac_mac_start sets', () => {
  const fc = (box: Box) => reg(box, 'eth0', EMAC.MAC_CTRL) & (RXFC | TXFC);

  it('automatic by default: the PHY\'s resolution (a partner without pause: none), negotiated lines from the link modes', async () => {
    const box = await router();
    expect(fc(box)).toBe(0);
    expect(box.ethtool('-a eth0')).toEqual({ status: 0, stderr: '',
      stdout: 'Pause parameters for eth0:\nAutonegotiate:\ton\nRX:\t\toff\nTX:\t\toff\nRX negotiated:\toff\nTX negotiated:\toff\n\n' });
  });

  it('forced pause: the port is reinitialised and the link comes back with RXFC / TXFC as asked; automatic again takes the PHY\'s', async () => {
    const box = await router();
    const want = forward(box, 4);
    expect(box.ethtool('-A eth0 autoneg off rx on tx off')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(reinits(box, 'eth0')).toBe(1);
    expect(fc(box)).toBe(RXFC);
    expect(box.ethtool('-a eth0').stdout).toBe('Pause parameters for eth0:\nAutonegotiate:\toff\nRX:\t\ton\nTX:\t\toff\n\n');
    expect(box.ethtool('-A eth0 tx on').status).toBe(0);
    expect(fc(box)).toBe(RXFC | TXFC);
    expect(forward(box, 4)).toEqual(want);
    // nothing changed: no call, no reinit
    expect(box.ethtool('-A eth0 rx on').status).toBe(0);
    expect(reinits(box, 'eth0')).toBe(2);
    expect(box.ethtool('-A eth0 autoneg on').status).toBe(0);
    expect(fc(box)).toBe(0);
    expect(box.ethtool('-a eth0').stdout).toContain('Autonegotiate:\ton\nRX:\t\toff\nTX:\t\toff\n');
  });

  it('on a down port the setting waits for the link; -a cannot read link modes without a PHY attached', async () => {
    const box = await router();
    expect(box.ip('link set eth0 down').status).toBe(0);
    expect(box.ethtool('-a eth0')).toEqual({ status: 0, stdout: 'Pause parameters for eth0:\nAutonegotiate:\ton\nRX:\t\toff\nTX:\t\toff\n\n',
      stderr: 'netlink error: failed to retrieve link settings\nnetlink error: No such device\n' });
    expect(box.ethtool('-A eth0 autoneg off rx on tx on').status).toBe(0);
    expect(reinits(box, 'eth0')).toBe(0);
    expect(box.ip('link set eth0 up').status).toBe(0);
    box.run({ ns: 3e9 });
    expect(fc(box)).toBe(RXFC | TXFC);
    expect(box.ethtool('-A eth0 rx maybe')).toEqual({ status: 1, stdout: '', stderr: "ethtool (-A): invalid value 'maybe' for parameter 'rx'\n" });
  });
});

describe('ethtool -d on an EMAC: emac_get_regs', () => {
  it('dumps emac_regs through the register read handler, as ethtool\'s hex dump', async () => {
    const box = await router(['--set-priv-flags eth0 single-pause-mode on']);
    const r = box.ethtool('-d eth0');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['Offset\t\tValues', '------\t\t------']);
    expect(lines.slice(2).map((l) => l.slice(0, 9))).toEqual(['0x0000:\t\t', '0x0010:\t\t', '0x0020:\t\t', '']);
    const bytes = lines.slice(2, 5).flatMap((l) => l.slice(9).trim().split(' ').map((h) => parseInt(h, 16)));
    expect(bytes).toHaveLength(36);
    const words = Array.from({ length: 9 }, (_, i) => new DataView(Uint8Array.from(bytes).buffer).getUint32(i * 4, true));
    const regs = [EMAC.DMA_MAS_CTRL, EMAC.MAC_CTRL, EMAC.TXQ_CTRL_0, EMAC.RXQ_CTRL_0, EMAC.DMA_CTRL, EMAC.INT_MASK,
      EMAC.AXI_MAST_CTRL, EMAC.CORE_HW_VERSION, EMAC.MISC_CTRL];
    expect(words).toEqual(regs.map((o) => reg(box, 'eth0', o)));
    expect(words[1] & SINGLE_PAUSE_MODE).toBe(SINGLE_PAUSE_MODE);
    expect(words[4]).toBe(0x47c54); // emac_mac_dma_config
    expect(box.ethtool('-i eth0').stdout).toContain('supports-register-dump: yes\nsupports-priv-flags: yes\n');
  });
});

describe('ethtool --show-priv-flags / --set-priv-flags and -r on an EMAC', () => {
  it('single-pause-mode sets SINGLE_PAUSE_MODE through a reinit; an unknown flag is refused', async () => {
    const box = await router();
    expect(box.ethtool('--show-priv-flags eth0').stdout).toBe('Private flags for eth0:\nsingle-pause-mode: off\n');
    expect(reg(box, 'eth0', EMAC.MAC_CTRL) & SINGLE_PAUSE_MODE).toBe(0);
    expect(box.ethtool('--set-priv-flags eth0 single-pause-mode on')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(reinits(box, 'eth0')).toBe(1);
    expect(reg(box, 'eth0', EMAC.MAC_CTRL) & SINGLE_PAUSE_MODE).toBe(SINGLE_PAUSE_MODE);
    expect(box.ethtool('--show-priv-flags eth0').stdout).toBe('Private flags for eth0:\nsingle-pause-mode: on\n');
    expect(box.ethtool('--set-priv-flags eth0 nosuch on')).toEqual({ status: 1, stdout: '',
      stderr: 'netlink error: bit name not found (offset 48)\nnetlink error: Operation not supported\n' });
    expect(reinits(box, 'eth0')).toBe(1);
  });

  it('-r restarts autonegotiation on an attached PHY; a down port has none', async () => {
    const box = await router();
    // the link partner's ability (MII_LPA) over the MDIO bus: there once autonegotiation is complete
    const lpa = () => {
      const m = box.emac('eth0').mmio;
      m.write32(EMAC.MDIO_CTRL, (1 << 22) | (5 << 16) | (1 << 23) | (1 << 21)); // SUP_PREAMBLE, LPA, START, RD_NWR
      box.run({ ns: 30_000 }); // an MDIO frame
      return m.read32(EMAC.MDIO_CTRL) & 0xffff;
    };
    expect(lpa()).not.toBe(0);
    expect(box.ethtool('-r eth0')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(lpa()).toBe(0);
    box.run({ ns: 2e9 });
    expect(lpa()).not.toBe(0);
    expect(forward(box, 2)).toHaveLength(2);
    box.ip('link set eth1 down');
    expect(box.ethtool('-r eth1')).toEqual({ status: 255, stdout: '', stderr: 'Cannot restart autonegotiation: No such device\n' });
  });
});

describe('netpath --box FILE ethtool: set modes are logged and replayed', () => {
  it('a ring size set in one run is there in the next; a refused one is not logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-eth-'));
    const f = join(dir, 'box.json');
    const cli = (...a: string[]) => runCli(['--box', f, ...a]);
    const st = [
      await cli('ip', 'link', 'add', 'eth0', 'type', 'emac'), await cli('ethtool', '-G', 'eth0', 'rx', '512'),
      await cli('ethtool', '-G', 'eth0', 'rx', '9999'), await cli('ethtool', '-A', 'eth0', 'autoneg', 'off'),
      await cli('ethtool', '-g', 'eth0'), await cli('ethtool', '-a', 'eth0'),
    ];
    const out = st.slice(4).map((r) => r.out);
    expect(st.map((r) => r.status)).toEqual([0, 0, 81, 0, 0, 0]);
    expect(out.join('')).toContain('Current hardware settings:\nRX:\t\t512\n');
    expect(out.join('')).toContain('Autonegotiate:\toff\n');
    expect(JSON.parse(readFileSync(f, 'utf8')).log).toEqual([
      { ip: ['link', 'add', 'eth0', 'type', 'emac'] }, { ethtool: ['-G', 'eth0', 'rx', '512'] },
      { ethtool: ['-A', 'eth0', 'autoneg', 'off'] },
    ]);
    rmSync(dir, { recursive: true });
  });
});
