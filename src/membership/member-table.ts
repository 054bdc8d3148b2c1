/**
 * The members one node knows, in probe order (memberlist's `nodes` slice and
 * `nodeMap`). Probing walks the order round robin; at each wrap the dead
 * that have been gossiped about long enough are reaped and the rest is
 * shuffled, and a new member is inserted at a random position — so every
 * member is probed once per round, in an order no one can predict
 * ("randomised round robin": a bounded worst-case detection time, unlike
 * picking a random member each time).
 */
import { shuffleInPlace, type Rng } from '../core/random/index.js';
import type { TimerId } from '../env/index.js';
import type { MemberState } from './messages.js';
import type { Suspicion } from './suspicion.js';

export interface Member {
  readonly name: string;
  incarnation: number;
  state: MemberState;
  /** Monotonic ms of the last state change. */
  stateChangeMs: number;
  /** Present exactly while `state === 'suspect'`. */
  suspicion: Suspicion | undefined;
  suspicionTimer: TimerId | undefined;
}

export class MemberTable {
  readonly #rng: Rng;
  readonly #byName = new Map<string, Member>();
  #order: Member[] = [];
  #probeIndex = 0;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  get size(): number {
    return this.#order.length;
  }

  get(name: string): Member | undefined {
    return this.#byName.get(name);
  }

  /** Every member in probe order (do not mutate the array). */
  all(): readonly Member[] {
    return this.#order;
  }

  /** Add a member at a random position of the probe order (memberlist: so detection stays fast on average). */
  add(name: string, state: MemberState, incarnation: number, nowMs: number): Member {
    if (this.#byName.has(name)) throw new Error(`MemberTable: invariant: ${name} is already a member`);
    const member: Member = { name, incarnation, state, stateChangeMs: nowMs, suspicion: undefined, suspicionTimer: undefined };
    this.#byName.set(name, member);
    const n = this.#order.length;
    const offset = n === 0 ? 0 : this.#rng.int(n);
    this.#order.push(member);
    [this.#order[offset], this.#order[n]] = [this.#order[n], this.#order[offset]];
    return member;
  }

  /**
   * The next member to probe: not `self`, not dead or left. On a wrap, reap
   * members dead for longer than `reapAfterMs` (never `self`) and shuffle.
   * Undefined when there is no one to probe.
   */
  nextProbeTarget(self: string, nowMs: number, reapAfterMs: number): Member | undefined {
    for (let checked = 0; checked <= this.#order.length; ) {
      if (this.#probeIndex >= this.#order.length) {
        this.#reapAndShuffle(self, nowMs, reapAfterMs);
        this.#probeIndex = 0;
        checked++;
        continue;
      }
      const m = this.#order[this.#probeIndex++];
      checked++;
      if (m.name === self || m.state === 'dead' || m.state === 'left') continue;
      return m;
    }
    return undefined;
  }

  /** Up to `k` distinct random members passing `accept` (memberlist's kRandomNodes: at most 3n draws). */
  randomMembers(k: number, accept: (m: Member) => boolean): Member[] {
    const n = this.#order.length;
    const out: Member[] = [];
    for (let i = 0; i < 3 * n && out.length < k; i++) {
      const m = this.#order[this.#rng.int(n)];
      if (!accept(m) || out.includes(m)) continue;
      out.push(m);
    }
    return out;
  }

  #reapAndShuffle(self: string, nowMs: number, reapAfterMs: number): void {
    const kept: Member[] = [];
    for (const m of this.#order) {
      const gone = (m.state === 'dead' || m.state === 'left') && m.name !== self && nowMs - m.stateChangeMs > reapAfterMs;
      if (gone) this.#byName.delete(m.name);
      else kept.push(m);
    }
    this.#order = shuffleInPlace(kept, this.#rng);
  }
}
