import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import { ManualTimekeeper } from '../core/resilience/index.js';
import { FakeCluster } from './__fixtures__/fake-cluster.js';
import type { Fault, RequestRecord } from './__fixtures__/fake-cluster.js';
import { createClientWithRuntime } from './client.js';
import type { FaultlineClient } from './client.js';
import { FaultlineError, isFaultlineError } from './errors.js';
import type { ClientOptions } from './options.js';

const URLS = ['http://n1:7001', 'http://n2:7002', 'http://n3:7003'];

interface Setup {
  client: FaultlineClient;
  cluster: FakeCluster;
  tk: ManualTimekeeper;
}

function setup(options: Partial<ClientOptions> & { leader?: number | null; sessions?: boolean; seed?: number; token?: string } = {}): Setup {
  const tk = new ManualTimekeeper(0);
  const cluster = new FakeCluster({ endpoints: URLS, timekeeper: tk, leader: options.leader, sessions: options.sessions, token: options.token });
  const client = createClientWithRuntime(
    { endpoints: URLS, ...options },
    { transport: cluster.transport, timekeeper: tk, rng: new SeededRng(options.seed ?? 7) },
  );
  return { client, cluster, tk };
}

/** Run virtual time until `promise` settles (jumping to each next timer). */
async function drive<T>(tk: ManualTimekeeper, promise: Promise<T>, maxMs = 120_000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => {});
  const startMs = tk.now();
  while (!settled) {
    await tk.advance(0);
    if (settled) break;
    const due = tk.nextDueMs;
    if (due === undefined) throw new Error('drive: nothing scheduled and the promise is still pending (a hang with no timer)');
    if (due - startMs > maxMs) throw new Error(`drive: still pending after ${maxMs} virtual ms`);
    await tk.advance(due - tk.now());
  }
  return watched;
}

async function rejection(tk: ManualTimekeeper, promise: Promise<unknown>): Promise<FaultlineError> {
  try {
    await drive(tk, promise);
  } catch (error) {
    expect(isFaultlineError(error)).toBe(true);
    return error as FaultlineError;
  }
  throw new Error('expected a rejection');
}

const writes = (c: FakeCluster): RequestRecord[] => c.requests.filter((r) => r.method !== 'GET' && r.path !== '/v1/sessions');

describe('client: the happy path', () => {
  it('puts and gets through the leader, with a session and an idempotency key on the write', async () => {
    const { client, cluster, tk } = setup({ leader: 1 });
    const put = await drive(tk, client.kv.put('a', '1'));
    expect(put.revision).toBe(1);
    expect(await drive(tk, client.kv.get('a'))).toEqual({ key: 'a', value: '1', revision: 1, modRevision: 1, createRevision: 1, version: 1, lease: null });
    expect(await drive(tk, client.kv.get('missing'))).toBeNull();
    const [w] = writes(cluster);
    expect(w.endpoint).toBe(URLS[1]); // discovered leader n2
    expect(w.headers['faultline-session']).toMatch(/^1\/1\/0$/);
    expect(w.headers['idempotency-key']).toMatch(/^fl-[0-9a-f]{16}-1$/);
    expect(cluster.requestsTo('/v1/kv/a', 'GET').every((r) => r.endpoint === URLS[1])).toBe(true);
    expect(client.leaderEndpoint).toBe(URLS[1]);
  });

  it('encodes keys as one path segment and sends stale reads to any member', async () => {
    const { client, cluster, tk } = setup({ leader: 0 });
    await drive(tk, client.kv.put('a/b c', 'x'));
    expect(cluster.kv.get('a/b c')?.value).toBe('x');
    await drive(tk, client.kv.get('a/b c', { consistency: 'stale' }));
    expect(cluster.requestsTo('/v1/kv/a%2Fb%20c?consistency=stale').length).toBe(1);
  });

  it('acknowledges finished seqs: the mark rises with each completed write', async () => {
    const { client, cluster, tk } = setup();
    for (let i = 0; i < 3; i++) await drive(tk, client.kv.put('k', String(i)));
    expect(writes(cluster).map((r) => r.headers['faultline-session'])).toEqual(['1/1/0', '1/2/1', '1/3/2']);
  });

  it('sends the bearer token', async () => {
    const { client, cluster, tk } = setup({ token: 's3cret' });
    await drive(tk, client.kv.put('a', '1'));
    expect(cluster.requests.every((r) => r.headers.authorization === 'Bearer s3cret')).toBe(true);
  });

  it('answers cluster.status and ids.next', async () => {
    const { client, tk } = setup({ leader: 2 });
    const status = await drive(tk, client.cluster.status());
    expect(status.leader).toBe('n3');
    expect(status.members.map((m) => m.id)).toEqual(['n1', 'n2', 'n3']);
    expect(await drive(tk, client.ids.next())).toMatch(/^\d+$/);
  });
});

