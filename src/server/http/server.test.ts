import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from './router.js';
import { createHttpServer } from './server.js';

const servers: Array<ReturnType<typeof createHttpServer>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listening(requestReadTimeoutMs: number): Promise<number> {
  const server = createHttpServer({
    router: new Router(),
    bodyBytesMax: 1024,
    urlCharsMax: 1024,
    requestsInFlightMax: 8,
    requestReadTimeoutMs,
    connectionsMax: 8,
    log: () => {},
    nowSeconds: () => performance.now() / 1000,
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Send `text`, then wait for the server to answer and close; resolves with everything it sent. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.on('data', (d: Buffer) => (got += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
  });
}

describe('createHttpServer: malformed and slow requests', () => {
  it('answers a request whose headers do not arrive in time with 408 request_timeout, soon after the limit', async () => {
    const port = await listening(300);
    const t0 = performance.now();
    const answer = await exchange(port, 'GET /v1/kv/a HTTP/1.1\r\nHost: x\r\n'); // headers never finished
    const tookMs = performance.now() - t0;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'request_timeout' } });
    expect(tookMs).toBeLessThan(3000);
  });

  it('answers a broken request line with 400 invalid_request', async () => {
    const port = await listening(5000);
    const answer = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"invalid_request"');
  });
});
