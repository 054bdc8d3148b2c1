/**
 * The chaos run's clients. Each worker is one single-threaded Jepsen
 * process with its own `faultline/client` (its own session, breakers and
 * leader belief) and records every operation in a history:
 *
 * - register workers: `get` / `put` / `cas` on a few keys at a time (each key
 *   retires after `opsPerKey` operations, so every per-key history stays
 *   small enough to check). `cas [old, new]` is a put with `ifRevision` = the
 *   modRevision at which `old` was read: values are unique, so "the key's
 *   revision is still r" and "the key still holds old" are the same thing.
 * - set workers: write-once keys; every acknowledged one must be readable at
 *   the end (lost-write check), and its final read is in the history too.
 * - lock workers: `withLock` + fenced puts; the tokens of applied fenced
 *   writes must never go down in revision order. Every fourth round is a
 *   "paused holder" (DDIA's GC-pause story): take the lock with a lease and
 *   no keep-alive, stall past the TTL, then write with the old token — the
 *   cluster must refuse it (`fenced`) once the lease is gone.
 * - id workers: `ids.next()`; no id twice (the unique-ids model).
 *
 * Outcome mapping: ok → ok; a definite FaultlineError → fail (it did not
 * happen); anything else → info (unknown), and the worker continues as a new
 * process number, as Jepsen does, since its old op may still take effect.
 */
import { createClient, isFaultlineError } from '../../client/index.js';
import type { FaultlineClient } from '../../client/index.js';
import type { HistoryRecorder, OpHandle } from '../../check/index.js';
import type { Rng } from '../../core/random/index.js';
import { sleepMs } from '../../node/clock.js';

/** Deliberately broken clients: the checks must catch each. */
export type WorkloadBug =
  /** Record writes as acknowledged without sending them. */
  | 'fake-ack'
  /** Serve reads with `consistency: stale` but record them as linearizable. */
  | 'stale-read';

export interface WorkloadOptions {
  readonly endpoints: readonly string[];
  readonly rng: Rng;
  readonly kv: HistoryRecorder;
  readonly ids: HistoryRecorder;
  readonly stop: () => boolean;
  readonly registerWorkers?: number;
  readonly keySlots?: number;
  readonly opsPerKey?: number;
  readonly setWorkers?: number;
  readonly lockWorkers?: number;
  readonly idWorkers?: number;
  /** Pause between one worker's operations, ms: uniform in [0, thinkMsMax]. @defaultValue 20 */
  readonly thinkMsMax?: number;
  /** Client budget per operation, ms. @defaultValue 5000 */
  readonly requestTimeoutMs?: number;
  readonly lockTtlMs?: number;
  readonly bugs?: readonly WorkloadBug[];
}

export interface AckedWrite {
  readonly key: string;
  readonly value: string;
}

export interface FencedWrite {
  readonly token: number;
  readonly revision: number;
  readonly value: string;
}

export interface WorkloadResult {
  /** Every register and set key used (for the final reads). */
  readonly keys: string[];
  /** Set writes acknowledged ok. */
  readonly acked: AckedWrite[];
  readonly fenced: FencedWrite[];
  readonly lockHolds: number;
  /** Paused-holder writes attempted after their lease ran out, and how many the cluster refused as fenced. */
  readonly staleHolderWrites: number;
  readonly staleHolderRefused: number;
  readonly errorsByCode: Record<string, number>;
}

const PROCESS_STRIDE = 1000;

class Worker {
  #incarnation = 0;
  constructor(
    readonly index: number,
    readonly client: FaultlineClient,
  ) {}

  get process(): number {
    return this.index + PROCESS_STRIDE * this.#incarnation;
  }

  /** After an `info`, the op may still apply later: continue as a new process. */
  crashed(): void {
    this.#incarnation++;
  }
}

export class Workload {
  readonly #o: Required<Omit<WorkloadOptions, 'bugs'>> & { bugs: readonly WorkloadBug[] };
  readonly #keys = new Set<string>();
  readonly #slots: { gen: number; ops: number }[];
  readonly #acked: AckedWrite[] = [];
  readonly #fenced: FencedWrite[] = [];
  readonly #errors: Record<string, number> = {};
  readonly #clients: FaultlineClient[] = [];
  /** Last value and modRevision each worker read per key: the `old` of its next cas. */
  readonly #seen = new Map<string, { value: string | null; modRevision: number }>();
  #valueCounter = 0;
  #lockHolds = 0;
  #staleWrites = 0;
  #staleRefused = 0;

