// npm run build: the CLI as one ESM bundle, dist/cli/main.js, that bin/paystrator-gitops.js runs.
// A cold start used to spend most of its time resolving and loading ~400 modules (src/ and its
// dependencies); one file parses faster than many, and each command's lazily imported module
// (`await import('./commands/x.js')` in src/cli/main.ts) stays its own chunk, so `validate` loads
// neither the HTTP client nor the sandbox. `--metafile` writes bench/out/esbuild-meta.json and
// prints what each chunk pulls in (https://esbuild.github.io/analyze/). tsc stays the type checker
// (npm run typecheck); tests of internals import src/ through vitest, not dist/.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
      const text = await readFile(args.path, 'utf8');
      if (!args.path.startsWith(src + path.sep) || !text.includes('import.meta.url')) return undefined;
      const rel = path.relative(src, args.path).split(path.sep).join('/').replace(/\.ts$/, '.js');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify('../' + rel)}, import.meta.url).href`), loader: 'ts' };
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
      return { contents: `import m from ${JSON.stringify(args.path)};\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`, resolveDir: root, loader: 'js' };
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
  metafile: true,
  logLevel: 'warning',
  plugins: [whereTscPutIt, patched, namedCjs],
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
