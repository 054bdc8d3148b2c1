/**
 * Typed errors. Each carries a `code` and a brand so the type guards work
 * across duplicated copies of the package, where `instanceof` fails.
 *
 * Expected outcomes (not the leader, proposal refused) are *returned* in
 * result objects, never thrown; `RaftInvariantError` and `RaftUsageError` are
 * thrown because they mean a bug (ours, or the caller's use of the API).
 */
import type { NodeId } from './types.js';

const BRAND = Symbol.for('faultline.raft.error');

export type RaftErrorCode =
  | 'not-leader'
  | 'proposal-refused'
  | 'invariant'
  | 'usage'
  | 'config'
  | 'corrupt-log'
  | 'safety-violation';

export abstract class RaftError extends Error {
  abstract readonly code: RaftErrorCode;
  readonly [BRAND] = true;
}

function hasCode(error: unknown, code: RaftErrorCode): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [BRAND]?: unknown })[BRAND] === true &&
    (error as { code?: unknown }).code === code
  );
}

export function isRaftError(error: unknown): error is RaftError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}

/** This node cannot do that because it is not the leader; try `leaderHint`. */
export class NotLeaderError extends RaftError {
  readonly code = 'not-leader' as const;
  constructor(
    /** The leader this node believes in, or null when it knows none. */
    readonly leaderHint: NodeId | null,
    readonly term: number,
  ) {
    super(
      leaderHint === null
        ? `Raft: not the leader and no leader is known in term ${term}`
        : `Raft: not the leader; the leader of term ${term} is ${leaderHint}`,
    );
    this.name = 'NotLeaderError';
  }
}
export const isNotLeaderError = (e: unknown): e is NotLeaderError => hasCode(e, 'not-leader');

export type ProposalRefusedReason =
  /** A leadership transfer is in progress (proposals would be lost). */
  | 'leadership-transfer'
  /** The proposal exceeds `maxProposalBytes`. */
  | 'too-large'
  /** `maxUncommittedEntries` entries are waiting for a quorum already. */
  | 'too-many-uncommitted'
  /** A membership change is already in the log but not committed. */
  | 'conf-change-pending'
  /** A new leader must commit an entry of its term first (thesis §4.1 fix). */
  | 'leader-not-ready'
  /** The change does not make sense for the current configuration. */
  | 'invalid-conf-change'
  /** The learner is too far behind to be promoted yet. */
  | 'learner-lagging'
  /** The transfer target is not a voter (or is this node). */
  | 'invalid-transfer-target'
  /** Too many reads are pending already (`maxPendingReads`). */
  | 'too-many-reads';

/** The leader refused a request; `reason` says why, and whether retrying later may help. */
export class ProposalRefusedError extends RaftError {
  readonly code = 'proposal-refused' as const;
  constructor(
    readonly reason: ProposalRefusedReason,
    detail?: string,
  ) {
    super(`Raft: request refused (${reason})${detail ? `: ${detail}` : ''}`);
    this.name = 'ProposalRefusedError';
  }
}
export const isProposalRefusedError = (e: unknown): e is ProposalRefusedError => hasCode(e, 'proposal-refused');

/** An internal invariant does not hold: a bug in this Raft implementation. */
export class RaftInvariantError extends RaftError {
  readonly code = 'invariant' as const;
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`Raft invariant violated (${invariant}): ${detail}`);
    this.name = 'RaftInvariantError';
  }
}
export const isRaftInvariantError = (e: unknown): e is RaftInvariantError => hasCode(e, 'invariant');

/** The API was used against its contract (e.g. `ready()` twice without `advance`). */
export class RaftUsageError extends RaftError {
  readonly code = 'usage' as const;
  constructor(message: string) {
    super(message);
    this.name = 'RaftUsageError';
  }
}
export const isRaftUsageError = (e: unknown): e is RaftUsageError => hasCode(e, 'usage');

/** An options object is invalid; the message names the API and the option. */
export class RaftConfigError extends RaftError {
  readonly code = 'config' as const;
  constructor(message: string) {
    super(message);
    this.name = 'RaftConfigError';
  }
}
export const isRaftConfigError = (e: unknown): e is RaftConfigError => hasCode(e, 'config');

/**
 * The stored log is damaged somewhere other than its torn tail: a bad record
 * is followed by good ones, a snapshot file fails its checksum, or records
 * contradict each other. The node refuses to start rather than serve a log
 * with a hole in it; recover this replica from its peers (wipe and rejoin).
 */
export class CorruptLogError extends RaftError {
  readonly code = 'corrupt-log' as const;
  constructor(
    readonly file: string,
    readonly offsetBytes: number,
    readonly reason: string,
  ) {
    super(
      `Raft storage: ${file} is corrupt at byte ${offsetBytes} (${reason}); refusing to start. ` +
        'This is not a torn write at the tail: restore this replica from its peers.',
    );
    this.name = 'CorruptLogError';
  }
}
export const isCorruptLogError = (e: unknown): e is CorruptLogError => hasCode(e, 'corrupt-log');

/** A cluster-wide safety property failed (raised by `RaftClusterInvariants`). */
export class RaftSafetyViolation extends RaftError {
  readonly code = 'safety-violation' as const;
  constructor(
    readonly invariant:
      | 'election-safety'
      | 'leader-append-only'
      | 'log-matching'
      | 'leader-completeness'
      | 'state-machine-safety'
      | 'durability'
      | 'node-local',
    readonly details: string,
  ) {
    super(`Raft safety violation (${invariant}): ${details}`);
    this.name = 'RaftSafetyViolation';
  }
}
export const isRaftSafetyViolation = (e: unknown): e is RaftSafetyViolation => hasCode(e, 'safety-violation');

/** Throw `RaftInvariantError` unless `condition` holds. */
export function invariant(condition: boolean, name: string, detail: () => string): asserts condition {
  if (!condition) throw new RaftInvariantError(name, detail());
}
