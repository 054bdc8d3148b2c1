import { describe, expect, it } from 'vitest';
import { SEEDS, sweep } from './__fixtures__/sweep.js';
import { clockStepBack, drawClockStepBackParams } from './clock-step-back.js';

describe('clock-step-back', () => {
  const { reports, harmless, breached, distinctStories } = sweep(clockStepBack);

  it(`misfires wall-clock timeouts when NTP steps back on every one of ${SEEDS} seeds, never monotonic ones`, () => {
    expect(harmless).toEqual([]);
    expect(breached).toEqual([]);
    for (const r of reports) {
      const p = drawClockStepBackParams(r.seed);
      // A misfire here is always late: by a whole step (the steps are ≥ 50 ms; a poll is ≤ 20 ms).
      expect(r.unsafe.worstElapsedMs).toBeGreaterThanOrEqual(p.timeoutMs + Math.min(...p.steps.map((s) => s.backMs)));
      expect(r.safe.worstElapsedMs).toBeLessThanOrEqual(p.timeoutMs + p.tickMs + 1);
      expect(r.safe.timeouts).toBe(r.unsafe.timeouts);
    }
  });

  it('varies the timeout, the steps and the timings with the seed', () => {
    expect(distinctStories).toBe(SEEDS);
    const params = reports.map((r) => drawClockStepBackParams(r.seed));
    expect(new Set(params.map((p) => p.steps.length))).toEqual(new Set([1, 2, 3]));
    expect(new Set(params.flatMap((p) => p.steps.map((s) => s.backMs))).size).toBeGreaterThanOrEqual(80);
  });

  it('tells the textbook run on its default seed: a 1 s timeout, a 5 s step back', () => {
    const r = clockStepBack.run({ seed: clockStepBack.defaultSeed! });
    expect(r.unsafe.stepsBackMs).toEqual([5_000]);
    expect(r.story[2]).toMatch(/misfired, firing after 6(\.\d+)? s instead of 1 s/);
    expect(r.story[3]).toMatch(/0 of \d+ timeouts misfired/);
    expect(clockStepBack.run({ seed: clockStepBack.defaultSeed! })).toEqual(r);
  });
});
