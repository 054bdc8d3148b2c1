/**
 * Random command logs for property tests. fast-check draws abstract steps
 * ("keep alive some live lease", "write with a stale token"); a driver turns
 * each into a concrete command by looking at the state built so far, so the
 * log hits live leases, held locks and real tokens instead of missing them.
 * The result is an ordinary log of entry bytes any replica can apply.
 */
import fc from 'fast-check';
import { encodeCommand } from '../codec.js';
import {
  acquireLockCommand,
  acquireWorkerIdCommand,
  checkpointCommand,
  deleteCommand,
  expireLeaseCommand,
  getCommand,
  grantLeaseCommand,
  keepAliveLeaseCommand,
  putCommand,
  rangeCommand,
  registerSessionCommand,
  releaseLockCommand,
  releaseWorkerIdCommand,
  revokeLeaseCommand,
  withSession,
} from '../commands.js';
import type { Command, Fence, SessionCommand } from '../commands.js';
import type { ServiceStateMachine } from '../state-machine.js';

export const KEYS = ['a', 'a/1', 'a/2', 'b', 'c'];
export const LOCKS = ['L0', 'L1', 'L2'];

export type Step =
  | { readonly k: 'put'; readonly key: number; readonly val: number; readonly lease: number | null; readonly cas: Cas; readonly fence: FenceMode | null }
  | { readonly k: 'delete'; readonly key: number; readonly cas: Cas; readonly fence: FenceMode | null }
  | { readonly k: 'get'; readonly key: number }
  | { readonly k: 'range'; readonly prefix: number; readonly limit: number }
  | { readonly k: 'grant'; readonly ttlMs: number }
  | { readonly k: 'keepalive' | 'revoke' | 'acquireWorker'; readonly lease: number }
  | { readonly k: 'expire'; readonly lease: number; readonly stale: boolean }
  | { readonly k: 'checkpoint'; readonly tick: boolean; readonly remainingMs: number; readonly lease: number }
  | { readonly k: 'acquire'; readonly lock: number; readonly lease: number }
  | { readonly k: 'release'; readonly lock: number; readonly mode: TokenMode }
  | { readonly k: 'releaseWorker'; readonly worker: number; readonly lease: number }
  | { readonly k: 'register' }
  | { readonly k: 'retry'; readonly pick: number }
  | { readonly k: 'garbage'; readonly bytes: Uint8Array };

type Cas = 'none' | 'current' | 'zero' | 'wrong';
type TokenMode = 'current' | 'stale' | 'future';
interface FenceMode {
  readonly lock: number;
  readonly mode: TokenMode;
}

/** A step plus, optionally, the client session it runs in (clients are slots; the driver maps them). */
export interface SessionedStep {
  readonly step: Step;
  readonly client: number | null;
  readonly ackLag: number;
}

const lease = fc.nat(40);
const cas = fc.constantFrom<Cas>('none', 'none', 'current', 'zero', 'wrong');
const tokenMode = fc.constantFrom<TokenMode>('current', 'current', 'stale', 'future');
const fenceMode = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.record({ lock: fc.nat(LOCKS.length - 1), mode: tokenMode }) },
);

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ k: fc.constant('put' as const), key: fc.nat(KEYS.length - 1), val: fc.nat(255), lease: fc.option(lease, { nil: null }), cas, fence: fenceMode }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('delete' as const), key: fc.nat(KEYS.length - 1), cas, fence: fenceMode }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('get' as const), key: fc.nat(KEYS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('range' as const), prefix: fc.nat(2), limit: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('grant' as const), ttlMs: fc.integer({ min: 150, max: 2000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('keepalive' as const, 'revoke' as const, 'acquireWorker' as const), lease }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('expire' as const), lease, stale: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('checkpoint' as const), tick: fc.constantFrom(true, true, true, false), remainingMs: fc.nat(2000), lease }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('acquire' as const), lock: fc.nat(LOCKS.length - 1), lease }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('release' as const), lock: fc.nat(LOCKS.length - 1), mode: tokenMode }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('releaseWorker' as const), worker: fc.nat(4), lease }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('register' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('retry' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('garbage' as const), bytes: fc.uint8Array({ maxLength: 12 }) }) },
);

export const sessionedStepArb: fc.Arbitrary<SessionedStep> = fc.record({
  step: stepArb,
  client: fc.option(fc.nat(3), { nil: null, freq: 2 }),
  ackLag: fc.nat(3),
});

/** Tracks what the driver needs across steps: issued tokens per lock and each client's sequence numbers. */
export class Driver {
  readonly issued = new Map<string, number[]>();
  readonly clients: number[] = [];
  readonly #seq = new Map<number, number>();
  /** Entry data of every sessioned command sent, for retries. */
  readonly #sent: Uint8Array[] = [];

