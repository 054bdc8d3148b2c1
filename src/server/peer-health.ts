/**
 * Health of every peer, from a φ-accrual `HeartbeatMonitor` fed by peer
 * traffic. Raft traffic alone does not connect every pair (followers do not
 * talk to each other), so each node also sends a tiny heartbeat to every peer
 * every `intervalMs` over the same authenticated transport. The receiving
 * node's env wrapper (`observedEnv`) takes those out before the replica sees
 * them and counts any other message from a peer as a heartbeat too.
 */
import type { Env, NodeId } from '../env/index.js';
import { HeartbeatMonitor } from '../detect/index.js';
import type { PeerStatus } from '../detect/index.js';

/** The wire shape of the server's own heartbeat (never reaches the replica). */
interface PeerHeartbeat {
  readonly faultlineHeartbeat: 1;
}

function isPeerHeartbeat(m: unknown): m is PeerHeartbeat {
  return typeof m === 'object' && m !== null && (m as { faultlineHeartbeat?: unknown }).faultlineHeartbeat === 1;
}

export interface PeerHealthOptions {
  readonly env: Env;
  readonly peers: readonly NodeId[];
  /** @defaultValue 250 */
  readonly intervalMs?: number;
}

export interface PeerHealthView {
  readonly id: NodeId;
  readonly status: PeerStatus;
  readonly phi: number;
}

export class PeerHealth {
  readonly #env: Env;
  readonly #peers: readonly NodeId[];
  readonly #intervalMs: number;
  readonly #monitor: HeartbeatMonitor;
  /** Last time a heartbeat was recorded per peer: bursts of Raft messages count once per interval/4. */
  readonly #lastRecordedMs = new Map<NodeId, number>();
  #timer: number | undefined;
  #stopped = false;

  constructor(options: PeerHealthOptions) {
    this.#env = options.env;
    this.#peers = options.peers.filter((p) => p !== options.env.nodeId);
    this.#intervalMs = options.intervalMs ?? 250;
    this.#monitor = new HeartbeatMonitor({
      phi: {
        firstHeartbeatEstimateMs: this.#intervalMs,
        minStdDeviationMs: Math.max(50, this.#intervalMs / 2),
        acceptableHeartbeatPauseMs: this.#intervalMs * 2,
      },
      downAfterMs: 5_000,
    });
    const now = this.#env.monoNowMs();
    for (const p of this.#peers) this.#monitor.watch(p, now);
  }

  start(): void {
    const beat = (): void => {
      if (this.#stopped) return;
      for (const p of this.#peers) this.#env.send(p, { faultlineHeartbeat: 1 } satisfies PeerHeartbeat);
      this.#monitor.evaluate(this.#env.monoNowMs());
      this.#timer = this.#env.setTimer(this.#intervalMs, beat);
    };
    beat();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#env.clearTimer(this.#timer);
  }

  /** Called for every message from a peer; returns true when it was a server heartbeat (not for the replica). */
  observe(from: NodeId, message: unknown): boolean {
    const nowMs = this.#env.monoNowMs();
    const last = this.#lastRecordedMs.get(from);
    if (this.#peers.includes(from) && (last === undefined || nowMs - last >= this.#intervalMs / 4)) {
      this.#lastRecordedMs.set(from, nowMs);
      this.#monitor.heartbeat(from, nowMs);
    }
    return isPeerHeartbeat(message);
  }

  view(): PeerHealthView[] {
    const nowMs = this.#env.monoNowMs();
    this.#monitor.evaluate(nowMs);
    return this.#peers.map((id) => ({
      id,
      status: this.#monitor.status(id) ?? 'down',
      phi: round(this.#monitor.suspicion(id, nowMs) ?? Infinity),
    }));
  }
}

/** φ for JSON and Prometheus: 3 decimals, capped (φ = 1000 already means "no doubt": the tail probability is 10^-1000). */
export const PHI_REPORTED_MAX = 1000;

function round(x: number): number {
  return Number.isFinite(x) ? Math.min(PHI_REPORTED_MAX, Math.round(x * 1000) / 1000) : PHI_REPORTED_MAX;
}

/**
 * The Env the replica gets: the node's Env with incoming messages shown to
 * `PeerHealth` first (its own heartbeats are taken out here).
 */
export function observedEnv(env: Env, health: PeerHealth): Env {
  return {
    nodeId: env.nodeId,
    rng: env.rng,
    disk: env.disk,
    wallNowMs: () => env.wallNowMs(),
    monoNowMs: () => env.monoNowMs(),
    setTimer: (delayMs, callback) => env.setTimer(delayMs, callback),
    clearTimer: (id) => env.clearTimer(id),
    send: (to, message) => env.send(to, message),
    log: (event, fields) => env.log(event, fields),
    onMessage: (handler) =>
      env.onMessage((from, message) => {
        if (!health.observe(from, message)) handler(from, message);
      }),
  };
}
