/**
 * A small deterministic cluster harness for Raft tests (and later the
 * simulator): N RaftNodes, each with a RaftStorage on a MemoryDisk, a
 * network with seeded delay, loss, duplication and reordering, partitions,
 * pauses, crashes (volatile state lost, only fsynced bytes survive, the tail
 * may tear) and restarts from storage. Committed entries are applied to a
 * simple log state machine, and the cluster invariants are checked after
 * every event.
 *
 * Time is virtual (ms). One seed ⇒ one run: every random draw comes from the
 * cluster's SeededRng, and events at the same instant run in insertion order.
 * Failures carry "reproduce with seed=…".
 *
 * The MIT 6.5840 helpers (`checkOneLeader`, `one`, `nCommitted`, …) are here
 * so the lab's scenarios port directly.
 */
import { Packr } from 'msgpackr';
import { SeededRng } from '../../core/random/index.js';
import type { Rng } from '../../core/random/rng.js';
import type { RaftConfig } from '../config.js';
import type { ProposeResult } from '../core.js';
import { RaftClusterInvariants } from '../invariants.js';
import type { Message } from '../messages.js';
import type { RaftStatus, Ready } from '../node.js';
import { RaftNode } from '../node.js';
import type { RecoveryReport } from '../storage/raft-storage.js';
import { RaftStorage } from '../storage/raft-storage.js';
import type { ConfChange, Entry, NodeId, ReadState, Snapshot } from '../types.js';
import { MemoryDisk } from './memory-disk.js';

const packr = new Packr({ useRecords: false });
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface ClusterNetworkOptions {
  /** One-way delay range in ms (inclusive). */
  readonly delayMsMin: number;
  readonly delayMsMax: number;
  /** Probability a message is lost. */
  readonly lossRate: number;
  /** Probability a message is delivered twice. */
  readonly duplicateRate: number;
  /** Probability a message takes a long detour (reordering). */
  readonly longDelayRate: number;
  readonly longDelayMsMax: number;
}

export const RELIABLE_NETWORK: ClusterNetworkOptions = Object.freeze({
  delayMsMin: 1,
  delayMsMax: 4,
  lossRate: 0,
  duplicateRate: 0,
  longDelayRate: 0,
  longDelayMsMax: 0,
});

/** Roughly the MIT lab's unreliable network, scaled to our timings. */
export const UNRELIABLE_NETWORK: ClusterNetworkOptions = Object.freeze({
  delayMsMin: 1,
  delayMsMax: 12,
  lossRate: 0.1,
  duplicateRate: 0.02,
  longDelayRate: 0.05,
  longDelayMsMax: 150,
});

export type ClusterRaftOptions = Partial<Omit<RaftConfig, 'id' | 'rng' | 'voters' | 'learners' | 'monoNowMs'>>;

export interface ClusterOptions {
  /** Node count (ids n1…nN) or explicit ids. @defaultValue 3 */
  readonly nodes?: number | readonly NodeId[];
  /** Nodes that exist but are not founding members (they start with no configuration and wait to be added). */
  readonly joiners?: readonly NodeId[];
  /** Founding learners (a subset of `nodes`). */
  readonly learners?: readonly NodeId[];
  readonly seed?: number;
  readonly raft?: ClusterRaftOptions;
  /** Virtual ms between ticks. @defaultValue 10 */
  readonly tickMs?: number;
  readonly network?: Partial<ClusterNetworkOptions>;
  /** fsync latency range in ms. @defaultValue [0, 2] */
  readonly fsyncMs?: readonly [number, number];
  readonly segmentBytesMax?: number;
  /** The state machine snapshots (and Raft compacts) every this many applied entries; 0 = never. */
  readonly snapshotEveryEntries?: number;
  /** Probability that a crash tears the last un-fsynced write. @defaultValue 0.5 */
  readonly tearProbability?: number;
  /** Per-node monotonic clock rate (1 = true time), for lease tests. */
  readonly clockRates?: Readonly<Record<NodeId, number>>;
}

/** The replicated application: a log of string commands. */
export class LogStateMachine {
  /** index → command, for normal entries. */
  commands = new Map<number, string>();
  lastApplied = 0;

  apply(entry: Entry): void {
    if (entry.kind === 'normal') this.commands.set(entry.index, decoder.decode(entry.data));
    this.lastApplied = entry.index;
  }

  restore(snapshot: Snapshot): void {
    const pairs = packr.unpack(snapshot.data) as Array<[number, string]>;
    this.commands = new Map(pairs);
    this.lastApplied = snapshot.metadata.index;
  }

