// `ethtool -S DEV` / `ethtool -i DEV`: the same devices in a netpath box and in a
// throwaway Linux namespace; ethtool 6.1's answers for each case were recorded
// (test/fixtures/ethtool/drvinfo-stats.json, NP_RECORD=1) and must come back byte
// for byte, with the exit status. When a namespace can be made and ethtool is
// installed, the kernel is asked again. The EMAC has no kernel here: its counters
// are checked against the frames put on its wire, by the names of emac-ethtool.c.
import { describe, expect, it } from 'vitest';
import { Box } from '../src/box.js';
import { EMAC_STAT_NAMES } from '../src/ethtool.js';
import { main } from '../src/cli.js';
import { ETHTOOL_SETUP, ethtoolCases, ethtoolWhyNot } from './util/recorded.js';

const FIXTURE = new URL('./fixtures/ethtool/drvinfo-stats.json', import.meta.url);

const CASES = [
  '-S va', '-S vb', '--statistics va', '-S br0', '-S mv', '-S tp0', '-S tn0', '-S lo', '-S nosuch',
  '-i va', '--driver vb', '-i br0', '-i mv', '-i tp0', '-i tn0', '-i lo', '-i nosuch',
  '-S', '-i', '-S va extra', '-i va extra',
];

const why = await ethtoolWhyNot();

describe('ethtool -S / -i: byte for byte what ethtool 6.1 prints', () => {
  ethtoolCases({ fixture: FIXTURE, netns: 'np-ethtool', setup: ETHTOOL_SETUP, cases: CASES, why });
});

/** an Ethernet frame of `len` bytes (no FCS) from 02:00:00:00:00:20 to `dst`, IPv4 type, zero payload */
function frame(dst: number[], len: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0); f.set([2, 0, 0, 0, 0, 0x20], 6); f[12] = 8;
  return f;
}
function stats(box: Box, dev: string): Record<string, number> {
  const r = box.ethtool(['-S', dev]);
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  expect(lines[0]).toBe('NIC statistics:');
  return Object.fromEntries(lines.slice(1, -1).map((l) => {
    const m = /^ {5}([a-z0-9_]+): (\d+)$/.exec(l);
    if (!m) throw new Error(`not an ethtool -S line: ${JSON.stringify(l)}`);
    return [m[1], Number(m[2])];
  }));
}

describe('ethtool -S on an EMAC: the MAC counters emac_get_ethtool_stats reports', () => {
  it('counts the frames on the wire by kind and size, in emac-ethtool.c order', async () => {
    const box = await Box.create();
    for (const c of [
      'link add eth0 address 02:00:00:00:00:10 type emac', 'link add eth1 address 02:00:00:00:00:11 type emac',
      'link set eth0 up', 'link set eth1 up', 'addr add 192.0.2.1/24 dev eth0', 'addr add 198.51.100.1/24 dev eth1',
    ]) expect(box.ip(c).status, c).toBe(0);
    box.run({ ns: 3e9 }); // autonegotiation
    const before = stats(box, 'eth0');
    expect(Object.keys(before)).toEqual(EMAC_STAT_NAMES);
    expect(EMAC_STAT_NAMES).toHaveLength(51);
    const us = [2, 0, 0, 0, 0, 0x10], other = [2, 0, 0, 0, 0, 0x55], bcast = [255, 255, 255, 255, 255, 255];
    // 3 to us (60, 60 and 100 bytes), 2 broadcasts of 60, 4 to another station (filtered)
    box.link('eth0').wire.inject([frame(us, 60), frame(us, 60), frame(us, 100), frame(bcast, 60), frame(bcast, 60),
      ...Array.from({ length: 4 }, () => frame(other, 60))]);
    box.run({ ns: 1e6 });
    const s = stats(box, 'eth0');
    const d = Object.fromEntries(EMAC_STAT_NAMES.map((n) => [n, s[n] - before[n]]));
    expect(d).toEqual({
      ...Object.fromEntries(EMAC_STAT_NAMES.map((n) => [n, 0])),
      rx_ok: 5, rx_bcast: 2, rx_byte_cnt: 60 + 60 + 100 + 60 + 60, rx_sz_64: 4, rx_sz_65_127: 1,
      rx_bcast_byte_cnt: 120, rx_err_addr: 4,
      // and nothing sent: ip_rcv drops the all-zero IPv4 headers (version 0)
    });
    // the counters the driver maps into ip -s link agree: emac_get_stats64's rx_packets is rx_ok
    const link = box.link('eth0').stats();
    expect(link.rxPackets).toBe(s.rx_ok);
    // a second read moves nothing (emac_update_hw_stats adds clear-on-read registers once)
    expect(stats(box, 'eth0')).toEqual(s);
  });

  it('counts what it sends: a forwarded frame leaves eth1 as tx_ok, by size', async () => {
    const box = await Box.create();
    for (const c of [
      'link add eth0 address 02:00:00:00:00:10 type emac', 'link add eth1 address 02:00:00:00:00:11 type emac',
      'link set eth0 up', 'link set eth1 up', 'addr add 192.0.2.1/24 dev eth0', 'addr add 198.51.100.1/24 dev eth1',
      'neigh add 198.51.100.2 lladdr 02:00:00:00:00:99 dev eth1 nud permanent',
    ]) expect(box.ip(c).status, c).toBe(0);
    box.sysctl('net.ipv4.ip_forward', 1);
    box.run({ ns: 3e9 });
    const before = stats(box, 'eth1');
    // UDP 192.0.2.10 -> 198.51.100.2, total length 86: a 100-byte frame
    const f = frame([2, 0, 0, 0, 0, 0x10], 100);
    f.set([0x45, 0, 0, 86, 0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 10, 198, 51, 100, 2], 14);
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    f[24] = (~sum >>> 8) & 255; f[25] = ~sum & 255;
    f.set([0x30, 0x39, 0, 0x35, 0, 66, 0, 0], 34);
    box.link('eth0').wire.inject([f, f, f]);
    box.run({ ns: 1e6 });
    expect(box.link('eth1').wire.collect()).toHaveLength(3);
    const s = stats(box, 'eth1');
    expect(s.tx_ok - before.tx_ok).toBe(3);
    expect(s.tx_byte_cnt - before.tx_byte_cnt).toBe(300);
    expect(s.tx_sz_65_127 - before.tx_sz_65_127).toBe(3);
    expect(s.tx_bcast - before.tx_bcast).toBe(0);
    expect(s.rx_ok - before.rx_ok).toBe(0);
  });
});

describe('netpath ethtool (the command line)', () => {
  it('prints what box.ethtool prints, with its status', async () => {
    const out: string[] = [], err: string[] = [];
    const w1 = process.stdout.write, w2 = process.stderr.write;
    process.stdout.write = ((s: string) => { out.push(s); return true; }) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => { err.push(s); return true; }) as typeof process.stderr.write;
    let st: number[];
    try {
      st = [await main(['ethtool', '-S', 'lo']), await main(['ethtool', '-i', 'lo']), await main(['ethtool', '-k', 'lo'])];
    } finally {
      process.stdout.write = w1; process.stderr.write = w2;
    }
    expect(st).toEqual([94, 71, 1]);
    expect(out.join('')).toBe('');
    expect(err.join('')).toBe('no stats available\nCannot get driver information: Operation not supported\n' +
      'netpath ethtool: -k is not supported by netpath (DEV (virtual devices), -S|--statistics DEV, -i|--driver DEV, -g|-G, -a|-A, -d, -r, ' +
      '--show-priv-flags|--set-priv-flags)\n');
  });
});
