// Several boxes (network namespaces, one WASM instance each) joined by veth
// pairs, one end in each box (drivers/veth.ts in the core). A World names the
// boxes (what `ip netns add` does on Linux), numbers them for each other
// (peernet2id), keeps both ends of every pair in step (carrier, deletion) and
// runs all its boxes on one virtual clock, carrying frames across in batches.
import type { Box } from './box.js';
import type { Kernel, KernelWorld } from './kernel.js';
import type { LinkAddReq, Reply } from './rtnl.js';
import { runNs } from './hw/emac.js';

/** The core exports of drivers/veth.ts (assembly/vethabi.ts). */
interface VethExports {
  memory: WebAssembly.Memory;
  vethRandomMac(): number;
  vethAdd(name: string, macHi: number, macLo: number, mtu: number, txqlen: number, check: boolean): number;
  vethBind(ifindex: number, peer: number, nsid: number): void;
  vethPeerUp(ifindex: number, up: boolean): void;
  vethInfo(ifindex: number, which: number): number;
  vethOutPtr(): number;
  vethOutCount(): number;
  vethOutComplete(): number;
  vethIn(count: number): number;
  netNextTimer(): number;
  hwWireStagePtr(): number;
  hwWireStageSize(): number;
  linkDel(ifindex: number): number;
  linkSetUp(ifindex: number, up: boolean): number;
  kernelExtack(): string;
}

/** One end's attributes (ip link add ... address/mtu/txqueuelen). */
export interface VethEndOptions { address?: Uint8Array; mtu?: number; txqlen?: number }
export interface VethPairOptions extends VethEndOptions {
  /** the peer's attributes; its MTU defaults to this end's */
  peer?: VethEndOptions;
  /** bring both ends up */
  up?: boolean;
}

interface Pair { a: Box; ai: number; b: Box; bi: number }

/** Rounds of crossing at one instant before time moves on (frames left in a ring wait for the next instant). */
const MAX_EXCHANGES = 1000;

const core = (b: Box) => b.kernel.core as unknown as VethExports;

function macSplit(m: Uint8Array): [number, number] {
  return [(m[0] << 8) | m[1], ((m[2] << 24) | (m[3] << 16) | (m[4] << 8) | m[5]) >>> 0];
}

export class World implements KernelWorld {
  /** the boxes, in the order they joined: the order they run and send in */
  readonly boxes: Box[] = [];
  private readonly names = new Map<Box, string>();
  private readonly pairs: Pair[] = [];
  /** per box: the other boxes by the nsid it gives them (allocated on first use, from 0) */
  private readonly nsids = new Map<Box, Box[]>();
  private syncing = false;

  /** Adds a box (under `netns`, a name unique in the world); its clock and the world's are brought together. */
  join(box: Box, netns?: string): void {
    if (this.boxes.includes(box)) return;
    if (netns !== undefined) {
      if ([...this.names.values()].includes(netns)) throw new Error(`netns "${netns}" already exists in this world`);
      this.names.set(box, netns);
    }
    const t = Math.max(box.now, ...this.boxes.map((b) => b.now));
    this.boxes.push(box);
    box.kernel.world = this;
    for (const b of this.boxes) b.step(t);
  }

  /** The box created with netns `name`. */
  netns(name: string): Box | undefined {
    for (const [b, n] of this.names) if (n === name) return b;
    return undefined;
  }
  netnsExists(name: string): boolean { return this.netns(name) !== undefined; }
  netnsName(k: Kernel, nsid: number): string | undefined {
    const from = this.boxes.find((b) => b.kernel === k);
    const to = from && this.nsids.get(from)?.[nsid];
    return to && this.names.get(to);
  }

  /** peernet2id_alloc(): the id `from` gives `to` */
  private nsid(from: Box, to: Box): number {
    let ids = this.nsids.get(from);
    if (!ids) this.nsids.set(from, (ids = []));
    const i = ids.indexOf(to);
    return i >= 0 ? i : ids.push(to) - 1;
  }

