/**
 * `POST /v1/ids`: Snowflake IDs from this node's leased worker id.
 *
 * The node grants itself a lease, acquires a worker id with it through the
 * log, and keeps the lease alive. It issues IDs only while its
 * `ClientLeaseTimer` says the lease certainly has not expired on the leader
 * (503 `ids_unavailable` otherwise, then it re-acquires).
 *
 * Timers alone cannot make IDs unique across holders of the same worker id (a
 * paused node wakes up and issues before it checks; clocks are skewed). So
 * uniqueness rests on a **high-water mark in the log**, not on time: before
 * issuing IDs with timestamps up to H, the holder records H under
 * `_faultline/ids/worker-<w>` with a compare-and-set on the key's revision;
 * the next holder reads the mark (linearizably) and starts its timestamps
 * above it. A stale holder's CAS fails, and it could only ever issue below
 * the mark it had recorded, which its successor starts above. The mark is
 * reserved `reserveMs` ahead and extended when half of it is used.
 */
import type { Env } from '../env/index.js';
import type { Replica } from '../replica/api.js';
import { acquireWorkerIdCommand, ClientLeaseTimer, grantLeaseCommand, keepAliveLeaseCommand, putCommand, revokeLeaseCommand } from '../services/index.js';
import type { AcquireWorkerIdValue, GrantLeaseValue, KeepAliveLeaseValue, PutValue, ServiceResult } from '../services/index.js';
import { firstSnowflakeAt, isSequenceExhaustedError, SnowflakeGenerator } from '../core/ids/index.js';
import { readKey, submitCommand } from './api/replica-call.js';
import { RESERVED_KEY_PREFIX } from './api/requests.js';
import { ApiError } from './http/errors.js';
import { IdClock } from './id-clock.js';

export interface IdIssuerOptions {
  readonly replica: Replica;
  /** Timers and both clocks (wall for ID timestamps, monotonic for the lease). */
  readonly env: Pick<Env, 'setTimer' | 'clearTimer' | 'monoNowMs' | 'wallNowMs'>;
  readonly nodeId: string;
  /** @defaultValue 10_000 */
  readonly leaseTtlMs?: number;
  /** How far ahead a high-water mark is reserved. @defaultValue 10_000 */
  readonly reserveMs?: number;
  /** Wait after a failed step before trying again. @defaultValue 250 */
  readonly retryMs?: number;
  readonly log?: (event: string, fields?: Record<string, unknown>) => void;
}

type IssuerState =
  | { readonly kind: 'acquiring' }
  | {
      readonly kind: 'ready';
      readonly leaseId: number;
      readonly workerId: number;
      readonly timer: ClientLeaseTimer;
      readonly clock: IdClock;
      readonly generator: SnowflakeGenerator;
      /** IDs are issued with timestamps ≤ this (recorded in the log). */
      highWaterMs: number;
      highWaterRevision: number;
      extending: boolean;
    }
  | { readonly kind: 'stopped' };

export interface IdIssuerStatus {
  readonly state: 'acquiring' | 'ready' | 'stopped';
  readonly workerId: number | null;
  readonly leaseId: number | null;
  readonly leaseValidForMs: number;
  readonly issued: number;
  readonly reacquisitions: number;
}

export function highWaterKey(workerId: number): string {
  return `${RESERVED_KEY_PREFIX}ids/worker-${workerId}`;
}

export class IdIssuer {
  readonly #o: Required<Omit<IdIssuerOptions, 'log'>> & Pick<IdIssuerOptions, 'log'>;
  #state: IssuerState = { kind: 'acquiring' };
  #timer: number | undefined;
  #acquiring = false;
  #issued = 0;
  #reacquisitions = 0;

  constructor(options: IdIssuerOptions) {
    this.#o = { leaseTtlMs: 10_000, reserveMs: 10_000, retryMs: 250, ...options };
  }

  start(): void {
    this.#acquireSoon(0);
  }

