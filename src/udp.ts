// UDP sockets the host opens on the emulated box (assembly/ipv4/udp.ts):
//
//   const sock = box.udp.bind({ port: 53, address: '192.0.2.1' });
//   sock.send(bytes, { address: '198.51.100.7', port: 5353 });
//   for await (const d of sock) { ... d.data, d.from, d.port ... }
//
// Datagrams cross in batches through the shared stage area: one WASM call per
// batch, none per datagram. The iterator yields what is queued and then waits
// for the box to deliver more (after box.run(), a packet injection, a send).
import { DeliveryQueue } from './delivery.js';

/** The exports of assembly/inetabi.ts used here. */
export interface UdpExports {
  memory: WebAssembly.Memory;
  hwWireStagePtr(): number;
  hwWireStageSize(): number;
  udpSocketBind(addr: number, port: number): number;
  udpSocketClose(s: number): void;
  udpSocketMembership(s: number, join: boolean, group: number, ifindex: number, addr: number): number;
  udpSocketSetBroadcast(s: number, on: boolean): number;
  udpSocketSetMulticastIf(s: number, ifindex: number, addr: number): number;
  udpSocketSetMulticastTtl(s: number, ttl: number): number;
  udpSocketSetMulticastLoop(s: number, on: boolean): number;
  udpSocketPort(s: number): number;
  udpRecvBatch(s: number): number;
  udpSendBatch(s: number, count: number): number;
}

export interface UdpDatagram {
  data: Uint8Array;
  /** the sender's address and port */
  from: string;
  port: number;
  /** the address and port it was sent to (ours; a broadcast/multicast address for those) */
  to: string;
  toPort: number;
  /** the device it arrived on (ifindex) */
  ifindex: number;
}

export interface UdpSendResult { sent: number; errors: number[] }

const ERRNO_NAME: Record<number, string> = { 98: 'EADDRINUSE', 99: 'EADDRNOTAVAIL', 24: 'EMFILE', 22: 'EINVAL', 19: 'ENODEV', 105: 'ENOBUFS', 9: 'EBADF', 13: 'EACCES' };

export function parseIPv4(s: string): number {
  const p = s.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) throw new Error(`udp: bad IPv4 address ${s}`);
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}
export const formatIPv4 = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');

export class UdpSocket implements AsyncIterable<UdpDatagram> {
  private closed = false;
  private queue = new DeliveryQueue<UdpDatagram>();
  constructor(private readonly x: UdpExports, readonly id: number, readonly address: string, readonly port: number,
    private readonly onClose: (s: UdpSocket) => void) {}

  /** Moves what the kernel queued for this socket into the JS queue and wakes waiting iterators. */
  pump(): void {
    if (this.closed) return;
    const x = this.x;
    for (;;) {
      const n = x.udpRecvBatch(this.id);
      if (n === 0) break;
      const stage = x.hwWireStagePtr() >>> 0;
      const mem = new Uint8Array(x.memory.buffer), dv = new DataView(x.memory.buffer);
      let off = stage;
      for (let k = 0; k < n; k++) {
        const len = dv.getUint32(off, true);
        this.queue.push({
          data: mem.slice(off + 20, off + 20 + len), from: formatIPv4(dv.getUint32(off + 4, true)), to: formatIPv4(dv.getUint32(off + 8, true)),
          port: dv.getUint16(off + 12, true), toPort: dv.getUint16(off + 14, true), ifindex: dv.getInt32(off + 16, true),
        });
        off += (20 + len + 3) & ~3;
      }
    }
  }

  /** Everything received so far, without waiting. */
  recv(): UdpDatagram[] {
    this.pump();
    return this.queue.drain();
  }

  /** sendmsg for each payload to one destination, batched through the stage area. */
  send(payloads: Uint8Array | Uint8Array[], to: { address: string; port: number }): UdpSendResult {
    if (this.closed) throw new Error('udp: socket closed');
    const list = Array.isArray(payloads) ? payloads : [payloads];
    const daddr = parseIPv4(to.address);
    if (!(Number.isInteger(to.port) && to.port > 0 && to.port < 65536)) throw new RangeError(`udp: bad port ${to.port}`);
    const x = this.x;
    const stage = x.hwWireStagePtr() >>> 0, size = x.hwWireStageSize() >>> 0;
    const errors: number[] = [];
    let sent = 0, i = 0;
    while (i < list.length) {
      const start = i;
      let dv = new DataView(x.memory.buffer);
      const mem = new Uint8Array(x.memory.buffer);
      let off = 0;
      for (; i < list.length; i++) {
        const rec = (12 + list[i].length + 3) & ~3;
        if (off + rec > size) break;
        dv.setUint32(stage + off, list[i].length, true);
        dv.setUint32(stage + off + 4, daddr, true);
        dv.setUint32(stage + off + 8, to.port, true);
        mem.set(list[i], stage + off + 12);
        off += rec;
      }
      if (i === start) throw new RangeError('udp: datagram larger than the stage area');
      sent += x.udpSendBatch(this.id, i - start);
      dv = new DataView(x.memory.buffer);
      off = 0;
      for (let k = start; k < i; k++) {
        errors.push(-dv.getInt32(stage + off, true) | 0);
        off += (12 + list[k].length + 3) & ~3;
      }
    }
    return { sent, errors };
  }

