/**
 * One validator for commands, used by the constructors and by the decoder, so
 * what a client can build and what a replica accepts from the log are the same
 * set. It checks every field (type, range, size, no unknown fields) and returns
 * a fresh object in canonical field order with byte arrays copied; the first
 * problem is thrown as an `InvalidCommandError` naming the field.
 */
import { InvalidCommandError } from './errors.js';
import { LIMITS } from './limits.js';
import { hasLoneSurrogate, utf8ByteLength } from './text.js';
import type { CheckpointEntry, Command, CommandType, Fence, SessionRef } from './commands.js';

type Obj = Record<string, unknown>;

const SESSION_FIELD = 'session';

/** Fields each type accepts besides `type` (and `session` where noted). */
const FIELDS: Readonly<Record<CommandType, { readonly fields: readonly string[]; readonly session: boolean }>> = {
  put: { fields: ['key', 'value', 'leaseId', 'ifRevision', 'fence'], session: true },
  delete: { fields: ['key', 'ifRevision', 'fence'], session: true },
  get: { fields: ['key'], session: true },
  range: { fields: ['prefix', 'limit'], session: true },
  'grant-lease': { fields: ['ttlMs'], session: true },
  'keepalive-lease': { fields: ['leaseId'], session: true },
  'revoke-lease': { fields: ['leaseId'], session: true },
  'expire-lease': { fields: ['leaseId', 'refreshIndex'], session: false },
  checkpoint: { fields: ['tick', 'leases'], session: false },
  'acquire-lock': { fields: ['lock', 'leaseId'], session: true },
  'release-lock': { fields: ['lock', 'token'], session: true },
  'acquire-worker-id': { fields: ['leaseId'], session: true },
  'release-worker-id': { fields: ['workerId', 'leaseId'], session: true },
  'register-session': { fields: [], session: false },
};

const bad = (field: string, reason: string): never => {
  throw new InvalidCommandError(field, reason);
};

function isPlainObject(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function object(v: unknown, field: string): Obj {
  return isPlainObject(v) ? v : bad(field, 'must be a plain object');
}

function onlyFields(o: Obj, allowed: readonly string[], path: string): void {
  for (const name of Object.keys(o)) {
    if (!allowed.includes(name)) bad(path === '' ? name : `${path}.${name}`, 'is not a known field');
  }
}

function int(v: unknown, field: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) return bad(field, `must be a safe integer, got ${describe(v)}`);
  if (v < min || v > max) return bad(field, `must be in [${min}, ${max}], got ${v}`);
  return v;
}

function text(v: unknown, field: string, minBytes: number, maxBytes: number): string {
  if (typeof v !== 'string') return bad(field, `must be a string, got ${describe(v)}`);
  if (hasLoneSurrogate(v)) return bad(field, 'must be well-formed Unicode (it has a lone surrogate)');
  const bytes = utf8ByteLength(v);
  if (bytes < minBytes) return bad(field, 'must not be empty');
  if (bytes > maxBytes) return bad(field, `is ${bytes} UTF-8 bytes, more than the limit of ${maxBytes}`);
  return v;
}

function bytes(v: unknown, field: string, maxBytes: number): Uint8Array {
  if (!(v instanceof Uint8Array)) return bad(field, `must be a byte array (Uint8Array), got ${describe(v)}`);
  if (v.byteLength > maxBytes) return bad(field, `is ${v.byteLength} bytes, more than the limit of ${maxBytes}`);
  return new Uint8Array(v); // a private, plain copy: the caller's buffer may change later
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a string';
  return String(v);
}

const key = (v: unknown): string => text(v, 'key', 1, LIMITS.keyBytesMax);
const lockName = (v: unknown, field: string): string => text(v, field, 1, LIMITS.lockNameBytesMax);
const leaseId = (v: unknown, field = 'leaseId'): number => int(v, field, 1);
const revision = (v: unknown, field: string): number => int(v, field, 0);

function session(v: unknown): SessionRef {
  const o = object(v, SESSION_FIELD);
  onlyFields(o, ['clientId', 'seq', 'ackedSeq'], SESSION_FIELD);
  const clientId = int(o.clientId, 'session.clientId', 1);
  const seq = int(o.seq, 'session.seq', 1);
  const ackedSeq = int(o.ackedSeq, 'session.ackedSeq', 0, seq - 1);
  return { clientId, seq, ackedSeq };
}

function fence(v: unknown): Fence {
  const o = object(v, 'fence');
  onlyFields(o, ['lock', 'token'], 'fence');
  return { lock: lockName(o.lock, 'fence.lock'), token: int(o.token, 'fence.token', 1) };
}

