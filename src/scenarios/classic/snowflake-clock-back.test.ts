import { describe, expect, it } from 'vitest';
import { SEEDS, sweep } from './__fixtures__/sweep.js';
import { drawSnowflakeParams, snowflakeClockBack } from './snowflake-clock-back.js';

describe('snowflake-clock-back', () => {
  const { reports, harmless, breached, distinctStories } = sweep(snowflakeClockBack);

  it(`repeats IDs after a step back with timestamp + sequence on every one of ${SEEDS} seeds, never with SnowflakeGenerator`, () => {
    expect(harmless).toEqual([]);
    expect(breached).toEqual([]);
    for (const r of reports) {
      const p = drawSnowflakeParams(r.seed);
      // The naive generator repeats (about) every ID of the re-lived milliseconds.
      expect(r.unsafe.duplicateIds).toBeGreaterThanOrEqual(Math.floor(p.backMs * p.perMs * 0.9));
      expect(r.unsafe.decreasingIds).toBeGreaterThan(0);
      expect(r.safe.decreasingIds).toBe(0);
      // The mitigation delays requests but drops none.
      expect(r.safe.issuedIds).toBe(r.unsafe.issuedIds);
    }
  });

  it('varies the step, the workers and the rate with the seed', () => {
    expect(distinctStories).toBe(SEEDS);
    const params = reports.map((r) => drawSnowflakeParams(r.seed));
    expect(new Set(params.map((p) => p.workers.length))).toEqual(new Set([1, 2, 3]));
    expect(new Set(params.map((p) => p.backMs)).size).toBeGreaterThanOrEqual(50);
    // Long steps outlast the 4,096-ID sequence of the last millisecond: requests wait; short ones do not.
    expect(reports.some((r) => (r.safe.heldRequests as number) > 0)).toBe(true);
    expect(reports.some((r) => r.safe.heldRequests === 0)).toBe(true);
  });

  it('tells the textbook run on its default seed: NTP steps a worker back 5 s', () => {
    const r = snowflakeClockBack.run({ seed: snowflakeClockBack.defaultSeed! });
    expect(r.unsafe.stepBackMs).toBe(5_000);
    expect(r.story[1]).toMatch(/re-lived 5 s of timestamps — [\d,]+ duplicate IDs/);
    expect(r.story[2]).toMatch(/^SnowflakeGenerator: 0 duplicates/);
    expect(snowflakeClockBack.run({ seed: snowflakeClockBack.defaultSeed! })).toEqual(r);
  });
});
