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
