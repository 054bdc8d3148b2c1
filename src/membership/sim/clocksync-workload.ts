/**
 * `faultline sim --workload clocksync`: every node runs a `ClockSyncMonitor`
 * and exchanges NTP-style samples with every peer each second, under the
 * random nemesis (clock offsets up to ±5 s, drift, steps both ways, and every
 * other fault). Once the network has healed and every sample in use was taken
 * after the heal, the checker compares each node's verdict with the truth
 * the simulator knows (`sim.clock(node).offsetMs`), and then steps one node's
 * clock far away:
 *
 * - `false-flag`: a node must never *become* unsafe while at least half of the
 *   live peers are truly within the tolerance (`unsafeFraction × maxOffsetMs`)
 *   of it — the monitor calls a peer far only when it certainly is;
 * - `stuck-flag`: a node flagged earlier must clear within `detectionBoundMs`
 *   once that holds;
 * - `skew-unflagged`: a node truly further than tolerance + measurement slack
 *   from a strict majority of live peers must flag itself within
 *   `detectionBoundMs` (the stepped node, and any other the nemesis left far);
 * - `sync-stalled`: every live node keeps fresh samples of every live peer;
 * - `garbage-accepted`: malformed messages are dropped and counted.
 *
 * The checks run only in the quiet phase, where clocks drift but no longer
 * step: a step invalidates a peer's samples until they are replaced, and no
 * bound can be promised across it.
 */
import type { Env, NodeId } from '../../env/index.js';
import { ViolationLog, type Simulation, type Workload, type WorkloadContext, type WorkloadRun } from '../../sim/index.js';
import type { Rng } from '../../core/random/rng.js';
import { ClockSyncMonitor, parseClockSyncMessage } from '../../core/time/index.js';

export const CLOCKSYNC_MAX_OFFSET_MS = 500;
export const CLOCKSYNC_UNSAFE_FRACTION = 0.8;
const SYNC_INTERVAL_MS = 1_000;
const MAX_SAMPLE_AGE_MS = 3 * SYNC_INTERVAL_MS;
/** The checker compares verdicts with the truth this often. */
const CHECK_MS = 100;
const GARBAGE_CLIENT = 'garbage';
const GARBAGE_EVERY_MS = 300;

export const clocksyncWorkload: Workload = {
  name: 'clocksync',
  summary: 'NTP-style clock-sync monitor: a node skewed past the bound flags itself in bound, the others do not',
  minNodes: 3,
  bugs: {
    'flag-on-any-peer': 'a node takes itself out when any one peer is far, not a majority (so everyone flags when one clock is bad)',
  },
  setup: (context) => new ClocksyncRun(context),
};

interface NodeView {
  monitor: ClockSyncMonitor;
  flagged: boolean;
  flaggedAtMs: number;
}

class ClocksyncRun implements WorkloadRun {
  readonly quietMs: number;
  readonly #sim: Simulation;
  readonly #names: NodeId[];
  readonly #index = new Map<NodeId, number>();
  readonly #rng: Rng;
  readonly #bug: string | undefined;
  readonly #driftPpm: number;
  readonly #minPeers: number;
  readonly #toleranceMs = CLOCKSYNC_UNSAFE_FRACTION * CLOCKSYNC_MAX_OFFSET_MS;
  readonly #views: Array<NodeView | undefined>;
  readonly #bootMs: Float64Array;
  readonly #mustFlagSinceMs: Float64Array;
  readonly #clearSinceMs: Float64Array;
  readonly #violations = new ViolationLog(3);
  /** Set at the heal: the checks start at `#checkFromMs`. */
  #checkFromMs = Infinity;
  #slackMs = 0;
  #detectionBoundMs = 0;
  #samples = 0;
  #flags = 0;

