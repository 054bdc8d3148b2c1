/**
 * Defensive checks on messages from peers. A message that is malformed or
 * impossible (wrong recipient, negative index, non-contiguous entries, an
 * entry from the future) is dropped with a reason; a peer's garbage never
 * throws. Cost is O(entries), like handling the message itself.
 */
import type { Message } from './messages.js';
import { MESSAGE_TYPES } from './messages.js';
import type { ConfChangeType, ConfState, Entry, NodeId } from './types.js';

export type Validation = { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly reason: string };

/** Bounds on what a peer may send us. */
export const MESSAGE_LIMITS = Object.freeze({
  contextLengthMax: 4096,
  entriesPerMessageMax: 1 << 20,
  membersMax: 1024,
  nodeIdLengthMax: 256,
});

const TYPES = new Set<string>(MESSAGE_TYPES);
const CONF_CHANGE_TYPES = new Set<ConfChangeType>(['add-voter', 'remove-voter', 'add-learner', 'promote-learner']);

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
/** A non-negative safe integer (indices, terms, rounds). */
const isIdx = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isId = (v: unknown): v is NodeId => typeof v === 'string' && v.length > 0 && v.length <= MESSAGE_LIMITS.nodeIdLengthMax;

export function validateConf(v: unknown): v is ConfState {
  if (!isObj(v) || !Array.isArray(v.voters) || !Array.isArray(v.learners)) return false;
  if (v.voters.length + v.learners.length > MESSAGE_LIMITS.membersMax) return false;
  const seen = new Set<string>();
  for (const id of [...v.voters, ...v.learners]) {
    if (!isId(id) || seen.has(id)) return false;
    seen.add(id);
  }
  return true;
}

export function validateEntry(v: unknown): v is Entry {
  if (!isObj(v) || !isIdx(v.index) || !isIdx(v.term) || v.index === 0 || v.term === 0) return false;
  switch (v.kind) {
    case 'normal':
      return v.data instanceof Uint8Array;
    case 'noop':
      return true;
    case 'conf-change': {
      if (!validateConf(v.conf)) return false;
      if (v.change === null) return true;
      const c = v.change;
      return isObj(c) && CONF_CHANGE_TYPES.has(c.type as ConfChangeType) && isId(c.node);
    }
    default:
      return false;
  }
}

function bad(reason: string): Validation {
  return { ok: false, reason };
}

export function validateMessage(raw: unknown, self: NodeId): Validation {
  if (!isObj(raw)) return bad('not an object');
  const m = raw;
  if (typeof m.type !== 'string' || !TYPES.has(m.type)) return bad(`unknown message type ${String(m.type)}`);
  if (!isId(m.from) || !isId(m.to)) return bad('from/to must be non-empty node ids');
  if (m.to !== self) return bad(`addressed to ${m.to}, not to ${self}`);
  if (m.from === self) return bad('a message from ourselves');
  if (!isIdx(m.term)) return bad('term must be a non-negative safe integer');
  const reason = checkBody(m);
  return reason === null ? { ok: true, message: m as unknown as Message } : bad(reason);
}

function checkBody(m: Obj): string | null {
  const term = m.term as number;
  switch (m.type as Message['type']) {
    case 'AppendEntries': {
      if (term === 0) return 'AppendEntries in term 0';
      if (!isIdx(m.prevIndex) || !isIdx(m.prevTerm) || !isIdx(m.commit)) return 'AppendEntries: bad prevIndex/prevTerm/commit';
      if (m.prevTerm > term) return 'AppendEntries: prevTerm from the future';
      if ((m.prevIndex === 0) !== (m.prevTerm === 0)) return 'AppendEntries: prevIndex and prevTerm must be 0 together';
      if (!Array.isArray(m.entries) || m.entries.length > MESSAGE_LIMITS.entriesPerMessageMax) return 'AppendEntries: bad entries';
      let prevTerm = m.prevTerm;
      for (let i = 0; i < m.entries.length; i++) {
        const e: unknown = m.entries[i];
        if (!validateEntry(e)) return `AppendEntries: malformed entry at position ${i}`;
        if (e.index !== m.prevIndex + 1 + i) return 'AppendEntries: entries not contiguous after prevIndex';
        if (e.term < prevTerm || e.term > term) return 'AppendEntries: entry terms must be non-decreasing and ≤ the message term';
        prevTerm = e.term;
      }
      return null;
    }
    case 'AppendResponse':
      if (typeof m.reject !== 'boolean' || !isIdx(m.index) || !isIdx(m.hintIndex) || !isIdx(m.hintTerm)) return 'AppendResponse: bad fields';
      if (m.reject && m.hintIndex > m.index) return 'AppendResponse: hint beyond the rejected index';
      if (m.hintTerm > term) return 'AppendResponse: hint term from the future';
      return null;
    case 'RequestVote':
    case 'PreVote':
      if (m.type === 'RequestVote' && typeof m.transfer !== 'boolean') return 'RequestVote: transfer must be boolean';
      if (term === 0 || !isIdx(m.lastIndex) || !isIdx(m.lastTerm)) return `${String(m.type)}: bad lastIndex/lastTerm`;
      if (m.lastTerm > term) return `${String(m.type)}: lastTerm from the future`;
      return null;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return typeof m.granted === 'boolean' ? null : `${String(m.type)}: granted must be boolean`;
    case 'Heartbeat':
      if (term === 0 || !isIdx(m.commit) || !isIdx(m.round) || m.round === 0) return 'Heartbeat: bad commit/round';
      return null;
    case 'HeartbeatResponse':
      return isIdx(m.round) && m.round > 0 ? null : 'HeartbeatResponse: bad round';
    case 'InstallSnapshot': {
      const s = m.snapshot;
      if (term === 0 || !isObj(s) || !isObj(s.metadata) || !(s.data instanceof Uint8Array)) return 'InstallSnapshot: malformed snapshot';
      const md = s.metadata;
      if (!isIdx(md.index) || !isIdx(md.term) || md.index === 0 || md.term === 0) return 'InstallSnapshot: bad index/term';
      if (md.term > term) return 'InstallSnapshot: snapshot term from the future';
      return validateConf(md.conf) ? null : 'InstallSnapshot: bad configuration';
    }
    case 'InstallSnapshotResponse':
      return isIdx(m.index) ? null : 'InstallSnapshotResponse: bad index';
    case 'TimeoutNow':
      return term === 0 ? 'TimeoutNow in term 0' : null;
    case 'ReadIndex':
      return typeof m.context === 'string' && m.context.length <= MESSAGE_LIMITS.contextLengthMax ? null : 'ReadIndex: bad context';
    case 'ReadIndexResponse':
      if (typeof m.context !== 'string' || m.context.length > MESSAGE_LIMITS.contextLengthMax) return 'ReadIndexResponse: bad context';
      return isIdx(m.index) ? null : 'ReadIndexResponse: bad index';
  }
}