describe('client: exactly-once retries', () => {
  it('a write whose response was lost is retried and applies once', async () => {
    const { client, cluster, tk } = setup();
    let dropped = false;
    cluster.fault = (r) => {
      if (r.method === 'PUT' && !dropped) {
        dropped = true;
        return 'drop-response';
      }
      return undefined;
    };
    const put = await drive(tk, client.kv.put('a', 'v'));
    const attempts = cluster.requestsTo('/v1/kv/a', 'PUT');
    expect(attempts.length).toBe(2);
    expect(cluster.applied).toBe(1); // applied by the first attempt only
    expect(put.revision).toBe(1); // the retry returned the first application's result
    expect(attempts[1].headers['faultline-session']).toBe(attempts[0].headers['faultline-session']);
    expect(attempts[1].headers['idempotency-key']).toBe(attempts[0].headers['idempotency-key']);
  });

  it('without server-side sessions the same retry applies twice (the test can tell)', async () => {
    const { client, cluster, tk } = setup({ sessions: false });
    let dropped = false;
    cluster.fault = (r) => (r.method === 'PUT' && !dropped ? ((dropped = true), 'drop-response') : undefined);
    const put = await drive(tk, client.kv.put('a', 'v'));
    expect(cluster.applied).toBe(2);
    expect(put.revision).toBe(2);
  });

  it('a lost lease grant is not granted twice', async () => {
    const { client, cluster, tk } = setup();
    let dropped = false;
    cluster.fault = (r) => (r.path === '/v1/leases' && !dropped ? ((dropped = true), 'drop-response') : undefined);
    const grant = await drive(tk, client.leases.grant(5000));
    expect(grant.lease).toBe(1);
    expect(cluster.leases.size).toBe(1);
  });

  it('a session the cluster forgot is replaced, and the write applies once on the new one', async () => {
    const { client, cluster, tk } = setup();
    await drive(tk, client.kv.put('a', '1'));
    cluster.sessions.clear(); // idle expiry
    await drive(tk, client.kv.put('a', '2'));
    expect(cluster.kv.get('a')?.value).toBe('2');
    expect(cluster.applied).toBe(2);
    expect(cluster.requestsTo('/v1/sessions').length).toBe(2);
    expect(writes(cluster).at(-1)!.headers['faultline-session']).toBe('2/1/0');
  });
});

