/**
 * `clock-step-back` — a timeout measured on the wall clock misfires when NTP
 * steps the clock back (DDIA ch. 8, "Monotonic Versus Time-of-Day Clocks";
 * the reading's example steps a clock back 5 s).
 *
 * A client sends a request to a server every `sendEveryMs`, each with a
 * `timeoutMs` deadline, and checks its deadlines on a `tickMs` poll (the
 * usual `if (now() >= deadline) fail(request)` loop). The server crashes, so
 * from then on every request must time out. The client's wall clock had run
 * ahead and NTP steps it back, once or a few times:
 *  - unsafe: deadlines are taken from `env.wallNowMs()` — every deadline
 *    pending at a step fires that much late (the client waits on a dead server);
 *  - safe: deadlines are taken from `env.monoNowMs()`, which a step does not move.
 * The judge measures each timeout in true time: one that fires earlier than
 * `timeoutMs` or later than `timeoutMs` + one poll (+ 1 ms) misfired.
 */
import type { Env } from '../../env/index.js';
import { Simulation } from '../../sim/index.js';
import type { Scenario, ScenarioOutcome, ScenarioReport } from '../scenario.js';
import { SCENARIO_EPOCH_MS, formatMs, formatMsRange, formatRunTime, logUniformMs, plural, scenarioRng } from './common.js';

type Mode = 'wall' | 'monotonic';

interface Params {
  timeoutMs: number;
  sendEveryMs: number;
  tickMs: number;
  crashAtMs: number;
  /** NTP steps: true time and size (ms, all backwards). */
  steps: Array<{ atMs: number; backMs: number }>;
  driftPpm: number;
  latencyMsMedian: number;
}

const SLACK_MS = 1;
const TEXTBOOK_STEP_MS = 5_000;
const AFTER_LAST_STEP_MS = 500;

export function drawClockStepBackParams(seed: number): Params {
  const rng = scenarioRng(seed);
  const timeoutMs = 100 * rng.intBetween(2, 20);
  const sendEveryMs = 10 * rng.intBetween(5, 30);
  const crashAtMs = 100 * rng.intBetween(5, 30);
  const steps: Params['steps'] = [];
  let at = crashAtMs + timeoutMs; // requests are pending (and unanswerable) from here on
  for (let i = rng.intBetween(1, 3); i > 0; i--) {
    at += 10 * rng.intBetween(10, 200);
    // One step in ten is the textbook's 5 s; the rest spread from 50 ms to 5 s.
    steps.push({ atMs: at, backMs: rng.chance(0.1) ? TEXTBOOK_STEP_MS : logUniformMs(rng, 50, TEXTBOOK_STEP_MS, 10) });
  }
  return {
    timeoutMs,
    sendEveryMs,
    tickMs: rng.intBetween(1, 20),
    crashAtMs,
    steps,
    driftPpm: rng.intBetween(-200, 200),
    latencyMsMedian: 1 + rng.int(5),
  };
}

interface Timeout {
  sentAtMs: number;
  firedAtMs: number;
}

interface VariantResult extends ScenarioOutcome {
  misfired: number;
  timeouts: number;
  /** True time each misfired timeout took. */
  misfiredElapsedMs: number[];
  /** True time every timeout took. */
  elapsedMs: number[];
}

function runVariant(p: Params, seed: number, mode: Mode): VariantResult {
  const sim = new Simulation({
    seed,
    epochMs: SCENARIO_EPOCH_MS,
    network: { latencyMsMin: 0.5, latencyMsMedian: p.latencyMsMedian, latencySigma: 0.5, latencyMsMax: 20 },
  });
  const fired: Timeout[] = [];
  const totalBackMs = p.steps.reduce((sum, s) => sum + s.backMs, 0);
  sim.host('server', (env) => {
    env.onMessage((from, m) => env.send(from, { reply: (m as { id: number }).id }));
    return {};
  });
  sim.host('client', (env) => requester(env, p, mode, (sentAtMs) => fired.push({ sentAtMs, firedAtMs: sim.nowMs }), () => sim.nowMs));
  // The client's clock ran ahead by the sum of the coming corrections; NTP steps it back to true time.
  sim.setClockOffset('client', totalBackMs);
  sim.setClockDrift('client', p.driftPpm);
  sim.at(p.crashAtMs, () => sim.crash('server'));
  for (const step of p.steps) sim.at(step.atMs, () => sim.stepClock('client', -step.backMs));
  const lastStepMs = p.steps[p.steps.length - 1].atMs;
  sim.runFor(lastStepMs + totalBackMs + p.timeoutMs + AFTER_LAST_STEP_MS);

  const elapsedMs = fired.map((t) => t.firedAtMs - t.sentAtMs);
  const late = p.timeoutMs + p.tickMs * (1 + 1e-3) + SLACK_MS;
  const early = p.timeoutMs * (1 - 1e-3) - SLACK_MS;
  const misfiredElapsedMs = elapsedMs.filter((e) => e < early || e > late);
  return { violations: misfiredElapsedMs.length, misfired: misfiredElapsedMs.length, timeouts: fired.length, misfiredElapsedMs, elapsedMs };
}

