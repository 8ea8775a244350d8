// Device-level differential test against the kernel (see test/devdiff/README.md).
//  (a) every committed fixture (kernel answers recorded by test/devdiff/record.ts) is replayed through
//      netpath; per device class (macvlan, bridge, tun, conflict) and overall, at least 95% of frames and
//      answers must agree. A class whose device netpath lacks fails with a message naming it.
//  (b) where namespaces can be made: fresh seeds, never used for fixtures, through the kernel and
//      netpath (same bar). NPDEV_BASE / NPDEV_SEEDS pin them.
//  (c) the generator, the comparison and the kernel runner themselves.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DevCompare, type DevResult, type FrameAnswer, type IpAnswer, type QueryAnswer, classScore, compareDevices, devReport, devScore, newDevResult } from './devdiff/compare.js';
import { DEV_GEN_VERSION, type DevClass, type DevScenario, devAddresses, generateDevices } from './devdiff/gen.js';
import { canRunDevices, runDevicesKernel } from './devdiff/kernel.js';
import { probeNetpathDevices, runDevicesNetpath } from './devdiff/netpath.js';
import { type DevFixture, devFixtureName, parseDevFixture } from './devdiff/record.js';
import { ETH_IP, PROTO, decode, echoRequest, eth, fromHex, hex, ipv4, udp } from './pktdiff/frames.js';
import { allowedAddress } from './pktdiff/gen.js';

const BAR = 0.95;
const fixDir = join(import.meta.dirname, 'fixtures', 'devices');
const index = existsSync(join(fixDir, 'index.json'))
  ? JSON.parse(readFileSync(join(fixDir, 'index.json'), 'utf8')) as { seeds: number[]; recordedWith?: { kernel?: string } }
  : { seeds: [] as number[], recordedWith: undefined };
const fixtures: DevFixture[] = index.seeds.map((s) => parseDevFixture(readFileSync(join(fixDir, devFixtureName(s)), 'utf8')));
const can = canRunDevices();
const probe = await probeNetpathDevices();
const times = (k: DevResult[]) => k.map((r) => (r && 'at' in r ? r.at : undefined));
/** The classes that need each device (conflict answers need all three). */
const NEEDS: Record<Exclude<DevClass, 'veth'>, (keyof typeof probe)[]> = { macvlan: ['macvlan'], bridge: ['bridge'], tun: ['tun'], conflict: ['macvlan', 'bridge', 'tun'] };
const missing = (cls: keyof typeof NEEDS) => NEEDS[cls].filter((d) => !probe[d].ok).map((d) => `netpath has no ${d} device yet (${probe[d].reason})`);

let replayed: DevCompare | undefined;
async function replayFixtures(): Promise<DevCompare> {
  if (replayed) return replayed;
  const res = newDevResult();
  for (const f of fixtures) compareDevices(res, f, f.kernel, await runDevicesNetpath(f, times(f.kernel)));
  console.log(devReport(res, { title: `recorded fixtures (${fixtures.length} seeds)` }));
  return (replayed = res);
}

