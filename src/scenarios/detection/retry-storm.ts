/**
 * retry-storm — many clients retry against a server that is coming back.
 *
 * In the simulator the server has just crashed; 200 calls (4 client nodes ×
 * 50 concurrent calls, as after a cache flush) all hit it at once and time
 * out. It restarts after RECOVER_AT_MS and can then serve CAPACITY_PER_WINDOW
 * requests per 100 ms, shedding the rest with a fast "overloaded" reply.
 * Every call retries with the project's `RetryPolicy` (its synchronous
 * core, `RetrySession`, driven by the simulator's timers): up to 8 attempts,
 * exponential backoff from 100 ms, capped at 10 s.
 *
 * - unsafe: no jitter — calls that failed together retry together, so the
 *   recovered server meets the whole crowd in one 100 ms window, serves 20,
 *   sheds the rest, and the survivors come back together again: waves.
 * - full jitter: each delay is uniform in [0, base·2ⁿ): the same calls
 *   arrive spread out, and the server serves them instead of shedding them.
 *   This is `safe`.
 * - full jitter + a `RetryBudget` per client node (Finagle's defaults:
 *   retries ≤ 20 % of the calls made + 10/s over 10 s): the fleet's retries are
 *   capped whatever the per-call limit says. During an outage nothing
 *   succeeds, so the budget runs dry and calls fail fast instead of piling
 *   on: far fewer attempts, and here — a 3 s outage — no call succeeds. It is
 *   the right trade for a long outage or steady traffic (retries cannot
 *   multiply the load), the wrong one for a blip; the scenario shows both
 *   sides in numbers.
 *
 * A violation is a wave: a 100 ms window in which the recovered server
 * received more than twice what it can serve (it turned away more than it served).
 */
import { envTimekeeper, exponentialBackoff, RetryBudget, RetryPolicy } from '../../core/resilience/index.js';
import type { GiveUpReason, JitterMode, RetrySession } from '../../core/resilience/index.js';
import { Simulation } from '../../sim/index.js';
import type { Env } from '../../sim/index.js';
import type { Scenario, ScenarioOptions, ScenarioOutcome, ScenarioReport } from '../scenario.js';

const CLIENT_NODES = 4;
const CALLS_PER_CLIENT = 50;
/** The server comes back this long after the calls start (true time), ms. */
export const RECOVER_AT_MS = 3_000;
/** Requests the server serves per window once back; the rest get "overloaded". */
export const CAPACITY_PER_WINDOW = 20;
export const WINDOW_MS = 100;
/** An attempt with no reply by then has failed, ms. */
const ATTEMPT_TIMEOUT_MS = 500;
const MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 10_000;
/** Calls start within this much of each other (a thundering herd), ms. */
const START_SPREAD_MS = 10;
/** Long enough for the slowest schedule (8 attempts, no jitter) to end, ms. */
const RUN_MS = 60_000;
const NETWORK = { latencyMsMin: 1, latencyMsMedian: 3, latencySigma: 0.5, latencyMsMax: 50 } as const;
/** Finagle’s defaults, per client node: retries ≤ 20 % of the calls made + 10/s, over a 10 s window. */
const BUDGET = { percentCanRetry: 0.2, minRetriesPerSecond: 10, windowMs: 10_000 } as const;
/** A wave: a window in which the recovered server had to turn away more requests than it served. */
export const WAVE_LOAD_PER_WINDOW = 2 * CAPACITY_PER_WINDOW;

interface Request {
  readonly kind: 'request';
  readonly call: number;
  readonly attempt: number;
}
interface Reply {
  readonly kind: 'reply';
  readonly call: number;
  readonly attempt: number;
  readonly ok: boolean;
}

export type StormVariant = 'no jitter' | 'full jitter' | 'full jitter + budget';

export interface StormResult {
  readonly variant: StormVariant;
  readonly calls: number;
  readonly succeeded: number;
  /** Calls that gave up, by reason. */
  readonly gaveUp: Partial<Record<GiveUpReason, number>>;
  /** Attempts sent, first tries included. */
  readonly attempts: number;
  /** Requests that reached the server while it was up. */
  readonly served: number;
  readonly shed: number;
  /** Most requests the recovered server received in one window. */
  readonly peakLoadPerWindow: number;
  /** Windows in which the recovered server received more than CAPACITY_PER_WINDOW (it shed some). */
  readonly overloadedWindows: number;
  /** Windows in which it received more than WAVE_LOAD_PER_WINDOW (it shed more than it served): the violations. */
  readonly waves: number;
  /** Requests per window reaching the up server, from the recovery on (for the story's sparkline). */
  readonly loadPerWindow: readonly number[];
  /** When the last call ended (success or give-up), ms after the start. */
  readonly lastCallEndedMs: number;
  readonly traceHash: string;
}

