import type { NodeFactory, NodeId } from '../env/index.js';
import { SeededRng, type Rng } from '../core/random/rng.js';
import { NodeClock } from './clock.js';
import { DiskError, SimDisk, type FsyncTicket } from './disk.js';
import { EventKind, type SimEvent } from './event.js';
import { EventHeap } from './heap.js';
import { LatencySampler, type NetworkOptions } from './network.js';
import { SimNode } from './node.js';
import { SimEnv } from './sim-env.js';
import { DropReason, Trace, type TraceSink } from './trace.js';
import { SimulationError, isSimulationError } from './errors.js';

/** Storage timing and crash behaviour for every node's disk. */
export interface DiskOptions {
  /** fsync latency is uniform in [min, max]. @defaultValue 0.1 */
  fsyncLatencyMsMin: number;
  /** @defaultValue 1 */
  fsyncLatencyMsMax: number;
  /** Probability an fsync reports an error (and makes nothing durable). @defaultValue 0 */
  fsyncErrorProbability: number;
  /** Probability a crash leaves a torn prefix of the oldest un-fsynced append. @defaultValue 0 */
  tornWriteProbability: number;
}

export const DEFAULT_DISK: Readonly<DiskOptions> = Object.freeze({
  fsyncLatencyMsMin: 0.1,
  fsyncLatencyMsMax: 1,
  fsyncErrorProbability: 0,
  tornWriteProbability: 0,
});

/** Counters over the whole run (cheap: plain fields). */
export interface SimStats {
  events: number;
  sent: number;
  delivered: number;
  duplicated: number;
  /** Messages that skipped per-link FIFO order (the reorder fault). */
  reordered: number;
  droppedLoss: number;
  droppedPartition: number;
  droppedDown: number;
  droppedNoHandler: number;
  timersFired: number;
  fsyncs: number;
  crashes: number;
  restarts: number;
  pauses: number;
  partitions: number;
  clockFaults: number;
  bitFlips: number;
  tornWrites: number;
}

const MS = 1000;
/** Machines booted this long ago at most: monotonic clocks start at an arbitrary uptime. */
const MAX_UPTIME_US = 30 * 24 * 3600 * MS * 1000;

export interface WorldOptions {
  seed: number;
  network: NetworkOptions;
  disk: DiskOptions;
  epochMs: number;
  trace: TraceSink | undefined;
  maxQueuedEvents: number;
}

/**
 * The simulator's engine: the event loop, nodes, links, and the mechanics
 * of every fault, addressed by node index. Internal; `Simulation` is the
 * validated public face and `SimEnv` the per-node view.
 *
 * Determinism: one root `SeededRng`, forked in a fixed order into streams
 * (network, disk, machines, faults, user) so draws in one area never shift
 * another. Nodes live in an array in insertion order; Maps are lookups only.
 */
export class World {
  readonly heap: EventHeap;
  readonly names: string[] = [];
  readonly trace: Trace;
  readonly nodes: SimNode[] = [];
  readonly byName = new Map<string, SimNode>();
  readonly epochUs: number;
  readonly stats: SimStats = {
    events: 0, sent: 0, delivered: 0, duplicated: 0, reordered: 0, droppedLoss: 0, droppedPartition: 0, droppedDown: 0,
    droppedNoHandler: 0, timersFired: 0, fsyncs: 0, crashes: 0, restarts: 0, pauses: 0, partitions: 0,
    clockFaults: 0, bitFlips: 0, tornWrites: 0,
  };
  nowUs = 0;

  readonly netRng: Rng;
  readonly diskRng: Rng;
  readonly machineRng: Rng;
  readonly faultRng: Rng;
  readonly userRng: Rng;

  #network!: NetworkOptions;
  #latency!: LatencySampler;
  #lossP = 0;
  #dupP = 0;
  #reorderP = 0;
  disk: DiskOptions;

  /** Link matrices, `cap × cap`, index `from * cap + to`. */
  #cap = 0;
  #blocked = new Uint8Array(0);
  #lastDeliverUs = new Float64Array(0);

