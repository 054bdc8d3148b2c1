/**
 * `faultline sim --workload membership`: N members run SWIM under the random
 * nemesis, then the network heals and the workload crash-stops one member and
 * lets another leave gracefully. Checks:
 *
 * - `crash-undetected`: every member that stays down is declared dead by every
 *   live member within `crashBoundMs` of max(its crash, the heal, the
 *   observer's boot) — the analytic worst case: two probe rounds (randomised
 *   round robin probes each member once per round), the awareness back-off
 *   unwinding, one probe interval, the longest suspicion, and 4 × the latency cap.
 * - `false-death`: when the drawn loss is ≤ 10 % (the check is conditional on
 *   the knobs; no other family is excluded), no member's suspicion timer
 *   declares dead a member that was up, not restarted, on no cut link and
 *   not paused for as long as the minimum suspicion timeout during the
 *   preceding `excuseWindowMs`. Pauses in every drawn knob set are shorter
 *   than that minimum, so a pause never excuses a death here.
 * - `not-converged`: at the end every live member sees every other live
 *   member alive (refutations and rejoins done), and nobody still sees the
 *   member that left as alive (`leave-unseen`).
 * - `garbage-accepted`: a bit-flipped packet from a stray client is dropped
 *   and counted, never acted on.
 */
import type { Env, NodeId } from '../../env/index.js';
import { ViolationLog, type Simulation, type Workload, type WorkloadContext, type WorkloadRun } from '../../sim/index.js';
import type { Rng } from '../../core/random/rng.js';
import { suspicionTimeoutMs } from '../arithmetic.js';
import { encodeMessages } from '../codec.js';
import { DEFAULT_LAN_CONFIG, type MembershipConfig } from '../config.js';
import type { MembershipEvent } from '../events.js';
import { MembershipNode } from '../node.js';

/** How often the checker samples every host's up/paused/link state, ms. Partitions last ≥ 50 ms. */
const POLL_MS = 20;
/** The drawn loss at or below which no live, connected member may be declared dead (the 10 %). */
export const FALSE_DEATH_MAX_LOSS = 0.1;
/** After the heal: the scripted crash-stop and graceful leave happen this much later. */
const SCRIPT_DELAY_MS = 1_000;
/** The member that leaves keeps gossiping this long before it stops. */
const LEAVE_LINGER_MS = 3_000;
const GARBAGE_CLIENT = 'garbage';
const GARBAGE_EVERY_MS = 500;

export interface MembershipBounds {
  /** Minimum suspicion timeout for the cluster size. */
  suspicionMinMs: number;
  suspicionMaxMs: number;
  /** Worst-case time from a crash (in a calm network) until every member has declared it dead. */
  crashBoundMs: number;
  /** A disturbance of a member this long before its death excuses the death. */
  excuseWindowMs: number;
}

/** The bounds the checks use, from memberlist's arithmetic and the LAN defaults. */
export function membershipBounds(n: number, config: MembershipConfig = DEFAULT_LAN_CONFIG, latencyMsMax = 0): MembershipBounds {
  const pi = config.probeIntervalMs;
  const suspicionMinMs = suspicionTimeoutMs(config.suspicionMult, n, pi);
  const suspicionMaxMs = config.suspicionMaxTimeoutMult * suspicionMinMs;
  // Unwinding the worst health score: one success per (score + 1) intervals, from max − 1 down to 0.
  let awarenessUnwindMs = 0;
  for (let s = 1; s < config.awarenessMaxMultiplier; s++) awarenessUnwindMs += (s + 1) * pi;
  const crashBoundMs = awarenessUnwindMs + 2 * (n - 1) * pi + pi + suspicionMaxMs + 4 * latencyMsMax;
  const excuseWindowMs = suspicionMaxMs + config.awarenessMaxMultiplier * pi + pi + 4 * latencyMsMax;
  return { suspicionMinMs, suspicionMaxMs, crashBoundMs, excuseWindowMs };
}

export const membershipWorkload: Workload = {
  name: 'membership',
  summary: 'SWIM gossip membership: crashed members declared dead in bound, live ones never, views converge',
  minNodes: 3,
  bugs: {
    'never-refute': 'a member never refutes a suspicion about itself, so a briefly paused (live) member is declared dead',
  },
  setup: (context) => new MembershipRun(context),
};

class MembershipRun implements WorkloadRun {
  readonly quietMs: number;
  readonly #sim: Simulation;
  readonly #names: readonly NodeId[];
  readonly #index = new Map<NodeId, number>();
  readonly #config: Partial<MembershipConfig>;
  readonly #bounds: MembershipBounds;
  readonly #checkFalseDeaths: boolean;
  readonly #rng: Rng;
  readonly #nodes: Array<MembershipNode | undefined>;
  /** Per observer × subject: virtual ms since the subject is dead/left in the observer's view, −1 if not. */
  readonly #deadSince: Float64Array;
  /** Per member: boot time of its current process. */
  readonly #bootMs: Float64Array;
  /** Per member: last poll at which it was down, restarted, cut off or long paused. */
  readonly #disturbedMs: Float64Array;
  readonly #pausedSinceMs: Float64Array;
  readonly #lastIncarnation: Int32Array;
  /** Per member: start of its current down stretch, −1 when up. */
  readonly #downSinceMs: Float64Array;
  readonly #violations = new ViolationLog(3);
  #healAtMs = -1;
  #leaver: NodeId | undefined;
  #scriptedCrash: NodeId | undefined;
  #detections = 0;
  #refutations = 0;

