import type { NodeId } from '../env/index.js';
import type { Rng } from '../core/random/rng.js';
import type { FaultKnobs } from './knobs.js';
import { planPartition, type PartitionPlan } from './partitions.js';
import type { Simulation } from './simulation.js';

/**
 * The random nemesis: one seeded process per fault family, each on its own
 * forked rng (so turning one family off does not shift another's draws),
 * each acting through the Simulation's public fault verbs — the same ones a
 * scripted test uses. It targets hosts only; clients are left alone.
 */
export class RandomNemesis {
  readonly #sim: Simulation;
  readonly #knobs: FaultKnobs;
  readonly #rng: { partition: Rng; clock: Rng; pause: Rng; crash: Rng; disk: Rng };
  #active = false;
  #crashStopped = 0;
  #partition: PartitionPlan | undefined;

  constructor(sim: Simulation, knobs: FaultKnobs, rng: Rng) {
    this.#sim = sim;
    this.#knobs = knobs;
    this.#rng = { partition: rng.fork(), clock: rng.fork(), pause: rng.fork(), crash: rng.fork(), disk: rng.fork() };
  }

  start(): void {
    this.#active = true;
    const { network, partition, clock, pause, crash, disk } = this.#knobs;
    const sim = this.#sim;
    sim.setNetwork(network);
    if (disk !== null) {
      sim.setDisk({
        tornWriteProbability: disk.tornWriteProbability,
        fsyncLatencyMsMax: Math.max(disk.fsyncLatencyMsMax, sim.disk.fsyncLatencyMsMin),
      });
      this.#every(this.#rng.disk, disk.bitFlipMeanIntervalMs, () => this.#flipBit());
    }
    if (clock !== null) {
      const r = this.#rng.clock;
      for (const host of sim.hosts) {
        sim.setClockOffset(host, symmetric(r, clock.offsetMsMax));
        sim.setClockDrift(host, symmetric(r, clock.driftPpmMax));
      }
      this.#every(r, clock.stepMeanIntervalMs, () => this.#clockEvent());
    }
    if (partition !== null) this.#every(this.#rng.partition, partition.meanIntervalMs, () => this.#partitionEvent());
    if (pause !== null) this.#every(this.#rng.pause, pause.meanIntervalMs, () => this.#pauseEvent());
    if (crash !== null) this.#every(this.#rng.crash, crash.meanIntervalMs, () => this.#crashEvent());
  }

  /** Stop drawing faults; scheduled undo actions become no-ops (healAll repairs everything). */
  stop(): void {
    this.#active = false;
  }

  /** Run `action` at exponentially distributed intervals with mean `meanMs`, while active. */
  #every(rng: Rng, meanMs: number, action: () => void): void {
    const tick = (): void => {
      if (!this.#active) return;
      action();
      this.#sim.after(exponential(rng, meanMs), tick);
    };
    this.#sim.after(exponential(rng, meanMs), tick);
  }

  #pick(rng: Rng, ok: (host: NodeId) => boolean): NodeId | undefined {
    const candidates = this.#sim.hosts.filter(ok);
    return candidates.length === 0 ? undefined : candidates[rng.int(candidates.length)];
  }

  #partitionEvent(): void {
    const k = this.#knobs.partition!;
    const r = this.#rng.partition;
    const hosts = this.#sim.hosts;
    if (this.#partition !== undefined || hosts.length < 2) return; // one partition at a time
    const shape = k.shapes[r.int(k.shapes.length)];
    const plan = planPartition(shape, hosts, r);
    this.#partition = plan;
    this.#sim.applyPlan(plan);
    this.#sim.after(uniform(r, k.durationMsMin, k.durationMsMax), () => {
      if (!this.#active) return;
      this.#sim.repairPlan(plan);
      this.#partition = undefined;
    });
  }

  #clockEvent(): void {
    const k = this.#knobs.clock!;
    const r = this.#rng.clock;
    const host = this.#pick(r, () => true);
    if (host === undefined) return;
    if (r.next() < 0.25) {
      this.#sim.setClockDrift(host, symmetric(r, k.driftPpmMax));
      return;
    }
    const magnitude = Math.max(0.001, round3(r.next() * k.stepMsMax));
    this.#sim.stepClock(host, r.next() < k.backwardProbability ? -magnitude : magnitude);
  }

  #pauseEvent(): void {
    const k = this.#knobs.pause!;
    const r = this.#rng.pause;
    const sim = this.#sim;
    const host = this.#pick(r, (h) => sim.isUp(h) && !sim.isPaused(h));
    if (host === undefined) return;
    sim.pause(host);
    sim.after(logUniform(r, 1, k.durationMsMax), () => {
      if (this.#active) sim.resume(host);
    });
  }

  #crashEvent(): void {
    const k = this.#knobs.crash!;
    const r = this.#rng.crash;
    const sim = this.#sim;
    const host = this.#pick(r, (h) => sim.isUp(h));
    if (host === undefined) return;
    const stop = r.next() < k.crashStopProbability;
    const downtimeMs = logUniform(r, 1, k.downtimeMsMax);
    if (stop && this.#crashStopped < k.maxCrashStopped) {
      this.#crashStopped++;
      sim.crash(host);
    } else {
      sim.bounce(host, downtimeMs);
    }
  }

  #flipBit(): void {
    const r = this.#rng.disk;
    const host = this.#pick(r, () => true);
    if (host !== undefined) this.#sim.flipBit(host);
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Exponential with the given mean, in ms rounded to µs. */
function exponential(rng: Rng, meanMs: number): number {
  return round3(-meanMs * Math.log(1 - rng.next()));
}

function uniform(rng: Rng, minMs: number, maxMs: number): number {
  return round3(minMs + (maxMs - minMs) * rng.next());
}

function logUniform(rng: Rng, minMs: number, maxMs: number): number {
  if (maxMs <= minMs) return minMs;
  return round3(Math.exp(Math.log(minMs) + (Math.log(maxMs) - Math.log(minMs)) * rng.next()));
}

function symmetric(rng: Rng, max: number): number {
  return round3((2 * rng.next() - 1) * max);
}
