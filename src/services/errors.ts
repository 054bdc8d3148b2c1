/**
 * Two kinds of failure live here:
 *
 * - **Result error codes** (`ServiceErrorCode`): a command applied and was
 *   refused (a lost compare-and-set, a fenced write, a held lock). These are
 *   ordinary, serialisable results every replica computes identically; the
 *   HTTP API maps them to status codes (`SERVICE_ERROR_HTTP_STATUS`).
 * - **Thrown errors** (`InvalidCommandError`, `SnapshotCorruptError`,
 *   `ServiceConfigError`): raised by constructors, the codec, `restore` and
 *   option validation. Each has a stable `code` and a type guard that checks it
 *   (works across duplicated package copies, unlike `instanceof`). Inside
 *   `apply` an `InvalidCommandError` never escapes: a bad entry applies as an
 *   `invalid_command` result.
 */

export const SERVICE_ERROR_CODES = [
  'invalid_command',
  'revision_mismatch',
  'fenced',
  'lock_held',
  'not_holder',
  'lease_not_found',
  'ttl_out_of_range',
  'worker_ids_exhausted',
  'limit_exceeded',
  'session_expired',
  'session_seq_stale',
  'session_window_full',
] as const;

export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

/**
 * HTTP status each code maps to: 409 for conflicts a client resolves by
 * reading and retrying (or by waiting for a lock), 404 for a missing lease,
 * 400 for a request that can never succeed as sent, 429/507 for full tables.
 */
export const SERVICE_ERROR_HTTP_STATUS: Readonly<Record<ServiceErrorCode, number>> = Object.freeze({
  invalid_command: 400,
  revision_mismatch: 409,
  fenced: 409,
  lock_held: 409,
  not_holder: 409,
  lease_not_found: 404,
  ttl_out_of_range: 400,
  worker_ids_exhausted: 409,
  limit_exceeded: 507,
  session_expired: 410,
  session_seq_stale: 409,
  session_window_full: 429,
});

/** Scalar facts about a refusal (the current revision, the holder's token…), for the caller and the API body. */
export type ServiceErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

/** A refusal, as a plain object. `message` is one sentence for humans; branch on `code`. */
export interface ServiceError {
  readonly code: ServiceErrorCode;
  readonly message: string;
  readonly details?: ServiceErrorDetails;
}

export const INVALID_COMMAND_ERROR = 'FAULTLINE_INVALID_COMMAND';
export const SNAPSHOT_CORRUPT_ERROR = 'FAULTLINE_SNAPSHOT_CORRUPT';
export const SERVICE_CONFIG_ERROR = 'FAULTLINE_SERVICE_CONFIG';

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * A command that cannot be applied as written: undecodable bytes, an unknown
 * version or type, or a field of the wrong type, size or range. `field` names
 * the offending field as a path (`session.seq`, `fence.token`, `leases[3].leaseId`).
 */
export class InvalidCommandError extends Error {
  readonly code = INVALID_COMMAND_ERROR;
  override readonly name = 'InvalidCommandError';
  readonly field: string;
  readonly reason: string;

  constructor(field: string, reason: string) {
    super(`invalid command: ${field} ${reason}`);
    this.field = field;
    this.reason = reason;
  }
}

export function isInvalidCommandError(e: unknown): e is InvalidCommandError {
  return hasCode(e, INVALID_COMMAND_ERROR);
}

/**
 * Snapshot bytes that failed their checksum, carry an unknown format version,
 * or decode to a state that breaks an invariant. Nothing was restored: the
 * state machine is unchanged.
 */
export class SnapshotCorruptError extends Error {
  readonly code = SNAPSHOT_CORRUPT_ERROR;
  override readonly name = 'SnapshotCorruptError';
  readonly reason: string;

  constructor(reason: string) {
    super(`ServiceStateMachine.restore: snapshot rejected: ${reason}`);
    this.reason = reason;
  }
}

export function isSnapshotCorruptError(e: unknown): e is SnapshotCorruptError {
  return hasCode(e, SNAPSHOT_CORRUPT_ERROR);
}

/** An option out of range, named with the API that rejected it. */
export class ServiceConfigError extends Error {
  readonly code = SERVICE_CONFIG_ERROR;
  override readonly name = 'ServiceConfigError';
}

export function isServiceConfigError(e: unknown): e is ServiceConfigError {
  return hasCode(e, SERVICE_CONFIG_ERROR);
}
