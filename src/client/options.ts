/**
 * `createClient` options: defaults and validation. Every limit is named with
 * its unit and every bound is checked here, once, with a message naming the
 * option — nothing is validated later, deep inside a retry.
 */
import { invalidArgument } from './errors.js';

export interface AttemptTimeoutOptions {
  /** Timeout before any round trip is measured, ms. @defaultValue 2000 */
  readonly initialMs?: number;
  /**
   * Lower clamp, ms. A follower waits up to its own request timeout (2 s by
   * default) for a leader before answering `no_quorum`; timing out far below
   * that only doubles the load during an election. @defaultValue 1000
   */
  readonly minMs?: number;
  /** Upper clamp (and cap of the backoff after timeouts), ms. @defaultValue 10_000 */
  readonly maxMs?: number;
}

export interface CircuitOptions {
  /** Consecutive transport failures (connection errors, timeouts) that open an endpoint's circuit. @defaultValue 3 */
  readonly failures?: number;
  /** First open period, ms; repeated openings back off up to 8×. @defaultValue 1000 */
  readonly openMs?: number;
}

export interface ClientOptions {
  /** Base URLs of the cluster members (`http://127.0.0.1:7001`); at least one. */
  readonly endpoints: readonly string[];
  /** Sent as `Authorization: Bearer <token>` when the cluster was started with `--token`. */
  readonly token?: string;
  /**
   * Budget for one call including every retry and backoff, ms. A write that
   * could not finish in it fails with `timeout` (outcome unknown unless no
   * attempt reached a server). @defaultValue 10_000
   */
  readonly requestTimeoutMs?: number;
  /** Attempts per call, the first included. @defaultValue 16 */
  readonly maxAttempts?: number;
  /** Retry backoff (full jitter): first delay scale, ms. @defaultValue 50 */
  readonly backoffBaseMs?: number;
  /** Retry backoff cap, ms. @defaultValue 1000 */
  readonly backoffCapMs?: number;
  /** Per-attempt adaptive timeout (RFC 6298 over each endpoint's round trips). */
  readonly attemptTimeout?: AttemptTimeoutOptions;
  /** Per-endpoint circuit breaker. */
  readonly circuit?: CircuitOptions;
  /** Re-read `GET /v1/cluster` at least this often while calls run, ms. @defaultValue 5000 */
  readonly leaderRefreshMs?: number;
  /**
   * Writes one session may have between its acknowledged mark and its newest
   * seq (the server keeps at most 64 unacknowledged results). @defaultValue 48
   */
  readonly sessionWindow?: number;
  /** Writes that may wait for the session window before `overloaded`. @defaultValue 10_000 */
  readonly maxQueuedWrites?: number;
  /** Largest response body accepted, bytes (Node runtime). @defaultValue 16 MiB */
  readonly maxResponseBytes?: number;
}

export interface ResolvedClientOptions {
  readonly endpoints: readonly string[];
  readonly token: string | undefined;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  readonly attemptTimeoutInitialMs: number;
  readonly attemptTimeoutMinMs: number;
  readonly attemptTimeoutMaxMs: number;
  readonly circuitFailures: number;
  readonly circuitOpenMs: number;
  readonly leaderRefreshMs: number;
  readonly sessionWindow: number;
  readonly maxQueuedWrites: number;
  readonly maxResponseBytes: number;
}

/** The server keeps this many unacknowledged results per session (services LIMITS.sessionResultsMax). */
export const SERVER_SESSION_RESULTS_MAX = 64;
const API = 'createClient';

function positive(name: string, value: number | undefined, fallback: number, integer = false): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isSafeInteger(v))) {
    throw invalidArgument(API, `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  }
  return v;
}

/** `http://host:port` with no trailing slash; refuses anything that is not an http(s) origin. */
export function normalizeEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidArgument(API, `endpoint "${text}" is not a URL (expected e.g. http://127.0.0.1:7001)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(API, `endpoint "${text}" must use http or https, not ${url.protocol.replace(':', '')}`);
  }
  if (url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw invalidArgument(API, `endpoint "${text}" must be an origin (scheme://host:port), without a path or query`);
  }
  return `${url.protocol}//${url.host}`;
}

export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  if (!options || !Array.isArray(options.endpoints) || options.endpoints.length === 0) {
    throw invalidArgument(API, 'endpoints must list at least one base URL (e.g. http://127.0.0.1:7001)');
  }
  const endpoints = [...new Set(options.endpoints.map((e) => normalizeEndpoint(String(e))))];
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length === 0 || /[\r\n]/.test(options.token))) {
    throw invalidArgument(API, 'token must be a non-empty string without line breaks');
  }
  const attemptTimeoutMinMs = positive('attemptTimeout.minMs', options.attemptTimeout?.minMs, 1000);
  const attemptTimeoutMaxMs = positive('attemptTimeout.maxMs', options.attemptTimeout?.maxMs, 10_000);
  if (attemptTimeoutMaxMs < attemptTimeoutMinMs) {
    throw invalidArgument(API, `attemptTimeout.maxMs (${attemptTimeoutMaxMs}) must be ≥ attemptTimeout.minMs (${attemptTimeoutMinMs})`);
  }
  const backoffBaseMs = positive('backoffBaseMs', options.backoffBaseMs, 50);
  const backoffCapMs = positive('backoffCapMs', options.backoffCapMs, 1000);
  if (backoffCapMs < backoffBaseMs) throw invalidArgument(API, `backoffCapMs (${backoffCapMs}) must be ≥ backoffBaseMs (${backoffBaseMs})`);
  const sessionWindow = positive('sessionWindow', options.sessionWindow, 48, true);
  if (sessionWindow >= SERVER_SESSION_RESULTS_MAX) {
    throw invalidArgument(API, `sessionWindow must be < ${SERVER_SESSION_RESULTS_MAX} (the results a server keeps per session), got ${sessionWindow}`);
  }
  return Object.freeze({
    endpoints,
    token: options.token,
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    maxAttempts: positive('maxAttempts', options.maxAttempts, 16, true),
    backoffBaseMs,
    backoffCapMs,
    attemptTimeoutInitialMs: positive('attemptTimeout.initialMs', options.attemptTimeout?.initialMs, 2000),
    attemptTimeoutMinMs,
    attemptTimeoutMaxMs,
    circuitFailures: positive('circuit.failures', options.circuit?.failures, 3, true),
    circuitOpenMs: positive('circuit.openMs', options.circuit?.openMs, 1000),
    leaderRefreshMs: positive('leaderRefreshMs', options.leaderRefreshMs, 5000),
    sessionWindow,
    maxQueuedWrites: positive('maxQueuedWrites', options.maxQueuedWrites, 10_000, true),
    maxResponseBytes: positive('maxResponseBytes', options.maxResponseBytes, 16 * 1024 * 1024, true),
  });
}
