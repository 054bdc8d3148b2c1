import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HeartbeatHistory } from './heartbeat-history.js';

function history(max: number, samples: number[]): HeartbeatHistory {
  const h = new HeartbeatHistory(max);
  for (const x of samples) h.add(x);
  return h;
}

describe("HeartbeatHistory (Akka's statistics spec)", () => {
  it('calculates the mean and (population) variance', () => {
    const h = history(20, [100, 200, 125, 340, 130]);
    expect(h.mean).toBeCloseTo(179, 9);
    expect(h.variance).toBeCloseTo(7584, 9);
  });

  it('has variance 0 for one sample', () => {
    expect(history(600, [1000]).variance).toBe(0);
  });

  it('is capped by maxSampleSize, dropping the oldest', () => {
    const h3 = history(3, [100, 110, 90]);
    expect(h3.mean).toBeCloseTo(100, 9);
    expect(h3.variance).toBeCloseTo(66.6666667, 5);
    h3.add(140);
    expect(h3.mean).toBeCloseTo(113.333333, 5);
    expect(h3.variance).toBeCloseTo(422.222222, 5);
    h3.add(80);
    expect(h3.mean).toBeCloseTo(103.333333, 5);
    expect(h3.variance).toBeCloseTo(688.88888889, 5);
    expect(h3.samples()).toEqual([90, 140, 80]);
  });
});

describe('HeartbeatHistory: properties', () => {
  it('matches a naive recomputation over the last maxSampleSize samples, growth and wrap included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 400 }), (max, xs) => {
        const h = history(max, xs);
        const window = xs.slice(-max);
        expect(h.size).toBe(window.length);
        expect(h.samples()).toEqual(window);
        const mean = window.reduce((a, b) => a + b, 0) / window.length;
        const variance = window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length;
        expect(h.mean).toBeCloseTo(mean, 6);
        // Σx²/n − mean² loses precision when the variance is tiny next to mean²: compare on that scale.
        expect(Math.abs(h.variance - variance)).toBeLessThanOrEqual(1e-9 * (mean * mean + 1));
      }),
    );
  });

  it('does not drift over millions of fractional samples (periodic re-sum)', () => {
    const h = new HeartbeatHistory(100);
    for (let i = 0; i < 2_000_000; i++) h.add(1000 + (i % 7) * 0.1 + 1e-3 * (i % 13));
    const last = h.samples();
    const mean = last.reduce((a, b) => a + b, 0) / last.length;
    expect(Math.abs(h.mean - mean)).toBeLessThan(1e-9);
  });
});
