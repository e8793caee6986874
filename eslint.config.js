import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import regexp from 'eslint-plugin-regexp';

/**
 * Layers (DESIGN.md; the README's Architecture lists them): each folder of src/ may import only
 * the folders named here, besides its own files and the shared leaves (src/errors.ts, paths.ts, random.ts,
 * concurrency.ts). A wrong import fails `npm test`.
 */
const MAY_IMPORT = {
  types: ['config'],
  text: [],
  config: ['types'],
  store: ['config', 'types'],
  classify: ['config', 'types', 'text', 'store'],
  dedupe: ['config', 'types', 'text'],
  ingest: ['config', 'types', 'text', 'store', 'classify', 'dedupe'],
  digest: ['config', 'types', 'text', 'store', 'classify', 'dedupe', 'ingest'],
  delivery: ['config', 'types', 'store', 'digest', 'queue'],
  queue: ['config', 'types', 'store'],
  web: ['config', 'types', 'store', 'classify', 'dedupe', 'digest', 'delivery', 'queue'],
  worker: ['config', 'types', 'text', 'store', 'classify', 'dedupe', 'ingest', 'digest', 'delivery', 'queue'],
  cli: [
    'config',
    'types',
    'text',
    'store',
    'classify',
    'dedupe',
    'ingest',
    'digest',
    'delivery',
    'queue',
    'worker',
    'web',
  ],
};
const FOLDERS = Object.keys(MAY_IMPORT);

/** Pure logic takes no Redis and no queue: the layer that wires things passes in what it needs. */
const PURE = {
  classify: ['features', 'classifier', 'model', 'eval', 'matcher', 'keyword-baseline', 'settings', 'types'],
  dedupe: ['*'],
  digest: [
    'draft',
    'edit',
    'pre-send-checks',
    'render',
    'view',
    'escape',
    'template',
    'week',
    'transfer',
    'recipients',
    'issue-status',
    'errors',
    'preheader',
  ],
  delivery: ['tokens', 'message', 'csv', 'smtp-errors'],
};
const impure = {
  regex: '(^|/)store/|^ioredis$|^bullmq$',
  message: 'pure logic takes no Redis or queue: have the caller pass in what it needs',
};

const layerRules = FOLDERS.flatMap((folder) => {
  const banned = FOLDERS.filter((f) => f !== folder && !MAY_IMPORT[folder].includes(f));
  const layer = {
    regex: `^(\\.\\./)+(${banned.join('|')})/|^\\.\\./(cli|main)\\.js$`,
    message: `src/${folder}/ may import only ${MAY_IMPORT[folder].join(', ') || 'its own files'} (see eslint.config.js and the README's Architecture)`,
  };
  const pure = (PURE[folder] ?? []).map((f) => `src/${folder}/${f}.ts`);
  const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
  return [
    { files: [`src/${folder}/**/*.ts`], ignores: pure, rules: rule([layer]) },
    ...(pure.length ? [{ files: pure, rules: rule([layer, impure]) }] : []),
  ];
});

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
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read settings from src/config/env.ts and pass them in.',
        },
      ],
    },
  },
  {
    // Feed and page text is hostile and unbounded: a pattern that backtracks super-linearly
    // over it freezes a worker (issue #11).
    // Command-line arguments are the operator's own input, not a feed's.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/cli.ts'],
    plugins: { regexp },
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
      'regexp/no-misleading-capturing-group': 'error',
    },
  },
  ...layerRules,
);
