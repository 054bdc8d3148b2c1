import type { NodeFactory, NodeId, NodeProcess } from '../env/index.js';
import type { Rng } from '../core/random/rng.js';
import type { NodeClock } from './clock.js';
import type { SimDisk } from './disk.js';
import type { SimEvent } from './event.js';

/**
 * Everything the simulator knows about one node (host or client). Volatile
 * process state (handler, timers, held events) is reset on a crash; the clock
 * and the disk belong to the machine and survive it.
 */
export class SimNode {
  readonly index: number;
  readonly name: NodeId;
  readonly factory: NodeFactory;
  /** The random nemesis may target this node (hosts: yes; clients: no). */
  readonly faulty: boolean;
  readonly clock: NodeClock;
  readonly disk: SimDisk;
  /** Per-machine stream; each process incarnation gets a fork. */
  readonly rng: Rng;

  up = false;
  paused = false;
  /**
   * Bumped on every crash and restart: events and Env handles carry the epoch
   * they were made in, and anything from an older epoch is ignored.
   */
  epoch = 0;
  /** Number of process starts so far (1 after the first boot). */
  starts = 0;
  /** A `bounce` scheduled a restart that has not happened yet. */
  restartPending = false;
  handler: ((from: NodeId, message: unknown) => void) | undefined = undefined;
  process: NodeProcess | undefined = undefined;
  /** Live timers by id (cancelled and fired ones are removed). */
  readonly timers = new Map<number, SimEvent>();
  /** Events that arrived while paused, in arrival order. */
  readonly held: SimEvent[] = [];

  constructor(index: number, name: NodeId, factory: NodeFactory, faulty: boolean, clock: NodeClock, disk: SimDisk, rng: Rng) {
    this.index = index;
    this.name = name;
    this.factory = factory;
    this.faulty = faulty;
    this.clock = clock;
    this.disk = disk;
    this.rng = rng;
  }
}
