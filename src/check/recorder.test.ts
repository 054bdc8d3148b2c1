import { describe, expect, it } from 'vitest';
import { casRegisterModel, checkHistory, formatJsonlHistory, HistoryRecorder, kvModel, parseJsonlHistory } from './index.js';

function clock(startNs = 0) {
  let t = startNs;
  return { now: () => t, advance: (ns: number) => (t += ns) };
}

describe('HistoryRecorder', () => {
  it('records invoke and completions with injected time, and the checker reads the result', () => {
    const c = clock(1_000);
    const rec = new HistoryRecorder({ now: c.now });
    const w = rec.invoke(0, 'write', 1);
    c.advance(10);
    const r = rec.invoke(1, 'read');
    c.advance(10);
    rec.ok(w, 1);
    rec.ok(r, 1);
    const x = rec.invoke(0, 'cas', [1, 2]);
    c.advance(5);
    rec.info(x, new Error('timeout'));
    const history = rec.toHistory();
    expect(history).toEqual([
      { process: 0, type: 'invoke', f: 'write', value: 1, time: 1000, index: 0 },
      { process: 1, type: 'invoke', f: 'read', value: null, time: 1010, index: 1 },
      { process: 0, type: 'ok', f: 'write', value: 1, time: 1020, index: 2 },
      { process: 1, type: 'ok', f: 'read', value: 1, time: 1020, index: 3 },
      { process: 0, type: 'invoke', f: 'cas', value: [1, 2], time: 1020, index: 4 },
      { process: 0, type: 'info', f: 'cas', value: null, time: 1025, index: 5, error: 'timeout' },
    ]);
    expect(checkHistory(history, casRegisterModel).result).toBe('linearizable');
    expect(parseJsonlHistory(formatJsonlHistory(history)).map(({ line: _l, ...e }) => e)).toEqual(history);
    expect(rec.outstanding).toBe(0);
  });

  it('carries the key to the completion', () => {
    const rec = new HistoryRecorder({ now: () => 0 });
    const h = rec.invoke('c1', 'put', 'v', 'k');
    rec.fail(h, 'refused');
    expect(rec.toHistory()[1]).toMatchObject({ type: 'fail', key: 'k', error: 'refused' });
    expect(checkHistory(rec.toHistory(), kvModel).result).toBe('linearizable');
  });

  it('refuses a second invoke by a busy process, a double completion, and time going backwards', () => {
    const c = clock(100);
    const rec = new HistoryRecorder({ now: c.now });
    const h = rec.invoke(0, 'read');
    expect(() => rec.invoke(0, 'read')).toThrow(/process 0 invoked "read" while its "read" is outstanding/);
    rec.ok(h, null);
    expect(() => rec.ok(h, null)).toThrow(/not outstanding/);
    c.advance(-50);
    expect(() => rec.invoke(1, 'read')).toThrow(/time went backwards/);
    expect(() => new HistoryRecorder({} as never)).toThrow(/HistoryRecorder: now must be a function/);
  });

  it('does not let a copy of the history change the recorder', () => {
    const rec = new HistoryRecorder({ now: () => 0 });
    rec.invoke(0, 'write', 1);
    rec.toHistory()[0].value = 99;
    expect(rec.toHistory()[0].value).toBe(1);
  });
});