  /**
   * Clean stop: stop issuing, then revoke the lease (freeing the worker id at
   * once instead of after its TTL). Waits at most `waitMs`; the high-water mark
   * stays, so the next holder still starts above every ID issued here.
   */
  async release(waitMs = 500): Promise<void> {
    const s = this.#state;
    this.stop();
    if (s.kind !== 'ready') return;
    await Promise.race([
      submitCommand(this.#o.replica, revokeLeaseCommand({ leaseId: s.leaseId })).catch(() => undefined),
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, waitMs);
        t.unref();
      }),
    ]);
  }

  stop(): void {
    this.#state = { kind: 'stopped' };
    if (this.#timer !== undefined) this.#o.env.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  status(): IdIssuerStatus {
    const s = this.#state;
    const ready = s.kind === 'ready';
    return {
      state: s.kind,
      workerId: ready ? s.workerId : null,
      leaseId: ready ? s.leaseId : null,
      leaseValidForMs: ready ? Math.floor(s.timer.remainingMs(this.#o.env.monoNowMs())) : 0,
      issued: this.#issued,
      reacquisitions: this.#reacquisitions,
    };
  }

  /** The next ID as a decimal string, or 503 `ids_unavailable`. Synchronous: no pause between the checks and the issue. */
  next(): string {
    const s = this.#state;
    if (s.kind !== 'ready') throw unavailable('this node is acquiring its worker id');
    if (!s.timer.isValid(this.#o.env.monoNowMs())) {
      throw unavailable('this node\'s worker-id lease may have expired; it is renewing or re-acquiring it');
    }
    const nowMs = s.clock.nowMs();
    if (nowMs > s.highWaterMs) {
      this.#extend(s);
      throw unavailable('the worker id\'s high-water mark is being extended');
    }
    let id: bigint;
    try {
      id = s.generator.next();
    } catch (e) {
      if (isSequenceExhaustedError(e)) throw unavailable('4096 IDs were issued this millisecond; retry', '1');
      throw e;
    }
    const ts = s.generator.lastTimestampMs!;
    if (ts > s.highWaterMs) throw new Error(`IdIssuer: invariant broken: issued timestamp ${ts} above high-water ${s.highWaterMs}`);
    this.#issued++;
    if (s.highWaterMs - nowMs < this.#o.reserveMs / 2) this.#extend(s);
    return id.toString();
  }

  #acquireSoon(delayMs: number): void {
    if (this.#state.kind === 'stopped') return;
    this.#state = { kind: 'acquiring' };
    this.#schedule(delayMs, () => {
      if (this.#acquiring) return;
      this.#acquiring = true;
      void this.#acquire().finally(() => {
        this.#acquiring = false;
      });
    });
  }

  #schedule(delayMs: number, fn: () => void): void {
    if (this.#timer !== undefined) this.#o.env.clearTimer(this.#timer);
    this.#timer = this.#o.env.setTimer(delayMs, () => {
      this.#timer = undefined;
      if (this.#state.kind !== 'stopped') fn();
    });
  }

  async #acquire(): Promise<void> {
    const { replica, env } = this.#o;
    try {
      const sentAtMs = env.monoNowMs();
      const grant = value<GrantLeaseValue>(await submitCommand(replica, grantLeaseCommand({ ttlMs: this.#o.leaseTtlMs })));
      const timer = new ClientLeaseTimer();
      timer.confirmed(sentAtMs, grant.ttlMs);
      const { workerId } = value<AcquireWorkerIdValue>(await submitCommand(replica, acquireWorkerIdCommand({ leaseId: grant.leaseId })));
      const mark = await readKey(replica, highWaterKey(workerId), 'linearizable');
      const previousMs = mark.kv === null ? 0 : parseHighWater(mark.kv.value);
      const clock = new IdClock(() => env.wallNowMs(), () => env.monoNowMs(), previousMs + 1);
      const highWaterMs = clock.nowMs() + this.#o.reserveMs;
      const put = await this.#recordHighWater(workerId, highWaterMs, mark.kv === null ? 0 : mark.kv.modRevision);
      if (put === null) throw new Error(`worker id ${workerId}'s high-water mark changed while acquiring it`);
      if ((this.#state.kind as IssuerState['kind']) === 'stopped') return;
      const generator = new SnowflakeGenerator({
        workerId,
        now: () => clock.nowMs(),
        waitMode: 'throw',
        after: previousMs > 0 ? firstSnowflakeAt(previousMs + 1) - 1n : undefined,
      });
      this.#state = { kind: 'ready', leaseId: grant.leaseId, workerId, timer, clock, generator, highWaterMs, highWaterRevision: put.revision, extending: false };
      this.#o.log?.('ids.worker-acquired', { workerId, leaseId: grant.leaseId, highWaterMs, previousHighWaterMs: previousMs });
      this.#scheduleKeepAlive();
    } catch (e) {
      this.#o.log?.('ids.acquire-failed', { error: describe(e) });
      this.#acquireSoon(this.#o.retryMs);
    }
  }

  /** CAS the mark; resolves to the put result, or null when the revision moved (someone else holds the worker id). */
  async #recordHighWater(workerId: number, highWaterMs: number, ifRevision: number): Promise<PutValue | null> {
    const body = new TextEncoder().encode(JSON.stringify({ highWaterMs, node: this.#o.nodeId }));
    const r = await submitCommand(this.#o.replica, putCommand({ key: highWaterKey(workerId), value: body, ifRevision }));
    if (!r.ok && r.error.code === 'revision_mismatch') return null;
    return value<PutValue>(r);
  }

  #extend(s: Extract<IssuerState, { kind: 'ready' }>): void {
    if (s.extending) return;
    s.extending = true;
    const target = s.clock.nowMs() + this.#o.reserveMs;
    this.#recordHighWater(s.workerId, target, s.highWaterRevision).then(
      (put) => {
        s.extending = false;
        if (this.#state !== s) return;
        if (put === null) {
          this.#o.log?.('ids.high-water-lost', { workerId: s.workerId });
          this.#lose();
          return;
        }
        s.highWaterMs = Math.max(s.highWaterMs, target);
        s.highWaterRevision = put.revision;
      },
      (e: unknown) => {
        s.extending = false;
        this.#o.log?.('ids.high-water-extend-failed', { workerId: s.workerId, error: describe(e) });
      },
    );
  }

  #scheduleKeepAlive(): void {
    const s = this.#state;
    if (s.kind !== 'ready') return;
    const atMs = s.timer.keepAliveAtMs() ?? this.#o.env.monoNowMs();
    this.#schedule(Math.max(0, atMs - this.#o.env.monoNowMs()), () => void this.#keepAlive(s));
  }

  async #keepAlive(s: Extract<IssuerState, { kind: 'ready' }>): Promise<void> {
    const sentAtMs = this.#o.env.monoNowMs();
    try {
      const r = await submitCommand(this.#o.replica, keepAliveLeaseCommand({ leaseId: s.leaseId }));
      if (this.#state !== s) return;
      if (!r.ok && r.error.code === 'lease_not_found') {
        this.#o.log?.('ids.lease-lost', { leaseId: s.leaseId, workerId: s.workerId });
        s.timer.lost();
        this.#lose();
        return;
      }
      const v = value<KeepAliveLeaseValue>(r);
      s.timer.confirmed(sentAtMs, v.ttlMs);
      if (s.highWaterMs - s.clock.nowMs() < this.#o.reserveMs / 2) this.#extend(s);
      this.#scheduleKeepAlive();
    } catch (e) {
      if (this.#state !== s) return;
      this.#o.log?.('ids.keepalive-failed', { leaseId: s.leaseId, error: describe(e) });
      this.#schedule(this.#o.retryMs, () => void this.#keepAlive(s));
    }
  }

  #lose(): void {
    this.#reacquisitions++;
    this.#acquireSoon(0);
  }
}

function value<T>(r: ServiceResult<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

function parseHighWater(bytes: Uint8Array): number {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as { highWaterMs?: unknown };
    if (typeof v.highWaterMs === 'number' && Number.isSafeInteger(v.highWaterMs) && v.highWaterMs >= 0) return v.highWaterMs;
  } catch {
    // fall through
  }
  // A mark we cannot read must not be ignored (that could reuse IDs): refuse to use this worker id.
  throw new Error('the worker id high-water mark is unreadable');
}

function unavailable(message: string, retryAfter = '1'): ApiError {
  return new ApiError(503, 'ids_unavailable', message, { definite: true }, { 'Retry-After': retryAfter });
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
