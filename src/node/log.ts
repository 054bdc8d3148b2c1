import type { NodeId } from '../env/index.js';

/** The shape of `Env.log`: an event name and flat fields. */
export type LogFn = (event: string, fields?: Record<string, unknown>) => void;

export interface JsonLineLoggerOptions {
  nodeId: NodeId;
  /** Where lines go. @defaultValue process.stderr */
  write?: (line: string) => void;
  /** Timestamp source (ms since the Unix epoch). @defaultValue Date.now */
  wallNowMs?: () => number;
}

/**
 * One JSON object per line: `{"ts":…,"node":…,"event":…,...fields}`. The
 * runtime's own keys come last so a field can never spoof them. Bigints
 * become strings, errors `{name,message,code}`, byte arrays their length,
 * cycles `"[Circular]"` — a log line never throws.
 */
export function createJsonLineLogger(options: JsonLineLoggerOptions): LogFn {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.wallNowMs ?? Date.now;
  const nodeId = options.nodeId;
  return (event, fields) => {
    write(`${safeStringify({ ...fields, ts: now(), node: nodeId, event })}\n`);
  };
}

export function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      // `this[key]` is the value before toJSON (a Buffer's toJSON would spell out every byte).
      const raw = this[key];
      if (raw instanceof Uint8Array) return { bytes: raw.length };
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Error) return { name: v.name, message: v.message, code: (v as { code?: unknown }).code };
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
  } catch (e) {
    return JSON.stringify({ event: 'log.unserializable', error: String(e) });
  }
}
