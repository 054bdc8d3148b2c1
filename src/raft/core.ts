/**
 * The Raft state machine proper (internal; `RaftNode` is the public face).
 *
 * Role behaviour lives in the handler table of `roles.ts`; role-specific data
 * lives in the `RoleState` union below, so leader-only fields (progress,
 * reads, lease) exist only while leading. Every role change goes through a
 * `become*` method: search for "become" to find all transitions.
 *
 * Nothing here does I/O, reads a clock (except the optional injected
 * monotonic clock for leases) or draws randomness other than from the
 * injected Rng. Output accumulates in `msgs` and `readStates`; the log's
 * unstable part and hard state are read by `RaftNode.ready()`.
 */
import type { ResolvedRaftConfig } from './config.js';
import { applyConfChange } from './conf-change.js';
import { NotLeaderError, ProposalRefusedError, RaftUsageError, invariant } from './errors.js';
import type { RaftLog } from './log.js';
import type { AppendEntries, AppendResponse, Heartbeat, HeartbeatResponse, InstallSnapshot, Message, Outgoing, PreVote, RequestVote } from './messages.js';
import { isFromLeader } from './messages.js';
import type { ProgressState } from './progress.js';
import { Progress } from './progress.js';
import { quorumSize, quorumValue, tallyVotes } from './quorum.js';
import { ReadQueue } from './read-only.js';
import { ROLE_HANDLERS } from './roles.js';
import type { ConfChange, ConfState, Entry, NodeId, ReadState, Role, Snapshot } from './types.js';

export interface LeaderState {
  /** One entry per member except this node. */
  readonly progress: Map<NodeId, Progress>;
  heartbeatElapsed: number;
  /** Latest heartbeat round started in this term (rounds start at 1). */
  round: number;
  /** Start time of each unconfirmed round (lease mode only), ascending. */
  readonly roundStartMs: Map<number, number>;
  /** The lease holds while monoNowMs() < this. */
  leaseExpiresAtMs: number;
  /** Start time of the latest round a quorum acknowledged in this term (needs monoNowMs); null before one. */
  confirmedAtMs: number | null;
  /** TimeoutNow was sent this term: a transferee may win without our voters' consent. */
  leaseRevoked: boolean;
  readonly reads: ReadQueue;
  /** Target of an ongoing leadership transfer, or null. */
  transferee: NodeId | null;
  /** New entries to broadcast at the next flush (batching). */
  appendPending: boolean;
  /** The commit index advanced: tell followers at the next flush. */
  commitPending: boolean;
  /** An entry of this term is committed, so our commit index is current (§6.4 / §8). */
  committedInTerm: boolean;
}

export type RoleState =
  | { readonly role: 'follower' }
  | { readonly role: 'pre-candidate'; readonly votes: Map<NodeId, boolean> }
  | { readonly role: 'candidate'; readonly votes: Map<NodeId, boolean> }
  | { readonly role: 'leader'; readonly leader: LeaderState };

export type RequestResult = { readonly ok: true } | { readonly ok: false; readonly error: NotLeaderError | ProposalRefusedError };
export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly error: NotLeaderError | ProposalRefusedError };

type CampaignKind = 'pre-vote' | 'election' | 'transfer';

const FOLLOWER: RoleState = Object.freeze({ role: 'follower' });

export class RaftCore {
  readonly id: NodeId;
  term = 0;
  vote: NodeId | null = null;
  /** The leader of `term` as far as we know. */
  lead: NodeId | null = null;
  state: RoleState = FOLLOWER;
  /** Ticks since the election timer was reset (leader contact, vote granted, campaign). */
  electionElapsed = 0;
  /**
   * Ticks since we last heard from a leader. With lease reads, start-up
   * counts as contact: a restarted voter may have acknowledged a leader's
   * heartbeat just before crashing, and the lease relies on its promise not
   * to vote for anyone else for an election timeout (see README).
   */
  leaderContactElapsed: number;
  randomizedElectionTimeout = 0;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  voters: readonly NodeId[] = [];
  learners: readonly NodeId[] = [];
  isVoter = false;
  /** Why the last message was dropped (RaftNode.step reports it). */
  lastDropReason: string | null = null;
  readonly dropCounts = new Map<string, number>();
  #confVersionSeen = -1;

