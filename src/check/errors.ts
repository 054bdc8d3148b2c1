/**
 * Typed errors a caller of the checker may want to catch. Each carries a
 * stable `code` and has a type guard that checks the code, not `instanceof`,
 * so it works across duplicated copies of the package.
 */

export const HISTORY_FORMAT_ERROR = 'FAULTLINE_HISTORY_FORMAT';

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * A history (file or in-memory events) is malformed: bad syntax, a missing
 * field, an invoke while the process still has one outstanding, a completion
 * without an invoke, or a value the model cannot interpret. `line` is the
 * 1-based line (or event position + 1 for in-memory histories).
 */
export class HistoryFormatError extends Error {
  readonly code = HISTORY_FORMAT_ERROR;
  override readonly name = 'HistoryFormatError';
  /** 1-based line number (or event number) where the problem is. */
  readonly line: number;
  /** What was expected there, in words. */
  readonly expected: string;

  constructor(line: number, expected: string, found?: string) {
    super(`line ${line}: expected ${expected}${found === undefined ? '' : `, found ${found}`}`);
    this.line = line;
    this.expected = expected;
  }
}

export function isHistoryFormatError(e: unknown): e is HistoryFormatError {
  return hasCode(e, HISTORY_FORMAT_ERROR);
}

/** Short, safe rendering of an offending value for an error message. */
export function describeFound(value: unknown, maxChars = 60): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
