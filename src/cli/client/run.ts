/**
 * What every client command shares: the `--endpoints/--token/--json/--timeout`
 * flags, building a client from them, running one action, and turning its
 * outcome into the CLI contract — output on stdout (`--json`: one JSON object
 * last), one sentence on stderr for an error, and the exit code:
 *
 *   0  done
 *   1  the cluster refused (a failed check: revision mismatch, lock held,
 *      fenced, key not found, lease gone, …)
 *   2  bad usage or bad input (also 400/401/413 from the server)
 *   3  unknown: no answer in time, no quorum, unreachable — a write may or
 *      may not have happened
 */
import type { Command } from 'commander';
import { createClient, isFaultlineError } from '../../client/index.js';
import type { CreateClientOptions, FaultlineClient, FaultlineError } from '../../client/index.js';
import { EXIT } from '../exit-codes.js';

/** The `npm start` cluster. */
export const DEFAULT_ENDPOINTS = 'http://127.0.0.1:7001,http://127.0.0.1:7002,http://127.0.0.1:7003';

export interface ClientFlags {
  endpoints?: string;
  token?: string;
  json?: boolean;
  timeout?: string;
}

export interface ClientIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Builds the client (tests inject a runtime). */
  createClient: (options: CreateClientOptions) => FaultlineClient;
}

export const realClientIo: ClientIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  createClient,
};

/** What an action returns: a line for humans and an object for `--json`. */
export interface ActionResult {
  /** Printed on stdout without --json (nothing when undefined). */
  readonly human?: string;
  readonly json: Record<string, unknown>;
  /** Exit code when not 0 (e.g. 1 for a key that is not there). */
  readonly exitCode?: number;
  /** One sentence for stderr, with a non-zero exit code. */
  readonly complaint?: string;
}

/** A usage error found while reading flags: exit 2, nothing sent. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function addClientFlags(command: Command): Command {
  return command
    .option('--endpoints <urls>', 'comma-separated base URLs of cluster members', process.env.FAULTLINE_ENDPOINTS ?? DEFAULT_ENDPOINTS)
    .option('--token <token>', 'bearer token (when the cluster was started with --token; or FAULTLINE_TOKEN)')
    .option('--timeout <ms>', 'give up after this long, retries included', '10000')
    .option('--json', 'print one JSON object on stdout');
}

const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'not_found',
  'revision_mismatch',
  'fenced',
  'lock_held',
  'not_holder',
  'lease_not_found',
  'worker_ids_exhausted',
  'limit_exceeded',
  'session_expired',
  'session_window_full',
  'idempotency_key_reused',
]);
const BAD_INPUT_CODES: ReadonlySet<string> = new Set(['invalid_argument', 'invalid_request', 'too_large', 'unauthorized', 'ttl_out_of_range']);

export function exitCodeFor(error: FaultlineError): number {
  if (BAD_INPUT_CODES.has(error.code)) return EXIT.usage;
  if (REFUSAL_CODES.has(error.code)) return EXIT.violation;
  return EXIT.unknown;
}

/** Integer flag or argument, ≥ min. */
export function integerArg(text: string | undefined, name: string, min = 0): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return n;
}

function sentence(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

export async function runClientAction(
  commandName: string,
  flags: ClientFlags,
  io: ClientIo,
  action: (client: FaultlineClient) => Promise<ActionResult>,
): Promise<number> {
  const fail = (code: number, message: string, error?: Record<string, unknown>): number => {
    io.stderr(`faultline ${commandName}: ${sentence(message)}\n`);
    if (flags.json) io.stdout(JSON.stringify({ ok: false, error: error ?? { code: 'usage', message } }) + '\n');
    return code;
  };
  let client: FaultlineClient;
  try {
    const endpoints = (flags.endpoints ?? DEFAULT_ENDPOINTS).split(',').map((e) => e.trim()).filter((e) => e.length > 0);
    const requestTimeoutMs = integerArg(flags.timeout ?? '10000', '--timeout', 1);
    client = io.createClient({ endpoints, token: flags.token ?? process.env.FAULTLINE_TOKEN, requestTimeoutMs });
  } catch (error) {
    return fail(EXIT.usage, messageOf(error));
  }
  try {
    const result = await action(client);
    if (result.complaint !== undefined) io.stderr(`faultline ${commandName}: ${sentence(result.complaint)}\n`);
    if (flags.json) io.stdout(JSON.stringify({ ok: (result.exitCode ?? 0) === 0, ...result.json }) + '\n');
    else if (result.human !== undefined) io.stdout(result.human + '\n');
    return result.exitCode ?? EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) return fail(EXIT.usage, error.message);
    if (isFaultlineError(error)) {
      const unsure = !error.definite ? ' (the outcome is unknown: it may or may not have been applied)' : '';
      return fail(exitCodeFor(error), `${error.message}${unsure}`, { code: error.code, message: error.message, definite: error.definite, status: error.status, details: error.details });
    }
    return fail(EXIT.unknown, messageOf(error));
  } finally {
    client.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
