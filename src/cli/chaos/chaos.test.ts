/**
 * The short chaos run inside `npm test` (≈ 30 s of faults): real node
 * processes from dist/ (npm test builds first), every fault kind, then the
 * checks. And the proof that the checks can fail: a client that records
 * acknowledgements it never received must be caught.
 *
 * `npm run chaos` is the long version (≥ 5 minutes).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_MAIN } from './cluster.js';
import { FAULT_KINDS } from './nemesis.js';
import { formatReport, runChaos } from './run.js';

const built = existsSync(CLI_MAIN);
const log = process.env.FAULTLINE_CHAOS_LOG ? (line: string) => process.stderr.write(line + '\n') : () => {};

describe.skipIf(!built)('chaos: real processes, real faults', () => {
  it('every fault kind in ~25 s: linearizable, no acknowledged write lost, fencing holds, ids unique', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'faultline-chaos-test-'));
    const report = await runChaos({
      seed: 7,
      durationMs: 25_000,
      workDir,
      timing: { holdMsMin: 1200, holdMsMax: 2500, calmMsMin: 300, calmMsMax: 700, pauseMsMin: 3500 },
      workload: { lockTtlMs: 3000 },
      checkBudgetMs: 20_000,
      recoveryMs: 20_000,
      log,
    });
    const summary = formatReport(report);
    expect(report.outcome, summary).toBe('pass');
    for (const kind of FAULT_KINDS) expect(report.faults[kind] ?? 0, `${kind} never injected\n${summary}`).toBeGreaterThan(0);
    expect(report.ops.ok, summary).toBeGreaterThan(200);
    expect(report.ackedSetWrites).toBeGreaterThan(50);
    expect(report.lostWrites).toEqual([]);
    expect(report.fencedWrites).toBeGreaterThan(0);
  }, 120_000);

  it('catches a client that records acknowledgements it never got', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'faultline-chaos-bug-'));
    const report = await runChaos({
      seed: 8,
      durationMs: 4000,
      workDir,
      faults: [],
      bugs: ['fake-ack'],
      workload: { lockWorkers: 0, idWorkers: 0 },
      checkBudgetMs: 10_000,
      log,
    });
    expect(report.outcome, formatReport(report)).toBe('fail');
    expect(report.lostWrites.length).toBeGreaterThan(0);
    expect(report.linearizable).toBe('not-linearizable');
  }, 60_000);
});

describe.runIf(!built)('chaos: skipped', () => {
  it('needs dist/ (npm test builds it; run npm run build)', () => {
    expect(built).toBe(false);
  });
});
