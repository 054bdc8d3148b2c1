/**
 * Real `faultline start` processes on loopback (random free ports, temp
 * dirs): a 3-node cluster serving through any node, kill -9 of the leader,
 * re-election, restart and rejoin with data intact, bad HTTP and peer input
 * against live nodes, and recovery of a data directory (torn tail → starts;
 * mid-log corruption → refuses, exit 1, one sentence). Needs `npm run build`.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, waitFor } from './testing/harness.js';
import { impostorHandshake, sendGarbage, sendTruncatedFrame } from './testing/peer-attacks.js';
import { corruptMidLog, startTestCluster, tearLastRecord, tearTail, waitForLeader } from './testing/processes.js';
import type { TestCluster } from './testing/processes.js';

const IDS = ['n1', 'n2', 'n3'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function timedPuts(url: string, count: number, prefix: string): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await call(url, 'PUT', `/v1/kv/${prefix}-${i}`, { value: String(i) });
    ms.push(performance.now() - t0);
    expect(r.status).toBe(200);
  }
  return ms.sort((a, b) => a - b);
}

describe('a 3-node cluster of real processes', () => {
  let tc: TestCluster;
  let leader: string;
  let killed: string;

  beforeAll(async () => {
    tc = await startTestCluster(3);
  });
  afterAll(async () => {
    await tc?.cluster.stop(3000);
    if (tc) rmSync(tc.dataDir, { recursive: true, force: true });
  });

  it('elects a leader and serves put/get through any node (followers forward)', async () => {
    leader = await waitForLeader(tc, IDS);
    const follower = IDS.find((id) => id !== leader)!;
    const put = await call(tc.url(follower), 'PUT', '/v1/kv/a', { value: '1' });
    expect(put.status).toBe(200);
    for (const id of IDS) {
      const got = await call(tc.url(id), 'GET', '/v1/kv/a');
      expect(got.status).toBe(200);
      expect(got.body.value).toBe('1');
    }
    const cluster = await call(tc.url(follower), 'GET', '/v1/cluster');
    expect(cluster.body.members.map((m: { id: string }) => m.id)).toEqual(IDS);
    expect(cluster.body.members.find((m: { id: string }) => m.id === leader).role).toBe('leader');
    await waitFor(async () => (await call(tc.url(follower), 'GET', '/ready')).status === 200, 5000, 'the follower to be ready');
    const metrics = (await call(tc.url(leader), 'GET', '/metrics')).body as string;
    expect(Number(/faultline_fsync_duration_seconds_count\{[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/faultline_raft_proposals_total\{[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/faultline_raft_commits_total\{[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/faultline_raft_elections_total\{[^}]*\} \d+/);
    expect(metrics.match(/^faultline_peer_phi\{peer="n\d"/gm)).toHaveLength(2);
    const viaLeader = await timedPuts(tc.url(leader), 50, 'lat-leader');
    const viaFollower = await timedPuts(tc.url(follower), 50, 'lat-follower');
    console.log(
      `put latency, 3-node loopback cluster, sequential: via leader p50 ${percentile(viaLeader, 0.5).toFixed(2)} ms p99 ${percentile(viaLeader, 0.99).toFixed(2)} ms; ` +
        `via follower p50 ${percentile(viaFollower, 0.5).toFixed(2)} ms p99 ${percentile(viaFollower, 0.99).toFixed(2)} ms`,
    );
  });

  it('answers bad HTTP input with 400/413 naming the field, and keeps serving', async () => {
    const url = tc.url(leader);
    const big = await call(url, 'PUT', '/v1/kv/big', 'x'.repeat(1024 * 1024));
    expect(big.status).toBe(413);
    expect(big.body.error.details.field).toBe('body');
    const malformed = await call(url, 'PUT', '/v1/kv/k', '{"value":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.field).toBe('body');
    const wrongType = await call(url, 'PUT', '/v1/kv/k', { value: ['not', 'a', 'string'] });
    expect(wrongType.body.error.details.field).toBe('value');
    const badKey = await call(url, 'PUT', `/v1/kv/${'k'.repeat(2000)}`, { value: 'x' });
    expect(badKey.status).toBe(413);
    expect(badKey.body.error.details.field).toBe('key');
    expect((await call(url, 'PUT', '/v1/kv/after-bad-input', { value: 'ok' })).status).toBe(200);
  });

  it('refuses garbage, truncated frames and a wrong-secret peer on a live node, and the cluster keeps serving', async () => {
    const target = tc.cluster.node(IDS.find((id) => id !== leader)!);
    const [host, port] = [target.peerAddress.split(':')[0]!, Number(target.peerAddress.split(':')[1])];
    await sendGarbage(host, port, Buffer.alloc(64, 0xff));
    await sendTruncatedFrame(host, port);
    const r = await impostorHandshake(host, port, { from: leader, to: target.id, secret: 'not-the-cluster-secret-at-all' });
    expect(r.gotChallenge).toBe(true);
    const metrics = (await call(target.httpUrl, 'GET', '/metrics')).body as string;
    expect(Number(/faultline_transport_events\{kind="badFrames",[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(/faultline_transport_events\{kind="authFailures",[^}]*\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect((await call(target.httpUrl, 'PUT', '/v1/kv/after-peer-attack', { value: 'ok' })).status).toBe(200);
    // All three still agree on a leader (on a loaded machine it may legitimately have changed).
    leader = await waitForLeader(tc, IDS);
  });

  it('kill -9 of the leader: the others re-elect and keep serving', async () => {
    for (let i = 0; i < 20; i++) expect((await call(tc.url(leader), 'PUT', `/v1/kv/before-${i}`, { value: String(i) })).status).toBe(200);
    killed = leader;
    const survivors = IDS.filter((id) => id !== killed);
    const t0 = performance.now();
    await tc.cluster.kill(killed);
    let electedMs = 0;
    await waitFor(
      async () => {
        const views = await Promise.all(survivors.map(async (id) => (await call(tc.url(id), 'GET', '/v1/cluster')).body.leader as string | null));
        const ok = views[0] !== null && views[0] !== killed && views.every((v) => v === views[0]);
        if (ok) electedMs = performance.now() - t0;
        return ok;
      },
      15_000,
      'the survivors to agree on a new leader',
    );
    let attempts = 0;
    await waitFor(
      async () => {
        attempts++;
        const res = await fetch(`${tc.url(survivors[attempts % 2]!)}/v1/kv/after-failover`, {
          method: 'PUT',
          body: JSON.stringify({ value: 'yes' }),
          signal: AbortSignal.timeout(500),
        });
        return res.status === 200;
      },
      15_000,
      'a write to succeed after the leader died',
    );
    const writeMs = performance.now() - t0;
    leader = await waitForLeader(tc, survivors);
    expect(survivors).toContain(leader);
    console.log(
      `failover after kill -9 of the leader: survivors agree on a new leader (${leader}) ${electedMs.toFixed(0)} ms after the kill; ` +
        `first successful write (500 ms client timeout per attempt) ${writeMs.toFixed(0)} ms after it`,
    );
    for (const id of survivors) {
      expect((await call(tc.url(id), 'GET', '/v1/kv/before-19')).body.value).toBe('19');
      expect((await call(tc.url(id), 'GET', '/v1/kv/after-failover')).body.value).toBe('yes');
    }
    const c = await call(tc.url(leader), 'GET', '/v1/cluster');
    await waitFor(async () => {
      const m = (await call(tc.url(leader), 'GET', '/v1/cluster')).body.members.find((x: { id: string }) => x.id === killed);
      return m.health !== 'up';
    }, 10_000, `the dead node to be suspected`);
    expect(c.status).toBe(200);
  });

  it('the restarted node rejoins with its data intact and catches up', async () => {
    for (let i = 0; i < 10; i++) expect((await call(tc.url(leader), 'PUT', `/v1/kv/while-down-${i}`, { value: String(i) })).status).toBe(200);
    await tc.cluster.restart(killed);
    await waitForLeader(tc, IDS);
    await waitFor(async () => (await call(tc.url(killed), 'GET', '/v1/kv/while-down-9?consistency=stale')).body.value === '9', 10_000, 'the restarted node to catch up');
    for (let i = 0; i < 20; i++) {
      expect((await call(tc.url(killed), 'GET', `/v1/kv/before-${i}?consistency=stale`)).body.value).toBe(String(i));
    }
    expect((await call(tc.url(killed), 'GET', '/v1/kv/a')).body.value).toBe('1');
    expect((await call(tc.url(killed), 'PUT', '/v1/kv/after-rejoin', { value: 'ok' })).status).toBe(200);
  });

  it('SIGTERM stops a node cleanly (exit 0) and the cluster keeps a quorum', async () => {
    const victim = IDS.find((id) => id !== leader)!;
    tc.cluster.signal(victim, 'SIGTERM');
    const exit = await tc.cluster.node(victim).exited;
    expect(exit.code).toBe(0);
    expect((tc.logs.get(victim) ?? []).some((l) => l.includes('"event":"server.stopped"'))).toBe(true);
    expect((await call(tc.url(leader), 'PUT', '/v1/kv/after-sigterm', { value: 'ok' })).status).toBe(200);
  });
});

describe('recovery of a data directory', () => {
  let tc: TestCluster;
  beforeAll(async () => {
    tc = await startTestCluster(1);
    await waitForLeader(tc, ['n1']);
    for (let i = 0; i < 40; i++) expect((await call(tc.url('n1'), 'PUT', `/v1/kv/k${i}`, { value: `v${i}`.repeat(50) })).status).toBe(200);
    await tc.cluster.stop();
  });
  afterAll(async () => {
    await tc?.cluster.stop(3000);
    if (tc) rmSync(tc.dataDir, { recursive: true, force: true });
  });

  it('a torn record at the tail is cut off with a warning, and the node starts with its data', async () => {
    await tearLastRecord(tc.cluster.node('n1').dataDir);
    await tc.cluster.restart('n1');
    await waitForLeader(tc, ['n1']);
    expect((await call(tc.url('n1'), 'GET', '/v1/kv/k39')).body.value).toBe('v39'.repeat(50));
    const warning = (tc.logs.get('n1') ?? []).find((l) => l.includes('"event":"recovery.torn-tail"'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!).level).toBe(40);
    expect((await call(tc.url('n1'), 'PUT', '/v1/kv/after-torn-record', { value: 'kept' })).status).toBe(200);
    await tc.cluster.stop();
    await tc.cluster.restart('n1');
    await waitForLeader(tc, ['n1']);
    expect((await call(tc.url('n1'), 'GET', '/v1/kv/after-torn-record')).body.value).toBe('kept');
    await tc.cluster.stop();
  });

  it('a torn storage frame at the tail: the node starts with a warning, and what it writes afterwards survives the next restart', async () => {
    try {
      tearTail(tc.cluster.node('n1').dataDir);
      const linesBefore = tc.logs.get('n1')?.length ?? 0;
      await tc.cluster.restart('n1');
      await waitForLeader(tc, ['n1']);
      expect((await call(tc.url('n1'), 'GET', '/v1/kv/k39')).body.value).toBe('v39'.repeat(50));
      expect((tc.logs.get('n1') ?? []).slice(linesBefore).some((l) => l.includes('"event":"recovery.torn-tail"'))).toBe(true);
      expect((await call(tc.url('n1'), 'PUT', '/v1/kv/after-torn-frame', { value: 'kept' })).status).toBe(200);
      await tc.cluster.stop();
      await tc.cluster.restart('n1');
      await waitForLeader(tc, ['n1']);
      expect((await call(tc.url('n1'), 'GET', '/v1/kv/after-torn-frame')).body.value).toBe('kept');
    } finally {
      await tc.cluster.stop();
    }
  });

  it('a record corrupted mid-log in one storage copy only: the node starts from the intact copy with its data', async () => {
    try {
      corruptMidLog(tc.cluster.node('n1').dataDir, 'one-copy');
      await tc.cluster.restart('n1');
      await waitForLeader(tc, ['n1']);
      for (const i of [0, 20, 39]) expect((await call(tc.url('n1'), 'GET', `/v1/kv/k${i}`)).body.value).toBe(`v${i}`.repeat(50));
    } finally {
      await tc.cluster.stop();
    }
  });

  it('a corrupted record mid-log: the node refuses to start, exits 1 and says why in one sentence', async () => {
    corruptMidLog(tc.cluster.node('n1').dataDir);
    await expect(tc.cluster.restart('n1')).rejects.toThrow(/exited before serving/);
    const exit = await tc.cluster.node('n1').exited;
    expect(exit.code).toBe(1);
    const stderr = tc.cluster.node('n1').stderrTail.split('\n').filter((l) => l.startsWith('faultline start:'));
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/refusing to start: .*(corrupt|damaged).*rebuilt from its peers$/);
  });
});
