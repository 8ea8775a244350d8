// Section 5 transmit behaviours of emac-spec.md (17-21), bare mode.
import { describe, it, expect } from 'vitest';
import { bare, linked, rawRings, putTpd, US, MS, MOD_NS } from './helpers.js';
import { frame, checksumsOk } from './frames.js';
import {
  EMAC, TX_PKT_INT, TPD_LAST_FRAGMENT, TPD_INSTC, TXEN,
} from '../../src/hw/emac-regs.js';

const DST = [0x02, 0, 0, 0, 0, 0x77];

describe('17. TX basic', () => {
  it('gathers TPDs up to the last-fragment bit into one frame, advances MAILBOX_2 and raises TX_PKT_INT', async () => {
    const { hw, nic } = await bare();
    const r = rawRings(hw, nic, { tpds: 8 });
    const f1 = frame({ dst: DST, payload: 300 }).bytes, f2 = frame({ dst: DST, payload: 10, fill: 5 }).bytes;
    const parts = [f1.subarray(0, 14), f1.subarray(14, 100), f1.subarray(100)];
    parts.forEach((p, i) => {
      const a = hw.dma.alloc(p.length);
      expect(a).toBeGreaterThanOrEqual(2 ** 32); // word3[31:18] carries address bits 45:32
      hw.dma.write(a, p);
      putTpd(hw, r.tpd, i, p.length, i === 2 ? TPD_LAST_FRAGMENT : 0, a);
    });
    const a2 = hw.dma.alloc(f2.length);
    hw.dma.write(a2, f2);
    putTpd(hw, r.tpd, 3, f2.length, TPD_LAST_FRAGMENT, a2);
    nic.mmio.update32(EMAC.MAILBOX_15, 0xffff, 4);
    hw.run({ ns: 1 * US }); // first frame still on the wire
    expect(nic.mmio.read32(EMAC.MAILBOX_2) >>> 16).toBe(0);
    expect(nic.wire.collect()).toEqual([]);
    hw.run({ ns: 2 * US });
    expect(nic.mmio.read32(EMAC.MAILBOX_2) >>> 16).toBe(3);
    expect(nic.mmio.peek32(EMAC.INT_STATUS) & TX_PKT_INT).toBe(TX_PKT_INT);
    expect(nic.irq.level).toBe(true);
    hw.run({ ns: 10 * US });
    expect(nic.mmio.read32(EMAC.MAILBOX_2) >>> 16).toBe(4);
    const out = nic.wire.collect();
    expect(out.length).toBe(2);
    expect(out[0]).toEqual(f1); // no FCS: the MAC appends it (CRCE)
    expect(out[1].length).toBe(60); // padded on the wire
    expect(out[1].subarray(0, f2.length)).toEqual(f2);
    expect([...out[1].subarray(f2.length)].every((b) => b === 0)).toBe(true);
  });

  it('sends what the reference driver queues, fragments and all, and completes every skb', async () => {
    const { hw, nic, drv } = await linked();
    const frames = Array.from({ length: 50 }, (_, i) => frame({ dst: DST, payload: 40 + i * 20, fill: i }).bytes);
    frames.forEach((f, i) => drv.xmit(f, { frags: i % 3 ? [20, 30] : [] }));
    hw.run({ ns: 2 * MS });
    expect(nic.wire.collect()).toEqual(frames);
    expect(drv.txCompleted).toBe(50);
  });
});

describe('18. TX stall', () => {
  it('a TPD that is never consumed trips the 5 s watchdog; the reinit brings TX back', async () => {
    const { hw, nic, drv } = await linked();
    nic.mmio.update32(EMAC.MAC_CTRL, TXEN, 0); // the MAC stops sending
    drv.xmit(frame({ dst: DST }).bytes);
    hw.run({ ns: 1000 * MS });
    expect(drv.watchdog()).toBe(false);
    expect(nic.mmio.read32(EMAC.MAILBOX_2) >>> 16).toBe(0);
    hw.run({ ns: 4000 * MS });
    expect(drv.watchdog()).toBe(true);
    expect(drv.reinits).toBe(1);
    drv.waitLink();
    const f = frame({ dst: DST, fill: 9 }).bytes;
    drv.xmit(f);
    hw.run({ ns: 100 * US });
    expect(nic.wire.collect()).toEqual([f]);
  });
});

describe('19. TX VLAN insert', () => {
  it('INSTC inserts 0x8100 and the byte-swapped word3[15:0]', async () => {
    const { hw, nic, drv } = await linked();
    const f = frame({ dst: DST, payload: 100 }).bytes;
    drv.xmit(f, { vlan: 0x0123 });
    hw.run({ ns: 100 * US });
    expect(hw.dma.read32(drv.tpdRing + 12) & 0xffff).toBe(0x2301);
    expect(hw.dma.read32(drv.tpdRing + 12) & TPD_INSTC).toBe(TPD_INSTC);
    const [out] = nic.wire.collect();
    expect(out.length).toBe(f.length + 4);
    expect([...out.subarray(12, 16)]).toEqual([0x81, 0x00, 0x01, 0x23]);
    expect(out.subarray(0, 12)).toEqual(f.subarray(0, 12));
    expect(out.subarray(16)).toEqual(f.subarray(12));
    expect(frame({ dst: DST, payload: 100, vlan: 0x0123 }).bytes).toEqual(out);
  });
});

