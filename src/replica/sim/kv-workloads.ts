/**
 * `kv` and `register`: clients doing random reads, writes, compare-and-sets
 * (and, for kv, deletes) against the replicated KV store under the nemesis.
 * The history is checked with the `kv` model (per key) or the
 * `cas-register` model (one key), plus the harness's invariant and liveness
 * checks.
 *
 * Values are unique per write, which makes the service's revision
 * compare-and-set the same thing as the models' value cas: a key's
 * modRevision names exactly one write, hence one value. A cas uses the
 * revision the client last saw for that key (possibly stale: then it fails
 * with `revision_mismatch`, and certainly did not happen).
 */
import type { Model } from '../../check/index.js';
import { casRegisterModel, kvModel } from '../../check/index.js';
import type { Workload, WorkloadContext, WorkloadRun } from '../../sim/index.js';
import type { GetValue, PutValue, ServiceResult } from '../../services/index.js';
import { deleteCommand, putCommand } from '../../services/index.js';
import type { Final, SimClient } from './client.js';
import { CONSENSUS_BUGS, ReplicaCluster } from './harness.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bugs a KV history can expose (no-fencing needs locks: see the lock workload). */
export const KV_BUGS: Readonly<Record<string, string>> = Object.freeze({
  'stale-read': 'serves linearizable reads from any replica’s local state, without ReadIndex',
  ...CONSENSUS_BUGS,
});

interface Spec {
  readonly name: string;
  readonly summary: string;
  /** Keys to use; one key without a `key` field in the history for the register. */
  readonly keys: readonly string[];
  readonly keyed: boolean;
  readonly clients: number;
  readonly thinkMsMax: number;
  readonly model: Model<unknown>;
  readonly f: { readonly read: string; readonly write: string; readonly cas: string; readonly delete: string | null };
  /** Percent of reads, writes, cas (the rest are deletes). */
  readonly mix: readonly [number, number, number];
  readonly value: (client: number, n: number) => string | number;
}

const KV: Spec = {
  name: 'kv',
  summary: 'linearizable KV (get/put/cas/delete over 4 keys, 8 clients with sessions) on Raft; checks linearizability (kv model), Raft invariants, liveness',
  keys: ['a', 'b', 'c', 'd'],
  keyed: true,
  clients: 8,
  thinkMsMax: 30,
  model: kvModel as Model<unknown>,
  f: { read: 'get', write: 'put', cas: 'cas', delete: 'delete' },
  mix: [40, 30, 20],
  value: (client, n) => `c${client + 1}-${n}`,
};

const REGISTER: Spec = {
  name: 'register',
  summary: 'one register (read/write/cas, 6 clients with sessions) on Raft; checks linearizability (cas-register model), Raft invariants, liveness',
  keys: ['r'],
  keyed: false,
  clients: 6,
  thinkMsMax: 30,
  model: casRegisterModel as Model<unknown>,
  f: { read: 'read', write: 'write', cas: 'cas', delete: null },
  mix: [50, 25, 25],
  value: (client, n) => (client + 1) * 1_000_000 + n,
};

export const kvWorkload: Workload = workloadOf(KV);
export const registerWorkload: Workload = workloadOf(REGISTER);

function workloadOf(spec: Spec): Workload {
  return { name: spec.name, summary: spec.summary, minNodes: 1, bugs: KV_BUGS, setup: (context) => new KvRun(context, spec) };
}

interface Seen {
  readonly value: string | number | null;
  readonly revision: number;
}

type RecordType = 'invoke' | 'ok' | 'fail' | 'info';

class KvRun implements WorkloadRun {
  readonly quietMs = 9000;
  readonly #cluster: ReplicaCluster;
  readonly #spec: Spec;

  constructor(context: WorkloadContext, spec: Spec) {
    this.#spec = spec;
    this.#cluster = new ReplicaCluster(context);
    this.#cluster.addClients(spec.clients, (client, index) => this.#startClient(client, index));
  }

  #startClient(client: SimClient, index: number): void {
    const spec = this.#spec;
    const cluster = this.#cluster;
    const rng = cluster.rng.fork();
    const seen = new Map<string, Seen>();
    let process = index;
    let writes = 0;
    const next = (): void => void client.env.setTimer(1 + rng.int(spec.thinkMsMax), step);
    const step = (): void => {
      const key = spec.keys[rng.int(spec.keys.length)];
      const record = (type: RecordType, f: string, value: unknown): void => {
        cluster.record(index, spec.keyed ? { process, type, f, key, value } : { process, type, f, value });
        if (type === 'info') process += spec.clients; // an unknown outcome retires the process (Jepsen)
      };
      const roll = rng.int(100);
      const [reads, puts, cases] = spec.mix;
      if (roll < reads) {
        record('invoke', spec.f.read, null);
        client.read(key, 'linearizable', (final) => {
          if (final.status !== 'ok') record('fail', spec.f.read, null);
          else {
            const v = readValue(final.value, spec);
            seen.set(key, v);
            record('ok', spec.f.read, v.value);
          }
          next();
        });
        return;
      }
      const written = spec.value(index, ++writes);
      const bytes = encoder.encode(String(written));
      const finish = (f: string, invoked: unknown, stored: string | number | null) => (final: Final<ServiceResult<unknown>>) => {
        if (final.status !== 'ok') record(final.status, f, invoked);
        else {
          const r = final.value as ServiceResult<PutValue>;
          if (r.ok) {
            if (stored === null) seen.delete(key);
            else seen.set(key, { value: stored, revision: r.value.revision });
            record('ok', f, invoked);
          } else if (r.error.code === 'session_seq_stale') {
            record('info', f, invoked); // never expected: stale seqs are never retried
          } else {
            record('fail', f, invoked); // refused by the state machine: it did not happen
          }
        }
        next();
      };
      if (roll < reads + puts) {
        record('invoke', spec.f.write, written);
        client.submit(putCommand({ key, value: bytes }), finish(spec.f.write, written, written));
      } else if (roll < reads + puts + cases || spec.f.delete === null) {
        const last = seen.get(key);
        const old = last?.value ?? null;
        const pair = [old, written];
        record('invoke', spec.f.cas, pair);
        client.submit(putCommand({ key, value: bytes, ifRevision: old === null ? 0 : last!.revision }), finish(spec.f.cas, pair, written));
      } else {
        record('invoke', spec.f.delete, null);
        client.submit(deleteCommand({ key }), finish(spec.f.delete, null, null));
      }
    };
    client.register(next);
  }

  onQuiet(): void {
    this.#cluster.onQuiet();
  }

  finish() {
    return this.#cluster.finish([{ model: this.#spec.model }]);
  }
}

function readValue(r: GetValue, spec: Spec): Seen {
  if (r.kv === null) return { value: null, revision: 0 };
  const text = decoder.decode(r.kv.value);
  return { value: typeof spec.value(0, 1) === 'number' ? Number(text) : text, revision: r.kv.modRevision };
}
