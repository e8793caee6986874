import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The store is a leaf (DESIGN.md): config, the shared types and the shared errors, nothing above.
    files: ['src/store/**/*.ts', 'src/types/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(?!config/|types/|errors\\.js$)', message: 'src/store and src/types import only src/config, src/types and src/errors.ts.' }] }],
    },
  },
);
