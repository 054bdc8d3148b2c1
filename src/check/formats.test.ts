import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  casRegisterModel, checkHistory, formatJepsenEdnHistory, formatJsonlHistory, HistoryFormatError, isHistoryFormatError, lockModel,
  pairOperations, parseJepsenEdnHistory, parseJsonlHistory,
} from './index.js';
import type { History } from './index.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url)), 'utf8');
const strip = (h: History) => h.map(({ line: _line, ...e }) => e);

function formatError(fn: () => unknown): HistoryFormatError {
  try {
    fn();
  } catch (error) {
    expect(isHistoryFormatError(error)).toBe(true);
    return error as HistoryFormatError;
  }
  throw new Error('expected a HistoryFormatError');
}

describe('Jepsen EDN and JSONL fixtures of one history', () => {
  for (const name of ['cas-register-ok', 'cas-register-stale']) {
    it(`${name}: same events, same verdict`, () => {
      const edn = parseJepsenEdnHistory(fixture(`${name}.edn`));
      const jsonl = parseJsonlHistory(fixture(`${name}.jsonl`));
      expect(strip(edn)).toEqual(strip(jsonl));
      const a = checkHistory(edn, casRegisterModel);
      const b = checkHistory(jsonl, casRegisterModel);
      expect(a.result).toBe(name.endsWith('ok') ? 'linearizable' : 'not-linearizable');
      expect(b.result).toBe(a.result);
      expect(a.failure?.op.invokeLine).toBe(b.failure?.op.invokeLine);
    });
  }

  it('reads nemesis entries, :error on info completions, and an invoke that never completed', () => {
    const history = parseJepsenEdnHistory(fixture('cas-register-ok.edn'));
    expect(history.filter((e) => e.process === 'nemesis')).toHaveLength(3);
    expect(history[9]).toMatchObject({ type: 'info', f: 'cas', error: 'timeout', line: 10 });
    const { ops, nemesisEvents } = pairOperations(history);
    expect(nemesisEvents).toBe(3);
    expect(ops.find((op) => op.process === 7)).toMatchObject({ status: 'info', returnTime: Infinity });
  });

  it('splits jepsen.independent tuples into keys (detected), and agrees with the keyed JSONL', () => {
    const edn = parseJepsenEdnHistory(fixture('kv-independent.edn'));
    const jsonl = parseJsonlHistory(fixture('kv-independent.jsonl'));
    expect(strip(edn)).toEqual(strip(jsonl));
    const result = checkHistory(edn, casRegisterModel);
    expect(result.result).toBe('linearizable');
    expect(result.partitions.map((p) => p.key)).toEqual([5, 6]);
  });

  it('does not mistake plain cas vectors for tuples, and lets the caller decide', () => {
    const plain = '{:type :invoke, :f :cas, :value [1 2], :process 0}\n{:type :ok, :f :cas, :value [1 2], :process 0}\n';
    expect(parseJepsenEdnHistory(plain)[0]).toMatchObject({ value: [1, 2] });
    expect(parseJepsenEdnHistory(plain)[0].key).toBeUndefined();
    const pairs = '{:type :invoke, :f :write, :value [1 2], :process 0}\n{:type :ok, :f :write, :value [1 2], :process 0}\n';
    expect(parseJepsenEdnHistory(pairs)[0]).toMatchObject({ key: 1, value: 2 }); // auto: looks like a tuple
    expect(parseJepsenEdnHistory(pairs, { independent: false })[0]).toMatchObject({ value: [1, 2] });
    expect(() => parseJepsenEdnHistory('{:type :invoke, :f :read, :value nil, :process 0}', { independent: true })).toThrow(
      /line 1: expected an independent tuple \[key value\]/,
    );
  });

  it('takes keys from a :key entry', () => {
    const history = parseJepsenEdnHistory('{:type :invoke, :f :get, :key "x", :value nil, :process 0}\n');
    expect(history[0]).toMatchObject({ key: 'x', value: null });
  });

  it('accepts maps spanning lines, tagged records, comments and #_ discards', () => {
    const text = [
      '; a comment',
      '#jepsen.history.Op{:index 0, :time 5, :type :invoke,',
      '   :process 0, :f :write, :value 3}',
      '#_ {:type :ok}',
      '{:index 1, :time 6, :type :ok, :process 0, :f :write, :value 3, :extra #{1 2}}',
    ].join('\n');
    const history = parseJepsenEdnHistory(text);
    expect(history).toHaveLength(2);
    expect(history[0]).toMatchObject({ type: 'invoke', process: 0, f: 'write', value: 3, time: 5, line: 2 });
    expect(history[1].line).toBe(5);
  });
});

