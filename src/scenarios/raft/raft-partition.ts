/**
 * `raft-partition` — a 5-node cluster is split 2/3 with the leader on the
 * minority side; clients write on both sides; the partition heals. Which
 * writes were acknowledged, and did every acknowledged one survive?
 * (DDIA ch. 8/9: "the truth is defined by the majority".)
 *
 * Both variants run the real replica (Raft + storage + services) in the
 * simulator, on the same seed:
 * - unsafe: the leader commits once one voter short of a majority has an
 *   entry (the `commit-without-majority` hook): the cut-off leader and its
 *   one follower acknowledge writes the majority side never sees; after the
 *   heal the new leader's log wins and those acknowledged writes are gone;
 * - safe: real Raft. The minority leader cannot commit (its writes time out,
 *   outcome unknown, and check-quorum makes it step down); the majority
 *   elects a leader and commits. Every acknowledged write survives.
 *
 * Each write puts a unique value under its own key; after the heal a
 * linearizable read of every key says whether its value is there.
 */
import type { NodeId } from '../../env/index.js';
import { SeededRng } from '../../core/random/index.js';
import type { ReplicaBug } from '../../replica/index.js';
import type { ReplicaNode } from '../../replica/index.js';
import { replicaHost } from '../../replica/sim/index.js';
import type { GetValue, ServiceResult } from '../../services/index.js';
import { putCommand } from '../../services/index.js';
import { Simulation } from '../../sim/index.js';
import type { Scenario, ScenarioOutcome, ScenarioReport } from '../scenario.js';

const NODES: readonly NodeId[] = ['n1', 'n2', 'n3', 'n4', 'n5'];
const WRITES_PER_SIDE = 5;
/** The minority writes at once, while its leader still believes it leads (check-quorum deposes it within an election timeout). */
const MINORITY_GAP_MS = 20;
/** The majority writes once it had time to elect a leader of its own. */
const MAJORITY_START_MS = 600;
const MAJORITY_GAP_MS = 200;
const PARTITION_MS = 2000;
const SETTLE_MS = 2000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Side = 'minority' | 'majority';

interface Write {
  readonly key: string;
  readonly value: string;
  readonly side: Side;
  readonly via: NodeId;
  readonly atMs: number;
  outcome: 'acknowledged' | 'refused' | 'unknown' | 'pending';
  survived: boolean | null;
}

export interface RunResult extends ScenarioOutcome {
  leader: NodeId;
  minority: NodeId[];
  majority: NodeId[];
  newLeader: NodeId | null;
  acknowledged: { minority: number; majority: number };
  unknown: { minority: number; majority: number };
  /** Writes with an unknown outcome whose value is there after all (allowed either way). */
  unknownSurvived: number;
  lost: string[];
  writes: Array<Pick<Write, 'key' | 'side' | 'via' | 'outcome' | 'survived'>>;
}

