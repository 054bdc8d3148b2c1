/**
 * The search's memo: a set of (linearized-set, model state) pairs already
 * explored. Porcupine's idea, with two changes so it stays small and fast:
 *
 * - the linearized set is stored as a short canonical *encoding* (frontier
 *   plus the few bitset words past it, plus the info-op words; see
 *   `search.ts`), packed into one growable Int32Array arena instead of one
 *   bitset object per entry;
 * - lookups go through an open-addressing table of 32-bit hashes, so a miss
 *   (the common case) costs one or two probes and no allocation.
 *
 * Equality is exact (encoding words and state compared), so a hash collision
 * can cost time but never a wrong answer.
 *
 * The info-op part of the set is kept apart. With `subsume` (models where an
 * info op is legal in every state), a configuration is pruned when one with
 * the same ordinary set and state and a *subset* of its info ops was seen:
 * having used more info ops never helps, since any unused one can always be
 * put off to the end. Without it, info sets must be equal.
 */
import type { ValueKey } from './value-key.js';

const INITIAL_SLOTS = 256;
const INITIAL_ARENA = 4096;

export interface MemoStateOps<S> {
  /** Canonical state key when available (fast path: keys compared by ===). */
  stateKey: ((state: S) => ValueKey) | undefined;
  equal(a: S, b: S): boolean;
}

export class Memo<S> {
  #slots = new Int32Array(INITIAL_SLOTS); // record index + 1; 0 = empty
  #slotHash = new Int32Array(INITIAL_SLOTS);
  #mask = INITIAL_SLOTS - 1;
  #arena = new Int32Array(INITIAL_ARENA);
  #arenaUsed = 0;
  #recOffset = new Int32Array(INITIAL_SLOTS);
  #recLen = new Int32Array(INITIAL_SLOTS);
  #recState: Array<S | ValueKey> = [];
  #size = 0;
  readonly #ops: MemoStateOps<S>;
  readonly #infoWords: number;
  readonly #subsume: boolean;

  /** `infoWords`: words of the info bitset stored after each encoding. */
  constructor(ops: MemoStateOps<S>, infoWords: number, subsume: boolean) {
    this.#ops = ops;
    this.#infoWords = infoWords;
    this.#subsume = subsume;
  }

  /** Number of distinct (set, state) pairs stored. */
  get size(): number {
    return this.#size;
  }

  /** Approximate bytes held by the typed arrays (not the states themselves). */
  get approxBytes(): number {
    return (this.#slots.length * 2 + this.#arena.length + this.#recOffset.length * 2) * 4 + this.#recState.length * 8;
  }

  /**
   * Record a configuration unless one that covers it was seen. `encoding[0..length)`
   * is the ordinary set's canonical encoding, `info` the info bitset;
   * `stateKey` must be `ops.stateKey(state)` when the model has one.
   * Returns true when it was added (new), false when it is covered.
   */
  visit(hash: number, encoding: Int32Array, length: number, info: Uint32Array, state: S, stateKey: ValueKey | undefined): boolean {
    const slots = this.#slots;
    const mask = this.#mask;
    let slot = hash & mask;
    while (true) {
      const rec = slots[slot];
      if (rec === 0) break;
      if (this.#slotHash[slot] === hash && this.#matches(rec - 1, encoding, length, state, stateKey) && this.#covers(rec - 1, length, info)) {
        return false;
      }
      slot = (slot + 1) & mask;
    }
    const index = this.#append(encoding, length, info, stateKey !== undefined ? stateKey : state);
    slots[slot] = index + 1;
    this.#slotHash[slot] = hash;
    if (this.#size * 2 > mask) this.#grow();
    return true;
  }

  /** Stored info set equal to (or, when subsuming, a subset of) `info`? */
  #covers(rec: number, length: number, info: Uint32Array): boolean {
    const arena = this.#arena;
    const offset = this.#recOffset[rec] + length;
    for (let w = 0; w < this.#infoWords; w++) {
      const stored = arena[offset + w] >>> 0;
      if (this.#subsume ? (stored & ~info[w]) !== 0 : stored !== info[w]) return false;
    }
    return true;
  }

  #matches(rec: number, encoding: Int32Array, length: number, state: S, stateKey: ValueKey | undefined): boolean {
    if (this.#recLen[rec] !== length) return false;
    const arena = this.#arena;
    const offset = this.#recOffset[rec];
    for (let i = 0; i < length; i++) if (arena[offset + i] !== encoding[i]) return false;
    const stored = this.#recState[rec];
    return stateKey !== undefined ? stored === stateKey : this.#ops.equal(stored as S, state);
  }

  #append(encoding: Int32Array, length: number, info: Uint32Array, state: S | ValueKey): number {
    const total = length + this.#infoWords;
    if (this.#arenaUsed + total > this.#arena.length) {
      const bigger = new Int32Array(Math.max(this.#arena.length * 2, this.#arenaUsed + total));
      bigger.set(this.#arena.subarray(0, this.#arenaUsed));
      this.#arena = bigger;
    }
    this.#arena.set(encoding.subarray(0, length), this.#arenaUsed);
    for (let w = 0; w < this.#infoWords; w++) this.#arena[this.#arenaUsed + length + w] = info[w] | 0;
    const index = this.#size;
    if (index >= this.#recOffset.length) {
      const offsets = new Int32Array(this.#recOffset.length * 2);
      offsets.set(this.#recOffset);
      this.#recOffset = offsets;
      const lengths = new Int32Array(this.#recLen.length * 2);
      lengths.set(this.#recLen);
      this.#recLen = lengths;
    }
    this.#recOffset[index] = this.#arenaUsed;
    this.#recLen[index] = length;
    this.#recState.push(state);
    this.#arenaUsed += total;
    this.#size++;
    return index;
  }

  #grow(): void {
    const oldSlots = this.#slots;
    const oldHash = this.#slotHash;
    const capacity = oldSlots.length * 2;
    const slots = new Int32Array(capacity);
    const slotHash = new Int32Array(capacity);
    const mask = capacity - 1;
    for (let i = 0; i < oldSlots.length; i++) {
      const rec = oldSlots[i];
      if (rec === 0) continue;
      let slot = oldHash[i] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = rec;
      slotHash[slot] = oldHash[i];
    }
    this.#slots = slots;
    this.#slotHash = slotHash;
    this.#mask = mask;
  }
}
