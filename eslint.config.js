// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Protocol code must not read real time, real randomness or do real I/O: the
 * Env supplies all three, so the same code runs under the simulator's virtual
 * time and one seed. Only the Node runtime, the server and the CLI (and tests
 * and benchmarks) may touch the real world.
 */
export const ambientRules = {
  'no-restricted-globals': [
    'error',
    { name: 'Date', message: 'Protocol code must not read the wall clock: take time from the Env (or a `now` option).' },
    { name: 'performance', message: 'Protocol code must not read real time: take a monotonic clock from the Env.' },
    { name: 'setTimeout', message: 'Protocol code must not use real timers: use Env timers / return a timer effect.' },
    { name: 'setInterval', message: 'Protocol code must not use real timers: use Env timers / return a timer effect.' },
    { name: 'setImmediate', message: 'Protocol code must not use real timers: use Env timers / return a timer effect.' },
    { name: 'crypto', message: 'Protocol code must not use real randomness: take the seeded Rng from the Env.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Protocol code must not use Math.random: take the seeded Rng from the Env.' },
    { object: 'Date', property: 'now', message: 'Protocol code must not read the wall clock: take time from the Env.' },
    { object: 'performance', property: 'now', message: 'Protocol code must not read real time: take a monotonic clock from the Env.' },
    { object: 'process', property: 'hrtime', message: 'Protocol code must not read real time: take a monotonic clock from the Env.' },
    { object: 'globalThis', property: 'setTimeout', message: 'Protocol code must not use real timers.' },
    { object: 'globalThis', property: 'Date', message: 'Protocol code must not read the wall clock.' },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: "MemberExpression[object.name='crypto'][property.name=/^random/]",
      message: 'Protocol code must not use crypto randomness: take the seeded Rng from the Env.',
    },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['node:*'], message: 'Protocol code must not do I/O: the Env (sim or Node runtime) does it.' },
        {
          group: ['fs', 'fs/*', 'net', 'http', 'https', 'http2', 'dgram', 'child_process', 'worker_threads', 'os', 'crypto', 'timers', 'timers/*', 'perf_hooks', 'cluster', 'tls', 'dns'],
          message: 'Protocol code must not do I/O: the Env (sim or Node runtime) does it.',
        },
      ],
    },
  ],
};

/** Folders that run in the real world and so may use real time, timers and I/O. */
export const realWorldFolders = ['src/node/**', 'src/server/**', 'src/cli/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'coverage/**', 'data/**', '**/__fixtures__/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [...realWorldFolders, 'src/**/*.test.ts'],
    rules: ambientRules,
  },
);
