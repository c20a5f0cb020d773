// A parse-and-validate worker for large repositories: YAML parsing is CPU-bound and dominates a
// plan, so it is spread over the machine's cores. Each worker compiles the schemas once.
import { parentPort, workerData } from 'node:worker_threads';
import { bundledCatalog } from '../catalog/catalog.js';
import { loadFile } from './providers.js';
import type { ValidateOptions } from './validate.js';

// See src/cli/main.ts: the yaml parser reads process.env per token.
process.env = { ...process.env };
const data = workerData as { baseDir: string; secretStores?: string[] };
const opts: ValidateOptions = { catalog: bundledCatalog(), ...(data.secretStores ? { secretStores: new Set(data.secretStores) } : {}) };
const port = parentPort!;
port.on('message', ({ i, files }: { i: number; files: string[] }) => {
  port.postMessage({ i, results: files.map((f) => loadFile(f, data.baseDir, opts)) });
});
port.postMessage({ ready: true });
