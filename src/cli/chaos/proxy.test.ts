import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePorts } from './ports.js';
import { LinkProxy } from './proxy.js';

const HOST = '127.0.0.1';
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function echoServer(port: number): Promise<void> {
  const server = net.createServer((s) => s.on('data', (d) => s.write(d)).on('error', () => {}));
  await new Promise<void>((r) => server.listen(port, HOST, () => r()));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
}

async function setup(): Promise<{ proxy: LinkProxy; port: number }> {
  const [target, listen] = await freePorts(HOST, 2);
  await echoServer(target);
  const proxy = new LinkProxy({ from: 'a', to: 'b', host: HOST, listenPort: listen, targetPort: target, random: () => 0.5 });
  await proxy.listen();
  cleanup.push(() => proxy.close());
  return { proxy, port: listen };
}

function connect(port: number): Promise<{ socket: net.Socket; received: () => string; closed: () => boolean }> {
  return new Promise((resolve) => {
    let data = '';
    let closed = false;
    const socket = net.connect(port, HOST, () => resolve({ socket, received: () => data, closed: () => closed }));
    socket.on('data', (d) => (data += d.toString())).on('close', () => (closed = true)).on('error', () => {});
    cleanup.push(() => void socket.destroy());
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LinkProxy', () => {
  it('forwards both ways, goes silent when blocked (no reset), and cuts torn connections on heal', async () => {
    const { proxy, port } = await setup();
    const c = await connect(port);
    c.socket.write('hello');
    await sleep(50);
    expect(c.received()).toBe('hello');
    proxy.block();
    c.socket.write('lost');
    await sleep(100);
    expect(c.received()).toBe('hello');
    expect(c.closed()).toBe(false); // silence, not a reset
    proxy.heal();
    await sleep(50);
    expect(c.closed()).toBe(true); // the torn stream is cut so the nodes redial
    const d = await connect(port);
    d.socket.write('again');
    await sleep(50);
    expect(d.received()).toBe('again');
    expect(proxy.stats().bytesDropped).toBe(4);
  });

  it('delays chunks and keeps their order', async () => {
    const { proxy, port } = await setup();
    proxy.setDelay(80, 40);
    const c = await connect(port);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      c.socket.write(String.fromCharCode(97 + i));
      await sleep(2);
    }
    await sleep(30);
    expect(c.received()).toBe(''); // 2 × (80 + 20) ms round trip has not passed
    while (c.received().length < 20 && performance.now() - t0 < 2000) await sleep(10);
    expect(c.received()).toBe('abcdefghijklmnopqrst');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
  });
});
