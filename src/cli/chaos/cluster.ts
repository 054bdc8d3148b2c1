/**
 * A local cluster of separate OS processes (`node dist/cli/main.js start …`)
 * wired through fault-injecting proxies: node i dials node j at the proxy
 * `i→j`, which forwards to j's peer port. The chaos run (and the tests) can
 * then kill (-9) and restart a node, pause it (SIGSTOP/SIGCONT), cut or
 * delay any directed link, and skew a node's wall clock
 * (`POST /v1/admin/clock`, enabled by `--allow-clock-skew`).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeStartArgs } from '../server/local-cluster.js';
import { freePorts } from './ports.js';
import { LinkProxy } from './proxy.js';

/** The repository root (the nearest folder up with a package.json): from src/, dist/ or dist-bench/ alike. */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const CLI_MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');

const STARTUP_TIMEOUT_MS = 20_000;

function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`chaos: no package.json above ${from}`);
  }
}

export type NodeState = 'running' | 'paused' | 'killed' | 'stopped';

export interface ChaosClusterOptions {
  /** Node count. @defaultValue 3 */
  readonly nodes?: number;
  /** Holds data/, logs/ and the secret. */
  readonly workDir: string;
  readonly host?: string;
  /** Jitter for the proxies' delays. */
  readonly random: () => number;
  /** Extra `faultline start` flags for every node. */
  readonly extraArgs?: readonly string[];
  /** Peers dial each other directly, no proxies (benchmarks). @defaultValue false */
  readonly direct?: boolean;
  /** Run the nodes from a copy of dist/ in workDir (see snapshotCli). @defaultValue true */
  readonly snapshot?: boolean;
  /** Flags for node itself (e.g. `--cpu-prof`), before the script. */
  readonly nodeFlags?: readonly string[];
  readonly logLevel?: string;
}

/**
 * Copy dist/ (with package.json and a node_modules link) into `dir` and
 * return the copy's CLI entry, so nodes restarted late in a run execute the
 * code the run started with even if someone rebuilds dist/ meanwhile.
 */
export function snapshotCli(dir: string): string {
  if (!existsSync(CLI_MAIN)) throw new Error(`chaos: ${CLI_MAIN} is missing: run npm run build first`);
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return join(dir, 'dist', 'cli', 'main.js');
}

export class ChaosNode {
  readonly id: string;
  readonly httpPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly logFile: string;
  state: NodeState = 'stopped';
  starts = 0;
  #child: ChildProcess | undefined;
  #log: WriteStream | undefined;
  readonly #args: readonly string[];

  readonly #cliMain: string;
  readonly #nodeFlags: readonly string[];

