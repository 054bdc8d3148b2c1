import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntervalClock } from './interval.js';
import type { ClockSyncSample } from './interval.js';
import { ManualClock } from './physical.js';

describe('IntervalClock', () => {
  it('returns the estimate ± the error at sync when no time has passed', () => {
    const local = new ManualClock(1_000);
    const clock = new IntervalClock({ now: local.now, errorMs: 4, offsetMs: 10 });
    expect(clock.now()).toEqual({ earliestMs: 1_006, latestMs: 1_014 });
    expect(clock.errorMs()).toBe(4);
  });

  it('error grows by driftPpm µs per second since the last sync, and a sync resets it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (errorMs, driftPpm, elapsedMs) => {
          const local = new ManualClock(5_000);
          const clock = new IntervalClock({ now: local.now, errorMs, driftPpm });
          local.advance(elapsedMs);
          const d = driftPpm / 1e6;
          expect(clock.errorMs()).toBeCloseTo(errorMs + (elapsedMs * d) / (1 - d), 9);
          expect(clock.errorMs()).toBeGreaterThanOrEqual(errorMs + elapsedMs * d);
          const { earliestMs, latestMs } = clock.now();
          expect((latestMs - earliestMs) / 2).toBeCloseTo(clock.errorMs(), 6);
          clock.sync({ errorMs: 1 });
          expect(clock.errorMs()).toBe(1);
        },
      ),
    );
    const local = new ManualClock(0);
    const clock = new IntervalClock({ now: local.now, errorMs: 1, driftPpm: 200 });
    local.advance(60_000);
    expect(clock.errorMs()).toBeCloseTo(13, 2); // 1 ms + ≈200 µs/s × 60 s
  });

  it('contains true time whenever the inputs are honest (drift within driftPpm, error at sync within errorMs)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 100_000 })), // bound, ppm
        fc.double({ min: -1, max: 1, noNaN: true }), // actual drift as a fraction of the bound
        fc.double({ min: -1, max: 1, noNaN: true }), // actual sync error as a fraction of errorMs
        fc.integer({ min: 0, max: 50 }), // errorMs
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 20 }),
        (driftPpm, driftFrac, syncErrFrac, errorMs, steps) => {
          // True time T; the local oscillator reads 3_000 + T × (1 + r), |r| ≤ driftPpm.
          const rate = 1 + (driftFrac * driftPpm) / 1e6;
          let trueMs = 1_700_000_000_000;
          const startLocal = 3_000;
          const startTrue = trueMs;
          const localAt = (t: number) => startLocal + (t - startTrue) * rate;
          const local = new ManualClock(localAt(trueMs));
          // At construction, the sync's offset estimate is off by at most errorMs.
          const offsetMs = trueMs - local.now() + syncErrFrac * errorMs;
          const clock = new IntervalClock({ now: local.now, errorMs, offsetMs, driftPpm });
          for (const step of steps) {
            trueMs += step;
            local.set(localAt(trueMs));
            const { earliestMs, latestMs } = clock.now();
            const slack = 1e-3; // float rounding at 1.7e12 ms (an ulp is 2.4e-4)
            expect(earliestMs).toBeLessThanOrEqual(trueMs + slack);
            expect(latestMs).toBeGreaterThanOrEqual(trueMs - slack);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('after(t) and before(t) answer only when certain', () => {
    const local = new ManualClock(100);
    const clock = new IntervalClock({ now: local.now, errorMs: 5, driftPpm: 0 });
    // interval is [95, 105]
    expect(clock.after(94)).toBe(true);
    expect(clock.after(95)).toBe(false);
    expect(clock.after(100)).toBe(false);
    expect(clock.before(106)).toBe(true);
    expect(clock.before(105)).toBe(false);
    expect(clock.before(100)).toBe(false);
  });

  it('commitWaitMs(t) is 0 once t is certainly past, and otherwise the least whole wait after which it is', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 100_000 })),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: -2_000, max: 2_000 }),
        fc.boolean(),
        (driftPpm, errorMs, sinceSyncMs, tOffsetMs, huge) => {
          const base = huge ? 1_700_000_000_000 : 10_000;
          const local = new ManualClock(base);
          const clock = new IntervalClock({ now: local.now, errorMs, driftPpm });
          local.advance(sinceSyncMs);
          const t = base + sinceSyncMs + tOffsetMs;
          const wait = clock.commitWaitMs(t);
          expect(Number.isInteger(wait)).toBe(true);
          if (wait === 0) {
            expect(clock.after(t)).toBe(true);
            return;
          }
          expect(clock.after(t)).toBe(false);
          local.advance(wait - 1);
          expect(clock.after(t)).toBe(false);
          local.advance(1);
          expect(clock.after(t)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('commit wait grows with the error: the wait for t = now is error + drift while waiting', () => {
    const local = new ManualClock(0);
    const clock = new IntervalClock({ now: local.now, errorMs: 7, driftPpm: 0 });
    // earliest = -7; t = 0 needs earliest > 0: 8 ms.
    expect(clock.commitWaitMs(0)).toBe(8);
  });

  it('uses the newest sample from sync() or the sync source', () => {
    const local = new ManualClock(1_000);
    let published: ClockSyncSample | undefined;
    const clock = new IntervalClock({ now: local.now, errorMs: 50, driftPpm: 0, syncSource: { latestSync: () => published } });
    expect(clock.errorMs()).toBe(50);
    published = { atMs: 1_000, offsetMs: 2, errorMs: 3 };
    expect(clock.now()).toEqual({ earliestMs: 999, latestMs: 1_005 });
    local.advance(10);
    expect(clock.sync({ errorMs: 1, offsetMs: 0 })).toBe(true); // at 1_010, newer than the source's
    expect(clock.currentSync).toEqual({ atMs: 1_010, offsetMs: 0, errorMs: 1 });
    expect(clock.sync({ errorMs: 9, atMs: 1_005 })).toBe(false); // older: ignored
    expect(clock.errorMs()).toBe(1);
    published = { atMs: 1_010, offsetMs: 0, errorMs: Number.NaN };
    expect(() => clock.now()).toThrow(/syncSource.latestSync\(\): errorMs/);
  });

  it('validates options with messages naming the API', () => {
    const now = () => 0;
    expect(() => new IntervalClock({ now, errorMs: -1 })).toThrow(/IntervalClock: errorMs/);
    expect(() => new IntervalClock({ now, errorMs: 1, driftPpm: -1 })).toThrow(/IntervalClock: driftPpm/);
    expect(() => new IntervalClock({ now, errorMs: 1, driftPpm: 100_001 })).toThrow(/driftPpm must be in \[0, 100000\]/);
    expect(() => new IntervalClock({ now, errorMs: 1, offsetMs: Number.NaN })).toThrow(/offsetMs/);
    expect(() => new IntervalClock({ now: () => Number.NaN, errorMs: 1 })).toThrow(/now\(\) must return a finite/);
    expect(() => new IntervalClock({ now, errorMs: 1 }).commitWaitMs(Infinity)).toThrow(/commitWaitMs/);
  });
});
