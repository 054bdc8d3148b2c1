import { describe, expect, it } from 'vitest';
import { SEEDS, sweep } from './__fixtures__/sweep.js';
import { drawLwwParams, lwwClockSkew } from './lww-clock-skew.js';

describe('lww-clock-skew', () => {
  const { reports, harmless, breached, distinctStories } = sweep(lwwClockSkew);

  it(`loses B's increment under last-write-wins on every one of ${SEEDS} seeds, and never under the hybrid logical clock`, () => {
    expect(harmless).toEqual([]);
    expect(breached).toEqual([]);
    for (const r of reports) {
      // Every increment is lost: the skew (≥ 100 ms) always exceeds the real gap between the two writes.
      expect(r.unsafe.lostWrites).toBe(r.unsafe.increments);
      expect(r.safe.increments).toBe(r.unsafe.increments);
      for (const values of Object.values(r.unsafe.finalValues as Record<string, number[]>)) expect(new Set(values)).toEqual(new Set([1]));
      for (const values of Object.values(r.safe.finalValues as Record<string, number[]>)) expect(new Set(values)).toEqual(new Set([2]));
    }
  });

  it('varies the replicas, the skew and the timings with the seed', () => {
    expect(distinctStories).toBe(SEEDS);
    const params = reports.map((r) => drawLwwParams(r.seed));
    expect(new Set(params.map((p) => p.replicas.length)).size).toBe(3);
    expect(new Set(params.map((p) => `${p.viaA}>${p.viaB}`)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(params.map((p) => p.skewMs)).size).toBeGreaterThanOrEqual(50);
  });

  it('tells the textbook run on its default seed: n1 5 s fast, x = 1 kept, B’s x = 2 lost', () => {
    const r = lwwClockSkew.run({ seed: lwwClockSkew.defaultSeed! });
    expect(r.unsafe.skewMs).toBe(5_000);
    expect(r.story[0]).toMatch(/^n1's wall clock runs 5 s ahead of n3's; 3 replicas/);
    expect(r.story[1]).toMatch(/client A writes x = 1 via n1, stamped 10:00:05\.\d{3}; client B reads x = 1 via n3 and increments it: x = 2 via n3, stamped 10:00:00\.\d{3}/);
    expect(r.story[2]).toMatch(/x = 1 on all 3 replicas/);
    expect(r.story[4]).toMatch(/x = 2 on all 3 replicas: 0 of \d increments lost/);
    expect(lwwClockSkew.run({ seed: lwwClockSkew.defaultSeed! })).toEqual(r);
  });
});
