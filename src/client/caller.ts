/**
 * One call = one logical operation, possibly several HTTP attempts:
 *
 *   pick an endpoint (leader first; skip open circuits)
 *   → send with that endpoint's adaptive timeout
 *   → retryable failure (connection error, timeout, 503)? back off with full
 *     jitter and try again — on another endpoint — until the call's deadline
 *     or maxAttempts. Anything else (every 4xx) ends the call.
 *
 * Writes carry the session header (same bytes on every attempt) and an
 * Idempotency-Key, so an attempt whose response was lost can be retried
 * without applying twice. The call tracks whether any attempt may have
 * reached a server (`maybeApplied`): a write that finally fails is
 * `definite` only if none did, or if the cluster itself refused it.
 */
import type { Rng } from '../core/random/index.js';
import { Deadline, exponentialBackoff, isTimeoutError, RetryPolicy, withTimeout } from '../core/resilience/index.js';
import type { RetryContext, Timekeeper } from '../core/resilience/index.js';
import type { Endpoint, EndpointSet, Route } from './endpoints.js';
import { DISCOVERY_TIMEOUT_MS } from './endpoints.js';
import { FaultlineError, isFaultlineError } from './errors.js';
import type { ResolvedClientOptions } from './options.js';
import { badResponse, parseClusterStatus, parseJsonBody, readErrorBody, ShapeError } from './parse.js';
import type { Json } from './parse.js';
import type { ClientRuntime, HttpMethod, HttpResponse, HttpTransport } from './runtime.js';
import { isTransportError } from './runtime.js';
import { SessionWindow } from './session.js';
import type { SessionRef } from './session.js';
import type { ClusterStatus } from './types.js';

export interface CallSpec<T> {
  /** Names the call in error messages: `kv.put`. */
  readonly api: string;
  readonly method: HttpMethod;
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly body?: Json;
  readonly route: Route;
  /** A command through the log: carries the session and an idempotency key. */
  readonly write: boolean;
  /** A 2xx body → the result (throw ShapeError on a wrong shape). */
  readonly parse: (json: Json) => T;
  /** A 404 `not_found` is this result instead of an error (a missing key). */
  readonly onNotFound?: () => T;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** Statuses that say "try again, maybe elsewhere": the server (or a proxy in front of it) could not serve now. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

interface CallTrack {
  ref: SessionRef | undefined;
  idempotencyKey: string | undefined;
  /** Some attempt may have reached a server (so a write may have applied). */
  maybeApplied: boolean;
  /** Where the last attempt failed: tried last next time. */
  lastFailed: Endpoint | undefined;
  attempts: number;
}

export class Caller {
  readonly sessions: SessionWindow;
  readonly #options: ResolvedClientOptions;
  readonly #transport: HttpTransport;
  readonly #timekeeper: Timekeeper;
  readonly #endpoints: EndpointSet;
  readonly #policy: RetryPolicy;
  readonly #keyPrefix: string;
  #keyCounter = 0;
  readonly #closing = new AbortController();
  /** Errors already retried by an inner call (the session registration): not retried again around it. */
  readonly #settled = new WeakSet<object>();

