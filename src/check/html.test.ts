import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import { hist, r, w } from './__fixtures__/helpers.js';
import { checkOperations, kvModel, pairOperations, registerModel, renderHtml, synthesizeHistory } from './index.js';

function embedded(page: string) {
  const match = /<script type="application\/json" id="data">(.*?)<\/script>/s.exec(page);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]) as {
    result: string;
    partitions: Array<{ key: string; result: string; ops: Array<{ id: number; label: string }>; order: number[]; failed: number | null; states: string[]; total: number; shownFrom: number }>;
  };
}

describe('renderHtml', () => {
  it('embeds the ops, the partial linearization, the failed op and the states along it', () => {
    const { ops } = pairOperations(hist(w(0, 1, [0, 10]), w(1, 2, [20, 30]), r(2, 1, [40, 50])));
    const result = checkOperations(ops, registerModel);
    const page = renderHtml(ops, result, registerModel);
    const data = embedded(page);
    expect(data.result).toBe('not-linearizable');
    const part = data.partitions[0];
    expect(part.failed).toBe(2);
    expect(part.order).toEqual([0, 1]);
    expect(part.states).toEqual(['1', '2']);
    expect(part.ops.map((op) => op.label)).toEqual(['write 1', 'write 2', 'read → 1']);
    // self-contained: no external resources
    expect(page).not.toMatch(/\b(src|href)=["']?https?:/);
    expect(page).toContain('<svg');
  });

  it('puts failing partitions first and keeps values from closing the script early', () => {
    const history = hist(
      { p: 0, f: 'put', key: 'ok', v: '</script><b>', t: [0, 1] },
      { p: 1, f: 'put', key: 'bad', v: 'x', t: [0, 1] },
      { p: 1, f: 'get', key: 'bad', out: 'y', t: [2, 3] },
    );
    const { ops } = pairOperations(history);
    const page = renderHtml(ops, checkOperations(ops, kvModel), kvModel, { title: 'a <title>' });
    expect(page).not.toContain('</script><b>');
    expect(page).toContain('a &#60;title&#62;');
    const data = embedded(page);
    expect(data.partitions.map((p) => [p.key, p.result])).toEqual([['"bad"', 'not-linearizable'], ['"ok"', 'linearizable']]);
  });

  it('draws a window around the failure when a partition is too large', () => {
    const history = synthesizeHistory({ model: 'register', rng: new SeededRng(4), ops: 600, processes: 4, values: 0 });
    const lastRead = [...history].reverse().find((e) => e.type === 'ok' && e.f === 'read')!;
    lastRead.value = -1; // never written
    const { ops } = pairOperations(history);
    const result = checkOperations(ops, registerModel);
    expect(result.result).toBe('not-linearizable');
    const part = embedded(renderHtml(ops, result, registerModel, { maxOpsPerPartition: 100 })).partitions[0];
    expect(part.total).toBe(600);
    expect(part.ops).toHaveLength(100);
    expect(part.shownFrom).toBeGreaterThan(0);
    expect(part.ops.some((op) => op.id === part.failed)).toBe(true);
  });
});