interface CallState {
  session: RetrySession;
  /** The attempt in flight (replies for older attempts are late and ignored). */
  attempt: number;
  timer: number | undefined;
}

export function runRetryStorm(seed: number, variant: StormVariant): StormResult {
  const jitter: JitterMode = variant === 'no jitter' ? 'none' : 'full';
  const withBudget = variant === 'full jitter + budget';
  const sim = new Simulation({ seed, network: NETWORK });
  const serverLoad = new Map<number, number>();
  let serverUp = false;
  let attempts = 0;
  let served = 0;
  let shed = 0;
  let succeeded = 0;
  let lastCallEndedMs = 0;
  const gaveUp: Partial<Record<GiveUpReason, number>> = {};

  sim.host('server', (env: Env) => {
    let slot = -1;
    let inSlot = 0;
    env.onMessage((from, message) => {
      const request = message as Request;
      const nowMs = env.monoNowMs();
      const s = Math.floor(nowMs / WINDOW_MS);
      if (s !== slot) {
        slot = s;
        inSlot = 0;
      }
      const window = Math.floor(sim.nowMs / WINDOW_MS);
      serverLoad.set(window, (serverLoad.get(window) ?? 0) + 1);
      const ok = inSlot < CAPACITY_PER_WINDOW;
      if (ok) {
        inSlot++;
        served++;
      } else {
        shed++;
      }
      const reply: Reply = { kind: 'reply', call: request.call, attempt: request.attempt, ok };
      env.send(from, reply);
    });
    return {};
  });
  // The server has just crashed when the calls arrive; it restarts at RECOVER_AT_MS.
  sim.at(0, () => sim.crash('server'));
  sim.at(RECOVER_AT_MS, () => {
    sim.restart('server');
    serverUp = true;
  });

  for (let n = 0; n < CLIENT_NODES; n++) {
    sim.client(`client-${n}`, (env: Env) => {
      const policy = new RetryPolicy({
        timekeeper: envTimekeeper(env),
        rng: env.rng,
        maxAttempts: MAX_ATTEMPTS,
        backoff: exponentialBackoff({ baseMs: BACKOFF_BASE_MS, capMs: BACKOFF_CAP_MS, jitter }),
        budget: withBudget ? new RetryBudget(BUDGET) : undefined,
      });
      const calls = new Map<number, CallState>();
      const end = (call: number): void => {
        calls.delete(call);
        lastCallEndedMs = Math.max(lastCallEndedMs, sim.nowMs);
      };
      const send = (call: number): void => {
        const state = calls.get(call)!;
        attempts++;
        const request: Request = { kind: 'request', call, attempt: state.attempt };
        env.send('server', request);
        state.timer = env.setTimer(ATTEMPT_TIMEOUT_MS, () => failed(call, 'timeout'));
      };
      const failed = (call: number, why: 'timeout' | 'overloaded'): void => {
        const state = calls.get(call)!;
        state.timer = undefined;
        const decision = state.session.failed(why, env.monoNowMs());
        if (!decision.retry) {
          gaveUp[decision.reason] = (gaveUp[decision.reason] ?? 0) + 1;
          end(call);
          return;
        }
        state.attempt = decision.attempt;
        env.setTimer(decision.delayMs, () => send(call));
      };
      env.onMessage((_from, message) => {
        const reply = message as Reply;
        const state = calls.get(reply.call);
        if (!state || reply.attempt !== state.attempt || state.timer === undefined) return; // late: that attempt already timed out
        env.clearTimer(state.timer);
        state.timer = undefined;
        if (reply.ok) {
          state.session.succeeded();
          succeeded++;
          end(reply.call);
        } else {
          failed(reply.call, 'overloaded');
        }
      });
      for (let c = 0; c < CALLS_PER_CLIENT; c++) {
        const call = n * CALLS_PER_CLIENT + c;
        env.setTimer(env.rng.next() * START_SPREAD_MS, () => {
          calls.set(call, { session: policy.begin(env.monoNowMs()), attempt: 0, timer: undefined });
          send(call);
        });
      }
      return {};
    });
  }
  sim.runUntil(RUN_MS);

  // Invariants: every call ended exactly once; every request the up server got was served or shed.
  const total = CLIENT_NODES * CALLS_PER_CLIENT;
  const ended = succeeded + Object.values(gaveUp).reduce((a, b) => a + b, 0);
  if (ended !== total) throw new Error(`retry-storm: ${ended} of ${total} calls ended by ${RUN_MS} ms (seed ${seed}, ${variant})`);
  if (!serverUp) throw new Error('retry-storm: the server never came back');
  const firstWindow = Math.floor(RECOVER_AT_MS / WINDOW_MS);
  const lastWindow = Math.max(firstWindow, ...serverLoad.keys());
  const loadPerWindow: number[] = [];
  for (let w = firstWindow; w <= lastWindow; w++) loadPerWindow.push(serverLoad.get(w) ?? 0);
  return {
    variant,
    calls: total,
    succeeded,
    gaveUp,
    attempts,
    served,
    shed,
    peakLoadPerWindow: Math.max(0, ...loadPerWindow),
    overloadedWindows: loadPerWindow.filter((n) => n > CAPACITY_PER_WINDOW).length,
    waves: loadPerWindow.filter((n) => n > WAVE_LOAD_PER_WINDOW).length,
    loadPerWindow,
    lastCallEndedMs: Math.round(lastCallEndedMs),
    traceHash: sim.traceHash,
  };
}

