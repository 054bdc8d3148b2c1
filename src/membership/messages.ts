/**
 * The wire messages, as memberlist has them (net.go). Several travel in one
 * compound packet: a probe carries the broadcasts waiting to be gossiped
 * ("piggybacking"), so dissemination costs no extra packets.
 */

/** A member's state as this node believes it. `left` is a member that announced its own departure. */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** Direct probe: "are you `target`? ack `seq`". */
export interface PingMessage {
  readonly type: 'ping';
  readonly seq: number;
  /** The member the prober thinks it is talking to (a restarted host under another name must not ack). */
  readonly target: string;
}

/** "Please probe `target` for me and ack `seq` if it answers; nack if it does not (when `nack`)." */
export interface IndirectPingMessage {
  readonly type: 'indirect-ping';
  readonly seq: number;
  readonly target: string;
  readonly nack: boolean;
}

export interface AckMessage {
  readonly type: 'ack';
  readonly seq: number;
}

/** Sent by an indirect prober that got no ack in time: proof that *it* is alive and listening (Lifeguard). */
export interface NackMessage {
  readonly type: 'nack';
  readonly seq: number;
}

export interface AliveMessage {
  readonly type: 'alive';
  readonly incarnation: number;
  readonly node: string;
}

export interface SuspectMessage {
  readonly type: 'suspect';
  readonly incarnation: number;
  readonly node: string;
  /** The accuser; confirmations from distinct accusers shorten the suspicion. */
  readonly from: string;
}

/** `from === node` means the member left gracefully. */
export interface DeadMessage {
  readonly type: 'dead';
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

export interface MemberStateEntry {
  readonly name: string;
  readonly incarnation: number;
  readonly state: MemberState;
}

/**
 * A full state exchange (memberlist's push/pull, over TCP there): `request`
 * and `join` expect a `response` carrying the responder's state.
 */
export interface PushPullMessage {
  readonly type: 'push-pull';
  readonly kind: 'request' | 'join' | 'response';
  readonly members: readonly MemberStateEntry[];
}

export type MembershipMessage =
  | PingMessage
  | IndirectPingMessage
  | AckMessage
  | NackMessage
  | AliveMessage
  | SuspectMessage
  | DeadMessage
  | PushPullMessage;

/** The messages that are gossiped (broadcast), one per member name at a time. */
export type BroadcastMessage = AliveMessage | SuspectMessage | DeadMessage;
