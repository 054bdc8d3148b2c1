import { describe, expect, it } from 'vitest';
import { Simulation, type Env } from './index.js';

// The first example of docs/SIMULATOR.md, kept runnable.
function pinger(peers: string[]) {
  return (env: Env) => {
    let heard = 0;
    env.onMessage((from, msg) => {
      heard++;
      env.log('pong', { from, msg });
    });
    const tick = () => {
      for (const p of peers) env.send(p, { kind: 'ping', at: env.monoNowMs() });
      env.setTimer(100, tick);
    };
    tick();
    return { stop: () => void heard };
  };
}

function example(): { hash: string; lines: string[]; sim: Simulation } {
  const lines: string[] = [];
  const sim = new Simulation({
    seed: 42,
    network: { latencyMsMin: 1, latencyMsMedian: 5, latencySigma: 0.8, latencyMsMax: 200, lossProbability: 0.01 },
    trace: (line) => lines.push(line),
  });
  sim.host('n1', pinger(['n2', 'n3']));
  sim.host('n2', pinger(['n1', 'n3']));
  sim.host('n3', pinger(['n1', 'n2']));
  sim.at(1_000, () => sim.partition('n1', ['n2', 'n3']));
  sim.at(3_000, () => sim.repair('n1', ['n2', 'n3']));
  sim.at(4_000, () => sim.stepClock('n2', -2_000));
  sim.at(5_000, () => sim.pause('n3'));
  sim.at(6_500, () => sim.resume('n3'));
  sim.at(7_000, () => sim.bounce('n1', 500));
  sim.runFor(10_000);
  return { hash: sim.traceHash, lines, sim };
}

describe('docs/SIMULATOR.md first example', () => {
  it('runs, faults as scripted, and is reproducible', () => {
    const a = example();
    const b = example();
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(a.hash).toBe(b.hash);
    expect(a.lines).toEqual(b.lines);
    const s = a.sim.stats;
    expect(s.droppedPartition).toBeGreaterThan(0);
    expect(s.crashes).toBe(1);
    expect(s.restarts).toBe(1);
    expect(s.pauses).toBe(1);
    expect(a.sim.incarnation('n1')).toBe(2);
    expect(a.lines.some((l) => / log n2 pong \{"from":"n1"/.test(l))).toBe(true);
    expect(a.lines).toContain('4000.000 fault n2 clock step=-2000ms');
  });
});
