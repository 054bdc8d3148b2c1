import { beforeEach, describe, expect, it } from 'vitest';
import { Simulation } from '../sim/index.js';
import type { NodeId } from '../env/index.js';
import { RaftClusterInvariants } from '../raft/index.js';
import type { GetValue, ServiceResult } from '../services/index.js';
import {
  acquireLockCommand,
  checkpointCommand,
  grantLeaseCommand,
  putCommand,
  registerSessionCommand,
  withSession,
} from '../services/index.js';
import type { ReplicaOptions, ReplicaOutcome } from './api.js';
import type { ReplicaNode } from './replica.js';
import { replicaHost } from './sim/host.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

type Options = Omit<ReplicaOptions, 'env' | 'voters' | 'observer' | 'registerMessageHandler'>;

/** Which Ready loop the replicas run: every test below runs with both (set per describe block). */
let asyncStorageWrites = true;

/** A simulated cluster of replicas whose API the test calls directly (from `sim.at` actions). */
function cluster(n: number, options: Options = {}, seed = 7) {
  const sim = new Simulation({ seed });
  const ids: NodeId[] = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const replicas = new Map<NodeId, ReplicaNode>();
  const invariants = new RaftClusterInvariants();
  const factory = replicaHost({
    voters: ids,
    replica: { storage: { copies: 2, scrubIntervalMs: 50, segmentBytesMax: 16 * 1024 }, snapshotEveryEntries: 20, asyncStorageWrites, ...options },
    observer: {
      onStart: (id, snapshot) => {
        invariants.onRestart(id);
        if (snapshot !== undefined) invariants.onSnapshotApplied(id, snapshot);
      },
      afterEvent: (_id, raft) => invariants.observe(raft),
      onApply: (id, entry) => invariants.onApply(id, entry),
      onSnapshotApplied: (id, md) => invariants.onSnapshotApplied(id, md),
    },
    onReplica: (r) => replicas.set(r.id, r),
  });
  for (const id of ids) sim.host(id, factory);
  const r = (id: NodeId): ReplicaNode => replicas.get(id)!;
  const leader = (): NodeId | undefined => ids.find((id) => sim.isUp(id) && r(id).health === 'running' && r(id).status().role === 'leader');
  /** Call `fn` at the current time and run until its callback fired. */
  function call<T>(fn: (done: (o: T) => void) => void, maxMs = 5000): T {
    let out: T | undefined;
    let called = 0;
    fn((o) => {
      called++;
      out = o;
    });
    const until = sim.nowMs + maxMs;
    while (called === 0 && sim.nowMs < until) sim.runFor(5);
    sim.runFor(50);
    expect(called).toBe(1);
    return out!;
  }
  return { sim, ids, r, leader, call, invariants };
}

const okValue = <T>(o: ReplicaOutcome<ServiceResult<unknown>> | ReplicaOutcome<GetValue>): T => {
  if (!o.ok) throw new Error(`expected ok, got ${o.error.code}: ${o.error.message}`);
  const result = o.result as ServiceResult<T> | T;
  if (typeof result === 'object' && result !== null && 'ok' in result) {
    if (!result.ok) throw new Error(`refused: ${result.error.code}`);
    return result.value;
  }
  return result as T;
};

