import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSimCommand } from './command.js';
import { parseSimFlags, UsageError } from './options.js';
import type { SimCliFlags } from './options.js';

async function sim(flags: SimCliFlags): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runSimCommand({ workers: '1', ...flags }, { stdout: (t) => (out += t), stderr: (t) => (err += t), tty: false });
  return { code, out, err };
}

describe('faultline sim', () => {
  it('exits 0 and ends stdout with one JSON object for a clean run', async () => {
    const { code, out } = await sim({ workload: 'heartbeat', nodes: '3', seeds: '5', simTime: '2s', json: true });
    expect(code).toBe(0);
    const last = JSON.parse(out.trim().split('\n').pop()!);
    expect(last).toMatchObject({ seeds: 5, violations: [], ops: { fail: 0 } });
    expect(last.ops.ok).toBeGreaterThan(0);
    expect(last.simulatedMs).toBeGreaterThan(10_000);
    expect(last.traceHash).toBeUndefined();
  });

  it('exits 1 on a violation and prints the replay command, which reproduces it', async () => {
    const { code, out } = await sim({ workload: 'heartbeat', nodes: '5', seeds: '30', bug: 'wall-clock-elapsed' });
    expect(code).toBe(1);
    const replay = /replay: (faultline sim .*)$/m.exec(out)![1];
    expect(replay).toMatch(/^faultline sim --workload heartbeat --nodes 5 --seed \d+ --bug wall-clock-elapsed$/);
    const seed = /--seed (\d+)/.exec(replay)![1];
    const again = await sim({ workload: 'heartbeat', nodes: '5', seed, bug: 'wall-clock-elapsed', json: true });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out).violations[0].replay).toBe(replay);
  });

  it('writes byte-identical trace files for one seed, matching the reported hash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-sim-'));
    const a = await sim({ workload: 'heartbeat', nodes: '4', seed: '9', simTime: '1s', trace: join(dir, 'a'), json: true });
    const b = await sim({ workload: 'heartbeat', nodes: '4', seed: '9', simTime: '1s', trace: join(dir, 'b'), json: true });
    const ta = readFileSync(join(dir, 'a'), 'utf8');
    expect(ta).toBe(readFileSync(join(dir, 'b'), 'utf8'));
    expect(ta.split('\n').length).toBeGreaterThan(100);
    expect(JSON.parse(a.out).traceHash).toBe(JSON.parse(b.out).traceHash);
    const plain = await sim({ workload: 'heartbeat', nodes: '4', seed: '9', simTime: '1s', json: true });
    expect(JSON.parse(plain.out).traceHash).toBe(JSON.parse(a.out).traceHash);
  });

  it('prints the knobs for a single seed', async () => {
    const { out } = await sim({ workload: 'heartbeat', seed: '1', simTime: '500ms' });
    expect(out).toMatch(/knobs:\n {4}intensity /);
    expect(out).toMatch(/trace [0-9a-f]{16}/);
  });

  it.each<[string, SimCliFlags, RegExp]>([
    ['unknown bug', { workload: 'heartbeat', seed: '1', bug: 'nope' }, /no bug "nope"/],
    ['unknown workload', { workload: 'nope', seed: '1' }, /unknown workload "nope"/],
    ['bad fault', { workload: 'heartbeat', seed: '1', faults: 'loss,meteor' }, /unknown fault "meteor"/],
    ['bad duration', { workload: 'heartbeat', seed: '1', simTime: 'soon' }, /invalid duration "soon"/],
    ['no seed', { workload: 'heartbeat' }, /give --seed S/],
    ['both seeds', { workload: 'heartbeat', seed: '1', seeds: '2' }, /either --seed or --seeds/],
    ['trace with many seeds', { workload: 'heartbeat', seeds: '2', trace: '/tmp/x' }, /--trace needs a single --seed/],
    ['too few nodes', { workload: 'heartbeat', seed: '1', nodes: '1' }, /between 2 and 1000/],
    ['bad node count', { workload: 'heartbeat', seed: '1', nodes: 'five' }, /--nodes must be an integer/],
    ['no workload', { seed: '1' }, /--workload is required/],
  ])('exits 2 on %s with one sentence on stderr', async (_name, flags, message) => {
    const { code, out, err } = await sim(flags);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('defaults --seeds K to seeds 1..K and caps workers at the seed count', () => {
    const o = parseSimFlags({ workload: 'heartbeat', seeds: '3', workers: '8' });
    expect(o.seeds).toEqual([1, 2, 3]);
    expect(o.workers).toBe(3);
    expect(o.faults).toHaveLength(9);
    expect(o.simTimeMs).toBe(10_000);
    expect(() => parseSimFlags({ workload: 'heartbeat', seed: '1', workers: '0' })).toThrow(UsageError);
  });

  it('lists workloads and their bugs', async () => {
    const { code, out } = await sim({ list: true });
    expect(code).toBe(0);
    expect(out).toMatch(/^heartbeat /m);
    expect(out).toMatch(/--bug forget-timer-on-restart/);
  });
});
