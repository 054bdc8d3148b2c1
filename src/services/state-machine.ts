/**
 * The services state machine: KV, leases, locks with fencing tokens, client
 * sessions and worker ids, as ONE deterministic machine applied in Raft log
 * order.
 *
 * `apply(entry)` is a pure function of the state and the entry: no clock, no
 * randomness, no I/O. Time enters only through the log (`expire-lease` and
 * `checkpoint` from the leader's LeaseKeeper). Every replica that applies the
 * same entries holds the same state, returns the same results and writes the
 * same snapshot bytes.
 *
 * It does not depend on Raft: the host feeds it committed entries (any
 * `{ index, term, data }`) in index order — skipping Raft's own no-op and
 * membership entries is fine, indexes only need to increase — and proposes
 * the commands its clients and its LeaseKeeper produce.
 */
import { decodeCommand } from './codec.js';
import { resolveServiceConfig } from './config.js';
import { isInvalidCommandError } from './errors.js';
import { applyDelete, applyGet, applyPut, applyRange, readKey, readRange } from './kv.js';
import {
  applyCheckpoint,
  applyExpireLease,
  applyGrantLease,
  applyKeepAliveLease,
  applyRevokeLease,
} from './leases.js';
import { LIMITS } from './limits.js';
import { applyAcquireLock, applyReleaseLock } from './locks.js';
import { fail } from './results.js';
import { applyInSession, applyRegisterSession } from './sessions.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { ServiceState } from './state.js';
import { compareStrings } from './text.js';
import { applyAcquireWorkerId, applyReleaseWorkerId } from './workers.js';
import type { Command } from './commands.js';
import type { ServiceConfig, ServiceConfigOptions } from './config.js';
import type { LeaseEvent, LeaseRecord } from './lease-types.js';
import type { ApplyResult, GetValue, RangeValue } from './results.js';
import type { ApplyContext } from './state.js';

/** A committed log entry carrying a services command (Raft's NormalEntry fits). */
export interface ServiceEntry {
  readonly index: number;
  readonly term: number;
  readonly data: Uint8Array;
}

/** Returned by `onLeaseEvent`; `dispose()` unsubscribes. */
export interface Subscription {
  dispose(): void;
}

export interface LockInfo {
  readonly lock: string;
  readonly leaseId: number;
  readonly token: number;
}

export interface LeaseInfo extends LeaseRecord {
  readonly keys: number;
  readonly locks: number;
  readonly workerIds: number;
}

export interface SessionInfo {
  readonly clientId: number;
  readonly ackedSeq: number;
  readonly lastActiveTick: number;
  readonly storedResults: number;
}

export interface ServiceStats {
  readonly appliedIndex: number;
  readonly revision: number;
  readonly keys: number;
  readonly leases: number;
  readonly locks: number;
  readonly workerIds: number;
  readonly sessions: number;
  readonly clockTicks: number;
}

export interface ServiceStateMachineOptions extends ServiceConfigOptions {
  /** A config resolved earlier (wins over the individual options). */
  readonly config?: ServiceConfig;
  /** Known-bad variants for the simulator only (see `ServiceTestingBugs`). @defaultValue none */
  readonly testingBugs?: ServiceTestingBugs;
}

/**
 * Deliberately broken safety rules, for the simulator's known-bad variants
 * (`faultline sim --bug …`) only; never in production. Off by default (one
 * boolean test per put or delete).
 */
export interface ServiceTestingBugs {
  /** Ignore `fence` on put and delete: a paused ex-holder's stale write lands. */
  readonly skipFencing?: boolean;
}

export class ServiceStateMachine {
  readonly config: ServiceConfig;
  readonly #skipFencing: boolean;
  #state = new ServiceState();
  readonly #listeners = new Set<(event: LeaseEvent) => void>();
  readonly #emit = (event: LeaseEvent): void => {
    for (const listener of this.#listeners) listener(event);
  };

  constructor(options: ServiceStateMachineOptions = {}) {
    this.config = options.config ?? resolveServiceConfig(options);
    this.#skipFencing = options.testingBugs?.skipFencing === true;
  }

  get appliedIndex(): number {
    return this.#state.appliedIndex;
  }

  get appliedTerm(): number {
    return this.#state.appliedTerm;
  }

  /** Cluster revision: +1 per command that changes the keyspace, and per lock grant (its fencing token). */
  get revision(): number {
    return this.#state.revision;
  }

  /**
   * Apply one committed entry. Entries must come in increasing index order
   * with non-decreasing terms (an out-of-order entry is a host bug and
   * throws). Bad entry data never throws: it applies as an
   * `invalid_command` result and changes nothing but `appliedIndex`.
   *
   * `decoded`, when the host has it, is the command `entry.data` encodes (as
   * `encodeCanonicalCommand` returned it with those very bytes): decoding is
   * then skipped. The leader passes its own proposals this way.
   */
  apply(entry: ServiceEntry, decoded?: Command): ApplyResult {
    const s = this.#state;
    if (!Number.isSafeInteger(entry.index) || entry.index <= s.appliedIndex) {
      throw new Error(`ServiceStateMachine.apply: invariant broken: entry index ${entry.index} must be > appliedIndex ${s.appliedIndex}`);
    }
    if (!Number.isSafeInteger(entry.term) || entry.term < s.appliedTerm) {
      throw new Error(`ServiceStateMachine.apply: invariant broken: entry term ${entry.term} must be ≥ appliedTerm ${s.appliedTerm}`);
    }
    s.appliedIndex = entry.index;
    s.appliedTerm = entry.term;
    let command: Command;
    try {
      command = decoded ?? decodeCommand(entry.data);
    } catch (e) {
      if (!isInvalidCommandError(e)) throw e;
      return fail('invalid_command', e.message, { field: e.field });
    }
    return this.#execute(command, { index: entry.index, config: this.config, emit: this.#emit });
  }

