// Boxes in a worker thread (netpath/worker): the built package, driven through comlink as a
// user would. A box in a worker must answer exactly as the same box in the calling thread.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Box, World } from '../dist/index.js';
import { each, setRxHandler, startBoxWorker, type BoxWorker } from '../dist/worker.js';
import { ETH_IP, PROTO, echoRequest, eth, ipv4, udp } from './pktdiff/frames.js';

const ETH0 = '02:00:00:00:00:10', HOST = '02:00:00:00:00:20';
const SETUP = [
  `link add eth0 address ${ETH0} type emac`, 'link add eth1 address 02:00:00:00:00:11 type emac',
  'link set eth0 up', 'link set eth1 up', 'addr add 192.0.2.1/24 dev eth0', 'addr add 198.51.100.1/24 dev eth1',
  'neigh add 198.51.100.7 lladdr 02:00:00:00:00:99 dev eth1 nud permanent',
  'rule add from 192.0.2.64/26 lookup 100', 'route add 203.0.113.0/24 via 198.51.100.7 table 100',
];
const frame = (dst: string, proto: number, ttl = 64) => eth(ETH0, HOST, ETH_IP, ipv4({ src: '192.0.2.70', dst, proto, id: 5, ttl },
  proto === PROTO.ICMP ? echoRequest(1, 1, new Uint8Array(8)) : udp('192.0.2.70', dst, 4000, 53, new Uint8Array(6))));
const INPUTS = [frame('192.0.2.1', PROTO.ICMP), frame('203.0.113.9', PROTO.UDP), frame('203.0.113.9', PROTO.UDP, 1),
  frame('198.18.0.1', PROTO.UDP), frame('192.0.2.1', PROTO.UDP)].map((data) => ({ dev: 'eth0', data }));

const workers: BoxWorker[] = [];
afterAll(async () => { await Promise.all(workers.map((w) => w.terminate())); });
async function worker(): Promise<BoxWorker> {
  const w = await startBoxWorker();
  workers.push(w);
  return w;
}

