/**
 * `faultline start` as a process: flags → config (exit 2 on bad usage), the
 * node, the one "serving" line on stdout, and the clean stop on SIGTERM or
 * SIGINT (exit 0). A fatal start-up problem (a corrupt log mid-file, a data
 * directory in use, a port taken) is one sentence on stderr and exit 1.
 */
import type { CreateReplica } from '../replica/api.js';
import { parseStartFlags, UsageError } from './config.js';
import type { StartFlags } from './config.js';
import { startNode } from './node.js';
import type { RunningNode } from './node.js';
import { FatalStartError } from './recovery.js';

export const START_EXIT = { ok: 0, fatal: 1, usage: 2 } as const;

export interface StartIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs until a signal stops the node; resolves to the exit code. */
export async function runStart(flags: StartFlags, createReplica: CreateReplica, io: StartIo): Promise<number> {
  let config;
  try {
    config = parseStartFlags(flags);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`faultline start: ${e.message}\n`);
      return START_EXIT.usage;
    }
    throw e;
  }
  let node: RunningNode;
  try {
    node = await startNode(config, {
      createReplica,
      onFatal: (reason) => {
        // Serving nothing but 503s forever helps nobody: exit so a supervisor (or a person) sees it.
        io.stderr(`faultline start: stopping: ${reason}\n`);
        void node.stop().finally(() => process.exit(START_EXIT.fatal));
      },
    });
  } catch (e) {
    const message = e instanceof FatalStartError ? e.message : `could not start: ${e instanceof Error ? e.message : String(e)}`;
    io.stderr(`faultline start: ${message}\n`);
    return START_EXIT.fatal;
  }
  io.stdout(`faultline: node ${config.id} serving ${node.httpUrl} (peers on ${node.peerAddress})\n`);

  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled) {
        node.logger.warn({ event: 'server.forced-exit', signal }, 'second signal: exiting without a clean stop');
        process.exit(START_EXIT.fatal);
      }
      signalled = true;
      node.logger.info({ event: 'server.stopping', signal }, 'stopping: flushing writes and closing the data directory');
      void node.stop().then(() => {
        node.logger.info({ event: 'server.stopped' }, 'stopped cleanly');
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve(START_EXIT.ok);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    process.on('uncaughtException', (e) => {
      // A bug, not bad input (input errors never throw out of the HTTP layer): stop loudly rather than serve from a broken state.
      node.logger.fatal({ event: 'server.uncaught-exception', error: { message: e.message, stack: e.stack } }, 'uncaught exception; exiting');
      process.exit(START_EXIT.fatal);
    });
  });
}
