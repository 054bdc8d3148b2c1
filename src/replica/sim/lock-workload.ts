/**
 * `lock`: clients take turns on one lock with fencing tokens — grant a
 * lease, acquire the lock on it, then read / fenced-write / read a data key,
 * keep the lease alive, release — while the workload pauses some holders
 * between checking their lease and sending their write (the GC-pause story
 * of DDIA ch. 8). Two histories are checked:
 *
 * - the lock itself with the `lock` model: a hold, as its client believes
 *   it, runs from the acquire until the release, or until the client's lease
 *   timer (ClientLeaseTimer, measured from the send) says it may be gone —
 *   then a `release` with unknown outcome is recorded at that instant. No two
 *   such holds may overlap and tokens must increase: the server never grants
 *   the lock while an earlier holder may still trust its lease;
 * - the data with `fenced-register`: a write counts only with the latest
 *   token, so a paused ex-holder's late write that lands (no fencing) is
 *   caught as soon as someone reads the data.
 */
import type { NodeId } from '../../env/index.js';
import type { Rng } from '../../core/random/rng.js';
import type { History } from '../../check/index.js';
import { lockModel } from '../../check/index.js';
import type { Model } from '../../check/index.js';
import type { Workload, WorkloadContext, WorkloadRun } from '../../sim/index.js';
import type { AcquireLockValue, GetValue, GrantLeaseValue, ServiceResult } from '../../services/index.js';
import {
  ClientLeaseTimer,
  acquireLockCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  putCommand,
  releaseLockCommand,
  revokeLeaseCommand,
} from '../../services/index.js';
import type { Final, SimClient } from './client.js';
import { fencedRegisterModel } from './fenced-model.js';
import { CONSENSUS_BUGS, ReplicaCluster } from './harness.js';

const LOCK = 'L';
const DATA_KEY = 'data/L';
const CLIENTS = 4;
/** Lease TTL (≥ the service's floor, 2 × the 600 ms election timeout). */
const TTL_MS = 2000;
/** Share of holds whose client pauses between its lease check and its write. */
const PAUSE_PROBABILITY = 0.2;
const LOCK_OPS = new Set(['acquire', 'release']);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const LOCK_BUGS: Readonly<Record<string, string>> = Object.freeze({
  'no-fencing': 'puts ignore their fencing token: a paused ex-holder’s late write lands over the new holder’s data',
  ...CONSENSUS_BUGS,
});

export const lockWorkload: Workload = {
  name: 'lock',
  summary: 'fenced lock on Raft: lease, acquire, read/fenced-write/read, release, with pauses injected on holders; checks lock + fenced-register linearizability, invariants, liveness',
  minNodes: 1,
  bugs: LOCK_BUGS,
  setup: (context) => new LockRun(context),
};

type RecordType = 'invoke' | 'ok' | 'fail' | 'info';

class LockRun implements WorkloadRun {
  readonly quietMs = 10000;
  readonly #cluster: ReplicaCluster;
  #quiet = false;

  constructor(context: WorkloadContext) {
    this.#cluster = new ReplicaCluster(context);
    this.#cluster.addClients(CLIENTS, (client, index) => new LockClient(this, client, index).cycle());
  }

  get cluster(): ReplicaCluster {
    return this.#cluster;
  }

  /** Pauses are injected during the fault phase only. */
  get quiet(): boolean {
    return this.#quiet;
  }

  onQuiet(): void {
    this.#quiet = true;
    this.#cluster.onQuiet();
  }

  finish() {
    const isLockOp = (e: History[number]): boolean => LOCK_OPS.has(e.f);
    return this.#cluster.finish([
      { model: lockModel as Model<unknown>, filter: isLockOp },
      { model: fencedRegisterModel as Model<unknown>, filter: (e) => !isLockOp(e) },
    ]);
  }
}

/** One client's loop: lease → blocking acquire → rounds of read/write/read → release → revoke. */
class LockClient {
  readonly #run: LockRun;
  readonly #client: SimClient;
  readonly #index: number;
  readonly #name: NodeId;
  readonly #rng: Rng;
  /** Process numbers: the lock history and the data history each retire a process after an unknown outcome. */
  #lockProcess: number;
  #dataProcess: number;
  /** Grants mirror acquires in the data history; they overlap the reads done while waiting. */
  #grantProcess: number;
  #writes = 0;

