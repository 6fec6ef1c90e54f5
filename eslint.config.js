// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'slo-proposals/**', 'coverage/**', 'tmp/**', '**/*.js', '!eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Library code logs through the injected pino logger; the CLI and benchmarks own stdout.
    files: ['app/**/*.ts', 'workers/**/*.ts'],
    ignores: ['app/cli.ts', 'app/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // app/core is pure: no I/O, no outer layers, no clock. Time, randomness and data come in as arguments.
    files: ['app/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['../../*', '!../../core/**'], message: 'app/core must not import outer layers.' },
          { group: ['node:*', 'fs', 'http', 'https', 'net', 'child_process', 'pg', 'ioredis', 'bullmq', 'probot', '@octokit/*', '@slack/*', '@gitbeaker/*', 'undici', 'pino'], message: 'app/core is pure: pass I/O in as arguments.' },
        ],
      }],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Pass the clock in (app/core reads no clock).' },
        { object: 'Math', property: 'random', message: 'Pass a seeded RNG in.' },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'app/core does no I/O.' }, { name: 'process', message: 'app/core reads no environment.' }],
    },
  },
);