  constructor(id: string, httpPort: number, peerPort: number, dataDir: string, logFile: string, args: readonly string[], cliMain: string, nodeFlags: readonly string[] = []) {
    this.#cliMain = cliMain;
    this.#nodeFlags = nodeFlags;
    this.id = id;
    this.httpPort = httpPort;
    this.peerPort = peerPort;
    this.dataDir = dataDir;
    this.logFile = logFile;
    this.#args = args;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The exact command that starts this node (for reports). */
  get command(): string {
    return ['node', this.#cliMain, ...this.#args].join(' ');
  }

  /** Spawn and wait for the "serving" line. */
  start(): Promise<void> {
    if (this.state === 'running' || this.state === 'paused') throw new Error(`chaos: ${this.id} is already ${this.state}`);
    this.#log ??= createWriteStream(this.logFile, { flags: 'a' });
    const log = this.#log;
    this.starts++;
    log.write(`\n=== chaos: start #${this.starts} of ${this.id} ===\n`);
    const child = spawn(process.execPath, [...this.#nodeFlags, this.#cliMain, ...this.#args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.state = 'running';
    let tail = '';
    child.stderr!.on('data', (d: Buffer) => {
      log.write(d);
      tail = (tail + d.toString()).slice(-2000);
    });
    return new Promise<void>((resolvePromise, reject) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`chaos: ${this.id} did not report serving within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      child.stdout!.on('data', (d: Buffer) => {
        log.write(d);
        out += d.toString();
        if (/faultline: node \S+ serving/.test(out)) {
          clearTimeout(timer);
          resolvePromise();
        }
      });
      child.once('exit', (code, signal) => {
        if (this.#child === child) {
          this.#child = undefined;
          if (this.state === 'running' || this.state === 'paused') this.state = 'stopped';
        }
        log.write(`=== chaos: ${this.id} exited (code ${code}, signal ${signal}) ===\n`);
        fail(new Error(`chaos: ${this.id} exited (code ${code}, signal ${signal}) before serving: ${lastLine(tail)}`));
      });
    });
  }

  /** kill -9: no chance to flush anything. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    if (this.state === 'paused') child.kill('SIGCONT'); // a stopped process still dies on SIGKILL; this only keeps logs tidy
    child.kill('SIGKILL');
    this.state = 'killed';
    await exited;
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.#child?.kill('SIGSTOP');
    this.state = 'paused';
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.#child?.kill('SIGCONT');
    this.state = 'running';
  }

  /** SIGTERM and wait (a clean stop). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    if (this.state === 'paused') child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    this.state = 'stopped';
  }

  closeLog(): void {
    this.#log?.end();
    this.#log = undefined;
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.at(-1) ?? '(no output)';
}

export class ChaosCluster {
  readonly nodes: ChaosNode[] = [];
  /** proxies.get(`${from}→${to}`) */
  readonly proxies = new Map<string, LinkProxy>();
  readonly workDir: string;
  readonly host: string;

  private constructor(workDir: string, host: string) {
    this.workDir = workDir;
    this.host = host;
  }

  static async create(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const n = options.nodes ?? 3;
    const host = options.host ?? '127.0.0.1';
    const cluster = new ChaosCluster(options.workDir, host);
    mkdirSync(join(options.workDir, 'logs'), { recursive: true });
    const cliMain = options.snapshot === false ? CLI_MAIN : snapshotCli(join(options.workDir, 'cli'));
    const secretFile = join(options.workDir, 'cluster.secret');
    writeFileSync(secretFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    const direct = options.direct ?? false;
    const ports = await freePorts(host, 2 * n + (direct ? 0 : n * (n - 1)));
    const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    const httpPort = (i: number): number => ports[i];
    const peerPort = (i: number): number => ports[n + i];
    let next = 2 * n;
    const proxyPort = new Map<string, number>();
    for (let i = 0; i < n && !direct; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const port = ports[next++];
        proxyPort.set(`${ids[i]}→${ids[j]}`, port);
        const proxy = new LinkProxy({ from: ids[i], to: ids[j], host, listenPort: port, targetPort: peerPort(j), random: options.random });
        await proxy.listen();
        cluster.proxies.set(proxy.name, proxy);
      }
    }
    const httpPeers = ids.map((id, j) => `${id}=http://${host}:${httpPort(j)}`).join(',');
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      const dataDir = join(options.workDir, 'data', id);
      mkdirSync(dataDir, { recursive: true });
      const peers = ids.map((peer, j) => `${peer}=${host}:${i === j || direct ? peerPort(j) : proxyPort.get(`${id}→${peer}`)}`).join(',');
      const args = nodeStartArgs({
        id,
        peers,
        listen: `${host}:${peerPort(i)}`,
        http: `${host}:${httpPort(i)}`,
        httpPeers,
        dataDir,
        secretFile,
        logLevel: options.logLevel,
        allowClockSkew: true,
        extraArgs: options.extraArgs,
      });
      cluster.nodes.push(new ChaosNode(id, httpPort(i), peerPort(i), dataDir, join(options.workDir, 'logs', `${id}.log`), args, cliMain, options.nodeFlags));
    }
    return cluster;
  }

  get endpoints(): string[] {
    return this.nodes.map((n) => n.httpUrl);
  }

  node(id: string): ChaosNode {
    const node = this.nodes.find((n) => n.id === id);
    if (node === undefined) throw new Error(`chaos: no node ${id}`);
    return node;
  }

  proxy(from: string, to: string): LinkProxy {
    const proxy = this.proxies.get(`${from}→${to}`);
    if (proxy === undefined) throw new Error(`chaos: no link ${from}→${to}`);
    return proxy;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
  }

  /** Silence the directed link `from → to`. */
  cut(from: string, to: string): void {
    this.proxy(from, to).block();
  }

  /** Both directions between every node of `a` and every node of `b`. */
  partition(a: readonly string[], b: readonly string[]): void {
    for (const x of a) for (const y of b) {
      this.cut(x, y);
      this.cut(y, x);
    }
  }

  /** Every link forwards again, undelayed. */
  healNetwork(): void {
    for (const proxy of this.proxies.values()) {
      proxy.heal();
      proxy.setDelay(0, 0);
    }
  }

  /** Offset `id`'s wall clock (the node must run with --allow-clock-skew). */
  async skewClock(id: string, offsetMs: number): Promise<void> {
    const node = this.node(id);
    const response = await fetch(`${node.httpUrl}/v1/admin/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ offsetMs }),
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) throw new Error(`chaos: skewing ${id}'s clock answered ${response.status}: ${await response.text()}`);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop().catch(() => n.kill())));
    for (const proxy of this.proxies.values()) await proxy.close();
    for (const n of this.nodes) n.closeLog();
  }
}
