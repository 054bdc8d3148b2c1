/**
 * A fault-injecting TCP proxy for ONE directed peer link: node `from` dials
 * it as if it were node `to`, and it forwards to `to`'s peer port. Each node
 * sends only on the connection it opened (src/node/README.md), so blocking
 * this proxy silences `from → to` while `to → from` (another proxy) still
 * works: that is a one-way partition. Both proxies blocked = a full cut.
 *
 * - `block()`: bytes in both directions of every connection are discarded,
 *   silently, like packets into a black hole; new connections are accepted
 *   and then hear nothing. Neither end sees a reset — only silence, which is
 *   what a real partition looks like to TCP.
 * - `heal()`: forwarding resumes. Connections that lost bytes while blocked
 *   carry a torn stream, so they are destroyed (the nodes redial); the frame
 *   checksums would reject them anyway.
 * - `setDelay(ms, jitterMs)`: every chunk waits `ms + U[0, jitterMs)` before
 *   it is forwarded, order preserved per direction.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LinkProxyOptions {
  readonly from: string;
  readonly to: string;
  readonly host: string;
  /** Where this proxy listens (node `from` dials it). */
  readonly listenPort: number;
  /** Node `to`'s peer port. */
  readonly targetPort: number;
  /** Jitter source (the chaos run's seeded Rng). */
  readonly random: () => number;
}

/** A connection larger than this in delayed-but-unsent bytes is cut (bounded memory). */
const MAX_DELAYED_BYTES = 64 * 1024 * 1024;

interface Pipe {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  /** Lost bytes while blocked: must not be resumed. */
  torn: boolean;
}

export interface LinkProxyStats {
  readonly connections: number;
  readonly bytesForwarded: number;
  readonly bytesDropped: number;
}

export class LinkProxy {
  readonly from: string;
  readonly to: string;
  readonly #options: LinkProxyOptions;
  readonly #server: net.Server;
  readonly #pipes = new Set<Pipe>();
  #blocked = false;
  #delayMs = 0;
  #jitterMs = 0;
  #connections = 0;
  #bytesForwarded = 0;
  #bytesDropped = 0;

  constructor(options: LinkProxyOptions) {
    this.from = options.from;
    this.to = options.to;
    this.#options = options;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  get name(): string {
    return `${this.from}→${this.to}`;
  }

  get blocked(): boolean {
    return this.#blocked;
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  stats(): LinkProxyStats {
    return { connections: this.#connections, bytesForwarded: this.#bytesForwarded, bytesDropped: this.#bytesDropped };
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.listenPort, this.#options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  block(): void {
    this.#blocked = true;
  }

  heal(): void {
    if (!this.#blocked) return;
    this.#blocked = false;
    for (const pipe of this.#pipes) if (pipe.torn) this.#destroy(pipe);
  }

  setDelay(delayMs: number, jitterMs = 0): void {
    if (!(delayMs >= 0 && jitterMs >= 0)) throw new RangeError(`LinkProxy ${this.name}: delays must be ≥ 0`);
    this.#delayMs = delayMs;
    this.#jitterMs = jitterMs;
  }

  /** Cut every open connection now (the nodes redial). */
  reset(): void {
    for (const pipe of this.#pipes) this.#destroy(pipe);
  }

  close(): Promise<void> {
    this.reset();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    this.#connections++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: this.#options.host, port: this.#options.targetPort });
    upstream.setNoDelay(true);
    const pipe: Pipe = { client, upstream, torn: false };
    this.#pipes.add(pipe);
    this.#forward(pipe, client, upstream);
    this.#forward(pipe, upstream, client);
    const end = (): void => this.#destroy(pipe);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  /** Copy `source` → `target` through the link's current fault. */
  #forward(pipe: Pipe, source: net.Socket, target: net.Socket): void {
    // Delayed chunks wait in one FIFO per direction, drained by one timer: order is preserved.
    const queue: { dueMs: number; chunk: Buffer }[] = [];
    let queuedBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    const drain = (): void => {
      timer = undefined;
      const nowMs = performance.now();
      while (queue.length > 0 && queue[0].dueMs <= nowMs) {
        const { chunk } = queue.shift()!;
        queuedBytes -= chunk.length;
        if (target.destroyed || pipe.torn) continue;
        this.#bytesForwarded += chunk.length;
        target.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, Math.max(0, queue[0].dueMs - nowMs));
    };
    source.on('close', () => {
      if (timer !== undefined) clearTimeout(timer);
    });
    source.on('data', (chunk: Buffer) => {
      if (this.#blocked) {
        pipe.torn = true;
        this.#bytesDropped += chunk.length;
        return;
      }
      if (pipe.torn) return; // a torn stream waits for heal() to destroy it
      const delayMs = this.#delayMs + (this.#jitterMs > 0 ? this.#options.random() * this.#jitterMs : 0);
      if (delayMs <= 0 && queue.length === 0) {
        this.#bytesForwarded += chunk.length;
        target.write(chunk);
        return;
      }
      const dueMs = Math.max(queue.length > 0 ? queue[queue.length - 1].dueMs : 0, performance.now() + delayMs);
      queue.push({ dueMs, chunk });
      queuedBytes += chunk.length;
      if (queuedBytes > MAX_DELAYED_BYTES) {
        this.#destroy(pipe);
        return;
      }
      if (timer === undefined) timer = setTimeout(drain, Math.max(0, queue[0].dueMs - performance.now()));
    });
  }

  #destroy(pipe: Pipe): void {
    if (!this.#pipes.delete(pipe)) return;
    pipe.client.destroy();
    pipe.upstream.destroy();
  }
}
