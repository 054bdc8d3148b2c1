/** `faultline cluster` (`npm start`): N local nodes on loopback; Ctrl-C stops them all. */
import type { Command } from 'commander';
import { RAFT_TIMING_DEFAULTS } from '../../server/index.js';
import { runClusterCommand } from '../server/cluster-command.js';
import type { ClusterFlags } from '../server/cluster-command.js';

export function registerClusterCommand(program: Command): void {
  program
    .command('cluster')
    .description('Start N faultline nodes on loopback (node i: HTTP on base-port + i − 1, peers on base-port + 100 + i − 1); Ctrl-C stops all.')
    .option('--nodes <n>', 'number of nodes', '3')
    .option('--base-port <port>', 'HTTP port of n1', '7001')
    .option('--data-dir <dir>', 'parent of every node\'s data directory (<dir>/n<i>)', './data')
    .option('--host <host>', 'loopback address to bind', '127.0.0.1')
    .option('--token <token>', 'require Authorization: Bearer <token> on every node')
    .option('--allow-clock-skew', 'enable the clock-skew admin endpoint on every node (testing only)')
    .option('--log-level <level>', 'log level of every node', 'info')
    .option('--heartbeat-interval-ms <ms>', `Raft heartbeat interval of every node (see faultline start --help; default ${RAFT_TIMING_DEFAULTS.heartbeatIntervalMs})`)
    .option('--election-timeout-ms <ms>', `Raft election timeout of every node (see faultline start --help; default ${RAFT_TIMING_DEFAULTS.electionTimeoutMs})`)
    .action(async (flags: ClusterFlags) => {
      process.exitCode = await runClusterCommand(flags, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      });
    });
}
