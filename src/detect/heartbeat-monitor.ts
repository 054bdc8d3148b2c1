/**
 * Watches many peers, one failure detector each (φ accrual by default), and
 * reports status transitions as events:
 *
 *   up ──(detector unavailable: φ ≥ threshold)──▶ suspect
 *   suspect ──(downAfterMs since the crossing, or suspicion ≥ downThreshold)──▶ down
 *   suspect | down ──(a heartbeat)──▶ up
 *
 * Two stages because they cost different things: `suspect` is cheap to act on
 * and to undo (stop routing to the peer, try another replica); `down` is a
 * decision (remove it from a membership, fail its leases over) that should
 * wait until a late heartbeat has become very unlikely.
 *
 * Sans-I/O: `heartbeat(peer, now)` records arrivals; `evaluate(now)` applies
 * the time-driven transitions (up → suspect → down) and fires the events; the
 * caller ticks it, ideally at `nextEvaluationAtMs()` rather than on a fixed
 * period. Recovery (→ up) fires from `heartbeat` itself.
 */
import { EventEmitter } from '../core/resilience/index.js';
import type { Event } from '../core/resilience/index.js';
import type { FailureDetector } from './failure-detector.js';
import { PhiAccrualDetector } from './phi-accrual.js';
import type { PhiAccrualOptions } from './phi-accrual.js';
import { finiteTime, invalid } from './validate.js';

export type PeerStatus = 'up' | 'suspect' | 'down';

export interface PeerTransition {
  readonly peer: string;
  readonly from: PeerStatus;
  readonly to: PeerStatus;
  /** The `now` of the call that observed it. */
  readonly atMs: number;
  /** The detector's suspicion (φ) at `atMs`. */
  readonly suspicion: number;
}

export interface PeerSnapshot {
  readonly peer: string;
  readonly status: PeerStatus;
  readonly suspicion: number;
  /** When the peer entered its status (for suspect: when suspicion crossed the threshold). */
  readonly sinceMs: number;
}

export interface HeartbeatMonitorOptions {
  /** Build the detector for a new peer. @defaultValue a PhiAccrualDetector with `phi` options */
  readonly createDetector?: (peer: string) => FailureDetector;
  /** Options for the default φ accrual detectors (ignored with `createDetector`). */
  readonly phi?: PhiAccrualOptions;
  /** Time a peer stays suspect before it is declared down, ms (Infinity: never by time). @defaultValue 10_000 */
  readonly downAfterMs?: number;
  /** Also declare down as soon as suspicion reaches this level (φ; must be ≥ the detector threshold). @defaultValue none */
  readonly downThreshold?: number;
  /** Peers watched at most (bounded state). @defaultValue 10_000 */
  readonly maxPeers?: number;
}

interface PeerState {
  readonly detector: FailureDetector;
  status: PeerStatus;
  sinceMs: number;
}

const API = 'HeartbeatMonitor';

export class HeartbeatMonitor {
  readonly downAfterMs: number;
  readonly downThreshold: number | undefined;
  readonly maxPeers: number;
  readonly #createDetector: (peer: string) => FailureDetector;
  readonly #peers = new Map<string, PeerState>();
  readonly #transitions = new EventEmitter<PeerTransition>();

  /** Every status change of every peer. */
  readonly onTransition: Event<PeerTransition> = this.#transitions.event;

  constructor(options: HeartbeatMonitorOptions = {}) {
    const downAfterMs = options.downAfterMs ?? 10_000;
    if (!(downAfterMs >= 0)) throw invalid(API, `downAfterMs must be ≥ 0 (or Infinity), got ${downAfterMs}`);
    this.downAfterMs = downAfterMs;
    if (options.downThreshold !== undefined && !(options.downThreshold > 0)) {
      throw invalid(API, `downThreshold must be > 0, got ${options.downThreshold}`);
    }
    this.downThreshold = options.downThreshold;
    const maxPeers = options.maxPeers ?? 10_000;
    if (!(Number.isSafeInteger(maxPeers) && maxPeers >= 1)) throw invalid(API, `maxPeers must be an integer ≥ 1, got ${maxPeers}`);
    this.maxPeers = maxPeers;
    if (options.createDetector !== undefined) {
      if (typeof options.createDetector !== 'function') throw invalid(API, 'createDetector must be a function');
      this.#createDetector = options.createDetector;
    } else {
      const phi = options.phi ?? {};
      new PhiAccrualDetector(phi); // validate the options once, here, with their own messages
      this.#createDetector = () => new PhiAccrualDetector(phi);
    }
  }

