import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../core/random/index.js';
import { runCheck } from '../cli/commands/check.js';
import type { CheckCommandOptions } from '../cli/commands/check.js';
import { formatJsonlHistory, synthesizeHistory } from './index.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function run(file: string, options: CheckCommandOptions, files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const written = new Map<string, string>();
  let t = 0;
  const code = runCheck(file, options, {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readFile: (path) => files[path] ?? readFileSync(path, 'utf8'),
    writeFile: (path, text) => written.set(path, text),
    nowMs: () => (t += 1),
  });
  return { code, stdout: out.join(''), stderr: err.join(''), written };
}

describe('faultline check (command function)', () => {
  it('exit 0 for a linearizable history, with a human verdict', () => {
    const { code, stdout } = run(join(fixtures, 'cas-register-ok.edn'), { model: 'cas-register' });
    expect(code).toBe(0);
    expect(stdout).toMatch(/verdict: linearizable/);
    expect(stdout).toMatch(/8 operations \(5 ok, 1 fail, 2 info\)/);
  });

  it('exit 1 for a violation, naming the op and the states before it', () => {
    const { code, stdout } = run(join(fixtures, 'cas-register-stale.jsonl'), { model: 'cas-register' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/could not place: process 0: read → 1 \(line 16\)/);
    // the pending write of 4 is never observed, so it is dropped: only 2 is possible
    expect(stdout).toMatch(/model state\(s\) just before it: 2\n/);
  });

  it('exit 3 when the budget runs out', () => {
    const history = synthesizeHistory({ model: 'cas-register', rng: new SeededRng(3), ops: 3000, processes: 10, infoRate: 0.01 });
    const { code, stdout } = run('big.jsonl', { model: 'cas-register', budgetSteps: '100', json: true }, { 'big.jsonl': formatJsonlHistory(history) });
    expect(code).toBe(3);
    const summary = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ result: 'unknown', unknownReason: 'steps', model: 'cas-register', ops: 3000, partitions: 1 });
  });

  it('exit 2 for bad usage and bad input, with one sentence on stderr', () => {
    const cases: Array<[string, CheckCommandOptions, RegExp]> = [
      [join(fixtures, 'cas-register-ok.edn'), {}, /--model is required/],
      [join(fixtures, 'cas-register-ok.edn'), { model: 'queue' }, /unknown model "queue"/],
      [join(fixtures, 'cas-register-ok.edn'), { model: 'register', format: 'xml' }, /--format must be one of jsonl, jepsen-edn/],
      [join(fixtures, 'cas-register-ok.edn'), { model: 'register', budgetMs: '-1' }, /--budget-ms must be a positive integer/],
      [join(fixtures, 'missing.jsonl'), { model: 'register' }, /cannot read .*missing\.jsonl/],
      [join(fixtures, 'cas-register-ok.edn'), { model: 'register' }, /line 7: expected an operation of model register/],
      ['bad.jsonl', { model: 'register' }, /bad\.jsonl line 2: expected one JSON object per line/],
    ];
    const files = { 'bad.jsonl': '{"process":0,"type":"invoke","f":"read"}\n{oops\n' };
    for (const [file, options, message] of cases) {
      const { code, stderr } = run(file, options, files);
      expect(code, String(message)).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('--json ends stdout with one object, wallMs measuring the check only', () => {
    const { code, stdout } = run(join(fixtures, 'kv-independent.edn'), { model: 'cas-register', json: true });
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary).toMatchObject({ result: 'linearizable', model: 'cas-register', ops: 6, partitions: 2, format: 'jepsen-edn' });
    expect(summary.wallMs).toBe(1); // the fake clock ticks once per reading: two readings around the check
    expect(run('x.jsonl', { json: true }, { 'x.jsonl': '' }).stdout).toMatch(/^\{"result":"error"/);
  });

  it('--html writes a self-contained page', () => {
    const { written } = run(join(fixtures, 'cas-register-stale.jsonl'), { model: 'cas-register', html: 'out.html' });
    const page = written.get('out.html')!;
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
  });
});

const built = existsSync(join(repoRoot, 'dist/cli/main.js')) && existsSync(join(repoRoot, 'dist/check/index.js'));

describe.runIf(built)('faultline check (built CLI, spawned)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'check', ...args], { encoding: 'utf8' });

  it('exits 0, 1, 2 and 3 as documented', () => {
    expect(cli(join(fixtures, 'cas-register-ok.edn'), '--model', 'cas-register').status).toBe(0);
    const failing = cli(join(fixtures, 'cas-register-stale.edn'), '--model', 'cas-register', '--json');
    expect(failing.status).toBe(1);
    expect(JSON.parse(failing.stdout.trim().split('\n').pop()!).result).toBe('not-linearizable');
    const bad = cli(join(fixtures, 'cas-register-ok.edn'), '--model', 'nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown model "nope"/);
    const dir = mkdtempSync(join(tmpdir(), 'faultline-check-'));
    const big = join(dir, 'big.jsonl');
    writeFileSync(big, formatJsonlHistory(synthesizeHistory({ model: 'cas-register', rng: new SeededRng(5), ops: 3000, processes: 10, infoRate: 0.01 })));
    expect(cli(big, '--model', 'cas-register', '--budget-steps', '50').status).toBe(3);
  });
});
