/**
 * gossip-vs-heartbeat — why clusters past a few dozen nodes stop
 * heartbeating all-to-all (SWIM, Das et al. 2002; memberlist).
 *
 * N nodes on a LAN; one of them crashes. Two ways to notice:
 *
 * - unsafe: all-to-all heartbeats, one a second to every peer, a peer
 *   declared dead after `HEARTBEAT_TIMEOUT_MS` of silence. Every node sends
 *   and receives N − 1 messages a second: the load grows with the cluster.
 * - safe: SWIM with Lifeguard, memberlist's LAN defaults. Every node probes
 *   one member a second (a ping and an ack) and gossips news piggybacked on
 *   those packets: the load per node stays flat. Detection is slower and
 *   grows with log N (the suspicion timeout), which is the price.
 *
 * A violation is a node whose failure-detection traffic (messages sent plus
 * received, per second, over the run) exceeds `LOAD_BUDGET_PER_S`: past that,
 * detecting failures becomes a load of its own.
 */
import { Simulation, type Env } from '../../sim/index.js';
import { MembershipNode, type MembershipEnv } from '../../membership/index.js';
import type { Scenario, ScenarioOptions, ScenarioOutcome, ScenarioReport } from '../scenario.js';

export const CLUSTER_SIZES = [5, 50, 500] as const;
export const HEARTBEAT_INTERVAL_MS = 1_000;
/** Silence after which a heartbeating node declares a peer dead (interval + 3 s, Akka's acceptable pause). */
export const HEARTBEAT_TIMEOUT_MS = 4_000;
/** Messages (sent + received) per node per second a node may spend on failure detection. */
export const LOAD_BUDGET_PER_S = 20;
/** The crash happens here; the run ends when every live node has noticed, or at the cap. */
const CRASH_AT_MS = 3_000;
/** Load is counted from here (after the start-up announcements) to the end of the run. */
const LOAD_FROM_MS = 1_000;
const HEARTBEAT_RUN_CAP_MS = CRASH_AT_MS + 3 * HEARTBEAT_TIMEOUT_MS;
const SWIM_RUN_CAP_MS = CRASH_AT_MS + 90_000;
const NETWORK = { latencyMsMin: 0.2, latencyMsMedian: 0.5, latencySigma: 0.5, latencyMsMax: 10 } as const;

export interface LoadRow {
  readonly protocol: 'all-to-all heartbeats' | 'SWIM';
  readonly nodes: number;
  /** Mean over nodes of (messages sent + received) per second, from 1 s to the end of the run. */
  readonly messagesPerNodePerS: number;
  readonly maxMessagesPerNodePerS: number;
  /** Mean bytes sent per node per second (SWIM's packets; heartbeats count 16 bytes each). */
  readonly bytesSentPerNodePerS: number;
  /** Crash → the first live node declares it dead, ms. */
  readonly firstDetectionMs: number;
  /** Crash → the last live node does, ms (Infinity: some never did). */
  readonly allDetectedMs: number;
  /** Nodes over the load budget. */
  readonly overBudget: number;
  readonly simulatedMs: number;
}

/** A heartbeat on the wire: a type, a sender, a sequence number — 16 bytes is generous. */
const HEARTBEAT_BYTES = 16;

function names(n: number): readonly string[] {
  return Object.freeze(Array.from({ length: n }, (_, i) => `n${i + 1}`));
}

/** Per-node message and byte counts, with a snapshot at `LOAD_FROM_MS` to leave the start-up out. */
class Counter {
  readonly sent: Float64Array;
  readonly received: Float64Array;
  readonly bytes: Float64Array;
  #base: [Float64Array, Float64Array, Float64Array] | undefined;

  constructor(sim: Simulation, n: number) {
    this.sent = new Float64Array(n);
    this.received = new Float64Array(n);
    this.bytes = new Float64Array(n);
    sim.at(LOAD_FROM_MS, () => {
      this.#base = [this.sent.slice(), this.received.slice(), this.bytes.slice()];
    });
  }

