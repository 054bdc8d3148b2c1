import type { Socket } from 'node:net';
import type { LogFn } from '../log.js';
import { type FrameErrorReason, isFrameError } from './frame.js';
import type { ResolvedTransportOptions } from './options.js';
import { type AuthFailureReason, type TransportCounters, countAuthFailure, countBadFrame } from './stats.js';

/** What every connection of one transport shares. */
export interface LinkContext {
  readonly o: ResolvedTransportOptions;
  readonly counters: TransportCounters;
  /** For events this node causes (connects, disconnects). */
  readonly log: LogFn;
  /** Rate-limited: for events an outsider can trigger at will (bad frames, failed auth). */
  readonly noisyLog: LogFn;
}

export function remoteOf(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}

/** Close a connection over a protocol violation: count it, log it (limited), destroy the socket. */
export function rejectFrame(ctx: LinkContext, socket: Socket, reason: FrameErrorReason, detail: string, peer?: string): void {
  countBadFrame(ctx.counters, reason);
  ctx.noisyLog('transport.bad-frame', { reason, detail, remote: remoteOf(socket), peer });
  socket.destroy();
}

/** Close a connection whose handshake failed authentication. */
export function rejectAuth(ctx: LinkContext, socket: Socket, reason: AuthFailureReason, detail: string, peer?: string): void {
  countAuthFailure(ctx.counters, reason);
  ctx.noisyLog('transport.auth-failed', { reason, detail, remote: remoteOf(socket), peer });
  socket.destroy();
}

/**
 * Route an exception thrown while handling a peer's bytes. Frame errors close
 * the connection. Anything else is a bug of ours — still, bytes from the
 * network must never take the process down, so it is logged (unlimited) and
 * only this connection is dropped.
 */
export function rejectError(ctx: LinkContext, socket: Socket, e: unknown, peer?: string): void {
  if (isFrameError(e)) return rejectFrame(ctx, socket, e.reason, e.message, peer);
  ctx.log('transport.internal-error', { error: e instanceof Error ? (e.stack ?? e.message) : String(e), remote: remoteOf(socket), peer });
  socket.destroy();
}
