/**
 * `faultline check FILE --model NAME`: is this history linearizable?
 * Exit 0 linearizable, 1 not, 3 unknown (budget spent), 2 bad usage or input.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import {
  builtinModels, checkOperations, describeOperation, isHistoryFormatError, modelByName, pairOperations, parseJepsenEdnHistory,
  parseJsonlHistory, renderHtml,
} from '../../check/index.js';
import type { CheckResult, Failure, History, Operation } from '../../check/index.js';
import { EXIT } from '../exit-codes.js';

export interface CheckCommandOptions {
  model?: string;
  format?: string;
  independent?: string;
  html?: string;
  json?: boolean;
  budgetMs?: string;
  budgetSteps?: string;
}

/** Where the command reads, writes and tells time (real by default; tests inject). */
export interface CheckIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => string;
  writeFile: (path: string, text: string) => void;
  nowMs: () => number;
}

const realIo: CheckIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFileSync(path, 'utf8'),
  writeFile: (path, text) => writeFileSync(path, text),
  nowMs: () => performance.now(),
};

class UsageError extends Error {}

const FORMATS = ['jsonl', 'jepsen-edn'] as const;
type Format = (typeof FORMATS)[number];
const PREFIX_SHOWN = 8;

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

function pickFormat(file: string, format: string | undefined): Format {
  if (format === undefined) return /\.edn$/i.test(file) ? 'jepsen-edn' : 'jsonl';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  return format as Format;
}

function pickIndependent(mode: string | undefined): 'auto' | boolean {
  switch (mode ?? 'auto') {
    case 'auto':
      return 'auto';
    case 'yes':
    case 'true':
      return true;
    case 'no':
    case 'false':
      return false;
    default:
      throw new UsageError(`--independent must be auto, yes or no, got "${mode}"`);
  }
}

function n(count: number): string {
  return count.toLocaleString('en-US');
}

function plural(count: number, word: string): string {
  return `${n(count)} ${word}${count === 1 ? '' : 's'}`;
}

function describeFailure(failure: Failure, lines: string[]): void {
  lines.push(`  partition ${failure.key === undefined ? '(whole history)' : `key ${JSON.stringify(failure.key)}`}:`);
  lines.push(`    could not place: ${describeOperation(failure.op)}`);
  if (failure.states.length > 0) lines.push(`    model state(s) just before it: ${failure.stateDescriptions.join(' | ')}`);
  const prefix = failure.prefix;
  if (prefix.length > 0) {
    lines.push(`    longest partial linearization (${plural(prefix.length, 'op')}${prefix.length > PREFIX_SHOWN ? `, last ${PREFIX_SHOWN} shown` : ''}):`);
    const start = Math.max(0, prefix.length - PREFIX_SHOWN);
    prefix.slice(start).forEach((op, i) => lines.push(`      ${start + i + 1}. ${describeOperation(op)}`));
  }
  if (failure.pending.length > 0) {
    lines.push('    also open at that point and not placed:');
    for (const op of failure.pending.slice(0, PREFIX_SHOWN)) lines.push(`      - ${describeOperation(op)}`);
  }
  if (failure.states.length === 0 && failure.prefix.length === 0) lines.push(`    ${failure.message}`);
}

function humanReport(file: string, format: Format, result: CheckResult, wallMs: number): string {
  const c = result.counts;
  const byResult = (r: string) => result.partitions.filter((p) => p.result === r).length;
  const lines = [
    `history: ${file} (${format}): ${plural(result.ops, 'operation')} (${n(c.ok)} ok, ${n(c.fail)} fail, ${n(c.info)} info) ` +
      `in ${plural(result.partitions.length, 'partition')}`,
    `model: ${result.model}; not searched: ${n(c.droppedFail)} fail, ${n(c.droppedInfoReads)} info read(s), ` +
      `${n(c.droppedUnobserved)} unobserved info write(s)`,
  ];
  const cost = `${wallMs.toFixed(1)} ms, ${plural(result.steps, 'step')}`;
  if (result.result === 'linearizable') {
    lines.push(`verdict: linearizable (${cost})`);
  } else if (result.result === 'not-linearizable') {
    lines.push(`verdict: NOT linearizable: ${byResult('not-linearizable')} of ${plural(result.partitions.length, 'partition')} failed (${cost})`);
    for (const failure of result.failures.slice(0, 5)) describeFailure(failure, lines);
    if (result.failures.length > 5) lines.push(`  … and ${result.failures.length - 5} more failing partition(s)`);
  } else {
    const longest = Math.max(0, ...result.partitions.map((p) => p.longestPrefix?.length ?? 0));
    lines.push(
      `verdict: unknown: the ${result.unknownReason ?? ''} budget ran out (${cost}); ${byResult('unknown')} partition(s) undecided, ` +
        `longest partial linearization ${plural(longest, 'op')}`,
    );
  }
  return lines.join('\n') + '\n';
}

