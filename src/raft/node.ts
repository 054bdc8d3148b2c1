/**
 * RaftNode: the public, sans-I/O face of Raft (etcd's RawNode).
 *
 * Inputs: `tick()`, `step(message)`, `propose`, `proposeConfChange`,
 * `readIndex`, `transferLeadership`, `compact`, `reportUnreachable`,
 * `reportSnapshot`. Output: `ready()` gathers everything the host must do;
 * the host does it **in this order** and then calls `advance(ready)`:
 *
 *   1. persist `snapshot`, `entries` and `hardState`, and fsync them;
 *   2. send `messages`;
 *   3. restore `snapshot` into the state machine, apply `committedEntries`,
 *      serve `readStates` once applied ≥ their index;
 *   4. `advance(ready)`.
 *
 * No awaits, no timers, no clock: the host calls `tick()` every
 * `tickIntervalMs` of monotonic time.
 */
import type { RaftConfig } from './config.js';
import { resolveConfig } from './config.js';
import type { ProposeResult, RequestResult } from './core.js';
import { RaftCore } from './core.js';
import { RaftUsageError } from './errors.js';
import { EMPTY_SNAPSHOT, RaftLog } from './log.js';
import type { Message } from './messages.js';
import type { ProgressState } from './progress.js';
import type { ConfChange, Entry, HardState, NodeId, ReadState, RecoveredState, Role, Snapshot, SoftState } from './types.js';
import { EMPTY_HARD_STATE, makeConf } from './types.js';
import { validateMessage } from './validate.js';

export interface Ready {
  /** Leader or role changed since the last Ready (volatile; informational). */
  readonly softState?: SoftState;
  /**
   * Term, vote and commit to persist. Must be durable (fsynced) BEFORE any of
   * `messages` is sent: a vote or term that is forgotten after a crash lets a
   * node vote twice in one term.
   */
  readonly hardState?: HardState;
  /**
   * A snapshot received from the leader. Persist it BEFORE sending
   * `messages` (it replaces the whole stored log), then restore the state
   * machine from it before applying `committedEntries`.
   */
  readonly snapshot?: Snapshot;
  /**
   * Entries to append to stable storage and fsync BEFORE sending `messages`
   * (an acknowledgement must never precede durability). If `entries[0].index`
   * is ≤ the last stored index, storage first drops everything from there on
   * (a conflicting suffix replaced by the leader).
   */
  readonly entries: readonly Entry[];
  /** Messages to send, only after the fields above are durable. */
  readonly messages: readonly Message[];
  /**
   * Committed entries to apply, in order. They may include entries from this
   * Ready's `entries`: persist first, then apply. Includes 'noop' and
   * 'conf-change' entries (membership already took effect inside Raft).
   */
  readonly committedEntries: readonly Entry[];
  /** Reads confirmed by a quorum (or a lease): serve each once applied ≥ index. */
  readonly readStates: readonly ReadState[];
}

export type StepOutcome = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState['kind'];
  readonly recentActive: boolean;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  /** Per follower, when leading. */
  readonly progress?: Readonly<Record<NodeId, ProgressStatus>>;
  readonly leadTransferee?: NodeId | null;
  readonly leaseValid?: boolean;
  /** Dropped messages by reason since start. */
  readonly dropped: Readonly<Record<string, number>>;
}

/** A read-only view of one node for `RaftClusterInvariants` (cheap; no copying). */
export interface RaftInspection {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly role: Role;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  readonly lastIndex: number;
  termAt(index: number): number | undefined;
  entryAt(index: number): Entry | undefined;
  /** Increments on every truncation of the log (including snapshot restores). */
  readonly truncationSeq: number;
  /** Lowest index truncated after truncation `seq` (Infinity: none; 0: unknown, rescan). */
  truncatedSince(seq: number): number;
}

const EMPTY_RECOVERED: RecoveredState = Object.freeze({ hardState: EMPTY_HARD_STATE, entries: Object.freeze([]) });

export class RaftNode {
  readonly #core: RaftCore;
  readonly #async: boolean;
  /** Readies handed out and not advanced, oldest first. */
  readonly #outstanding: Ready[] = [];
  #prevHard: HardState;
  #prevSoft: SoftState;

  /**
   * @param config  options (see `RaftConfig`); validated, throws `RaftConfigError`.
   * @param recovered  what storage recovered (`RaftStorage.open`); omit for a brand-new node.
   *   When it is empty and `config.voters` is not, the node bootstraps a new
   *   cluster: entry 1 (term 1) records the founding configuration, committed.
   */
  constructor(config: RaftConfig, recovered: RecoveredState = EMPTY_RECOVERED) {
    const cfg = resolveConfig(config);
    const hard = recovered.hardState;
    const snapshot = recovered.snapshot ?? EMPTY_SNAPSHOT;
    const fresh = hard.term === 0 && recovered.entries.length === 0 && recovered.snapshot === undefined;
    const log = new RaftLog(snapshot, recovered.entries, hard.commit);
    let term = hard.term;
    if (fresh && cfg.voters.length > 0) {
      log.append([Object.freeze({ index: 1, term: 1, kind: 'conf-change', change: null, conf: makeConf(cfg.voters, cfg.learners) })]);
      log.commitTo(1);
      term = 1;
    }
    this.#core = new RaftCore(cfg, log, term, hard.vote);
    this.#async = cfg.asyncStorageWrites;
    this.#prevHard = hard;
    this.#prevSoft = { leader: null, role: 'follower' };
  }

