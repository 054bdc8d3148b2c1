/**
 * Snapshot bytes of the services state:
 *
 *   [ magic "FLSV" ][ format version: 1 byte ][ crc32c(payload): u32 BE ][ payload length: u32 BE ][ payload: msgpack ]
 *
 * Deterministic: every table is written as an array sorted by its key, and
 * nothing depends on insertion order or encoder history, so two replicas
 * that applied the same log produce byte-identical snapshots. Decoding checks
 * the checksum, then every field and cross-reference, and builds a fresh
 * state (restore is all-or-nothing).
 */
import { Packr } from 'msgpackr';
import { crc32c } from '../core/checksum/index.js';
import { configEquals } from './config.js';
import { SERVICE_ERROR_CODES, SnapshotCorruptError } from './errors.js';
import { LIMITS } from './limits.js';
import { ServiceState, newLease } from './state.js';
import { compareStrings, hasLoneSurrogate, utf8ByteLength } from './text.js';
import type { ServiceConfig } from './config.js';
import type { ApplyResult } from './results.js';
import type { SessionState } from './state.js';

export const SNAPSHOT_FORMAT_VERSION = 1;
const MAGIC = [0x46, 0x4c, 0x53, 0x56]; // "FLSV"
const HEADER_BYTES = 4 + 1 + 4 + 4;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

const byNumber = (a: number, b: number): number => a - b;

export function encodeSnapshot(state: ServiceState, config: ServiceConfig): Uint8Array {
  const kv = [...state.kv.keys()].sort(compareStrings).map((key) => {
    const r = state.kv.get(key)!;
    return [key, r.value, r.createRevision, r.modRevision, r.version, r.leaseId];
  });
  const leases = [...state.leases.keys()].sort(byNumber).map((id) => {
    const l = state.leases.get(id)!;
    return [id, l.ttlMs, l.remainingMs, l.refreshIndex];
  });
  const locks = [...state.locks.keys()].sort(compareStrings).map((name) => {
    const l = state.locks.get(name)!;
    return [name, l.leaseId, l.token];
  });
  const workers = [...state.workers.keys()].sort(byNumber).map((id) => [id, state.workers.get(id)!]);
  const sessions = [...state.sessions.keys()].sort(byNumber).map((clientId) => {
    const s = state.sessions.get(clientId)!;
    const results = [...s.results.keys()].sort(byNumber).map((seq) => [seq, s.results.get(seq)!]);
    return [clientId, s.ackedSeq, s.lastActiveTick, results];
  });
  const payload = packr.pack({
    config: {
      minLeaseTtlMs: config.minLeaseTtlMs,
      maxLeaseTtlMs: config.maxLeaseTtlMs,
      checkpointIntervalMs: config.checkpointIntervalMs,
      sessionIdleMs: config.sessionIdleMs,
      workerIdCount: config.workerIdCount,
    },
    appliedIndex: state.appliedIndex,
    appliedTerm: state.appliedTerm,
    revision: state.revision,
    nextLeaseId: state.nextLeaseId,
    clockTicks: state.clockTicks,
    kv,
    leases,
    locks,
    workers,
    sessions,
  });
  const out = new Uint8Array(HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = SNAPSHOT_FORMAT_VERSION;
  view.setUint32(5, crc32c(payload));
  view.setUint32(9, payload.byteLength);
  out.set(payload, HEADER_BYTES);
  return out;
}

const corrupt = (reason: string): never => {
  throw new SnapshotCorruptError(reason);
};

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function int(v: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) corrupt(`${what} is not an integer in [${min}, ${max}]`);
  return v as number;
}

function tuple(v: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(v) || v.length !== length) corrupt(`${what} is not a ${length}-tuple`);
  return v as unknown[];
}

function list(v: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(v)) corrupt(`${what} is not an array`);
  if ((v as unknown[]).length > max) corrupt(`${what} has more than ${max} entries`);
  return v as unknown[];
}

function name(v: unknown, what: string, maxBytes: number): string {
  if (typeof v !== 'string' || v.length === 0 || hasLoneSurrogate(v) || utf8ByteLength(v) > maxBytes) corrupt(`${what} is not a valid name`);
  return v as string;
}

