import { Worker } from 'node:worker_threads';
import { runSeed, type SeedReport, type SeedRunOptions } from '../../sim/index.js';
import type { WorkerRequest } from './worker.js';

export type SeedOptions = Omit<SeedRunOptions, 'seed' | 'trace' | 'knobs'>;

/**
 * Run `seeds` on `workers` threads (inline when 1), handing one seed at a
 * time to whichever worker is free. Reports reach `onReport` in completion
 * order; the caller aggregates them order-independently (see
 * `SeedAggregator`), so the output never depends on scheduling and no
 * report is kept longer than needed.
 */
export async function runSeeds(options: SeedOptions, seeds: readonly number[], workers: number, onReport: (report: SeedReport) => void): Promise<void> {
  if (workers <= 1 || seeds.length <= 1) {
    for (const seed of seeds) {
      onReport(runSeed({ ...options, seed }));
      // Let the progress bar redraw between seeds.
      if (seeds.length > 1) await new Promise((resolve) => setImmediate(resolve));
    }
    return;
  }
  let next = 0;
  const pool = Array.from({ length: workers }, () => new Worker(new URL('./worker.js', import.meta.url)));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const feed = (): void => {
              if (next >= seeds.length) return resolve();
              const request: WorkerRequest = { options, seed: seeds[next++] };
              worker.postMessage(request);
            };
            worker.on('message', (reply: { seed: number; report?: SeedReport; error?: string }) => {
              if (reply.error !== undefined || reply.report === undefined) {
                return reject(new Error(`seed ${reply.seed}: ${reply.error ?? 'no report'}`));
              }
              onReport(reply.report);
              feed();
            });
            worker.on('error', reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