function summary(r: StormResult): ScenarioOutcome {
  return {
    violations: r.waves,
    variant: r.variant,
    attempts: r.attempts,
    succeeded: r.succeeded,
    gaveUp: r.gaveUp,
    peakLoadPerWindow: r.peakLoadPerWindow,
    overloadedWindows: r.overloadedWindows,
    waves: r.waves,
    served: r.served,
    shed: r.shed,
    lastCallEndedMs: r.lastCallEndedMs,
    traceHash: r.traceHash,
  };
}

/** Load per second after the recovery as a row of block characters (10 windows per glyph, scaled to the peak). */
function sparkline(r: StormResult, seconds = 12): string {
  const glyphs = ' ▁▂▃▄▅▆▇█';
  const perSecond: number[] = [];
  for (let s = 0; s < seconds; s++) perSecond.push(r.loadPerWindow.slice(s * 10, s * 10 + 10).reduce((a, b) => a + b, 0));
  const peak = Math.max(1, ...perSecond);
  return perSecond.map((n) => glyphs[Math.round((n / peak) * (glyphs.length - 1))]).join('');
}

function line(r: StormResult): string {
  const gave = Object.entries(r.gaveUp)
    .map(([reason, n]) => `${n} (${reason})`)
    .join(', ');
  return (
    `${r.variant.padEnd(21)} peak ${String(r.peakLoadPerWindow).padStart(3)}/100 ms, ${String(r.waves).padStart(2)} waves, ` +
    `${String(r.attempts).padStart(4)} attempts, ${String(r.succeeded).padStart(3)} ok, gave up ${gave || 0}; last call ended at ${(r.lastCallEndedMs / 1000).toFixed(1)} s`
  );
}

export const retryStorm: Scenario = {
  name: 'retry-storm',
  summary: '200 calls retry against a recovering server: no jitter makes waves, full jitter spreads them, a budget caps the load',
  defaultSeed: 1,
  run({ seed }: ScenarioOptions): ScenarioReport {
    const none = runRetryStorm(seed, 'no jitter');
    const full = runRetryStorm(seed, 'full jitter');
    const budget = runRetryStorm(seed, 'full jitter + budget');
    return {
      scenario: 'retry-storm',
      seed,
      unsafe: summary(none),
      safe: { ...summary(full), withBudget: summary(budget) },
      story: [
        `${CLIENT_NODES * CALLS_PER_CLIENT} calls hit a crashed server at once; it is back after ${RECOVER_AT_MS / 1000} s and serves ${CAPACITY_PER_WINDOW} per ${WINDOW_MS} ms, shedding the rest.`,
        `Each call: up to ${MAX_ATTEMPTS} attempts, ${ATTEMPT_TIMEOUT_MS} ms timeout, backoff ${BACKOFF_BASE_MS} ms · 2ⁿ (cap ${BACKOFF_CAP_MS / 1000} s). Violation: a wave (over ${WAVE_LOAD_PER_WINDOW} in 100 ms).`,
        line(none),
        line(full),
        line(budget),
        'requests reaching the server per second after it is back (one glyph per second, each row scaled to its own peak):',
        `  no jitter   |${sparkline(none)}|  calls that failed together come back together, in waves`,
        `  full jitter |${sparkline(full)}|  the same calls, spread out: all served`,
        `  + budget    |${sparkline(budget)}|  retries capped at 20 % of calls + 10/s per client: dry before the server is back`,
        'The budget protects the server, not the call: in a 3 s outage it fails calls fast; in a long one it keeps retries from multiplying the load.',
      ],
    };
  },
};