  get id(): NodeId {
    return this.#core.id;
  }

  /** Advance logical time by one tick (election timeout, heartbeats, check-quorum). */
  tick(): void {
    this.#core.tick();
  }

  /**
   * Feed a message from a peer. Malformed, misaddressed or impossible
   * messages are dropped (never thrown); the outcome says why.
   */
  step(message: unknown): StepOutcome {
    const v = validateMessage(message, this.#core.id);
    if (!v.ok) {
      const reason = `malformed: ${v.reason}`;
      this.#core.dropCounts.set(reason, (this.#core.dropCounts.get(reason) ?? 0) + 1);
      this.#core.cfg.logger?.('raft.drop', { node: this.#core.id, reason });
      return { accepted: false, reason };
    }
    this.#core.step(v.message);
    const reason = this.#core.lastDropReason;
    return reason === null ? { accepted: true } : { accepted: false, reason };
  }

  /** Append `data` to the log (leader only). The index/term let the caller recognise its entry when committed. */
  propose(data: Uint8Array): ProposeResult {
    return this.#core.propose(data);
  }

  /** Propose one membership change (leader only; see README for the rules). */
  proposeConfChange(change: ConfChange): ProposeResult {
    return this.#core.proposeConfChange(change);
  }

  /**
   * Ask for a linearizable read point. The answer arrives later as a
   * `ReadState` with the same `context` (keep contexts unique). A follower
   * forwards to the leader; if the answer never comes (leader change, lost
   * message), retry with a new context after a timeout.
   */
  readIndex(context: string): RequestResult {
    return this.#core.readIndex(context);
  }

  /** Hand leadership to voter `to` (after catching it up); abandoned after an election timeout. */
  transferLeadership(to: NodeId): RequestResult {
    return this.#core.transferLeadership(to);
  }

  /**
   * The application took a snapshot of its state machine at `index` (≤ the
   * applied index). Raft drops entries ≤ index and will send this snapshot to
   * followers that need them. Persist it with `RaftStorage.saveSnapshot`.
   */
  compact(index: number, data: Uint8Array): Snapshot {
    const log = this.#core.log;
    if (!Number.isSafeInteger(index) || index <= log.snapshotIndex || index > log.applied) {
      throw new RaftUsageError(`RaftNode.compact: index must be in (${log.snapshotIndex}, ${log.applied}] (the applied index), got ${index}`);
    }
    return log.compact(index, data);
  }

  /**
   * While leading: the monotonic time (the configured `monoNowMs`) at which
   * the latest heartbeat round that a quorum acknowledged in this term was
   * sent, i.e. a moment this node provably still led. Null when not leading,
   * before the first confirmation, or without `monoNowMs`. What a lease
   * keeper passes as `leadershipConfirmedAtMs`.
   */
  leadershipConfirmedAtMs(): number | null {
    const st = this.#core.state;
    return st.role === 'leader' ? st.leader.confirmedAtMs : null;
  }

  /** The transport could not reach `id`: stop streaming to it and probe. */
  reportUnreachable(id: NodeId): void {
    this.#core.reportUnreachable(id);
  }

  /** The transport finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, status: 'finish' | 'failure'): void {
    this.#core.reportSnapshot(id, status);
  }

  /**
   * Is there anything to do? False while a Ready is outstanding (call
   * `advance` first), unless `asyncStorageWrites` lets several be in flight.
   */
  hasReady(): boolean {
    if (this.#outstanding.length > 0 && !this.#async) return false;
    const core = this.#core;
    const log = core.log;
    return (
      core.msgs.length > 0 ||
      core.readStates.length > 0 ||
      core.hasPendingFlush() ||
      this.#snapshotToHandOut() !== null ||
      log.hasUnhandedEntries() ||
      log.hasNextCommitted(this.#applyUpTo()) ||
      !this.#sameHard(this.#hardState()) ||
      core.lead !== this.#prevSoft.leader ||
      core.role !== this.#prevSoft.role
    );
  }

  /**
   * Collect the work to do. Exactly one Ready may be outstanding, or with
   * `asyncStorageWrites` any number (each holds only what the earlier ones
   * did not).
   */
  ready(): Ready {
    if (this.#outstanding.length > 0 && !this.#async) throw new RaftUsageError('RaftNode.ready: the previous Ready was not advanced yet');
    const core = this.#core;
    const log = core.log;
    core.flush();
    const hard = this.#hardState();
    const soft: SoftState = { leader: core.lead, role: core.role };
    const committedEntries = log.nextCommitted(this.#applyUpTo(), core.cfg.maxApplyEntriesPerReady);
    const rd: {
      -readonly [K in keyof Ready]: Ready[K];
    } = {
      entries: log.takeUnstableEntries(),
      messages: core.msgs,
      committedEntries,
      readStates: core.readStates,
    };
    // Asynchronous writes: the host applies these as it receives them (they are durable here).
    if (this.#async && committedEntries.length > 0) log.appliedTo(committedEntries[committedEntries.length - 1].index);
    if (!this.#sameHard(hard)) rd.hardState = hard;
    if (soft.leader !== this.#prevSoft.leader || soft.role !== this.#prevSoft.role) rd.softState = soft;
    const snapshot = this.#snapshotToHandOut();
    if (snapshot !== null) rd.snapshot = snapshot;
    core.msgs = [];
    core.readStates = [];
    this.#prevHard = hard;
    this.#prevSoft = soft;
    this.#outstanding.push(rd);
    return rd;
  }

  /**
   * The host did everything `ready` asked (persisted, sent, applied). With
   * several Readies in flight, advance them in the order `ready` gave them.
   */
  advance(ready: Ready): void {
    if (ready !== this.#outstanding[0]) {
      throw new RaftUsageError(this.#outstanding.includes(ready) ? 'RaftNode.advance: Readies must be advanced in the order they were handed out' : 'RaftNode.advance: not an outstanding Ready');
    }
    this.#outstanding.shift();
    const core = this.#core;
    const log = core.log;
    if (ready.snapshot !== undefined) {
      const index = ready.snapshot.metadata.index;
      log.stableSnapshotTo(index);
      log.appliedTo(Math.min(index, log.committed));
    }
    const entries = ready.entries;
    if (entries.length > 0) {
      const last = entries[entries.length - 1];
      log.stableTo(last.index, last.term);
      // The leader's own copy now counts toward the quorum.
      if (this.#async) core.maybeCommit();
    }
    const applied = ready.committedEntries;
    if (applied.length > 0) log.appliedTo(applied[applied.length - 1].index);
  }

  status(): RaftStatus {
    const core = this.#core;
    const log = core.log;
    const base = {
      id: core.id,
      term: core.term,
      vote: core.vote,
      role: core.role,
      leader: core.lead,
      commit: log.committed,
      applied: log.applied,
      lastIndex: log.lastIndex(),
      snapshotIndex: log.snapshotIndex,
      voters: core.voters,
      learners: core.learners,
      dropped: Object.fromEntries(core.dropCounts),
    };
    if (core.state.role !== 'leader') return base;
    const ls = core.state.leader;
    const progress: Record<NodeId, ProgressStatus> = {};
    for (const [id, pr] of ls.progress) progress[id] = { match: pr.match, next: pr.next, state: pr.state.kind, recentActive: pr.recentActive };
    return { ...base, progress, leadTransferee: ls.transferee, leaseValid: core.leaseValid() };
  }

  inspect(): RaftInspection {
    const core = this.#core;
    const log = core.log;
    return {
      id: core.id,
      term: core.term,
      vote: core.vote,
      role: core.role,
      leader: core.lead,
      commit: log.committed,
      applied: log.applied,
      snapshotIndex: log.snapshotIndex,
      snapshotTerm: log.snapshotTerm,
      lastIndex: log.lastIndex(),
      termAt: (i) => log.term(i),
      entryAt: (i) => log.entry(i),
      truncationSeq: log.truncationSeq,
      truncatedSince: (seq) => log.truncatedSince(seq),
    };
  }

  /** A snapshot received from the leader that no outstanding Ready holds yet (it is persisted until advanced). */
  #snapshotToHandOut(): Snapshot | null {
    const pending = this.#core.log.pendingSnapshot;
    if (pending === null || this.#outstanding.some((rd) => rd.snapshot === pending)) return null;
    return pending;
  }

  /**
   * How far committed entries may be handed out. With asynchronous writes
   * only locally durable ones (they are applied before their Ready is
   * advanced), and none while a received snapshot is in flight (it is
   * restored first).
   */
  #applyUpTo(): number {
    const log = this.#core.log;
    if (!this.#async) return log.committed;
    return log.pendingSnapshot !== null ? 0 : log.stable;
  }

  #hardState(): HardState {
    const core = this.#core;
    return { term: core.term, vote: core.vote, commit: core.log.committed };
  }

  #sameHard(h: HardState): boolean {
    const p = this.#prevHard;
    return h.term === p.term && h.vote === p.vote && h.commit === p.commit;
  }
}
