/** Test helpers: an in-process node over the fake replica, and small HTTP helpers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseRaftTiming } from '../config.js';
import type { ServerConfig } from '../config.js';
import { startNode } from '../node.js';
import type { RunningNode } from '../node.js';
import { fakeReplicaFactory } from './fake-replica.js';
import type { FakeReplica } from './fake-replica.js';

export const TEST_SECRET = 'test-cluster-secret-0123456789';

export interface FakeNode {
  readonly node: RunningNode;
  readonly replica: FakeReplica;
  readonly url: string;
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startFakeNode(overrides: Partial<ServerConfig> = {}): Promise<FakeNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faultline-server-'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  const factory = fakeReplicaFactory();
  const config: ServerConfig = {
    id: 'n1',
    peers: { n1: '127.0.0.1:1' },
    listen: { host: '127.0.0.1', port: 0 },
    http: { host: '127.0.0.1', port: 0 },
    dataDir,
    clusterSecret: TEST_SECRET,
    token: undefined,
    httpPeers: {},
    allowClockSkew: false,
    logLevel: 'info',
    raftTiming: parseRaftTiming(undefined, undefined),
    ...overrides,
  };
  const node = await startNode(config, { createReplica: factory.create, logDestination: sink });
  return {
    node,
    replica: factory.made[0]!,
    url: node.httpUrl,
    logs,
    close: async () => {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface JsonResponse {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly headers: Headers;
}

export async function call(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(url + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Poll `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
