import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/*
 * The folders' one-way imports (shared/DESIGN.md, "Layout"): each entry names what a folder may NOT
 * import. core depends on nothing of ours; config on core; adapters on core; broker on adapters, config
 * and core; viewer on broker and core; sim on core, except the few files that compose a real broker for
 * the demo and the neighbouring region. bench and test may use anything, and so may unit tests beside
 * the code (*.test.ts).
 */
const OURS = ['core', 'config', 'adapters', 'broker', 'viewer', 'sim', 'bench', 'test'];
const MAY_NOT_IMPORT = {
  core: ['config', 'adapters', 'broker', 'viewer', 'sim', 'bench', 'test'],
  config: ['adapters', 'broker', 'viewer', 'sim', 'bench', 'test'],
  adapters: ['config', 'broker', 'viewer', 'sim', 'bench', 'test'],
  broker: ['viewer', 'sim', 'bench', 'test'],
  viewer: ['adapters', 'sim', 'bench', 'test'],
  sim: ['adapters', 'broker', 'config', 'viewer', 'bench', 'test'],
};
/** The sim files that start a real broker (the demo, the neighbouring region): sim → broker, config. */
const SIM_COMPOSITION = ['sim/demo.ts', 'sim/neighbouring-region.ts', 'sim/region-config.ts'];
/** The demo also mounts the clinician's viewer on its broker: sim/demo.ts → viewer, for that composition only. */
const SIM_DEMO = 'sim/demo.ts';

const boundaryZones = (folder, forbidden) =>
  forbidden
    .filter((other) => OURS.includes(other))
    .map((other) => ({
      target: `./${folder}`,
      from: `./${other}`,
      message: `${folder}/ must not import from ${other}/: imports run one way (see shared/DESIGN.md, "Layout").`,
    }));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.demo/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['{core,config,adapters,broker,viewer,sim}/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: Object.entries(MAY_NOT_IMPORT).flatMap(([folder, forbidden]) =>
            boundaryZones(folder, forbidden),
          ),
        },
      ],
    },
  },
  {
    files: SIM_COMPOSITION,
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: boundaryZones(
            'sim',
            MAY_NOT_IMPORT.sim.filter((other) => other !== 'broker' && other !== 'config'),
          ),
        },
      ],
    },
  },
  {
    files: [SIM_DEMO],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: boundaryZones(
            'sim',
            MAY_NOT_IMPORT.sim.filter((other) => !['broker', 'config', 'viewer'].includes(other)),
          ),
        },
      ],
    },
  },
  {
    files: ['sim/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly' } },
  },
);