  #execute(command: Command, ctx: ApplyContext): ApplyResult {
    const s = this.#state;
    switch (command.type) {
      case 'expire-lease':
        return applyExpireLease(s, command, ctx);
      case 'checkpoint':
        return applyCheckpoint(s, command, ctx);
      case 'register-session':
        return applyRegisterSession(s, ctx.index);
    }
    const run = (): ApplyResult => this.#client(command, ctx);
    if (command.session === undefined) return run();
    return applyInSession(s, command.session, command.type === 'get' || command.type === 'range', run);
  }

  #client(command: Exclude<Command, { type: 'expire-lease' | 'checkpoint' | 'register-session' }>, ctx: ApplyContext): ApplyResult {
    const s = this.#state;
    switch (command.type) {
      case 'put':
        return applyPut(s, this.#skipFencing ? { ...command, fence: undefined } : command);
      case 'delete':
        return applyDelete(s, this.#skipFencing ? { ...command, fence: undefined } : command);
      case 'get':
        return applyGet(s, command);
      case 'range':
        return applyRange(s, command);
      case 'grant-lease':
        return applyGrantLease(s, command, ctx);
      case 'keepalive-lease':
        return applyKeepAliveLease(s, command, ctx);
      case 'revoke-lease':
        return applyRevokeLease(s, command, ctx);
      case 'acquire-lock':
        return applyAcquireLock(s, command);
      case 'release-lock':
        return applyReleaseLock(s, command);
      case 'acquire-worker-id':
        return applyAcquireWorkerId(s, command, ctx);
      case 'release-worker-id':
        return applyReleaseWorkerId(s, command);
    }
  }

  /**
   * Lease grants, refreshes and ends, in apply order (synchronously, inside
   * `apply`). The leader feeds them to its LeaseKeeper. Listeners must not
   * call back into the state machine.
   */
  onLeaseEvent(listener: (event: LeaseEvent) => void): Subscription {
    const wrapped = (event: LeaseEvent): void => listener(event);
    this.#listeners.add(wrapped);
    return { dispose: () => this.#listeners.delete(wrapped) };
  }

  /** The whole state as checksummed, deterministic bytes (see snapshot.ts). */
  snapshot(): Uint8Array {
    return encodeSnapshot(this.#state, this.config);
  }

  /**
   * Replace the state with a snapshot's. All or nothing: on
   * SnapshotCorruptError (bad checksum, other version or config, broken
   * invariant) the current state stays. A leader that restores must call its
   * LeaseKeeper's `becameLeader` again with `leases()`.
   */
  restore(bytes: Uint8Array): void {
    this.#state = decodeSnapshot(bytes, this.config);
  }

  // --- Local reads: this replica's applied state, no log entry. Linearizable
  // only if the caller first waited for a ReadIndex (or a lease read) to be
  // applied; otherwise possibly stale.

  get(key: string): GetValue {
    return readKey(this.#state, key);
  }

  range(prefix: string, limit: number = LIMITS.rangeLimitMax): RangeValue {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > LIMITS.rangeLimitMax) {
      throw new RangeError(`ServiceStateMachine.range: limit must be an integer in [1, ${LIMITS.rangeLimitMax}], got ${limit}`);
    }
    return readRange(this.#state, prefix, limit);
  }

  lease(leaseId: number): LeaseInfo | undefined {
    const l = this.#state.leases.get(leaseId);
    if (l === undefined) return undefined;
    return {
      leaseId,
      ttlMs: l.ttlMs,
      remainingMs: l.remainingMs,
      refreshIndex: l.refreshIndex,
      keys: l.keys.size,
      locks: l.locks.size,
      workerIds: l.workerIds.size,
    };
  }

  /** Every live lease, ascending id: what a new leader hands to `LeaseKeeper.becameLeader`. */
  leases(): LeaseRecord[] {
    return [...this.#state.leases.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([leaseId, l]) => ({ leaseId, ttlMs: l.ttlMs, remainingMs: l.remainingMs, refreshIndex: l.refreshIndex }));
  }

  lock(name: string): LockInfo | undefined {
    const l = this.#state.locks.get(name);
    return l === undefined ? undefined : { lock: name, leaseId: l.leaseId, token: l.token };
  }

  /** Held locks, ascending by name. */
  locks(): LockInfo[] {
    return [...this.#state.locks.entries()]
      .sort((a, b) => compareStrings(a[0], b[0]))
      .map(([lock, l]) => ({ lock, leaseId: l.leaseId, token: l.token }));
  }

  /** Held worker ids, ascending. */
  workerIds(): Array<{ readonly workerId: number; readonly leaseId: number }> {
    return [...this.#state.workers.entries()].sort((a, b) => a[0] - b[0]).map(([workerId, leaseId]) => ({ workerId, leaseId }));
  }

  session(clientId: number): SessionInfo | undefined {
    const s = this.#state.sessions.get(clientId);
    return s === undefined
      ? undefined
      : { clientId, ackedSeq: s.ackedSeq, lastActiveTick: s.lastActiveTick, storedResults: s.results.size };
  }

  stats(): ServiceStats {
    const s = this.#state;
    return {
      appliedIndex: s.appliedIndex,
      revision: s.revision,
      keys: s.kv.size,
      leases: s.leases.size,
      locks: s.locks.size,
      workerIds: s.workers.size,
      sessions: s.sessions.size,
      clockTicks: s.clockTicks,
    };
  }
}
