import { describe, expect, it } from 'vitest';
import { createJsonLineLogger, safeStringify } from './log.js';
import { limitLog } from './transport/log-limiter.js';

describe('JSON-lines logger', () => {
  it('writes one JSON object per line whose runtime keys cannot be spoofed', () => {
    const lines: string[] = [];
    const log = createJsonLineLogger({ nodeId: 'n1', write: (l) => lines.push(l), wallNowMs: () => 1234 });
    log('raft.elected', { term: 3, node: 'spoofed', event: 'spoofed' });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0])).toEqual({ term: 3, ts: 1234, node: 'n1', event: 'raft.elected' });
  });

  it('never throws on awkward values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const out = JSON.parse(safeStringify({ big: 10n, err: Object.assign(new Error('boom'), { code: 'EIO' }), buf: Buffer.alloc(1000), u8: new Uint8Array(3), cyclic }));
    expect(out).toEqual({ big: '10', err: { name: 'Error', message: 'boom', code: 'EIO' }, buf: { bytes: 1000 }, u8: { bytes: 3 }, cyclic: { a: 1, self: '[Circular]' } });
  });
});

describe('limitLog', () => {
  it('caps a flood of one event and reports how many were suppressed', () => {
    const seen: Array<Record<string, unknown> | undefined> = [];
    const log = limitLog((_e, f) => seen.push(f), 3, 0.0001);
    for (let i = 0; i < 100; i++) log('transport.bad-frame', { i });
    expect(seen).toHaveLength(3);
    const other = limitLog((_e, f) => seen.push(f), 3, 1000);
    other('x', {});
    expect(seen).toHaveLength(4);
  });
});
