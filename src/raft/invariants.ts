/**
 * Raft's safety properties (Figure 3 of the paper), checked continuously
 * across every node of a cluster. Feed it each node's `inspect()` after every
 * step/ready, every applied entry, and every restart; it throws (or collects)
 * a `RaftSafetyViolation` naming the property.
 *
 * - Election safety: at most one leader per term, ever (history is kept).
 * - Leader append-only: a leader never overwrites or deletes its entries.
 * - Log matching: same index and term ⇒ same entry and same preceding log.
 *   Checked locally and incrementally: every (index, term) must always come
 *   with the same entry and the same previous term; by induction that gives
 *   identical prefixes.
 * - Leader completeness: an entry committed in term T is in the log of every
 *   leader of a term > T.
 * - State-machine safety: no two nodes apply different entries at one index,
 *   and committed entries never change.
 * - Durability (what the first five rest on): a node that reported a hard
 *   state and a log tip durable (`onPersisted`) recovers them after a crash
 *   (`onRecovered`): the same or a later term, the same vote in that term,
 *   and the same last entry.
 *
 * Work per observation is proportional to what changed since the last one
 * (new entries, new commits), plus one scan of committed entries per new leader.
 */
import { RaftSafetyViolation } from './errors.js';
import type { RaftInspection } from './node.js';
import type { Entry, NodeId, SnapshotMetadata } from './types.js';
import { confEquals } from './types.js';

export interface RaftClusterInvariantsOptions {
  /** 'throw' (default) raises at the first violation; 'collect' records them in `violations`. */
  readonly onViolation?: 'throw' | 'collect';
}

interface NodeTrack {
  truncationSeq: number;
  /** Entries (snapshot, checkedUpTo] were checked against the global (index, term) table. */
  checkedUpTo: number;
  /** Commit indices up to here were recorded. */
  commitChecked: number;
  term: number;
  /** Term in which this node was last seen leading, or 0. */
  leaderTerm: number;
  leaderLastIndex: number;
  leaderTruncationSeq: number;
  lastApplied: number;
}

interface IndexTermRecord {
  readonly entry: Entry;
  readonly prevTerm: number | undefined;
}

export function entriesEqual(a: Entry, b: Entry): boolean {
  if (a.index !== b.index || a.term !== b.term || a.kind !== b.kind) return false;
  if (a.kind === 'normal' && b.kind === 'normal') {
    if (a.data.byteLength !== b.data.byteLength) return false;
    for (let i = 0; i < a.data.byteLength; i++) if (a.data[i] !== b.data[i]) return false;
    return true;
  }
  if (a.kind === 'conf-change' && b.kind === 'conf-change') {
    if (!confEquals(a.conf, b.conf)) return false;
    if (a.change === null || b.change === null) return a.change === b.change;
    return a.change.type === b.change.type && a.change.node === b.change.node;
  }
  return true;
}

/** What a node reported durable: its hard state's term and vote, and its log's last entry. */
export interface DurableState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly lastIndex: number;
  readonly lastTerm: number;
}

export class RaftClusterInvariants {
  readonly violations: RaftSafetyViolation[] = [];
  readonly #mode: 'throw' | 'collect';
  readonly #nodes = new Map<NodeId, NodeTrack>();
  readonly #leaderByTerm = new Map<number, NodeId>();
  /** index → term → the one entry allowed there. */
  readonly #byIndexTerm = new Map<number, Map<number, IndexTermRecord>>();
  /** index → committed entry (as first seen committed anywhere). */
  readonly #committed = new Map<number, Entry>();
  /** index → term of the leader seen committing it. */
  readonly #commitTerm = new Map<number, number>();
  /** index → applied entry (as first applied anywhere). */
  readonly #applied = new Map<number, Entry>();
  #observations = 0;
  readonly #durable = new Map<NodeId, DurableState>();

  constructor(options: RaftClusterInvariantsOptions = {}) {
    this.#mode = options.onViolation ?? 'throw';
  }

  get observations(): number {
    return this.#observations;
  }

