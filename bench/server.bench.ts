/**
 * Cost of the HTTP layer alone: PUT /v1/kv/{key} against a node whose
 * replica is the in-memory fake (no Raft, no fsync), versus a bare node:http
 * server that parses the same JSON body and answers the same shape — both in
 * this process, driven by the same keep-alive load generator at 1, 16 and 64
 * clients. The ratio is what validation, idempotency plumbing, metrics and
 * routing cost per request; the cluster benchmark (`npm run bench:cluster`)
 * measures the real thing end to end.
 */
import { createServer, Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { printTable } from './harness.js';
import { startFakeNode } from '../src/server/testing/harness.js';

const DURATION_MS = 1500;
const BODY = JSON.stringify({ value: 'v'.repeat(100) });

interface LoadResult {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

async function load(baseUrl: string, clients: number): Promise<LoadResult> {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const put = (i: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: `/v1/kv/bench-${i % 1000}`, method: 'PUT', agent, headers: { 'content-length': Buffer.byteLength(BODY) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(BODY);
    });
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const endAt = performance.now() + DURATION_MS;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < endAt) {
        const t0 = performance.now();
        const status = await put(n++);
        if (status === 200) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    opsPerSec: latencies.length / (DURATION_MS / 1000),
    p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? NaN,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
    errors,
  };
}

async function bareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  let revision = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value?: unknown };
      const text = JSON.stringify(typeof body.value === 'string' ? { revision: ++revision, createRevision: revision, version: 1 } : { error: 'bad' });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export async function run(): Promise<void> {
  const node = await startFakeNode();
  const bare = await bareServer();
  const rows: Array<Record<string, string | number>> = [];
  try {
    for (const clients of [1, 16, 64]) {
      await load(node.url, clients); // warm-up pass, discarded
      const f = await load(node.url, clients);
      const b = await load(bare.url, clients);
      rows.push({
        clients,
        'faultline ops/s': Math.round(f.opsPerSec),
        'p50 ms': f.p50Ms.toFixed(2),
        'p99 ms': f.p99Ms.toFixed(2),
        'bare node:http ops/s': Math.round(b.opsPerSec),
        'bare p50 ms': b.p50Ms.toFixed(2),
        'faultline / bare': (f.opsPerSec / b.opsPerSec).toFixed(2),
        errors: f.errors + b.errors,
      });
    }
  } finally {
    await node.close();
    await bare.close();
  }
  console.log('PUT /v1/kv/{key} (100-byte value) over HTTP/1.1 keep-alive, in-memory replica vs a bare node:http JSON server');
  printTable(rows);
}
