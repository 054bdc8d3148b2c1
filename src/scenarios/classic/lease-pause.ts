/**
 * `lease-pause` — the paused lease holder (DDIA ch. 8, "Process Pauses" and
 * "Fencing tokens", with its numbers: a 15 s GC pause, tokens 33 and 34).
 *
 * A lock service (the project's ServiceStateMachine + LeaseKeeper, one
 * replica, expiring leases on its monotonic clock) guards the key "file".
 * Client A is granted a lease and the lock with token 33; when its request
 * arrives it checks the lease (ClientLeaseTimer: valid) and starts writing —
 * and freezes in a GC pause (`sim.pause`) between the check and the write.
 * The lease expires; client B, polling, gets the lock with token 34 and
 * writes. A resumes, cannot tell it was paused, and writes too.
 *  - unsafe: writes carry no token, so the storage accepts A's stale write;
 *  - safe: every write carries its fencing token and the storage refuses a
 *    token older than the lock's current one (`fenced`).
 * The judge, outside both: a write that the storage accepted while its
 * writer did not hold the lock is a corrupted write.
 */
import type { Env, NodeId } from '../../env/index.js';
import {
  ClientLeaseTimer,
  LeaseKeeper,
  ServiceStateMachine,
  acquireLockCommand,
  encodeCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  putCommand,
} from '../../services/index.js';
import type { ApplyResult, Command } from '../../services/index.js';
import { Simulation } from '../../sim/index.js';
import type { Scenario, ScenarioOutcome, ScenarioReport } from '../scenario.js';
import { SCENARIO_EPOCH_MS, formatMs, formatRunTime, plural, scenarioRng } from './common.js';

type Mode = 'unfenced' | 'fenced';

interface Params {
  ttlMs: number;
  /** A's request arrives this long after A got the lock (mono ms on A). */
  workAfterMs: number;
  /** A's processing between the lease check and the write; the pause strikes in the middle. */
  processMs: number;
  pauseMs: number;
  /** Writes A had in hand when it froze, and writes B makes once it holds the lock. */
  writesA: number;
  writesB: number;
  /** B retries the lock this often; it starts trying this long after A got it. */
  pollMs: number;
  bStartMs: number;
  latencyMsMedian: number;
}

/** Writes before the story starts: they make the next lock grant token 33, the textbook's number. */
const PRIOR_REVISIONS = 32;
const LOCK = 'file';
const SERVICE = 'locks';
const KEEPER_TICK_MS = 100;
const SETTLE_MS = 1_000;

export function drawLeasePauseParams(seed: number): Params {
  const rng = scenarioRng(seed);
  const ttlMs = 1000 * rng.intBetween(5, 15);
  const workAfterMs = 1000 * rng.intBetween(1, ttlMs / 1000 - 1);
  const pollMs = 100 * rng.intBetween(2, 15);
  // Long enough that the lease expires and B gets the lock and writes before A wakes.
  const minPauseMs = 500 * Math.ceil((ttlMs - workAfterMs + KEEPER_TICK_MS + pollMs + 1_000) / 500);
  return {
    ttlMs,
    workAfterMs,
    processMs: rng.intBetween(10, 200),
    pauseMs: minPauseMs + 500 * rng.int(21),
    writesA: rng.intBetween(1, 3),
    writesB: rng.intBetween(1, 3),
    pollMs,
    bStartMs: rng.intBetween(200, 3_000),
    latencyMsMedian: 0.5 + rng.int(5),
  };
}

type Request = { type: 'cmd'; id: number; command: Command; writer: NodeId };
type Reply = { type: 'result'; id: number; result: ApplyResult };

interface WriteRecord {
  writer: NodeId;
  token: number;
  atMs: number;
  accepted: boolean;
  /** The writer did not hold the lock when the storage applied it. */
  stale: boolean;
}

