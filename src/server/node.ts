/**
 * One cluster member as a running process: the Node runtime Env, the replica
 * over the data directory, peer health, the ID issuer, metrics and the HTTP
 * API. `startNode` resolves once everything listens; `stop()` is the clean
 * shutdown (no new requests, replica stopped, every write made durable, the
 * data directory unlocked).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { CreateReplica, Replica } from '../replica/api.js';
import { createNodeEnv, formatHostPort, isFileDiskError, NodeClocks } from '../node/index.js';
import type { NodeEnvHandle, TransportStats } from '../node/index.js';
import { addClusterRoutes } from './api/cluster.js';
import type { ApiContext } from './api/context.js';
import { addKvRoutes } from './api/kv.js';
import { addLeaseLockRoutes } from './api/leases-locks.js';
import { WritePath } from './api/writes.js';
import type { ServerConfig } from './config.js';
import { Router } from './http/router.js';
import { createHttpServer } from './http/server.js';
import { IdIssuer } from './id-issuer.js';
import { SERVER_LIMITS } from './limits.js';
import { createServerLogger, envLogFn } from './logger.js';
import type { Logger } from './logger.js';
import { ServerMetrics } from './metrics.js';
import { observedEnv, PeerHealth } from './peer-health.js';
import { asFatal, FatalStartError, failedStartMessage } from './recovery.js';
import { findTornTail } from './torn-tail.js';

export interface StartNodeOptions {
  readonly createReplica: CreateReplica;
  /** Log destination (fd or stream). @defaultValue stderr */
  readonly logDestination?: number | NodeJS.WritableStream;
  /** Replica tuning (tests shorten timeouts). */
  readonly replica?: { tickIntervalMs?: number; electionTicks?: number; requestTimeoutMs?: number };
  /** The replica stopped serving for good (storage damaged beyond repair, a failed fsync). */
  readonly onFatal?: (reason: string) => void;
}

export interface RunningNode {
  readonly id: string;
  readonly httpUrl: string;
  readonly peerAddress: string;
  readonly replica: Replica;
  readonly logger: Logger;
  /** The peer transport's counters (bad frames, auth failures, …). */
  transportStats(): TransportStats;
  /** Clean stop. Idempotent. */
  stop(): Promise<void>;
}