  constructor(readonly sm: ServiceStateMachine) {}

  #lease(ref: number): number {
    const live = this.sm.leases();
    // Mostly a live lease; sometimes an id that may be dead or never granted.
    if (ref % 8 !== 7 && live.length > 0) return live[ref % live.length].leaseId;
    return (ref % 12) + 1;
  }

  #token(lock: string, mode: TokenMode): number {
    const current = this.sm.lock(lock)?.token;
    const issued = this.issued.get(lock) ?? [];
    if (mode === 'current' && current !== undefined) return current;
    if (mode === 'stale' && issued.length > 0) return issued[0];
    return this.sm.revision + 1 + (current ?? 0);
  }

  #fence(f: FenceMode | null): Fence | undefined {
    if (f === null) return undefined;
    const lock = LOCKS[f.lock];
    return { lock, token: this.#token(lock, f.mode) };
  }

  #cas(key: string, c: Cas): number | undefined {
    const mod = this.sm.get(key).kv?.modRevision ?? 0;
    return c === 'none' ? undefined : c === 'current' ? mod : c === 'zero' ? 0 : mod + 7;
  }

  /** The concrete command for `step` against the current state (null for raw garbage bytes). */
  command(step: Step): Command | null {
    switch (step.k) {
      case 'put': {
        const key = KEYS[step.key];
        return putCommand({
          key,
          value: new Uint8Array([step.val]),
          leaseId: step.lease === null ? undefined : this.#lease(step.lease),
          ifRevision: this.#cas(key, step.cas),
          fence: this.#fence(step.fence),
        });
      }
      case 'delete': {
        const key = KEYS[step.key];
        return deleteCommand({ key, ifRevision: this.#cas(key, step.cas), fence: this.#fence(step.fence) });
      }
      case 'get':
        return getCommand({ key: KEYS[step.key] });
      case 'range':
        return rangeCommand({ prefix: ['', 'a', 'a/'][step.prefix], limit: step.limit });
      case 'grant':
        return grantLeaseCommand({ ttlMs: step.ttlMs });
      case 'keepalive':
        return keepAliveLeaseCommand({ leaseId: this.#lease(step.lease) });
      case 'revoke':
        return revokeLeaseCommand({ leaseId: this.#lease(step.lease) });
      case 'acquireWorker':
        return acquireWorkerIdCommand({ leaseId: this.#lease(step.lease) });
      case 'expire': {
        const leaseId = this.#lease(step.lease);
        const refresh = this.sm.lease(leaseId)?.refreshIndex ?? 1;
        return expireLeaseCommand({ leaseId, refreshIndex: step.stale ? Math.max(1, refresh - 1) : refresh });
      }
      case 'checkpoint': {
        const leaseId = this.#lease(step.lease);
        const l = this.sm.lease(leaseId);
        const leases = l === undefined ? [] : [{ leaseId, refreshIndex: l.refreshIndex, remainingMs: step.remainingMs }];
        return checkpointCommand({ tick: step.tick, leases });
      }
      case 'acquire':
        return acquireLockCommand({ lock: LOCKS[step.lock], leaseId: this.#lease(step.lease) });
      case 'release': {
        const lock = LOCKS[step.lock];
        return releaseLockCommand({ lock, token: this.#token(lock, step.mode) });
      }
      case 'releaseWorker': {
        const held = this.sm.workerIds();
        if (held.length > 0 && step.worker % 4 !== 3) return releaseWorkerIdCommand(held[step.worker % held.length]);
        return releaseWorkerIdCommand({ workerId: step.worker, leaseId: this.#lease(step.lease) });
      }
      case 'register':
        return registerSessionCommand();
      case 'retry':
      case 'garbage':
        return null;
    }
  }

  /** Wrap in the client's session when the step has one and the command takes one. */
  inSession(command: Command, client: number | null, ackLag: number): Command {
    if (client === null || this.clients.length === 0) return command;
    if (command.type === 'expire-lease' || command.type === 'checkpoint' || command.type === 'register-session') return command;
    const clientId = this.clients[client % this.clients.length];
    const seq = (this.#seq.get(clientId) ?? 0) + 1;
    this.#seq.set(clientId, seq);
    return withSession(command as SessionCommand, { clientId, seq, ackedSeq: Math.max(0, seq - 1 - ackLag) });
  }

  /** Entry data: the encoded command, a retry of an earlier sessioned one, or raw garbage. */
  data(command: Command | null, step: Step): Uint8Array {
    if (step.k === 'retry') return this.#sent.length === 0 ? new Uint8Array() : this.#sent[step.pick % this.#sent.length];
    if (command === null) return (step as { bytes: Uint8Array }).bytes;
    const data = encodeCommand(command);
    if ('session' in command && command.session !== undefined) this.#sent.push(data);
    return data;
  }
}
