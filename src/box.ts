// A Box is one emulated Linux network namespace: a WASM core instance (the
// "kernel") plus the host-side command layer that talks to it like iproute2.
import { Kernel } from './kernel.js';
import { runIp, type IpResult } from './ip/index.js';
import { strerror } from './ip/errors.js';
import { runBridge } from './bridge/index.js';
import { runEthtool } from './ethtool.js';
import type { Rtnl } from './rtnl.js';
import { EmacHw, runNs, type EmacNic, type EmacOptions, type Dma, type Wire } from './hw/emac.js';
import { PacketSocket, dropReasons, netCounters, type NetExports } from './hw/netif.js';
import type { LinkInfo, LinkKind, LinkStats } from './rtnl.js';
import { UdpSockets, type UdpExports } from './udp.js';
import { TunFiles, type TunDevice, type TunExports, type TunOptions } from './tun.js';
import { formatNstat, snmpCounters, type NstatOptions, type SnmpExports } from './nstat.js';
import { replayFrames, inputsFromCapture, type ReplayInput, type ReplayOptions, type ReplayResult } from './replay.js';
import { HostRxHandlers, type RxHandlerExports, type RxHandlerFn } from './rx_handler.js';
import { World, type VethPairOptions } from './world.js';

/** A network device of the box, by name. */
export interface BoxLink {
  readonly name: string;
  readonly ifindex: number;
  readonly kind: LinkKind;
  /** The current `ip link` view of the device. */
  info(): LinkInfo;
  /** dev_get_stats(), as `ip -s link` prints it. */
  stats(): LinkStats;
  /** EMAC ports: the wire side (frames to and from the link partner); throws for virtual devices. */
  readonly wire: Wire;
  /**
   * An rx_handler written in TypeScript (netdev_rx_handler_register: throws EBUSY if the device has
   * another one, e.g. as a macvlan's lower device); a new fn replaces the previous one, null removes it.
   * It runs on batches when the box runs: see src/rx_handler.ts.
   */
  setRxHandler(fn: RxHandlerFn | null): void;
}

export type { IpResult };

/** What `ip route get` takes, by its keywords: addresses and device names as strings. */
export interface RouteGetQuery {
  dst: string;
  from?: string;
  iif?: string;
  oif?: string;
  mark?: number | string;
  uid?: number | string;
  ipproto?: number | string;
  sport?: number | string;
  dport?: number | string;
  tos?: number | string;
}

const ROUTE_GET_KEYS = ['from', 'iif', 'oif', 'mark', 'uid', 'ipproto', 'sport', 'dport', 'tos'] as const;

/** The argv of box.ip / box.bridge: a command line split at blanks, or an array of strings as given. */
function commandLine(tool: string, args: unknown): string[] {
  if (typeof args === 'string') return args.trim().split(/\s+/).filter(Boolean);
  if (Array.isArray(args) && args.every((a) => typeof a === 'string')) return args;
  throw new TypeError(`${tool}: the command is a string ('link show') or an array of strings (['link', 'show'])`);
}

/** Box.create options: in a world, a netns name makes the box reachable as `ip ... netns NAME` from the others. */
export interface BoxOptions { netns?: string; world?: World }

export class Box {
  private constructor(readonly kernel: Kernel) {}
  /** the world this box runs in, once it has one (Box.create with a world or a netns name, Box.vethPair) */
  world?: World;

  static async create(opts: BoxOptions = {}): Promise<Box> {
    const box = new Box(await Kernel.create());
    if (opts.netns !== undefined && !opts.world) throw new Error('Box.create: a netns name is looked up in a world: pass { world }');
    if (opts.world) box.joinWorld(opts.world, opts.netns);
    return box;
  }

  private joinWorld(w: World, netns?: string): void {
    w.join(this, netns);
    this.world = w;
  }

  /**
   * A veth pair with one end in each box (`ip link add A type veth peer name B netns ...`): both boxes then
   * share a World and its clock (box.run runs them all). Throws with the kernel's errno on failure.
   */
  static vethPair(a: Box, aName: string, b: Box, bName: string, opts?: VethPairOptions): { a: BoxLink; b: BoxLink } {
    if (a.world && b.world && a.world !== b.world) throw new Error('vethPair: the boxes are in different worlds');
    const w = a.world ?? b.world ?? new World();
    if (!a.world) a.joinWorld(w);
    if (!b.world) b.joinWorld(w);
    const r = w.vethPair(a, aName, b, bName, opts);
    if (!r.ok) throw new Error(`vethPair: errno ${r.errno}${r.msg ? ` (${r.msg})` : ''}`);
    return { a: a.link(aName), b: b.link(bName) };
  }

