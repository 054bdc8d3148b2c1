/**
 * Clock-sync monitoring: how far is this node's clock from its peers', which
 * peers are lying, and is it still safe to serve? (CockroachDB's
 * RemoteClockMonitor, with NTP's arithmetic and selection.)
 *
 * The node exchanges NTP-style timestamps with its peers (`request` →
 * peer's `respond` → `receive`). The client side uses its **monotonic**
 * clock (t0, t3), so a step of its own wall clock mid-exchange cannot
 * corrupt a sample; the peer answers with its **wall** clock (t1 = t2). One
 * exchange bounds `z = peer wall − local monotonic` at t3:
 *
 *   z ∈ θ ± (δ/2 + rtt·2ρ),   ρ = d/(1 − d), d = driftPpm·10⁻⁶
 *
 * and `z` then drifts by at most 2ρ per local ms (both oscillators may be off
 * by d). Two things follow:
 *
 * - **Relative offsets** (what `clock-unsafe` judges): peer wall − local wall
 *   now = z − (local wall − local mono now). A step of the local wall clock
 *   shows at once. A peer is *far* when the whole interval lies beyond the
 *   tolerance (`unsafeFraction × maxOffsetMs`): certainly, not probably. The
 *   node is unsafe when it is far from a strict majority of the peers it has
 *   fresh samples of (CockroachDB: more than 80 % of max-offset away from at
 *   least half of the nodes; it then shuts down).
 * - **True time** (the estimate): each peer also declares `errorMs`, how far
 *   its own wall clock may be from true time. Then `true − local mono` lies in
 *   θ ± (δ/2 + errorMs + rtt·ρ), widening by ρ per ms since. The intersection
 *   (`intersect`: every point a majority agrees on) of these intervals
 *   contains true time whenever fewer than half the peers lie; its midpoint
 *   and half-width are the estimate and the error bound, and the peers that
 *   miss it are named falsetickers. `latestSync()` hands it to an
 *   `IntervalClock` over the monotonic clock.
 */
import { EventEmitter } from '../resilience/event.js';
import type { Event } from '../resilience/event.js';
import type { ClockSyncSample, ClockSyncSource } from './interval.js';
import { intersect, type IntersectionResult, type IntervalSource } from './intersection.js';
import { ntpSample } from './ntp.js';
import type { MonotonicClock, WallClock } from './physical.js';

export interface ClockSyncRequest {
  readonly type: 'clock-sync-request';
  /** Matches the response to the request (one outstanding per peer). */
  readonly id: number;
}

export interface ClockSyncResponse {
  readonly type: 'clock-sync-response';
  readonly id: number;
  /** t1: the peer's wall clock when the request arrived, ms. */
  readonly receivedAtMs: number;
  /** t2: the peer's wall clock when it replied, ms. */
  readonly sentAtMs: number;
  /** How far the peer's wall clock may be from true time, by its own account, ms. */
  readonly errorMs: number;
}

export type ClockSyncMessage = ClockSyncRequest | ClockSyncResponse;

/** The largest error a peer may declare; beyond it the response is garbage. */
export const CLOCK_SYNC_PEER_ERROR_MS_MAX = 3_600_000;

export type ClockStatus = 'unknown' | 'safe' | 'unsafe';

export interface ClockSyncMonitorOptions {
  /** This node's clocks (an `Env` is both). */
  readonly clocks: MonotonicClock & WallClock;
  /** The largest clock offset the system tolerates (HLC, leases); CockroachDB uses 500 ms. */
  readonly maxOffsetMs: number;
  /** Unsafe beyond this fraction of `maxOffsetMs` from a majority. @defaultValue 0.8 (CockroachDB) */
  readonly unsafeFraction?: number;
  /** Bound on any oscillator's rate error (local and peers'), ppm. @defaultValue 200 (as IntervalClock) */
  readonly driftPpm?: number;
  /** The error this node declares for its own wall clock in responses, ms. @defaultValue 0 */
  readonly selfErrorMs?: number;
  /** Samples older than this are ignored, ms. @defaultValue 10_000 */
  readonly maxSampleAgeMs?: number;
  /** Recent samples kept per peer; the tightest is used (NTP's clock filter). @defaultValue 4 */
  readonly samplesPerPeer?: number;
  /** Peers tracked at most. @defaultValue 1024 */
  readonly maxPeers?: number;
  /** Fresh samples needed before the status is anything but `unknown`. @defaultValue 1 */
  readonly minPeers?: number;
  /** A request unanswered for this long is forgotten, ms. @defaultValue 5_000 */
  readonly requestTimeoutMs?: number;
}

