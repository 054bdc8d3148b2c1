/** `faultline status`: leader, term, commit index and every member's role and health. */
import type { Command } from 'commander';
import { formatStatus } from '../client/format.js';
import { addClientFlags, realClientIo, runClientAction } from '../client/run.js';
import type { ClientFlags, ClientIo } from '../client/run.js';

export function registerStatusCommand(program: Command, io: ClientIo = realClientIo): void {
  addClientFlags(program.command('status').description("Show the cluster's leader, term and members.")).action(async (flags: ClientFlags) => {
    process.exitCode = await runClientAction('status', flags, io, async (client) => {
      const status = await client.cluster.status();
      return { human: formatStatus(status, client.leaderEndpoint), json: { ...status } };
    });
  });
}