  /** Highest term that had a leader, and who. */
  leaders(): ReadonlyMap<number, NodeId> {
    return this.#leaderByTerm;
  }

  #violate(invariant: RaftSafetyViolation['invariant'], details: string): void {
    const v = new RaftSafetyViolation(invariant, details);
    this.violations.push(v);
    if (this.#mode === 'throw') throw v;
  }

  #track(id: NodeId): NodeTrack {
    let t = this.#nodes.get(id);
    if (t === undefined) {
      t = { truncationSeq: 0, checkedUpTo: 0, commitChecked: 0, term: 0, leaderTerm: 0, leaderLastIndex: 0, leaderTruncationSeq: 0, lastApplied: 0 };
      this.#nodes.set(id, t);
    }
    return t;
  }

  /** The node crashed and restarted: its volatile state (term beyond the persisted one, commit) may go back. */
  onRestart(id: NodeId): void {
    this.#nodes.delete(id);
  }

  /** `id` finished persisting (fsync completed) and may now act on `state`. */
  onPersisted(id: NodeId, state: DurableState): void {
    this.#durable.set(id, state);
  }

  /** `id` restarted from storage with this state (call before it handles anything). */
  onRecovered(v: RaftInspection): void {
    const d = this.#durable.get(v.id);
    if (d === undefined) return;
    if (v.term < d.term) {
      this.#violate('durability', `${v.id} recovered term ${v.term}, but term ${d.term} was durable`);
    } else if (v.term === d.term && d.vote !== null && v.vote !== d.vote) {
      this.#violate('durability', `${v.id} recovered vote ${String(v.vote)} in term ${v.term}, but had durably voted for ${d.vote}`);
    }
    // Entries up to the snapshot may be compacted; the durable last entry must still be there.
    if (d.lastIndex >= v.snapshotIndex && v.termAt(d.lastIndex) !== d.lastTerm) {
      this.#violate('durability', `${v.id} recovered without its durable entry ${d.lastIndex} (term ${d.lastTerm}); its log ends at ${v.lastIndex}`);
    }
  }

  observe(v: RaftInspection): void {
    this.#observations++;
    const t = this.#track(v.id);
    if (v.term < t.term) this.#violate('node-local', `${v.id}: term went back from ${t.term} to ${v.term} without a restart`);
    t.term = v.term;
    if (v.commit > v.lastIndex || v.commit < v.snapshotIndex || v.applied > v.commit) {
      this.#violate('node-local', `${v.id}: snapshot ${v.snapshotIndex} ≤ applied ${v.applied} ≤ commit ${v.commit} ≤ last ${v.lastIndex} broken`);
    }
    this.#checkElection(v);
    this.#checkLogMatching(v, t);
    this.#checkLeaderAppendOnly(v, t);
    this.#recordCommits(v, t);
  }

  #checkElection(v: RaftInspection): void {
    if (v.role !== 'leader') return;
    const other = this.#leaderByTerm.get(v.term);
    if (other === undefined) this.#leaderByTerm.set(v.term, v.id);
    else if (other !== v.id) this.#violate('election-safety', `${other} and ${v.id} both led term ${v.term}`);
  }

  #checkLogMatching(v: RaftInspection, t: NodeTrack): void {
    if (v.truncationSeq !== t.truncationSeq) {
      const low = v.truncatedSince(t.truncationSeq);
      t.checkedUpTo = low === 0 ? 0 : Math.min(t.checkedUpTo, low - 1);
      t.truncationSeq = v.truncationSeq;
    }
    t.checkedUpTo = Math.min(Math.max(t.checkedUpTo, v.snapshotIndex), v.lastIndex);
    for (let i = t.checkedUpTo + 1; i <= v.lastIndex; i++) {
      const entry = v.entryAt(i)!;
      const prevTerm = v.termAt(i - 1);
      let byTerm = this.#byIndexTerm.get(i);
      if (byTerm === undefined) {
        byTerm = new Map();
        this.#byIndexTerm.set(i, byTerm);
      }
      const seen = byTerm.get(entry.term);
      if (seen === undefined) {
        byTerm.set(entry.term, { entry, prevTerm });
        continue;
      }
      if (seen.entry !== entry && !entriesEqual(seen.entry, entry)) {
        this.#violate('log-matching', `${v.id}: two different entries at index ${i} term ${entry.term}`);
      }
      if (prevTerm !== undefined && seen.prevTerm !== undefined && prevTerm !== seen.prevTerm) {
        this.#violate('log-matching', `${v.id}: entry ${i}/${entry.term} follows term ${prevTerm} here but ${seen.prevTerm} elsewhere`);
      }
    }
    t.checkedUpTo = v.lastIndex;
  }

  #checkLeaderAppendOnly(v: RaftInspection, t: NodeTrack): void {
    if (v.role !== 'leader') {
      t.leaderTerm = 0;
      return;
    }
    if (t.leaderTerm === v.term) {
      if (v.truncationSeq !== t.leaderTruncationSeq || v.lastIndex < t.leaderLastIndex) {
        this.#violate('leader-append-only', `${v.id} truncated its log while leading term ${v.term}`);
      }
    } else {
      this.#checkLeaderCompleteness(v);
    }
    t.leaderTerm = v.term;
    t.leaderLastIndex = v.lastIndex;
    t.leaderTruncationSeq = v.truncationSeq;
  }

  #checkLeaderCompleteness(v: RaftInspection): void {
    for (const [index, commitTerm] of this.#commitTerm) {
      if (commitTerm >= v.term || index <= v.snapshotIndex) continue;
      const mine = v.entryAt(index);
      const committed = this.#committed.get(index)!;
      if (mine === undefined || !entriesEqual(mine, committed)) {
        this.#violate('leader-completeness', `${v.id} leads term ${v.term} without entry ${index} committed in term ${commitTerm}`);
      }
    }
  }

  #recordCommits(v: RaftInspection, t: NodeTrack): void {
    if (v.commit < t.commitChecked) t.commitChecked = v.commit;
    for (let i = Math.max(t.commitChecked, v.snapshotIndex) + 1; i <= v.commit; i++) {
      const entry = v.entryAt(i)!;
      const known = this.#committed.get(i);
      if (known === undefined) this.#committed.set(i, entry);
      else if (known !== entry && !entriesEqual(known, entry)) {
        this.#violate('state-machine-safety', `${v.id} committed a different entry at index ${i} (term ${entry.term} vs ${known.term})`);
      }
      if (v.role === 'leader' && !this.#commitTerm.has(i)) this.#commitTerm.set(i, v.term);
    }
    t.commitChecked = v.commit;
  }

  /** `id` applied `entry` to its state machine. */
  onApply(id: NodeId, entry: Entry): void {
    const t = this.#track(id);
    if (entry.index !== t.lastApplied + 1) {
      this.#violate('node-local', `${id} applied index ${entry.index} after ${t.lastApplied} (out of order)`);
    }
    t.lastApplied = entry.index;
    const known = this.#applied.get(entry.index);
    if (known === undefined) this.#applied.set(entry.index, entry);
    else if (known !== entry && !entriesEqual(known, entry)) {
      this.#violate('state-machine-safety', `${id} applied a different entry at index ${entry.index} (term ${entry.term} vs ${known.term})`);
    }
  }

  /** `id` restored its state machine from a snapshot (on restart or from the leader). */
  onSnapshotApplied(id: NodeId, metadata: SnapshotMetadata): void {
    const t = this.#track(id);
    if (metadata.index < t.lastApplied) {
      this.#violate('node-local', `${id} restored snapshot ${metadata.index} below its applied index ${t.lastApplied}`);
    }
    t.lastApplied = metadata.index;
    const known = this.#applied.get(metadata.index) ?? this.#committed.get(metadata.index);
    if (known !== undefined && known.term !== metadata.term) {
      this.#violate('state-machine-safety', `${id} restored a snapshot at ${metadata.index} with term ${metadata.term}, but term ${known.term} was applied there`);
    }
  }
}