  constructor(run: LockRun, client: SimClient, index: number) {
    this.#run = run;
    this.#client = client;
    this.#index = index;
    this.#name = `c${index + 1}`;
    this.#rng = run.cluster.rng.fork();
    this.#lockProcess = index;
    this.#dataProcess = 100_000 + index;
    this.#grantProcess = 200_000 + index;
  }

  get #now(): number {
    return this.#client.env.monoNowMs();
  }

  #later(ms: number, fn: () => void): void {
    this.#client.env.setTimer(ms, fn);
  }

  #lockOp(type: RecordType, f: string, value: unknown): void {
    this.#run.cluster.record(this.#index, { process: this.#lockProcess, type, f, key: LOCK, value });
    if (type === 'info') this.#lockProcess += CLIENTS;
  }

  #dataOp(type: RecordType, f: string, value: unknown): void {
    if (f === 'grant') {
      this.#run.cluster.record(this.#index, { process: this.#grantProcess, type, f, key: DATA_KEY, value });
      if (type === 'info') this.#grantProcess += CLIENTS;
      return;
    }
    this.#run.cluster.record(this.#index, { process: this.#dataProcess, type, f, key: DATA_KEY, value });
    if (type === 'info') this.#dataProcess += CLIENTS;
  }

  cycle(): void {
    this.#client.register(() => this.#grant());
  }

  #grant(): void {
    const sentAtMs = this.#now;
    this.#client.submit(grantLeaseCommand({ ttlMs: TTL_MS }), (final) => {
      const r = okResult<GrantLeaseValue>(final);
      if (r === null) return this.#later(10 + this.#rng.int(50), () => this.#grant());
      const timer = new ClientLeaseTimer();
      timer.confirmed(sentAtMs, r.ttlMs);
      this.#acquire(r.leaseId, timer);
    });
  }

  /** A blocking acquire: one operation from the first try until the lock is granted or the lease runs out. */
  #acquire(leaseId: number, timer: ClientLeaseTimer): void {
    this.#lockOp('invoke', 'acquire', null);
    this.#dataOp('invoke', 'grant', null);
    let uncertain = false;
    const giveUp = (): void => {
      this.#lockOp(uncertain ? 'info' : 'fail', 'acquire', null);
      this.#dataOp(uncertain ? 'info' : 'fail', 'grant', null);
      this.#endLease(leaseId);
    };
    const attempt = (): void => {
      if (!timer.isValid(this.#now)) return giveUp();
      this.#client.submit(acquireLockCommand({ lock: LOCK, leaseId }), (final) => {
        if (final.status !== 'ok') {
          uncertain ||= final.status === 'info';
          return this.#later(1 + this.#rng.int(20), attempt);
        }
        const r = final.value as ServiceResult<AcquireLockValue>;
        if (r.ok) return this.#granted(leaseId, r.value.token, timer);
        const d = r.error.details;
        if (r.error.code === 'lock_held' && d?.holderLeaseId === leaseId && typeof d.token === 'number') {
          // An earlier, unanswered attempt of ours got it.
          return this.#granted(leaseId, d.token, timer);
        }
        if (r.error.code !== 'lock_held') return giveUp(); // lease_not_found: the lease is gone
        // Held by someone else: look at the data meanwhile, then try again.
        this.#read(() => this.#later(5 + this.#rng.int(40), attempt));
      });
    };
    attempt();
  }

  #granted(leaseId: number, token: number, timer: ClientLeaseTimer): void {
    this.#dataOp('ok', 'grant', token);
    if (!timer.isValid(this.#now)) {
      // The grant arrived after this client stopped trusting its lease: it never
      // holds the lock (the server may already have moved on). Unknown, for the lock.
      this.#lockOp('info', 'acquire', token);
      return this.#endLease(leaseId);
    }
    this.#lockOp('ok', 'acquire', token);
    const hold = { holding: true, releasing: false };
    const endHold = (): void => {
      if (!hold.holding || hold.releasing) return;
      hold.holding = false;
      // The lease may be gone from now on: the release happens at an unknown moment.
      this.#lockOp('invoke', 'release', token);
      this.#lockOp('info', 'release', token);
    };
    // Watch the client-side deadline from outside the client, so a paused client is covered too.
    const watch = (): void => {
      const at = timer.expiresAtMs;
      if (at === undefined) return endHold();
      this.#run.cluster.sim.after(Math.max(0, at - this.#now), () => {
        if (!hold.holding) return;
        if (timer.isValid(this.#now)) watch();
        else endHold();
      });
    };
    watch();
    const keepAlive = (): void => {
      if (!hold.holding) return;
      const at = timer.keepAliveAtMs() ?? this.#now;
      this.#later(Math.max(1, at - this.#now), () => {
        if (!hold.holding) return;
        const sentAtMs = this.#now;
        this.#client.submit(keepAliveLeaseCommand({ leaseId }), (final) => {
          const r = okResult<{ ttlMs: number }>(final);
          if (r !== null) timer.confirmed(sentAtMs, r.ttlMs);
          else if (final.status === 'ok') {
            timer.lost();
            endHold();
            return;
          }
          keepAlive();
        });
      });
    };
    keepAlive();
    let rounds = 2 + this.#rng.int(3);
    const round = (): void => {
      if (!hold.holding) return this.#endLease(leaseId);
      if (rounds-- === 0) return this.#release(leaseId, token, hold);
      this.#read(() => {
        if (!hold.holding || !timer.isValid(this.#now)) {
          endHold();
          return this.#endLease(leaseId);
        }
        // Checked: the lease is valid. The write goes out a moment later — unless this client stalls first.
        const value = `c${this.#index + 1}-${++this.#writes}`;
        this.#dataOp('invoke', 'write', [token, value]);
        if (!this.#run.quiet && this.#rng.chance(PAUSE_PROBABILITY)) this.#pauseSelf();
        this.#later(1, () => this.#write(token, value, round));
      });
    };
    round();
  }

  /** A GC pause long enough for the lease to expire and the lock to move on. */
  #pauseSelf(): void {
    const sim = this.#run.cluster.sim;
    const name = this.#name;
    sim.pause(name);
    sim.after(TTL_MS + 200 + this.#rng.int(1500), () => sim.resume(name));
  }

  #write(token: number, value: string, then: () => void): void {
    this.#client.submit(putCommand({ key: DATA_KEY, value: encoder.encode(value), fence: { lock: LOCK, token } }), (final) => {
      if (final.status !== 'ok') this.#dataOp(final.status, 'write', [token, value]);
      else this.#dataOp((final.value as ServiceResult<unknown>).ok ? 'ok' : 'fail', 'write', [token, value]); // fenced: it did not happen
      then();
    });
  }

  #read(then: () => void): void {
    this.#dataOp('invoke', 'read', null);
    this.#client.read(DATA_KEY, 'linearizable', (final) => {
      if (final.status !== 'ok') this.#dataOp('fail', 'read', null);
      else {
        const kv = (final.value as GetValue).kv;
        this.#dataOp('ok', 'read', kv === null ? null : decoder.decode(kv.value));
      }
      then();
    });
  }

  #release(leaseId: number, token: number, hold: { holding: boolean; releasing: boolean }): void {
    hold.releasing = true;
    this.#lockOp('invoke', 'release', token);
    this.#client.submit(releaseLockCommand({ lock: LOCK, token }), (final) => {
      hold.holding = false;
      // ok: released. Anything else: released by expiry at some point, or maybe now: unknown.
      this.#lockOp(final.status === 'ok' && (final.value as ServiceResult<unknown>).ok ? 'ok' : 'info', 'release', token);
      this.#endLease(leaseId);
    });
  }

  /** Revoke the lease (best effort, unrecorded) and start over after a pause for thought. */
  #endLease(leaseId: number): void {
    this.#client.submit(revokeLeaseCommand({ leaseId }), () => {
      this.#later(1 + this.#rng.int(30), () => this.#grant());
    });
  }
}

function okResult<T>(final: Final<ServiceResult<unknown>>): T | null {
  if (final.status !== 'ok') return null;
  const r = final.value as ServiceResult<T>;
  return r.ok ? r.value : null;
}