describe('device differential against the kernel', () => {
  it('has recorded fixtures that are well-formed and regenerate', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(120);
    for (const f of fixtures) {
      expect(f.kernel.length, `seed ${f.seed}`).toBe(f.steps.length);
      if (f.gen === DEV_GEN_VERSION) expect(generateDevices(f.seed).steps, `seed ${f.seed} regenerates`).toEqual(f.steps);
    }
  });

  for (const cls of ['macvlan', 'bridge', 'tun', 'conflict'] as const) {
    it(`${cls}: the recorded kernel scenarios agree >= ${BAR * 100}% through netpath`, async () => {
      const why = missing(cls);
      if (why.length) expect.fail(`${cls} cannot be replayed: ${why.join('; ')}`);
      const s = classScore(await replayFixtures(), cls);
      expect(s.total).toBeGreaterThan(0);
      expect(s.matched / s.total, `${cls}: ${s.matched}/${s.total}`).toBeGreaterThanOrEqual(BAR);
    }, 600_000);
  }
  // the features each generator version added: every recorded scenario that uses one agrees in every frame and answer
  const ipStep = (f: DevScenario, re: RegExp) => f.steps.some((st) => 'ip' in st && re.test(st.ip));
  const everywhere: [string, (f: DevScenario) => boolean][] = [
    // (version 2) the macvlan's address makes br0 promiscuous: frames for it go up through br0 to the macvlan
    // port, and br0's unicast list shows it in `bridge fdb show`
    ['a macvlan on the bridge', (f) => ipStep(f, / link br0 .*type macvlan/)],
    // (version 3) link-local groups in the mask are flooded like the bridge group address
    ['a bridge group_fwd_mask', (f) => ipStep(f, /group_fwd_mask 0x4/) && f.steps.some((st) => 'case' in st && st.case === 'bridge/link-local-lldp')],
    // (version 4) port flags decide what is learnt and which ports a frame floods to; hairpin sends it back
    ['bridge port options', (f) => ipStep(f, /type bridge_slave .*(learning|flood|hairpin|isolated)/)],
  ];
  for (const [title, uses] of everywhere) {
    it(`the recorded scenarios with ${title} agree in every frame and answer`, async () => {
      const picked = fixtures.filter(uses);
      expect(picked.length).toBeGreaterThan(0);
      const res = newDevResult();
      for (const f of picked) compareDevices(res, f, f.kernel, await runDevicesNetpath(f, times(f.kernel)));
      expect(devScore(res), devReport(res, { title, examples: 5 })).toBe(1);
    }, 600_000);
  }
  it(`all classes: >= ${BAR * 100}% of the recorded frames and answers agree`, async () => {
    const why = [...new Set(Object.keys(NEEDS).flatMap((c) => missing(c as keyof typeof NEEDS)))];
    if (why.length) expect.fail(why.join('; '));
    expect(devScore(await replayFixtures())).toBeGreaterThanOrEqual(BAR);
  }, 600_000);

  const base = Number(process.env.NPDEV_BASE ?? 1_000_000 + (Math.floor(Date.now() / 60_000) % 100_000_000) * 10);
  const n = Number(process.env.NPDEV_SEEDS ?? 3);
  if (can.ok) {
    it(`fresh seeds ${base}..${base + n - 1} through the kernel and netpath: >= ${BAR * 100}% (NPDEV_BASE=${base})`, async () => {
      const why = [...new Set(Object.keys(NEEDS).flatMap((c) => missing(c as keyof typeof NEEDS)))];
      if (why.length) expect.fail(why.join('; '));
      const res = newDevResult();
      for (let seed = base; seed < base + n; seed++) {
        const sc = generateDevices(seed);
        const k = await runDevicesKernel(sc);
        compareDevices(res, sc, k, await runDevicesNetpath(sc, times(k)));
      }
      console.log(devReport(res, { title: `fresh seeds (NPDEV_BASE=${base} NPDEV_SEEDS=${n})` }));
      expect(devScore(res)).toBeGreaterThanOrEqual(BAR);
    }, 600_000);
  } else {
    it.skip(`fresh seeds through the kernel and netpath: skipped, no network namespace here (${can.reason})`, () => {});
  }
});

describe('device differential: generator and comparison', () => {
  const scs = Array.from({ length: 40 }, (_, i) => generateDevices(i + 1));
  it('is deterministic per seed and uses only the allowed address ranges', () => {
    expect(generateDevices(7)).toEqual(generateDevices(7));
    expect(generateDevices(7)).not.toEqual(generateDevices(8));
    for (const sc of scs) for (const a of devAddresses(sc)) expect(allowedAddress(a), `seed ${sc.seed}: ${a}`).toBe(true);
  });
  it('covers every device class, macvlan mode and the conflicts over a few seeds', () => {
    const steps = scs.flatMap((s) => s.steps);
    const cases = new Set(steps.flatMap((s) => ('case' in s && s.case ? [s.case] : [])));
    for (const c of ['macvlan/echo', 'macvlan/arp-broadcast', 'macvlan/to-sibling-macvlan', 'bridge/unicast-known', 'bridge/unicast-unknown', 'bridge/no-hairpin', 'bridge/roam',
      'bridge/nomaster', 'tun/write-echo', 'tun/read-routed', 'tun/tap-arp', 'conflict/macvlan-on-busy-lower', 'conflict/macvlan-lower-into-bridge', 'conflict/second-bridge']) {
      expect(cases, c).toContain(c);
    }
    const ips = steps.flatMap((s) => ('ip' in s ? [s.ip] : []));
    for (const mode of ['passthru', 'bridge', 'private', 'vepa']) expect(ips.some((l) => l.endsWith(`type macvlan mode ${mode}`)), mode).toBe(true);
    expect(ips.some((l) => / pi$/.test(l) && l.startsWith('tuntap add'))).toBe(true);
  });
  it('scores a run against itself 100% and notices a changed frame, answer and counter', () => {
    const f = fixtures.find((x) => x.kernel.some((k) => k && 'out' in k && k.out.length) && x.kernel.some((k) => k && 'state' in k));
    expect(f).toBeDefined();
    const self = newDevResult();
    compareDevices(self, f!, f!.kernel, f!.kernel);
    expect(self.matched).toBe(self.total);
    const bent = structuredClone(f!.kernel);
    const fi = bent.findIndex((k) => k && 'out' in k && !('status' in k) && k.out.length);
    const fr = bent[fi] as FrameAnswer;
    fr.out[0] = { ...fr.out[0], hex: fr.out[0].hex.slice(0, -2) + (fr.out[0].hex.endsWith('00') ? '01' : '00') };
    const ii = bent.findIndex((k) => k && 'status' in k);
    (bent[ii] as IpAnswer).status += 1;
    const q = bent.findLastIndex((k) => k && 'state' in k) as number;
    const st = (bent[q] as QueryAnswer).state;
    const dev = Object.keys(st.stats).find((d) => st.stats[d]);
    (st.stats[dev!] as { rx: { packets: number } }).rx.packets += 1;
    const res = newDevResult();
    compareDevices(res, f!, f!.kernel, bent);
    expect(res.total - res.matched).toBe(3);
    expect(res.mismatches.map((m) => m.step).sort((a, b) => a - b)).toEqual([fi, ii, q].sort((a, b) => a - b));
  });
});

