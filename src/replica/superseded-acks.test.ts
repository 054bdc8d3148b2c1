import { describe, expect, it } from 'vitest';
import type { Message } from '../raft/index.js';
import { withoutSupersededAcks } from './replica.js';

const ack = (to: string, term: number, index: number, reject = false): Message => ({ type: 'AppendResponse', from: 'f', to, term, reject, index, hintIndex: 0, hintTerm: 0 });
const hbr = (to: string, round: number): Message => ({ type: 'HeartbeatResponse', from: 'f', to, term: 2, round });

describe('withoutSupersededAcks (Readies made durable by one fsync)', () => {
  it('keeps only the highest successful AppendResponse per leader and term; everything else in order', () => {
    const out = withoutSupersededAcks([ack('l', 2, 5), hbr('l', 7), ack('l', 2, 9), ack('l', 2, 4, true), ack('l', 2, 12), ack('m', 3, 1)]);
    expect(out).toEqual([hbr('l', 7), ack('l', 2, 4, true), ack('l', 2, 12), ack('m', 3, 1)]);
  });

  it('acknowledgements of different terms are not merged, and a lone message passes untouched', () => {
    expect(withoutSupersededAcks([ack('l', 2, 5), ack('l', 3, 6)])).toEqual([ack('l', 2, 5), ack('l', 3, 6)]);
    const one = [ack('l', 2, 5)];
    expect(withoutSupersededAcks(one)).toBe(one);
  });

  it('when a later acknowledgement has the lower index (a reordered append), the higher one is kept', () => {
    expect(withoutSupersededAcks([ack('l', 2, 9), ack('l', 2, 7)])).toEqual([ack('l', 2, 9)]);
  });
});
