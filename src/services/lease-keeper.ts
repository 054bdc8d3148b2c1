/**
 * The leader-side lease clock. Sans-I/O: the host passes its monotonic time
 * (`nowMs`) into every call and proposes the commands `tick` returns.
 *
 * Rules (why, in README.md "Lease timing"):
 * - Deadlines live only here, on the leader's monotonic clock: a lease's
 *   deadline is (time the leader applied its grant or last keep-alive) + TTL,
 *   or, on a new leader, (becameLeader time) + the remaining TTL the log last
 *   recorded.
 * - `expire-lease` is proposed only when the deadline has passed AND the host
 *   confirmed leadership (a quorum answered a heartbeat sent) at or after the
 *   deadline. A leader that stalled past every deadline therefore expires
 *   nothing until it proves it still leads — the etcd #15247 failure, where a
 *   paused ex-leader revoked every lease on waking.
 * - It proposes `checkpoint`s so that every lease's remaining TTL is recorded
 *   in the log at most `checkpointIntervalMs` ago (a grant or keep-alive is a
 *   record too), so a new leader resumes from a recent remaining TTL instead
 *   of the full TTL (etcd #9395). A leader change lengthens a lease by at
 *   most checkpointIntervalMs + one tick period + the leaderless gap (+ the
 *   commit latency of a checkpoint) and never shortens it.
 * - Once per checkpointIntervalMs a checkpoint carries `tick: true`: the
 *   log-carried clock that expires idle client sessions.
 */
import { checkpointCommand, expireLeaseCommand } from './commands.js';
import { ServiceConfigError } from './errors.js';
import { LIMITS } from './limits.js';
import type { CheckpointCommand, CheckpointEntry, ExpireLeaseCommand } from './commands.js';
import type { LeaseEvent, LeaseRecord } from './lease-types.js';

export interface LeaseKeeperOptions {
  /** Must equal the cluster's ServiceConfig.checkpointIntervalMs. */
  readonly checkpointIntervalMs: number;
  /**
   * Re-propose an expiry that has not applied after this long (a proposal
   * can be dropped). @defaultValue checkpointIntervalMs
   */
  readonly expiryRetryMs?: number;
  /** Expiries one tick returns at most. @defaultValue LIMITS.keeperExpiriesPerTickMax */
  readonly expiriesPerTickMax?: number;
}

export interface LeaseKeeperTickInput {
  /**
   * Monotonic time at which this leader SENT the latest heartbeat (or
   * ReadIndex round) that a quorum acknowledged in its current term; null if
   * none yet. Must be ≤ nowMs. A confirmation taken before `becameLeader`
   * is ignored.
   */
  readonly leadershipConfirmedAtMs: number | null;
}

/** A command the keeper wants proposed. */
export type LeaseKeeperProposal = ExpireLeaseCommand | CheckpointCommand;

interface Tracked {
  readonly ttlMs: number;
  readonly refreshIndex: number;
  readonly deadlineMs: number;
  /** When the log last recorded this lease's remaining TTL, as far as this leader knows. */
  recordedAtMs: number;
  /** When this leader last proposed its expiry (null: not yet). */
  expiryProposedAtMs: number | null;
}

type Role =
  | { readonly kind: 'follower' }
  | {
      readonly kind: 'leader';
      readonly sinceMs: number;
      readonly leases: Map<number, Tracked>;
      /** When the last `tick: true` checkpoint (the session clock) was proposed. */
      lastClockTickAtMs: number;
      lastNowMs: number;
    };

const API = 'LeaseKeeper';

export class LeaseKeeper {
  readonly checkpointIntervalMs: number;
  readonly expiryRetryMs: number;
  readonly expiriesPerTickMax: number;
  #role: Role = { kind: 'follower' };