/** A stored session result: shape-checked and deep-frozen (it is handed back to retries). */
function result(v: unknown, what: string): ApplyResult {
  if (!isObj(v) || typeof v.ok !== 'boolean') return corrupt(`${what} is not a result`);
  if (v.ok && !isObj(v.value)) return corrupt(`${what} has no value object`);
  if (!v.ok) {
    const e = v.error;
    if (!isObj(e) || typeof e.message !== 'string' || !(SERVICE_ERROR_CODES as readonly unknown[]).includes(e.code)) {
      return corrupt(`${what} has a malformed error`);
    }
  }
  return deepFreeze(v) as unknown as ApplyResult;
}

function deepFreeze(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

function header(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < HEADER_BYTES) return corrupt('shorter than the header');
  if (MAGIC.some((b, i) => bytes[i] !== b)) corrupt('bad magic (not a services snapshot)');
  if (bytes[4] !== SNAPSHOT_FORMAT_VERSION) corrupt(`format version ${bytes[4]} (this replica reads ${SNAPSHOT_FORMAT_VERSION})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(9);
  if (length !== bytes.byteLength - HEADER_BYTES) corrupt(`payload length ${length} does not match ${bytes.byteLength - HEADER_BYTES}`);
  const payload = bytes.subarray(HEADER_BYTES);
  if (crc32c(payload) !== view.getUint32(5)) corrupt('checksum mismatch');
  return payload;
}

/** Decode and check snapshot bytes taken under `config`; a fresh state, or SnapshotCorruptError. */
export function decodeSnapshot(bytes: Uint8Array, config: ServiceConfig): ServiceState {
  const payload = header(bytes);
  let raw: unknown;
  try {
    raw = packr.unpack(payload);
  } catch (e) {
    return corrupt(`undecodable payload (${(e as Error).message})`);
  }
  if (!isObj(raw)) return corrupt('payload is not an object');
  const c = raw.config;
  if (!isObj(c)) return corrupt('config missing');
  const snapConfig = {
    minLeaseTtlMs: int(c.minLeaseTtlMs, 'config.minLeaseTtlMs', 1),
    maxLeaseTtlMs: int(c.maxLeaseTtlMs, 'config.maxLeaseTtlMs', 1),
    checkpointIntervalMs: int(c.checkpointIntervalMs, 'config.checkpointIntervalMs', 1),
    sessionIdleMs: int(c.sessionIdleMs, 'config.sessionIdleMs', 1),
    workerIdCount: int(c.workerIdCount, 'config.workerIdCount', 1),
  };
  if (!configEquals(snapConfig, config)) {
    corrupt(`taken under a different config (${JSON.stringify(snapConfig)}) than this replica's (${JSON.stringify(config)})`);
  }
  const s = new ServiceState();
  s.appliedIndex = int(raw.appliedIndex, 'appliedIndex', 0);
  s.appliedTerm = int(raw.appliedTerm, 'appliedTerm', 0);
  s.revision = int(raw.revision, 'revision', 0);
  s.nextLeaseId = int(raw.nextLeaseId, 'nextLeaseId', 1);
  s.clockTicks = int(raw.clockTicks, 'clockTicks', 0);
  readLeases(s, raw.leases, config);
  readKv(s, raw.kv);
  readLocks(s, raw.locks);
  readWorkers(s, raw.workers, config);
  readSessions(s, raw.sessions);
  return s;
}

function leaseOf(s: ServiceState, id: number, what: string): ReturnType<typeof newLease> {
  const lease = s.leases.get(id);
  if (lease === undefined) return corrupt(`${what} names missing lease ${id}`);
  return lease;
}

function readLeases(s: ServiceState, v: unknown, config: ServiceConfig): void {
  let prev = 0;
  for (const [i, raw] of list(v, 'leases', LIMITS.leasesMax).entries()) {
    const [id, ttl, remaining, refresh] = tuple(raw, 4, `leases[${i}]`);
    const leaseId = int(id, `leases[${i}].id`, prev + 1, s.nextLeaseId - 1);
    const ttlMs = int(ttl, `leases[${i}].ttlMs`, config.minLeaseTtlMs, config.maxLeaseTtlMs);
    const remainingMs = int(remaining, `leases[${i}].remainingMs`, 0, ttlMs);
    const refreshIndex = int(refresh, `leases[${i}].refreshIndex`, 1, s.appliedIndex);
    s.leases.set(leaseId, newLease(ttlMs, remainingMs, refreshIndex));
    prev = leaseId;
  }
}

