import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

// The layers of src/, top to bottom (docs/architecture.md). A folder imports only from layers
// below it; test/architecture/cycles.test.ts adds that no import cycle exists at all.
const BASE = ['model', 'diff', 'load', 'api', 'secrets', 'text', 'catalog', 'live', 'github', 'generated', 'diagnostics.ts', 'version.ts'];
const DOMAIN = ['plan', 'drift', 'apply', 'import', 'sequences', 'apikeys', 'fees', 'kinds', 'init', 'rollout'];
// A zone's `target` is who imports; `except` only carves out of `from`. "Everyone but X" is
// therefore the list of src/ entries (and, for a folder with one allowed file, its other files).
const entries = (dir) => readdirSync(new URL(dir, import.meta.url)).filter((n) => !n.endsWith('.test.ts'));
const SRC = entries('./src/');
const src = (names) => names.map((d) => `./src/${d}`);
const allBut = (...names) => src(SRC.filter((n) => !names.includes(n)));
const inFolderBut = (folder, ...files) => entries(`./src/${folder}/`).filter((n) => !files.includes(n)).map((n) => `./src/${folder}/${n}`);

const zones = [
  { target: allBut('cli'), from: './src/cli', message: 'src/cli is the top layer: nothing imports it.' },
  { target: allBut('cli', 'app'), from: './src/app', message: 'src/app is imported by src/cli only.' },
  // Rendering is the last step before output: the CLI and the orchestration layer call it.
  { target: allBut('cli', 'app', 'render'), from: './src/render', message: 'src/render is imported by src/cli and src/app only.' },
  // The domain (planning, drift, apply, import, kinds) never reaches up into render/app/cli (above),
  // and the base layer never reaches up into the domain.
  { target: src(BASE), from: src(DOMAIN), message: 'Base modules (model, diff, load, api, secrets, text, github, ...) do not import the domain layer.' },
  // GitHub API calls are made on behalf of the CLI, by the orchestration layer.
  { target: allBut('cli', 'app', 'github'), from: './src/github', message: 'src/github is called from src/app (and src/cli for its flag types).' },
  // The sandbox is a separate program: connecting to `embedded` (src/app/workspace.ts) and the
  // `sandbox` command start it; nothing else knows it exists.
  {
    target: [...allBut('sandbox', 'app', 'cli'), ...inFolderBut('app', 'workspace.ts'), ...inFolderBut('cli', 'commands'), ...inFolderBut('cli/commands', 'sandbox.ts', 'sandbox-options.ts')],
    from: './src/sandbox',
    message: 'Only the connect step (src/app/workspace.ts) and the sandbox command import src/sandbox.',
  },
  // And the sandbox depends on nothing of the product but the shared model, catalog and text.
  {
    target: './src/sandbox',
    from: src(['cli', 'app', 'render', ...DOMAIN.filter((d) => d !== 'fees'), 'load', 'api', 'secrets', 'github', 'diff', 'live']),
    message: "src/sandbox is the API's stand-in: it imports only model, catalog, text, diagnostics and generated types.",
  },
  // The store's domain is pure of the file system: persistence (the state file, its lock) builds on
  // the domain, never the other way.
  {
    target: ['./src/sandbox/store/domain.ts', './src/sandbox/store/types.ts', './src/sandbox/store/digest.ts', './src/sandbox/store/blocks.ts'],
    from: ['./src/sandbox/store/persistence.ts', './src/sandbox/store/lock.ts'],
    message: 'The sandbox store domain (store/domain.ts and its types) does not import its persistence (persistence.ts, lock.ts).',
  },
  // The one exception: simulated traffic charges fees by the same exact rounding as `fees quote`.
  { target: './src/sandbox', from: './src/fees', except: ['./quote.ts'], message: 'src/sandbox imports only src/fees/quote.ts (the fee arithmetic) of the domain.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/generated/**', 'coverage/**', '.paystrator/**', 'bench/out/**', 'test/.tmp/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
    },
  },
  {
    // Plain JavaScript files (this config, scripts, bin/) are not in a TypeScript project.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Tests read the CLI's JSON output and servers' request bodies as untyped JSON on purpose (the
    // shape is what they assert), and their fake servers and stores are async to fit the real
    // interfaces: these rules there flag style, not bugs.
    files: ['test/**', 'src/**/*.test.ts', 'bench/**', 'scripts/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
      // Output is collected as Buffer chunks and request bodies as untyped JSON, then stringified.
      '@typescript-eslint/restrict-plus-operands': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // expect(obj.method) and spies take methods off their objects on purpose.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { 'import-x': importX },
    // NodeNext sources import './x.js' for ./x.ts: the resolver must map it, or every import is
    // unresolved and the zones below silently pass.
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'], extensionAlias: { '.js': ['.ts', '.js'] } })] },
    rules: { 'import-x/no-restricted-paths': ['error', { zones }] },
  },
  {
    // A builtin is not a path, so the zone above cannot say it: the store's domain touches no file.
    files: ['src/sandbox/store/domain.ts', 'src/sandbox/store/types.ts', 'src/sandbox/store/digest.ts', 'src/sandbox/store/blocks.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['fs', 'fs/promises', 'node:fs', 'node:fs/promises'].map((name) => ({ name, message: 'The sandbox store domain is pure of the file system: persistence.ts reads and writes.' })) }],
    },
  },
  {
    // Only the CLI owns stdout and exit codes; everything else returns values.
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'process', property: 'exit', message: 'Only src/cli/ sets exit codes.' },
        { object: 'process', property: 'stdout', message: 'Only src/cli/ writes to stdout.' },
        { object: 'process', property: 'stderr', message: 'Only src/cli/ writes to stderr.' },
      ],
      'no-console': 'error',
    },
  },
);
