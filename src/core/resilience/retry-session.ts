/**
 * One call's retry decisions without the waiting: the sans-I/O core of
 * `RetryPolicy.execute`. The caller runs each attempt however it likes
 * (a promise, a message and a simulator timer) and reports the outcome:
 *
 *   const session = policy.begin(env.monoNowMs());
 *   // attempt fails:
 *   const d = session.failed(error, env.monoNowMs());
 *   if (d.retry) env.setTimer(d.delayMs, sendAgain); else report(d.error);
 *   // attempt succeeds:
 *   session.succeeded();
 *
 * Every rule of the policy applies here and only here — retryable predicate,
 * maxAttempts, backoff with jitter (the policy's Rng), the overall deadline
 * (a wait that would end at or past it is not started), the retry budget —
 * and the policy's onRetry / onGiveUp events fire from here, so the async
 * wrapper and a simulation make the same decisions for the same inputs.
 */
import type { Rng } from '../random/rng.js';
import type { Backoff } from './backoff.js';
import type { EventEmitter } from './event.js';
import type { RetryBudget } from './retry-budget.js';

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

export type RetryDecision =
  | {
      readonly retry: true;
      /** The attempt to run after the wait (≥ 1). */
      readonly attempt: number;
      readonly delayMs: number;
    }
  | {
      readonly retry: false;
      readonly reason: GiveUpReason;
      /** Attempts made. */
      readonly attempts: number;
      /** The error the call ends with (the last attempt's, unchanged). */
      readonly error: unknown;
    };

/** The giving-up half of a decision. */
export type RetryGiveUp = Extract<RetryDecision, { readonly retry: false }>;

/** What a session needs from its policy: the settings and the policy's emitters. */
export interface RetryRules {
  readonly maxAttempts: number;
  readonly backoff: Backoff;
  readonly rng: Rng;
  readonly isRetryable: ((error: unknown, attempt: number) => boolean) | undefined;
  readonly budget: RetryBudget | undefined;
  readonly retryEmitter: EventEmitter<RetryEventData>;
  readonly giveUpEmitter: EventEmitter<GiveUpEventData>;
}

export class RetrySession {
  /** No attempt may start at or after this time (Infinity: no deadline), ms on the caller's clock. */
  readonly expiresAtMs: number;
  readonly #rules: RetryRules;
  /** The attempt running or about to run, 0-based. Invariant: attempt < maxAttempts. */
  #attempt = 0;
  #previousDelayMs: number | undefined;
  #done = false;

  /**
   * Use `RetryPolicy.begin(nowMs)`. The call is a request: it deposits into
   * the budget now, as Finagle's clients do for every request, so retries
   * stay within `percentCanRetry` of the calls made (plus the floor).
   */
  constructor(rules: RetryRules, nowMs: number, expiresAtMs: number) {
    if (Number.isNaN(expiresAtMs)) throw new RangeError('RetrySession: expiresAtMs must be a number, got NaN');
    this.#rules = rules;
    this.expiresAtMs = expiresAtMs;
    rules.budget?.deposit(nowMs);
  }

  /** The attempt running or about to run: 0 for the first try, 1 for the first retry, … */
  get attempt(): number {
    return this.#attempt;
  }

  /** True once the call succeeded or gave up. */
  get done(): boolean {
    return this.#done;
  }

  /** Ms left before the deadline (Infinity without one): bound each attempt's own timeout by it. */
  remainingMs(nowMs: number): number {
    return Math.max(0, this.expiresAtMs - nowMs);
  }

  /** The current attempt succeeded: the session is over (the call already paid its deposit). */
  succeeded(): void {
    this.#assertRunning('succeeded');
    this.#done = true;
  }

  /** The current attempt failed with `error` at `nowMs`: wait `delayMs` and run `attempt`, or give up. */
  failed(error: unknown, nowMs: number): RetryDecision {
    this.#assertRunning('failed');
    const rules = this.#rules;
    const attempt = this.#attempt;
    const attempts = attempt + 1;
    if (rules.isRetryable && !rules.isRetryable(error, attempt)) return this.#giveUp('not-retryable', attempts, error);
    if (attempts >= rules.maxAttempts) return this.#giveUp('attempts', attempts, error);
    const delayMs = rules.backoff.next(attempt, rules.rng, this.#previousDelayMs);
    this.#previousDelayMs = delayMs;
    // Waiting past the deadline only to be cut off: give up now, with the real error.
    if (nowMs + delayMs >= this.expiresAtMs) return this.#giveUp('deadline', attempts, error);
    if (rules.budget && !rules.budget.tryWithdraw(nowMs)) return this.#giveUp('budget', attempts, error);
    this.#attempt = attempts;
    if (rules.retryEmitter.size > 0) rules.retryEmitter.fire({ attempt: attempts, delayMs, error });
    return { retry: true, attempt: attempts, delayMs };
  }

  /**
   * End the call from outside the rules: the caller aborted, or the deadline
   * cut an attempt off. `attemptRan`: whether the current attempt was started.
   */
  stop(reason: 'aborted' | 'deadline', error: unknown, attemptRan: boolean): RetryGiveUp {
    this.#assertRunning('stop');
    return this.#giveUp(reason, this.#attempt + (attemptRan ? 1 : 0), error);
  }

  #giveUp(reason: GiveUpReason, attempts: number, error: unknown): RetryGiveUp {
    this.#done = true;
    const emitter = this.#rules.giveUpEmitter;
    if (emitter.size > 0) emitter.fire({ reason, attempts, error });
    return { retry: false, reason, attempts, error };
  }

  #assertRunning(method: string): void {
    if (this.#done) throw new Error(`RetrySession.${method}: the call already ended (succeeded or gave up); begin a new session per call`);
  }
}
