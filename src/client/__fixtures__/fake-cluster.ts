/**
 * An in-memory stand-in for a Faultline cluster behind the client's
 * `HttpTransport`, for deterministic client tests: one shared state machine
 * (KV with revisions, leases, locks with tokens, sessions that store results
 * per seq), several endpoint URLs, a chosen leader, and scriptable faults per
 * request. Latency and hangs run on the given timekeeper (a test's
 * ManualTimekeeper; bench/client.bench.ts gives it the real one).
 */
import type { Timekeeper } from '../../core/resilience/index.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../runtime.js';
import { TransportError } from '../runtime.js';

/** What to do with one request. */
export type Fault =
  | 'refuse' // connection refused: never reached the server
  | 'drop-response' // applied, then the connection died before the response
  | 'hang' // no answer until the client gives up
  | { readonly status: number; readonly body: unknown }; // answer this instead

export interface RequestRecord {
  readonly n: number;
  readonly atMs: number;
  readonly method: string;
  readonly url: string;
  readonly endpoint: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

interface Session {
  ackedSeq: number;
  readonly results: Map<number, { status: number; body: unknown }>;
}

export interface FakeClusterOptions {
  readonly endpoints: readonly string[];
  readonly timekeeper: Timekeeper;
  /** Index of the leader in `endpoints`, or null. @defaultValue 0 */
  readonly leader?: number | null;
  /** Server-side processing time per request, ms. @defaultValue 1 */
  readonly latencyMs?: number;
  /** Honour `Faultline-Session` (dedupe by seq). @defaultValue true — turn off to show what retries do without it. */
  readonly sessions?: boolean;
  readonly token?: string;
}

export class FakeCluster {
  readonly endpoints: readonly string[];
  readonly requests: RequestRecord[] = [];
  leader: number | null;
  latencyMs: number;
  sessionsEnabled: boolean;
  /** Decide a fault per request (return undefined to serve normally). */
  fault: ((request: RequestRecord) => Fault | undefined) | undefined;
  /** Times a write changed state (a put applied twice counts twice). */
  applied = 0;
  revision = 0;
  readonly kv = new Map<string, { value: string; revision: number }>();
  readonly leases = new Map<number, { ttlMs: number }>();
  readonly locks = new Map<string, { token: number; lease: number }>();
  readonly sessions = new Map<number, Session>();
  #nextLease = 1;
  #nextSession = 1;
  #nextId = 1000;
  readonly #tk: Timekeeper;
  readonly #token: string | undefined;

  constructor(options: FakeClusterOptions) {
    this.endpoints = options.endpoints;
    this.#tk = options.timekeeper;
    this.leader = options.leader === undefined ? 0 : options.leader;
    this.latencyMs = options.latencyMs ?? 1;
    this.sessionsEnabled = options.sessions ?? true;
    this.#token = options.token;
  }

  /** Requests whose path starts with `prefix` (and method, if given). */
  requestsTo(prefix: string, method?: string): RequestRecord[] {
    return this.requests.filter((r) => r.path.startsWith(prefix) && (method === undefined || r.method === method));
  }