  vethAdd(k: Kernel, req: LinkAddReq): Reply {
    const a = this.boxes.find((b) => b.kernel === k);
    const b = this.netns(req.peer!.netns!);
    if (!a || !b) return { ok: false, errno: 2 };
    const r = this.vethPair(a, req.name, b, req.peer!.name, {
      address: req.address, mtu: req.mtu, txqlen: req.txqlen,
      // with `peer ...` given the peer has only its own attributes
      peer: { address: req.peer!.address, mtu: req.peer!.mtu ?? 1500, txqlen: req.peer!.txqlen },
    });
    if (!r.ok) return r;
    // IFF_UP of the request is the new device's only
    if (req.up) core(a).linkSetUp(r.value.a, true);
    return { ok: true, value: undefined };
  }

  /**
   * veth_newlink() with the peer in box `b`: checks both ends, registers the peer first (in `b`), then the
   * device in `a`. Both addresses are drawn in `a`, as the creating namespace's kernel draws them.
   */
  vethPair(a: Box, aName: string, b: Box, bName: string, opts: VethPairOptions = {}): Reply<{ a: number; b: number }> {
    if (a === b) throw new Error('vethPair: both ends in one box: use `ip link add ... type veth peer name ...`');
    for (const x of [a, b]) if (!this.boxes.includes(x)) throw new Error('vethPair: the box is not in this world');
    const ca = core(a), cb = core(b);
    const p = opts.peer ?? {};
    const mtu = opts.mtu ?? 0, pmtu = p.mtu ?? mtu;
    const fail = (c: VethExports, rc: number): Reply<{ a: number; b: number }> => {
      const msg = c.kernelExtack();
      return msg ? { ok: false, errno: -rc, msg } : { ok: false, errno: -rc };
    };
    // the peer's checks come first (rtnl_newlink on the peer's attributes), with a placeholder address
    const placeholder = (m?: Uint8Array) => macSplit(m ?? Uint8Array.of(2, 0, 0, 0, 0, 1));
    let rc = cb.vethAdd(bName, ...placeholder(p.address), pmtu, p.txqlen ?? 0, true);
    if (rc < 0) return fail(cb, rc);
    rc = ca.vethAdd(aName, ...placeholder(opts.address), mtu, opts.txqlen ?? 0, true);
    if (rc < 0) return fail(ca, rc);
    const draw = (m?: Uint8Array): [number, number] => {
      if (m) return macSplit(m);
      const v = ca.vethRandomMac();
      return [Math.floor(v / 2 ** 32), v >>> 0];
    };
    const pm = draw(p.address), am = draw(opts.address);
    const bi = cb.vethAdd(bName, ...pm, pmtu, p.txqlen ?? 0, false);
    if (bi < 0) return fail(cb, bi);
    const ai = ca.vethAdd(aName, ...am, mtu, opts.txqlen ?? 0, false);
    if (ai < 0) { cb.linkDel(bi); return fail(ca, ai); }
    ca.vethBind(ai, bi, this.nsid(a, b));
    cb.vethBind(bi, ai, this.nsid(b, a));
    this.pairs.push({ a, ai, b, bi });
    if (opts.up) { ca.linkSetUp(ai, true); cb.linkSetUp(bi, true); }
    this.linksChanged();
    return { ok: true, value: { a: ai, b: bi } };
  }

  /**
   * After any link change: each end learns whether its peer is up (veth_open/veth_close set both
   * carriers), and a pair with one end deleted loses the other (veth_dellink unregisters both).
   */
  linksChanged(): void {
    if (this.syncing) return;
    this.syncing = true;
    try {
      for (let i = 0; i < this.pairs.length; i++) {
        const { a, ai, b, bi } = this.pairs[i];
        const ca = core(a), cb = core(b);
        const aLive = ca.vethInfo(ai, 0) === bi, bLive = cb.vethInfo(bi, 0) === ai;
        if (!aLive || !bLive) {
          if (aLive) ca.linkDel(ai);
          if (bLive) cb.linkDel(bi);
          this.pairs.splice(i--, 1);
          continue;
        }
        ca.vethPeerUp(ai, cb.vethInfo(bi, 2) === 1);
        cb.vethPeerUp(bi, ca.vethInfo(ai, 2) === 1);
      }
    } finally {
      this.syncing = false;
    }
  }

