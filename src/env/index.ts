/**
 * The one interface protocol code sees. Two implementations exist: the
 * simulator (`src/sim`: virtual time, one seed, every fault injectable) and
 * the Node runtime (`src/node`: real clocks, TCP, files + fsync). Protocol
 * state machines (Raft, detectors, services) are pure and do not even need
 * this: a small host adapter turns their effects into Env calls.
 *
 * Ordering and determinism rules every implementation keeps:
 * - callbacks (timers, messages, fsync completions) never run re-entrantly
 *   inside an Env call; they run later, one at a time, from the event loop;
 * - in the simulator the order of callbacks is a pure function of the seed.
 */
import type { Rng } from '../core/random/rng.js';

export type { Rng };

/** A node's name in a cluster or simulation. */
export type NodeId = string;

/** Opaque handle for a pending timer. */
export type TimerId = number;

export interface Clocks {
  /**
   * This node's wall clock in ms since the Unix epoch. May be offset, drift,
   * and step forwards or backwards. Use for display and for comparisons that
   * carry an explicit uncertainty bound, never for durations.
   */
  wallNowMs(): number;
  /**
   * This node's monotonic clock in ms from an arbitrary origin. Never
   * decreases (it may run fast or slow by the drift rate, and jumps forward
   * across a process pause). Use for durations, timeouts and lease expiry.
   */
  monoNowMs(): number;
}

export interface Timers {
  /** Run `callback` once after `delayMs` of this node's monotonic time. */
  setTimer(delayMs: number, callback: () => void): TimerId;
  /** Cancel a pending timer; a no-op for one that fired or was cancelled. */
  clearTimer(id: TimerId): void;
}

export interface Network {
  /**
   * Send `message` to `to`; fire and forget. It may be lost, delayed,
   * duplicated or reordered. Messages are treated as immutable after sending
   * (the simulator may deliver one object twice).
   */
  send(to: NodeId, message: unknown): void;
  /** Register the single handler for incoming messages (last call wins). */
  onMessage(handler: (from: NodeId, message: unknown) => void): void;
}

/**
 * Durable storage as named files. Writes are volatile until `fsync` of that
 * file completes: a crash loses every un-fsynced write and may tear the last
 * one. Reads see writes immediately (the page cache).
 */
export interface Disk {
  /** Whole content of `file`, or undefined when it does not exist. */
  read(file: string): Uint8Array | undefined;
  /** Append bytes to `file` (created when absent). */
  append(file: string, data: Uint8Array): void;
  /** Replace the whole content of `file` (volatile until fsync). */
  write(file: string, data: Uint8Array): void;
  /** Cut `file` to `sizeBytes`. */
  truncate(file: string, sizeBytes: number): void;
  /** Remove `file` (volatile until fsync of the directory: `fsync('')`). */
  remove(file: string): void;
  /** Names of existing files, sorted. */
  list(): string[];
  /**
   * Make every write to `file` so far durable, then call `done` (later, never
   * inline). `done(error)` reports a failed fsync: treat it as fatal, as
   * PostgreSQL learned. `fsync('')` makes creations and removals durable.
   */
  fsync(file: string, done: (error?: Error) => void): void;
}

export interface Env extends Clocks, Timers, Network {
  readonly nodeId: NodeId;
  /** Seeded randomness (the simulator's seed decides every draw). */
  readonly rng: Rng;
  readonly disk: Disk;
  /** Structured log line for the trace; cheap when nobody listens. */
  log(event: string, fields?: Record<string, unknown>): void;
}

/**
 * What a node is, for the runtime: a factory the runtime calls at start and
 * again after every crash-recovery (turmoil's `host(name, factory)`). Volatile
 * state lives in the closure and is lost on crash; only `env.disk` survives.
 */
export type NodeFactory = (env: Env) => NodeProcess;

export interface NodeProcess {
  /** Called when the process stops cleanly (not on a crash). */
  stop?(): void;
}
