/**
 * Test helpers: a state machine fed by an auto-incrementing log, typed
 * `run(command)`, and a comparable view of the service state.
 */
import { expect } from 'vitest';
import { encodeCommand } from '../codec.js';
import { ServiceStateMachine } from '../state-machine.js';
import type { Command } from '../commands.js';
import type { ServiceConfigOptions } from '../config.js';
import type { LeaseEvent } from '../lease-types.js';
import type { ApplyResult, ResultFor, ServiceResult } from '../results.js';
import type { ServiceErrorCode } from '../errors.js';

/** Small numbers so tests reach the edges: minLeaseTtlMs 200, checkpoint every 100 ms, sessions idle after 10 ticks. */
export const TEST_CONFIG: ServiceConfigOptions = { electionTimeoutMs: 100, sessionIdleMs: 1000, workerIdCount: 4 };

export class Harness {
  readonly sm: ServiceStateMachine;
  readonly events: LeaseEvent[] = [];
  /** Every entry applied so far, for replaying on another replica. */
  readonly log: Array<{ index: number; term: number; data: Uint8Array }> = [];
  index = 0;
  term = 1;

  constructor(options: ServiceConfigOptions = TEST_CONFIG) {
    this.sm = new ServiceStateMachine(options);
    this.sm.onLeaseEvent((e) => this.events.push(e));
  }

  run<C extends Command>(command: C): ResultFor<C['type']> {
    return this.raw(encodeCommand(command)) as ResultFor<C['type']>;
  }

  raw(data: Uint8Array): ApplyResult {
    const entry = { index: ++this.index, term: this.term, data };
    this.log.push(entry);
    return this.sm.apply(entry);
  }
}

export function value<T>(result: ServiceResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export function errorOf<T>(result: ServiceResult<T>, code: ServiceErrorCode): NonNullable<Extract<ServiceResult<T>, { ok: false }>['error']> {
  expect(result.ok, `expected error ${code}`).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.error.code).toBe(code);
  expect(result.error.message.length).toBeGreaterThan(0);
  return result.error;
}

/** The user-visible service state (no session bookkeeping, no log positions). */
export function serviceView(sm: ServiceStateMachine): unknown {
  return {
    revision: sm.revision,
    kv: sm.range('', 1000).kvs.map((kv) => ({ ...kv, value: Array.from(kv.value) })),
    leases: sm.leases().map(({ leaseId, ttlMs, remainingMs }) => ({ leaseId, ttlMs, remainingMs })),
    locks: sm.locks(),
    workers: sm.workerIds(),
  };
}

export const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
