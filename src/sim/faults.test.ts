import { describe, expect, it } from 'vitest';
import { crc32c } from '../core/checksum/index.js';
import { SeededRng } from '../core/random/index.js';
import type { Env, NodeId } from '../env/index.js';
import { Simulation, planPartition } from './index.js';

/** A node that records every message it receives, tagged with the virtual time. */
function recorder(sim: Simulation, inbox: Array<{ at: number; from: NodeId; to: NodeId; msg: unknown }>) {
  return (env: Env) => {
    env.onMessage((from, msg) => inbox.push({ at: sim.nowMs, from, to: env.nodeId, msg }));
    return {};
  };
}

/** A cluster of recorders plus a way to make any node send from outside. */
function cluster(names: string[], options: ConstructorParameters<typeof Simulation>[0] = { seed: 1 }) {
  const sim = new Simulation(options);
  const inbox: Array<{ at: number; from: NodeId; to: NodeId; msg: unknown }> = [];
  const envs = new Map<NodeId, Env>();
  for (const name of names) {
    sim.host(name, (env) => {
      envs.set(name, env);
      return recorder(sim, inbox)(env);
    });
  }
  sim.runFor(0);
  const send = (from: NodeId, to: NodeId, msg: unknown = `${from}->${to}`): void => envs.get(from)!.send(to, msg);
  const allToAll = (): void => {
    for (const a of names) for (const b of names) if (a !== b) send(a, b);
  };
  const heard = (): Set<string> => new Set(inbox.map((m) => `${m.from}>${m.to}`));
  return { sim, inbox, envs, send, allToAll, heard };
}

describe('network partitions', () => {
  it('a one-way partition delivers in one direction only', () => {
    const { sim, send, heard } = cluster(['a', 'b']);
    sim.partitionOneway('a', 'b');
    send('a', 'b');
    send('b', 'a');
    sim.runFor(10);
    expect(heard()).toEqual(new Set(['b>a']));
    expect(sim.isLinkBlocked('a', 'b')).toBe(true);
    expect(sim.isLinkBlocked('b', 'a')).toBe(false);
    sim.repairOneway('a', 'b');
    send('a', 'b');
    sim.runFor(10);
    expect(heard()).toEqual(new Set(['b>a', 'a>b']));
  });

  it('a partition cuts both directions until repaired; isolate cuts one node from all, rejoin heals it', () => {
    const { sim, send, allToAll, heard, inbox } = cluster(['a', 'b', 'c']);
    sim.partition('a', ['b', 'c']);
    allToAll();
    sim.runFor(10);
    expect(heard()).toEqual(new Set(['b>c', 'c>b']));
    sim.repair('a', ['b', 'c']);
    send('a', 'b');
    send('c', 'a');
    sim.runFor(10);
    expect(heard()).toEqual(new Set(['b>c', 'c>b', 'a>b', 'c>a']));
    inbox.length = 0;
    sim.isolate('c');
    allToAll();
    sim.runFor(10);
    expect(heard()).toEqual(new Set(['a>b', 'b>a']));
    for (const x of ['a', 'b']) expect([sim.isLinkBlocked(x, 'c'), sim.isLinkBlocked('c', x)]).toEqual([true, true]);
    sim.rejoin('c');
    inbox.length = 0;
    allToAll();
    sim.runFor(10);
    expect(heard().size).toBe(6);
    expect(sim.stats.droppedPartition).toBe(4 + 4);
  });

  it('a message held by a paused node is dropped at hand-off if its link was cut meanwhile', () => {
    const { sim, send, heard } = cluster(['a', 'b', 'c']);
    sim.pause('b');
    send('a', 'b');
    send('c', 'b');
    sim.runFor(10); // both arrived and wait for b
    sim.partitionOneway('a', 'b');
    sim.resume('b');
    sim.runFor(0);
    expect(heard()).toEqual(new Set(['c>b']));
    expect(sim.stats.droppedPartition).toBe(1);
  });

  it('a bridge node sees both sides while the sides do not see each other', () => {
    const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const { sim, allToAll, heard } = cluster(names);
    const plan = sim.partitionShape('bridge', names);
    const bridge = /^bridge (\S+) joins \[([^\]]*)\] \| \[([^\]]*)\]$/.exec(plan.description)!;
    const [, b, left, right] = bridge;
    const sideA = left.split(' ');
    const sideB = right.split(' ');
    allToAll();
    sim.runFor(10);
    const h = heard();
    for (const x of [...sideA, ...sideB]) {
      expect(h.has(`${b}>${x}`)).toBe(true);
      expect(h.has(`${x}>${b}`)).toBe(true);
    }
    for (const x of sideA) {
      for (const y of sideB) {
        expect(h.has(`${x}>${y}`)).toBe(false);
        expect(h.has(`${y}>${x}`)).toBe(false);
      }
    }
    expect(h.size).toBe(20 - 2 * sideA.length * sideB.length);
  });

  it('drops messages in flight when a partition starts before they arrive', () => {
    const { sim, send, heard } = cluster(['a', 'b'], { seed: 1, network: { latencyMsMin: 5, latencyMsMedian: 5, latencyMsMax: 5 } });
    send('a', 'b');
    sim.runFor(2);
    sim.partition('a', 'b');
    sim.runFor(10);
    expect(heard().size).toBe(0);
    expect(sim.stats.droppedPartition).toBe(1);
  });

  it('partition shapes cut what they promise', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const rng = new SeededRng(3);
    const cut = (links: ReadonlyArray<readonly [string, string]>) => new Set(links.map(([x, y]) => `${x}>${y}`));
    const isolate = planPartition('isolate', nodes, rng);
    expect(isolate.links).toHaveLength(8);
    const ring = planPartition('ring', nodes, rng);
    const ringCut = cut(ring.links);
    for (const x of nodes) {
      const sees = nodes.filter((y) => y !== x && !ringCut.has(`${x}>${y}`));
      expect(sees.length + 1).toBeGreaterThanOrEqual(3); // a majority, counting itself
      expect(sees.length).toBeLessThan(4); // but not everyone
    }
    const oneway = cut(planPartition('oneway', nodes, rng).links);
    for (const link of oneway) expect(oneway.has(link.split('>').reverse().join('>'))).toBe(false);
    const mm = planPartition('majority-minority', nodes, rng);
    expect([8, 12]).toContain(mm.links.length); // a minority of 1 (1×4×2 links) or 2 (2×3×2)
    const halves = planPartition('halves', nodes, rng);
    expect(halves.links).toHaveLength(12);
  });
});

