/**
 * The key-value store (etcd semantics): every key carries createRevision,
 * modRevision and version; the cluster revision rises by one per change.
 * Checks run before any mutation, so a refused command changes nothing.
 */
import { LIMITS } from './limits.js';
import { fail, ok } from './results.js';
import { compareStrings } from './text.js';
import type { DeleteCommand, Fence, GetCommand, PutCommand, RangeCommand } from './commands.js';
import type { DeleteValue, GetValue, KeyValue, PutValue, RangeValue, ServiceResult } from './results.js';
import type { KvRecord, ServiceState } from './state.js';

/**
 * The fencing rule: a fenced write applies only if, at its position in the
 * log, the lock is held and its current token equals the fence's token. An
 * older token (a newer holder exists), a token of a released or expired hold,
 * or a token never issued for this lock are all `fenced`.
 */
export function checkFence<T>(state: ServiceState, fence: Fence | undefined): ServiceResult<T> | null {
  if (fence === undefined) return null;
  const held = state.locks.get(fence.lock);
  if (held !== undefined && held.token === fence.token) return null;
  const currentToken = held === undefined ? null : held.token;
  const why =
    held === undefined
      ? 'the lock is not held (its holder released it or its lease ended)'
      : fence.token < held.token
        ? `a newer token (${held.token}) has been issued`
        : `the current holder's token is ${held.token}`;
  return fail('fenced', `write fenced off: token ${fence.token} for lock ${JSON.stringify(fence.lock)} is stale: ${why}`, {
    lock: fence.lock,
    token: fence.token,
    currentToken,
  });
}

function checkRevision<T>(key: string, existing: KvRecord | undefined, ifRevision: number | undefined): ServiceResult<T> | null {
  if (ifRevision === undefined) return null;
  const actual = existing?.modRevision ?? 0;
  if (actual === ifRevision) return null;
  const expected = ifRevision === 0 ? 'absent' : `at revision ${ifRevision}`;
  const found = actual === 0 ? 'absent' : `at revision ${actual}`;
  return fail('revision_mismatch', `key ${JSON.stringify(key)} expected ${expected} but is ${found}`, {
    key,
    expectedRevision: ifRevision,
    actualRevision: actual,
  });
}

function detach(state: ServiceState, key: string, leaseId: number): void {
  if (leaseId === 0) return;
  const lease = state.leases.get(leaseId);
  // Invariant: a key's lease exists (lease end deletes its keys).
  if (lease === undefined) throw new Error(`services: invariant broken: key ${JSON.stringify(key)} names missing lease ${leaseId}`);
  lease.keys.delete(key);
}

export function applyPut(state: ServiceState, cmd: PutCommand): ServiceResult<PutValue> {
  const existing = state.kv.get(cmd.key);
  const refused = checkFence<PutValue>(state, cmd.fence) ?? checkRevision<PutValue>(cmd.key, existing, cmd.ifRevision);
  if (refused !== null) return refused;
  const leaseId = cmd.leaseId ?? 0;
  const lease = leaseId === 0 ? undefined : state.leases.get(leaseId);
  if (leaseId !== 0 && lease === undefined) return fail('lease_not_found', `lease ${leaseId} does not exist (expired or revoked)`, { leaseId });
  if (existing === undefined && state.kv.size >= LIMITS.keysMax) {
    return fail('limit_exceeded', `the store holds the maximum of ${LIMITS.keysMax} keys`, { limit: LIMITS.keysMax });
  }
  const revision = ++state.revision;
  const record: KvRecord = {
    value: cmd.value,
    createRevision: existing?.createRevision ?? revision,
    modRevision: revision,
    version: (existing?.version ?? 0) + 1,
    leaseId,
  };
  if (existing !== undefined && existing.leaseId !== leaseId) detach(state, cmd.key, existing.leaseId);
  lease?.keys.add(cmd.key);
  state.kv.set(cmd.key, record);
  return ok({ revision, createRevision: record.createRevision, version: record.version });
}

export function applyDelete(state: ServiceState, cmd: DeleteCommand): ServiceResult<DeleteValue> {
  const existing = state.kv.get(cmd.key);
  const refused = checkFence<DeleteValue>(state, cmd.fence) ?? checkRevision<DeleteValue>(cmd.key, existing, cmd.ifRevision);
  if (refused !== null) return refused;
  // Deleting nothing changes nothing, so it does not advance the revision (as in etcd).
  if (existing === undefined) return ok({ revision: state.revision, deleted: false });
  detach(state, cmd.key, existing.leaseId);
  state.kv.delete(cmd.key);
  return ok({ revision: ++state.revision, deleted: true });
}

function toKeyValue(key: string, r: KvRecord): KeyValue {
  return Object.freeze({
    key,
    createRevision: r.createRevision,
    modRevision: r.modRevision,
    version: r.version,
    leaseId: r.leaseId,
    value: r.value.slice(), // a copy: callers must not be able to edit replicated state
  });
}

export function readKey(state: ServiceState, key: string): GetValue {
  const r = state.kv.get(key);
  return { revision: state.revision, kv: r === undefined ? null : toKeyValue(key, r) };
}

/**
 * Keys with `prefix`, ascending, up to `limit` pairs and about
 * LIMITS.rangeResultBytesMax bytes (always at least one pair). A scan of the
 * key table: O(keys + matches·log matches).
 */
export function readRange(state: ServiceState, prefix: string, limit: number): RangeValue {
  const matches: string[] = [];
  for (const key of state.kv.keys()) if (key.startsWith(prefix)) matches.push(key);
  matches.sort(compareStrings);
  const kvs: KeyValue[] = [];
  let bytes = 0;
  for (const key of matches) {
    if (kvs.length === limit) break;
    const r = state.kv.get(key)!;
    const size = key.length * 3 + r.value.byteLength; // UTF-8 upper bound: cheap and conservative
    if (kvs.length > 0 && bytes + size > LIMITS.rangeResultBytesMax) break;
    bytes += size;
    kvs.push(toKeyValue(key, r));
  }
  return { revision: state.revision, kvs: Object.freeze(kvs), more: kvs.length < matches.length };
}

export function applyGet(state: ServiceState, cmd: GetCommand): ServiceResult<GetValue> {
  return ok(readKey(state, cmd.key));
}

export function applyRange(state: ServiceState, cmd: RangeCommand): ServiceResult<RangeValue> {
  return ok(readRange(state, cmd.prefix, cmd.limit));
}
