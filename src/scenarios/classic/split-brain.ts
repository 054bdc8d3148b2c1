/**
 * `split-brain` — leader election without a majority under a partition gives
 * two leaders; with a majority of the whole cluster, never more than one
 * (DDIA ch. 8, "The Truth Is Defined by the Majority").
 *
 * N nodes run a small Raft-like election: terms, one vote per term,
 * randomized election timeouts, and leader stickiness (a node that heard a
 * live leader within the minimum election timeout refuses to vote). A leader
 * *acts* — may serve writes — while it holds a lease: a heartbeat round
 * acknowledged by a quorum makes it leader for `leaseMs` from the round's
 * send, on its monotonic clock. The two variants differ in one rule only:
 *  - unsafe: a quorum is a majority of the nodes that answered (a side of a
 *    partition answers only for itself, so every side elects its own leader);
 *  - safe: a quorum is a majority of all N nodes (two sides can't both have one).
 * The judge converts every lease to true time and counts pairs of different
 * nodes acting as leader at the same instant.
 */
import type { Env, NodeId } from '../../env/index.js';
import { Simulation } from '../../sim/index.js';
import type { Scenario, ScenarioOutcome, ScenarioReport } from '../scenario.js';
import { SCENARIO_EPOCH_MS, formatMs, formatRunTime, plural, scenarioRng } from './common.js';

type Mode = 'reachable-majority' | 'cluster-majority';

interface Params {
  nodes: NodeId[];
  /** Nodes cut off together, and whether the leader at the split is among them. */
  minoritySize: number;
  leaderInMinority: boolean;
  /** Seed-chosen members of the two sides besides the leader (by position among the followers). */
  followerOrder: number[];
  partitionAtMs: number;
  partitionMs: number;
  electionTimeoutMs: number;
  driftPpm: number[];
  latencyMsMedian: number;
}

const HEARTBEAT_MS = 50;
/** A vote or heartbeat round collects answers this long (> twice the latency cap). */
const WINDOW_MS = 30;
const LATENCY_MS_MAX = 10;
/** Drift of every clock stays within this; the lease is shortened to cover it. */
const DRIFT_PPM_MAX = 100;
const AFTER_HEAL_MS = 1_000;

