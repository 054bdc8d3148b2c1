/**
 * The last `maxSampleSize` heartbeat inter-arrival times with a running sum
 * and sum of squares: O(1) per sample (Akka's HeartbeatHistory, as a ring
 * buffer instead of an immutable vector). Statistics are population ones, as
 * Akka's: mean = Σx/n, variance = Σx²/n − mean².
 *
 * Fractional intervals make the running sums drift by rounding; they are
 * recomputed from the buffer once per full turn of the ring (amortised O(1)).
 */
export class HeartbeatHistory {
  readonly maxSampleSize: number;
  /** Grows by doubling up to maxSampleSize, so a detector that sees few beats stays small. */
  #buffer: Float64Array;
  /** Index of the oldest sample. Invariant: 0 ≤ head < buffer.length; head = 0 until the buffer is full at max size. */
  #head = 0;
  #count = 0;
  #sum = 0;
  #sumSquares = 0;
  #evictionsSinceResum = 0;

  constructor(maxSampleSize: number) {
    if (!(Number.isSafeInteger(maxSampleSize) && maxSampleSize >= 1)) {
      throw new RangeError(`HeartbeatHistory: maxSampleSize must be an integer ≥ 1, got ${maxSampleSize}`);
    }
    this.maxSampleSize = maxSampleSize;
    this.#buffer = new Float64Array(Math.min(maxSampleSize, 16));
  }

  get size(): number {
    return this.#count;
  }

  /** Mean interval, ms (NaN when empty). */
  get mean(): number {
    return this.#sum / this.#count;
  }

  /** Population variance, ms², clamped at 0 against rounding (NaN when empty). */
  get variance(): number {
    const mean = this.#sum / this.#count;
    return Math.max(0, this.#sumSquares / this.#count - mean * mean);
  }

  get stdDeviation(): number {
    return Math.sqrt(this.variance);
  }

  add(intervalMs: number): void {
    const capacity = this.#buffer.length;
    if (this.#count < capacity) {
      this.#buffer[this.#count++] = intervalMs;
    } else if (capacity < this.maxSampleSize) {
      const grown = new Float64Array(Math.min(this.maxSampleSize, capacity * 2));
      grown.set(this.#buffer);
      this.#buffer = grown;
      this.#buffer[this.#count++] = intervalMs;
    } else {
      // Full at max size: overwrite the oldest.
      const oldest = this.#buffer[this.#head];
      this.#buffer[this.#head] = intervalMs;
      this.#head = this.#head + 1 === capacity ? 0 : this.#head + 1;
      this.#sum -= oldest;
      this.#sumSquares -= oldest * oldest;
      if (++this.#evictionsSinceResum === capacity) {
        this.#sum += intervalMs;
        this.#sumSquares += intervalMs * intervalMs;
        this.#resum();
        return;
      }
    }
    this.#sum += intervalMs;
    this.#sumSquares += intervalMs * intervalMs;
  }

  clear(): void {
    this.#head = 0;
    this.#count = 0;
    this.#sum = 0;
    this.#sumSquares = 0;
    this.#evictionsSinceResum = 0;
  }

  /** The samples, oldest first (for tests and diagnostics). */
  samples(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.#count; i++) out.push(this.#buffer[(this.#head + i) % this.#buffer.length]);
    return out;
  }

  #resum(): void {
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < this.#count; i++) {
      const x = this.#buffer[i];
      sum += x;
      sumSquares += x * x;
    }
    this.#sum = sum;
    this.#sumSquares = sumSquares;
    this.#evictionsSinceResum = 0;
  }
}
