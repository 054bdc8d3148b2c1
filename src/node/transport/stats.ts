import type { NodeId } from '../../env/index.js';
import type { FrameErrorReason } from './frame.js';

/** Why a connection closed or a handshake failed, beyond bad frames. */
export type AuthFailureReason = 'bad-proof' | 'wrong-cluster' | 'wrong-node' | 'frame-mac-mismatch' | 'handshake-timeout';

export interface PeerLinkStats {
  address: string;
  /** 'idle' (nothing to send), 'connecting' (TCP + handshake), 'ready', 'backoff' (waiting to redial), 'closed'. */
  state: 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';
  queuedMessages: number;
  queuedBytes: number;
  /** Messages dropped from this peer's queue (full, or at close). */
  drops: number;
  reconnects: number;
}

/** Counters since the transport started. Monotonic; shaped for Prometheus counters. */
export interface TransportStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** Oldest messages dropped because a peer's send queue was full. */
  dropsQueueFull: number;
  /** Messages larger than `maxFrameBytes`, never sent. */
  dropsOversize: number;
  /** Messages to an id with no address. */
  dropsUnknownPeer: number;
  /** Messages that arrived before `onMessage` registered a handler. */
  dropsNoHandler: number;
  /** Messages sent after, or still queued at, `close()`. */
  dropsClosed: number;
  /** Outbound handshakes completed. */
  connects: number;
  /** Outbound dials after a link's first (after a lost or failed connection, or an idle spell). */
  reconnects: number;
  /** Outbound attempts that failed before the handshake completed (refused, reset, timed out…). */
  connectFailures: number;
  /** Inbound connections authenticated. */
  accepted: number;
  /** Handshakes that failed authentication (either direction), by reason. */
  authFailures: number;
  authFailuresByReason: Partial<Record<AuthFailureReason, number>>;
  /** Connections closed for a malformed frame, by reason. */
  badFrames: number;
  badFramesByReason: Partial<Record<FrameErrorReason, number>>;
  /** Inbound connections refused because too many handshakes were pending. */
  refusedConnections: number;
  /** Exceptions thrown by the message handler (logged, delivery goes on). */
  handlerErrors: number;
  peers: Record<NodeId, PeerLinkStats>;
}

export type TransportCounters = Omit<TransportStats, 'peers'>;

export function newCounters(): TransportCounters {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    messagesIn: 0,
    messagesOut: 0,
    dropsQueueFull: 0,
    dropsOversize: 0,
    dropsUnknownPeer: 0,
    dropsNoHandler: 0,
    dropsClosed: 0,
    connects: 0,
    reconnects: 0,
    connectFailures: 0,
    accepted: 0,
    authFailures: 0,
    authFailuresByReason: {},
    badFrames: 0,
    badFramesByReason: {},
    refusedConnections: 0,
    handlerErrors: 0,
  };
}

export function countAuthFailure(c: TransportCounters, reason: AuthFailureReason): void {
  c.authFailures++;
  c.authFailuresByReason[reason] = (c.authFailuresByReason[reason] ?? 0) + 1;
}

export function countBadFrame(c: TransportCounters, reason: FrameErrorReason): void {
  c.badFrames++;
  c.badFramesByReason[reason] = (c.badFramesByReason[reason] ?? 0) + 1;
}