  /** The rtnetlink-like interface of the emulated kernel. */
  get rtnl(): Rtnl { return this.kernel; }

  /** Runs `ip ARGS` (a command line or an argv array) and returns what iproute2 would print. */
  ip(args: string | string[], io: { readFile?: (path: string) => string } = {}): IpResult {
    return runIp(this.kernel, commandLine('ip', args), io);
  }

  /** Runs `bridge ARGS` (fdb show, link show; -j -p -s) and returns what iproute2's bridge would print. */
  bridge(args: string | string[]): IpResult {
    return runBridge(this.kernel, commandLine('bridge', args));
  }

  /** Runs `ethtool ARGS` (-S, -i, -g/-G, -a/-A, -d, -r, the private flags, link settings) and returns what ethtool 6.1 would print (src/ethtool.ts). */
  ethtool(args: string | string[]): IpResult {
    return runEthtool(this.kernel, commandLine('ethtool', args));
  }

  /**
   * The object `ip -j route get` prints; throws with ip's error text when the lookup fails, and a TypeError
   * for a query that is not one (no dst, a key `ip route get` does not take, a value that is not a string or number).
   */
  routeGet(q: RouteGetQuery): Record<string, unknown> {
    if (q === null || typeof q !== 'object' || typeof q.dst !== 'string') {
      throw new TypeError("routeGet: the query is an object with dst, an IPv4 address: routeGet({ dst: '192.0.2.1' })");
    }
    const argv = ['-j', 'route', 'get', q.dst];
    for (const [k, v] of Object.entries(q)) {
      if (k === 'dst' || v === undefined) continue;
      if (!(ROUTE_GET_KEYS as readonly string[]).includes(k)) {
        throw new TypeError(`routeGet: unknown key ${k}: the keys are dst, ${ROUTE_GET_KEYS.join(', ')}`);
      }
      if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(`routeGet: ${k} must be a string or a number`);
      argv.push(k, String(v));
    }
    const r = this.ip(argv);
    if (r.status !== 0) throw new Error(r.stderr.trim());
    return JSON.parse(r.stdout)[0];
  }

  /** Reads (no value) or writes a sysctl, e.g. box.sysctl('net.ipv4.ip_forward', '1'). */
  sysctl(key: string, value?: string | number): string {
    if (typeof key !== 'string') throw new TypeError("sysctl: the key is a string, e.g. 'net.ipv4.ip_forward'");
    const r = this.kernel.sysctl(key, value === undefined ? undefined : String(value));
    if (!r.ok) throw new Error(`sysctl: cannot ${value === undefined ? 'stat' : 'set'} ${key}: ${strerror(r.errno)}`);
    return r.value;
  }

  private hwModels?: EmacHw;
  /** The hardware models (EMAC NICs, DMA memory, virtual clock) of this box's WASM instance. */
  get hw(): EmacHw { return (this.hwModels ??= EmacHw.from(this.kernel)); }

  /**
   * A Qualcomm EMAC. By default the port of `ip link add NAME type emac` with the driver bound (created
   * if there is no such link yet). { driver: false }: bare hardware, driven register by register
   * (nic.mmio, nic.irq, nic.wire), not a network device of the box.
   */
  emac(name: string, opts: EmacOptions = {}): EmacNic {
    if (opts.driver === false) return this.hw.get(name) ?? this.hw.create(name, opts);
    let l = this.kernel.links().find((x) => x.name === name);
    if (!l) {
      const r = this.kernel.linkAdd({ name, kind: 'emac' });
      if (!r.ok) throw new Error(`emac: cannot add ${name}: errno ${r.errno}${r.msg ? ` (${r.msg})` : ''}`);
      l = this.kernel.links().find((x) => x.name === name)!;
    }
    if (l.kind !== 'emac') throw new Error(`emac: ${name} is a ${l.kind} device`);
    return this.hw.attach(name, this.net.linkNic(l.ifindex));
  }

  private get net(): NetExports { return this.kernel.core as unknown as NetExports; }

  /** The device `name` (throws if there is none). */
  link(name: string): BoxLink {
    const find = () => {
      const l = this.kernel.links().find((x) => x.name === name);
      if (!l) throw new Error(`link: no device ${name}`);
      return l;
    };
    const l = find();
    const box = this;
    return {
      name, ifindex: l.ifindex, kind: l.kind,
      info: find,
      stats: () => find().stats,
      get wire(): Wire {
        if (l.kind !== 'emac') throw new Error(`link: ${name} is a ${l.kind} device: it has no wire`);
        return box.emac(name).wire;
      },
      setRxHandler: (fn) => box.rxHandlers.set(l.ifindex, name, fn),
    };
  }

