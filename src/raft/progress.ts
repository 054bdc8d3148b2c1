/**
 * What a leader knows about one follower's log, and how it sends to it
 * (etcd's tracker/progress.go, with the state as a discriminated union so a
 * field exists only in the state that uses it):
 *
 * - probe: we do not know where the follower's log ends; send one append,
 *   then wait for its answer (or a heartbeat answer) before the next.
 * - replicate: the follower is keeping up; stream appends optimistically,
 *   up to `maxInflightAppends` unacknowledged messages (pipelining).
 * - snapshot: the follower needs entries we compacted; one snapshot is on its
 *   way and nothing else is sent until it is answered (or retried).
 */
import { invariant } from './errors.js';

/** A ring buffer of the last index of each in-flight append, oldest first. */
export class Inflights {
  readonly #buffer: number[];
  #start = 0;
  #count = 0;

  constructor(readonly capacity: number) {
    invariant(capacity > 0, 'inflights capacity > 0', () => `capacity ${capacity}`);
    this.#buffer = new Array<number>(capacity).fill(0);
  }

  get count(): number {
    return this.#count;
  }

  full(): boolean {
    return this.#count === this.capacity;
  }

  add(lastIndex: number): void {
    invariant(!this.full(), 'inflights not full on add', () => `capacity ${this.capacity}`);
    const newest = this.#count === 0 ? -1 : this.#buffer[(this.#start + this.#count - 1) % this.capacity];
    invariant(lastIndex > newest, 'inflights ascending', () => `adding ${lastIndex} after ${newest}`);
    this.#buffer[(this.#start + this.#count) % this.capacity] = lastIndex;
    this.#count++;
  }

  /** Forget every in-flight append whose last index is ≤ `index` (acknowledged). */
  freeLE(index: number): void {
    while (this.#count > 0 && this.#buffer[this.#start] <= index) {
      this.#start = (this.#start + 1) % this.capacity;
      this.#count--;
    }
  }

  /** Forget the oldest in-flight append (it was probably lost) to let one more through. */
  freeFirst(): void {
    if (this.#count === 0) return;
    this.#start = (this.#start + 1) % this.capacity;
    this.#count--;
  }

  reset(): void {
    this.#start = 0;
    this.#count = 0;
  }
}

export type ProgressState =
  | { readonly kind: 'probe'; paused: boolean }
  | { readonly kind: 'replicate'; readonly inflights: Inflights }
  | { readonly kind: 'snapshot'; readonly pendingIndex: number; ticksSinceSent: number };

export class Progress {
  /** Highest index known to match the leader's log. Invariant: 0 ≤ match < next. */
  match = 0;
  /** The highest commit index sent to this follower (that it can apply: within what it holds). */
  sentCommit = 0;
  /** Next index to send. */
  next: number;
  state: ProgressState = { kind: 'probe', paused: false };
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Highest heartbeat round this follower acknowledged in the current term. */
  ackedRound = 0;

  constructor(
    next: number,
    private readonly maxInflight: number,
  ) {
    this.next = next;
    this.#check();
  }

  #check(): void {
    invariant(this.match >= 0 && this.match < this.next, '0 ≤ match < next', () => `match ${this.match}, next ${this.next}`);
  }

  /** Nothing more may be sent right now. */
  isPaused(): boolean {
    switch (this.state.kind) {
      case 'probe':
        return this.state.paused;
      case 'replicate':
        return this.state.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  becomeProbe(): void {
    // Coming back from a snapshot, resume after it; otherwise after the match.
    const after = this.state.kind === 'snapshot' ? Math.max(this.match, this.state.pendingIndex) : this.match;
    this.state = { kind: 'probe', paused: false };
    this.next = after + 1;
    this.#check();
  }

  becomeReplicate(): void {
    this.state = { kind: 'replicate', inflights: new Inflights(this.maxInflight) };
    this.next = this.match + 1;
    this.#check();
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.state = { kind: 'snapshot', pendingIndex: snapshotIndex, ticksSinceSent: 0 };
  }

  /** A snapshot send failed or went unanswered: probe again from the match. */
  snapshotFailed(): void {
    this.state = { kind: 'probe', paused: false };
    this.next = this.match + 1;
    this.#check();
  }

  /**
   * An empty append just to carry a newer commit index: only when nothing
   * is in flight to this follower (an append still unanswered will be
   * followed by more, or its answer brings the follower up to date) —
   * otherwise under load every commit would cost one more round trip per
   * follower. Heartbeats carry the commit index too.
   */
  needsCommitBump(committed: number): boolean {
    if (this.sentCommit >= committed) return false;
    return this.state.kind !== 'replicate' || this.state.inflights.count === 0;
  }

  /** Record that an append ending at `lastIndex` was sent (`lastIndex` < next when empty). */
  sentAppend(entryCount: number, lastIndex: number): void {
    switch (this.state.kind) {
      case 'replicate':
        if (entryCount > 0) {
          this.next = lastIndex + 1;
          this.state.inflights.add(lastIndex);
        }
        break;
      case 'probe':
        this.state.paused = true;
        break;
      case 'snapshot':
        invariant(false, 'no appends in snapshot state', () => `sent append ending at ${lastIndex}`);
    }
    this.#check();
  }

  /** The follower acknowledged up to `index`. Returns false for a stale answer. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      if (this.state.kind === 'probe') this.state.paused = false;
    }
    this.next = Math.max(this.next, index + 1);
    this.#check();
    return updated;
  }

  /**
   * The follower rejected an append at `rejected` and hints that its log may
   * match up to `matchHint`. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    // A snapshot is on its way; a rejection of an older append says nothing new.
    if (this.state.kind === 'snapshot') return false;
    if (this.state.kind === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    // A follower never loses what it acknowledged, so a rejection at or below
    // the match index is stale; answering it would ping-pong once per
    // delivery (and multiply with every duplicated message).
    if (rejected <= this.match) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.state.paused = false;
    this.#check();
    return true;
  }
}