  constructor(options: LeaseKeeperOptions) {
    this.checkpointIntervalMs = positive('checkpointIntervalMs', options.checkpointIntervalMs);
    this.expiryRetryMs = positive('expiryRetryMs', options.expiryRetryMs ?? options.checkpointIntervalMs);
    this.expiriesPerTickMax = positive('expiriesPerTickMax', options.expiriesPerTickMax ?? LIMITS.keeperExpiriesPerTickMax);
  }

  get isLeader(): boolean {
    return this.#role.kind === 'leader';
  }

  /**
   * Start keeping time for `leases` (the state machine's `leases()`). Call
   * once this node leads and has applied its log up to its first entry of the
   * new term (earlier is still safe: expiries and checkpoints name the
   * refresh they measured, so a keep-alive applied later voids them).
   */
  becameLeader(nowMs: number, leases: readonly LeaseRecord[]): void {
    finite('nowMs', nowMs);
    const tracked = new Map<number, Tracked>();
    for (const l of leases) {
      if (!(l.remainingMs >= 0 && l.remainingMs <= l.ttlMs)) {
        throw new Error(`${API}.becameLeader: invariant broken: lease ${l.leaseId} has remainingMs ${l.remainingMs} outside [0, ${l.ttlMs}]`);
      }
      tracked.set(l.leaseId, {
        ttlMs: l.ttlMs,
        refreshIndex: l.refreshIndex,
        deadlineMs: nowMs + l.remainingMs,
        recordedAtMs: nowMs,
        expiryProposedAtMs: null,
      });
    }
    this.#role = { kind: 'leader', sinceMs: nowMs, leases: tracked, lastClockTickAtMs: nowMs, lastNowMs: nowMs };
  }

  /** This node no longer leads: forget every deadline (the next leader keeps time). */
  steppedDown(): void {
    this.#role = { kind: 'follower' };
  }

  /** Feed each LeaseEvent the state machine emits, with the time it applied. Ignored on followers. */
  observe(event: LeaseEvent, nowMs: number): void {
    const role = this.#role;
    if (role.kind !== 'leader') return;
    this.#advance(role, nowMs, 'observe');
    if (event.type === 'ended') {
      role.leases.delete(event.leaseId);
      return;
    }
    role.leases.set(event.leaseId, {
      ttlMs: event.ttlMs,
      refreshIndex: event.refreshIndex,
      deadlineMs: nowMs + event.ttlMs,
      recordedAtMs: nowMs, // the refresh itself is in the log with remaining = ttl
      expiryProposedAtMs: null,
    });
  }

  /** Commands to propose now: due expiries (oldest deadline first) and, when due, checkpoints. */
  tick(nowMs: number, input: LeaseKeeperTickInput): LeaseKeeperProposal[] {
    const role = this.#role;
    if (role.kind !== 'leader') return [];
    this.#advance(role, nowMs, 'tick');
    const confirmedAtMs = input.leadershipConfirmedAtMs;
    if (confirmedAtMs !== null && (!Number.isFinite(confirmedAtMs) || confirmedAtMs > nowMs)) {
      throw new Error(`${API}.tick: leadershipConfirmedAtMs (${confirmedAtMs}) must be a time ≤ nowMs (${nowMs})`);
    }
    // A confirmation from before this term proves nothing about this term.
    const coveredUntilMs = confirmedAtMs !== null && confirmedAtMs >= role.sinceMs ? confirmedAtMs : -Infinity;
    const out: LeaseKeeperProposal[] = this.#expiries(role, nowMs, coveredUntilMs);
    out.push(...this.#checkpoints(role, nowMs));
    return out;
  }

  #expiries(role: Extract<Role, { kind: 'leader' }>, nowMs: number, coveredUntilMs: number): ExpireLeaseCommand[] {
    const due: Array<[number, Tracked]> = [];
    for (const entry of role.leases) {
      const t = entry[1];
      if (t.deadlineMs > nowMs || t.deadlineMs > coveredUntilMs) continue;
      if (t.expiryProposedAtMs !== null && nowMs - t.expiryProposedAtMs < this.expiryRetryMs) continue;
      due.push(entry);
    }
    due.sort((a, b) => a[1].deadlineMs - b[1].deadlineMs || a[0] - b[0]);
    return due.slice(0, this.expiriesPerTickMax).map(([leaseId, t]) => {
      t.expiryProposedAtMs = nowMs;
      return expireLeaseCommand({ leaseId, refreshIndex: t.refreshIndex });
    });
  }

