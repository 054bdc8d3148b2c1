/**
 * One suspicion timer (memberlist's suspicion.go), without the timer: it
 * computes deadlines and the node arms them. Started at `maxMs`; each
 * independent confirmation from another member brings the deadline closer,
 * reaching `minMs` (measured from the start) after `k` confirmations. The
 * accuser who started it is not counted again (our own suspicion may be
 * gossiped back to us).
 */
import { remainingSuspicionTimeMs } from './arithmetic.js';

export class Suspicion {
  /** Confirmations wanted to reach the minimum. */
  readonly k: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Monotonic time the suspicion started. */
  readonly startMs: number;
  #confirmations = 0;
  readonly #from = new Set<string>();
  #deadlineMs: number;

  constructor(from: string, k: number, minMs: number, maxMs: number, startMs: number) {
    if (!(Number.isSafeInteger(k) && k >= 0)) throw new RangeError(`Suspicion: k must be an integer ≥ 0, got ${k}`);
    if (!(minMs > 0 && maxMs >= minMs)) throw new RangeError(`Suspicion: need 0 < minMs ≤ maxMs, got ${minMs}, ${maxMs}`);
    this.k = k;
    this.minMs = minMs;
    this.maxMs = maxMs;
    this.startMs = startMs;
    this.#from.add(from);
    // Nobody will confirm (a tiny cluster): the minimum from the start.
    this.#deadlineMs = startMs + (k < 1 ? minMs : maxMs);
  }

  /** Independent confirmations so far (the starter excluded). */
  get confirmations(): number {
    return this.#confirmations;
  }

  /** When the member is declared dead unless refuted, monotonic ms. */
  get deadlineMs(): number {
    return this.#deadlineMs;
  }

  /**
   * Record that `from` also suspects the member at `nowMs`. Returns true when
   * this was new information (the deadline moved and the suspicion is worth
   * re-gossiping), false for a repeat or once `k` confirmations are in.
   */
  confirm(from: string, nowMs: number): boolean {
    if (this.#confirmations >= this.k) return false;
    if (this.#from.has(from)) return false;
    this.#from.add(from);
    this.#confirmations++;
    const remaining = remainingSuspicionTimeMs(this.#confirmations, this.k, nowMs - this.startMs, this.minMs, this.maxMs);
    this.#deadlineMs = nowMs + remaining;
    return true;
  }
}
