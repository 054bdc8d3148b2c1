/**
 * Leases in the replicated state. The state machine never reads a clock: it
 * records each lease's TTL, its last refresh (grant or keep-alive, by log
 * index) and the remaining TTL as of its last record; the leader's
 * LeaseKeeper measures time and proposes `expire-lease` and `checkpoint`.
 *
 * Both keeper commands name the refresh they measured from (`refreshIndex`),
 * so a keep-alive that committed before them wins: an expiry of a refreshed
 * lease, or a checkpoint measured before a refresh, applies as a no-op. A
 * checkpoint can only shorten the recorded remaining TTL, never lengthen it.
 */
import { LIMITS } from './limits.js';
import { fail, ok } from './results.js';
import { expireIdleSessions } from './sessions.js';
import { newLease } from './state.js';
import type {
  CheckpointCommand,
  ExpireLeaseCommand,
  GrantLeaseCommand,
  KeepAliveLeaseCommand,
  RevokeLeaseCommand,
} from './commands.js';
import type {
  CheckpointValue,
  ExpireLeaseValue,
  GrantLeaseValue,
  KeepAliveLeaseValue,
  LeaseEndValue,
  ServiceResult,
} from './results.js';
import type { ApplyContext, ServiceState } from './state.js';

export function leaseNotFound<T>(leaseId: number): ServiceResult<T> {
  return fail('lease_not_found', `lease ${leaseId} does not exist (expired or revoked)`, { leaseId });
}

export function applyGrantLease(state: ServiceState, cmd: GrantLeaseCommand, ctx: ApplyContext): ServiceResult<GrantLeaseValue> {
  const { minLeaseTtlMs, maxLeaseTtlMs } = ctx.config;
  if (cmd.ttlMs < minLeaseTtlMs || cmd.ttlMs > maxLeaseTtlMs) {
    return fail('ttl_out_of_range', `ttlMs ${cmd.ttlMs} is outside the cluster's range [${minLeaseTtlMs}, ${maxLeaseTtlMs}]`, {
      ttlMs: cmd.ttlMs,
      minLeaseTtlMs,
      maxLeaseTtlMs,
    });
  }
  if (state.leases.size >= LIMITS.leasesMax) {
    return fail('limit_exceeded', `the cluster holds the maximum of ${LIMITS.leasesMax} leases`, { limit: LIMITS.leasesMax });
  }
  const leaseId = state.nextLeaseId++;
  state.leases.set(leaseId, newLease(cmd.ttlMs, cmd.ttlMs, ctx.index));
  ctx.emit({ type: 'granted', leaseId, ttlMs: cmd.ttlMs, refreshIndex: ctx.index });
  return ok({ leaseId, ttlMs: cmd.ttlMs });
}

export function applyKeepAliveLease(
  state: ServiceState,
  cmd: KeepAliveLeaseCommand,
  ctx: ApplyContext,
): ServiceResult<KeepAliveLeaseValue> {
  const lease = state.leases.get(cmd.leaseId);
  if (lease === undefined) return leaseNotFound(cmd.leaseId);
  lease.refreshIndex = ctx.index;
  lease.remainingMs = lease.ttlMs;
  ctx.emit({ type: 'refreshed', leaseId: cmd.leaseId, ttlMs: lease.ttlMs, refreshIndex: ctx.index });
  return ok({ leaseId: cmd.leaseId, ttlMs: lease.ttlMs });
}

/**
 * Remove a lease and everything it owns (keys, locks, worker ids). The
 * revision rises once if any key went, so all of them change at one
 * revision; releasing locks and worker ids issues nothing new and does not
 * advance it.
 */
export function endLease(state: ServiceState, leaseId: number, reason: 'revoked' | 'expired', ctx: ApplyContext): LeaseEndValue {
  const lease = state.leases.get(leaseId);
  if (lease === undefined) throw new Error(`services: invariant broken: endLease of missing lease ${leaseId}`);
  for (const key of lease.keys) state.kv.delete(key);
  for (const lock of lease.locks) state.locks.delete(lock);
  for (const workerId of lease.workerIds) state.workers.delete(workerId);
  if (lease.keys.size > 0) state.revision++;
  state.leases.delete(leaseId);
  ctx.emit({ type: 'ended', leaseId, reason });
  return {
    leaseId,
    revision: state.revision,
    deletedKeys: lease.keys.size,
    releasedLocks: lease.locks.size,
    releasedWorkerIds: lease.workerIds.size,
  };
}

export function applyRevokeLease(state: ServiceState, cmd: RevokeLeaseCommand, ctx: ApplyContext): ServiceResult<LeaseEndValue> {
  if (!state.leases.has(cmd.leaseId)) return leaseNotFound(cmd.leaseId);
  return ok(endLease(state, cmd.leaseId, 'revoked', ctx));
}

export function applyExpireLease(state: ServiceState, cmd: ExpireLeaseCommand, ctx: ApplyContext): ServiceResult<ExpireLeaseValue> {
  const lease = state.leases.get(cmd.leaseId);
  // Gone already, or refreshed after the keeper measured it: the expiry is stale and changes nothing.
  if (lease === undefined || lease.refreshIndex !== cmd.refreshIndex) {
    return ok({ leaseId: cmd.leaseId, expired: false, revision: state.revision });
  }
  const ended = endLease(state, cmd.leaseId, 'expired', ctx);
  return ok({ leaseId: cmd.leaseId, expired: true, revision: ended.revision });
}

export function applyCheckpoint(state: ServiceState, cmd: CheckpointCommand, ctx: ApplyContext): ServiceResult<CheckpointValue> {
  let recorded = 0;
  for (const entry of cmd.leases) {
    const lease = state.leases.get(entry.leaseId);
    if (lease === undefined || lease.refreshIndex !== entry.refreshIndex) continue;
    lease.remainingMs = Math.min(lease.remainingMs, entry.remainingMs);
    recorded++;
  }
  let expiredSessions = 0;
  if (cmd.tick) {
    state.clockTicks++;
    expiredSessions = expireIdleSessions(state, ctx.config);
  }
  return ok({ recorded, expiredSessions });
}