/** One peer's clock as this node sees it now. */
export interface PeerClockOffset {
  readonly peer: string;
  /** Peer wall clock minus local wall clock, ms (midpoint). */
  readonly offsetMs: number;
  /** Half-width of the interval around `offsetMs`, ms. */
  readonly uncertaintyMs: number;
  /** Round-trip delay of the sample used, ms. */
  readonly delayMs: number;
  /** Local monotonic ms since that sample. */
  readonly ageMs: number;
  /** Certainly further than the tolerance: |offset| − uncertainty > tolerance. */
  readonly far: boolean;
}

export interface ClockHealth {
  readonly status: ClockStatus;
  /** `unsafeFraction × maxOffsetMs`. */
  readonly toleranceMs: number;
  /** Peers with a fresh sample. */
  readonly peers: number;
  readonly farPeers: readonly string[];
  /** Local monotonic ms of this evaluation. */
  readonly atMs: number;
}

export interface ClockEstimate {
  /** Local wall clock minus true time, ms (what `sim.clock(node).offsetMs` is in the simulator). */
  readonly offsetMs: number;
  /** |true offset − offsetMs| ≤ errorMs whenever fewer than half the peers lie. */
  readonly errorMs: number;
  /** Peers whose intervals miss the agreement. */
  readonly falsetickers: readonly string[];
  readonly truechimers: readonly string[];
  readonly peers: number;
  /** Local monotonic ms of the estimate. */
  readonly atMs: number;
}

export interface ClockStatusEvent {
  readonly type: 'clock-unsafe' | 'clock-safe' | 'clock-unknown';
  readonly previous: ClockStatus;
  readonly health: ClockHealth;
}

export interface ClockSyncStats {
  requests: number;
  responses: number;
  /** Responses with no matching request, late, or malformed. */
  rejected: number;
}

interface Sample {
  readonly t0: number;
  readonly t3: number;
  /** θ: peer wall − local mono at t3. */
  readonly thetaMs: number;
  readonly delayMs: number;
  readonly rttMs: number;
  readonly peerErrorMs: number;
}

interface PeerState {
  samples: Sample[];
  pending: { id: number; t0: number } | undefined;
}

const API = 'ClockSyncMonitor';

function option(name: string, value: number | undefined, fallback: number, ok: (v: number) => boolean, rule: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !ok(v)) throw new RangeError(`${API}: ${name} must be ${rule}, got ${String(value)}`);
  return v;
}

const finitePositive = (v: number): boolean => v > 0 && Number.isFinite(v);
const finiteNonNegative = (v: number): boolean => v >= 0 && Number.isFinite(v);
const positiveInteger = (v: number): boolean => Number.isSafeInteger(v) && v >= 1;

export class ClockSyncMonitor implements ClockSyncSource {
  readonly maxOffsetMs: number;
  readonly toleranceMs: number;
  readonly driftPpm: number;
  readonly selfErrorMs: number;
  readonly maxSampleAgeMs: number;
  readonly samplesPerPeer: number;
  readonly maxPeers: number;
  readonly minPeers: number;
  readonly requestTimeoutMs: number;
  /** Status transitions (`clock-unsafe`: take this node out of service). */
  readonly onStatusChange: Event<ClockStatusEvent>;
  readonly #clocks: MonotonicClock & WallClock;
  /** ρ = d / (1 − d): error growth per local ms from one oscillator. */
  readonly #rho: number;
  readonly #peers = new Map<string, PeerState>();
  readonly #events = new EventEmitter<ClockStatusEvent>();
  readonly #stats: ClockSyncStats = { requests: 0, responses: 0, rejected: 0 };
  #status: ClockStatus = 'unknown';
  #nextId = 1;
  #latest: ClockSyncSample | undefined;

  constructor(options: ClockSyncMonitorOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError(`${API}: options { clocks, maxOffsetMs } are required`);
    const { clocks } = options;
    if (clocks === null || typeof clocks !== 'object' || typeof clocks.monoNowMs !== 'function' || typeof clocks.wallNowMs !== 'function') {
      throw new TypeError(`${API}: clocks must have monoNowMs() and wallNowMs()`);
    }
    this.#clocks = clocks;
    this.maxOffsetMs = option('maxOffsetMs', options.maxOffsetMs, NaN, finitePositive, 'a finite number of ms > 0');
    const fraction = option('unsafeFraction', options.unsafeFraction, 0.8, (v) => v > 0 && v <= 1, 'in (0, 1]');
    this.toleranceMs = fraction * this.maxOffsetMs;
    this.driftPpm = option('driftPpm', options.driftPpm, 200, (v) => v >= 0 && v <= 100_000, 'in [0, 100000]');
    this.selfErrorMs = option('selfErrorMs', options.selfErrorMs, 0, (v) => v >= 0 && v <= CLOCK_SYNC_PEER_ERROR_MS_MAX, `in [0, ${CLOCK_SYNC_PEER_ERROR_MS_MAX}]`);
    this.maxSampleAgeMs = option('maxSampleAgeMs', options.maxSampleAgeMs, 10_000, finitePositive, 'a finite number of ms > 0');
    this.samplesPerPeer = option('samplesPerPeer', options.samplesPerPeer, 4, (v) => positiveInteger(v) && v <= 64, 'an integer in [1, 64]');
    this.maxPeers = option('maxPeers', options.maxPeers, 1024, positiveInteger, 'an integer ≥ 1');
    this.minPeers = option('minPeers', options.minPeers, 1, positiveInteger, 'an integer ≥ 1');
    this.requestTimeoutMs = option('requestTimeoutMs', options.requestTimeoutMs, 5_000, finitePositive, 'a finite number of ms > 0');
    const d = this.driftPpm / 1e6;
    this.#rho = d / (1 - d);
    this.onStatusChange = this.#events.event;
  }

