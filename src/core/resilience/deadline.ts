/**
 * Deadlines that travel through nested calls (gRPC's model): an absolute
 * expiry on the caller's monotonic clock; each layer asks for what is left
 * (`remainingMs`) and may only shorten it (`child`). Across the wire, send
 * `remainingMs()` — a duration — never `expiresAtMs`: the peer's monotonic
 * clock has a different origin.
 */
import { TimeoutError } from './errors.js';
import type { Timekeeper } from './timekeeper.js';
import { finiteTime, invalid } from './validate.js';

function swallow(): void {}

/**
 * The reason an expiry timer is released with. `abort()` without one makes
 * Node build a DOMException, stack trace included, on every call — about a
 * tenth of faultline/client's CPU per request — for a rejection nobody reads.
 */
const TIMER_RELEASED = new Error('expiry timer released');

export class Deadline {
  /** Expiry on the timekeeper's clock, ms (Infinity: never). */
  readonly expiresAtMs: number;
  /** The budget this deadline was created with, ms (for error messages). */
  readonly budgetMs: number;
  readonly #timekeeper: Timekeeper;
  #controller: AbortController | undefined;
  #timerAbort: AbortController | undefined;

  private constructor(expiresAtMs: number, budgetMs: number, timekeeper: Timekeeper) {
    this.expiresAtMs = expiresAtMs;
    this.budgetMs = budgetMs;
    this.#timekeeper = timekeeper;
  }

  /** A deadline `budgetMs` from now. */
  static after(budgetMs: number, timekeeper: Timekeeper): Deadline {
    if (!(budgetMs >= 0)) throw invalid('Deadline.after', `budgetMs must be ≥ 0, got ${budgetMs}`);
    const nowMs = timekeeper.now();
    return new Deadline(nowMs + budgetMs, budgetMs, timekeeper);
  }

  /** A deadline at an absolute time on the timekeeper's clock. */
  static at(expiresAtMs: number, timekeeper: Timekeeper): Deadline {
    if (Number.isNaN(expiresAtMs)) throw invalid('Deadline.at', 'expiresAtMs must be a number, got NaN');
    const nowMs = timekeeper.now();
    return new Deadline(expiresAtMs, Math.max(0, expiresAtMs - nowMs), timekeeper);
  }

  /** A deadline that never expires (its signal never fires and arms no timer). */
  static never(timekeeper: Timekeeper): Deadline {
    return new Deadline(Infinity, Infinity, timekeeper);
  }

  /** Ms left, never negative (Infinity for `never`). */
  remainingMs(nowMs: number = this.#timekeeper.now()): number {
    return Math.max(0, this.expiresAtMs - nowMs);
  }

  isExpired(nowMs: number = this.#timekeeper.now()): boolean {
    return nowMs >= this.expiresAtMs;
  }

  /** Throw the deadline's TimeoutError if it has expired. */
  throwIfExpired(nowMs: number = this.#timekeeper.now()): void {
    if (this.isExpired(nowMs)) throw this.#error();
  }

  /** A deadline for a sub-call: at most `maxMs` from now, and never later than this one. */
  child(maxMs: number = Infinity): Deadline {
    if (!(maxMs >= 0)) throw invalid('Deadline.child', `maxMs must be ≥ 0, got ${maxMs}`);
    const nowMs = this.#timekeeper.now();
    const expiresAtMs = Math.min(this.expiresAtMs, nowMs + maxMs);
    return new Deadline(expiresAtMs, Math.max(0, expiresAtMs - nowMs), this.#timekeeper);
  }

  /**
   * Aborts with this deadline's TimeoutError at expiry. Created on first use:
   * it arms one timer on the timekeeper, which `dispose()` releases — call it
   * when the work finishes early so a long deadline does not hold a real
   * timer (and a Node process) open.
   */
  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    const remainingMs = this.remainingMs();
    if (remainingMs <= 0) {
      controller.abort(this.#error());
    } else if (remainingMs !== Infinity) {
      const timerAbort = new AbortController();
      this.#timerAbort = timerAbort;
      this.#timekeeper.sleep(remainingMs, timerAbort.signal).then(() => {
        this.#timerAbort = undefined;
        controller.abort(this.#error());
      }, swallow);
    }
    return controller.signal;
  }

  /** Release the expiry timer, if armed; the signal then never fires. Idempotent. */
  dispose(): void {
    this.#timerAbort?.abort(TIMER_RELEASED);
    this.#timerAbort = undefined;
  }

  #error(): TimeoutError {
    return new TimeoutError(`Deadline: budget of ${this.budgetMs} ms expired`, this.budgetMs);
  }
}

/** Shorthand for `Deadline.after(budgetMs, timekeeper)`. */
export function deadline(budgetMs: number, timekeeper: Timekeeper): Deadline {
  return Deadline.after(budgetMs, timekeeper);
}

export interface TimeoutContext {
  /** Aborts at the timeout (reason: the TimeoutError) or when the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** The effective deadline, to pass to nested calls (`deadline.child(ms)`, `withTimeout(…, { deadline })`). */
  readonly deadline: Deadline;
}

export interface WithTimeoutOptions {
  readonly timekeeper: Timekeeper;
  /** The caller's cancellation; rejects with its reason. */
  readonly signal?: AbortSignal;
  /** An enclosing deadline: the effective budget is the smaller of it and `timeoutMs`. */
  readonly deadline?: Deadline;
}

/**
 * Run `fn` with at most `timeoutMs` (and at most what `options.deadline`
 * has left). On expiry: abort `fn`'s signal and reject with a TimeoutError
 * (whatever `fn` does later is ignored). A budget already spent rejects
 * without calling `fn`: starting work that cannot finish only adds load.
 */
export function withTimeout<T>(
  fn: (context: TimeoutContext) => Promise<T>,
  timeoutMs: number,
  options: WithTimeoutOptions,
): Promise<T> {
  if (!(timeoutMs >= 0)) throw invalid('withTimeout', `timeoutMs must be ≥ 0, got ${timeoutMs}`);
  const timekeeper = options.timekeeper;
  if (!timekeeper || typeof timekeeper.sleep !== 'function') throw invalid('withTimeout', 'options.timekeeper is required');
  const userSignal = options.signal;
  if (userSignal?.aborted) return Promise.reject(userSignal.reason);
  const nowMs = finiteTime('withTimeout', 'timekeeper.now()', timekeeper.now());
  const scope = options.deadline ? options.deadline.child(timeoutMs) : Deadline.after(timeoutMs, timekeeper);
  const budgetMs = scope.remainingMs(nowMs);
  if (budgetMs <= 0) return Promise.reject(new TimeoutError(`withTimeout: no budget left (limit ${timeoutMs} ms)`, 0));

  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    const timerAbort = new AbortController();
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      timerAbort.abort(TIMER_RELEASED);
      userSignal?.removeEventListener('abort', onUserAbort);
      return true;
    };
    const onUserAbort = (): void => {
      if (!finish()) return;
      controller.abort(userSignal!.reason);
      reject(userSignal!.reason);
    };
    userSignal?.addEventListener('abort', onUserAbort, { once: true });
    if (budgetMs !== Infinity) {
      timekeeper.sleep(budgetMs, timerAbort.signal).then(() => {
        if (!finish()) return;
        const error = new TimeoutError(`withTimeout: no result within ${budgetMs} ms`, budgetMs);
        controller.abort(error);
        reject(error);
      }, swallow);
    }
    let work: Promise<T>;
    try {
      work = fn({ signal: controller.signal, deadline: scope });
    } catch (error) {
      if (finish()) reject(error);
      return;
    }
    Promise.resolve(work).then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
