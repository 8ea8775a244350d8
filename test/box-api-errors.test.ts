// The library's answers to wrong calls, as a JavaScript user makes them (no type checker):
// a TypeError or an Error that says what was wrong, and the box as it was, never an exception
// from deep inside, a silently ignored argument or a call that never returns.
import { describe, expect, it } from 'vitest';
import { Box } from '../src/box.js';
import { World } from '../src/world.js';
import { readCapture } from '../src/pcap/index.js';
import { must } from './util/ip.js';

/** Everything `ip` shows of the box's configuration. */
const state = (box: Box) => ['-d link', 'addr', 'route show table all', 'rule', 'neigh'].map((c) => box.ip(`-j ${c}`).stdout);

// calls a user of plain JavaScript can make: the arguments are deliberately of the wrong type
const loose = (box: Box) => box as unknown as Record<string, (...a: unknown[]) => unknown>;

describe('Box API: wrong arguments', () => {
  it('ip and bridge take a string or an array of strings, and say so', async () => {
    const box = await Box.create();
    const before = state(box);
    for (const bad of [undefined, null, 42, ['link', 7], {}]) {
      expect(() => loose(box).ip!(bad)).toThrow(new TypeError("ip: the command is a string ('link show') or an array of strings (['link', 'show'])"));
      expect(() => loose(box).bridge!(bad)).toThrow(/^bridge: the command is a string/);
    }
    expect(state(box)).toEqual(before);
  });

  it('ip -batch: readFile may return a Buffer (read as UTF-8 text); anything else is a TypeError naming readFile', async () => {
    const box = await Box.create();
    const r = box.ip('-batch f', { readFile: () => new TextEncoder().encode('link add d0 type dummy\n') as unknown as string });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(box.link('d0').kind).toBe('dummy');
    expect(() => box.ip('-batch f', { readFile: () => 5 as unknown as string })).toThrow(/^ip -batch f: readFile must return the file's text, not number$/);
  });

  it('routeGet: a query without dst, a key route get does not take, or an object value is a TypeError; nothing is ignored', async () => {
    const box = await Box.create();
    must(box, 'link set lo up');
    const call = (q: unknown) => () => loose(box).routeGet!(q);
    for (const q of [undefined, null, '127.0.0.1', {}, { dst: 7 }]) expect(call(q)).toThrow(/^routeGet: the query is an object with dst/);
    // a misspelt key used to be dropped, and the answer was for another query
    expect(call({ dst: '127.0.0.1', fwmark: 16 })).toThrow('routeGet: unknown key fwmark: the keys are dst, from, iif, oif, mark, uid, ipproto, sport, dport, tos');
    expect(call({ dst: '127.0.0.1', mark: { v: 1 } })).toThrow('routeGet: mark must be a string or a number');
    // what ip itself refuses keeps ip's words
    expect(call({ dst: '127.0.0.1', mark: 'x' })).toThrow('Error: argument "x" is wrong: invalid mark value');
    expect(box.routeGet({ dst: '127.0.0.1', mark: 16, uid: undefined })).toMatchObject({ dst: '127.0.0.1', mark: 16 });
  });

  it('sysctl: errors name the errno in words; a key that is not a string is a TypeError', async () => {
    const box = await Box.create();
    expect(() => box.sysctl('net.ipv4.nope')).toThrow('sysctl: cannot stat net.ipv4.nope: No such file or directory');
    expect(() => box.sysctl('net.ipv4.ip_forward', 'x')).toThrow('sysctl: cannot set net.ipv4.ip_forward: Invalid argument');
    expect(() => loose(box).sysctl!()).toThrow(TypeError);
    expect(box.sysctl('net.ipv4.ip_forward')).toBe('0');
  });

  it('run: ns must be a finite number >= 0 (Infinity used to run the timers forever)', async () => {
    const box = await Box.create();
    const world = new World();
    const inWorld = await Box.create({ world });
    for (const target of [box, world, inWorld, box.hw]) {
      for (const bad of [undefined, {}, { ns: -1 }, { ns: NaN }, { ns: Infinity }, { ns: '100' }]) {
        expect(() => (target as unknown as { run(o: unknown): void }).run(bad)).toThrow(RangeError);
      }
    }
    const t = box.now;
    box.run({ ns: 1000 });
    expect(box.now).toBe(t + 1000);
  });

  it('tun: a mode that is neither tun nor tap is EINVAL, and no device is made', async () => {
    const box = await Box.create();
    const before = state(box);
    expect(() => box.tun('t0', { mode: 'bogus' as 'tun' })).toThrow(/^tun: t0: TUNSETIFF: EINVAL: mode is 'tun' or 'tap', not bogus$/);
    expect(state(box)).toEqual(before);
  });

  it('replay: inputs that are not { dev, data: Uint8Array, timeNs? } are refused before any frame enters', async () => {
    const box = await Box.create();
    must(box, 'link add v0 type veth peer name v1', 'link set v0 up', 'link set v1 up');
    const replay = (inputs: unknown) => () => box.replay(inputs as never);
    expect(replay(null)).toThrow('replay: the inputs are an array of { dev, data, timeNs? }');
    expect(replay([{ dev: 'v0' }])).toThrow('replay: input 0: data is the frame, a Uint8Array');
    expect(replay([{ dev: 'v0', data: new Uint8Array(60) }, { data: new Uint8Array(60) }])).toThrow('replay: input 1: dev is the name of a device of the box');
    expect(replay([{ dev: 'v0', data: new Uint8Array(60), timeNs: -5 }])).toThrow('replay: input 0: timeNs is a finite number of nanoseconds >= 0');
    expect(box.link('v0').stats().rxPackets).toBe(0);
    expect(replay([{ dev: 'lo', data: new Uint8Array(60) }])).toThrow('replay: lo is a loopback device: frames enter on EMAC ports, veth ends (through the peer) and tun/tap devices');
    expect(() => loose(box).replayCapture!(undefined)).toThrow('capture: the bytes of a pcap or pcapng file are a Uint8Array (or a Buffer)');
    expect(() => readCapture('abc' as unknown as Uint8Array)).toThrow(TypeError);
  });

  it('an EMAC wire takes an array of frames, not a string', async () => {
    const box = await Box.create();
    must(box, 'link add eth0 address 02:00:00:00:00:10 type emac');
    expect(() => box.link('eth0').wire.inject('frame' as unknown as Uint8Array[])).toThrow(/^wire: inject takes an array of frames/);
  });
});
