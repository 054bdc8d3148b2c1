/**
 * The HTTP API over an in-memory replica: shapes, error codes, validation,
 * idempotency, sessions, fencing, auth, IDs. Real sockets, one process.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../services/index.js';
import { call, startFakeNode, waitFor } from './testing/harness.js';
import type { FakeNode } from './testing/harness.js';

let n: FakeNode;
beforeAll(async () => {
  n = await startFakeNode({ allowClockSkew: true });
});
afterAll(async () => {
  await n.close();
});

describe('kv', () => {
  it('puts, gets, and deletes a key; a missing key is 404 not_found', async () => {
    const put = await call(n.url, 'PUT', '/v1/kv/a', { value: '1' });
    expect(put.status).toBe(200);
    expect(put.body.revision).toBeGreaterThan(0);
    const got = await call(n.url, 'GET', '/v1/kv/a');
    expect(got.body).toMatchObject({ key: 'a', value: '1', revision: put.body.revision, version: 1, lease: null });
    const stale = await call(n.url, 'GET', '/v1/kv/a?consistency=stale');
    expect(stale.body.value).toBe('1');
    const del = await call(n.url, 'DELETE', '/v1/kv/a');
    expect(del.body).toMatchObject({ deleted: true });
    const gone = await call(n.url, 'GET', '/v1/kv/a');
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
  });

  it('keys may contain slashes and percent-encoded characters', async () => {
    await call(n.url, 'PUT', '/v1/kv/dir/sub%2Fkey%20x', { value: 'v' });
    const got = await call(n.url, 'GET', '/v1/kv/dir/sub%2Fkey%20x');
    expect(got.body.key).toBe('dir/sub/key x');
  });

  it('compare-and-set: a wrong ifRevision is 409 revision_mismatch', async () => {
    const first = await call(n.url, 'PUT', '/v1/kv/cas', { value: 'a', ifRevision: 0 });
    expect(first.status).toBe(200);
    const again = await call(n.url, 'PUT', '/v1/kv/cas', { value: 'b', ifRevision: 0 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('revision_mismatch');
    const right = await call(n.url, 'PUT', '/v1/kv/cas', { value: 'b', ifRevision: first.body.revision });
    expect(right.status).toBe(200);
  });
});

describe('bad input gets a clear error naming the field, and the node keeps serving', () => {
  const cases: Array<[string, string, string, unknown, number, string]> = [
    ['malformed JSON', 'PUT', '/v1/kv/k', '{"value": ', 400, 'body'],
    ['a body that is not an object', 'PUT', '/v1/kv/k', '"just a string"', 400, 'body'],
    ['value of the wrong type', 'PUT', '/v1/kv/k', { value: 42 }, 400, 'value'],
    ['missing value', 'PUT', '/v1/kv/k', {}, 400, 'value'],
    ['an unknown field', 'PUT', '/v1/kv/k', { value: 'x', colour: 'red' }, 400, 'colour'],
    ['a negative ifRevision', 'PUT', '/v1/kv/k', { value: 'x', ifRevision: -1 }, 400, 'ifRevision'],
    ['a fractional fence token', 'PUT', '/v1/kv/k', { value: 'x', fence: { lock: 'l', token: 1.5 } }, 400, 'fence.token'],
    ['an oversized value', 'PUT', '/v1/kv/k', { value: 'x'.repeat(LIMITS.valueBytesMax + 1) }, 413, 'value'],
    ['an oversized key', 'PUT', `/v1/kv/${'k'.repeat(LIMITS.keyBytesMax + 1)}`, { value: 'x' }, 413, 'key'],
    ['a bad percent escape in the key', 'GET', '/v1/kv/%E0%A4%A', undefined, 400, 'key'],
    ['a lone surrogate in the key', 'PUT', '/v1/kv/%ED%A0%80', { value: 'x' }, 400, 'key'],
    ['a reserved key', 'PUT', '/v1/kv/_faultline/ids/worker-1', { value: 'x' }, 400, 'key'],
    ['an empty key', 'PUT', '/v1/kv/', { value: 'x' }, 400, 'key'],
    ['a bad consistency', 'GET', '/v1/kv/k?consistency=eventual', undefined, 400, 'consistency'],
    ['a string TTL', 'POST', '/v1/leases', { ttlMs: '10s' }, 400, 'ttlMs'],
    ['a lease id that is not a number', 'POST', '/v1/leases/abc/keepalive', undefined, 400, 'id'],
    ['a lock without a lease', 'POST', '/v1/locks/l', {}, 400, 'lease'],
    ['an oversized lock name', 'POST', `/v1/locks/${'l'.repeat(LIMITS.lockNameBytesMax + 1)}`, { lease: 1 }, 413, 'name'],
  ];
  for (const [what, method, path, body, status, field] of cases) {
    it(`${what} → ${status} naming ${field}`, async () => {
      const r = await call(n.url, method, path, body);
      expect(r.status).toBe(status);
      expect(r.body.error.details.field).toBe(field);
      expect(typeof r.body.error.message).toBe('string');
      expect((await call(n.url, 'GET', '/health')).status).toBe(200);
    });
  }

  it('a body over the limit is 413 before it is read, and the node keeps serving', async () => {
    const r = await call(n.url, 'PUT', '/v1/kv/big', 'x'.repeat(2 * 1024 * 1024));
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: 'too_large', details: { field: 'body' } });
    expect((await call(n.url, 'PUT', '/v1/kv/after-big', { value: 'ok' })).status).toBe(200);
  });

  it('a body is JSON whatever Content-Type says (curl -d); an unknown route 404; a wrong method 405', async () => {
    const r = await call(n.url, 'PUT', '/v1/kv/curl', '{"value":"1"}', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(200);
    expect((await call(n.url, 'PUT', '/v1/kv/k', 'value=1', { 'content-type': 'application/x-www-form-urlencoded' })).body.error.details.field).toBe('body');
    expect((await call(n.url, 'GET', '/v2/nothing')).status).toBe(404);
    expect((await call(n.url, 'POST', '/v1/cluster')).status).toBe(405);
  });

  it('garbage on the HTTP socket gets a 400 and the node keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const url = new URL(n.url);
      const s = connect(Number(url.port), url.hostname, () => s.write('\x00\x01GARBAGE\r\n\r\n'));
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('close', () => resolve(data));
      s.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect(reply).toContain('"code":"invalid_request"');
    expect((await call(n.url, 'GET', '/health')).status).toBe(200);
  });
});

describe('leases, locks and fencing', () => {
  it('a write fenced with a superseded token is 409 fenced; the new holder’s write stays', async () => {
    const lease = await call(n.url, 'POST', '/v1/leases', { ttlMs: 5000 });
    expect(lease.status).toBe(200);
    const a = await call(n.url, 'POST', '/v1/locks/job', { lease: lease.body.lease });
    expect(a.status).toBe(200);
    const tokenA = a.body.token as number;
    expect((await call(n.url, 'PUT', '/v1/kv/job-out', { value: 'A', fence: { lock: 'job', token: tokenA } })).status).toBe(200);
    expect((await call(n.url, 'POST', '/v1/locks/job', { lease: lease.body.lease })).body.error.code).toBe('lock_held');
    expect((await call(n.url, 'DELETE', '/v1/locks/job', { token: tokenA })).status).toBe(200);
    const lease2 = await call(n.url, 'POST', '/v1/leases', { ttlMs: 5000 });
    const b = await call(n.url, 'POST', '/v1/locks/job', { lease: lease2.body.lease });
    expect(b.body.token).toBeGreaterThan(tokenA);
    expect((await call(n.url, 'PUT', '/v1/kv/job-out', { value: 'B', fence: { lock: 'job', token: b.body.token } })).status).toBe(200);
    const stale = await call(n.url, 'PUT', '/v1/kv/job-out', { value: 'A-late', fence: { lock: 'job', token: tokenA } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('fenced');
    expect((await call(n.url, 'GET', '/v1/kv/job-out')).body.value).toBe('B');
  });

  it('keepalive and revoke; an unknown lease is 404 lease_not_found', async () => {
    const lease = await call(n.url, 'POST', '/v1/leases', { ttlMs: 5000 });
    const ka = await call(n.url, 'POST', `/v1/leases/${lease.body.lease}/keepalive`);
    expect(ka.body).toMatchObject({ lease: lease.body.lease, ttlMs: 5000 });
    await call(n.url, 'PUT', '/v1/kv/leased', { value: 'x', lease: lease.body.lease });
    const rv = await call(n.url, 'DELETE', `/v1/leases/${lease.body.lease}`);
    expect(rv.body.deletedKeys).toBe(1);
    expect((await call(n.url, 'GET', '/v1/kv/leased')).status).toBe(404);
    const missing = await call(n.url, 'POST', `/v1/leases/${lease.body.lease}/keepalive`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('lease_not_found');
  });
});

describe('exactly-once writes', () => {
  it('Idempotency-Key: a retry gets the first outcome; different parameters are 409 idempotency_key_reused', async () => {
    const h = { 'Idempotency-Key': 'k-1' };
    const first = await call(n.url, 'PUT', '/v1/kv/idem', { value: 'v' }, h);
    const retry = await call(n.url, 'PUT', '/v1/kv/idem', { value: 'v' }, h);
    expect(retry.body).toEqual(first.body);
    expect((await call(n.url, 'GET', '/v1/kv/idem')).body.version).toBe(1);
    const other = await call(n.url, 'PUT', '/v1/kv/idem', { value: 'w' }, h);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
  });

  it('Idempotency-Key: an attempt with an unknown outcome is applied once, and the retry returns its result', async () => {
    const h = { 'Idempotency-Key': 'k-unknown' };
    n.replica.setUnavailable(true, true); // applies, then reports no_quorum (definite: false)
    const lost = await call(n.url, 'PUT', '/v1/kv/once', { value: 'v' }, h);
    expect(lost.status).toBe(503);
    expect(lost.body.error).toMatchObject({ code: 'no_quorum', definite: false });
    n.replica.setUnavailable(false);
    const retry = await call(n.url, 'PUT', '/v1/kv/once', { value: 'v' }, h);
    expect(retry.status).toBe(200);
    expect((await call(n.url, 'GET', '/v1/kv/once')).body.version).toBe(1);
  });

  it('Faultline-Session: the same seq twice applies once', async () => {
    const s = await call(n.url, 'POST', '/v1/sessions');
    expect(s.body.clientId).toBeGreaterThan(0);
    const h = { 'Faultline-Session': `${s.body.clientId}/1/0` };
    const a = await call(n.url, 'PUT', '/v1/kv/sess', { value: 'x' }, h);
    const b = await call(n.url, 'PUT', '/v1/kv/sess', { value: 'x' }, h);
    expect(b.body).toEqual(a.body);
    expect((await call(n.url, 'GET', '/v1/kv/sess')).body.version).toBe(1);
    const bad = await call(n.url, 'PUT', '/v1/kv/sess', { value: 'x' }, { 'Faultline-Session': '1/0/0' });
    expect(bad.body.error.details.field).toBe('Faultline-Session');
  });
});

describe('cluster, ids and operations', () => {
  it('no quorum is 503 no_quorum with Retry-After', async () => {
    n.replica.setUnavailable(true);
    const r = await call(n.url, 'GET', '/v1/kv/a');
    n.replica.setUnavailable(false);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('no_quorum');
    expect(r.headers.get('retry-after')).toBe('1');
  });

  it('POST /v1/ids issues unique, increasing decimal ids from a leased worker id', async () => {
    await waitFor(async () => (await call(n.url, 'POST', '/v1/ids')).status === 200, 5000, 'the id issuer');
    const ids: bigint[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await call(n.url, 'POST', '/v1/ids');
      expect(r.body.id).toMatch(/^[0-9]+$/);
      ids.push(BigInt(r.body.id));
    }
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    const cluster = await call(n.url, 'GET', '/v1/cluster');
    expect(cluster.body.ids).toMatchObject({ state: 'ready', workerId: 0 });
    expect(n.replica.sm.workerIds()).toHaveLength(1);
  });

  it('GET /v1/cluster, /health, /ready and /metrics', async () => {
    const c = await call(n.url, 'GET', '/v1/cluster');
    expect(c.body).toMatchObject({ leader: 'n1', term: 1 });
    expect(c.body.members[0]).toMatchObject({ id: 'n1', role: 'leader', health: 'up', httpUrl: n.url });
    expect((await call(n.url, 'GET', '/health')).body.ok).toBe(true);
    expect((await call(n.url, 'GET', '/ready')).status).toBe(200);
    const m = await call(n.url, 'GET', '/metrics');
    expect(m.body).toContain('faultline_http_requests_total');
    expect(m.body).toContain('faultline_raft_proposals_total');
    expect(m.body).toContain('faultline_raft_term');
  });

  it('POST /v1/admin/clock sets the skew offset (with --allow-clock-skew)', async () => {
    const r = await call(n.url, 'POST', '/v1/admin/clock', { offsetMs: 5000 });
    expect(r.body).toEqual({ offsetMs: 5000 });
    expect((await call(n.url, 'POST', '/v1/admin/clock', { offsetMs: 'x' })).body.error.details.field).toBe('offsetMs');
    await call(n.url, 'POST', '/v1/admin/clock', { offsetMs: 0 });
  });
});

describe('auth and the clock endpoint off by default', () => {
  it('with --token, requests need the bearer token (except /health and /ready); admin clock is 404 without the flag', async () => {
    const t = await startFakeNode({ token: 's3cret' });
    try {
      const none = await call(t.url, 'GET', '/v1/cluster');
      expect(none.status).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      expect((await call(t.url, 'GET', '/v1/cluster', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await call(t.url, 'GET', '/v1/cluster', undefined, { authorization: 'Bearer s3cret' })).status).toBe(200);
      expect((await call(t.url, 'GET', '/health')).status).toBe(200);
      const clock = await call(t.url, 'POST', '/v1/admin/clock', { offsetMs: 1 }, { authorization: 'Bearer s3cret' });
      expect(clock.status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
