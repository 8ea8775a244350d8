// The bare-mode API as a user reaches it from a Box.
import { describe, it, expect } from 'vitest';
import { Box } from '../../src/box.js';
import { EMAC, TX_PKT_INT } from '../../src/hw/emac-regs.js';

describe('box.emac(name, { driver: false })', () => {
  it('gives the bare device, DMA memory and the clock', async () => {
    const box = await Box.create();
    const nic = box.emac('eth9', { driver: false });
    expect(box.emac('eth9', { driver: false })).toBe(nic);
    const a = box.dma.alloc(4096, 4096);
    expect(a % 4096).toBe(0);
    expect(a).toBeGreaterThanOrEqual(2 ** 32);
    box.dma.write32(a, 0xdeadbeef);
    expect(box.dma.read32(a)).toBe(0xdeadbeef);
    const v = box.dma.view(a, 4);
    expect([...v]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    v[0] = 1;
    expect(box.dma.read32(a)).toBe(0xdeadbe01);
    expect(() => box.dma.read32(a - 2 ** 33)).toThrow(RangeError);
    nic.mmio.write32(EMAC.INT_MASK, TX_PKT_INT);
    expect(nic.mmio.peek32(EMAC.INT_MASK)).toBe(TX_PKT_INT);
    expect(nic.irq.level).toBe(false);
    const t = box.hw.now;
    box.run({ ns: 1000 });
    expect(box.hw.now).toBe(t + 1000);
    expect(nic.wire.collect()).toEqual([]);
  });
});

describe('the EMAC netdevice in a box', () => {
  it('18. TX stall: a hung TX engine with the queue stopped for 5 s trips the netdev watchdog; emac_tx_timeout reinits, the carrier loss empties the qdisc (linkwatch dev_deactivate) and the port works again', async () => {
    const S = 1_000_000_000;
    const box = await Box.create();
    expect(box.ip('link add eth0 address 02:00:00:00:00:10 type emac').status).toBe(0);
    expect(box.ip('link set eth0 up').status).toBe(0);
    const nic = box.emac('eth0');
    const core = box.kernel.core;
    nic.fault('tx-hang');
    const frames = Array.from({ length: 1000 }, (_, i) => {
      const f = new Uint8Array(60);
      f.set([0x02, 0, 0, 0, 0, 0x77, 0x02, 0, 0, 0, 0, 0x10, 0x88, 0xb5], 0);
      f[14] = i >> 8; f[15] = i & 0xff;
      return f;
    });
    expect(box.packet('eth0').send(frames).sent).toBe(1000);
    box.run({ ns: 4 * S });
    expect(core.hwEmacDrvCounter(nic.index, 11)).toBe(1); // the driver's queue is stopped
    expect(core.hwEmacDrvCounter(nic.index, 10)).toBe(0);
    box.run({ ns: 8 * S });
    expect(core.hwEmacDrvCounter(nic.index, 10)).toBe(1); // one TX timeout
    expect(core.hwEmacDrvCounter(nic.index, 4)).toBe(1); // one reinit
    // the reinit's phy_stop takes the carrier away: linkwatch's dev_deactivate purges the qdisc
    const inRing = 511 - 19; // what the TPD ring took before the queue stopped: lost in the reinit
    expect(box.dropReasons().QUEUE_PURGE).toBe(frames.length - inRing);
    box.run({ ns: 2 * S }); // phylib brings the link back
    expect(nic.wire.collect()).toEqual([]);
    expect(box.ip('link show eth0').stdout).toContain('<BROADCAST,MULTICAST,UP,LOWER_UP>');
    // and the port sends again
    expect(box.packet('eth0').send(frames.slice(0, 3)).sent).toBe(3);
    box.run({ ns: 1e6 });
    expect(nic.wire.collect()).toEqual(frames.slice(0, 3));
  });
});

describe('wire.collectBatch(into)', () => {
  it('writes the records into the caller\'s buffer; what does not fit waits for the next call', async () => {
    const box = await Box.create();
    expect(box.ip('link add eth0 address 02:00:00:00:00:10 type emac').status).toBe(0);
    expect(box.ip('link set eth0 up').status).toBe(0);
    box.run({ ns: 3e9 }); // autonegotiation
    const nic = box.emac('eth0');
    const frames = Array.from({ length: 5 }, (_, i) => {
      const f = new Uint8Array(60 + 8 * i);
      f.set([0x02, 0, 0, 0, 0, 0x77, 0x02, 0, 0, 0, 0, 0x10, 0x88, 0xb5], 0);
      f[14] = i;
      return f;
    });
    expect(box.packet('eth0').send(frames).sent).toBe(5);
    box.run({ ns: 1e6 });
    // records are 4 bytes of header + the frame, rounded up to 4: 64, 72, 80, 88, 96
    const into = new Uint8Array(64 + 72 + 80 + 10);
    const first = nic.wire.collectBatch(into);
    expect(first.count).toBe(3);
    expect(first.data.buffer).toBe(into.buffer);
    expect(first.data.length).toBe(64 + 72 + 80);
    expect([...first]).toEqual(frames.slice(0, 3));
    expect(nic.wire.collectBatch(new Uint8Array(50)).count).toBe(0); // too small for the next record
    const rest = nic.wire.collectBatch(into);
    expect([...rest].map((f) => f.slice())).toEqual(frames.slice(3));
    expect(nic.wire.collectBatch(into).count).toBe(0);
  });
});
