/**
 * The ID issuer over the in-memory replica: IDs stay unique and increasing
 * across a lost lease and re-acquisition (the high-water mark, not timing,
 * guarantees it), across a wall clock stepped back an hour, and issuing stops
 * (503 ids_unavailable) once the client-side lease timer runs out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSnowflake } from '../core/ids/index.js';
import { revokeLeaseCommand } from '../services/index.js';
import { isApiError } from './http/errors.js';
import { IdClock } from './id-clock.js';
import { IdIssuer } from './id-issuer.js';
import { createFakeReplica } from './testing/fake-replica.js';
import { waitFor } from './testing/harness.js';

function testEnv() {
  let wallOffsetMs = 0;
  return {
    setWallOffsetMs: (ms: number) => (wallOffsetMs = ms),
    env: {
      nodeId: 'n1',
      wallNowMs: () => Date.now() + wallOffsetMs,
      monoNowMs: () => performance.now(),
      setTimer: (delayMs: number, cb: () => void) => setTimeout(cb, delayMs) as unknown as number,
      clearTimer: (id: number) => clearTimeout(id as unknown as NodeJS.Timeout),
    },
  };
}

function setup(leaseTtlMs = 600) {
  const t = testEnv();
  const replica = createFakeReplica({ env: t.env as never, voters: ['n1'] });
  const issuer = new IdIssuer({ replica, env: t.env, nodeId: 'n1', leaseTtlMs, reserveMs: 2000, retryMs: 20 });
  issuer.start();
  return { ...t, replica, issuer };
}

const ready = (issuer: IdIssuer) => waitFor(() => issuer.status().state === 'ready', 5000, 'the issuer to be ready');

describe('IdIssuer', () => {
  it('keeps IDs unique and increasing across a lost lease and a re-acquired worker id', async () => {
    const { replica, issuer } = setup();
    try {
      await ready(issuer);
      const first = Array.from({ length: 500 }, () => BigInt(issuer.next()));
      const { leaseId, workerId } = issuer.status();
      // The lease ends behind the issuer's back (as if it expired while the node was paused).
      await new Promise<void>((res) => replica.submit(revokeLeaseCommand({ leaseId: leaseId! }), () => res()));
      await waitFor(() => issuer.status().reacquisitions === 1 && issuer.status().state === 'ready', 5000, 'a re-acquisition');
      expect(issuer.status().workerId).toBe(workerId); // the freed id is the lowest again
      const second = Array.from({ length: 500 }, () => BigInt(issuer.next()));
      const all = [...first, ...second];
      expect(new Set(all).size).toBe(all.length);
      for (let i = 1; i < all.length; i++) expect(all[i]! > all[i - 1]!).toBe(true);
      const mark = JSON.parse(new TextDecoder().decode(replica.sm.get(`_faultline/ids/worker-${workerId}`).kv!.value)) as { highWaterMs: number };
      expect(decodeSnowflake(second[second.length - 1]!).timestampMs).toBeLessThanOrEqual(mark.highWaterMs);
    } finally {
      issuer.stop();
    }
  });

  it('a wall clock stepped back an hour does not stop issuing or reorder IDs', async () => {
    const { issuer, setWallOffsetMs } = setup();
    try {
      await ready(issuer);
      const before = BigInt(issuer.next());
      setWallOffsetMs(-3_600_000);
      const after = Array.from({ length: 100 }, () => BigInt(issuer.next()));
      expect(after.every((id) => id > before)).toBe(true);
    } finally {
      issuer.stop();
    }
  });

  it('stops issuing with 503 ids_unavailable once the lease may have expired, and recovers', async () => {
    const { replica, issuer } = setup(600);
    try {
      await ready(issuer);
      issuer.next();
      replica.setUnavailable(true); // keep-alives fail: the client timer runs out (≈ 550 ms after the last send)
      await waitFor(() => {
        try {
          issuer.next();
          return false;
        } catch (e) {
          return isApiError(e) && e.code === 'ids_unavailable' && e.status === 503;
        }
      }, 3000, 'issuing to stop');
      replica.setUnavailable(false);
      await waitFor(() => issuer.status().leaseValidForMs > 0, 3000, 'the lease to be renewed');
      expect(issuer.next()).toMatch(/^\d+$/);
    } finally {
      issuer.stop();
    }
  });
});

describe('IdClock', () => {
  it('never goes backwards, whatever the wall clock does, and never starts below its floor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.array(fc.tuple(fc.integer({ min: -1e5, max: 1e5 }), fc.integer({ min: 0, max: 50 })), { maxLength: 50 }), (floor, steps) => {
        let wall = 1_700_000_000_000;
        let mono = 0;
        const clock = new IdClock(() => wall, () => mono, wall + floor);
        let last = clock.nowMs();
        expect(last).toBeGreaterThanOrEqual(wall + floor);
        for (const [jump, elapsed] of steps) {
          wall += jump + elapsed;
          mono += elapsed;
          const now = clock.nowMs();
          expect(now).toBeGreaterThanOrEqual(last);
          expect(now).toBeGreaterThanOrEqual(Math.floor(wall));
          last = now;
        }
      }),
    );
  });
});
