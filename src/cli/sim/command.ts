import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { listWorkloads, runSeed } from '../../sim/index.js';
import { EXIT } from '../exit-codes.js';
import { parseSimFlags, UsageError, type SimCliFlags } from './options.js';
import { SeedAggregator, textReport } from './report.js';
import { runSeeds } from './run-seeds.js';
import { TraceFile } from './trace-file.js';
import { loadWorkloads } from './workloads.js';

export interface SimIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Show a progress bar (stderr is a terminal). */
  tty: boolean;
}

/** `faultline sim`: returns the exit code (0 ok, 1 violation, 2 usage). */
export async function runSimCommand(flags: SimCliFlags, io: SimIo): Promise<number> {
  loadWorkloads();
  if (flags.list === true) {
    for (const w of listWorkloads()) {
      io.stdout(`${w.name}  ${w.summary}\n`);
      for (const [bug, about] of Object.entries(w.bugs ?? {})) io.stdout(`  --bug ${bug}  ${about}\n`);
    }
    return EXIT.ok;
  }
  let options;
  try {
    options = parseSimFlags(flags);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`faultline sim: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const seedOptions = { workload: options.workload, nodes: options.nodes, faults: options.faults, simTimeMs: options.simTimeMs, bug: options.bug };
  const start = performance.now();
  const aggregate = new SeedAggregator();
  if (options.trace !== undefined) {
    const file = new TraceFile(options.trace);
    try {
      aggregate.add(runSeed({ ...seedOptions, seed: options.seeds[0], trace: file.write }));
    } finally {
      file.close();
    }
  } else {
    const bar =
      io.tty && options.seeds.length > 1
        ? new cliProgress.SingleBar({ format: 'sim {bar} {value}/{total} seeds | {duration_formatted}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
    bar?.start(options.seeds.length, 0);
    try {
      await runSeeds(seedOptions, options.seeds, options.workers, (report) => {
        aggregate.add(report);
        bar?.increment();
      });
    } finally {
      bar?.stop();
    }
  }
  const summary = aggregate.summary(performance.now() - start);
  if (options.json) io.stdout(JSON.stringify(summary) + '\n');
  else io.stdout(textReport(options, aggregate, summary).join('\n') + '\n');
  return summary.violations.length > 0 ? EXIT.violation : EXIT.ok;
}
