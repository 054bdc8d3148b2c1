/**
 * Raft messages: plain objects discriminated by `type`, each carrying the
 * sender's `term`, `from` and `to`. They are what `Ready.messages` holds and
 * what `RaftNode.step` takes; the transport serialises them as it likes.
 */
import type { Entry, NodeId, Snapshot } from './types.js';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** Leader → follower: replicate `entries` after (prevIndex, prevTerm); carries the commit index. */
export interface AppendEntries extends Envelope {
  readonly type: 'AppendEntries';
  readonly prevIndex: number;
  readonly prevTerm: number;
  /** Contiguous: entries[i].index === prevIndex + 1 + i. */
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Follower → leader. On success `index` is the follower's last index known to
 * match the leader (its match index). On reject, `index` echoes the rejected
 * prevIndex and (hintIndex, hintTerm) is the follower's best guess where the
 * logs last agree: the largest index ≤ min(prevIndex, lastIndex) whose term is
 * ≤ the rejected prevTerm (hintTerm 0 = unknown). This skips a whole
 * conflicting term per round trip instead of one entry.
 */
export interface AppendResponse extends Envelope {
  readonly type: 'AppendResponse';
  readonly reject: boolean;
  readonly index: number;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/** Candidate → voter. `transfer` marks a campaign started by TimeoutNow (bypasses leader stickiness). */
export interface RequestVote extends Envelope {
  readonly type: 'RequestVote';
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly transfer: boolean;
}

export interface RequestVoteResponse extends Envelope {
  readonly type: 'RequestVoteResponse';
  readonly granted: boolean;
}

/**
 * Pre-candidate → voter: "would you vote for me in `term`?" (`term` is the
 * sender's term + 1; nobody changes state because of it). A node cut off
 * from the cluster therefore cannot inflate terms and depose a healthy leader.
 */
export interface PreVote extends Envelope {
  readonly type: 'PreVote';
  readonly lastIndex: number;
  readonly lastTerm: number;
}

export interface PreVoteResponse extends Envelope {
  readonly type: 'PreVoteResponse';
  readonly granted: boolean;
}

/**
 * Leader → follower: "I am still the leader". `round` numbers the leader's
 * heartbeat broadcasts in its term; an acknowledged round confirms leadership
 * for ReadIndex and extends the lease. `commit` is min(follower match, commit).
 */
export interface Heartbeat extends Envelope {
  readonly type: 'Heartbeat';
  readonly commit: number;
  readonly round: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'HeartbeatResponse';
  readonly round: number;
}

/** Leader → lagging follower: the whole snapshot in one message. */
export interface InstallSnapshot extends Envelope {
  readonly type: 'InstallSnapshot';
  readonly snapshot: Snapshot;
}

/** Follower → leader: its log now matches up to `index`. */
export interface InstallSnapshotResponse extends Envelope {
  readonly type: 'InstallSnapshotResponse';
  readonly index: number;
}

/** Leader → transfer target: campaign now, skipping pre-vote and stickiness. */
export interface TimeoutNow extends Envelope {
  readonly type: 'TimeoutNow';
}

/** Follower → leader: a linearizable read forwarded by a follower. */
export interface ReadIndex extends Envelope {
  readonly type: 'ReadIndex';
  readonly context: string;
}

/** Leader → follower: the read `context` may be served once applied ≥ index. */
export interface ReadIndexResponse extends Envelope {
  readonly type: 'ReadIndexResponse';
  readonly context: string;
  readonly index: number;
}

export type Message =
  | AppendEntries
  | AppendResponse
  | RequestVote
  | RequestVoteResponse
  | PreVote
  | PreVoteResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | InstallSnapshotResponse
  | TimeoutNow
  | ReadIndex
  | ReadIndexResponse;

export type MessageType = Message['type'];

/** Distributive Omit, so `send({ type: 'Heartbeat', ... })` type-checks per variant. */
export type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from'> : never) : never;

export const MESSAGE_TYPES: readonly MessageType[] = [
  'AppendEntries',
  'AppendResponse',
  'RequestVote',
  'RequestVoteResponse',
  'PreVote',
  'PreVoteResponse',
  'Heartbeat',
  'HeartbeatResponse',
  'InstallSnapshot',
  'InstallSnapshotResponse',
  'TimeoutNow',
  'ReadIndex',
  'ReadIndexResponse',
];

/** Messages only a leader sends (receiving one means "there is a leader in this term"). */
export function isFromLeader(m: Message): m is AppendEntries | Heartbeat | InstallSnapshot | TimeoutNow {
  return m.type === 'AppendEntries' || m.type === 'Heartbeat' || m.type === 'InstallSnapshot' || m.type === 'TimeoutNow';
}
