/**
 * Snowflake worker ids leased to processes. `acquire-worker-id` hands out the
 * lowest id in [0, workerIdCount) that no live lease holds; the id stays with
 * that lease until it is released explicitly or the lease is revoked or
 * expires. So two live processes (two live leases) never hold the same id,
 * and an id comes back only after its holder gave it up or lost its lease —
 * whose client-side timer (ClientLeaseTimer) ran out first.
 */
import { leaseNotFound } from './leases.js';
import { fail, ok } from './results.js';
import type { AcquireWorkerIdCommand, ReleaseWorkerIdCommand } from './commands.js';
import type { AcquireWorkerIdValue, ReleaseWorkerIdValue, ServiceResult } from './results.js';
import type { ApplyContext, ServiceState } from './state.js';

export function applyAcquireWorkerId(
  state: ServiceState,
  cmd: AcquireWorkerIdCommand,
  ctx: ApplyContext,
): ServiceResult<AcquireWorkerIdValue> {
  const lease = state.leases.get(cmd.leaseId);
  if (lease === undefined) return leaseNotFound(cmd.leaseId);
  const count = ctx.config.workerIdCount;
  if (state.workers.size >= count) {
    return fail('worker_ids_exhausted', `all ${count} worker ids are held by live leases`, { workerIdCount: count });
  }
  // O(workerIdCount) at worst (≤ LIMITS.workerIdCountMax): the lowest free id keeps ids dense.
  let workerId = 0;
  while (state.workers.has(workerId)) workerId++;
  state.workers.set(workerId, cmd.leaseId);
  lease.workerIds.add(workerId);
  return ok({ workerId, leaseId: cmd.leaseId });
}

export function applyReleaseWorkerId(state: ServiceState, cmd: ReleaseWorkerIdCommand): ServiceResult<ReleaseWorkerIdValue> {
  const holder = state.workers.get(cmd.workerId);
  if (holder !== cmd.leaseId) {
    return fail('not_holder', `worker id ${cmd.workerId} is not held by lease ${cmd.leaseId}`, {
      workerId: cmd.workerId,
      leaseId: cmd.leaseId,
      holderLeaseId: holder ?? null,
    });
  }
  state.leases.get(cmd.leaseId)?.workerIds.delete(cmd.workerId);
  state.workers.delete(cmd.workerId);
  return ok({ workerId: cmd.workerId });
}
