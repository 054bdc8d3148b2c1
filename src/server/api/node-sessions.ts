/**
 * The node's own client sessions, used to make `Idempotency-Key` writes
 * exactly-once on this node even when an attempt's outcome is unknown.
 *
 * Why: the IdempotencyStore replays a recorded outcome, but a write that timed
 * out after reaching the log has no outcome to record. Recording the timeout
 * would make every retry fail forever; recording nothing would let a retry
 * apply the write a second time. Instead each key is bound to one
 * (session, seq) of a session this node registered: every attempt for the key
 * carries the same seq, so the state machine applies it at most once and hands
 * a retry the stored result.
 *
 * Bounded: at most `sessionsMax` sessions, each with at most
 * `LIMITS.sessionResultsMax` seqs above its acknowledged mark; a seq whose
 * outcome stays unknown and is not retried for `abandonAfterMs` is given up
 * (acknowledged) so it cannot pin the window forever.
 */
import { LIMITS } from '../../services/index.js';
import type { SessionRef } from '../../services/index.js';
import { ApiError } from '../http/errors.js';

interface NodeSession {
  readonly clientId: number;
  /** Last seq handed out. */
  lastSeq: number;
  /** Every seq ≤ ackedSeq is finished. */
  ackedSeq: number;
  /** Seqs above ackedSeq that are finished (waiting for the ones below them). */
  readonly finished: Set<number>;
  /** Seqs above ackedSeq still pending (unknown outcome) → when they were last attempted (monotonic ms). */
  readonly pendingSince: Map<number, number>;
  dead: boolean;
}

export interface NodeSessionSlot {
  readonly session: SessionRef;
  /** No earlier attempt used this seq (false: a retry of an attempt whose outcome was unknown). */
  readonly fresh: boolean;
  /** The attempt ended with a recorded outcome (success or refusal): the seq may be acknowledged. */
  finish(): void;
  /** The attempt's outcome is unknown: keep the seq for a retry with the same key. */
  keepForRetry(): void;
  /** The session is gone (session_expired): drop it from the pool. */
  sessionExpired(): void;
}

export interface NodeSessionPoolOptions {
  /** Registers a new session through the log; resolves to its clientId. */
  readonly register: () => Promise<number>;
  readonly monoNowMs: () => number;
  /** @defaultValue 8 */
  readonly sessionsMax?: number;
  /** @defaultValue 60_000 */
  readonly abandonAfterMs?: number;
}

export class NodeSessionPool {
  readonly #register: () => Promise<number>;
  readonly #monoNowMs: () => number;
  readonly #sessionsMax: number;
  readonly #abandonAfterMs: number;
  readonly #sessions: NodeSession[] = [];
  /** Idempotency key → its seq, while that seq's outcome is unknown. */
  readonly #byKey = new Map<string, { readonly s: NodeSession; readonly seq: number }>();
  #registering: Promise<void> | undefined;

  constructor(options: NodeSessionPoolOptions) {
    this.#register = options.register;
    this.#monoNowMs = options.monoNowMs;
    this.#sessionsMax = options.sessionsMax ?? 8;
    this.#abandonAfterMs = options.abandonAfterMs ?? 60_000;
  }

  get sessionCount(): number {
    return this.#sessions.length;
  }

  /** A (session, seq) for `key`: the same one a previous unknown-outcome attempt used, or a fresh one. */
  async slot(key: string): Promise<NodeSessionSlot> {
    this.#abandonStale();
    const kept = this.#byKey.get(key);
    if (kept && !kept.s.dead && kept.seq > kept.s.ackedSeq) return this.#slotFor(key, kept.s, kept.seq, false);
    this.#byKey.delete(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const s = this.#sessions.find((x) => !x.dead && x.lastSeq - x.ackedSeq < LIMITS.sessionResultsMax);
      if (s) {
        const seq = ++s.lastSeq;
        return this.#slotFor(key, s, seq, true);
      }
      if (this.#sessions.length >= this.#sessionsMax) break;
      this.#registering ??= this.#register()
        .then((clientId) => {
          this.#sessions.push({ clientId, lastSeq: 0, ackedSeq: 0, finished: new Set(), pendingSince: new Map(), dead: false });
        })
        .finally(() => {
          this.#registering = undefined;
        });
      await this.#registering;
    }
    throw new ApiError(503, 'overloaded', 'too many idempotent writes with unknown outcomes are pending on this node', { definite: true }, { 'Retry-After': '1' });
  }

  #slotFor(key: string, s: NodeSession, seq: number, fresh: boolean): NodeSessionSlot {
    s.pendingSince.set(seq, this.#monoNowMs());
    const session: SessionRef = { clientId: s.clientId, seq, ackedSeq: s.ackedSeq };
    return {
      session,
      fresh,
      finish: () => {
        this.#byKey.delete(key);
        this.#finish(s, seq);
      },
      keepForRetry: () => {
        this.#byKey.set(key, { s, seq });
      },
      sessionExpired: () => {
        this.#byKey.delete(key);
        s.dead = true;
        const i = this.#sessions.indexOf(s);
        if (i >= 0) this.#sessions.splice(i, 1);
      },
    };
  }

  #finish(s: NodeSession, seq: number): void {
    s.pendingSince.delete(seq);
    if (seq <= s.ackedSeq) return;
    s.finished.add(seq);
    while (s.finished.has(s.ackedSeq + 1)) {
      s.finished.delete(s.ackedSeq + 1);
      s.ackedSeq++;
    }
  }

  /** Give up seqs whose outcome stayed unknown and that nobody retried for abandonAfterMs. */
  #abandonStale(): void {
    const nowMs = this.#monoNowMs();
    for (const s of this.#sessions) {
      for (const [seq, sinceMs] of s.pendingSince) {
        if (nowMs - sinceMs >= this.#abandonAfterMs) this.#finish(s, seq);
      }
    }
    for (const [key, { s, seq }] of this.#byKey) if (seq <= s.ackedSeq || s.dead) this.#byKey.delete(key);
  }
}
