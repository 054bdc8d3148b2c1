/**
 * The API groups — `kv`, `leases`, `locks`, `ids`, `cluster` — each method a
 * `CallSpec` for the Caller: which HTTP request, which route, whether it is a
 * write through the log, and how to read the answer.
 */
import type { Caller } from './caller.js';
import { invalidArgument } from './errors.js';
import { decimalString, integer, object, optionalInteger, string } from './parse.js';
import type {
  AcquireOptions,
  CallOptions,
  ClusterStatus,
  DeleteOptions,
  DeleteResult,
  GetOptions,
  KeyValue,
  LeaseGrant,
  LeaseId,
  LockGrant,
  PutOptions,
  PutResult,
} from './types.js';
import * as check from './validate.js';

export interface KvApi {
  /** The key's value and revision, or null when absent. Linearizable unless `consistency: 'stale'`. */
  get(key: string, options?: GetOptions): Promise<KeyValue | null>;
  /** Write a value (exactly once, even across retries). */
  put(key: string, value: string, options?: PutOptions): Promise<PutResult>;
  delete(key: string, options?: DeleteOptions): Promise<DeleteResult>;
}

export interface LeasesApi {
  /** A new lease of `ttlMs`; the cluster may refuse TTLs outside its bounds (`ttl_out_of_range`). */
  grant(ttlMs: number, options?: CallOptions): Promise<LeaseGrant>;
  /** Restart the lease's TTL (`lease_not_found` once it has ended). */
  keepAlive(lease: LeaseId, options?: CallOptions): Promise<LeaseGrant>;
  /** End the lease now: its keys are deleted, its locks released. */
  revoke(lease: LeaseId, options?: CallOptions): Promise<void>;
}

export interface LocksApi {
  /** Take the lock for `lease` (`lock_held` if someone holds it); the token fences writes. */
  acquire(name: string, options: AcquireOptions): Promise<LockGrant>;
  release(name: string, token: number, options?: CallOptions): Promise<void>;
}

export interface IdsApi {
  /** A unique, roughly time-ordered 64-bit id as a decimal string. */
  next(options?: CallOptions): Promise<string>;
}

export interface ClusterApi {
  status(options?: CallOptions): Promise<ClusterStatus>;
}

function leaseGrant(json: unknown): LeaseGrant {
  const body = object(json);
  return { lease: integer(body, 'lease'), ttlMs: integer(body, 'ttlMs') };
}

function ignoreBody(): void {}

export function kvApi(caller: Caller): KvApi {
  return {
    get(key, options = {}) {
      const api = 'kv.get';
      check.key(api, key);
      const consistency = options.consistency ?? 'linearizable';
      if (consistency !== 'linearizable' && consistency !== 'stale') throw invalidArgument(api, `consistency must be linearizable or stale, got ${String(consistency)}`);
      return caller.call<KeyValue | null>({
        api,
        method: 'GET',
        path: `/v1/kv/${check.segment(key)}${consistency === 'stale' ? '?consistency=stale' : ''}`,
        route: consistency === 'stale' ? 'any' : 'leader',
        write: false,
        parse: (json) => {
          const body = object(json);
          const revision = integer(body, 'revision');
          return {
            key: string(body, 'key'),
            value: string(body, 'value'),
            modRevision: optionalInteger(body, 'modRevision') ?? revision,
            createRevision: optionalInteger(body, 'createRevision'),
            version: optionalInteger(body, 'version'),
            lease: optionalInteger(body, 'lease') ?? null,
            revision,
          };
        },
        onNotFound: () => null,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
    },
    put(key, value, options = {}) {
      const api = 'kv.put';
      check.key(api, key);
      if (typeof value !== 'string') throw invalidArgument(api, 'value must be a string');
      const body: Record<string, unknown> = { value };
      if (options.ifRevision !== undefined) body.ifRevision = check.nonNegativeInteger(api, 'ifRevision', options.ifRevision);
      if (options.lease !== undefined) body.lease = check.positiveInteger(api, 'lease', options.lease);
      const fence = check.fence(api, options.fence);
      if (fence !== undefined) body.fence = fence;
      return caller.call<PutResult>({
        api,
        method: 'PUT',
        path: `/v1/kv/${check.segment(key)}`,
        body,
        route: 'leader',
        write: true,
        parse: (json) => ({ revision: integer(object(json), 'revision') }),
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
    },
    delete(key, options = {}) {
      const api = 'kv.delete';
      check.key(api, key);
      const body: Record<string, unknown> = {};
      if (options.ifRevision !== undefined) body.ifRevision = check.nonNegativeInteger(api, 'ifRevision', options.ifRevision);
      const fence = check.fence(api, options.fence);
      if (fence !== undefined) body.fence = fence;
      return caller.call<DeleteResult>({
        api,
        method: 'DELETE',
        path: `/v1/kv/${check.segment(key)}`,
        body: Object.keys(body).length > 0 ? body : undefined,
        route: 'leader',
        write: true,
        parse: (json) => {
          const b = json === undefined ? {} : object(json);
          return { revision: optionalInteger(b, 'revision') ?? 0, deleted: b.deleted === undefined ? true : b.deleted === true };
        },
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
    },
  };
}

export function leasesApi(caller: Caller): LeasesApi {
  return {
    grant(ttlMs, options = {}) {
      const api = 'leases.grant';
      check.positiveInteger(api, 'ttlMs', ttlMs);
      return caller.call({ api, method: 'POST', path: '/v1/leases', body: { ttlMs }, route: 'leader', write: true, parse: leaseGrant, ...options });
    },
    keepAlive(lease, options = {}) {
      const api = 'leases.keepAlive';
      check.positiveInteger(api, 'lease', lease);
      return caller.call({ api, method: 'POST', path: `/v1/leases/${lease}/keepalive`, body: {}, route: 'leader', write: true, parse: leaseGrant, ...options });
    },
    revoke(lease, options = {}) {
      const api = 'leases.revoke';
      check.positiveInteger(api, 'lease', lease);
      return caller.call({ api, method: 'DELETE', path: `/v1/leases/${lease}`, route: 'leader', write: true, parse: ignoreBody, ...options });
    },
  };
}

export function locksApi(caller: Caller): LocksApi {
  return {
    acquire(name, options) {
      const api = 'locks.acquire';
      check.key(api, name, 'name');
      if (options === undefined) throw invalidArgument(api, 'options.lease is required (grant one with leases.grant)');
      const lease = check.positiveInteger(api, 'lease', options.lease);
      return caller.call<LockGrant>({
        api,
        method: 'POST',
        path: `/v1/locks/${check.segment(name)}`,
        body: { lease },
        route: 'leader',
        write: true,
        parse: (json) => {
          const body = object(json);
          return { lock: name, token: integer(body, 'token'), lease: optionalInteger(body, 'lease') ?? lease };
        },
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
    },
    release(name, token, options = {}) {
      const api = 'locks.release';
      check.key(api, name, 'name');
      check.nonNegativeInteger(api, 'token', token);
      return caller.call({ api, method: 'DELETE', path: `/v1/locks/${check.segment(name)}`, body: { token }, route: 'leader', write: true, parse: ignoreBody, ...options });
    },
  };
}

export function idsApi(caller: Caller): IdsApi {
  return {
    next(options = {}) {
      // Any member: each issues from its own leased worker id. Not a log write, so a retry just draws another id.
      return caller.call({ api: 'ids.next', method: 'POST', path: '/v1/ids', body: {}, route: 'any', write: false, parse: (json) => decimalString(object(json), 'id'), ...options });
    },
  };
}
