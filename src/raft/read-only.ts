/**
 * Pending linearizable reads at the leader (etcd's read_only.go, batched).
 *
 * A read arriving at commit index c is answered with index c once the leader
 * has proof it was still the leader after the read arrived: a quorum of
 * voters acknowledged a heartbeat round that started after it. Reads are
 * queued unassigned; the next heartbeat broadcast (a timer tick, or the next
 * `ready()`) assigns every unassigned read to its round, so N reads that
 * arrive together cost one round. Acknowledging round r implies all earlier
 * rounds, so confirmation releases a prefix of the queue.
 */
import type { NodeId } from './types.js';

export interface PendingRead {
  readonly context: string;
  /** Who asked: this node (→ ReadState) or a follower (→ ReadIndexResponse). */
  readonly from: NodeId;
  /** Commit index when the read arrived. */
  readonly index: number;
  /** Heartbeat round that confirms it; 0 while unassigned. Non-decreasing along the queue. */
  round: number;
}

export class ReadQueue {
  /** Reads that arrived before the leader committed an entry of its term (its commit index may be stale). */
  #awaitingTermCommit: Array<{ context: string; from: NodeId }> = [];
  #queue: PendingRead[] = [];
  #head = 0;
  #unassigned = 0;

  get size(): number {
    return this.#awaitingTermCommit.length + this.#queue.length - this.#head;
  }

  get unassignedCount(): number {
    return this.#unassigned;
  }

  deferUntilTermCommit(context: string, from: NodeId): void {
    this.#awaitingTermCommit.push({ context, from });
  }

  /** The leader committed in its term: queue the deferred reads at `commitIndex`. */
  releaseDeferred(commitIndex: number): void {
    for (const r of this.#awaitingTermCommit) this.add(r.context, r.from, commitIndex);
    this.#awaitingTermCommit = [];
  }

  add(context: string, from: NodeId, index: number): void {
    this.#queue.push({ context, from, index, round: 0 });
    this.#unassigned++;
  }

  /** A heartbeat round starts: every unassigned read waits for it. */
  assign(round: number): void {
    for (let i = this.#queue.length - this.#unassigned; i < this.#queue.length; i++) this.#queue[i].round = round;
    this.#unassigned = 0;
  }

  /** Forget round assignments (the voter set changed): reads wait for a fresh round. */
  unassignAll(): void {
    for (let i = this.#head; i < this.#queue.length; i++) this.#queue[i].round = 0;
    this.#unassigned = this.#queue.length - this.#head;
  }

  /** Pop the reads confirmed by round `confirmedRound`. */
  release(confirmedRound: number): PendingRead[] {
    const out: PendingRead[] = [];
    while (this.#head < this.#queue.length) {
      const r = this.#queue[this.#head];
      if (r.round === 0 || r.round > confirmedRound) break;
      out.push(r);
      this.#head++;
    }
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }
}
