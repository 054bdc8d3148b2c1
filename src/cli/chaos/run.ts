/**
 * One chaos run: start a cluster of real processes behind fault-injecting
 * proxies, run the workload and the nemesis for `durationMs`, heal
 * everything, wait for recovery, read every key back, and check (checks.ts).
 * Writes `history.jsonl`, `ids.jsonl`, `report.json` and the nodes' logs
 * into `workDir`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from '../../client/index.js';
import { formatJsonlHistory, HistoryRecorder } from '../../check/index.js';
import type { Verdict } from '../../check/index.js';
import { SeededRng } from '../../core/random/index.js';
import { sleepMs } from '../../node/clock.js';
import { checkIds, checkLinearizable, fencingViolations, lostWrites } from './checks.js';
import type { FencingViolation, LostWrite } from './checks.js';
import { ChaosCluster } from './cluster.js';
import { FAULT_KINDS, findLeader, Nemesis } from './nemesis.js';
import type { FaultKind, FaultRecord, NemesisTiming } from './nemesis.js';
import { Workload } from './workload.js';
import type { WorkloadBug, WorkloadOptions } from './workload.js';

export interface ChaosOptions {
  readonly seed: number;
  readonly durationMs: number;
  readonly workDir: string;
  readonly nodes?: number;
  /** @defaultValue every kind */
  readonly faults?: readonly FaultKind[];
  readonly timing?: Partial<NemesisTiming>;
  readonly workload?: Partial<Omit<WorkloadOptions, 'endpoints' | 'rng' | 'kv' | 'ids' | 'stop' | 'bugs'>>;
  readonly bugs?: readonly WorkloadBug[];
  /** Linearizability check budget, ms. @defaultValue 120_000 */
  readonly checkBudgetMs?: number;
  /** How long the healed cluster has to elect a leader and answer every final read, ms. @defaultValue 60_000 */
  readonly recoveryMs?: number;
  readonly log?: (line: string) => void;
  /** Extra `faultline start` flags. */
  readonly nodeArgs?: readonly string[];
}

export type Outcome = 'pass' | 'fail' | 'unknown';

export interface ChaosReport {
  readonly outcome: Outcome;
  readonly reasons: string[];
  readonly seed: number;
  readonly durationMs: number;
  readonly workDir: string;
  readonly ops: { readonly total: number; readonly ok: number; readonly fail: number; readonly info: number; readonly ids: number };
  readonly opsPerSecond: number;
  readonly faults: Record<string, number>;
  readonly faultLog: FaultRecord[];
  readonly nemesisErrors: string[];
  readonly linearizable: Verdict;
  readonly linearizabilityMessage: string | undefined;
  readonly checkMs: number;
  readonly ackedSetWrites: number;
  readonly lostWrites: LostWrite[];
  readonly fencedWrites: number;
  readonly lockHolds: number;
  readonly staleHolderWrites: number;
  readonly staleHolderRefused: number;
  readonly fencingViolations: FencingViolation[];
  readonly idsUnique: Verdict;
  readonly recoveredInMs: number | undefined;
  readonly unreadKeys: number;
  readonly errorsByCode: Record<string, number>;
  readonly nodeRestarts: Record<string, number>;
  readonly bugs: readonly WorkloadBug[];
}

const DEFAULT_TIMING: NemesisTiming = { holdMsMin: 2000, holdMsMax: 6000, calmMsMin: 1000, calmMsMax: 3000, pauseMsMin: 4000 };

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const rng = new SeededRng(options.seed);
  mkdirSync(options.workDir, { recursive: true });
  const proxyRng = rng.fork();
  const cluster = await ChaosCluster.create({
    nodes: options.nodes,
    workDir: options.workDir,
    random: () => proxyRng.next(),
    extraArgs: options.nodeArgs,
  });
  try {
    return await runOn(cluster, options, rng, log);
  } finally {
    await cluster.stopAll();
  }
}

