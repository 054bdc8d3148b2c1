/**
 * The write path every mutating route shares: a client session
 * (`Faultline-Session`) if the client sent one, else — for an
 * `Idempotency-Key` write — one of this node's own sessions, so that a retry
 * of an attempt whose outcome is unknown is deduplicated by the state machine
 * instead of applied twice (see node-sessions.ts). The IdempotencyStore
 * replays recorded outcomes (successes and service refusals); transport-level
 * failures (no quorum, overloaded) are never recorded.
 */
import { IdempotencyStore, isIdempotencyKeyReusedError, isIdempotencyStoreFullError } from '../../core/resilience/index.js';
import type { Replica } from '../../replica/api.js';
import { registerSessionCommand, withSession } from '../../services/index.js';
import type { RegisterSessionValue, ServiceResult, SessionCommand, SessionRef } from '../../services/index.js';
import { ApiError, invalidField, isApiError } from '../http/errors.js';
import { SERVER_LIMITS } from '../limits.js';
import { NodeSessionPool } from './node-sessions.js';
import { serviceErrorToApi, submitCommand } from './replica-call.js';

export interface WriteRequest {
  /** The command without a session. */
  readonly command: SessionCommand;
  /** From `Faultline-Session`. */
  readonly session?: SessionRef;
  /** From `Idempotency-Key`. */
  readonly idempotencyKey?: string;
  /** What must match for a retry with the same key to count as the same request. */
  readonly fingerprint: unknown;
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';

export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalidField('Idempotency-Key', 'must be given once');
  if (value.length === 0) throw invalidField('Idempotency-Key', 'must not be empty');
  if (value.length > SERVER_LIMITS.idempotencyKeyCharsMax) {
    throw invalidField('Idempotency-Key', `must be at most ${SERVER_LIMITS.idempotencyKeyCharsMax} characters`);
  }
  return value;
}

export class WritePath {
  readonly #replica: Replica;
  readonly #store: IdempotencyStore<ServiceResult<unknown>>;
  readonly #pool: NodeSessionPool;

  constructor(replica: Replica, monoNowMs: () => number) {
    this.#replica = replica;
    this.#store = new IdempotencyStore<ServiceResult<unknown>>({
      clock: { now: monoNowMs },
      ttlMs: SERVER_LIMITS.idempotencyTtlMs,
      maxKeys: SERVER_LIMITS.idempotencyKeysMax,
      shouldRecordError: () => false,
    });
    this.#pool = new NodeSessionPool({
      monoNowMs,
      register: async () => {
        const r = await submitCommand(replica, registerSessionCommand());
        if (!r.ok) throw serviceErrorToApi(r);
        return (r.value as RegisterSessionValue).clientId;
      },
    });
  }

  /** Remove expired idempotency keys (call from a periodic timer). */
  sweep(): number {
    return this.#store.sweep();
  }

  get idempotencyKeys(): number {
    return this.#store.size;
  }

  /** Run a write; resolves to the state machine's result (a refusal is a value), rejects with ApiError. */
  async write(req: WriteRequest): Promise<ServiceResult<unknown>> {
    if (req.idempotencyKey === undefined) return this.#submit(req.command, req.session);
    const key = req.idempotencyKey;
    try {
      return await this.#store.run(key, req.fingerprint, () =>
        req.session !== undefined ? this.#submit(req.command, req.session) : this.#withNodeSession(key, req.command),
      );
    } catch (e) {
      if (isIdempotencyKeyReusedError(e)) {
        throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request', { field: 'Idempotency-Key' });
      }
      if (isIdempotencyStoreFullError(e)) {
        throw new ApiError(503, 'overloaded', 'too many idempotency keys are in flight on this node', { definite: true }, { 'Retry-After': '1' });
      }
      throw e;
    }
  }

  #submit(command: SessionCommand, session: SessionRef | undefined): Promise<ServiceResult<unknown>> {
    return submitCommand(this.#replica, session === undefined ? command : withSession(command, session));
  }

  async #withNodeSession(key: string, command: SessionCommand): Promise<ServiceResult<unknown>> {
    for (let attempt = 0; ; attempt++) {
      const slot = await this.#pool.slot(key);
      let result: ServiceResult<unknown>;
      try {
        result = await this.#submit(command, slot.session);
      } catch (e) {
        if (isApiError(e) && e.details?.definite === true) slot.finish();
        else slot.keepForRetry();
        throw e;
      }
      if (!result.ok && result.error.code === 'session_expired') {
        // The node's session idled out (5 min without a command). The state machine refused this attempt, so
        // nothing applied under it: a fresh seq simply moves to a new session. A retried seq cannot — an
        // earlier attempt with it may have applied, and its stored result went with the session.
        slot.sessionExpired();
        if (slot.fresh && attempt === 0) continue;
        throw new ApiError(503, 'unavailable', 'the node session for this idempotency key expired; the outcome of earlier attempts is unknown', { definite: false });
      }
      if (!result.ok && result.error.code === 'session_window_full') {
        slot.finish();
        throw new ApiError(503, 'overloaded', 'too many idempotent writes are pending on this node', { definite: true }, { 'Retry-After': '1' });
      }
      slot.finish();
      return result;
    }
  }
}