  constructor(context: WorkloadContext) {
    const { sim, nodes, knobs, bug, rng } = context;
    this.#sim = sim;
    this.#names = nodes;
    this.#rng = rng;
    this.#bug = bug;
    nodes.forEach((name, i) => this.#index.set(name, i));
    const n = nodes.length;
    // The monitor is told the true bound on drift, as an operator would configure it.
    this.#driftPpm = Math.max(1, knobs.clock?.driftPpmMax ?? 0);
    this.#minPeers = Math.ceil((n - 1) / 2);
    this.#views = new Array<NodeView | undefined>(n);
    this.#bootMs = new Float64Array(n);
    this.#mustFlagSinceMs = new Float64Array(n).fill(-1);
    this.#clearSinceMs = new Float64Array(n).fill(-1);
    // Quiet phase: settle (every sample post-heal), checks, a step, detection, margin.
    const latencyMsMax = Math.max(knobs.network.latencyMsMax, sim.network.latencyMsMax);
    this.quietMs = Math.ceil(2 * (MAX_SAMPLE_AGE_MS + SYNC_INTERVAL_MS + 4 * latencyMsMax) + 4_000);
    for (const name of nodes) sim.host(name, (env) => this.#boot(env));
    sim.client(GARBAGE_CLIENT, (env) => this.#garbage(env));
  }

  #boot(env: Env): object {
    const me = env.nodeId;
    const i = this.#index.get(me)!;
    const peers = this.#names.filter((p) => p !== me);
    const monitor = new ClockSyncMonitor({
      clocks: env,
      maxOffsetMs: CLOCKSYNC_MAX_OFFSET_MS,
      unsafeFraction: CLOCKSYNC_UNSAFE_FRACTION,
      driftPpm: this.#driftPpm,
      maxSampleAgeMs: MAX_SAMPLE_AGE_MS,
      minPeers: this.#minPeers,
    });
    const view: NodeView = { monitor, flagged: false, flaggedAtMs: -1 };
    this.#views[i] = view;
    this.#bootMs[i] = this.#sim.nowMs;
    env.onMessage((from, raw) => {
      const m = parseClockSyncMessage(raw);
      if (m === undefined) {
        if (from !== GARBAGE_CLIENT) this.#violations.add('malformed', `${me} could not parse a message from ${from}`);
        return;
      }
      if (m.type === 'clock-sync-request') {
        env.send(from, monitor.respond(m));
        return;
      }
      const accepted = monitor.receive(from, m);
      if (from === GARBAGE_CLIENT && accepted) this.#violations.add('garbage-accepted', `${me} accepted a forged response from ${from}`);
      if (accepted) this.#samples++;
      this.#evaluate(i);
    });
    const tick = (): void => {
      for (const p of peers) env.send(p, monitor.request(p));
      this.#evaluate(i);
      env.setTimer(SYNC_INTERVAL_MS, tick);
    };
    env.setTimer(env.rng.next() * SYNC_INTERVAL_MS, tick);
    return {};
  }

  /** The node's own decision: is it unsafe to serve? */
  #evaluate(i: number): void {
    const view = this.#views[i]!;
    const health = view.monitor.check();
    const flagged =
      this.#bug === 'flag-on-any-peer' ? health.status !== 'unknown' && health.farPeers.length > 0 : health.status === 'unsafe';
    if (flagged === view.flagged) return;
    view.flagged = flagged;
    view.flaggedAtMs = this.#sim.nowMs;
    if (!flagged) return;
    this.#flags++;
    if (this.#sim.nowMs < this.#checkFromMs) return;
    const truth = this.#truth(i);
    if (truth.mustNotFlag) {
      this.#violations.add('false-flag', `${this.#names[i]} took itself out at ${round(this.#sim.nowMs)} ms, but ${truth.near} of ${truth.live} live peers are within ${this.#toleranceMs} ms of it (true offsets)`);
    }
  }

  /** A stray client sending malformed and forged messages. */
  #garbage(env: Env): object {
    const junk: unknown[] = [
      null,
      'clock-sync-response',
      { type: 'clock-sync-response', id: 1 },
      { type: 'clock-sync-response', id: 1, receivedAtMs: 5, sentAtMs: 4, errorMs: 0 },
      { type: 'clock-sync-response', id: 2, receivedAtMs: 0, sentAtMs: 0, errorMs: -1 },
      // Well-formed but unsolicited: must be rejected as matching no request.
      { type: 'clock-sync-response', id: 3, receivedAtMs: 0, sentAtMs: 0, errorMs: 0 },
    ];
    const tick = (): void => {
      env.send(this.#names[env.rng.int(this.#names.length)], junk[env.rng.int(junk.length)]);
      env.setTimer(GARBAGE_EVERY_MS, tick);
    };
    env.setTimer(GARBAGE_EVERY_MS, tick);
    return {};
  }

  /** What the true clocks say about node i now. */
  #truth(i: number): { live: number; near: number; mustFlag: boolean; mustNotFlag: boolean } {
    const sim = this.#sim;
    const mine = sim.clock(this.#names[i]).offsetMs;
    let live = 0;
    let near = 0;
    let far = 0;
    const driftSlackMs = (4 * this.#driftPpm * 1e-6 * (MAX_SAMPLE_AGE_MS + CHECK_MS)) / (1 - this.#driftPpm * 1e-6) + 1e-6;
    for (let j = 0; j < this.#names.length; j++) {
      if (j === i || !sim.isUp(this.#names[j])) continue;
      live++;
      const rel = Math.abs(sim.clock(this.#names[j]).offsetMs - mine);
      if (rel <= this.#toleranceMs - driftSlackMs) near++;
      if (rel > this.#toleranceMs + this.#slackMs) far++;
    }
    return { live, near, mustFlag: live >= this.#minPeers && 2 * far > live, mustNotFlag: 2 * near >= live };
  }

  onQuiet(): void {
    const sim = this.#sim;
    const latencyMsMax = sim.network.latencyMsMax;
    const rho = (this.#driftPpm * 1e-6) / (1 - this.#driftPpm * 1e-6);
    // A sample's interval is θ ± (δ/2 + (rtt + age)·2ρ), δ ≤ rtt ≤ 2 × the latency cap.
    this.#slackMs = 2 * latencyMsMax + 2 * (2 * latencyMsMax + MAX_SAMPLE_AGE_MS + SYNC_INTERVAL_MS) * 2 * rho + 1;
    this.#detectionBoundMs = MAX_SAMPLE_AGE_MS + SYNC_INTERVAL_MS + 4 * latencyMsMax + 2 * CHECK_MS;
    const settleMs = MAX_SAMPLE_AGE_MS + SYNC_INTERVAL_MS + 4 * latencyMsMax;
    this.#checkFromMs = sim.nowMs + settleMs;
    sim.at(this.#checkFromMs, () => this.#check());
    sim.at(this.#checkFromMs + SYNC_INTERVAL_MS, () => this.#stepOne());
  }

  /** Step one live node's wall clock far from everyone else (away from the others' median). */
  #stepOne(): void {
    const sim = this.#sim;
    const up = this.#names.filter((name) => sim.isUp(name));
    if (up.length < 3) return;
    const victim = up[this.#rng.int(up.length)];
    const others = up.filter((name) => name !== victim).map((name) => sim.clock(name).offsetMs).sort((a, b) => a - b);
    const median = others[others.length >> 1];
    const spread = others[others.length - 1] - others[0];
    const away = sim.clock(victim).offsetMs >= median ? 1 : -1;
    sim.stepClock(victim, away * (spread + 10 * CLOCKSYNC_MAX_OFFSET_MS));
  }

  #check(): void {
    const sim = this.#sim;
    const now = sim.nowMs;
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i];
      const view = this.#views[i];
      if (!sim.isUp(name) || view === undefined || now - this.#bootMs[i] < this.#detectionBoundMs) {
        this.#mustFlagSinceMs[i] = -1;
        this.#clearSinceMs[i] = -1;
        continue;
      }
      const truth = this.#truth(i);
      const health = view.monitor.check();
      if (health.peers < truth.live) this.#violations.add('sync-stalled', `${name} has fresh samples of ${health.peers} of ${truth.live} live peers at ${round(now)} ms`);
      this.#mustFlagSinceMs[i] = truth.mustFlag ? (this.#mustFlagSinceMs[i] < 0 ? now : this.#mustFlagSinceMs[i]) : -1;
      this.#clearSinceMs[i] = truth.mustNotFlag ? (this.#clearSinceMs[i] < 0 ? now : this.#clearSinceMs[i]) : -1;
      if (truth.mustFlag && !view.flagged && now - this.#mustFlagSinceMs[i] > this.#detectionBoundMs) {
        this.#violations.add('skew-unflagged', `${name} is more than ${round(this.#toleranceMs + this.#slackMs)} ms from a majority of live peers since ${round(this.#mustFlagSinceMs[i])} ms and has not flagged itself`);
        this.#mustFlagSinceMs[i] = now; // one report per bound
      }
      if (truth.mustNotFlag && view.flagged && now - this.#clearSinceMs[i] > this.#detectionBoundMs) {
        this.#violations.add('stuck-flag', `${name} is still out of service at ${round(now)} ms, though ${truth.near} of ${truth.live} live peers are within tolerance since ${round(this.#clearSinceMs[i])} ms`);
        this.#clearSinceMs[i] = now;
      }
    }
    sim.after(CHECK_MS, () => this.#check());
  }

  finish() {
    const violations = this.#violations.list();
    return { violations, ops: { ok: this.#samples, fail: 0, info: this.#flags } };
  }

}

const round = (x: number): number => Math.round(x * 1000) / 1000;