  constructor(options: WorkloadOptions) {
    this.#o = {
      registerWorkers: 5,
      keySlots: 4,
      opsPerKey: 150,
      setWorkers: 2,
      lockWorkers: 2,
      idWorkers: 1,
      thinkMsMax: 20,
      requestTimeoutMs: 5000,
      lockTtlMs: 3000,
      ...options,
      bugs: options.bugs ?? [],
    };
    this.#slots = Array.from({ length: this.#o.keySlots }, () => ({ gen: 0, ops: 0 }));
  }

  async run(): Promise<WorkloadResult> {
    const workers: Promise<void>[] = [];
    let index = 0;
    for (let i = 0; i < this.#o.registerWorkers; i++) workers.push(this.#register(this.#worker(index++), i === 0));
    for (let i = 0; i < this.#o.setWorkers; i++) workers.push(this.#set(this.#worker(index++), i === 0));
    for (let i = 0; i < this.#o.lockWorkers; i++) workers.push(this.#lock(this.#worker(index++)));
    for (let i = 0; i < this.#o.idWorkers; i++) workers.push(this.#id(this.#worker(index++)));
    await Promise.all(workers);
    for (const c of this.#clients) c.close();
    return {
      keys: [...this.#keys],
      acked: this.#acked,
      fenced: this.#fenced,
      lockHolds: this.#lockHolds,
      staleHolderWrites: this.#staleWrites,
      staleHolderRefused: this.#staleRefused,
      errorsByCode: this.#errors,
    };
  }

  #worker(index: number): Worker {
    const client = createClient({ endpoints: this.#o.endpoints, requestTimeoutMs: this.#o.requestTimeoutMs });
    this.#clients.push(client);
    return new Worker(index, client);
  }

  #bug(bug: WorkloadBug): boolean {
    return this.#o.bugs.includes(bug);
  }

  #think(): Promise<void> {
    return sleepMs(this.#o.rng.int(this.#o.thinkMsMax + 1));
  }

  #value(w: Worker): string {
    return `w${w.index}.${++this.#valueCounter}`;
  }

  /** Record the outcome of `op` from what `work` did. */
  async #record<T>(w: Worker, recorder: HistoryRecorder, op: OpHandle, work: Promise<T>, ok: (value: T) => unknown): Promise<T | undefined> {
    try {
      const value = await work;
      recorder.ok(op, ok(value));
      return value;
    } catch (error) {
      const code = isFaultlineError(error) ? error.code : 'exception';
      this.#errors[code] = (this.#errors[code] ?? 0) + 1;
      if (isFaultlineError(error) && error.definite) recorder.fail(op, code);
      else {
        recorder.info(op, code);
        w.crashed();
      }
      return undefined;
    }
  }

  #pickKey(): string {
    const slot = this.#o.rng.int(this.#slots.length);
    const s = this.#slots[slot];
    if (++s.ops > this.#o.opsPerKey) {
      s.gen++;
      s.ops = 1;
    }
    const key = `r${slot}.${s.gen}`;
    this.#keys.add(key);
    return key;
  }

  async #register(w: Worker, buggy: boolean): Promise<void> {
    const kv = this.#o.kv;
    const rng = this.#o.rng;
    while (!this.#o.stop()) {
      const key = this.#pickKey();
      const seenKey = `${w.index}/${key}`;
      const seen = this.#seen.get(seenKey);
      const roll = rng.next();
      if (roll < 0.5 || (roll >= 0.8 && seen === undefined)) {
        const stale = this.#bug('stale-read');
        const op = kv.invoke(w.process, 'get', null, key);
        const read = await this.#record(w, kv, op, w.client.kv.get(key, { consistency: stale ? 'stale' : 'linearizable' }), (r) => r?.value ?? null);
        if (read !== undefined) this.#seen.set(seenKey, { value: read?.value ?? null, modRevision: read?.modRevision ?? 0 });
      } else if (roll < 0.8) {
        const value = this.#value(w);
        const op = kv.invoke(w.process, 'put', value, key);
        if (buggy && this.#bug('fake-ack')) kv.ok(op, value); // the lie: never sent
        else await this.#record(w, kv, op, w.client.kv.put(key, value), () => value);
      } else {
        const value = this.#value(w);
        const op = kv.invoke(w.process, 'cas', [seen!.value, value], key);
        await this.#record(w, kv, op, w.client.kv.put(key, value, { ifRevision: seen!.modRevision }), () => [seen!.value, value]);
        this.#seen.delete(seenKey);
      }
      await this.#think();
    }
  }

  async #set(w: Worker, buggy: boolean): Promise<void> {
    const kv = this.#o.kv;
    for (let n = 1; !this.#o.stop(); n++) {
      const key = `s${w.index}.${n}`;
      const value = `v${n}`;
      this.#keys.add(key);
      const op = kv.invoke(w.process, 'put', value, key);
      if (buggy && this.#bug('fake-ack') && n % 10 === 0) {
        kv.ok(op, value); // the lie: acknowledged, never sent
        this.#acked.push({ key, value });
      } else if ((await this.#record(w, kv, op, w.client.kv.put(key, value), () => value)) !== undefined) {
        this.#acked.push({ key, value });
      }
      await this.#think();
    }
  }

  async #lock(w: Worker): Promise<void> {
    const kv = this.#o.kv;
    const key = 'fenced';
    this.#keys.add(key);
    for (let round = 1; !this.#o.stop(); round++) {
      if (round % 4 === 0) {
        await this.#pausedHolder(w, key).catch((error: unknown) => {
          const code = isFaultlineError(error) ? error.code : 'exception';
          this.#errors[`paused-holder:${code}`] = (this.#errors[`paused-holder:${code}`] ?? 0) + 1;
          if (!isFaultlineError(error)) throw error;
        });
        continue;
      }
      try {
        await w.client.withLock(
          'chaos-lock',
          async (ctx) => {
            this.#lockHolds++;
            for (let i = 0; i < 3 && !this.#o.stop() && !ctx.signal.aborted; i++) {
              const value = this.#value(w);
              const op = kv.invoke(w.process, 'put', value, key);
              const put = await this.#record(w, kv, op, w.client.kv.put(key, value, { fence: ctx.fence }), () => value);
              if (put !== undefined) this.#fenced.push({ token: ctx.token, revision: put.revision, value });
              await this.#think();
            }
          },
          { ttlMs: this.#o.lockTtlMs, waitMs: 5000 },
        );
      } catch (error) {
        const code = isFaultlineError(error) ? error.code : 'exception';
        this.#errors[`lock:${code}`] = (this.#errors[`lock:${code}`] ?? 0) + 1;
        if (!isFaultlineError(error)) throw error;
        await sleepMs(100);
      }
      await this.#think();
    }
  }

  /** Hold the lock without keeping its lease alive, stall past the TTL, then write with the stale token. */
  async #pausedHolder(w: Worker, key: string): Promise<void> {
    const kv = this.#o.kv;
    const lease = await w.client.leases.grant(this.#o.lockTtlMs);
    let token: number;
    try {
      token = (await w.client.locks.acquire('chaos-lock', { lease: lease.lease })).token;
    } catch (error) {
      await w.client.leases.revoke(lease.lease).catch(() => {});
      if (isFaultlineError(error) && error.code === 'lock_held') return;
      throw error;
    }
    this.#lockHolds++;
    await sleepMs(this.#o.lockTtlMs + 1000); // the "GC pause": the lease runs out meanwhile
    const value = this.#value(w);
    const op = kv.invoke(w.process, 'put', value, key);
    this.#staleWrites++;
    try {
      const put = await w.client.kv.put(key, value, { fence: { lock: 'chaos-lock', token } });
      kv.ok(op, value);
      this.#fenced.push({ token, revision: put.revision, value });
    } catch (error) {
      if (isFaultlineError(error) && error.code === 'fenced') this.#staleRefused++;
      if (isFaultlineError(error) && error.definite) kv.fail(op, error.code);
      else {
        kv.info(op, isFaultlineError(error) ? error.code : 'exception');
        w.crashed();
      }
    }
  }

  async #id(w: Worker): Promise<void> {
    const ids = this.#o.ids;
    while (!this.#o.stop()) {
      const op = ids.invoke(w.process, 'generate', null);
      await this.#record(w, ids, op, w.client.ids.next(), (id) => id);
      await this.#think();
    }
  }
}
