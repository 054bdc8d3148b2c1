import { describe, expect, it } from 'vitest';
import { CAPACITY_PER_WINDOW, retryStorm, runRetryStorm, WAVE_LOAD_PER_WINDOW } from './retry-storm.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const runs = SEEDS.map((seed) => ({
  none: runRetryStorm(seed, 'no jitter'),
  full: runRetryStorm(seed, 'full jitter'),
  budget: runRetryStorm(seed, 'full jitter + budget'),
}));

describe('retry-storm: the direction of the result, over 8 seeds', () => {
  it('without jitter the whole crowd comes back in one window: waves far above capacity', () => {
    for (const { none } of runs) {
      expect(none.peakLoadPerWindow).toBeGreaterThan(5 * CAPACITY_PER_WINDOW);
      expect(none.waves).toBeGreaterThanOrEqual(3);
      expect(none.succeeded).toBeLessThan(none.calls); // the waves outlast the attempt limit for some calls
    }
  });

  it('full jitter lowers the peak load several-fold, with no wave, and every call is served sooner', () => {
    for (const { none, full } of runs) {
      expect(full.peakLoadPerWindow).toBeLessThan(none.peakLoadPerWindow / 4);
      expect(full.peakLoadPerWindow).toBeLessThanOrEqual(WAVE_LOAD_PER_WINDOW);
      expect(full.waves).toBe(0);
      expect(full.succeeded).toBe(full.calls);
      expect(full.attempts).toBeLessThan(none.attempts);
      expect(full.lastCallEndedMs).toBeLessThan(none.lastCallEndedMs);
    }
  });

  it('the budget caps the fleet’s attempts at calls + 20 % of calls + the floor (4 clients × 10/s × 10 s)', () => {
    for (const { full, budget } of runs) {
      const floor = 4 * 10 * 10;
      expect(budget.attempts).toBeLessThanOrEqual(budget.calls * 1.2 + floor);
      expect(budget.attempts).toBeLessThan(full.attempts);
      expect(budget.peakLoadPerWindow).toBeLessThanOrEqual(full.peakLoadPerWindow);
      expect(budget.gaveUp.budget ?? 0).toBeGreaterThan(0);
    }
  });

  it('the report: waves without jitter, none with it', () => {
    const report = retryStorm.run({ seed: 1 });
    expect(report.unsafe.violations).toBeGreaterThan(0);
    expect(report.safe.violations).toBe(0);
    expect(report.story.length).toBeGreaterThan(4);
  });

  it('is deterministic: one seed, one trace', () => {
    expect(runRetryStorm(11, 'full jitter')).toEqual(runRetryStorm(11, 'full jitter'));
    expect(runRetryStorm(11, 'full jitter').traceHash).not.toBe(runRetryStorm(12, 'full jitter').traceHash);
  });
});