export function drawSplitBrainParams(seed: number): Params {
  const rng = scenarioRng(seed);
  const count = rng.intBetween(3, 7);
  const nodes = Array.from({ length: count }, (_, i) => `n${i + 1}`);
  const order = Array.from({ length: count - 1 }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return {
    nodes,
    minoritySize: rng.intBetween(1, Math.floor(count / 2)),
    leaderInMinority: rng.chance(0.5),
    followerOrder: order,
    partitionAtMs: 100 * rng.intBetween(10, 20),
    partitionMs: 100 * rng.intBetween(15, 50),
    electionTimeoutMs: 10 * rng.intBetween(15, 30),
    driftPpm: nodes.map(() => rng.intBetween(-DRIFT_PPM_MAX, DRIFT_PPM_MAX)),
    latencyMsMedian: 1 + rng.int(3),
  };
}

type Message =
  | { type: 'vote-req'; term: number }
  | { type: 'vote'; term: number; granted: boolean }
  | { type: 'beat'; term: number; round: number }
  | { type: 'beat-ack'; term: number; round: number; ok: boolean };

/** What the judge hears from a node: its lease now runs until `untilMono` (its monotonic ms), or it stopped acting. */
interface LeaseReport {
  lease(node: NodeId, term: number, untilMonoMs: number, nowMonoMs: number): void;
  stepDown(node: NodeId): void;
}

type Role =
  | { kind: 'follower' }
  | { kind: 'candidate'; votes: Set<NodeId>; answered: Set<NodeId> }
  | { kind: 'leader'; round: number; roundSentMono: number; acks: Set<NodeId>; answered: Set<NodeId>; leaseUntilMono: number };

function electionNode(env: Env, nodes: readonly NodeId[], mode: Mode, timeoutMs: number, report: LeaseReport): object {
  const me = env.nodeId;
  const peers = nodes.filter((n) => n !== me);
  // The lease must end before any voter's stickiness (timeoutMs on its clock) can: both clocks may drift.
  const leaseMs = Math.floor(timeoutMs * 0.8 * (1 - 2 * DRIFT_PPM_MAX / 1e6));
  let term = 0;
  let votedFor: NodeId | null = null;
  let role: Role = { kind: 'follower' };
  let lastLeaderHeardMono = -Infinity;
  let electionTimer = -1;

  const quorum = (granted: Set<NodeId>, answered: Set<NodeId>): boolean =>
    mode === 'cluster-majority' ? granted.size * 2 > nodes.length : granted.size * 2 > answered.size;
  const acting = (): boolean => role.kind === 'leader' && env.monoNowMs() < role.leaseUntilMono;

  const becomeFollower = (): void => {
    const wasLeader = role.kind === 'leader';
    role = { kind: 'follower' };
    if (wasLeader) {
      report.stepDown(me);
      resetElectionTimer();
    }
  };
  const observeTerm = (t: number): void => {
    if (t <= term) return;
    term = t;
    votedFor = null;
    becomeFollower();
  };
  const resetElectionTimer = (): void => {
    env.clearTimer(electionTimer);
    electionTimer = env.setTimer(timeoutMs * (1 + env.rng.next()), startElection);
  };
  const startElection = (): void => {
    if (role.kind === 'leader') return;
    term++;
    votedFor = me;
    const thisTerm = term;
    const r: Role = { kind: 'candidate', votes: new Set([me]), answered: new Set([me]) };
    role = r;
    for (const p of peers) env.send(p, { type: 'vote-req', term });
    env.setTimer(WINDOW_MS, () => {
      if (role !== r || term !== thisTerm) return;
      if (quorum(r.votes, r.answered)) becomeLeader();
    });
    resetElectionTimer();
  };
  const becomeLeader = (): void => {
    env.clearTimer(electionTimer);
    const r: Role = { kind: 'leader', round: 0, roundSentMono: 0, acks: new Set(), answered: new Set(), leaseUntilMono: -Infinity };
    role = r;
    heartbeat(r);
  };
  /** One heartbeat round of leadership `r`; the loop ends when `r` does. */
  const heartbeat = (r: Extract<Role, { kind: 'leader' }>): void => {
    if (role !== r) return;
    r.round++;
    r.roundSentMono = env.monoNowMs();
    r.acks = new Set([me]);
    r.answered = new Set([me]);
    const round = r.round;
    const sentMono = r.roundSentMono;
    for (const p of peers) env.send(p, { type: 'beat', term, round });
    env.setTimer(WINDOW_MS, () => {
      if (role !== r || r.round !== round) return;
      if (quorum(r.acks, r.answered)) {
        r.leaseUntilMono = Math.max(r.leaseUntilMono, sentMono + leaseMs);
        lastLeaderHeardMono = env.monoNowMs(); // a leader is its own live leader: it refuses votes while acting
        report.lease(me, term, r.leaseUntilMono, env.monoNowMs());
      }
    });
    env.setTimer(HEARTBEAT_MS, () => heartbeat(r));
  };

  env.onMessage((from, raw) => {
    const m = raw as Message;
    switch (m.type) {
      case 'vote-req': {
        // Stickiness: while a live leader is heard (or this node leads), a vote request is refused outright.
        const sticky = acting() || env.monoNowMs() - lastLeaderHeardMono < timeoutMs;
        if (!sticky) observeTerm(m.term);
        const granted = !sticky && m.term === term && (votedFor === null || votedFor === from);
        if (granted) {
          votedFor = from;
          resetElectionTimer();
        }
        env.send(from, { type: 'vote', term, granted });
        return;
      }
      case 'vote':
        observeTerm(m.term);
        if (role.kind === 'candidate' && m.term === term) {
          role.answered.add(from);
          if (m.granted) role.votes.add(from);
        }
        return;
      case 'beat': {
        if (m.term < term) {
          env.send(from, { type: 'beat-ack', term, round: m.round, ok: false });
          return;
        }
        observeTerm(m.term);
        if (role.kind !== 'follower') becomeFollower(); // a same-term leader or candidate yields
        lastLeaderHeardMono = env.monoNowMs();
        resetElectionTimer();
        env.send(from, { type: 'beat-ack', term, round: m.round, ok: true });
        return;
      }
      case 'beat-ack':
        observeTerm(m.term);
        if (role.kind === 'leader' && m.term === term && m.round === role.round) {
          role.answered.add(from);
          if (m.ok) role.acks.add(from);
        }
        return;
      default:
        return;
    }
  });
  resetElectionTimer();
  return {};
}

interface Interval {
  node: NodeId;
  term: number;
  startMs: number;
  endMs: number;
}

/** Leases in true time, merged per node and term. */
class LeaseJudge implements LeaseReport {
  readonly intervals: Interval[] = [];
  readonly #open = new Map<NodeId, Interval>();
  readonly #sim: Simulation;

  constructor(sim: Simulation) {
    this.#sim = sim;
  }

  lease(node: NodeId, term: number, untilMonoMs: number, nowMonoMs: number): void {
    const now = this.#sim.nowMs;
    const rate = 1 + this.#sim.clock(node).driftPpm / 1e6;
    const endMs = now + (untilMonoMs - nowMonoMs) / rate;
    const open = this.#open.get(node);
    if (open !== undefined && open.term === term && open.endMs >= now) {
      open.endMs = Math.max(open.endMs, endMs);
      return;
    }
    const interval = { node, term, startMs: now, endMs };
    this.intervals.push(interval);
    this.#open.set(node, interval);
  }

  stepDown(node: NodeId): void {
    const open = this.#open.get(node);
    if (open !== undefined) open.endMs = Math.min(open.endMs, this.#sim.nowMs);
    this.#open.delete(node);
  }

  /** Pairs of leaderships of different nodes that overlap in true time. */
  overlaps(): Array<[Interval, Interval]> {
    const out: Array<[Interval, Interval]> = [];
    const all = this.intervals.filter((i) => i.endMs > i.startMs);
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const a = all[i];
        const b = all[j];
        if (a.node !== b.node && Math.max(a.startMs, b.startMs) < Math.min(a.endMs, b.endMs)) out.push([a, b]);
      }
    }
    return out;
  }

  /** The node acting as leader at `timeMs` (the first found), if any. */
  leaderAt(timeMs: number): Interval | undefined {
    return this.intervals.find((i) => i.startMs <= timeMs && timeMs < i.endMs);
  }
}

