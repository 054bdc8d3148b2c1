/**
 * The last `capacity` samples, kept both in arrival order (a ring, to know
 * which sample leaves) and sorted (for order statistics). Adding a sample
 * when full replaces the leaving one in place, shifting only the elements
 * between the two positions: O(log n) to find them plus a memmove of at
 * most n doubles (a few hundred ns at n = 1000). Any percentile is O(1).
 */
export class SortedWindow {
  readonly capacity: number;
  readonly #arrivals: Float64Array;
  readonly #sorted: Float64Array;
  #head = 0;
  #count = 0;

  constructor(capacity: number) {
    if (!(Number.isSafeInteger(capacity) && capacity >= 1 && capacity <= 1_000_000)) {
      throw new RangeError(`SortedWindow: capacity must be an integer in [1, 1000000], got ${capacity}`);
    }
    this.capacity = capacity;
    this.#arrivals = new Float64Array(capacity);
    this.#sorted = new Float64Array(capacity);
  }

  get size(): number {
    return this.#count;
  }

  add(value: number): void {
    if (Number.isNaN(value)) throw new RangeError('SortedWindow: value must not be NaN');
    const sorted = this.#sorted;
    if (this.#count < this.capacity) {
      const k = this.#lowerBound(value, this.#count);
      sorted.copyWithin(k + 1, k, this.#count);
      sorted[k] = value;
      this.#arrivals[(this.#head + this.#count) % this.capacity] = value;
      this.#count++;
      return;
    }
    const leaving = this.#arrivals[this.#head];
    this.#arrivals[this.#head] = value;
    this.#head = this.#head + 1 === this.capacity ? 0 : this.#head + 1;
    const i = this.#lowerBound(leaving, this.#count); // sorted[i] === leaving
    if (value > leaving) {
      // Elements in (i, k) lie in [leaving, value): slide them down one, value goes at k − 1.
      const k = this.#lowerBound(value, this.#count);
      sorted.copyWithin(i, i + 1, k);
      sorted[k - 1] = value;
    } else if (value < leaving) {
      // Elements in [k, i) lie in [value, leaving): slide them up one, value goes at k.
      const k = this.#lowerBound(value, i);
      sorted.copyWithin(k + 1, k, i);
      sorted[k] = value;
    } else {
      sorted[i] = value;
    }
  }

  /** Nearest-rank percentile: the smallest sample with at least ⌈p·n⌉ samples ≤ it. NaN when empty. */
  percentile(p: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.ceil(p * this.#count);
    return this.#sorted[Math.min(this.#count, Math.max(1, rank)) - 1];
  }

  /** Sorted copy (tests, diagnostics). */
  toSortedArray(): number[] {
    return Array.from(this.#sorted.subarray(0, this.#count));
  }

  clear(): void {
    this.#head = 0;
    this.#count = 0;
  }

  /** First index in [0, end) whose value is ≥ `value` (end when none). */
  #lowerBound(value: number, end: number): number {
    const sorted = this.#sorted;
    let lo = 0;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
