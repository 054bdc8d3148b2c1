/**
 * Bookkeeping of the requests a replica is working on: client writes
 * (proposed here, or forwarded to the leader), linearizable reads (waiting
 * for a read point, then for the apply index to reach it), and writes this
 * leader proposed for a follower. Pure data: no Env, no Raft.
 *
 * Every request has a deadline. All of them use the same timeout and the
 * clock is monotonic, so deadlines grow in creation order and one FIFO
 * serves as the timer wheel: `expire(now)` pops from its head.
 *
 * Invariant: `unsettled` counts requests whose callback has not run; each
 * callback runs exactly once (`settle` is the only way out).
 */
import type { NodeId } from '../env/index.js';
import type { GetValue, ServiceResult } from '../services/index.js';
import type { ReplicaOutcome } from './api.js';

export type WriteDone = (outcome: ReplicaOutcome<ServiceResult<unknown>>) => void;
export type ReadDone = (outcome: ReplicaOutcome<GetValue>) => void;

export interface WriteRequest {
  readonly kind: 'write';
  readonly bytes: Uint8Array;
  readonly done: WriteDone;
  readonly deadlineMs: number;
  settled: boolean;
  /** It may have reached a log (proposed here or forwarded, by this attempt or an earlier one): a timeout is then an unknown outcome. */
  sent: boolean;
  /** Forward id while waiting for the leader's reply. */
  forwardId: string | null;
  /** The node it was forwarded to, while waiting for its reply. */
  forwardedTo: NodeId | null;
  /** Definite not_leader answers followed, and re-forwards after a leader change, so far. */
  redirects: number;
  /** The command carries a session: the state machine applies it at most once, so sending it again is safe. */
  readonly exactlyOnce: boolean;
  /** Sent again after a leader change: an earlier copy may still apply, so its outcome is never definite again. */
  resent: boolean;
}

export interface ReadRequest {
  readonly kind: 'read';
  readonly key: string;
  readonly done: ReadDone;
  readonly deadlineMs: number;
  settled: boolean;
  /** The confirmed read point, once a ReadState arrived. */
  index: number | null;
  /** ReadIndex contexts issued for it (a retry adds one). */
  readonly contexts: string[];
  retryAtMs: number;
}

export type ClientRequest = WriteRequest | ReadRequest;

/** A normal entry proposed by this node while leading, for a local request or a follower's. */
export interface Proposal {
  readonly term: number;
  readonly local: WriteRequest | null;
  readonly forwardedFor: { readonly to: NodeId; readonly id: string } | null;
  readonly deadlineMs: number;
}

interface Timed {
  readonly deadlineMs: number;
  readonly item: ClientRequest | { readonly kind: 'proposal'; readonly index: number; readonly proposal: Proposal };
}

export class RequestBook {
  /** Requests that wait for a leader to be known. */
  waiting: ClientRequest[] = [];
  /** index → what this node proposed there. */
  readonly proposals = new Map<number, Proposal>();
  /** Proposals made for followers (bounded separately). */
  forwardedProposals = 0;
  /** forward id → request waiting for the leader's reply. */
  readonly forwards = new Map<string, WriteRequest>();
  /** ReadIndex context → read. */
  readonly readsByContext = new Map<string, ReadRequest>();
  /** Reads with a read point, waiting for the apply index; ascending index. */
  readyReads: ReadRequest[] = [];
  /** Reads without an answer yet, in retry order. */
  retries: ReadRequest[] = [];
  unsettled = 0;
  #timed: Timed[] = [];
  #head = 0;

  track(request: ClientRequest): void {
    this.unsettled++;
    this.#push({ deadlineMs: request.deadlineMs, item: request });
  }

  addProposal(index: number, proposal: Proposal): void {
    this.proposals.set(index, proposal);
    if (proposal.forwardedFor !== null) {
      this.forwardedProposals++;
      this.#push({ deadlineMs: proposal.deadlineMs, item: { kind: 'proposal', index, proposal } });
    }
  }

  /** Remove and return the proposal at `index` (if any). */
  takeProposal(index: number): Proposal | undefined {
    const p = this.proposals.get(index);
    if (p === undefined) return undefined;
    this.proposals.delete(index);
    if (p.forwardedFor !== null) this.forwardedProposals--;
    return p;
  }

  /** Mark settled and forget its lookups; false if it already was. */
  settle(request: ClientRequest): boolean {
    if (request.settled) return false;
    request.settled = true;
    this.unsettled--;
    if (request.kind === 'write') {
      if (request.forwardId !== null) this.forwards.delete(request.forwardId);
      request.forwardId = null;
      request.forwardedTo = null;
    } else {
      for (const c of request.contexts) this.readsByContext.delete(c);
    }
    return true;
  }

  /** Pop everything whose deadline passed: unsettled requests, and follower proposals to forget. */
  expire(nowMs: number): { requests: ClientRequest[]; proposals: Array<{ index: number; proposal: Proposal }> } {
    const requests: ClientRequest[] = [];
    const proposals: Array<{ index: number; proposal: Proposal }> = [];
    while (this.#head < this.#timed.length && this.#timed[this.#head].deadlineMs <= nowMs) {
      const { item } = this.#timed[this.#head++];
      if (item.kind === 'proposal') {
        if (this.proposals.get(item.index) === item.proposal) proposals.push({ index: item.index, proposal: item.proposal });
      } else if (!item.settled) {
        requests.push(item);
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#timed.length) {
      this.#timed = this.#timed.slice(this.#head);
      this.#head = 0;
    }
    return { requests, proposals };
  }

  /** Every unsettled request (for stop), in creation order. */
  allUnsettled(): ClientRequest[] {
    const out: ClientRequest[] = [];
    for (let i = this.#head; i < this.#timed.length; i++) {
      const item = this.#timed[i].item;
      if (item.kind !== 'proposal' && !item.settled) out.push(item);
    }
    return out;
  }

  #push(t: Timed): void {
    const last = this.#timed[this.#timed.length - 1];
    // Invariant: deadlines never decrease along the FIFO (one timeout, monotonic clock).
    if (last !== undefined && t.deadlineMs < last.deadlineMs) {
      throw new Error(`RequestBook: invariant broken: deadline ${t.deadlineMs} < previous ${last.deadlineMs}`);
    }
    this.#timed.push(t);
  }
}