describe.each([
  { loop: 'several Readies in flight', async: true },
  { loop: 'one Ready at a time', async: false },
])('replica ($loop)', ({ async }) => {
  beforeEach(() => {
    asyncStorageWrites = async;
  });

  it('elects a leader; a write on a follower is forwarded, committed and answered with the state machine result; reads see it everywhere', () => {
    const c = cluster(3);
    c.sim.runFor(1000);
    const leader = c.leader()!;
    expect(leader).toBeDefined();
    const follower = c.ids.find((id) => id !== leader)!;
    const put = okValue<{ revision: number }>(c.call((done) => c.r(follower).submit(putCommand({ key: 'k', value: bytes('v1') }), done)));
    expect(put.revision).toBe(1);
    expect(c.r(follower).metrics().forwarded).toBe(1);
    for (const id of c.ids) {
      const got = okValue<GetValue>(c.call((done) => c.r(id).get('k', 'linearizable', done)));
      expect(text(got.kv!.value)).toBe('v1');
    }
    c.sim.runFor(100);
    const stale = okValue<GetValue>(c.call((done) => c.r(follower).get('k', 'stale', done)));
    expect(stale.revision).toBe(1);
    const st = c.r(leader).status();
    expect(st.members.map((m) => m.id)).toEqual(['n1', 'n2', 'n3']);
    expect(st.health).toBe('running');
    expect(c.invariants.observations).toBeGreaterThan(100);
  });

  it('answers a session retry with the original result (exactly once)', () => {
    const c = cluster(3);
    c.sim.runFor(1000);
    const session = okValue<{ clientId: number }>(c.call((done) => c.r('n1').submit(registerSessionCommand(), done)));
    const cmd = withSession(putCommand({ key: 'x', value: bytes('once') }), { clientId: session.clientId, seq: 1, ackedSeq: 0 });
    const first = okValue<{ revision: number }>(c.call((done) => c.r('n2').submit(cmd, done)));
    const retry = okValue<{ revision: number }>(c.call((done) => c.r('n3').submit(cmd, done)));
    expect(retry.revision).toBe(first.revision);
    expect(c.r('n1').stateMachine!.get('x').kv!.version).toBe(1);
  });

  it('refuses invalid and keeper-only commands, definitely, without proposing', () => {
    const c = cluster(3);
    c.sim.runFor(1000);
    const bad = c.call<ReplicaOutcome<ServiceResult<unknown>>>((done) =>
      c.r('n1').submit({ type: 'put', key: '', value: bytes('x') } as never, done),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ code: 'invalid', definite: true });
    const keeper = c.call<ReplicaOutcome<ServiceResult<unknown>>>((done) => c.r('n1').submit(checkpointCommand({ tick: true, leases: [] }), done));
    expect(keeper.ok).toBe(false);
    if (!keeper.ok) expect(keeper.error.code).toBe('invalid');
  });

  it('drops and counts garbage from peers; never throws', () => {
    const c = cluster(3);
    c.sim.runFor(500);
    const r = c.r('n1');
    for (const junk of [null, 42, 'x', { v: 1 }, { v: 1, k: 'raft', m: { from: 'n9' } }, { v: 1, k: 'fwd', id: '', cmd: 1 }, { v: 1, k: 'fwd-reply', id: 'a', outcome: { ok: 'yes' } }, { v: 2, k: 'raft' }]) {
      expect(() => r.receive('n2', junk)).not.toThrow();
    }
    const dropped = r.metrics().droppedMessages!;
    expect(Object.values(dropped).reduce((a, b) => a + b, 0)).toBe(8);
    expect(r.health).toBe('running');
  });

  it('a write to a leader cut off from the majority times out with an unknown outcome; one never proposed times out definitely', () => {
    const c = cluster(3, { requestTimeoutMs: 300 });
    c.sim.runFor(1000);
    const leader = c.leader()!;
    const others = c.ids.filter((id) => id !== leader);
    c.sim.partition(leader, others);
    const o = c.call<ReplicaOutcome<ServiceResult<unknown>>>((done) => c.r(leader).submit(putCommand({ key: 'k', value: bytes('lost?') }), done));
    expect(o.ok).toBe(false);
    if (!o.ok) expect(o.error).toMatchObject({ code: 'no_quorum', definite: false });
    // A lone node that knows no leader never sends the write anywhere.
    const solo = cluster(3, { requestTimeoutMs: 300 }, 8);
    solo.sim.isolate('n1');
    solo.sim.runFor(1000);
    const never = solo.call<ReplicaOutcome<ServiceResult<unknown>>>((done) => solo.r('n1').submit(putCommand({ key: 'k', value: bytes('v') }), done));
    if (!never.ok) expect(never.error).toMatchObject({ code: 'no_quorum', definite: true });
    else throw new Error('expected a timeout');
  });

  it('a write forwarded to a leader that dies goes to the next leader (with a session) or is answered unknown at once (without), not at its deadline', () => {
    const timeoutMs = 5000;
    const c = cluster(3, { requestTimeoutMs: timeoutMs });
    c.sim.runFor(1000);
    const oldLeader = c.leader()!;
    const follower = c.ids.find((id) => id !== oldLeader)!;
    const session = okValue<{ clientId: number }>(c.call((done) => c.r(follower).submit(registerSessionCommand(), done)));
    const withS = withSession(putCommand({ key: 'k', value: bytes('once') }), { clientId: session.clientId, seq: 1, ackedSeq: 0 });
    const outcomes: Array<{ what: string; atMs: number; outcome: ReplicaOutcome<ServiceResult<unknown>> }> = [];
    const startMs = c.sim.nowMs;
    c.r(follower).submit(withS, (outcome) => outcomes.push({ what: 'session', atMs: c.sim.nowMs, outcome }));
    c.r(follower).submit(putCommand({ key: 'plain', value: bytes('v') }), (outcome) => outcomes.push({ what: 'plain', atMs: c.sim.nowMs, outcome }));
    c.sim.crash(oldLeader); // the forwards are on the wire or in its log; it answers neither
    c.sim.runFor(timeoutMs + 500);
    const newLeader = c.leader();
    expect(newLeader).toBeDefined();
    expect(newLeader).not.toBe(oldLeader);
    expect(outcomes.map((o) => o.what).sort()).toEqual(['plain', 'session']);
    for (const o of outcomes) expect(o.atMs - startMs, o.what).toBeLessThan(timeoutMs / 2);
    const s = outcomes.find((o) => o.what === 'session')!.outcome;
    expect(okValue<{ revision: number }>(s).revision).toBeGreaterThan(0);
    expect(c.r(newLeader!).stateMachine!.get('k').kv!.version).toBe(1); // applied once, whichever copy made it
    const plain = outcomes.find((o) => o.what === 'plain')!.outcome;
    if (plain.ok) expect(plain.result.ok).toBe(true); // the new leader committed the old leader's copy in time
    else expect(plain.error).toMatchObject({ code: 'no_quorum', definite: false });
  });

  it('reports an fsync latency sample for each Ready that waited for an fsync, and none for a commit-only one (written without an fsync)', () => {
    const c = cluster(3);
    c.sim.runFor(1000);
    for (const id of c.ids) c.r(id).metrics(); // drain the election's samples
    for (let i = 0; i < 10; i++) okValue(c.call((done) => c.r('n1').submit(putCommand({ key: 'k', value: bytes(`v${i}`) }), done)));
    for (const id of c.ids) {
      const samples = c.r(id).metrics().fsyncLatencyMs;
      expect(samples.length, id).toBeGreaterThan(0);
      // The simulated fsync takes at least 0.1 ms: a 0 is a Ready that did not fsync at all.
      expect(Math.min(...samples), id).toBeGreaterThan(0);
    }
  });

  it('bounds requests in flight: the next one is overloaded, definitely', () => {
    const c = cluster(3, { maxInflightRequests: 2, requestTimeoutMs: 300 });
    c.sim.isolate('n1');
    c.sim.runFor(500);
    const outcomes: Array<ReplicaOutcome<ServiceResult<unknown>>> = [];
    for (let i = 0; i < 3; i++) c.r('n1').submit(putCommand({ key: 'k', value: bytes(`${i}`) }), (o) => outcomes.push(o));
    c.sim.runFor(1000);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['overloaded', 'no_quorum', 'no_quorum']);
    expect(c.r('n1').metrics().overloaded).toBe(1);
  });

  it('recovers committed state from storage after every node crashes (snapshots and WAL)', () => {
    const c = cluster(3);
    c.sim.runFor(1000);
    for (let i = 0; i < 50; i++) okValue(c.call((done) => c.r(c.leader()!).submit(putCommand({ key: `k${i % 5}`, value: bytes(`v${i}`) }), done)));
    for (const id of c.ids) c.sim.crash(id);
    c.sim.runFor(10);
    for (const id of c.ids) c.sim.restart(id);
    c.sim.runFor(1500);
    const got = okValue<GetValue>(c.call((done) => c.r('n2').get('k4', 'linearizable', done)));
    expect(text(got.kv!.value)).toBe('v49');
    expect(got.revision).toBe(50);
  });

  it('expires a lease that is not kept alive, through the log, and releases its lock', () => {
    const c = cluster(3);
    c.sim.runFor(1000);
    const lease = okValue<{ leaseId: number }>(c.call((done) => c.r('n1').submit(grantLeaseCommand({ ttlMs: 400 }), done)));
    okValue(c.call((done) => c.r('n2').submit(acquireLockCommand({ lock: 'L', leaseId: lease.leaseId }), done)));
    expect(c.r(c.leader()!).stateMachine!.lock('L')).toBeDefined();
    c.sim.runFor(1200);
    for (const id of c.ids) {
      expect(c.r(id).stateMachine!.lease(lease.leaseId)).toBeUndefined();
      expect(c.r(id).stateMachine!.lock('L')).toBeUndefined();
    }
  });

  it('serves lease reads on the leader when configured', () => {
    const c = cluster(3, { readMode: 'lease' });
    c.sim.runFor(1000);
    okValue(c.call((done) => c.r('n1').submit(putCommand({ key: 'k', value: bytes('v') }), done)));
    const got = okValue<GetValue>(c.call((done) => c.r(c.leader()!).get('k', 'linearizable', done)));
    expect(text(got.kv!.value)).toBe('v');
  });

  it('a failed fsync stops the replica: it answers `stopped` and serves nothing more', () => {
    const c = cluster(3);
    c.sim.runFor(1000);
    c.sim.setDisk({ fsyncErrorProbability: 1 });
    const o = c.call<ReplicaOutcome<ServiceResult<unknown>>>((done) => c.r('n1').submit(putCommand({ key: 'k', value: bytes('v') }), done));
    expect(o.ok).toBe(false);
    expect(c.ids.some((id) => c.r(id).health === 'failed')).toBe(true);
    const failed = c.ids.find((id) => c.r(id).health === 'failed')!;
    expect(c.r(failed).status().failure).toMatch(/fsync failed/);
    const after = c.call<ReplicaOutcome<GetValue>>((done) => c.r(failed).get('k', 'stale', done));
    if (!after.ok) expect(after.error.code).toBe('stopped');
    else throw new Error('expected stopped');
  });

  it('stop() answers every pending request with `stopped`', () => {
    const c = cluster(3);
    c.sim.isolate('n1');
    c.sim.runFor(500);
    const outcomes: string[] = [];
    c.r('n1').submit(putCommand({ key: 'k', value: bytes('v') }), (o) => outcomes.push(o.ok ? 'ok' : o.error.code));
    c.r('n1').get('k', 'linearizable', (o) => outcomes.push(o.ok ? 'ok' : o.error.code));
    c.r('n1').stop();
    c.sim.runFor(10);
    expect(outcomes).toEqual(['stopped', 'stopped']);
  });

  it('validates its options, naming them', () => {
    const sim = new Simulation({ seed: 1 });
    let error: unknown;
    sim.host('n1', (env) => {
      try {
        replicaHost({ voters: ['n1'], replica: { requestTimeoutMs: -1 } })(env);
      } catch (e) {
        error = e;
      }
      return {};
    });
    sim.runFor(1);
    expect(String(error)).toMatch(/createReplica: requestTimeoutMs must be an integer ≥ 1/);
  });
});