  #nextMsgId = 0;
  #nextTimerId = 0;
  #stopRequested = false;
  /** Node whose callback is running (-1: a scripted action); for error reports. */
  #current = -1;
  #broken: SimulationError | undefined;

  constructor(options: WorldOptions) {
    this.heap = new EventHeap(options.maxQueuedEvents);
    const root = new SeededRng(options.seed);
    this.netRng = root.fork();
    this.diskRng = root.fork();
    this.machineRng = root.fork();
    this.faultRng = root.fork();
    this.userRng = root.fork();
    this.epochUs = options.epochMs * MS;
    this.disk = options.disk;
    this.trace = new Trace(options.trace, this.names);
    this.setNetwork(options.network);
  }

  get network(): Readonly<NetworkOptions> {
    return this.#network;
  }

  setNetwork(n: NetworkOptions): void {
    this.#network = Object.freeze({ ...n });
    this.#latency = new LatencySampler(n);
    this.#lossP = n.lossProbability;
    this.#dupP = n.duplicateProbability;
    this.#reorderP = n.reorderProbability;
  }

  // ---------------------------------------------------------------- nodes

  addNode(name: NodeId, factory: NodeFactory, faulty: boolean): SimNode {
    const index = this.nodes.length;
    const uptimeUs = this.machineRng.int(MAX_UPTIME_US);
    const clock = new NodeClock(this.nowUs, uptimeUs, this.epochUs + this.nowUs);
    const node = new SimNode(index, name, factory, faulty, clock, new SimDisk(), this.machineRng.fork());
    this.nodes.push(node);
    this.names.push(name);
    this.byName.set(name, node);
    if (this.nodes.length > this.#cap) this.#growLinks(Math.max(8, this.#cap * 2));
    this.#boot(node);
    return node;
  }

  #growLinks(cap: number): void {
    const blocked = new Uint8Array(cap * cap);
    const last = new Float64Array(cap * cap);
    for (let i = 0; i < this.#cap; i++) {
      for (let j = 0; j < this.#cap; j++) {
        blocked[i * cap + j] = this.#blocked[i * this.#cap + j];
        last[i * cap + j] = this.#lastDeliverUs[i * this.#cap + j];
      }
    }
    this.#cap = cap;
    this.#blocked = blocked;
    this.#lastDeliverUs = last;
  }

