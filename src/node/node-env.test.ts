import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Env, NodeId } from '../env/index.js';
import { isFileDiskError } from './errors.js';
import { type NodeEnvHandle, createNodeEnv } from './node-env.js';

const SECRET = 'node-env-test-secret-0123456789';
const handles: NodeEnvHandle[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function node(nodeId: NodeId, extra: { rngSeed?: number; dataDir?: string } = {}): Promise<NodeEnvHandle> {
  const dataDir = extra.dataDir ?? mkdtempSync(join(tmpdir(), `faultline-env-${nodeId}-`));
  if (extra.dataDir === undefined) dirs.push(dataDir);
  const h = await createNodeEnv({ nodeId, dataDir, listen: { host: '127.0.0.1', port: 0 }, peers: {}, clusterSecret: SECRET, log: false, rngSeed: extra.rngSeed });
  handles.push(h);
  return h;
}

function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 5);
    };
    tick();
  });
}

/** A tiny protocol written only against Env: ping on a timer, persist what arrives, fsync, then ack. */
function pingPong(env: Env, peer: NodeId, got: string[]): void {
  env.onMessage((from, message) => {
    const m = message as { kind: string; n: number };
    if (m.kind === 'ping') {
      env.disk.append('inbox', new TextEncoder().encode(`${from}:${m.n}\n`));
      env.disk.fsync('inbox', (error) => {
        if (error === undefined) env.send(from, { kind: 'pong', n: m.n });
      });
    } else {
      got.push(`pong ${m.n}`);
    }
  });
  env.setTimer(1, () => env.send(peer, { kind: 'ping', n: env.rng.int(1000) }));
}

describe('createNodeEnv', () => {
  it('assembles an Env a protocol runs on: timers, TCP messages, append + fsync, then reply', async () => {
    const a = await node('a', { rngSeed: 42 });
    const b = await node('b');
    a.transport.setPeer('b', `127.0.0.1:${b.transport.address().port}`);
    b.transport.setPeer('a', `127.0.0.1:${a.transport.address().port}`);
    const gotA: string[] = [];
    pingPong(a.env, 'b', gotA);
    pingPong(b.env, 'a', []);
    await until(() => gotA.length === 1, 'a pong');
    expect(new TextDecoder().decode(b.env.disk.read('inbox'))).toMatch(/^a:\d+\n$/);
    expect(a.rngSeed).toBe(42);
    expect(a.env.nodeId).toBe('a');
    expect(Math.abs(a.env.wallNowMs() - Date.now())).toBeLessThan(100);
    a.clocks.setWallOffsetMs(60_000);
    expect(a.env.wallNowMs() - Date.now()).toBeGreaterThan(59_000);
  });

  it('is seeded: the same rngSeed gives the same draws', async () => {
    const x = await node('x', { rngSeed: 7 });
    const y = await node('y', { rngSeed: 7 });
    const draws = (env: Env): number[] => Array.from({ length: 5 }, () => env.rng.int(1_000_000));
    expect(draws(x.env)).toEqual(draws(y.env));
  });

  it('after close: timers stop, sends are no-ops, the data directory is released', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'faultline-env-close-'));
    dirs.push(dataDir);
    const h = await createNodeEnv({ nodeId: 'c', dataDir, listen: { host: '127.0.0.1', port: 0 }, peers: {}, clusterSecret: SECRET, log: false });
    let fired = false;
    h.env.setTimer(20, () => (fired = true));
    h.env.disk.append('wal', new Uint8Array([1]));
    await h.close();
    await h.close();
    h.env.send('c', 'x');
    h.env.setTimer(0, () => (fired = true));
    await new Promise((r) => setTimeout(r, 40));
    expect(fired).toBe(false);
    let err: unknown;
    try {
      h.env.disk.append('wal', new Uint8Array([2]));
    } catch (e) {
      err = e;
    }
    expect(isFileDiskError(err) && err.code === 'ECLOSED').toBe(true);
    const again = await node('c', { dataDir }); // the lock was released
    expect(again.env.disk.read('wal')).toEqual(new Uint8Array([1]));
  });

  it('fails fast on a data directory another node holds, and on a taken port', async () => {
    const a = await node('a');
    await expect(
      createNodeEnv({ nodeId: 'a2', dataDir: a.disk.dir, listen: { host: '127.0.0.1', port: 0 }, peers: {}, clusterSecret: SECRET, log: false }),
    ).rejects.toThrow(/already open in this process/);
    const dataDir = mkdtempSync(join(tmpdir(), 'faultline-env-port-'));
    dirs.push(dataDir);
    await expect(
      createNodeEnv({ nodeId: 'b', dataDir, listen: { host: '127.0.0.1', port: a.transport.address().port }, peers: {}, clusterSecret: SECRET, log: false }),
    ).rejects.toThrow(/EADDRINUSE/);
    // The failed start released its disk lock.
    const b = await node('b', { dataDir });
    expect(b.disk.list()).toEqual([]);
  });

  it('logs JSON lines tagged with the node id by default', async () => {
    const lines: string[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'faultline-env-log-'));
    dirs.push(dataDir);
    const h = await createNodeEnv({
      nodeId: 'logger',
      dataDir,
      listen: { host: '127.0.0.1', port: 0 },
      peers: {},
      clusterSecret: SECRET,
      log: (event, fields) => lines.push(JSON.stringify({ event, ...fields })),
    });
    handles.push(h);
    h.env.log('raft.tick', { term: 1 });
    expect(lines.some((l) => l.includes('"node.env-started"'))).toBe(true);
    expect(lines.some((l) => l.includes('"raft.tick"'))).toBe(true);
  });
});