describe('process pauses', () => {
  it('a paused node fires no timer and handles no message, then sees its clock jump', () => {
    const sim = new Simulation({ seed: 2 });
    const log: Array<{ what: string; at: number; mono: number }> = [];
    let envA!: Env;
    sim.host('a', (env) => {
      envA = env;
      env.onMessage(() => log.push({ what: 'msg', at: sim.nowMs, mono: env.monoNowMs() }));
      const tick = (): void => {
        log.push({ what: 'timer', at: sim.nowMs, mono: env.monoNowMs() });
        env.setTimer(10, tick);
      };
      env.setTimer(10, tick);
      return {};
    });
    sim.host('b', (env) => {
      env.setTimer(30, function ping() {
        env.send('a', 'ping');
        env.setTimer(30, ping);
      });
      return {};
    });
    sim.runFor(100);
    const monoBefore = envA.monoNowMs();
    sim.pause('a');
    sim.runFor(500);
    const during = log.filter((e) => e.at > 100 && e.at < 600);
    expect(during).toEqual([]);
    expect(sim.isPaused('a')).toBe(true);
    sim.resume('a');
    sim.runFor(0);
    const first = log.find((e) => e.at >= 600)!;
    expect(first).toBeDefined();
    expect(first.mono - monoBefore).toBeGreaterThanOrEqual(500);
    // Everything that queued is handled at resume: ~16 pings and one overdue timer.
    const atResume = log.filter((e) => e.at === 600);
    expect(atResume.filter((e) => e.what === 'msg').length).toBeGreaterThanOrEqual(15);
    expect(atResume.filter((e) => e.what === 'timer').length).toBe(1);
  });
});

describe('process pauses and disks', () => {
  it('an fsync that completes during a pause is durable at once; its callback runs on resume', () => {
    const sim = new Simulation({ seed: 3, disk: { fsyncLatencyMsMin: 5, fsyncLatencyMsMax: 5 } });
    let doneAtMs = -1;
    sim.host('a', (env) => {
      env.disk.write('f', Uint8Array.of(1, 2));
      env.disk.fsync('', () => {});
      env.disk.fsync('f', () => (doneAtMs = sim.nowMs));
      return {};
    });
    sim.runFor(1);
    sim.pause('a');
    sim.runFor(20);
    expect(doneAtMs).toBe(-1); // nothing runs while paused…
    expect(sim.diskOf('a').durableContent('f')).toEqual(Uint8Array.of(1, 2)); // …but the device finished
    sim.crash('a'); // a crash now keeps it
    expect(sim.diskOf('a').read('f')).toEqual(Uint8Array.of(1, 2));
    const sim2 = new Simulation({ seed: 3, disk: { fsyncLatencyMsMin: 5, fsyncLatencyMsMax: 5 } });
    sim2.host('a', (env) => {
      env.disk.write('f', Uint8Array.of(1));
      env.disk.fsync('f', () => (doneAtMs = sim2.nowMs));
      return {};
    });
    sim2.runFor(1);
    sim2.pause('a');
    sim2.runFor(20);
    sim2.resume('a');
    sim2.runFor(0);
    expect(doneAtMs).toBe(21);
  });
});

