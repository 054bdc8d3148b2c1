/**
 * Helpers shared by the route handlers: size checks that answer 413 naming
 * the field, command construction that turns the services' own validation
 * (`InvalidCommandError`) into a 400 naming the HTTP field, and the write
 * request built from the headers.
 */
import { isInvalidCommandError, LIMITS } from '../../services/index.js';
import type { ServiceResult, SessionCommand } from '../../services/index.js';
import { ApiError, invalidField, tooLarge } from '../http/errors.js';
import type { RequestContext } from '../http/router.js';
import { httpFieldName, serviceErrorToApi } from './replica-call.js';
import { parseSessionHeader, SESSION_HEADER } from './session-header.js';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey } from './writes.js';
import type { WriteRequest } from './writes.js';

const encoder = new TextEncoder();

/** Keys under this prefix belong to the server itself (worker-id high-water marks); clients may read, not write them. */
export const RESERVED_KEY_PREFIX = '_faultline/';

export function checkKey(key: string, field = 'key'): void {
  if (key.length === 0) throw invalidField(field, 'must not be empty');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > LIMITS.keyBytesMax) throw tooLarge(field, bytes, LIMITS.keyBytesMax);
}

export function checkWritableKey(key: string): void {
  checkKey(key);
  if (key.startsWith(RESERVED_KEY_PREFIX)) throw invalidField('key', `must not start with ${JSON.stringify(RESERVED_KEY_PREFIX)} (reserved for the server)`);
}

export function checkLockName(name: string, field = 'name'): void {
  if (name.length === 0) throw invalidField(field, 'must not be empty');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > LIMITS.lockNameBytesMax) throw tooLarge(field, bytes, LIMITS.lockNameBytesMax);
}

export function encodeValue(value: string): Uint8Array {
  const bytes = encoder.encode(value);
  if (bytes.length > LIMITS.valueBytesMax) throw tooLarge('value', bytes.length, LIMITS.valueBytesMax);
  return bytes;
}

/** Parse a numeric path segment (a lease id). */
export function pathId(raw: string, field: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw invalidField(field, 'must be a positive decimal integer');
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw invalidField(field, 'must be a safe integer');
  return n;
}

/** Build a command with the services' constructor; its validation error becomes a 400 naming the HTTP field. */
export function build<C>(make: () => C): C {
  try {
    return make();
  } catch (e) {
    if (isInvalidCommandError(e)) throw invalidField(httpFieldName(e.field), e.reason);
    throw e;
  }
}

export function writeRequest(ctx: RequestContext, command: SessionCommand, params: unknown): WriteRequest {
  const session = parseSessionHeader(ctx.req.headers[SESSION_HEADER]);
  const idempotencyKey = parseIdempotencyKey(ctx.req.headers[IDEMPOTENCY_HEADER]);
  return { command, session, idempotencyKey, fingerprint: { route: `${ctx.method} ${ctx.path}`, params } };
}

/** The success value, or the refusal thrown as its API error. */
export function valueOf<T>(result: ServiceResult<unknown>): T {
  if (!result.ok) throw serviceErrorToApi(result);
  return result.value as T;
}

export function ok(body: unknown, status = 200): { status: number; body: unknown } {
  return { status, body };
}

export function notFound(message: string, details?: Readonly<Record<string, string | number | boolean | null>>): ApiError {
  return new ApiError(404, 'not_found', message, details);
}
