/**
 * One cluster member: a RaftNode, its RaftStorage (on a MirroredDisk over
 * `env.disk`), the services state machine and the leader's LeaseKeeper,
 * driven by Env events. See README.md for the contract in words.
 *
 * The Ready contract, as run here (`#pump` / `#onSaved`):
 *   1. persist snapshot + entries + hard state, fsync (RaftStorage.save);
 *   2. only then send the Ready's messages;
 *   3. restore a received snapshot, apply committed entries in order, answer
 *      the requests they complete, serve ReadStates once applied ≥ index;
 *   4. advance; then maybe compact.
 * With `asyncStorageWrites` (the default) several Readies are in flight
 * (`#pumpAsync` / `#drainAsync`): each is taken as soon as there is work;
 * its committed entries (already durable here) are applied at once; its
 * writes queue in storage behind the earlier ones and share their fsync;
 * when they are durable its messages go out and it is advanced, in order.
 * Otherwise exactly one Ready is outstanding. Completions are collected
 * while a Ready is being handled and run after `advance`, so a callback that
 * calls back into the replica finds it in a consistent state.
 */
import type { Env, NodeId, TimerId } from '../env/index.js';
import type { DurableState, Entry, Message, RaftInspection, ReadState, Ready, Snapshot, SoftState } from '../raft/index.js';
import { RaftNode, RaftStorage, isNotLeaderError } from '../raft/index.js';
import type { Command, GetValue, ServiceResult } from '../services/index.js';
import { LeaseKeeper, ServiceStateMachine, decodeCommand, encodeCanonicalCommand, encodeCommand, getCommand, isInvalidCommandError } from '../services/index.js';
import type { Replica, ReplicaError, ReplicaMetrics, ReplicaObserver, ReplicaOptions, ReplicaOutcome, ReplicaStatus, ReadConsistency } from './api.js';
import type { ReplicaSettings } from './config.js';
import { resolveReplicaSettings } from './config.js';
import { MirroredDisk } from './mirrored-disk.js';
import type { ClientRequest, ReadRequest, WriteRequest } from './requests.js';
import { RequestBook } from './requests.js';
import type { ForwardEnvelope, ForwardReplyEnvelope } from './wire.js';
import { checkEnvelope, forwardEnvelope, forwardReplyEnvelope, raftEnvelope, replicaError } from './wire.js';

/** Follow at most this many definite `not_leader` redirects per write. */
const REDIRECTS_MAX = 3;
/** Forward ids remembered by the leader to drop duplicated forwards. */
const SEEN_FORWARDS_MAX = 4096;
const KEEPER_ONLY: ReadonlySet<Command['type']> = new Set(['expire-lease', 'checkpoint']);

interface InflightReady {
  readonly rd: Ready;
  readonly startedMs: number;
  /** Its messages went out when it was handed out (a leader's; see #sendsEarly). */
  readonly early: boolean;
  saved: boolean;
  error: Error | undefined;
}

type Health = { readonly kind: 'running' } | { readonly kind: 'failed'; readonly reason: string } | { readonly kind: 'stopped' };

export function createReplica(options: ReplicaOptions): Replica {
  return new ReplicaNode(options);
}

export class ReplicaNode implements Replica {
  readonly id: NodeId;
  readonly #env: Env;
  readonly #settings: ReplicaSettings;
  readonly #observer: ReplicaObserver | undefined;
  readonly #book = new RequestBook();
  readonly #disk: MirroredDisk;
  #storage: RaftStorage | null = null;
  #node: RaftNode | null = null;
  #sm: ServiceStateMachine | null = null;
  #keeper: LeaseKeeper | null = null;
  #health: Health = { kind: 'running' };
  #role: SoftState['role'] = 'follower';
  #leader: NodeId | null = null;
  /** Index of the last entry applied (any kind) or restored from a snapshot. */
  #applied = 0;
  /** What storage has reported durable (for the observer's durability check). */
  #durable: DurableState = { term: 0, vote: null, lastIndex: 0, lastTerm: 0 };
  #pumping = false;
  /** Asynchronous writes: Readies handed out and not yet advanced, oldest first. */
  #inflight: InflightReady[] = [];
  /** Asynchronous writes: a pump is scheduled for when the current burst of events is done. */
  #pumpScheduled = false;
  #compacting = false;
  #deferred: Array<() => void> = [];
  #tickTimer: TimerId | null = null;
  #scrubTimer: TimerId | null = null;
  /** Makes ids unique across this node's incarnations (a restarted node reuses sequence numbers). */
  readonly #nonce: string;
  #seq = 0;
  /** Forward ids seen by this node as leader, oldest first: duplicates are dropped. */
  readonly #seenForwards = new Set<string>();
  #metrics = { proposals: 0, commits: 0, elections: 0, forwarded: 0, reads: 0, overloaded: 0, copiesRepaired: 0 };
  #fsyncSamples: number[] = [];
  /**
   * Commands this node proposed, by their entry data (the same Uint8Array
   * object ends up in the log entry): applying them skips decoding and
   * re-validating bytes the leader itself encoded a moment ago. Weak: an
   * entry that leaves memory takes its command along.
   */
  readonly #proposed = new WeakMap<Uint8Array, Command>();
  readonly #dropped = new Map<string, number>();

