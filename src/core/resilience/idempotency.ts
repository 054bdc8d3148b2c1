/**
 * Server-side idempotency keys, as Stripe's behave:
 *
 * - The first request with a key runs; its outcome — value or error — is
 *   saved and replayed to every later request with that key until it expires
 *   (`ttlMs` after the first request, 24 h by default).
 * - A request reusing the key with different parameters (compared by
 *   fingerprint) fails with IdempotencyKeyReusedError; the saved outcome stays.
 * - A duplicate arriving while the first is still running waits for it and
 *   gets the same outcome: the work runs once (Stripe answers 409 here instead).
 * - Errors for which `shouldRecordError` says false (e.g. "not the leader",
 *   "overloaded": nothing happened) are not saved: the key is released so a
 *   retry runs again. Stripe likewise saves nothing for requests it rejected
 *   before doing work.
 *
 * Bounded: at most `maxKeys` keys. To admit a new key when full, expired keys
 * are removed first, then the oldest completed key (which loses its
 * protection early — size `maxKeys` above peak-rate × ttl). Keys still
 * running are never evicted: if every key is running, the new request fails
 * with IdempotencyStoreFullError rather than risk a double execution.
 * `sweep(now)` removes expired keys; call it from a periodic timer.
 *
 * Time comes from the injected `clock` (monotonic), so expiry is exact under
 * the simulator.
 *
 * Two faces: `begin(key, params)` is the synchronous core (a claim saying
 * run it / replay this / wait for the first / rejected), for code that must
 * not await — a server node inside the simulator answers from callbacks;
 * `run(key, params, fn)` wraps it in promises.
 */
import { IdempotencyKeyReusedError, IdempotencyStoreFullError } from './errors.js';
import { stableJson } from './stable-json.js';
import type { TimeSource } from './timekeeper.js';
import { integerAtLeast, invalid, positive } from './validate.js';

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface IdempotencyStoreOptions {
  /** Monotonic clock (required). */
  readonly clock: TimeSource;
  /** Outcomes are replayed for this long after the first request, ms. @defaultValue 86_400_000 (24 h, Stripe) */
  readonly ttlMs?: number;
  /** Keys held at most (running + completed). @defaultValue 10_000 */
  readonly maxKeys?: number;
  /** Request parameters → comparable string. @defaultValue stableJson (sorted-key JSON) */
  readonly fingerprint?: (params: unknown) => string;
  /** Whether an error outcome is saved and replayed (false: release the key). @defaultValue always true */
  readonly shouldRecordError?: (error: unknown) => boolean;
}

export type IdempotencyRecord<T> =
  | { readonly state: 'running'; readonly createdAtMs: number; readonly expiresAtMs: number; readonly fingerprint: string }
  | {
      readonly state: 'done';
      readonly createdAtMs: number;
      readonly expiresAtMs: number;
      readonly fingerprint: string;
      readonly outcome: Outcome<T>;
    };

/**
 * What `begin` tells the server to do with a request:
 * - `started`: the key is new — do the work once, then `complete(outcome)`
 *   (exactly once; errors are outcomes too);
 * - `done`: replay `outcome`, do nothing else;
 * - `in-flight`: the first request with this key is still running —
 *   `wait(callback)` is called with its outcome (synchronously inside its
 *   `complete`); the work is not run twice;
 * - `rejected`: answer `error` (the key was used with other parameters, or
 *   the store is full of running keys); nothing ran and nothing was saved.
 */
export type IdempotencyClaim<T> =
  | { readonly status: 'started'; complete(outcome: Outcome<T>): void }
  | { readonly status: 'done'; readonly outcome: Outcome<T> }
  | { readonly status: 'in-flight'; wait(callback: (outcome: Outcome<T>) => void): void }
  | { readonly status: 'rejected'; readonly error: IdempotencyKeyReusedError | IdempotencyStoreFullError };

interface Entry<T> {
  readonly fingerprint: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  outcome: Outcome<T> | undefined;
  /** Duplicates waiting for the outcome (only while running). */
  waiters: Array<(outcome: Outcome<T>) => void> | undefined;
}

const API = 'IdempotencyStore';

function settle<T>(outcome: Outcome<T>): Promise<T> {
  return outcome.ok ? Promise.resolve(outcome.value) : Promise.reject(outcome.error);
}

export class IdempotencyStore<T = unknown> {
  readonly ttlMs: number;
  readonly maxKeys: number;
  readonly #clock: TimeSource;
  readonly #fingerprint: (params: unknown) => string;
  readonly #shouldRecordError: ((error: unknown) => boolean) | undefined;
  /** Insertion order = creation order = expiry order (ttl is constant): sweeps stop at the first live key. */
  readonly #entries = new Map<string, Entry<T>>();
  #evictions = 0;