function readKv(s: ServiceState, v: unknown): void {
  let prev: string | null = null;
  for (const [i, raw] of list(v, 'kv', LIMITS.keysMax).entries()) {
    const [k, value, create, mod, version, lease] = tuple(raw, 6, `kv[${i}]`);
    const key = name(k, `kv[${i}].key`, LIMITS.keyBytesMax);
    if (prev !== null && compareStrings(prev, key) >= 0) corrupt(`kv[${i}] is out of order`);
    if (!(value instanceof Uint8Array) || value.byteLength > LIMITS.valueBytesMax) corrupt(`kv[${i}].value is not valid bytes`);
    const modRevision = int(mod, `kv[${i}].modRevision`, 1, s.revision);
    const createRevision = int(create, `kv[${i}].createRevision`, 1, modRevision);
    const leaseId = int(lease, `kv[${i}].leaseId`, 0);
    if (leaseId !== 0) leaseOf(s, leaseId, `kv[${i}]`).keys.add(key);
    s.kv.set(key, {
      value: new Uint8Array(value as Uint8Array),
      createRevision,
      modRevision,
      version: int(version, `kv[${i}].version`, 1),
      leaseId,
    });
    prev = key;
  }
}

function readLocks(s: ServiceState, v: unknown): void {
  let prev: string | null = null;
  for (const [i, raw] of list(v, 'locks', LIMITS.locksMax).entries()) {
    const [n, lease, tok] = tuple(raw, 3, `locks[${i}]`);
    const lock = name(n, `locks[${i}].name`, LIMITS.lockNameBytesMax);
    if (prev !== null && compareStrings(prev, lock) >= 0) corrupt(`locks[${i}] is out of order`);
    const leaseId = int(lease, `locks[${i}].leaseId`, 1);
    leaseOf(s, leaseId, `locks[${i}]`).locks.add(lock);
    s.locks.set(lock, { leaseId, token: int(tok, `locks[${i}].token`, 1, s.revision) });
    prev = lock;
  }
}

function readWorkers(s: ServiceState, v: unknown, config: ServiceConfig): void {
  let prev = -1;
  for (const [i, raw] of list(v, 'workers', config.workerIdCount).entries()) {
    const [id, lease] = tuple(raw, 2, `workers[${i}]`);
    const workerId = int(id, `workers[${i}].id`, prev + 1, config.workerIdCount - 1);
    const leaseId = int(lease, `workers[${i}].leaseId`, 1);
    leaseOf(s, leaseId, `workers[${i}]`).workerIds.add(workerId);
    s.workers.set(workerId, leaseId);
    prev = workerId;
  }
}

function readSessions(s: ServiceState, v: unknown): void {
  const sessions: Array<[number, SessionState]> = [];
  let prev = 0;
  for (const [i, raw] of list(v, 'sessions', LIMITS.sessionsMax).entries()) {
    const [id, acked, active, stored] = tuple(raw, 4, `sessions[${i}]`);
    const clientId = int(id, `sessions[${i}].clientId`, prev + 1, s.appliedIndex);
    const ackedSeq = int(acked, `sessions[${i}].ackedSeq`, 0);
    const lastActiveTick = int(active, `sessions[${i}].lastActiveTick`, 0, s.clockTicks);
    const results = new Map<number, ApplyResult>();
    let prevSeq = ackedSeq;
    for (const [j, pair] of list(stored, `sessions[${i}].results`, LIMITS.sessionResultsMax).entries()) {
      const [seq, r] = tuple(pair, 2, `sessions[${i}].results[${j}]`);
      prevSeq = int(seq, `sessions[${i}].results[${j}].seq`, prevSeq + 1);
      results.set(prevSeq, result(r, `sessions[${i}].results[${j}]`));
    }
    sessions.push([clientId, { ackedSeq, lastActiveTick, results }]);
    prev = clientId;
  }
  // Rebuild the activity order the expiry scan relies on (ties in any fixed order: expiry is by tick, a set).
  sessions.sort((a, b) => a[1].lastActiveTick - b[1].lastActiveTick || a[0] - b[0]);
  for (const [clientId, session] of sessions) s.sessions.set(clientId, session);
}
