/**
 * The commands of the services state machine: plain, immutable objects, one
 * per log entry, discriminated by `type`. Build them with the constructors
 * below (they validate, copy byte arrays and put fields in canonical order, so
 * the same command always encodes to the same bytes) and turn them into entry
 * data with `encodeCommand` (codec.ts).
 *
 * Client commands may carry a `session` for exactly-once application (see
 * sessions.ts). `expire-lease` and `checkpoint` are proposed by the leader's
 * `LeaseKeeper`, never by clients; `register-session` starts a session.
 */
import { validateCommand } from './validate.js';

/** Identifies one client operation for exactly-once application (RIFL, Raft dissertation §6.3). */
export interface SessionRef {
  /** Issued by `register-session` (the log index it applied at). */
  readonly clientId: number;
  /** This operation's number, from 1, increasing per operation (a retry reuses it). */
  readonly seq: number;
  /** Every seq ≤ ackedSeq has its response in the client's hands; its cached result may go. ackedSeq < seq. */
  readonly ackedSeq: number;
}

/** A write made on behalf of a lock holder: applied only while `token` is the lock's current token. */
export interface Fence {
  readonly lock: string;
  readonly token: number;
}

export interface PutCommand {
  readonly type: 'put';
  readonly key: string;
  readonly value: Uint8Array;
  /** Attach the key to this lease (deleted when the lease ends). Absent: the key belongs to no lease. */
  readonly leaseId?: number;
  /** Compare-and-set on the key's modRevision; 0 means "the key must not exist". */
  readonly ifRevision?: number;
  readonly fence?: Fence;
  readonly session?: SessionRef;
}

export interface DeleteCommand {
  readonly type: 'delete';
  readonly key: string;
  /** Delete only when the key's modRevision equals this (0: only when absent, which deletes nothing). */
  readonly ifRevision?: number;
  readonly fence?: Fence;
  readonly session?: SessionRef;
}

/** A read that goes through the log (linearizable without ReadIndex, at the cost of an entry). */
export interface GetCommand {
  readonly type: 'get';
  readonly key: string;
  readonly session?: SessionRef;
}

/** Keys starting with `prefix` in ascending order (UTF-16 code unit order), at most `limit`. */
export interface RangeCommand {
  readonly type: 'range';
  readonly prefix: string;
  readonly limit: number;
  readonly session?: SessionRef;
}

export interface GrantLeaseCommand {
  readonly type: 'grant-lease';
  readonly ttlMs: number;
  readonly session?: SessionRef;
}

export interface KeepAliveLeaseCommand {
  readonly type: 'keepalive-lease';
  readonly leaseId: number;
  readonly session?: SessionRef;
}

export interface RevokeLeaseCommand {
  readonly type: 'revoke-lease';
  readonly leaseId: number;
  readonly session?: SessionRef;
}

/**
 * Proposed by the leader's LeaseKeeper once the lease's deadline passed on
 * its monotonic clock and a later leadership confirmation covers it. Applies
 * only if the lease was not refreshed since (`refreshIndex` matches).
 */
export interface ExpireLeaseCommand {
  readonly type: 'expire-lease';
  readonly leaseId: number;
  readonly refreshIndex: number;
}

export interface CheckpointEntry {
  readonly leaseId: number;
  /** The refresh this remaining TTL was measured from; a later refresh makes the entry void. */
  readonly refreshIndex: number;
  readonly remainingMs: number;
}

/**
 * The leader's periodic record of remaining lease TTLs (ascending leaseId).
 * `tick: true` also advances the log-carried clock that expires idle sessions
 * (once per checkpoint interval; only the first of a split set ticks).
 */
export interface CheckpointCommand {
  readonly type: 'checkpoint';
  readonly tick: boolean;
  readonly leases: readonly CheckpointEntry[];
}

export interface AcquireLockCommand {
  readonly type: 'acquire-lock';
  readonly lock: string;
  readonly leaseId: number;
  readonly session?: SessionRef;
}

export interface ReleaseLockCommand {
  readonly type: 'release-lock';
  readonly lock: string;
  readonly token: number;
  readonly session?: SessionRef;
}

export interface AcquireWorkerIdCommand {
  readonly type: 'acquire-worker-id';
  readonly leaseId: number;
  readonly session?: SessionRef;
}

export interface ReleaseWorkerIdCommand {
  readonly type: 'release-worker-id';
  readonly workerId: number;
  readonly leaseId: number;
  readonly session?: SessionRef;
}

export interface RegisterSessionCommand {
  readonly type: 'register-session';
}

export type Command =
  | PutCommand
  | DeleteCommand
  | GetCommand
  | RangeCommand
  | GrantLeaseCommand
  | KeepAliveLeaseCommand
  | RevokeLeaseCommand
  | ExpireLeaseCommand
  | CheckpointCommand
  | AcquireLockCommand
  | ReleaseLockCommand
  | AcquireWorkerIdCommand
  | ReleaseWorkerIdCommand
  | RegisterSessionCommand;

export type CommandType = Command['type'];

/** Commands a client may send with a session (everything but the keeper's and registration). */
export type SessionCommand = Extract<Command, { readonly session?: SessionRef }>;

type Args<C> = Omit<C, 'type'>;

function build<C extends Command>(type: C['type'], args: object): C {
  return validateCommand({ type, ...args }) as C;
}

export const putCommand = (args: Args<PutCommand>): PutCommand => build('put', args);
export const deleteCommand = (args: Args<DeleteCommand>): DeleteCommand => build('delete', args);
export const getCommand = (args: Args<GetCommand>): GetCommand => build('get', args);
export const rangeCommand = (args: Args<RangeCommand>): RangeCommand => build('range', args);
export const grantLeaseCommand = (args: Args<GrantLeaseCommand>): GrantLeaseCommand => build('grant-lease', args);
export const keepAliveLeaseCommand = (args: Args<KeepAliveLeaseCommand>): KeepAliveLeaseCommand => build('keepalive-lease', args);
export const revokeLeaseCommand = (args: Args<RevokeLeaseCommand>): RevokeLeaseCommand => build('revoke-lease', args);
export const expireLeaseCommand = (args: Args<ExpireLeaseCommand>): ExpireLeaseCommand => build('expire-lease', args);
export const checkpointCommand = (args: Args<CheckpointCommand>): CheckpointCommand => build('checkpoint', args);
export const acquireLockCommand = (args: Args<AcquireLockCommand>): AcquireLockCommand => build('acquire-lock', args);
export const releaseLockCommand = (args: Args<ReleaseLockCommand>): ReleaseLockCommand => build('release-lock', args);
export const acquireWorkerIdCommand = (args: Args<AcquireWorkerIdCommand>): AcquireWorkerIdCommand => build('acquire-worker-id', args);
export const releaseWorkerIdCommand = (args: Args<ReleaseWorkerIdCommand>): ReleaseWorkerIdCommand => build('release-worker-id', args);
export const registerSessionCommand = (): RegisterSessionCommand => build('register-session', {});

/** The same command carrying `session` (replacing any it had). Throws for commands that take no session. */
export function withSession<C extends SessionCommand>(command: C, session: SessionRef): C {
  return validateCommand({ ...command, session }) as C;
}
