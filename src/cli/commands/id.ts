/** `faultline id [--count N]`: unique, roughly time-ordered 64-bit ids from the cluster. */
import type { Command } from 'commander';
import { addClientFlags, integerArg, realClientIo, runClientAction, UsageError } from '../client/run.js';
import type { ClientFlags, ClientIo } from '../client/run.js';

const COUNT_MAX = 10_000;

export function registerIdCommand(program: Command, io: ClientIo = realClientIo): void {
  addClientFlags(program.command('id').description('Print a new unique id (a decimal 64-bit Snowflake).'))
    .option('--count <n>', `how many (≤ ${COUNT_MAX})`, '1')
    .action(async (flags: ClientFlags & { count?: string }) => {
      process.exitCode = await runClientAction('id', flags, io, async (client) => {
        const count = integerArg(flags.count ?? '1', '--count', 1);
        if (count > COUNT_MAX) throw new UsageError(`--count must be ≤ ${COUNT_MAX}, got ${count}`);
        const ids: string[] = [];
        for (let i = 0; i < count; i++) ids.push(await client.ids.next());
        return { human: ids.join('\n'), json: count === 1 ? { id: ids[0] } : { ids } };
      });
    });
}
