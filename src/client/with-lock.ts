/**
 * `withLock(name, fn)`: grant a lease, keep it alive, take the lock, run
 * `fn` with the fencing token, then release the lock and revoke the lease —
 * whatever `fn` does.
 *
 * The client's belief that it holds the lock is a `ClientLeaseTimer`
 * measured from when each grant or keep-alive was SENT (before the first
 * attempt, so retries only make it more conservative); it runs out before
 * the server's lease can. When it runs out, or the cluster says the lease is
 * gone, `context.signal` aborts with `lease_lost`. A timer is not enough on
 * its own — a process can pause between checking it and writing — which is
 * why every protected write should carry `context.fence`: the cluster refuses
 * a stale token (`fenced`), whatever the clocks say.
 */
import type { Timekeeper } from '../core/resilience/index.js';
import type { Rng } from '../core/random/index.js';
import { exponentialBackoff } from '../core/resilience/index.js';
import { ClientLeaseTimer } from '../services/index.js';
import type { ClientLeaseTimerOptions } from '../services/index.js';
import type { LeasesApi, LocksApi } from './api.js';
import { FaultlineError, invalidArgument, isFaultlineError } from './errors.js';
import type { Fence, LeaseId } from './types.js';

export interface WithLockOptions {
  /** The lease's TTL, ms: how long the lock outlives a holder that stops. @defaultValue 10_000 */
  readonly ttlMs?: number;
  /** How long to wait for a held lock before `lock_held`, ms (0: try once). @defaultValue 30_000 */
  readonly waitMs?: number;
  /** Cancel waiting (and abort `context.signal`). */
  readonly signal?: AbortSignal;
  /** Drift bound, safety margin and keep-alive cadence of the client's lease timer. */
  readonly leaseTimer?: ClientLeaseTimerOptions;
}

export interface LockContext {
  readonly lock: string;
  /** The fencing token: strictly greater than every earlier holder's. */
  readonly token: number;
  readonly lease: LeaseId;
  /** `{ lock, token }`: pass as `fence` on every write the lock protects. */
  readonly fence: Fence;
  /** Aborts (reason: a `lease_lost` FaultlineError) once the lock can no longer be trusted, or when the caller aborts. */
  readonly signal: AbortSignal;
  /** True while the client's lease timer says the lock is still ours. */
  isValid(): boolean;
  /** Ms the client's lease timer still grants (0 once lost). */
  remainingMs(): number;
}

/** Backoff between tries for a held lock, and between failed keep-alives. */
const ACQUIRE_BACKOFF = exponentialBackoff({ baseMs: 50, capMs: 1000, jitter: 'full' });
const KEEPALIVE_RETRY_MS = 100;

export interface WithLockDeps {
  readonly leases: LeasesApi;
  readonly locks: LocksApi;
  readonly timekeeper: Timekeeper;
  readonly rng: Rng;
}

function leaseLost(lock: string, why: string): FaultlineError {
  return new FaultlineError({ code: 'lease_lost', message: `withLock(${JSON.stringify(lock)}): ${why}`, definite: false, retryable: true });
}

export async function withLock<T>(deps: WithLockDeps, name: string, fn: (context: LockContext) => Promise<T> | T, options: WithLockOptions = {}): Promise<T> {
  const api = 'withLock';
  if (typeof name !== 'string' || name.length === 0) throw invalidArgument(api, 'name must be a non-empty string');
  if (typeof fn !== 'function') throw invalidArgument(api, 'fn must be a function');
  const ttlMs = options.ttlMs ?? 10_000;
  const waitMs = options.waitMs ?? 30_000;
  if (!(Number.isSafeInteger(ttlMs) && ttlMs > 0)) throw invalidArgument(api, `ttlMs must be a positive integer, got ${String(ttlMs)}`);
  if (!(waitMs >= 0)) throw invalidArgument(api, `waitMs must be ≥ 0, got ${String(waitMs)}`);
  const { leases, locks, timekeeper } = deps;
  const timer = new ClientLeaseTimer(options.leaseTimer);
  if (!(timer.validForMs(ttlMs) > 0)) throw invalidArgument(api, `ttlMs ${ttlMs} leaves no time after the lease timer's drift and safety margin`);

  const lost = new AbortController();
  const onCallerAbort = (): void => lost.abort(options.signal!.reason);
  if (options.signal?.aborted) throw options.signal.reason;
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const stop = new AbortController();

  const sentAtMs = timekeeper.now();
  const grant = await leases.grant(ttlMs, { signal: options.signal }).catch((error: unknown) => {
    options.signal?.removeEventListener('abort', onCallerAbort);
    throw error;
  });
  timer.confirmed(sentAtMs, grant.ttlMs);
  const keeper = keepAlive(deps, name, grant.lease, timer, lost, stop.signal);
  let token: number | undefined;
  try {
    token = await acquire(deps, name, grant.lease, waitMs, timer, lost.signal);
    const context: LockContext = {
      lock: name,
      token,
      lease: grant.lease,
      fence: { lock: name, token },
      signal: lost.signal,
      isValid: () => !lost.signal.aborted && timer.isValid(timekeeper.now()),
      remainingMs: () => (lost.signal.aborted ? 0 : timer.remainingMs(timekeeper.now())),
    };
    return await fn(context);
  } finally {
    stop.abort();
    options.signal?.removeEventListener('abort', onCallerAbort);
    await keeper;
    // Best effort: revoking the lease releases the lock too; releasing first frees it even if the revoke is lost.
    if (token !== undefined) await locks.release(name, token).catch(() => {});
    await leases.revoke(grant.lease).catch(() => {});
  }
}