describe('client: what is retried and what is not', () => {
  it('never retries a 4xx: a revision mismatch is one request and a definite refusal', async () => {
    const { client, cluster, tk } = setup();
    await drive(tk, client.kv.put('a', '1'));
    const error = await rejection(tk, client.kv.put('a', '2', { ifRevision: 7 }));
    expect(error.code).toBe('revision_mismatch');
    expect(error.status).toBe(409);
    expect(error.definite).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.details).toEqual({ actualRevision: 1 });
    expect(cluster.requestsTo('/v1/kv/a', 'PUT').length).toBe(2);
  });

  it('retries 503 no_quorum until the cluster has a leader again', async () => {
    const { client, cluster, tk } = setup();
    let refusals = 0;
    cluster.fault = (r) => (r.method === 'PUT' && refusals++ < 3 ? { status: 503, body: { error: { code: 'no_quorum', message: 'no leader' } } } : undefined);
    await drive(tk, client.kv.put('a', '1'));
    expect(cluster.requestsTo('/v1/kv/a', 'PUT').length).toBe(4);
    expect(cluster.applied).toBe(1);
  });

  it('a session registration that keeps failing ends the write after its own attempts, not attempts²', async () => {
    const { client, cluster, tk } = setup({ maxAttempts: 3 });
    cluster.fault = (r) => (r.path === '/v1/sessions' ? { status: 503, body: { error: { code: 'overloaded', message: 'busy' } } } : undefined);
    const error = await rejection(tk, client.kv.put('a', '1'));
    expect(error.code).toBe('overloaded');
    expect(cluster.requestsTo('/v1/sessions', 'POST').length).toBe(3);
    expect(writes(cluster)).toEqual([]);
  });

  it('fails over from a refused endpoint to another one', async () => {
    const { client, cluster, tk } = setup({ leader: 0 });
    cluster.fault = (r) => (r.endpoint === URLS[0] && r.path !== '/v1/cluster' ? 'refuse' : undefined);
    await drive(tk, client.kv.put('a', '1'));
    const puts = cluster.requestsTo('/v1/kv/a', 'PUT');
    expect(puts[0].endpoint).toBe(URLS[0]);
    expect(puts.at(-1)!.endpoint).not.toBe(URLS[0]);
  });

  it('times out a hung endpoint with the adaptive timeout and retries elsewhere', async () => {
    const { client, cluster, tk } = setup({ leader: 0 });
    cluster.fault = (r) => (r.endpoint === URLS[0] && r.method === 'PUT' ? 'hang' : undefined);
    const startMs = tk.now();
    await drive(tk, client.kv.put('a', '1'));
    const puts = cluster.requestsTo('/v1/kv/a', 'PUT');
    expect(puts.length).toBe(2);
    // One fast round trip (the session registration) set the estimate: the timeout is the 1 s floor.
    expect(puts[1].atMs - puts[0].atMs).toBeGreaterThanOrEqual(1000);
    expect(puts[1].atMs - puts[0].atMs).toBeLessThan(1100);
    expect(tk.now() - startMs).toBeLessThan(2000);
  });

  it('a write that reached no server fails definitely; one that may have reached one does not', async () => {
    const refused = setup({ requestTimeoutMs: 3000 });
    refused.cluster.fault = (r) => (r.method === 'PUT' ? 'refuse' : undefined);
    const e1 = await rejection(refused.tk, refused.client.kv.put('a', '1'));
    expect(e1.code).toBe('unavailable');
    expect(e1.definite).toBe(true);
    expect(e1.retryable).toBe(true);

    const hung = setup({ requestTimeoutMs: 5000 });
    hung.cluster.fault = (r) => (r.method === 'PUT' ? 'hang' : undefined);
    const e2 = await rejection(hung.tk, hung.client.kv.put('a', '1'));
    expect(e2.code).toBe('timeout');
    expect(e2.definite).toBe(false);
  });

  it('opens an endpoint circuit after repeated failures and stops sending to it', async () => {
    const { client, cluster, tk } = setup({ leader: null, circuit: { failures: 2, openMs: 60_000 } });
    cluster.fault = (r) => (r.endpoint === URLS[0] ? 'refuse' : undefined);
    for (let i = 0; i < 12; i++) await drive(tk, client.kv.get('a', { consistency: 'stale' }));
    const toDead = cluster.requests.filter((r) => r.endpoint === URLS[0] && r.path.startsWith('/v1/kv/'));
    expect(toDead.length).toBe(2); // then the circuit is open for 60 s
  });

  it('reports a garbage success body as bad_response', async () => {
    const { client, cluster, tk } = setup();
    cluster.fault = (r) => (r.path.startsWith('/v1/kv/') ? ({ status: 200, body: '<html>' } as Fault) : undefined);
    const error = await rejection(tk, client.kv.get('a'));
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/not JSON/);
  });

  it('refuses bad arguments before sending anything', async () => {
    const { client, cluster } = setup();
    expect(() => client.kv.put('', 'x')).toThrow(/key must be a non-empty string/);
    expect(() => client.kv.put('a', 'x', { ifRevision: -1 })).toThrow(/ifRevision/);
    expect(() => client.leases.grant(0)).toThrow(/ttlMs/);
    expect(cluster.requests.length).toBe(0);
    expect(() => createClientWithRuntime({ endpoints: ['ftp://x'] }, { transport: cluster.transport, timekeeper: new ManualTimekeeper(), rng: new SeededRng(1) })).toThrow(
      /must use http or https/,
    );
  });

  it('is deterministic: one seed, one request schedule', async () => {
    const run = async (): Promise<string[]> => {
      const { client, cluster, tk } = setup({ seed: 42 });
      let n = 0;
      cluster.fault = (r) => (r.method === 'PUT' && n++ < 4 ? { status: 503, body: { error: { code: 'no_quorum', message: '' } } } : undefined);
      await drive(tk, client.kv.put('a', '1'));
      return cluster.requests.map((r) => `${r.atMs.toFixed(3)} ${r.method} ${r.endpoint}${r.path}`);
    };
    expect(await run()).toEqual(await run());
  });
});

