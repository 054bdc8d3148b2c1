/**
 * Properties over random command logs (see __fixtures__/random-log.ts):
 * determinism, snapshot equivalence, fencing, worker-id exclusivity and
 * exactly-once sessions under duplicated delivery.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeCommand } from './codec.js';
import {
  acquireLockCommand,
  acquireWorkerIdCommand,
  deleteCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  putCommand,
  registerSessionCommand,
  releaseLockCommand,
  revokeLeaseCommand,
  withSession,
} from './commands.js';
import { ServiceStateMachine } from './state-machine.js';
import { Driver, KEYS, LOCKS, sessionedStepArb } from './__fixtures__/random-log.js';
import { Harness, TEST_CONFIG, serviceView } from './__fixtures__/harness.js';
import type { Command, SessionCommand } from './commands.js';
import type { ApplyResult } from './results.js';
import type { SessionedStep } from './__fixtures__/random-log.js';

interface Applied {
  readonly command: Command | null;
  readonly result: ApplyResult;
  /** Lock tokens and held worker ids just before the entry applied. */
  readonly locksBefore: ReadonlyMap<string, number>;
  readonly workersBefore: ReadonlyMap<number, number>;
}

function build(steps: readonly SessionedStep[]): { h: Harness; applied: Applied[] } {
  const h = new Harness(CONFIG);
  const d = new Driver(h.sm);
  const applied: Applied[] = [];
  for (const s of steps) {
    const base = d.command(s.step);
    const command = base === null ? null : d.inSession(base, s.client, s.ackLag);
    const locksBefore = new Map(h.sm.locks().map((l) => [l.lock, l.token]));
    const workersBefore = new Map(h.sm.workerIds().map((w) => [w.workerId, w.leaseId]));
    const result = h.raw(d.data(command, s.step));
    if (command?.type === 'register-session' && result.ok) d.clients.push((result.value as { clientId: number }).clientId);
    if (command?.type === 'acquire-lock' && result.ok) {
      const list = d.issued.get(command.lock) ?? [];
      list.push((result.value as { token: number }).token);
      d.issued.set(command.lock, list);
    }
    applied.push({ command, result, locksBefore, workersBefore });
  }
  return { h, applied };
}

/** Sessions expire after 2 idle ticks here, so random logs exercise expiry. */
const CONFIG = { ...TEST_CONFIG, sessionIdleMs: 200 };

