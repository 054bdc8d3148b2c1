/**
 * The replicated state, as plain mutable tables. Only the command handlers
 * (kv.ts, leases.ts, locks.ts, workers.ts, sessions.ts) change it, and only
 * from inside `apply`, so every replica holds the same tables after the same
 * entries. Cross-references are kept both ways (a key names its lease, the
 * lease lists its keys) so ending a lease costs what it owns, not a scan.
 */
import type { ServiceConfig } from './config.js';
import type { ApplyResult } from './results.js';
import type { LeaseEvent } from './lease-types.js';

export interface KvRecord {
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  /** 0 when the key belongs to no lease. */
  readonly leaseId: number;
}

export interface LeaseState {
  readonly ttlMs: number;
  /** Invariant: 0 ≤ remainingMs ≤ ttlMs. */
  remainingMs: number;
  /** Invariant: refreshIndex ≤ appliedIndex. */
  refreshIndex: number;
  readonly keys: Set<string>;
  readonly locks: Set<string>;
  readonly workerIds: Set<number>;
}

export interface LockState {
  readonly leaseId: number;
  /** The fencing token: the revision at which this holder was granted the lock. */
  readonly token: number;
}

export interface SessionState {
  ackedSeq: number;
  /** `clockTicks` when the client last sent a command. */
  lastActiveTick: number;
  /** Results of applied seqs above ackedSeq (Invariant: every key > ackedSeq; size ≤ LIMITS.sessionResultsMax). */
  readonly results: Map<number, ApplyResult>;
}

export class ServiceState {
  appliedIndex = 0;
  appliedTerm = 0;
  /** Cluster revision: +1 per command that changes the keyspace, and per lock grant (its fencing token). */
  revision = 0;
  nextLeaseId = 1;
  /** Log-carried clock: checkpoints with `tick: true` applied so far. */
  clockTicks = 0;
  readonly kv = new Map<string, KvRecord>();
  readonly leases = new Map<number, LeaseState>();
  readonly locks = new Map<string, LockState>();
  /** workerId → leaseId. */
  readonly workers = new Map<number, number>();
  /**
   * clientId → session, in order of last activity (oldest first) so idle
   * expiry stops at the first live one. Invariant: lastActiveTick is
   * non-decreasing along the map's order.
   */
  readonly sessions = new Map<number, SessionState>();
}

/** What a handler may use besides the state: the entry's index, the config, and the lease event sink. */
export interface ApplyContext {
  readonly index: number;
  readonly config: ServiceConfig;
  readonly emit: (event: LeaseEvent) => void;
}

export function newLease(ttlMs: number, remainingMs: number, refreshIndex: number): LeaseState {
  return { ttlMs, remainingMs, refreshIndex, keys: new Set(), locks: new Set(), workerIds: new Set() };
}
