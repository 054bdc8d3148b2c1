/**
 * `createClientWithRuntime(options, runtime)`: the whole client over an
 * injected runtime (transport, clock + timers, rng). No I/O of its own, so a
 * test drives it with a fake transport and a ManualTimekeeper; `createClient`
 * (index.ts) supplies the Node runtime.
 */
import { idsApi, kvApi, leasesApi, locksApi } from './api.js';
import type { ClusterApi, IdsApi, KvApi, LeasesApi, LocksApi } from './api.js';
import { Caller } from './caller.js';
import { EndpointSet } from './endpoints.js';
import { invalidArgument } from './errors.js';
import { resolveClientOptions } from './options.js';
import type { ClientOptions, ResolvedClientOptions } from './options.js';
import { parseClusterStatus } from './parse.js';
import type { ClientRuntime } from './runtime.js';
import { withLock } from './with-lock.js';
import type { LockContext, WithLockOptions } from './with-lock.js';

export interface FaultlineClient {
  readonly kv: KvApi;
  readonly leases: LeasesApi;
  readonly locks: LocksApi;
  readonly ids: IdsApi;
  readonly cluster: ClusterApi;
  /** Run `fn` while holding lock `name` (see with-lock.ts); returns what `fn` returns. */
  withLock<T>(name: string, fn: (context: LockContext) => Promise<T> | T, options?: WithLockOptions): Promise<T>;
  /** The options in force, defaults filled in. */
  readonly options: ResolvedClientOptions;
  /** The endpoint currently believed to be the leader's, if any. */
  readonly leaderEndpoint: string | undefined;
  /** Fail calls in flight with `closed` and release connections. Idempotent. */
  close(): void;
}

export function createClientWithRuntime(options: ClientOptions, runtime: ClientRuntime): FaultlineClient {
  const resolved = resolveClientOptions(options);
  if (!runtime || typeof runtime.transport?.request !== 'function' || typeof runtime.timekeeper?.now !== 'function' || typeof runtime.rng?.next !== 'function') {
    throw invalidArgument('createClient', 'runtime must provide transport.request, timekeeper (now + sleep) and rng');
  }
  const rng = runtime.rng.fork();
  const endpoints = new EndpointSet(resolved, runtime.timekeeper, rng.fork());
  const caller = new Caller(resolved, { ...runtime, rng: rng.fork() }, endpoints);
  const leases = leasesApi(caller);
  const locks = locksApi(caller);
  const lockRng = rng.fork();
  const cluster: ClusterApi = {
    async status(callOptions = {}) {
      const status = await caller.call({ api: 'cluster.status', method: 'GET', path: '/v1/cluster', route: 'any', write: false, parse: parseClusterStatus, ...callOptions });
      endpoints.observe(status);
      return status;
    },
  };
  return {
    kv: kvApi(caller),
    leases,
    locks,
    ids: idsApi(caller),
    cluster,
    withLock: (name, fn, lockOptions) => withLock({ leases, locks, timekeeper: runtime.timekeeper, rng: lockRng }, name, fn, lockOptions),
    options: resolved,
    get leaderEndpoint() {
      return endpoints.leaderUrl;
    },
    close() {
      if (caller.closed) return;
      caller.close();
      runtime.transport.close?.();
    },
  };
}
