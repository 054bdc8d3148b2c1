/**
 * The MIT 6.5840 Raft lab scenarios (3A–3D), ported onto RaftTestCluster.
 * Timings are scaled: a tick is 10 ms and the election timeout is
 * 100–200 ms, so "an election timeout" below is ELECTION_MS. Every cluster
 * checks the Raft safety invariants after every event.
 */
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import type { ClusterOptions } from './testing/cluster.js';
import { RaftTestCluster } from './testing/cluster.js';
import { ELECTION_MS, churn, figure8, snapshotInstall } from './testing/lab-scenarios.js';

function cluster(nodes: number, seed: number, extra: ClusterOptions = {}): RaftTestCluster {
  return new RaftTestCluster({ nodes, seed, ...extra });
}

const idx = (c: RaftTestCluster, leader: string, k: number): string => c.ids[(c.ids.indexOf(leader) + k) % c.ids.length];

describe('MIT 3A: leader election', () => {
  it('initial election: one leader, and the term holds while nothing fails', () => {
    const c = cluster(3, 301);
    c.checkOneLeader();
    c.runFor(50);
    const term1 = c.checkTerms();
    expect(term1).toBeGreaterThanOrEqual(2);
    c.runFor(2 * ELECTION_MS);
    expect(c.checkTerms()).toBe(term1);
    c.checkOneLeader();
  });

  it('re-election after the leader disconnects; no leader without a majority', () => {
    const c = cluster(3, 302);
    const leader1 = c.checkOneLeader();
    c.disconnect(leader1);
    c.checkOneLeader();
    c.connect(leader1);
    const leader2 = c.checkOneLeader();
    c.disconnect(leader2);
    c.disconnect(idx(c, leader2, 1));
    c.runFor(2 * ELECTION_MS);
    c.checkNoLeader();
    c.connect(idx(c, leader2, 1));
    c.checkOneLeader();
    c.connect(leader2);
    c.checkOneLeader();
  });

  it('many elections with 3 of 7 servers disconnected at random', () => {
    const c = cluster(7, 303);
    const rng = new SeededRng(303);
    c.checkOneLeader();
    for (let it = 0; it < 10; it++) {
      const picks = [c.ids[rng.int(7)], c.ids[rng.int(7)], c.ids[rng.int(7)]];
      picks.forEach((id) => c.disconnect(id));
      c.checkOneLeader();
      picks.forEach((id) => c.connect(id));
    }
    c.checkOneLeader();
  });
});

