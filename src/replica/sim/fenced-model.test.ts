import { describe, expect, it } from 'vitest';
import type { History } from '../../check/index.js';
import { checkHistory } from '../../check/index.js';
import { fencedRegisterModel } from './fenced-model.js';

let t = 0;
const ev = (process: number, type: 'invoke' | 'ok' | 'fail' | 'info', f: string, value: unknown): History[number] => ({ process, type, f, value, time: (t += 10) });

describe('fenced-register model', () => {
  it('accepts writes with the latest token and reads that follow them', () => {
    t = 0;
    const h: History = [
      ev(1, 'invoke', 'grant', null), ev(1, 'ok', 'grant', 33),
      ev(1, 'invoke', 'write', [33, 'a']), ev(1, 'ok', 'write', [33, 'a']),
      ev(2, 'invoke', 'grant', null), ev(2, 'ok', 'grant', 34),
      ev(1, 'invoke', 'write', [33, 'late']), ev(1, 'fail', 'write', [33, 'late']), // fenced: did not happen
      ev(2, 'invoke', 'write', [34, 'b']), ev(2, 'ok', 'write', [34, 'b']),
      ev(3, 'invoke', 'read', null), ev(3, 'ok', 'read', 'b'),
    ];
    expect(checkHistory(h, fencedRegisterModel).result).toBe('linearizable');
  });

  it('convicts a paused ex-holder whose stale-token write landed after a newer grant and was read', () => {
    t = 0;
    const h: History = [
      ev(1, 'invoke', 'grant', null), ev(1, 'ok', 'grant', 33),
      ev(1, 'invoke', 'write', [33, 'late']), // decided before the pause, lands after
      ev(2, 'invoke', 'grant', null), ev(2, 'ok', 'grant', 34),
      ev(2, 'invoke', 'write', [34, 'b']), ev(2, 'ok', 'write', [34, 'b']),
      ev(1, 'ok', 'write', [33, 'late']),
      ev(3, 'invoke', 'read', null), ev(3, 'ok', 'read', 'late'),
    ];
    expect(checkHistory(h, fencedRegisterModel).result).toBe('not-linearizable');
  });

  it('refuses tokens that do not increase', () => {
    t = 0;
    const h: History = [ev(1, 'invoke', 'grant', null), ev(1, 'ok', 'grant', 5), ev(2, 'invoke', 'grant', null), ev(2, 'ok', 'grant', 5)];
    expect(checkHistory(h, fencedRegisterModel).result).toBe('not-linearizable');
  });
});
