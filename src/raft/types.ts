/**
 * The data Raft is made of: entries, hard state, snapshots, configurations.
 * Plain, immutable, serialisable objects (they cross the wire and the WAL).
 *
 * Indices and terms are safe integers; index 0 and term 0 mean "before the
 * first entry" (the empty log's sentinel).
 */
import type { NodeId } from '../env/index.js';

export type { NodeId };

/** The members of a cluster. `voters` and `learners` are disjoint and sorted. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export type ConfChangeType = 'add-voter' | 'remove-voter' | 'add-learner' | 'promote-learner';

/** One single-server membership change (Raft thesis §4.1). */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly node: NodeId;
}

interface EntryBase {
  readonly index: number;
  readonly term: number;
}

/** An application command. */
export interface NormalEntry extends EntryBase {
  readonly kind: 'normal';
  readonly data: Uint8Array;
}

/** The empty entry a new leader appends so it can commit in its own term (§5.4.2). */
export interface NoopEntry extends EntryBase {
  readonly kind: 'noop';
}

/**
 * A membership change. It carries the whole resulting configuration (not a
 * delta), so a node that has the entry knows the cluster without replaying
 * history. `change` is null for the bootstrap entry at index 1.
 */
export interface ConfChangeEntry extends EntryBase {
  readonly kind: 'conf-change';
  readonly change: ConfChange | null;
  readonly conf: ConfState;
}

export type Entry = NormalEntry | NoopEntry | ConfChangeEntry;

/** What must be durable before a node says anything that depends on it. */
export interface HardState {
  readonly term: number;
  /** Who this node voted for in `term`, or null. */
  readonly vote: NodeId | null;
  readonly commit: number;
}

export interface SnapshotMetadata {
  /** Last index the snapshot covers (entries [1, index] are folded in). */
  readonly index: number;
  /** Term of the entry at `index`. */
  readonly term: number;
  /** Configuration in effect at `index`. */
  readonly conf: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** The application's state machine at `metadata.index`, opaque to Raft. */
  readonly data: Uint8Array;
}

/** The persisted state a node restarts from (what `RaftStorage.open` returns). */
export interface RecoveredState {
  readonly hardState: HardState;
  /** Latest snapshot, or undefined when the log was never compacted. */
  readonly snapshot?: Snapshot;
  /** Entries after the snapshot, contiguous: [snapshotIndex + 1, lastIndex]. */
  readonly entries: readonly Entry[];
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state worth telling the application about (not persisted). */
export interface SoftState {
  readonly leader: NodeId | null;
  readonly role: Role;
}

/**
 * A confirmed linearizable read point: once the application has applied
 * every entry up to `index`, it may serve the read identified by `context`.
 */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });
export const EMPTY_CONF: ConfState = Object.freeze({ voters: Object.freeze([]), learners: Object.freeze([]) });

/** Approximate wire/disk size of an entry, for byte limits. */
export function entrySizeBytes(entry: Entry): number {
  const overheadBytes = 24;
  if (entry.kind === 'normal') return overheadBytes + entry.data.byteLength;
  if (entry.kind === 'conf-change') return overheadBytes + 16 * (entry.conf.voters.length + entry.conf.learners.length + 1);
  return overheadBytes;
}

export function confEquals(a: ConfState, b: ConfState): boolean {
  return sameList(a.voters, b.voters) && sameList(a.learners, b.learners);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A normalised configuration: sorted, frozen copies. */
export function makeConf(voters: Iterable<NodeId>, learners: Iterable<NodeId> = []): ConfState {
  return Object.freeze({
    voters: Object.freeze([...new Set(voters)].sort()),
    learners: Object.freeze([...new Set(learners)].sort()),
  });
}
