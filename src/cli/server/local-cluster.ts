/**
 * N `faultline start` child processes on one machine: the engine behind
 * `faultline cluster`, and the harness the process-level tests use. It
 * restarts nothing by itself; `kill`, `restart` and `stop` are explicit.
 *
 * Node i (1-based) is `n<i>`, serves HTTP on `httpPorts[i-1]` and peers on
 * `peerPorts[i-1]`, keeps its data in `<dataDir>/n<i>` and its log lines
 * (pino JSON) in `<dataDir>/logs/n<i>.log` unless `onLog` takes them.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LocalClusterOptions {
  readonly nodes: number;
  readonly dataDir: string;
  readonly httpPorts: readonly number[];
  readonly peerPorts: readonly number[];
  readonly host?: string;
  readonly token?: string;
  readonly allowClockSkew?: boolean;
  readonly logLevel?: string;
  /** Extra flags for every node. */
  readonly extraArgs?: readonly string[];
  /** Per-node peer address overrides (a proxy in between): id → host:port peers dial. */
  readonly dialAddresses?: Readonly<Record<string, string>>;
  /** Take each node's stderr lines instead of writing them to the log file. */
  readonly onLog?: (id: string, line: string) => void;
  /** Called when a node exits (whatever the reason). */
  readonly onExit?: (id: string, code: number | null, signal: NodeJS.Signals | null) => void;
  /** The CLI entry to run. @defaultValue dist/cli/main.js next to this file */
  readonly cliPath?: string;
}

export interface LocalNode {
  readonly id: string;
  readonly httpUrl: string;
  readonly peerAddress: string;
  readonly dataDir: string;
  readonly args: readonly string[];
  process: ChildProcess | undefined;
  /** Resolves with the "serving" line once the current incarnation listens. */
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stderr of the current incarnation (kept for error messages; bounded). */
  stderrTail: string;
}

export const CLUSTER_SECRET_FILE = 'cluster.secret';

/** Read the cluster secret in `dataDir`, generating one (32 random bytes, hex) the first time. */
export function ensureClusterSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, CLUSTER_SECRET_FILE);
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

/** One local node's `faultline start` flags (values already formatted as the flags take them). */
export interface NodeStartSpec {
  readonly id: string;
  /** `id=host:port,…`: where this node dials every member (its own entry included). */
  readonly peers: string;
  readonly listen: string;
  readonly http: string;
  readonly httpPeers: string;
  readonly dataDir: string;
  readonly secretFile: string;
  /** @defaultValue 'info' */
  readonly logLevel?: string;
  readonly token?: string;
  readonly allowClockSkew?: boolean;
  readonly extraArgs?: readonly string[];
}

/** The `faultline start …` argument list of one local node (LocalCluster's and the chaos cluster's). */
export function nodeStartArgs(s: NodeStartSpec): string[] {
  return [
    'start',
    '--id', s.id,
    '--peers', s.peers,
    '--listen', s.listen,
    '--http', s.http,
    '--data-dir', s.dataDir,
    '--secret-file', s.secretFile,
    '--http-peers', s.httpPeers,
    '--log-level', s.logLevel ?? 'info',
    ...(s.token !== undefined ? ['--token', s.token] : []),
    ...(s.allowClockSkew === true ? ['--allow-clock-skew'] : []),
    ...(s.extraArgs ?? []),
  ];
}

export function defaultCliPath(): string {
  return fileURLToPath(new URL('../main.js', import.meta.url));
}

export class LocalCluster {
  readonly nodes: LocalNode[] = [];
  readonly secretFile: string;
  readonly #o: LocalClusterOptions;
  readonly #logs = new Map<string, WriteStream>();
  #stopping = false;

  constructor(options: LocalClusterOptions) {
    if (!(Number.isInteger(options.nodes) && options.nodes >= 1 && options.nodes <= 99)) throw new RangeError('nodes must be an integer in [1, 99]');
    if (options.httpPorts.length !== options.nodes || options.peerPorts.length !== options.nodes) throw new RangeError('one HTTP and one peer port per node');
    this.#o = options;
    const dataDir = resolve(options.dataDir);
    this.secretFile = ensureClusterSecret(dataDir);
    const host = options.host ?? '127.0.0.1';
    const ids = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
    const peers = ids.map((id, i) => `${id}=${options.dialAddresses?.[id] ?? `${host}:${options.peerPorts[i]}`}`).join(',');
    const httpPeers = ids.map((id, i) => `${id}=http://${host}:${options.httpPorts[i]}`).join(',');
    ids.forEach((id, i) => {
      const nodeDir = join(dataDir, id);
      const args = nodeStartArgs({
        id,
        peers,
        listen: `${host}:${options.peerPorts[i]}`,
        http: `${host}:${options.httpPorts[i]}`,
        httpPeers,
        dataDir: nodeDir,
        secretFile: this.secretFile,
        logLevel: options.logLevel,
        token: options.token,
        allowClockSkew: options.allowClockSkew,
        extraArgs: options.extraArgs,
      });
      this.nodes.push({
        id,
        httpUrl: `http://${host}:${options.httpPorts[i]}`,
        peerAddress: `${host}:${options.peerPorts[i]}`,
        dataDir: nodeDir,
        args,
        process: undefined,
        ready: Promise.resolve(''),
        exited: Promise.resolve({ code: null, signal: null }),
        stderrTail: '',
      });
    });
    if (!options.onLog) mkdirSync(join(dataDir, 'logs'), { recursive: true });
  }

