/**
 * The simulator's client protocol: what a `sim.client` node sends a replica
 * host, and what it gets back. (Real clients speak HTTP to src/server; this
 * is the same request/response shape without the HTTP.)
 *
 *   client → host  { c: 'req', id, op: { t: 'submit', cmd } | { t: 'get', key, consistency } }
 *   host → client  { c: 'res', id, outcome }
 *
 * Hosts validate requests (a malformed one is dropped and counted); clients
 * match responses by `id` and ignore any they are no longer waiting for.
 */
import type { GetValue, ServiceResult } from '../../services/index.js';
import type { ReadConsistency, ReplicaOutcome } from '../api.js';

export type ClientOp =
  | { readonly t: 'submit'; readonly cmd: Uint8Array }
  | { readonly t: 'get'; readonly key: string; readonly consistency: ReadConsistency };

export interface ClientRequestMessage {
  readonly c: 'req';
  readonly id: number;
  readonly op: ClientOp;
}

export interface ClientResponseMessage {
  readonly c: 'res';
  readonly id: number;
  readonly outcome: ReplicaOutcome<ServiceResult<unknown>> | ReplicaOutcome<GetValue>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;

export function isClientRequest(v: unknown): v is ClientRequestMessage {
  if (!isObj(v) || v.c !== 'req' || !Number.isSafeInteger(v.id) || !isObj(v.op)) return false;
  const op = v.op;
  if (op.t === 'submit') return op.cmd instanceof Uint8Array && op.cmd.byteLength > 0;
  if (op.t === 'get') return typeof op.key === 'string' && (op.consistency === 'linearizable' || op.consistency === 'stale');
  return false;
}

export function isClientResponse(v: unknown): v is ClientResponseMessage {
  return isObj(v) && v.c === 'res' && Number.isSafeInteger(v.id) && isObj(v.outcome) && typeof v.outcome.ok === 'boolean';
}
