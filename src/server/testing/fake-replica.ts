/**
 * An in-memory stand-in for the replica (same `Replica` interface): the
 * services state machine applied at once, no Raft. For testing the HTTP layer
 * alone: validation, error mapping, idempotency, sessions, IDs. Callbacks run
 * on a later turn, as the contract requires. `setUnavailable` makes every
 * call fail with `no_quorum` (definite or not) to exercise 503 paths.
 */
import type { CreateReplica, Replica, ReplicaOptions, ReplicaOutcome, ReadConsistency } from '../../replica/api.js';
import { encodeCommand, ServiceStateMachine } from '../../services/index.js';
import type { Command, GetValue, ServiceResult } from '../../services/index.js';

export interface FakeReplica extends Replica {
  /** Fail every call with no_quorum; `applyAnyway` applies writes first (an unknown outcome). */
  setUnavailable(unavailable: boolean, applyAnyway?: boolean): void;
  readonly submitted: Command[];
  readonly sm: ServiceStateMachine;
}

export function createFakeReplica(options: ReplicaOptions): FakeReplica {
  const sm = new ServiceStateMachine({ electionTimeoutMs: 200 });
  let index = 1;
  let unavailable = false;
  let applyAnyway = false;
  let stopped = false;
  const submitted: Command[] = [];
  const id = options.env.nodeId;
  const later = (fn: () => void): void => void setImmediate(fn);
  const noQuorum = <T>(definite: boolean): ReplicaOutcome<T> => ({
    ok: false,
    error: { code: 'no_quorum', message: 'fake: no quorum', leader: null, definite },
  });
  return {
    id,
    sm,
    submitted,
    setUnavailable(u: boolean, a = false) {
      unavailable = u;
      applyAnyway = a;
    },
    submit(command: Command, done: (outcome: ReplicaOutcome<ServiceResult<unknown>>) => void): void {
      submitted.push(command);
      if (stopped) return later(() => done({ ok: false, error: { code: 'stopped', message: 'fake: stopped', definite: true } }));
      if (unavailable && !applyAnyway) return later(() => done(noQuorum(true)));
      const result = sm.apply({ index: ++index, term: 1, data: encodeCommand(command) });
      later(() => done(unavailable ? noQuorum(false) : { ok: true, result }));
    },
    get(key: string, _consistency: ReadConsistency, done: (outcome: ReplicaOutcome<GetValue>) => void): void {
      if (unavailable) return later(() => done(noQuorum(true)));
      const v = sm.get(key);
      later(() => done({ ok: true, result: v }));
    },
    status() {
      return {
        id,
        role: 'leader',
        term: 1,
        leader: id,
        commitIndex: index,
        appliedIndex: index,
        members: options.voters.map((v) => ({ id: v, role: v === id ? ('leader' as const) : ('follower' as const) })),
      };
    },
    metrics() {
      return { proposals: submitted.length, commits: submitted.length, elections: 1, fsyncLatencyMs: [] };
    },
    stop() {
      stopped = true;
    },
  };
}

/** A `CreateReplica` that remembers the replicas it made. */
export function fakeReplicaFactory(): { create: CreateReplica; made: FakeReplica[] } {
  const made: FakeReplica[] = [];
  return {
    made,
    create: (options) => {
      const r = createFakeReplica(options);
      made.push(r);
      return r;
    },
  };
}
