// The WASM exports of the hardware models (assembly/hw/abi.ts), as the host sees
// them. Register values may arrive signed (raw i32); callers apply >>> 0.

export interface HwExports {
  memory: WebAssembly.Memory;
  hwAbiVersion(): number;
  hwClockNow(): number;
  hwRun(deadline: number): number;
  hwBusyUntil(): number;
  hwDmaBusBase(): number;
  hwDmaSize(): number;
  hwDmaRegionPtr(): number;
  hwDmaAlloc(bytes: number, align: number): number;
  hwDmaFree(): number;
  hwWireStagePtr(): number;
  hwWireStageSize(): number;
  hwWireMaxFrame(): number;
  hwWireInject(nic: number, count: number, gapNs: number): number;
  hwWireCollect(nic: number, max: number): number;
  hwWireCollectedBytes(): number;
  hwWireStageTimesPtr(): number;
  hwWireBatchAlloc(bytes: number): number;
  hwWireBatchPtr(h: number): number;
  hwWireBatchFree(h: number): void;
  hwWireInjectBatch(nic: number, h: number, count: number, gapNs: number): number;
  hwWireSetCarrier(nic: number, up: number): void;
  hwWireCounter(nic: number, which: number): number;
  hwEmacCreate(): number;
  hwEmacRead(nic: number, region: number, off: number): number;
  hwEmacPeek(nic: number, region: number, off: number): number;
  hwEmacWrite(nic: number, region: number, off: number, v: number): void;
  hwEmacIrqLevel(nic: number): number;
  hwEmacSgmiiIrqLevel(nic: number): number;
  hwEmacSgmiiRaise(nic: number, bits: number): void;
  hwEmacModelCounter(nic: number, which: number): number;
  hwEmacStatPeek(nic: number, which: number): number;
  hwEmacSetPhyAddr(nic: number, addr: number): void;
  /** Test only: fault injection knobs (see EmacNic.fault). */
  hwEmacTestFault(nic: number, which: number, on: number): void;
  // driver model (assembly/drivers/emac.ts)
  hwEmacDrvProbe(nic: number, macHi: number, macLo: number): number;
  hwEmacDrvOpen(nic: number): number;
  hwEmacDrvClose(nic: number): void;
  hwEmacDrvPhyPoll(nic: number): number;
  hwEmacDrvChangeMtu(nic: number, mtu: number): number;
  hwEmacDrvXmit(nic: number, count: number, vlan: number, csumStart: number, csumOffset: number,
    gsoSize: number, gsoV6: number, l4: number): number;
  hwEmacDrvCollect(nic: number): number;
  hwEmacDrvStat(nic: number, which: number, update: number): number;
  hwEmacDrvCounter(nic: number, which: number): number;
  hwEmacDrvRxMode(nic: number, promisc: number, allmulti: number, count: number): void;
  hwEmacDrvTimerNext(nic: number): number;
  hwEmacDrvTimerRun(nic: number): void;
  /** Test only: the driver model's trace points. */
  hwEmacDrvTestTrace(on: number): void;
  hwEmacDrvTestTraceCount(): number;
  hwEmacDrvTestTraceField(i: number, f: number): number;
}

/** True when `x` carries the hardware ABI (a raw or adapted exports object). */
export function hasHwExports(x: unknown): x is HwExports {
  return typeof x === 'object' && x !== null && typeof (x as HwExports).hwEmacCreate === 'function';
}
