/**
 * `retry(fn, options)` and the reusable `RetryPolicy`: exponential backoff
 * with jitter, a cap on attempts, an overall deadline, cancellation, a
 * predicate for retryable errors, and a shared retry budget. All waiting goes
 * through the injected Timekeeper and all jitter through the injected Rng, so
 * the same code runs under the simulator's virtual time.
 *
 * Giving up rethrows the last error from `fn` unchanged (so callers keep
 * catching their own error types), except when the overall deadline expires
 * during an attempt (a TimeoutError) or the caller aborts (the abort reason).
 * `onGiveUp` says why.
 *
 * The decisions live in `RetrySession` (`policy.begin(nowMs)`), which is
 * synchronous; `execute` only adds the waiting, the deadline's signal and
 * cancellation. Code inside the simulator drives a session with Env timers
 * instead of promises (see docs/RESILIENCE.md).
 */
import type { Rng } from '../random/rng.js';
import { exponentialBackoff } from './backoff.js';
import type { Backoff } from './backoff.js';
import { Deadline } from './deadline.js';
import { EventEmitter } from './event.js';
import type { Event } from './event.js';
import type { RetryBudget } from './retry-budget.js';
import { RetrySession } from './retry-session.js';
import type { GiveUpEventData, RetryEventData, RetryRules } from './retry-session.js';
export type { GiveUpEventData, GiveUpReason, RetryDecision, RetryEventData, RetryGiveUp } from './retry-session.js';
import type { Timekeeper } from './timekeeper.js';
import { integerAtLeast, invalid, nonNegative } from './validate.js';

export interface RetryContext {
  /** 0 for the first try, 1 for the first retry, … */
  readonly attempt: number;
  /** Aborts when the caller's signal aborts or the overall deadline expires. Pass it on. */
  readonly signal: AbortSignal;
  /** The overall deadline, if any: pass `deadline.remainingMs()` down so inner calls stop in time. */
  readonly deadline: Deadline | undefined;
}

export interface RetryPolicyOptions {
  /** Monotonic clock + sleeper (required: `systemTimekeeper` in a real process, `envTimekeeper(env)` in a simulation). */
  readonly timekeeper: Timekeeper;
  /** Jitter source (required: `systemRng` in a real process, `env.rng` in a simulation). */
  readonly rng: Rng;
  /** Total tries including the first (Infinity only together with `deadlineMs`). @defaultValue 3 */
  readonly maxAttempts?: number;
  /** @defaultValue exponentialBackoff({ baseMs: 100, capMs: 10_000, jitter: 'full' }) */
  readonly backoff?: Backoff;
  /** Overall budget per call across all attempts and waits, ms. @defaultValue none */
  readonly deadlineMs?: number;
  /** Whether `error` (thrown by attempt `attempt`, 0-based) may be retried. @defaultValue every error */
  readonly isRetryable?: (error: unknown, attempt: number) => boolean;
  /** Shared budget: every call deposits, every retry withdraws; no token, no retry. @defaultValue none */
  readonly budget?: RetryBudget;
}

export interface RetryCallOptions {
  /** Cancel: the call rejects with the signal's reason (during an attempt or a wait). */
  readonly signal?: AbortSignal;
  /** An enclosing deadline (combined with `deadlineMs`: the earlier wins). */
  readonly deadline?: Deadline;
}

const API = 'RetryPolicy';
const NEVER = new AbortController().signal;
const DEFAULT_BACKOFF = exponentialBackoff();

