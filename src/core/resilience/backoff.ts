/**
 * Exponential backoff with jitter, the formulas of the AWS Architecture Blog
 * post "Exponential Backoff And Jitter" (Marc Brooker, 2015). Pure: the
 * caller passes the attempt number, the Rng and (for decorrelated jitter) the
 * previous delay, so a simulation can draw delays synchronously.
 *
 * With `n` the retry number from 0, `t = min(cap, base·2^n)`, `u` uniform in [0, 1):
 *   none:         t
 *   full:         u·t                               — in [0, t)
 *   equal:        t/2 + u·t/2                       — in [t/2, t)
 *   decorrelated: min(cap, base + u·(3·prev − base)) — in [base, min(cap, 3·prev)), prev₀ = base
 */
import type { Rng } from '../random/rng.js';
import { invalid, positive } from './validate.js';

export type JitterMode = 'none' | 'full' | 'equal' | 'decorrelated';

export const JITTER_MODES: readonly JitterMode[] = ['none', 'full', 'equal', 'decorrelated'];

export interface BackoffOptions {
  /** First delay scale, ms. @defaultValue 100 */
  readonly baseMs?: number;
  /** No delay exceeds this, ms. @defaultValue 10_000 */
  readonly capMs?: number;
  /** @defaultValue 'full' (AWS's recommendation: least total work among the exponential variants) */
  readonly jitter?: JitterMode;
}

export interface BackoffBounds {
  /** Inclusive lower bound, ms. */
  readonly minMs: number;
  /** Upper bound, ms (exclusive when jittered and minMs < maxMs; the value itself for 'none'). */
  readonly maxMs: number;
}

/** A delay schedule: `next` is a pure function of its arguments. */
export interface Backoff {
  readonly jitter: JitterMode;
  readonly baseMs: number;
  readonly capMs: number;
  /**
   * The delay before retry number `attempt` (0 = the first retry), ms.
   * `previousDelayMs` matters only for decorrelated jitter: pass the delay
   * this function returned last time (omit it for attempt 0; it defaults to `baseMs`).
   */
  next(attempt: number, rng: Rng, previousDelayMs?: number): number;
  /** The interval `next` draws from, for the same arguments. */
  bounds(attempt: number, previousDelayMs?: number): BackoffBounds;
}

const API = 'exponentialBackoff';

class ExponentialBackoff implements Backoff {
  readonly jitter: JitterMode;
  readonly baseMs: number;
  readonly capMs: number;

  constructor(options: BackoffOptions) {
    this.baseMs = positive(API, 'baseMs', options.baseMs ?? 100);
    this.capMs = positive(API, 'capMs', options.capMs ?? 10_000);
    if (this.capMs < this.baseMs) throw invalid(API, `capMs (${this.capMs}) must be ≥ baseMs (${this.baseMs})`);
    const jitter = options.jitter ?? 'full';
    if (!JITTER_MODES.includes(jitter)) throw invalid(API, `jitter must be one of ${JITTER_MODES.join(', ')}, got ${String(jitter)}`);
    this.jitter = jitter;
  }

  /** min(cap, base·2^n); 2^n overflows to Infinity for huge n, which the min absorbs. */
  #ceiling(attempt: number): number {
    if (!(Number.isInteger(attempt) && attempt >= 0)) throw invalid('Backoff.next', `attempt must be an integer ≥ 0, got ${attempt}`);
    return Math.min(this.capMs, this.baseMs * 2 ** attempt);
  }

  #previous(previousDelayMs: number | undefined): number {
    if (previousDelayMs === undefined) return this.baseMs;
    if (!(previousDelayMs >= 0 && Number.isFinite(previousDelayMs))) {
      throw invalid('Backoff.next', `previousDelayMs must be finite and ≥ 0, got ${previousDelayMs}`);
    }
    // A previous delay below base (e.g. from another strategy) must not shrink the range below base.
    return Math.max(this.baseMs, previousDelayMs);
  }

  bounds(attempt: number, previousDelayMs?: number): BackoffBounds {
    const t = this.#ceiling(attempt);
    switch (this.jitter) {
      case 'none':
        return { minMs: t, maxMs: t };
      case 'full':
        return { minMs: 0, maxMs: t };
      case 'equal':
        return { minMs: t / 2, maxMs: t };
      case 'decorrelated':
        return { minMs: this.baseMs, maxMs: Math.min(this.capMs, 3 * this.#previous(previousDelayMs)) };
    }
  }

  next(attempt: number, rng: Rng, previousDelayMs?: number): number {
    const t = this.#ceiling(attempt);
    switch (this.jitter) {
      case 'none':
        return t;
      case 'full':
        return rng.next() * t;
      case 'equal':
        return t / 2 + rng.next() * (t / 2);
      case 'decorrelated': {
        const prev = this.#previous(previousDelayMs);
        return Math.min(this.capMs, this.baseMs + rng.next() * (3 * prev - this.baseMs));
      }
    }
  }
}

/** An exponential schedule with the chosen jitter (defaults: base 100 ms, cap 10 s, full jitter). */
export function exponentialBackoff(options: BackoffOptions = {}): Backoff {
  return new ExponentialBackoff(options);
}
