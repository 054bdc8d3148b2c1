#!/usr/bin/env node
/**
 * `npm run chaos` — the chaos test of real processes:
 *
 *   node dist/cli/chaos/main.js [--duration S] [--seed N] [--dir DIR]
 *                               [--faults kill,pause,partition,one-way,bridge,delay,skew]
 *                               [--bug fake-ack|stale-read] [--json]
 *
 * Exit 0 pass, 1 a violation (or a node that would not restart / a cluster
 * that did not recover), 3 the checker ran out of budget, 2 bad usage. The
 * seed fixes the fault schedule and the workload's choices; real processes
 * and real time make the rest differ run to run.
 */
import { Command, CommanderError } from 'commander';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../exit-codes.js';
import { FAULT_KINDS } from './nemesis.js';
import type { FaultKind } from './nemesis.js';
import { formatReport, runChaos } from './run.js';
import type { WorkloadBug } from './workload.js';

const BUGS: readonly WorkloadBug[] = ['fake-ack', 'stale-read'];

const program = new Command()
  .name('chaos')
  .description('Kill, pause, partition and skew a local cluster of real faultline processes under load; check the history.')
  .option('--duration <s>', 'seconds of faults and load', '300')
  .option('--seed <n>', 'seed for the fault schedule and the workload', String(Date.now() % 1_000_000))
  .option('--dir <dir>', 'where data, logs, history and report go (default: a new temp dir)')
  .option('--faults <list>', `comma-separated fault kinds (${FAULT_KINDS.join(', ')})`, FAULT_KINDS.join(','))
  .option('--bug <name>', `run a deliberately broken client (${BUGS.join(', ')}): the run must FAIL`)
  .option('--nodes <n>', 'cluster size', '3')
  .option('--json', 'print the report as JSON')
  .exitOverride();

try {
  program.parse(process.argv);
} catch (error) {
  process.exit(error instanceof CommanderError && error.exitCode === 0 ? EXIT.ok : EXIT.usage);
}
const flags = program.opts<{ duration: string; seed: string; dir?: string; faults: string; bug?: string; nodes: string; json?: boolean }>();

function usage(message: string): never {
  process.stderr.write(`chaos: ${message}\n`);
  process.exit(EXIT.usage);
}

const durationS = Number(flags.duration);
if (!(durationS > 0)) usage(`--duration must be a positive number of seconds, got "${flags.duration}".`);
const seed = Number(flags.seed);
if (!Number.isSafeInteger(seed)) usage(`--seed must be an integer, got "${flags.seed}".`);
const nodes = Number(flags.nodes);
if (!(Number.isInteger(nodes) && nodes >= 3 && nodes <= 7)) usage(`--nodes must be an integer in [3, 7], got "${flags.nodes}".`);
const faults = flags.faults.split(',').map((f) => f.trim()).filter((f) => f.length > 0);
for (const f of faults) if (!(FAULT_KINDS as readonly string[]).includes(f)) usage(`unknown fault "${f}"; known: ${FAULT_KINDS.join(', ')}.`);
if (flags.bug !== undefined && !(BUGS as readonly string[]).includes(flags.bug)) usage(`unknown --bug "${flags.bug}"; known: ${BUGS.join(', ')}.`);
const workDir = flags.dir ?? mkdtempSync(join(tmpdir(), 'faultline-chaos-'));

const report = await runChaos({
  seed,
  durationMs: durationS * 1000,
  workDir,
  nodes,
  faults: faults as FaultKind[],
  bugs: flags.bug === undefined ? [] : [flags.bug as WorkloadBug],
  log: (line) => process.stderr.write(line + '\n'),
});
process.stdout.write((flags.json ? JSON.stringify(report) : formatReport(report)) + '\n');
if (report.outcome === 'fail') process.stderr.write(`chaos: reproduce the schedule with: npm run chaos -- --seed ${seed} --duration ${durationS}${flags.bug ? ` --bug ${flags.bug}` : ''}\n`);
process.exit(report.outcome === 'pass' ? EXIT.ok : report.outcome === 'unknown' ? EXIT.unknown : EXIT.violation);
