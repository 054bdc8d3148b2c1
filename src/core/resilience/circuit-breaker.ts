/**
 * A circuit breaker: closed → open → half-open → closed (or open again).
 *
 * - closed: calls pass; the policy watches outcomes and opens the circuit.
 * - open: every call fails fast with BrokenCircuitError until `halfOpenAtMs`.
 * - half-open: exactly `halfOpenMaxCalls` trial calls are let through. One
 *   trial failure re-opens (for longer, with `openBackoff`); when all
 *   `halfOpenMaxCalls` trials have succeeded the circuit closes.
 *
 * The core is synchronous and takes time as an argument (`tryAcquire(now)`,
 * `onSuccess(now)`, `onFailure(now)`), so it runs inside a simulation;
 * `execute(fn)` is the async convenience wrapper.
 *
 * Permits: `tryAcquire` returns 0 (refused) or a positive permit naming the
 * state the call was admitted in. Passing it back to `onSuccess`/`onFailure`
 * makes the breaker ignore outcomes of calls admitted before the last
 * transition (a slow call from the closed era must not close a half-open
 * circuit). Without a permit, an outcome counts against the current state.
 */
import type { Rng } from '../random/rng.js';
import type { Backoff } from './backoff.js';
import { ConsecutiveFailurePolicy } from './breaker-policy.js';
import type { BreakerPolicy } from './breaker-policy.js';
import { BrokenCircuitError } from './errors.js';
import { EventEmitter } from './event.js';
import type { Event } from './event.js';
import type { TimeSource } from './timekeeper.js';
import { finiteTime, integerAtLeast, invalid, positive } from './validate.js';

export type CircuitState =
  | { readonly kind: 'closed' }
  | {
      readonly kind: 'open';
      readonly openedAtMs: number;
      /** The first tryAcquire at or after this time moves to half-open. */
      readonly halfOpenAtMs: number;
      /** Consecutive openings without a close (1 for the first). */
      readonly openings: number;
    }
  | {
      readonly kind: 'half-open';
      readonly sinceMs: number;
      /** Trial calls let through so far (≤ halfOpenMaxCalls). */
      readonly trialsAdmitted: number;
      readonly trialsSucceeded: number;
      readonly openings: number;
    };

export type CircuitStateKind = CircuitState['kind'];

/** 0 = refused; otherwise the state generation the call was admitted in. */
export type Permit = number;

export interface StateChangeEvent {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly atMs: number;
}

export interface BreakEvent {
  /** The policy's `kind` when opened from closed; 'half-open-trial-failed' when a trial failed. */
  readonly reason: string;
  readonly atMs: number;
  readonly openDurationMs: number;
  readonly openings: number;
}

export interface CircuitBreakerOptions {
  /** When a closed circuit opens. @defaultValue new ConsecutiveFailurePolicy(5) */
  readonly policy?: BreakerPolicy;
  /** How long the circuit stays open before a trial, ms. @defaultValue 10_000 */
  readonly openDurationMs?: number;
  /**
   * Lengthen repeated openings: the n-th consecutive opening (n from 0) lasts
   * `openBackoff.next(n, rng, previous)`. Overrides `openDurationMs`.
   */
  readonly openBackoff?: Backoff;
  /** Jitter source for `openBackoff` (required unless its jitter is 'none'). */
  readonly rng?: Rng;
  /** Trial calls let through while half-open; all must succeed to close. @defaultValue 1 */
  readonly halfOpenMaxCalls?: number;
  /** `execute` only: which errors count as failures (others count as success: the dependency answered). @defaultValue every error */
  readonly isFailure?: (error: unknown) => boolean;
  /** `execute` only: the monotonic clock. */
  readonly clock?: TimeSource;
}

const API = 'CircuitBreaker';
const NEVER = new AbortController().signal;

interface HalfOpen {
  readonly kind: 'half-open';
  readonly sinceMs: number;
  trialsAdmitted: number;
  trialsSucceeded: number;
  readonly openings: number;
}

type InternalState = Exclude<CircuitState, { kind: 'half-open' }> | HalfOpen;