function jsonFailure(failure: Failure) {
  return {
    key: failure.key ?? null,
    op: jsonOp(failure.op),
    message: failure.message,
    states: failure.stateDescriptions,
    prefixLength: failure.prefix.length,
    prefixTail: failure.prefix.slice(-PREFIX_SHOWN).map(jsonOp),
    pending: failure.pending.map(jsonOp),
  };
}

function jsonOp(op: Operation) {
  return {
    id: op.id, process: op.process, f: op.f, key: op.key ?? null, value: op.value ?? null, output: op.output ?? null, status: op.status,
    line: op.invokeLine, completeLine: op.completeLine ?? null,
  };
}

/** Run the command; returns the exit code. */
export function runCheck(file: string, options: CheckCommandOptions, io: CheckIo = realIo): number {
  const json = options.json === true;
  try {
    const modelName = options.model;
    if (modelName === undefined) throw new UsageError(`--model is required (${Object.keys(builtinModels).join(', ')})`);
    const model = modelByName(modelName);
    if (model === undefined) throw new UsageError(`unknown model "${modelName}"; choose one of ${Object.keys(builtinModels).join(', ')}`);
    const format = pickFormat(file, options.format);
    const independent = pickIndependent(options.independent);
    const budgetMs = positiveInteger(options.budgetMs, '--budget-ms');
    const budgetSteps = positiveInteger(options.budgetSteps, '--budget-steps');

    let text: string;
    try {
      text = io.readFile(file);
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const parseStart = io.nowMs();
    let history: History;
    let ops: Operation[];
    try {
      history = format === 'jepsen-edn' ? parseJepsenEdnHistory(text, { independent }) : parseJsonlHistory(text);
      ops = pairOperations(history).ops;
    } catch (error) {
      if (isHistoryFormatError(error)) throw new UsageError(`${file} ${error.message}`);
      throw error;
    }
    const parseMs = io.nowMs() - parseStart;

    const checkStart = io.nowMs();
    let result: CheckResult;
    try {
      result = checkOperations(ops, model, {
        budget: { maxMs: budgetMs, maxSteps: budgetSteps, now: budgetMs !== undefined ? io.nowMs : undefined },
      });
    } catch (error) {
      if (isHistoryFormatError(error)) throw new UsageError(`${file} ${error.message}`);
      throw error;
    }
    const wallMs = io.nowMs() - checkStart;

    if (options.html !== undefined) io.writeFile(options.html, renderHtml(ops, result, model));

    if (json) {
      const byResult = (r: string) => result.partitions.filter((p) => p.result === r).length;
      const summary = {
        result: result.result,
        model: result.model,
        file,
        format,
        ops: result.ops,
        counts: result.counts,
        partitions: result.partitions.length,
        partitionResults: { linearizable: byResult('linearizable'), 'not-linearizable': byResult('not-linearizable'), unknown: byResult('unknown') },
        steps: result.steps,
        wallMs: Math.round(wallMs * 1000) / 1000,
        parseMs: Math.round(parseMs * 1000) / 1000,
        ...(result.unknownReason !== undefined ? { unknownReason: result.unknownReason } : {}),
        failures: result.failures.slice(0, 20).map(jsonFailure),
        ...(options.html !== undefined ? { html: options.html } : {}),
      };
      io.stdout(JSON.stringify(summary) + '\n');
    } else {
      io.stdout(humanReport(file, format, result, wallMs));
      if (options.html !== undefined) io.stdout(`wrote ${options.html}\n`);
    }
    return result.result === 'linearizable' ? EXIT.ok : result.result === 'not-linearizable' ? EXIT.violation : EXIT.unknown;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`faultline check: ${error.message}\n`);
    if (json) io.stdout(JSON.stringify({ result: 'error', error: error.message }) + '\n');
    return EXIT.usage;
  }
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('Check a history for linearizability (exit 0 linearizable, 1 not, 3 unknown, 2 bad input)')
    .argument('<file>', 'history: JSON lines, or Jepsen history.edn')
    .option('--model <name>', `model: ${Object.keys(builtinModels).join(', ')}`)
    .option('--format <format>', 'jsonl or jepsen-edn (default: jepsen-edn for *.edn, else jsonl)')
    .option('--independent <mode>', 'EDN values are jepsen.independent [key value] tuples: auto, yes or no', 'auto')
    .option('--html <file>', 'write a self-contained HTML visualisation')
    .option('--json', 'end stdout with one JSON object')
    .option('--budget-ms <n>', 'give up (unknown, exit 3) after this many ms of checking')
    .option('--budget-steps <n>', 'give up (unknown, exit 3) after this many model steps')
    .action((file: string, options: CheckCommandOptions) => {
      process.exitCode = runCheck(file, options);
    });
}
