/**
 * What the replica workloads share: a cluster of replica hosts watched by
 * the Raft invariant checker after every event, simulated clients, a
 * history, the liveness check after the heal, and the verdict.
 *
 * Checks, each reported as a violation kind:
 * - `raft-invariant`: the five Figure 3 properties (RaftClusterInvariants,
 *   fed after every event a replica handles, every apply and every restart);
 * - `linearizability`: the history against the workload's model (`unknown`
 *   when the checker's step budget ran out — reported, never passed);
 * - `liveness`: after `healAll()`, every client completes an `ok` operation
 *   within `livenessBoundMs` (the message says why one did not);
 * - workload-specific checks (the lock workload's fencing audit).
 */
import type { NodeId } from '../../env/index.js';
import type { Rng } from '../../core/random/rng.js';
import type { History, Model } from '../../check/index.js';
import { checkHistory } from '../../check/index.js';
import { RaftClusterInvariants } from '../../raft/index.js';
import type { HistoryOp, OpCounts, Simulation, Violation, WorkloadContext } from '../../sim/index.js';
import { ViolationLog } from '../../sim/index.js';
import type { ReplicaBug, ReplicaOptions } from '../api.js';
import type { ReplicaNode } from '../replica.js';
import type { ClientTiming } from './client.js';
import { SimClient } from './client.js';
import { replicaHost } from './host.js';

/**
 * Timing every replica workload uses (ms). The election timeout (300–600 ms)
 * must exceed the slowest election round the calm network after the heal
 * allows: pre-vote round trip (2 × 80 ms latency cap) + the candidate's vote
 * fsync (≤ 50 ms) + round trip + each voter's fsync (≤ 50 ms) ≈ 260 ms.
 * With 100–200 ms, elections after the heal could time out forever (found by
 * `--workload lock --seed 55`).
 */
export const SIM_TIMING = Object.freeze({
  tickIntervalMs: 10,
  electionTicks: 30,
  /** A heartbeat every 30 ms: a tenth of the shortest election timeout, as etcd advises. */
  heartbeatTicks: 3,
  requestTimeoutMs: 1500,
  client: Object.freeze({ attemptTimeoutMs: 2000, opDeadlineMs: 5000, backoffMsMax: 40 }) satisfies ClientTiming,
  /** After the heal, every client must complete an operation within this long. */
  livenessBoundMs: 8000,
});

/**
 * Known-bad variants below the services layer (Raft and its storage): every
 * replica workload can expose them, so each workload's `bugs` table adds
 * these to its own.
 */
export const CONSENSUS_BUGS: Readonly<Record<string, string>> = Object.freeze({
  'forget-vote': 'does not persist the vote: a restarted node may vote twice in one term',
  'commit-without-majority': 'the leader commits once one voter short of a majority stores an entry',
  'no-fsync': 'never fsyncs: a crash loses what was acknowledged',
});

/** Violations of one kind kept in a report (the count stays exact). */
const EXAMPLES_MAX = 3;
/** Model steps the checker may spend per run before answering `unknown`. */
const CHECK_STEPS_MAX = 20_000_000;

export interface ClusterOptions {
  /** Replica options common to every node (bugs are added from the context). */
  readonly replica?: Omit<ReplicaOptions, 'env' | 'voters' | 'observer' | 'registerMessageHandler' | 'bugs'>;
}

export class ReplicaCluster {
  readonly sim: Simulation;
  readonly nodes: readonly NodeId[];
  readonly rng: Rng;
  readonly bug: string | undefined;
  readonly invariants = new RaftClusterInvariants({ onViolation: 'collect' });
  /** The current incarnation of each host's replica. */
  readonly replicas = new Map<NodeId, ReplicaNode>();
  /** Replicas that refused to start or stopped serving, with why. */
  readonly failures: string[] = [];
  readonly history: History = [];
  readonly #violations = new ViolationLog(EXAMPLES_MAX);
  readonly #clients: Array<{ name: NodeId; client: SimClient | null; okAfterHealMs: number | null }> = [];
  #healAtMs: number | null = null;