export class CircuitBreaker {
  readonly openDurationMs: number;
  readonly halfOpenMaxCalls: number;
  readonly #policy: BreakerPolicy;
  readonly #openBackoff: Backoff | undefined;
  readonly #rng: Rng | undefined;
  readonly #isFailure: ((error: unknown) => boolean) | undefined;
  readonly #clock: TimeSource | undefined;
  #state: InternalState = { kind: 'closed' };
  /** Bumped on every transition; permits from older generations are stale. */
  #generation = 1;
  #lastOpenDurationMs: number | undefined;

  readonly #stateChange = new EventEmitter<StateChangeEvent>();
  readonly #break = new EventEmitter<BreakEvent>();
  readonly #halfOpen = new EventEmitter<{ readonly atMs: number }>();
  readonly #reset = new EventEmitter<{ readonly atMs: number }>();

  /** Every transition. */
  readonly onStateChange: Event<StateChangeEvent> = this.#stateChange.event;
  /** The circuit opened (from closed, or again from half-open). */
  readonly onBreak: Event<BreakEvent> = this.#break.event;
  /** The circuit moved to half-open. */
  readonly onHalfOpen: Event<{ readonly atMs: number }> = this.#halfOpen.event;
  /** The circuit closed after successful trials. */
  readonly onReset: Event<{ readonly atMs: number }> = this.#reset.event;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#policy = options.policy ?? new ConsecutiveFailurePolicy(5);
    if (typeof this.#policy.failure !== 'function') throw invalid(API, 'policy must implement success/failure/reset');
    this.openDurationMs = positive(API, 'openDurationMs', options.openDurationMs ?? 10_000);
    this.halfOpenMaxCalls = integerAtLeast(API, 'halfOpenMaxCalls', options.halfOpenMaxCalls ?? 1, 1);
    this.#openBackoff = options.openBackoff;
    this.#rng = options.rng;
    if (this.#openBackoff && this.#openBackoff.jitter !== 'none' && !this.#rng) {
      throw invalid(API, `openBackoff uses ${this.#openBackoff.jitter} jitter, so options.rng is required`);
    }
    this.#isFailure = options.isFailure;
    this.#clock = options.clock;
  }

  /** A snapshot of the current state (open stays open until a tryAcquire finds it due). */
  get state(): CircuitState {
    const s = this.#state;
    return s.kind === 'half-open' ? { ...s } : s;
  }

  /** Ms until a call could be admitted: 0 when closed or half-open with a free slot. */
  retryAfterMs(nowMs: number): number {
    const s = this.#state;
    if (s.kind === 'open') return Math.max(0, s.halfOpenAtMs - nowMs);
    return 0;
  }

  /** Admit a call? Returns a permit (> 0) or 0 to fail fast. */
  tryAcquire(nowMs: number): Permit {
    finiteTime(API, 'nowMs', nowMs);
    const s = this.#state;
    switch (s.kind) {
      case 'closed':
        return this.#generation;
      case 'open':
        if (nowMs < s.halfOpenAtMs) return 0;
        this.#toHalfOpen(nowMs, s.openings);
        return this.#admitTrial(this.#state as HalfOpen);
      case 'half-open':
        return this.#admitTrial(s);
    }
  }