  constructor(options: ResolvedClientOptions, runtime: ClientRuntime, endpoints: EndpointSet) {
    this.#options = options;
    this.#transport = runtime.transport;
    this.#timekeeper = runtime.timekeeper;
    this.#endpoints = endpoints;
    const rng: Rng = runtime.rng;
    this.#policy = new RetryPolicy({
      timekeeper: runtime.timekeeper,
      rng: rng.fork(),
      maxAttempts: options.maxAttempts,
      deadlineMs: options.requestTimeoutMs,
      backoff: exponentialBackoff({ baseMs: options.backoffBaseMs, capMs: options.backoffCapMs, jitter: 'full' }),
      isRetryable: (error) => isFaultlineError(error) && error.retryable && !this.#settled.has(error) && !this.#closing.signal.aborted,
    });
    // Keys must not collide across clients or restarts: 64 random bits per client plus a counter.
    this.#keyPrefix = `fl-${hex32(rng)}${hex32(rng)}`;
    this.sessions = new SessionWindow(options.sessionWindow, options.maxQueuedWrites, () => this.#registerSession());
    endpoints.setProbe((endpoint, signal) => this.#probe(endpoint, signal));
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  /** Fail every call in flight and every later one with `closed`. */
  close(): void {
    if (this.closed) return;
    const error = closedError();
    this.#closing.abort(error);
    this.sessions.close(error);
  }

  async call<T>(spec: CallSpec<T>): Promise<T> {
    if (this.closed) throw closedError();
    const link = linkSignals(spec.signal, this.#closing.signal);
    const track: CallTrack = { ref: undefined, idempotencyKey: undefined, maybeApplied: false, lastFailed: undefined, attempts: 0 };
    const deadline = spec.timeoutMs === undefined ? undefined : Deadline.after(Math.min(spec.timeoutMs, this.#options.requestTimeoutMs), this.#timekeeper);
    try {
      return await this.#policy.execute((context) => this.#attempt(spec, track, context), { signal: link.signal, deadline });
    } catch (error) {
      throw this.#finalError(spec, track, error, deadline);
    } finally {
      if (track.ref !== undefined) this.sessions.finish(track.ref);
      deadline?.dispose();
      link.dispose();
    }
  }

  async #attempt<T>(spec: CallSpec<T>, track: CallTrack, context: RetryContext): Promise<T> {
    if (spec.write && track.ref === undefined) {
      // First attempt, or the session was replaced: a seq (and a key) for this write.
      try {
        track.ref = await this.sessions.begin(context.signal);
      } catch (error) {
        if (isFaultlineError(error)) this.#settled.add(error);
        throw error;
      }
      track.idempotencyKey = this.#newKey();
    }
    const { endpoint, permit } = await this.#endpoints.pick(spec.route, track.lastFailed, context.signal);
    track.lastFailed = undefined;
    track.attempts++;
    const startedMs = this.#timekeeper.now();
    const leftMs = context.deadline ? context.deadline.remainingMs(startedMs) : Infinity;
    const endpointTimeoutMs = endpoint.timeout.timeoutMs();
    // Cut short by the call's deadline: a timeout then says nothing about the endpoint.
    const clamped = leftMs < endpointTimeoutMs;
    const timeoutMs = Math.min(endpointTimeoutMs, leftMs);
    if (!(timeoutMs > 0)) {
      endpoint.breaker.onIgnored(startedMs, permit);
      throw new FaultlineError({ code: 'timeout', message: `${spec.api}: the call's time budget is spent`, definite: true, retryable: false });
    }
    const headers = this.#headers(spec, track);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    let response: HttpResponse;
    try {
      response = await withTimeout(
        ({ signal }) => this.#transport.request({ method: spec.method, url: endpoint.url + spec.path, headers, body, signal }),
        timeoutMs,
        { timekeeper: this.#timekeeper, signal: context.signal },
      );
    } catch (error) {
      throw this.#transportFailure(spec, track, endpoint, permit, error, context, clamped, timeoutMs);
    }
    const endedMs = this.#timekeeper.now();
    endpoint.timeout.sample(endedMs - startedMs);
    endpoint.breaker.onSuccess(endedMs, permit);
    return this.#interpret(spec, track, endpoint, response);
  }

  #headers(spec: CallSpec<unknown>, track: CallTrack): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#options.token !== undefined) headers.authorization = `Bearer ${this.#options.token}`;
    if (track.ref !== undefined) headers['faultline-session'] = track.ref.header;
    if (track.idempotencyKey !== undefined) headers['idempotency-key'] = track.idempotencyKey;
    return headers;
  }

  #transportFailure(
    spec: CallSpec<unknown>,
    track: CallTrack,
    endpoint: Endpoint,
    permit: number,
    error: unknown,
    context: RetryContext,
    clamped: boolean,
    timeoutMs: number,
  ): unknown {
    const endedMs = this.#timekeeper.now();
    if (context.signal.aborted || (clamped && isTimeoutError(error))) {
      // The caller gave up or the call's deadline hit mid-request: no verdict on the endpoint.
      endpoint.breaker.onIgnored(endedMs, permit);
      track.maybeApplied = true;
      return context.signal.aborted ? context.signal.reason : error;
    }
    track.lastFailed = endpoint;
    this.#endpoints.suspect(endpoint);
    endpoint.breaker.onFailure(endedMs, permit);
    if (isTimeoutError(error)) {
      endpoint.timeout.onTimeout();
      track.maybeApplied = true;
      return new FaultlineError({
        code: 'timeout',
        message: `${spec.api}: ${endpoint.url} did not answer within ${Math.round(timeoutMs)} ms`,
        definite: false,
        retryable: true,
        endpoint: endpoint.url,
      });
    }
    const notSent = isTransportError(error) && error.notSent;
    if (!notSent) track.maybeApplied = true;
    const reason = error instanceof Error ? error.message : String(error);
    return new FaultlineError({
      code: 'unavailable',
      message: `${spec.api}: ${endpoint.url} could not be reached (${reason})`,
      definite: notSent,
      retryable: true,
      endpoint: endpoint.url,
      cause: error,
    });
  }

  async #interpret<T>(spec: CallSpec<T>, track: CallTrack, endpoint: Endpoint, response: HttpResponse): Promise<T> {
    const status = response.status;
    let json: Json;
    try {
      json = parseJsonBody(response.body);
      if (status >= 200 && status < 300) return spec.parse(json);
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      if (status >= 200 && status < 300 || !RETRYABLE_STATUSES.has(status)) {
        throw badResponse(spec.api, endpoint.url, error, !spec.write);
      }
      json = undefined; // a proxy's HTML 503 page: still a 503
    }
    const body = readErrorBody(json);
    const code = body.code ?? codeForStatus(status);
    if (status === 404 && spec.onNotFound !== undefined && code === 'not_found') return spec.onNotFound();
    const message = `${spec.api}: ${body.message ?? `${endpoint.url} answered ${status}`}`;
    if (RETRYABLE_STATUSES.has(status)) {
      track.lastFailed = endpoint;
      this.#endpoints.suspect(endpoint);
      if (body.definite !== true) track.maybeApplied = true;
      throw new FaultlineError({ code, message, status, details: body.details, definite: body.definite === true, retryable: true, endpoint: endpoint.url });
    }
    if (code === 'session_expired' && track.ref !== undefined) this.#renewSession(spec, track);
    // The cluster's own answer. For a session write it is the first application's
    // result, whichever attempt carried it: definite — except for codes that
    // say the server could not tell what happened.
    const definite = !(status >= 500 || code === 'session_seq_stale' || code === 'idempotency_key_reused' || code === 'session_expired');
    throw new FaultlineError({ code, message, status, details: body.details, definite, retryable: false, endpoint: endpoint.url });
  }

  /**
   * The cluster forgot our session (idle past its expiry). If no earlier
   * attempt of this write may have applied, nothing happened: move the write
   * to a new session and retry. Otherwise its outcome is unknown (thrown by
   * the caller as a non-definite `session_expired`).
   */
  #renewSession(spec: CallSpec<unknown>, track: CallTrack): void {
    const old = track.ref!;
    this.sessions.invalidate(old);
    if (track.maybeApplied) return;
    this.sessions.finish(old);
    track.ref = undefined; // the next attempt begins on a new session, with a new idempotency key
    throw new FaultlineError({
      code: 'session_expired',
      message: `${spec.api}: the session expired; retrying on a new one`,
      definite: true,
      retryable: true,
    });
  }

  #finalError(spec: CallSpec<unknown>, track: CallTrack, error: unknown, deadline: Deadline | undefined): unknown {
    // Reads change nothing: every failed read is definite.
    const definiteIfUnsure = !spec.write || !track.maybeApplied;
    if (this.#closing.signal.aborted) return closedError(definiteIfUnsure);
    if (spec.signal?.aborted) {
      return new FaultlineError({ code: 'aborted', message: `${spec.api}: aborted by the caller`, definite: definiteIfUnsure, retryable: false, cause: spec.signal.reason });
    }
    if (isTimeoutError(error)) {
      const budgetMs = deadline?.budgetMs ?? this.#options.requestTimeoutMs;
      return new FaultlineError({
        code: 'timeout',
        message: `${spec.api}: no answer within the call's budget of ${Math.round(budgetMs)} ms (${track.attempts === 0 ? 'nothing was sent' : `${track.attempts} attempt${track.attempts === 1 ? '' : 's'}`})`,
        definite: definiteIfUnsure,
        retryable: true,
        cause: error,
      });
    }
    if (!isFaultlineError(error)) return error; // a bug, not an outcome: surface it unchanged
    // Out of attempts on a retryable error: unsure unless no attempt reached a server.
    if (error.retryable) return error.withOutcome(definiteIfUnsure, true);
    return !spec.write && !error.definite ? error.withOutcome(true, false) : error;
  }

  #registerSession(): Promise<number> {
    return this.call({
      api: 'sessions.register',
      method: 'POST',
      path: '/v1/sessions',
      body: {},
      route: 'leader',
      write: false,
      parse: (json) => {
        const body = json as Record<string, unknown>;
        const clientId = typeof body === 'object' && body !== null ? body.clientId : undefined;
        const n = typeof clientId === 'string' && /^\d+$/.test(clientId) ? Number(clientId) : clientId;
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new ShapeError(`"clientId" is not a positive integer (got ${JSON.stringify(clientId)})`);
        return n;
      },
    });
  }