  /** The command line that starts node `id` (to print, or to run by hand after a kill). */
  commandLine(id: string): string {
    const n = this.node(id);
    return ['node', this.#o.cliPath ?? defaultCliPath(), ...n.args].map((a) => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  }

  node(id: string): LocalNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new RangeError(`no node ${id}`);
    return n;
  }

  /** Start every node; resolves when all print their serving line. */
  async start(): Promise<void> {
    for (const n of this.nodes) this.#spawn(n);
    await Promise.all(this.nodes.map((n) => n.ready));
  }

  /** Start node `id` again (after a kill or an exit); resolves when it serves. */
  async restart(id: string): Promise<string> {
    const n = this.node(id);
    if (n.process && n.process.exitCode === null && n.process.signalCode === null) throw new Error(`${id} is still running`);
    this.#spawn(n);
    return n.ready;
  }

  /** Send a signal to node `id` (SIGKILL for kill -9, SIGSTOP/SIGCONT to pause). */
  signal(id: string, signal: NodeJS.Signals): void {
    const p = this.node(id).process;
    if (p?.pid !== undefined && p.exitCode === null && p.signalCode === null) process.kill(p.pid, signal);
  }

  /** SIGKILL node `id` and wait until it is gone. */
  async kill(id: string): Promise<void> {
    this.signal(id, 'SIGKILL');
    await this.node(id).exited;
  }

  /** SIGTERM every running node (SIGCONT first, in case one is paused), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      this.nodes.map(async (n) => {
        const p = n.process;
        if (!p || p.exitCode !== null || p.signalCode !== null) return;
        this.signal(n.id, 'SIGCONT');
        this.signal(n.id, 'SIGTERM');
        const timer = setTimeout(() => this.signal(n.id, 'SIGKILL'), graceMs);
        await n.exited;
        clearTimeout(timer);
      }),
    );
    for (const s of this.#logs.values()) s.end();
    this.#logs.clear();
  }

  #spawn(n: LocalNode): void {
    const child = spawn(process.execPath, [this.#o.cliPath ?? defaultCliPath(), ...n.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    n.process = child;
    n.stderrTail = '';
    let log: WriteStream | undefined;
    if (!this.#o.onLog) {
      log = this.#logs.get(n.id);
      if (!log) {
        log = createWriteStream(join(resolve(this.#o.dataDir), 'logs', `${n.id}.log`), { flags: 'a' });
        this.#logs.set(n.id, log);
      }
    }
    let errBuf = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      n.stderrTail = (n.stderrTail + text).slice(-8192);
      if (log) log.write(text);
      else {
        errBuf += text;
        let nl: number;
        while ((nl = errBuf.indexOf('\n')) >= 0) {
          this.#o.onLog!(n.id, errBuf.slice(0, nl));
          errBuf = errBuf.slice(nl + 1);
        }
      }
    });
    n.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.#o.onExit?.(n.id, code, signal);
        resolveExit({ code, signal });
      });
    });
    n.ready = new Promise((resolveReady, reject) => {
      let outBuf = '';
      const onData = (chunk: Buffer): void => {
        outBuf += chunk.toString('utf8');
        const line = outBuf.split('\n').find((l) => l.startsWith('faultline: node '));
        if (line !== undefined) {
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolveReady(line);
        }
      };
      child.stdout!.on('data', onData);
      void n.exited.then(({ code, signal }) => {
        const last = n.stderrTail.trim().split('\n').filter((l) => !l.startsWith('{')).pop() ?? '';
        reject(new Error(`${n.id} exited before serving (code ${code}, signal ${signal})${last ? `: ${last}` : ''}`));
      });
    });
    n.ready.catch(() => undefined); // observed by whoever awaits it
  }

  get stopping(): boolean {
    return this.#stopping;
  }
}

/** Read a node's log file (when logs go to files). */
export function readNodeLog(dataDir: string, id: string): string {
  const file = join(resolve(dataDir), 'logs', `${id}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}
