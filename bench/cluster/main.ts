/**
 * `npm run bench:cluster`: a 3-node Faultline cluster and, in the same run, a
 * 3-member etcd cluster, both fsyncing, on loopback, driven by the same
 * closed-loop HTTP/JSON load generator (load.ts): puts and linearizable gets
 * at 1, 16 and 64 concurrent clients; ops/s, p50, p99, and the servers' CPU
 * time per operation.
 *
 * Both clusters are up for the whole run, and only the one being measured
 * runs: the other's processes are stopped (SIGSTOP) meanwhile. The systems
 * alternate point by point (Faultline first in odd rounds, etcd first in
 * even ones) for `--rounds` rounds, so a slow minute on this shared machine
 * hits both; the table gives each point's median over the rounds and the
 * median of the per-round ratios, with their range.
 *
 *   node dist-bench/bench/cluster/main.js [--seconds 5] [--warmup 1] [--system-warmup 10] [--clients 1,16,64] [--rounds 3]
 *                                         [--mode leader|spread] [--skip-etcd] [--ops put,get,client-put,floor]
 *                                         [--node-flags "--cpu-prof --cpu-prof-dir=DIR"] [--start-args "--heartbeat-interval-ms 100 …"]
 *                                         [--json FILE]
 *
 * The nodes run dist/ (a copy taken at start): `npm run build` first.
 *
 * `client-put`: puts through faultline/client (session, Idempotency-Key,
 * retries), Faultline only, in every round after its raw points; the ratio
 * is against the same round's plain etcd put.
 *
 * `leader` (default): every client talks to the leader, the best case for
 * both (faultline/client routes there too). `spread`: clients round-robin
 * over all members, so followers forward.
 *
 * `floor` (after the rounds, with both clusters stopped): the same puts
 * against a bare node:http server (floor-server.ts: JSON in, JSON out, a
 * Map, no replication). The last table sets every system's CPU per put
 * beside it — the share of a put's cost that is the load generator and
 * HTTP/JSON on node:http, paid before any replication.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ChaosCluster } from '../../src/cli/chaos/cluster.js';
import { findLeader } from '../../src/cli/chaos/nemesis.js';
import { cpuMs, mainThreadCpuMs } from './cpu.js';
import { findOrInstallEtcd, startEtcd } from './etcd.js';
import { runLoad, runOpLoad } from './load.js';
import { createClient } from '../../src/client/index.js';
import type { LoadResult, Request } from './load.js';

interface Flags {
  seconds: number;
  warmup: number;
  /** Seconds of load on each system before its first measurement: half puts, half gets (with `--ops put`, only the put half runs). */
  systemWarmup: number;
  clients: number[];
  mode: 'leader' | 'spread';
  skipEtcd: boolean;
  /** Which measurements to run (all by default). */
  ops: ReadonlyArray<Op>;
  /** Flags for `node` itself on every Faultline node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  nodeFlags: string[];
  /** Extra `faultline start` flags for every node, e.g. `--heartbeat-interval-ms 100 --election-timeout-ms 1000`. */
  startArgs: string[];
  json: string | undefined;
  /** Rounds of every measured point; the systems alternate point by point. */
  rounds: number;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    seconds: 5,
    warmup: 1,
    systemWarmup: 10,
    clients: [1, 16, 64],
    mode: 'leader',
    skipEtcd: false,
    ops: ['put', 'get', 'client-put', 'floor'],
    nodeFlags: [],
    startArgs: [],
    json: undefined,
    rounds: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${a} needs a value`);
      return next;
    };
    if (a === '--seconds') flags.seconds = Number(v());
    else if (a === '--warmup') flags.warmup = Number(v());
    else if (a === '--system-warmup') flags.systemWarmup = Number(v());
    else if (a === '--clients') flags.clients = v().split(',').map(Number);
    else if (a === '--mode') {
      const mode = v();
      if (mode !== 'leader' && mode !== 'spread') throw new Error(`--mode: leader or spread, got ${mode}`);
      flags.mode = mode;
    }
    else if (a === '--skip-etcd') flags.skipEtcd = true;
    else if (a === '--ops') flags.ops = v().split(',').map(parseOp);
    else if (a === '--node-flags') flags.nodeFlags = v().split(' ').filter((f) => f !== '');
    else if (a === '--start-args') flags.startArgs = v().split(' ').filter((f) => f !== '');
    else if (a === '--json') flags.json = v();
    else if (a === '--rounds') flags.rounds = Number(v());
    else throw new Error(`unknown flag ${a}`);
  }
  if (!(flags.seconds > 0) || !flags.clients.every((c) => Number.isInteger(c) && c > 0)) throw new Error('bad --seconds or --clients');
  if (!Number.isInteger(flags.rounds) || flags.rounds < 1) throw new Error('--rounds must be a positive integer');
  return flags;
}

type Op = 'put' | 'get' | 'client-put' | 'floor';

function parseOp(op: string): Op {
  if (op === 'put' || op === 'get' || op === 'client-put' || op === 'floor') return op;
  throw new Error(`--ops: unknown op ${op} (put, get, client-put, floor)`);
}

const KEYS = 1000;
const VALUE = 'v'.repeat(128);
const keyOf = (c: number, n: number): string => `bench-${(c * 7919 + n) % KEYS}`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

interface Target {
  readonly system: 'faultline' | 'etcd' | 'floor';
  readonly endpoints: string[];
  readonly pids: () => number[];
  /** The process of the member the load goes to in `leader` mode. */
  readonly leaderPid: () => number | undefined;
  readonly put: (c: number, n: number) => Request;
  readonly get: (c: number, n: number) => Request;
  readonly okPut: (status: number, body: string) => boolean;
  readonly okGet: (status: number, body: string) => boolean;
  /** Waited-for fsyncs on the node the load goes to: count and total seconds (Faultline's /metrics). */
  readonly fsyncs?: () => Promise<{ count: number; seconds: number } | undefined>;
}

interface Row {
  readonly system: string;
  /** 1-based round (the floor: always 1). */
  readonly round: number;
  readonly op: 'put' | 'get' | 'client-put';
  readonly clients: number;
  readonly result: LoadResult;
  readonly serverCpuMsPerOp: number;
  /** The leader process alone (all its threads), per op. */
  readonly leaderCpuMsPerOp: number;
  /** Share of the wall time the leader's main thread (its event loop) was on a CPU, 0 … 1. */
  readonly leaderMainBusy: number;
  /** This process (the load generator), per op: it shares the machine's cores with the servers. */
  readonly loadCpuMsPerOp: number;
  /** Faultline: the leader's persist-and-fsync rounds per op, and their mean duration. */
  readonly fsyncsPerOp?: number;
  readonly fsyncMeanMs?: number;
}

const faultlineBodies = new Map<string, string>();
const etcdPutBodies = new Map<string, string>();
const etcdGetBodies = new Map<string, string>();
for (let k = 0; k < KEYS; k++) {
  const key = `bench-${k}`;
  faultlineBodies.set(key, JSON.stringify({ value: VALUE }));
  etcdPutBodies.set(key, JSON.stringify({ key: b64(key), value: b64(VALUE) }));
  etcdGetBodies.set(key, JSON.stringify({ key: b64(key) }));
}

async function scrapeFsyncs(endpoint: string): Promise<{ count: number; seconds: number } | undefined> {
  try {
    const text = await (await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const count = /^faultline_fsync_duration_seconds_count(?:\{[^}]*\})? (\S+)$/m.exec(text);
    const sum = /^faultline_fsync_duration_seconds_sum(?:\{[^}]*\})? (\S+)$/m.exec(text);
    return count && sum ? { count: Number(count[1]), seconds: Number(sum[1]) } : undefined;
  } catch {
    return undefined;
  }
}

function faultlineTarget(endpoints: string[], pids: () => number[], leaderPid: () => number | undefined): Target {
  return {
    system: 'faultline',
    endpoints,
    pids,
    leaderPid,
    fsyncs: () => scrapeFsyncs(endpoints[0]),
    put: (c, n) => ({ method: 'PUT', path: `/v1/kv/${keyOf(c, n)}`, body: faultlineBodies.get(keyOf(c, n)) }),
    get: (c, n) => ({ method: 'GET', path: `/v1/kv/${keyOf(c, n)}` }),
    okPut: (status) => status === 200,
    okGet: (status) => status === 200,
  };
}

function etcdTarget(endpoints: string[], pids: number[], leaderPid: number | undefined): Target {
  return {
    system: 'etcd',
    endpoints,
    pids: () => pids,
    leaderPid: () => leaderPid,
    put: (c, n) => ({ method: 'POST', path: '/v3/kv/put', body: etcdPutBodies.get(keyOf(c, n)) }),
    get: (c, n) => ({ method: 'POST', path: '/v3/kv/range', body: etcdGetBodies.get(keyOf(c, n)) }),
    okPut: (status, body) => status === 200 && !body.includes('"error"'),
    okGet: (status, body) => status === 200 && body.includes('"kvs"'),
  };
}

/** The measured ops that are plain HTTP requests (client-put goes through faultline/client). */
function rawOps(flags: Flags): Array<'put' | 'get'> {
  return (['put', 'get'] as const).filter((op) => flags.ops.includes(op));
}

/**
 * Load each system for a while before measuring: V8 needs seconds of traffic
 * to optimise the hot paths (etcd is compiled ahead of time). Half of
 * `--system-warmup` per raw op, and as much again through faultline/client
 * when its puts are measured.
 */
async function warmUp(target: Target, flags: Flags): Promise<void> {
  for (const op of rawOps(flags)) {
    await runLoad({
      endpoints: target.endpoints,
      concurrency: 16,
      warmupMs: 0,
      durationMs: flags.systemWarmup * 500,
      request: op === 'put' ? target.put : target.get,
      ok: op === 'put' ? target.okPut : target.okGet,
    });
  }
  // The client library runs in this process: it needs its warm-up too.
  if (target.system === 'faultline' && flags.ops.includes('client-put')) await runClientPuts(target.endpoints, 16, 0, flags.systemWarmup * 500);
}

/** Closed-loop puts through faultline/client, one client object per load client. */
async function runClientPuts(endpoints: readonly string[], concurrency: number, warmupMs: number, durationMs: number): Promise<LoadResult> {
  const pool = Array.from({ length: concurrency }, () => createClient({ endpoints: [...endpoints] }));
  try {
    return await runOpLoad({ concurrency, warmupMs, durationMs, op: (c, n) => pool[c].kv.put(keyOf(c, n), VALUE) });
  } finally {
    for (const client of pool) client.close();
  }
}

async function measurePoint(target: Target, op: 'put' | 'get', clients: number, round: number, flags: Flags, log: (line: string) => void): Promise<Row> {
  const fsyncBefore = await target.fsyncs?.();
  const cpuBefore = sampleCpu(target);
  const result = await runLoad({
    endpoints: target.endpoints,
    concurrency: clients,
    warmupMs: flags.warmup * 1000,
    durationMs: flags.seconds * 1000,
    request: op === 'put' ? target.put : target.get,
    ok: op === 'put' ? target.okPut : target.okGet,
  });
  const cpu = cpuSince(target, cpuBefore);
  const fsyncAfter = await target.fsyncs?.();
  // CPU over warm-up + measurement, divided by the ops of both (warm-up ops ≈ rate × warm-up).
  const totalOps = result.ops * ((flags.warmup + flags.seconds) / flags.seconds);
  const row: Row = { system: target.system, round, op, clients, result, ...perOp(cpu, totalOps) };
  if (fsyncBefore !== undefined && fsyncAfter !== undefined && fsyncAfter.count > fsyncBefore.count) {
    const n = fsyncAfter.count - fsyncBefore.count;
    Object.assign(row, { fsyncsPerOp: n / totalOps, fsyncMeanMs: ((fsyncAfter.seconds - fsyncBefore.seconds) * 1000) / n });
  }
  log(
    `  r${round} ${target.system.padEnd(9)} ${op} ×${String(clients).padStart(2)}: ${result.opsPerSecond.toFixed(0).padStart(6)} ops/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms` +
      cpuText(row) +
      (row.fsyncsPerOp === undefined ? '' : `  leader fsync rounds ${row.fsyncsPerOp.toFixed(3)}/op, mean ${row.fsyncMeanMs!.toFixed(2)} ms`) +
      `${result.errors > 0 ? `  (${result.errors} errors, first: ${result.firstError})` : ''}`,
  );
  return row;
}

/** A system under test that can be stopped (SIGSTOP) while the other one is measured. */
interface Contender {
  readonly target: Target;
  pause(): void;
  resume(): void;
}

/** Every point, round by round, the systems alternating; only the one measured runs. */
async function measureInterleaved(contenders: readonly Contender[], flags: Flags, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of contenders) c.pause();
  for (let round = 1; round <= flags.rounds; round++) {
    const order = round % 2 === 1 ? contenders : [...contenders].reverse();
    for (const op of rawOps(flags)) {
      for (const clients of flags.clients) {
        for (const c of order) {
          c.resume();
          try {
            await new Promise((r) => setTimeout(r, 200)); // let it hear its peers again before the point's own warm-up
            rows.push(await measurePoint(c.target, op, clients, round, flags, log));
          } finally {
            c.pause();
          }
        }
      }
    }
    const faultline = contenders.find((c) => c.target.system === 'faultline');
    if (flags.ops.includes('client-put') && faultline !== undefined) {
      for (const clients of flags.clients) {
        faultline.resume();
        try {
          await new Promise((r) => setTimeout(r, 200));
          rows.push(await measureClientPutPoint(faultline.target, clients, round, flags, log));
        } finally {
          faultline.pause();
        }
      }
    }
  }
  return rows;
}

interface CpuSample {
  readonly wallMs: number;
  readonly serversMs: number;
  readonly leaderMs: number;
  readonly leaderMainMs: number;
  readonly loadMs: number;
}

function sampleCpu(target: Target): CpuSample {
  const leader = target.leaderPid();
  const load = process.cpuUsage();
  return {
    wallMs: performance.now(),
    serversMs: cpuMs(target.pids()),
    leaderMs: leader === undefined ? 0 : cpuMs([leader]),
    leaderMainMs: leader === undefined ? 0 : mainThreadCpuMs(leader),
    loadMs: (load.user + load.system) / 1000,
  };
}

function cpuSince(target: Target, before: CpuSample): CpuSample {
  const now = sampleCpu(target);
  return {
    wallMs: now.wallMs - before.wallMs,
    serversMs: now.serversMs - before.serversMs,
    leaderMs: now.leaderMs - before.leaderMs,
    leaderMainMs: now.leaderMainMs - before.leaderMainMs,
    loadMs: now.loadMs - before.loadMs,
  };
}

function perOp(cpu: CpuSample, ops: number): Pick<Row, 'serverCpuMsPerOp' | 'leaderCpuMsPerOp' | 'leaderMainBusy' | 'loadCpuMsPerOp'> {
  return {
    serverCpuMsPerOp: ops > 0 ? cpu.serversMs / ops : NaN,
    leaderCpuMsPerOp: ops > 0 ? cpu.leaderMs / ops : NaN,
    leaderMainBusy: cpu.leaderMainMs / cpu.wallMs,
    loadCpuMsPerOp: ops > 0 ? cpu.loadMs / ops : NaN,
  };
}

function cpuText(row: Row): string {
  return (
    `  CPU ms/op: servers ${row.serverCpuMsPerOp.toFixed(3)} (leader ${row.leaderCpuMsPerOp.toFixed(3)}, its main thread ${(100 * row.leaderMainBusy).toFixed(0)}% busy)` +
    ` load generator ${row.loadCpuMsPerOp.toFixed(3)}`
  );
}

/**
 * Puts through faultline/client (a session and an Idempotency-Key on every
 * write, leader discovery): one client object per load client. Measured in
 * every round, after that round's raw points; its ratio is against the
 * same round's plain etcd put.
 */
async function measureClientPutPoint(target: Target, clients: number, round: number, flags: Flags, log: (line: string) => void): Promise<Row> {
  const cpuBefore = sampleCpu(target);
  const result = await runClientPuts(target.endpoints, clients, flags.warmup * 1000, flags.seconds * 1000);
  const cpu = cpuSince(target, cpuBefore);
  const totalOps = result.ops * ((flags.warmup + flags.seconds) / flags.seconds);
  const row: Row = { system: 'faultline', round, op: 'client-put', clients, result, ...perOp(cpu, totalOps) };
  log(
    `  r${round} faultline client-put ×${String(clients).padStart(2)}: ${result.opsPerSecond.toFixed(0).padStart(6)} ops/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms` +
      `${cpuText(row)}${result.errors > 0 ? `  (${result.errors} errors, first: ${result.firstError})` : ''}`,
  );
  return row;
}

/**
 * Puts against the bare node:http floor server (floor-server.ts), one round at
 * each client count, while both clusters are stopped.
 */
async function measureFloor(flags: Flags, log: (line: string) => void): Promise<Row[]> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'floor-server.js');
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`floor server exited (${code}) before it listened`)));
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    const pid = child.pid!;
    const target: Target = {
      ...faultlineTarget([`http://127.0.0.1:${port}`], () => [pid], () => pid),
      system: 'floor',
      fsyncs: undefined,
    };
    await runLoad({ endpoints: target.endpoints, concurrency: 16, warmupMs: 0, durationMs: flags.systemWarmup * 500, request: target.put, ok: target.okPut });
    const rows: Row[] = [];
    for (const clients of flags.clients) rows.push(await measurePoint(target, 'put', clients, 1, flags, log));
    return rows;
  } finally {
    child.kill();
  }
}

