/**
 * The randomized MIT 6.5840 scenarios as plain functions of a seed, so the
 * default tests run one seed each and a soak (RAFT_SOAK=N) runs many. Each
 * returns its cluster for further checks and throws (with the seed) on failure;
 * the cluster itself checks the safety invariants after every event.
 */
import { SeededRng } from '../../core/random/index.js';
import type { ClusterNetworkOptions } from './cluster.js';
import { RaftTestCluster } from './cluster.js';

export const ELECTION_MS = 200;

const LOSSY: Partial<ClusterNetworkOptions> = { lossRate: 0.1, delayMsMax: 12, longDelayRate: 0.05, longDelayMsMax: 100, duplicateRate: 0.02 };

function check(c: RaftTestCluster, condition: boolean, what: string): void {
  if (!condition) throw new Error(`${what} (reproduce with seed=${c.seed})`);
}

/** Servers `k` places after `id` in id order (the lab's `(leader + k) % n`). */
export function after(c: RaftTestCluster, id: string, k: number): string {
  return c.ids[(c.ids.indexOf(id) + k) % c.ids.length];
}

/**
 * Figure 8: propose everywhere, crash (or, unreliable, disconnect) the leader,
 * keep at least three up; old-term entries must never be committed by counting.
 */
/** Run the scenario's nodes with several Readies in flight (`RaftConfig.asyncStorageWrites`). */
type AsyncOption = { asyncStorageWrites?: boolean };

function raftOptions(options: AsyncOption): { raft?: { asyncStorageWrites: true } } {
  return options.asyncStorageWrites === true ? { raft: { asyncStorageWrites: true } } : {};
}

export function figure8(seed: number, options: { unreliable: boolean; iterations: number } & AsyncOption): RaftTestCluster {
  const { unreliable, iterations } = options;
  const c = new RaftTestCluster({ nodes: 5, seed, ...raftOptions(options), ...(unreliable ? { network: { ...LOSSY, longDelayRate: 0 } } : {}) });
  const rng = new SeededRng(seed);
  c.one(String(rng.int(10_000)), 1, true);
  let nup = 5;
  for (let iters = 0; iters < iterations; iters++) {
    if (unreliable && iters === Math.floor(iterations / 5)) c.setNetwork({ longDelayRate: 0.3, longDelayMsMax: 300 });
    let leader: string | null = null;
    for (const id of c.ids) {
      if (!c.isAlive(id) || (unreliable && !c.isConnected(id))) continue;
      if (c.propose(id, String(rng.int(10_000))).ok) leader = id;
    }
    c.runFor(rng.int(1000) < 100 ? rng.int(ELECTION_MS / 2) : rng.int(13));
    if (leader !== null && (!unreliable || rng.chance(0.5))) {
      if (unreliable) c.disconnect(leader);
      else c.crash(leader);
      nup--;
    }
    if (nup < 3) {
      const s = c.ids[rng.int(5)];
      if (unreliable ? !c.isConnected(s) : !c.isAlive(s)) {
        if (unreliable) c.connect(s);
        else c.restart(s);
        nup++;
      }
    }
  }
  for (const id of c.ids) {
    if (!c.isAlive(id)) c.restart(id);
    c.connect(id);
  }
  c.setUnreliable(false);
  c.one(String(rng.int(10_000)), 5, true);
  return c;
}

/**
 * Churn: clients propose at random servers while servers are disconnected,
 * crashed and restarted at random. At the end everything once seen committed
 * must be on every server.
 */
export function churn(
  seed: number,
  options: { unreliable: boolean; iterations?: number; snapshotEveryEntries?: number } & AsyncOption,
): { cluster: RaftTestCluster; seenCommitted: number } {
  const c = new RaftTestCluster({
    nodes: 5,
    seed,
    ...raftOptions(options),
    snapshotEveryEntries: options.snapshotEveryEntries ?? 0,
    ...(options.unreliable ? { network: LOSSY } : {}),
  });
  const rng = new SeededRng(seed);
  const seen = new Map<number, string>();
  const proposals: Array<{ index: number; cmd: string }> = [];
  let n = 0;
  for (let iters = 0; iters < (options.iterations ?? 20); iters++) {
    // Three clients; each tries the servers from a random one on until one accepts (like the lab's).
    for (let k = 0; k < 3; k++) {
      const cmd = `churn-${n++}`;
      const start = rng.int(5);
      for (let j = 0; j < 5; j++) {
        const id = c.ids[(start + j) % 5];
        if (!c.isAlive(id)) continue;
        const r = c.propose(id, cmd);
        if (r.ok) {
          proposals.push({ index: r.index, cmd });
          break;
        }
      }
    }
    if (rng.chance(0.2)) c.disconnect(c.ids[rng.int(5)]);
    if (rng.chance(0.5)) {
      const id = c.ids[rng.int(5)];
      if (!c.isAlive(id)) c.restart(id);
      c.connect(id);
    }
    if (rng.chance(0.2)) {
      const id = c.ids[rng.int(5)];
      if (c.isAlive(id)) c.crash(id);
    }
    c.runFor(Math.round(ELECTION_MS * 0.7));
    for (const p of proposals) if (c.nCommitted(p.index).command === p.cmd) seen.set(p.index, p.cmd);
  }
  c.runFor(ELECTION_MS);
  c.setUnreliable(false);
  for (const id of c.ids) {
    if (!c.isAlive(id)) c.restart(id);
    c.connect(id);
  }
  c.runFor(ELECTION_MS);
  const last = c.one('churn-final', 5, true);
  check(c, c.runUntil(() => c.appliedEverywhere() >= last, 5_000), 'churn: not every server applied the final command');
  for (const [index, cmd] of seen) {
    const got = c.nCommitted(index);
    check(c, got.count === 5 && got.command === cmd, `churn: ${cmd} was committed at ${index} but now ${got.count}×${got.command}`);
  }
  return { cluster: c, seenCommitted: seen.size };
}

/**
 * Snapshot install: a follower is cut off (disconnected or crashed) while the
 * leader commits and compacts past it; it must catch up by InstallSnapshot.
 */
export function snapshotInstall(seed: number, options: { disconnect: boolean; crash: boolean; reliable: boolean; iterations?: number } & AsyncOption): RaftTestCluster {
  const c = new RaftTestCluster({ nodes: 3, seed, snapshotEveryEntries: 10, ...raftOptions(options), ...(options.reliable ? {} : { network: LOSSY }) });
  const rng = new SeededRng(seed);
  c.one(String(rng.int(1e6)), 3, true);
  let leader = c.checkOneLeader();
  for (let i = 0; i < (options.iterations ?? 12); i++) {
    const victim = after(c, leader, 1);
    if (options.disconnect) c.disconnect(victim);
    if (options.crash) c.crash(victim);
    for (let k = 0; k < 12; k++) c.propose(leader, String(rng.int(1e6)));
    c.one(String(rng.int(1e6)), 2, true);
    if (options.disconnect) c.connect(victim);
    if (options.crash) c.restart(victim);
    c.one(String(rng.int(1e6)), 3, true);
    leader = c.checkOneLeader();
  }
  return c;
}
