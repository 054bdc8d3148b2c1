/**
 * The first "Done when", end to end through the CLI binary: three
 * real node processes, `faultline kv put a 1` / `faultline kv get a`, kill -9
 * the leader, keep serving after the re-election, restart it, and read the
 * data back from the restarted node itself.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ChaosCluster, CLI_MAIN } from '../chaos/cluster.js';
import { findLeader } from '../chaos/nemesis.js';

const run = promisify(execFile);
const built = existsSync(CLI_MAIN);
let cluster: ChaosCluster | undefined;

afterAll(async () => {
  await cluster?.stopAll();
});

async function faultline(endpoints: string[], ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI_MAIN, ...args, '--endpoints', endpoints.join(',')], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function leaderWithin(c: ChaosCluster, ms: number): Promise<string> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const leader = await findLeader(c);
    if (leader !== undefined) return leader;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no leader within ${ms} ms`);
}

describe.skipIf(!built)('faultline kv against real processes', () => {
  it('put/get, survive kill -9 of the leader, and the restarted node has the data', async () => {
    cluster = await ChaosCluster.create({ workDir: mkdtempSync(join(tmpdir(), 'faultline-cli-e2e-')), random: () => 0.5, direct: true, logLevel: 'warn' });
    await cluster.startAll();
    const all = cluster.endpoints;
    await leaderWithin(cluster, 15_000);

    expect(await faultline(all, 'kv', 'put', 'a', '1')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^OK \(revision \d+\)\n$/) });
    expect(await faultline(all, 'kv', 'get', 'a')).toMatchObject({ code: 0, stdout: '1\n' });

    const leader = cluster.node(await leaderWithin(cluster, 5000));
    await leader.kill();
    // Still serving after the re-election (the client retries through it).
    expect(await faultline(all, 'kv', 'put', 'b', '2')).toMatchObject({ code: 0 });
    expect(await faultline(all, 'kv', 'get', 'a')).toMatchObject({ code: 0, stdout: '1\n' });
    const newLeader = await leaderWithin(cluster, 10_000);
    expect(newLeader).not.toBe(leader.id);

    await leader.start();
    // The restarted node catches up: a stale read served by it alone sees both writes.
    let seen = '';
    for (let i = 0; i < 50 && seen !== '1\n2\n'; i++) {
      const a = await faultline([leader.httpUrl], 'kv', 'get', 'a', '--stale');
      const b = await faultline([leader.httpUrl], 'kv', 'get', 'b', '--stale');
      seen = a.stdout + b.stdout;
      if (seen !== '1\n2\n') await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toBe('1\n2\n');
    const status = await faultline(all, 'status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, leader: expect.any(String) });
  }, 90_000);
});
