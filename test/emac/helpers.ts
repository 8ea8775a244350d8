// Shared set-up for the bare-mode EMAC tests.
import { loadHw } from './wasm.js';
import { BareEmacDriver } from './bare-driver.js';
import { EmacDriverModel } from '../../src/hw/emac-driver.js';
import type { EmacHw, EmacNic } from '../../src/hw/emac.js';

export const MAC = '02:00:00:00:00:09';
export const MAC_BYTES = [0x02, 0, 0, 0, 0, 0x09];
export const US = 1_000, MS = 1_000_000;
/**
 * The RX/TX interrupt moderation the drivers program (IRQ_MOD_TIM_INIT = 0x007D007D):
 * 125 counts of 2 us. A packet interrupt is raised this long after the first frame it covers.
 */
export const MOD_NS = 250 * US;

export async function bare(): Promise<{ hw: EmacHw; nic: EmacNic }> {
  const hw = await loadHw();
  return { hw, nic: hw.create('eth9', { driver: false }) };
}

/** A NIC with the reference driver probed, opened and linked up. */
export async function linked(opts: { rxDescs?: number; txDescs?: number; mtu?: number } = {}) {
  const { hw, nic } = await bare();
  const drv = new BareEmacDriver(hw, nic, MAC);
  if (opts.rxDescs) drv.rxDescs = opts.rxDescs;
  if (opts.txDescs) drv.txDescs = opts.txDescs;
  if (opts.mtu) drv.mtu = opts.mtu;
  drv.bringUp();
  return { hw, nic, drv };
}

/** A NIC with the in-WASM driver model probed and, unless told otherwise, opened and linked up. */
export async function modelUp(o: { open?: boolean; link?: boolean; phyAddr?: number; mtu?: number } = {}) {
  const hw = await loadHw();
  const nic = hw.create('eth0', { driver: false, phyAddr: o.phyAddr });
  const drv = new EmacDriverModel(hw, nic);
  drv.probe(MAC);
  if (o.mtu !== undefined) drv.changeMtu(o.mtu);
  if (o.open !== false) drv.open();
  if (o.open !== false && o.link !== false) drv.waitLink();
  return { hw, nic, drv };
}

import {
  EMAC, RXEN, TXEN, CRCE, BROAD_EN, RXQ_EN, TXQ_EN, INT_RD_CLR_EN, EMAC_IRQ_MASK, DIS_INT,
} from '../../src/hw/emac-regs.js';

/**
 * Raw bring-up without the reference driver: rings of `n` descriptors in DMA
 * memory, RFD buffers of `bufSize`, MAC and queues enabled, driver IRQ mask.
 * Returns the ring addresses and buffers so tests can poke at them.
 */
export function rawRings(hw: EmacHw, nic: EmacNic, o: { n?: number; tpds?: number; bufSize?: number; fill?: number; mac?: number[] } = {}) {
  const n = o.n ?? 16, tpds = o.tpds ?? 16, bufSize = o.bufSize ?? 1536;
  const dma = hw.dma;
  const tpd = dma.alloc(tpds * 16), rrd = dma.alloc(n * 16), rfd = dma.alloc(n * 8);
  const bufs: number[] = [];
  for (let i = 0; i < n; i++) bufs.push(dma.alloc(bufSize + 64, 64));
  const m = nic.mmio;
  const mac = o.mac ?? MAC_BYTES;
  m.write32(EMAC.MAC_STA_ADDR0, ((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5]) >>> 0);
  m.write32(EMAC.MAC_STA_ADDR1, (mac[0] << 8) | mac[1]);
  m.write32(EMAC.DESC_CTRL_1, Math.floor(tpd / 2 ** 32));
  m.write32(EMAC.DESC_CTRL_8, tpd >>> 0);
  m.write32(EMAC.DESC_CTRL_9, tpds);
  m.write32(EMAC.DESC_CTRL_0, Math.floor(rfd / 2 ** 32));
  m.write32(EMAC.DESC_CTRL_2, rfd >>> 0);
  m.write32(EMAC.DESC_CTRL_5, rrd >>> 0);
  m.write32(EMAC.DESC_CTRL_3, n);
  m.write32(EMAC.DESC_CTRL_6, n);
  m.write32(EMAC.DESC_CTRL_4, bufSize);
  m.write32(EMAC.INTER_SRAM_PART9, 1);
  m.write32(EMAC.MAX_FRAM_LEN_CTRL, 1522);
  const fill = o.fill ?? n - 1;
  for (let i = 0; i < fill; i++) {
    dma.write32(rfd + i * 8, bufs[i] >>> 0);
    dma.write32(rfd + i * 8 + 4, Math.floor(bufs[i] / 2 ** 32));
  }
  m.write32(EMAC.MAILBOX_0, fill % n);
  m.write32(EMAC.DMA_MAS_CTRL, INT_RD_CLR_EN);
  m.write32(EMAC.INT_STATUS, ~DIS_INT >>> 0);
  m.write32(EMAC.INT_MASK, EMAC_IRQ_MASK);
  m.write32(EMAC.TXQ_CTRL_0, 0x010000c5 | TXQ_EN);
  m.write32(EMAC.RXQ_CTRL_0, (0x40800080 | RXQ_EN) >>> 0);
  m.write32(EMAC.MAC_CTRL, TXEN | RXEN | CRCE | BROAD_EN);
  return { tpd, rrd, rfd, bufs, n, tpds, bufSize };
}

/** Reads RRD i: [w0, w1, w2, w3]. */
export function rrdAt(hw: EmacHw, rrd: number, i: number): number[] {
  return [0, 4, 8, 12].map((o) => hw.dma.read32(rrd + i * 16 + o));
}

/** Writes one TPD at index i. */
export function putTpd(hw: EmacHw, tpd: number, i: number, len: number, w1: number, addr: number, w3 = 0): void {
  hw.dma.write32(tpd + i * 16, len);
  hw.dma.write32(tpd + i * 16 + 4, w1 >>> 0);
  hw.dma.write32(tpd + i * 16 + 8, addr >>> 0);
  hw.dma.write32(tpd + i * 16 + 12, ((w3 & 0x3ffff) | ((Math.floor(addr / 2 ** 32) & 0x3fff) << 18)) >>> 0);
}
