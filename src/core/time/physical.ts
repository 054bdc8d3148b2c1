/**
 * The two physical clocks and small adapters. Their method names match the
 * `Env` (`src/env`), so an Env is both a WallClock and a MonotonicClock.
 *
 * - MonotonicClock: for durations, timeouts, lease expiry. Never decreases.
 * - WallClock: ms since the Unix epoch, for display and (with an uncertainty
 *   bound, see IntervalClock) for comparisons across machines. NTP may step
 *   it, forwards or backwards; never measure a duration with it.
 */

export interface MonotonicClock {
  /** Ms from an arbitrary origin; never decreases. */
  monoNowMs(): number;
}

export interface WallClock {
  /** Ms since the Unix epoch; may jump in either direction. */
  wallNowMs(): number;
}

/** A WallClock reading `now` (e.g. `Date.now` in a real-world folder). */
export function wallClock(now: () => number): WallClock {
  if (typeof now !== 'function') throw new TypeError('wallClock: now must be a function returning ms');
  return { wallNowMs: now };
}

/**
 * A MonotonicClock over `now` that never goes backwards: a reading below the
 * previous one returns the previous one (the high-water mark) and is counted
 * in `backwardStepsClamped`. A safety net for a source you do not fully trust,
 * not a substitute for a real monotonic source: during a backward step this
 * clock stands still, so timeouts fire late, never early.
 */
export class ClampedMonotonicClock implements MonotonicClock {
  private readonly read: () => number;
  private highWaterMs = -Infinity;
  private clamped = 0;

  constructor(now: () => number) {
    if (typeof now !== 'function') throw new TypeError('ClampedMonotonicClock: now must be a function returning ms');
    this.read = now;
  }

  monoNowMs(): number {
    const ms = this.read();
    if (Number.isNaN(ms)) throw new RangeError('ClampedMonotonicClock: now() returned NaN');
    if (ms < this.highWaterMs) {
      this.clamped++;
      return this.highWaterMs;
    }
    this.highWaterMs = ms;
    return ms;
  }

  /** How many readings went backwards and were clamped. */
  get backwardStepsClamped(): number {
    return this.clamped;
  }
}

/**
 * A clock you move by hand, for tests and simulations: pass `clock.now` as
 * the `now` option of any Faultline clock or generator.
 */
export class ManualClock {
  private ms: number;

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`ManualClock: startMs must be finite, got ${startMs}`);
    this.ms = startMs;
  }

  /** The current reading; a bound function, safe to pass around. */
  readonly now = (): number => this.ms;

  /** Move forwards by `deltaMs` (≥ 0). */
  advance(deltaMs: number): void {
    if (!(deltaMs >= 0 && deltaMs < Infinity)) throw new RangeError(`ManualClock.advance: deltaMs must be finite and ≥ 0, got ${deltaMs}`);
    this.ms += deltaMs;
  }

  /** Set the reading: a clock step, possibly backwards (what NTP does to a wall clock). */
  set(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`ManualClock.set: ms must be finite, got ${ms}`);
    this.ms = ms;
  }
}
