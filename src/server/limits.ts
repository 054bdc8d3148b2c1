/**
 * Every bound the HTTP layer applies, in one place, with the relationships
 * between them asserted when the module loads (as `src/services/limits.ts`
 * does for the state machine). Keys, values and lock names are bounded by the
 * services limits themselves: the HTTP layer checks them first only so that it
 * can answer 413 naming the field instead of a generic 400.
 */
import { LIMITS } from '../services/index.js';

const KiB = 1024;

export interface ServerLimits {
  /** Largest request body. A 64 KiB value may grow to 6× when JSON-escaped (`\u0000`), so allow that plus room for the rest. */
  readonly bodyBytesMax: number;
  /** Largest `Idempotency-Key` header, in UTF-16 code units (Stripe's 255). */
  readonly idempotencyKeyCharsMax: number;
  /** Longest request URL (path + query), in characters. */
  readonly urlCharsMax: number;
  /** Requests this node works on at once (HTTP and forwarded); more get 503 `overloaded`. */
  readonly requestsInFlightMax: number;
  /** Idempotency keys one node remembers (node-local; see idempotency.ts). */
  readonly idempotencyKeysMax: number;
  /** How long a node replays the first outcome for an idempotency key. */
  readonly idempotencyTtlMs: number;
  /** Time allowed to read one request's headers and body before 408. */
  readonly requestReadTimeoutMs: number;
  /** Open HTTP connections at once; more are refused at accept. */
  readonly connectionsMax: number;
}

export const SERVER_LIMITS: ServerLimits = Object.freeze({
  bodyBytesMax: 6 * LIMITS.valueBytesMax + 16 * KiB,
  idempotencyKeyCharsMax: 255,
  urlCharsMax: 3 * LIMITS.keyBytesMax + 1 * KiB,
  requestsInFlightMax: 4096,
  idempotencyKeysMax: 100_000,
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  requestReadTimeoutMs: 10_000,
  connectionsMax: 10_000,
});

export function assertServerLimits(l: ServerLimits): void {
  const fail = (rule: string): never => {
    throw new Error(`server limits: invariant broken: ${rule}`);
  };
  for (const [name, value] of Object.entries(l)) {
    if (!Number.isSafeInteger(value) || value <= 0) fail(`${name} must be a positive safe integer (got ${String(value)})`);
  }
  // The largest legal put must fit in a body however its value is escaped (\uXXXX is 6 bytes per byte).
  if (l.bodyBytesMax < 6 * LIMITS.valueBytesMax + 6 * LIMITS.lockNameBytesMax) fail('bodyBytesMax ≥ 6 × (valueBytesMax + lockNameBytesMax)');
  // The largest legal key fits in a URL even fully percent-encoded (%XX is 3 characters per byte).
  if (l.urlCharsMax < 3 * LIMITS.keyBytesMax + '/v1/kv/'.length) fail('urlCharsMax ≥ 3 × keyBytesMax + the path prefix');
  // Every connection may carry a request in flight.
  if (l.connectionsMax < l.requestsInFlightMax) fail('connectionsMax ≥ requestsInFlightMax');
}

assertServerLimits(SERVER_LIMITS);