/** Sends a request every `sendEveryMs`; polls its deadlines every `tickMs` on the clock of `mode`. */
function requester(env: Env, p: Params, mode: Mode, onTimeout: (sentAtMs: number) => void, trueNowMs: () => number): object {
  const now = mode === 'wall' ? () => env.wallNowMs() : () => env.monoNowMs();
  // id → deadline on `now`'s clock, and the true send time (for the judge only).
  const pending = new Map<number, { deadlineMs: number; sentAtMs: number }>();
  let nextId = 1;
  env.onMessage((_from, m) => pending.delete((m as { reply: number }).reply));
  const send = (): void => {
    const id = nextId++;
    pending.set(id, { deadlineMs: now() + p.timeoutMs, sentAtMs: trueNowMs() });
    env.send('server', { id });
    env.setTimer(p.sendEveryMs, send);
  };
  const poll = (): void => {
    const t = now();
    for (const [id, r] of pending) {
      if (t < r.deadlineMs) continue;
      pending.delete(id);
      onTimeout(r.sentAtMs);
    }
    env.setTimer(p.tickMs, poll);
  };
  send();
  poll();
  return {};
}

function tell(p: Params, unsafe: VariantResult, safe: VariantResult): string[] {
  const steps = p.steps.map((s) => `${formatMs(s.backMs)} at ${formatRunTime(s.atMs)}`).join(', ');
  const worst = Math.max(...unsafe.misfiredElapsedMs);
  const best = Math.min(...unsafe.misfiredElapsedMs);
  const [lo, hi] = [Math.min(...safe.elapsedMs), Math.max(...safe.elapsedMs)];
  return [
    `a client sends a request every ${formatMs(p.sendEveryMs)} with a ${formatMs(p.timeoutMs)} timeout, checked every ${formatMs(p.tickMs)}; the server crashes at ${formatRunTime(p.crashAtMs)}, so every later request must time out.`,
    `its wall clock had run ahead; NTP steps it back ${steps}.`,
    unsafe.misfired > 0
      ? `deadlines on the wall clock: ${unsafe.misfired} of ${plural(unsafe.timeouts, 'timeout')} misfired, firing after ${formatMsRange(best, worst)} instead of ${formatMs(p.timeoutMs)} — the client kept waiting on a dead server.`
      : `deadlines on the wall clock: no timeout misfired on this seed.`,
    `deadlines on the monotonic clock: ${safe.misfired} of ${plural(safe.timeouts, 'timeout')} misfired; all fired after ${formatMsRange(lo, hi)} (a step does not move the monotonic clock).`,
  ];
}

export const clockStepBack: Scenario = {
  name: 'clock-step-back',
  summary: 'a timeout measured on the wall clock misfires when NTP steps the clock back; the monotonic clock does not',
  /** The textbook run (see the module comment). */
  defaultSeed: 3110,
  run({ seed }): ScenarioReport {
    const p = drawClockStepBackParams(seed);
    const unsafe = runVariant(p, seed, 'wall');
    const safe = runVariant(p, seed, 'monotonic');
    const outcome = (v: VariantResult, clock: string): ScenarioOutcome => ({
      violations: v.violations,
      misfiredTimeouts: v.misfired,
      timeouts: v.timeouts,
      worstElapsedMs: Math.round(Math.max(...v.elapsedMs)),
      timeoutMs: p.timeoutMs,
      clock,
      stepsBackMs: p.steps.map((s) => s.backMs),
    });
    return { scenario: 'clock-step-back', seed, unsafe: outcome(unsafe, 'wall'), safe: outcome(safe, 'monotonic'), story: tell(p, unsafe, safe) };
  },
};
