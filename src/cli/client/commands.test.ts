import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createClientWithRuntime } from '../../client/index.js';
import { FakeCluster } from '../../client/__fixtures__/fake-cluster.js';
import { SeededRng } from '../../core/random/index.js';
import { ManualTimekeeper } from '../../core/resilience/index.js';
import { registerIdCommand } from '../commands/id.js';
import { registerKvCommand } from '../commands/kv.js';
import { registerLeaseCommand } from '../commands/lease.js';
import { registerLockCommand } from '../commands/lock.js';
import { registerStatusCommand } from '../commands/status.js';
import { EXIT } from '../exit-codes.js';
import type { ClientIo } from './run.js';

const URLS = ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://127.0.0.1:7003'];

function harness() {
  const tk = new ManualTimekeeper(0);
  const cluster = new FakeCluster({ endpoints: URLS, timekeeper: tk });
  let out = '';
  let err = '';
  const io: ClientIo = {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    createClient: (options) => createClientWithRuntime(options, { transport: cluster.transport, timekeeper: tk, rng: new SeededRng(3) }),
  };
  const program = new Command().exitOverride();
  for (const register of [registerKvCommand, registerLockCommand, registerLeaseCommand, registerIdCommand, registerStatusCommand]) register(program, io);
  const run = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    out = '';
    err = '';
    process.exitCode = undefined;
    let settled = false;
    const p = program.parseAsync(['node', 'faultline', ...args]).finally(() => (settled = true));
    while (!settled) {
      await tk.advance(0);
      if (settled) break;
      if (tk.nextDueMs === undefined) await new Promise((r) => setImmediate(r));
      else await tk.advance(tk.nextDueMs - tk.now());
    }
    await p;
    const code = Number(process.exitCode ?? 0);
    process.exitCode = undefined;
    return { code, out, err };
  };
  return { run, cluster };
}

describe('faultline client commands', () => {
  it('kv put then kv get prints the value; a missing key exits 1 with one sentence', async () => {
    const { run } = harness();
    expect(await run('kv', 'put', 'a', '1')).toMatchObject({ code: 0, out: 'OK (revision 1)\n' });
    expect(await run('kv', 'get', 'a')).toMatchObject({ code: 0, out: '1\n' });
    const missing = await run('kv', 'get', 'nope');
    expect(missing.code).toBe(EXIT.violation);
    expect(missing.err).toBe('faultline kv get: key "nope" not found.\n');
    const json = await run('kv', 'get', 'a', '--json');
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, key: 'a', value: '1', revision: 1, modRevision: 1 });
  });

  it('a refused conditional put exits 1; a bad flag exits 2 without sending', async () => {
    const { run, cluster } = harness();
    await run('kv', 'put', 'a', '1');
    const refused = await run('kv', 'put', 'a', '2', '--if-revision', '9');
    expect(refused.code).toBe(EXIT.violation);
    expect(refused.err).toMatch(/^faultline kv put: kv\.put: revision mismatch\.\n$/);
    const before = cluster.requests.length;
    const bad = await run('kv', 'put', 'a', '2', '--if-revision', 'x');
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toMatch(/--if-revision must be an integer/);
    expect(cluster.requests.length).toBe(before);
    expect((await run('kv', 'get', 'a', '--endpoints', 'not a url')).code).toBe(EXIT.usage);
  });

  it('an unreachable cluster is exit 3 (unknown), and says a write may have applied', async () => {
    const { run, cluster } = harness();
    cluster.fault = (req) => (req.method === 'PUT' ? 'hang' : undefined);
    const r = await run('kv', 'put', 'a', '1', '--timeout', '3000');
    expect(r.code).toBe(EXIT.unknown);
    expect(r.err).toMatch(/outcome is unknown/);
    expect(r.err.trim().split('\n').length).toBe(1);
  });

  it('lock acquire grants a lease and prints the token; a second acquire exits 1; release frees it', async () => {
    const { run } = harness();
    const first = await run('lock', 'acquire', 'job', '--json');
    const { token, lease } = JSON.parse(first.out) as { token: number; lease: number };
    expect(first.code).toBe(0);
    expect(token).toBeGreaterThan(0);
    expect((await run('lock', 'acquire', 'job')).code).toBe(EXIT.violation);
    expect((await run('kv', 'put', 'x', 'y', '--fence', `job:${token}`)).code).toBe(0);
    expect((await run('lock', 'release', 'job', String(token))).code).toBe(0);
    expect((await run('kv', 'put', 'x', 'z', '--fence', `job:${token}`)).code).toBe(EXIT.violation);
    expect((await run('lease', 'revoke', String(lease))).code).toBe(0);
  });

  it('lease grant, id and status', async () => {
    const { run } = harness();
    expect((await run('lease', 'grant', '5000')).out).toBe('lease 1 (ttl 5000 ms)\n');
    expect((await run('id')).out).toMatch(/^\d+\n$/);
    expect((await run('id', '--count', '3')).out.trim().split('\n').length).toBe(3);
    const status = await run('status');
    expect(status.out).toMatch(/^leader: n1 at http:\/\/127\.0\.0\.1:7001 {3}term: 3/);
    expect(status.out).toMatch(/n1\* +http:\/\/127\.0\.0\.1:7001 +leader +up/);
  });
});
