/**
 * A randomized nemesis over RaftTestCluster, one seed per run (TigerBeetle
 * VOPR / Jepsen style): a safety phase that mixes proposals, linearizable
 * reads, partitions, one-way link cuts, pauses, crashes with torn writes,
 * restarts, leadership transfers and membership changes over a lossy
 * network; then a liveness phase that heals everything and demands that the
 * cluster commits and converges. Safety invariants and read linearizability
 * are checked after every event by the cluster itself.
 */
import { SeededRng } from '../../core/random/index.js';
import type { ReadOnlyOption } from '../config.js';
import type { ConfChangeType } from '../types.js';
import { RaftTestCluster } from './cluster.js';

export interface NemesisOptions {
  readonly steps?: number;
  readonly readOnlyOption?: ReadOnlyOption;
  /** Spread of node clock rates around 1 (lease mode). @defaultValue 0.01 */
  readonly clockSpread?: number;
  /** The drift bound the nodes assume. @defaultValue 0.05 */
  readonly maxClockDriftRate?: number;
  /** Several Readies in flight (`RaftConfig.asyncStorageWrites`). @defaultValue false */
  readonly asyncStorageWrites?: boolean;
}

export interface NemesisReport {
  readonly seed: number;
  readonly cluster: RaftTestCluster;
  readonly committed: number;
  readonly actions: Readonly<Record<string, number>>;
}

export function runNemesis(seed: number, options: NemesisOptions = {}): NemesisReport {
  const rng = new SeededRng(seed).fork();
  const spread = options.clockSpread ?? 0.01;
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const clockRates = Object.fromEntries([...ids, 'n6'].map((id) => [id, 1 - spread + 2 * spread * rng.next()]));
  const c = new RaftTestCluster({
    nodes: ids,
    joiners: ['n6'],
    seed,
    snapshotEveryEntries: 1 + rng.int(20),
    segmentBytesMax: 2048 + rng.int(16_384),
    network: { lossRate: rng.next() * 0.1, delayMsMax: 2 + rng.int(15), duplicateRate: 0.02, longDelayRate: rng.next() * 0.05, longDelayMsMax: 150 },
    fsyncMs: [0, rng.int(8)],
    clockRates,
    raft: {
      readOnlyOption: options.readOnlyOption ?? 'safe',
      maxClockDriftRate: options.maxClockDriftRate ?? 0.05,
      maxEntriesPerAppend: 1 + rng.int(64),
      maxInflightAppends: 1 + rng.int(16),
      asyncStorageWrites: options.asyncStorageWrites === true,
    },
  });
  const all = c.ids;
  const pick = () => all[rng.int(all.length)];
  const leader = () => all.find((id) => c.isAlive(id) && c.isConnected(id) && c.status(id).role === 'leader') ?? null;
  const actions: Record<string, number> = {};
  const did = (a: string) => (actions[a] = (actions[a] ?? 0) + 1);
  let n = 0;

  for (let step = 0; step < (options.steps ?? 100); step++) {
    const roll = rng.int(100);
    const l = leader();
    if (roll < 30) {
      for (let k = 0; k < 1 + rng.int(5); k++) {
        const id = l ?? pick();
        if (c.isAlive(id) && c.propose(id, `v${n++}`).ok) did('propose');
      }
    } else if (roll < 45) {
      for (let k = 0; k < 1 + rng.int(4); k++) if (c.read(pick()) !== null) did('read');
    } else if (roll < 52) {
      const shuffled = [...all].sort(() => rng.next() - 0.5);
      const cut = 1 + rng.int(all.length - 1);
      c.partition(shuffled.slice(0, cut), shuffled.slice(cut));
      did('partition');
    } else if (roll < 58) {
      c.heal();
      for (const id of all) c.connect(id);
      did('heal');
    } else if (roll < 62) {
      c.cutLink(pick(), pick());
      did('cut-link');
    } else if (roll < 68) {
      const id = pick();
      if (c.isAlive(id)) {
        c.crash(id);
        did('crash');
      }
    } else if (roll < 76) {
      const id = pick();
      if (!c.isAlive(id)) {
        c.restart(id);
        did('restart');
      }
    } else if (roll < 80) {
      c.pause(pick(), rng.int(300));
      did('pause');
    } else if (roll < 84 && l !== null) {
      const to = pick();
      if (c.withNode(l, (node) => node.transferLeadership(to)).ok) did('transfer');
    } else if (roll < 94 && l !== null) {
      // A change that makes sense for the leader's current configuration.
      const st = c.status(l);
      const options: Array<{ type: ConfChangeType; node: string }> = [];
      for (const id of all) {
        if (st.learners.includes(id)) options.push({ type: 'promote-learner', node: id }, { type: 'remove-voter', node: id });
        else if (!st.voters.includes(id)) options.push({ type: 'add-learner', node: id }, { type: 'add-voter', node: id });
        else if (st.voters.length > 3) options.push({ type: 'remove-voter', node: id });
      }
      const change = options[rng.int(options.length)];
      if (change !== undefined && c.proposeConfChange(l, change).ok) did(change.type);
    }
    c.runFor(rng.int(150));
  }

  // Liveness: heal everything, restart everyone; the cluster must commit and converge.
  c.heal();
  for (const id of all) {
    c.connect(id);
    if (!c.isAlive(id)) c.restart(id);
  }
  c.setNetwork({ lossRate: 0, duplicateRate: 0, longDelayRate: 0 });
  const voters = () => {
    const l = leader();
    return l === null ? [] : c.status(l).voters;
  };
  c.runFor(500);
  const index = c.one('final', Math.max(1, voters().length), true);
  const members = new Set([...voters(), ...(leader() !== null ? c.status(leader()!).learners : [])]);
  const converged = c.runUntil(() => [...members].every((id) => c.stateMachine(id).lastApplied >= index), 10_000);
  if (!converged) throw new Error(`nemesis: members did not converge on index ${index} (reproduce with seed=${seed})`);
  for (let k = 0; k < 3; k++) c.read(leader() ?? all[0]);
  c.runFor(200);
  return { seed, cluster: c, committed: index, actions };
}
