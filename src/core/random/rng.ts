import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * The only source of randomness protocol code may use. Seeded, so one seed
 * gives one sequence; `fork` derives an independent stream (one per node, one
 * per fault knob) so adding a draw in one place does not shift every other.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). `n` must be a positive integer. */
  int(n: number): number;
  /** Uniform integer in [min, max] (both inclusive). */
  intBetween(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** An independent generator derived from this one's next draws. */
  fork(): Rng;
}

const TWO_POW_32 = 0x1_0000_0000;

/** xoroshiro128+ from pure-rand, wrapped in the small interface above. */
export class SeededRng implements Rng {
  readonly #gen: RandomGenerator;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`SeededRng: seed must be a safe integer, got ${seed}`);
    // pure-rand folds the seed to 32 bits; mix the high bits in so large seeds differ.
    this.#gen = xoroshiro128plus((seed ^ Math.floor(seed / TWO_POW_32)) | 0);
  }

  #u32(): number {
    return this.#gen.next() >>> 0;
  }

  next(): number {
    // 53 random bits: 21 high from one draw, 32 low from another.
    const hi = this.#u32() >>> 11;
    const lo = this.#u32();
    return (hi * TWO_POW_32 + lo) / 2 ** 53;
  }

  int(n: number): number {
    if (!(n > 0) || !Number.isSafeInteger(n)) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  intBetween(min: number, max: number): number {
    if (max < min) throw new RangeError(`Rng.intBetween: max (${max}) < min (${min})`);
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  fork(): Rng {
    return new SeededRng(this.#u32() * 0x20_0000 + (this.#u32() >>> 11));
  }
}
