/**
 * retry-duplicates — a lost response makes a client retry a transfer that
 * already happened (DDIA ch. 8: "the request may have been processed, and
 * only the response lost").
 *
 * In the simulator three clients each move 1.00 from checking to savings
 * twenty times, one transfer after the other, over a link that loses
 * LOSS_PROBABILITY of the messages each way; the bank needs 20–600 ms per
 * transfer, so some replies also come after the client's 400 ms timeout.
 * Clients retry with the project's `RetryPolicy` (full jitter, up to 10
 * attempts), driven by the simulator's timers through `RetrySession`.
 *
 * - unsafe: the bank applies every transfer request it receives; a retry
 *   after a lost or late reply moves the money again.
 * - safe: each transfer carries an idempotency key and the bank runs it
 *   through `IdempotencyStore.begin` (the synchronous core): the first
 *   request applies it, a retry after completion gets the saved outcome, and
 *   a retry that arrives while the first is still running waits for it.
 *
 * A violation is a transfer applied more than once.
 */
import { envTimekeeper, exponentialBackoff, IdempotencyStore, RetryPolicy } from '../../core/resilience/index.js';
import type { Outcome, RetrySession } from '../../core/resilience/index.js';
import { Simulation } from '../../sim/index.js';
import type { Env } from '../../sim/index.js';
import type { Scenario, ScenarioOptions, ScenarioOutcome, ScenarioReport } from '../scenario.js';

const CLIENTS = 3;
const TRANSFERS_PER_CLIENT = 20;
const AMOUNT_CENTS = 100;
const OPENING_BALANCE_CENTS = 100_000;
/** Each message (request or reply) is lost with this probability. */
export const LOSS_PROBABILITY = 0.15;
/** The bank's time to apply a transfer: uniform in [min, max], ms. */
const PROCESSING_MS_MIN = 20;
const PROCESSING_MS_MAX = 600;
const ATTEMPT_TIMEOUT_MS = 400;
const MAX_ATTEMPTS = 10;
const RUN_MS = 120_000;
const NETWORK = { lossProbability: LOSS_PROBABILITY, latencyMsMin: 1, latencyMsMedian: 4, latencySigma: 0.6, latencyMsMax: 100 } as const;

interface TransferRequest {
  readonly kind: 'transfer';
  /** The client's id for this transfer, sent as the idempotency key in the safe run. */
  readonly key: string | undefined;
  readonly transfer: string;
  readonly from: string;
  readonly to: string;
  readonly amountCents: number;
  readonly attempt: number;
}

interface TransferReply {
  readonly kind: 'reply';
  readonly transfer: string;
  readonly attempt: number;
  readonly ok: boolean;
  /** The checking balance right after this transfer was applied. */
  readonly balanceAfterCents: number;
}

export interface DuplicatesResult {
  readonly withKey: boolean;
  readonly transfers: number;
  /** Transfers the clients saw succeed. */
  readonly acknowledged: number;
  /** Transfers whose client gave up (outcome unknown to it). */
  readonly gaveUp: number;
  /** Transfer requests the bank received (retries included). */
  readonly requestsReceived: number;
  /** Times the bank moved money. */
  readonly applications: number;
  /** Transfers applied more than once: the violations. */
  readonly duplicatedTransfers: number;
  /** Money moved beyond what the clients meant to move, cents. */
  readonly extraMovedCents: number;
  /** Safe run: retries answered from the saved outcome, and retries that waited for the first execution. */
  readonly replayed: number;
  readonly waited: number;
  readonly traceHash: string;
}

interface Pending {
  readonly session: RetrySession;
  readonly request: Omit<TransferRequest, 'attempt'>;
  attempt: number;
  timer: number | undefined;
}

