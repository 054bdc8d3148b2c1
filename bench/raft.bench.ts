/**
 * Raft + replica in the simulator (`npm run bench -- raft`).
 *
 * 1. Simulated throughput of the `kv` workload (8 clients with sessions,
 *    5 replicas, no faults): client operations completed `ok` per
 *    wall-second and per simulated second, and simulator events per
 *    wall-second. Everything runs in this one thread (the replicas, their
 *    mirrored disks, the invariant checker after every event), then the
 *    history goes through the linearizability checker — that is included.
 * 2. Wall time for 500 seeds of each of `kv`, `lock` and `register` with
 *    every fault, on the CLI's multi-seed runner (one worker thread per
 *    CPU): what `faultline sim --seeds 500 --faults all` costs.
 *    `RAFT_BENCH_SEEDS=N` runs N seeds instead; `RAFT_BENCH_WORKLOADS=kv`
 *    picks workloads.
 * No peer: no other JavaScript Raft runs in this simulator.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runSeeds } from '../src/cli/sim/run-seeds.js';
import { loadWorkloads } from '../src/cli/sim/workloads.js';
import { runSeed } from '../src/sim/index.js';
import { formatRate, printTable } from './harness.js';

export async function run(): Promise<void> {
  loadWorkloads();
  throughput();
  await manySeeds();
}

function throughput(): void {
  const rows: Array<Record<string, string | number>> = [];
  runSeed({ workload: 'kv', nodes: 5, seed: 99, faults: [], simTimeMs: 2000 }); // warm-up
  for (const seed of [1, 2, 3]) {
    const start = performance.now();
    const report = runSeed({ workload: 'kv', nodes: 5, seed, faults: [] });
    const wallS = (performance.now() - start) / 1000;
    if (report.violations.length > 0) throw new Error(`raft bench: seed ${seed} failed: ${report.violations[0].message}`);
    const done = report.ops.ok + report.ops.fail + report.ops.info;
    rows.push({
      seed,
      'ok ops': report.ops.ok,
      'ok ratio': `${((100 * report.ops.ok) / done).toFixed(1)} %`,
      'ok ops / wall-s': formatRate(report.ops.ok / wallS),
      'ok ops / sim-s': (report.ops.ok / (report.simulatedMs / 1000)).toFixed(0),
      'events / wall-s': formatRate(report.events / wallS),
      'sim s': report.simulatedMs / 1000,
      'wall s': wallS.toFixed(2),
    });
  }
  console.log('kv workload, 5 nodes, no faults (10 s + 9 s quiet phase simulated, history checked):');
  printTable(rows);
}

async function manySeeds(): Promise<void> {
  const count = Number(process.env.RAFT_BENCH_SEEDS ?? 500);
  const workloads = (process.env.RAFT_BENCH_WORKLOADS ?? 'kv,lock,register').split(',');
  const workers = cpus().length;
  const seeds = Array.from({ length: count }, (_, i) => i + 1);
  const rows: Array<Record<string, string | number>> = [];
  for (const workload of workloads) {
    let failed = 0;
    let ok = 0;
    let all = 0;
    let events = 0;
    const start = performance.now();
    await runSeeds({ workload, nodes: 5 }, seeds, workers, (report) => {
      if (report.violations.length > 0) failed++;
      ok += report.ops.ok;
      all += report.ops.ok + report.ops.fail + report.ops.info;
      events += report.events;
    });
    const wallS = (performance.now() - start) / 1000;
    rows.push({
      workload,
      seeds: count,
      'failed seeds': failed,
      'ok ratio': `${((100 * ok) / all).toFixed(1)} %`,
      events: `${(events / 1e6).toFixed(1)} M`,
      'wall s': wallS.toFixed(1),
      's / seed / worker': ((wallS * workers) / count).toFixed(2),
    });
  }
  console.log(`${count} seeds, --faults all, 10 s fault phase, ${workers} worker threads:`);
  printTable(rows);
}
