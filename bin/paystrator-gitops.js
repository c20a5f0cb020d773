#!/usr/bin/env node
import module from 'node:module';

// Node >= 22.1 keeps V8's compiled code of the bundle between runs (in its temporary folder), so
// a repeated `validate` in an editor or a pre-commit hook skips most of the parsing; older Nodes
// have no such cache and run the same bundle without it.
module.enableCompileCache?.();

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv);