  get status(): ClockStatus {
    return this.#status;
  }

  get stats(): Readonly<ClockSyncStats> {
    return this.#stats;
  }

  /** A request to send to `peer` (replaces any unanswered one). */
  request(peer: string): ClockSyncRequest {
    const state = this.#peer(peer);
    const id = this.#nextId;
    this.#nextId = this.#nextId >= Number.MAX_SAFE_INTEGER ? 1 : this.#nextId + 1;
    state.pending = { id, t0: this.#mono() };
    this.#stats.requests++;
    return { type: 'clock-sync-request', id };
  }

  /** Answer a peer's request with this node's wall clock. */
  respond(request: ClockSyncRequest): ClockSyncResponse {
    const wall = this.#clocks.wallNowMs();
    if (!Number.isFinite(wall)) throw new RangeError(`${API}: wallNowMs() must return a finite number, got ${wall}`);
    return { type: 'clock-sync-response', id: request.id, receivedAtMs: wall, sentAtMs: wall, errorMs: this.selfErrorMs };
  }

  /**
   * A response from `peer`. Returns false (and counts it) when it matches no
   * outstanding request, is malformed, or came too late; otherwise stores
   * the sample and re-evaluates the status (which may fire an event).
   */
  receive(peer: string, response: unknown): boolean {
    const t3 = this.#mono();
    const r = parseClockSyncMessage(response);
    const state = this.#peers.get(peer);
    const pending = state?.pending;
    if (r === undefined || r.type !== 'clock-sync-response' || state === undefined || pending === undefined || pending.id !== r.id || t3 - pending.t0 > this.requestTimeoutMs) {
      this.#stats.rejected++;
      return false;
    }
    state.pending = undefined;
    const t0 = pending.t0;
    const rttMs = t3 - t0;
    // rtt < 0 (a monotonic clock that ran backwards) would make ntpSample throw; the parser already refused t2 < t1.
    const ntp = rttMs >= 0 ? ntpSample({ t0, t1: r.receivedAtMs, t2: r.sentAtMs, t3 }) : undefined;
    if (ntp === undefined || !(ntp.delayMs >= 0)) {
      this.#stats.rejected++;
      return false;
    }
    const sample: Sample = { t0, t3, thetaMs: ntp.offsetMs, delayMs: ntp.delayMs, rttMs, peerErrorMs: r.errorMs };
    state.samples.push(sample);
    if (state.samples.length > this.samplesPerPeer) state.samples.shift();
    this.#stats.responses++;
    const agreed = this.#agreement(t3);
    if (agreed !== undefined) this.#latest = { atMs: t3, offsetMs: agreed.midpoint, errorMs: agreed.halfWidth };
    this.check();
    return true;
  }

  /** Drop everything known about `peer` (it left the cluster). */
  forget(peer: string): void {
    this.#peers.delete(peer);
  }

  /** Every peer with a fresh sample, sorted by name. */
  peerOffsets(): PeerClockOffset[] {
    const now = this.#mono();
    const localWallMinusMono = this.#clocks.wallNowMs() - now;
    const out: PeerClockOffset[] = [];
    for (const [peer, state] of this.#peers) {
      const s = this.#best(state, now);
      if (s === undefined) continue;
      const ageMs = now - s.t3;
      const offsetMs = s.thetaMs - localWallMinusMono;
      const uncertaintyMs = this.#relativeHalfWidth(s, ageMs);
      out.push({ peer, offsetMs, uncertaintyMs, delayMs: s.delayMs, ageMs, far: Math.abs(offsetMs) - uncertaintyMs > this.toleranceMs });
    }
    return out.sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
  }

  /** Evaluate the status now; fires `onStatusChange` when it changed. Call it periodically (and it runs on every sample). */
  check(): ClockHealth {
    const offsets = this.peerOffsets();
    const farPeers = offsets.filter((o) => o.far).map((o) => o.peer);
    const status: ClockStatus = offsets.length < this.minPeers ? 'unknown' : 2 * farPeers.length > offsets.length ? 'unsafe' : 'safe';
    const health: ClockHealth = { status, toleranceMs: this.toleranceMs, peers: offsets.length, farPeers, atMs: this.#mono() };
    if (status !== this.#status) {
      const previous = this.#status;
      this.#status = status;
      this.#events.fire({ type: status === 'unsafe' ? 'clock-unsafe' : status === 'safe' ? 'clock-safe' : 'clock-unknown', previous, health });
    }
    return health;
  }

  /**
   * The local wall clock's offset from true time, with its error bound, from
   * the intervals of the peers with fresh samples (majority agreement);
   * undefined without samples or without a majority agreeing on any point.
   */
  estimate(): ClockEstimate | undefined {
    const now = this.#mono();
    const agreed = this.#agreement(now);
    if (agreed === undefined) return undefined;
    // local wall − true = (local wall − local mono) − (true − local mono)
    const localWallMinusMono = this.#clocks.wallNowMs() - now;
    return {
      offsetMs: localWallMinusMono - agreed.midpoint,
      errorMs: agreed.halfWidth,
      falsetickers: agreed.falsetickers,
      truechimers: agreed.truechimers,
      peers: agreed.truechimers.length + agreed.falsetickers.length,
      atMs: now,
    };
  }

  /**
   * `ClockSyncSource` for an `IntervalClock` whose `now` is this node's
   * monotonic clock (give it the same or a larger `driftPpm`): true time
   * minus the monotonic reading, as of the last sample that produced an estimate.
   */
  latestSync(): ClockSyncSample | undefined {
    return this.#latest;
  }

  /** Majority agreement on `true − local mono` at local time `now`, from each peer's tightest fresh sample. */
  #agreement(now: number): IntersectionResult | undefined {
    const sources: IntervalSource[] = [];
    for (const [peer, state] of this.#peers) {
      const s = this.#best(state, now);
      if (s === undefined) continue;
      const half = s.delayMs / 2 + s.peerErrorMs + (s.rttMs + (now - s.t3)) * this.#rho;
      sources.push({ id: peer, low: s.thetaMs - half, high: s.thetaMs + half });
    }
    return intersect(sources);
  }

  /** The tightest fresh sample of a peer now (ignores expired ones). */
  #best(state: PeerState, now: number): Sample | undefined {
    let best: Sample | undefined;
    let bestWidth = Infinity;
    for (const s of state.samples) {
      const age = now - s.t3;
      if (age > this.maxSampleAgeMs || age < 0) continue;
      const width = this.#relativeHalfWidth(s, age);
      if (width < bestWidth) {
        best = s;
        bestWidth = width;
      }
    }
    return best;
  }