  /**
   * Every lease's last record in the log must stay at most
   * checkpointIntervalMs old (+ one tick period, as we only look on ticks).
   * When any lease reaches that age, record every lease older than half the
   * interval too, so checkpoints batch: about two per interval at most, and
   * none at all for leases kept alive more often than that. Separately, the
   * session clock ticks once per interval.
   */
  #checkpoints(role: Extract<Role, { kind: 'leader' }>, nowMs: number): CheckpointCommand[] {
    const intervalMs = this.checkpointIntervalMs;
    const clockDue = nowMs - role.lastClockTickAtMs >= intervalMs;
    let leaseDue = false;
    for (const t of role.leases.values()) {
      if (nowMs - t.recordedAtMs >= intervalMs) {
        leaseDue = true;
        break;
      }
    }
    if (!clockDue && !leaseDue) return [];
    const entries: CheckpointEntry[] = [];
    if (leaseDue) {
      for (const leaseId of [...role.leases.keys()].sort((a, b) => a - b)) {
        const t = role.leases.get(leaseId)!;
        if (nowMs - t.recordedAtMs < intervalMs / 2) continue;
        t.recordedAtMs = nowMs;
        // ceil: a fractional clock must not shorten the lease, even by a fraction of a ms.
        const remainingMs = Math.min(t.ttlMs, Math.max(0, Math.ceil(t.deadlineMs - nowMs)));
        entries.push({ leaseId, refreshIndex: t.refreshIndex, remainingMs });
      }
    }
    if (clockDue) role.lastClockTickAtMs = nowMs;
    const commands: CheckpointCommand[] = [];
    for (let i = 0; i === 0 || i < entries.length; i += LIMITS.checkpointLeasesMax) {
      commands.push(checkpointCommand({ tick: clockDue && i === 0, leases: entries.slice(i, i + LIMITS.checkpointLeasesMax) }));
    }
    return commands;
  }

  #advance(role: Extract<Role, { kind: 'leader' }>, nowMs: number, method: string): void {
    finite('nowMs', nowMs);
    // Invariant: a monotonic clock never goes back.
    if (nowMs < role.lastNowMs) throw new Error(`${API}.${method}: invariant broken: nowMs ${nowMs} < previous ${role.lastNowMs} (monotonic clock went back)`);
    role.lastNowMs = nowMs;
  }

  /** The lease's deadline on this leader's clock (undefined on followers or for unknown leases). */
  deadlineMs(leaseId: number): number | undefined {
    return this.#role.kind === 'leader' ? this.#role.leases.get(leaseId)?.deadlineMs : undefined;
  }

  /** Leases this leader is timing. */
  get trackedLeases(): number {
    return this.#role.kind === 'leader' ? this.#role.leases.size : 0;
  }

  /**
   * When the host should tick next: the earliest deadline not yet proposed
   * for expiry, or the next checkpoint, whichever is sooner (undefined on
   * followers). Expiry also needs a leadership confirmation taken after the
   * deadline, so confirm (heartbeat) at that time too.
   */
  nextWakeupMs(): number | undefined {
    const role = this.#role;
    if (role.kind !== 'leader') return undefined;
    let wake = role.lastClockTickAtMs + this.checkpointIntervalMs;
    for (const t of role.leases.values()) {
      const expiryAt = t.expiryProposedAtMs === null ? t.deadlineMs : t.expiryProposedAtMs + this.expiryRetryMs;
      wake = Math.min(wake, expiryAt, t.recordedAtMs + this.checkpointIntervalMs);
    }
    return wake;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new ServiceConfigError(`${API}: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function finite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${API}: ${name} must be a finite number, got ${String(value)}`);
}
