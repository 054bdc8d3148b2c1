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
 */
import type { Rng } from '../random/rng.js';
import { exponentialBackoff } from './backoff.js';
import type { Backoff } from './backoff.js';
import { Deadline } from './deadline.js';
import { EventEmitter } from './event.js';
import type { Event } from './event.js';
import type { RetryBudget } from './retry-budget.js';
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

export type GiveUpReason = 'not-retryable' | 'attempts' | 'deadline' | 'budget' | 'aborted';

export interface RetryEventData {
  /** The attempt about to run (≥ 1). */
  readonly attempt: number;
  /** The wait before it, ms. */
  readonly delayMs: number;
  /** The error that triggered the retry. */
  readonly error: unknown;
}

export interface GiveUpEventData {
  readonly reason: GiveUpReason;
  /** Attempts made (the one that failed included). */
  readonly attempts: number;
  /** What the call rejects with. */
  readonly error: unknown;
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
  /** Shared budget: successes deposit, retries withdraw; no token, no retry. @defaultValue none */
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
  readonly #rng: Rng;
  readonly #isRetryable: ((error: unknown, attempt: number) => boolean) | undefined;
  readonly #budget: RetryBudget | undefined;
  readonly #retryEmitter = new EventEmitter<RetryEventData>();
  readonly #giveUpEmitter = new EventEmitter<GiveUpEventData>();

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
    this.#rng = options.rng;
    this.maxAttempts = integerAtLeast(API, 'maxAttempts', options.maxAttempts ?? 3, 1, true);
    if (this.maxAttempts === Infinity && options.deadlineMs === undefined) {
      throw invalid(API, 'maxAttempts: Infinity needs deadlineMs (every retry loop must be bounded)');
    }
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.deadlineMs = options.deadlineMs === undefined ? undefined : nonNegative(API, 'deadlineMs', options.deadlineMs);
    if (options.isRetryable !== undefined && typeof options.isRetryable !== 'function') throw invalid(API, 'isRetryable must be a function');
    this.#isRetryable = options.isRetryable;
    this.#budget = options.budget;
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
    let previousDelayMs: number | undefined;
    for (let attempt = 0; ; attempt++) {
      // A spent deadline (or an abort that raced the wait's end) must not start another attempt.
      if (signal.aborted) throw this.#giveUp(userSignal?.aborted ? 'aborted' : 'deadline', attempt, signal.reason);
      let lastError: unknown;
      try {
        const work = fn({ attempt, signal, deadline: scope });
        const value = aborted ? await Promise.race([work, aborted]) : await work;
        this.#budget?.deposit(timekeeper.now());
        return value;
      } catch (error) {
        lastError = error;
      }
      if (signal.aborted) throw this.#giveUp(userSignal?.aborted ? 'aborted' : 'deadline', attempt + 1, signal.reason);
      if (this.#isRetryable && !this.#isRetryable(lastError, attempt)) throw this.#giveUp('not-retryable', attempt + 1, lastError);
      if (attempt + 1 >= this.maxAttempts) throw this.#giveUp('attempts', attempt + 1, lastError);
      const delayMs = this.backoff.next(attempt, this.#rng, previousDelayMs);
      previousDelayMs = delayMs;
      const nowMs = timekeeper.now();
      // Waiting past the deadline only to be cut off: give up now with the real error.
      if (scope && nowMs + delayMs >= scope.expiresAtMs) throw this.#giveUp('deadline', attempt + 1, lastError);
      if (this.#budget && !this.#budget.tryWithdraw(nowMs)) throw this.#giveUp('budget', attempt + 1, lastError);
      if (this.#retryEmitter.size > 0) this.#retryEmitter.fire({ attempt: attempt + 1, delayMs, error: lastError });
      try {
        await timekeeper.sleep(delayMs, aborted ? signal : undefined);
      } catch {
        throw this.#giveUp(userSignal?.aborted ? 'aborted' : 'deadline', attempt + 1, signal.reason);
      }
    }
  }

  #giveUp(reason: GiveUpReason, attempts: number, error: unknown): unknown {
    if (this.#giveUpEmitter.size > 0) this.#giveUpEmitter.fire({ reason, attempts, error });
    return error;
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