function run(seed: number, bug: ReplicaBug | null): RunResult {
  const sim = new Simulation({ seed, network: { latencyMsMin: 1, latencyMsMedian: 2, latencySigma: 0.3, latencyMsMax: 10 } });
  const replicas = new Map<NodeId, ReplicaNode>();
  const factory = replicaHost({
    voters: NODES,
    replica: { requestTimeoutMs: 1000, bugs: bug === null ? [] : [bug], storage: { copies: 2 } },
    onReplica: (r) => replicas.set(r.id, r),
  });
  for (const id of NODES) sim.host(id, factory);
  const rng = new SeededRng(seed).fork();
  sim.runFor(1000 + rng.int(500));
  const leaderOf = (ids: readonly NodeId[]): NodeId | null => ids.find((id) => replicas.get(id)!.status().role === 'leader') ?? null;
  const leader = leaderOf(NODES);
  if (leader === null) throw new Error(`raft-partition: no leader after start (seed ${seed})`);
  const followers = NODES.filter((id) => id !== leader);
  const buddy = followers[rng.int(followers.length)];
  const minority = [leader, buddy].sort();
  const majority = NODES.filter((id) => !minority.includes(id));

  sim.partition(minority, majority);
  const writes: Write[] = [];
  for (let i = 0; i < WRITES_PER_SIDE; i++) {
    for (const side of ['minority', 'majority'] as const) {
      const via = side === 'minority' ? leader : majority[i % majority.length];
      const atMs = sim.nowMs + (side === 'minority' ? i * MINORITY_GAP_MS : MAJORITY_START_MS + i * MAJORITY_GAP_MS);
      const w: Write = { key: `${side}-${i + 1}`, value: `${side}-${i + 1}@${seed}`, side, via, atMs, outcome: 'pending', survived: null };
      writes.push(w);
      sim.at(w.atMs, () =>
        replicas.get(via)!.submit(putCommand({ key: w.key, value: encoder.encode(w.value) }), (o) => {
          if (o.ok) w.outcome = (o.result as ServiceResult<unknown>).ok ? 'acknowledged' : 'refused';
          else w.outcome = o.error.definite ? 'refused' : 'unknown';
        }),
      );
    }
  }
  sim.runFor(PARTITION_MS);
  sim.repair(minority, majority);
  sim.runFor(SETTLE_MS);

  const newLeader = leaderOf(NODES);
  const reader = replicas.get(newLeader ?? majority[0])!;
  for (const w of writes) {
    reader.get(w.key, 'linearizable', (o) => {
      if (o.ok) {
        const kv = (o.result as GetValue).kv;
        w.survived = kv !== null && decoder.decode(kv.value) === w.value;
      }
    });
  }
  sim.runFor(1000);
  const lost = writes.filter((w) => w.outcome === 'acknowledged' && w.survived !== true).map((w) => w.key);
  const acked = (side: Side): number => writes.filter((w) => w.side === side && w.outcome === 'acknowledged').length;
  const unknownOn = (side: Side): number => writes.filter((w) => w.side === side && (w.outcome === 'unknown' || w.outcome === 'pending')).length;
  return {
    violations: lost.length,
    leader,
    minority,
    majority,
    newLeader,
    acknowledged: { minority: acked('minority'), majority: acked('majority') },
    unknown: { minority: unknownOn('minority'), majority: unknownOn('majority') },
    unknownSurvived: writes.filter((w) => (w.outcome === 'unknown' || w.outcome === 'pending') && w.survived === true).length,
    lost,
    writes: writes.map(({ key, side, via, outcome, survived }) => ({ key, side, via, outcome, survived })),
  };
}

/** The report's lines; exported for its test. Each claim about the safe run is read off its numbers, so a broken mitigation is told as broken. */
export function story(seed: number, unsafe: RunResult, safe: RunResult): string[] {
  const side = (r: RunResult): string => `${r.minority.join('+')} (old leader ${r.leader}) | ${r.majority.join('+')}`;
  const kept = safe.lost.length === 0 ? 'every acknowledged write survived (0 lost)' : `${safe.lost.length} acknowledged write(s) are gone (${safe.lost.join(', ')})`;
  return [
    `5 nodes split 2/3 with the leader in the minority: ${side(safe)}; ${WRITES_PER_SIDE} writes on each side, then heal.`,
    `unsafe (commit one voter short of a majority): the minority acknowledged ${unsafe.acknowledged.minority}, the majority ${unsafe.acknowledged.majority}; ` +
      `after the heal ${unsafe.lost.length} acknowledged write(s) are gone${unsafe.lost.length > 0 ? ` (${unsafe.lost.join(', ')})` : ''}.`,
    `safe (Raft: majority commit, check-quorum): the minority acknowledged ${safe.acknowledged.minority} (${safe.unknown.minority} timed out with an unknown outcome: never acknowledged, and ${safe.unknownSurvived} of those took effect), ` +
      `the majority ${safe.acknowledged.majority}; ${kept}.`,
    `new leader after the heal: ${safe.newLeader ?? 'none'} (seed ${seed}).`,
  ];
}

export const raftPartition: Scenario = {
  name: 'raft-partition',
  summary: 'a 5-node Raft cluster split 2/3 with the leader in the minority: which writes were acknowledged, and did they survive the heal',
  defaultSeed: 1,
  run({ seed }): ScenarioReport {
    const unsafe = run(seed, 'commit-without-majority');
    const safe = run(seed, null);
    return { scenario: 'raft-partition', seed, unsafe, safe, story: story(seed, unsafe, safe) };
  },
};
