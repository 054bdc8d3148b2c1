/**
 * Typed errors a caller of the resilience pieces may catch. Each carries a
 * stable `code` (its brand) and has a type guard that checks the code rather
 * than `instanceof`, so it still works when two copies of the package are
 * loaded (cockatiel's lesson).
 */

export const BROKEN_CIRCUIT_ERROR = 'FAULTLINE_BROKEN_CIRCUIT';
export const TIMEOUT_ERROR = 'FAULTLINE_TIMEOUT';
export const IDEMPOTENCY_KEY_REUSED_ERROR = 'FAULTLINE_IDEMPOTENCY_KEY_REUSED';
export const IDEMPOTENCY_STORE_FULL_ERROR = 'FAULTLINE_IDEMPOTENCY_STORE_FULL';

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * The circuit breaker refused the call without running it: the circuit is
 * open (or half-open with every trial slot taken). Nothing was sent, so the
 * call is always safe to retry later — after `retryAfterMs` at the earliest.
 */
export class BrokenCircuitError extends Error {
  readonly code = BROKEN_CIRCUIT_ERROR;
  override readonly name = 'BrokenCircuitError';
  /** `'open'`, or `'half-open'` when every trial slot was taken. */
  readonly state: 'open' | 'half-open';
  /** Ms until the breaker will admit a trial call (0 when half-open: wait for the trials). */
  readonly retryAfterMs: number;

  constructor(state: 'open' | 'half-open', retryAfterMs: number) {
    super(
      state === 'open'
        ? `CircuitBreaker: circuit is open; call refused (half-open in ${Math.ceil(retryAfterMs)} ms)`
        : 'CircuitBreaker: circuit is half-open and every trial slot is taken; call refused',
    );
    this.state = state;
    this.retryAfterMs = retryAfterMs;
  }
}

export function isBrokenCircuitError(e: unknown): e is BrokenCircuitError {
  return hasCode(e, BROKEN_CIRCUIT_ERROR);
}

/**
 * A time budget ran out: `withTimeout`'s limit, a `Deadline`'s expiry, or a
 * retry's overall deadline. The work may still be running (or may have
 * completed) on the other side: the outcome is unknown, not failed.
 */
export class TimeoutError extends Error {
  readonly code = TIMEOUT_ERROR;
  override readonly name = 'TimeoutError';
  /** The budget that ran out, ms. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

export function isTimeoutError(e: unknown): e is TimeoutError {
  return hasCode(e, TIMEOUT_ERROR);
}

/**
 * An idempotency key was reused with different request parameters (Stripe
 * answers this with a 400). The first request's outcome is untouched; the
 * client has a bug — keys must be unique per logical operation.
 */
export class IdempotencyKeyReusedError extends Error {
  readonly code = IDEMPOTENCY_KEY_REUSED_ERROR;
  override readonly name = 'IdempotencyKeyReusedError';
  readonly key: string;

  constructor(key: string) {
    super(`IdempotencyStore: key ${JSON.stringify(key)} was already used with different parameters`);
    this.key = key;
  }
}

export function isIdempotencyKeyReusedError(e: unknown): e is IdempotencyKeyReusedError {
  return hasCode(e, IDEMPOTENCY_KEY_REUSED_ERROR);
}

/**
 * The idempotency store is at `maxKeys` and every key in it is still
 * running, so none can be evicted without risking a duplicate execution.
 * Nothing ran; the caller should shed load (HTTP 503) and retry later.
 */
export class IdempotencyStoreFullError extends Error {
  readonly code = IDEMPOTENCY_STORE_FULL_ERROR;
  override readonly name = 'IdempotencyStoreFullError';
  readonly maxKeys: number;

  constructor(maxKeys: number) {
    super(`IdempotencyStore: all ${maxKeys} keys are in flight; refusing a new key rather than evicting a running one`);
    this.maxKeys = maxKeys;
  }
}

export function isIdempotencyStoreFullError(e: unknown): e is IdempotencyStoreFullError {
  return hasCode(e, IDEMPOTENCY_STORE_FULL_ERROR);
}
