/**
 * `faultline scenario [NAME]`: list the classic failures, or run one
 * deterministically and tell what went wrong without the mitigation and what
 * the mitigation changed. Exit 0 when the safe variant had no violation,
 * 1 when it had one (a bug in the mitigation), 2 on bad usage.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { getScenario, listScenarios, loadScenarios, type ScenarioReport } from '../../scenarios/index.js';
import { EXIT } from '../exit-codes.js';

export interface ScenarioFlags {
  json?: boolean;
  seed?: string;
  plot?: string;
}

export interface ScenarioIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  writeFile: (path: string, text: string) => void;
}

const realIo: ScenarioIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  writeFile: (path, text) => writeFileSync(path, text),
};

export function runScenarioCommand(name: string | undefined, flags: ScenarioFlags, io: ScenarioIo = realIo): number {
  loadScenarios();
  if (name === undefined) {
    const all = listScenarios();
    const width = Math.max(0, ...all.map((s) => s.name.length));
    if (flags.json) io.stdout(JSON.stringify({ scenarios: all.map((s) => ({ name: s.name, summary: s.summary })) }) + '\n');
    else for (const s of all) io.stdout(`${s.name.padEnd(width)}  ${s.summary}\n`);
    return EXIT.ok;
  }
  const scenario = getScenario(name);
  if (scenario === undefined) {
    const names = listScenarios().map((s) => s.name);
    io.stderr(`faultline scenario: unknown scenario "${name}"; known: ${names.join(', ') || '(none)'}.\n`);
    return EXIT.usage;
  }
  let seed = scenario.defaultSeed ?? 1;
  if (flags.seed !== undefined) {
    const n = Number(flags.seed);
    if (!/^-?\d+$/.test(flags.seed) || !Number.isSafeInteger(n)) {
      io.stderr(`faultline scenario: --seed must be an integer, got "${flags.seed}".\n`);
      return EXIT.usage;
    }
    seed = n;
  }
  if (flags.plot !== undefined && scenario.plot === undefined) {
    io.stderr(`faultline scenario: "${name}" has no plot (--plot is not available for it).\n`);
    return EXIT.usage;
  }

  const report = scenario.run({ seed });
  if (flags.plot !== undefined) {
    io.writeFile(flags.plot, scenario.plot!({ seed }));
  }
  if (!flags.json) {
    io.stdout(`${report.scenario} (seed ${report.seed})\n`);
    for (const line of report.story) io.stdout(`  ${line}\n`);
    io.stdout(`  unsafe: ${report.unsafe.violations} violation(s); safe: ${report.safe.violations} violation(s)\n`);
    if (flags.plot !== undefined) io.stdout(`  plot written to ${flags.plot}\n`);
    io.stdout(`  replay: faultline scenario ${report.scenario} --seed ${report.seed}\n`);
  } else {
    io.stdout(JSON.stringify(jsonReport(report)) + '\n');
  }
  if (report.safe.violations > 0) {
    io.stderr(`faultline scenario: the mitigation in "${name}" let ${report.safe.violations} violation(s) through (seed ${seed}): a bug.\n`);
    return EXIT.violation;
  }
  return EXIT.ok;
}

function jsonReport(report: ScenarioReport): Record<string, unknown> {
  return { scenario: report.scenario, seed: report.seed, unsafe: report.unsafe, safe: report.safe, story: report.story };
}

export function registerScenarioCommand(program: Command): void {
  program
    .command('scenario [name]')
    .description('List the classic failures, or run one: the damage without the mitigation, then the fix (with numbers).')
    .option('--seed <s>', 'seed for the run (scenarios are deterministic)')
    .option('--json', 'end stdout with one JSON object')
    .option('--plot <file>', 'write the scenario’s picture (SVG), where it has one')
    .action((name: string | undefined, flags: ScenarioFlags) => {
      process.exitCode = runScenarioCommand(name, flags);
    });
}
