import type { Env, NodeId } from '../../env/index.js';
import { crc32c } from '../../core/checksum/index.js';
import { worldOf, type Simulation } from '../simulation.js';
import type { World } from '../world.js';
import { ViolationLog } from '../violation-log.js';
import type { Workload, WorkloadContext, WorkloadRun } from '../workload.js';

/** Heartbeats are sent this often on each node's monotonic clock. */
export const HEARTBEAT_INTERVAL_MS = 100;
/** Every this many beats a node appends a checksummed record to its log and fsyncs it. */
export const HEARTBEAT_PERSIST_EVERY = 5;
const LOG_FILE = 'beats.log';
/** The log stops growing here: recovery reads it all on every restart, so keep it bounded. */
const MAX_RECORDS = 256;
/** A record: u32 LE index, u32 LE crc32c of those 4 bytes. */
const RECORD_BYTES = 8;

interface Beat {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's position in the workload's node list (checked against `from`). */
  readonly fromIndex: number;
  /** Per-link sequence number, from 0. */
  readonly seq: number;
  /** The sender saw the link cut when it sent this (so it must never arrive). */
  readonly cutAtSend: boolean;
}

/**
 * All-to-all heartbeats among N hosts, checking the simulator's own
 * guarantees from the inside:
 * - `invented-message`: every message received was sent, by that sender, to this node;
 * - `fifo` / `duplicate`: with reordering and duplication off, each link delivers in order, once;
 * - `partition-crossed`: nothing is delivered over a cut link or was sent over one;
 * - `ran-while-down`: no callback runs while paused, crashed, or for a dead incarnation;
 * - `mono-backwards` / `timer-early`: the monotonic clock never decreases, even across
 *   restarts, and a timer never fires before its delay on that clock;
 * - `lost`: with loss, partitions and crashes off, every message sent before the heal arrives;
 * - `liveness`: after the heal, every live node hears from every other live node within
 *   2 intervals + the fault phase's latency cap.
 * Each node also keeps a log of checksummed records (record i holds i), appended and
 * fsynced every few beats, and recovers it on every start:
 * - `durability`: every record whose fsync (and the log's creation) was acknowledged is
 *   recovered, unless a checksum failure before it shows the data was corrupted;
 * - `corruption-undetected`: a record that passes its crc32c holds the right value.
 */
export const heartbeatWorkload: Workload = {
  name: 'heartbeat',
  summary: 'all-to-all heartbeats; checks the simulator’s delivery, pause, clock and liveness guarantees',
  minNodes: 2,
  bugs: {
    'wall-clock-elapsed': 'measures time since a peer was last heard with the wall clock (a backward NTP step makes it negative)',
    'forget-timer-on-restart': 'after a restart the node never re-arms its heartbeat timer (peers stop hearing it)',
  },
  setup: (context) => new HeartbeatRun(context),
};

class HeartbeatRun implements WorkloadRun {
  readonly quietMs: number;
  readonly #sim: Simulation;
  /**
   * The engine, read by node index: the per-message checks ask "is this node
   * up / paused / which incarnation" and "is this link cut" several times per
   * message, and a name lookup each time would dominate the run.
   */
  readonly #world: World;
  readonly #nodes: NodeId[];
  /** Simulator node index of each workload node. */
  readonly #simIndex: Int32Array;
  readonly #index = new Map<NodeId, number>();
  readonly #bug: string | undefined;
  readonly #n: number;
  readonly #boundMs: number;
  readonly #checkFifo: boolean;
  readonly #checkOnce: boolean;
  readonly #checkLost: boolean;
  /** Per link `from * n + to`: next seq to send, messages received, last seq received. */
  readonly #sent: Float64Array;
  readonly #received: Float64Array;
  readonly #lastSeq: Float64Array;
  /** Per link: sent count at the heal; first receipt time (virtual ms) after the heal. */
  #sentAtHeal: Float64Array | undefined;
  readonly #firstAfterHealMs: Float64Array;
  #healAtMs = -1;
  /** Per node: the highest monotonic reading seen by any incarnation. */
  readonly #lastMonoMs: Float64Array;
  /** Per node: records acknowledged durable (fsync of the log done after its creation was). */
  readonly #acked: Float64Array;
  readonly #dirDurable: Uint8Array;
  /** The first 3 messages of each kind (the count stays exact). */
  readonly #violations = new ViolationLog(3);
  #delivered = 0;
  #sentTotal = 0;