  row(protocol: LoadRow['protocol'], n: number, simulatedMs: number, crashed: number, detections: Float64Array): LoadRow {
    const [sent0, received0, bytes0] = this.#base!;
    const seconds = (simulatedMs - LOAD_FROM_MS) / 1000;
    let total = 0;
    let max = 0;
    let bytes = 0;
    let over = 0;
    for (let i = 0; i < n; i++) {
      const perS = (this.sent[i] - sent0[i] + this.received[i] - received0[i]) / seconds;
      total += perS;
      max = Math.max(max, perS);
      bytes += (this.bytes[i] - bytes0[i]) / seconds;
      if (perS > LOAD_BUDGET_PER_S) over++;
    }
    let first = Infinity;
    let last = 0;
    for (let i = 0; i < n; i++) {
      if (i === crashed) continue;
      first = Math.min(first, detections[i]);
      last = Math.max(last, detections[i]);
    }
    return {
      protocol,
      nodes: n,
      messagesPerNodePerS: total / n,
      maxMessagesPerNodePerS: max,
      bytesSentPerNodePerS: bytes / n,
      firstDetectionMs: first - CRASH_AT_MS,
      allDetectedMs: last - CRASH_AT_MS,
      overBudget: over,
      simulatedMs,
    };
  }
}

/** All-to-all heartbeats: every node beats to every peer each interval and times out silent ones. */
export function runHeartbeats(n: number, seed: number): LoadRow {
  const sim = new Simulation({ seed, network: NETWORK });
  const all = names(n);
  const counter = new Counter(sim, n);
  const detections = new Float64Array(n).fill(Infinity);
  const crashed = sim.forkRng().int(n);
  let undetected = n - 1;
  const beat = { type: 'heartbeat' } as const;
  all.forEach((me, i) => {
    sim.host(me, (env: Env) => {
      const lastHeardMs = new Float64Array(n).fill(env.monoNowMs());
      const index = new Map(all.map((name, j) => [name, j]));
      env.onMessage((from) => {
        counter.received[i]++;
        lastHeardMs[index.get(from)!] = env.monoNowMs();
      });
      const tick = (): void => {
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          env.send(all[j], beat);
          counter.sent[i]++;
          counter.bytes[i] += HEARTBEAT_BYTES;
        }
        const now = env.monoNowMs();
        if (detections[i] === Infinity && now - lastHeardMs[crashed] > HEARTBEAT_TIMEOUT_MS) {
          detections[i] = sim.nowMs;
          if (--undetected === 0) sim.stop();
        }
        env.setTimer(HEARTBEAT_INTERVAL_MS, tick);
      };
      env.setTimer(env.rng.next() * HEARTBEAT_INTERVAL_MS, tick);
      return {};
    });
  });
  sim.at(CRASH_AT_MS, () => sim.crash(all[crashed]));
  sim.runUntil(HEARTBEAT_RUN_CAP_MS);
  return counter.row('all-to-all heartbeats', n, sim.nowMs, crashed, detections);
}

/** SWIM (memberlist's LAN defaults): the same crash, detected by probes and spread by gossip. */
export function runSwim(n: number, seed: number): LoadRow {
  const sim = new Simulation({ seed, network: NETWORK });
  const all = names(n);
  const counter = new Counter(sim, n);
  const detections = new Float64Array(n).fill(Infinity);
  const crashed = sim.forkRng().int(n);
  let undetected = n - 1;
  all.forEach((me, i) => {
    sim.host(me, (env: Env) => {
      // The node sees the Env through a wrapper that counts what it sends.
      const counted: MembershipEnv = {
        nodeId: env.nodeId,
        rng: env.rng,
        monoNowMs: () => env.monoNowMs(),
        setTimer: (delayMs, fn) => env.setTimer(delayMs, fn),
        clearTimer: (id) => env.clearTimer(id),
        log: (event, fields) => env.log(event, fields),
        send: (to, packet) => {
          counter.sent[i]++;
          counter.bytes[i] += (packet as Uint8Array).length;
          env.send(to, packet);
        },
      };
      const node = new MembershipNode(counted, { members: all });
      env.onMessage((from, packet) => {
        counter.received[i]++;
        node.receive(from, packet);
      });
      node.onEvent((e) => {
        if (e.type === 'dead' && e.member === all[crashed] && detections[i] === Infinity) {
          detections[i] = sim.nowMs;
          if (--undetected === 0) sim.stop();
        }
      });
      node.start();
      return { stop: () => node.stop() };
    });
  });
  sim.at(CRASH_AT_MS, () => sim.crash(all[crashed]));
  sim.runUntil(SWIM_RUN_CAP_MS);
  return counter.row('SWIM', n, sim.nowMs, crashed, detections);
}