  constructor(options: IdempotencyStoreOptions) {
    if (typeof options?.clock?.now !== 'function') throw invalid(API, 'options.clock (a monotonic { now() }) is required');
    this.#clock = options.clock;
    this.ttlMs = positive(API, 'ttlMs', options.ttlMs ?? 86_400_000);
    this.maxKeys = integerAtLeast(API, 'maxKeys', options.maxKeys ?? 10_000, 1);
    this.#fingerprint = options.fingerprint ?? stableJson;
    if (typeof this.#fingerprint !== 'function') throw invalid(API, 'fingerprint must be a function');
    this.#shouldRecordError = options.shouldRecordError;
  }

  /** Keys held (running and completed, expired ones not yet swept included). */
  get size(): number {
    return this.#entries.size;
  }

  /** Completed keys evicted before expiry to make room (each lost its protection early). */
  get evictions(): number {
    return this.#evictions;
  }

  /**
   * The synchronous core: classify a request with `key` and `params` at the
   * clock's now (see IdempotencyClaim). Throws a RangeError for an empty key
   * and whatever `fingerprint` throws.
   */
  begin(key: string, params: unknown): IdempotencyClaim<T> {
    if (typeof key !== 'string' || key.length === 0) throw invalid(API, 'key must be a non-empty string');
    const fingerprint = this.#fingerprint(params);
    const nowMs = this.#clock.now();
    let entry = this.#entries.get(key);
    if (entry && entry.outcome && nowMs >= entry.expiresAtMs) {
      this.#entries.delete(key);
      entry = undefined;
    }
    if (entry) {
      if (entry.fingerprint !== fingerprint) return { status: 'rejected', error: new IdempotencyKeyReusedError(key) };
      const found = entry;
      if (found.outcome) return { status: 'done', outcome: found.outcome };
      return {
        status: 'in-flight',
        wait: (callback) => {
          if (found.outcome) callback(found.outcome);
          else (found.waiters ??= []).push(callback);
        },
      };
    }
    if (this.#entries.size >= this.maxKeys && !this.#makeRoom(nowMs)) {
      return { status: 'rejected', error: new IdempotencyStoreFullError(this.maxKeys) };
    }
    const created: Entry<T> = { fingerprint, createdAtMs: nowMs, expiresAtMs: nowMs + this.ttlMs, outcome: undefined, waiters: undefined };
    this.#entries.set(key, created);
    return { status: 'started', complete: (outcome) => this.#complete(key, created, outcome) };
  }

  /**
   * Run `fn` once per key: the first call runs it, later calls with the same
   * params get the same outcome (value or error), concurrent ones wait for it.
   */
  run(key: string, params: unknown, fn: () => Promise<T>): Promise<T> {
    let claim: IdempotencyClaim<T>;
    try {
      claim = this.begin(key, params);
    } catch (error) {
      return Promise.reject(error);
    }
    switch (claim.status) {
      case 'rejected':
        return Promise.reject(claim.error);
      case 'done':
        return settle(claim.outcome);
      case 'in-flight':
        return new Promise<T>((resolve, reject) => claim.wait((o) => (o.ok ? resolve(o.value) : reject(o.error))));
      case 'started': {
        let promise: Promise<T>;
        try {
          promise = Promise.resolve(fn());
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then(
          (value) => claim.complete({ ok: true, value }),
          (error: unknown) => claim.complete({ ok: false, error }),
        );
        return promise;
      }
    }
  }

  /** What the store holds for `key` (undefined when absent or expired). */
  peek(key: string, nowMs: number = this.#clock.now()): IdempotencyRecord<T> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const base = { createdAtMs: entry.createdAtMs, expiresAtMs: entry.expiresAtMs, fingerprint: entry.fingerprint };
    if (!entry.outcome) return { state: 'running', ...base };
    if (nowMs >= entry.expiresAtMs) return undefined;
    return { state: 'done', ...base, outcome: entry.outcome };
  }

  /** Forget a completed key (a running one cannot be deleted: returns false). */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry || !entry.outcome) return false;
    return this.#entries.delete(key);
  }

  /** Remove every expired completed key; returns how many. O(removed + running keys passed). */
  sweep(nowMs: number = this.#clock.now()): number {
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (nowMs < entry.expiresAtMs) break;
      if (!entry.outcome) continue; // still running: never dropped
      this.#entries.delete(key);
      removed++;
    }
    return removed;
  }

  #complete(key: string, entry: Entry<T>, outcome: Outcome<T>): void {
    if (entry.outcome) throw new Error(`${API}: complete() called twice for key ${JSON.stringify(key)}; a claim has exactly one outcome`);
    entry.outcome = outcome;
    if (!outcome.ok && this.#shouldRecordError && !this.#shouldRecordError(outcome.error) && this.#entries.get(key) === entry) {
      this.#entries.delete(key); // nothing happened: a retry may run again
    }
    const waiters = entry.waiters;
    entry.waiters = undefined;
    if (!waiters) return;
    // Every waiter hears the outcome even if one throws; the first error is rethrown after.
    let failed = false;
    let firstError: unknown;
    for (const waiter of waiters) {
      try {
        waiter(outcome);
      } catch (error) {
        if (!failed) firstError = error;
        failed = true;
      }
    }
    if (failed) throw firstError;
  }

  /** Free one slot: expired keys first, then the oldest completed key. False if every key is running. */
  #makeRoom(nowMs: number): boolean {
    if (this.sweep(nowMs) > 0) return true;
    for (const [key, entry] of this.#entries) {
      if (!entry.outcome) continue;
      this.#entries.delete(key);
      this.#evictions++;
      return true;
    }
    return false;
  }
}
