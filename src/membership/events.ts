/**
 * What a node tells its owner about *other* members: a typed stream, one
 * event per state change in this node's view.
 *
 *   (unknown) ──join──▶ alive ──suspect──▶ suspect ──dead──▶ dead
 *                         ▲                  │               │
 *                         └──────alive───────┘               │
 *   dead | left ──join (a higher incarnation: it came back)──┘
 *   alive | suspect ──leave (it announced its departure)──▶ left
 */
import type { MemberState } from './messages.js';

export interface JoinEvent {
  readonly type: 'join';
  readonly member: string;
  readonly incarnation: number;
  /** This node's monotonic clock when it learned it. */
  readonly atMs: number;
}

export interface SuspectEvent {
  readonly type: 'suspect';
  readonly member: string;
  readonly incarnation: number;
  /** Who accused it first (this node itself when its own probe failed). */
  readonly from: string;
  readonly atMs: number;
}

/** A suspected member refuted the suspicion (a higher incarnation). */
export interface AliveEvent {
  readonly type: 'alive';
  readonly member: string;
  readonly incarnation: number;
  readonly atMs: number;
}

export interface DeadEvent {
  readonly type: 'dead';
  readonly member: string;
  readonly incarnation: number;
  /** Who declared it dead (this node itself when its own suspicion timed out). */
  readonly from: string;
  /** `timeout`: this node's suspicion timer ran out; `message`: it was told. */
  readonly cause: 'timeout' | 'message';
  readonly atMs: number;
}

/** The member left gracefully (it broadcast its own death). */
export interface LeaveEvent {
  readonly type: 'leave';
  readonly member: string;
  readonly incarnation: number;
  readonly atMs: number;
}

export type MembershipEvent = JoinEvent | SuspectEvent | AliveEvent | DeadEvent | LeaveEvent;

/** One member as this node sees it. */
export interface MemberSnapshot {
  readonly name: string;
  readonly state: MemberState;
  readonly incarnation: number;
  /** Monotonic ms of the last state change in this node's view. */
  readonly stateChangeMs: number;
}