describe('MIT 3B: log replication', () => {
  it('basic agree: each command commits on every server at a new index', () => {
    const c = cluster(3, 311);
    let last = 0;
    for (let k = 1; k <= 3; k++) {
      expect(c.nCommitted(last + 1).count).toBe(0);
      const index = c.one(`cmd-${k * 100}`, 3, false);
      expect(index).toBeGreaterThan(last);
      last = index;
    }
  });

  it('follower failure: progress with one follower gone, none with both', () => {
    const c = cluster(3, 312);
    c.one('101', 3, false);
    const leader1 = c.checkOneLeader();
    c.disconnect(idx(c, leader1, 1));
    c.one('102', 2, false);
    c.runFor(ELECTION_MS);
    c.one('103', 2, false);
    const leader2 = c.checkOneLeader();
    c.disconnect(idx(c, leader2, 1));
    c.disconnect(idx(c, leader2, 2));
    const r = c.propose(leader2, '104');
    expect(r.ok).toBe(true);
    c.runFor(2 * ELECTION_MS);
    expect(c.nCommitted(r.ok ? r.index : -1).count).toBe(0);
  });

  it('leader failure: a new leader commits; with no majority nothing commits', () => {
    const c = cluster(3, 313);
    c.one('101', 3, false);
    const leader1 = c.checkOneLeader();
    c.disconnect(leader1);
    c.one('102', 2, false);
    c.runFor(ELECTION_MS);
    c.one('103', 2, false);
    const leader2 = c.checkOneLeader();
    c.disconnect(leader2);
    const indices: number[] = [];
    for (const id of c.ids) {
      const r = c.propose(id, '104');
      if (r.ok) indices.push(r.index);
    }
    c.runFor(2 * ELECTION_MS);
    for (const i of indices) expect(c.nCommitted(i).count).toBe(0);
  });

  it('fail agree: a disconnected follower catches up after it returns', () => {
    const c = cluster(3, 314);
    c.one('101', 3, false);
    const leader = c.checkOneLeader();
    c.disconnect(idx(c, leader, 1));
    for (const cmd of ['102', '103', '104', '105']) c.one(cmd, 2, false);
    c.connect(idx(c, leader, 1));
    c.one('106', 3, true);
    c.runFor(ELECTION_MS);
    c.one('107', 3, true);
  });

  it('fail no-agree: no commit without a majority; the cluster recovers after', () => {
    const c = cluster(5, 315);
    c.one('10', 5, false);
    const leader = c.checkOneLeader();
    for (const k of [1, 2, 3]) c.disconnect(idx(c, leader, k));
    const r = c.propose(leader, '20');
    expect(r.ok).toBe(true);
    c.runFor(2 * ELECTION_MS);
    expect(c.nCommitted(r.ok ? r.index : -1).count).toBe(0);
    for (const k of [1, 2, 3]) c.connect(idx(c, leader, k));
    const leader2 = c.checkOneLeader();
    expect(c.propose(leader2, '30').ok).toBe(true);
    c.one('1000', 5, true);
  });

  it('concurrent starts: five proposals in one term all commit', () => {
    const c = cluster(3, 316);
    let success = false;
    for (let attempt = 0; attempt < 5 && !success; attempt++) {
      const leader = c.checkOneLeader();
      const first = c.propose(leader, 'first');
      if (!first.ok) continue;
      const term = first.term;
      const results = [1, 2, 3, 4, 5].map((k) => ({ cmd: `c${k}`, r: c.propose(leader, `c${k}`) }));
      if (results.some((x) => !x.r.ok || x.r.term !== term)) continue;
      const ok = c.runUntil(() => results.every((x) => x.r.ok && c.nCommitted(x.r.index).count === 3), 2_000);
      if (c.status(leader).term !== term) continue;
      expect(ok).toBe(true);
      for (const x of results) expect(x.r.ok && c.nCommitted(x.r.index).command).toBe(x.cmd);
      success = true;
    }
    expect(success).toBe(true);
  });

  it('rejoin of a partitioned leader with uncommitted entries', () => {
    const c = cluster(3, 317);
    c.one('101', 3, true);
    const leader1 = c.checkOneLeader();
    c.disconnect(leader1);
    for (const cmd of ['102', '103', '104']) c.propose(leader1, cmd);
    c.one('103', 2, true);
    const leader2 = c.checkOneLeader();
    c.disconnect(leader2);
    c.connect(leader1);
    c.one('104', 2, true);
    c.connect(leader2);
    c.one('105', 3, true);
  });

  it('backup: a leader quickly backs up over many conflicting entries', () => {
    const c = cluster(5, 318);
    const rng = new SeededRng(318);
    const r = (): string => String(rng.int(1_000_000));
    c.one(r(), 5, true);
    const leader1 = c.checkOneLeader();
    for (const k of [2, 3, 4]) c.disconnect(idx(c, leader1, k));
    for (let i = 0; i < 50; i++) c.propose(leader1, r());
    c.runFor(ELECTION_MS / 2);
    c.disconnect(leader1);
    c.disconnect(idx(c, leader1, 1));
    for (const k of [2, 3, 4]) c.connect(idx(c, leader1, k));
    for (let i = 0; i < 50; i++) c.one(r(), 3, true);
    const leader2 = c.checkOneLeader();
    let other = idx(c, leader1, 2);
    if (other === leader2) other = idx(c, leader2, 1);
    c.disconnect(other);
    for (let i = 0; i < 50; i++) c.propose(leader2, r());
    c.runFor(ELECTION_MS / 2);
    for (const id of c.ids) c.disconnect(id);
    c.connect(leader1);
    c.connect(idx(c, leader1, 1));
    c.connect(other);
    for (let i = 0; i < 50; i++) c.one(r(), 3, true);
    for (const id of c.ids) c.connect(id);
    c.one(r(), 5, true);
  });

  it('count: elections and agreement use a bounded number of messages', () => {
    const c = cluster(3, 319);
    c.checkOneLeader();
    // An election: (pre-vote + vote) request and response per peer, a few rounds at most.
    const electionMsgs = (c.stats.sentByType.get('PreVote') ?? 0) + (c.stats.sentByType.get('RequestVote') ?? 0);
    expect(electionMsgs).toBeLessThan(30);
    const leader = c.checkOneLeader();
    const term = c.status(leader).term;
    const appendsBefore = c.stats.sentByType.get('AppendEntries') ?? 0;
    const heartbeatsBefore = c.stats.sentByType.get('Heartbeat') ?? 0;
    const t0 = c.nowMs;
    const iters = 10;
    for (let i = 0; i < iters; i++) c.one(`count-${i}`, 3, false);
    expect(c.status(leader).term).toBe(term);
    const appends = (c.stats.sentByType.get('AppendEntries') ?? 0) - appendsBefore;
    const heartbeats = (c.stats.sentByType.get('Heartbeat') ?? 0) - heartbeatsBefore;
    // Heartbeats every 2 ticks (20 ms) to 2 followers.
    expect(heartbeats).toBeLessThanOrEqual(2 * Math.ceil((c.nowMs - t0) / 20) + 2);
    // Per command and follower: one append carrying it, one telling the commit; plus at most
    // one per heartbeat answer that finds the follower behind (what recovers lost appends).
    expect(appends).toBeLessThanOrEqual(2 * 2 * (iters + 1) + heartbeats);
    // Idle: only heartbeats flow.
    const before = c.stats.messagesSent;
    c.runFor(1_000);
    expect(c.stats.messagesSent - before).toBeLessThanOrEqual(4 * (1_000 / 20) + 8);
  });
});