describe('malformed EDN names the line and what was expected', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['unclosed map', '{:type :ok, :f :read, :process 0}\n{:type :ok, :f :read', 2, /closing "}"/],
    ['mismatched bracket', '{:type :ok, :value [1 2}, :f :read, :process 0}', 1, /"\]" to close the form opened on line 1/],
    ['odd map', '\n\n{:type :ok :f}', 3, /even number of forms/],
    ['stray closer', '{:type :invoke, :f :read, :process 0, :value nil}\n]', 2, /nothing is open/],
    ['not a map', '[1 2 3]', 1, /an operation map/],
    ['bad type', '{:type :done, :f :read, :process 0}', 1, /"type" one of invoke, ok, fail, info/],
    ['missing process', '{:type :ok, :f :read}', 1, /"process"/],
    ['unterminated string', '{:type :ok, :f "read', 1, /closing "/],
  ];
  for (const [label, text, line, message] of cases) {
    it(label, () => {
      const error = formatError(() => parseJepsenEdnHistory(text));
      expect(error.line).toBe(line);
      expect(error.message).toMatch(new RegExp(`^line ${line}: expected `));
      expect(error.message).toMatch(message);
    });
  }
});

describe('JSONL', () => {
  it('parses, skips blank lines, and keeps line numbers', () => {
    const history = parseJsonlHistory('\n{"process":0,"type":"invoke","f":"read","value":null}\n\n{"process":0,"type":"ok","f":"read","value":1}\n');
    expect(history.map((e) => e.line)).toEqual([2, 4]);
  });

  const cases: Array<[string, string, RegExp]> = [
    ['bad JSON', '{"process":0,', /one JSON object per line/],
    ['not an object', '[1,2]', /a JSON object/],
    ['bad type', '{"process":0,"type":"done","f":"read"}', /"type" one of/],
    ['missing f', '{"process":0,"type":"ok"}', /"f" \(the operation name\)/],
    ['bad time', '{"process":0,"type":"ok","f":"read","time":"soon"}', /"time" as a finite number/],
    ['bad index', '{"process":0,"type":"ok","f":"read","index":-1}', /"index" as a non-negative integer/],
    ['bad process', '{"process":1.5,"type":"ok","f":"read"}', /"process" as an integer or a name/],
  ];
  for (const [label, line, message] of cases) {
    it(`rejects ${label} with its line`, () => {
      const error = formatError(() => parseJsonlHistory(`{"process":9,"type":"invoke","f":"read"}\n${line}`));
      expect(error.line).toBe(2);
      expect(error.message).toMatch(message);
    });
  }

  it('writes what it reads', () => {
    const text = fixture('kv-independent.jsonl');
    expect(formatJsonlHistory(parseJsonlHistory(text))).toBe(text);
  });

  it('writes EDN that Jepsen-style readers take back', () => {
    const history = parseJsonlHistory(fixture('cas-register-ok.jsonl'));
    const edn = formatJepsenEdnHistory(history);
    expect(edn.split('\n')[0]).toBe('{:type :invoke, :f :write, :value 1, :process 0, :time 1000, :index 0}');
    expect(edn).toContain(':process :nemesis');
    expect(strip(parseJepsenEdnHistory(edn))).toEqual(strip(history));
  });
});

describe('pairing', () => {
  it('rejects a second invoke while one is outstanding (Jepsen rule), naming both lines', () => {
    const text = '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"invoke","f":"read"}';
    const error = formatError(() => pairOperations(parseJsonlHistory(text)));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/invoke on line 1 is still outstanding/);
  });

  it('rejects a completion without an invoke, or of another f', () => {
    expect(formatError(() => pairOperations(parseJsonlHistory('{"process":0,"type":"ok","f":"read"}'))).message).toMatch(/an invoke by process 0/);
    const other = '{"process":0,"type":"invoke","f":"read"}\n{"process":0,"type":"ok","f":"write"}';
    expect(formatError(() => pairOperations(parseJsonlHistory(other))).message).toMatch(/a completion of "read"/);
  });

  it('rejects time on some events only, and time running backwards within an op', () => {
    const mixed = '{"process":0,"type":"invoke","f":"read","time":1}\n{"process":0,"type":"ok","f":"read"}';
    expect(formatError(() => pairOperations(parseJsonlHistory(mixed))).line).toBe(2);
    const backwards = '{"process":0,"type":"invoke","f":"read","time":5}\n{"process":0,"type":"ok","f":"read","time":4}';
    expect(formatError(() => pairOperations(parseJsonlHistory(backwards))).message).toMatch(/time >= 5/);
  });

  it('uses line order as real time when there is no time', () => {
    const result = checkHistory(parseJsonlHistory(fixture('lock-granted-twice.jsonl')), lockModel);
    expect(result.result).toBe('not-linearizable');
    expect(result.failure!.op.process).toBe('b');
  });
});