  constructor(context: WorkloadContext) {
    const { sim, nodes, knobs, bug, rng } = context;
    this.#sim = sim;
    this.#names = Object.freeze([...nodes]);
    this.#rng = rng;
    nodes.forEach((name, i) => this.#index.set(name, i));
    const n = nodes.length;
    this.#config = bug === 'never-refute' ? { testingBugs: { neverRefute: true } } : {};
    const latencyMsMax = Math.max(knobs.network.latencyMsMax, sim.network.latencyMsMax);
    this.#bounds = membershipBounds(n, DEFAULT_LAN_CONFIG, latencyMsMax);
    this.#checkFalseDeaths = knobs.network.lossProbability <= FALSE_DEATH_MAX_LOSS;
    this.#nodes = new Array<MembershipNode | undefined>(n);
    this.#deadSince = new Float64Array(n * n).fill(-1);
    this.#bootMs = new Float64Array(n);
    this.#disturbedMs = new Float64Array(n).fill(-Infinity);
    this.#pausedSinceMs = new Float64Array(n).fill(-1);
    this.#lastIncarnation = new Int32Array(n);
    this.#downSinceMs = new Float64Array(n).fill(-1);
    this.quietMs = Math.ceil(SCRIPT_DELAY_MS + this.#bounds.crashBoundMs + 1_000);
    for (const name of nodes) sim.host(name, (env) => this.#boot(env));
    sim.client(GARBAGE_CLIENT, (env) => this.#garbage(env));
    this.#poll(true);
  }

  #boot(env: Env): object {
    const sim = this.#sim;
    const me = env.nodeId;
    const i = this.#index.get(me)!;
    const first = sim.incarnation(me) === 1;
    // A statically configured cluster starts together; a restarted member rejoins through the others.
    const node = new MembershipNode(env, { config: this.#config, members: first ? this.#names : [] });
    this.#nodes[i] = node;
    this.#bootMs[i] = sim.nowMs;
    this.#deadSince.fill(-1, i * this.#names.length, (i + 1) * this.#names.length);
    node.onEvent((e) => this.#onEvent(i, e));
    env.onMessage((from, message) => {
      if (from !== GARBAGE_CLIENT || node.stopped) {
        node.receive(from, message);
        return;
      }
      const before = node.stats.garbage;
      node.receive(from, message);
      if (node.stats.garbage !== before + 1) this.#violations.add('garbage-accepted', `${me} did not drop a corrupted packet from ${from}`);
    });
    node.start();
    if (!first) node.join(this.#names.filter((x) => x !== me));
    return { stop: () => node.stop() };
  }

  /** A stray client sending valid-looking packets with one bit flipped (CRC-32C must catch every one). */
  #garbage(env: Env): object {
    const tick = (): void => {
      const to = this.#names[env.rng.int(this.#names.length)];
      const packet = encodeMessages([{ type: 'dead', incarnation: 1 + env.rng.int(1000), node: to, from: GARBAGE_CLIENT }]);
      const bit = env.rng.int(packet.length * 8);
      packet[bit >> 3] ^= 1 << (bit & 7);
      env.send(to, packet);
      env.setTimer(GARBAGE_EVERY_MS, tick);
    };
    env.setTimer(GARBAGE_EVERY_MS, tick);
    return {};
  }

  #onEvent(observer: number, e: MembershipEvent): void {
    const sim = this.#sim;
    const subject = this.#index.get(e.member);
    if (subject === undefined) return;
    const n = this.#names.length;
    const cell = observer * n + subject;
    if (e.type === 'join' || e.type === 'alive') {
      this.#deadSince[cell] = -1;
      if (e.type === 'alive') this.#refutations++;
      return;
    }
    if (e.type === 'suspect') return;
    if (this.#deadSince[cell] < 0) this.#deadSince[cell] = sim.nowMs;
    if (e.type !== 'dead') return;
    if (this.#downSinceMs[subject] >= 0) this.#detections++;
    if (e.cause !== 'timeout' || !this.#checkFalseDeaths || e.member === this.#leaver) return;
    const disturbed = this.#disturbedMs[subject];
    if (!sim.isUp(e.member) || sim.nowMs - disturbed <= this.#bounds.excuseWindowMs) return;
    const since = disturbed === -Infinity ? 'never disturbed' : `last disturbed ${round(sim.nowMs - disturbed)} ms before`;
    this.#violations.add('false-death', `${this.#names[observer]} declared ${e.member} dead at ${round(sim.nowMs)} ms, but it was live and connected (${since}; window ${round(this.#bounds.excuseWindowMs)} ms)`);
  }

  /** Sample every host: up, restarted, paused for long, on a cut link. Links only matter before the heal. */
  #poll(links: boolean): void {
    const sim = this.#sim;
    const now = sim.nowMs;
    const n = this.#names.length;
    for (let i = 0; i < n; i++) {
      const name = this.#names[i];
      const up = sim.isUp(name);
      const inc = sim.incarnation(name);
      // A restart is a disturbance; the first start is not.
      if (!up || (this.#lastIncarnation[i] > 0 && inc !== this.#lastIncarnation[i])) this.#disturbedMs[i] = now;
      this.#lastIncarnation[i] = inc;
      if (!up && this.#downSinceMs[i] < 0) this.#downSinceMs[i] = now;
      if (up) this.#downSinceMs[i] = -1;
      if (up && sim.isPaused(name)) {
        if (this.#pausedSinceMs[i] < 0) this.#pausedSinceMs[i] = now;
        if (now - this.#pausedSinceMs[i] >= this.#bounds.suspicionMinMs) this.#disturbedMs[i] = now;
      } else {
        this.#pausedSinceMs[i] = -1;
      }
    }
    // Only the false-death check reads disturbances; cut links are the costly part to sample (n² look-ups).
    if (links && this.#checkFalseDeaths) this.#markCutOff(now);
    sim.after(POLL_MS, () => this.#poll(this.#healAtMs < 0));
  }

  /** Both ends of a cut link (either direction) are disturbed: each pair is looked at once, every poll until the heal. */
  #markCutOff(now: number): void {
    const sim = this.#sim;
    const names = this.#names;
    const disturbed = this.#disturbedMs;
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        if (disturbed[i] === now && disturbed[j] === now) continue;
        if (sim.isLinkBlocked(names[i], names[j]) || sim.isLinkBlocked(names[j], names[i])) {
          disturbed[i] = now;
          disturbed[j] = now;
        }
      }
    }
  }

  onQuiet(): void {
    const sim = this.#sim;
    this.#healAtMs = sim.nowMs;
    sim.after(SCRIPT_DELAY_MS, () => this.#script());
  }

  /** Crash-stop one live member (keeping a majority up) and let another leave. */
  #script(): void {
    const sim = this.#sim;
    const n = this.#names.length;
    const up = this.#names.filter((name) => sim.isUp(name));
    if (n - up.length + 1 <= (n - 1) >> 1 && up.length >= 3) {
      this.#scriptedCrash = up[this.#rng.int(up.length)];
      sim.crash(this.#scriptedCrash);
    }
    const candidates = up.filter((name) => name !== this.#scriptedCrash);
    if (n >= 4 && candidates.length >= 3) {
      const leaver = candidates[this.#rng.int(candidates.length)];
      this.#leaver = leaver;
      const node = this.#nodes[this.#index.get(leaver)!]!;
      node.leave();
      sim.after(LEAVE_LINGER_MS, () => node.stop());
    }
  }

  finish() {
    const sim = this.#sim;
    const n = this.#names.length;
    const end = sim.nowMs;
    const bound = this.#bounds.crashBoundMs;
    const observers = this.#names.filter((name, i) => sim.isUp(name) && name !== this.#leaver && end - this.#bootMs[i] >= bound);
    for (const observer of observers) {
      const o = this.#index.get(observer)!;
      const node = this.#nodes[o]!;
      for (let s = 0; s < n; s++) {
        const subject = this.#names[s];
        if (subject === observer) continue;
        const view = node.member(subject)?.state;
        const deadSince = this.#deadSince[o * n + s];
        if (subject === this.#leaver) {
          if (view === 'alive' || view === 'suspect') this.#violations.add('leave-unseen', `${observer} still sees ${subject} ${view} after it left`);
          continue;
        }
        const downSince = this.#downSinceMs[s];
        if (downSince >= 0) {
          const deadline = Math.max(downSince, this.#healAtMs, this.#bootMs[o]) + bound;
          if (end < deadline) continue;
          // Unknown is fine: the dead were reaped (or never learned of, by a member that rejoined later).
          if (view === 'alive' || view === 'suspect') {
            this.#violations.add('crash-undetected', `${observer} still sees ${subject} ${view}, down since ${round(downSince)} ms (bound ${round(bound)} ms)`);
          } else if (view !== undefined && deadSince > deadline) {
            this.#violations.add('crash-undetected', `${observer} declared ${subject} dead at ${round(deadSince)} ms, after the bound (${round(deadline)} ms)`);
          }
        } else if (view !== 'alive') {
          this.#violations.add('not-converged', `${observer} sees live ${subject} as ${view ?? 'unknown'} at the end`);
        }
      }
    }
    const violations = this.#violations.list();
    return { violations, ops: { ok: this.#detections, fail: 0, info: this.#refutations } };
  }

}

const round = (x: number): number => Math.round(x * 1000) / 1000;