  /**
   * Start watching `peer` as if it had just sent a heartbeat (Akka starts a
   * peer's detector the same way when its first heartbeat is overdue), so a
   * peer that never speaks is suspected on schedule. No-op if watched.
   */
  watch(peer: string, nowMs: number): void {
    finiteTime(API, nowMs);
    if (this.#peers.has(peer)) return;
    this.#add(peer, nowMs);
  }

  /** Stop watching `peer` (no event). Returns whether it was watched. */
  unwatch(peer: string): boolean {
    return this.#peers.delete(peer);
  }

  /** A heartbeat from `peer` arrived at `nowMs`. Unknown peers are watched from now. A suspect or down peer is up again. */
  heartbeat(peer: string, nowMs: number): void {
    finiteTime(API, nowMs);
    const state = this.#peers.get(peer);
    if (!state) {
      this.#add(peer, nowMs);
      return;
    }
    state.detector.heartbeat(nowMs);
    if (state.status !== 'up') this.#move(peer, state, 'up', nowMs, nowMs);
  }

  /** Apply time-driven transitions at `nowMs`; returns how many fired. */
  evaluate(nowMs: number): number {
    finiteTime(API, nowMs);
    let fired = 0;
    for (const [peer, state] of this.#peers) {
      const detector = state.detector;
      if (state.status === 'up' && !detector.isAvailable(nowMs)) {
        // Since = the crossing itself, so `down` timing does not depend on how often we are ticked.
        const crossedAtMs = detector.suspicionReachedAtMs(detector.threshold) ?? nowMs;
        this.#move(peer, state, 'suspect', nowMs, Math.min(crossedAtMs, nowMs));
        fired++;
      }
      if (state.status === 'suspect' && this.#isDown(state, nowMs)) {
        this.#move(peer, state, 'down', nowMs, nowMs);
        fired++;
      }
    }
    return fired;
  }

  /**
   * The earliest time at which `evaluate` could change a status if no
   * heartbeat arrives (undefined when nothing can change): set one timer for
   * it instead of polling.
   */
  nextEvaluationAtMs(): number | undefined {
    let next = Infinity;
    for (const state of this.#peers.values()) {
      const detector = state.detector;
      if (state.status === 'up') {
        next = Math.min(next, detector.suspicionReachedAtMs(detector.threshold) ?? Infinity);
      } else if (state.status === 'suspect') {
        next = Math.min(next, state.sinceMs + this.downAfterMs);
        if (this.downThreshold !== undefined) next = Math.min(next, detector.suspicionReachedAtMs(this.downThreshold) ?? Infinity);
      }
    }
    return next === Infinity ? undefined : next;
  }

  status(peer: string): PeerStatus | undefined {
    return this.#peers.get(peer)?.status;
  }

  /** The peer's suspicion level (φ) at `nowMs`; undefined when not watched. */
  suspicion(peer: string, nowMs: number): number | undefined {
    return this.#peers.get(peer)?.detector.suspicion(nowMs);
  }

  /** The detector watching `peer` (to read its statistics). */
  detector(peer: string): FailureDetector | undefined {
    return this.#peers.get(peer)?.detector;
  }

  peers(): string[] {
    return [...this.#peers.keys()];
  }

  get size(): number {
    return this.#peers.size;
  }

  snapshot(nowMs: number): PeerSnapshot[] {
    return [...this.#peers].map(([peer, s]) => ({ peer, status: s.status, suspicion: s.detector.suspicion(nowMs), sinceMs: s.sinceMs }));
  }

  #add(peer: string, nowMs: number): void {
    if (typeof peer !== 'string' || peer.length === 0) throw invalid(API, 'peer must be a non-empty string');
    if (this.#peers.size >= this.maxPeers) throw invalid(API, `already watching maxPeers (${this.maxPeers}) peers; unwatch one first`);
    const detector = this.#createDetector(peer);
    detector.heartbeat(nowMs);
    this.#peers.set(peer, { detector, status: 'up', sinceMs: nowMs });
  }

  #isDown(state: PeerState, nowMs: number): boolean {
    // Same expression as nextEvaluationAtMs, so a timer set for it always finds the transition due.
    if (nowMs >= state.sinceMs + this.downAfterMs) return true;
    return this.downThreshold !== undefined && state.detector.suspicion(nowMs) >= this.downThreshold;
  }

  #move(peer: string, state: PeerState, to: PeerStatus, nowMs: number, sinceMs: number): void {
    const from = state.status;
    state.status = to;
    state.sinceMs = sinceMs;
    if (this.#transitions.size > 0) this.#transitions.fire({ peer, from, to, atMs: nowMs, suspicion: state.detector.suspicion(nowMs) });
  }
}
