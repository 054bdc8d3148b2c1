/**
 * What `apply` returns: a plain, serialisable, frozen object, identical on
 * every replica for the same entry. Success carries a value shaped by the
 * command type; a refusal carries a `ServiceError` with a stable `code`.
 */
import type { CommandType } from './commands.js';
import type { ServiceError, ServiceErrorCode, ServiceErrorDetails } from './errors.js';

export type ServiceResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ServiceError };

/** A key's bookkeeping (etcd's KeyValue without the value). */
export interface KeyMeta {
  readonly key: string;
  /** Cluster revision of the put that created this incarnation of the key. */
  readonly createRevision: number;
  /** Cluster revision of the last put. */
  readonly modRevision: number;
  /** Puts since creation, from 1 (a delete and re-create starts over). */
  readonly version: number;
  /** The lease the key belongs to, 0 for none. */
  readonly leaseId: number;
}

export interface KeyValue extends KeyMeta {
  readonly value: Uint8Array;
}

export interface PutValue {
  /** Cluster revision after the put (= the key's new modRevision). */
  readonly revision: number;
  readonly createRevision: number;
  readonly version: number;
}

export interface DeleteValue {
  readonly revision: number;
  readonly deleted: boolean;
}

export interface GetValue {
  /** Cluster revision the read saw. */
  readonly revision: number;
  readonly kv: KeyValue | null;
}

export interface RangeValue {
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
  /** More keys match than were returned (by `limit` or LIMITS.rangeResultBytesMax); continue after the last key. */
  readonly more: boolean;
}

export interface GrantLeaseValue {
  readonly leaseId: number;
  readonly ttlMs: number;
}

export interface KeepAliveLeaseValue {
  readonly leaseId: number;
  readonly ttlMs: number;
}

export interface LeaseEndValue {
  readonly leaseId: number;
  readonly revision: number;
  readonly deletedKeys: number;
  readonly releasedLocks: number;
  readonly releasedWorkerIds: number;
}

export interface ExpireLeaseValue {
  readonly leaseId: number;
  /** False when the lease was already gone or was refreshed after the keeper measured it. */
  readonly expired: boolean;
  readonly revision: number;
}

export interface CheckpointValue {
  /** Leases whose remaining TTL this checkpoint recorded (stale entries are skipped). */
  readonly recorded: number;
  readonly expiredSessions: number;
}

export interface AcquireLockValue {
  readonly lock: string;
  /** The fencing token: the cluster revision at which the lock was granted. */
  readonly token: number;
  readonly leaseId: number;
}

export interface ReleaseLockValue {
  readonly lock: string;
  readonly revision: number;
}

export interface AcquireWorkerIdValue {
  readonly workerId: number;
  readonly leaseId: number;
}

export interface ReleaseWorkerIdValue {
  readonly workerId: number;
}

export interface RegisterSessionValue {
  readonly clientId: number;
}

/** The success value of each command type. */
export interface ResultValueMap {
  readonly put: PutValue;
  readonly delete: DeleteValue;
  readonly get: GetValue;
  readonly range: RangeValue;
  readonly 'grant-lease': GrantLeaseValue;
  readonly 'keepalive-lease': KeepAliveLeaseValue;
  readonly 'revoke-lease': LeaseEndValue;
  readonly 'expire-lease': ExpireLeaseValue;
  readonly checkpoint: CheckpointValue;
  readonly 'acquire-lock': AcquireLockValue;
  readonly 'release-lock': ReleaseLockValue;
  readonly 'acquire-worker-id': AcquireWorkerIdValue;
  readonly 'release-worker-id': ReleaseWorkerIdValue;
  readonly 'register-session': RegisterSessionValue;
}

export type ResultFor<T extends CommandType> = ServiceResult<ResultValueMap[T]>;

/** Any result `apply` can return. */
export type ApplyResult = ServiceResult<ResultValueMap[CommandType]>;

export function ok<T>(value: T): ServiceResult<T> {
  return Object.freeze({ ok: true as const, value: Object.freeze(value) });
}

export function fail<T = never>(code: ServiceErrorCode, message: string, details?: ServiceErrorDetails): ServiceResult<T> {
  const error: ServiceError = details === undefined ? { code, message } : { code, message, details: Object.freeze({ ...details }) };
  return Object.freeze({ ok: false as const, error: Object.freeze(error) });
}

export function isOk<T>(result: ServiceResult<T>): result is { readonly ok: true; readonly value: T } {
  return result.ok;
}