  readonly transport: HttpTransport = {
    request: (request: HttpRequest): Promise<HttpResponse> => {
      const url = new URL(request.url);
      const endpoint = `${url.protocol}//${url.host}`;
      const record: RequestRecord = {
        n: this.requests.length,
        atMs: this.#tk.now(),
        method: request.method,
        url: request.url,
        endpoint,
        path: url.pathname + url.search,
        headers: request.headers,
        body: request.body === undefined ? undefined : JSON.parse(request.body),
      };
      this.requests.push(record);
      const fault = this.fault?.(record);
      if (fault === 'refuse') return Promise.reject(new TransportError('ECONNREFUSED: connect refused', true));
      return new Promise<HttpResponse>((resolve, reject) => {
        const onAbort = (): void => reject(new TransportError('aborted', false));
        request.signal.addEventListener('abort', onAbort, { once: true });
        if (fault === 'hang') return;
        this.#tk.sleep(this.latencyMs).then(() => {
          request.signal.removeEventListener('abort', onAbort);
          if (request.signal.aborted) return;
          if (typeof fault === 'object') {
            resolve({ status: fault.status, body: typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body) });
            return;
          }
          const answer = this.#serve(record);
          if (fault === 'drop-response') reject(new TransportError('ECONNRESET: socket hang up', false));
          else resolve({ status: answer.status, body: answer.body === undefined ? '' : JSON.stringify(answer.body) });
        });
      });
    },
  };

  #serve(r: RequestRecord): { status: number; body: unknown } {
    if (this.#token !== undefined && r.headers.authorization !== `Bearer ${this.#token}`) return error(401, 'unauthorized');
    const path = r.path.split('?')[0];
    if (r.method === 'GET' && path === '/v1/cluster') return { status: 200, body: this.status() };
    if (r.method === 'POST' && path === '/v1/sessions') {
      const clientId = this.#nextSession++;
      this.sessions.set(clientId, { ackedSeq: 0, results: new Map() });
      return { status: 200, body: { clientId } };
    }
    if (r.method === 'POST' && path === '/v1/ids') return { status: 200, body: { id: String(this.#nextId++) } };
    if (r.method === 'GET' && path.startsWith('/v1/kv/')) {
      const key = decodeURIComponent(path.slice('/v1/kv/'.length));
      const kv = this.kv.get(key);
      if (kv === undefined) return error(404, 'not_found');
      return { status: 200, body: { key, value: kv.value, revision: this.revision, modRevision: kv.revision, createRevision: kv.revision, version: 1, lease: null } };
    }
    return this.#inSession(r, () => this.#write(r, path));
  }

  #inSession(r: RequestRecord, apply: () => { status: number; body: unknown }): { status: number; body: unknown } {
    const header = r.headers['faultline-session'];
    if (!this.sessionsEnabled || header === undefined) return apply();
    const [clientId, seq, ackedSeq] = header.split('/').map(Number);
    const session = this.sessions.get(clientId);
    if (session === undefined) return error(410, 'session_expired');
    if (ackedSeq > session.ackedSeq) {
      session.ackedSeq = ackedSeq;
      for (const s of session.results.keys()) if (s <= ackedSeq) session.results.delete(s);
    }
    const stored = session.results.get(seq);
    if (stored !== undefined) return stored;
    if (seq <= session.ackedSeq) return error(409, 'session_seq_stale');
    if (session.results.size >= 64) return error(429, 'session_window_full');
    const result = apply();
    session.results.set(seq, result);
    return result;
  }

  #write(r: RequestRecord, path: string): { status: number; body: unknown } {
    const body = (r.body ?? {}) as Record<string, unknown>;
    if (path.startsWith('/v1/kv/')) {
      const key = decodeURIComponent(path.slice('/v1/kv/'.length));
      const current = this.kv.get(key);
      if (body.ifRevision !== undefined && (current?.revision ?? 0) !== body.ifRevision) {
        return error(409, 'revision_mismatch', { actualRevision: current?.revision ?? 0 });
      }
      const fence = body.fence as { lock: string; token: number } | undefined;
      if (fence !== undefined && this.locks.get(fence.lock)?.token !== fence.token) return error(409, 'fenced');
      this.applied++;
      if (r.method === 'DELETE') {
        if (current === undefined) return { status: 200, body: { revision: this.revision, deleted: false } };
        this.kv.delete(key);
        return { status: 200, body: { revision: ++this.revision, deleted: true } };
      }
      this.kv.set(key, { value: String(body.value), revision: ++this.revision });
      return { status: 200, body: { revision: this.revision } };
    }
    if (r.method === 'POST' && path === '/v1/leases') {
      const lease = this.#nextLease++;
      this.applied++;
      this.leases.set(lease, { ttlMs: Number(body.ttlMs) });
      return { status: 200, body: { lease, ttlMs: body.ttlMs } };
    }
    const keepalive = /^\/v1\/leases\/(\d+)\/keepalive$/.exec(path);
    if (keepalive !== null) {
      const lease = this.leases.get(Number(keepalive[1]));
      return lease === undefined ? error(404, 'lease_not_found') : { status: 200, body: { lease: Number(keepalive[1]), ttlMs: lease.ttlMs } };
    }
    const revoke = /^\/v1\/leases\/(\d+)$/.exec(path);
    if (revoke !== null && r.method === 'DELETE') {
      const id = Number(revoke[1]);
      if (!this.leases.delete(id)) return error(404, 'lease_not_found');
      for (const [name, lock] of this.locks) if (lock.lease === id) this.locks.delete(name);
      return { status: 200, body: { lease: id } };
    }
    const lock = /^\/v1\/locks\/(.+)$/.exec(path);
    if (lock !== null) {
      const name = decodeURIComponent(lock[1]);
      const held = this.locks.get(name);
      if (r.method === 'POST') {
        const lease = Number(body.lease);
        if (!this.leases.has(lease)) return error(404, 'lease_not_found');
        if (held !== undefined) return error(409, 'lock_held', { token: held.token });
        this.applied++;
        const token = ++this.revision;
        this.locks.set(name, { token, lease });
        return { status: 200, body: { token, lease } };
      }
      if (held === undefined || held.token !== body.token) return error(409, 'not_holder');
      this.locks.delete(name);
      return { status: 200, body: { lock: name, revision: this.revision } };
    }
    return error(404, 'not_found');
  }

  status(): unknown {
    return {
      leader: this.leader === null ? null : `n${this.leader + 1}`,
      term: 3,
      commitIndex: this.revision,
      members: this.endpoints.map((url, i) => ({ id: `n${i + 1}`, httpUrl: url, role: i === this.leader ? 'leader' : 'follower', health: 'up' })),
    };
  }
}

function error(status: number, code: string, details?: Record<string, unknown>): { status: number; body: unknown } {
  return { status, body: { error: { code, message: `${code.replace(/_/g, ' ')}`, ...(details ? { details } : {}) } } };
}
