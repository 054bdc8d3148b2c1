import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRng } from '../random/rng.js';
import type { Rng } from '../random/rng.js';
import { exponentialBackoff, JITTER_MODES } from './backoff.js';

/** An Rng that returns fixed values, to hit the ends of each interval. */
function fixedRng(u: number): Rng {
  return { next: () => u, int: () => 0, intBetween: (a) => a, chance: () => false, fork: () => fixedRng(u) };
}

describe('exponentialBackoff: the AWS formulas', () => {
  it('none = min(cap, base·2^n)', () => {
    const b = exponentialBackoff({ baseMs: 100, capMs: 1000, jitter: 'none' });
    const rng = new SeededRng(1);
    expect([0, 1, 2, 3, 4, 50, 5000].map((n) => b.next(n, rng))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('full = random(0, min(cap, base·2^n))', () => {
    const b = exponentialBackoff({ baseMs: 100, capMs: 1000, jitter: 'full' });
    expect(b.next(2, fixedRng(0))).toBe(0);
    expect(b.next(2, fixedRng(0.5))).toBe(200);
    expect(b.next(9, fixedRng(0.999))).toBeCloseTo(999, 6);
  });

  it('equal = t/2 + random(0, t/2)', () => {
    const b = exponentialBackoff({ baseMs: 100, capMs: 1000, jitter: 'equal' });
    expect(b.next(2, fixedRng(0))).toBe(200);
    expect(b.next(2, fixedRng(0.5))).toBe(300);
  });

  it('decorrelated = min(cap, random(base, prev·3)), prev starting at base', () => {
    const b = exponentialBackoff({ baseMs: 100, capMs: 1000, jitter: 'decorrelated' });
    expect(b.next(0, fixedRng(0))).toBe(100);
    expect(b.next(0, fixedRng(0.5))).toBe(200); // 100 + 0.5·(300 − 100)
    expect(b.next(5, fixedRng(0.5), 200)).toBe(350); // 100 + 0.5·(600 − 100)
    expect(b.next(5, fixedRng(0.9), 900)).toBe(1000); // capped
  });

  it('is deterministic for one seed', () => {
    const draw = (seed: number): number[] => {
      const b = exponentialBackoff({ jitter: 'decorrelated' });
      const rng = new SeededRng(seed);
      let prev: number | undefined;
      return Array.from({ length: 10 }, (_, n) => (prev = b.next(n, rng, prev)));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('every delay lies within its formula’s bounds, for every jitter mode', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...JITTER_MODES),
        fc.double({ min: 0.001, max: 10_000, noNaN: true }),
        fc.double({ min: 1, max: 1000, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 40 }),
        (jitter, baseMs, capFactor, seed, attempts) => {
          const capMs = baseMs * capFactor;
          const b = exponentialBackoff({ baseMs, capMs, jitter });
          const rng = new SeededRng(seed);
          let prev: number | undefined;
          for (let n = 0; n < attempts; n++) {
            const t = Math.min(capMs, baseMs * 2 ** n);
            const { minMs, maxMs } = b.bounds(n, prev);
            const d = b.next(n, rng, prev);
            expect(d).toBeGreaterThanOrEqual(minMs);
            expect(d).toBeLessThanOrEqual(maxMs);
            expect(d).toBeLessThanOrEqual(capMs);
            expect(d).toBeGreaterThanOrEqual(0);
            if (jitter === 'none') expect(d).toBe(t);
            if (jitter === 'full') expect([minMs, maxMs]).toEqual([0, t]);
            if (jitter === 'equal') expect([minMs, maxMs]).toEqual([t / 2, t]);
            if (jitter === 'decorrelated') {
              expect(d).toBeGreaterThanOrEqual(baseMs);
              expect(d).toBeLessThanOrEqual(Math.min(capMs, 3 * (prev ?? baseMs)));
            }
            prev = d;
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects bad options and arguments, naming the API', () => {
    expect(() => exponentialBackoff({ baseMs: 0 })).toThrow(/exponentialBackoff: baseMs/);
    expect(() => exponentialBackoff({ baseMs: 100, capMs: 50 })).toThrow(/capMs \(50\) must be ≥ baseMs/);
    expect(() => exponentialBackoff({ jitter: 'wild' as never })).toThrow(/jitter must be one of/);
    expect(() => exponentialBackoff().next(-1, new SeededRng(1))).toThrow(/attempt/);
    expect(() => exponentialBackoff().next(1.5, new SeededRng(1))).toThrow(/attempt/);
    expect(() => exponentialBackoff({ jitter: 'decorrelated' }).next(1, new SeededRng(1), NaN)).toThrow(/previousDelayMs/);
  });
});