export function runRetryDuplicates(seed: number, withKey: boolean): DuplicatesResult {
  const sim = new Simulation({ seed, network: NETWORK });
  const appliedTimes = new Map<string, number>();
  let requestsReceived = 0;
  let applications = 0;
  let replayed = 0;
  let waited = 0;
  let acknowledged = 0;
  let gaveUp = 0;

  sim.host('bank', (env: Env) => {
    const balances = new Map<string, number>();
    const store = new IdempotencyStore<number>({ clock: { now: () => env.monoNowMs() } });
    const apply = (r: TransferRequest): number => {
      // Non-idempotent on purpose: "move 1.00", not "set the balance".
      const from = (balances.get(r.from) ?? OPENING_BALANCE_CENTS) - r.amountCents;
      balances.set(r.from, from);
      balances.set(r.to, (balances.get(r.to) ?? OPENING_BALANCE_CENTS) + r.amountCents);
      applications++;
      appliedTimes.set(r.transfer, (appliedTimes.get(r.transfer) ?? 0) + 1);
      return from;
    };
    const reply = (to: string, r: TransferRequest, outcome: Outcome<number>): void => {
      const message: TransferReply = { kind: 'reply', transfer: r.transfer, attempt: r.attempt, ok: outcome.ok, balanceAfterCents: outcome.ok ? outcome.value : NaN };
      env.send(to, message);
    };
    const processingMs = (): number => PROCESSING_MS_MIN + env.rng.next() * (PROCESSING_MS_MAX - PROCESSING_MS_MIN);
    env.onMessage((from, message) => {
      const r = message as TransferRequest;
      requestsReceived++;
      if (!withKey || r.key === undefined) {
        env.setTimer(processingMs(), () => reply(from, r, { ok: true, value: apply(r) }));
        return;
      }
      const claim = store.begin(r.key, { from: r.from, to: r.to, amountCents: r.amountCents });
      switch (claim.status) {
        case 'started':
          env.setTimer(processingMs(), () => {
            const outcome: Outcome<number> = { ok: true, value: apply(r) };
            claim.complete(outcome); // wakes the duplicates that waited
            reply(from, r, outcome);
          });
          return;
        case 'done':
          replayed++;
          reply(from, r, claim.outcome);
          return;
        case 'in-flight':
          waited++;
          claim.wait((outcome) => reply(from, r, outcome));
          return;
        case 'rejected':
          reply(from, r, { ok: false, error: claim.error });
          return;
      }
    });
    return {};
  });

  for (let c = 0; c < CLIENTS; c++) {
    const name = `client-${c}`;
    sim.client(name, (env: Env) => {
      const policy = new RetryPolicy({
        timekeeper: envTimekeeper(env),
        rng: env.rng,
        maxAttempts: MAX_ATTEMPTS,
        backoff: exponentialBackoff({ baseMs: 100, capMs: 2_000, jitter: 'full' }),
      });
      let next = 0;
      let pending: Pending | undefined;
      const send = (): void => {
        const p = pending!;
        const request: TransferRequest = { ...p.request, attempt: p.attempt };
        env.send('bank', request);
        p.timer = env.setTimer(ATTEMPT_TIMEOUT_MS, () => {
          p.timer = undefined;
          const decision = p.session.failed('timeout', env.monoNowMs());
          if (!decision.retry) {
            gaveUp++;
            startNext();
            return;
          }
          p.attempt = decision.attempt;
          env.setTimer(decision.delayMs, send);
        });
      };
      const startNext = (): void => {
        pending = undefined;
        if (next >= TRANSFERS_PER_CLIENT) return;
        const transfer = `${name}/${next++}`;
        pending = {
          session: policy.begin(env.monoNowMs()),
          request: { kind: 'transfer', key: withKey ? transfer : undefined, transfer, from: `${name}:checking`, to: `${name}:savings`, amountCents: AMOUNT_CENTS },
          attempt: 0,
          timer: undefined,
        };
        send();
      };
      env.onMessage((_from, message) => {
        const r = message as TransferReply;
        const p = pending;
        // Only the attempt being waited for counts; a reply to an abandoned attempt is late.
        if (!p || r.transfer !== p.request.transfer || r.attempt !== p.attempt || p.timer === undefined) return;
        env.clearTimer(p.timer);
        p.timer = undefined;
        p.session.succeeded();
        acknowledged++;
        startNext();
      });
      startNext();
      return {};
    });
  }
  sim.runUntil(RUN_MS);

  const transfers = CLIENTS * TRANSFERS_PER_CLIENT;
  // Invariant: every transfer ended (acknowledged or given up) within the run.
  if (acknowledged + gaveUp !== transfers) throw new Error(`retry-duplicates: ${acknowledged + gaveUp} of ${transfers} transfers ended (seed ${seed})`);
  let duplicatedTransfers = 0;
  let extraMovedCents = 0;
  for (const times of appliedTimes.values()) {
    if (times > 1) duplicatedTransfers++;
    extraMovedCents += (times - 1) * AMOUNT_CENTS;
  }
  return {
    withKey,
    transfers,
    acknowledged,
    gaveUp,
    requestsReceived,
    applications,
    duplicatedTransfers,
    extraMovedCents,
    replayed,
    waited,
    traceHash: sim.traceHash,
  };
}

function outcome(r: DuplicatesResult): ScenarioOutcome {
  return {
    violations: r.duplicatedTransfers,
    transfers: r.transfers,
    acknowledged: r.acknowledged,
    gaveUp: r.gaveUp,
    requestsReceived: r.requestsReceived,
    applications: r.applications,
    duplicatedTransfers: r.duplicatedTransfers,
    extraMovedCents: r.extraMovedCents,
    replayed: r.replayed,
    waited: r.waited,
    traceHash: r.traceHash,
  };
}

const euros = (cents: number): string => (cents / 100).toFixed(2);

export const retryDuplicates: Scenario = {
  name: 'retry-duplicates',
  summary: 'a lost reply makes a client retry a transfer: applied twice without an idempotency key, once with one',
  defaultSeed: 1,
  run({ seed }: ScenarioOptions): ScenarioReport {
    const unsafe = runRetryDuplicates(seed, false);
    const safe = runRetryDuplicates(seed, true);
    return {
      scenario: 'retry-duplicates',
      seed,
      unsafe: outcome(unsafe),
      safe: outcome(safe),
      story: [
        `${CLIENTS} clients each move ${euros(AMOUNT_CENTS)} ${TRANSFERS_PER_CLIENT} times; ${LOSS_PROBABILITY * 100} % of messages are lost each way, the bank takes`,
        `${PROCESSING_MS_MIN}–${PROCESSING_MS_MAX} ms, clients time out after ${ATTEMPT_TIMEOUT_MS} ms and retry (full jitter, up to ${MAX_ATTEMPTS} attempts). Violation: a transfer applied twice.`,
        `without a key: ${unsafe.requestsReceived} requests for ${unsafe.transfers} transfers, money moved ${unsafe.applications} times: ` +
          `${unsafe.duplicatedTransfers} transfers applied more than once, ${euros(unsafe.extraMovedCents)} moved that nobody asked for.`,
        `with an idempotency key: ${safe.requestsReceived} requests, money moved ${safe.applications} times (once per transfer); ` +
          `${safe.replayed} retries answered from the saved outcome, ${safe.waited} waited for the first execution still running.`,
        'A timeout says nothing about whether the work happened; only the server can make the retry safe.',
      ],
    };
  },
};
