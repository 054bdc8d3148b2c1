import { describe, expect, it } from 'vitest';
import { Trace } from './trace.js';

/** Hash of a trace built by `build`. */
function hashOf(build: (t: Trace) => void): string {
  const t = new Trace(undefined, ['a', 'b', 'c']);
  build(t);
  return t.hash;
}

describe('Trace encoding', () => {
  it('hashes when each event happened: same events at other times, or split across instants, differ', () => {
    const base = hashOf((t) => {
      t.send(0, 0, 1, 1, 1_000, false);
      t.deliver(1_000, 0, 1, 1);
    });
    expect(hashOf((t) => {
      t.send(0, 0, 1, 1, 1_000, false);
      t.deliver(1_000, 0, 1, 1);
    })).toBe(base);
    expect(hashOf((t) => {
      t.send(0, 0, 1, 1, 1_000, false);
      t.deliver(1_001, 0, 1, 1); // a µs later
    })).not.toBe(base);
    expect(hashOf((t) => {
      t.send(5, 0, 1, 1, 1_005, false); // same latency, sent later
      t.deliver(1_005, 0, 1, 1);
    })).not.toBe(base);
    const together = hashOf((t) => {
      t.timer(10, 0, 1);
      t.timer(10, 1, 2);
    });
    const apart = hashOf((t) => {
      t.timer(10, 0, 1);
      t.timer(11, 1, 2);
    });
    expect(together).not.toBe(apart);
  });

  it('hashes every field of the hot events: sender, receiver, id, latency, duplicate flag, reason', () => {
    const variants = [
      (t: Trace) => t.send(0, 0, 1, 1, 10, false),
      (t: Trace) => t.send(0, 1, 0, 1, 10, false),
      (t: Trace) => t.send(0, 0, 2, 1, 10, false),
      (t: Trace) => t.send(0, 0, 1, 1, 11, false),
      (t: Trace) => t.send(0, 0, 1, 1, 10, true),
      (t: Trace) => t.deliver(0, 0, 1, 1),
      (t: Trace) => t.deliver(0, 0, 1, 2),
      (t: Trace) => t.deliver(0, 2, 1, 1),
      (t: Trace) => t.drop(0, 0, 1, 1, 1),
      (t: Trace) => t.drop(0, 0, 1, 1, 2),
      (t: Trace) => t.timer(0, 0, 1),
      (t: Trace) => t.timer(0, 0, 2),
      (t: Trace) => t.fsync(0, 0, 'f', true),
      (t: Trace) => t.fsync(0, 0, 'f', false),
      (t: Trace) => t.disk(0, 0, 1, 'f', 8),
      (t: Trace) => t.disk(0, 0, 1, 'f', 9),
      (t: Trace) => t.text(0, 'fault', -1, 'x'),
      (t: Trace) => t.text(0, 'fault', 0, 'x'),
      (t: Trace) => t.text(0, 'note', -1, 'x'),
      (t: Trace) => t.log(0, 0, 'x', undefined),
    ];
    const hashes = new Set(variants.map((v) => hashOf(v)));
    expect(hashes.size).toBe(variants.length);
  });

  it('encodes long gaps and long latencies (≥ 2^32 µs, 71 min) without aliasing', () => {
    const H = 2 ** 32;
    const a = hashOf((t) => {
      t.timer(1, 0, 1);
      t.timer(1 + H, 0, 2); // delta needs more than a word: absolute time
    });
    const b = hashOf((t) => {
      t.timer(1, 0, 1);
      t.timer(1 + H + 1, 0, 2);
    });
    const c = hashOf((t) => {
      t.timer(1, 0, 1);
      t.timer(2, 0, 2);
    });
    expect(new Set([a, b, c]).size).toBe(3);
    const long = hashOf((t) => t.send(0, 0, 1, 1, H + 5, false));
    const longer = hashOf((t) => t.send(0, 0, 1, 1, H + 6, false));
    expect(long).not.toBe(longer);
  });

  it('renders the same lines whatever the encoding, and counts events', () => {
    const lines: string[] = [];
    const t = new Trace((line) => lines.push(line), ['n1', 'n2']);
    t.send(1_000, 0, 1, 7, 2_500, false);
    t.deliver(2_500, 0, 1, 7);
    t.text(2_500, 'fault', 1, 'clock step=-5ms');
    expect(lines).toEqual(['1.000 send n1>n2 #7 at=2.500', '2.500 deliver n1>n2 #7', '2.500 fault n2 clock step=-5ms']);
    expect(t.events).toBe(3);
  });
});
