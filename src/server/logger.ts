/**
 * Structured logs: pino JSON lines on stderr, every line tagged with the node
 * id and the current Raft term. The runtime's own `Env.log(event, fields)`
 * lines go through the same logger, with a level chosen from the event name.
 */
import { pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';
import type { LogFn } from '../node/index.js';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface ServerLoggerOptions {
  readonly nodeId: string;
  readonly level: LevelWithSilent;
  /** Current term for the `term` field (undefined before the replica exists). */
  readonly term: () => number | undefined;
  /** File descriptor or stream for the lines. @defaultValue 2 (stderr) */
  readonly destination?: number | NodeJS.WritableStream;
}

export function createServerLogger(options: ServerLoggerOptions): Logger {
  const destination =
    typeof options.destination === 'object' ? options.destination : pino.destination({ fd: options.destination ?? 2, sync: true });
  return pino(
    {
      level: options.level,
      base: { node: options.nodeId },
      mixin: () => {
        const term = options.term();
        return term === undefined ? {} : { term };
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

const WARN_EVENTS = /(bad-frame|auth|fail|error|drop|torn|refused|corrupt|lost|overflow|unrecoverable|repaired)/;
const DEBUG_EVENTS = /^(transport\.(connect|accept|ping)|raft\.(step|ready))/;

/** An `Env.log`-shaped function writing through `logger`. */
export function envLogFn(logger: Logger): LogFn {
  return (event, fields) => {
    const level = WARN_EVENTS.test(event) ? 'warn' : DEBUG_EVENTS.test(event) ? 'debug' : 'info';
    logger[level]({ event, ...fields }, event);
  };
}