  constructor(context: WorkloadContext, options: ClusterOptions = {}) {
    this.sim = context.sim;
    this.nodes = context.nodes;
    this.rng = context.rng;
    this.bug = context.bug;
    const bugs: ReplicaBug[] = context.bug === undefined ? [] : [context.bug as ReplicaBug];
    // A quarter of the runs keep one Ready at a time, so both Ready loops stay proven.
    const asyncStorageWrites = options.replica?.asyncStorageWrites ?? !this.rng.chance(0.25);
    this.sim.note(`replica storage writes: ${asyncStorageWrites ? 'asynchronous (several Readies in flight)' : 'one Ready at a time'}`);
    const inv = this.invariants;
    const factory = replicaHost({
      voters: context.nodes,
      replica: {
        tickIntervalMs: SIM_TIMING.tickIntervalMs,
        electionTicks: SIM_TIMING.electionTicks,
        heartbeatTicks: SIM_TIMING.heartbeatTicks,
        requestTimeoutMs: SIM_TIMING.requestTimeoutMs,
        snapshotEveryEntries: 200,
        storage: { copies: 3, segmentBytesMax: 64 * 1024, scrubIntervalMs: 100 },
        ...options.replica,
        asyncStorageWrites,
        bugs,
      },
      observer: {
        onStart: (id, snapshot, raft) => {
          inv.onRecovered(raft);
          inv.onRestart(id);
          if (snapshot !== undefined) inv.onSnapshotApplied(id, snapshot);
        },
        onPersisted: (id, durable) => inv.onPersisted(id, durable),
        afterEvent: (_id, raft) => inv.observe(raft),
        onApply: (id, entry) => inv.onApply(id, entry),
        onSnapshotApplied: (id, metadata) => inv.onSnapshotApplied(id, metadata),
        onFailed: (id, reason) => this.failures.push(`${id} at ${Math.round(this.sim.nowMs)} ms: ${reason}`),
      },
      onReplica: (replica) => this.replicas.set(replica.id, replica),
    });
    for (const name of context.nodes) this.sim.host(name, factory);
    this.sim.onOp((op) => this.history.push(op as History[number]));
  }

  /** Add `count` clients c1…cN; `start` runs on each client node at boot. */
  addClients(count: number, start: (client: SimClient, index: number) => void): void {
    for (let i = 0; i < count; i++) {
      const name = `c${i + 1}`;
      const slot = { name, client: null as SimClient | null, okAfterHealMs: null as number | null };
      this.#clients.push(slot);
      const rng = this.rng.fork();
      this.sim.client(name, (env) => {
        const client = new SimClient(env, this.nodes, rng, SIM_TIMING.client);
        slot.client = client;
        start(client, i);
        return {};
      });
    }
  }

  /** Record a history event (and count an `ok` toward the client's liveness). */
  record(clientIndex: number, op: HistoryOp): void {
    this.sim.recordOp(op);
    if (op.type === 'ok' && this.#healAtMs !== null) {
      const slot = this.#clients[clientIndex];
      slot.okAfterHealMs ??= this.sim.nowMs - this.#healAtMs;
    }
  }

  onQuiet(): void {
    this.#healAtMs = this.sim.nowMs;
  }

  violate(kind: string, message: string): void {
    this.#violations.add(kind, message);
  }

  /**
   * Run every check; the workload adds its own before calling this. Each
   * model checks the events its `filter` keeps (all of them by default).
   */
  finish(checks: ReadonlyArray<{ readonly model: Model<unknown>; readonly filter?: (event: History[number]) => boolean }>): { violations: Violation[]; ops: OpCounts } {
    for (const v of this.invariants.violations) this.violate('raft-invariant', v.message);
    this.#checkLiveness();
    for (const { model, filter } of checks) {
      const history = filter === undefined ? this.history : this.history.filter(filter);
      const result = checkHistory(history, model, { budget: { maxSteps: CHECK_STEPS_MAX } });
      if (result.result === 'not-linearizable') {
        for (const f of result.failures) this.violate('linearizability', `${model.name}: ${f.message}`);
      } else if (result.result === 'unknown') {
        this.violate('linearizability', `the ${model.name} checker ran out of budget (${result.unknownReason ?? 'steps'}) on ${result.ops} operations: not proven linearizable`);
      }
    }
    return { violations: this.#violations.list(), ops: this.sim.opCounts };
  }

  #checkLiveness(): void {
    if (this.#healAtMs === null) return;
    const bound = SIM_TIMING.livenessBoundMs;
    for (const slot of this.#clients) {
      const t = slot.okAfterHealMs;
      if (t !== null && t <= bound) continue;
      const when = t === null ? `no ok operation in the ${Math.round(this.sim.nowMs - this.#healAtMs)} ms after the heal` : `first ok operation ${Math.round(t)} ms after the heal`;
      const attempts = slot.client?.recent.join(', ') ?? 'never started';
      this.violate('liveness', `${slot.name}: ${when} (bound ${bound} ms); last attempts: ${attempts}; cluster: ${this.describe()}`);
    }
  }

  /** One line about every host: role, term, commit/applied, or why it is down. */
  describe(): string {
    const parts: string[] = [];
    for (const name of this.nodes) {
      const r = this.replicas.get(name);
      if (!this.sim.isUp(name)) parts.push(`${name} down`);
      else if (r === undefined) parts.push(`${name} starting`);
      else {
        const s = r.status();
        parts.push(s.health === 'running' ? `${name} ${s.role} t${s.term} c${s.commitIndex} a${s.appliedIndex}` : `${name} ${s.health}: ${s.failure ?? ''}`);
      }
    }
    return parts.join('; ');
  }

  /** Liveness of the run so far: per client, ms from the heal to its first ok (null: none). */
  livenessTimes(): Array<number | null> {
    return this.#clients.map((c) => c.okAfterHealMs);
  }
}
