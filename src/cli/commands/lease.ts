/** `faultline lease grant TTL | keepalive ID | revoke ID`. */
import type { Command } from 'commander';
import type { FaultlineClient } from '../../client/index.js';
import { addClientFlags, integerArg, realClientIo, runClientAction } from '../client/run.js';
import type { ActionResult, ClientFlags, ClientIo } from '../client/run.js';

export async function leaseGrant(client: FaultlineClient, ttl: string): Promise<ActionResult> {
  const grant = await client.leases.grant(integerArg(ttl, 'TTL (ms)', 1));
  return { human: `lease ${grant.lease} (ttl ${grant.ttlMs} ms)`, json: { ...grant } };
}

export async function leaseKeepAlive(client: FaultlineClient, id: string): Promise<ActionResult> {
  const grant = await client.leases.keepAlive(integerArg(id, 'lease id', 1));
  return { human: `lease ${grant.lease} renewed (ttl ${grant.ttlMs} ms)`, json: { ...grant } };
}

export async function leaseRevoke(client: FaultlineClient, id: string): Promise<ActionResult> {
  const lease = integerArg(id, 'lease id', 1);
  await client.leases.revoke(lease);
  return { human: `lease ${lease} revoked (its keys deleted, its locks released)`, json: { lease, revoked: true } };
}

export function registerLeaseCommand(program: Command, io: ClientIo = realClientIo): void {
  const lease = program.command('lease').description('Grant, renew and revoke leases.');
  addClientFlags(lease.command('grant <ttl>').description('Grant a lease of TTL milliseconds; prints its id.')).action(async (ttl: string, flags: ClientFlags) => {
    process.exitCode = await runClientAction('lease grant', flags, io, (client) => leaseGrant(client, ttl));
  });
  addClientFlags(lease.command('keepalive <id>').description('Restart the TTL of lease ID.')).action(async (id: string, flags: ClientFlags) => {
    process.exitCode = await runClientAction('lease keepalive', flags, io, (client) => leaseKeepAlive(client, id));
  });
  addClientFlags(lease.command('revoke <id>').description('End lease ID now.')).action(async (id: string, flags: ClientFlags) => {
    process.exitCode = await runClientAction('lease revoke', flags, io, (client) => leaseRevoke(client, id));
  });
}
