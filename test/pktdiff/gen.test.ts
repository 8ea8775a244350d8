import { describe, expect, it } from 'vitest';
import { CASE_NAMES, allowedAddress, generatePackets } from './gen.js';
import { checksum, decode, fromHex } from './frames.js';

describe('packet scenario generator', () => {
  it('is deterministic per seed, and seeds differ', () => {
    expect(generatePackets(42)).toEqual(generatePackets(42));
    expect(generatePackets(42).frames).not.toEqual(generatePackets(43).frames);
  });

  const scs = Array.from({ length: 40 }, (_, i) => generatePackets(i + 1));

  it('has 2-4 ports, each created before it is configured, and only documentation/benchmark addresses', () => {
    for (const sc of scs) {
      expect(sc.ports.length).toBeGreaterThanOrEqual(2);
      expect(sc.ports.length).toBeLessThanOrEqual(4);
      for (const p of sc.ports) {
        const created = sc.steps.findIndex((s) => 'port' in s && s.port.name === p.name);
        const used = sc.steps.findIndex((s) => ('ip' in s && new RegExp(`\\b${p.name}\\b`).test(s.ip)) || ('sysctl' in s && s.sysctl[0].includes(`.${p.name}.`)));
        expect(created).toBeGreaterThanOrEqual(0);
        expect(used).toBeGreaterThan(created);
      }
      for (const s of sc.steps) if ('ip' in s) for (const a of s.ip.match(/\b\d+\.\d+\.\d+\.\d+\b/g) ?? []) expect(allowedAddress(a), `${s.ip}`).toBe(true);
      for (const f of sc.frames) {
        const d = decode(fromHex(f.hex));
        for (const a of [d.ip?.src, d.ip?.dst, d.arp?.spa, d.arp?.tpa]) if (a && d.ip?.version !== 0) expect(allowedAddress(a), `${f.case} ${a}`).toBe(true);
      }
    }
  });

  it('covers every case in every scenario, every port injects, and frames are well-formed unless broken on purpose', () => {
    const broken = new Set(['bad-ip-checksum', 'bad-version', 'bad-ihl', 'truncated']);
    for (const sc of scs) {
      const cases = new Set(sc.frames.map((f) => f.case));
      for (const c of CASE_NAMES) expect(cases.has(c), `seed ${sc.seed}: ${c}`).toBe(true);
      for (const f of sc.frames) {
        const b = fromHex(f.hex);
        expect(b.length).toBeGreaterThanOrEqual(14);
        expect(b.length).toBeLessThanOrEqual(1514);
        const d = decode(b);
        if (d.ip && !broken.has(f.case) && !(f.case === 'ip-options' && f.note === 'bad-option-length')) expect(checksum(b.subarray(14, 14 + d.ip.ihl * 4)), `${sc.seed} ${f.case}`).toBe(0);
      }
    }
  });

  it('uses each IP ID once per scenario (reassembly queues and masking rely on it)', () => {
    for (const sc of scs) {
      const seen = new Map<string, string>();
      for (const f of sc.frames) {
        const d = decode(fromHex(f.hex));
        if (!d.ip || d.ip.version !== 4) continue;
        const k = `${d.ip.src}>${d.ip.dst}/${d.ip.id}`;
        if (seen.has(k) && !f.case.startsWith('fragments')) throw new Error(`seed ${sc.seed}: ${k} used by ${seen.get(k)} and ${f.case}`);
        seen.set(k, f.case);
      }
    }
  });
});
