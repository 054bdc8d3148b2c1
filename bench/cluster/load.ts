/**
 * The load generator both systems get: `concurrency` closed-loop clients in
 * this process, each sending one HTTP/JSON request, waiting for the answer,
 * sending the next — over keep-alive connections (one per client). Every
 * latency after the warm-up is kept; throughput is successful ops over the
 * measured window.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Request {
  readonly method: 'GET' | 'PUT' | 'POST';
  /** Path on the chosen endpoint. */
  readonly path: string;
  readonly body?: string;
}

export interface LoadOptions {
  /** Base URLs; client i sends to endpoints[i % endpoints.length]. */
  readonly endpoints: readonly string[];
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The request client `c` sends as its `n`-th. */
  readonly request: (client: number, n: number) => Request;
  /** Whether a response is a success (status and body). */
  readonly ok: (status: number, body: string) => boolean;
}

export interface LoadResult {
  readonly ops: number;
  readonly errors: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The first error seen, for the report. */
  readonly firstError: string | undefined;
}

function send(agent: http.Agent, base: URL, req: Request): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(req.body);
    }
    const r = http.request({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const bases = options.endpoints.map((e) => new URL(e));
  try {
    return await closedLoop(options, async (c, n) => {
      const res = await send(agent, bases[c % bases.length], options.request(c, n));
      return options.ok(res.status, res.body) ? undefined : `${res.status} ${res.body.slice(0, 200)}`;
    });
  } finally {
    agent.destroy();
  }
}

/** The same closed loop, but each client runs `op(client, n)` (e.g. a faultline/client call) instead of a raw request. */
export function runOpLoad(options: {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly op: (client: number, n: number) => Promise<unknown>;
}): Promise<LoadResult> {
  return closedLoop(options, async (c, n) => {
    await options.op(c, n);
    return undefined;
  });
}

/**
 * `concurrency` clients, each calling `attempt(client, n)` back to back until
 * the window ends. An attempt fails by resolving to a message or by throwing;
 * only attempts that start after the warm-up and end inside the window count.
 */
async function closedLoop(
  options: { readonly concurrency: number; readonly warmupMs: number; readonly durationMs: number },
  attempt: (client: number, n: number) => Promise<string | undefined>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const measureFromMs = performance.now() + options.warmupMs;
  const endMs = measureFromMs + options.durationMs;
  const client = async (c: number): Promise<void> => {
    for (let n = 0; ; n++) {
      const t0 = performance.now();
      if (t0 >= endMs) return;
      let failure: string | undefined;
      try {
        failure = await attempt(c, n);
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      if (failure !== undefined && firstError === undefined) firstError = failure;
      const t1 = performance.now();
      if (t0 >= measureFromMs && t1 <= endMs) {
        if (failure === undefined) latencies.push(t1 - t0);
        else errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, c) => client(c)));
  const sorted = Float64Array.from(latencies).sort();
  return {
    ops: sorted.length,
    errors,
    opsPerSecond: sorted.length / (options.durationMs / 1000),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1] : NaN,
    firstError,
  };
}