  /** A call admitted with `permit` succeeded. */
  onSuccess(nowMs: number, permit?: Permit): void {
    if (this.#isStale(permit)) return;
    const s = this.#state;
    if (s.kind === 'closed') this.#policy.success(nowMs);
    else if (s.kind === 'half-open') {
      s.trialsSucceeded++;
      this.#assertTrialCounts(s);
      if (s.trialsSucceeded >= this.halfOpenMaxCalls) this.#toClosed(nowMs);
    }
    // open: a late success without a permit says nothing about recovery; the timer decides.
  }

  /** A call admitted with `permit` failed. */
  onFailure(nowMs: number, permit?: Permit): void {
    if (this.#isStale(permit)) return;
    const s = this.#state;
    if (s.kind === 'closed') {
      if (this.#policy.failure(nowMs)) this.#toOpen(nowMs, 1, this.#policy.kind);
    } else if (s.kind === 'half-open') {
      this.#toOpen(nowMs, s.openings + 1, 'half-open-trial-failed');
    }
  }

  /** A call ended without a verdict on the dependency (cancelled by the caller): frees its half-open slot. */
  onIgnored(_nowMs: number, permit?: Permit): void {
    if (this.#isStale(permit)) return;
    const s = this.#state;
    if (s.kind === 'half-open' && s.trialsAdmitted > s.trialsSucceeded) s.trialsAdmitted--;
  }

  /**
   * Run `fn` through the breaker: BrokenCircuitError without calling it when
   * refused; otherwise its outcome is recorded (errors per `isFailure`; a
   * call aborted through `signal` is ignored) and passed through.
   */
  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const clock = this.#clock;
    if (!clock) throw invalid(API, 'execute needs options.clock (systemTimekeeper, envTimekeeper(env) or any { now() })');
    // A closed circuit admits without looking at the clock, and a count-only policy records a
    // success without it: then the success path reads no clock at all (cockatiel's does not either).
    const timeless = this.#state.kind === 'closed' && this.#policy.usesTime === false;
    const startMs = timeless ? 0 : clock.now();
    const permit = this.tryAcquire(startMs);
    if (permit === 0) throw this.#refusal(startMs);
    let value: T;
    try {
      value = await fn(signal ?? NEVER);
    } catch (error) {
      const nowMs = clock.now();
      if (signal?.aborted) this.onIgnored(nowMs, permit);
      else if (this.#isFailure === undefined || this.#isFailure(error)) this.onFailure(nowMs, permit);
      else this.onSuccess(nowMs, permit);
      throw error;
    }
    // Timeless: the policy ignores the time, and if the state changed meanwhile the permit is stale and
    // onSuccess ignores the call. Otherwise read it (events carry it).
    this.onSuccess(timeless ? startMs : clock.now(), permit);
    return value;
  }

  #refusal(nowMs: number): BrokenCircuitError {
    const s = this.#state;
    return s.kind === 'open' ? new BrokenCircuitError('open', this.retryAfterMs(nowMs)) : new BrokenCircuitError('half-open', 0);
  }

  #isStale(permit: Permit | undefined): boolean {
    if (permit === undefined) return false;
    if (!(Number.isSafeInteger(permit) && permit > 0)) {
      throw invalid(API, `outcome reported with permit ${permit}: only calls tryAcquire admitted (permit > 0) have outcomes`);
    }
    return permit !== this.#generation;
  }

  #admitTrial(s: HalfOpen): Permit {
    if (s.trialsAdmitted >= this.halfOpenMaxCalls) return 0;
    s.trialsAdmitted++;
    return this.#generation;
  }

  #assertTrialCounts(s: HalfOpen): void {
    if (s.trialsSucceeded > s.trialsAdmitted) {
      throw new Error(`CircuitBreaker: invariant trialsSucceeded (${s.trialsSucceeded}) ≤ trialsAdmitted (${s.trialsAdmitted}) broken: more outcomes reported than calls admitted`);
    }
  }

  #openDuration(openings: number): number {
    if (!this.#openBackoff) return this.openDurationMs;
    const durationMs = this.#openBackoff.next(openings - 1, this.#rng as Rng, this.#lastOpenDurationMs);
    this.#lastOpenDurationMs = durationMs;
    return durationMs;
  }

  #transition(to: InternalState, atMs: number): void {
    const from = this.state;
    this.#state = to;
    this.#generation++;
    if (this.#stateChange.size > 0) this.#stateChange.fire({ from, to: this.state, atMs });
  }

  #toOpen(nowMs: number, openings: number, reason: string): void {
    const openDurationMs = this.#openDuration(openings);
    this.#transition({ kind: 'open', openedAtMs: nowMs, halfOpenAtMs: nowMs + openDurationMs, openings }, nowMs);
    this.#break.fire({ reason, atMs: nowMs, openDurationMs, openings });
  }

  #toHalfOpen(nowMs: number, openings: number): void {
    this.#transition({ kind: 'half-open', sinceMs: nowMs, trialsAdmitted: 0, trialsSucceeded: 0, openings }, nowMs);
    this.#halfOpen.fire({ atMs: nowMs });
  }

  #toClosed(nowMs: number): void {
    this.#policy.reset(nowMs);
    this.#lastOpenDurationMs = undefined;
    this.#transition({ kind: 'closed' }, nowMs);
    this.#reset.fire({ atMs: nowMs });
  }
}
