import { randomBytes } from 'node:crypto';
import type { Disk, Env, NodeId, Rng, TimerId } from '../env/index.js';
import { SeededRng } from '../core/random/index.js';
import { FileDisk, type FileDiskOptions } from './file-disk.js';
import { type LogFn, createJsonLineLogger } from './log.js';
import { NodeClocks } from './node-clocks.js';
import { NodeTimers } from './node-timers.js';
import { type Transport, type TransportOptions, createTransport } from './transport/index.js';

export interface NodeEnvOptions {
  nodeId: NodeId;
  /** The node's data directory (`--data-dir`), opened as a locked `FileDisk`. */
  dataDir: string;
  listen: { host: string; port: number };
  peers: Record<NodeId, string>;
  clusterSecret: string | Uint8Array;
  clusterId?: string;
  /** Further transport limits (frame size, queue bounds, MAC, backoff, timeouts). */
  transport?: Omit<TransportOptions, 'nodeId' | 'listen' | 'peers' | 'clusterSecret' | 'clusterId' | 'log'>;
  /** Further disk options (sync method, descriptor cap, lock, injected fs). */
  disk?: Omit<FileDiskOptions, 'dir' | 'log'>;
  /** Share clocks (e.g. with an admin API that sets a skew offset). @defaultValue a new NodeClocks */
  clocks?: NodeClocks;
  /** Seed of `env.rng`. @defaultValue 48 random bits from node:crypto (reported as `rngSeed`) */
  rngSeed?: number;
  /** Log sink; `false` for none. @defaultValue JSON lines on stderr tagged with the node id */
  log?: LogFn | false;
  /** Let the process exit with timers pending (tools and tests, not a serving node). @defaultValue false */
  unrefTimers?: boolean;
}

export interface NodeEnvHandle {
  env: Env;
  clocks: NodeClocks;
  timers: NodeTimers;
  transport: Transport;
  disk: FileDisk;
  /** The seed `env.rng` was built from (log it to compare runs). */
  rngSeed: number;
  /**
   * Stop: no more timers fire and nothing more is sent (later Env calls are
   * no-ops, like a dead incarnation in the simulator), the transport closes,
   * and the disk flushes every write and releases its lock. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The Node runtime's `Env`: real clocks, real timers, TCP between node
 * processes, a data directory with real fsync. The same protocol code runs
 * here and in the simulator; only this assembly differs.
 */
export async function createNodeEnv(options: NodeEnvOptions): Promise<NodeEnvHandle> {
  if (typeof options !== 'object' || options === null) throw new TypeError('createNodeEnv: options must be an object');
  const rngSeed = options.rngSeed ?? randomBytes(6).readUIntBE(0, 6);
  if (!Number.isSafeInteger(rngSeed)) throw new RangeError(`createNodeEnv: rngSeed must be a safe integer, got ${rngSeed}`);
  const log: LogFn | undefined = options.log === false ? undefined : (options.log ?? createJsonLineLogger({ nodeId: options.nodeId }));
  const clocks = options.clocks ?? new NodeClocks();
  const timers = new NodeTimers({ monoNowMs: () => clocks.monoNowMs(), unref: options.unrefTimers ?? false });
  // The disk first: its lock fails fast if another process owns the data directory.
  const disk = new FileDisk({ ...options.disk, dir: options.dataDir, log });
  let transport: Transport;
  try {
    transport = await createTransport({
      ...options.transport,
      nodeId: options.nodeId,
      listen: options.listen,
      peers: options.peers,
      clusterSecret: options.clusterSecret,
      clusterId: options.clusterId,
      log,
    });
  } catch (e) {
    await disk.close().catch(() => undefined);
    throw e;
  }
  const env = new NodeEnv(options.nodeId, new SeededRng(rngSeed), disk, clocks, timers, transport, log);
  log?.('node.env-started', { rngSeed, dataDir: disk.dir, listen: transport.address() });
  let closing: Promise<void> | undefined;
  return {
    env,
    clocks,
    timers,
    transport,
    disk,
    rngSeed,
    close(): Promise<void> {
      closing ??= (async () => {
        env.stop();
        timers.clearAll();
        await transport.close();
        await disk.close();
      })();
      return closing;
    },
  };
}

class NodeEnv implements Env {
  readonly nodeId: NodeId;
  readonly rng: Rng;
  readonly disk: Disk;
  readonly #clocks: NodeClocks;
  readonly #timers: NodeTimers;
  readonly #transport: Transport;
  readonly #log: LogFn | undefined;
  #stopped = false;

  constructor(nodeId: NodeId, rng: Rng, disk: Disk, clocks: NodeClocks, timers: NodeTimers, transport: Transport, log: LogFn | undefined) {
    this.nodeId = nodeId;
    this.rng = rng;
    this.disk = disk;
    this.#clocks = clocks;
    this.#timers = timers;
    this.#transport = transport;
    this.#log = log;
  }

  stop(): void {
    this.#stopped = true;
  }

  wallNowMs(): number {
    return this.#clocks.wallNowMs();
  }

  monoNowMs(): number {
    return this.#clocks.monoNowMs();
  }

  setTimer(delayMs: number, callback: () => void): TimerId {
    const id = this.#timers.setTimer(delayMs, () => {
      if (!this.#stopped) callback();
    });
    if (this.#stopped) this.#timers.clearTimer(id);
    return id;
  }

  clearTimer(id: TimerId): void {
    this.#timers.clearTimer(id);
  }

  send(to: NodeId, message: unknown): void {
    if (!this.#stopped) this.#transport.send(to, message);
  }

  onMessage(handler: (from: NodeId, message: unknown) => void): void {
    if (this.#stopped) return;
    this.#transport.onMessage((from, message) => {
      if (!this.#stopped) handler(from, message);
    });
  }

  log(event: string, fields?: Record<string, unknown>): void {
    this.#log?.(event, fields);
  }
}
