/**
 * A retry budget (Finagle's `RetryBudget`): retries
 * may add at most `percentCanRetry` extra load over a sliding window, plus a
 * small floor of `minRetriesPerSecond` so a quiet client can still retry.
 *
 * Why: per-request retry limits multiply load during an outage (3 attempts at
 * every layer of a 3-deep stack is 27×). A budget caps the *aggregate* retry
 * rate, so when most calls fail the retries dry up instead of piling on.
 *
 * Token accounting over the last `windowMs` (kept in `slices` buckets):
 *   balance = reserve + percentCanRetry · deposits − withdrawals
 *   reserve = minRetriesPerSecond · windowMs / 1000
 * Each request deposits (`deposit`: `RetryPolicy` does it once per call,
 * as Finagle's clients do per request), each retry withdraws one token
 * (`tryWithdraw`), refused when balance < 1. So retries add at most
 * `percentCanRetry` of the calls made, plus the floor: during an outage the
 * load is ≤ (1 + percentCanRetry) × the calls (+ the floor), not
 * maxAttempts × the calls. Deposits and withdrawals both leave the window
 * after `windowMs`, so the floor refills at its rate.
 * Counters are integers in thousandths of a token: no float drift.
 *
 * Time is passed in (`nowMs`, monotonic), so a simulation drives it directly.
 */
import { SlidingWindowCounter } from './sliding-window.js';
import { integerAtLeast, nonNegative, positive } from './validate.js';

export interface RetryBudgetOptions {
  /** Sliding window over which deposits and withdrawals count, ms. @defaultValue 10_000 (Finagle) */
  readonly windowMs?: number;
  /** Retries allowed per deposit (0.2 = 20 % extra load). @defaultValue 0.2 (Finagle) */
  readonly percentCanRetry?: number;
  /** Retries always allowed per second regardless of deposits. @defaultValue 10 (Finagle) */
  readonly minRetriesPerSecond?: number;
  /** Buckets the window is kept in (resolution windowMs/slices). @defaultValue 10 */
  readonly slices?: number;
}

const API = 'RetryBudget';
/** Thousandths of a token: one retry costs SCALE units. */
const SCALE = 1000;

export class RetryBudget {
  readonly windowMs: number;
  readonly percentCanRetry: number;
  readonly minRetriesPerSecond: number;
  readonly #depositUnits: number;
  readonly #reserveUnits: number;
  readonly #window: SlidingWindowCounter;

  constructor(options: RetryBudgetOptions = {}) {
    this.windowMs = positive(API, 'windowMs', options.windowMs ?? 10_000);
    this.percentCanRetry = nonNegative(API, 'percentCanRetry', options.percentCanRetry ?? 0.2);
    this.minRetriesPerSecond = nonNegative(API, 'minRetriesPerSecond', options.minRetriesPerSecond ?? 10);
    const slices = integerAtLeast(API, 'slices', options.slices ?? 10, 1);
    this.#window = new SlidingWindowCounter(API, this.windowMs, slices, 1);
    this.#depositUnits = Math.round(this.percentCanRetry * SCALE);
    this.#reserveUnits = Math.round((this.minRetriesPerSecond * this.windowMs) / 1000) * SCALE;
  }

  /** Record a request (it earns `percentCanRetry` of a retry). */
  deposit(nowMs: number): void {
    this.#window.add(nowMs, 0, this.#depositUnits);
  }

  /** Spend one retry if the budget allows it; false means: do not retry. */
  tryWithdraw(nowMs: number): boolean {
    if (this.#reserveUnits + this.#window.total(nowMs, 0) < SCALE) return false;
    this.#window.add(nowMs, 0, -SCALE);
    return true;
  }

  /** Whole retries the budget would allow right now. */
  balance(nowMs: number): number {
    return Math.max(0, Math.floor((this.#reserveUnits + this.#window.total(nowMs, 0)) / SCALE));
  }
}