  serialize(): Uint8Array {
    return packr.pack([...this.commands]);
  }
}

interface HeapEvent {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

/** Binary min-heap on (at, seq): same-instant events run in insertion order. */
class EventQueue {
  #heap: HeapEvent[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(at: number, run: () => void): void {
    const h = this.#heap;
    h.push({ at, seq: this.#seq++, run });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  peekAt(): number {
    return this.#heap.length === 0 ? Infinity : this.#heap[0].at;
  }

  pop(): HeapEvent | undefined {
    const h = this.#heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: HeapEvent, b: HeapEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

interface Host {
  readonly id: NodeId;
  readonly disk: MemoryDisk;
  incarnation: number;
  node: RaftNode | null;
  storage: RaftStorage | null;
  sm: LogStateMachine;
  /** A Ready is being persisted (one at a time). */
  busy: boolean;
  /** With `asyncStorageWrites`: Readies handed out, oldest first, and whether each is durable. */
  inflight: Array<{ readonly rd: Ready; saved: boolean }>;
  pausedUntilMs: number;
  /** The monotonic clock: offset + (now − since) · rate. */
  clockOffsetMs: number;
  clockSinceMs: number;
  readonly clockRate: number;
  readStates: ReadState[];
  lastRecovery: RecoveryReport | null;
}

export interface ClusterStats {
  readsIssued: number;
  readsServed: number;
  messagesSent: number;
  messagesDelivered: number;
  messagesDropped: number;
  readonly sentByType: Map<Message['type'], number>;
  crashes: number;
  snapshotsTaken: number;
}

export class RaftTestCluster {
  readonly seed: number;
  readonly ids: readonly NodeId[];
  readonly founders: readonly NodeId[];
  readonly invariants = new RaftClusterInvariants();
  readonly stats: ClusterStats = {
    readsIssued: 0,
    readsServed: 0,
    messagesSent: 0,
    messagesDelivered: 0,
    messagesDropped: 0,
    sentByType: new Map(),
    crashes: 0,
    snapshotsTaken: 0,
  };
  nowMs = 0;
  readonly #rng: Rng;
  readonly #options: ClusterOptions;
  readonly #tickMs: number;
  readonly #hosts = new Map<NodeId, Host>();
  readonly #queue = new EventQueue();
  #network: ClusterNetworkOptions;
  readonly #connected = new Map<NodeId, boolean>();
  #groups: Map<NodeId, number> | null = null;
  /** Directed links cut by `cutLink`. */
  readonly #cutLinks = new Set<string>();
  /** Drop (and count) messages matching this filter; for targeted tests. */
  messageFilter: ((m: Message) => boolean) | null = null;
  /** Reads issued through `read()`: context → the highest commit index known anywhere when issued. */
  readonly #pendingReads = new Map<string, { id: NodeId; minIndex: number }>();
  #readSeq = 0;

  constructor(options: ClusterOptions = {}) {
    this.#options = options;
    this.seed = options.seed ?? 1;
    this.#rng = new SeededRng(this.seed);
    const nodes = options.nodes ?? 3;
    const founders = typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => `n${i + 1}`) : [...nodes];
    this.founders = founders;
    this.ids = [...founders, ...(options.joiners ?? [])];
    this.#tickMs = options.tickMs ?? 10;
    this.#network = { ...RELIABLE_NETWORK, ...options.network };
    for (const id of this.ids) {
      const host: Host = {
        id,
        disk: new MemoryDisk({ scheduleFsync: (complete) => this.#scheduleFsync(host, complete) }),
        incarnation: 0,
        node: null,
        storage: null,
        sm: new LogStateMachine(),
        busy: false,
        inflight: [],
        pausedUntilMs: 0,
        clockOffsetMs: 0,
        clockSinceMs: 0,
        clockRate: options.clockRates?.[id] ?? 1,
        readStates: [],
        lastRecovery: null,
      };
      this.#hosts.set(id, host);
      this.#connected.set(id, true);
    }
    for (const id of this.ids) this.#start(this.#host(id));
  }

  // ------------------------------------------------------------------ lifecycle

  #host(id: NodeId): Host {
    const h = this.#hosts.get(id);
    if (h === undefined) throw new Error(`RaftTestCluster: unknown node ${id}`);
    return h;
  }

  #fail(message: string): never {
    throw new Error(`${message} (at ${this.nowMs} ms; reproduce with seed=${this.seed})`);
  }

  #start(host: Host): void {
    const opened = RaftStorage.open(host.disk, { segmentBytesMax: this.#options.segmentBytesMax ?? 16 * 1024 });
    host.lastRecovery = opened.report;
    host.storage = opened.storage;
    host.incarnation++;
    host.busy = false;
    host.inflight = [];
    host.readStates = [];
    host.sm = new LogStateMachine();
    this.invariants.onRestart(host.id);
    if (opened.recovered.snapshot !== undefined) {
      host.sm.restore(opened.recovered.snapshot);
      this.invariants.onSnapshotApplied(host.id, opened.recovered.snapshot.metadata);
    }
    const isFounder = this.founders.includes(host.id);
    const cfg: RaftConfig = {
      electionTicks: 10,
      heartbeatTicks: 2,
      tickIntervalMs: this.#tickMs,
      ...this.#options.raft,
      id: host.id,
      voters: isFounder ? this.founders.filter((f) => !(this.#options.learners ?? []).includes(f)) : [],
      learners: isFounder ? (this.#options.learners ?? []) : [],
      rng: this.#rng.fork(),
      monoNowMs: () => this.#monoNow(host),
    };
    host.node = new RaftNode(cfg, opened.recovered);
    const incarnation = host.incarnation;
    const firstTickAt = this.nowMs + 1 + this.#rng.int(this.#tickMs);
    const tickEveryMs = this.#tickMs / host.clockRate;
    const tick = (): void => {
      if (host.incarnation !== incarnation || host.node === null) return;
      if (this.nowMs >= host.pausedUntilMs) {
        host.node.tick();
        this.#afterEvent(host);
      }
      this.#queue.push(this.nowMs + tickEveryMs, tick);
    };
    this.#queue.push(firstTickAt, tick);
    this.#afterEvent(host);
  }

  #monoNow(host: Host): number {
    return host.clockOffsetMs + (this.nowMs - host.clockSinceMs) * host.clockRate;
  }

  /** Power-cut `id`: volatile state and un-fsynced writes are lost (the last write may tear). */
  crash(id: NodeId): void {
    const host = this.#host(id);
    if (host.node === null) return;
    host.node = null;
    host.storage = null;
    host.incarnation++;
    host.disk.crash({ rng: this.#rng, tearProbability: this.#options.tearProbability ?? 0.5 });
    this.stats.crashes++;
  }

  /** Start `id` again from what its disk kept (throws CorruptLogError if it refuses). */
  restart(id: NodeId): void {
    const host = this.#host(id);
    if (host.node !== null) this.crash(id);
    this.#start(host);
  }

  isAlive(id: NodeId): boolean {
    return this.#host(id).node !== null;
  }

  /** Stop `id` from running for `ms` (a GC pause): ticks are skipped, messages wait. */
  pause(id: NodeId, ms: number): void {
    this.#host(id).pausedUntilMs = this.nowMs + ms;
  }

  // ------------------------------------------------------------------ network

  disconnect(id: NodeId): void {
    this.#connected.set(id, false);
  }
  connect(id: NodeId): void {
    this.#connected.set(id, true);
  }
  isConnected(id: NodeId): boolean {
    return this.#connected.get(id) ?? false;
  }

  /** Split the cluster: nodes talk only within their group (unlisted nodes are alone). */
  partition(...groups: ReadonlyArray<readonly NodeId[]>): void {
    this.#groups = new Map();
    groups.forEach((g, k) => g.forEach((id) => this.#groups!.set(id, k)));
  }
  heal(): void {
    this.#groups = null;
    this.#cutLinks.clear();
  }
  /** Drop every message from `from` to `to` (one direction). */
  cutLink(from: NodeId, to: NodeId): void {
    this.#cutLinks.add(`${from}→${to}`);
  }

  setNetwork(options: Partial<ClusterNetworkOptions>): void {
    this.#network = { ...this.#network, ...options };
  }
  setUnreliable(unreliable: boolean): void {
    this.#network = unreliable ? { ...UNRELIABLE_NETWORK } : { ...RELIABLE_NETWORK };
  }

  canCommunicate(from: NodeId, to: NodeId): boolean {
    if (!this.isConnected(from) || !this.isConnected(to)) return false;
    if (this.#cutLinks.has(`${from}→${to}`)) return false;
    if (this.#groups === null) return true;
    const a = this.#groups.get(from);
    const b = this.#groups.get(to);
    return a !== undefined && a === b;
  }

  #send(m: Message): void {
    this.stats.messagesSent++;
    this.stats.sentByType.set(m.type, (this.stats.sentByType.get(m.type) ?? 0) + 1);
    const net = this.#network;
    if (!this.canCommunicate(m.from, m.to) || this.#rng.chance(net.lossRate) || this.messageFilter?.(m)) {
      this.stats.messagesDropped++;
      return;
    }
    const copies = this.#rng.chance(net.duplicateRate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      let delay = this.#rng.intBetween(net.delayMsMin, net.delayMsMax);
      if (this.#rng.chance(net.longDelayRate)) delay += this.#rng.int(net.longDelayMsMax + 1);
      this.#queue.push(this.nowMs + delay, () => this.#deliver(m));
    }
  }

  #deliver(m: Message): void {
    const host = this.#hosts.get(m.to);
    if (host === undefined || host.node === null || !this.canCommunicate(m.from, m.to)) {
      this.stats.messagesDropped++;
      return;
    }
    if (this.nowMs < host.pausedUntilMs) {
      this.#queue.push(host.pausedUntilMs, () => this.#deliver(m));
      return;
    }
    this.stats.messagesDelivered++;
    host.node.step(m);
    this.#afterEvent(host);
  }

  #scheduleFsync(host: Host, complete: () => void): void {
    const [lo, hi] = this.#options.fsyncMs ?? [0, 2];
    const incarnation = host.incarnation;
    this.#queue.push(this.nowMs + this.#rng.intBetween(lo, hi), () => {
      if (host.incarnation === incarnation) complete();
    });
  }

  // ------------------------------------------------------------------ the host loop

  #afterEvent(host: Host): void {
    const node = host.node;
    if (node === null) return;
    this.invariants.observe(node.inspect());
    this.#pump(host);
  }

  /** Persist → send → apply → advance, one Ready at a time (the Ready contract). */
  #pump(host: Host): void {
    const node = host.node;
    if (this.#options.raft?.asyncStorageWrites === true) return this.#pumpAsync(host);
    if (node === null || host.busy || !node.hasReady()) return;
    const rd = node.ready();
    host.busy = true;
    const incarnation = host.incarnation;
    host.storage!.save(rd, (error) => {
      if (host.incarnation !== incarnation) return; // crashed while persisting
      if (error !== undefined) this.#fail(`storage of ${host.id} failed: ${error.message}`);
      this.#completeReady(host, node, rd);
    });
  }

  #completeReady(host: Host, node: RaftNode, rd: Ready): void {
    for (const m of rd.messages) this.#send(m);
    if (rd.snapshot !== undefined) {
      host.sm.restore(rd.snapshot);
      this.invariants.onSnapshotApplied(host.id, rd.snapshot.metadata);
    }
    this.#applyAndRead(host, rd);
    node.advance(rd);
    host.busy = false;
    this.#maybeCompact(host, node);
    this.#afterEvent(host);
  }

  #applyAndRead(host: Host, rd: Ready): void {
    for (const e of rd.committedEntries) {
      host.sm.apply(e);
      this.invariants.onApply(host.id, e);
    }
    for (const rs of rd.readStates) this.#checkRead(host.id, rs);
    host.readStates.push(...rd.readStates);
  }

  /**
   * Asynchronous storage writes: every Ready is taken at once; its committed
   * entries (durable here) are applied at once; its writes queue in storage
   * (sharing fsyncs); when they and every earlier Ready's are durable, its
   * messages go out and it is advanced, in order.
   */
  #pumpAsync(host: Host): void {
    const node = host.node;
    if (node === null || host.busy) return;
    host.busy = true; // not re-entered from a save that completes inline
    const incarnation = host.incarnation;
    try {
      while (node.hasReady()) {
        const rd = node.ready();
        if (rd.committedEntries.length > 0 || rd.readStates.length > 0) this.#applyAndRead(host, rd);
        const item = { rd, saved: false };
        host.inflight.push(item);
        host.storage!.save(rd, (error) => {
          if (host.incarnation !== incarnation) return;
          if (error !== undefined) this.#fail(`storage of ${host.id} failed: ${error.message}`);
          item.saved = true;
          if (!host.busy) this.#drainAsync(host, node);
        });
      }
    } finally {
      host.busy = false;
    }
    this.#drainAsync(host, node);
  }

  #drainAsync(host: Host, node: RaftNode): void {
    let advanced = false;
    while (host.inflight.length > 0 && host.inflight[0].saved) {
      const { rd } = host.inflight.shift()!;
      for (const m of rd.messages) this.#send(m);
      if (rd.snapshot !== undefined) {
        host.sm.restore(rd.snapshot);
        this.invariants.onSnapshotApplied(host.id, rd.snapshot.metadata);
      }
      node.advance(rd);
      advanced = true;
    }
    if (!advanced) return;
    this.#maybeCompact(host, node);
    this.#afterEvent(host);
  }

  #maybeCompact(host: Host, node: RaftNode): void {
    const every = this.#options.snapshotEveryEntries ?? 0;
    if (every <= 0) return;
    const st = node.status();
    if (st.applied - st.snapshotIndex < every) return;
    const snapshot = node.compact(st.applied, host.sm.serialize());
    this.stats.snapshotsTaken++;
    const incarnation = host.incarnation;
    host.storage!.saveSnapshot(snapshot, (error) => {
      if (host.incarnation === incarnation && error !== undefined) this.#fail(`snapshot of ${host.id} failed: ${error.message}`);
    });
  }

