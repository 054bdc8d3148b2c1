/**
 * Locks with fencing tokens. A lock belongs to a lease: it is released by
 * `release-lock` with its token, or when its lease is revoked or expires.
 *
 * The token is the cluster revision at which the lock was granted (each grant
 * advances the revision; a release does not), so tokens come from the log,
 * never from a clock:
 * they strictly increase per lock — in fact across all locks — for the life
 * of the cluster, snapshots and leader changes included.
 */
import { LIMITS } from './limits.js';
import { leaseNotFound } from './leases.js';
import { fail, ok } from './results.js';
import type { AcquireLockCommand, ReleaseLockCommand } from './commands.js';
import type { AcquireLockValue, ReleaseLockValue, ServiceResult } from './results.js';
import type { ServiceState } from './state.js';

export function applyAcquireLock(state: ServiceState, cmd: AcquireLockCommand): ServiceResult<AcquireLockValue> {
  const lease = state.leases.get(cmd.leaseId);
  if (lease === undefined) return leaseNotFound(cmd.leaseId);
  const held = state.locks.get(cmd.lock);
  if (held !== undefined) {
    // Also for the holder's own lease: a second acquire is a bug or two processes sharing a lease.
    return fail('lock_held', `lock ${JSON.stringify(cmd.lock)} is held by lease ${held.leaseId} (token ${held.token})`, {
      lock: cmd.lock,
      holderLeaseId: held.leaseId,
      token: held.token,
    });
  }
  if (state.locks.size >= LIMITS.locksMax) {
    return fail('limit_exceeded', `the cluster holds the maximum of ${LIMITS.locksMax} locks`, { limit: LIMITS.locksMax });
  }
  const token = ++state.revision;
  state.locks.set(cmd.lock, { leaseId: cmd.leaseId, token });
  lease.locks.add(cmd.lock);
  return ok({ lock: cmd.lock, token, leaseId: cmd.leaseId });
}

export function applyReleaseLock(state: ServiceState, cmd: ReleaseLockCommand): ServiceResult<ReleaseLockValue> {
  const held = state.locks.get(cmd.lock);
  if (held === undefined || held.token !== cmd.token) {
    return fail('not_holder', `token ${cmd.token} does not hold lock ${JSON.stringify(cmd.lock)}`, {
      lock: cmd.lock,
      token: cmd.token,
      currentToken: held === undefined ? null : held.token,
    });
  }
  const lease = state.leases.get(held.leaseId);
  if (lease === undefined) throw new Error(`services: invariant broken: lock ${JSON.stringify(cmd.lock)} names missing lease ${held.leaseId}`);
  lease.locks.delete(cmd.lock);
  state.locks.delete(cmd.lock);
  // A release issues nothing new, so it does not advance the revision (see README "Revisions").
  return ok({ lock: cmd.lock, revision: state.revision });
}
