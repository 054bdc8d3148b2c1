/**
 * The in-memory Raft log: a snapshot followed by the entries after it.
 *
 *   snapshot.index  <  firstIndex … stable … lastIndex
 *   [1, snapshot.index]            folded into the snapshot
 *   (snapshot.index, stable]       persisted (told by `stableTo`)
 *   (stable, lastIndex]            unstable: the next Ready's `entries`
 *   (applied, committed]           the next Ready's `committedEntries`
 *
 * Invariants (checked where the data changes):
 *   snapshot.index ≤ committed ≤ lastIndex;  applied ≤ committed;
 *   snapshot.index ≤ stable ≤ lastIndex;
 *   no pending snapshot ⇒ snapshot.index ≤ applied;
 *   entries are contiguous and their terms never decrease.
 *
 * Append and index → entry are O(1); compaction drops a prefix in amortised
 * O(1) by moving a head offset and re-slicing only when half the array is dead.
 */
import { invariant } from './errors.js';
import type { ConfState, Entry, Snapshot } from './types.js';
import { EMPTY_CONF, entrySizeBytes } from './types.js';

export type MaybeAppendResult =
  | { readonly kind: 'appended'; readonly lastNewIndex: number }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'conflicts-with-committed'; readonly index: number };

interface ConfPoint {
  readonly index: number;
  readonly conf: ConfState;
}

interface Truncation {
  readonly seq: number;
  readonly fromIndex: number;
}

const TRUNCATION_HISTORY = 256;

export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({
  metadata: Object.freeze({ index: 0, term: 0, conf: EMPTY_CONF }),
  data: new Uint8Array(0),
});

export class RaftLog {
  #snapshot: Snapshot;
  /** Entries with index > snapshot.index live in #entries[#head…]. */
  #entries: Entry[];
  #head = 0;
  #committed: number;
  #applied: number;
  #stable: number;
  /**
   * Entries up to here were handed to storage (≥ stable): with asynchronous
   * storage writes several Readies may be in flight, and the next one hands
   * out only what follows (etcd's offsetInProgress).
   */
  #inProgress: number;
  /** A snapshot received from the leader, not yet persisted and applied. */
  #pendingSnapshot: Snapshot | null = null;
  /** Membership entries after the snapshot, ascending: the configuration history. */
  #confs: ConfPoint[] = [];
  /** Recent truncations, for observers that check logs incrementally. */
  #truncations: Truncation[] = [];
  #truncationSeq = 0;
  /** Bumped whenever the latest configuration (lastConf) may have changed. */
  confVersion = 0;

  constructor(snapshot: Snapshot, entries: readonly Entry[], committed: number) {
    this.#snapshot = snapshot;
    this.#entries = [];
    this.#committed = snapshot.metadata.index;
    this.#applied = snapshot.metadata.index;
    this.#stable = snapshot.metadata.index;
    this.#inProgress = this.#stable;
    this.append(entries);
    this.#stable = this.lastIndex();
    this.#inProgress = this.#stable;
    invariant(committed <= this.lastIndex(), 'commit ≤ lastIndex', () => `recovered commit ${committed} > last index ${this.lastIndex()}`);
    this.#committed = Math.max(committed, snapshot.metadata.index);
  }

  get snapshot(): Snapshot {
    return this.#snapshot;
  }
  get snapshotIndex(): number {
    return this.#snapshot.metadata.index;
  }
  get snapshotTerm(): number {
    return this.#snapshot.metadata.term;
  }
  get committed(): number {
    return this.#committed;
  }
  get applied(): number {
    return this.#applied;
  }
  get stable(): number {
    return this.#stable;
  }
  get pendingSnapshot(): Snapshot | null {
    return this.#pendingSnapshot;
  }

  firstIndex(): number {
    return this.#snapshot.metadata.index + 1;
  }

