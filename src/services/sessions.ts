/**
 * Client sessions: exactly-once effects over at-least-once delivery (RIFL;
 * Raft dissertation §6.3).
 *
 * - `register-session` creates a session whose clientId is the log index it
 *   applied at: unique for the life of the cluster, never reused.
 * - Each client command carries `{ clientId, seq, ackedSeq }`. The first time
 *   a seq applies, its result is stored; a retry of that seq (the same
 *   command re-proposed, at any later index) returns the stored result and
 *   changes nothing. `ackedSeq` tells the replicas that every seq ≤ it has its
 *   response delivered, so those results are dropped: memory per session is
 *   bounded by LIMITS.sessionResultsMax, and a client with that many
 *   unacknowledged results gets `session_window_full` until it acknowledges.
 * - Reads (`get`, `range`) are not stored: re-running a read is harmless and
 *   values are large.
 * - Idle expiry uses log-carried time, never a clock: every `checkpoint` with
 *   `tick: true` (one per checkpointIntervalMs from the leader's keeper)
 *   advances `clockTicks`; a session with no command for more than
 *   `ceil(sessionIdleMs / checkpointIntervalMs)` ticks is forgotten at that
 *   checkpoint. Its later commands get `session_expired` (never a silent
 *   re-apply), and the client registers a new session.
 */
import { sessionIdleCheckpoints } from './config.js';
import { LIMITS } from './limits.js';
import { fail, ok } from './results.js';
import type { ServiceConfig } from './config.js';
import type { SessionRef } from './commands.js';
import type { ApplyResult, RegisterSessionValue, ServiceResult } from './results.js';
import type { ServiceState, SessionState } from './state.js';

export function applyRegisterSession(state: ServiceState, index: number): ServiceResult<RegisterSessionValue> {
  if (state.sessions.size >= LIMITS.sessionsMax) {
    return fail('limit_exceeded', `the cluster holds the maximum of ${LIMITS.sessionsMax} sessions`, { limit: LIMITS.sessionsMax });
  }
  // Invariant: indexes only grow, so this id was never issued before.
  if (state.sessions.has(index)) throw new Error(`services: invariant broken: session ${index} registered twice`);
  state.sessions.set(index, { ackedSeq: 0, lastActiveTick: state.clockTicks, results: new Map() });
  return ok({ clientId: index });
}

/** Move a session to the young end of the activity order. */
function touch(state: ServiceState, clientId: number, session: SessionState): void {
  session.lastActiveTick = state.clockTicks;
  state.sessions.delete(clientId);
  state.sessions.set(clientId, session);
}

function acknowledge(session: SessionState, ackedSeq: number): void {
  if (ackedSeq <= session.ackedSeq) return; // acks arrive out of order under retries; the mark only rises
  session.ackedSeq = ackedSeq;
  for (const seq of session.results.keys()) if (seq <= ackedSeq) session.results.delete(seq);
}

/**
 * Run `execute` at most once for `ref`: a new seq runs and (unless `isRead`)
 * stores its result; a stored seq returns what it returned the first time.
 */
export function applyInSession(state: ServiceState, ref: SessionRef, isRead: boolean, execute: () => ApplyResult): ApplyResult {
  const session = state.sessions.get(ref.clientId);
  if (session === undefined) {
    return fail('session_expired', `session ${ref.clientId} is unknown or expired; register a new session`, { clientId: ref.clientId });
  }
  touch(state, ref.clientId, session);
  acknowledge(session, ref.ackedSeq);
  const stored = session.results.get(ref.seq);
  if (stored !== undefined) return stored;
  if (ref.seq <= session.ackedSeq) {
    // Its result was acknowledged and dropped: re-running could apply it twice.
    return fail('session_seq_stale', `seq ${ref.seq} of session ${ref.clientId} was already acknowledged (ackedSeq ${session.ackedSeq})`, {
      clientId: ref.clientId,
      seq: ref.seq,
      ackedSeq: session.ackedSeq,
    });
  }
  if (isRead) return execute();
  if (session.results.size >= LIMITS.sessionResultsMax) {
    return fail('session_window_full', `session ${ref.clientId} has ${session.results.size} unacknowledged results; acknowledge some (ackedSeq)`, {
      clientId: ref.clientId,
      limit: LIMITS.sessionResultsMax,
    });
  }
  const result = execute();
  session.results.set(ref.seq, result);
  return result;
}

/** Forget sessions idle for more than the configured number of ticks; returns how many. */
export function expireIdleSessions(state: ServiceState, config: ServiceConfig): number {
  const horizon = state.clockTicks - sessionIdleCheckpoints(config);
  let expired = 0;
  for (const [clientId, session] of state.sessions) {
    if (session.lastActiveTick >= horizon) break; // activity order: everything after is younger
    state.sessions.delete(clientId);
    expired++;
  }
  return expired;
}
