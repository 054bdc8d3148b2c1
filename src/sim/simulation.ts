import type { NodeFactory, NodeId } from '../env/index.js';
import type { Rng } from '../core/random/rng.js';
import type { BitFlip, SimDisk } from './disk.js';
import { SimulationError } from './errors.js';
import type { FaultKnobs } from './knobs.js';
import { RandomNemesis } from './nemesis.js';
import { DEFAULT_NETWORK, quietNetwork, validateNetwork, type NetworkOptions } from './network.js';
import type { SimNode } from './node.js';
import { planPartition, type PartitionPlan, type PartitionShape } from './partitions.js';
import { MAX_TRACE_NODES, safeJson, type TraceSink } from './trace.js';
import { DEFAULT_DISK, World, type DiskOptions, type SimStats } from './world.js';

export interface SimulationOptions {
  /** The one seed: every draw in the run derives from it. Safe integer. */
  seed: number;
  /** Link behaviour; defaults to a perfect network with 1 ms latency. */
  network?: Partial<NetworkOptions>;
  /** fsync timing and crash behaviour of every disk. */
  disk?: Partial<DiskOptions>;
  /** Wall-clock reading at virtual time 0. @defaultValue 1_700_000_000_000 (Nov 2023) */
  epochMs?: number;
  /** Receives one canonical line per event. Without it no line is built. */
  trace?: TraceSink;
  /**
   * Bound on events outstanding at once (in flight, pending timers, held by
   * paused nodes); exceeding it throws rather than exhausting memory.
   * @defaultValue 5_000_000
   */
  maxQueuedEvents?: number;
}

export interface HostOptions {
  /** Whether the random nemesis may target this node. @defaultValue true for `host`, false for `client` */
  faulty?: boolean;
}

/** One entry of a Jepsen-style history (see docs/ARCHITECTURE.md). */
export interface HistoryOp {
  process: number | string;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  value?: unknown;
  key?: unknown;
  /** Virtual time in ns; filled in by `recordOp`. */
  time?: number;
  /** Position in the history; filled in by `recordOp`. */
  index?: number;
}

export interface OpCounts {
  ok: number;
  fail: number;
  info: number;
}

/** A reading of a node's clocks from outside the node. */
export interface ClockReading {
  wallNowMs: number;
  monoNowMs: number;
  /** Wall clock minus true time. */
  offsetMs: number;
  driftPpm: number;
}

type Side = NodeId | readonly NodeId[];

const NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * A deterministic simulation: nodes with their own clocks and disks, a
 * network, and every fault, all driven by one seed over virtual time.
 *
 * ```ts
 * const sim = new Simulation({ seed: 7 });
 * sim.host('n1', (env) => { env.onMessage(...); return {}; });
 * sim.at(500, () => sim.partition('n1', ['n2', 'n3']));
 * sim.runFor(2_000);
 * sim.traceHash; // same seed + same script ⇒ same hash
 * ```
 *
 * Fault verbs come in pairs (`partition`/`repair`, `pause`/`resume`,
 * `crash`/`restart`) and may be called any time: from the test between runs,
 * from `at`/`after` actions, or from inside a node's callback. Verbs that
 * change nothing (resuming a running node) return false.
 */
export class Simulation {
  readonly seed: number;
  readonly #world: World;
  #nemesis: RandomNemesis | undefined;
  readonly #opListeners: Array<(op: HistoryOp) => void> = [];
  readonly #ops: OpCounts = { ok: 0, fail: 0, info: 0 };
  #opIndex = 0;