export interface VariantResult extends ScenarioOutcome {
  doubleLeaders: number;
  overlapMs: number;
  sides: [NodeId[], NodeId[]];
  leaderAtSplit: NodeId;
  leaders: Interval[];
  overlapPairs: Array<[Interval, Interval]>;
}

export function runVariant(p: Params, seed: number, mode: Mode): VariantResult {
  const sim = new Simulation({
    seed,
    epochMs: SCENARIO_EPOCH_MS,
    network: { latencyMsMin: 0.5, latencyMsMedian: p.latencyMsMedian, latencySigma: 0.6, latencyMsMax: LATENCY_MS_MAX },
  });
  const judge = new LeaseJudge(sim);
  for (const name of p.nodes) sim.host(name, (env) => electionNode(env, p.nodes, mode, p.electionTimeoutMs, judge));
  p.nodes.forEach((name, i) => sim.setClockDrift(name, p.driftPpm[i]));

  let sides: [NodeId[], NodeId[]] = [[], []];
  let leaderAtSplit = '';
  sim.at(p.partitionAtMs, () => {
    // Both variants behave alike until the split (a full cluster answers everyone), so they split alike.
    const leader = judge.leaderAt(sim.nowMs) ?? judge.intervals.at(-1);
    if (leader === undefined) throw new Error(`split-brain: invariant violated: no leader at ${sim.nowMs} ms (seed ${seed})`);
    leaderAtSplit = leader.node;
    const followers = p.nodes.filter((n) => n !== leader.node);
    const ordered = p.followerOrder.map((i) => followers[i]);
    const minority = p.leaderInMinority ? [leader.node, ...ordered.slice(0, p.minoritySize - 1)] : ordered.slice(0, p.minoritySize);
    const majority = p.nodes.filter((n) => !minority.includes(n));
    sides = [sortNodes(minority), majority];
    sim.partition(sides[0], sides[1]);
  });
  sim.at(p.partitionAtMs + p.partitionMs, () => sim.healNetwork());
  sim.runFor(p.partitionAtMs + p.partitionMs + AFTER_HEAL_MS);

  const pairs = judge.overlaps();
  const overlapMs = pairs.reduce((sum, [a, b]) => sum + Math.min(a.endMs, b.endMs) - Math.max(a.startMs, b.startMs), 0);
  return {
    violations: pairs.length,
    doubleLeaders: pairs.length,
    overlapMs,
    sides,
    leaderAtSplit,
    leaders: judge.intervals,
    overlapPairs: pairs,
  };
}