/** Poll for the lock until `waitMs` has passed, the lease is lost, or the caller aborts. */
async function acquire(deps: WithLockDeps, name: string, lease: LeaseId, waitMs: number, timer: ClientLeaseTimer, lost: AbortSignal): Promise<number> {
  const { locks, timekeeper, rng } = deps;
  const startedMs = timekeeper.now();
  let previousDelayMs: number | undefined;
  for (let attempt = 0; ; attempt++) {
    if (lost.aborted) throw lost.reason;
    try {
      const grant = await locks.acquire(name, { lease, signal: lost });
      return grant.token;
    } catch (error) {
      if (lost.aborted) throw lost.reason;
      if (!(isFaultlineError(error) && error.code === 'lock_held')) throw error;
      const nowMs = timekeeper.now();
      const delayMs = ACQUIRE_BACKOFF.next(Math.min(attempt, 30), rng, previousDelayMs);
      previousDelayMs = delayMs;
      if (nowMs + delayMs - startedMs > waitMs || !timer.isValid(nowMs + delayMs)) throw error;
      await timekeeper.sleep(delayMs, lost);
    }
  }
}

/**
 * Keep the lease alive until `stop`: a keep-alive at the timer's cadence; a
 * failed one is retried until the timer runs out. The lease is lost when the
 * cluster says so (`lease_not_found`) or when the timer expires unrenewed.
 */
async function keepAlive(deps: WithLockDeps, name: string, lease: LeaseId, timer: ClientLeaseTimer, lost: AbortController, stop: AbortSignal): Promise<void> {
  const { leases, timekeeper } = deps;
  const sleepUntil = async (atMs: number): Promise<boolean> => {
    try {
      await timekeeper.sleep(Math.max(0, atMs - timekeeper.now()), stop);
      return true;
    } catch {
      return false; // stopped
    }
  };
  let retryAtMs: number | undefined;
  while (!stop.aborted && !lost.signal.aborted) {
    const expiresAtMs = timer.expiresAtMs;
    const dueMs = retryAtMs ?? timer.keepAliveAtMs();
    if (expiresAtMs === undefined || dueMs === undefined) break;
    if (!(await sleepUntil(Math.min(dueMs, expiresAtMs)))) return;
    const nowMs = timekeeper.now();
    if (!timer.isValid(nowMs)) {
      timer.lost();
      lost.abort(leaseLost(name, `lease ${lease} ran out before a keep-alive was confirmed`));
      return;
    }
    const sentAtMs = nowMs;
    try {
      // The attempt's budget ends with the timer: a confirmation after that is useless.
      const grant = await leases.keepAlive(lease, { signal: stop, timeoutMs: Math.max(1, timer.remainingMs(sentAtMs)) });
      timer.confirmed(sentAtMs, grant.ttlMs);
      retryAtMs = undefined;
    } catch (error) {
      if (stop.aborted) return;
      if (isFaultlineError(error) && error.code === 'lease_not_found') {
        timer.lost();
        lost.abort(leaseLost(name, `the cluster says lease ${lease} has ended`));
        return;
      }
      retryAtMs = timekeeper.now() + KEEPALIVE_RETRY_MS;
    }
  }
}