  /** The box and ifindex at the other end of (box, ifindex), if it is a pair's end. */
  private peerOf(box: Box, ifindex: number): [Box, number] | undefined {
    for (const p of this.pairs) {
      if (p.a === box && p.ai === ifindex) return [p.b, p.bi];
      if (p.b === box && p.bi === ifindex) return [p.a, p.ai];
    }
    return undefined;
  }

  /**
   * Carries every box's outbound ring to the peers: one vethIn call per destination and stage-full of
   * frames, the answers written back into the sender's ring, then one completion per sender. Returns
   * the number of frames that crossed (accepted or not).
   */
  pump(): number {
    let moved = 0;
    for (const src of this.boxes) {
      const cs = core(src);
      const n = cs.vethOutCount();
      if (n === 0) continue;
      const ring = cs.vethOutPtr() >>> 0;
      // records by destination, in ring order: [record offset, peer ifindex]
      const byDest = new Map<Box, [number, number][]>();
      const view = new DataView(cs.memory.buffer);
      for (let i = 0, off = 0; i < n; i++) {
        const dev = view.getUint32(ring + off, true), len = view.getUint32(ring + off + 4, true);
        const peer = this.peerOf(src, dev);
        if (peer) {
          let list = byDest.get(peer[0]);
          if (!list) byDest.set(peer[0], (list = []));
          list.push([off, peer[1]]);
        } else {
          view.setInt32(ring + off + 8, 1, true);
        }
        off += (12 + len + 3) & ~3;
      }
      for (const [dst, recs] of byDest) this.deliver(cs, ring, dst, recs);
      cs.vethOutComplete();
      moved += n;
    }
    return moved;
  }

  private deliver(cs: VethExports, ring: number, dst: Box, recs: [number, number][]): void {
    const cd = core(dst);
    const stage = cd.hwWireStagePtr() >>> 0, size = cd.hwWireStageSize() >>> 0;
    for (let i = 0; i < recs.length;) {
      const from = new Uint8Array(cs.memory.buffer), to = new Uint8Array(cd.memory.buffer, stage, size);
      const sv = new DataView(cs.memory.buffer), dv = new DataView(cd.memory.buffer, stage, size);
      let off = 0;
      const start = i;
      for (; i < recs.length; i++) {
        const [r, peer] = recs[i];
        const len = sv.getUint32(ring + r + 4, true);
        const rec = (8 + len + 3) & ~3;
        if (off + rec > size) break;
        dv.setUint32(off, peer, true);
        dv.setUint32(off + 4, len, true);
        to.set(from.subarray(ring + r + 12, ring + r + 12 + len), off + 8);
        off += rec;
      }
      cd.vethIn(i - start);
      // the peer's answers (0 accepted, 1 dropped) back into the sender's ring
      const answers = new DataView(cd.memory.buffer, stage, size), back = new DataView(cs.memory.buffer);
      for (let j = start, o = 0; j < i; j++) {
        const [r] = recs[j];
        const len = back.getUint32(ring + r + 4, true);
        back.setInt32(ring + r + 8, answers.getInt32(o, true), true);
        o += (8 + len + 3) & ~3;
      }
    }
  }

  /** Virtual time of the world (every box's clock). */
  get now(): number { return this.boxes.length ? this.boxes[0].now : 0; }

  /**
   * Advances every box by `ns` on one clock: at each instant the boxes run in order, then the frames
   * waiting in veth rings cross, until nothing crosses; then time moves to the next timer of any box.
   * The same inputs give the same result.
   */
  run(opts: { ns: number }): void {
    const ns = runNs(opts);
    const deadline = this.now + Math.floor(ns);
    let t = this.now;
    for (;;) {
      for (let i = 0; i < MAX_EXCHANGES; i++) {
        for (const b of this.boxes) b.step(t);
        if (this.pump() === 0) break;
      }
      if (t >= deadline) break;
      let next = deadline;
      for (const b of this.boxes) {
        const n = core(b).netNextTimer();
        if (n >= 0 && n < next) next = n;
      }
      t = Math.max(next, t + 1);
    }
  }
}