describe('crashes and disks', () => {
  const bytes = (...xs: number[]) => Uint8Array.from(xs);

  it('a crash loses un-fsynced writes and keeps fsynced ones; a torn tail is a prefix of the lost append', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = new Simulation({ seed, disk: { tornWriteProbability: 1 } });
      let phase = 0;
      sim.host('a', (env) => {
        if (phase++ > 0) return {};
        env.disk.append('log', bytes(1, 2, 3));
        env.disk.fsync('', () => {});
        env.disk.fsync('log', () => {
          env.disk.append('log', bytes(4, 5, 6, 7, 8, 9));
          env.disk.append('log', bytes(10, 11));
        });
        return {};
      });
      sim.runFor(5);
      expect(sim.diskOf('a').read('log')).toEqual(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
      sim.crash('a');
      const after = sim.diskOf('a').read('log')!;
      expect(after.length).toBeGreaterThan(3); // torn: some of the first lost append survived
      expect(after.length).toBeLessThan(9); // but never all of it, and nothing of the second
      expect(after).toEqual(bytes(1, 2, 3, 4, 5, 6, 7, 8, 9).subarray(0, after.length));
      expect(sim.stats.tornWrites).toBe(1);
    }
  });

  it('without torn writes a crash keeps exactly the fsynced bytes; a file never made durable in its directory vanishes', () => {
    const sim = new Simulation({ seed: 1 });
    sim.host('a', (env) => {
      if (env.disk.read('kept') !== undefined) return {};
      env.disk.append('kept', bytes(1));
      env.disk.fsync('', () => env.disk.fsync('kept', () => env.disk.append('kept', bytes(2))));
      env.disk.append('orphan', bytes(9));
      env.disk.fsync('orphan', () => {});
      return {};
    });
    sim.runFor(10);
    sim.bounce('a', 1);
    sim.runFor(10);
    expect(sim.diskOf('a').read('kept')).toEqual(bytes(1));
    expect(sim.diskOf('a').read('orphan')).toBeUndefined();
    expect(sim.incarnation('a')).toBe(2);
  });

  it('an fsync that has not completed when the node crashes makes nothing durable', () => {
    const sim = new Simulation({ seed: 1, disk: { fsyncLatencyMsMin: 50, fsyncLatencyMsMax: 50 } });
    let acked = false;
    sim.host('a', (env) => {
      env.disk.write('f', bytes(7));
      env.disk.fsync('', () => {});
      env.disk.fsync('f', () => (acked = true));
      return {};
    });
    sim.runFor(10);
    sim.crash('a');
    sim.runFor(100);
    expect(acked).toBe(false);
    expect(sim.diskOf('a').read('f')).toBeUndefined();
  });

  it('an injected fsync error reports failure and makes nothing durable', () => {
    const sim = new Simulation({ seed: 2, disk: { fsyncErrorProbability: 1 } });
    const results: Array<string | undefined> = [];
    sim.host('a', (env) => {
      env.disk.write('f', bytes(5));
      env.disk.fsync('', (e) => results.push(e?.message));
      env.disk.fsync('f', (e) => results.push(e?.message));
      return {};
    });
    sim.runFor(10);
    expect(results).toHaveLength(2);
    for (const m of results) expect(m).toMatch(/fsync of .* failed/);
    expect(sim.diskOf('a').durableContent('f')).toBeUndefined();
    sim.crash('a');
    expect(sim.diskOf('a').read('f')).toBeUndefined();
  });

  it('a flipped bit in durable data is caught by crc32c', () => {
    const sim = new Simulation({ seed: 4 });
    const payload = new TextEncoder().encode('the vote for term 7 went to n2');
    sim.host('a', (env) => {
      const record = new Uint8Array(payload.length + 4);
      record.set(payload);
      new DataView(record.buffer).setUint32(payload.length, crc32c(payload), true);
      env.disk.write('vote', record);
      env.disk.fsync('', () => env.disk.fsync('vote', () => {}));
      return {};
    });
    sim.runFor(10);
    for (let i = 0; i < 50; i++) {
      const flip = sim.flipBit('a', 'vote')!;
      const data = sim.diskOf('a').read('vote')!;
      const body = data.subarray(0, payload.length);
      const stored = new DataView(data.buffer, data.byteOffset).getUint32(payload.length, true);
      expect(crc32c(body) === stored, `bit ${flip.bitIndex}`).toBe(false);
      sim.flipBit('a', 'vote', flip.bitIndex); // undo
    }
    expect(sim.stats.bitFlips).toBe(100);
  });

  it('a crashed node runs nothing, loses its timers and messages, and restarts through its factory', () => {
    const sim = new Simulation({ seed: 5 });
    let starts = 0;
    let fired = 0;
    let received = 0;
    sim.host('a', (env) => {
      starts++;
      env.onMessage(() => received++);
      env.setTimer(50, () => fired++);
      return {};
    });
    let envB!: Env;
    sim.host('b', (env) => {
      envB = env;
      return {};
    });
    sim.runFor(10);
    sim.crash('a');
    envB.send('a', 'x');
    sim.runFor(100);
    expect({ starts, fired, received }).toEqual({ starts: 1, fired: 0, received: 0 });
    expect(sim.stats.droppedDown).toBe(1);
    sim.restart('a');
    sim.runFor(100);
    envB.send('a', 'y');
    sim.runFor(10);
    expect({ starts, fired, received }).toEqual({ starts: 2, fired: 1, received: 1 });
  });

  it('an Env kept by a crashed incarnation does nothing', () => {
    const sim = new Simulation({ seed: 6 });
    let old!: Env;
    let received = 0;
    sim.host('a', (env) => {
      old ??= env;
      return {};
    });
    sim.host('b', (env) => {
      env.onMessage(() => received++);
      return {};
    });
    sim.runFor(1);
    sim.bounce('a', 1);
    sim.runFor(5);
    old.send('b', 'zombie');
    old.disk.append('f', Uint8Array.of(1));
    let timerFired = false;
    old.setTimer(1, () => (timerFired = true));
    sim.runFor(10);
    expect(received).toBe(0);
    expect(timerFired).toBe(false);
    expect(sim.diskOf('a').read('f')).toBeUndefined();
  });
});