interface VariantResult extends ScenarioOutcome {
  corruptedWrites: number;
  rejectedWrites: number;
  writes: WriteRecord[];
  tokenA: number;
  tokenB: number;
  lockedAtMs: number;
  checkedAtMs: number;
  checkedRemainingMs: number;
  pausedAtMs: number;
  expiredAtMs: number;
  grantedBAtMs: number;
  wokeAtMs: number;
  /** Who wrote the final content of "file". */
  finalWriter: NodeId;
}

function runVariant(p: Params, seed: number, mode: Mode): VariantResult {
  const sim = new Simulation({
    seed,
    epochMs: SCENARIO_EPOCH_MS,
    network: { latencyMsMin: 0.2, latencyMsMedian: p.latencyMsMedian, latencySigma: 0.5, latencyMsMax: 20 },
  });
  const r: VariantResult = {
    violations: 0, corruptedWrites: 0, rejectedWrites: 0, writes: [], tokenA: 0, tokenB: 0, lockedAtMs: NaN, checkedAtMs: NaN,
    checkedRemainingMs: NaN, pausedAtMs: NaN, expiredAtMs: NaN, grantedBAtMs: NaN, wokeAtMs: NaN, finalWriter: '',
  };
  const leaseOwner = new Map<number, NodeId>();

  sim.host(SERVICE, (env) => lockService(env, (request, holderBefore, result) => {
    const cmd = request.command;
    if (cmd.type === 'grant-lease' && result.ok) leaseOwner.set((result.value as { leaseId: number }).leaseId, request.writer);
    if (cmd.type !== 'put' || cmd.key !== LOCK) return;
    const token = cmd.fence?.token ?? (request.writer === 'A' ? r.tokenA : r.tokenB);
    const stale = holderBefore === undefined || leaseOwner.get(holderBefore) !== request.writer;
    r.writes.push({ writer: request.writer, token, atMs: sim.nowMs, accepted: result.ok, stale });
    if (result.ok) r.finalWriter = request.writer;
    if (result.ok && stale) r.corruptedWrites++;
    if (!result.ok) r.rejectedWrites++;
  }, (leaseId) => {
    if (leaseOwner.get(leaseId) === 'A' && Number.isNaN(r.expiredAtMs)) r.expiredAtMs = sim.nowMs;
  }));

  sim.host('A', (env) => {
    const client = new Client(env);
    const timer = new ClientLeaseTimer({ maxDriftPpm: 200, safetyMarginMs: 50 });
    const sentAtMs = env.monoNowMs();
    client.call(grantLeaseCommand({ ttlMs: p.ttlMs }), (grant) => {
      if (!grant.ok) throw new Error(`lease-pause: A's grant failed: ${grant.error.message}`);
      timer.confirmed(sentAtMs, p.ttlMs);
      client.call(acquireLockCommand({ lock: LOCK, leaseId: (grant.value as { leaseId: number }).leaseId }), (lock) => {
        if (!lock.ok) throw new Error(`lease-pause: A's lock failed: ${lock.error.message}`);
        const token = (lock.value as { token: number }).token;
        r.tokenA = token;
        r.lockedAtMs = sim.nowMs;
        env.setTimer(p.workAfterMs, () => {
          // DDIA: `if (lease.isValid()) process(request)` — the check passes…
          if (!timer.isValid(env.monoNowMs())) return;
          r.checkedAtMs = sim.nowMs;
          r.checkedRemainingMs = timer.remainingMs(env.monoNowMs());
          // …and the stop-the-world pause lands between the check and the write (the nemesis).
          sim.after(p.processMs / 2, () => {
            r.pausedAtMs = sim.nowMs;
            sim.pause('A');
          });
          sim.after(p.processMs / 2 + p.pauseMs, () => {
            r.wokeAtMs = sim.nowMs;
            sim.resume('A');
          });
          env.setTimer(p.processMs, () => {
            for (let i = 1; i <= p.writesA; i++) client.call(write(`A's write ${i}`, mode, token), () => {});
          });
        });
      });
    });
    return {};
  });

  sim.host('B', (env) => {
    const client = new Client(env);
    env.setTimer(p.bStartMs, () => {
      client.call(grantLeaseCommand({ ttlMs: p.ttlMs }), (grant) => {
        if (!grant.ok) throw new Error(`lease-pause: B's grant failed: ${grant.error.message}`);
        const leaseId = (grant.value as { leaseId: number }).leaseId;
        // A well-behaved holder-to-be: it keeps its own lease alive while it waits and writes.
        const keepAlive = (): void => {
          client.call(keepAliveLeaseCommand({ leaseId }), () => {});
          env.setTimer(p.ttlMs / 3, keepAlive);
        };
        env.setTimer(p.ttlMs / 3, keepAlive);
        const tryLock = (): void => {
          client.call(acquireLockCommand({ lock: LOCK, leaseId }), (lock) => {
            if (!lock.ok) {
              if (lock.error.code !== 'lock_held') throw new Error(`lease-pause: B's lock failed: ${lock.error.message}`);
              env.setTimer(p.pollMs, tryLock); // A's lease has not expired yet
              return;
            }
            const token = (lock.value as { token: number }).token;
            r.tokenB = token;
            r.grantedBAtMs = sim.nowMs;
            for (let i = 1; i <= p.writesB; i++) client.call(write(`B's write ${i}`, mode, token), () => {});
          });
        };
        tryLock();
      });
    });
    return {};
  });

  sim.runFor(p.workAfterMs + p.processMs + p.pauseMs + SETTLE_MS);
  r.violations = r.corruptedWrites;
  return r;
}

