/**
 * `faultline/client`: a client for a Faultline cluster's HTTP API v1 —
 * `kv`, `leases`, `locks`, `withLock`, `ids`, `cluster` — with leader
 * discovery, retries with backoff and jitter on retryable errors only,
 * exactly-once writes (a replicated session plus an Idempotency-Key), a
 * circuit breaker and an adaptive timeout per endpoint. See docs/CLIENT.md.
 *
 * `createClient` runs on Node's HTTP stack and clocks; `createClientWithRuntime`
 * takes an injected runtime (tests, simulations, other platforms).
 */
import { createNodeClientRuntime } from '../node/client-runtime.js';
import { createClientWithRuntime } from './client.js';
import type { FaultlineClient } from './client.js';
import type { ClientOptions } from './options.js';
import type { ClientRuntime } from './runtime.js';

export interface CreateClientOptions extends ClientOptions {
  /** Replace the Node runtime (tests inject a fake transport and a ManualTimekeeper). */
  readonly runtime?: ClientRuntime;
}

export function createClient(options: CreateClientOptions): FaultlineClient {
  const runtime = options.runtime ?? createNodeClientRuntime({ maxResponseBytes: options.maxResponseBytes });
  return createClientWithRuntime(options, runtime);
}

export { createClientWithRuntime } from './client.js';
export { FaultlineError, isFaultlineError, CLIENT_ERROR_CODES } from './errors.js';
export { TransportError, isTransportError } from './runtime.js';
export { SERVER_SESSION_RESULTS_MAX } from './options.js';

export type { FaultlineClient } from './client.js';
export type { ClientOptions, AttemptTimeoutOptions, CircuitOptions, ResolvedClientOptions } from './options.js';
export type { ClientErrorCode, ServerErrorCode, FaultlineErrorCode, FaultlineErrorInit } from './errors.js';
export type { ClientRuntime, HttpTransport, HttpRequest, HttpResponse, HttpMethod } from './runtime.js';
export type { KvApi, LeasesApi, LocksApi, IdsApi, ClusterApi } from './api.js';
export type { LockContext, WithLockOptions } from './with-lock.js';
export type {
  KeyValue,
  PutResult,
  DeleteResult,
  LeaseId,
  LeaseGrant,
  LockGrant,
  Fence,
  ClusterMember,
  ClusterStatus,
  ReadConsistency,
  CallOptions,
  GetOptions,
  PutOptions,
  DeleteOptions,
  AcquireOptions,
} from './types.js';