describe('clocks', () => {
  it('a backward step moves wall time back; the monotonic clock never decreases', () => {
    const sim = new Simulation({ seed: 7 });
    const readings: Array<{ wall: number; mono: number }> = [];
    sim.host('a', (env) => {
      const tick = (): void => {
        readings.push({ wall: env.wallNowMs(), mono: env.monoNowMs() });
        env.setTimer(10, tick);
      };
      tick();
      return {};
    });
    sim.runFor(100);
    sim.stepClock('a', -5_000);
    sim.runFor(100);
    const i = readings.findIndex((r, k) => k > 0 && r.wall < readings[k - 1].wall);
    expect(i).toBeGreaterThan(0);
    expect(readings[i - 1].wall - readings[i].wall).toBeCloseTo(5_000 - 10, 6);
    for (let k = 1; k < readings.length; k++) expect(readings[k].mono).toBeGreaterThanOrEqual(readings[k - 1].mono);
    expect(sim.clock('a').offsetMs).toBeCloseTo(-5_000, 6);
  });

  it('an offset moves only the wall clock, each node its own; monotonic readings are untouched', () => {
    const sim = new Simulation({ seed: 7, epochMs: 1_000_000 });
    const envs = new Map<string, Env>();
    for (const name of ['a', 'b']) {
      sim.host(name, (env) => {
        envs.set(name, env);
        return {};
      });
    }
    sim.runFor(100);
    const monoBefore = envs.get('a')!.monoNowMs();
    sim.setClockOffset('a', 5_000);
    sim.setClockOffset('b', -250);
    expect(envs.get('a')!.wallNowMs()).toBe(1_000_000 + 100 + 5_000);
    expect(envs.get('b')!.wallNowMs()).toBe(1_000_000 + 100 - 250);
    expect(envs.get('a')!.monoNowMs()).toBe(monoBefore);
    sim.runFor(50);
    expect(envs.get('a')!.wallNowMs()).toBe(1_000_000 + 150 + 5_000);
    expect(sim.clock('b').offsetMs).toBe(-250);
    sim.setClockOffset('a', 0);
    expect(envs.get('a')!.wallNowMs()).toBe(1_000_000 + 150);
  });

  it('drift in ppm shows over a long run, on both clocks and on timers', () => {
    const sim = new Simulation({ seed: 8 });
    let fires = 0;
    sim.host('fast', (env) => {
      const tick = (): void => {
        fires++;
        env.setTimer(1_000, tick);
      };
      env.setTimer(1_000, tick);
      return {};
    });
    sim.setClockDrift('fast', 200);
    const start = sim.clock('fast');
    sim.runFor(1_000_000); // 1000 s of virtual time
    const end = sim.clock('fast');
    const measuredPpm = ((end.monoNowMs - start.monoNowMs) / 1_000_000 - 1) * 1e6;
    expect(measuredPpm).toBeCloseTo(200, 3);
    expect(end.wallNowMs - start.wallNowMs - (end.monoNowMs - start.monoNowMs)).toBeCloseTo(0, 6);
    // A 1 s local timer: 1000 s × 1.0002 of local time holds 1000 whole periods.
    expect(fires).toBe(1000);
    expect(end.driftPpm).toBe(200);
  });

  it('timers run on the local clock: a 10% fast clock fires a 1 s timer every ~909 ms', () => {
    const sim = new Simulation({ seed: 10 });
    const firedAt: number[] = [];
    sim.host('a', (env) => {
      const tick = (): void => {
        firedAt.push(sim.nowMs);
        env.setTimer(1_000, tick);
      };
      env.setTimer(1_000, tick);
      return {};
    });
    sim.setClockDrift('a', 100_000);
    sim.runFor(10_500);
    expect(firedAt).toHaveLength(11);
    expect(firedAt[0]).toBeCloseTo(1_000 / 1.1, 2);
  });

  it('a slowed clock never fires a timer early on its own monotonic clock', () => {
    const sim = new Simulation({ seed: 9 });
    let setAt = 0;
    let firedAt = 0;
    sim.host('a', (env) => {
      setAt = env.monoNowMs();
      env.setTimer(1_000, () => (firedAt = env.monoNowMs()));
      return {};
    });
    sim.runFor(100);
    sim.setClockDrift('a', -50_000); // 5% slow from now on
    sim.runFor(2_000);
    expect(firedAt - setAt).toBeGreaterThanOrEqual(1_000);
  });
});

