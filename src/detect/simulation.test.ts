/**
 * The detectors and the resilience pieces inside the deterministic
 * simulator: virtual time, the simulator's timers, one seed.
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../sim/index.js';
import type { Env } from '../sim/index.js';
import { envTimekeeper, exponentialBackoff, retry } from '../core/resilience/index.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';

const NODES = ['n1', 'n2', 'n3'];

/** Every node heartbeats every 1 s and watches the others, evaluating exactly at nextEvaluationAtMs. */
function watcher(log: string[], simNowMs: () => number) {
  return (env: Env) => {
    const peers = NODES.filter((n) => n !== env.nodeId);
    const monitor = new HeartbeatMonitor({ downAfterMs: 3000 });
    for (const p of peers) monitor.watch(p, env.monoNowMs());
    if (env.nodeId === 'n1') {
      // Node clocks have arbitrary origins; log the simulator's true time to compare with the script.
      monitor.onTransition((t) => log.push(`${simNowMs().toFixed(1)} ${t.peer} ${t.from}→${t.to}`));
    }
    let timer: number | undefined;
    const schedule = (): void => {
      if (timer !== undefined) env.clearTimer(timer);
      timer = undefined;
      const next = monitor.nextEvaluationAtMs();
      if (next === undefined) return;
      timer = env.setTimer(Math.max(0, next - env.monoNowMs()), () => {
        timer = undefined;
        monitor.evaluate(env.monoNowMs());
        schedule();
      });
    };
    env.onMessage((from) => {
      monitor.heartbeat(from, env.monoNowMs());
      schedule();
    });
    const beat = (): void => {
      for (const p of peers) env.send(p, 'hb');
      env.setTimer(1000, beat);
    };
    beat();
    schedule();
    return {};
  };
}

function runPartition(seed: number): string[] {
  const log: string[] = [];
  const sim = new Simulation({ seed, network: { latencyMsMin: 1, latencyMsMedian: 5, latencySigma: 0.5, latencyMsMax: 50 } });
  for (const n of NODES) sim.host(n, watcher(log, () => sim.nowMs));
  sim.at(10_000, () => sim.partition('n3', ['n1', 'n2']));
  sim.at(30_000, () => sim.repair('n3', ['n1', 'n2']));
  sim.runFor(40_000);
  return log;
}

describe('HeartbeatMonitor in the simulator', () => {
  it('suspects a partitioned peer about 1.5 s after its last beat, downs it 3 s later, and sees it come back', () => {
    const log = runPartition(7);
    expect(log.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['n3 up→suspect', 'n3 suspect→down', 'n3 down→up']);
    const [suspectAt, downAt, upAt] = log.map((l) => Number(l.split(' ')[0]));
    // Last beat from n3 arrived a little after 9 s (+ latency); φ = 8 about 1.5 s later.
    expect(suspectAt).toBeGreaterThan(10_400);
    expect(suspectAt).toBeLessThan(11_700);
    expect(downAt - suspectAt).toBeGreaterThan(2_900);
    expect(downAt - suspectAt).toBeLessThanOrEqual(3_000);
    expect(upAt).toBeGreaterThan(30_000);
    expect(upAt).toBeLessThan(31_100);
  });

  it('is deterministic: one seed, one sequence of transitions', () => {
    expect(runPartition(99)).toEqual(runPartition(99));
  });
});

describe('async retry under virtual time (envTimekeeper)', () => {
  it('waits its backoff on the node’s simulated clock', async () => {
    const attemptsAtMs: number[] = [];
    let result: string | undefined;
    const sim = new Simulation({ seed: 3 });
    sim.host('n1', (env) => {
      void retry(
        async () => {
          attemptsAtMs.push(env.monoNowMs());
          if (attemptsAtMs.length < 3) throw new Error('not yet');
          return 'done';
        },
        { timekeeper: envTimekeeper(env), rng: env.rng, backoff: exponentialBackoff({ baseMs: 100, jitter: 'none' }) },
      ).then((v) => (result = v));
      return {};
    });
    // The simulator runs callbacks synchronously; let promise continuations run between events.
    while (sim.nowMs < 10_000 && sim.step()) {
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    expect(result).toBe('done');
    const start = attemptsAtMs[0];
    expect(attemptsAtMs.map((t) => Math.round(t - start))).toEqual([0, 100, 300]);
  });
});