const logArb = fc.array(sessionedStepArb, { minLength: 1, maxLength: 150, size: 'medium' });
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('state machine properties over random logs', () => {
  it('is deterministic: two replicas applying one log return equal results and byte-identical snapshots', () => {
    fc.assert(
      fc.property(logArb, (steps) => {
        const { h, applied } = build(steps);
        const replica = new ServiceStateMachine(CONFIG);
        h.log.forEach((entry, i) => expect(replica.apply(entry)).toEqual(applied[i].result));
        expect(same(replica.snapshot(), h.sm.snapshot())).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('snapshot → restore → continue equals continuing', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), (steps, cutSeed) => {
        const { h, applied } = build(steps);
        const cut = cutSeed % (h.log.length + 1);
        const first = new ServiceStateMachine(CONFIG);
        for (const entry of h.log.slice(0, cut)) first.apply(entry);
        const second = new ServiceStateMachine(CONFIG);
        second.restore(first.snapshot());
        h.log.slice(cut).forEach((entry, i) => expect(second.apply(entry)).toEqual(applied[cut + i].result));
        expect(same(second.snapshot(), h.sm.snapshot())).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('fencing tokens strictly increase per lock (and overall), each equal to the revision at its grant', () => {
    fc.assert(
      fc.property(logArb, (steps) => {
        const { applied } = build(steps);
        const last = new Map<string, number>();
        let lastAny = 0;
        for (const a of applied) {
          if (a.command?.type !== 'acquire-lock' || !a.result.ok) continue;
          const { token } = a.result.value as { token: number };
          expect(token).toBeGreaterThan(last.get(a.command.lock) ?? 0);
          expect(token).toBeGreaterThan(lastAny);
          last.set(a.command.lock, token);
          lastAny = token;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a fenced write applies iff its token is the current holder token; an older token after a newer grant is always fenced', () => {
    fc.assert(
      fc.property(logArb, (steps) => {
        const { applied } = build(steps);
        const maxIssued = new Map<string, number>();
        for (const a of applied) {
          const c = a.command;
          if (c?.type === 'acquire-lock' && a.result.ok) maxIssued.set(c.lock, (a.result.value as { token: number }).token);
          if ((c?.type !== 'put' && c?.type !== 'delete') || c.fence === undefined) continue;
          if (!a.result.ok && a.result.error.code.startsWith('session_')) continue; // refused before the fence check
          const current = a.locksBefore.get(c.fence.lock);
          if (a.result.ok) expect(c.fence.token).toBe(current);
          if (current !== c.fence.token) expect(a.result.ok ? 'ok' : a.result.error.code).toBe('fenced');
          if ((maxIssued.get(c.fence.lock) ?? 0) > c.fence.token) expect(a.result.ok).toBe(false);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never assigns a worker id held by a live lease; ids always belong to live leases', () => {
    fc.assert(
      fc.property(logArb, (steps) => {
        const h = new Harness(CONFIG);
        const d = new Driver(h.sm);
        for (const s of steps) {
          const base = d.command(s.step);
          const command = base === null ? null : d.inSession(base, s.client, s.ackLag);
          const before = new Map(h.sm.workerIds().map((w) => [w.workerId, w.leaseId]));
          const r = h.raw(d.data(command, s.step));
          if (command?.type === 'register-session' && r.ok) d.clients.push((r.value as { clientId: number }).clientId);
          if (command?.type === 'acquire-worker-id' && r.ok) {
            const { workerId } = r.value as { workerId: number };
            expect(before.has(workerId)).toBe(false);
            for (let lower = 0; lower < workerId; lower++) expect(before.has(lower)).toBe(true); // the lowest free one
            expect(workerId).toBeLessThan(h.sm.config.workerIdCount);
          }
          for (const w of h.sm.workerIds()) expect(h.sm.lease(w.leaseId)).toBeDefined();
          for (const l of h.sm.locks()) expect(h.sm.lease(l.leaseId)).toBeDefined();
          for (const kv of h.sm.range('').kvs) if (kv.leaseId !== 0) expect(h.sm.lease(kv.leaseId)).toBeDefined();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('sessions under duplicated delivery', () => {
  type Op = { readonly client: number; readonly kind: number; readonly a: number; readonly b: number; readonly ackLag: number };
  const opArb = fc.record({ client: fc.nat(2), kind: fc.nat(7), a: fc.nat(40), b: fc.nat(255), ackLag: fc.nat(4) });

  /** Mutating, sessioned commands only (reads re-run on retry by design). */
  function concrete(sm: ServiceStateMachine, op: Op): Command {
    const live = sm.leases();
    const leaseId = live.length > 0 && op.a % 3 !== 0 ? live[op.a % live.length].leaseId : (op.a % 6) + 1;
    const key = KEYS[op.a % KEYS.length];
    const lock = LOCKS[op.a % LOCKS.length];
    switch (op.kind) {
      case 0:
        return putCommand({ key, value: new Uint8Array([op.b]) });
      case 1:
        return putCommand({ key, value: new Uint8Array([op.b]), ifRevision: sm.get(key).kv?.modRevision ?? 0, leaseId: op.b % 2 ? leaseId : undefined });
      case 2:
        return deleteCommand({ key });
      case 3:
        return grantLeaseCommand({ ttlMs: 200 + op.b });
      case 4:
        return op.b % 2 ? keepAliveLeaseCommand({ leaseId }) : revokeLeaseCommand({ leaseId });
      case 5:
        return acquireLockCommand({ lock, leaseId });
      case 6:
        return releaseLockCommand({ lock, token: sm.lock(lock)?.token ?? 1 });
      default:
        return acquireWorkerIdCommand({ leaseId });
    }
  }

  it('duplicated entries change nothing and every retry gets the original result (or a stale-seq refusal)', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 100, size: 'medium' }),
        fc.array(fc.record({ of: fc.nat(), delay: fc.nat(10) }), { maxLength: 40, size: 'medium' }),
        (ops, dups) => {
          // The reference run: three sessions, then the ops, each delivered once.
          const ref = new Harness();
          const clients = [1, 2, 3].map(() => (ref.run(registerSessionCommand()) as { value: { clientId: number } }).value.clientId);
          const seqs = [0, 0, 0];
          const datas: Uint8Array[] = [];
          const results: ApplyResult[] = [];
          for (const op of ops) {
            const seq = ++seqs[op.client];
            const session = { clientId: clients[op.client], seq, ackedSeq: Math.max(0, seq - 1 - op.ackLag) };
            const data = encodeCommand(withSession(concrete(ref.sm, op) as SessionCommand, session));
            datas.push(data);
            results.push(ref.raw(data));
          }
          // The same log with some entries delivered again later (a client retry, a re-proposal).
          const extra = new Map<number, number[]>(); // position → original op indexes to insert after it
          for (const d of dups) {
            const of = d.of % ops.length;
            const at = Math.min(ops.length - 1, of + d.delay);
            extra.set(at, [...(extra.get(at) ?? []), of]);
          }
          const dup = new Harness();
          for (let i = 0; i < 3; i++) dup.run(registerSessionCommand());
          datas.forEach((data, i) => {
            expect(dup.raw(data)).toEqual(results[i]);
            for (const of of extra.get(i) ?? []) {
              const again = dup.raw(datas[of]);
              if (!again.ok && again.error.code === 'session_seq_stale') continue; // the client had acknowledged it
              expect(again).toEqual(results[of]);
            }
          });
          expect(serviceView(dup.sm)).toEqual(serviceView(ref.sm));
        },
      ),
      { numRuns: 150 },
    );
  });
});