  async #probe(endpoint: Endpoint, signal: AbortSignal): Promise<ClusterStatus> {
    const timeoutMs = Math.min(endpoint.timeout.timeoutMs(), DISCOVERY_TIMEOUT_MS);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#options.token !== undefined) headers.authorization = `Bearer ${this.#options.token}`;
    const response = await withTimeout(
      ({ signal: s }) => this.#transport.request({ method: 'GET', url: `${endpoint.url}/v1/cluster`, headers, signal: s }),
      timeoutMs,
      { timekeeper: this.#timekeeper, signal },
    );
    if (response.status !== 200) throw new Error(`status ${response.status}`);
    return parseClusterStatus(parseJsonBody(response.body));
  }

  #newKey(): string {
    return `${this.#keyPrefix}-${(++this.#keyCounter).toString(36)}`;
  }
}

function hex32(rng: Rng): string {
  return rng.int(0x1_0000_0000).toString(16).padStart(8, '0');
}

function closedError(definite = true): FaultlineError {
  return new FaultlineError({ code: 'closed', message: 'the client is closed', definite, retryable: false });
}

/** The error code a bare status implies (a body without `error.code`, e.g. from a proxy). */
function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'unauthorized';
    case 404:
      return 'not_found';
    case 413:
      return 'too_large';
    case 503:
      return 'no_quorum';
    default:
      return status >= 500 ? 'internal' : `http_${status}`;
  }
}

/** One signal that aborts when either input does; `dispose` detaches the listeners. */
function linkSignals(a: AbortSignal | undefined, b: AbortSignal): { signal: AbortSignal; dispose: () => void } {
  if (a === undefined) return { signal: b, dispose: () => {} };
  const controller = new AbortController();
  const onA = (): void => controller.abort(a.reason);
  const onB = (): void => controller.abort(b.reason);
  if (a.aborted) onA();
  else if (b.aborted) onB();
  else {
    a.addEventListener('abort', onA, { once: true });
    b.addEventListener('abort', onB, { once: true });
  }
  return {
    signal: controller.signal,
    dispose: () => {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}
