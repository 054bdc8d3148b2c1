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

interface Entry<T> {
  readonly fingerprint: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly promise: Promise<T>;
  outcome: Outcome<T> | undefined;
}

const API = 'IdempotencyStore';

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
   * Run `fn` once per key: the first call runs it, later calls with the same
   * params get the same outcome (value or error), concurrent ones wait for it.
   */
  run(key: string, params: unknown, fn: () => Promise<T>): Promise<T> {
    if (typeof key !== 'string' || key.length === 0) return Promise.reject(invalid(API, 'key must be a non-empty string'));
    let fingerprint: string;
    try {
      fingerprint = this.#fingerprint(params);
    } catch (error) {
      return Promise.reject(error);
    }
    const nowMs = this.#clock.now();
    let entry = this.#entries.get(key);
    if (entry && entry.outcome && nowMs >= entry.expiresAtMs) {
      this.#entries.delete(key);
      entry = undefined;
    }
    if (entry) {
      if (entry.fingerprint !== fingerprint) return Promise.reject(new IdempotencyKeyReusedError(key));
      return entry.promise;
    }
    if (this.#entries.size >= this.maxKeys && !this.#makeRoom(nowMs)) {
      return Promise.reject(new IdempotencyStoreFullError(this.maxKeys));
    }
    return this.#start(key, fingerprint, nowMs, fn);
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

  #start(key: string, fingerprint: string, nowMs: number, fn: () => Promise<T>): Promise<T> {
    let promise: Promise<T>;
    try {
      promise = Promise.resolve(fn());
    } catch (error) {
      promise = Promise.reject(error);
    }
    const entry: Entry<T> = { fingerprint, createdAtMs: nowMs, expiresAtMs: nowMs + this.ttlMs, promise, outcome: undefined };
    this.#entries.set(key, entry);
    promise.then(
      (value) => {
        entry.outcome = { ok: true, value };
      },
      (error: unknown) => {
        entry.outcome = { ok: false, error };
        if (this.#shouldRecordError && !this.#shouldRecordError(error) && this.#entries.get(key) === entry) {
          this.#entries.delete(key);
        }
      },
    );
    return promise;
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
