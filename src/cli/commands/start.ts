/**
 * `faultline start`: run one cluster member (see src/server/README.md).
 * Exit 0 after a clean stop (SIGTERM/SIGINT), 1 fatal, 2 bad usage.
 */
import type { Command } from 'commander';
import { RAFT_TIMING_DEFAULTS, runStart } from '../../server/index.js';
import type { StartFlags } from '../../server/index.js';
import { createReplica } from '../../replica/index.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run one cluster member: Raft + services over --data-dir, peers over TCP, HTTP API v1.')
    .option('--id <id>', 'this node\'s id (must appear in --peers)')
    .option('--peers <list>', 'every founding member as id=host:port,… (the address each is dialled at; this node\'s own entry included)')
    .option('--listen <host:port>', 'where this node accepts peer connections (default: its own --peers entry)')
    .option('--http <host:port>', 'where the HTTP API listens')
    .option('--data-dir <dir>', 'the node\'s data directory (WAL segments and snapshots)')
    .option('--secret-file <file>', 'file holding the cluster secret (≥ 16 bytes); default: env FAULTLINE_CLUSTER_SECRET')
    .option('--token <token>', 'require Authorization: Bearer <token> on the HTTP API')
    .option('--http-peers <list>', 'each member\'s HTTP URL as id=http://host:port,… (shown by GET /v1/cluster)')
    .option('--allow-clock-skew', 'enable POST /v1/admin/clock to offset this node\'s wall clock (testing only)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent', 'info')
    .option(
      '--heartbeat-interval-ms <ms>',
      `how often the leader sends heartbeats (default ${RAFT_TIMING_DEFAULTS.heartbeatIntervalMs}). Must be the same on every node`,
    )
    .option(
      '--election-timeout-ms <ms>',
      `how long a follower waits without hearing a leader before it starts an election, drawn from [t, 2t) (default ${RAFT_TIMING_DEFAULTS.electionTimeoutMs}). ` +
        'At least 5 × the heartbeat interval and about 10 × the peer round-trip time (etcd\'s guidance); ' +
        'must be the same on every node (lease TTL floors derive from it)',
    )
    .action(async (flags: StartFlags) => {
      process.exitCode = await runStart(flags, createReplica, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
      });
    });
}
