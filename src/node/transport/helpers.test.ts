import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort, parsePeerList } from './address.js';
import { fullJitterDelayMs } from './backoff.js';
import { BoundedQueue } from './bounded-queue.js';
import { resolveTransportOptions } from './options.js';

describe('BoundedQueue', () => {
  it('drops the oldest beyond the item bound and keeps FIFO order', () => {
    const q = new BoundedQueue<number>(3, 1e9, () => 1);
    let dropped = 0;
    for (let i = 0; i < 10; i++) dropped += q.push(i);
    expect(dropped).toBe(7);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([7, 8, 9, undefined]);
  });

  it('never holds more than its byte bound', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 300 }), fc.array(fc.boolean(), { maxLength: 300 }), (sizes, shifts) => {
        const q = new BoundedQueue<number>(1000, 100, (n) => n);
        sizes.forEach((s, i) => {
          q.push(s);
          if (shifts[i]) q.shift();
          expect(q.bytes).toBeLessThanOrEqual(100);
          expect(q.length).toBeLessThanOrEqual(1000);
        });
        let sum = 0;
        for (let x = q.shift(); x !== undefined; x = q.shift()) sum += x;
        expect(q.bytes).toBe(0);
        expect(sum).toBeLessThanOrEqual(100);
      }),
    );
  });

  it('refuses an item that could never fit', () => {
    expect(() => new BoundedQueue<number>(10, 5, (n) => n).push(6)).toThrow(/can never fit/);
  });
});

describe('fullJitterDelayMs', () => {
  it('stays in [0, min(cap, base·2^attempt)]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = fullJitterDelayMs(attempt, 50, 2000, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.min(2000, 50 * 2 ** attempt));
      }),
    );
    expect(fullJitterDelayMs(0, 50, 2000, () => 0.999999)).toBe(50);
    expect(fullJitterDelayMs(10, 50, 2000, () => 0.999999)).toBe(2000);
  });
});

describe('addresses', () => {
  it('parses host:port and [ipv6]:port, and refuses the rest', () => {
    expect(parseHostPort('10.0.0.1:7001')).toEqual({ host: '10.0.0.1', port: 7001 });
    expect(parseHostPort('node-a.local:80')).toEqual({ host: 'node-a.local', port: 80 });
    expect(parseHostPort('[::1]:7001')).toEqual({ host: '::1', port: 7001 });
    expect(formatHostPort({ host: '::1', port: 7001 })).toBe('[::1]:7001');
    for (const bad of ['', 'host', ':1', 'h:0', 'h:65536', '::1:80', 'h :1', 'h:1x']) expect(() => parseHostPort(bad)).toThrow();
  });

  it('parses a CLI peer list', () => {
    expect(parsePeerList('n1=127.0.0.1:7001, n2=127.0.0.1:7002')).toEqual({ n1: '127.0.0.1:7001', n2: '127.0.0.1:7002' });
    expect(() => parsePeerList('n1=a:1,n1=b:2')).toThrow(/twice/);
    expect(() => parsePeerList('n1')).toThrow(/id=host:port/);
  });
});

describe('transport options', () => {
  const base = { nodeId: 'a', listen: { host: '127.0.0.1', port: 0 }, peers: {}, clusterSecret: 'sixteen-bytes-secret' };

  it('fills documented defaults', () => {
    const o = resolveTransportOptions(base);
    expect(o).toMatchObject({ maxFrameBytes: 16 << 20, maxQueuedMessages: 4096, frameMac: true, reconnectBaseMs: 50, reconnectCapMs: 2000, clusterId: 'faultline' });
  });

  it('refuses weak secrets and inconsistent limits with messages naming the API', () => {
    expect(() => resolveTransportOptions({ ...base, clusterSecret: 'short' })).toThrow(/createTransport: clusterSecret must be at least 16 bytes/);
    expect(() => resolveTransportOptions({ ...base, maxFrameBytes: 1024, maxQueuedBytes: 512 })).toThrow(/maxQueuedBytes/);
    expect(() => resolveTransportOptions({ ...base, reconnectBaseMs: 100, reconnectCapMs: 50 })).toThrow(/reconnectCapMs/);
    expect(() => resolveTransportOptions({ ...base, pingIntervalMs: 1000, peerIdleTimeoutMs: 1500 })).toThrow(/peerIdleTimeoutMs/);
    expect(() => resolveTransportOptions({ ...base, peers: { b: 'nowhere' } })).toThrow(/createTransport: peers.b/);
    expect(() => resolveTransportOptions({ ...base, nodeId: '' })).toThrow(/nodeId/);
    expect(() => resolveTransportOptions({ ...base, listen: { host: '127.0.0.1', port: 70000 } })).toThrow(/listen.port/);
  });
});
