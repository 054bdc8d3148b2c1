/**
 * Worker-thread entry: runs the seeds it is sent, one message per seed, and
 * posts each report back. The main thread orders results by seed.
 */
import { parentPort } from 'node:worker_threads';
import { runSeed, type SeedRunOptions } from '../../sim/index.js';
import { loadWorkloads } from './workloads.js';

loadWorkloads();

export interface WorkerRequest {
  options: Omit<SeedRunOptions, 'seed' | 'trace' | 'knobs'>;
  seed: number;
}

if (parentPort === null) throw new Error('faultline sim worker: must run in a worker thread');
const port = parentPort;
port.on('message', (request: WorkerRequest) => {
  try {
    port.postMessage({ seed: request.seed, report: runSeed({ ...request.options, seed: request.seed }) });
  } catch (error) {
    port.postMessage({ seed: request.seed, error: error instanceof Error ? error.message : String(error) });
  }
});
