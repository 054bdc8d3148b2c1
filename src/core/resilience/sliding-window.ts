/**
 * Counts over a sliding time window, kept in `buckets` slices of
 * windowMs/buckets each (Hystrix's rolling counter): O(1) amortised per
 * update, bounded memory, and the window's edge is accurate to one slice.
 * Each of `channels` counters (e.g. successes and failures) slides together.
 * Time is passed in; a reading behind the newest slice counts in the newest.
 */
import { finiteTime, integerAtLeast, invalid, positive } from './validate.js';

export class SlidingWindowCounter {
  readonly windowMs: number;
  readonly buckets: number;
  readonly #sliceMs: number;
  readonly #channels: number;
  /** counts[bucket * channels + channel]; slice epoch e lives in bucket e mod buckets. */
  readonly #counts: Float64Array;
  /** Invariant: totals[c] is the sum of counts[*, c]. */
  readonly #totals: Float64Array;
  #headEpoch = -Infinity;

  constructor(api: string, windowMs: number, buckets: number, channels: number) {
    this.windowMs = positive(api, 'windowMs', windowMs);
    this.buckets = integerAtLeast(api, 'buckets', buckets, 1);
    if (buckets > 10_000) throw invalid(api, `buckets must be ≤ 10000, got ${buckets}`);
    this.#channels = integerAtLeast(api, 'channels', channels, 1);
    this.#sliceMs = windowMs / buckets;
    this.#counts = new Float64Array(buckets * channels);
    this.#totals = new Float64Array(channels);
  }

  add(nowMs: number, channel: number, amount: number): void {
    const bucket = this.#advance(nowMs);
    this.#counts[bucket * this.#channels + channel] += amount;
    this.#totals[channel] += amount;
  }

  total(nowMs: number, channel: number): number {
    this.#advance(nowMs);
    return this.#totals[channel];
  }

  clear(): void {
    this.#counts.fill(0);
    this.#totals.fill(0);
  }

  /** Expire slices older than the window; returns the current slice's bucket. */
  #advance(nowMs: number): number {
    finiteTime('SlidingWindowCounter', 'nowMs', nowMs);
    const n = this.buckets;
    const epoch = Math.max(Math.floor(nowMs / this.#sliceMs), this.#headEpoch);
    if (epoch !== this.#headEpoch) {
      if (epoch - this.#headEpoch >= n) this.clear();
      else for (let e = this.#headEpoch + 1; e <= epoch; e++) this.#clearBucket(((e % n) + n) % n);
      this.#headEpoch = epoch;
    }
    return ((epoch % n) + n) % n;
  }

  #clearBucket(bucket: number): void {
    const c = this.#channels;
    for (let k = 0; k < c; k++) {
      this.#totals[k] -= this.#counts[bucket * c + k];
      this.#counts[bucket * c + k] = 0;
    }
  }
}