function checkpointLeases(v: unknown): CheckpointEntry[] {
  if (!Array.isArray(v)) return bad('leases', `must be an array, got ${describe(v)}`);
  if (v.length > LIMITS.checkpointLeasesMax) bad('leases', `has ${v.length} entries, more than the limit of ${LIMITS.checkpointLeasesMax}`);
  const out: CheckpointEntry[] = [];
  v.forEach((raw: unknown, i) => {
    const path = `leases[${i}]`;
    const o = object(raw, path);
    onlyFields(o, ['leaseId', 'refreshIndex', 'remainingMs'], path);
    const entry = {
      leaseId: leaseId(o.leaseId, `${path}.leaseId`),
      refreshIndex: int(o.refreshIndex, `${path}.refreshIndex`, 1),
      remainingMs: int(o.remainingMs, `${path}.remainingMs`, 0, LIMITS.leaseTtlMsMax),
    };
    // Canonical order (and no duplicates), so one set of leases has one encoding.
    if (i > 0 && entry.leaseId <= out[i - 1].leaseId) bad(`${path}.leaseId`, 'must be greater than the previous entry (ascending, no duplicates)');
    out.push(entry);
  });
  return out;
}

/** Optional field: absent (or undefined) stays absent, so encodings have no holes. */
function opt<T>(o: Obj, name: string, parse: (v: unknown) => T): Record<string, T> {
  return o[name] === undefined ? {} : { [name]: parse(o[name]) };
}

function body(type: CommandType, o: Obj): Obj {
  switch (type) {
    case 'put':
      return {
        key: key(o.key),
        value: bytes(o.value, 'value', LIMITS.valueBytesMax),
        ...opt(o, 'leaseId', (v) => leaseId(v)),
        ...opt(o, 'ifRevision', (v) => revision(v, 'ifRevision')),
        ...opt(o, 'fence', fence),
      };
    case 'delete':
      return { key: key(o.key), ...opt(o, 'ifRevision', (v) => revision(v, 'ifRevision')), ...opt(o, 'fence', fence) };
    case 'get':
      return { key: key(o.key) };
    case 'range':
      return { prefix: text(o.prefix, 'prefix', 0, LIMITS.keyBytesMax), limit: int(o.limit, 'limit', 1, LIMITS.rangeLimitMax) };
    case 'grant-lease':
      return { ttlMs: int(o.ttlMs, 'ttlMs', 1, LIMITS.leaseTtlMsMax) };
    case 'keepalive-lease':
    case 'revoke-lease':
    case 'acquire-worker-id':
      return { leaseId: leaseId(o.leaseId) };
    case 'expire-lease':
      return { leaseId: leaseId(o.leaseId), refreshIndex: int(o.refreshIndex, 'refreshIndex', 1) };
    case 'checkpoint':
      if (typeof o.tick !== 'boolean') bad('tick', `must be a boolean, got ${describe(o.tick)}`);
      return { tick: o.tick, leases: checkpointLeases(o.leases) };
    case 'acquire-lock':
      return { lock: lockName(o.lock, 'lock'), leaseId: leaseId(o.leaseId) };
    case 'release-lock':
      return { lock: lockName(o.lock, 'lock'), token: int(o.token, 'token', 1) };
    case 'release-worker-id':
      return { workerId: int(o.workerId, 'workerId', 0, LIMITS.workerIdCountMax - 1), leaseId: leaseId(o.leaseId) };
    case 'register-session':
      return {};
  }
}

/**
 * Check `raw` field by field and return it as a canonical `Command`.
 * @throws InvalidCommandError naming the first bad field
 */
export function validateCommand(raw: unknown): Command {
  const o = object(raw, 'command');
  const type = o.type;
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) {
    return bad('type', `must be one of ${Object.keys(FIELDS).join(', ')}; got ${typeof type === 'string' ? JSON.stringify(type) : describe(type)}`);
  }
  const spec = FIELDS[type as CommandType];
  const allowed = spec.session ? ['type', ...spec.fields, SESSION_FIELD] : ['type', ...spec.fields];
  for (const name of Object.keys(o)) {
    // An explicit `undefined` optional field is the same as an absent one.
    if (!allowed.includes(name) && o[name] !== undefined) {
      bad(name, name === SESSION_FIELD ? `is not allowed on a ${type} command` : `is not a field of a ${type} command`);
    }
  }
  const out = { type, ...body(type as CommandType, o), ...(spec.session ? opt(o, SESSION_FIELD, session) : {}) };
  return out as unknown as Command;
}