function swallow(): void {}

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly deadlineMs: number | undefined;
  readonly #timekeeper: Timekeeper;
  readonly #retryEmitter = new EventEmitter<RetryEventData>();
  readonly #giveUpEmitter = new EventEmitter<GiveUpEventData>();
  readonly #rules: RetryRules;

  /** Fires before each wait-then-retry. */
  readonly onRetry: Event<RetryEventData> = this.#retryEmitter.event;
  /** Fires when a call stops retrying and rejects. */
  readonly onGiveUp: Event<GiveUpEventData> = this.#giveUpEmitter.event;

  constructor(options: RetryPolicyOptions) {
    if (!options || typeof options.timekeeper?.now !== 'function' || typeof options.timekeeper.sleep !== 'function') {
      throw invalid(API, 'options.timekeeper (now + sleep) is required: systemTimekeeper from src/node/clock.ts, or envTimekeeper(env)');
    }
    if (typeof options.rng?.next !== 'function') throw invalid(API, 'options.rng is required: systemRng from src/node/clock.ts, or env.rng');
    this.#timekeeper = options.timekeeper;
    this.maxAttempts = integerAtLeast(API, 'maxAttempts', options.maxAttempts ?? 3, 1, true);
    if (this.maxAttempts === Infinity && options.deadlineMs === undefined) {
      throw invalid(API, 'maxAttempts: Infinity needs deadlineMs (every retry loop must be bounded)');
    }
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.deadlineMs = options.deadlineMs === undefined ? undefined : nonNegative(API, 'deadlineMs', options.deadlineMs);
    if (options.isRetryable !== undefined && typeof options.isRetryable !== 'function') throw invalid(API, 'isRetryable must be a function');
    this.#rules = {
      maxAttempts: this.maxAttempts,
      backoff: this.backoff,
      rng: options.rng,
      isRetryable: options.isRetryable,
      budget: options.budget,
      retryEmitter: this.#retryEmitter,
      giveUpEmitter: this.#giveUpEmitter,
    };
  }

  /**
   * Start one call's retry bookkeeping at `nowMs` (the sans-I/O core of
   * `execute`): no attempt may start at or after `expiresAtMs` nor after
   * `deadlineMs` from now, whichever is earlier.
   */
  begin(nowMs: number, expiresAtMs: number = Infinity): RetrySession {
    if (!Number.isFinite(nowMs)) throw invalid(`${API}.begin`, `nowMs must be a finite time in ms, got ${nowMs}`);
    return new RetrySession(this.#rules, nowMs, Math.min(expiresAtMs, nowMs + (this.deadlineMs ?? Infinity)));
  }

  /** Run `fn`, retrying per the policy. `call` may be an AbortSignal or { signal, deadline }. */
  execute<T>(fn: (context: RetryContext) => Promise<T>, call?: RetryCallOptions | AbortSignal): Promise<T> {
    const options: RetryCallOptions | undefined = call instanceof AbortSignal ? { signal: call } : call;
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let scope: Deadline | undefined;
    // Own a child of the caller's deadline, so disposing our timer never touches theirs.
    if (options?.deadline) scope = options.deadline.child(this.deadlineMs ?? Infinity);
    else if (this.deadlineMs !== undefined) scope = Deadline.after(this.deadlineMs, this.#timekeeper);
    if (!scope && !signal) return this.#run(fn, NEVER, undefined, undefined, undefined);
    return this.#runGuarded(fn, signal, scope);
  }

  /** Links the caller's signal and the deadline into one controller; releases both when done. */
  async #runGuarded<T>(fn: (context: RetryContext) => Promise<T>, signal: AbortSignal | undefined, scope: Deadline | undefined): Promise<T> {
    const controller = new AbortController();
    const forward = (source: AbortSignal) => () => controller.abort(source.reason);
    const scopeSignal = scope?.signal;
    const onUser = signal ? forward(signal) : undefined;
    const onScope = scopeSignal ? forward(scopeSignal) : undefined;
    if (scopeSignal?.aborted) controller.abort(scopeSignal.reason);
    else {
      if (signal && onUser) signal.addEventListener('abort', onUser, { once: true });
      if (scopeSignal && onScope) scopeSignal.addEventListener('abort', onScope, { once: true });
    }
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      else controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    aborted.catch(swallow);
    try {
      return await this.#run(fn, controller.signal, aborted, scope, signal);
    } finally {
      if (signal && onUser) signal.removeEventListener('abort', onUser);
      if (scopeSignal && onScope) scopeSignal.removeEventListener('abort', onScope);
      scope?.dispose();
    }
  }

  async #run<T>(
    fn: (context: RetryContext) => Promise<T>,
    signal: AbortSignal,
    aborted: Promise<never> | undefined,
    scope: Deadline | undefined,
    userSignal: AbortSignal | undefined,
  ): Promise<T> {
    const timekeeper = this.#timekeeper;
    // The scope already combines deadlineMs with the caller's deadline.
    // The clock is read only where a decision needs it (a deposit, a failure): on the success path
    // without a budget, execute() reads no clock at all.
    const session = new RetrySession(this.#rules, this.#rules.budget ? timekeeper.now() : 0, scope ? scope.expiresAtMs : Infinity);
    const stopReason = (): 'aborted' | 'deadline' => (userSignal?.aborted ? 'aborted' : 'deadline');
    for (;;) {
      // A spent deadline (or an abort that raced the wait's end) must not start another attempt.
      if (signal.aborted) throw session.stop(stopReason(), signal.reason, false).error;
      let lastError: unknown;
      try {
        const work = fn({ attempt: session.attempt, signal, deadline: scope });
        const value = aborted ? await Promise.race([work, aborted]) : await work;
        session.succeeded();
        return value;
      } catch (error) {
        lastError = error;
      }
      if (signal.aborted) throw session.stop(stopReason(), signal.reason, true).error;
      const decision = session.failed(lastError, timekeeper.now());
      if (!decision.retry) throw decision.error;
      try {
        await timekeeper.sleep(decision.delayMs, aborted ? signal : undefined);
      } catch {
        throw session.stop(stopReason(), signal.reason, false).error;
      }
    }
  }
}

export interface RetryOptions extends RetryPolicyOptions, RetryCallOptions {
  /** Called before each wait-then-retry. */
  readonly onRetry?: (data: RetryEventData) => void;
  /** Called once when the call gives up. */
  readonly onGiveUp?: (data: GiveUpEventData) => void;
}

/**
 * One-shot retry: `retry(fn, { timekeeper, rng, maxAttempts, backoff, … })`.
 * For many calls with the same settings, build a `RetryPolicy` once.
 */
export function retry<T>(fn: (context: RetryContext) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = new RetryPolicy(options);
  if (options.onRetry) policy.onRetry(options.onRetry);
  if (options.onGiveUp) policy.onGiveUp(options.onGiveUp);
  return policy.execute(fn, options);
}
