/**
 * `faultline cluster` as users run it (`npm start` runs exactly this): three
 * node processes come up and elect a leader, a write through one node is read
 * through another, and Ctrl-C (SIGINT) stops every node and exits 0.
 * Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from '../../server/testing/harness.js';
import { CLI_PATH, assertBuilt, freePorts } from '../../server/testing/processes.js';

/** A base port P with P…P+2 and P+100…P+102 free right now. */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const [p] = await freePorts(1);
    const base = p! > 60_000 ? p! - 10_000 : p!;
    const wanted = [base, base + 1, base + 2, base + 100, base + 101, base + 102];
    const got = await freePortsAmong(wanted);
    if (got) return base;
  }
  throw new Error('no free base port found');
}

async function freePortsAmong(ports: number[]): Promise<boolean> {
  const { createServer } = await import('node:net');
  const servers: import('node:net').Server[] = [];
  try {
    for (const port of ports) {
      await new Promise<void>((res, rej) => {
        const s = createServer();
        s.once('error', rej);
        s.listen(port, '127.0.0.1', () => {
          servers.push(s);
          res();
        });
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

describe('faultline cluster', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faultline-cluster-cmd-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('brings up 3 nodes that elect a leader, serves through any node, and stops them all on Ctrl-C', async () => {
    assertBuilt();
    const base = await freeBasePort();
    const child = spawn(process.execPath, [CLI_PATH, 'cluster', '--base-port', String(base), '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!/leader: n\d \(term \d+\)/.test(out)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no leader line; stdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(out).toContain(`n1  http http://127.0.0.1:${base}`);
      expect(out).toContain(`n3  http http://127.0.0.1:${base + 2}  peers 127.0.0.1:${base + 102}`);
      expect((await call(`http://127.0.0.1:${base}`, 'PUT', '/v1/kv/a', { value: '1' })).status).toBe(200);
      expect((await call(`http://127.0.0.1:${base + 2}`, 'GET', '/v1/kv/a')).body.value).toBe('1');
      expect(existsSync(join(dataDir, 'cluster.secret'))).toBe(true);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('all nodes stopped.');
    await expect(fetch(`http://127.0.0.1:${base + 1}/health`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
  });
});
