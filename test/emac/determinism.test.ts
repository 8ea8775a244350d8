// Virtual time: the same input always gives the same result.
import { describe, it, expect } from 'vitest';
import { linked, MAC_BYTES, US, MS } from './helpers.js';
import { frame } from './frames.js';

async function scenario() {
  const { hw, nic, drv } = await linked();
  const irqTimes: number[] = [];
  nic.irq.onChange((l) => { if (l) irqTimes.push(hw.now); });
  const rx = Array.from({ length: 120 }, (_, i) => frame({ dst: MAC_BYTES, payload: 30 + ((i * 37) % 1400), fill: i }).bytes);
  for (let k = 0; k < 6; k++) {
    nic.wire.inject(rx.slice(k * 20, k * 20 + 20), { badFcs: k === 3 });
    for (let j = 0; j < 5; j++) drv.xmit(frame({ dst: [2, 0, 0, 0, 0, 1], proto: 'tcp', payload: 100 * (j + k), fill: j }).bytes);
    const big = frame({ dst: [2, 0, 0, 0, 0, 1], proto: 'tcp', payload: 5000, seedOnly: 'lso', fill: k });
    drv.xmit(big.bytes, { tso: { mss: 1200, l4: big.l4 } });
    hw.run({ ns: 37 * US });
  }
  hw.run({ ns: 5 * MS });
  return {
    now: hw.now,
    irqTimes,
    rx: drv.stack.map((p) => Buffer.from(p.data).toString('hex')),
    tx: nic.wire.collect().map((f) => Buffer.from(f).toString('hex')),
    stats: drv.updateHwStats(),
    counters: nic.counters,
  };
}

describe('determinism', () => {
  it('gives identical frames, interrupt times and counters for identical input', async () => {
    const a = await scenario();
    const b = await scenario();
    expect(a.rx.length).toBe(100);
    expect(a.tx.length).toBeGreaterThan(30);
    expect(b).toEqual(a);
  });
});