describe('boxes in a worker', () => {
  it('answer ip, sysctl, route get and replay exactly as a box in this thread', async () => {
    const here = await Box.create();
    const w = await worker();
    const there = await w.create();
    for (const c of SETUP) expect(await there.ip(c)).toEqual(here.ip(c));
    expect(await there.sysctl('net.ipv4.ip_forward', 1)).toBe(here.sysctl('net.ipv4.ip_forward', 1));
    await there.run({ ns: 3e9 }); // autonegotiation
    here.run({ ns: 3e9 });
    expect(await there.now()).toBe(here.now);
    for (const c of ['-j -s link show', 'rule', 'route show table all']) expect(await there.ip(c)).toEqual(here.ip(c));
    const q = { dst: '203.0.113.9', from: '192.0.2.70', iif: 'eth0' };
    expect(await there.routeGet(q)).toEqual(here.routeGet(q));
    const mine = here.replay(INPUTS);
    const theirs = await there.replay(INPUTS);
    expect(mine.map((r) => [r.verdict, r.reason])).toEqual([['local', ''], ['forward', ''], ['drop', 'IP_INHDR'],
      ['drop', 'IP_INNOROUTES'], ['drop', 'NO_SOCKET']]);
    expect(theirs).toEqual(mine);
    expect(await there.nstat({ zeros: true })).toBe(here.nstat({ zeros: true }));
    expect(await there.dropReasons()).toEqual(here.dropReasons());
    expect(await there.netCounters()).toEqual(here.netCounters());
  });

  it('hands out devices and packet sockets as proxies: frames on an EMAC wire, veth pairs between boxes of one world', async () => {
    const w = await worker();
    const r = await w.create({ netns: 'r' });
    const h = await w.create({ netns: 'h' });
    for (const c of SETUP) expect((await r.ip(c)).status).toBe(0);
    await r.sysctl('net.ipv4.ip_forward', 1);
    await r.run({ ns: 3e9 });
    const eth1 = await r.link('eth1');
    expect(await (await r.wire('eth0')).inject([frame('203.0.113.9', PROTO.UDP)])).toBe(1);
    await r.run({ ns: 1e6 });
    const out = await (await r.wire('eth1')).collect();
    expect(out.length).toBe(1);
    expect(out[0]!.subarray(0, 6)).toEqual(Uint8Array.of(2, 0, 0, 0, 0, 0x99));
    expect((await eth1.stats()).txPackets).toBe(1);
    // a veth pair into the other box of the worker's world, and a ping across it
    expect(await h.ip('link add v0 type veth peer name v1 netns r')).toEqual({ status: 0, stdout: '', stderr: '' });
    for (const c of ['link set v0 up', 'addr add 198.18.0.2/24 dev v0']) expect((await h.ip(c)).status).toBe(0);
    for (const c of ['link set v1 up', 'addr add 198.18.0.1/24 dev v1']) expect((await r.ip(c)).status).toBe(0);
    const sock = await h.packet('v0');
    const v1mac = JSON.parse((await r.ip('-j link show v1')).stdout)[0].address as string;
    const v0mac = JSON.parse((await h.ip('-j link show v0')).stdout)[0].address as string;
    await h.ip(`neigh add 198.18.0.1 lladdr ${v1mac} dev v0`);
    const ping = eth(v1mac, v0mac, ETH_IP, ipv4({ src: '198.18.0.2', dst: '198.18.0.1', proto: PROTO.ICMP, id: 9 }, echoRequest(3, 1, new Uint8Array(4))));
    expect((await sock.send([ping])).sent).toBe(1);
    await h.run({ ns: 1e6 });
    const seen = (await sock.recv()).filter((p) => p.direction === 'in');
    // the router answers (after resolving the host by ARP, which the host's kernel answers)
    expect(seen.some((p) => p.data[12] === 0x08 && p.data[13] === 0x00 && p.data[34] === 0)).toBe(true);
  });

  it('hands out UDP sockets and tun devices as proxies; each() iterates them, and leaving the loop closes them', async () => {
    // the same steps on a box here and a box in a worker: what the sockets and devices see must agree
    const steps = async (box: {
      ip(c: string): Promise<unknown> | unknown; sysctl(k: string, v: number): unknown; run(o: { ns: number }): Promise<void> | void;
      wire(n: string): Promise<{ inject(f: Uint8Array[]): unknown; collect(): Uint8Array[] | Promise<Uint8Array[]> }>;
      udpBind(o: { port: number }): Promise<{ next(): Promise<IteratorResult<{ data: Uint8Array; from: string; port: number }>>; send(p: Uint8Array, to: { address: string; port: number }): unknown; close(): unknown }>;
      tun(n: string): Promise<{ write(p: Uint8Array): unknown; read(): Promise<Uint8Array | null> | Uint8Array | null; next(): Promise<IteratorResult<Uint8Array>>; close(): unknown }>;
    }) => {
      for (const c of [...SETUP, `neigh add 192.0.2.70 lladdr ${HOST} dev eth0`]) await box.ip(c);
      await box.sysctl('net.ipv4.ip_forward', 1);
      await box.run({ ns: 3e9 });
      const sock = await box.udpBind({ port: 53 });
      const datagrams = each(sock);
      const first = datagrams.next(); // waits: nothing has arrived yet
      const eth0 = await box.wire('eth0');
      await eth0.inject([frame('192.0.2.1', PROTO.UDP)]);
      await box.run({ ns: 1e6 });
      const got = await first;
      await sock.send(Uint8Array.of(7, 7), { address: got.done ? '' : got.value.from, port: got.done ? 0 : got.value.port });
      await box.run({ ns: 1e6 });
      const reply = await eth0.collect();
      await datagrams.return(undefined); // leaving the loop: the socket closes
      await eth0.inject([frame('192.0.2.1', PROTO.UDP)]);
      await box.run({ ns: 1e6 });
      const afterClose = await eth0.collect(); // nobody listens now: port unreachable
      const tun = await box.tun('tun0');
      for (const c of ['link set tun0 up', 'addr add 198.18.5.1/24 dev tun0']) await box.ip(c);
      await tun.write(ipv4({ src: '198.18.5.2', dst: '198.18.5.1', proto: PROTO.ICMP, id: 4 }, echoRequest(6, 1, new Uint8Array(4))));
      const echoReply = await tun.read();
      const packets = each(tun);
      const routed = packets.next();
      await eth0.inject([frame('198.18.5.9', PROTO.UDP)]); // forwarded by the connected route of tun0
      await box.run({ ns: 1e6 });
      const fromWire = await routed;
      await packets.return(undefined);
      return { got, reply, afterClose, echoReply, fromWire, tunGone: await box.ip('link show tun0') };
    };
    const here = await Box.create();
    const local = await steps({
      ip: (c) => here.ip(c), sysctl: (k, v) => here.sysctl(k, v), run: (o) => here.run(o), wire: async (n) => here.link(n).wire,
      udpBind: async (o) => here.udp.bind(o), tun: async (n) => here.tun(n),
    });
    const w = await worker();
    const remote = await steps(await w.create());
    expect(remote).toEqual(local);
    expect(remote.got).toMatchObject({ done: false, value: { from: '192.0.2.70', port: 4000, data: new Uint8Array(6) } });
    expect(remote.reply.length).toBe(1);
    expect([...remote.reply[0]!.subarray(38, 40), ...remote.reply[0]!.subarray(42, 44)]).toEqual([0, 10, 7, 7]); // UDP length 10, the payload sent
    expect(remote.afterClose.length).toBe(1);
    expect(remote.afterClose[0]![23]).toBe(PROTO.ICMP); // port unreachable: the socket is closed
    expect(remote.echoReply?.[20]).toBe(0); // an echo reply on the tun ring
    expect(remote.fromWire).toMatchObject({ done: false });
    expect((remote.fromWire.value as Uint8Array)[9]).toBe(PROTO.UDP);
    expect((remote.tunGone as { status: number }).status).not.toBe(0); // closed, not persistent: gone
  });

  it('setRxHandler runs a handler of this thread for a device of a box in the worker, with the same verdicts as here', async () => {
    type Seen = { dev: string; ifindex: number; protocol: number; pktType: string; len: number; dst: number };
    // consumes what goes to 203.0.113.0/24, sends frames from 192.0.2.66 to eth1 ('another'), passes the rest
    const handler = (seen: Seen[]) => (p: { dev: string; ifindex: number; protocol: number; pktType: string; data: Uint8Array }) => {
      seen.push({ dev: p.dev, ifindex: p.ifindex, protocol: p.protocol, pktType: p.pktType, len: p.data.length, dst: p.data[33]! });
      if (p.data[30] === 203) return 'consumed' as const;
      if (p.data[29] === 66) return { result: 'another' as const, dev: 'eth1' };
      return 'pass' as const;
    };
    const inputs = [...INPUTS, { dev: 'eth0', data: eth(ETH0, HOST, ETH_IP, ipv4({ src: '192.0.2.66', dst: '192.0.2.1', proto: PROTO.ICMP, id: 6 }, echoRequest(2, 1, new Uint8Array(8)))) }];
    const here = await Box.create();
    for (const c of SETUP) here.ip(c);
    here.sysctl('net.ipv4.ip_forward', 1);
    here.run({ ns: 3e9 });
    const seenHere: Seen[] = [];
    here.link('eth0').setRxHandler(handler(seenHere));
    const mine = here.replay(inputs);

    const w = await worker();
    const there = await w.create();
    for (const c of SETUP) await there.ip(c);
    await there.sysctl('net.ipv4.ip_forward', 1);
    await there.run({ ns: 3e9 });
    const seenThere: Seen[] = [];
    await setRxHandler(there, 'eth0', handler(seenThere));
    const theirs = await there.replay(inputs);
    expect(theirs).toEqual(mine);
    expect(seenThere).toEqual(seenHere);
    expect(seenThere.length).toBe(inputs.length);
    expect(theirs.map((r) => `${r.verdict} ${r.reason}`)).toEqual(['local ', 'consumed ', 'consumed ', 'drop IP_INNOROUTES', 'drop NO_SOCKET', 'local ']);
    expect(theirs[1]!.path).toContain('host rx_handler: eth0 → CONSUMED');
    // 'another': a second round, on eth1 (192.0.2.1 is local there too: the address belongs to the host)
    expect(theirs[5]!.path).toEqual(expect.arrayContaining(['host rx_handler: eth0 → ANOTHER eth1', 'ip_rcv: eth1 len 46']));

    // a handler that throws: the call that ran the box rejects with its message, as it throws here
    const boom = () => { throw new Error('handler says no'); };
    here.link('eth0').setRxHandler(null);
    here.link('eth0').setRxHandler(boom);
    expect(() => here.replay(inputs.slice(0, 1))).toThrow('handler says no');
    await setRxHandler(there, 'eth0', null);
    await setRxHandler(there, 'eth0', boom);
    await expect(there.replay(inputs.slice(0, 1))).rejects.toThrow('handler says no');
    // removed: frames take the path they take without one
    here.link('eth0').setRxHandler(null);
    await setRxHandler(there, 'eth0', null);
    const plain = await there.replay(inputs.slice(0, 2));
    expect(plain).toEqual(here.replay(inputs.slice(0, 2)));
    expect(plain.map((r) => r.verdict)).toEqual(['local', 'forward']);
  });

  it('passes errors back: a thrown error rejects with its message, ip failures come back as data, -batch reads the given files', async () => {
    const w = await worker();
    const box = await w.create();
    await expect(box.link('nope')).rejects.toThrow('link: no device nope');
    await box.ip('link add v0 type veth peer name v1');
    await expect(box.wire('v0')).rejects.toThrow('link: v0 is a veth device: it has no wire');
    const bad = await box.ip('route add 203.0.113.0/24 via 192.0.2.1');
    expect(bad).toEqual((await Box.create()).ip('route add 203.0.113.0/24 via 192.0.2.1'));
    expect(bad.status).not.toBe(0);
    const batch = await box.ip('-batch cmds', { cmds: 'link add d0 type veth peer name d1\nlink set d0 up\n' });
    expect(batch.status).toBe(0);
    expect((await box.ip('-br link show d0')).stdout).toMatch(/^d0@d1 +LOWERLAYERDOWN /);
    const missing = await box.ip('-batch other', {});
    expect(missing.status).not.toBe(0);
  });

  it('a worker that dies while starting makes create() reject with its error instead of waiting forever', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-worker-'));
    const broken = join(dir, 'broken-entry.mjs');
    writeFileSync(broken, "throw new Error('no core here');\n");
    try {
      const w = await startBoxWorker({ url: pathToFileURL(broken) });
      workers.push(w);
      await expect(w.create()).rejects.toThrow('no core here');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs boxes of different workers at the same time, each in its own world', async () => {
    const [a, b] = await Promise.all([worker(), worker()]);
    const boxes = await Promise.all([a.create({ netns: 'x' }), b.create({ netns: 'x' })]);
    const outs = await Promise.all(boxes.map(async (box) => {
      for (const c of SETUP) await box.ip(c);
      await box.sysctl('net.ipv4.ip_forward', 1);
      await box.run({ ns: 3e9 });
      return box.replay(INPUTS);
    }));
    expect(outs[1]).toEqual(outs[0]);
    const local = new World();
    const here = await Box.create({ world: local, netns: 'x' });
    for (const c of SETUP) here.ip(c);
    here.sysctl('net.ipv4.ip_forward', 1);
    here.run({ ns: 3e9 });
    expect(outs[0]).toEqual(here.replay(INPUTS));
  });
});

describe('the library in browsers', () => {
  it('imports nothing from Node at load time: the modules of netpath and netpath/worker import only each other and comlink', () => {
    const seen = new Set<string>();
    const outside: string[] = [];
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      // static imports and re-exports only: a Node-only module may be loaded with import() on Node
      for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? m[2]!;
        if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
        else outside.push(`${basename(file)}: ${spec}`);
      }
    };
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    for (const entry of ['index.js', 'worker.js', 'worker-entry.js']) walk(join(dist, entry));
    expect(seen.size).toBeGreaterThan(20);
    expect(new Set(outside.map((o) => o.split(': ')[1]))).toEqual(new Set(['comlink']));
  });
});
