/** `faultline kv get|put|del KEY [VALUE]`: the cluster's key-value store. */
import type { Command } from 'commander';
import type { FaultlineClient } from '../../client/index.js';
import { addClientFlags, integerArg, realClientIo, runClientAction, UsageError } from '../client/run.js';
import type { ActionResult, ClientFlags, ClientIo } from '../client/run.js';
import { EXIT } from '../exit-codes.js';

export interface KvGetFlags extends ClientFlags {
  stale?: boolean;
}

export interface KvPutFlags extends ClientFlags {
  ifRevision?: string;
  lease?: string;
  fence?: string;
}

export interface KvDelFlags extends ClientFlags {
  ifRevision?: string;
}

/** `--fence LOCK:TOKEN` → `{ lock, token }` (the lock name may itself contain ':'). */
export function parseFence(text: string | undefined): { lock: string; token: number } | undefined {
  if (text === undefined) return undefined;
  const at = text.lastIndexOf(':');
  if (at <= 0) throw new UsageError(`--fence must be LOCK:TOKEN, got ${JSON.stringify(text)}`);
  return { lock: text.slice(0, at), token: integerArg(text.slice(at + 1), '--fence token') };
}

export async function kvGet(client: FaultlineClient, key: string, flags: KvGetFlags): Promise<ActionResult> {
  const kv = await client.kv.get(key, { consistency: flags.stale ? 'stale' : 'linearizable' });
  if (kv === null) return { json: { key, found: false }, exitCode: EXIT.violation, complaint: `key ${JSON.stringify(key)} not found` };
  return { human: kv.value, json: { ...kv } };
}

export async function kvPut(client: FaultlineClient, key: string, value: string, flags: KvPutFlags): Promise<ActionResult> {
  const put = await client.kv.put(key, value, {
    ifRevision: flags.ifRevision === undefined ? undefined : integerArg(flags.ifRevision, '--if-revision'),
    lease: flags.lease === undefined ? undefined : integerArg(flags.lease, '--lease', 1),
    fence: parseFence(flags.fence),
  });
  return { human: `OK (revision ${put.revision})`, json: { key, revision: put.revision } };
}

export async function kvDel(client: FaultlineClient, key: string, flags: KvDelFlags): Promise<ActionResult> {
  const del = await client.kv.delete(key, { ifRevision: flags.ifRevision === undefined ? undefined : integerArg(flags.ifRevision, '--if-revision') });
  return { human: del.deleted ? `deleted (revision ${del.revision})` : 'no such key; nothing deleted', json: { key, ...del } };
}

export function registerKvCommand(program: Command, io: ClientIo = realClientIo): void {
  const kv = program.command('kv').description('Read and write keys (linearizable by default).');
  addClientFlags(kv.command('get <key>').description('Print the value of KEY (exit 1 if absent).'))
    .option('--stale', 'serve from whichever member answers (may be behind)')
    .action(async (key: string, flags: KvGetFlags) => {
      process.exitCode = await runClientAction('kv get', flags, io, (client) => kvGet(client, key, flags));
    });
  addClientFlags(kv.command('put <key> <value>').description('Set KEY to VALUE (exactly once, even across retries).'))
    .option('--if-revision <n>', "only if the key's revision is N (0: only if absent)")
    .option('--lease <id>', 'attach the key to a lease')
    .option('--fence <lock:token>', 'only if LOCK is still held with TOKEN')
    .action(async (key: string, value: string, flags: KvPutFlags) => {
      process.exitCode = await runClientAction('kv put', flags, io, (client) => kvPut(client, key, value, flags));
    });
  addClientFlags(kv.command('del <key>').alias('delete').description('Delete KEY.'))
    .option('--if-revision <n>', "only if the key's revision is N")
    .action(async (key: string, flags: KvDelFlags) => {
      process.exitCode = await runClientAction('kv del', flags, io, (client) => kvDel(client, key, flags));
    });
}
