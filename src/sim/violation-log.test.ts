import { describe, expect, it } from 'vitest';
import { ViolationLog } from './violation-log.js';

describe('ViolationLog', () => {
  it('keeps the first examples of each kind in order of first occurrence and counts the rest', () => {
    const log = new ViolationLog(2);
    for (let i = 1; i <= 4; i++) log.add('lost', `write ${i}`);
    log.add('fifo', 'seq 3 after 4');
    expect(log.count).toBe(5);
    expect(log.list()).toEqual([
      { kind: 'lost', message: 'write 1' },
      { kind: 'lost', message: 'write 2' },
      { kind: 'lost', message: '… and 2 more lost violations' },
      { kind: 'fifo', message: 'seq 3 after 4' },
    ]);
  });

  it('is empty until something is added, and refuses a bad bound', () => {
    expect(new ViolationLog().list()).toEqual([]);
    expect(() => new ViolationLog(0)).toThrow(/examplesPerKind/);
  });
});
