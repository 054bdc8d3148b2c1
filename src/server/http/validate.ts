/**
 * Turning a zod failure into the API's 400: the first issue, its JSON path as
 * the field (`fence.token`), and zod's own reason. An unknown field is named
 * by itself (`extra`), a wrong top-level type by `body`.
 */
import type { z } from 'zod';
import { invalidField } from './errors.js';

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, root = 'body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const name = issue.keys[0] ?? '';
    return raise(path === '' ? name : `${path}.${name}`, 'is not a known field');
  }
  return raise(path === '' ? root : path, lowerFirst(issue.message));
}

function raise(field: string, reason: string): never {
  throw invalidField(field, reason.endsWith('.') ? reason.slice(0, -1) : reason);
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}
