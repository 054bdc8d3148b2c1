/**
 * The endpoints a client talks to, each with its own circuit breaker and
 * adaptive timeout, and the client's belief about which one is the leader.
 *
 * Routing: writes and linearizable reads go to the leader when one is known
 * (a follower would only forward them, one hop later); everything else, and
 * everything while no leader is known, goes round-robin. An endpoint whose
 * circuit is open is skipped; when every circuit is open the pick waits for
 * the earliest half-open moment (bounded by the call's deadline).
 *
 * Leader discovery asks every endpoint `GET /v1/cluster` at once and takes
 * the first answer that names a leader with an HTTP URL. It runs at most once
 * per `DISCOVERY_MIN_INTERVAL_MS`, is shared by concurrent calls, and never
 * fails a call: without an answer the call goes round-robin.
 */
import type { Rng } from '../core/random/index.js';
import { CircuitBreaker, ConsecutiveFailurePolicy, exponentialBackoff } from '../core/resilience/index.js';
import type { Permit, Timekeeper } from '../core/resilience/index.js';
import { AdaptiveTimeout } from '../detect/index.js';
import type { ResolvedClientOptions } from './options.js';
import { normalizeEndpoint } from './options.js';
import type { ClusterStatus } from './types.js';

/** Endpoints learned from `/v1/cluster` beyond the configured ones are capped. */
export const MAX_ENDPOINTS = 64;
/** Discovery rounds are at least this far apart, ms. */
export const DISCOVERY_MIN_INTERVAL_MS = 250;
/** A discovery round gives up after this long, ms. */
export const DISCOVERY_TIMEOUT_MS = 2000;
/** Shortest wait when every circuit refuses, ms (a half-open circuit with its trial slot taken has no due time). */
const ALL_OPEN_WAIT_MIN_MS = 10;
/** Repeated openings of one circuit last up to this many times `circuitOpenMs`. */
const OPEN_BACKOFF_FACTOR_MAX = 8;

export type Route = 'leader' | 'any';

export class Endpoint {
  readonly url: string;
  readonly breaker: CircuitBreaker;
  readonly timeout: AdaptiveTimeout;

  constructor(url: string, options: ResolvedClientOptions, rng: Rng) {
    this.url = url;
    this.breaker = new CircuitBreaker({
      policy: new ConsecutiveFailurePolicy(options.circuitFailures),
      openBackoff: exponentialBackoff({
        baseMs: options.circuitOpenMs,
        capMs: options.circuitOpenMs * OPEN_BACKOFF_FACTOR_MAX,
        jitter: 'equal',
      }),
      rng,
    });
    this.timeout = new AdaptiveTimeout({
      initialTimeoutMs: options.attemptTimeoutInitialMs,
      minTimeoutMs: options.attemptTimeoutMinMs,
      maxTimeoutMs: options.attemptTimeoutMaxMs,
    });
  }
}

export interface Pick {
  readonly endpoint: Endpoint;
  /** The breaker's permit: report the outcome with it. */
  readonly permit: Permit;
}

/** Asks one endpoint for `/v1/cluster`. */
export type StatusProbe = (endpoint: Endpoint, signal: AbortSignal) => Promise<ClusterStatus>;

interface LeaderBelief {
  readonly id: string;
  readonly endpoint: Endpoint;
  readonly learnedAtMs: number;
}

export class EndpointSet {
  readonly #options: ResolvedClientOptions;
  readonly #timekeeper: Timekeeper;
  readonly #rng: Rng;
  readonly #all: Endpoint[] = [];
  readonly #byUrl = new Map<string, Endpoint>();
  #cursor: number;
  #leader: LeaderBelief | undefined;
  #probe: StatusProbe | undefined;
  #discovery: Promise<void> | undefined;
  #lastDiscoveryMs = -Infinity;

  constructor(options: ResolvedClientOptions, timekeeper: Timekeeper, rng: Rng) {
    this.#options = options;
    this.#timekeeper = timekeeper;
    this.#rng = rng;
    for (const url of options.endpoints) this.#add(url);
    // Start round-robin at a random member so many clients spread their first calls.
    this.#cursor = rng.int(this.#all.length);
  }

  /** Installed after construction (the probe needs the caller, which needs this set). */
  setProbe(probe: StatusProbe): void {
    this.#probe = probe;
  }

  get endpoints(): readonly Endpoint[] {
    return this.#all;
  }

  /** The endpoint believed to be the leader's, if any. */
  get leaderUrl(): string | undefined {
    return this.#leader?.endpoint.url;
  }

