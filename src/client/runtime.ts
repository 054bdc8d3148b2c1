/**
 * What the client needs from the world, injected so the client core is
 * sans-I/O: an HTTP transport (one request → one response), a monotonic
 * clock with a way to sleep on it, and randomness for jitter and keys.
 *
 * - In a real process: `createNodeClientRuntime()` (src/node/client-runtime.ts:
 *   node:http with keep-alive, `performance.now`, `setTimeout`, a
 *   crypto-seeded Rng) — `createClient` uses it by default.
 * - In tests: a fake transport, `ManualTimekeeper` and `new SeededRng(seed)`,
 *   so every retry, backoff and timeout is deterministic.
 */
import type { Rng } from '../core/random/index.js';
import type { Timekeeper } from '../core/resilience/index.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface HttpRequest {
  readonly method: HttpMethod;
  /** Absolute URL: endpoint + path (+ query). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text, when the request has a body. */
  readonly body?: string;
  /** Aborts when the attempt times out or the caller gives up: the transport must stop and reject. */
  readonly signal: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  /** The body as text (empty when none). */
  readonly body: string;
}

export interface HttpTransport {
  /**
   * Send one request. Resolve with any HTTP response (errors included);
   * reject only when no response arrived — with a `TransportError` whose
   * `notSent` says whether the request certainly never reached the server.
   */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Release connections. */
  close?(): void;
}

export interface ClientRuntime {
  readonly transport: HttpTransport;
  /** Monotonic ms and sleep: every timeout, backoff and lease timer uses it. */
  readonly timekeeper: Timekeeper;
  /** Jitter and idempotency keys. */
  readonly rng: Rng;
}

const TRANSPORT_ERROR = 'FAULTLINE_CLIENT_TRANSPORT';

/** No response arrived. */
export class TransportError extends Error {
  readonly code = TRANSPORT_ERROR;
  override readonly name = 'TransportError';
  /**
   * True only when the request certainly never reached the server (the
   * connection was refused): a write then definitely did not happen.
   */
  readonly notSent: boolean;

  constructor(message: string, notSent: boolean, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.notSent = notSent;
  }
}

export function isTransportError(error: unknown): error is TransportError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === TRANSPORT_ERROR;
}
