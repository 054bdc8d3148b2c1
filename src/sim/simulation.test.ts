import { describe, expect, it } from 'vitest';
import type { Env } from '../env/index.js';
import { SeededRng } from '../core/random/index.js';
import { FAULT_NAMES, Simulation, calmKnobs, drawKnobs, isSimulationError } from './index.js';

describe('Simulation API', () => {
  it('runs a host factory at start, delivers after the configured latency, fires timers', () => {
    const sim = new Simulation({ seed: 1, network: { latencyMsMin: 3, latencyMsMedian: 3, latencyMsMax: 3 } });
    const events: string[] = [];
    sim.host('a', (env) => {
      events.push(`start a @${sim.nowMs}`);
      env.setTimer(5, () => env.send('b', 'hello'));
      return {};
    });
    sim.host('b', (env) => {
      env.onMessage((from, msg) => events.push(`b got ${String(msg)} from ${from} @${sim.nowMs}`));
      return {};
    });
    sim.runFor(20);
    expect(events).toEqual(['start a @0', 'b got hello from a @8']);
    expect(sim.nowMs).toBe(20);
  });

  it('runs scripted actions at their time, in scheduling order on ties', () => {
    const sim = new Simulation({ seed: 1 });
    const order: string[] = [];
    sim.at(10, () => order.push('x')).at(10, () => order.push('y')).after(5, () => order.push('early'));
    expect(sim.step()).toBe(true);
    expect(order).toEqual(['early']);
    sim.run();
    expect(order).toEqual(['early', 'x', 'y']);
    expect(sim.step()).toBe(false);
    expect(() => sim.at(1, () => {})).toThrow(/in the past/);
  });

  it('stop() ends a run after the current event', () => {
    const sim = new Simulation({ seed: 1 });
    let count = 0;
    sim.host('a', (env) => {
      const tick = (): void => {
        if (++count === 3) sim.stop();
        env.setTimer(1, tick);
      };
      tick();
      return {};
    });
    sim.run();
    expect(count).toBe(3);
  });

  it('reports a throwing callback with the node and time, and refuses to continue', () => {
    const sim = new Simulation({ seed: 1 });
    sim.host('boom', (env) => {
      env.setTimer(7, () => {
        throw new Error('invariant violated: two leaders');
      });
      return {};
    });
    let caught: unknown;
    try {
      sim.runFor(10);
    } catch (error) {
      caught = error;
    }
    expect(isSimulationError(caught)).toBe(true);
    if (isSimulationError(caught)) {
      expect(caught.code).toBe('callback-threw');
      expect(caught.nodeId).toBe('boom');
      expect(caught.timeMs).toBe(7);
      expect(caught.message).toMatch(/two leaders/);
    }
    expect(() => sim.runFor(1)).toThrow(/cannot continue/);
  });

  it('validates options and arguments with messages naming the API', () => {
    expect(() => new Simulation({ seed: 1.5 })).toThrow(/Simulation: seed must be a safe integer/);
    expect(() => new Simulation({ seed: 1, network: { latencyMsMin: 5, latencyMsMedian: 2 } })).toThrow(/latencyMsMedian \(2\) must be ≥ latencyMsMin \(5\)/);
    expect(() => new Simulation({ seed: 1, network: { lossProbability: 1.5 } })).toThrow(/lossProbability must be in \[0, 1\]/);
    expect(() => new Simulation({ seed: 1, network: { bogus: 1 } as never })).toThrow(/unknown network option "bogus"/);
    expect(() => new Simulation({ seed: 1, disk: { fsyncLatencyMsMin: 2, fsyncLatencyMsMax: 1 } })).toThrow(/fsyncLatencyMsMax/);
    const sim = new Simulation({ seed: 1 });
    sim.host('a', () => ({}));
    expect(() => sim.host('a', () => ({}))).toThrow(/already exists/);
    expect(() => sim.host('bad name', () => ({}))).toThrow(/name must match/);
    expect(() => sim.crash('ghost')).toThrow(/Simulation.crash: unknown node "ghost"/);
    expect(() => sim.setClockDrift('a', 2e6)).toThrow(/driftPpm must be within/);
    expect(() => sim.runFor(-1)).toThrow(/durationMs must be a finite number ≥ 0/);
    let env!: Env;
    sim.host('b', (e) => {
      env = e;
      return {};
    });
    sim.runFor(0);
    expect(() => env.send('nobody', 1)).toThrow(/unknown node "nobody"/);
    expect(() => env.setTimer(Number.NaN, () => {})).toThrow(/delayMs must be a finite number/);
  });

  it('adds nodes while running, keeping existing partitions, beyond the initial link capacity', () => {
    const sim = new Simulation({ seed: 1 });
    const got: string[] = [];
    const envs = new Map<string, Env>();
    const add = (name: string) =>
      sim.host(name, (env) => {
        envs.set(name, env);
        env.onMessage((from) => got.push(`${from}>${name}`));
        return {};
      });
    add('a');
    add('b');
    sim.runFor(1);
    sim.partitionOneway('a', 'b');
    for (let i = 0; i < 12; i++) add(`x${i}`);
    sim.runFor(1);
    envs.get('a')!.send('b', 1);
    envs.get('b')!.send('a', 1);
    envs.get('x11')!.send('a', 1);
    sim.runFor(5);
    expect(got.sort()).toEqual(['b>a', 'x11>a']);
    expect(sim.nodeIds).toHaveLength(14);
  });

  it('fails fast when events pile up beyond maxQueuedEvents', () => {
    const sim = new Simulation({ seed: 1, maxQueuedEvents: 1_000 });
    sim.host('loop', (env) => {
      const spin = (): void => {
        for (let i = 0; i < 10; i++) env.setTimer(1_000, () => {});
        env.setTimer(0, spin);
      };
      spin();
      return {};
    });
    expect(() => sim.runFor(10)).toThrow(/more than 1000 events outstanding/);
  });

  it('verbs that change nothing return false', () => {
    const sim = new Simulation({ seed: 1 });
    sim.host('a', () => ({}));
    sim.runFor(0);
    expect(sim.resume('a')).toBe(false);
    expect(sim.restart('a')).toBe(false);
    expect(sim.pause('a')).toBe(true);
    expect(sim.pause('a')).toBe(false);
    expect(sim.crash('a')).toBe(true);
    expect(sim.crash('a')).toBe(false);
    expect(sim.isPaused('a')).toBe(false);
  });

  it('the random nemesis leaves clients alone', () => {
    const sim = new Simulation({ seed: 3 });
    for (const h of ['n1', 'n2', 'n3']) sim.host(h, () => ({}));
    let clientStarts = 0;
    sim.client('c1', (env) => {
      clientStarts++;
      const tick = (): void => {
        if (sim.isPaused('c1') || !sim.isUp('c1')) throw new Error('client faulted');
        env.setTimer(5, tick);
      };
      tick();
      return {};
    });
    const knobs = calmKnobs();
    knobs.pause = { meanIntervalMs: 20, durationMsMax: 50 };
    knobs.crash = { meanIntervalMs: 20, downtimeMsMax: 50, crashStopProbability: 0.2, maxCrashStopped: 1 };
    knobs.clock = { offsetMsMax: 100, driftPpmMax: 100, stepMeanIntervalMs: 20, stepMsMax: 100, backwardProbability: 0.5 };
    knobs.partition = { meanIntervalMs: 20, durationMsMin: 5, durationMsMax: 50, shapes: ['isolate', 'halves'] };
    sim.startNemesis(knobs);
    sim.runFor(2_000);
    expect(sim.stats.crashes).toBeGreaterThan(10);
    expect(clientStarts).toBe(1);
    expect(sim.clock('c1').offsetMs).toBe(0);
    for (const h of sim.hosts) expect(sim.isLinkBlocked('c1', h)).toBe(false);
    expect(sim.clients).toEqual(['c1']);
  });

  it('healAll stops the nemesis, repairs links, resumes and restarts bounced nodes, keeps crash-stopped ones down', () => {
    const sim = new Simulation({ seed: 4 });
    for (const h of ['n1', 'n2', 'n3', 'n4']) sim.host(h, () => ({}));
    sim.runFor(0);
    sim.crash('n1');
    sim.bounce('n2', 10_000);
    sim.pause('n3');
    sim.partition('n4', ['n1', 'n2', 'n3']);
    sim.setNetwork({ lossProbability: 0.5 });
    sim.healAll();
    sim.runFor(0);
    expect(sim.hosts.map((h) => [h, sim.isUp(h), sim.isPaused(h)])).toEqual([
      ['n1', false, false],
      ['n2', true, false],
      ['n3', true, false],
      ['n4', true, false],
    ]);
    expect(sim.isLinkBlocked('n4', 'n1')).toBe(false);
    expect(sim.network.lossProbability).toBe(0);
    sim.runFor(20_000); // the bounce's own restart must not fire a second start
    expect(sim.incarnation('n2')).toBe(2);
  });

  it('records ops with virtual time and counts completions', () => {
    const sim = new Simulation({ seed: 1 });
    const seen: number[] = [];
    const off = sim.onOp((op) => seen.push(op.index!));
    sim.runFor(3);
    const op = sim.recordOp({ process: 0, type: 'invoke', f: 'write', value: 1 });
    expect(op.time).toBe(3_000_000);
    sim.recordOp({ process: 0, type: 'ok', f: 'write', value: 1 });
    off();
    sim.recordOp({ process: 1, type: 'info', f: 'read' });
    expect(seen).toEqual([0, 1]);
    expect(sim.opCounts).toEqual({ ok: 1, fail: 0, info: 1 });
  });

  it('gives nodes independent, seed-determined randomness and monotonic clocks from arbitrary origins', () => {
    const draws = (seed: number) => {
      const sim = new Simulation({ seed });
      const out: number[] = [];
      for (const h of ['a', 'b']) {
        sim.host(h, (env) => {
          out.push(env.rng.next(), env.monoNowMs());
          return {};
        });
      }
      sim.runFor(0);
      return out;
    };
    expect(draws(5)).toEqual(draws(5));
    expect(draws(5)).not.toEqual(draws(6));
    const [ra, ma, rb, mb] = draws(5);
    expect(ra).not.toBe(rb);
    expect(ma).not.toBe(mb);
  });

  it('draws knobs per seed: some seeds calm, some brutal, all printed the same way twice', () => {
    const all = Array.from({ length: 100 }, (_, seed) => drawKnobs(new SeededRng(seed), FAULT_NAMES, 5));
    const active = all.map((k) => [k.partition, k.clock, k.pause, k.crash, k.disk].filter((x) => x !== null).length);
    expect(Math.min(...active)).toBeLessThanOrEqual(2);
    expect(Math.max(...active)).toBe(5);
    const losses = all.map((k) => k.network.lossProbability);
    expect(Math.max(...losses)).toBeGreaterThan(0.1);
    expect(losses.filter((p) => p === 0).length).toBeGreaterThan(5);
    expect(drawKnobs(new SeededRng(7), FAULT_NAMES, 5)).toEqual(drawKnobs(new SeededRng(7), FAULT_NAMES, 5));
    const none = drawKnobs(new SeededRng(7), [], 5);
    expect(none).toEqual({ ...calmKnobs(), intensity: none.intensity });
  });
});
