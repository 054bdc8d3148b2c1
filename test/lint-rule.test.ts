import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The guard rail itself: the lint rule must reject real time, randomness and
// I/O in protocol folders, and allow them in the real-world folders.
const eslint = new ESLint({ cwd: process.cwd() });

async function messagesFor(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('ambient time / randomness / I/O lint rule', () => {
  it.each([
    ['Date.now()', 'export const t = Date.now();'],
    ['new Date()', 'export const t = new Date();'],
    ['Math.random()', 'export const r = Math.random();'],
    ['performance.now()', 'export const t = performance.now();'],
    ['process.hrtime', 'export const t = process.hrtime.bigint();'],
    ['setTimeout', 'setTimeout(() => {}, 1);'],
    ['setInterval', 'setInterval(() => {}, 1);'],
    ['setImmediate', 'setImmediate(() => {});'],
    ['crypto.randomUUID', 'export const id = crypto.randomUUID();'],
    ['node:fs import', "import { readFileSync } from 'node:fs'; export const f = readFileSync;"],
    ['bare net import', "import net from 'net'; export const n = net;"],
  ])('rejects %s in a protocol folder', async (_name, code) => {
    const messages = await messagesFor(code, 'src/raft/leak.ts');
    expect(messages.length).toBeGreaterThan(0);
  });

  it('names the Env in its message for Date.now()', async () => {
    const messages = await messagesFor('export const t = Date.now();', 'src/raft/leak.ts');
    expect(messages.join('\n')).toMatch(/wall clock/);
  });

  it.each(['src/node/x.ts', 'src/server/x.ts', 'src/cli/x.ts', 'src/raft/x.test.ts'])(
    'allows Date.now() in %s',
    async (filePath) => {
      const messages = await messagesFor('export const t = Date.now();\n', filePath);
      expect(messages).toEqual([]);
    },
  );
});
