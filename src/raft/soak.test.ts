/**
 * Seed sweeps of the randomized lab scenarios. Off by default (minutes);
 * run with `RAFT_SOAK=3000 npx vitest run src/raft/soak.test.ts`
 * (RAFT_SOAK_BASE sets the first seed). A failure names its seed; replay by
 * calling the scenario with it. Chunked so no single test blocks for long.
 */
import { describe, it } from 'vitest';
import { churn, figure8, snapshotInstall } from './testing/lab-scenarios.js';

const seeds = Number(process.env.RAFT_SOAK ?? 0);
const base = Number(process.env.RAFT_SOAK_BASE ?? 10_000);
const CHUNK = 100;
const chunks = Array.from({ length: Math.ceil(seeds / CHUNK) }, (_, k) => [base + k * CHUNK, base + Math.min(seeds, (k + 1) * CHUNK)] as const);

describe.skipIf(seeds === 0)(`soak over ${seeds} seeds`, () => {
  for (const [from, to] of chunks) {
    it(`seeds [${from}, ${to}): Figure 8, churn, snapshot install (one Ready, and several in flight)`, async () => {
      // Back-to-back synchronous tests never let the worker's event loop reach I/O: vitest's RPC
      // replies wait, and after 60 s it reports "Timeout calling onTaskUpdate" (all tests passed, exit 1).
      await new Promise((resolve) => setImmediate(resolve));
      for (let s = from; s < to; s++) {
        figure8(s, { unreliable: false, iterations: 300 });
        figure8(s, { unreliable: true, iterations: 300 });
        churn(s, { unreliable: false });
        churn(s, { unreliable: true, snapshotEveryEntries: 7 });
        snapshotInstall(s, { disconnect: s % 2 === 0, crash: s % 2 === 1, reliable: false, iterations: 6 });
        // The same with several Readies in flight (asynchronous storage writes).
        figure8(s, { unreliable: true, iterations: 300, asyncStorageWrites: true });
        churn(s, { unreliable: true, snapshotEveryEntries: 7, asyncStorageWrites: true });
        snapshotInstall(s, { disconnect: s % 2 === 1, crash: s % 2 === 0, reliable: false, iterations: 6, asyncStorageWrites: true });
      }
    }, 600_000);
  }
});