export async function startNode(config: ServerConfig, options: StartNodeOptions): Promise<RunningNode> {
  let replica: Replica | undefined;
  const logger = createServerLogger({
    nodeId: config.id,
    level: config.logLevel,
    term: () => replica?.status().term,
    destination: options.logDestination,
  });
  const clocks = new NodeClocks();
  let handle: NodeEnvHandle;
  try {
    handle = await createNodeEnv({
      nodeId: config.id,
      dataDir: config.dataDir,
      listen: config.listen,
      peers: { ...config.peers },
      clusterSecret: config.clusterSecret,
      clocks,
      log: envLogFn(logger),
    });
  } catch (e) {
    if (isFileDiskError(e) && e.code === 'ELOCKED') {
      throw new FatalStartError(`refusing to start: the data directory ${config.dataDir} is in use by another faultline process`);
    }
    throw e;
  }
  const cleanup: Array<() => void | Promise<void>> = [() => handle.close()];
  try {
    const voters = Object.keys(config.peers).sort();
    const health = new PeerHealth({ env: handle.env, peers: voters });
    const idsRef: { current?: IdIssuer } = {};
    const metrics = new ServerMetrics({ nodeId: config.id, replica: () => replica, transport: handle.transport, health, ids: () => idsRef.current });
    // Bind the HTTP port before the replica touches the disk: a port in use then fails with nothing to undo.
    // Until the routes exist every request gets 503 `unavailable` (for the few ms of recovery).
    const router = new Router();
    let accepting = false;
    const server = createHttpServer({
      router,
      accepting: () => accepting,
      token: config.token,
      bodyBytesMax: SERVER_LIMITS.bodyBytesMax,
      urlCharsMax: SERVER_LIMITS.urlCharsMax,
      requestsInFlightMax: SERVER_LIMITS.requestsInFlightMax,
      requestReadTimeoutMs: SERVER_LIMITS.requestReadTimeoutMs,
      connectionsMax: SERVER_LIMITS.connectionsMax,
      nowSeconds: () => clocks.monoNowMs() / 1000,
      log: (level, event, fields) => logger[level]({ event, ...fields }, event),
      onRequest: (route, method, status, seconds) => metrics.http.record(route, method, status, seconds),
    });
    await listen(server, config.http.host, config.http.port);
    cleanup.unshift(() => closeServer(server));
    const address = server.address() as AddressInfo;
    const httpUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

    const torn = findTornTail(handle.env.disk);
    if (torn !== null) {
      logger.warn(
        { event: 'recovery.torn-tail', ...torn.tornTail, files: torn.filesTouched },
        'the Raft log ends in a torn write (a crash mid-append); it is cut off — nothing acknowledged is lost',
      );
    }
    // The replica recovers its own storage (torn tails cut, mid-log damage → health 'failed'); until it has
    // started, a failure is reported by the check below, not as a runtime fatal.
    let started = false;
    try {
      const timing = config.raftTiming;
      replica = options.createReplica({
        env: observedEnv(handle.env, health),
        voters,
        tickIntervalMs: timing.tickIntervalMs,
        heartbeatTicks: timing.heartbeatTicks,
        electionTicks: timing.electionTicks,
        ...options.replica,
        observer: {
          onFailed: (_id, reason) => {
            if (!started) return;
            logger.fatal({ event: 'replica.failed', reason }, `the replica stopped serving: ${reason}`);
            options.onFatal?.(reason);
          },
        },
      });
    } catch (e) {
      throw asFatal(e, config.dataDir);
    }
    const r = replica;
    // Stop the replica, then let its storage finish the writes it had queued before the disk closes.
    cleanup.unshift(async () => {
      r.stop();
      await diskQuiet(handle);
    });
    const startStatus = r.status();
    if (startStatus.health === 'failed') throw new FatalStartError(failedStartMessage(startStatus.failure, config.dataDir));
    started = true;
    health.start();
    cleanup.unshift(() => health.stop());

    const issuer = new IdIssuer({ replica: r, env: handle.env, nodeId: config.id, log: (event, fields) => logger.info({ event, ...fields }, event) });
    idsRef.current = issuer;
    issuer.start();
    cleanup.unshift(() => issuer.release());
    const writes = new WritePath(r, () => handle.env.monoNowMs());
    const housekeeping = setInterval(() => {
      metrics.drain();
      writes.sweep();
    }, 1000);
    cleanup.unshift(() => clearInterval(housekeeping));
    // One log line per change of role, term or leader: the operator's view of elections.
    let seen = { role: '', term: -1, leader: null as string | null | undefined };
    const watchRaft = setInterval(() => {
      const st = r.status();
      if (st.role === seen.role && st.term === seen.term && st.leader === seen.leader) return;
      seen = { role: st.role, term: st.term, leader: st.leader };
      logger.info(
        { event: 'raft.state', role: st.role, leader: st.leader, commitIndex: st.commitIndex },
        st.leader === null ? `${st.role}, no leader known` : st.leader === config.id ? 'this node is the leader' : `${st.role}, leader is ${st.leader}`,
      );
    }, 50);
    cleanup.unshift(() => clearInterval(watchRaft));

    const httpUrls: Record<string, string> = { ...config.httpPeers };
    httpUrls[config.id] ??= httpUrl;
    const api: ApiContext = {
      nodeId: config.id,
      replica: r,
      writes,
      ids: issuer,
      health,
      httpUrls,
      metrics,
      skewableClock: config.allowClockSkew ? clocks : undefined,
    };
    addKvRoutes(router, api);
    addLeaseLockRoutes(router, api);
    addClusterRoutes(router, api);
    accepting = true;
    cleanup.unshift(() => {
      accepting = false;
    });
    const peerAddress = formatHostPort(handle.transport.address());
    logger.info({ event: 'server.listening', httpUrl, peerAddress, voters, allowClockSkew: config.allowClockSkew, auth: config.token !== undefined }, 'serving');

    let stopping: Promise<void> | undefined;
    return {
      id: config.id,
      httpUrl,
      peerAddress,
      replica: r,
      logger,
      transportStats: () => handle.transport.stats(),
      stop: () => (stopping ??= runCleanup(cleanup, logger)),
    };
  } catch (e) {
    await runCleanup(cleanup, logger);
    throw e;
  }
}

/** Resolves once the disk has seen no append, write or fsync request for 30 ms (at most `maxMs`). */
async function diskQuiet(handle: NodeEnvHandle, maxMs = 2000): Promise<void> {
  const activity = (): number => {
    const s = handle.disk.stats();
    return s.appends + s.writes + s.truncates + s.removes + s.fsyncRequests + s.fileSyncs;
  };
  const deadline = performance.now() + maxMs;
  let last = activity();
  let quietPolls = 0;
  while (quietPolls < 3 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    const now = activity();
    quietPolls = now === last ? quietPolls + 1 : 0;
    last = now;
  }
}

async function runCleanup(steps: ReadonlyArray<() => void | Promise<void>>, logger: Logger): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch (e) {
      logger.error({ event: 'server.stop-step-failed', error: e instanceof Error ? e.message : String(e) }, 'a shutdown step failed');
    }
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(new FatalStartError(`cannot serve HTTP on ${host}:${port}: ${e.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests still running get a moment to finish; then their connections go.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