  constructor(
    readonly cfg: ResolvedRaftConfig,
    readonly log: RaftLog,
    term: number,
    vote: NodeId | null,
  ) {
    this.id = cfg.id;
    this.leaderContactElapsed = cfg.readOnlyOption === 'lease-based' ? 0 : cfg.electionTicks;
    this.term = term;
    this.vote = vote;
    this.refreshConf();
    this.#resetRandomizedTimeout();
  }

  get role(): Role {
    return this.state.role;
  }

  /** The leader's state; throws when not leading (a bug in the caller). */
  leaderState(): LeaderState {
    invariant(this.state.role === 'leader', 'leader-only state', () => `role is ${this.state.role}`);
    return this.state.leader;
  }

  send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id } as Message);
  }

  drop(m: Message, reason: string): void {
    this.lastDropReason = reason;
    this.dropCounts.set(reason, (this.dropCounts.get(reason) ?? 0) + 1);
    this.cfg.logger?.('raft.drop', { node: this.id, term: this.term, type: m.type, from: m.from, msgTerm: m.term, reason });
  }

  // ---------------------------------------------------------------- transitions

  #resetRandomizedTimeout(): void {
    const e = this.cfg.electionTicks;
    this.randomizedElectionTimeout = e + this.cfg.rng.int(e);
  }

  #reset(term: number): void {
    if (this.term !== term) {
      invariant(term > this.term, 'terms only grow', () => `${this.term} → ${term}`);
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.#resetRandomizedTimeout();
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    const was = this.state.role;
    this.#reset(term);
    this.lead = lead;
    this.state = FOLLOWER;
    if (was !== 'follower') this.cfg.logger?.('raft.role', { node: this.id, role: 'follower', term, leader: lead });
  }

  becomePreCandidate(): void {
    invariant(this.state.role !== 'leader', 'leader never pre-campaigns', () => `term ${this.term}`);
    // No term change and no vote: a pre-vote changes nobody's state.
    this.lead = null;
    this.state = { role: 'pre-candidate', votes: new Map() };
  }

  becomeCandidate(): void {
    invariant(this.state.role !== 'leader', 'leader never campaigns', () => `term ${this.term}`);
    this.#reset(this.term + 1);
    this.vote = this.id;
    this.state = { role: 'candidate', votes: new Map() };
  }

  becomeLeader(): void {
    invariant(this.state.role === 'candidate', 'only a candidate becomes leader', () => `role ${this.state.role}`);
    this.#reset(this.term);
    this.lead = this.id;
    const ls: LeaderState = {
      progress: new Map(),
      heartbeatElapsed: 0,
      round: 0,
      roundStartMs: new Map(),
      leaseExpiresAtMs: -Infinity,
      confirmedAtMs: null,
      leaseRevoked: false,
      reads: new ReadQueue(),
      transferee: null,
      appendPending: false,
      commitPending: false,
      committedInTerm: false,
    };
    this.state = { role: 'leader', leader: ls };
    this.#syncProgress(ls);
    this.cfg.logger?.('raft.role', { node: this.id, role: 'leader', term: this.term });
    // §5.4.2 / §8: commit an entry of our own term before trusting our commit index.
    this.appendAsLeader({ kind: 'noop' });
  }

  // ---------------------------------------------------------------- membership

  /** Adopt the latest configuration in the log if it changed (append, truncate, restore). */
  refreshConf(): void {
    if (this.log.confVersion === this.#confVersionSeen) return;
    this.#confVersionSeen = this.log.confVersion;
    const conf = this.log.lastConf();
    this.voters = conf.voters;
    this.learners = conf.learners;
    this.isVoter = conf.voters.includes(this.id);
    if (this.state.role !== 'leader') return;
    const ls = this.state.leader;
    this.#syncProgress(ls);
    // Lease and read confirmations were earned from the old voter set: start over.
    ls.leaseExpiresAtMs = -Infinity;
    ls.confirmedAtMs = null;
    ls.roundStartMs.clear();
    for (const pr of ls.progress.values()) pr.ackedRound = 0;
    ls.reads.unassignAll();
    if (ls.transferee !== null && !this.voters.includes(ls.transferee)) ls.transferee = null;
    this.maybeCommit();
  }

  #syncProgress(ls: LeaderState): void {
    const members = new Set([...this.voters, ...this.learners]);
    members.delete(this.id);
    for (const id of ls.progress.keys()) if (!members.has(id)) ls.progress.delete(id);
    for (const id of members) {
      if (!ls.progress.has(id)) ls.progress.set(id, new Progress(this.log.lastIndex() + 1, this.cfg.maxInflightAppends));
    }
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    ROLE_HANDLERS[this.state.role].tick(this);
  }

  /** A validated message from a peer. */
  step(m: Message): void {
    this.lastDropReason = null;
    if (m.term > this.term) {
      if ((m.type === 'RequestVote' || m.type === 'PreVote') && this.#inLeaderLease(m)) {
        this.drop(m, 'vote request within the leader lease (stickiness)');
        return;
      }
      if (m.type === 'PreVote' || (m.type === 'PreVoteResponse' && m.granted)) {
        // A pre-vote (or a granted one) is a question about a future term: no state change.
      } else {
        this.becomeFollower(m.term, isFromLeader(m) ? m.from : null);
      }
    } else if (m.term < this.term) {
      this.#stepStale(m);
      return;
    }
    if (m.type === 'RequestVote' || m.type === 'PreVote') {
      this.#handleVoteRequest(m);
      return;
    }
    ROLE_HANDLERS[this.state.role].step(this, m);
  }

  /** Leader stickiness (thesis §4.2.3): ignore vote requests while a leader is known to be alive. */
  #inLeaderLease(m: RequestVote | PreVote): boolean {
    if (!this.cfg.checkQuorum) return false;
    if (m.type === 'RequestVote' && m.transfer) return false;
    return this.state.role === 'leader' || this.leaderContactElapsed < this.cfg.electionTicks;
  }

  #stepStale(m: Message): void {
    if (m.type === 'AppendEntries' || m.type === 'Heartbeat') {
      // A deposed leader learns our term and steps down (it may be cut off
      // from everyone else, and with pre-vote nobody else would tell it).
      this.send({ type: 'AppendResponse', to: m.from, term: this.term, reject: true, index: 0, hintIndex: 0, hintTerm: 0 });
    } else if (m.type === 'PreVote') {
      this.send({ type: 'PreVoteResponse', to: m.from, term: this.term, granted: false });
    } else {
      this.drop(m, 'stale term');
    }
  }

  #handleVoteRequest(m: RequestVote | PreVote): void {
    const pre = m.type === 'PreVote';
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      // A pre-vote for a future term does not bind our vote in this one.
      (pre && m.term > this.term);
    const type = pre ? 'PreVoteResponse' : 'RequestVoteResponse';
    if (canVote && this.log.isUpToDate(m.lastIndex, m.lastTerm)) {
      this.send({ type, to: m.from, term: m.term, granted: true });
      if (!pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type, to: m.from, term: this.term, granted: false });
    }
  }

  /** Election timer for non-leaders. */
  tickElection(): void {
    this.electionElapsed++;
    this.leaderContactElapsed++;
    if (this.isVoter && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.cfg.preVote ? 'pre-vote' : 'election');
    }
  }

  campaign(kind: CampaignKind): void {
    if (!this.isVoter) return; // learners and non-members never campaign
    let voteTerm: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    const votes = (this.state as { votes: Map<NodeId, boolean> }).votes;
    votes.set(this.id, true);
    if (tallyVotes(this.voters, votes) === 'won') {
      if (kind === 'pre-vote') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const to of this.voters) {
      if (to === this.id) continue;
      if (kind === 'pre-vote') this.send({ type: 'PreVote', to, term: voteTerm, lastIndex, lastTerm });
      else this.send({ type: 'RequestVote', to, term: voteTerm, lastIndex, lastTerm, transfer: kind === 'transfer' });
    }
  }

  /** Record a vote response and act on the outcome. */
  recordVote(from: NodeId, granted: boolean): void {
    const st = this.state;
    invariant(st.role === 'candidate' || st.role === 'pre-candidate', 'votes only while campaigning', () => `role ${st.role}`);
    st.votes.set(from, granted);
    const result = tallyVotes(this.voters, st.votes);
    if (result === 'won') {
      if (st.role === 'pre-candidate') this.campaign('election');
      else this.becomeLeader();
    } else if (result === 'lost') {
      this.becomeFollower(this.term, null);
    }
  }

  // ---------------------------------------------------------------- follower side

  /** A message from the leader of our term. False (and dropped) if it contradicts the leader we know. */
  heardFromLeader(m: Message): boolean {
    if (this.lead !== null && this.lead !== m.from) {
      this.drop(m, `impossible: ${m.from} and ${this.lead} both lead term ${this.term}`);
      return false;
    }
    this.lead = m.from;
    this.electionElapsed = 0;
    this.leaderContactElapsed = 0;
    return true;
  }

  handleAppendEntries(m: AppendEntries): void {
    const reply = (fields: Pick<AppendResponse, 'reject' | 'index' | 'hintIndex' | 'hintTerm'>) =>
      this.send({ type: 'AppendResponse', to: m.from, term: this.term, ...fields });
    if (m.prevIndex < this.log.committed) {
      reply({ reject: false, index: this.log.committed, hintIndex: 0, hintTerm: 0 });
      return;
    }
    const result = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.entries);
    switch (result.kind) {
      case 'appended':
        this.refreshConf();
        this.log.commitTo(Math.min(m.commit, result.lastNewIndex));
        reply({ reject: false, index: result.lastNewIndex, hintIndex: 0, hintTerm: 0 });
        return;
      case 'mismatch': {
        const hint = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
        reply({ reject: true, index: m.prevIndex, hintIndex: hint.index, hintTerm: hint.term });
        return;
      }
      case 'conflicts-with-committed':
        this.drop(m, `impossible: entry ${result.index} conflicts with a committed entry`);
        return;
    }
  }

  handleHeartbeat(m: Heartbeat): void {
    // The leader sends min(our match, its commit), so this never commits an unmatched entry.
    if (m.commit > this.log.lastIndex()) this.cfg.logger?.('raft.heartbeat-commit-clamped', { node: this.id, commit: m.commit, lastIndex: this.log.lastIndex() });
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send({ type: 'HeartbeatResponse', to: m.from, term: this.term, round: m.round } satisfies Omit<HeartbeatResponse, 'from'>);
  }

  handleSnapshot(m: InstallSnapshot): void {
    const s = m.snapshot.metadata;
    if (s.index > this.log.committed) {
      if (this.log.matchTerm(s.index, s.term)) {
        // We already have the snapshot's last entry: just fast-forward the commit.
        this.log.commitTo(s.index);
      } else {
        this.log.restore(m.snapshot);
        this.refreshConf();
      }
    }
    this.send({ type: 'InstallSnapshotResponse', to: m.from, term: this.term, index: this.log.committed });
  }

  // ---------------------------------------------------------------- leader side

  appendAsLeader(body: EntryBody): Entry {
    const ls = this.leaderState();
    const entry = Object.freeze(entryOf(body, this.log.lastIndex() + 1, this.term));
    this.log.append([entry]);
    ls.appendPending = true;
    if (entry.kind === 'conf-change') this.refreshConf();
    else if (this.voters.length <= 1) this.maybeCommit();
    return entry;
  }

  /** §5.3/§5.4.2: commit the highest index a quorum has, if it is from our term (Figure 8). */
  maybeCommit(): boolean {
    if (this.state.role !== 'leader') return false;
    const ls = this.state.leader;
    const last = this.log.lastIndex();
    // Known-bad variant (simulator only): one voter short of a majority.
    const size = this.cfg.testingBugs.commitWithoutMajority ? quorumSize(this.voters.length) - 1 : quorumSize(this.voters.length);
    // With asynchronous storage writes the leader's own entries count only once durable.
    const self = this.cfg.asyncStorageWrites ? this.log.stable : last;
    const mci = quorumValue(this.voters, (id) => (id === this.id ? self : (ls.progress.get(id)?.match ?? 0)), size);
    if (mci <= this.log.committed || this.log.term(mci) !== this.term) return false;
    this.log.commitTo(mci);
    ls.commitPending = true;
    if (!ls.committedInTerm) {
      ls.committedInTerm = true;
      ls.reads.releaseDeferred(this.log.committed);
      if (this.voters.length === 1 && this.isVoter) this.confirmRounds();
    }
    this.#maybeStepDownAfterRemoval();
    return true;
  }

  /** A leader removed from the configuration manages the cluster until the removal commits (thesis §4.2.2). */
  #maybeStepDownAfterRemoval(): void {
    if (this.isVoter || this.log.lastConfIndex() > this.log.committed || this.state.role !== 'leader') return;
    const ls = this.state.leader;
    this.flush();
    // Hand over to the most up-to-date voter so the cluster does not wait an election timeout.
    let best: NodeId | null = null;
    let bestMatch = -1;
    for (const id of this.voters) {
      const m = ls.progress.get(id)?.match ?? 0;
      if (m > bestMatch) {
        best = id;
        bestMatch = m;
      }
    }
    if (best !== null && bestMatch === this.log.lastIndex()) this.sendTimeoutNow(best);
    this.becomeFollower(this.term, null);
  }

  /**
   * Send what `to` can take now. In replicate state this streams batches
   * until the in-flight window is full (pipelining); in probe, one message.
   */
  sendAppends(to: NodeId, pr: Progress, sendIfEmpty: boolean): void {
    if (!this.#maybeSendAppend(to, pr, sendIfEmpty)) return;
    while (pr.state.kind === 'replicate' && this.#maybeSendAppend(to, pr, false)) {
      // keep filling the window
    }
  }

  #maybeSendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) return this.#sendSnapshot(to, pr);
    const last = this.log.lastIndex();
    const entries = pr.next <= last ? this.log.slice(pr.next, last + 1, this.cfg.maxEntriesPerAppend, this.cfg.maxAppendBytes) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'AppendEntries', to, term: this.term, prevIndex, prevTerm, entries, commit: this.log.committed });
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.log.committed, prevIndex + entries.length));
    pr.sentAppend(entries.length, prevIndex + entries.length);
    return true;
  }

  #sendSnapshot(to: NodeId, pr: Progress): boolean {
    const snapshot: Snapshot = this.log.snapshot;
    invariant(snapshot.metadata.index > 0, 'a compacted log has a snapshot', () => `next ${pr.next} for ${to}`);
    pr.becomeSnapshot(snapshot.metadata.index);
    this.send({ type: 'InstallSnapshot', to, term: this.term, snapshot });
    return true;
  }

  bcastHeartbeat(): void {
    const ls = this.leaderState();
    ls.round++;
    if (this.cfg.monoNowMs !== null) {
      ls.roundStartMs.set(ls.round, this.cfg.monoNowMs());
      if (ls.roundStartMs.size > 4096) ls.roundStartMs.delete(ls.roundStartMs.keys().next().value!);
    }
    ls.reads.assign(ls.round);
    for (const [to, pr] of ls.progress) {
      const commit = Math.min(pr.match, this.log.committed);
      pr.sentCommit = Math.max(pr.sentCommit, commit);
      this.send({ type: 'Heartbeat', to, term: this.term, commit, round: ls.round });
    }
    if (this.isVoter && this.voters.length === 1) this.confirmRounds();
  }

  /** A quorum acknowledged rounds up to some r: release reads waiting on them, extend the lease. */
  confirmRounds(): void {
    const ls = this.leaderState();
    const confirmed = quorumValue(this.voters, (id) => (id === this.id ? ls.round : (ls.progress.get(id)?.ackedRound ?? 0)));
    if (confirmed === 0) return;
    if (this.cfg.monoNowMs !== null) {
      const startMs = ls.roundStartMs.get(confirmed);
      if (startMs !== undefined) {
        ls.leaseExpiresAtMs = Math.max(ls.leaseExpiresAtMs, startMs + this.cfg.leaseDurationMs);
        ls.confirmedAtMs = Math.max(ls.confirmedAtMs ?? -Infinity, startMs);
      }
      for (const r of ls.roundStartMs.keys()) {
        if (r > confirmed) break;
        ls.roundStartMs.delete(r);
      }
    }
    for (const read of ls.reads.release(confirmed)) this.resolveRead(read.context, read.from, read.index);
  }

  resolveRead(context: string, from: NodeId, index: number): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send({ type: 'ReadIndexResponse', to: from, term: this.term, context, index });
  }

  /**
   * The lease: a quorum acknowledged a heartbeat round that started at t0,
   * and each of them promised (stickiness) not to vote for anyone else for
   * (electionTicks − 1) ticks after receiving it, so no other leader can exist
   * before t0 + leaseDurationMs. Void once TimeoutNow went out (the
   * transferee's campaign bypasses the promise).
   */
  leaseValid(): boolean {
    if (this.state.role !== 'leader' || this.cfg.monoNowMs === null) return false;
    const ls = this.state.leader;
    if (ls.leaseRevoked || ls.transferee !== null) return false;
    if (this.isVoter && this.voters.length === 1) return true;
    return this.cfg.monoNowMs() < ls.leaseExpiresAtMs;
  }

  leaderRead(context: string, from: NodeId): RequestResult {
    const ls = this.leaderState();
    if (ls.reads.size >= this.cfg.maxPendingReads) return { ok: false, error: new ProposalRefusedError('too-many-reads') };
    if (!ls.committedInTerm) {
      ls.reads.deferUntilTermCommit(context, from);
    } else if ((this.isVoter && this.voters.length === 1) || (this.cfg.readOnlyOption === 'lease-based' && this.leaseValid())) {
      this.resolveRead(context, from, this.log.committed);
    } else {
      ls.reads.add(context, from, this.log.committed);
    }
    return { ok: true };
  }

  sendTimeoutNow(to: NodeId): void {
    const ls = this.leaderState();
    ls.leaseRevoked = true;
    this.send({ type: 'TimeoutNow', to, term: this.term });
  }

  /**
   * Work deferred to `ready()` so that it batches: one broadcast for all
   * proposals since the last Ready, one heartbeat round for all waiting reads.
   */
  flush(): void {
    if (this.state.role !== 'leader') return;
    const ls = this.state.leader;
    if (ls.reads.unassignedCount > 0) this.bcastHeartbeat();
    if (ls.appendPending || ls.commitPending) {
      const sendIfEmpty = ls.commitPending;
      ls.appendPending = false;
      ls.commitPending = false;
      for (const [to, pr] of ls.progress) this.sendAppends(to, pr, sendIfEmpty && pr.needsCommitBump(this.log.committed));
    }
  }

  hasPendingFlush(): boolean {
    if (this.state.role !== 'leader') return false;
    const ls = this.state.leader;
    return ls.appendPending || ls.commitPending || ls.reads.unassignedCount > 0;
  }

  // ---------------------------------------------------------------- application requests

  #notLeader(): { ok: false; error: NotLeaderError } {
    return { ok: false, error: new NotLeaderError(this.lead, this.term) };
  }

  propose(data: Uint8Array): ProposeResult {
    if (!(data instanceof Uint8Array)) throw new RaftUsageError('RaftNode.propose: data must be a Uint8Array');
    if (this.state.role !== 'leader') return this.#notLeader();
    const ls = this.state.leader;
    if (ls.transferee !== null) return { ok: false, error: new ProposalRefusedError('leadership-transfer', `to ${ls.transferee}`) };
    if (data.byteLength > this.cfg.maxProposalBytes) {
      return { ok: false, error: new ProposalRefusedError('too-large', `${data.byteLength} bytes > maxProposalBytes ${this.cfg.maxProposalBytes}`) };
    }
    if (this.log.lastIndex() - this.log.committed >= this.cfg.maxUncommittedEntries) {
      return { ok: false, error: new ProposalRefusedError('too-many-uncommitted', `${this.cfg.maxUncommittedEntries} entries wait for a quorum`) };
    }
    const e = this.appendAsLeader({ kind: 'normal', data });
    return { ok: true, index: e.index, term: e.term };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    if (this.state.role !== 'leader') return this.#notLeader();
    const ls = this.state.leader;
    const refuse = (reason: ConstructorParameters<typeof ProposalRefusedError>[0], detail?: string): ProposeResult => ({
      ok: false,
      error: new ProposalRefusedError(reason, detail),
    });
    if (ls.transferee !== null) return refuse('leadership-transfer');
    if (!ls.committedInTerm) return refuse('leader-not-ready', 'the leader has not committed an entry of its term yet');
    if (this.log.lastConfIndex() > this.log.committed) return refuse('conf-change-pending', `entry ${this.log.lastConfIndex()} is not committed`);
    const outcome = applyConfChange(this.log.lastConf(), change);
    if (!outcome.ok) return refuse('invalid-conf-change', outcome.detail);
    if (change.type === 'promote-learner') {
      const pr = ls.progress.get(change.node);
      const needed = this.log.committed - this.cfg.learnerCatchUpLagEntries;
      if (pr === undefined || pr.match < needed) return refuse('learner-lagging', `match ${pr?.match ?? 0} < ${needed}`);
    }
    const e = this.appendAsLeader({ kind: 'conf-change', change, conf: outcome.conf });
    return { ok: true, index: e.index, term: e.term };
  }

  readIndex(context: string): RequestResult {
    if (typeof context !== 'string') throw new RaftUsageError('RaftNode.readIndex: context must be a string');
    if (this.state.role === 'leader') return this.leaderRead(context, this.id);
    if (this.lead === null) return this.#notLeader();
    this.send({ type: 'ReadIndex', to: this.lead, term: this.term, context });
    return { ok: true };
  }

  transferLeadership(to: NodeId): RequestResult {
    if (this.state.role !== 'leader') return this.#notLeader();
    const ls = this.state.leader;
    if (to === this.id || !this.voters.includes(to)) {
      return { ok: false, error: new ProposalRefusedError('invalid-transfer-target', `${to} is not another voter`) };
    }
    if (ls.transferee === to) return { ok: true };
    ls.transferee = to;
    // The transfer must finish within an election timeout or it is abandoned.
    this.electionElapsed = 0;
    const pr = ls.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppends(to, pr, true);
    return { ok: true };
  }

  reportUnreachable(id: NodeId): void {
    if (this.state.role !== 'leader') return;
    const pr = this.state.leader.progress.get(id);
    if (pr !== undefined && pr.state.kind === 'replicate') pr.becomeProbe();
  }

  reportSnapshot(id: NodeId, status: 'finish' | 'failure'): void {
    if (this.state.role !== 'leader') return;
    const pr = this.state.leader.progress.get(id);
    if (pr === undefined || pr.state.kind !== 'snapshot') return;
    if (status === 'failure') pr.snapshotFailed();
    else pr.becomeProbe();
    // Wait for the follower's answer (or its next heartbeat answer) before probing.
    const st = pr.state as ProgressState;
    if (st.kind === 'probe') st.paused = true;
  }
}

type EntryBody = { kind: 'noop' } | { kind: 'normal'; data: Uint8Array } | { kind: 'conf-change'; change: ConfChange; conf: ConfState };

/**
 * A new entry from its body, one literal per kind: a spread of a body whose
 * shape varies by kind sends V8's property stores to a slow path on every
 * proposal (measured: 3 % of a busy leader). Field order as the spread had it.
 */
function entryOf(body: EntryBody, index: number, term: number): Entry {
  switch (body.kind) {
    case 'normal':
      return { kind: 'normal', data: body.data, index, term };
    case 'noop':
      return { kind: 'noop', index, term };
    case 'conf-change':
      return { kind: 'conf-change', change: body.change, conf: body.conf, index, term };
  }
}
