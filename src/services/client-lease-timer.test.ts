import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClientLeaseTimer } from './client-lease-timer.js';

describe('ClientLeaseTimer', () => {
  it('measures validity from the request send time, less drift and margin', () => {
    const t = new ClientLeaseTimer({ maxDriftPpm: 1000, safetyMarginMs: 20 });
    // 10_000 × 0.999 / 1.001 = 9980.01… → 9980, minus 20
    expect(t.validForMs(10_000)).toBe(9960);
    expect(t.isValid(0)).toBe(false); // nothing confirmed yet
    t.confirmed(1000, 10_000);
    expect(t.expiresAtMs).toBe(10_960);
    expect(t.isValid(10_959)).toBe(true);
    expect(t.isValid(10_960)).toBe(false);
    expect(t.remainingMs(10_000)).toBe(960);
    expect(t.remainingMs(20_000)).toBe(0);
  });

  it('keeps the later expiry when responses arrive out of order', () => {
    const t = new ClientLeaseTimer({ maxDriftPpm: 0, safetyMarginMs: 0 });
    t.confirmed(5000, 1000);
    t.confirmed(4000, 1000); // an older keep-alive's response arrives late
    expect(t.expiresAtMs).toBe(6000);
  });

  it('suggests the next keep-alive a third of the window after the confirmed send', () => {
    const t = new ClientLeaseTimer({ maxDriftPpm: 0, safetyMarginMs: 0 });
    expect(t.keepAliveAtMs()).toBeUndefined();
    t.confirmed(100, 3000);
    expect(t.keepAliveAtMs()).toBe(1100);
  });

  it('is final once lost', () => {
    const t = new ClientLeaseTimer();
    t.confirmed(0, 10_000);
    t.lost();
    expect(t.isValid(1)).toBe(false);
    expect(t.isLost).toBe(true);
    t.confirmed(2, 10_000); // a late success for an older request cannot revive it
    expect(t.isValid(3)).toBe(false);
  });

  it('refuses a TTL that leaves no validity, and bad options', () => {
    const t = new ClientLeaseTimer({ safetyMarginMs: 100 });
    expect(() => t.confirmed(0, 100)).toThrow(/leaves no validity/);
    expect(() => new ClientLeaseTimer({ maxDriftPpm: -1 })).toThrow(/maxDriftPpm/);
    expect(() => new ClientLeaseTimer({ safetyMarginMs: Number.NaN })).toThrow(/safetyMarginMs/);
    expect(() => new ClientLeaseTimer({ keepAliveFraction: 1 })).toThrow(/keepAliveFraction/);
  });

  it('always expires on the client before the server may expire, for any clock rates within the bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }), // maxDriftPpm
        fc.integer({ min: 200, max: 120_000 }), // ttlMs
        fc.double({ min: -1, max: 1, noNaN: true }), // client rate error, as a fraction of the bound
        fc.double({ min: -1, max: 1, noNaN: true }), // server rate error
        fc.integer({ min: 0, max: 5000 }), // real ms from send to the leader applying the grant
        (ppm, ttlMs, clientFrac, serverFrac, applyDelayMs) => {
          const rho = ppm / 1e6;
          const clientRate = 1 + clientFrac * rho; // client-clock ms per real ms
          const serverRate = 1 + serverFrac * rho;
          const timer = new ClientLeaseTimer({ maxDriftPpm: ppm, safetyMarginMs: 0 });
          const validMs = timer.validForMs(ttlMs);
          if (validMs <= 0) return;
          // real time 0: the client sends; the leader applies at applyDelayMs and expires ttlMs of its clock later
          const serverExpiryReal = applyDelayMs + ttlMs / serverRate;
          timer.confirmed(0, ttlMs);
          const clientExpiryReal = timer.expiresAtMs! / clientRate;
          expect(clientExpiryReal).toBeLessThanOrEqual(serverExpiryReal);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