describe('20. TX checksum offload', () => {
  for (const proto of ['udp', 'tcp'] as const) {
    for (const v6 of [false, true]) {
      it(`CSX fills the ${proto}${v6 ? '/IPv6' : ''} checksum from the pseudo-header seed`, async () => {
        const { hw, nic, drv } = await linked();
        const f = frame({ dst: DST, proto, v6, payload: 333, seedOnly: 'csx' });
        expect(checksumsOk(f.bytes)).toBe(false);
        drv.xmit(f.bytes, { csum: { start: f.l4, offset: f.csumOff - f.l4 }, frags: [50] });
        hw.run({ ns: 100 * US });
        const [out] = nic.wire.collect();
        expect(checksumsOk(out)).toBe(true);
        expect(out).toEqual(frame({ dst: DST, proto, v6, payload: 333 }).bytes);
      });
    }
  }

  it('works with VLAN insertion (offsets count from the untagged buffer)', async () => {
    const { hw, nic, drv } = await linked();
    const f = frame({ dst: DST, payload: 100, seedOnly: 'csx' });
    drv.xmit(f.bytes, { csum: { start: f.l4, offset: 6 }, vlan: 5 });
    hw.run({ ns: 100 * US });
    const [out] = nic.wire.collect();
    expect(out).toEqual(frame({ dst: DST, payload: 100, vlan: 5 }).bytes);
  });

  it('the driver drops CHECKSUM_PARTIAL with an odd start', async () => {
    const { drv } = await linked();
    expect(drv.xmit(frame({ dst: DST }).bytes, { csum: { start: 35, offset: 6 } })).toBe(false);
  });
});

describe('21. TSO', () => {
  for (const v6 of [false, true]) {
    it(`segments a TCP/IPv${v6 ? 6 : 4} packet at the MSS with per-segment headers and checksums`, async () => {
      const { hw, nic, drv } = await linked();
      const payload = 4000, mss = v6 ? 1440 : 1448; // MTU 1500 minus headers
      const f = frame({ dst: DST, proto: 'tcp', v6, payload, seedOnly: 'lso', seq: 0xfffff000, tcpFlags: 0x19 | 0x80 });
      drv.xmit(f.bytes, { tso: { mss, l4: f.l4, v6 }, frags: [1000, 1000] });
      if (v6) expect(hw.dma.read32(drv.tpdRing + 8)).toBe(f.bytes.length); // the extra TPD
      hw.run({ ns: MOD_NS + 100 * US }); // the completion (TX_PKT_INT) waits for the moderator
      const segs = nic.wire.collect();
      expect(segs.length).toBe(3);
      const hdr = f.l4 + 20;
      let off = 0;
      segs.forEach((s, i) => {
        const chunk = Math.min(mss, payload - off);
        expect(s.length).toBe(hdr + chunk);
        expect(checksumsOk(s)).toBe(true);
        const l3 = f.l3;
        if (v6) expect((s[l3 + 4] << 8) | s[l3 + 5]).toBe(20 + chunk);
        else {
          expect((s[l3 + 2] << 8) | s[l3 + 3]).toBe(40 + chunk);
          expect((s[l3 + 4] << 8) | s[l3 + 5]).toBe(0x1234 + i);
        }
        const seq = ((s[f.l4 + 4] << 24) | (s[f.l4 + 5] << 16) | (s[f.l4 + 6] << 8) | s[f.l4 + 7]) >>> 0;
        expect(seq).toBe((0xfffff000 + off) >>> 0);
        const flags = s[f.l4 + 13];
        expect(flags & 0x09).toBe(i === 2 ? 0x09 : 0); // FIN|PSH on the last only
        expect(flags & 0x80).toBe(i === 0 ? 0x80 : 0); // CWR on the first only
        expect(flags & 0x10).toBe(0x10);
        expect(s.subarray(hdr)).toEqual(f.bytes.subarray(hdr + off, hdr + off + chunk));
        off += chunk;
      });
      expect(drv.txCompleted).toBe(1);
    });
  }

  it('inserts the VLAN tag into every segment', async () => {
    const { hw, nic, drv } = await linked();
    const f = frame({ dst: DST, proto: 'tcp', payload: 3000, seedOnly: 'lso' });
    drv.xmit(f.bytes, { tso: { mss: 1000, l4: f.l4 }, vlan: 42 });
    hw.run({ ns: 200 * US });
    const segs = nic.wire.collect();
    expect(segs.length).toBe(3);
    for (const s of segs) {
      expect([...s.subarray(12, 16)]).toEqual([0x81, 0, 0, 42]);
      expect(checksumsOk(s)).toBe(true);
      expect(s.length).toBe(18 + 40 + 1000);
    }
  });
});
