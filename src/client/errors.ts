/**
 * The one error type the client throws. Every failure — a refusal from the
 * cluster (409 `revision_mismatch`), a request that could not be delivered,
 * a timeout — is a `FaultlineError` with a stable `code` to branch on, and two
 * facts a caller needs to act correctly:
 *
 * - `definite`: the operation certainly did NOT take effect. False means
 *   unknown (a write timed out after reaching a server): it may have applied,
 *   and a history records it as `info`, not `fail`.
 * - `retryable`: trying again later may succeed (the cluster had no quorum,
 *   no endpoint answered). The client has already retried within its
 *   deadline; this says whether the caller may try again.
 *
 * Carries a brand (a registered symbol) checked by `isFaultlineError`, which
 * works across duplicated copies of the package where `instanceof` fails.
 */

/** Codes the client itself produces. */
export const CLIENT_ERROR_CODES = [
  /** No endpoint could be reached (connection refused or reset, every circuit open). */
  'unavailable',
  /** An attempt, or the whole call, ran out of time. */
  'timeout',
  /** The caller's AbortSignal fired. */
  'aborted',
  /** `close()` was called. */
  'closed',
  /** The server answered with something that is not the API's shape. */
  'bad_response',
  /** An argument is invalid; nothing was sent. */
  'invalid_argument',
  /** Too many writes are waiting for the session window. */
  'overloaded',
  /** `withLock`: the lease behind the lock ran out or was revoked while the callback ran. */
  'lease_lost',
] as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** Codes the HTTP API sends (docs/CLIENT.md lists them with their status). */
export type ServerErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'too_large'
  | 'unauthorized'
  | 'no_quorum'
  | 'idempotency_key_reused'
  | 'revision_mismatch'
  | 'fenced'
  | 'lock_held'
  | 'not_holder'
  | 'lease_not_found'
  | 'ttl_out_of_range'
  | 'worker_ids_exhausted'
  | 'limit_exceeded'
  | 'session_expired'
  | 'session_seq_stale'
  | 'session_window_full'
  | 'internal';

/** Any code; unknown server codes pass through as strings. */
export type FaultlineErrorCode = ClientErrorCode | ServerErrorCode | (string & {});

const BRAND: unique symbol = Symbol.for('faultline.client.FaultlineError') as never;

export interface FaultlineErrorInit {
  readonly code: FaultlineErrorCode;
  readonly message: string;
  /** True when the operation certainly did not take effect. */
  readonly definite: boolean;
  /** True when a later attempt may succeed. */
  readonly retryable: boolean;
  /** The HTTP status, when a server answered. */
  readonly status?: number;
  /** Scalar facts from the server (`currentToken`, `actualRevision`, …). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The endpoint that gave the final answer. */
  readonly endpoint?: string;
  readonly cause?: unknown;
}

export class FaultlineError extends Error {
  readonly [BRAND] = true as const;
  override readonly name = 'FaultlineError';
  readonly code: FaultlineErrorCode;
  readonly definite: boolean;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly endpoint: string | undefined;

  constructor(init: FaultlineErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.definite = init.definite;
    this.retryable = init.retryable;
    this.status = init.status;
    this.details = init.details;
    this.endpoint = init.endpoint;
  }

  /** The same error with `definite` and `retryable` replaced (the call's final verdict). */
  withOutcome(definite: boolean, retryable: boolean = this.retryable): FaultlineError {
    if (definite === this.definite && retryable === this.retryable) return this;
    return new FaultlineError({ ...this.#init(), definite, retryable });
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, definite: this.definite, retryable: this.retryable, status: this.status, details: this.details };
  }

  #init(): FaultlineErrorInit {
    return {
      code: this.code,
      message: this.message,
      definite: this.definite,
      retryable: this.retryable,
      status: this.status,
      details: this.details,
      endpoint: this.endpoint,
      cause: this.cause,
    };
  }
}

/** True for any client error, also one thrown by another copy of this package. */
export function isFaultlineError(error: unknown): error is FaultlineError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}

/** A refused argument: nothing was sent. */
export function invalidArgument(api: string, message: string): FaultlineError {
  return new FaultlineError({ code: 'invalid_argument', message: `${api}: ${message}`, definite: true, retryable: false });
}
