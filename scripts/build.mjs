// npm run build: the CLI as one ESM bundle, dist/cli/main.js, that bin/paystrator-gitops.js runs.
// A cold start used to spend most of its time resolving and loading ~400 modules (src/ and its
// dependencies); one file parses faster than many, and each command's lazily imported module
// (`await import('./commands/x.js')` in src/cli/main.ts) stays its own chunk, so `validate` loads
// neither the HTTP client nor the sandbox. `--metafile` writes bench/out/esbuild-meta.json and
// prints what each chunk pulls in (https://esbuild.github.io/analyze/). tsc stays the type checker
// (npm run typecheck); tests of internals import src/ through vitest, not dist/.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

// Modules find files beside the package (package.json, schemas/, templates/, the dashboard
// script) relative to their own import.meta.url, as they would sit in dist/ after tsc. In the
// bundle a module lands in dist/cli/main.js or dist/chunks/*.js, both one level below dist/, so
// each module's import.meta.url is replaced by the URL it would have had, "../<its path>.js"
// from either directory: the modules keep working unchanged, wherever esbuild puts them.
const whereTscPutIt = {
  name: 'import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(src + path.sep)) return undefined;
      const rel = path.relative(src, args.path).split(path.sep).join('/').replace(/\.ts$/, '.js');
      let text = bundledRequires(await readFile(args.path, 'utf8'));
      if (leanFetchUsers.test(rel)) text = withLeanFetch(text);
      if (text.includes('import.meta.url')) text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify('../' + rel)}, import.meta.url).href`);
      if (lazyEntries.has(args.path)) text += withCore + withCommon;
      return { contents: text, loader: 'ts' };
    });
  },
};

// Each module imported lazily (`await import(...)`) is an entry point of esbuild's splitting, and
// code goes into one chunk per set of entry points that reach it: what src/cli/main.ts needs at
// start (diagnostics, io, escape, version, ...) came out as ten chunks of 0.2-2 kB, each one more
// file for Node to resolve, read and link on every run (for `--help`, more time than parsing the
// code). Every lazily imported module also imports main.ts (already loaded when they run: the
// import does nothing at run time), so all of main's code is reached from every entry point and
// lands in one chunk.
// Found before the build: esbuild may load a module through a static import before it meets the
// dynamic one.
const lazyEntries = new Set();
for (const file of await readdir(src, { recursive: true })) {
  if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.startsWith('generated')) continue;
  const abs = path.join(src, file);
  for (const m of (await readFile(abs, 'utf8')).matchAll(/\bimport\((['"])(\.{1,2}\/[^'"]+)\.js\1\)/g)) lazyEntries.add(path.resolve(path.dirname(abs), `${m[2]}.ts`));
}
const mainFile = path.join(src, 'cli/main.ts');
const withCore = `\nimport ${JSON.stringify(mainFile)};\n`;
// The same for what the commands share: the edit loop's `validate` and `plan`, and every command
// of the workspace (drift, apply, list, import, ...), reach most of src/ (load, kinds, diff, plan,
// render, ...) through their own sets of entry points, which came out as twenty chunks of 0.3-10 kB
// for `plan`. Every lazily imported module also imports the modules of those two commands, so their
// code is reached from every lazy entry point (not from main.ts, so `--help` does not load it) and
// lands in one chunk: `plan` loads 10 files instead of 27, `validate` 6 instead of 16; `validate`
// also parses `plan`'s rendering (~20 kB), which costs less than the files it no longer loads.
const commonFiles = ['cli/commands/validate.ts', 'cli/commands/plan.ts'].map((f) => path.join(src, f));
const withCommon = commonFiles.map((f) => `import ${JSON.stringify(f)};\n`).join('');

// A dependency loaded on first use with `createRequire(import.meta.url)('pkg')` (sync, so callers
// stay sync) would come from node_modules file by file, as ~70 modules for ajv. Written as a plain
// `require('pkg')`, esbuild bundles it and runs it only when that line runs. The generated
// validators' `const require = createRequire(import.meta.url)` goes for the same reason: their
// ajv runtime helpers are then bundled too.
function bundledRequires(text) {
  return text
    .replace(/^const require = createRequire\(import\.meta\.url\);$/m, '')
    .replace(/createRequire\(import\.meta\.url\)\((['"][^'"]+['"])\)/g, 'require($1)');
}

// The embedded sandbox answers in-process. For what it builds its answers with, hono's own modules
// and the server code of src/sandbox/ get src/api/lean-fetch.ts's Response and Headers in place
// of the globals (which load Node's undici, ~40 ms, on first use): real objects unless the
// in-process transport runs, lean ones when it does. The browser script (ui/app.ts) is not
// bundled here.
const leanFetchFile = path.join(src, 'api/lean-fetch.ts');
const leanFetchUsers = /^sandbox\/(?!ui\/app\.js$).*\.js$/;
function withLeanFetch(text) {
  const names = ['Response', 'Headers'].filter((n) => new RegExp(`\\b${n}\\b`).test(text));
  if (!names.length) return text;
  return `import { ${names.map((n) => `Lean${n} as ${n}`).join(', ')} } from ${JSON.stringify(leanFetchFile)};\n${text}`;
}
const leanFetch = {
  name: 'lean-fetch',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]hono[\\/]dist[\\/].*\.js$/ }, async (args) => {
      if (/[\\/]dist[\\/]cjs[\\/]/.test(args.path)) throw new Error(`scripts/build.mjs: hono resolved to its CommonJS build (${args.path}); the lean-fetch import expects its ES modules`);
      return { contents: withLeanFetch(await readFile(args.path, 'utf8')), loader: 'js' };
    });
  },
};

// Loads a dependency does at start-up that no command uses. Each patch names the text it
// replaces; a dependency update that changes it makes the build fail here, not run slower unseen.
const patches = [
  {
    // commander spawns executable subcommands, which this CLI has none of; node:child_process
    // (with net, dgram, ...) then loads only if one is ever spawned.
    file: 'node_modules/commander/lib/command.js',
    from: "const childProcess = require('node:child_process');",
    to: "const childProcess = { get spawn() { return require('node:child_process').spawn; } };",
  },
  {
    // proper-lockfile takes graceful-fs for its mkdir/stat/utimes/rmdir, none of which graceful-fs
    // retries or changes (it queues open/readdir/... on EMFILE); patching fs costs ~15 ms at start.
    file: 'node_modules/proper-lockfile/lib/lockfile.js',
    from: "const fs = require('graceful-fs');",
    to: "const fs = require('fs');",
  },
  {
    file: 'node_modules/proper-lockfile/lib/adapter.js',
    from: "const fs = require('graceful-fs');",
    to: "const fs = require('fs');",
  },
  {
    // signal-exit (proper-lockfile's, for removing the lock on a signal) loads node:assert (~3 ms)
    // for one argument check at registration; node:assert now loads only to report a failed one.
    file: 'node_modules/signal-exit/index.js',
    from: "  var assert = require('assert')",
    to: "  var assert = { equal: function (a, b, m) { if (a != b) require('assert').equal(a, b, m) } }",
  },
  {
    // fdir require()s picomatch from node_modules at load, for its own glob(); tinyglobby matches
    // with its bundled picomatch and never calls fdir's glob().
    file: 'node_modules/fdir/dist/index.mjs',
    from: '\t__require.resolve("picomatch");\n\tpm = __require("picomatch");\n',
    to: '',
  },
];
const patched = {
  name: 'patch-dependencies',
  setup(build) {
    for (const p of patches) {
      const file = path.join(root, p.file);
      build.onLoad({ filter: new RegExp(`${p.file.replaceAll('/', '[\\\\/]').replaceAll('.', '\\.')}$`) }, async (args) => {
        if (args.path !== file) return undefined;
        const text = await readFile(file, 'utf8');
        if (!text.includes(p.from)) throw new Error(`scripts/build.mjs: ${p.file} no longer contains the text its patch replaces; update the patch`);
        return { contents: text.replace(p.from, p.to), loader: 'js' };
      });
    }
  },
};

// Code a run needs only sometimes, loaded on first use by a synchronous require() and kept out of
// the chunks, so a command that does not use it does not parse it either (V8 reads every byte of
// a chunk it loads; `validate` of provider files used to read ~360 kB of these):
// - yaml@2: a file the fast path declines, a message, and the writers of import and drift;
// - ajv's compiler: integration schemas of catalogs other than the bundled one, the sandbox's
//   request checks;
// - croner: change windows;
// - the validators compiled ahead for other kinds' documents and for plan files (src/generated/*.cjs).
// Each is one CommonJS file in dist/on-demand/. A static import of one (drift's writer imports
// yaml) gets its named exports through Node's CommonJS interop; every importer shares one instance.
const onDemand = [
  { spec: /^yaml$/, entry: 'yaml', file: 'yaml.cjs' },
  { spec: /^ajv\/dist\/2020\.js$/, entry: 'ajv/dist/2020.js', file: 'ajv.cjs' },
  { spec: /^croner$/, entry: 'croner', file: 'croner.cjs' },
  { spec: /^\.\.\/generated\/kind-validators\.cjs$/, entry: './src/generated/kind-validators.cjs', file: 'kind-validators.cjs' },
  { spec: /^\.\.\/generated\/plan-validator\.cjs$/, entry: './src/generated/plan-validator.cjs', file: 'plan-validator.cjs' },
];
const onDemandFiles = {
  name: 'on-demand',
  setup(build) {
    for (const o of onDemand) build.onResolve({ filter: o.spec }, () => ({ path: `../on-demand/${o.file}`, external: true }));
  },
};

// With splitting, esbuild gives a dynamically imported CommonJS package only a default export,
// where Node gives its named exports too (`const { Pool } = await import('undici')`). The wrapper
// re-exports the names the package has, so the source reads the same either way.
const require = createRequire(import.meta.url);
const namedCjs = {
  name: 'named-cjs-exports',
  setup(build) {
    build.onResolve({ filter: /^undici$/ }, (args) => (args.namespace === 'named-cjs' ? undefined : { path: args.path, namespace: 'named-cjs' }));
    build.onLoad({ filter: /.*/, namespace: 'named-cjs' }, (args) => {
      const names = Object.keys(require(args.path)).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
      return { contents: `import m from ${JSON.stringify(args.path)};\nexport default m;\nexport const { ${names.join(', ')} } = m;\n${withCore}`, resolveDir: root, loader: 'js' };
    });
  },
};

await rm(dist, { recursive: true, force: true });

const cli = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { 'cli/main': 'src/cli/main.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require() for Node's modules: give ESM chunks one.
  banner: { js: "import { createRequire as __pgCreateRequire } from 'node:module'; const require = __pgCreateRequire(import.meta.url);" },
  // Installed beside the package like any dependency: only loaded when a store of that type is used,
  // and too large to be worth bundling.
  external: ['@aws-sdk/*'],
  mainFields: ['module', 'main'],
  legalComments: 'none',
  // Whitespace and syntax only: names stay as written (error names, stack frames), and V8 scans
  // a third less text on every start.
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
  plugins: [onDemandFiles, whereTscPutIt, patched, leanFetch, namedCjs],
});

await esbuild.build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(onDemand.map((o) => [o.file.replace(/\.cjs$/, ''), o.entry.startsWith('.') ? o.entry : require.resolve(o.entry)])),
  outdir: 'dist/on-demand',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

// The sandbox dashboard's script runs in the browser as /ui/app.js: its modules (src/sandbox/ui/browser/)
// in one file, as the page's CSP allows only its own scripts; their imports of src/ are types only.
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['src/sandbox/ui/browser/main.ts'],
  outfile: 'dist/sandbox/ui/app.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});

if (process.argv.includes('--metafile')) {
  await mkdir(path.join(root, 'bench/out'), { recursive: true });
  await writeFile(path.join(root, 'bench/out/esbuild-meta.json'), JSON.stringify(cli.metafile));
  process.stdout.write(await esbuild.analyzeMetafile(cli.metafile, { verbose: false }));
}
