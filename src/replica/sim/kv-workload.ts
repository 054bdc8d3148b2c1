/**
 * `kv`: many clients doing random get / put / cas / delete over a few keys
 * of the replicated KV store, under the nemesis; the history is checked with
 * the `kv` model (per key), plus the harness's invariant and liveness checks.
 *
 * Values are unique per write (`c3-17`), which makes the service's
 * revision compare-and-set the same thing as the model's value cas: a key's
 * modRevision names exactly one write, hence one value. A cas uses the
 * revision the client last read for that key (possibly stale: then it fails
 * with `revision_mismatch`, and certainly did not happen).
 */
import { kvModel } from '../../check/index.js';
import type { Workload, WorkloadContext, WorkloadRun } from '../../sim/index.js';
import type { GetValue, PutValue, ServiceResult } from '../../services/index.js';
import { deleteCommand, putCommand } from '../../services/index.js';
import type { SimClient } from './client.js';
import { ReplicaCluster } from './harness.js';

export const KV_KEYS = ['a', 'b', 'c', 'd'];
const CLIENTS = 8;
const THINK_MS_MAX = 30;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bugs the KV history can expose (no-fencing needs locks: see the lock workload). */
export const KV_BUGS: Readonly<Record<string, string>> = Object.freeze({
  'stale-read': 'serves linearizable reads from any replica’s local state, without ReadIndex',
  'forget-vote': 'does not persist the vote: a restarted node may vote twice in one term',
  'commit-without-majority': 'the leader commits once one voter short of a majority stores an entry',
  'no-fsync': 'never fsyncs: a crash loses what was acknowledged',
});

export const kvWorkload: Workload = {
  name: 'kv',
  summary: 'linearizable KV (get/put/cas/delete) on a Raft cluster, many clients with sessions; checks linearizability, Raft invariants, liveness',
  minNodes: 1,
  bugs: KV_BUGS,
  setup: (context) => new KvRun(context),
};

interface Seen {
  readonly value: string | null;
  readonly revision: number;
}

class KvRun implements WorkloadRun {
  readonly quietMs: number;
  readonly #cluster: ReplicaCluster;

  constructor(context: WorkloadContext) {
    this.#cluster = new ReplicaCluster(context);
    this.quietMs = 7000;
    this.#cluster.addClients(CLIENTS, (client, index) => this.#startClient(client, index));
  }

  #startClient(client: SimClient, index: number): void {
    const cluster = this.#cluster;
    const rng = cluster.rng.fork();
    const seen = new Map<string, Seen>();
    let process = index;
    let writes = 0;
    const next = (): void => {
      client.env.setTimer(1 + rng.int(THINK_MS_MAX), step);
    };
    const step = (): void => {
      const key = KV_KEYS[rng.int(KV_KEYS.length)];
      const roll = rng.int(100);
      const record = (type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: unknown): void => {
        cluster.record(index, { process, type, f, key, value });
        if (type === 'info') process += CLIENTS; // an unknown outcome retires the process (Jepsen)
      };
      if (roll < 40) {
        record('invoke', 'get', null);
        client.read(key, 'linearizable', (final) => {
          if (final.status !== 'ok') record('fail', 'get', null);
          else {
            const v = readValue(final.value);
            seen.set(key, { value: v.value, revision: v.revision });
            record('ok', 'get', v.value);
          }
          next();
        });
        return;
      }
      const value = `c${index + 1}-${++writes}`;
      if (roll < 70) {
        record('invoke', 'put', value);
        client.submit(putCommand({ key, value: encoder.encode(value) }), (final) => {
          finishWrite(final, 'put', value, value);
          next();
        });
      } else if (roll < 90) {
        const last = seen.get(key);
        const old = last?.value ?? null;
        record('invoke', 'cas', [old, value]);
        client.submit(putCommand({ key, value: encoder.encode(value), ifRevision: last?.value == null ? 0 : last.revision }), (final) => {
          finishWrite(final, 'cas', [old, value], [old, value]);
          next();
        });
      } else {
        record('invoke', 'delete', null);
        client.submit(deleteCommand({ key }), (final) => {
          finishWrite(final, 'delete', null, null);
          next();
        });
      }
      function finishWrite(final: Parameters<Parameters<SimClient['submit']>[1]>[0], f: string, okValue: unknown, failValue: unknown): void {
        if (final.status === 'ok') {
          const r = final.value as ServiceResult<PutValue>;
          if (r.ok) {
            if (f !== 'delete') seen.set(key, { value: (okValue as string | string[]) instanceof Array ? (okValue as string[])[1] : (okValue as string), revision: r.value.revision });
            else seen.delete(key);
            record('ok', f, okValue);
          } else if (r.error.code === 'session_seq_stale') {
            record('info', f, failValue);
          } else {
            // Refused by the state machine (revision_mismatch, session_*): it did not happen.
            record('fail', f, failValue);
          }
        } else {
          record(final.status, f, failValue);
        }
      }
    };
    client.register(next);
  }

  onQuiet(): void {
    this.#cluster.onQuiet();
  }

  finish() {
    return this.#cluster.finish(kvModel as never);
  }
}

function readValue(r: GetValue): { value: string | null; revision: number } {
  if (r.kv === null) return { value: null, revision: 0 };
  return { value: decoder.decode(r.kv.value), revision: r.kv.modRevision };
}