describe('client: the session window', () => {
  it('never has more unacknowledged seqs in flight than the window', async () => {
    const { client, cluster, tk } = setup({ sessionWindow: 3 });
    let hung = true;
    cluster.fault = (r) => (r.path === '/v1/kv/k0' && hung ? 'hang' : undefined);
    const puts = Array.from({ length: 6 }, (_, i) => client.kv.put(`k${i}`, 'v'));
    for (let i = 0; i < 20; i++) await tk.advance(1);
    const seqs = writes(cluster).map((r) => r.headers['faultline-session'].split('/').map(Number));
    expect(Math.max(...seqs.map(([, seq, acked]) => seq - acked))).toBeLessThanOrEqual(3);
    expect(new Set(seqs.map(([, seq]) => seq)).size).toBe(3); // seqs 4..6 wait for seq 1
    hung = false;
    await drive(tk, Promise.all(puts));
    expect(cluster.kv.size).toBe(6);
  });
});

describe('client: withLock', () => {
  it('grants, keeps alive, passes the fencing token, then releases and revokes', async () => {
    const { client, cluster, tk } = setup();
    const result = await drive(
      tk,
      client.withLock('job', async (ctx) => {
        expect(ctx.isValid()).toBe(true);
        await client.kv.put('out', 'done', { fence: ctx.fence });
        await tk.sleep(20_000); // long work: the lease must be kept alive
        expect(ctx.signal.aborted).toBe(false);
        return ctx.token;
      }, { ttlMs: 9000 }),
    );
    expect(result).toBe(1); // the first revision
    const keepalives = cluster.requestsTo('/v1/leases/1/keepalive');
    expect(keepalives.length).toBeGreaterThanOrEqual(5); // every third of ~8.9 s of validity
    expect(keepalives[0].atMs).toBeLessThan(3100);
    expect(cluster.locks.size).toBe(0);
    expect(cluster.leases.size).toBe(0);
    expect(cluster.kv.get('out')?.value).toBe('done');
  });

  it('aborts the context with lease_lost when the cluster ends the lease', async () => {
    const { client, cluster, tk } = setup();
    let reason: unknown;
    await drive(
      tk,
      client.withLock('job', async (ctx) => {
        cluster.leases.clear(); // expired on the server
        cluster.locks.clear();
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        reason = ctx.signal.reason;
        expect(ctx.isValid()).toBe(false);
      }, { ttlMs: 9000 }),
    );
    expect(isFaultlineError(reason) && reason.code).toBe('lease_lost');
  });

  it('a holder whose keep-alives cannot get through loses the lock before the server can expire it', async () => {
    const { client, cluster, tk } = setup();
    let lostAtMs = 0;
    await drive(
      tk,
      client.withLock('job', async (ctx) => {
        cluster.fault = (r) => (r.path.includes('keepalive') ? 'hang' : undefined);
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        lostAtMs = tk.now();
      }, { ttlMs: 6000 }),
    );
    expect(lostAtMs).toBeGreaterThan(0);
    expect(lostAtMs).toBeLessThan(6000); // measured from the grant's send at t≈0
  });

  it('waits for a held lock and gives up with lock_held after waitMs', async () => {
    const { client, cluster, tk } = setup();
    const lease = await drive(tk, client.leases.grant(60_000));
    await drive(tk, client.locks.acquire('job', { lease: lease.lease }));
    const error = await rejection(tk, client.withLock('job', () => 'never', { waitMs: 2000 }));
    expect(error.code).toBe('lock_held');
    expect(cluster.leases.size).toBe(1); // the waiter's own lease was revoked
  });
});

describe('client: errors and close', () => {
  it('brands its errors so a guard works without instanceof', () => {
    const e = new FaultlineError({ code: 'timeout', message: 'x', definite: false, retryable: true });
    expect(isFaultlineError(e)).toBe(true);
    expect(isFaultlineError({ code: 'timeout', message: 'x' })).toBe(false);
    expect(isFaultlineError(new Error('x'))).toBe(false);
    expect(e.withOutcome(true).definite).toBe(true);
  });

  it('fails calls in flight with closed', async () => {
    const { client, cluster, tk } = setup();
    cluster.fault = () => 'hang';
    const pending = client.kv.get('a');
    await tk.advance(5);
    client.close();
    const error = await rejection(tk, pending);
    expect(error.code).toBe('closed');
    await expect(client.kv.get('a')).rejects.toThrow(/closed/);
  });
});