function write(text: string, mode: Mode, token: number): Command {
  const value = new TextEncoder().encode(text);
  return mode === 'fenced' ? putCommand({ key: LOCK, value, fence: { lock: LOCK, token } }) : putCommand({ key: LOCK, value });
}

/** Request/response over the simulated network to the lock service. */
class Client {
  readonly #env: Env;
  readonly #pending = new Map<number, (result: ApplyResult) => void>();
  #nextId = 1;

  constructor(env: Env) {
    this.#env = env;
    env.onMessage((_from, raw) => {
      const reply = raw as Reply;
      const done = this.#pending.get(reply.id);
      if (done === undefined) return;
      this.#pending.delete(reply.id);
      done(reply.result);
    });
  }

  call(command: Command, done: (result: ApplyResult) => void): void {
    const id = this.#nextId++;
    this.#pending.set(id, done);
    const request: Request = { type: 'cmd', id, command, writer: this.#env.nodeId };
    this.#env.send(SERVICE, request);
  }
}

/** Leases of 5 s and more (the drawn TTLs); a checkpoint of remaining TTLs every 2 s. */
const SERVICE_CONFIG = { electionTimeoutMs: 1_000, checkpointIntervalMs: 2_000 };
let history: Uint8Array | undefined;

/**
 * The service's state after the 32 earlier writes, as a snapshot (built once:
 * the same bytes every run, so restoring it is as deterministic as replaying
 * the writes, and much cheaper).
 */
function historySnapshot(): Uint8Array {
  if (history === undefined) {
    const sm = new ServiceStateMachine(SERVICE_CONFIG);
    for (let i = 1; i <= PRIOR_REVISIONS; i++) {
      sm.apply({ index: i, term: 1, data: encodeCommand(putCommand({ key: `history/${i}`, value: new TextEncoder().encode('earlier') })) });
    }
    history = sm.snapshot();
  }
  return history;
}

/**
 * The lock service and the storage it guards: one ServiceStateMachine fed by
 * a single-replica log, its leases kept by a LeaseKeeper on this node's
 * monotonic clock. `observe` lets the judge see each request with the lock's
 * holder (lease id) just before it applied.
 */
function lockService(
  env: Env,
  observe: (request: Request, holderLeaseBefore: number | undefined, result: ApplyResult) => void,
  onExpired: (leaseId: number) => void,
): object {
  const sm = new ServiceStateMachine(SERVICE_CONFIG);
  sm.restore(historySnapshot());
  if (sm.revision !== PRIOR_REVISIONS) throw new Error(`lease-pause: invariant violated: revision ${sm.revision} after the history`);
  const keeper = new LeaseKeeper({ checkpointIntervalMs: sm.config.checkpointIntervalMs });
  let index = sm.appliedIndex;
  const apply = (command: Command): ApplyResult => sm.apply({ index: ++index, term: 1, data: encodeCommand(command) });
  sm.onLeaseEvent((event) => {
    keeper.observe(event, env.monoNowMs());
    if (event.type === 'ended' && event.reason === 'expired') onExpired(event.leaseId);
  });
  keeper.becameLeader(env.monoNowMs(), []);

  const tick = (): void => {
    const nowMs = env.monoNowMs();
    // One replica: it always leads, so leadership is confirmed now.
    for (const proposal of keeper.tick(nowMs, { leadershipConfirmedAtMs: nowMs })) apply(proposal);
    env.setTimer(KEEPER_TICK_MS, tick);
  };
  env.setTimer(KEEPER_TICK_MS, tick);
  env.onMessage((from, raw) => {
    const request = raw as Request;
    const holderBefore = sm.lock(LOCK)?.leaseId;
    const result = apply(request.command);
    observe(request, holderBefore, result);
    const reply: Reply = { type: 'result', id: request.id, result };
    env.send(from, reply);
  });
  return {};
}

function tell(p: Params, unsafe: VariantResult, safe: VariantResult): string[] {
  const staleA = unsafe.writes.filter((w) => w.writer === 'A');
  const refused = safe.writes.filter((w) => w.writer === 'A' && !w.accepted).length;
  return [
    `A holds the lock on "${LOCK}" with fencing token ${unsafe.tokenA} and a ${formatMs(p.ttlMs)} lease (from ${formatRunTime(unsafe.lockedAtMs)}); at ${formatRunTime(unsafe.checkedAtMs)} it checks the lease (${formatMs(unsafe.checkedRemainingMs)} left) and starts writing — then stops in a ${formatMs(p.pauseMs)} GC pause.`,
    `the lock service expires A's lease at ${formatRunTime(unsafe.expiredAtMs)}; B, retrying every ${formatMs(p.pollMs)}, gets the lock at ${formatRunTime(unsafe.grantedBAtMs)} with token ${unsafe.tokenB} and writes "${LOCK}" ${plural(p.writesB, 'time')}.`,
    `at ${formatRunTime(unsafe.wokeAtMs)} A wakes, still sure it holds the lock, and writes "${LOCK}" ${plural(p.writesA, 'time')} with token ${unsafe.tokenA}.`,
    `no fencing: the storage accepted ${staleA.filter((w) => w.accepted).length} of A's ${staleA.length} stale writes — ${plural(unsafe.corruptedWrites, 'corrupted write')}; "${LOCK}" ends with ${unsafe.finalWriter}'s data over B's.`,
    `fencing tokens: the storage refused ${plural(refused, 'write')} with token ${safe.tokenA} (it had seen ${safe.tokenB}) — ${plural(safe.corruptedWrites, 'corrupted write')}; "${LOCK}" ends with ${safe.finalWriter}'s last write.`,
  ];
}

export const leasePause: Scenario = {
  name: 'lease-pause',
  summary: 'a lease holder pauses past expiry and writes after the next holder: fencing tokens reject the stale write',
  /** The textbook run (see the module comment). */
  defaultSeed: 5639,
  run({ seed }): ScenarioReport {
    const p = drawLeasePauseParams(seed);
    const unsafe = runVariant(p, seed, 'unfenced');
    const safe = runVariant(p, seed, 'fenced');
    const outcome = (v: VariantResult): ScenarioOutcome => ({
      violations: v.violations,
      corruptedWrites: v.corruptedWrites,
      rejectedWrites: v.rejectedWrites,
      tokens: [v.tokenA, v.tokenB],
      pauseMs: p.pauseMs,
      ttlMs: p.ttlMs,
      finalWriter: v.finalWriter,
    });
    return { scenario: 'lease-pause', seed, unsafe: outcome(unsafe), safe: outcome(safe), story: tell(p, unsafe, safe) };
  },
};
