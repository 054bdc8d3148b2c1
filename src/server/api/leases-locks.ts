/** Leases (`/v1/leases`), locks with fencing tokens (`/v1/locks/{name}`) and client sessions (`/v1/sessions`). */
import {
  acquireLockCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  registerSessionCommand,
  releaseLockCommand,
  revokeLeaseCommand,
} from '../../services/index.js';
import type {
  AcquireLockValue,
  GrantLeaseValue,
  KeepAliveLeaseValue,
  LeaseEndValue,
  RegisterSessionValue,
  ReleaseLockValue,
} from '../../services/index.js';
import type { RequestContext, Reply, Router } from '../http/router.js';
import { parseWith } from '../http/validate.js';
import type { ApiContext } from './context.js';
import { submitCommand } from './replica-call.js';
import { build, checkLockName, ok, pathId, valueOf, writeRequest } from './requests.js';
import { acquireLockBodySchema, emptyBodySchema, grantLeaseBodySchema, releaseLockBodySchema } from './schemas.js';

export function addLeaseLockRoutes(router: Router, api: ApiContext): void {
  router.add('POST', '/v1/leases', (ctx) => grant(api, ctx));
  router.add('POST', '/v1/leases/:id/keepalive', (ctx) => keepAlive(api, ctx));
  router.add('DELETE', '/v1/leases/:id', (ctx) => revoke(api, ctx));
  router.add('POST', '/v1/locks/*name', (ctx) => acquire(api, ctx));
  router.add('DELETE', '/v1/locks/*name', (ctx) => release(api, ctx));
  router.add('POST', '/v1/sessions', (ctx) => registerSession(api, ctx));
}

async function grant(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  const body = parseWith(grantLeaseBodySchema, await ctx.body());
  const command = build(() => grantLeaseCommand({ ttlMs: body.ttlMs }));
  const v = valueOf<GrantLeaseValue>(await api.writes.write(writeRequest(ctx, command, body)));
  return ok({ lease: v.leaseId, ttlMs: v.ttlMs });
}

async function keepAlive(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  const leaseId = pathId(ctx.params.id!, 'id');
  parseWith(emptyBodySchema, await ctx.body());
  const command = build(() => keepAliveLeaseCommand({ leaseId }));
  const v = valueOf<KeepAliveLeaseValue>(await api.writes.write(writeRequest(ctx, command, { leaseId })));
  return ok({ lease: v.leaseId, ttlMs: v.ttlMs });
}

async function revoke(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  const leaseId = pathId(ctx.params.id!, 'id');
  parseWith(emptyBodySchema, await ctx.body());
  const command = build(() => revokeLeaseCommand({ leaseId }));
  const v = valueOf<LeaseEndValue>(await api.writes.write(writeRequest(ctx, command, { leaseId })));
  return ok({
    lease: v.leaseId,
    revision: v.revision,
    deletedKeys: v.deletedKeys,
    releasedLocks: v.releasedLocks,
    releasedWorkerIds: v.releasedWorkerIds,
  });
}

async function acquire(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  const lock = ctx.params.name!;
  checkLockName(lock);
  const body = parseWith(acquireLockBodySchema, await ctx.body());
  const command = build(() => acquireLockCommand({ lock, leaseId: body.lease }));
  const v = valueOf<AcquireLockValue>(await api.writes.write(writeRequest(ctx, command, body)));
  return ok({ lock: v.lock, token: v.token, lease: v.leaseId });
}

async function release(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  const lock = ctx.params.name!;
  checkLockName(lock);
  const body = parseWith(releaseLockBodySchema, await ctx.body());
  const command = build(() => releaseLockCommand({ lock, token: body.token }));
  const v = valueOf<ReleaseLockValue>(await api.writes.write(writeRequest(ctx, command, body)));
  return ok({ lock: v.lock, revision: v.revision });
}

async function registerSession(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  parseWith(emptyBodySchema, await ctx.body());
  // Not deduplicated (the services README): a retried registration makes a second session that idles out.
  const v = valueOf<RegisterSessionValue>(await submitCommand(api.replica, registerSessionCommand()));
  return ok({ clientId: v.clientId });
}