  constructor(options: SimulationOptions) {
    if (options === null || typeof options !== 'object') throw invalid('Simulation: options must be an object');
    if (!Number.isSafeInteger(options.seed)) throw invalid(`Simulation: seed must be a safe integer, got ${options.seed}`);
    const epochMs = options.epochMs ?? 1_700_000_000_000;
    if (!Number.isSafeInteger(epochMs) || epochMs < 0) throw invalid(`Simulation: epochMs must be a safe integer ≥ 0, got ${epochMs}`);
    if (options.trace !== undefined && typeof options.trace !== 'function') throw invalid('Simulation: trace must be a function');
    const maxQueuedEvents = options.maxQueuedEvents ?? 5_000_000;
    if (!Number.isSafeInteger(maxQueuedEvents) || maxQueuedEvents < 1) {
      throw invalid(`Simulation: maxQueuedEvents must be a positive integer, got ${maxQueuedEvents}`);
    }
    this.seed = options.seed;
    this.#world = new World({
      seed: options.seed,
      network: validateNetwork('Simulation', DEFAULT_NETWORK, options.network),
      disk: validateDisk('Simulation', DEFAULT_DISK, options.disk),
      epochMs,
      trace: options.trace,
      maxQueuedEvents,
    });
    WORLDS.set(this, this.#world);
  }

  // ------------------------------------------------------------ topology

  /**
   * Add a node the nemesis may fault. `factory` runs at the current virtual
   * time (as an event) and again after every restart; only `env.disk`
   * survives a crash.
   */
  host(name: NodeId, factory: NodeFactory, options: HostOptions = {}): this {
    if (!NAME_PATTERN.test(name)) throw invalid(`Simulation.host: name must match ${NAME_PATTERN}, got ${JSON.stringify(name)}`);
    if (this.#world.byName.has(name)) throw new SimulationError('invalid-state', `Simulation.host: node "${name}" already exists`);
    if (typeof factory !== 'function') throw invalid('Simulation.host: factory must be a function (env) => NodeProcess');
    if (this.#world.nodes.length >= MAX_TRACE_NODES) {
      throw new SimulationError('invalid-state', `Simulation.host: at most ${MAX_TRACE_NODES} nodes (the trace encodes node indices in 12 bits)`);
    }
    this.#world.addNode(name, factory, options.faulty ?? true);
    return this;
  }

  /** Add a node the random nemesis leaves alone (it still sees loss and delay on its links). */
  client(name: NodeId, factory: NodeFactory, options: HostOptions = {}): this {
    return this.host(name, factory, { faulty: options.faulty ?? false });
  }

  /** Every node, in the order added. */
  get nodeIds(): NodeId[] {
    return this.#world.nodes.map((n) => n.name);
  }

  /** Nodes the nemesis may fault (hosts, unless added with faulty: false). */
  get hosts(): NodeId[] {
    return this.#world.nodes.filter((n) => n.faulty).map((n) => n.name);
  }

  /** Nodes the nemesis leaves alone. */
  get clients(): NodeId[] {
    return this.#world.nodes.filter((n) => !n.faulty).map((n) => n.name);
  }

  // ------------------------------------------------------------ time and running

  /** True virtual time in ms (no node reads this: each has its own clocks). */
  get nowMs(): number {
    return this.#world.nowUs / 1000;
  }

  /** Run `action` at virtual time `timeMs` (≥ now). */
  at(timeMs: number, action: () => void): this {
    const atUs = toUs('Simulation.at', 'timeMs', timeMs);
    if (atUs < this.#world.nowUs) throw invalid(`Simulation.at: timeMs (${timeMs}) is in the past (now ${this.nowMs})`);
    if (typeof action !== 'function') throw invalid('Simulation.at: action must be a function');
    this.#world.schedule(atUs, action);
    return this;
  }

  /** Run `action` after `delayMs` of virtual time. */
  after(delayMs: number, action: () => void): this {
    if (typeof action !== 'function') throw invalid('Simulation.after: action must be a function');
    this.#world.schedule(this.#world.nowUs + toUs('Simulation.after', 'delayMs', delayMs), action);
    return this;
  }

  /** Run the next event; false when the queue is empty. */
  step(): boolean {
    return this.#world.step();
  }

  /** Run every event up to and including `timeMs`; the clock then reads `timeMs`. */
  runUntil(timeMs: number): void {
    this.#world.runUntil(toUs('Simulation.runUntil', 'timeMs', timeMs));
  }

  runFor(durationMs: number): void {
    this.#world.runUntil(this.#world.nowUs + toUs('Simulation.runFor', 'durationMs', durationMs));
  }

  /** Run until the queue is empty or `stop()` is called (heartbeating nodes never empty it: use `runFor`). */
  run(): void {
    this.#world.runUntil(Infinity);
  }

  /** Make the running `run*` return after the current event. */
  stop(): void {
    this.#world.stop();
  }

  // ------------------------------------------------------------ network

  get network(): Readonly<NetworkOptions> {
    return this.#world.network;
  }

  /** Change link behaviour from now on (messages in flight keep their delay). */
  setNetwork(options: Partial<NetworkOptions>): void {
    const n = validateNetwork('Simulation.setNetwork', this.#world.network, options);
    this.#world.setNetwork(n);
    this.#fault(-1, `network ${safeJson(options)}`);
  }

  get disk(): Readonly<DiskOptions> {
    return this.#world.disk;
  }

  setDisk(options: Partial<DiskOptions>): void {
    this.#world.disk = validateDisk('Simulation.setDisk', this.#world.disk, options);
    this.#fault(-1, `disk ${safeJson(options)}`);
  }

  /** Cut both directions between every node of `sideA` and every node of `sideB`. */
  partition(sideA: Side, sideB: Side): void {
    this.#cut('Simulation.partition', sideA, sideB, true, true);
  }

  repair(sideA: Side, sideB: Side): void {
    this.#cut('Simulation.repair', sideA, sideB, true, false);
  }

  /** Cut only `from` → `to`: replies from `to` still arrive (an asymmetric link). */
  partitionOneway(from: Side, to: Side): void {
    this.#cut('Simulation.partitionOneway', from, to, false, true);
  }

  repairOneway(from: Side, to: Side): void {
    this.#cut('Simulation.repairOneway', from, to, false, false);
  }

  /** Cut `node` from every other node. */
  isolate(node: NodeId): void {
    const others = this.nodeIds.filter((n) => n !== node);
    this.#cut('Simulation.isolate', node, others, true, true);
  }

  rejoin(node: NodeId): void {
    const others = this.nodeIds.filter((n) => n !== node);
    this.#cut('Simulation.rejoin', node, others, true, false);
  }

  /**
   * Apply a partition of a catalogue shape among `nodes` (default: the
   * hosts), chosen with the simulation's fault rng; returns the plan so it
   * can be repaired with `repairPlan`.
   */
  partitionShape(shape: PartitionShape, nodes: readonly NodeId[] = this.hosts): PartitionPlan {
    for (const n of nodes) this.#node('Simulation.partitionShape', n);
    const plan = planPartition(shape, nodes, this.#world.faultRng);
    this.applyPlan(plan);
    return plan;
  }

  applyPlan(plan: PartitionPlan): void {
    const w = this.#world;
    for (const [a, b] of plan.links) w.setBlocked(this.#node('Simulation.applyPlan', a).index, this.#node('Simulation.applyPlan', b).index, true);
    w.stats.partitions++;
    this.#fault(-1, `partition ${plan.description}`);
  }

  repairPlan(plan: PartitionPlan): void {
    const w = this.#world;
    for (const [a, b] of plan.links) w.setBlocked(this.#node('Simulation.repairPlan', a).index, this.#node('Simulation.repairPlan', b).index, false);
    this.#fault(-1, `repair ${plan.description}`);
  }

  /** Repair every link. */
  healNetwork(): void {
    this.#world.unblockAll();
    this.#fault(-1, 'heal-network');
  }

  /** Whether messages from `from` to `to` are cut right now. */
  isLinkBlocked(from: NodeId, to: NodeId): boolean {
    return this.#world.isBlocked(this.#node('Simulation.isLinkBlocked', from).index, this.#node('Simulation.isLinkBlocked', to).index);
  }

  // ------------------------------------------------------------ processes

  /**
   * Crash the process: timers, handlers and held messages are gone, every
   * un-fsynced write is lost (a torn tail may survive, see `DiskOptions`).
   * It stays down until `restart` (crash-stop unless you restart it).
   */
  crash(node: NodeId): boolean {
    return this.#world.crash(this.#node('Simulation.crash', node), 'stop');
  }

  /** Start a crashed node again: its factory runs with a fresh Env over the surviving disk. */
  restart(node: NodeId): boolean {
    return this.#world.restart(this.#node('Simulation.restart', node));
  }

  /** Crash now and restart after `downtimeMs` (crash-recovery). */
  bounce(node: NodeId, downtimeMs = 0): boolean {
    const n = this.#node('Simulation.bounce', node);
    const delayUs = toUs('Simulation.bounce', 'downtimeMs', downtimeMs);
    if (!this.#world.crash(n, `recover downtime=${delayUs / 1000}ms`)) return false;
    n.restartPending = true;
    const epoch = n.epoch;
    this.#world.schedule(this.#world.nowUs + delayUs, () => {
      if (n.epoch === epoch && n.restartPending) this.#world.restart(n);
    });
    return true;
  }

  /**
   * Freeze the process (GC, VM migration, SIGSTOP): no timer fires and no
   * message is handled; both queue. Its clocks keep running, so on `resume`
   * it sees time jump — and cannot otherwise tell it was paused.
   */
  pause(node: NodeId): boolean {
    return this.#world.pause(this.#node('Simulation.pause', node));
  }

  resume(node: NodeId): boolean {
    return this.#world.resume(this.#node('Simulation.resume', node));
  }

  isUp(node: NodeId): boolean {
    return this.#node('Simulation.isUp', node).up;
  }

  isPaused(node: NodeId): boolean {
    return this.#node('Simulation.isPaused', node).paused;
  }

  /** Process starts so far (1 after the first boot, +1 per restart). */
  incarnation(node: NodeId): number {
    return this.#node('Simulation.incarnation', node).starts;
  }

  // ------------------------------------------------------------ clocks

  /** Set the wall clock to true time + `offsetMs` now (it then drifts with the node's drift). */
  setClockOffset(node: NodeId, offsetMs: number): void {
    const n = this.#node('Simulation.setClockOffset', node);
    if (!Number.isFinite(offsetMs)) throw invalid(`Simulation.setClockOffset: offsetMs must be finite, got ${offsetMs}`);
    const w = this.#world;
    n.clock.setWall(w.nowUs, w.epochUs + w.nowUs + Math.round(offsetMs * 1000));
    w.stats.clockFaults++;
    this.#fault(n.index, `clock offset=${offsetMs}ms`);
  }

  /** Step the wall clock by `deltaMs` (negative: backwards). The monotonic clock does not move. */
  stepClock(node: NodeId, deltaMs: number): void {
    const n = this.#node('Simulation.stepClock', node);
    if (!Number.isFinite(deltaMs)) throw invalid(`Simulation.stepClock: deltaMs must be finite, got ${deltaMs}`);
    n.clock.stepWall(Math.round(deltaMs * 1000));
    this.#world.stats.clockFaults++;
    this.#fault(n.index, `clock step=${deltaMs}ms`);
  }

  /** Both clocks run at (1 + driftPpm / 1e6) × true rate from now on. */
  setClockDrift(node: NodeId, driftPpm: number): void {
    const n = this.#node('Simulation.setClockDrift', node);
    n.clock.setDriftPpm(this.#world.nowUs, driftPpm);
    this.#world.stats.clockFaults++;
    this.#fault(n.index, `clock drift=${driftPpm}ppm`);
  }

  clock(node: NodeId): ClockReading {
    const n = this.#node('Simulation.clock', node);
    const w = this.#world;
    const wallUs = n.clock.wallUs(w.nowUs);
    return {
      wallNowMs: wallUs / 1000,
      monoNowMs: n.clock.monoUs(w.nowUs) / 1000,
      offsetMs: (wallUs - w.epochUs - w.nowUs) / 1000,
      driftPpm: n.clock.driftPpm,
    };
  }

  // ------------------------------------------------------------ disks

  /** The node's disk, for inspection from a test (`durableContent` shows what a crash would keep). */
  diskOf(node: NodeId): SimDisk {
    return this.#node('Simulation.diskOf', node).disk;
  }

  /** Flip one bit of durable data; chosen by the fault rng when `file`/`bitIndex` are omitted. */
  flipBit(node: NodeId, file?: string, bitIndex?: number): BitFlip | undefined {
    const n = this.#node('Simulation.flipBit', node);
    const flip = n.disk.flipBit(this.#world.faultRng, file, bitIndex);
    if (flip !== undefined) {
      this.#world.stats.bitFlips++;
      this.#fault(n.index, `bitflip ${JSON.stringify(flip.file)} bit=${flip.bitIndex}`);
    }
    return flip;
  }

  // ------------------------------------------------------------ nemesis

  /**
   * Start the random nemesis with `knobs`: link faults at once, and the
   * partition / clock / pause / crash / disk processes on their own seeded
   * schedules, targeting hosts only. `healAll` stops it.
   */
  startNemesis(knobs: FaultKnobs): void {
    if (this.#nemesis !== undefined) throw new SimulationError('invalid-state', 'Simulation.startNemesis: a nemesis is already running');
    this.#nemesis = new RandomNemesis(this, knobs, this.#world.faultRng.fork());
    this.#nemesis.start();
  }

  /**
   * End of the fault phase: stop the nemesis, repair every link, calm the
   * network (no loss, duplication, reordering or tail), fail no more fsyncs,
   * resume paused nodes and restart nodes waiting on a `bounce`. Crash-stopped
   * nodes stay down; clock offsets and drift stay (real clocks are never exact).
   */
  healAll(): void {
    this.#nemesis?.stop();
    this.#nemesis = undefined;
    const w = this.#world;
    this.#fault(-1, 'heal-all');
    w.unblockAll();
    w.setNetwork(quietNetwork(w.network));
    w.disk = { ...w.disk, fsyncErrorProbability: 0 };
    for (const n of w.nodes) {
      if (n.paused) w.resume(n);
      if (!n.up && n.restartPending) w.restart(n);
    }
  }

  // ------------------------------------------------------------ trace, history, randomness

  /** FNV-1a 64 of every event so far, as 16 hex digits. Equal seeds and scripts ⇒ equal hashes. */
  get traceHash(): string {
    return this.#world.trace.hash;
  }

  get eventCount(): number {
    return this.#world.trace.events;
  }

  get stats(): Readonly<SimStats> {
    const s = this.#world.stats;
    s.events = this.#world.trace.events;
    return s;
  }

  /** Add a free-form line to the trace (hashed too): phase changes, checker notes. */
  note(text: string): void {
    this.#world.trace.text(this.#world.nowUs, 'note', -1, text.replace(/\n/g, ' '));
  }

  /**
   * Record a client operation: stamps `time` (virtual ns) and `index`, traces
   * it, counts completions, and hands it to `onOp` listeners.
   */
  recordOp(op: HistoryOp): HistoryOp {
    const w = this.#world;
    const stamped: HistoryOp = { ...op, time: w.nowUs * 1000, index: this.#opIndex++ };
    if (op.type === 'ok' || op.type === 'fail' || op.type === 'info') this.#ops[op.type]++;
    else if (op.type !== 'invoke') throw invalid(`Simulation.recordOp: type must be invoke, ok, fail or info, got ${String(op.type)}`);
    const key = op.key === undefined ? '' : ` key=${safeJson(op.key)}`;
    w.trace.text(w.nowUs, 'op', -1, `${op.process} ${op.type} ${op.f}${key} ${safeJson(op.value)}`);
    for (const listener of this.#opListeners) listener(stamped);
    return stamped;
  }

  /** Listen to recorded ops; returns an unsubscribe function. */
  onOp(listener: (op: HistoryOp) => void): () => void {
    this.#opListeners.push(listener);
    return () => {
      const i = this.#opListeners.indexOf(listener);
      if (i >= 0) this.#opListeners.splice(i, 1);
    };
  }

  get opCounts(): Readonly<OpCounts> {
    return { ...this.#ops };
  }

  /** A fresh deterministic stream for a workload or test script. */
  forkRng(): Rng {
    return this.#world.userRng.fork();
  }

  // ------------------------------------------------------------ internals

  #node(api: string, name: NodeId): SimNode {
    const n = this.#world.byName.get(name);
    if (n === undefined) throw new SimulationError('unknown-node', `${api}: unknown node "${name}"`);
    return n;
  }

  #cut(api: string, a: Side, b: Side, bothWays: boolean, blocked: boolean): void {
    const sideA = (typeof a === 'string' ? [a] : a).map((n) => this.#node(api, n));
    const sideB = (typeof b === 'string' ? [b] : b).map((n) => this.#node(api, n));
    const w = this.#world;
    for (const x of sideA) {
      for (const y of sideB) {
        w.setBlocked(x.index, y.index, blocked);
        if (bothWays) w.setBlocked(y.index, x.index, blocked);
      }
    }
    if (blocked) w.stats.partitions++;
    const names = (s: SimNode[]): string => `[${s.map((n) => n.name).join(' ')}]`;
    const verb = blocked ? 'partition' : 'repair';
    this.#fault(-1, `${verb} ${names(sideA)} ${bothWays ? '|' : '-/->'} ${names(sideB)}`);
  }

  #fault(node: number, text: string): void {
    this.#world.trace.text(this.#world.nowUs, 'fault', node, text);
  }
}

const WORLDS = new WeakMap<Simulation, World>();

/**
 * The engine behind `sim`, addressed by node index: for the simulator's own
 * workloads, whose per-message checks would otherwise pay a name lookup per
 * question. Internal: not exported from `faultline/sim`.
 */
export function worldOf(sim: Simulation): World {
  const world = WORLDS.get(sim);
  if (world === undefined) throw new SimulationError('invalid-state', 'worldOf: not a Simulation');
  return world;
}

function invalid(message: string): SimulationError {
  return new SimulationError('invalid-option', message);
}

function toUs(api: string, what: string, ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw invalid(`${api}: ${what} must be a finite number ≥ 0, got ${ms}`);
  return Math.round(ms * 1000);
}

function validateDisk(api: string, base: Readonly<DiskOptions>, partial: Partial<DiskOptions> = {}): DiskOptions {
  const d: DiskOptions = { ...base };
  for (const key of Object.keys(partial) as Array<keyof DiskOptions>) {
    if (!(key in DEFAULT_DISK)) throw invalid(`${api}: unknown disk option "${key}"`);
    const v = partial[key];
    if (v !== undefined) d[key] = v;
  }
  if (!(d.fsyncLatencyMsMin >= 0 && Number.isFinite(d.fsyncLatencyMsMin))) throw invalid(`${api}: fsyncLatencyMsMin must be ≥ 0, got ${d.fsyncLatencyMsMin}`);
  if (!(d.fsyncLatencyMsMax >= d.fsyncLatencyMsMin && Number.isFinite(d.fsyncLatencyMsMax))) {
    throw invalid(`${api}: fsyncLatencyMsMax (${d.fsyncLatencyMsMax}) must be ≥ fsyncLatencyMsMin (${d.fsyncLatencyMsMin})`);
  }
  for (const key of ['fsyncErrorProbability', 'tornWriteProbability'] as const) {
    if (!(d[key] >= 0 && d[key] <= 1)) throw invalid(`${api}: ${key} must be in [0, 1], got ${d[key]}`);
  }
  return d;
}
