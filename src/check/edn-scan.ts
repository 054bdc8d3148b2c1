/**
 * A structural pre-scan of EDN text: splits it into top-level forms, each
 * with the line it starts on, and checks what `edn-data` silently accepts —
 * unbalanced or mismatched brackets, unterminated strings, maps with an odd
 * number of forms, trailing junk — so every error names its line. The
 * values themselves are then read by `edn-data`.
 */
import { HistoryFormatError } from './errors.js';

export interface EdnForm {
  /** The form's source text. */
  text: string;
  /** 1-based line the form starts on. */
  line: number;
}

interface Frame {
  closer: string;
  line: number;
  isMap: boolean;
  /** Forms directly inside (maps only need it). */
  count: number;
  /** `#_` seen: the next form is discarded. */
  discards: number;
}

const CLOSERS: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

function isDelimiter(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ',' || ch === ';' || ch === '"' ||
    ch === '{' || ch === '}' || ch === '[' || ch === ']' || ch === '(' || ch === ')';
}

/** Split EDN text into top-level forms (tagged forms and `#_` discards handled). */
export function scanEdnForms(text: string): EdnForm[] {
  const forms: EdnForm[] = [];
  const stack: Frame[] = [];
  let line = 1;
  let formStart = -1;
  let formLine = 0;
  let topDiscards = 0;

  const elementDone = (end: number): void => {
    const frame = stack[stack.length - 1];
    if (frame !== undefined) {
      if (frame.discards > 0) frame.discards--;
      else frame.count++;
      return;
    }
    if (topDiscards > 0) {
      topDiscards--;
    } else {
      forms.push({ text: text.slice(formStart, end), line: formLine });
    }
    formStart = -1;
  };
  const beginElement = (at: number): void => {
    if (stack.length === 0 && formStart < 0) {
      formStart = at;
      formLine = line;
    }
  };

  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') {
      line++;
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === ',') {
      i++;
      continue;
    }
    if (ch === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '"') {
      beginElement(i);
      const startLine = line;
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        else if (text[i] === '\n') line++;
        i++;
      }
      if (i >= text.length) throw new HistoryFormatError(startLine, 'a closing " for the string opened here', 'end of input');
      i++;
      elementDone(i);
      continue;
    }
    if (ch === '{' || ch === '[' || ch === '(' || (ch === '#' && text[i + 1] === '{')) {
      beginElement(i);
      const opener = ch === '#' ? '{' : ch;
      stack.push({ closer: CLOSERS[opener], line, isMap: ch === '{', count: 0, discards: 0 });
      i += ch === '#' ? 2 : 1;
      continue;
    }
    if (ch === '}' || ch === ']' || ch === ')') {
      const frame = stack.pop();
      if (frame === undefined) throw new HistoryFormatError(line, 'a form (nothing is open here)', `"${ch}"`);
      if (frame.closer !== ch) {
        throw new HistoryFormatError(line, `"${frame.closer}" to close the form opened on line ${frame.line}`, `"${ch}"`);
      }
      if (frame.isMap && frame.count % 2 !== 0) {
        throw new HistoryFormatError(frame.line, 'a map with an even number of forms (key value pairs)', `${frame.count} forms`);
      }
      i++;
      elementDone(i);
      continue;
    }
    if (ch === '#' && text[i + 1] === '_') {
      const frame = stack[stack.length - 1];
      if (frame !== undefined) frame.discards++;
      else topDiscards++;
      i += 2;
      continue;
    }
    // An atom: number, keyword, symbol, nil/true/false, a character, or a #tag.
    beginElement(i);
    if (ch === '\\') i += 2; // character literal: the next char is taken literally, even a bracket
    while (i < text.length && !isDelimiter(text[i])) i++;
    // A #tag prefixes the next form and is not an element itself (at top
    // level the form, begun at the tag, ends with that next form).
    if (ch === '#') continue;
    elementDone(i);
  }
  if (stack.length > 0) {
    const frame = stack[stack.length - 1];
    throw new HistoryFormatError(frame.line, `a closing "${frame.closer}" for the form opened here`, 'end of input');
  }
  if (formStart >= 0) throw new HistoryFormatError(formLine, 'a value after the tag', 'end of input');
  return forms;
}
