/**
 * Simulator throughput and memory.
 *
 * - delivered messages and events per wall-second for a 5-node all-to-all
 *   heartbeat: a lean one (the simulator's hot path alone), the registered
 *   `heartbeat` workload (with its per-message checks and its disk log),
 *   and the workload under a brutal seed's faults;
 * - heap used at 1 M, 5 M and 10 M events of one long run, lean and with
 *   the workload (must stay flat: events are pooled, no trace is kept
 *   without a sink, and the workload's state is bounded).
 * No external peer: there is no comparable JS simulator to run in-process.
 */
import { performance } from 'node:perf_hooks';
import { FAULT_NAMES, Simulation, calmKnobs, drawKnobs, heartbeatWorkload, type FaultKnobs } from '../src/sim/index.js';
import { SeededRng } from '../src/core/random/index.js';
import { formatRate, heapUsedMiB, printTable } from './harness.js';

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** Each node sends one (shared, immutable) beat to every peer every 10 ms of its clock. */
function leanHeartbeat(seed: number): Simulation {
  const sim = new Simulation({ seed });
  for (const name of NODES) {
    const peers = NODES.filter((p) => p !== name);
    sim.host(name, (env) => {
      let received = 0;
      env.onMessage(() => {
        received++;
      });
      const beat = { from: name };
      const tick = (): void => {
        for (let i = 0; i < peers.length; i++) env.send(peers[i], beat);
        env.setTimer(10, tick);
      };
      tick();
      return { stop: () => void received };
    });
  }
  return sim;
}

function workloadHeartbeat(seed: number, knobs: FaultKnobs): Simulation {
  const sim = new Simulation({ seed });
  heartbeatWorkload.setup({ sim, nodes: NODES, bug: undefined, knobs, rng: sim.forkRng() });
  sim.startNemesis(knobs);
  return sim;
}

interface Row extends Record<string, string | number> {
  scenario: string;
  'delivered/s': string;
  'best window': string;
  'per CPU-s': string;
  'events/s': string;
  delivered: number;
  events: number;
  'wall ms': number;
}

/**
 * Windows of this much wall time each; the best one shows the rate when the
 * shared machine let us run. "per CPU-s" divides by this process's user CPU
 * time instead: the rate per second of a core we actually had.
 */
const WINDOW_MS = 250;

function measure(scenario: string, sim: Simulation, minWallMs: number): Row {
  sim.runFor(1_000); // warm-up
  const d0 = sim.stats.delivered;
  const e0 = sim.eventCount;
  const start = performance.now();
  const cpuStartUs = process.cpuUsage().user;
  let now = start;
  let bestPerSec = 0;
  while (now - start < minWallMs) {
    const windowStart = now;
    const windowDelivered = sim.stats.delivered;
    while (now - windowStart < WINDOW_MS) {
      sim.runFor(1_000);
      now = performance.now();
    }
    bestPerSec = Math.max(bestPerSec, (sim.stats.delivered - windowDelivered) / ((now - windowStart) / 1000));
  }
  const seconds = (now - start) / 1000;
  const cpuSeconds = (process.cpuUsage().user - cpuStartUs) / 1e6;
  const delivered = sim.stats.delivered - d0;
  const events = sim.eventCount - e0;
  return {
    scenario,
    'delivered/s': formatRate(delivered / seconds),
    'best window': formatRate(bestPerSec),
    'per CPU-s': formatRate(delivered / cpuSeconds),
    'events/s': formatRate(events / seconds),
    delivered,
    events,
    'wall ms': Math.round(now - start),
  };
}

function memoryOverEvents(sim: Simulation): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  const start = performance.now();
  for (const target of [1_000_000, 5_000_000, 10_000_000]) {
    while (sim.eventCount < target) sim.runFor(1_000);
    rows.push({ events: sim.eventCount, 'heap MiB': heapUsedMiB().toFixed(1), 'virtual s': Math.round(sim.nowMs / 1000), 'wall s': ((performance.now() - start) / 1000).toFixed(1) });
  }
  return rows;
}

export async function run(): Promise<void> {
  const brutal = drawKnobs(new SeededRng(3), FAULT_NAMES, NODES.length);
  printTable([
    measure('lean 5-node heartbeat, no faults', leanHeartbeat(1), 3_000),
    measure('heartbeat workload, no faults', workloadHeartbeat(1, calmKnobs()), 3_000),
    measure(`heartbeat workload, every fault (intensity ${brutal.intensity})`, workloadHeartbeat(3, brutal), 3_000),
  ]);
  console.log('\nheap over one long run (lean heartbeat, no trace sink):');
  printTable(memoryOverEvents(leanHeartbeat(1)));
  console.log('\nheap over one long run (heartbeat workload, no faults, no trace sink):');
  printTable(memoryOverEvents(workloadHeartbeat(1, calmKnobs())));
}
