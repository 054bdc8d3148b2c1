/**
 * The contract of a replica: one cluster member that runs Raft, the services
 * state machine and the leader's LeaseKeeper over an `Env` (sim or Node
 * runtime). It is the seam between the protocol layers and everything that
 * serves users: the simulator's workloads call it through client messages,
 * the HTTP server calls it in-process.
 *
 * Rules:
 * - Sans-I/O: time, timers, network, disk and randomness come from `env`.
 * - Callbacks, not promises: in the simulator, promise continuations would
 *   run only after the whole event loop returns, so every completion is a
 *   callback invoked later from an Env event (never inline inside the call).
 * - Every callback is called exactly once.
 * - A write is acknowledged only after its entry is committed (fsynced on a
 *   quorum) and applied; the result is the state machine's own result.
 */
import type { Env, NodeId } from '../env/index.js';
import type { DurableState, Entry, RaftInspection, SnapshotMetadata } from '../raft/index.js';
import type { Command, GetValue, ServiceConfigOptions, ServiceResult } from '../services/index.js';

/** Why a request did not get a state-machine result. */
export type ReplicaErrorCode =
  /** No leader known, or the leader did not answer within `requestTimeoutMs`: the outcome is unknown for writes. */
  | 'no_quorum'
  /** This replica is not the leader and forwarding is off; `leader` names the one it knows. */
  | 'not_leader'
  /** The replica is stopping or stopped. */
  | 'stopped'
  /** Too many requests in flight (bounded queues). */
  | 'overloaded'
  /** The request itself is invalid (the message names the field). */
  | 'invalid';

export interface ReplicaError {
  readonly code: ReplicaErrorCode;
  readonly message: string;
  /** Known leader, when there is one (for `not_leader` redirects). */
  readonly leader?: NodeId | null;
  /**
   * True when the write certainly did not take effect (refused before it
   * reached the log); false when it may have (timed out after proposing).
   * Histories record the first as `fail` and the second as `info`.
   */
  readonly definite: boolean;
}

export type ReplicaOutcome<T> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: ReplicaError };

export type ReadConsistency = 'linearizable' | 'stale';

export interface ReplicaMember {
  readonly id: NodeId;
  readonly role: 'leader' | 'follower' | 'candidate' | 'pre-candidate' | 'learner' | 'unknown';
  /** Highest log index known replicated to it (leader's view; undefined elsewhere). */
  readonly matchIndex?: number;
}

export interface ReplicaStatus {
  readonly id: NodeId;
  readonly role: string;
  readonly term: number;
  /** Current leader's id, or null. */
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly members: readonly ReplicaMember[];
  /** 'failed': storage is damaged beyond repair or an fsync failed; the replica serves nothing. */
  readonly health?: 'running' | 'failed' | 'stopped';
  /** Why it failed (one sentence), when `health` is 'failed'. */
  readonly failure?: string;
}

export interface ReplicaMetrics {
  readonly proposals: number;
  readonly commits: number;
  readonly elections: number;
  /** fsync latency samples in ms since the last read (the reader drains them). */
  readonly fsyncLatencyMs: readonly number[];
  /** Writes this follower forwarded to the leader. */
  readonly forwarded?: number;
  /** Linearizable and stale reads answered. */
  readonly reads?: number;
  /** Requests refused as `overloaded` (the in-flight bound). */
  readonly overloaded?: number;
  /** Peer messages dropped as garbage, by reason. */
  readonly droppedMessages?: Readonly<Record<string, number>>;
  /** Damaged copies the storage scrubber rewrote. */
  readonly copiesRepaired?: number;
}

/** Storage layout of a replica (every file is kept as `copies` checksummed copies; see mirrored-disk.ts). */
export interface ReplicaStorageOptions {
  /** @defaultValue 2 */
  readonly copies?: number;
  /** WAL segment size. @defaultValue 64 MiB */
  readonly segmentBytesMax?: number;
  /** Verify and repair every copy this often (0: never). @defaultValue 60000 */
  readonly scrubIntervalMs?: number;
}

/**
 * Hooks for simulators and tests (the invariant checker): called
 * synchronously, must not call back into the replica.
 */
