import { describe, expect, it } from 'vitest';
import { HistoryRecorder } from '../../check/index.js';
import { checkIds, checkLinearizable, fencingViolations, lostWrites } from './checks.js';

describe('chaos checks', () => {
  it('fencing: tokens may repeat or rise in revision order, never fall', () => {
    expect(fencingViolations([
      { token: 5, revision: 6, value: 'a' },
      { token: 5, revision: 7, value: 'b' },
      { token: 9, revision: 10, value: 'c' },
    ])).toEqual([]);
    const v = fencingViolations([
      { token: 9, revision: 10, value: 'new holder' },
      { token: 5, revision: 12, value: 'stale holder' },
    ]);
    expect(v.length).toBe(1);
    expect(v[0].later.value).toBe('stale holder');
  });

  it('lost writes: an acknowledged key must read back with its value', () => {
    const finals = new Map<string, string | null | undefined>([['a', '1'], ['b', null], ['c', undefined], ['d', 'other']]);
    const lost = lostWrites([{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }, { key: 'd', value: '4' }], finals);
    expect(lost.map((l) => l.key)).toEqual(['b', 'c', 'd']);
  });

  it('linearizability: an acknowledged write that a later read does not see is caught', () => {
    let t = 0;
    const h = new HistoryRecorder({ now: () => ++t });
    const w = h.invoke(1, 'put', 'x', 'k');
    h.ok(w, 'x');
    const r = h.invoke(2, 'get', null, 'k');
    h.ok(r, null);
    expect(checkLinearizable(h.toHistory(), 1000).result).toBe('not-linearizable');
    const ids = new HistoryRecorder({ now: () => ++t });
    for (const id of ['1', '2', '1']) ids.ok(ids.invoke(3, 'generate', null), id);
    expect(checkIds(ids.toHistory()).result).toBe('not-linearizable');
  });
});
