import { performance } from 'node:perf_hooks';
import type { Clocks } from '../env/index.js';

/**
 * Real clocks for a node process.
 *
 * - `monoNowMs()`: `performance.now()` — CLOCK_MONOTONIC, ms since the
 *   process started, fractional. Never decreases and is never affected by
 *   the wall offset below. Caveat: on Linux it does not advance while the
 *   machine is suspended (a paused VM); a lease holder then under-counts
 *   elapsed time, exactly the hazard lease safety margins must cover.
 * - `wallNowMs()`: `Date.now()` plus an offset that is 0 unless an operator
 *   sets it.
 */
export class NodeClocks implements Clocks {
  #wallOffsetMs = 0;

  wallNowMs(): number {
    return Date.now() + this.#wallOffsetMs;
  }

  monoNowMs(): number {
    return performance.now();
  }

  /**
   * ⚠ FOR CLOCK-SKEW TESTS ONLY (chaos runs, the admin API). Shifts this
   * node's wall clock by `offsetMs` (positive = ahead), to show what skew
   * does to code that trusts wall time — never set it in production. The
   * monotonic clock, timers and therefore timeouts and leases are NOT
   * affected: skew of the wall clock alone must never break safety.
   */
  setWallOffsetMs(offsetMs: number): void {
    if (!Number.isFinite(offsetMs)) throw new RangeError(`NodeClocks.setWallOffsetMs: offsetMs must be finite, got ${offsetMs}`);
    this.#wallOffsetMs = offsetMs;
  }

  /** The current wall offset in ms (0 unless a skew test set it). */
  get wallOffsetMs(): number {
    return this.#wallOffsetMs;
  }
}
