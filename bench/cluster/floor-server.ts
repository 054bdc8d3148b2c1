/**
 * The floor for bench:cluster: a bare node:http server that answers
 * `PUT /v1/kv/{key}` with a JSON body `{ value }` the way a Faultline node
 * does (`{ revision }`), from memory — no Raft, no fsync, no validation
 * beyond JSON.parse. Its CPU per request is what HTTP/JSON on node:http
 * costs before any replication — the floor under a Faultline put's cost in
 * the CPU table. Prints its port on stdout, then serves until killed.
 *
 *   node dist-bench/bench/cluster/floor-server.js
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const values = new Map<string, string>();
let revision = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let out: string;
    let status = 200;
    const key = decodeURIComponent((req.url ?? '').slice('/v1/kv/'.length));
    if (req.method === 'PUT') {
      let value: unknown;
      try {
        value = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { value?: unknown }).value;
      } catch {
        value = undefined;
      }
      if (typeof value === 'string') {
        values.set(key, value);
        out = JSON.stringify({ revision: ++revision });
      } else {
        status = 400;
        out = JSON.stringify({ error: { code: 'bad_request', message: 'value must be a string' } });
      }
    } else {
      const value = values.get(key);
      status = value === undefined ? 404 : 200;
      out = value === undefined ? JSON.stringify({ error: { code: 'not_found', message: key } }) : JSON.stringify({ key, value, revision });
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