  #boot(node: SimNode): void {
    node.up = true;
    node.epoch++;
    const ev = this.heap.obtain();
    ev.kind = EventKind.start;
    ev.timeUs = this.nowUs;
    ev.node = node.index;
    ev.incarnation = node.epoch;
    this.heap.push(ev);
  }

  // ---------------------------------------------------------------- loop

  /** Run events with time ≤ `limitUs`; then the clock reads `limitUs` (if not stopped early). */
  runUntil(limitUs: number): void {
    this.#assertUsable();
    this.#stopRequested = false;
    const heap = this.heap;
    try {
      while (!this.#stopRequested) {
        const ev = heap.peek();
        if (ev === undefined || ev.timeUs > limitUs) break;
        heap.pop();
        this.nowUs = ev.timeUs;
        this.#dispatch(ev);
      }
    } catch (error) {
      throw this.#fail(error);
    }
    if (!this.#stopRequested && limitUs > this.nowUs && limitUs !== Infinity) this.nowUs = limitUs;
  }

  /** Run one event; false when none is left. */
  step(): boolean {
    this.#assertUsable();
    const ev = this.heap.pop();
    if (ev === undefined) return false;
    this.nowUs = ev.timeUs;
    try {
      this.#dispatch(ev);
    } catch (error) {
      throw this.#fail(error);
    }
    return true;
  }

  stop(): void {
    this.#stopRequested = true;
  }

  #assertUsable(): void {
    if (this.#broken !== undefined) {
      throw new SimulationError('invalid-state', `Simulation: cannot continue after a callback threw (${this.#broken.message})`);
    }
  }

  /** Wrap whatever escaped an event with where and when it happened; the run cannot go on. */
  #fail(error: unknown): SimulationError {
    if (isSimulationError(error) && error.code === 'callback-threw') {
      this.#broken = error;
      return error;
    }
    const node = this.#current >= 0 ? this.nodes[this.#current].name : undefined;
    const where = node === undefined ? 'a scripted action' : `node ${node}`;
    const message = error instanceof Error ? error.message : String(error);
    const wrapped = new SimulationError('callback-threw', `${where} threw at ${this.nowUs / MS} ms: ${message}`, {
      nodeId: node,
      timeMs: this.nowUs / MS,
      cause: error,
    });
    this.#broken = wrapped;
    return wrapped;
  }

  #dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case EventKind.deliver:
        this.#deliver(ev);
        return;
      case EventKind.timer:
        this.#fireTimer(ev);
        return;
      case EventKind.fsync:
        this.#fsyncDone(ev);
        return;
      case EventKind.start:
        this.#start(ev);
        return;
      case EventKind.action: {
        const fn = ev.fn!;
        this.heap.recycle(ev);
        this.#current = -1;
        fn();
        return;
      }
      default:
        this.heap.recycle(ev); // cancelled timer
    }
  }

  #start(ev: SimEvent): void {
    const node = this.nodes[ev.node];
    if (ev.incarnation !== node.epoch || !node.up) return this.heap.recycle(ev);
    if (node.paused) {
      node.held.push(ev);
      return;
    }
    this.heap.recycle(ev);
    node.starts++;
    this.trace.text(this.nowUs, 'start', node.index, `incarnation=${node.starts}`);
    const env = new SimEnv(this, node, node.epoch, node.rng.fork());
    this.#current = node.index;
    node.process = node.factory(env);
  }

  // ---------------------------------------------------------------- network

  send(node: SimNode, epoch: number, to: NodeId, message: unknown): void {
    if (epoch !== node.epoch || !node.up) return; // a crashed incarnation: nothing leaves
    const dst = this.byName.get(to);
    if (dst === undefined) throw new SimulationError('unknown-node', `Env.send: unknown node "${to}"`);
    const stats = this.stats;
    const now = this.nowUs;
    const id = ++this.#nextMsgId;
    const from = node.index;
    stats.sent++;
    if (dst === node) {
      // Loopback: no loss, no partition, next in line.
      this.trace.send(now, from, from, id, now, false);
      this.#scheduleDelivery(now, from, from, id, message, false);
      return;
    }
    const link = from * this.#cap + dst.index;
    if (this.#blocked[link] !== 0) {
      stats.droppedPartition++;
      this.trace.drop(now, from, dst.index, id, DropReason.partition);
      return;
    }
    const rng = this.netRng;
    if (this.#lossP > 0 && rng.next() < this.#lossP) {
      stats.droppedLoss++;
      this.trace.drop(now, from, dst.index, id, DropReason.loss);
      return;
    }
    let at = now + this.#latency.sampleUs(rng);
    if (this.#reorderP === 0 || rng.next() >= this.#reorderP) {
      // FIFO link: never overtake an earlier message (TCP-like head-of-line blocking).
      const last = this.#lastDeliverUs[link];
      if (at < last) at = last;
      this.#lastDeliverUs[link] = at;
    } else {
      stats.reordered++;
    }
    this.trace.send(now, from, dst.index, id, at, false);
    this.#scheduleDelivery(at, from, dst.index, id, message, false);
    if (this.#dupP > 0 && rng.next() < this.#dupP) {
      const atCopy = now + this.#latency.sampleUs(rng);
      stats.duplicated++;
      this.trace.send(now, from, dst.index, id, atCopy, true);
      this.#scheduleDelivery(atCopy, from, dst.index, id, message, true);
    }
  }

  #scheduleDelivery(atUs: number, from: number, to: number, id: number, message: unknown, duplicate: boolean): void {
    const ev = this.heap.obtain();
    ev.kind = EventKind.deliver;
    ev.timeUs = atUs;
    ev.node = to;
    ev.from = from;
    ev.id = id;
    ev.aux = duplicate ? 1 : 0;
    ev.payload = message;
    this.heap.push(ev);
  }

  #deliver(ev: SimEvent): void {
    const node = this.nodes[ev.node];
    const from = ev.from;
    const id = ev.id;
    if (!node.up) {
      this.heap.recycle(ev);
      this.stats.droppedDown++;
      this.trace.drop(this.nowUs, from, node.index, id, DropReason.down);
      return;
    }
    if (node.paused) {
      node.held.push(ev);
      return;
    }
    // Checked at hand-off, also for messages held during a pause: no message
    // ever reaches a node over a link that is cut at that moment.
    if (this.#blocked[from * this.#cap + node.index] !== 0) {
      this.heap.recycle(ev);
      this.stats.droppedPartition++;
      this.trace.drop(this.nowUs, from, node.index, id, DropReason.partition);
      return;
    }
    const handler = node.handler;
    if (handler === undefined) {
      this.heap.recycle(ev);
      this.stats.droppedNoHandler++;
      this.trace.drop(this.nowUs, from, node.index, id, DropReason.noHandler);
      return;
    }
    const payload = ev.payload;
    this.heap.recycle(ev);
    this.stats.delivered++;
    this.trace.deliver(this.nowUs, from, node.index, id);
    this.#current = node.index;
    handler(this.names[from], payload);
  }

  isBlocked(from: number, to: number): boolean {
    return this.#blocked[from * this.#cap + to] !== 0;
  }

  setBlocked(from: number, to: number, blocked: boolean): void {
    if (from === to) return;
    this.#blocked[from * this.#cap + to] = blocked ? 1 : 0;
  }

  /** Repair every link. */
  unblockAll(): void {
    this.#blocked.fill(0);
  }

  // ---------------------------------------------------------------- timers

  setTimer(node: SimNode, epoch: number, delayMs: number, callback: () => void): number {
    if (!(delayMs >= 0) || !Number.isFinite(delayMs)) {
      throw new SimulationError('invalid-option', `Env.setTimer: delayMs must be a finite number ≥ 0, got ${delayMs}`);
    }
    if (typeof callback !== 'function') throw new SimulationError('invalid-option', 'Env.setTimer: callback must be a function');
    const id = ++this.#nextTimerId;
    if (epoch !== node.epoch || !node.up) return id; // a dead incarnation's timer never fires
    const delayUs = delayMs * MS;
    const ev = this.heap.obtain();
    ev.kind = EventKind.timer;
    ev.timeUs = this.nowUs + node.clock.virtualDelayUs(delayUs);
    ev.node = node.index;
    ev.incarnation = epoch;
    ev.id = id;
    ev.aux = node.clock.monoUs(this.nowUs) + delayUs;
    ev.fn = callback;
    node.timers.set(id, ev);
    this.heap.push(ev);
    return id;
  }

  clearTimer(node: SimNode, epoch: number, id: number): void {
    if (epoch !== node.epoch) return;
    const ev = node.timers.get(id);
    if (ev === undefined) return;
    node.timers.delete(id);
    ev.kind = EventKind.cancelled;
    ev.fn = undefined;
  }

  #fireTimer(ev: SimEvent): void {
    const node = this.nodes[ev.node];
    if (ev.incarnation !== node.epoch || !node.up) return this.heap.recycle(ev);
    if (node.paused) {
      node.held.push(ev);
      return;
    }
    const mono = node.clock.monoUs(this.nowUs);
    if (mono < ev.aux) {
      // The clock slowed (drift changed) since the timer was set: not due yet on this node's clock.
      ev.timeUs = this.nowUs + Math.max(1, node.clock.virtualDelayUs(ev.aux - mono));
      this.heap.push(ev);
      return;
    }
    const id = ev.id;
    const fn = ev.fn!;
    node.timers.delete(id);
    this.heap.recycle(ev);
    this.stats.timersFired++;
    this.trace.timer(this.nowUs, node.index, id);
    this.#current = node.index;
    fn();
  }

  // ---------------------------------------------------------------- disk

  traceDisk(node: SimNode, op: number, file: string, bytes: number): void {
    this.trace.disk(this.nowUs, node.index, op, file, bytes);
  }

  fsync(node: SimNode, epoch: number, file: string, done: (error?: Error) => void): void {
    if (typeof done !== 'function') throw new SimulationError('invalid-option', 'Env.disk.fsync: done must be a function');
    if (epoch !== node.epoch || !node.up) return;
    const ticket = node.disk.beginFsync(file);
    const o = this.disk;
    const rng = this.diskRng;
    const latencyUs = Math.round((o.fsyncLatencyMsMin + (o.fsyncLatencyMsMax - o.fsyncLatencyMsMin) * rng.next()) * MS);
    const ev = this.heap.obtain();
    ev.kind = EventKind.fsync;
    ev.timeUs = this.nowUs + latencyUs;
    ev.node = node.index;
    ev.incarnation = epoch;
    ev.from = o.fsyncErrorProbability > 0 && rng.next() < o.fsyncErrorProbability ? 1 : 0;
    ev.aux = 0;
    ev.payload = ticket;
    ev.done = done;
    this.heap.push(ev);
  }

  #fsyncDone(ev: SimEvent): void {
    const node = this.nodes[ev.node];
    // A crash before completion: the fsync never finished, nothing became durable.
    if (ev.incarnation !== node.epoch || !node.up) return this.heap.recycle(ev);
    const ticket = ev.payload as FsyncTicket;
    const failed = ev.from === 1;
    if (ev.aux === 0) {
      // The device finished now, even if the process is paused and learns later.
      if (failed) node.disk.failFsync(ticket);
      else node.disk.completeFsync(ticket);
      ev.aux = 1;
    }
    if (node.paused) {
      node.held.push(ev);
      return;
    }
    const done = ev.done!;
    this.heap.recycle(ev);
    this.stats.fsyncs++;
    this.trace.fsync(this.nowUs, node.index, ticket.file, !failed);
    this.#current = node.index;
    done(failed ? new DiskError('EIO', `fsync of "${ticket.file}" failed (injected)`) : undefined);
  }

  // ---------------------------------------------------------------- processes

  /** Crash the process now: volatile state and un-fsynced writes are lost. */
  crash(node: SimNode, note: string): boolean {
    if (!node.up) return false;
    node.up = false;
    node.paused = false;
    node.epoch++;
    node.restartPending = false;
    node.handler = undefined;
    node.process = undefined;
    node.timers.clear();
    this.stats.crashes++;
    this.trace.text(this.nowUs, 'crash', node.index, note);
    for (const ev of node.held) {
      if (ev.kind === EventKind.deliver) {
        this.stats.droppedDown++;
        this.trace.drop(this.nowUs, ev.from, node.index, ev.id, DropReason.down);
      }
      this.heap.recycle(ev);
    }
    node.held.length = 0;
    for (const r of node.disk.crash(this.diskRng, this.disk.tornWriteProbability)) {
      if (r.tornBytes > 0) this.stats.tornWrites++;
      const what = r.vanished ? 'vanished' : `kept=${r.sizeBytes}B lost=${r.lostBytes}B torn=${r.tornBytes}B`;
      this.trace.text(this.nowUs, 'fault', node.index, `disk-crash ${JSON.stringify(r.file)} ${what}`);
    }
    return true;
  }

  /** Start a new incarnation via the node's factory (now, as an event). */
  restart(node: SimNode): boolean {
    if (node.up) return false;
    node.restartPending = false;
    this.stats.restarts++;
    this.trace.text(this.nowUs, 'restart', node.index, '');
    this.#boot(node);
    return true;
  }

  pause(node: SimNode): boolean {
    if (!node.up || node.paused) return false;
    node.paused = true;
    this.stats.pauses++;
    this.trace.text(this.nowUs, 'pause', node.index, '');
    return true;
  }

  /** Resume: everything that queued during the pause runs now, in arrival order. */
  resume(node: SimNode): boolean {
    if (!node.paused) return false;
    node.paused = false;
    this.trace.text(this.nowUs, 'resume', node.index, `held=${node.held.length}`);
    this.heap.pushFront(node.held, this.nowUs);
    node.held.length = 0;
    return true;
  }

  // ---------------------------------------------------------------- scheduling

  schedule(atUs: number, fn: () => void): void {
    const ev = this.heap.obtain();
    ev.kind = EventKind.action;
    ev.timeUs = atUs;
    ev.fn = fn;
    this.heap.push(ev);
  }
}
