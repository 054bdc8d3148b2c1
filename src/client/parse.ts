/**
 * Reading the API's JSON defensively: a server (or something pretending to
 * be one) that answers with the wrong shape gets a `bad_response` error
 * naming the field, never a TypeError deep in the caller's code.
 */
import { FaultlineError } from './errors.js';
import type { ClusterMember, ClusterStatus } from './types.js';

export type Json = unknown;

/** Thrown by the readers below; the caller turns it into a FaultlineError with the call's outcome. */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

export function parseJsonBody(text: string): Json {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new ShapeError(`the body is not JSON (${JSON.stringify(text.slice(0, 60))}${text.length > 60 ? '…' : ''})`);
  }
}

export function object(value: Json, what = 'the body'): Record<string, Json> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShapeError(`${what} is not a JSON object`);
  return value as Record<string, Json>;
}

export function integer(body: Record<string, Json>, field: string): number {
  const v = body[field];
  // Revisions, tokens and lease ids are integers; some servers send large ones as decimal strings.
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new ShapeError(`"${field}" is not an integer (got ${JSON.stringify(v)})`);
  return n;
}

export function optionalInteger(body: Record<string, Json>, field: string): number | undefined {
  return body[field] === undefined || body[field] === null ? undefined : integer(body, field);
}

export function string(body: Record<string, Json>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string') throw new ShapeError(`"${field}" is not a string (got ${JSON.stringify(v)})`);
  return v;
}

/** `"123"` or `123` → `"123"` (IDs are 64-bit: decimal strings). */
export function decimalString(body: Record<string, Json>, field: string): string {
  const v = body[field];
  if (typeof v === 'string' && /^\d+$/.test(v)) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  throw new ShapeError(`"${field}" is not a decimal id (got ${JSON.stringify(v)})`);
}

/** The API's error body `{ error: { code, message, details? } }`, read leniently (a proxy may send HTML). */
export interface ErrorBody {
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** Set by servers that know a write was refused before it reached the log. */
  readonly definite: boolean | undefined;
}

export function readErrorBody(json: Json): ErrorBody {
  const error = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return { code: undefined, message: undefined, details: undefined, definite: undefined };
  const e = error as Record<string, unknown>;
  return {
    code: typeof e.code === 'string' && e.code.length > 0 ? e.code : undefined,
    message: typeof e.message === 'string' ? e.message : undefined,
    details: typeof e.details === 'object' && e.details !== null && !Array.isArray(e.details) ? (e.details as Record<string, unknown>) : undefined,
    definite: typeof e.definite === 'boolean' ? e.definite : undefined,
  };
}

function member(value: Json, i: number): ClusterMember {
  const m = object(value, `members[${i}]`);
  const id = m.id;
  if (typeof id !== 'string' || id.length === 0) throw new ShapeError(`members[${i}].id is not a string`);
  return {
    id,
    httpUrl: typeof m.httpUrl === 'string' ? m.httpUrl : undefined,
    role: typeof m.role === 'string' ? m.role : 'unknown',
    health: typeof m.health === 'string' ? m.health : 'unknown',
    ...(typeof m.phi === 'number' ? { phi: m.phi } : {}),
  };
}

export function parseClusterStatus(json: Json): ClusterStatus {
  const body = object(json);
  const leader = body.leader;
  if (leader !== null && typeof leader !== 'string') throw new ShapeError(`"leader" is neither a member id nor null (got ${JSON.stringify(leader)})`);
  if (!Array.isArray(body.members)) throw new ShapeError('"members" is not an array');
  return {
    leader,
    term: integer(body, 'term'),
    commitIndex: integer(body, 'commitIndex'),
    members: body.members.map(member),
  };
}

/** A ShapeError as the client's error for call `api`. */
export function badResponse(api: string, endpoint: string, error: ShapeError, definite: boolean): FaultlineError {
  return new FaultlineError({
    code: 'bad_response',
    message: `${api}: ${endpoint} answered with an unexpected body: ${error.message}`,
    definite,
    retryable: false,
    endpoint,
  });
}
