/**
 * A simulated client: one `sim.client` node that talks to the replica hosts
 * over the simulated network, with a session so that retries are
 * exactly-once.
 *
 * One operation at a time. Each is retried, same session sequence number,
 * same bytes, on the next server whenever an attempt times out or is
 * refused, until it gets a result or its deadline passes. The outcome:
 * - `ok`: some attempt returned the state machine's result (a retry of an
 *   applied command returns the stored result of its one application);
 * - `fail`: every attempt was refused before reaching any log;
 * - `info`: some attempt may have reached a log and none answered. The next
 *   operation carries `ackedSeq` past it, so if it has not applied by then
 *   it never will (the state machine refuses stale sequence numbers).
 */
import type { Env, NodeId, TimerId } from '../../env/index.js';
import type { Rng } from '../../core/random/rng.js';
import type { Command, GetValue, ServiceResult, SessionCommand } from '../../services/index.js';
import { encodeCommand, registerSessionCommand, withSession } from '../../services/index.js';
import type { ReplicaOutcome } from '../api.js';
import type { ClientOp, ClientRequestMessage } from './protocol.js';
import { isClientResponse } from './protocol.js';

export interface ClientTiming {
  /** Give up on one attempt (try the next server) after this long. */
  readonly attemptTimeoutMs: number;
  /** Give up on the operation after this long (→ fail or info). */
  readonly opDeadlineMs: number;
  /** Wait uniformly up to this long before a retry. */
  readonly backoffMsMax: number;
}

export type Final<T> =
  | { readonly status: 'ok'; readonly value: T }
  | { readonly status: 'fail' | 'info'; readonly reason: string };

type AnyOutcome = ReplicaOutcome<ServiceResult<unknown>> | ReplicaOutcome<GetValue>;

/** Attempts remembered for liveness reports. */
const RECENT_ATTEMPTS = 4;

export class SimClient {
  readonly env: Env;
  readonly #servers: readonly NodeId[];
  readonly #rng: Rng;
  readonly #timing: ClientTiming;
  #server: number;
  #nextId = 1;
  readonly #pending = new Map<number, { done: (o: AnyOutcome | 'timeout') => void; timer: TimerId }>();
  /** From `register-session`; null until registered. */
  clientId: number | null = null;
  #seq = 0;
  /** Every seq ≤ this is finished (answered or given up); sent as ackedSeq. */
  #ackedSeq = 0;
  /** Finished seqs above `#ackedSeq` (operations may run concurrently). */
  readonly #finished = new Set<number>();
  /** The last few attempts, newest last ("n3: timeout"), for reports. */
  readonly recent: string[] = [];

  constructor(env: Env, servers: readonly NodeId[], rng: Rng, timing: ClientTiming) {
    this.env = env;
    this.#servers = servers;
    this.#rng = rng;
    this.#timing = timing;
    this.#server = rng.int(servers.length);
    env.onMessage((_from, message) => {
      if (!isClientResponse(message)) return;
      const p = this.#pending.get(message.id);
      if (p === undefined) return; // late or duplicated
      this.#pending.delete(message.id);
      env.clearTimer(p.timer);
      p.done(message.outcome);
    });
  }

  /** Register a session (retried until it works); then `done`. */
  register(done: () => void): void {
    const attempt = (): void => {
      this.#run({ t: 'submit', cmd: encodeCommand(registerSessionCommand()) }, true, (final) => {
        if (final.status === 'ok') {
          const r = final.value as ServiceResult<{ clientId: number }>;
          if (r.ok) {
            this.clientId = r.value.clientId;
            this.#seq = 0;
            this.#ackedSeq = 0;
            this.#finished.clear();
            done();
            return;
          }
        }
        this.env.setTimer(this.#backoff(), attempt);
      });
    };
    attempt();
  }

  /**
   * A write in the session (exactly-once), or without one when `command`
   * takes none. Several may run at once: `ackedSeq` only covers sequence
   * numbers whose operations have all finished.
   */
  submit(command: Command, done: (final: Final<ServiceResult<unknown>>) => void): void {
    let cmd: Command = command;
    let seq = 0;
    if (this.clientId !== null && command.type !== 'register-session' && command.type !== 'expire-lease' && command.type !== 'checkpoint') {
      seq = ++this.#seq;
      cmd = withSession(command as SessionCommand, { clientId: this.clientId, seq, ackedSeq: this.#ackedSeq });
    }
    this.#run({ t: 'submit', cmd: encodeCommand(cmd) }, true, (final) => {
      if (seq > 0) this.#finish(seq);
      (done as (f: Final<unknown>) => void)(final);
    });
  }

  #finish(seq: number): void {
    this.#finished.add(seq);
    while (this.#finished.delete(this.#ackedSeq + 1)) this.#ackedSeq++;
  }

  read(key: string, consistency: 'linearizable' | 'stale', done: (final: Final<GetValue>) => void): void {
    this.#run({ t: 'get', key, consistency }, false, done as (f: Final<unknown>) => void);
  }

  #run(op: ClientOp, isWrite: boolean, done: (final: Final<unknown>) => void): void {
    const deadlineMs = this.env.monoNowMs() + this.#timing.opDeadlineMs;
    let uncertain = false;
    let lastReason = 'no attempt';
    const attempt = (): void => {
      const server = this.#servers[this.#server];
      this.#send(server, op, (outcome) => {
        if (outcome !== 'timeout' && outcome.ok) {
          this.#note(`${server}: ok`);
          done({ status: 'ok', value: outcome.result });
          return;
        }
        if (outcome === 'timeout') {
          uncertain ||= isWrite;
          lastReason = `${server} did not answer within ${this.#timing.attemptTimeoutMs} ms`;
        } else {
          uncertain ||= isWrite && !outcome.error.definite;
          lastReason = `${server}: ${outcome.error.code} (${outcome.error.message})`;
        }
        this.#note(outcome === 'timeout' ? `${server}: timeout` : `${server}: ${outcome.error.code}`);
        // Next server: any replica forwards to the leader, but this one may be down or cut off.
        this.#server = (this.#server + 1) % this.#servers.length;
        const wait = this.#backoff();
        if (this.env.monoNowMs() + wait >= deadlineMs) {
          done({ status: uncertain ? 'info' : 'fail', reason: lastReason });
          return;
        }
        this.env.setTimer(wait, attempt);
      });
    };
    attempt();
  }

  #send(server: NodeId, op: ClientOp, done: (o: AnyOutcome | 'timeout') => void): void {
    const id = this.#nextId++;
    const timer = this.env.setTimer(this.#timing.attemptTimeoutMs, () => {
      if (!this.#pending.delete(id)) return;
      done('timeout');
    });
    this.#pending.set(id, { done, timer });
    this.env.send(server, { c: 'req', id, op } satisfies ClientRequestMessage);
  }

  #backoff(): number {
    return 1 + this.#rng.int(this.#timing.backoffMsMax);
  }

  #note(line: string): void {
    this.recent.push(line);
    if (this.recent.length > RECENT_ATTEMPTS) this.recent.shift();
  }
}
