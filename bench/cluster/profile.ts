/**
 * Summarise a V8 `.cpuprofile` (from `node --cpu-prof`, e.g. a bench:cluster
 * run with `--node-flags "--cpu-prof --cpu-prof-dir=DIR"`): self time by
 * area (our folders, each dependency, node internals, GC, idle) and the
 * hottest functions, as shares of the busy (non-idle) time.
 *
 *   node dist-bench/bench/cluster/profile.js FILE.cpuprofile [--top 40] [--per-op N]
 *
 * Samples are wall-clock: time the event loop spends blocked in a system
 * call (a `writeSync`) counts as that call's, though no CPU is used.
 *
 * `--per-op N` (N operations during the profile) also prints µs per
 * operation for each area.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a function lives, coarse enough to act on. */
export function areaOf(url: string, name: string): string {
  if (name === '(idle)') return '(idle)';
  if (name === '(garbage collector)') return '(gc)';
  if (name === '(program)') return '(program)';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep !== null) return dep[1];
  // Our code, by folder (dist/server/http/server.js → src/server/http).
  const ours = /\/dist(?:-bench)?\/(?:src\/)?(.+)\/[^/]+\.js$/.exec(url);
  if (ours !== null) return `src/${ours[1]}`;
  if (url.startsWith('node:')) {
    const m = /^node:(?:internal\/)?([a-z_]+)/.exec(url);
    return `node:${m?.[1] ?? url}`;
  }
  if (url === '') return '(native)';
  return url;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly areas: ReadonlyArray<{ readonly area: string; readonly ms: number }>;
  readonly functions: ReadonlyArray<{ readonly name: string; readonly where: string; readonly ms: number }>;
  /** Time with the function anywhere on the stack (recursion counted once). */
  readonly inclusive: ReadonlyArray<{ readonly name: string; readonly where: string; readonly ms: number }>;
}

export function summarise(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, { name: string; where: string; ms: number }>();
  const keyOf = (node: ProfileNode): { key: string; name: string; where: string } => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    return { key: `${functionName}@${where}`, name: functionName || '(anonymous)', where };
  };
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf(byId.get(at)!);
      if (seen.has(k.key)) continue;
      seen.add(k.key);
      const f = inclusive.get(k.key) ?? { name: k.name, where: k.where, ms: 0 };
      f.ms += us / 1000;
      inclusive.set(k.key, f);
    }
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; ms: number }>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    totalUs += us;
    if (area === '(idle)') idleUs += us;
    areas.set(area, (areas.get(area) ?? 0) + us / 1000);
    const k = keyOf(node);
    const f = functions.get(k.key) ?? { name: k.name, where: k.where, ms: 0 };
    f.ms += us / 1000;
    functions.set(k.key, f);
  }
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    areas: [...areas].map(([area, ms]) => ({ area, ms })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()].sort((a, b) => b.ms - a.ms),
    inclusive: [...inclusive.values()].sort((a, b) => b.ms - a.ms),
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (file === undefined) throw new Error('usage: profile.js FILE.cpuprofile [--top N] [--per-op N]');
  const flag = (name: string): number | undefined => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : Number(args[i + 1]);
  };
  const top = flag('--top') ?? 40;
  const ops = flag('--per-op');
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const busy = s.totalMs - s.idleMs;
  const line = (label: string, ms: number): string =>
    `${(((100 * ms) / busy).toFixed(1) + '%').padStart(7)} ${ms.toFixed(0).padStart(7)} ms${ops ? `${((1000 * ms) / ops).toFixed(1).padStart(8)} µs/op` : ''}  ${label}`;
  process.stdout.write(`${file}: ${s.totalMs.toFixed(0)} ms profiled, ${busy.toFixed(0)} ms busy (${((100 * busy) / s.totalMs).toFixed(0)}%)\n\nby area (self time, % of busy):\n`);
  for (const a of s.areas) if (a.area !== '(idle)') process.stdout.write(line(a.area, a.ms) + '\n');
  process.stdout.write(`\nhottest functions:\n`);
  for (const f of s.functions.filter((f) => f.name !== '(idle)').slice(0, top)) process.stdout.write(line(`${f.name}  ${f.where}`, f.ms) + '\n');
  process.stdout.write(`\ninclusive (on the stack):\n`);
  for (const f of s.inclusive.filter((f) => f.name !== '(idle)' && f.name !== '(root)').slice(0, top)) process.stdout.write(line(`${f.name}  ${f.where}`, f.ms) + '\n');
}

if (process.argv[1]?.endsWith('profile.js')) {
  process.stdout.on('error', () => process.exit(0)); // piped into head
  main();
}