  lastIndex(): number {
    return this.#snapshot.metadata.index + this.#entries.length - this.#head;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** Term of the entry at `index`, or undefined when compacted away or beyond the end. */
  term(index: number): number | undefined {
    const snap = this.#snapshot.metadata;
    if (index === snap.index) return snap.term;
    if (index < snap.index || index > this.lastIndex()) return undefined;
    return this.#entries[this.#head + index - snap.index - 1].term;
  }

  entry(index: number): Entry | undefined {
    const snap = this.#snapshot.metadata;
    if (index <= snap.index || index > this.lastIndex()) return undefined;
    return this.#entries[this.#head + index - snap.index - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: is a log ending at (lastIndex, lastTerm) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries in [lo, hi), at most `maxCount` of them and about `maxBytes`
   * (at least one entry when lo < hi, so a big entry still moves).
   */
  slice(lo: number, hi: number, maxCount = Number.MAX_SAFE_INTEGER, maxBytes = Number.MAX_SAFE_INTEGER): Entry[] {
    invariant(lo >= this.firstIndex() && hi <= this.lastIndex() + 1 && lo <= hi, 'slice in bounds', () => `[${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    const start = this.#head + lo - this.firstIndex();
    let end = start + Math.min(hi - lo, maxCount);
    if (maxBytes !== Number.MAX_SAFE_INTEGER) {
      let bytes = 0;
      for (let i = start; i < end; i++) {
        bytes += entrySizeBytes(this.#entries[i]);
        if (bytes > maxBytes && i > start) {
          end = i;
          break;
        }
      }
    }
    return this.#entries.slice(start, end);
  }

  /** Append at the end (a leader's own entries, or recovery). */
  append(entries: readonly Entry[]): void {
    let last = this.lastIndex();
    let lastTerm = this.lastTerm();
    for (const e of entries) {
      invariant(e.index === last + 1, 'log contiguous', () => `appending index ${e.index} after ${last}`);
      invariant(e.term >= lastTerm, 'log terms non-decreasing', () => `entry ${e.index} has term ${e.term} < ${lastTerm}`);
      this.#entries.push(e);
      if (e.kind === 'conf-change') {
        this.#confs.push({ index: e.index, conf: e.conf });
        this.confVersion++;
      }
      last = e.index;
      lastTerm = e.term;
    }
  }

  /**
   * The follower side of AppendEntries (§5.3): if our log has (prevIndex,
   * prevTerm), drop any suffix that conflicts with `entries` and append the
   * rest. Entries already present are left alone (an old, reordered message
   * must not truncate entries a newer one appended). The caller handles
   * prevIndex < committed first, so every entry is after the snapshot.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): MaybeAppendResult {
    invariant(prevIndex >= this.#committed, 'append after commit', () => `prevIndex ${prevIndex} < committed ${this.#committed}`);
    if (!this.matchTerm(prevIndex, prevTerm)) return { kind: 'mismatch' };
    const last = this.lastIndex();
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (e.index > last) {
        this.append(entries.slice(k));
        break;
      }
      if (this.term(e.index) !== e.term) {
        if (e.index <= this.#committed) return { kind: 'conflicts-with-committed', index: e.index };
        this.truncateFrom(e.index);
        this.append(entries.slice(k));
        break;
      }
    }
    return { kind: 'appended', lastNewIndex: prevIndex + entries.length };
  }

  /** Drop entries [index, lastIndex]. Never below the commit index. */
  truncateFrom(index: number): void {
    invariant(index > this.#committed, 'never truncate committed entries', () => `truncate from ${index} ≤ committed ${this.#committed}`);
    if (index > this.lastIndex()) return;
    this.#entries.length = this.#head + index - this.firstIndex();
    this.#stable = Math.min(this.#stable, index - 1);
    this.#inProgress = Math.min(this.#inProgress, index - 1);
    while (this.#confs.length > 0 && this.#confs[this.#confs.length - 1].index >= index) {
      this.#confs.pop();
      this.confVersion++;
    }
    this.#recordTruncation(index);
  }

  commitTo(index: number): void {
    if (index <= this.#committed) return;
    invariant(index <= this.lastIndex(), 'commit ≤ lastIndex', () => `commit ${index} > last index ${this.lastIndex()}`);
    this.#committed = index;
  }

  appliedTo(index: number): void {
    if (index <= this.#applied) return;
    invariant(index <= this.#committed, 'applied ≤ committed', () => `applied ${index} > committed ${this.#committed}`);
    this.#applied = index;
  }

  /** Entries up to `index` are durable, unless the entry there has since been replaced. */
  stableTo(index: number, term: number): void {
    if (index > this.#stable && this.term(index) === term) this.#stable = index;
    invariant(this.#stable <= this.#inProgress, 'stable ≤ inProgress', () => `stable ${this.#stable} > in progress ${this.#inProgress}`);
  }

  stableSnapshotTo(index: number): void {
    if (this.#pendingSnapshot !== null && this.#pendingSnapshot.metadata.index === index) this.#pendingSnapshot = null;
  }

  /** Replace the whole log with a snapshot from the leader. */
  restore(snapshot: Snapshot): void {
    const s = snapshot.metadata;
    invariant(s.index > this.#committed, 'restore beyond commit', () => `snapshot ${s.index} ≤ committed ${this.#committed}`);
    this.#recordTruncation(this.firstIndex());
    this.#snapshot = snapshot;
    this.#entries = [];
    this.#head = 0;
    this.#confs = [];
    this.confVersion++;
    this.#committed = s.index;
    this.#stable = s.index;
    this.#inProgress = s.index;
    this.#pendingSnapshot = snapshot;
  }

  /**
   * Fold [1, index] into a snapshot the application took at `index` (which
   * it has applied). Returns the snapshot, now the one sent to slow followers.
   */
  compact(index: number, data: Uint8Array): Snapshot {
    invariant(index > this.snapshotIndex && index <= this.#applied, 'compact within (snapshot, applied]', () => `compact(${index}) outside (${this.snapshotIndex}, ${this.#applied}]`);
    const snapshot: Snapshot = Object.freeze({
      metadata: Object.freeze({ index, term: this.term(index)!, conf: this.confAt(index) }),
      data,
    });
    this.#head += index - this.snapshotIndex;
    this.#snapshot = snapshot;
    this.#stable = Math.max(this.#stable, index);
    this.#inProgress = Math.max(this.#inProgress, index);
    while (this.#confs.length > 0 && this.#confs[0].index <= index) this.#confs.shift();
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    return snapshot;
  }

  /** The configuration in effect at `index` (the latest membership entry at or before it). */
  confAt(index: number): ConfState {
    for (let i = this.#confs.length - 1; i >= 0; i--) if (this.#confs[i].index <= index) return this.#confs[i].conf;
    return this.#snapshot.metadata.conf;
  }

  /** The configuration in use: the latest in the log, committed or not (thesis §4.1). */
  lastConf(): ConfState {
    return this.#confs.length > 0 ? this.#confs[this.#confs.length - 1].conf : this.#snapshot.metadata.conf;
  }

  /** Index of the entry that set lastConf (the snapshot index when it came from the snapshot). */
  lastConfIndex(): number {
    return this.#confs.length > 0 ? this.#confs[this.#confs.length - 1].index : this.snapshotIndex;
  }

  /** Entries not yet handed to storage; they are in progress from now on. */
  takeUnstableEntries(): Entry[] {
    const last = this.lastIndex();
    if (this.#inProgress >= last) return [];
    const entries = this.slice(this.#inProgress + 1, last + 1);
    this.#inProgress = last;
    return entries;
  }

  hasUnhandedEntries(): boolean {
    return this.#inProgress < this.lastIndex();
  }

  /** Committed entries not yet handed to the application, up to `upTo`, at most `maxCount`. */
  nextCommitted(upTo: number, maxCount: number): Entry[] {
    const from = Math.max(this.#applied, this.snapshotIndex) + 1;
    const to = Math.min(upTo, this.#committed);
    if (from > to) return [];
    return this.slice(from, to + 1, maxCount);
  }

  /** Whether `nextCommitted(upTo, …)` would return anything. */
  hasNextCommitted(upTo: number): boolean {
    return Math.max(this.#applied, this.snapshotIndex) < Math.min(upTo, this.#committed);
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`, with its term (0 when
   * unknown because compacted). Used on both sides of a rejected append.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Sequence number of the latest truncation (observers compare it). */
  get truncationSeq(): number {
    return this.#truncationSeq;
  }

  /**
   * Lowest index truncated after truncation number `seq`, Infinity when none,
   * or 0 when that history is no longer kept (the observer rescans).
   */
  truncatedSince(seq: number): number {
    if (seq === this.#truncationSeq) return Infinity;
    const oldest = this.#truncations[0];
    if (oldest === undefined || oldest.seq > seq + 1) return 0;
    let low = Infinity;
    for (const t of this.#truncations) if (t.seq > seq) low = Math.min(low, t.fromIndex);
    return low;
  }

  #recordTruncation(fromIndex: number): void {
    this.#truncationSeq++;
    this.#truncations.push({ seq: this.#truncationSeq, fromIndex });
    if (this.#truncations.length > TRUNCATION_HISTORY) this.#truncations.shift();
  }
}
