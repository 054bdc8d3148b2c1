/**
 * The request bodies of HTTP API v1 as zod schemas: types and shapes only.
 * Sizes (key, value, lock name) and ranges the state machine owns (TTL bounds)
 * are checked after, by the size checks in `requests.ts` and by the command
 * constructors, so there is one source of truth for each rule.
 */
import { z } from 'zod';

const revision = z.int().min(0);
const id = z.int().min(1);

export const fenceSchema = z.strictObject({ lock: z.string(), token: z.int().min(0) });

export const putBodySchema = z.strictObject({
  value: z.string(),
  ifRevision: revision.optional(),
  lease: id.optional(),
  fence: fenceSchema.optional(),
});
export type PutBody = z.output<typeof putBodySchema>;

/** DELETE may have no body at all. */
export const deleteBodySchema = z
  .strictObject({
    ifRevision: revision.optional(),
    fence: fenceSchema.optional(),
  })
  .optional();

export const grantLeaseBodySchema = z.strictObject({ ttlMs: z.int().min(1) });

export const acquireLockBodySchema = z.strictObject({ lease: id });

export const releaseLockBodySchema = z.strictObject({ token: z.int().min(0) });

/** Clock skew for tests: at most a day either way. */
export const clockBodySchema = z.strictObject({ offsetMs: z.number().finite().min(-86_400_000).max(86_400_000) });

/** Bodies that must be empty or `{}` (keepalive, sessions, ids). */
export const emptyBodySchema = z.strictObject({}).optional();
