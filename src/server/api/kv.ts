/** `GET|PUT|DELETE /v1/kv/{key}`. */
import { deleteCommand, putCommand } from '../../services/index.js';
import type { DeleteValue, PutValue } from '../../services/index.js';
import { invalidField } from '../http/errors.js';
import type { RequestContext, Reply, Router } from '../http/router.js';
import { parseWith } from '../http/validate.js';
import type { ApiContext } from './context.js';
import { readKey } from './replica-call.js';
import { build, checkKey, checkWritableKey, encodeValue, notFound, ok, valueOf, writeRequest } from './requests.js';
import { deleteBodySchema, putBodySchema } from './schemas.js';

const decoder = new TextDecoder();

export function addKvRoutes(router: Router, api: ApiContext): void {
  router.add('GET', '/v1/kv/*key', (ctx) => getKey(api, ctx));
  router.add('PUT', '/v1/kv/*key', (ctx) => putKey(api, ctx));
  router.add('DELETE', '/v1/kv/*key', (ctx) => deleteKey(api, ctx));
}

async function getKey(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  const key = ctx.params.key!;
  checkKey(key);
  const consistency = ctx.query.get('consistency') ?? 'linearizable';
  if (consistency !== 'linearizable' && consistency !== 'stale') throw invalidField('consistency', 'must be "linearizable" or "stale"');
  const read = await readKey(api.replica, key, consistency);
  if (read.kv === null) throw notFound(`key ${JSON.stringify(key)} does not exist`, { revision: read.revision });
  const kv = read.kv;
  return ok({
    key: kv.key,
    value: decoder.decode(kv.value),
    revision: read.revision,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.leaseId === 0 ? null : kv.leaseId,
  });
}

async function putKey(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  const key = ctx.params.key!;
  checkWritableKey(key);
  const body = parseWith(putBodySchema, await ctx.body());
  const value = encodeValue(body.value);
  const command = build(() =>
    putCommand({ key, value, leaseId: body.lease, ifRevision: body.ifRevision, fence: body.fence }),
  );
  const result = await api.writes.write(writeRequest(ctx, command, body));
  const v = valueOf<PutValue>(result);
  return ok({ revision: v.revision, createRevision: v.createRevision, version: v.version });
}

async function deleteKey(api: ApiContext, ctx: RequestContext): Promise<Reply> {
  const key = ctx.params.key!;
  checkWritableKey(key);
  const body = parseWith(deleteBodySchema, await ctx.body()) ?? {};
  const command = build(() => deleteCommand({ key, ifRevision: body.ifRevision, fence: body.fence }));
  const result = await api.writes.write(writeRequest(ctx, command, body));
  const v = valueOf<DeleteValue>(result);
  return ok({ revision: v.revision, deleted: v.deleted });
}