describe('MIT 3C: persistence', () => {
  it('persist 1: whole-cluster and single-node crashes keep the log', () => {
    const c = cluster(3, 321);
    c.one('11', 3, true);
    for (const id of c.ids) c.restart(id);
    c.one('12', 3, true);
    const leader1 = c.checkOneLeader();
    c.restart(leader1);
    c.one('13', 3, true);
    const leader2 = c.checkOneLeader();
    c.crash(leader2);
    c.one('14', 2, true);
    c.restart(leader2);
    const i3 = idx(c, c.checkOneLeader(), 1);
    c.crash(i3);
    c.one('15', 2, true);
    c.restart(i3);
    c.one('16', 3, true);
  });

  it('persist 2: repeated crashes of overlapping majorities', () => {
    const c = cluster(5, 322);
    let index = 1;
    for (let iters = 0; iters < 5; iters++) {
      c.one(String(10 + index++), 5, true);
      const leader1 = c.checkOneLeader();
      c.crash(idx(c, leader1, 1));
      c.crash(idx(c, leader1, 2));
      c.one(String(10 + index++), 3, true);
      c.crash(leader1);
      c.crash(idx(c, leader1, 3));
      c.crash(idx(c, leader1, 4));
      c.restart(idx(c, leader1, 1));
      c.restart(idx(c, leader1, 2));
      c.runFor(ELECTION_MS);
      c.restart(idx(c, leader1, 3));
      c.one(String(10 + index++), 3, true);
      c.restart(idx(c, leader1, 4));
      c.restart(leader1);
    }
    c.one('1000', 5, true);
  });

  it('persist 3: a partitioned leader and a follower crash and come back', () => {
    const c = cluster(3, 323);
    c.one('101', 3, true);
    const leader = c.checkOneLeader();
    c.disconnect(idx(c, leader, 2));
    c.one('102', 2, true);
    c.crash(leader);
    c.crash(idx(c, leader, 1));
    c.connect(idx(c, leader, 2));
    c.restart(leader);
    c.one('103', 2, true);
    c.restart(idx(c, leader, 1));
    c.one('104', 3, true);
  });

  it('Figure 8: leaders crash with uncommitted entries of old terms; safety holds', () => {
    const c = figure8(324, { unreliable: false, iterations: 1000 });
    expect(c.stats.crashes).toBeGreaterThan(20);
  });

  it('Figure 8 (unreliable): loss, duplication and long reordering', () => {
    const c = figure8(325, { unreliable: true, iterations: 1000 });
    expect(c.stats.messagesDropped).toBeGreaterThan(100);
  });

  it('unreliable agree: commands commit over a lossy, reordering network', () => {
    const c = cluster(5, 326, { network: { lossRate: 0.1, delayMsMax: 12, longDelayRate: 0.05, longDelayMsMax: 100 } });
    for (let iters = 1; iters < 30; iters++) {
      for (let j = 0; j < 4; j++) {
        const leader = [...c.leadersByTerm().values()].flat()[0];
        if (leader !== undefined) c.propose(leader, `u${iters}-${j}`);
      }
      c.one(`one-${iters}`, 1, true);
    }
    c.setUnreliable(false);
    c.one('final', 5, true);
  });

  it('reliable churn: crashes, restarts and disconnects while clients propose', () => {
    expect(churn(327, { unreliable: false }).seenCommitted).toBeGreaterThan(5);
  });
  it('unreliable churn: the same over a lossy network', () => {
    expect(churn(328, { unreliable: true }).seenCommitted).toBeGreaterThan(5);
  });
});