  /**
   * Choose an endpoint for the next attempt and take its breaker permit.
   * `avoid` (the endpoint the previous attempt failed on) is tried last.
   */
  async pick(route: Route, avoid: Endpoint | undefined, signal: AbortSignal): Promise<Pick> {
    if (route === 'leader') await this.#freshenLeader();
    for (;;) {
      const nowMs = this.#timekeeper.now();
      for (const endpoint of this.#candidates(route, avoid)) {
        const permit = endpoint.breaker.tryAcquire(nowMs);
        if (permit > 0) return { endpoint, permit };
      }
      // Every circuit refused: wait for the earliest one to go half-open.
      let waitMs = Infinity;
      for (const e of this.#all) waitMs = Math.min(waitMs, e.breaker.retryAfterMs(nowMs));
      await this.#timekeeper.sleep(Math.max(ALL_OPEN_WAIT_MIN_MS, waitMs), signal);
    }
  }

  /** A retryable failure on `endpoint`: if we believed it led, stop believing it. */
  suspect(endpoint: Endpoint): void {
    if (this.#leader?.endpoint === endpoint) this.#leader = undefined;
  }

  /** Learn from a `/v1/cluster` answer (discovery, or the user's `cluster.status()`). */
  observe(status: ClusterStatus): void {
    if (status.leader === null) return;
    const member = status.members.find((m) => m.id === status.leader);
    if (member?.httpUrl === undefined) return;
    let url: string;
    try {
      url = normalizeEndpoint(member.httpUrl);
    } catch {
      return; // a member advertising a URL we cannot use is not worth failing over
    }
    const endpoint = this.#byUrl.get(url) ?? this.#add(url);
    if (endpoint === undefined) return;
    this.#leader = { id: status.leader, endpoint, learnedAtMs: this.#timekeeper.now() };
  }

  /** Endpoints in the order to try them. */
  #candidates(route: Route, avoid: Endpoint | undefined): Endpoint[] {
    const n = this.#all.length;
    const start = this.#cursor;
    this.#cursor = (this.#cursor + 1) % n;
    const order: Endpoint[] = [];
    const leader = route === 'leader' ? this.#leader?.endpoint : undefined;
    if (leader !== undefined && leader !== avoid) order.push(leader);
    for (let i = 0; i < n; i++) {
      const e = this.#all[(start + i) % n];
      if (e !== leader && e !== avoid) order.push(e);
    }
    if (avoid !== undefined) order.push(avoid);
    return order;
  }

  /** Make sure a leader belief exists (waiting for discovery) or refresh a stale one (in the background). */
  async #freshenLeader(): Promise<void> {
    const nowMs = this.#timekeeper.now();
    const leader = this.#leader;
    if (leader !== undefined && nowMs - leader.learnedAtMs < this.#options.leaderRefreshMs) return;
    const round = this.#discover(nowMs);
    if (leader === undefined && round !== undefined) await round;
  }

  #discover(nowMs: number): Promise<void> | undefined {
    if (this.#discovery !== undefined) return this.#discovery;
    if (this.#probe === undefined || nowMs - this.#lastDiscoveryMs < DISCOVERY_MIN_INTERVAL_MS) return undefined;
    this.#lastDiscoveryMs = nowMs;
    const round = this.#runDiscovery(this.#probe).finally(() => {
      this.#discovery = undefined;
    });
    this.#discovery = round;
    return round;
  }

  /** Ask everyone; the first answer naming a leader wins; give up after DISCOVERY_TIMEOUT_MS. */
  #runDiscovery(probe: StatusProbe): Promise<void> {
    const controller = new AbortController();
    const endpoints = [...this.#all];
    return new Promise<void>((resolve) => {
      let pending = endpoints.length;
      const done = (): void => {
        if (controller.signal.aborted) return;
        controller.abort();
        resolve();
      };
      this.#timekeeper.sleep(DISCOVERY_TIMEOUT_MS, controller.signal).then(done, () => {});
      for (const endpoint of endpoints) {
        probe(endpoint, controller.signal).then(
          (status) => {
            if (controller.signal.aborted) return;
            this.observe(status);
            if (this.#leader !== undefined || --pending === 0) done();
          },
          () => {
            if (--pending === 0) done();
          },
        );
      }
    });
  }

  #add(url: string): Endpoint | undefined {
    if (this.#all.length >= MAX_ENDPOINTS) return undefined;
    const endpoint = new Endpoint(url, this.#options, this.#rng.fork());
    this.#all.push(endpoint);
    this.#byUrl.set(url, endpoint);
    return endpoint;
  }
}