  /** The next datagram: queued ones first, else when the box delivers one (undefined once closed). */
  next(): Promise<IteratorResult<UdpDatagram>> {
    this.pump();
    return this.queue.next();
  }

  [Symbol.asyncIterator](): AsyncIterator<UdpDatagram> {
    return { next: () => this.next(), return: async () => { this.close(); return { value: undefined, done: true }; } };
  }

  /** setsockopt(SO_BROADCAST): without it a datagram to a broadcast address fails with EACCES, as on Linux */
  setBroadcast(on: boolean): void {
    if (this.closed) throw new Error('udp: socket closed');
    this.x.udpSocketSetBroadcast(this.id, on);
  }

  /**
   * setsockopt(IP_MULTICAST_IF): datagrams to a group leave by this device (by ifindex, or the device of
   * an address of the box), routes or not; `{}` goes back to the route's choice. EADDRNOTAVAIL for neither.
   */
  setMulticastInterface(on: { ifindex?: number; address?: string }): void {
    this.check('IP_MULTICAST_IF', this.x.udpSocketSetMulticastIf(this.id, on.ifindex ?? 0, on.address ? parseIPv4(on.address) : 0));
  }
  /** setsockopt(IP_MULTICAST_TTL): 0 to 255 (-1: the default, 1); a group's datagram with TTL 0 stays in the box */
  setMulticastTtl(ttl: number): void {
    if (!Number.isInteger(ttl)) throw new RangeError(`udp: bad TTL ${ttl}`);
    this.check('IP_MULTICAST_TTL', this.x.udpSocketSetMulticastTtl(this.id, ttl));
  }
  /** setsockopt(IP_MULTICAST_LOOP): whether the box's own sockets get a copy of what it sends to a group it joined */
  setMulticastLoop(on: boolean): void { this.check('IP_MULTICAST_LOOP', this.x.udpSocketSetMulticastLoop(this.id, on)); }

  private check(what: string, rc: number): void {
    if (this.closed) throw new Error('udp: socket closed');
    if (rc < 0) throw new Error(`udp: ${what}: ${ERRNO_NAME[-rc] ?? `errno ${-rc}`}`);
  }

  /**
   * setsockopt(IP_ADD_MEMBERSHIP): receive `group` on the device named by its ifindex, or by one of its
   * addresses, or (neither) the one the route to the group leaves by. The box reports the group (IGMP).
   */
  join(group: string, on: { ifindex?: number; address?: string } = {}): void { this.membership(true, group, on); }
  /** setsockopt(IP_DROP_MEMBERSHIP) */
  leave(group: string, on: { ifindex?: number; address?: string } = {}): void { this.membership(false, group, on); }

  private membership(join: boolean, group: string, on: { ifindex?: number; address?: string }): void {
    if (this.closed) throw new Error('udp: socket closed');
    const ifindex = on.ifindex ?? 0;
    if (!Number.isInteger(ifindex) || ifindex < 0) throw new RangeError(`udp: bad ifindex ${ifindex}`);
    const rc = this.x.udpSocketMembership(this.id, join, parseIPv4(group), ifindex, on.address ? parseIPv4(on.address) : 0);
    if (rc < 0) throw new Error(`udp: ${join ? 'join' : 'leave'} ${group}: ${ERRNO_NAME[-rc] ?? `errno ${-rc}`}`);
  }

  close(): void {
    if (this.closed) return;
    this.pump();
    this.closed = true;
    this.x.udpSocketClose(this.id);
    this.queue.end();
    this.onClose(this);
  }
}

/** box.udp: bind() sockets; the box pumps them after it ran. */
export class UdpSockets {
  private open = new Set<UdpSocket>();
  constructor(private readonly x: UdpExports) {}

  /** bind(): address (default 0.0.0.0) must be one of the box's; port 0 picks a free one. */
  bind(opts: { port: number; address?: string; broadcast?: boolean }): UdpSocket {
    const address = opts.address ?? '0.0.0.0';
    const addr = parseIPv4(address);
    if (!(Number.isInteger(opts.port) && opts.port >= 0 && opts.port < 65536)) throw new RangeError(`udp: bad port ${opts.port}`);
    const id = this.x.udpSocketBind(addr, opts.port);
    if (id < 0) throw new Error(`udp: bind ${address}:${opts.port}: ${ERRNO_NAME[-id] ?? `errno ${-id}`}`);
    const s = new UdpSocket(this.x, id, address, this.x.udpSocketPort(id), (c) => this.open.delete(c));
    if (opts.broadcast) s.setBroadcast(true);
    this.open.add(s);
    return s;
  }

  /** Delivers queued datagrams to every open socket's iterators. */
  pump(): void { for (const s of this.open) s.pump(); }
}