function sortNodes(names: NodeId[]): NodeId[] {
  return [...names].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
}

/** The story lines; exported for its test. The claim about the safe run is read off its numbers. */
export function tell(p: Params, unsafe: VariantResult, safe: VariantResult): string[] {
  const n = p.nodes.length;
  const [minority, majority] = unsafe.sides;
  const healAt = p.partitionAtMs + p.partitionMs;
  const leader = unsafe.leaderAtSplit;
  const where = minority.includes(leader) ? 'minority' : 'majority';
  const lines = [
    `${n} nodes elect a leader (election timeout ${formatMs(p.electionTimeoutMs)}–${formatMs(2 * p.electionTimeoutMs)}); a leader acts while a quorum acknowledges its heartbeats.`,
    `at ${formatRunTime(p.partitionAtMs)} the network splits [${minority.join(' ')}] | [${majority.join(' ')}] with ${leader}, the leader, on the ${where} side; healed at ${formatRunTime(healAt)}.`,
  ];
  const first = unsafe.overlapPairs[0];
  if (first !== undefined) {
    const [a, b] = first;
    lines.push(
      `quorum = majority of the nodes that answer: ${a.node} (term ${a.term}) and ${b.node} (term ${b.term}) acted as leader at once for ${formatMs(Math.min(a.endMs, b.endMs) - Math.max(a.startMs, b.startMs))} — ${plural(unsafe.doubleLeaders, 'double-leader overlap')}, ${formatMs(unsafe.overlapMs)} in all.`,
    );
  } else {
    lines.push(`quorum = majority of the nodes that answer: no two leaders overlapped on this seed.`);
  }
  const verdict = safe.doubleLeaders === 0 ? 'never more than one leader at once' : `two leaders at once for ${formatMs(safe.overlapMs)} in all`;
  lines.push(`quorum = majority of all ${n} nodes: ${safeDuringSplit(p, safe)}; ${plural(safe.doubleLeaders, 'double-leader overlap')} — ${verdict}.`);
  return lines;
}

/** Who led during the split under the majority-of-all rule. */
function safeDuringSplit(p: Params, safe: VariantResult): string {
  const splitAt = p.partitionAtMs;
  const healAt = p.partitionAtMs + p.partitionMs;
  const held = safe.leaders.find((i) => i.node === safe.leaderAtSplit && i.startMs <= splitAt && i.endMs > splitAt);
  if (held !== undefined && held.endMs >= healAt) return `${held.node} kept leading on the majority side throughout`;
  const lapsed = held === undefined ? '' : `${held.node}'s lease lapsed ${formatMs(held.endMs - splitAt)} after the split; `;
  const next = safe.leaders.find((i) => i.startMs > splitAt && i.startMs < healAt);
  return next === undefined ? `${lapsed}no side had a majority, so nobody led until the heal` : `${lapsed}${next.node} led from ${formatRunTime(next.startMs)}`;
}

export const splitBrain: Scenario = {
  name: 'split-brain',
  summary: 'leader election without a majority under a partition gives two leaders; a majority quorum never does',
  /** The textbook run (see the module comment). */
  defaultSeed: 82,
  run({ seed }): ScenarioReport {
    const p = drawSplitBrainParams(seed);
    const unsafe = runVariant(p, seed, 'reachable-majority');
    const safe = runVariant(p, seed, 'cluster-majority');
    const outcome = (v: VariantResult, quorum: string): ScenarioOutcome => ({
      violations: v.violations,
      doubleLeaders: v.doubleLeaders,
      overlapMs: Math.round(v.overlapMs),
      quorum,
      sides: v.sides,
      leaderAtSplit: v.leaderAtSplit,
    });
    return {
      scenario: 'split-brain',
      seed,
      unsafe: outcome(unsafe, 'majority of the nodes that answer'),
      safe: outcome(safe, `majority of all ${p.nodes.length} nodes`),
      story: tell(p, unsafe, safe),
    };
  },
};