  constructor(context: WorkloadContext) {
    const { sim, nodes, knobs, bug } = context;
    this.#sim = sim;
    this.#nodes = nodes;
    this.#bug = bug;
    const n = nodes.length;
    this.#n = n;
    nodes.forEach((name, i) => this.#index.set(name, i));
    this.#sent = new Float64Array(n * n);
    this.#received = new Float64Array(n * n);
    this.#lastSeq = new Float64Array(n * n).fill(-1);
    this.#firstAfterHealMs = new Float64Array(n * n).fill(-1);
    this.#lastMonoMs = new Float64Array(n).fill(-Infinity);
    this.#acked = new Float64Array(n);
    this.#dirDurable = new Uint8Array(n);
    const net = knobs.network;
    this.#checkFifo = net.reorderProbability === 0 && net.duplicateProbability === 0;
    this.#checkOnce = net.duplicateProbability === 0;
    this.#checkLost = net.lossProbability === 0 && knobs.partition === null && knobs.crash === null;
    // FIFO links can hold a new beat behind one that drew the fault phase's latency cap.
    const driftSlack = 1 + (knobs.clock?.driftPpmMax ?? 0) / 1e6;
    this.#boundMs = 2 * HEARTBEAT_INTERVAL_MS * driftSlack + Math.max(net.latencyMsMax, sim.network.latencyMsMax) + 5;
    this.quietMs = Math.ceil(this.#boundMs + HEARTBEAT_INTERVAL_MS);
    this.#world = worldOf(sim);
    for (const name of nodes) sim.host(name, (env) => this.#boot(env));
    this.#simIndex = Int32Array.from(nodes, (name) => this.#world.byName.get(name)!.index);
  }

  #boot(env: Env): object {
    const sim = this.#sim;
    const world = this.#world;
    const me = env.nodeId;
    const i = this.#index.get(me)!;
    const n = this.#n;
    const nodes = this.#nodes;
    const simIndex = this.#simIndex;
    const si = simIndex[i];
    const self = world.nodes[si];
    const incarnation = sim.incarnation(me);
    const peers = nodes.map((_, k) => k).filter((k) => k !== i);
    // Per peer (workload index): last heard, by each clock; NaN = never.
    const lastHeardWallMs = new Float64Array(n).fill(NaN);
    const lastHeardMonoMs = new Float64Array(n).fill(NaN);

    /** Checks every callback; returns this node's monotonic reading. */
    const guard = (what: string): number => {
      if (!self.up || self.paused || self.starts !== incarnation) {
        this.#violations.add('ran-while-down', `${me} ran a ${what} at ${sim.nowMs} ms while ${self.paused ? 'paused' : 'down or replaced'}`);
      }
      const mono = env.monoNowMs();
      if (mono < this.#lastMonoMs[i]) {
        this.#violations.add('mono-backwards', `${me}'s monotonic clock went from ${this.#lastMonoMs[i]} to ${mono} ms`);
      }
      this.#lastMonoMs[i] = mono;
      return mono;
    };

    const beat = (): void => {
      const sent = this.#sent;
      for (let p = 0; p < peers.length; p++) {
        const k = peers[p];
        const link = i * n + k;
        const message: Beat = { from: me, to: nodes[k], fromIndex: i, seq: sent[link], cutAtSend: world.isBlocked(si, simIndex[k]) };
        sent[link]++;
        env.send(nodes[k], message);
      }
      this.#sentTotal += peers.length;
    };

    const arm = (onFire: () => void): void => {
      const setAtMono = env.monoNowMs();
      env.setTimer(HEARTBEAT_INTERVAL_MS, () => {
        const late = guard('timer') - setAtMono;
        if (late < HEARTBEAT_INTERVAL_MS - 1e-6) {
          this.#violations.add('timer-early', `${me}'s ${HEARTBEAT_INTERVAL_MS} ms timer fired after ${late} ms of its monotonic clock`);
        }
        onFire();
        arm(onFire);
      });
    };

    env.onMessage((from, raw) => {
      const mono = guard('message handler');
      this.#onBeat(env, me, i, si, from, raw, mono, lastHeardWallMs, lastHeardMonoMs);
    });
    guard('start');
    let records = this.#recover(env, i);
    let beats = 0;
    const persist = (): void => {
      if (beats++ % HEARTBEAT_PERSIST_EVERY !== 0 || records >= MAX_RECORDS) return;
      const created = records === 0 && env.disk.read(LOG_FILE) === undefined;
      env.disk.append(LOG_FILE, encodeRecord(records++));
      const count = records;
      if (created) {
        env.disk.fsync('', (error) => {
          if (error === undefined) this.#dirDurable[i] = 1;
        });
      }
      env.disk.fsync(LOG_FILE, (error) => {
        if (error === undefined && this.#dirDurable[i] === 1) this.#acked[i] = Math.max(this.#acked[i], count);
      });
    };
    if (this.#bug === 'forget-timer-on-restart' && incarnation > 1) return {};
    const beatAndPersist = (): void => {
      beat();
      persist();
    };
    beatAndPersist();
    arm(beatAndPersist);
    return {};
  }

  /** Read the log back, stop at the first bad record, cut the file there; returns records kept. */
  #recover(env: Env, i: number): number {
    const data = env.disk.read(LOG_FILE);
    if (data === undefined) {
      if (this.#acked[i] > 0) this.#violations.add('durability', `${env.nodeId} lost its whole log (${this.#acked[i]} records acknowledged durable)`);
      return 0;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let count = 0;
    let corrupted = false;
    while ((count + 1) * RECORD_BYTES <= data.length) {
      const at = count * RECORD_BYTES;
      const crc = crc32c(data.subarray(at, at + 4));
      if (crc !== view.getUint32(at + 4, true)) {
        corrupted = true;
        break;
      }
      const value = view.getUint32(at, true);
      if (value !== count) {
        this.#violations.add('corruption-undetected', `${env.nodeId}'s record ${count} passed its checksum but holds ${value}`);
        break;
      }
      count++;
    }
    if (!corrupted && count < this.#acked[i]) {
      this.#violations.add('durability', `${env.nodeId} recovered ${count} records but ${this.#acked[i]} were acknowledged durable`);
    }
    if (count * RECORD_BYTES < data.length) env.disk.truncate(LOG_FILE, count * RECORD_BYTES);
    // What we kept is now the truth: later acknowledgements count from here.
    this.#acked[i] = Math.min(this.#acked[i], count);
    return count;
  }

  #onBeat(env: Env, me: NodeId, i: number, si: number, from: NodeId, raw: unknown, nowMono: number, wall: Float64Array, mono: Float64Array): void {
    const sim = this.#sim;
    const m = raw as Beat;
    const f = typeof m === 'object' && m !== null ? m.fromIndex : -1;
    if (!(f >= 0 && f < this.#n) || this.#nodes[f] !== from || m.from !== from || m.to !== me) {
      this.#violations.add('invented-message', `${me} received ${JSON.stringify(raw)} claiming to be from ${from}`);
      return;
    }
    const link = f * this.#n + i;
    if (!(m.seq >= 0 && m.seq < this.#sent[link])) {
      this.#violations.add('invented-message', `${me} received seq ${m.seq} from ${from}, which only sent ${this.#sent[link]}`);
    }
    if (m.cutAtSend || this.#world.isBlocked(this.#simIndex[f], si)) {
      this.#violations.add('partition-crossed', `${from}→${me} seq ${m.seq} crossed a cut link (${m.cutAtSend ? 'cut at send' : 'cut now'})`);
    }
    if (this.#checkFifo && m.seq <= this.#lastSeq[link]) {
      this.#violations.add('fifo', `${from}→${me} delivered seq ${m.seq} after seq ${this.#lastSeq[link]}`);
    }
    this.#lastSeq[link] = Math.max(this.#lastSeq[link], m.seq);
    this.#received[link]++;
    this.#delivered++;
    if (this.#checkOnce && this.#received[link] > this.#sent[link]) {
      this.#violations.add('duplicate', `${from}→${me} delivered ${this.#received[link]} messages but only ${this.#sent[link]} were sent`);
    }
    if (this.#healAtMs >= 0 && this.#firstAfterHealMs[link] < 0) this.#firstAfterHealMs[link] = sim.nowMs;

    // Elapsed time since this peer was last heard: the monotonic clock is the right tool.
    const prevMono = mono[f];
    if (nowMono - prevMono < 0) {
      this.#violations.add('mono-backwards', `${me} measured ${nowMono - prevMono} ms since it last heard ${from}`);
    }
    mono[f] = nowMono;
    if (this.#bug === 'wall-clock-elapsed') {
      const nowWall = env.wallNowMs();
      const prevWall = wall[f];
      if (nowWall - prevWall < 0) {
        this.#violations.add('negative-elapsed', `${me} measured ${round(nowWall - prevWall)} ms since it last heard ${from}: elapsed time taken from the wall clock`);
      }
      wall[f] = nowWall;
    }
  }

  onQuiet(): void {
    this.#healAtMs = this.#sim.nowMs;
    this.#sentAtHeal = this.#sent.slice();
  }

  finish() {
    const sim = this.#sim;
    const n = this.#n;
    const live = this.#nodes.filter((name) => sim.isUp(name));
    for (const to of live) {
      for (const from of live) {
        if (from === to) continue;
        const link = this.#index.get(from)! * n + this.#index.get(to)!;
        const first = this.#firstAfterHealMs[link];
        if (this.#healAtMs >= 0 && (first < 0 || first - this.#healAtMs > this.#boundMs)) {
          const heard = first < 0 ? 'never heard' : `first heard ${round(first - this.#healAtMs)} ms`;
          this.#violations.add('liveness', `${to} ${heard} from ${from} after the heal (bound ${round(this.#boundMs)} ms)`);
        }
        if (this.#checkLost && this.#sentAtHeal !== undefined && this.#received[link] < this.#sentAtHeal[link]) {
          this.#violations.add('lost', `${from}→${to}: ${this.#sentAtHeal[link]} sent before the heal, only ${this.#received[link]} arrived, with loss, partitions and crashes off`);
        }
      }
    }
    const violations = this.#violations.list();
    return { violations, ops: { ok: this.#delivered, fail: 0, info: Math.max(0, this.#sentTotal - this.#delivered) } };
  }
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function encodeRecord(index: number): Uint8Array {
  const bytes = new Uint8Array(RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, index, true);
  view.setUint32(4, crc32c(bytes.subarray(0, 4)), true);
  return bytes;
}