async function prefill(target: Target): Promise<void> {
  // Every key exists before the gets, whatever the put phase managed.
  for (let k = 0; k < KEYS; k += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const r = target.put(0, k + i);
        await fetch(`${target.endpoints[0]}${r.path}`, { method: r.method, body: r.body, headers: { 'content-type': 'application/json' } });
      }),
    );
  }
}

/**
 * The leader's totals worth reading after a run: fsync count and time,
 * proposals, commits, elections, HTTP requests per route and status, and
 * the transport's frame and message counts — no histogram buckets.
 */
const SUMMARY_METRICS = /^faultline_(fsync_duration_seconds_(count|sum)|raft_(proposals|commits|elections)_total|raft_term|http_requests_total|transport_events)[{ ]/;

async function metricsSummary(endpoint: string): Promise<string> {
  try {
    const text = await (await fetch(`${endpoint}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    return text
      .split('\n')
      .filter((l) => SUMMARY_METRICS.test(l))
      .join('\n');
  } catch (error) {
    return `(no /metrics: ${error instanceof Error ? error.message : String(error)})`;
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const log = (line: string): void => void process.stdout.write(line + '\n');
  const workDir = mkdtempSync(join(tmpdir(), 'faultline-bench-cluster-'));
  log(
    `bench:cluster — node ${process.version}, ${new Date().toISOString()}, mode ${flags.mode}, ${flags.seconds} s per point (+${flags.warmup} s warm-up; ` +
      `${flags.systemWarmup} s of load on each system first), work dir ${workDir}`,
  );
  const rows: Row[] = [];
  const contenders: Contender[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  let metrics = '';
  let etcdVersion: string | undefined;
  try {
    const cluster = await ChaosCluster.create({
      workDir: join(workDir, 'faultline'),
      random: () => 0.5,
      direct: true,
      logLevel: 'warn',
      nodeFlags: flags.nodeFlags,
      extraArgs: flags.startArgs,
    });
    cleanups.push(() => cluster.stopAll());
    await cluster.startAll();
    let leader: string | undefined;
    for (let i = 0; i < 100 && leader === undefined; i++) {
      leader = await findLeader(cluster);
      if (leader === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    if (leader === undefined) throw new Error('faultline elected no leader within 10 s');
    const endpoints = flags.mode === 'leader' ? [cluster.node(leader).httpUrl] : cluster.endpoints;
    log(`faultline: 3 nodes, leader ${leader}; load goes to ${endpoints.join(', ')}`);
    const leaderNode = cluster.node(leader);
    const faultline = faultlineTarget(
      endpoints,
      () => cluster.nodes.map((n) => n.pid).filter((p): p is number => p !== undefined),
      () => leaderNode.pid,
    );
    await prefill(faultline);
    await warmUp(faultline, flags);
    const fContender: Contender = {
      target: faultline,
      pause: () => cluster.nodes.forEach((n) => n.pause()),
      resume: () => cluster.nodes.forEach((n) => n.resume()),
    };
    contenders.push(fContender);
    fContender.pause();

    if (!flags.skipEtcd) {
      const found = findOrInstallEtcd(log);
      if ('skip' in found) log(`etcd: ${found.skip}`);
      else {
        const etcd = await startEtcd(found.binary, join(workDir, 'etcd'));
        cleanups.push(() => etcd.stop());
        etcdVersion = etcd.version;
        const leaderUrl = (await etcd.leader()) ?? etcd.endpoints[0];
        const etcdEndpoints = flags.mode === 'leader' ? [leaderUrl] : etcd.endpoints;
        log(`etcd ${etcd.version}: 3 members; load goes to ${etcdEndpoints.join(', ')}`);
        const target = etcdTarget(etcdEndpoints, etcd.pids, etcd.pids[etcd.endpoints.indexOf(leaderUrl)]);
        await prefill(target);
        await warmUp(target, flags);
        const signal = (sig: NodeJS.Signals): void => etcd.pids.forEach((pid) => process.kill(pid, sig));
        contenders.push({ target, pause: () => signal('SIGSTOP'), resume: () => signal('SIGCONT') });
      }
    }

    rows.push(...(await measureInterleaved(contenders, flags, log))); // leaves every contender stopped
    if (flags.ops.includes('floor')) rows.push(...(await measureFloor(flags, log)));
    fContender.resume();
    metrics = await metricsSummary(cluster.node(leader).httpUrl);
  } finally {
    for (const c of contenders) c.resume(); // a stopped process cannot handle SIGTERM
    for (const cleanup of cleanups.reverse()) await cleanup();
  }

  log('\n' + table(rows, etcdVersion, flags));
  if (metrics) log(`\nfaultline leader /metrics after the run (selected):\n${metrics}`);
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ flags, etcdVersion, rows }, null, 2));
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** One system's point over the rounds: medians of ops/s, p50 and p99. */
interface Point {
  readonly rounds: readonly Row[];
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function point(rows: readonly Row[], system: string, op: string, clients: number): Point | undefined {
  const rounds = rows.filter((r) => r.system === system && r.op === op && r.clients === clients).sort((a, b) => a.round - b.round);
  if (rounds.length === 0) return undefined;
  return {
    rounds,
    opsPerSecond: median(rounds.map((r) => r.result.opsPerSecond)),
    p50Ms: median(rounds.map((r) => r.result.p50Ms)),
    p99Ms: median(rounds.map((r) => r.result.p99Ms)),
  };
}

/** Median of the per-round ratios F/etcd, and their range (rounds where both ran). */
function ratioText(f: Point, e: Point, of: (r: Row) => number): string {
  const ratios: number[] = [];
  for (const fr of f.rounds) {
    const er = e.rounds.find((r) => r.round === fr.round);
    if (er !== undefined) ratios.push(of(fr) / of(er));
  }
  if (ratios.length === 0) return '—';
  const text = `${median(ratios).toFixed(2)}×`;
  return ratios.length === 1 ? text : `${text} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
}

function table(rows: Row[], etcdVersion: string | undefined, flags: Flags): string {
  const lines = [
    `Medians over ${flags.rounds} round(s); a ratio is the median of the per-round ratios (range in brackets).`,
    '',
    `| op | clients | Faultline ops/s | p50 / p99 ms | etcd${etcdVersion ? ` ${etcdVersion}` : ''} ops/s | p50 / p99 ms | throughput ratio (F/etcd) | p99 ratio (F/etcd) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const op of ['put', 'get', 'client-put'] as const) {
    for (const clients of flags.clients) {
      const f = point(rows, 'faultline', op, clients);
      const e = point(rows, 'etcd', op === 'client-put' ? 'put' : op, clients);
      const cell = (p: Point | undefined): [string, string] => (p === undefined ? ['—', '—'] : [p.opsPerSecond.toFixed(0), `${p.p50Ms.toFixed(2)} / ${p.p99Ms.toFixed(2)}`]);
      const ratio = f && e ? ratioText(f, e, (r) => r.result.opsPerSecond) : '—';
      const p99 = f && e ? ratioText(f, e, (r) => r.result.p99Ms) : '—';
      const name = op === 'get' ? 'linearizable get' : op === 'put' ? 'put' : 'put via faultline/client (exactly-once) vs plain etcd put';
      lines.push(`| ${name} | ${clients} | ${cell(f).join(' | ')} | ${cell(e).join(' | ')} | ${ratio} | ${p99} |`);
    }
  }
  if (rows.some((r) => r.system === 'floor')) lines.push('', ...cpuTable(rows, etcdVersion, flags));
  return lines.join('\n');
}

/**
 * CPU per put (medians over the rounds), every system beside the bare
 * node:http floor: servers (every process of the cluster, all threads) and
 * the load generator (this process), which share the machine's cores.
 */
function cpuTable(rows: Row[], etcdVersion: string | undefined, flags: Flags): string[] {
  const lines = [
    `CPU ms per put (servers + load generator), medians; the floor is a bare node:http server answering the same requests from a Map (one round):`,
    '',
    `| clients | Faultline | etcd${etcdVersion ? ` ${etcdVersion}` : ''} | bare node:http (floor) | floor ops/s |`,
    '| ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const clients of flags.clients) {
    const cell = (system: string): string => {
      const p = point(rows, system, 'put', clients);
      if (p === undefined) return '—';
      const servers = median(p.rounds.map((r) => r.serverCpuMsPerOp));
      const load = median(p.rounds.map((r) => r.loadCpuMsPerOp));
      return `${servers.toFixed(3)} + ${load.toFixed(3)}`;
    };
    const floor = point(rows, 'floor', 'put', clients);
    lines.push(`| ${clients} | ${cell('faultline')} | ${cell('etcd')} | ${cell('floor')} | ${floor === undefined ? '—' : floor.opsPerSecond.toFixed(0)} |`);
  }
  return lines;
}

await main();
