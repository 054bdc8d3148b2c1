import { describe, expect, it } from 'vitest';
import { LEASE_TTL_ELECTION_FACTOR, deriveMinLeaseTtlMs, resolveServiceConfig, sessionIdleCheckpoints } from './config.js';
import { isServiceConfigError } from './errors.js';
import { LIMITS, assertLimits } from './limits.js';

function configError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isServiceConfigError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected ServiceConfigError');
}

describe('service config', () => {
  it('derives the lease TTL floor from the election timeout (2×)', () => {
    expect(LEASE_TTL_ELECTION_FACTOR).toBe(2);
    expect(deriveMinLeaseTtlMs(150)).toBe(300);
    const c = resolveServiceConfig({ electionTimeoutMs: 150 });
    expect(c).toEqual({ minLeaseTtlMs: 300, maxLeaseTtlMs: 86_400_000, checkpointIntervalMs: 150, sessionIdleMs: 300_000, workerIdCount: 1024 });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('defaults to a 1 s election timeout', () => {
    expect(resolveServiceConfig().minLeaseTtlMs).toBe(2000);
  });

  it('refuses a minimum TTL that would not survive an election', () => {
    expect(configError(() => resolveServiceConfig({ electionTimeoutMs: 1000, minLeaseTtlMs: 1999 }))).toMatch(
      /minLeaseTtlMs \(1999\) must be ≥ 2 × electionTimeoutMs/,
    );
    expect(resolveServiceConfig({ electionTimeoutMs: 1000, minLeaseTtlMs: 5000 }).minLeaseTtlMs).toBe(5000);
  });

  it('validates every option with the API name', () => {
    expect(configError(() => resolveServiceConfig({ electionTimeoutMs: 0 }))).toMatch(/^resolveServiceConfig: electionTimeoutMs/);
    expect(configError(() => resolveServiceConfig({ maxLeaseTtlMs: 100 }))).toMatch(/maxLeaseTtlMs \(100\) must be ≥ minLeaseTtlMs/);
    expect(configError(() => resolveServiceConfig({ maxLeaseTtlMs: LIMITS.leaseTtlMsMax + 1 }))).toMatch(/leaseTtlMsMax/);
    expect(configError(() => resolveServiceConfig({ checkpointIntervalMs: 2001 }))).toMatch(/checkpointIntervalMs \(2001\) must be ≤ minLeaseTtlMs/);
    expect(configError(() => resolveServiceConfig({ checkpointIntervalMs: 1000, sessionIdleMs: 1999 }))).toMatch(/sessionIdleMs/);
    expect(configError(() => resolveServiceConfig({ workerIdCount: LIMITS.workerIdCountMax + 1 }))).toMatch(/workerIdCount/);
    expect(configError(() => resolveServiceConfig({ workerIdCount: 1.5 }))).toMatch(/positive integer/);
  });

  it('counts session idleness in checkpoints, rounding up', () => {
    expect(sessionIdleCheckpoints(resolveServiceConfig({ checkpointIntervalMs: 300, sessionIdleMs: 1000 }))).toBe(4);
  });
});

describe('limits', () => {
  it('hold their asserted relationships', () => {
    expect(() => assertLimits(LIMITS)).not.toThrow();
    expect(Object.isFrozen(LIMITS)).toBe(true);
  });

  it('catch a broken relationship by name', () => {
    expect(() => assertLimits({ ...LIMITS, valueBytesMax: LIMITS.commandBytesMax })).toThrow(/≤ commandBytesMax/);
    expect(() => assertLimits({ ...LIMITS, checkpointLeasesMax: 100_000 })).toThrow(/checkpointLeasesMax/);
    expect(() => assertLimits({ ...LIMITS, rangeResultBytesMax: 1000 })).toThrow(/rangeResultBytesMax/);
    expect(() => assertLimits({ ...LIMITS, keysMax: 0 })).toThrow(/keysMax must be a positive/);
  });
});
