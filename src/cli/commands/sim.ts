import type { Command } from 'commander';
import { FAULT_NAMES } from '../../sim/index.js';
import { runSimCommand } from '../sim/command.js';
import type { SimCliFlags } from '../sim/options.js';

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('Run a workload in the deterministic simulator under a seeded nemesis; exit 1 on a violation.')
    .option('--workload <name>', 'workload to run (see --list)')
    .option('--nodes <n>', 'number of hosts', '5')
    .option('--seed <s>', 'run one seed (replays a failure exactly)')
    .option('--seeds <k>', 'run seeds 1..K')
    .option('--faults <spec>', `all, none, or a list of: ${FAULT_NAMES.join(',')}`, 'all')
    .option('--sim-time <duration>', 'length of the fault phase in virtual time (e.g. 500ms, 30s, 2m); a quiet phase follows', '10s')
    .option('--bug <name>', "run one of the workload's deliberately broken variants")
    .option('--workers <n>', 'worker threads for --seeds (default: number of CPUs)')
    .option('--trace <file>', 'write every event of a single --seed run, one line each')
    .option('--json', 'end stdout with one JSON object')
    .option('--list', 'list workloads and their bugs')
    .action(async (flags: SimCliFlags) => {
      process.exitCode = await runSimCommand(flags, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        tty: process.stderr.isTTY === true,
      });
    });
}