describe('device differential: the kernel runner', () => {
  // p0 is the lower of mv0 (bridge mode); p1 and p2 are bridged under br0 (198.51.100.1/24); tun0 (203.0.113.1/24) routes 198.19.250.0/24
  const P = (i: number) => ({ name: `p${i}`, mac: `02:d0:00:00:00:0${i}`, peerMac: `02:ee:00:00:00:0${i}` });
  const H0 = { ip: '192.0.2.10', mac: '02:a0:00:00:00:10' }, H1 = { ip: '198.51.100.20', mac: '02:a1:00:00:00:20' }, H2 = { ip: '198.51.100.30', mac: '02:a2:00:00:00:30' };
  const MV = '02:c0:00:00:00:01';
  const sc: DevScenario = {
    seed: 0, gen: 0, ports: [P(0), P(1), P(2)], tuns: [{ name: 'tun0', tap: false, pi: false }],
    devices: [{ name: 'p0', cls: 'macvlan' }, { name: 'mv0', cls: 'macvlan' }, { name: 'br0', cls: 'bridge' }, { name: 'tun0', cls: 'tun' }],
    macs: { p0: P(0).mac, p1: P(1).mac, p2: P(2).mac, mv0: MV, h0: H0.mac, h1: H1.mac, h2: H2.mac },
    steps: [
      { sysctl: ['net.ipv4.ip_forward', '1'] }, { sysctl: ['net.ipv4.conf.all.rp_filter', '0'] }, { sysctl: ['net.ipv4.conf.default.rp_filter', '0'] },
      { sysctl: ['net.ipv4.igmp_link_local_mcast_reports', '0'] },
      { port: P(0) }, { port: P(1) }, { port: P(2) },
      { ip: `link add mv0 link p0 address ${MV} type macvlan mode bridge`, cls: 'macvlan' },
      { ip: 'link add br0 type bridge', cls: 'bridge' },
      { ip: 'link set p1 master br0', cls: 'bridge' }, { ip: 'link set p2 master br0', cls: 'bridge' },
      { ip: 'link add mvx link p1 type macvlan', cls: 'conflict' },
      { ip: 'tuntap add tun0 mode tun', cls: 'tun' }, { tun: { name: 'tun0', tap: false, pi: false } },
      { ip: 'link set p0 up' }, { ip: 'link set mv0 up' }, { ip: 'link set p1 up' }, { ip: 'link set p2 up' }, { ip: 'link set br0 up' }, { ip: 'link set tun0 up' },
      { ip: 'addr add 192.0.2.1/24 dev mv0' }, { ip: 'addr add 198.51.100.1/24 dev br0' }, { ip: 'addr add 203.0.113.1/24 dev tun0' },
      { ip: 'route add 198.19.250.0/24 dev tun0' },
      { ip: `neigh add ${H0.ip} lladdr ${H0.mac} dev mv0 nud permanent` },
      { ip: `neigh add ${H1.ip} lladdr ${H1.mac} dev br0 nud permanent` }, { ip: `neigh add ${H2.ip} lladdr ${H2.mac} dev br0 nud permanent` },
      { frame: hex(eth(MV, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '192.0.2.1', proto: PROTO.ICMP, id: 1 }, echoRequest(1, 1, new Uint8Array(4))))), port: 'p0', cls: 'macvlan', case: 'macvlan/echo' },
      { frame: hex(eth('ff:ff:ff:ff:ff:ff', H1.mac, ETH_IP, ipv4({ src: H1.ip, dst: '255.255.255.255', proto: PROTO.UDP, id: 2 }, udp(H1.ip, '255.255.255.255', 1000, 9, new Uint8Array(2))))), port: 'p1', cls: 'bridge', case: 'bridge/broadcast' },
      { frame: hex(eth(H1.mac, H2.mac, ETH_IP, ipv4({ src: H2.ip, dst: H1.ip, proto: PROTO.UDP, id: 3 }, udp(H2.ip, H1.ip, 1000, 2000, new Uint8Array(2))))), port: 'p2', cls: 'bridge', case: 'bridge/unicast-known' },
      { frame: hex(ipv4({ src: '198.19.250.7', dst: '192.0.2.1', proto: PROTO.ICMP, id: 4 }, echoRequest(2, 2, new Uint8Array(8)))), port: 'tun0', cls: 'tun', case: 'tun/write-echo' },
      { frame: hex(eth(MV, H0.mac, ETH_IP, ipv4({ src: H0.ip, dst: '198.19.250.9', proto: PROTO.UDP, id: 5, ttl: 9 }, udp(H0.ip, '198.19.250.9', 1, 2, new Uint8Array(3))))), port: 'p0', cls: 'tun', case: 'tun/read-routed' },
      { query: ['p0', 'mv0', 'p1', 'br0', 'tun0', 'mvx'] },
    ],
  };

  if (can.ok) {
    it(`answers, bridges, floods and reads tun queues as the kernel does, in namespaces it removes (${can.reason})`, async () => {
      const r = await runDevicesKernel(sc);
      expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(`np-devdiff-${process.pid}-`);
      const at = (what: string) => sc.steps.findIndex((s) => ('case' in s && s.case === what) || ('ip' in s && s.ip === what) || ('query' in s && what === 'query'));
      expect(r[at('link add mvx link p1 type macvlan')]).toEqual({ status: 2, err: 'RTNETLINK answers: Device or resource busy\n' });
      const out = (c: string) => (r[at(c)] as FrameAnswer).out;
      // echo reply from the macvlan's MAC out of its lower
      const echo = out('macvlan/echo');
      const e = decode(fromHex(echo[0].hex));
      expect([echo.length, echo[0].port, e.src, e.dst, e.icmp?.type]).toEqual([1, 'p0', MV, H0.mac, 0]);
      // the broadcast floods to the other bridge port only; the unicast goes to where H1 was learnt
      expect(out('bridge/broadcast').map((o) => o.port)).toEqual(['p2']);
      expect(out('bridge/unicast-known').map((o) => o.port)).toEqual(['p1']);
      // the tun's echo is answered into the tun: an IP packet, no Ethernet header; write() took it whole
      expect(out('tun/write-echo').map((o) => [o.port, o.hex.slice(0, 2), o.hex.slice(40, 42)])).toEqual([['tun0', '45', '00']]);
      const w = sc.steps[at('tun/write-echo')] as { frame: string };
      expect((r[at('tun/write-echo')] as FrameAnswer).ret).toBe(w.frame.length / 2);
      // routed into the tun with TTL - 1
      expect(out('tun/read-routed').map((o) => [o.port, o.hex.slice(16, 18)])).toEqual([['tun0', '08']]);
      const st = (r[at('query')] as QueryAnswer).state;
      expect(st.link.mvx).toBeNull();
      expect([st.link.p1?.master, st.link.mv0?.mode, st.link.mv0?.link, st.link.tun0?.type, st.link.br0?.address]).toEqual(['br0', 'bridge', 'p0', 'tun', 'p1']);
      expect(st.fdb.br0?.some((x) => (x as { mac: string; ifname: string }).mac === 'h1' && (x as { ifname: string }).ifname === 'p1')).toBe(true);
    }, 60_000);
  } else {
    it.skip(`runs a device scenario against the kernel: skipped, no network namespace can be made here (${can.reason})`, () => {});
  }

  const majorMinor = (v?: string) => /^\d+\.\d+/.exec(v ?? '')?.[0];
  const sameKernel = majorMinor(index.recordedWith?.kernel) === majorMinor(spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout);
  if (can.ok && fixtures.length && sameKernel) {
    it(`reproduces recorded fixtures on this kernel (${index.recordedWith?.kernel}): the recording is deterministic`, async () => {
      const res = newDevResult();
      for (const f of fixtures.slice(0, 2)) compareDevices(res, f, f.kernel, await runDevicesKernel(f));
      console.log(devReport(res, { title: 'kernel now vs kernel recorded' }));
      expect(devScore(res)).toBeGreaterThanOrEqual(0.99);
    }, 120_000);
  } else {
    it.skip(`reproduces recorded fixtures: skipped (${!can.ok ? can.reason : !fixtures.length ? 'no fixtures' : `recorded on ${index.recordedWith?.kernel}, this is another kernel`})`, () => {});
  }
});