  constructor(options: ReplicaOptions) {
    this.#settings = resolveReplicaSettings(options);
    this.#env = options.env;
    this.id = options.env.nodeId;
    this.#observer = options.observer;
    this.#nonce = this.#env.rng.int(2 ** 31).toString(36);
    const s = this.#settings;
    this.#disk = new MirroredDisk(this.#env.disk, { copies: s.copies });
    if (s.registerMessageHandler) this.#env.onMessage((from, message) => this.receive(from, message));
    let snapshot: Snapshot | undefined;
    try {
      const opened = RaftStorage.open(this.#disk, { segmentBytesMax: s.segmentBytesMax, testingBugs: s.storageBugs });
      this.#storage = opened.storage;
      const sm = new ServiceStateMachine({ ...options.service, electionTimeoutMs: s.electionTimeoutMs, testingBugs: s.serviceBugs });
      snapshot = opened.recovered.snapshot;
      if (snapshot !== undefined) sm.restore(snapshot.data);
      const keeper = new LeaseKeeper({ checkpointIntervalMs: sm.config.checkpointIntervalMs });
      sm.onLeaseEvent((event) => keeper.observe(event, this.#env.monoNowMs()));
      this.#sm = sm;
      this.#keeper = keeper;
      this.#node = new RaftNode(
        {
          id: this.id,
          voters: options.voters,
          rng: this.#env.rng,
          electionTicks: s.electionTicks,
          heartbeatTicks: s.heartbeatTicks,
          readOnlyOption: s.readMode === 'lease' ? 'lease-based' : 'safe',
          monoNowMs: () => this.#env.monoNowMs(),
          tickIntervalMs: s.tickIntervalMs,
          maxClockDriftRate: s.maxClockDriftRate,
          testingBugs: s.raftBugs,
          asyncStorageWrites: s.asyncStorageWrites,
        },
        opened.recovered,
      );
      this.#applied = snapshot?.metadata.index ?? 0;
      const st = this.#node.inspect();
      this.#durable = { term: st.term, vote: st.vote, lastIndex: st.lastIndex, lastTerm: st.termAt(st.lastIndex) ?? 0 };
    } catch (error) {
      // Damaged storage (every copy of something durable is lost) or a corrupt snapshot:
      // a node that forgot what it acknowledged must not take part. It waits to be rebuilt.
      this.#fail(`cannot start from storage: ${(error as Error).message}`);
      return;
    }
    this.#observer?.onStart?.(this.id, snapshot?.metadata, this.#node!.inspect());
    this.#tickTimer = this.#env.setTimer(s.tickIntervalMs, () => this.#onTick());
    if (s.scrubIntervalMs > 0) this.#scrubTimer = this.#env.setTimer(s.scrubIntervalMs, () => this.#onScrub());
    this.#afterEvent();
  }

  // ------------------------------------------------------------------ client API

  submit(command: Command, done: (outcome: ReplicaOutcome<ServiceResult<unknown>>) => void): void {
    const refused = this.#refuseEarly();
    if (refused !== null) return this.#later(() => done(refused));
    let bytes: Uint8Array;
    try {
      if (KEEPER_ONLY.has(command.type)) throw new TypeError(`"${command.type}" is proposed by the leader's lease keeper, not by clients`);
      const encoded = encodeCanonicalCommand(command);
      bytes = encoded.bytes;
      this.#proposed.set(bytes, encoded.command);
    } catch (error) {
      const message = isInvalidCommandError(error) || error instanceof TypeError ? error.message : String(error);
      return this.#later(() => done({ ok: false, error: replicaError('invalid', message, true) }));
    }
    const request: WriteRequest = {
      kind: 'write',
      bytes,
      done,
      deadlineMs: this.#env.monoNowMs() + this.#settings.requestTimeoutMs,
      settled: false,
      sent: false,
      forwardId: null,
      forwardedTo: null,
      redirects: 0,
      exactlyOnce: 'session' in command && command.session !== undefined,
      resent: false,
    };
    this.#book.track(request);
    this.#dispatchWrite(request);
    this.#afterEvent();
  }

  get(key: string, consistency: ReadConsistency, done: (outcome: ReplicaOutcome<GetValue>) => void): void {
    const refused = this.#refuseEarly();
    if (refused !== null) return this.#later(() => done(refused));
    try {
      getCommand({ key });
    } catch (error) {
      return this.#later(() => done({ ok: false, error: replicaError('invalid', (error as Error).message, true) }));
    }
    if (consistency !== 'linearizable' && consistency !== 'stale') {
      return this.#later(() => done({ ok: false, error: replicaError('invalid', `consistency must be 'linearizable' or 'stale', got ${String(consistency)}`, true) }));
    }
    if (consistency === 'stale' || this.#settings.staleReads) {
      // Stale by request (or, for the `stale-read` bug, always): this replica's applied state.
      return this.#later(() => {
        if (this.#sm === null || this.#health.kind !== 'running') return done({ ok: false, error: this.#stoppedError(true) });
        this.#metrics.reads++;
        done({ ok: true, result: this.#sm.get(key) });
      });
    }
    const now = this.#env.monoNowMs();
    const request: ReadRequest = {
      kind: 'read',
      key,
      done,
      deadlineMs: now + this.#settings.requestTimeoutMs,
      settled: false,
      index: null,
      contexts: [],
      retryAtMs: now,
    };
    this.#book.track(request);
    this.#dispatchRead(request);
    this.#afterEvent();
  }

  status(): ReplicaStatus {
    const health = this.#health.kind;
    const failure = this.#health.kind === 'failed' ? { failure: this.#health.reason } : {};
    const node = this.#node;
    if (node === null) {
      return { id: this.id, role: 'unknown', term: 0, leader: null, commitIndex: 0, appliedIndex: this.#applied, members: [], health, ...failure };
    }
    const st = node.status();
    const members = [...st.voters, ...st.learners].map((id) => ({
      id,
      role: id === st.leader ? ('leader' as const) : id === this.id ? roleName(st.role, st.learners.includes(id)) : st.learners.includes(id) ? ('learner' as const) : ('follower' as const),
      ...(st.progress !== undefined ? { matchIndex: id === this.id ? st.lastIndex : (st.progress[id]?.match ?? 0) } : {}),
    }));
    return { id: this.id, role: st.role, term: st.term, leader: st.leader, commitIndex: st.commit, appliedIndex: this.#applied, members, health, ...failure };
  }

  metrics(): ReplicaMetrics {
    const samples = this.#fsyncSamples;
    this.#fsyncSamples = [];
    return { ...this.#metrics, fsyncLatencyMs: samples, droppedMessages: Object.fromEntries(this.#dropped) };
  }

  stop(): void {
    if (this.#health.kind === 'stopped') return;
    const wasRunning = this.#health.kind === 'running';
    this.#health = { kind: 'stopped' };
    this.#clearTimers();
    if (wasRunning) this.#settleAll((sent) => this.#stoppedError(!sent));
  }

  /** A peer message (registered with `env.onMessage` unless `registerMessageHandler: false`). */
  receive(from: NodeId, raw: unknown): void {
    if (this.#health.kind !== 'running' || this.#node === null) return;
    const check = checkEnvelope(raw, from);
    if (!check.ok) {
      this.#drop(check.reason);
      return;
    }
    const envelope = check.envelope;
    switch (envelope.k) {
      case 'raft':
        this.#node.step(envelope.m);
        break;
      case 'fwd':
        this.#onForward(from, envelope);
        break;
      case 'fwd-reply':
        this.#onForwardReply(envelope);
        break;
    }
    this.#afterEvent();
  }

  /** The Raft node's state, for invariant checkers (undefined when the replica could not start). */
  inspectRaft(): RaftInspection | undefined {
    return this.#node?.inspect();
  }

  /** The services state machine (read-only use: tests and checkers). */
  get stateMachine(): ServiceStateMachine | null {
    return this.#sm;
  }

  get health(): Health['kind'] {
    return this.#health.kind;
  }

  // ------------------------------------------------------------------ dispatch

  /** Propose here (leader), forward to the leader (`hint` first, when a peer named one), or wait for one. */
  #dispatchWrite(request: WriteRequest, hint: NodeId | null = null): void {
    const node = this.#node!;
    if (this.#role === 'leader') {
      const r = node.propose(request.bytes);
      if (r.ok) {
        request.sent = true;
        this.#metrics.proposals++;
        this.#book.addProposal(r.index, { term: r.term, local: request, forwardedFor: null, deadlineMs: request.deadlineMs });
        return;
      }
      if (!isNotLeaderError(r.error)) {
        this.#settle(request, { ok: false, error: replicaError('overloaded', r.error.message, true) });
        return;
      }
    }
    const leader = hint ?? this.#leader;
    if (leader === null || leader === this.id) {
      this.#book.waiting.push(request);
      return;
    }
    if (!this.#settings.forwardToLeader) {
      this.#settle(request, { ok: false, error: replicaError('not_leader', `${this.id} is not the leader; ${leader} is`, true, leader) });
      return;
    }
    const id = this.#nextId();
    request.forwardId = id;
    request.forwardedTo = leader;
    request.sent = true;
    this.#book.forwards.set(id, request);
    this.#metrics.forwarded++;
    this.#env.send(leader, forwardEnvelope(id, request.bytes));
  }

  #dispatchRead(request: ReadRequest): void {
    const context = this.#nextId();
    const r = this.#node!.readIndex(context);
    if (r.ok) {
      request.contexts.push(context);
      this.#book.readsByContext.set(context, request);
      request.retryAtMs = this.#env.monoNowMs() + this.#settings.readRetryMs;
      this.#book.retries.push(request);
      return;
    }
    if (isNotLeaderError(r.error)) this.#book.waiting.push(request);
    else this.#settle(request, { ok: false, error: replicaError('overloaded', r.error.message, true) });
  }

  /** A leader became known: send everything that waited for one. */
  #dispatchWaiting(): void {
    const waiting = this.#book.waiting;
    this.#book.waiting = [];
    for (const request of waiting) {
      if (request.settled) continue;
      if (request.kind === 'write') this.#dispatchWrite(request);
      else this.#dispatchRead(request);
    }
  }

  #onForward(from: NodeId, envelope: ForwardEnvelope): void {
    const key = `${from}|${envelope.id}`;
    if (this.#seenForwards.has(key)) {
      this.#drop('duplicate forward');
      return;
    }
    this.#seenForwards.add(key);
    if (this.#seenForwards.size > SEEN_FORWARDS_MAX) this.#seenForwards.delete(this.#seenForwards.values().next().value!);
    const reply = (error: ReplicaError): void => this.#env.send(from, forwardReplyEnvelope(envelope.id, { ok: false, error }));
    if (this.#role !== 'leader') {
      reply(replicaError('not_leader', `${this.id} is not the leader`, true, this.#leader));
      return;
    }
    let command: Command;
    try {
      command = decodeCommand(envelope.cmd);
    } catch (error) {
      reply(replicaError('invalid', (error as Error).message.slice(0, 200), true));
      return;
    }
    if (KEEPER_ONLY.has(command.type)) {
      reply(replicaError('invalid', `"${command.type}" cannot be forwarded`, true));
      return;
    }
    if (this.#book.forwardedProposals >= this.#settings.maxInflightRequests) {
      this.#metrics.overloaded++;
      reply(replicaError('overloaded', `${this.id} has ${this.#book.forwardedProposals} forwarded writes in flight`, true));
      return;
    }
    const r = this.#node!.propose(envelope.cmd);
    if (!r.ok) {
      reply(isNotLeaderError(r.error) ? replicaError('not_leader', r.error.message, true, r.error.leaderHint) : replicaError('overloaded', r.error.message, true));
      return;
    }
    this.#proposed.set(envelope.cmd, command);
    this.#metrics.proposals++;
    const deadlineMs = this.#env.monoNowMs() + this.#settings.requestTimeoutMs;
    this.#book.addProposal(r.index, { term: r.term, local: null, forwardedFor: { to: from, id: envelope.id }, deadlineMs });
  }

  #onForwardReply(envelope: ForwardReplyEnvelope): void {
    const request = this.#book.forwards.get(envelope.id);
    if (request === undefined) return; // late, duplicated, or timed out already
    this.#book.forwards.delete(envelope.id);
    request.forwardId = null;
    request.forwardedTo = null;
    const outcome = envelope.outcome;
    if (!outcome.ok && outcome.error.definite && outcome.error.code === 'not_leader' && request.redirects < REDIRECTS_MAX) {
      // That node never proposed it: safe to send again, to whoever leads now.
      request.redirects++;
      request.sent = request.resent; // an earlier copy, sent before a leader change, may still apply
      const hint = outcome.error.leader;
      this.#dispatchWrite(request, this.#leader === null && typeof hint === 'string' && hint !== this.id ? hint : null);
      return;
    }
    this.#settle(request, outcome);
  }

  // ------------------------------------------------------------------ the Ready loop

  /**
   * After every event: drive the Ready loop, then let an observer look. With
   * asynchronous writes the loop runs once the events that arrived together
   * are handled (a 0 ms timer), so they share one Ready and one append per
   * follower instead of one each.
   */
  #afterEvent(): void {
    if (!this.#settings.asyncStorageWrites) this.#pump();
    else if (!this.#pumpScheduled && this.#health.kind === 'running') {
      this.#pumpScheduled = true;
      this.#env.setTimer(0, () => {
        this.#pumpScheduled = false;
        if (this.#health.kind !== 'running') return;
        this.#pumpAsync();
        this.#afterPump();
      });
    }
    this.#afterPump();
  }

  #afterPump(): void {
    this.#runDeferred();
    const node = this.#node;
    if (node !== null && this.#health.kind === 'running') this.#observer?.afterEvent?.(this.id, node.inspect());
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      // hasReady() is false while a Ready is outstanding (saving, until #onSaved advances it).
      while (this.#health.kind === 'running' && this.#node!.hasReady()) {
        const rd = this.#node!.ready();
        const startedMs = this.#env.monoNowMs();
        const early = this.#sendsEarly(rd);
        if (early) this.#send(rd);
        let inline = true;
        let inlineResult: { error: Error | undefined } | null = null;
        this.#storage!.save(rd, (error) => {
          if (inline) {
            inlineResult = { error };
            return;
          }
          this.#onSaved(rd, error, startedMs, early);
          this.#afterEvent();
        });
        inline = false;
        if (inlineResult === null) break;
        this.#onSaved(rd, (inlineResult as { error: Error | undefined }).error, startedMs, early);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #pumpAsync(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#health.kind === 'running' && this.#node!.hasReady()) {
        const rd = this.#node!.ready();
        const item: InflightReady = { rd, startedMs: this.#env.monoNowMs(), early: this.#sendsEarly(rd), saved: false, error: undefined };
        if (item.early) this.#send(rd);
        if (rd.softState !== undefined) this.#onSoftState(rd.softState);
        // Durable here and committed: apply now, not after this Ready's own writes.
        for (const entry of rd.committedEntries) this.#apply(entry);
        for (const rs of rd.readStates) this.#onReadState(rs);
        this.#serveReadyReads();
        this.#inflight.push(item);
        this.#storage!.save(rd, (error) => {
          item.saved = true;
          item.error = error;
          if (this.#pumping) return; // completed inline: drained below
          this.#drainAsync();
          this.#afterEvent();
        });
      }
    } finally {
      this.#pumping = false;
    }
    this.#drainAsync();
  }

  /** Finish the Readies whose writes (and every earlier one's) are durable, in order. */
  #drainAsync(): void {
    let advanced = false;
    const outbox: Message[] = [];
    while (this.#inflight.length > 0 && this.#inflight[0].saved && this.#health.kind === 'running') {
      const { rd, error, startedMs, early } = this.#inflight.shift()!;
      if (error !== undefined) return this.#fail(`fsync failed: ${error.message}`);
      this.#noteSaved(rd, startedMs);
      if (!early) outbox.push(...rd.messages);
      if (rd.snapshot !== undefined && !this.#restore(rd.snapshot)) return;
      const node = this.#node!;
      node.advance(rd);
      for (const m of rd.messages) if (m.type === 'InstallSnapshot') node.reportSnapshot(m.to, 'finish');
      advanced = true;
    }
    if (!advanced) return;
    for (const m of withoutSupersededAcks(outbox)) this.#env.send(m.to, raftEnvelope(m));
    this.#serveReadyReads();
    this.#maybeCompact();
  }

  /** A Ready's writes are durable: the fsync sample and what the observer may rely on. */
  #noteSaved(rd: Ready, startedMs: number): void {
    // A sample only for a save that fsynced: RaftStorage writes a hard state whose only change is the commit index without one.
    if (rd.entries.length > 0 || rd.snapshot !== undefined || this.#changesTermOrVote(rd.hardState)) {
      this.#fsyncSamples.push(this.#env.monoNowMs() - startedMs);
      if (this.#fsyncSamples.length > 4096) this.#fsyncSamples.shift();
    }
    if (rd.entries.length > 0 || rd.hardState !== undefined || rd.snapshot !== undefined) this.#notePersisted(rd);
  }

  /**
   * A leader may send a Ready's messages while its entries are being written
   * (Raft thesis §10.2.1): they are appends, heartbeats and read answers, none
   * vouching for its own disk, and anything its unwritten entries might
   * commit surfaces only in the next Ready, after this one is durable. Not
   * when the Ready changes the term or vote or installs a snapshot.
   */
  #sendsEarly(rd: Ready): boolean {
    if ((rd.softState?.role ?? this.#role) !== 'leader' || rd.snapshot !== undefined || rd.messages.length === 0) return false;
    return !this.#changesTermOrVote(rd.hardState);
  }

  /** Does `h` change the durable term or vote (what RaftStorage must fsync, unlike a commit index alone)? */
  #changesTermOrVote(h: Ready['hardState']): boolean {
    return h !== undefined && (h.term !== this.#durable.term || h.vote !== this.#durable.vote);
  }

  #send(rd: Ready): void {
    for (const m of rd.messages) this.#env.send(m.to, raftEnvelope(m));
  }

  #onSaved(rd: Ready, error: Error | undefined, startedMs: number, sentEarly: boolean): void {
    if (this.#health.kind !== 'running') return;
    if (error !== undefined) {
      this.#fail(`fsync failed: ${error.message}`);
      return;
    }
    this.#noteSaved(rd, startedMs);
    const node = this.#node!;
    if (!sentEarly) this.#send(rd);
    const snapshotsSent: NodeId[] = [];
    for (const m of rd.messages) if (m.type === 'InstallSnapshot') snapshotsSent.push(m.to);
    if (rd.softState !== undefined) this.#onSoftState(rd.softState);
    if (rd.snapshot !== undefined && !this.#restore(rd.snapshot)) return;
    for (const entry of rd.committedEntries) this.#apply(entry);
    for (const rs of rd.readStates) this.#onReadState(rs);
    node.advance(rd);
    for (const to of snapshotsSent) node.reportSnapshot(to, 'finish');
    this.#serveReadyReads();
    this.#maybeCompact();
  }

  #notePersisted(rd: Ready): void {
    let { term, vote, lastIndex, lastTerm } = this.#durable;
    if (rd.hardState !== undefined) ({ term, vote } = rd.hardState);
    if (rd.snapshot !== undefined) ({ index: lastIndex, term: lastTerm } = rd.snapshot.metadata);
    if (rd.entries.length > 0) ({ index: lastIndex, term: lastTerm } = rd.entries[rd.entries.length - 1]);
    this.#durable = { term, vote, lastIndex, lastTerm };
    this.#observer?.onPersisted?.(this.id, this.#durable);
  }

  #onSoftState(soft: SoftState): void {
    const wasLeader = this.#role === 'leader';
    if (soft.role === 'candidate' && this.#role !== 'candidate') this.#metrics.elections++;
    this.#role = soft.role;
    this.#leader = soft.leader;
    const st = this.#node!.inspect();
    this.#env.log('replica.role', { role: soft.role, leader: soft.leader, term: st.term, commit: st.commit, last: st.lastIndex });
    if (wasLeader && soft.role !== 'leader') this.#keeper!.steppedDown();
    if (soft.leader !== null) {
      this.#reforward(soft.leader);
      this.#dispatchWaiting();
    }
  }

  /**
   * A new leader is known: writes still waiting on the node they were
   * forwarded to (an old leader, perhaps dead) do not wait out their
   * deadline. With a session the state machine applies a command at most
   * once, so it goes again to the new leader (a retry: a copy the old leader
   * logged and the new one commits is answered from the session). Without
   * one, a second copy could apply too — or be refused because the first
   * did — so it is answered at once as an unknown outcome (`no_quorum`, not
   * definite): what its deadline would have said, up to a timeout sooner.
   */
  #reforward(leader: NodeId): void {
    if (this.#book.forwards.size === 0) return;
    for (const request of [...this.#book.forwards.values()]) {
      const was = request.forwardedTo;
      if (was === leader || request.settled) continue;
      this.#book.forwards.delete(request.forwardId!);
      request.forwardId = null;
      request.forwardedTo = null;
      if (request.exactlyOnce && request.redirects < REDIRECTS_MAX) {
        request.redirects++;
        request.resent = true;
        this.#dispatchWrite(request);
      } else {
        this.#settle(request, { ok: false, error: replicaError('no_quorum', `${String(was)} stopped leading before it answered; the outcome is unknown`, false) });
      }
    }
  }

  /** A snapshot from the leader replaces the state machine. False when it could not (the replica failed). */
  #restore(snapshot: Snapshot): boolean {
    try {
      this.#sm!.restore(snapshot.data);
    } catch (error) {
      this.#fail(`cannot restore the leader's snapshot: ${(error as Error).message}`);
      return false;
    }
    const index = snapshot.metadata.index;
    this.#applied = index;
    // Proposals at or below it may or may not be in it: their outcome is unknown.
    for (const [i] of [...this.#book.proposals]) if (i <= index) this.#resolveProposal(i, null);
    this.#observer?.onSnapshotApplied?.(this.id, snapshot.metadata);
    if (this.#role === 'leader') this.#keeper!.becameLeader(this.#env.monoNowMs(), this.#sm!.leases());
    return true;
  }

  #apply(entry: Entry): void {
    if (entry.index <= this.#applied) return; // already in the restored snapshot
    // Invariant: entries are applied in index order without gaps.
    if (entry.index !== this.#applied + 1) throw new Error(`replica ${this.id}: invariant broken: applying ${entry.index} after ${this.#applied}`);
    let result: ServiceResult<unknown> | null = null;
    if (entry.kind === 'normal') result = this.#sm!.apply(entry, this.#proposed.get(entry.data));
    this.#applied = entry.index;
    this.#metrics.commits++;
    this.#observer?.onApply?.(this.id, entry);
    if (this.#book.proposals.has(entry.index)) this.#resolveProposal(entry.index, { term: entry.term, result });
    const keeper = this.#keeper!;
    if (this.#role === 'leader' && !keeper.isLeader && entry.term === this.#node!.status().term) {
      // Applied up to this term's first entry: lease deadlines can restart from the log's record.
      keeper.becameLeader(this.#env.monoNowMs(), this.#sm!.leases());
    }
  }

  /**
   * What became of the entry this node proposed at `index`: `applied` is the
   * entry that committed there (null: unknown, it was folded into a snapshot).
   */
  #resolveProposal(index: number, applied: { term: number; result: ServiceResult<unknown> | null } | null): void {
    const p = this.#book.takeProposal(index);
    if (p === undefined) return;
    let outcome: ReplicaOutcome<ServiceResult<unknown>>;
    if (applied === null) {
      outcome = { ok: false, error: replicaError('no_quorum', `the outcome of entry ${index} is unknown (replaced by a snapshot)`, false) };
    } else if (applied.term === p.term && applied.result !== null) {
      outcome = { ok: true, result: applied.result };
    } else {
      // Another entry committed at our index: ours never will (log matching).
      outcome = { ok: false, error: replicaError('no_quorum', `entry ${index} of term ${p.term} was replaced by one of term ${applied.term}`, true) };
    }
    if (p.local !== null) this.#settle(p.local, outcome);
    if (p.forwardedFor !== null) this.#env.send(p.forwardedFor.to, forwardReplyEnvelope(p.forwardedFor.id, outcome));
  }

  #onReadState(rs: ReadState): void {
    const request = this.#book.readsByContext.get(rs.context);
    if (request === undefined || request.settled || request.index !== null) return;
    request.index = rs.index;
    for (const c of request.contexts) this.#book.readsByContext.delete(c);
    const ready = this.#book.readyReads;
    let i = ready.length;
    while (i > 0 && ready[i - 1].index! > rs.index) i--;
    ready.splice(i, 0, request);
  }

  #serveReadyReads(): void {
    const ready = this.#book.readyReads;
    let served = 0;
    while (served < ready.length && ready[served].index! <= this.#applied) {
      const request = ready[served++];
      if (request.settled) continue;
      this.#metrics.reads++;
      this.#settle(request, { ok: true, result: this.#sm!.get(request.key) });
    }
    if (served > 0) this.#book.readyReads = ready.slice(served);
  }

  #maybeCompact(): void {
    const node = this.#node!;
    if (this.#compacting) return;
    const st = node.inspect();
    if (st.applied - st.snapshotIndex < this.#settings.snapshotEveryEntries) return;
    const snapshot = node.compact(st.applied, this.#sm!.snapshot());
    this.#compacting = true;
    this.#storage!.saveSnapshot(snapshot, (error) => {
      this.#compacting = false;
      if (error !== undefined) this.#fail(`saving a snapshot failed: ${error.message}`);
    });
  }

  // ------------------------------------------------------------------ timers

  #onTick(): void {
    this.#tickTimer = null;
    if (this.#health.kind !== 'running') return;
    const node = this.#node!;
    node.tick();
    const now = this.#env.monoNowMs();
    const keeper = this.#keeper!;
    if (keeper.isLeader && this.#role === 'leader') {
      for (const command of keeper.tick(now, { leadershipConfirmedAtMs: node.leadershipConfirmedAtMs() })) node.propose(encodeCommand(command));
    }
    this.#expire(now);
    this.#retryReads(now);
    this.#tickTimer = this.#env.setTimer(this.#settings.tickIntervalMs, () => this.#onTick());
    this.#afterEvent();
  }

  #expire(now: number): void {
    const { requests, proposals } = this.#book.expire(now);
    for (const request of requests) {
      const what = request.kind === 'write' ? (request.sent ? 'its outcome is unknown' : 'it was never proposed') : 'no read point confirmed';
      const error = replicaError('no_quorum', `no answer within ${this.#settings.requestTimeoutMs} ms (${what})`, request.kind === 'read' || !request.sent);
      this.#settle(request, { ok: false, error });
    }
    // Follower writes this leader could not commit in time: their origin has timed out too.
    for (const { index } of proposals) this.#book.takeProposal(index);
  }

  #retryReads(now: number): void {
    const retries = this.#book.retries;
    let k = 0;
    while (k < retries.length && retries[k].retryAtMs <= now) k++;
    if (k === 0) return;
    const due = retries.slice(0, k);
    this.#book.retries = retries.slice(k);
    for (const request of due) {
      if (!request.settled && request.index === null) this.#dispatchRead(request);
    }
  }

  #onScrub(): void {
    this.#scrubTimer = null;
    if (this.#health.kind !== 'running') return;
    // The scrub fsyncs its repairs; failing here names the cause (the next WAL fsync would fail anyway).
    const report = this.#disk.scrub((error) => {
      if (error !== undefined) this.#fail(`fsync of scrub repairs failed: ${error.message}`);
    });
    this.#metrics.copiesRepaired += report.copiesRepaired;
    if (report.copiesRepaired > 0) this.#env.log('replica.scrub-repaired', { copies: report.copiesRepaired });
    if (report.unrecoverable.length > 0) this.#env.log('replica.scrub-unrecoverable', { files: report.unrecoverable });
    this.#scrubTimer = this.#env.setTimer(this.#settings.scrubIntervalMs, () => this.#onScrub());
  }

  // ------------------------------------------------------------------ helpers

  #settle(request: ClientRequest, outcome: ReplicaOutcome<never> | ReplicaOutcome<ServiceResult<unknown>> | ReplicaOutcome<GetValue>): void {
    if (!this.#book.settle(request)) return;
    const done = request.done as (o: typeof outcome) => void;
    this.#deferred.push(() => done(outcome));
  }

  #runDeferred(): void {
    while (this.#deferred.length > 0) {
      const batch = this.#deferred;
      this.#deferred = [];
      for (const fn of batch) fn();
    }
  }

