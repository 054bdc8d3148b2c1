import { describe, expect, it } from 'vitest';
import { runScenarioCommand, type ScenarioIo } from '../../cli/commands/scenario.js';
import { classicScenarios } from './index.js';

function capture(): { io: ScenarioIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => (out += t), stderr: (t) => (err += t), writeFile: () => {} },
    out: () => out,
    err: () => err,
  };
}

const NAMES = ['lww-clock-skew', 'lease-pause', 'split-brain', 'clock-step-back', 'snowflake-clock-back'];

describe('faultline scenario, for the classic failures', () => {
  it('lists all five', () => {
    expect(classicScenarios.map((s) => s.name)).toEqual(NAMES);
    const c = capture();
    expect(runScenarioCommand(undefined, {}, c.io)).toBe(0);
    for (const name of NAMES) expect(c.out()).toMatch(new RegExp(`^${name} +\\S`, 'm'));
  });

  it.each(NAMES)('%s exits 0 and ends --json output with { scenario, unsafe: { violations > 0 }, safe: { violations: 0 } }', (name) => {
    const c = capture();
    expect(runScenarioCommand(name, { json: true, seed: '7' }, c.io)).toBe(0);
    expect(c.err()).toBe('');
    const last = JSON.parse(c.out().trim().split('\n').pop()!);
    expect(last).toMatchObject({ scenario: name, seed: 7 });
    expect(last.unsafe.violations).toBeGreaterThan(0);
    expect(last.safe.violations).toBe(0);
    expect(Array.isArray(last.story)).toBe(true);
  });

  it('prints the story, the counts and the replay command in text mode, the same on every run', () => {
    const a = capture();
    const b = capture();
    expect(runScenarioCommand('lease-pause', {}, a.io)).toBe(0);
    expect(runScenarioCommand('lease-pause', {}, b.io)).toBe(0);
    expect(a.out()).toBe(b.out());
    expect(a.out()).toMatch(/^lease-pause \(seed \d+\)\n/);
    expect(a.out()).toMatch(/token 33.*\n[\s\S]*token 34/);
    expect(a.out()).toMatch(/unsafe: [1-9]\d* violation\(s\); safe: 0 violation\(s\)/);
    expect(a.out()).toMatch(/replay: faultline scenario lease-pause --seed \d+\n$/);
  });
});
