import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

/** A flush we complete by hand, to control exactly what is in flight. */
function manualFlushes() {
  const inFlight: Array<{ key: string; done: (e?: Error) => void }> = [];
  const commit = new GroupCommit((key, done) => inFlight.push({ key, done }));
  return { commit, inFlight };
}

describe('GroupCommit', () => {
  it('serves every request made while a flush is in flight with ONE next flush', () => {
    const { commit, inFlight } = manualFlushes();
    const done: number[] = [];
    commit.request('log', () => done.push(0));
    for (let i = 1; i <= 50; i++) commit.request('log', () => done.push(i));
    expect(inFlight).toHaveLength(1);
    inFlight.shift()!.done();
    expect(done).toEqual([0]);
    expect(inFlight).toHaveLength(1); // the second flush covers requests 1..50
    inFlight.shift()!.done();
    expect(done).toHaveLength(51);
    expect(commit.stats()).toEqual({ requests: 51, flushes: 2, maxBatch: 50 });
    expect(commit.idle).toBe(true);
  });

  it('never completes a request with a flush that started before it (the safety invariant)', () => {
    const { commit, inFlight } = manualFlushes();
    let late = false;
    commit.request('f', () => undefined);
    commit.request('f', () => (late = true)); // made while flush #1 is in flight
    inFlight.shift()!.done();
    expect(late).toBe(false);
    inFlight.shift()!.done();
    expect(late).toBe(true);
  });

  it('keeps keys independent and passes errors to the whole batch', () => {
    const { commit, inFlight } = manualFlushes();
    const errors: Array<Error | undefined> = [];
    commit.request('a', (e) => errors.push(e));
    commit.request('b', (e) => errors.push(e));
    expect(inFlight.map((f) => f.key)).toEqual(['a', 'b']);
    const boom = new Error('EIO');
    inFlight[0].done(boom);
    inFlight[1].done();
    expect(errors).toEqual([boom, undefined]);
  });

  it('calls every callback of a batch even when one throws, then rethrows', () => {
    const { commit, inFlight } = manualFlushes();
    const seen: number[] = [];
    commit.request('k', () => seen.push(1)); // flush #1
    commit.request('k', () => {
      throw new Error('caller bug');
    });
    commit.request('k', () => seen.push(3)); // same batch (flush #2) as the thrower
    inFlight.shift()!.done();
    expect(() => inFlight.shift()!.done()).toThrow('caller bug');
    expect(seen).toEqual([1, 3]);
    expect(commit.idle).toBe(true);
  });

  it('rejects a flush that completes twice', () => {
    const { commit, inFlight } = manualFlushes();
    commit.request('k', () => undefined);
    const f = inFlight.shift()!;
    f.done();
    expect(() => f.done()).toThrow(/completed twice/);
  });

  it('whenIdle resolves after the last batch', async () => {
    const { commit, inFlight } = manualFlushes();
    commit.request('k', () => undefined);
    let idle = false;
    const p = commit.whenIdle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    inFlight.shift()!.done();
    await p;
    expect(idle).toBe(true);
  });
});
