// A Box is one emulated Linux network namespace: a WASM core instance (the
// "kernel") plus the host-side command layer that talks to it like iproute2.
import { Kernel } from './kernel.js';
import { runIp, type IpResult } from './ip/index.js';
import type { Rtnl } from './rtnl.js';
import { EmacHw, type EmacNic, type EmacOptions, type Dma } from './hw/emac.js';

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

export class Box {
  private constructor(readonly kernel: Kernel) {}

  static async create(): Promise<Box> {
    return new Box(await Kernel.create());
  }

  /** The rtnetlink-like interface of the emulated kernel. */
  get rtnl(): Rtnl { return this.kernel; }

  /** Runs `ip ARGS` (a command line or an argv array) and returns what iproute2 would print. */
  ip(args: string | string[], io: { readFile?: (path: string) => string } = {}): IpResult {
    const argv = typeof args === 'string' ? args.trim().split(/\s+/).filter(Boolean) : args;
    return runIp(this.kernel, argv, io);
  }

  /** The object `ip -j route get` prints; throws with ip's error text when the lookup fails. */
  routeGet(q: RouteGetQuery): Record<string, unknown> {
    const argv = ['-j', 'route', 'get', q.dst];
    for (const k of ['from', 'iif', 'oif', 'mark', 'uid', 'ipproto', 'sport', 'dport', 'tos'] as const) {
      const v = q[k];
      if (v !== undefined) argv.push(k, String(v));
    }
    const r = this.ip(argv);
    if (r.status !== 0) throw new Error(r.stderr.trim());
    return JSON.parse(r.stdout)[0];
  }

  /** Reads (no value) or writes a sysctl, e.g. box.sysctl('net.ipv4.ip_forward', '1'). */
  sysctl(key: string, value?: string | number): string {
    const r = this.kernel.sysctl(key, value === undefined ? undefined : String(value));
    if (!r.ok) throw new Error(`sysctl: cannot ${value === undefined ? 'stat' : 'set'} ${key}: errno ${r.errno}`);
    return r.value;
  }

  private hwModels?: EmacHw;
  /** The hardware models (EMAC NICs, DMA memory, virtual clock) of this box's WASM instance. */
  get hw(): EmacHw { return (this.hwModels ??= EmacHw.from(this.kernel)); }

  /** A Qualcomm EMAC. { driver: false }: bare hardware, driven register by register (nic.mmio, nic.irq, nic.wire). */
  emac(name: string, opts: EmacOptions = {}): EmacNic {
    if (opts.driver !== false) throw new Error('emac: only bare hardware ({ driver: false }) so far');
    return this.hw.get(name) ?? this.hw.create(name, opts);
  }

  /** The guest's DMA memory: alloc, read32/write32, zero-copy view. */
  get dma(): Dma { return this.hw.dma; }

  /** Advances virtual time by `ns`, letting devices and interrupt handlers work. */
  run(opts: { ns: number }): void { this.hw.run(opts); }
}