async function waitForLeader(cluster: ChaosCluster, withinMs: number): Promise<number | undefined> {
  const startMs = performance.now();
  while (performance.now() - startMs < withinMs) {
    if ((await findLeader(cluster)) !== undefined) return performance.now() - startMs;
    await sleepMs(100);
  }
  return undefined;
}

async function runOn(cluster: ChaosCluster, options: ChaosOptions, rng: SeededRng, log: (line: string) => void): Promise<ChaosReport> {
  const bugs = options.bugs ?? [];
  await cluster.startAll();
  log(`chaos: ${cluster.nodes.length} nodes up (${cluster.endpoints.join(', ')}); data and logs in ${options.workDir}`);
  if ((await waitForLeader(cluster, 30_000)) === undefined) throw new Error('chaos: the fresh cluster elected no leader within 30 s');

  const t0 = performance.now();
  const nowNs = (): number => (performance.now() - t0) * 1e6;
  const kvHistory = new HistoryRecorder({ now: nowNs });
  const idHistory = new HistoryRecorder({ now: nowNs });
  const stopAtMs = t0 + options.durationMs;
  const stop = (): boolean => performance.now() >= stopAtMs;

  const workload = new Workload({ ...options.workload, endpoints: cluster.endpoints, rng: rng.fork(), kv: kvHistory, ids: idHistory, stop, bugs });
  const nemesis = new Nemesis({
    cluster,
    rng: rng.fork(),
    history: kvHistory,
    kinds: options.faults ?? FAULT_KINDS,
    timing: { ...DEFAULT_TIMING, ...options.timing },
    log,
    elapsedMs: () => performance.now() - t0,
  });
  const [result] = await Promise.all([workload.run(), nemesis.run(stop)]);
  const runMs = performance.now() - t0;
  log(`chaos: workload done after ${(runMs / 1000).toFixed(1)} s; healing`);

  await nemesis.healAll().catch((error: unknown) => nemesis.errors.push(`heal: ${error instanceof Error ? error.message : String(error)}`));
  const recoveryMs = options.recoveryMs ?? 60_000;
  const recoveredInMs = await waitForLeader(cluster, recoveryMs);
  const finalValues = await finalReads(cluster.endpoints, result.keys, kvHistory, recoveryMs);
  const unreadKeys = result.keys.filter((k) => finalValues.get(k) === undefined).length;

  const history = kvHistory.toHistory();
  writeFileSync(join(options.workDir, 'history.jsonl'), formatJsonlHistory(history));
  writeFileSync(join(options.workDir, 'ids.jsonl'), formatJsonlHistory(idHistory.toHistory()));
  log(`chaos: checking ${kvHistory.size} events for linearizability`);
  const checkStartMs = performance.now();
  const linearizability = checkLinearizable(history, options.checkBudgetMs ?? 120_000);
  const checkMs = performance.now() - checkStartMs;
  const idsCheck = checkIds(idHistory.toHistory());
  const lost = lostWrites(result.acked, finalValues);
  const fencing = fencingViolations(result.fenced);

  const reasons: string[] = [];
  if (linearizability.result === 'not-linearizable') reasons.push(`not linearizable: ${linearizability.failure?.message ?? ''}`);
  if (lost.length > 0) reasons.push(`${lost.length} acknowledged write(s) lost, e.g. ${lost[0].key}=${lost[0].value} read back as ${JSON.stringify(lost[0].found)}`);
  if (fencing.length > 0) reasons.push(`${fencing.length} fenced write(s) with a stale token applied after a newer holder's`);
  if (idsCheck.result === 'not-linearizable') reasons.push(`duplicate id: ${idsCheck.failure?.message ?? ''}`);
  if (recoveredInMs === undefined) reasons.push(`no leader within ${recoveryMs} ms after healing`);
  if (unreadKeys > 0) reasons.push(`${unreadKeys} key(s) could not be read back after healing`);
  for (const e of nemesis.errors) reasons.push(`nemesis: ${e}`);
  const unknown = linearizability.result === 'unknown';
  if (unknown) reasons.push(`the linearizability check ran out of its ${options.checkBudgetMs ?? 120_000} ms budget`);
  const outcome: Outcome = reasons.length === 0 ? 'pass' : reasons.length === 1 && unknown ? 'unknown' : 'fail';

  const c = linearizability.counts;
  const report: ChaosReport = {
    outcome,
    reasons,
    seed: options.seed,
    durationMs: Math.round(runMs),
    workDir: options.workDir,
    ops: { total: linearizability.ops, ok: c.ok, fail: c.fail, info: c.info, ids: idsCheck.ops },
    opsPerSecond: Math.round((linearizability.ops + idsCheck.ops) / (runMs / 1000)),
    faults: nemesis.counts,
    faultLog: nemesis.faults,
    nemesisErrors: nemesis.errors,
    linearizable: linearizability.result,
    linearizabilityMessage: linearizability.failure?.message,
    checkMs: Math.round(checkMs),
    ackedSetWrites: result.acked.length,
    lostWrites: lost,
    fencedWrites: result.fenced.length,
    lockHolds: result.lockHolds,
    staleHolderWrites: result.staleHolderWrites,
    staleHolderRefused: result.staleHolderRefused,
    fencingViolations: fencing,
    idsUnique: idsCheck.result,
    recoveredInMs: recoveredInMs === undefined ? undefined : Math.round(recoveredInMs),
    unreadKeys,
    errorsByCode: result.errorsByCode,
    nodeRestarts: Object.fromEntries(cluster.nodes.map((n) => [n.id, n.starts - 1])),
    bugs,
  };
  writeFileSync(join(options.workDir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

/** Read every key (linearizable, recorded in the history), retrying until `withinMs` is spent. */
async function finalReads(endpoints: readonly string[], keys: readonly string[], history: HistoryRecorder, withinMs: number): Promise<Map<string, string | null | undefined>> {
  const values = new Map<string, string | null | undefined>();
  const client = createClient({ endpoints, requestTimeoutMs: 10_000 });
  const deadlineMs = performance.now() + withinMs;
  const queue = [...keys];
  const FINAL_PROCESS_BASE = 1_000_000;
  const readers = Array.from({ length: 8 }, async (_, r) => {
    for (let k = queue.shift(); k !== undefined; k = queue.shift()) {
      const key = k;
      while (performance.now() < deadlineMs) {
        const op = history.invoke(FINAL_PROCESS_BASE + r, 'get', null, key);
        try {
          const kv = await client.kv.get(key);
          history.ok(op, kv?.value ?? null);
          values.set(key, kv?.value ?? null);
          break;
        } catch (error) {
          history.fail(op, error instanceof Error ? error.message : String(error));
          await sleepMs(200);
        }
      }
    }
  });
  await Promise.all(readers);
  client.close();
  return values;
}

/** The report as a few lines for a human. */
export function formatReport(r: ChaosReport): string {
  const faults = Object.entries(r.faults).map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
  return [
    `chaos: ${r.outcome.toUpperCase()} — seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s, ${r.ops.total} kv ops (${r.ops.ok} ok, ${r.ops.fail} fail, ${r.ops.info} info) + ${r.ops.ids} ids, ~${r.opsPerSecond} ops/s`,
    `  faults: ${faults}; node restarts: ${Object.entries(r.nodeRestarts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  linearizable: ${r.linearizable} (checked in ${r.checkMs} ms); acknowledged set writes: ${r.ackedSetWrites}, lost: ${r.lostWrites.length}; ` +
      `fenced writes: ${r.fencedWrites} over ${r.lockHolds} lock holds, token order violations: ${r.fencingViolations.length}; ` +
      `paused holders' late writes: ${r.staleHolderWrites} (${r.staleHolderRefused} refused as fenced); ids unique: ${r.idsUnique}`,
    `  recovered after healing in ${r.recoveredInMs ?? '∞'} ms; keys not read back: ${r.unreadKeys}`,
    ...r.reasons.map((reason) => `  ✗ ${reason}`),
    `  history: ${join(r.workDir, 'history.jsonl')} (faultline check ${join(r.workDir, 'history.jsonl')} --model kv); report: ${join(r.workDir, 'report.json')}`,
  ].join('\n');
}