export interface ReplicaObserver {
  /** The replica (re)started from storage; `snapshot` is what it restored, `raft` what Raft recovered. */
  onStart?(id: NodeId, snapshot: SnapshotMetadata | undefined, raft: RaftInspection): void;
  /** A Ready's hard state, entries or snapshot became durable (fsync done): what a crash must not lose. */
  onPersisted?(id: NodeId, durable: DurableState): void;
  /** After every event the replica handled (message, timer, fsync completion). */
  afterEvent?(id: NodeId, raft: RaftInspection): void;
  /** An entry was applied (in order). */
  onApply?(id: NodeId, entry: Entry): void;
  /** The state machine was replaced by a snapshot from the leader. */
  onSnapshotApplied?(id: NodeId, metadata: SnapshotMetadata): void;
  /** The replica stopped serving: storage damaged beyond repair, or an fsync failed. */
  onFailed?(id: NodeId, reason: string): void;
}

export interface ReplicaOptions {
  readonly env: Env;
  /** Founding voters (bootstrap only, same list on every founding member). */
  readonly voters: readonly NodeId[];
  /** @defaultValue 10 */
  readonly tickIntervalMs?: number;
  /** @defaultValue 10 (timeouts drawn from [E, 2E) ticks) */
  readonly electionTicks?: number;
  /** Ticks between leader heartbeats (< electionTicks). @defaultValue 1 */
  readonly heartbeatTicks?: number;
  /** How long a request may wait for a leader / commit before `no_quorum`. @defaultValue 2000 */
  readonly requestTimeoutMs?: number;
  /** Followers forward writes and linearizable reads to the leader over the peer network. @defaultValue true */
  readonly forwardToLeader?: boolean;
  /** 'read-index' (default) or 'lease' (leader-lease reads, bounded by `maxClockDriftRate`). */
  readonly readMode?: 'read-index' | 'lease';
  /** Assumed bound on clock rate differences (lease reads only). @defaultValue 0.01 */
  readonly maxClockDriftRate?: number;
  /** Requests waiting at once (proposals, forwards, reads); more get `overloaded`. @defaultValue 1024 */
  readonly maxInflightRequests?: number;
  /**
   * Snapshot the state machine and compact the log every this many applied
   * entries. A snapshot serialises the whole state and writes it (every
   * copy) with fsyncs, so its cost grows with the state, not with the
   * interval; the interval trades that against log kept in memory and WAL
   * replayed at restart (about 250 bytes per small put). @defaultValue 10000
   */
  readonly snapshotEveryEntries?: number;
  readonly storage?: ReplicaStorageOptions;
  /**
   * Keep several Readies in flight (etcd's asynchronous storage writes):
   * proposals that arrive while an fsync runs are sent to followers at once
   * and share the next fsync, and entries are applied as soon as they are
   * committed and durable here, instead of after the next write. false: one
   * Ready at a time (the plain Ready contract). @defaultValue true
   */
  readonly asyncStorageWrites?: boolean;
  /**
   * Services settings other than the TTL floor, which is derived from the
   * election timeout. Must be the same on every replica.
   */
  readonly service?: Omit<ServiceConfigOptions, 'electionTimeoutMs'>;
  /** Register `env.onMessage` (false: the host routes peer messages to `receive`). @defaultValue true */
  readonly registerMessageHandler?: boolean;
  /** Testing hooks (invariant checkers). */
  readonly observer?: ReplicaObserver;
  /**
   * Deliberately broken safety mechanisms, for the simulator's `--bug`
   * variants only (never in production): the harness must catch each.
   */
  readonly bugs?: readonly ReplicaBug[];
}

export type ReplicaBug = 'no-fencing' | 'stale-read' | 'forget-vote' | 'commit-without-majority' | 'no-fsync';

export interface Replica {
  readonly id: NodeId;
  /** Submit a client command (put, delete, grant-lease, acquire-lock, …) through the log. */
  submit(command: Command, done: (outcome: ReplicaOutcome<ServiceResult<unknown>>) => void): void;
  /** Read a key: `linearizable` via ReadIndex (or a valid leader lease), `stale` from local applied state. */
  get(key: string, consistency: ReadConsistency, done: (outcome: ReplicaOutcome<GetValue>) => void): void;
  status(): ReplicaStatus;
  /** Counters for /metrics. */
  metrics(): ReplicaMetrics;
  /** Stop timers and release the disk; pending callbacks get `stopped`. */
  stop(): void;
}

export type CreateReplica = (options: ReplicaOptions) => Replica;
