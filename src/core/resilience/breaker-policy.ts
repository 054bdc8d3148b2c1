/**
 * When a closed circuit should open. A policy sees the outcomes of calls made
 * while closed (`success` / `failure`) and answers `failure(...) === true`
 * when the circuit must open; the breaker calls `reset` each time it closes.
 * Two-method strategies, as cockatiel's `ConsecutiveBreaker` / `SamplingBreaker`.
 */
import { SlidingWindowCounter } from './sliding-window.js';
import { inRange, integerAtLeast, invalid, positive } from './validate.js';

export interface BreakerPolicy {
  /** Names the rule in `onBreak` events. */
  readonly kind: string;
  /**
   * False when the rule ignores `nowMs` (counts only), so `execute` can skip
   * reading the clock on a closed circuit's success path. @defaultValue true
   */
  readonly usesTime?: boolean;
  success(nowMs: number): void;
  /** Record a failure; true when the circuit should open now. */
  failure(nowMs: number): boolean;
  /** Forget everything (the circuit just closed). */
  reset(nowMs: number): void;
}

/** Opens after `threshold` failures in a row; any success resets the count. */
export class ConsecutiveFailurePolicy implements BreakerPolicy {
  readonly kind = 'consecutive-failures';
  readonly usesTime = false;
  readonly threshold: number;
  #failures = 0;

  constructor(threshold = 5) {
    this.threshold = integerAtLeast('ConsecutiveFailurePolicy', 'threshold', threshold, 1);
  }

  /** Failures since the last success. */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  success(): void {
    this.#failures = 0;
  }

  failure(): boolean {
    this.#failures++;
    return this.#failures >= this.threshold;
  }

  reset(): void {
    this.#failures = 0;
  }
}

export interface FailureRatePolicyOptions {
  /** Open when failures / calls ≥ this, in (0, 1]. @defaultValue 0.5 (Hystrix) */
  readonly threshold?: number;
  /** Sliding window the rate is measured over, ms. @defaultValue 10_000 (Hystrix) */
  readonly windowMs?: number;
  /** Calls in the window below which the rate is not trusted (never opens). @defaultValue 20 (Hystrix) */
  readonly minThroughput?: number;
  /** Slices the window is kept in. @defaultValue 10 */
  readonly buckets?: number;
}

const SUCCESS = 0;
const FAILURE = 1;

/**
 * Opens when, over the last `windowMs`, at least `minThroughput` calls were
 * made and the failed fraction is ≥ `threshold` (Hystrix's rule). Checked on
 * each failure, so a burst of failures opens without waiting for a tick.
 */
export class FailureRatePolicy implements BreakerPolicy {
  readonly kind = 'failure-rate';
  readonly threshold: number;
  readonly minThroughput: number;
  readonly #window: SlidingWindowCounter;

  constructor(options: FailureRatePolicyOptions = {}) {
    const api = 'FailureRatePolicy';
    this.threshold = inRange(api, 'threshold', options.threshold ?? 0.5, 0, 1);
    if (this.threshold === 0) throw invalid(api, 'threshold must be > 0 (0 would open on any failure: use ConsecutiveFailurePolicy(1))');
    this.minThroughput = integerAtLeast(api, 'minThroughput', options.minThroughput ?? 20, 1);
    this.#window = new SlidingWindowCounter(api, positive(api, 'windowMs', options.windowMs ?? 10_000), options.buckets ?? 10, 2);
  }

  /** Successes and failures currently in the window. */
  counts(nowMs: number): { successes: number; failures: number } {
    return { successes: this.#window.total(nowMs, SUCCESS), failures: this.#window.total(nowMs, FAILURE) };
  }

  success(nowMs: number): void {
    this.#window.add(nowMs, SUCCESS, 1);
  }

  failure(nowMs: number): boolean {
    this.#window.add(nowMs, FAILURE, 1);
    const failures = this.#window.total(nowMs, FAILURE);
    const calls = failures + this.#window.total(nowMs, SUCCESS);
    return calls >= this.minThroughput && failures >= this.threshold * calls;
  }

  reset(): void {
    this.#window.clear();
  }
}
