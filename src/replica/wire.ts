/**
 * What replicas say to each other: one envelope type, versioned, for Raft's
 * own messages and for client writes a follower forwards to the leader.
 *
 *   { v: 1, k: 'raft', m: <raft Message> }
 *   { v: 1, k: 'fwd',  id, cmd: <encoded Command bytes> }          follower → leader
 *   { v: 1, k: 'fwd-reply', id, outcome: <ReplicaOutcome> }        leader → follower
 *
 * Envelopes are plain objects; the transport (msgpack frames with CRC-32C,
 * src/node/transport) or the simulator carries them. Everything received is
 * validated here: garbage from a peer is dropped and counted by reason,
 * never thrown. The Raft message inside is validated again by
 * `RaftNode.step`, the forwarded command by `decodeCommand`.
 */
import type { NodeId } from '../env/index.js';
import type { Message } from '../raft/index.js';
import type { ServiceResult } from '../services/index.js';
import type { ReplicaError, ReplicaErrorCode, ReplicaOutcome } from './api.js';

export const WIRE_VERSION = 1;

/** Bounds on what a peer may send (checked before anything is looked up). */
export const WIRE_LIMITS = Object.freeze({
  requestIdLengthMax: 64,
  /** An encoded command is at most LIMITS.commandBytesMax (66 KiB); leave room. */
  commandBytesMax: 128 * 1024,
  messageLengthMax: 1024,
});

export interface RaftEnvelope {
  readonly v: typeof WIRE_VERSION;
  readonly k: 'raft';
  readonly m: Message;
}

/** A client write forwarded to the leader. `id` is unique per sender incarnation. */
export interface ForwardEnvelope {
  readonly v: typeof WIRE_VERSION;
  readonly k: 'fwd';
  readonly id: string;
  readonly cmd: Uint8Array;
}

export interface ForwardReplyEnvelope {
  readonly v: typeof WIRE_VERSION;
  readonly k: 'fwd-reply';
  readonly id: string;
  readonly outcome: ReplicaOutcome<ServiceResult<unknown>>;
}

export type PeerEnvelope = RaftEnvelope | ForwardEnvelope | ForwardReplyEnvelope;

export type EnvelopeCheck = { readonly ok: true; readonly envelope: PeerEnvelope } | { readonly ok: false; readonly reason: string };

export const raftEnvelope = (m: Message): RaftEnvelope => ({ v: WIRE_VERSION, k: 'raft', m });
export const forwardEnvelope = (id: string, cmd: Uint8Array): ForwardEnvelope => ({ v: WIRE_VERSION, k: 'fwd', id, cmd });
export const forwardReplyEnvelope = (id: string, outcome: ReplicaOutcome<ServiceResult<unknown>>): ForwardReplyEnvelope => ({
  v: WIRE_VERSION,
  k: 'fwd-reply',
  id,
  outcome,
});

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= WIRE_LIMITS.requestIdLengthMax;

const ERROR_CODES: ReadonlySet<string> = new Set<ReplicaErrorCode>(['no_quorum', 'not_leader', 'stopped', 'overloaded', 'invalid']);

/** Does this look like a replica envelope at all (so a host can route it)? */
export function isPeerEnvelope(raw: unknown): boolean {
  return isObj(raw) && raw.v === WIRE_VERSION && (raw.k === 'raft' || raw.k === 'fwd' || raw.k === 'fwd-reply');
}

/**
 * Structural check of an envelope from peer `from`. The inner Raft message
 * must name `from` as its sender (a peer cannot speak for another).
 */
export function checkEnvelope(raw: unknown, from: NodeId): EnvelopeCheck {
  if (!isObj(raw)) return { ok: false, reason: 'not an object' };
  if (raw.v !== WIRE_VERSION) return { ok: false, reason: `unknown wire version ${String(raw.v)}` };
  switch (raw.k) {
    case 'raft': {
      const m = raw.m;
      if (!isObj(m)) return { ok: false, reason: 'raft: message is not an object' };
      if (m.from !== from) return { ok: false, reason: 'raft: sender does not match the link' };
      return { ok: true, envelope: raw as unknown as RaftEnvelope };
    }
    case 'fwd':
      if (!isId(raw.id)) return { ok: false, reason: 'fwd: bad id' };
      if (!(raw.cmd instanceof Uint8Array) || raw.cmd.byteLength === 0 || raw.cmd.byteLength > WIRE_LIMITS.commandBytesMax) {
        return { ok: false, reason: 'fwd: bad command bytes' };
      }
      return { ok: true, envelope: raw as unknown as ForwardEnvelope };
    case 'fwd-reply': {
      if (!isId(raw.id)) return { ok: false, reason: 'fwd-reply: bad id' };
      const why = checkOutcome(raw.outcome);
      if (why !== null) return { ok: false, reason: `fwd-reply: ${why}` };
      return { ok: true, envelope: raw as unknown as ForwardReplyEnvelope };
    }
    default:
      return { ok: false, reason: `unknown envelope kind ${JSON.stringify(String(raw.k)).slice(0, 40)}` };
  }
}

function checkOutcome(v: unknown): string | null {
  if (!isObj(v) || typeof v.ok !== 'boolean') return 'outcome is not { ok }';
  if (v.ok) {
    const r = v.result;
    if (!isObj(r) || typeof r.ok !== 'boolean') return 'result is not a service result';
    if (r.ok) return 'value' in r ? null : 'ok result without value';
    return isObj(r.error) && typeof r.error.code === 'string' && typeof r.error.message === 'string' ? null : 'refusal without error';
  }
  return checkError(v.error);
}

function checkError(e: unknown): string | null {
  if (!isObj(e)) return 'error is not an object';
  if (typeof e.code !== 'string' || !ERROR_CODES.has(e.code)) return 'unknown error code';
  if (typeof e.message !== 'string' || e.message.length > WIRE_LIMITS.messageLengthMax) return 'bad error message';
  if (typeof e.definite !== 'boolean') return 'error without definite';
  if (e.leader !== undefined && e.leader !== null && typeof e.leader !== 'string') return 'bad leader';
  return null;
}

/** A frozen ReplicaError. */
export function replicaError(code: ReplicaErrorCode, message: string, definite: boolean, leader?: NodeId | null): ReplicaError {
  return Object.freeze(leader === undefined ? { code, message, definite } : { code, message, definite, leader });
}