  /**
   * Linearizability of reads: a read must reflect every write that completed
   * before it started, so its index must be ≥ every commit index known
   * anywhere when it was issued (commit indices only ever cover committed,
   * hence identical, entries).
   */
  #checkRead(id: NodeId, rs: ReadState): void {
    const p = this.#pendingReads.get(rs.context);
    if (p === undefined) return;
    this.#pendingReads.delete(rs.context);
    if (p.id !== id) this.#fail(`read ${rs.context} issued at ${p.id} was answered at ${id}`);
    if (rs.index < p.minIndex) {
      this.#fail(`stale read: ${rs.context} at ${id} returned index ${rs.index}, but commit ${p.minIndex} was known when it started`);
    }
    this.stats.readsServed++;
  }

  /** The highest commit index any live node knows. */
  maxCommitIndex(): number {
    let max = 0;
    for (const h of this.#hosts.values()) if (h.node !== null) max = Math.max(max, h.node.inspect().commit);
    return max;
  }

  /** Issue a linearizable read at `id`; its answer is checked when it arrives. Returns its context, or null if refused. */
  read(id: NodeId): string | null {
    const host = this.#host(id);
    if (host.node === null) return null;
    const context = `read-${++this.#readSeq}`;
    const minIndex = this.maxCommitIndex();
    const r = host.node.readIndex(context);
    if (!r.ok) return null;
    this.stats.readsIssued++;
    this.#pendingReads.set(context, { id, minIndex });
    this.#afterEvent(host);
    return context;
  }

  // ------------------------------------------------------------------ driving

  /** Run one event; false when nothing is scheduled. */
  step(): boolean {
    const ev = this.#queue.pop();
    if (ev === undefined) return false;
    this.nowMs = Math.max(this.nowMs, ev.at);
    ev.run();
    return true;
  }

  runFor(ms: number): void {
    const until = this.nowMs + ms;
    while (this.#queue.peekAt() <= until) this.step();
    this.nowMs = until;
  }

  /** Run until `predicate()` holds (checked after every event); false on timeout. */
  runUntil(predicate: () => boolean, timeoutMs: number): boolean {
    const until = this.nowMs + timeoutMs;
    if (predicate()) return true;
    while (this.#queue.peekAt() <= until) {
      this.step();
      if (predicate()) return true;
    }
    this.nowMs = until;
    return predicate();
  }

  // ------------------------------------------------------------------ observation

  node(id: NodeId): RaftNode | null {
    return this.#host(id).node;
  }

  status(id: NodeId): RaftStatus {
    const node = this.#host(id).node;
    if (node === null) this.#fail(`${id} is down`);
    return node.status();
  }

  stateMachine(id: NodeId): LogStateMachine {
    return this.#host(id).sm;
  }

  /** Reads confirmed at `id` so far (cleared on restart). */
  readStates(id: NodeId): readonly ReadState[] {
    return this.#host(id).readStates;
  }

  lastRecovery(id: NodeId): RecoveryReport | null {
    return this.#host(id).lastRecovery;
  }

  disk(id: NodeId): MemoryDisk {
    return this.#host(id).disk;
  }

  /** Alive, connected nodes that believe they lead, by term. */
  leadersByTerm(): Map<number, NodeId[]> {
    const out = new Map<number, NodeId[]>();
    for (const id of this.ids) {
      const node = this.#host(id).node;
      if (node === null || !this.isConnected(id)) continue;
      const st = node.status();
      if (st.role !== 'leader') continue;
      out.set(st.term, [...(out.get(st.term) ?? []), id]);
    }
    return out;
  }

  /** MIT `checkOneLeader`: within a few election timeouts, exactly one leader in the newest term. */
  checkOneLeader(): NodeId {
    for (let iters = 0; iters < 10; iters++) {
      this.runFor(300 + this.#rng.int(100));
      const byTerm = this.leadersByTerm();
      let lastTerm = -1;
      for (const [term, leaders] of byTerm) {
        if (leaders.length > 1) this.#fail(`term ${term} has ${leaders.length} (>1) leaders: ${leaders.join(', ')}`);
        lastTerm = Math.max(lastTerm, term);
      }
      if (lastTerm >= 0) return byTerm.get(lastTerm)![0];
    }
    this.#fail('expected one leader, got none');
  }

  /** MIT `checkNoLeader`: no connected node thinks it leads. */
  checkNoLeader(): void {
    for (const [term, leaders] of this.leadersByTerm()) {
      this.#fail(`expected no leader among connected servers, but ${leaders.join(', ')} leads term ${term}`);
    }
  }

  /** MIT `checkTerms`: connected nodes agree on the term. */
  checkTerms(): number {
    let term = -1;
    for (const id of this.ids) {
      const node = this.#host(id).node;
      if (node === null || !this.isConnected(id)) continue;
      const t = node.status().term;
      if (term === -1) term = t;
      else if (term !== t) this.#fail(`servers disagree on term (${term} vs ${t})`);
    }
    return term;
  }

  /** MIT `nCommitted`: how many nodes applied a command at `index`, and which command (they must agree). */
  nCommitted(index: number): { count: number; command: string | undefined } {
    let count = 0;
    let command: string | undefined;
    for (const id of this.ids) {
      const c = this.#host(id).sm.commands.get(index);
      if (c === undefined) continue;
      if (count > 0 && c !== command) this.#fail(`committed values differ at index ${index}: ${command} vs ${c}`);
      command = c;
      count++;
    }
    return { count, command };
  }

  /** Propose a string command at `id`. */
  propose(id: NodeId, command: string): ProposeResult {
    const node = this.#host(id).node;
    if (node === null) this.#fail(`${id} is down`);
    const result = node.propose(encoder.encode(command));
    this.#afterEvent(this.#host(id));
    return result;
  }

  proposeConfChange(id: NodeId, change: ConfChange): ProposeResult {
    const node = this.#host(id).node;
    if (node === null) this.#fail(`${id} is down`);
    const result = node.proposeConfChange(change);
    this.#afterEvent(this.#host(id));
    return result;
  }

  /** Call `fn` on a live node, then let it run its Ready loop. */
  withNode<T>(id: NodeId, fn: (node: RaftNode) => T): T {
    const host = this.#host(id);
    if (host.node === null) this.#fail(`${id} is down`);
    const result = fn(host.node);
    this.#afterEvent(host);
    return result;
  }

  /**
   * MIT `one`: get `command` committed, retrying at whichever node leads, and
   * wait until at least `expectedServers` nodes applied it. Returns its index.
   */
  one(command: string, expectedServers: number, retry: boolean): number {
    const t0 = this.nowMs;
    let starts = 0;
    while (this.nowMs - t0 < 10_000) {
      let index = -1;
      for (let k = 0; k < this.ids.length; k++) {
        starts = (starts + 1) % this.ids.length;
        const id = this.ids[starts];
        if (!this.isConnected(id) || this.#host(id).node === null) continue;
        const r = this.propose(id, command);
        if (r.ok) {
          index = r.index;
          break;
        }
      }
      if (index !== -1) {
        const done = this.runUntil(() => {
          const { count, command: c } = this.nCommitted(index);
          return count > 0 && count >= expectedServers && c === command;
        }, 2_000);
        if (done) return index;
        if (!retry) this.#fail(`one(${command}) failed to reach agreement`);
      } else {
        this.runFor(50);
      }
    }
    this.#fail(`one(${command}) failed to reach agreement`);
  }

  /** Highest index applied by every live node, and whether all live nodes agree up to it. */
  appliedEverywhere(): number {
    let min = Infinity;
    for (const id of this.ids) {
      const h = this.#host(id);
      if (h.node !== null) min = Math.min(min, h.sm.lastApplied);
    }
    return min === Infinity ? 0 : min;
  }
}