  /** Half-width of a sample's interval for `peer wall − local wall`, `ageMs` after it: δ/2 + (rtt + age)·2ρ. */
  #relativeHalfWidth(s: Sample, ageMs: number): number {
    return s.delayMs / 2 + (s.rttMs + ageMs) * 2 * this.#rho;
  }

  #peer(peer: string): PeerState {
    if (typeof peer !== 'string' || peer.length === 0 || peer.length > 256) throw new TypeError(`${API}: peer must be a non-empty string of at most 256 characters`);
    let state = this.#peers.get(peer);
    if (state === undefined) {
      if (this.#peers.size >= this.maxPeers) throw new RangeError(`${API}: at most ${this.maxPeers} peers (maxPeers); forget() one first`);
      state = { samples: [], pending: undefined };
      this.#peers.set(peer, state);
    }
    return state;
  }

  #mono(): number {
    const t = this.#clocks.monoNowMs();
    if (!Number.isFinite(t)) throw new RangeError(`${API}: monoNowMs() must return a finite number, got ${t}`);
    return t;
  }
}

/** A validated clock-sync message, or undefined for anything else (drop and count it). */
export function parseClockSyncMessage(message: unknown): ClockSyncMessage | undefined {
  if (message === null || typeof message !== 'object') return undefined;
  const m = message as Record<string, unknown>;
  if (!Number.isSafeInteger(m.id) || (m.id as number) < 1) return undefined;
  if (m.type === 'clock-sync-request') return { type: 'clock-sync-request', id: m.id as number };
  if (m.type !== 'clock-sync-response') return undefined;
  const { receivedAtMs, sentAtMs, errorMs } = m;
  if (typeof receivedAtMs !== 'number' || !Number.isFinite(receivedAtMs)) return undefined;
  if (typeof sentAtMs !== 'number' || !Number.isFinite(sentAtMs) || sentAtMs < receivedAtMs) return undefined;
  if (typeof errorMs !== 'number' || !finiteNonNegative(errorMs) || errorMs > CLOCK_SYNC_PEER_ERROR_MS_MAX) return undefined;
  return { type: 'clock-sync-response', id: m.id as number, receivedAtMs, sentAtMs, errorMs };
}
