import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calmKnobs, type SeedReport } from '../../sim/index.js';
import { MAX_FAILED_SEEDS_LISTED, SeedAggregator } from './report.js';

function report(seed: number, failing: boolean): SeedReport {
  return {
    seed,
    knobs: calmKnobs(),
    violations: failing ? [{ kind: 'liveness', message: `seed ${seed} stalled` }] : [],
    ops: { ok: seed, fail: 1, info: 2 },
    simulatedMs: 1000.001 + seed / 7,
    traceHash: 'x',
    events: 10,
    stats: {} as SeedReport['stats'],
    replay: `faultline sim --seed ${seed}`,
  };
}

describe('SeedAggregator', () => {
  it('gives the same summary whatever order reports arrive in', () => {
    const reports = Array.from({ length: 40 }, (_, i) => report(i + 1, (i * 7) % 5 === 0));
    const expected = (() => {
      const a = new SeedAggregator();
      reports.forEach((r) => a.add(r));
      return JSON.stringify(a.summary(0));
    })();
    fc.assert(
      fc.property(fc.shuffledSubarray(reports, { minLength: 40, maxLength: 40 }), (order) => {
        const a = new SeedAggregator();
        order.forEach((r) => a.add(r));
        expect(JSON.stringify(a.summary(0))).toBe(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('lists only the smallest failing seeds when there are many, but counts them all', () => {
    const a = new SeedAggregator();
    const n = 3 * MAX_FAILED_SEEDS_LISTED;
    for (let seed = n; seed >= 1; seed--) a.add(report(seed, true));
    const s = a.summary(0);
    expect(s.failedSeeds).toBe(n);
    expect(s.violations).toHaveLength(MAX_FAILED_SEEDS_LISTED);
    expect(s.violations[0].seed).toBe(1);
    expect(s.violations.at(-1)!.seed).toBe(MAX_FAILED_SEEDS_LISTED);
  });
});
