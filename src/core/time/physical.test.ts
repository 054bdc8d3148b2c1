import { describe, expect, it } from 'vitest';
import { ClampedMonotonicClock, ManualClock, wallClock } from './physical.js';

describe('physical clock adapters', () => {
  it('ClampedMonotonicClock never goes backwards and counts clamped steps', () => {
    const source = new ManualClock(100);
    const mono = new ClampedMonotonicClock(source.now);
    expect(mono.monoNowMs()).toBe(100);
    source.set(40);
    expect(mono.monoNowMs()).toBe(100);
    expect(mono.backwardStepsClamped).toBe(1);
    source.set(130);
    expect(mono.monoNowMs()).toBe(130);
    expect(mono.backwardStepsClamped).toBe(1);
  });

  it('wallClock wraps a reading function', () => {
    const source = new ManualClock(5);
    const wall = wallClock(source.now);
    source.advance(3);
    expect(wall.wallNowMs()).toBe(8);
  });

  it('ManualClock advances forwards only, but may be set (stepped) anywhere', () => {
    const clock = new ManualClock();
    const { now } = clock;
    clock.advance(10);
    expect(now()).toBe(10);
    clock.set(-3);
    expect(now()).toBe(-3);
    expect(() => clock.advance(-1)).toThrow(/ManualClock.advance/);
    expect(() => clock.set(Number.NaN)).toThrow(/ManualClock.set/);
  });
});
