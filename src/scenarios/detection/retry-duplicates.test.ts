import { describe, expect, it } from 'vitest';
import { retryDuplicates, runRetryDuplicates } from './retry-duplicates.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const runs = SEEDS.map((seed) => ({ unsafe: runRetryDuplicates(seed, false), safe: runRetryDuplicates(seed, true) }));

describe('retry-duplicates: the direction of the result, over 10 seeds', () => {
  it('without a key, retries after lost or late replies apply transfers twice', () => {
    for (const { unsafe } of runs) {
      expect(unsafe.duplicatedTransfers).toBeGreaterThan(0);
      expect(unsafe.applications).toBe(unsafe.requestsReceived); // every request moved money
      expect(unsafe.applications).toBeGreaterThan(unsafe.transfers);
      expect(unsafe.extraMovedCents).toBeGreaterThan(0);
    }
  });

  it('with an idempotency key every transfer is applied at most once, and every acknowledged one exactly once', () => {
    for (const { safe } of runs) {
      expect(safe.duplicatedTransfers).toBe(0);
      expect(safe.extraMovedCents).toBe(0);
      expect(safe.applications).toBeLessThanOrEqual(safe.transfers);
      expect(safe.applications).toBeGreaterThanOrEqual(safe.acknowledged);
      expect(safe.requestsReceived).toBeGreaterThan(safe.applications); // the retries still came
    }
  });

  it('both of the store’s paths are exercised: replays after completion and waits while running', () => {
    expect(runs.reduce((n, r) => n + r.safe.replayed, 0)).toBeGreaterThan(0);
    expect(runs.reduce((n, r) => n + r.safe.waited, 0)).toBeGreaterThan(0);
  });

  it('the report: violations without the key, none with it; deterministic', () => {
    const report = retryDuplicates.run({ seed: 1 });
    expect(report.unsafe.violations).toBeGreaterThan(0);
    expect(report.safe.violations).toBe(0);
    expect(retryDuplicates.run({ seed: 1 })).toEqual(report);
  });
});
