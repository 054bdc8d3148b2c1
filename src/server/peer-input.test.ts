/**
 * A running node's peer port under hostile input: garbage, a truncated
 * frame, an impostor with the wrong secret. Each connection is refused and
 * counted, and the node keeps serving HTTP. (The transport's unit tests cover
 * the frame rules one by one; this checks them on an assembled node.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startFakeNode } from './testing/harness.js';
import type { FakeNode } from './testing/harness.js';
import { impostorHandshake, sendGarbage, sendTruncatedFrame } from './testing/peer-attacks.js';

let n: FakeNode;
let host: string;
let port: number;
beforeAll(async () => {
  n = await startFakeNode({ peers: { n1: '127.0.0.1:1', n2: '127.0.0.1:2' } });
  const i = n.node.peerAddress.lastIndexOf(':');
  host = n.node.peerAddress.slice(0, i);
  port = Number(n.node.peerAddress.slice(i + 1));
});
afterAll(async () => {
  await n.close();
});

describe('peer port: bad input is refused and the node keeps serving', () => {
  it('garbage bytes close that connection and count as a bad frame', async () => {
    await sendGarbage(host, port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(n.node.transportStats().badFramesByReason['bad-magic']).toBeGreaterThanOrEqual(1);
    const line = n.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'transport.bad-frame');
    expect(line).toMatchObject({ level: 40, node: 'n1', reason: 'bad-magic' });
    expect((await call(n.url, 'PUT', '/v1/kv/after-garbage', { value: '1' })).status).toBe(200);
  });

  it('a frame cut off mid-payload closes that connection', async () => {
    const before = n.node.transportStats().badFrames;
    await sendTruncatedFrame(host, port);
    expect(n.node.transportStats().badFrames).toBeGreaterThan(before);
    expect((await call(n.url, 'GET', '/v1/kv/after-garbage')).body.value).toBe('1');
  });

  it('a peer with the wrong secret is refused (bad-proof) and nothing it sent is delivered', async () => {
    const messagesBefore = n.node.transportStats().messagesIn;
    const r = await impostorHandshake(host, port, { from: 'n2', to: 'n1', secret: 'the-wrong-secret-0123456789' });
    expect(r.gotChallenge).toBe(true);
    const stats = n.node.transportStats();
    expect(stats.authFailuresByReason['bad-proof']).toBe(1);
    const line = n.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'transport.auth-failed');
    expect(line).toMatchObject({ level: 40, reason: 'bad-proof' });
    expect(stats.messagesIn).toBe(messagesBefore);
    expect((await call(n.url, 'GET', '/health')).status).toBe(200);
    const m = await call(n.url, 'GET', '/metrics');
    expect(m.body).toMatch(/faultline_transport_events\{kind="authFailures",node="n1"\} 1/);
  });
});