describe('MIT 3D: snapshots', () => {
  it('snapshot basic: logs are compacted and everything still applies', () => {
    const c = cluster(3, 331, { snapshotEveryEntries: 10 });
    for (let i = 0; i < 60; i++) c.one(`s${i}`, 3, true);
    for (const id of c.ids) expect(c.status(id).snapshotIndex).toBeGreaterThan(40);
  });

  it('snapshot install: a disconnected follower catches up by InstallSnapshot', () => {
    const c = snapshotInstall(332, { disconnect: true, crash: false, reliable: true });
    expect(c.stats.sentByType.get('InstallSnapshot') ?? 0).toBeGreaterThan(0);
  });
  it('snapshot install (unreliable)', () => {
    const c = snapshotInstall(333, { disconnect: true, crash: false, reliable: false });
    expect(c.stats.sentByType.get('InstallSnapshot') ?? 0).toBeGreaterThan(0);
  });
  it('snapshot install with crashes', () => {
    const c = snapshotInstall(334, { disconnect: false, crash: true, reliable: true });
    expect(c.stats.sentByType.get('InstallSnapshot') ?? 0).toBeGreaterThan(0);
  });
  it('snapshot install with crashes (unreliable)', () => {
    const c = snapshotInstall(335, { disconnect: false, crash: true, reliable: false });
    expect(c.stats.sentByType.get('InstallSnapshot') ?? 0).toBeGreaterThan(0);
  });

  it('snapshot all-crash: the applied index never goes back across whole-cluster restarts', () => {
    const c = cluster(3, 336, { snapshotEveryEntries: 10 });
    let last = 0;
    for (let i = 0; i < 5; i++) {
      for (let k = 0; k < 12; k++) c.one(`ac${i}-${k}`, 3, true);
      const index = c.one(`ac${i}-end`, 3, true);
      expect(index).toBeGreaterThan(last);
      last = index;
      for (const id of c.ids) c.crash(id);
      for (const id of c.ids) c.restart(id);
      const index2 = c.one(`ac${i}-after`, 3, true);
      expect(index2).toBeGreaterThan(last);
      last = index2;
    }
  });

  it('snapshot init: restarting from a snapshot, twice', () => {
    const c = cluster(3, 337, { snapshotEveryEntries: 10 });
    for (let k = 0; k < 25; k++) c.one(`si${k}`, 3, true);
    for (const id of c.ids) c.restart(id);
    c.one('after-1', 3, true);
    for (const id of c.ids) c.restart(id);
    c.one('after-2', 3, true);
    for (const id of c.ids) expect(c.lastRecovery(id)!.snapshotIndex).toBeGreaterThan(0);
  });
});
