import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports of the wiring, which lower layers must not make (DESIGN.md: config < store < ingest/classify/dedupe < digest/delivery < worker/web/cli). */
const wiring = { group: ['**/worker/*', '**/cli/*', '**/web/*', '**/cli.js', '**/main.js'], message: 'Lower layers never import the wiring (worker/, cli/, web/): take what you need as a parameter.' };

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'out/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Only the config module reads the environment; everything else gets settings passed in.
    files: ['src/**/*.ts'],
    ignores: ['src/config/env.ts', 'src/cli.ts'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings from src/config/env.ts and pass them in.' }] },
  },
  {
    // The wiring (worker/, and the cli/ and web/ processes) sits on top: nothing below imports it.
    files: ['src/{config,store,ingest,classify,dedupe,digest,delivery}/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [wiring] }] },
  },
  {
    // queue/ is names, payloads and enqueueing: it knows config and store, not what the jobs do.
    files: ['src/queue/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [wiring, { group: ['**/ingest/*', '**/classify/*', '**/dedupe/*', '**/digest/*', '**/delivery/*'], message: 'queue/ holds queue names, payload types and enqueueing; define the payload here instead.' }] }] },
  },
  {
    // The store is a leaf (DESIGN.md): config, the shared types and the shared errors, nothing above.
    files: ['src/store/**/*.ts', 'src/types/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(?!config/|types/|errors\\.js$)', message: 'src/store and src/types import only src/config, src/types and src/errors.ts.' }] }],
    },
  },
);