describe('link faults', () => {
  function blast(network: ConstructorParameters<typeof Simulation>[0]['network'], count = 20_000) {
    const { sim, send, inbox } = cluster(['a', 'b'], { seed: 11, network });
    for (let i = 0; i < count; i++) send('a', 'b', i);
    sim.runFor(60_000);
    return { sim, inbox };
  }

  it('loses and duplicates messages at roughly the configured rates', () => {
    const { sim, inbox } = blast({ lossProbability: 0.1, duplicateProbability: 0.05 });
    expect(sim.stats.droppedLoss / 20_000).toBeCloseTo(0.1, 1);
    expect(sim.stats.duplicated / 18_000).toBeCloseTo(0.05, 1);
    expect(inbox.length).toBe(20_000 - sim.stats.droppedLoss + sim.stats.duplicated);
  });

  it('keeps each link FIFO unless reordering is on', () => {
    const lognormal = { latencyMsMin: 1, latencyMsMedian: 5, latencySigma: 1, latencyMsMax: 500 };
    const fifo = blast(lognormal, 2_000).inbox.map((m) => m.msg as number);
    expect(fifo).toEqual([...fifo].sort((x, y) => x - y));
    const shuffled = blast({ ...lognormal, reorderProbability: 0.3 }, 2_000).inbox.map((m) => m.msg as number);
    expect(shuffled).not.toEqual([...shuffled].sort((x, y) => x - y));
  });

  it('draws latency from a heavy tail, capped at latencyMsMax', () => {
    const { inbox } = blast({ reorderProbability: 1, latencyMsMin: 1, latencyMsMedian: 5, latencySigma: 0.5, latencyTailProbability: 0.05, latencyTailAlpha: 1.2, latencyMsMax: 2_000 });
    const latencies = inbox.map((m) => m.at - 0).sort((x, y) => x - y);
    const q = (p: number): number => latencies[Math.floor(p * (latencies.length - 1))];
    expect(q(0.5)).toBeGreaterThan(4);
    expect(q(0.5)).toBeLessThan(7);
    expect(q(0.999)).toBeGreaterThan(20 * q(0.5));
    expect(q(1)).toBeLessThanOrEqual(2_000);
    expect(q(0)).toBeGreaterThanOrEqual(1);
  });
});
