/**
 * `faultline lock acquire NAME [--lease ID | --ttl MS]` and
 * `faultline lock release NAME TOKEN`. A CLI process cannot keep a lease
 * alive after it exits, so `acquire` without `--lease` grants one of `--ttl`
 * (the lock is released when it runs out, unless renewed with
 * `faultline lease keepalive`). Use the printed token as `--fence NAME:TOKEN`.
 */
import type { Command } from 'commander';
import type { FaultlineClient } from '../../client/index.js';
import { addClientFlags, integerArg, realClientIo, runClientAction } from '../client/run.js';
import type { ActionResult, ClientFlags, ClientIo } from '../client/run.js';

export interface LockAcquireFlags extends ClientFlags {
  lease?: string;
  ttl?: string;
}

export async function lockAcquire(client: FaultlineClient, name: string, flags: LockAcquireFlags): Promise<ActionResult> {
  let lease: number;
  let ttlMs: number | undefined;
  if (flags.lease !== undefined) lease = integerArg(flags.lease, '--lease', 1);
  else {
    const grant = await client.leases.grant(integerArg(flags.ttl ?? '60000', '--ttl', 1));
    lease = grant.lease;
    ttlMs = grant.ttlMs;
  }
  const lock = await client.locks.acquire(name, { lease });
  const expiry = ttlMs === undefined ? `lease ${lease}` : `lease ${lease}, ttl ${ttlMs} ms`;
  return {
    human: `locked ${JSON.stringify(name)}: token ${lock.token} (${expiry}); fence writes with --fence ${name}:${lock.token}`,
    json: { lock: name, token: lock.token, lease, ...(ttlMs === undefined ? {} : { ttlMs }) },
  };
}

export async function lockRelease(client: FaultlineClient, name: string, tokenText: string): Promise<ActionResult> {
  const token = integerArg(tokenText, 'TOKEN');
  await client.locks.release(name, token);
  return { human: `released ${JSON.stringify(name)} (token ${token})`, json: { lock: name, token, released: true } };
}

export function registerLockCommand(program: Command, io: ClientIo = realClientIo): void {
  const lock = program.command('lock').description('Take and release locks with fencing tokens.');
  addClientFlags(lock.command('acquire <name>').description('Take lock NAME (exit 1 if held); prints the fencing token.'))
    .option('--lease <id>', 'an existing lease to own the lock')
    .option('--ttl <ms>', 'without --lease: grant a lease of this TTL', '60000')
    .action(async (name: string, flags: LockAcquireFlags) => {
      process.exitCode = await runClientAction('lock acquire', flags, io, (client) => lockAcquire(client, name, flags));
    });
  // The fencing token is an argument: --token is the bearer token on every client command.
  addClientFlags(lock.command('release <name> <token>').description('Release lock NAME held with fencing TOKEN.')).action(
    async (name: string, token: string, flags: ClientFlags) => {
      process.exitCode = await runClientAction('lock release', flags, io, (client) => lockRelease(client, name, token));
    },
  );
}