  #settleAll(errorFor: (sent: boolean) => ReplicaError): void {
    for (const request of this.#book.allUnsettled()) this.#settle(request, { ok: false, error: errorFor(request.kind === 'write' && request.sent) });
    const deferred = this.#deferred;
    this.#deferred = [];
    for (const fn of deferred) this.#later(fn);
  }

  #refuseEarly(): { ok: false; error: ReplicaError } | null {
    if (this.#health.kind !== 'running') return { ok: false, error: this.#stoppedError(true) };
    if (this.#book.unsettled >= this.#settings.maxInflightRequests) {
      this.#metrics.overloaded++;
      return { ok: false, error: replicaError('overloaded', `${this.#book.unsettled} requests are in flight on ${this.id}`, true) };
    }
    return null;
  }

  #stoppedError(definite: boolean): ReplicaError {
    const why = this.#health.kind === 'failed' ? `${this.id} failed: ${this.#health.reason}` : `${this.id} is stopped`;
    return replicaError('stopped', why, definite);
  }

  #fail(reason: string): void {
    if (this.#health.kind !== 'running') return;
    this.#health = { kind: 'failed', reason };
    this.#clearTimers();
    this.#env.log('replica.failed', { reason });
    this.#observer?.onFailed?.(this.id, reason);
    this.#settleAll((sent) => this.#stoppedError(!sent));
  }

  #clearTimers(): void {
    if (this.#tickTimer !== null) this.#env.clearTimer(this.#tickTimer);
    if (this.#scrubTimer !== null) this.#env.clearTimer(this.#scrubTimer);
    this.#tickTimer = null;
    this.#scrubTimer = null;
  }

  #later(fn: () => void): void {
    this.#env.setTimer(0, fn);
  }

  #nextId(): string {
    return `${this.#nonce}.${(++this.#seq).toString(36)}`;
  }

  #drop(reason: string): void {
    this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + 1);
  }
}

/**
 * Readies that became durable together (one fsync) carry one successful
 * AppendResponse each to the same leader: the last one, with the highest
 * index, acknowledges everything the earlier ones do, so only it is sent
 * (dropping the others is what a lossy network may do anyway; rejections
 * and every other message are kept, in order).
 */
export function withoutSupersededAcks(messages: readonly Message[]): readonly Message[] {
  if (messages.length < 2) return messages;
  const highest = new Map<string, number>();
  for (const m of messages) {
    if (m.type !== 'AppendResponse' || m.reject) continue;
    const key = `${m.to}|${m.term}`;
    highest.set(key, Math.max(highest.get(key) ?? 0, m.index));
  }
  if (highest.size === 0) return messages;
  const out: Message[] = [];
  const sent = new Set<string>();
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.type === 'AppendResponse' && !m.reject) {
      const key = `${m.to}|${m.term}`;
      if (sent.has(key) || m.index < highest.get(key)!) continue;
      sent.add(key);
    }
    out.push(m);
  }
  return out.reverse();
}

function roleName(role: SoftState['role'], learner: boolean): ReplicaStatus['members'][number]['role'] {
  if (learner) return 'learner';
  return role;
}