export interface GossipVsHeartbeatRun {
  readonly heartbeats: readonly LoadRow[];
  readonly swim: readonly LoadRow[];
}

export function runGossipVsHeartbeat(seed: number, sizes: readonly number[] = CLUSTER_SIZES): GossipVsHeartbeatRun {
  return { heartbeats: sizes.map((n) => runHeartbeats(n, seed)), swim: sizes.map((n) => runSwim(n, seed)) };
}

const seconds = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'never');

/** The table the story prints: one line per protocol and size. */
export function formatTable(run: GossipVsHeartbeatRun): string[] {
  const header = `${'protocol'.padEnd(22)} ${'nodes'.padStart(5)} ${'msgs/node/s'.padStart(12)} ${'max'.padStart(7)} ${'bytes out/node/s'.padStart(17)} ${'first detection'.padStart(16)} ${'all detected'.padStart(13)} ${'over budget'.padStart(12)}`;
  const rows = [...run.heartbeats, ...run.swim].map(
    (r) =>
      `${r.protocol.padEnd(22)} ${String(r.nodes).padStart(5)} ${r.messagesPerNodePerS.toFixed(1).padStart(12)} ${r.maxMessagesPerNodePerS.toFixed(1).padStart(7)} ${Math.round(r.bytesSentPerNodePerS).toString().padStart(17)} ${seconds(r.firstDetectionMs).padStart(16)} ${seconds(r.allDetectedMs).padStart(13)} ${String(r.overBudget).padStart(12)}`,
  );
  return [header, ...rows];
}

function outcome(rows: readonly LoadRow[]): ScenarioOutcome {
  return {
    violations: rows.reduce((sum, r) => sum + r.overBudget, 0),
    loadBudgetPerS: LOAD_BUDGET_PER_S,
    rows: rows.map((r) => ({ ...r, allDetectedMs: Number.isFinite(r.allDetectedMs) ? r.allDetectedMs : null })),
  };
}

export const gossipVsHeartbeat: Scenario = {
  name: 'gossip-vs-heartbeat',
  summary: 'message load and detection time of all-to-all heartbeats vs SWIM gossip at 5, 50 and 500 nodes',
  defaultSeed: 1,
  run({ seed }: ScenarioOptions): ScenarioReport {
    const run = runGossipVsHeartbeat(seed);
    const [hb5, , hb500] = run.heartbeats;
    const [sw5, , sw500] = run.swim;
    return {
      scenario: 'gossip-vs-heartbeat',
      seed,
      unsafe: outcome(run.heartbeats),
      safe: outcome(run.swim),
      story: [
        `A LAN of 5, 50 and 500 nodes; one crashes at ${CRASH_AT_MS / 1000} s. Violation: a node spending more than ${LOAD_BUDGET_PER_S} messages a second on failure detection.`,
        ...formatTable(run),
        `All-to-all heartbeats cost every node N − 1 messages each way a second: ${hb5.messagesPerNodePerS.toFixed(0)} at 5 nodes, ${hb500.messagesPerNodePerS.toFixed(0)} at 500 — it grows linearly, and so does the cluster's total, quadratically.`,
        `SWIM costs each node a ping and an ack each way a second, plus the gossip about the crash, whatever the size (${sw5.messagesPerNodePerS.toFixed(1)} at 5, ${sw500.messagesPerNodePerS.toFixed(1)} at 500),`,
        `and pays in detection time, which grows with log N (the suspicion timeout): ${seconds(sw5.allDetectedMs)} at 5 nodes, ${seconds(sw500.allDetectedMs)} at 500, against ${seconds(hb500.allDetectedMs)} for heartbeats.`,
      ],
    };
  },
};