  /** A packet socket (AF_PACKET, SOCK_RAW, ETH_P_ALL) bound to `dev`, or to every device. */
  packet(dev?: string): PacketSocket {
    const ifindexOf = (n: string) => this.kernel.links().find((x) => x.name === n)?.ifindex ?? 0;
    const ifindex = dev === undefined ? 0 : ifindexOf(dev);
    if (dev !== undefined && !ifindex) throw new Error(`packet: no device ${dev}`);
    const id = this.net.packetSocket(ifindex);
    if (id < 0) throw new Error(`packet: socket: errno ${-id}`);
    return new PacketSocket(this.net, id, ifindex, ifindexOf);
  }

  private hostRx?: HostRxHandlers;
  private get rxHandlers(): HostRxHandlers {
    return (this.hostRx ??= new HostRxHandlers(this.kernel.core as unknown as RxHandlerExports,
      () => new Map(this.kernel.links().map((l) => [l.ifindex, l.name]))));
  }

  private udpSockets?: UdpSockets;
  /** UDP sockets of the box: box.udp.bind({ port, address? }) → async iterator of datagrams + send. */
  get udp(): UdpSockets { return (this.udpSockets ??= new UdpSockets(this.kernel.core as unknown as UdpExports)); }

  private tunFiles?: TunFiles;
  /**
   * The host end of tun/tap device `name` (open + TUNSETIFF): write() packets into the box, read() or iterate
   * what the box routes to it. The device is created (not persistent) when there is none; `ip tuntap add` makes
   * persistent ones. { mode: 'tap' } for Ethernet frames, { pi: true } for the 4-byte packet information header.
   */
  tun(name: string, opts?: TunOptions): TunDevice {
    this.tunFiles ??= new TunFiles(this.kernel.core as unknown as TunExports);
    return this.tunFiles.attach(name, opts);
  }

  /** The SNMP counters (Ip, Icmp, IcmpMsg, Tcp, Udp, IpExt) by nstat name, in nstat's order. */
  snmp(): Record<string, number> {
    const r: Record<string, number> = {};
    for (const [k, v] of snmpCounters(this.kernel.core as unknown as SnmpExports)) r[k] = Number(v);
    return r;
  }

  /** What `nstat -az` prints for this box, plus a per-drop-reason section. */
  nstat(opts: NstatOptions = {}): string { return formatNstat(this.kernel.core as unknown as SnmpExports, opts); }

  /** The kernel's drop counters by reason (SKB_DROP_REASON_* without the prefix), non-zero only. */
  dropReasons(): Record<string, number> { return dropReasons(this.net); }

  /** The skb pool, the backlog and the number of consumed (not dropped) skbs. */
  netCounters() { return netCounters(this.net); }

  /** The guest's DMA memory: alloc, read32/write32, zero-copy view. */
  get dma(): Dma { return this.hw.dma; }

  /**
   * Advances virtual time by `ns`: device events, interrupt handlers and their NAPI polls, softirqs
   * (backlog, qdiscs) and phylib timers run in time order; host-side IRQ handlers of bare NICs run
   * whenever their line changes. The same input always gives the same result.
   */
  run(opts: { ns: number }): void {
    const ns = runNs(opts);
    // boxes joined by veth pairs share one clock
    if (this.world) { this.world.run({ ns }); return; }
    this.step(this.hw.now + Math.floor(ns));
  }

  /** Runs this box alone up to `deadline` (absolute virtual time, ns); World.run calls it for each box. */
  step(deadline: number): void {
    const hw = this.hw;
    // 1: a bare NIC's line changed; 2: frames wait for the host's rx_handlers
    for (let rc; (rc = this.net.netRun(deadline)) !== 0;) {
      if (rc === 2) this.rxHandlers.runBatch();
      else hw.checkIrqs();
    }
    hw.checkIrqs();
    this.udpSockets?.pump();
    this.tunFiles?.pump();
  }

  /**
   * Frames received on devices (veth ends through their peer, EMAC ports on their wire), one at a time
   * in virtual time; per input: the verdict, the drop reason, the kernel path and the frames sent.
   */
  replay(inputs: ReplayInput[], opts?: ReplayOptions): ReplayResult[] { return replayFrames(this, inputs, opts); }

  /** replay() of a pcap/pcapng capture: the device from each packet's interface name (`dev` for classic pcap). */
  replayCapture(bytes: Uint8Array, opts: ReplayOptions & { dev?: string } = {}): ReplayResult[] {
    return replayFrames(this, inputsFromCapture(bytes, opts.dev), opts);
  }

  /** Virtual time in ns. */
  get now(): number { return this.hw.now; }
}
