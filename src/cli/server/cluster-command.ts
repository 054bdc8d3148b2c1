/**
 * `faultline cluster`: N nodes on loopback, their endpoints, then wait.
 * Restarts nothing by itself (a killed node stays down until you restart it
 * with the command printed for it); Ctrl-C stops them all cleanly.
 */
import { relative, resolve } from 'node:path';
import { parseRaftTiming, UsageError } from '../../server/index.js';
import { EXIT } from '../exit-codes.js';
import { defaultCliPath, LocalCluster } from './local-cluster.js';

export interface ClusterFlags {
  nodes?: string;
  basePort?: string;
  dataDir?: string;
  host?: string;
  token?: string;
  allowClockSkew?: boolean;
  logLevel?: string;
  heartbeatIntervalMs?: string;
  electionTimeoutMs?: string;
}

export interface ClusterIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export async function runClusterCommand(flags: ClusterFlags, io: ClusterIo): Promise<number> {
  const nodes = Number(flags.nodes ?? '3');
  const basePort = Number(flags.basePort ?? '7001');
  if (!(Number.isInteger(nodes) && nodes >= 1 && nodes <= 99)) {
    io.stderr(`faultline cluster: --nodes must be an integer in [1, 99], got ${JSON.stringify(flags.nodes)}\n`);
    return EXIT.usage;
  }
  if (!(Number.isInteger(basePort) && basePort >= 1 && basePort + 100 + nodes - 1 <= 65535)) {
    io.stderr(`faultline cluster: --base-port must leave room for base-port + 100 + nodes − 1 ≤ 65535, got ${JSON.stringify(flags.basePort)}\n`);
    return EXIT.usage;
  }
  // Every node must run with the same timing: checked once here, passed to each.
  const timingArgs: string[] = [];
  try {
    parseRaftTiming(flags.heartbeatIntervalMs, flags.electionTimeoutMs);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`faultline cluster: ${e.message}\n`);
    return EXIT.usage;
  }
  if (flags.heartbeatIntervalMs !== undefined) timingArgs.push('--heartbeat-interval-ms', flags.heartbeatIntervalMs);
  if (flags.electionTimeoutMs !== undefined) timingArgs.push('--election-timeout-ms', flags.electionTimeoutMs);
  const dataDir = resolve(flags.dataDir ?? './data');
  const host = flags.host ?? '127.0.0.1';
  const cluster = new LocalCluster({
    nodes,
    dataDir,
    host,
    httpPorts: Array.from({ length: nodes }, (_, i) => basePort + i),
    peerPorts: Array.from({ length: nodes }, (_, i) => basePort + 100 + i),
    token: flags.token,
    allowClockSkew: flags.allowClockSkew,
    logLevel: flags.logLevel,
    extraArgs: timingArgs,
    onExit: (id, code, signal) => {
      if (!cluster.stopping) {
        io.stderr(`faultline cluster: ${id} exited (${signal ?? `code ${code}`}); not restarting it. To restart it:\n  ${cluster.commandLine(id)}\n`);
      }
    },
  });
  let interrupted = false;
  const stopAll = (): void => {
    if (interrupted) return;
    interrupted = true;
    io.stdout('\nstopping all nodes…\n');
    void cluster.stop().then(() => {
      io.stdout('all nodes stopped.\n');
      process.exit(EXIT.ok);
    });
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  try {
    await cluster.start();
  } catch (e) {
    io.stderr(`faultline cluster: ${e instanceof Error ? e.message : String(e)} (logs in ${dataDir}/logs/)\n`);
    await cluster.stop(2000);
    return EXIT.violation;
  }
  const endpoints = cluster.nodes.map((n) => n.httpUrl).join(',');
  io.stdout(`faultline cluster: ${nodes} node${nodes === 1 ? '' : 's'} up, data in ${dataDir}, logs in ${dataDir}/logs/\n`);
  for (const n of cluster.nodes) io.stdout(`  ${n.id}  http ${n.httpUrl}  peers ${n.peerAddress}  pid ${n.process?.pid ?? '?'}\n`);
  const leader = await waitForLeader(cluster.nodes[0]!.httpUrl, flags.token, 15_000);
  io.stdout(leader ? `leader: ${leader.leader} (term ${leader.term})\n` : 'no leader yet (check the logs)\n');
  io.stdout(`\nendpoints: ${endpoints}\n`);
  const cli = `node ${relative(process.cwd(), defaultCliPath()) || defaultCliPath()}`;
  const endpointsFlag = basePort === 7001 && host === '127.0.0.1' && nodes === 3 ? '' : ` --endpoints ${endpoints}`;
  io.stdout(`try:  ${cli} kv put a 1${endpointsFlag}\n      ${cli} kv get a${endpointsFlag}\n      ${cli} status${endpointsFlag}\n`);
  io.stdout(`kill a node with kill -9 <pid>; it stays down until you restart it with its command below. Ctrl-C stops all.\n`);
  for (const n of cluster.nodes) io.stdout(`  restart ${n.id}: ${cluster.commandLine(n.id)}\n`);
  return new Promise<number>(() => {
    // Runs until Ctrl-C (stopAll exits the process).
  });
}

async function waitForLeader(url: string, token: string | undefined, timeoutMs: number): Promise<{ leader: string; term: number } | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/v1/cluster`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { leader?: string | null; term?: number };
      if (typeof body.leader === 'string') return { leader: body.leader, term: body.term ?? 0 };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
